//! The declaration of every configuration key, once: its name (which also
//! gives the environment variable), its flag, its meaning, what it accepts,
//! and the field of [`Config`] it sets and shows. Loading, flags, error
//! messages, the example file and the README table are all driven by
//! [`keys`]; adding a key is one entry here plus its field.

use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::sync::LazyLock;

use shared::CameraSource;
use shared::device::DeviceMode;

use super::layers::Raw;
use super::{Config, SecretText, SourceSetting, TlsMode};
use crate::camera::orientation::{FLIPS, Rotation};
use crate::camera::source::TEST_FORMATS;

/// Sets a field from a raw value; `None` means the value is not accepted.
type Setter = Box<dyn Fn(&mut Config, &Raw) -> Option<()> + Send + Sync>;
/// Reads a field as TOML; `None` means unset.
type Getter = Box<dyn Fn(&mut Config) -> Option<toml::Value> + Send + Sync>;

/// One configuration key.
pub struct Key {
    /// `section.name`, as in the file.
    pub name: &'static str,
    /// The long command-line flag, without dashes.
    pub flag: &'static str,
    /// What it does, in sentences; the first is the flag's short help.
    pub doc: &'static str,
    /// What it accepts, for error messages and the docs.
    pub expected: String,
    /// How the docs describe the default when it is not one plain value.
    pub default_note: Option<&'static str>,
    /// An example value the example file shows for a key unset by default.
    pub example: Option<&'static str>,
    /// A secret: an error never shows the value given.
    pub secret: bool,
    set: Setter,
    get: Getter,
}

impl Key {
    /// The section (`camera` of `camera.width`).
    pub fn section(&self) -> &'static str {
        self.name.split_once('.').map_or(self.name, |(s, _)| s)
    }

    /// The name within the section (`width` of `camera.width`).
    pub fn field(&self) -> &'static str {
        self.name.split_once('.').map_or(self.name, |(_, f)| f)
    }

    /// The first sentence of the doc, for `--help`.
    pub fn summary(&self) -> &'static str {
        self.doc
            .find(". ")
            .map_or(self.doc.trim_end_matches('.'), |end| &self.doc[..end])
    }

    /// Sets this key in `config` from `raw`; `None` when not accepted.
    pub(super) fn apply(&self, config: &mut Config, raw: &Raw) -> Option<()> {
        (self.set)(config, raw)
    }

    /// This key's value in `config` as TOML; `None` when unset.
    pub fn value(&self, config: &Config) -> Option<toml::Value> {
        (self.get)(&mut config.clone())
    }
}

/// A key being declared: name, flag and doc, waiting for its type.
struct Decl {
    name: &'static str,
    flag: &'static str,
    doc: &'static str,
    default_note: Option<&'static str>,
    example: Option<&'static str>,
}

fn key(name: &'static str, flag: &'static str, doc: &'static str) -> Decl {
    Decl {
        name,
        flag,
        doc,
        default_note: None,
        example: None,
    }
}

impl Decl {
    /// How the docs describe a default that is computed or unset.
    fn default_note(mut self, note: &'static str) -> Self {
        self.default_note = Some(note);
        self
    }

    /// An example value for a key unset by default.
    fn example(mut self, example: &'static str) -> Self {
        self.example = Some(example);
        self
    }

