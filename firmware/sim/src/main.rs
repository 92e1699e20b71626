//! `camrig-sim`: the simulated light + heart-rate board as a program. It
//! opens a pseudo-terminal, prints its path (point the server's
//! `device.path` at it), and logs every light command it receives.
//!
//! The pulse it measures is the firmware core's synthetic PPG, every
//! setting of which is a flag (the defaults are `PpgConfig::at_bpm`'s), or
//! a recorded waveform replayed in a loop (`--csv FILE --rate HZ`, which
//! the synthetic flags conflict with):
//!
//! ```text
//! camrig-sim [--bpm 72] [--noise 4] [--dropout EVERY_S,LENGTH_S]
//!            [--amplitude 250] [--amplitude-variation 0] [--diastolic 0.4]
//!            [--jitter 0.01] [--breathing 0.1] [--breathing-period 4]
//!            [--drift 40] [--drift-period 8] [--ceiling 1023]
//!            [--motion 0] [--motion-size 300]
//!            [--csv FILE --rate HZ] [--legacy] [--rgbw] [--link PATH]
//! ```
//!
//! Every number is checked against its range (`--help` lists them); a
//! value out of range is refused with an error naming the flag and the
//! range, for example `invalid value '1.2' for '--diastolic <SHARE>':
//! out of range: expected a number from 0 to 0.95`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use rig_sim::{Options, PpgConfig, Signal, Simulator, read_csv, resample};

/// The generator's defaults; only the heart rate differs between them.
const DEFAULTS: PpgConfig = PpgConfig::at_bpm(72.0);

/// The flags of the synthetic pulse (clap's ids), which `--csv` excludes.
const SYNTHETIC: [&str; 14] = [
    "bpm",
    "noise",
    "dropout",
    "amplitude",
    "amplitude_variation",
    "diastolic",
    "jitter",
    "breathing",
    "breathing_period",
    "drift",
    "drift_period",
    "ceiling",
    "motion_per_minute",
    "motion_size",
];

