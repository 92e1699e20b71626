//! Configuration: defaults, then a TOML file (`--config PATH`), then
//! `CAMRIG_<SECTION>_<KEY>` environment variables, then command-line flags.
//! Raw values from all layers are collected per key and only then converted
//! into the validated [`Config`], so an invalid value stops start-up with one
//! message that names the key, where the value came from, and what is
//! accepted. `backend/camrig.example.toml` documents every key.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

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
    /// The light and heart-rate device.
    pub device: DeviceConfig,
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
    /// Capture width in pixels (`camera.width`).
    pub width: u32,
    /// Capture height in pixels (`camera.height`).
    pub height: u32,
    /// Frames per second (`camera.fps`).
    pub fps: u32,
    /// JPEG quality 1-100 (`camera.jpeg_quality`).
    pub jpeg_quality: u32,
}

/// The configured camera source, before `auto` is resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSetting {
    /// First V4L2 capture device, else the test source.
    Auto,
    /// A concrete source with an optional device path or camera name.
    Fixed(CameraSource, Option<String>),
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
            auth: AuthConfig {
                operator_key: None,
                viewer_key: None,
                session_hours: 12,
            },
            max_viewers: 100,
            commands_per_second: 20,
            camera: CameraConfig {
                source: SourceSetting::Auto,
                width: 1280,
                height: 720,
                fps: 30,
                jpeg_quality: 80,
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
            device: DeviceConfig {
                mode: DeviceMode::None,
                path: None,
                baud: None,
                demo_if_unset: false,
                demo_bpm: 72,
                leds: 16,
                rgbw: false,
            },
        }
    }
}

/// Every key the configuration understands, with the command-line flag
/// that sets it.
pub const KEYS: &[(&str, &str)] = &[
    ("server.listen", "--listen"),
    ("server.frontend_dir", "--frontend-dir"),
    ("server.allowed_origins", "--allowed-origins"),
    ("server.max_viewers", "--max-viewers"),
    ("server.commands_per_second", "--commands-per-second"),
    ("server.allowed_hosts", "--allowed-hosts"),
    ("server.idle_timeout_seconds", "--idle-timeout-seconds"),
    ("server.max_message_kilobytes", "--max-message-kilobytes"),
    ("server.max_body_kilobytes", "--max-body-kilobytes"),
    ("auth.operator_key", "--operator-key"),
    ("auth.viewer_key", "--viewer-key"),
    ("auth.session_hours", "--session-hours"),
    ("camera.source", "--camera"),
    ("camera.device", "--device"),
    ("camera.width", "--width"),
    ("camera.height", "--height"),
    ("camera.fps", "--fps"),
    ("camera.jpeg_quality", "--jpeg-quality"),
    ("media.dir", "--media-dir"),
    ("media.database_url", "--database-url"),
    ("media.min_free_megabytes", "--min-free-megabytes"),
    ("recording.max_seconds", "--max-recording-seconds"),
    ("recording.max_megabytes", "--max-recording-megabytes"),
    ("recording.bitrate_kbps", "--recording-bitrate-kbps"),
    ("device.mode", "--device-mode"),
    ("device.path", "--device-path"),
    ("device.baud", "--device-baud"),
    ("device.demo_bpm", "--demo-bpm"),
    ("device.leds", "--device-leds"),
    ("device.rgbw", "--device-rgbw"),
];

/// `https://a.example,http://b.lan:8080` as a list; empty text is none.
fn parse_origins(text: &str) -> Option<Vec<String>> {
    text.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|origin| {
            let origin = origin.trim_end_matches('/');
            let (scheme, rest) = origin.split_once("://")?;
            let ok = matches!(scheme, "http" | "https") && !rest.is_empty() && !rest.contains('/');
            ok.then(|| origin.to_ascii_lowercase())
        })
        .collect()
}

/// `rig.example.org,rig.local` as a list of lower-case host names; empty
/// text is none.
fn parse_hosts(text: &str) -> Option<Vec<String>> {
    text.split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|host| {
            let ok = host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            ok.then(|| host.trim_end_matches('.').to_ascii_lowercase())
        })
        .collect()
}