    /// The general case: `parse` converts, `field` is where it goes, `show`
    /// turns it back into TOML.
    fn typed<T: 'static>(
        self,
        expected: String,
        parse: impl Fn(&Raw) -> Option<T> + Send + Sync + 'static,
        field: fn(&mut Config) -> &mut T,
        show: impl Fn(&T) -> Option<toml::Value> + Send + Sync + 'static,
    ) -> Key {
        Key {
            name: self.name,
            flag: self.flag,
            doc: self.doc,
            expected,
            default_note: self.default_note,
            example: self.example,
            secret: false,
            set: Box::new(move |config, raw| {
                *field(config) = parse(raw)?;
                Some(())
            }),
            get: Box::new(move |config| show(field(config))),
        }
    }

    /// A whole number within `range`.
    fn int(self, range: RangeInclusive<u32>, field: fn(&mut Config) -> &mut u32) -> Key {
        let expected = format!("an integer from {} to {}", range.start(), range.end());
        self.typed(
            expected,
            move |raw| parse_int(raw).filter(|v| range.contains(v)),
            field,
            |v| Some(toml::Value::Integer((*v).into())),
        )
    }

    /// A whole number within `range`, or unset.
    fn optional_int(
        self,
        range: RangeInclusive<u32>,
        field: fn(&mut Config) -> &mut Option<u32>,
    ) -> Key {
        let expected = format!("an integer from {} to {}", range.start(), range.end());
        self.typed(
            expected,
            move |raw| parse_int(raw).filter(|v| range.contains(v)).map(Some),
            field,
            |v| v.map(|v| toml::Value::Integer(v.into())),
        )
    }

    /// `true` or `false`.
    fn boolean(self, field: fn(&mut Config) -> &mut bool) -> Key {
        self.typed(
            "true or false".into(),
            |raw| match raw {
                Raw::Toml(toml::Value::Boolean(b)) => Some(*b),
                _ => match raw.text()? {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => None,
                },
            },
            field,
            |v| Some(toml::Value::Boolean(*v)),
        )
    }

    /// Text converted by `parse`; `show` gives the text back (`None`: unset).
    fn text<T: 'static>(
        self,
        expected: &str,
        parse: fn(&str) -> Option<T>,
        field: fn(&mut Config) -> &mut T,
        show: fn(&T) -> Option<String>,
    ) -> Key {
        self.typed(
            expected.to_owned(),
            move |raw| raw.text().and_then(parse),
            field,
            move |v| show(v).map(toml::Value::String),
        )
    }

    /// Text that is not empty, or unset.
    fn optional_text(self, expected: &str, field: fn(&mut Config) -> &mut Option<String>) -> Key {
        self.text(
            expected,
            |s| (!s.is_empty()).then(|| Some(s.to_owned())),
            field,
            Clone::clone,
        )
    }

    /// A program and its arguments.
    fn command(self, field: fn(&mut Config) -> &mut Vec<String>) -> Key {
        self.text(
            "a program and its arguments separated by spaces, such as systemctl reboot",
            parse_command,
            field,
            |words| Some(words.join(" ")),
        )
    }

    /// A file path, or unset.
    fn optional_path(self, expected: &str, field: fn(&mut Config) -> &mut Option<PathBuf>) -> Key {
        self.text(
            expected,
            |s| (!s.is_empty()).then(|| Some(PathBuf::from(s))),
            field,
            |p| p.as_ref().map(|p| p.display().to_string()),
        )
    }

    /// A folder or file path.
    fn path(self, field: fn(&mut Config) -> &mut PathBuf) -> Key {
        self.text(
            "a folder path",
            |s| (!s.is_empty()).then(|| PathBuf::from(s)),
            field,
            |p| Some(p.display().to_string()),
        )
    }

    /// A secret of at least `min` characters, or unset.
    fn secret(self, min: usize, field: fn(&mut Config) -> &mut Option<SecretText>) -> Key {
        let expected = format!("a key of at least {min} characters");
        let mut key = self.typed(
            expected,
            move |raw| {
                let s = raw.text()?;
                (s.len() >= min).then(|| Some(SecretText::new(s)))
            },
            field,
            |_| None,
        );
        key.secret = true;
        key
    }

    /// A restream URL (kept secret: it may hold a stream key), or unset.
    fn restream(self) -> Key {
        let mut key = self.typed(
            "an rtmp://, rtmps://, srt:// or rtsp:// URL with a host".into(),
            |raw| {
                let text = raw.text()?;
                if text.is_empty() {
                    return Some(None);
                }
                crate::restream::RestreamTarget::parse(text).map(Some)
            },
            |c| &mut c.restream,
            |_| None,
        );
        key.secret = true;
        key
    }

    /// One of the named `options`.
    fn choice<T: Copy + PartialEq + Send + Sync + 'static>(
        self,
        options: &'static [(&'static str, T)],
        field: fn(&mut Config) -> &mut T,
    ) -> Key {
        let names: Vec<_> = options.iter().map(|(name, _)| *name).collect();
        self.typed(
            format!("one of {}", names.join(", ")),
            |raw| {
                let text = raw.text()?;
                options.iter().find(|(n, _)| *n == text).map(|(_, v)| *v)
            },
            field,
            |v| {
                let name = options.iter().find(|(_, o)| o == v)?.0;
                Some(toml::Value::String(name.to_owned()))
            },
        )
    }
}