/// The simulated light + heart-rate board on a pseudo-terminal.
#[derive(Debug, Parser)]
#[command(
    name = "camrig-sim",
    about = "The simulated light + heart-rate board: opens a pseudo-terminal, \
             prints its path and logs every light command it receives.",
    after_help = "Amplitudes are in 10-bit ADC counts (0-1023), around a mid-scale \
                  baseline of 512. The synthetic flags cannot be combined with --csv.",
    // `--drift -1` reaches the range check (and its message).
    allow_negative_numbers = true
)]
struct Cli {
    /// Heart rate, 0-300; 0 gives no pulse at all.
    #[arg(long, value_name = "BPM", default_value_t = DEFAULTS.bpm,
          value_parser = within(0.0, 300.0),
          help_heading = "Synthetic pulse")]
    bpm: f32,

    /// Standard deviation of the white noise, 0-1023 counts.
    #[arg(long, value_name = "COUNTS", default_value_t = DEFAULTS.noise,
          value_parser = within(0.0, 1023.0),
          help_heading = "Synthetic pulse")]
    noise: f32,

    /// Every EVERY_S seconds the finger is off the sensor for LENGTH_S
    /// (EVERY_S above 0, LENGTH_S from 0 to EVERY_S).
    #[arg(long, value_name = "EVERY_S,LENGTH_S", value_parser = dropout,
          help_heading = "Synthetic pulse")]
    dropout: Option<(f32, f32)>,

    /// Height of the systolic peak above the trough, 0-1023 counts.
    #[arg(long, value_name = "COUNTS", default_value_t = DEFAULTS.amplitude,
          value_parser = within(0.0, 1023.0),
          help_heading = "Synthetic pulse")]
    amplitude: f32,

    /// Beat-to-beat change of the pulse's size, as a fraction, 0-0.6.
    #[arg(long, value_name = "FRACTION", default_value_t = DEFAULTS.amplitude_variation,
          value_parser = within(0.0, 0.6),
          help_heading = "Synthetic pulse")]
    amplitude_variation: f32,

    /// Height of the diastolic (second) wave as a share of the systolic
    /// peak, 0-0.95; it varies by a fifth from beat to beat.
    #[arg(long, value_name = "SHARE", default_value_t = DEFAULTS.diastolic,
          value_parser = within(0.0, 0.95),
          help_heading = "Synthetic pulse")]
    diastolic: f32,

    /// Beat-to-beat variation of the interval, as a fraction, 0-0.2.
    #[arg(long, value_name = "FRACTION", default_value_t = DEFAULTS.jitter,
          value_parser = within(0.0, 0.2),
          help_heading = "Synthetic pulse")]
    jitter: f32,

    /// Breathing: the pulse's size swings by this share and its rate by a
    /// third of it, 0-1.
    #[arg(long, value_name = "SHARE", default_value_t = DEFAULTS.breathing,
          value_parser = within(0.0, 1.0),
          help_heading = "Synthetic pulse")]
    breathing: f32,

    /// Period of a breath in seconds, 0-60; 0 turns breathing off.
    #[arg(long, value_name = "S", default_value_t = DEFAULTS.breathing_period_s,
          value_parser = within(0.0, 60.0),
          help_heading = "Synthetic pulse")]
    breathing_period: f32,

    /// Amplitude of the slow sinusoidal baseline wander, 0-1023 counts.
    #[arg(long, value_name = "COUNTS", default_value_t = DEFAULTS.drift,
          value_parser = within(0.0, 1023.0),
          help_heading = "Synthetic pulse")]
    drift: f32,

    /// Period of the baseline wander in seconds, 0-600; 0 turns it off.
    #[arg(long, value_name = "S", default_value_t = DEFAULTS.drift_period_s,
          value_parser = within(0.0, 600.0),
          help_heading = "Synthetic pulse")]
    drift_period: f32,

    /// Highest value the sensor gives (saturation), 1-1023 counts; 1023
    /// is the ADC's own limit.
    #[arg(long, value_name = "COUNTS", default_value_t = DEFAULTS.ceiling,
          value_parser = within(1.0, 1023.0),
          help_heading = "Synthetic pulse")]
    ceiling: f32,

    /// Movement artefacts per minute, at random times, 0-60.
    #[arg(long = "motion", value_name = "PER_MINUTE",
          default_value_t = DEFAULTS.motion_per_minute,
          value_parser = within(0.0, 60.0),
          help_heading = "Synthetic pulse")]
    motion_per_minute: f32,

    /// Size of a movement artefact (a half-second swing), 0-1023 counts.
    #[arg(long, value_name = "COUNTS", default_value_t = DEFAULTS.motion_size,
          value_parser = within(0.0, 1023.0),
          help_heading = "Synthetic pulse")]
    motion_size: f32,

    /// Replay a recording instead: one raw sample per line (the first
    /// column of a CSV), resampled to 500 Hz.
    #[arg(long, value_name = "FILE", requires = "rate", conflicts_with_all = SYNTHETIC,
          help_heading = "Recorded pulse")]
    csv: Option<PathBuf>,

    /// Samples per second of the --csv recording, 1-100000.
    #[arg(long, value_name = "HZ", value_parser = within(1.0, 100_000.0),
          requires = "csv", help_heading = "Recorded pulse")]
    rate: Option<f32>,

    /// Speak the original Arduino sketch's format (hex light lines in, BPM
    /// lines out) instead of the protocol.
    #[arg(long)]
    legacy: bool,

    /// Report RGBW pixels (a white channel).
    #[arg(long)]
    rgbw: bool,

    /// Keep a symlink at PATH pointing at the current pty.
    #[arg(long, value_name = "PATH")]
    link: Option<PathBuf>,
}

impl Cli {
    /// The synthetic waveform the flags describe.
    fn config(&self) -> PpgConfig {
        PpgConfig {
            bpm: self.bpm,
            amplitude: self.amplitude,
            noise: self.noise,
            drift: self.drift,
            drift_period_s: self.drift_period,
            baseline: DEFAULTS.baseline,
            jitter: self.jitter,
            diastolic: self.diastolic,
            breathing: self.breathing,
            breathing_period_s: self.breathing_period,
            amplitude_variation: self.amplitude_variation,
            ceiling: self.ceiling,
            motion_per_minute: self.motion_per_minute,
            motion_size: self.motion_size,
        }
    }

    /// The simulator's options; reads the `--csv` recording.
    fn options(self) -> Result<Options, String> {
        let signal = match (&self.csv, self.rate) {
            (Some(path), Some(rate)) => {
                let samples = read_csv(path).map_err(|e| match e.kind() {
                    // The message names the file and the line.
                    std::io::ErrorKind::InvalidData => e.to_string(),
                    _ => format!("cannot read --csv {}: {e}", path.display()),
                })?;
                Signal::Recorded(resample(&samples, rate))
            }
            (Some(_), None) => return Err("--csv needs --rate (samples per second)".into()),
            (None, _) => Signal::Synthetic {
                config: self.config(),
                dropout: self.dropout,
            },
        };
        Ok(Options {
            signal,
            legacy: self.legacy,
            rgbw: self.rgbw,
            link: self.link,
        })
    }
}

