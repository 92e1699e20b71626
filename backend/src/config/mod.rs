//! Configuration: defaults, then a TOML file (`--config PATH`), then
//! `CAMRIG_<SECTION>_<KEY>` environment variables, then command-line flags.
//! Every key is declared once, in [`keys`]: its name, flag, meaning, what it
//! accepts and which field of [`Config`] it sets. The flags, the layering
//! ([`Layers`]), the error messages (key, where the value came from, what is
//! accepted), `backend/camrig.example.toml` and the README's table all come
//! from that one declaration ([`docs`]).

mod docs;
mod keys;
mod layers;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

pub use docs::{example_file, readme_table};
pub use keys::{Key, keys};
pub use layers::{ConfigError, Layers, Origin, env_var};

use crate::camera::orientation::{Flip, Rotation};
use crate::camera::source::TestFormat;
use shared::CameraSource;
use shared::device::DeviceMode;

/// Validated configuration of the server.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Address the HTTP server listens on (`server.listen`).
    pub listen: SocketAddr,
    /// Folder holding the built web app (`server.frontend_dir`).
    pub frontend_dir: PathBuf,
    /// Origins besides the server's own whose pages may change things
    /// (`server.allowed_origins`, comma-separated), for a reverse proxy.
    pub allowed_origins: Vec<String>,
    /// Most WebSocket viewers at once (`server.max_viewers`); the next is
    /// refused with the reason.
    pub max_viewers: u32,
    /// Commands one WebSocket connection may send per second
    /// (`server.commands_per_second`); more are refused, a flood closes it.
    pub commands_per_second: u32,
    /// Host names besides the machine's own under which the server may be
    /// reached (`server.allowed_hosts`, comma-separated); any other `Host`
    /// is refused (DNS rebinding).
    pub allowed_hosts: Vec<String>,
    /// Largest WebSocket text message in KiB (`server.max_message_kilobytes`);
    /// a bigger one closes the connection with 1009.
    pub max_message_kilobytes: u32,
    /// Largest HTTP request body in KiB (`server.max_body_kilobytes`); a
    /// bigger one gets 413.
    pub max_body_kilobytes: u32,
    /// Whether the original app's state-changing URLs (`/snapshot`,
    /// `/light?status=true`, ...) work, with the operator key as `?key=`
    /// (`server.original_urls`); off, they answer 410 Gone.
    pub original_urls: bool,
    /// Seconds a client may take to send a request's headers, leave a
    /// keep-alive connection idle, or take no data it is sent
    /// (`server.idle_timeout_seconds`).
    pub idle_timeout_seconds: u32,
    /// Keys and sessions.
    pub auth: AuthConfig,
    /// Camera and encoding settings.
    pub camera: CameraConfig,
    /// Media folder and catalogue.
    pub media: MediaConfig,
    /// Recording limits and quality.
    pub recording: RecordingConfig,
    /// Where the live H.264 is published for large audiences
    /// (`restream.url`), if anywhere.
    pub restream: Option<crate::restream::RestreamTarget>,
    /// The light and heart-rate device.
    pub device: DeviceConfig,
    /// What operators may do to the machine.
    pub system: SystemConfig,
    /// The audit trail.
    pub audit: AuditConfig,
    /// Recent log lines kept in memory (`server.log_lines`).
    pub log_lines: u32,
    /// HTTPS.
    pub tls: TlsConfig,
}

/// HTTPS (`tls.*`; see `crate::tls`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConfig {
    /// Off, or on (`tls.mode`).
    pub mode: TlsMode,
    /// PEM certificate chain to serve (`tls.cert`); `None` means the local
    /// authority's certificate.
    pub cert: Option<PathBuf>,
    /// PEM private key of `cert` (`tls.key`).
    pub key: Option<PathBuf>,
}

/// Whether the server speaks HTTPS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain HTTP only.
    Off,
    /// HTTPS, with plain HTTP on the same port redirected to it.
    On,
}

/// Commands operators may run on the machine, each a program and its
/// arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemConfig {
    /// Reboots the machine (`system.reboot_command`).
    pub reboot_command: Vec<String>,
    /// Shuts the machine down (`system.shutdown_command`).
    pub shutdown_command: Vec<String>,
    /// Prints the system log (`system.log_command`).
    pub log_command: Vec<String>,
}

/// The audit trail of operator actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditConfig {
    /// Days a row is kept (`audit.keep_days`).
    pub keep_days: u32,
}

/// A secret from the configuration; never shown in debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretText(String);

impl SecretText {
    /// Wraps a secret.
    pub fn new(text: impl Into<String>) -> Self {
        SecretText(text.into())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText(..)")
    }
}

/// Keys and sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthConfig {
    /// The operator key (`auth.operator_key`); `None` means the key stored
    /// in the media folder's `.camrig/operator.key`, made on first start.
    pub operator_key: Option<SecretText>,
    /// A key viewers must give before watching (`auth.viewer_key`); `None`
    /// means watching is open to the local network.
    pub viewer_key: Option<SecretText>,
    /// How long a login lasts, in hours (`auth.session_hours`).
    pub session_hours: u32,
}