/// A program and its arguments, separated by spaces (no shell, no quoting).
fn parse_command(text: &str) -> Option<Vec<String>> {
    let words: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    (!words.is_empty()).then_some(words)
}

fn parse_int(raw: &Raw) -> Option<u32> {
    match raw {
        Raw::Toml(toml::Value::Integer(i)) => u32::try_from(*i).ok(),
        Raw::Text(s) => s.trim().parse().ok(),
        Raw::Toml(_) => None,
    }
}

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

const SOURCES: &[(&str, SourceSetting)] = &[
    ("auto", SourceSetting::Auto),
    ("test", SourceSetting::Fixed(CameraSource::Test)),
    ("v4l2", SourceSetting::Fixed(CameraSource::V4l2)),
    ("libcamera", SourceSetting::Fixed(CameraSource::Libcamera)),
];

const TLS_MODES: &[(&str, TlsMode)] = &[("off", TlsMode::Off), ("on", TlsMode::On)];

const DEVICE_MODES: &[(&str, DeviceMode)] = &[
    ("none", DeviceMode::None),
    ("serial", DeviceMode::Serial),
    ("legacy", DeviceMode::Legacy),
    ("spi", DeviceMode::Spi),
    ("demo", DeviceMode::Demo),
];

/// The sections in file order, each with what it is about.
pub const SECTIONS: &[(&str, &str)] = &[
    (
        "server",
        "The web server: address, limits and who may reach it.",
    ),
    (
        "auth",
        "Viewers watch and browse; operators change things. The operator key logs a browser in \
         (the start-up QR code does it for a phone) and is the bearer token of scripts.",
    ),
    (
        "tls",
        "HTTPS, which phones need for smooth video decoding and for installing the app. One \
         switch: tls.mode = \"on\". The rig then makes its own small certificate authority, \
         which phones install once from the page /tls.",
    ),
    ("camera", "The camera and the live picture."),
    ("media", "Where photos, recordings and the catalogue live."),
    ("recording", "Limits and quality of recordings."),
    (
        "restream",
        "Publishing the live H.264 to a media server for large audiences.",
    ),
    ("device", "The light and heart-rate board."),
    (
        "system",
        "What operators may do to the machine from the browser. Each command is a program and \
         its arguments, run without a shell.",
    ),
    (
        "audit",
        "The record of every operator action, in the catalogue database.",
    ),
];

/// Every key, in file order.
pub fn keys() -> &'static [Key] {
    static KEYS: LazyLock<Vec<Key>> = LazyLock::new(declare);
    &KEYS
}