/// A value parser for a number from `min` to `max`, both included.
fn within(
    min: f32,
    max: f32,
) -> impl Fn(&str) -> Result<f32, String> + Clone + Send + Sync + 'static {
    move |text: &str| match text.trim().parse::<f32>() {
        Ok(value) if (min..=max).contains(&value) => Ok(value),
        Ok(_) => Err(format!(
            "out of range: expected a number from {min} to {max}"
        )),
        Err(_) => Err(format!(
            "not a number: expected a number from {min} to {max}"
        )),
    }
}

/// `--dropout EVERY_S,LENGTH_S`.
fn dropout(text: &str) -> Result<(f32, f32), String> {
    let wanted = "expected EVERY_S,LENGTH_S in seconds, EVERY_S above 0 \
                  and LENGTH_S from 0 to EVERY_S, for example 10,3";
    let (every, length) = text.split_once(',').ok_or(wanted)?;
    let every = every.trim().parse::<f32>().map_err(|_| wanted)?;
    let length = length.trim().parse::<f32>().map_err(|_| wanted)?;
    if every.is_finite() && every > 0.0 && (0.0..=every).contains(&length) {
        Ok((every, length))
    } else {
        Err(wanted.into())
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // `--help` is an "error" printed to stdout.
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.options() {
        Ok(options) => run(options),
        Err(message) => {
            eprintln!("camrig-sim: {message}");
            ExitCode::FAILURE
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use clap::error::ErrorKind;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("camrig-sim").chain(args.iter().copied()))
    }

    fn synthetic(args: &[&str]) -> (PpgConfig, Option<(f32, f32)>) {
        match parse(args).unwrap().options().unwrap().signal {
            Signal::Synthetic { config, dropout } => (config, dropout),
            Signal::Recorded(_) => panic!("a recording from {args:?}"),
        }
    }

    /// The message clap prints for `args`, which must be refused.
    fn refused(args: &[&str]) -> String {
        let err = parse(args).unwrap_err();
        assert!(err.use_stderr(), "{args:?} is not an error: {err}");
        err.to_string()
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_flags_give_the_generators_defaults() {
        assert_eq!(synthetic(&[]), (PpgConfig::at_bpm(72.0), None));
        let options = parse(&[]).unwrap().options().unwrap();
        assert!(!options.legacy && !options.rgbw && options.link.is_none());
    }

    #[test]
    fn every_flag_sets_its_field() {
        let (config, dropout) = synthetic(&[
            "--bpm",
            "95.5",
            "--noise",
            "7",
            "--dropout",
            "10,3",
            "--amplitude",
            "300",
            "--amplitude-variation",
            "0.15",
            "--diastolic",
            "0.9",
            "--jitter",
            "0.05",
            "--breathing",
            "0.3",
            "--breathing-period",
            "5.5",
            "--drift",
            "80",
            "--drift-period",
            "12",
            "--ceiling",
            "700",
            "--motion",
            "4",
            "--motion-size",
            "200",
        ]);
        let expected = PpgConfig {
            bpm: 95.5,
            noise: 7.0,
            amplitude: 300.0,
            amplitude_variation: 0.15,
            diastolic: 0.9,
            jitter: 0.05,
            breathing: 0.3,
            breathing_period_s: 5.5,
            drift: 80.0,
            drift_period_s: 12.0,
            ceiling: 700.0,
            motion_per_minute: 4.0,
            motion_size: 200.0,
            ..PpgConfig::at_bpm(95.5)
        };
        assert_eq!(config, expected);
        assert_eq!(dropout, Some((10.0, 3.0)));
        // The ends of the ranges are accepted.
        let (config, _) = synthetic(&["--diastolic", "0.95", "--ceiling", "1", "--bpm", "0"]);
        assert_eq!(
            (config.diastolic, config.ceiling, config.bpm),
            (0.95, 1.0, 0.0)
        );
        assert_eq!(synthetic(&["--ceiling=1023"]).0.ceiling, 1023.0);
    }

    #[test]
    fn board_flags_are_kept() {
        let options = parse(&["--legacy", "--rgbw", "--link", "/tmp/rig.tty"])
            .unwrap()
            .options()
            .unwrap();
        assert!(options.legacy && options.rgbw);
        assert_eq!(options.link, Some(PathBuf::from("/tmp/rig.tty")));
    }

    #[test]
    fn values_out_of_range_name_the_flag_and_the_range() {
        let cases: &[(&[&str], &str, &str)] = &[
            (&["--diastolic", "0.96"], "--diastolic", "from 0 to 0.95"),
            (&["--diastolic", "-0.1"], "--diastolic", "from 0 to 0.95"),
            (&["--ceiling", "0"], "--ceiling", "from 1 to 1023"),
            (&["--ceiling", "2000"], "--ceiling", "from 1 to 1023"),
            (&["--jitter", "0.5"], "--jitter", "from 0 to 0.2"),
            (&["--breathing", "1.5"], "--breathing", "from 0 to 1"),
            (
                &["--breathing-period", "90"],
                "--breathing-period",
                "from 0 to 60",
            ),
            (&["--drift", "-1"], "--drift", "from 0 to 1023"),
            (
                &["--drift-period", "700"],
                "--drift-period",
                "from 0 to 600",
            ),
            (&["--amplitude", "1024"], "--amplitude", "from 0 to 1023"),
            (
                &["--amplitude-variation", "0.7"],
                "--amplitude-variation",
                "from 0 to 0.6",
            ),
            (&["--motion", "61"], "--motion", "from 0 to 60"),
            (
                &["--motion-size", "5000"],
                "--motion-size",
                "from 0 to 1023",
            ),
            (&["--bpm", "400"], "--bpm", "from 0 to 300"),
            (&["--noise", "-4"], "--noise", "from 0 to 1023"),
            (&["--bpm", "NaN"], "--bpm", "from 0 to 300"),
            (&["--bpm", "inf"], "--bpm", "from 0 to 300"),
            (&["--bpm", "fast"], "--bpm", "not a number"),
            (
                &["--csv", "x.csv", "--rate", "0"],
                "--rate",
                "from 1 to 100000",
            ),
        ];
        for (args, flag, range) in cases {
            let message = refused(args);
            assert!(
                message.contains(flag) && message.contains(range),
                "{args:?}: {message}"
            );
        }
    }

    #[test]
    fn bad_dropouts_are_refused() {
        for bad in ["10", "10,x", "0,0", "10,11", "10,-1", "inf,1"] {
            let message = refused(&["--dropout", bad]);
            assert!(
                message.contains("--dropout") && message.contains("EVERY_S,LENGTH_S"),
                "{bad}: {message}"
            );
        }
        assert_eq!(synthetic(&["--dropout", "5, 5"]).1, Some((5.0, 5.0)));
    }

    #[test]
    fn a_recording_needs_its_rate_and_no_synthetic_flags() {
        let err = parse(&["--csv", "x.csv"]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MissingRequiredArgument);
        assert!(err.to_string().contains("--rate"), "{err}");
        let err = parse(&["--rate", "100"]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MissingRequiredArgument);
        let err = parse(&["--csv", "x.csv", "--rate", "100", "--diastolic", "0.5"]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ArgumentConflict);
        assert!(err.to_string().contains("--diastolic"), "{err}");
    }

    #[test]
    fn a_recording_is_read_and_resampled() {
        let dir = std::env::temp_dir().join(format!("camrig-sim-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("pulse.csv");
        std::fs::write(&path, "500\n600\n").unwrap();
        let path_text = path.to_str().unwrap();
        let options = parse(&["--csv", path_text, "--rate", "250"])
            .unwrap()
            .options()
            .unwrap();
        assert_eq!(options.signal, Signal::Recorded(vec![500, 550, 600, 600]));
        let missing = dir.join("missing.csv");
        let err = parse(&["--csv", missing.to_str().unwrap(), "--rate", "250"])
            .unwrap()
            .options()
            .unwrap_err();
        assert!(!err.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn help_is_not_an_error() {
        let err = parse(&["--help"]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::DisplayHelp);
        assert!(!err.use_stderr());
        let help = err.to_string();
        for flag in [
            "--diastolic <SHARE>",
            "--motion <PER_MINUTE>",
            "--ceiling <COUNTS>",
        ] {
            assert!(help.contains(flag), "{flag} missing from\n{help}");
        }
    }
}