/// Where a raw value came from; part of every error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The TOML file at this path.
    File(PathBuf),
    /// This environment variable.
    Env(String),
    /// This command-line flag.
    Flag(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(p) => write!(f, "config file {}", p.display()),
            Origin::Env(v) => write!(f, "environment variable {v}"),
            Origin::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

/// A configuration problem that stops start-up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read or is not TOML.
    #[error("cannot read config file {path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A key nobody knows (likely a typo).
    #[error("unknown key `{key}` in {origin}; known keys: {}", known_keys())]
    UnknownKey {
        /// The key as written.
        key: String,
        /// Where it was found.
        origin: Origin,
    },
    /// A known key with an unacceptable value.
    #[error("invalid value for `{key}` ({origin}): got {got}; expected {expected}")]
    Invalid {
        /// The key.
        key: &'static str,
        /// Where the value came from.
        origin: Origin,
        /// The value as given.
        got: String,
        /// What is accepted.
        expected: String,
    },
}

fn known_keys() -> String {
    KEYS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
}

/// One raw value as given by a layer.
#[derive(Debug, Clone)]
enum Raw {
    Toml(toml::Value),
    Text(String),
}

impl Raw {
    fn shown(&self) -> String {
        match self {
            Raw::Toml(toml::Value::String(s)) | Raw::Text(s) => format!("{s:?}"),
            Raw::Toml(v) => v.to_string(),
        }
    }
}

/// Raw values collected from all layers; later layers replace earlier ones.
#[derive(Debug, Default)]
pub struct Layers {
    values: BTreeMap<&'static str, (Raw, Origin)>,
}

/// Name of the environment variable that overrides `key`.
pub fn env_var(key: &str) -> String {
    format!("CAMRIG_{}", key.replace('.', "_").to_ascii_uppercase())
}