fn declare() -> Vec<Key> {
    vec![
        key(
            "server.listen",
            "listen",
            "Address and port of the web app, the WebSocket and the MJPEG stream. \
             0.0.0.0:5000 lets phones and other computers on the local network connect \
             (every change needs the operator key); 127.0.0.1:5000 serves this machine only.",
        )
        .text(
            "an address such as 127.0.0.1:5000 or 0.0.0.0:5000",
            |s| s.parse::<SocketAddr>().ok(),
            |c| &mut c.listen,
            |a| Some(a.to_string()),
        ),
        key(
            "server.frontend_dir",
            "frontend-dir",
            "Folder with the built web app (Trunk's output). \
             A relative path is relative to the working directory.",
        )
        .path(|c| &mut c.frontend_dir),
        key(
            "server.allowed_origins",
            "allowed-origins",
            "Origins of a reverse proxy whose pages may change things, comma-separated. \
             A request or WebSocket from any other page is refused; the server's own origin \
             always may. Example: https://rig.example.org.",
        )
        .text(
            "comma-separated origins such as https://rig.example.org (scheme, host and port; no path)",
            parse_origins,
            |c| &mut c.allowed_origins,
            |list| Some(list.join(",")),
        ),
        key(
            "server.max_viewers",
            "max-viewers",
            "Most WebSocket viewers at once. The next is refused with 503 unavailable and the reason.",
        )
        .int(1..=100_000, |c| &mut c.max_viewers),
        key(
            "server.commands_per_second",
            "commands-per-second",
            "Commands one connection may send per second (bursts of twice that). \
             More get too_many_requests, and a flood of four times the rate closes the \
             connection with 1008.",
        )
        .int(1..=10_000, |c| &mut c.commands_per_second),
        key(
            "server.allowed_hosts",
            "allowed-hosts",
            "Host names the rig is reached under besides IP addresses, localhost and the \
             machine's own name (NAME, NAME.local), comma-separated. Requests for any other \
             Host are refused (DNS rebinding).",
        )
        .text(
            "comma-separated host names such as rig.example.org (no scheme, no port)",
            parse_hosts,
            |c| &mut c.allowed_hosts,
            |list| Some(list.join(",")),
        ),
        key(
            "server.idle_timeout_seconds",
            "idle-timeout-seconds",
            "Seconds a client may take over a request's headers, stay idle, or take nothing \
             it is sent. Slower headers are refused (slowloris), an idle keep-alive connection \
             closes, and a viewer or MJPEG client that takes no data that long is dropped.",
        )
        .int(1..=3600, |c| &mut c.idle_timeout_seconds),
        key(
            "server.max_message_kilobytes",
            "max-message-kilobytes",
            "Largest WebSocket text message (a command) in KiB. \
             A bigger one closes the connection with 1009.",
        )
        .int(1..=1024, |c| &mut c.max_message_kilobytes),
        key(
            "server.max_body_kilobytes",
            "max-body-kilobytes",
            "Largest HTTP request body in KiB. A bigger one gets 413 too_large.",
        )
        .int(16..=1_048_576, |c| &mut c.max_body_kilobytes),
        key(
            "server.original_urls",
            "original-urls",
            "Lets scripts written for the original app change things through its URLs \
             (/snapshot, /light?status=true and the rest), with the operator key as ?key=. \
             Off, they answer 410 gone naming the new endpoint. Off by default because they \
             are GET requests that change things, and a key in a URL can end up in browser \
             history and proxy logs.",
        )
        .boolean(|c| &mut c.original_urls),
        key(
            "auth.operator_key",
            "operator-key",
            "The operator key, at least 16 characters. Unset, a random key is made on first \
             start and kept in <media.dir>/.camrig/operator.key, readable by the server's user \
             only; camrig login-link prints its login link and QR code again. Prefer the file \
             or CAMRIG_AUTH_OPERATOR_KEY: a flag shows in the process list.",
        )
        .default_note("generated")
        .example("a-long-random-operator-key")
        .secret(crate::auth::MIN_OPERATOR_KEY, |c| &mut c.auth.operator_key),
        key(
            "auth.viewer_key",
            "viewer-key",
            "A key viewers must give before watching, at least 8 characters. \
             Unset, anyone on the network may watch.",
        )
        .default_note("unset")
        .example("a-viewer-key")
        .secret(crate::auth::MIN_VIEWER_KEY, |c| &mut c.auth.viewer_key),
        key(
            "auth.session_hours",
            "session-hours",
            "How long a login lasts, in hours. Logins end when the server stops; an operator's \
             restart from the System page keeps them.",
        )
        .int(1..=24 * 366, |c| &mut c.auth.session_hours),
        key(
            "tls.mode",
            "tls",
            "HTTPS: off or on. on serves HTTPS and plain HTTP on the same port, and answers \
             plain HTTP with a redirect to HTTPS (308), except the pages /tls and /ca.crt that \
             phones need first. Without tls.cert the certificate comes from the rig's own \
             certificate authority in <media.dir>/.camrig/tls/, made at the first start (or by \
             camrig tls init) and issued again by itself when the machine's names or addresses \
             change.",
        )
        .choice(TLS_MODES, |c| &mut c.tls.mode),
        key(
            "tls.cert",
            "tls-cert",
            "A PEM certificate chain to serve instead of the rig's own, for example from your \
             organisation's authority or Let's Encrypt. Needs tls.key; both are read again when \
             they change.",
        )
        .default_note("the rig's own authority")
        .example("/etc/camrig/rig.crt")
        .optional_path("a PEM certificate file", |c| &mut c.tls.cert),
        key(
            "tls.key",
            "tls-key",
            "The PEM private key of tls.cert.",
        )
        .default_note("unset")
        .example("/etc/camrig/rig.key")
        .optional_path("a PEM private key file", |c| &mut c.tls.key),
        key(
            "camera.source",
            "camera",
            "Which camera to open: auto, test, v4l2 or libcamera. auto is the first V4L2 \
             capture device (/dev/video*) if there is one, otherwise the test source, and the \
             log says which; test is a moving pattern with a running clock burned in; v4l2 a \
             USB (UVC) camera at camera.device; libcamera a Raspberry Pi camera (Debian's \
             gstreamer1.0-libcamera).",
        )
        .choice(SOURCES, |c| &mut c.camera.source),
        key(
            "camera.device",
            "device",
            "V4L2 device path or libcamera camera name. \
             Unused by auto and test; v4l2 defaults to /dev/video0.",
        )
        .default_note("/dev/video0 for v4l2")
        .example("/dev/video0")
        .optional_text(
            "a device path such as /dev/video0, or a libcamera camera name",
            |c| &mut c.camera.device,
        ),
        key(
            "camera.width",
            "width",
            "Capture width in pixels, an even number. \
             The camera must offer this mode; if it does not, it shows as offline with the reason.",
        )
        .int(16..=7680, |c| &mut c.camera.width),
        key(
            "camera.height",
            "height",
            "Capture height in pixels, an even number.",
        )
        .int(16..=4320, |c| &mut c.camera.height),
        key("camera.fps", "fps", "Frames per second.").int(1..=240, |c| &mut c.camera.fps),
        key(
            "camera.jpeg_quality",
            "jpeg-quality",
            "JPEG quality of the frames sent to viewers, 1-100. Higher is sharper and bigger.",
        )
        .int(1..=100, |c| &mut c.camera.jpeg_quality),
        key(
            "camera.h264_bitrate_kbps",
            "h264-bitrate-kbps",
            "Bit rate of the H.264 live view in kbit/s (browsers with WebCodecs get it; others \
             get JPEG). About 1500 suits 1280x720 at 30 fps; every viewer receives this much.",
        )
        .int(100..=50_000, |c| &mut c.camera.h264_bitrate_kbps),
        key(
            "camera.idle_seconds",
            "idle-seconds",
            "Seconds with nobody watching and nothing recording before the camera pipeline \
             pauses, to save power; the next viewer, snapshot or recording resumes it within a \
             fraction of a second. 0 keeps it running.",
        )
        .int(0..=86_400, |c| &mut c.camera.idle_seconds),
        key(
            "camera.rotate",
            "rotate",
            "Turns the picture clockwise by 0, 90, 180 or 270 degrees, for a camera mounted \
             sideways or upside down. Viewers, snapshots and recordings all get the turned \
             picture; 90 and 270 swap its width and height (camera.width and camera.height stay \
             the camera's own mode).",
        )
        .typed(
            "one of 0, 90, 180, 270".into(),
            |raw| parse_int(raw).and_then(Rotation::from_degrees),
            |c| &mut c.camera.rotate,
            |r| Some(toml::Value::Integer(r.degrees().into())),
        ),
        key(
            "camera.flip",
            "flip",
            "Mirrors the picture after camera.rotate: none, horizontal (left and right swapped, \
             for a camera behind a mirror), vertical (top and bottom swapped) or both (the same \
             as rotate 180). Viewers, snapshots and recordings all get the mirrored picture.",
        )
        .choice(FLIPS, |c| &mut c.camera.flip),
        key(
            "camera.test_format",
            "test-format",
            "What the test source delivers: raw (like a Raspberry Pi camera) or mjpeg (like a USB \
             webcam, whose JPEGs go to JPEG viewers as they are while no view setting changes the \
             picture). Other sources ignore it.",
        )
        .choice(TEST_FORMATS, |c| &mut c.camera.test_format),
        key(
            "camera.test_motion",
            "test-motion",
            "Whether the test source's pattern moves and shows a running clock. false gives \
             still colour bars (no clock, no snow), as the README's screenshots need. Other \
             sources ignore it.",
        )
        .boolean(|c| &mut c.camera.test_motion),
        key(
            "media.dir",
            "media-dir",
            "Folder for photos, recordings, thumbnails and (by default) the catalogue database.",
        )
        .path(|c| &mut c.media.dir),
        key(
            "media.database_url",
            "database-url",
            "Catalogue database URL. A postgres:// URL lets several rigs share one catalogue.",
        )
        .default_note("sqlite://<media.dir>/media.db?mode=rwc")
        .example("postgres://camrig@db.local/camrig")
        .text(
            "a database URL starting with sqlite:// or postgres://",
            |s| {
                let ok = ["sqlite:", "postgres://", "postgresql://"]
                    .iter()
                    .any(|p| s.starts_with(p));
                ok.then(|| Some(s.to_owned()))
            },
            |c| &mut c.media.database_url,
            Clone::clone,
        ),
        key(
            "media.min_free_megabytes",
            "min-free-megabytes",
            "Free space (MB) the media disk always keeps. Below it snapshots and new recordings \
             are refused (storage_full) and a running recording stops, with the reason, long \
             before the disk is full.",
        )
        .int(0..=1_000_000, |c| &mut c.media.min_free_megabytes),
        key(
            "recording.max_seconds",
            "max-recording-seconds",
            "Longest recording in seconds. It stops by itself then; what was recorded is kept \
             and clients are told why it stopped.",
        )
        .int(1..=86_400, |c| &mut c.recording.max_seconds),
        key(
            "recording.max_megabytes",
            "max-recording-megabytes",
            "Largest recording in megabytes. It stops by itself then, like at the longest duration.",
        )
        .int(1..=1_000_000, |c| &mut c.recording.max_megabytes),
        key(
            "recording.bitrate_kbps",
            "recording-bitrate-kbps",
            "H.264 bit rate of recordings in kbit/s. 4000 suits 1280x720 at 30 fps.",
        )
        .int(100..=100_000, |c| &mut c.recording.bitrate_kbps),
        key(
            "restream.url",
            "restream-url",
            "Publishes the live H.264 to a media server, which then serves the audience: \
             rtmp:// or rtmps:// (FLV), srt:// (MPEG-TS) or rtsp:// (publishing), for example \
             rtmp://mediamtx.local:1935/live/rig. It starts and stops with the server and \
             reconnects when the media server goes away; the state's restream says how it \
             stands. The URL may carry a stream key, so it is never shown. Unset: no restream.",
        )
        .default_note("unset")
        .restream(),
        key(
            "device.mode",
            "device-mode",
            "The light and heart-rate board: none, serial, legacy, spi or demo. serial is a \
             board running this project's firmware (firmware/) on device.path; legacy a board \
             still running the original Arduino sketch (9600 baud); spi NeoPixels on the \
             Raspberry Pi's SPI bus (no pulse sensor); demo the built-in simulator, its data \
             labelled simulated. camrig --demo uses the simulator only when this is none.",
        )
        .choice(DEVICE_MODES, |c| &mut c.device.mode),
        key(
            "device.path",
            "device-path",
            "Serial port or SPI device of the light board.",
        )
        .default_note("/dev/serial0, or /dev/spidev0.0 for spi")
        .example("/dev/ttyACM0")
        .optional_text(
            "a device path such as /dev/ttyACM0 or /dev/spidev0.0",
            |c| &mut c.device.path,
        ),
        key(
            "device.baud",
            "device-baud",
            "Serial speed of the light board.",
        )
        .default_note("115200, or 9600 for legacy")
        .example("115200")
        .optional_int(300..=4_000_000, |c| &mut c.device.baud),
        key(
            "device.demo_bpm",
            "demo-bpm",
            "Heart rate of the simulated device, in beats per minute.",
        )
        .int(30..=220, |c| &mut c.device.demo_bpm),
        key(
            "device.leds",
            "device-leds",
            "Number of NeoPixels on the SPI bus (spi only).",
        )
        .int(1..=1024, |c| &mut c.device.leds),
        key(
            "device.rgbw",
            "device-rgbw",
            "The SPI pixels have a white channel, SK6812 RGBW (spi only).",
        )
        .boolean(|c| &mut c.device.rgbw),
        key(
            "system.reboot_command",
            "reboot-command",
            "Command that reboots the machine, for an operator's Reboot. The service's polkit \
             rule lets the camrig user run it.",
        )
        .command(|c| &mut c.system.reboot_command),
        key(
            "system.shutdown_command",
            "shutdown-command",
            "Command that shuts the machine down, for an operator's Shut down.",
        )
        .command(|c| &mut c.system.shutdown_command),
        key(
            "system.log_command",
            "system-log-command",
            "Command whose output is the system log of the operator's log panel. The default is \
             the kernel log of this boot; the service's user needs the systemd-journal group.",
        )
        .command(|c| &mut c.system.log_command),
        key(
            "server.log_lines",
            "log-lines",
            "How many of the server's recent log lines it keeps in memory for the log panel.",
        )
        .int(100..=100_000, |c| &mut c.log_lines),
        key(
            "audit.keep_days",
            "audit-keep-days",
            "Days the audit trail keeps an operator action. Older rows are removed at start-up \
             and every hour.",
        )
        .int(1..=36_500, |c| &mut c.audit.keep_days),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_flags_and_sections_are_unique_and_known() {
        let all = keys();
        for (i, k) in all.iter().enumerate() {
            assert!(
                SECTIONS.iter().any(|(s, _)| *s == k.section()),
                "{}",
                k.name
            );
            for other in &all[i + 1..] {
                assert_ne!(k.name, other.name);
                assert_ne!(k.flag, other.flag);
            }
            assert!(!k.summary().is_empty() && !k.summary().ends_with('.'));
        }
    }

    #[test]
    fn every_default_reads_back_as_it_was_set() {
        let defaults = Config::default();
        for key in keys() {
            let mut config = Config::default();
            match key.value(&defaults) {
                Some(value) => {
                    key.apply(&mut config, &Raw::Toml(value)).unwrap();
                    assert_eq!(config, defaults, "{}", key.name);
                }
                None => assert!(key.default_note.is_some(), "{}", key.name),
            }
        }
    }
}
