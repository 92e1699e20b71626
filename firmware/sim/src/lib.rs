//! A simulated light + heart-rate board. It runs the real firmware core
//! (`rig-firmware-core`) on a thread behind a real pseudo-terminal, fed
//! with a synthetic pulse (every setting of the core's generator, and
//! dropouts, configurable) or a recorded waveform, and keeps a log of the
//! light commands it applied. It can also imitate the original Arduino
//! sketch (hex light lines in, BPM lines out), and be unplugged and
//! replugged. The server's demo mode and the tests use it as a library;
//! `camrig-sim` is the same as a program.

pub mod pty;
pub mod signal;

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rig_device_protocol::{
    self as proto, DeviceMessage, FirmwareVersion, HostMessage, LightChannels, LightState, Message,
};
use rig_firmware_core::device::{Device, DeviceConfig};

use pty::Pty;
use signal::{SAMPLE_RATE_HZ, Source};

pub use signal::{PpgConfig, Signal, read_csv, resample};

/// Firmware version the simulator reports.
pub const FIRMWARE: FirmwareVersion = FirmwareVersion {
    major: 0,
    minor: 1,
    patch: 0,
};

/// The `Hello` the simulated board sends.
pub fn hello(rgbw: bool) -> DeviceMessage {
    Device::new(device_config(rgbw)).hello()
}

fn device_config(rgbw: bool) -> DeviceConfig {
    DeviceConfig {
        firmware: FIRMWARE,
        light_channels: if rgbw {
            LightChannels::Rgbw
        } else {
            LightChannels::Rgb
        },
        pulse_sensor: true,
    }
}

/// How the simulator behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// The pulse it measures.
    pub signal: Signal,
    /// Speak the original sketch's format instead of the protocol.
    pub legacy: bool,
    /// Report RGBW pixels (a white channel).
    pub rgbw: bool,
    /// A symlink kept pointing at the current pty.
    pub link: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            signal: Signal::synthetic(72.0),
            legacy: false,
            rgbw: false,
            link: None,
        }
    }
}

/// What the simulator thread is told.
enum Control {
    Plug(Pty),
    Unplug,
    SetSignal(Signal),
    Stop,
}

/// A running simulator; stops when dropped.
pub struct Simulator {
    control: Sender<Control>,
    thread: Option<JoinHandle<()>>,
    lights: Arc<Mutex<Vec<LightState>>>,
    path: Arc<Mutex<Option<PathBuf>>>,
    link: Option<PathBuf>,
}

impl Simulator {
    /// Opens a pty and starts the board on it.
    pub fn start(options: Options) -> io::Result<Self> {
        let (control, commands) = mpsc::channel();
        let lights = Arc::new(Mutex::new(Vec::new()));
        let path = Arc::new(Mutex::new(None));
        let board = Board::new(&options, lights.clone());
        let thread = std::thread::Builder::new()
            .name("rig-sim".into())
            .spawn(move || board.run(commands))?;
        let simulator = Simulator {
            control,
            thread: Some(thread),
            lights,
            path,
            link: options.link,
        };
        simulator.replug()?;
        Ok(simulator)
    }

    /// The path to open: the symlink if there is one, else the pty.
    pub fn path(&self) -> PathBuf {
        match &self.link {
            Some(link) => link.clone(),
            None => lock(&self.path).clone().unwrap_or_default(),
        }
    }

    /// The current pty's own path (`/dev/pts/N`), while plugged in.
    pub fn tty(&self) -> Option<PathBuf> {
        lock(&self.path).clone()
    }

    /// Pulls the cable: the pty closes (the server's reads fail) and the
    /// symlink goes away.
    pub fn unplug(&self) {
        let _ = self.control.send(Control::Unplug);
        *lock(&self.path) = None;
        if let Some(link) = &self.link {
            let _ = std::fs::remove_file(link);
        }
    }

    /// Plugs in again: a new pty, the symlink pointed at it.
    pub fn replug(&self) -> io::Result<()> {
        let pty = Pty::open()?;
        if let Some(link) = &self.link {
            pty::relink(link, &pty.path)?;
        }
        *lock(&self.path) = Some(pty.path.clone());
        self.control
            .send(Control::Plug(pty))
            .map_err(|_| io::Error::other("the simulator has stopped"))
    }

    /// Changes the simulated pulse.
    pub fn set_signal(&self, signal: Signal) {
        let _ = self.control.send(Control::SetSignal(signal));
    }