/// The light and heart-rate device.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceConfig {
    /// How it is attached (`device.mode`).
    pub mode: DeviceMode,
    /// Serial port or SPI device (`device.path`); the default depends on
    /// the mode (`/dev/serial0`, `/dev/spidev0.0`).
    pub path: Option<String>,
    /// Serial speed (`device.baud`); default 115200, 9600 for `legacy`.
    pub baud: Option<u32>,
    /// Use the simulator when no device is configured (`--demo`).
    pub demo_if_unset: bool,
    /// Heart rate of the simulator (`device.demo_bpm`).
    pub demo_bpm: u32,
    /// Number of NeoPixels on the SPI bus (`device.leds`).
    pub leds: u32,
    /// The SPI pixels have a white channel (SK6812 RGBW) (`device.rgbw`).
    pub rgbw: bool,
}

impl DeviceConfig {
    /// The mode in force: `demo` when none is configured and the demo
    /// switch is on; a configured device is never replaced by the demo.
    pub fn effective_mode(&self) -> DeviceMode {
        match self.mode {
            DeviceMode::None if self.demo_if_unset => DeviceMode::Demo,
            mode => mode,
        }
    }

    /// The device path in force for `mode`.
    pub fn path_for(&self, mode: DeviceMode) -> Option<String> {
        match (mode, &self.path) {
            (DeviceMode::None | DeviceMode::Demo, _) => None,
            (_, Some(path)) => Some(path.clone()),
            (DeviceMode::Spi, None) => Some("/dev/spidev0.0".into()),
            (_, None) => Some("/dev/serial0".into()),
        }
    }

    /// The serial speed in force for `mode`.
    pub fn baud_for(&self, mode: DeviceMode) -> u32 {
        self.baud.unwrap_or(match mode {
            DeviceMode::Legacy => 9600,
            _ => 115_200,
        })
    }
}

/// Recording settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordingConfig {
    /// Longest recording in seconds; it stops by itself then
    /// (`recording.max_seconds`).
    pub max_seconds: u32,
    /// Largest recording in megabytes (`recording.max_megabytes`).
    pub max_megabytes: u32,
    /// H.264 bit rate in kbit/s (`recording.bitrate_kbps`).
    pub bitrate_kbps: u32,
}

/// Where captures and the catalogue live.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaConfig {
    /// Folder for photos and videos (`media.dir`).
    pub dir: PathBuf,
    /// Catalogue database URL (`media.database_url`); `None` means
    /// `sqlite://<dir>/media.db`.
    pub database_url: Option<String>,
    /// Free space the media disk keeps (`media.min_free_megabytes`):
    /// captures are refused and a recording stops below it.
    pub min_free_megabytes: u32,
}

impl MediaConfig {
    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| crate::catalogue::default_database_url(&self.dir))
    }
}

/// Camera settings.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraConfig {
    /// Which camera to open (`camera.source`).
    pub source: SourceSetting,
    /// V4L2 device path or libcamera camera name (`camera.device`); the
    /// default for V4L2 is `/dev/video0`.
    pub device: Option<String>,
    /// Capture width in pixels (`camera.width`).
    pub width: u32,
    /// Capture height in pixels (`camera.height`).
    pub height: u32,
    /// Frames per second (`camera.fps`).
    pub fps: u32,
    /// JPEG quality 1-100 (`camera.jpeg_quality`).
    pub jpeg_quality: u32,
    /// Bit rate of the H.264 live view (`camera.h264_bitrate_kbps`).
    pub h264_bitrate_kbps: u32,
    /// Seconds without a viewer or recording before the pipeline pauses
    /// (`camera.idle_seconds`); 0 keeps it running.
    pub idle_seconds: u32,
    /// Clockwise rotation of the picture (`camera.rotate`).
    pub rotate: Rotation,
    /// Mirror of the rotated picture (`camera.flip`).
    pub flip: Flip,
    /// What the test source delivers (`camera.test_format`).
    pub test_format: TestFormat,
    /// Whether the test pattern moves and shows a running clock
    /// (`camera.test_motion`); off gives still pictures for screenshots.
    pub test_motion: bool,
}

impl CameraConfig {
    /// The device in force for `kind`: the configured one, or
    /// `/dev/video0` for V4L2.
    pub fn device_for(&self, kind: CameraSource) -> Option<String> {
        match (kind, &self.device) {
            (_, Some(device)) => Some(device.clone()),
            (CameraSource::V4l2, None) => Some("/dev/video0".into()),
            (_, None) => None,
        }
    }
}