impl Layers {
    /// Adds the values of a TOML file.
    pub fn file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        self.toml_text(&text, Origin::File(path.to_owned()))
    }

    /// Adds the values of TOML text.
    pub fn toml_text(&mut self, text: &str, origin: Origin) -> Result<(), ConfigError> {
        let file_err = |reason: String| ConfigError::File {
            path: match &origin {
                Origin::File(p) => p.clone(),
                other => PathBuf::from(other.to_string()),
            },
            reason,
        };
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| file_err(e.to_string()))?;
        for (section, body) in table {
            let toml::Value::Table(body) = body else {
                return Err(ConfigError::UnknownKey {
                    key: section,
                    origin,
                });
            };
            for (name, value) in body {
                let full = format!("{section}.{name}");
                let key = KEYS.iter().find(|(k, _)| *k == full).map(|(k, _)| *k);
                let Some(key) = key else {
                    return Err(ConfigError::UnknownKey { key: full, origin });
                };
                self.values.insert(key, (Raw::Toml(value), origin.clone()));
            }
        }
        Ok(())
    }

    /// Adds `CAMRIG_*` overrides from an environment (a lookup function, so
    /// tests need not touch the process environment).
    pub fn env(&mut self, lookup: impl Fn(&str) -> Option<String>) {
        for (key, _) in KEYS {
            let var = env_var(key);
            if let Some(value) = lookup(&var) {
                self.values
                    .insert(key, (Raw::Text(value), Origin::Env(var)));
            }
        }
    }

    /// Adds a command-line flag value for `key`.
    pub fn flag(&mut self, key: &'static str, value: Option<String>) {
        if let Some(value) = value {
            let flag = KEYS
                .iter()
                .find(|(k, _)| *k == key)
                .map_or("?", |(_, f)| *f);
            self.values
                .insert(key, (Raw::Text(value), Origin::Flag(flag)));
        }
    }

    /// Converts the collected values into a validated [`Config`].
    pub fn build(&self) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        if let Some(addr) = self.parse(
            "server.listen",
            "an address such as 127.0.0.1:5000 or 0.0.0.0:5000",
            |s| s.parse().ok(),
        )? {
            config.listen = addr;
        }
        if let Some(dir) = self.parse("server.frontend_dir", "a folder path", |s| {
            (!s.is_empty()).then(|| PathBuf::from(s))
        })? {
            config.frontend_dir = dir;
        }
        if let Some(origins) = self.parse(
            "server.allowed_origins",
            "comma-separated origins such as https://rig.example.org (scheme, host and port; no path)",
            parse_origins,
        )? {
            config.allowed_origins = origins;
        }
        if let Some(hosts) = self.parse(
            "server.allowed_hosts",
            "comma-separated host names such as rig.example.org (no scheme, no port)",
            parse_hosts,
        )? {
            config.allowed_hosts = hosts;
        }
        config.auth.operator_key = self.parse(
            "auth.operator_key",
            &format!(
                "a key of at least {} characters (or leave it unset for a generated one)",
                crate::auth::MIN_OPERATOR_KEY
            ),
            |s| (s.len() >= crate::auth::MIN_OPERATOR_KEY).then(|| SecretText::new(s)),
        )?;
        config.auth.viewer_key = self.parse(
            "auth.viewer_key",
            &format!(
                "a key of at least {} characters",
                crate::auth::MIN_VIEWER_KEY
            ),
            |s| (s.len() >= crate::auth::MIN_VIEWER_KEY).then(|| SecretText::new(s)),
        )?;
        let device = self.parse(
            "camera.device",
            "a device path such as /dev/video0, or a libcamera camera name",
            |s| (!s.is_empty()).then(|| s.to_owned()),
        )?;
        let source = self.parse(
            "camera.source",
            "one of auto, test, v4l2, libcamera",
            |s| match s {
                "auto" => Some(None),
                "test" => Some(Some(CameraSource::Test)),
                "v4l2" => Some(Some(CameraSource::V4l2)),
                "libcamera" => Some(Some(CameraSource::Libcamera)),
                _ => None,
            },
        )?;
        config.camera.source = match source.unwrap_or(None) {
            None => SourceSetting::Auto,
            Some(CameraSource::V4l2) => SourceSetting::Fixed(
                CameraSource::V4l2,
                Some(device.unwrap_or_else(|| "/dev/video0".into())),
            ),
            Some(kind) => SourceSetting::Fixed(kind, device),
        };
        if let Some(dir) = self.parse("media.dir", "a folder path", |s| {
            (!s.is_empty()).then(|| PathBuf::from(s))
        })? {
            config.media.dir = dir;
        }
        config.media.database_url = self.parse(
            "media.database_url",
            "a database URL starting with sqlite:// or postgres://",
            |s| {
                (s.starts_with("sqlite:")
                    || s.starts_with("postgres://")
                    || s.starts_with("postgresql://"))
                .then(|| s.to_owned())
            },
        )?;
        if let Some(mode) = self.parse(
            "device.mode",
            "one of none, serial, legacy, spi, demo",
            |s| match s {
                "none" => Some(DeviceMode::None),
                "serial" => Some(DeviceMode::Serial),
                "legacy" => Some(DeviceMode::Legacy),
                "spi" => Some(DeviceMode::Spi),
                "demo" => Some(DeviceMode::Demo),
                _ => None,
            },
        )? {
            config.device.mode = mode;
        }
        config.device.path = self.parse(
            "device.path",
            "a device path such as /dev/ttyACM0 or /dev/spidev0.0",
            |s| (!s.is_empty()).then(|| s.to_owned()),
        )?;
        config.device.baud = self.int("device.baud", 300, 4_000_000)?;
        if let Some(bpm) = self.int("device.demo_bpm", 30, 220)? {
            config.device.demo_bpm = bpm;
        }
        if let Some(leds) = self.int("device.leds", 1, 1024)? {
            config.device.leds = leds;
        }
        if let Some(rgbw) = self.boolean("device.rgbw")? {
            config.device.rgbw = rgbw;
        }
        let c = &mut config.camera;
        let r = &mut config.recording;
        let m = &mut config.media;
        let (viewers, commands) = (&mut config.max_viewers, &mut config.commands_per_second);
        for (key, slot, min, max) in [
            ("server.max_viewers", viewers, 1, 100_000),
            ("server.commands_per_second", commands, 1, 10_000),
            (
                "server.idle_timeout_seconds",
                &mut config.idle_timeout_seconds,
                1,
                3600,
            ),
            (
                "server.max_message_kilobytes",
                &mut config.max_message_kilobytes,
                1,
                1024,
            ),
            (
                "server.max_body_kilobytes",
                &mut config.max_body_kilobytes,
                16,
                1_048_576,
            ),
            (
                "auth.session_hours",
                &mut config.auth.session_hours,
                1,
                24 * 366,
            ),
            (
                "media.min_free_megabytes",
                &mut m.min_free_megabytes,
                0,
                1_000_000,
            ),
            ("camera.width", &mut c.width, 16, 7680),
            ("camera.height", &mut c.height, 16, 4320),
            ("camera.fps", &mut c.fps, 1, 240),
            ("camera.jpeg_quality", &mut c.jpeg_quality, 1, 100),
            ("recording.max_seconds", &mut r.max_seconds, 1, 86_400),
            (
                "recording.max_megabytes",
                &mut r.max_megabytes,
                1,
                1_000_000,
            ),
            ("recording.bitrate_kbps", &mut r.bitrate_kbps, 100, 100_000),
        ] {
            if let Some(v) = self.int(key, min, max)? {
                *slot = v;
            }
        }
        if c.width % 2 != 0 || c.height % 2 != 0 {
            let (key, got) = if c.width % 2 != 0 {
                ("camera.width", c.width)
            } else {
                ("camera.height", c.height)
            };
            return Err(self.invalid(
                key,
                got.to_string(),
                "an even number (I420 needs even sizes)".into(),
            ));
        }
        Ok(config)
    }

    fn invalid(&self, key: &'static str, got: String, expected: String) -> ConfigError {
        let origin = self
            .values
            .get(key)
            .map_or(Origin::Flag("?"), |(_, o)| o.clone());
        ConfigError::Invalid {
            key,
            origin,
            got,
            expected,
        }
    }

    /// Parses a string-valued key with `f`; `None` from `f` means invalid.
    fn parse<T>(
        &self,
        key: &'static str,
        expected: &str,
        f: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, ConfigError> {
        let Some((raw, _)) = self.values.get(key) else {
            return Ok(None);
        };
        let text = match raw {
            Raw::Toml(toml::Value::String(s)) | Raw::Text(s) => Some(s.trim()),
            Raw::Toml(_) => None,
        };
        text.and_then(f)
            .map(Some)
            .ok_or_else(|| self.invalid(key, raw.shown(), expected.to_owned()))
    }

    fn boolean(&self, key: &'static str) -> Result<Option<bool>, ConfigError> {
        let Some((raw, _)) = self.values.get(key) else {
            return Ok(None);
        };
        match raw {
            Raw::Toml(toml::Value::Boolean(b)) => Some(*b),
            Raw::Toml(toml::Value::String(s)) | Raw::Text(s) => match s.trim() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            Raw::Toml(_) => None,
        }
        .map(Some)
        .ok_or_else(|| self.invalid(key, raw.shown(), "true or false".into()))
    }

    fn int(&self, key: &'static str, min: u32, max: u32) -> Result<Option<u32>, ConfigError> {
        let Some((raw, _)) = self.values.get(key) else {
            return Ok(None);
        };
        let value = match raw {
            Raw::Toml(toml::Value::Integer(i)) => u32::try_from(*i).ok(),
            Raw::Text(s) => s.trim().parse::<u32>().ok(),
            Raw::Toml(_) => None,
        };
        value
            .filter(|v| (min..=max).contains(v))
            .map(Some)
            .ok_or_else(|| {
                self.invalid(key, raw.shown(), format!("an integer from {min} to {max}"))
            })
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
    fn the_example_file_parses_to_the_defaults() {
        let text = include_str!("../camrig.example.toml");
        assert_eq!(from_toml(text).unwrap(), Config::default());
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
        layers.flag("camera.height", Some("360".into()));
        let c = layers.build().unwrap().camera;
        assert_eq!((c.width, c.height, c.fps), (640, 360, 10));
    }

    #[test]
    fn v4l2_defaults_to_video0() {
        let c = from_toml("[camera]\nsource = \"v4l2\"\n").unwrap();
        assert_eq!(
            c.camera.source,
            SourceSetting::Fixed(CameraSource::V4l2, Some("/dev/video0".into()))
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