    /// Every light state the host set, oldest first.
    pub fn lights(&self) -> Vec<LightState> {
        lock(&self.lights).clone()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.control.send(Control::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        if let Some(link) = &self.link {
            let _ = std::fs::remove_file(link);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The board thread's state.
struct Board {
    device: Device,
    source: Source,
    legacy: bool,
    lights: Arc<Mutex<Vec<LightState>>>,
    decoder: proto::Decoder<HostMessage>,
    legacy_line: Vec<u8>,
}

impl Board {
    fn new(options: &Options, lights: Arc<Mutex<Vec<LightState>>>) -> Self {
        Board {
            device: Device::new(device_config(options.rgbw)),
            source: Source::new(options.signal.clone()),
            legacy: options.legacy,
            lights,
            decoder: proto::Decoder::new(),
            legacy_line: Vec::new(),
        }
    }

    /// Samples the sensor at 500 Hz in real time, answers the host, and
    /// obeys `commands` until told to stop.
    fn run(mut self, commands: Receiver<Control>) {
        let start = Instant::now();
        let mut produced: u64 = 0;
        let mut pty: Option<Pty> = None;
        let mut buf = [0u8; 256];
        loop {
            loop {
                match commands.try_recv() {
                    Ok(Control::Plug(new)) => {
                        if let Err(err) = set_nonblocking(&new.controller) {
                            eprintln!("rig-sim: {err}");
                        }
                        pty = Some(new);
                    }
                    Ok(Control::Unplug) => pty = None,
                    Ok(Control::SetSignal(signal)) => self.source = Source::new(signal),
                    Ok(Control::Stop) | Err(TryRecvError::Disconnected) => return,
                    Err(TryRecvError::Empty) => break,
                }
            }
            let mut out: Vec<u8> = Vec::new();
            if let Some(port) = pty.as_mut() {
                match port.controller.read(&mut buf) {
                    Ok(n) => self.input(buf.get(..n).unwrap_or(&[]), &mut out),
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                    // EIO: nobody has the device side open; keep sampling.
                    Err(_) => {}
                }
            }
            // Catch up with real time: 500 samples a second.
            let due = start.elapsed().as_millis() as u64 * u64::from(SAMPLE_RATE_HZ) / 1000;
            while produced < due {
                let now_ms = (produced * 1000 / u64::from(SAMPLE_RATE_HZ)) as u32;
                let raw = self.source.next_sample();
                for message in self.device.sample(raw, now_ms) {
                    self.output(message, &mut out);
                }
                produced += 1;
            }
            if let Some(port) = pty.as_mut()
                && !out.is_empty()
            {
                // Nobody reading and the pty's buffer full: the bytes are
                // lost, as on a UART with no one listening.
                let _ = port.controller.write_all(&out);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Handles bytes from the host.
    fn input(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        for &byte in bytes {
            if self.legacy {
                if byte == b'\n' {
                    if let Ok(light) = proto::legacy::parse_light_line(&self.legacy_line) {
                        // The sketch gets colours already scaled by the level.
                        lock(&self.lights).push(LightState {
                            r: light.r,
                            g: light.g,
                            b: light.b,
                            w: 0,
                            brightness: light.level,
                            on: !light.is_off(),
                        });
                    }
                    self.legacy_line.clear();
                } else if self.legacy_line.len() < 32 {
                    self.legacy_line.push(byte);
                }
                continue;
            }
            match self.decoder.push(byte) {
                Some(Ok(message)) => {
                    if let HostMessage::SetLight(light) = message {
                        lock(&self.lights).push(light);
                    }
                    for reply in self.device.handle(&message) {
                        self.output(reply, out);
                    }
                }
                Some(Err(error)) => {
                    let reply = self.device.bad_frame(error);
                    self.output(reply, out);
                }
                None => {}
            }
        }
    }

    /// Writes a message from the firmware in the dialect spoken.
    fn output(&self, message: DeviceMessage, out: &mut Vec<u8>) {
        if !self.legacy {
            out.extend_from_slice(message.encode().as_bytes());
        } else if let DeviceMessage::HeartRate(rate) = message {
            // The sketch printed whole beats per minute.
            out.extend_from_slice(format!("{}\r\n", (rate.bpm_tenths + 5) / 10).as_bytes());
        }
    }
}

fn set_nonblocking(file: &std::fs::File) -> io::Result<()> {
    use nix::fcntl::{FcntlArg, OFlag, fcntl};
    let flags = fcntl(file, FcntlArg::F_GETFL).map_err(io::Error::from)?;
    let flags = OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK;
    fcntl(file, FcntlArg::F_SETFL(flags)).map_err(io::Error::from)?;
    Ok(())
}