/// The configured camera source, before `auto` is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceSetting {
    /// First V4L2 capture device, else the test source.
    Auto,
    /// This kind of source (its device is `camera.device`).
    Fixed(CameraSource),
}

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|w| (*w).to_owned()).collect()
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([0, 0, 0, 0], 5000)),
            frontend_dir: PathBuf::from("dist"),
            allowed_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            idle_timeout_seconds: 30,
            max_message_kilobytes: (shared::protocol::MAX_TEXT_MESSAGE / 1024) as u32,
            max_body_kilobytes: 2048,
            original_urls: false,
            auth: AuthConfig {
                operator_key: None,
                viewer_key: None,
                session_hours: 12,
            },
            max_viewers: 100,
            commands_per_second: 20,
            camera: CameraConfig {
                source: SourceSetting::Auto,
                device: None,
                width: 1280,
                height: 720,
                fps: 30,
                jpeg_quality: 80,
                h264_bitrate_kbps: 1500,
                idle_seconds: 10,
                rotate: Rotation::None,
                flip: Flip::None,
                test_format: TestFormat::Raw,
                test_motion: true,
            },
            media: MediaConfig {
                dir: PathBuf::from("media"),
                database_url: None,
                min_free_megabytes: 256,
            },
            recording: RecordingConfig {
                max_seconds: 3600,
                max_megabytes: 4096,
                bitrate_kbps: 4000,
            },
            restream: None,
            device: DeviceConfig {
                mode: DeviceMode::None,
                path: None,
                baud: None,
                demo_if_unset: false,
                demo_bpm: 72,
                leds: 16,
                rgbw: false,
            },
            system: SystemConfig {
                reboot_command: words(&["systemctl", "reboot"]),
                shutdown_command: words(&["systemctl", "poweroff"]),
                log_command: words(&[
                    "journalctl",
                    "--dmesg",
                    "--boot",
                    "--no-pager",
                    "--lines=2000",
                ]),
            },
            audit: AuditConfig { keep_days: 90 },
            log_lines: 2000,
            tls: TlsConfig {
                mode: TlsMode::Off,
                cert: None,
                key: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let mut layers = Layers::default();
        layers.toml_text(text, Origin::File("camrig.toml".into()))?;
        layers.build()
    }

    #[test]
    fn no_file_gives_the_defaults() {
        assert_eq!(Layers::default().build().unwrap(), Config::default());
    }

    #[test]
    fn file_then_env_then_flags() {
        let mut layers = Layers::default();
        layers
            .toml_text(
                "[camera]\nwidth = 640\nheight = 480\nfps = 15\n",
                Origin::File("f".into()),
            )
            .unwrap();
        layers.env(|var| (var == "CAMRIG_CAMERA_FPS").then(|| "10".to_owned()));
        layers.flags(|key| (key == "camera.height").then(|| "360".to_owned()));
        let c = layers.build().unwrap().camera;
        assert_eq!((c.width, c.height, c.fps), (640, 360, 10));
    }

    #[test]
    fn v4l2_defaults_to_video0() {
        let c = from_toml("[camera]\nsource = \"v4l2\"\n").unwrap().camera;
        assert_eq!(c.source, SourceSetting::Fixed(CameraSource::V4l2));
        assert_eq!(
            c.device_for(CameraSource::V4l2).as_deref(),
            Some("/dev/video0")
        );
        let c = from_toml("[camera]\nsource = \"v4l2\"\ndevice = \"/dev/video4\"\n")
            .unwrap()
            .camera;
        assert_eq!(
            c.device_for(CameraSource::V4l2).as_deref(),
            Some("/dev/video4")
        );
    }

    #[test]
    fn errors_name_the_key_the_origin_and_what_is_accepted() {
        let err = from_toml("[camera]\nwidth = \"wide\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`camera.width`"), "{err}");
        assert!(err.contains("config file camrig.toml"), "{err}");
        assert!(err.contains("an integer from 16 to 7680"), "{err}");

        let mut layers = Layers::default();
        layers.env(|var| (var == "CAMRIG_CAMERA_SOURCE").then(|| "webcam".to_owned()));
        let err = layers.build().unwrap_err().to_string();
        assert!(
            err.contains("environment variable CAMRIG_CAMERA_SOURCE"),
            "{err}"
        );
        assert!(err.contains("one of auto, test, v4l2, libcamera"), "{err}");

        let mut layers = Layers::default();
        layers.flag("server.listen", Some("localhost".into()));
        let err = layers.build().unwrap_err().to_string();
        assert!(err.contains("flag --listen"), "{err}");

        let err = from_toml("[camera]\nwidth = 641\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("even"), "{err}");

        // A secret is never shown, even a wrong one.
        let err = from_toml("[auth]\noperator_key = \"too-short\"\n")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("too-short"), "{err}");
        assert!(err.contains("a hidden value of 9 characters"), "{err}");

        let err = from_toml("[device]\nrgbw = \"yes\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("true or false"), "{err}");
    }

    #[test]
    fn unknown_keys_and_broken_toml_are_rejected() {
        let err = from_toml("[camera]\nwidht = 640\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown key `camera.widht`"), "{err}");
        let err = from_toml("[camera\n").unwrap_err().to_string();
        assert!(err.starts_with("cannot read config file"), "{err}");
    }
}
