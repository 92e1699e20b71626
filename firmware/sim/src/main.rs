//! `camrig-sim`: the simulated light + heart-rate board as a program. It
//! opens a pseudo-terminal, prints its path (point the server's
//! `device.path` at it), and logs every light command it receives.
//!
//! ```text
//! camrig-sim [--bpm 72] [--noise 4] [--dropout EVERY_S,LENGTH_S]
//!            [--csv FILE --rate HZ] [--legacy] [--rgbw] [--link PATH]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use rig_sim::{Options, Signal, Simulator, read_csv, resample};

const USAGE: &str = "usage: camrig-sim [--bpm 72] [--noise 4] [--dropout EVERY_S,LENGTH_S] \
[--csv FILE --rate HZ] [--legacy] [--rgbw] [--link PATH]";

fn main() -> ExitCode {
    match parse(std::env::args().skip(1).collect()) {
        Ok(Some(options)) => run(options),
        Ok(None) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("camrig-sim: {message}\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}

fn parse(args: Vec<String>) -> Result<Option<Options>, String> {
    let mut options = Options::default();
    let (mut bpm, mut noise, mut dropout) = (72.0f32, None::<f32>, None);
    let (mut csv, mut rate) = (None::<PathBuf>, None::<f32>);
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |text: String| {
            text.parse::<f32>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| format!("{flag}: not a number: {text:?}"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--bpm" => bpm = number(value()?)?,
            "--noise" => noise = Some(number(value()?)?),
            "--dropout" => {
                let text = value()?;
                let (every, length) = text
                    .split_once(',')
                    .ok_or_else(|| format!("--dropout wants EVERY_S,LENGTH_S; got {text:?}"))?;
                dropout = Some((number(every.into())?, number(length.into())?));
            }
            "--csv" => csv = Some(PathBuf::from(value()?)),
            "--rate" => rate = Some(number(value()?)?),
            "--legacy" => options.legacy = true,
            "--rgbw" => options.rgbw = true,
            "--link" => options.link = Some(PathBuf::from(value()?)),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    options.signal = match (csv, rate) {
        (Some(path), Some(rate)) if rate > 0.0 => {
            let samples = read_csv(&path).map_err(|e| e.to_string())?;
            Signal::Recorded(resample(&samples, rate))
        }
        (Some(_), _) => return Err("--csv needs --rate (samples per second)".into()),
        (None, _) => match Signal::synthetic(bpm) {
            Signal::Synthetic { noise: default, .. } => Signal::Synthetic {
                bpm,
                noise: noise.unwrap_or(default),
                dropout,
            },
            other => other,
        },
    };
    Ok(Some(options))
}

fn run(options: Options) -> ExitCode {
    let legacy = options.legacy;
    let simulator = match Simulator::start(options) {
        Ok(simulator) => simulator,
        Err(err) => {
            eprintln!("camrig-sim: cannot open a pseudo-terminal: {err}");
            return ExitCode::FAILURE;
        }
    };
    let tty = simulator.tty().unwrap_or_default();
    println!(
        "camrig-sim: {} board on {} (open {}); Ctrl-C stops it",
        if legacy { "legacy sketch" } else { "protocol" },
        tty.display(),
        simulator.path().display()
    );
    let mut shown = 0;
    loop {
        let lights = simulator.lights();
        for light in lights.iter().skip(shown) {
            println!(
                "light: {} rgb {},{},{} white {} brightness {}",
                if light.on { "on " } else { "off" },
                light.r,
                light.g,
                light.b,
                light.w,
                light.brightness
            );
        }
        shown = lights.len();
        std::thread::sleep(Duration::from_millis(100));
    }
}
