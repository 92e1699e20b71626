//! The original app's `config.txt` (`key=value` lines: `camera`, `light`,
//! `lighttype`, `numlights`, `tty`, `baud`, `userkey`) read tolerantly —
//! comments, blank lines, spaces, quotes, any case and unknown keys — and
//! mapped to camrig's keys. Each setting says what it became or why it could
//! not be carried over; every value that is carried over is checked by the
//! key's own declaration (`config::keys`) before it is written, so the
//! `camrig.toml` made from it loads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::{Layers, Origin};

/// One `key=value` line of `config.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Line number, from 1.
    pub line: usize,
    /// The key, lower case.
    pub key: String,
    /// The value: trimmed, without surrounding quotes or a trailing
    /// `# comment`.
    pub value: String,
}

/// What was read from `config.txt`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigTxt {
    /// Settings in file order (a repeated key appears twice; the last wins).
    pub entries: Vec<Entry>,
    /// Lines that are not `key=value`, each with the reason.
    pub bad_lines: Vec<String>,
}

/// Reads `config.txt` text. Never fails: what cannot be read is listed in
/// [`ConfigTxt::bad_lines`].
pub fn parse(text: &str) -> ConfigTxt {
    let mut read = ConfigTxt::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (at, raw) in text.lines().enumerate() {
        let line = at + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty()
            || trimmed.starts_with('#')
            || trimmed.starts_with(';')
            || trimmed.starts_with("//")
            || (trimmed.starts_with('[') && trimmed.ends_with(']'))
        {
            continue;
        }
        let shown = crate::catalogue::names::clean_text(trimmed, false);
        let Some((key, value)) = trimmed.split_once('=') else {
            read.bad_lines
                .push(format!("line {line}: {shown:?} is not key=value; ignored"));
            continue;
        };
        let key = unquote(key.trim()).to_ascii_lowercase();
        if key.is_empty() || key.contains(char::is_whitespace) {
            read.bad_lines
                .push(format!("line {line}: {shown:?} has no usable key; ignored"));
            continue;
        }
        read.entries.push(Entry {
            line,
            key,
            value: clean_value(value),
        });
    }
    read
}

/// A value without surrounding whitespace and quotes; unquoted, a
/// ` # comment` after it is dropped.
fn clean_value(value: &str) -> String {
    let value = value.trim();
    let quoted = unquote(value);
    if quoted.len() != value.len() {
        return quoted.to_owned();
    }
    let end = value
        .char_indices()
        .find(|&(i, c)| c == '#' && value[..i].ends_with(char::is_whitespace))
        .map_or(value.len(), |(i, _)| i);
    value[..end].trim().to_owned()
}

fn unquote(text: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = text
            .strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote))
        {
            return inner;
        }
    }
    text
}

/// `true` when `path` reads like the original app's `config.txt`: no TOML
/// sections and at least one of its keys.
pub fn looks_like_original(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    let read = parse(&text);
    !text.lines().any(|l| l.trim_start().starts_with('['))
        && read.entries.iter().any(|e| KNOWN.contains(&e.key.as_str()))
}

/// The keys the original app knew.
const KNOWN: &[&str] = &[
    "camera",
    "light",
    "lighttype",
    "numlights",
    "tty",
    "baud",
    "userkey",
];

/// One of the original's settings and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The setting as the original had it (`camera=usb`; a key's value is
    /// not shown).
    pub from: String,
    /// What it became: `camera.source = "v4l2"`, or why nothing.
    pub became: String,
}

/// `config.txt` mapped to camrig's settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapping {
    /// camrig key -> value, each accepted by the key's declaration.
    pub settings: BTreeMap<&'static str, toml::Value>,
    /// Each setting carried over, and what it became.
    pub outcomes: Vec<Outcome>,
    /// Each setting or line that could not be carried over, and why.
    pub not_mapped: Vec<String>,
}

impl Mapping {
    /// The `camrig.toml` text of [`Mapping::settings`], with a header
    /// naming where it came from.
    pub fn toml_text(&self, source: &Path) -> String {
        let mut sections: BTreeMap<&str, toml::Table> = BTreeMap::new();
        for (key, value) in &self.settings {
            let (section, field) = key.split_once('.').unwrap_or(("", key));
            sections
                .entry(section)
                .or_default()
                .insert(field.to_owned(), value.clone());
        }
        let mut text = format!(
            "# camrig settings carried over from the original app's {} by\n\
             # `camrig import-legacy`. Every key is described in\n\
             # backend/camrig.example.toml.\n",
            source.display()
        );
        // Sections in the order the keys are declared (the example file's).
        let mut order: Vec<&str> = Vec::new();
        for key in crate::config::keys() {
            if !order.contains(&key.section()) {
                order.push(key.section());
            }
        }
        for section in order {
            if let Some(table) = sections.get(section) {
                let mut wrapper = toml::Table::new();
                wrapper.insert(section.to_owned(), toml::Value::Table(table.clone()));
                text.push('\n');
                text.push_str(&toml::to_string(&wrapper).unwrap_or_default());
            }
        }
        text
    }
}

/// How the light was driven, from `light` and `lighttype`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Light {
    None,
    Arduino,
    Neopixel,
}

/// Maps the read settings to camrig's keys. `media_dir` becomes
/// `media.dir`; `config_path` names the file in messages.
pub fn map(read: &ConfigTxt, config_path: &Path, media_dir: &Path) -> Mapping {
    let mut m = Mapping::default();
    let origin = Origin::File(config_path.to_owned());
    // The last of a repeated key wins, as in the original's dictionary.
    let mut last: BTreeMap<&str, &Entry> = BTreeMap::new();
    for entry in &read.entries {
        if let Some(earlier) = last.insert(entry.key.as_str(), entry) {
            m.note_unmapped(
                &format!("line {}: {}", earlier.line, shown(earlier)),
                format!("repeated on line {}; the later one counts", entry.line),
            );
        }
    }
    let get = |key: &str| last.get(key).copied();

    if let Some(camera) = get("camera") {
        match camera.value.to_ascii_lowercase().as_str() {
            "usb" | "webcam" | "uvc" | "v4l2" => m.set(&origin, camera, "camera.source", "v4l2"),
            "picam" | "pi" | "picamera" | "raspicam" | "csi" | "libcamera" => {
                m.set(&origin, camera, "camera.source", "libcamera");
                // The original turned the Pi camera's picture in its code,
                // not in config.txt, so how is not known here.
                m.note_unmapped(
                    &shown(camera),
                    "the original turned the Pi camera's picture in its code: if the picture \
                     shows upside down or mirrored, set camera.rotate = 180 or camera.flip"
                        .into(),
                );
            }
            other => m.note_unmapped(
                &shown(camera),
                format!(
                    "unknown camera {other:?}: left at camera.source = \"auto\" (the first USB \
                     camera, else the test picture)"
                ),
            ),
        }
    }

    let light = light_kind(get("light"), get("lighttype"), get("tty"), &mut m);
    if let Some(light) = light {
        let name = match light {
            Light::None => "none",
            Light::Arduino => "legacy",
            Light::Neopixel => "spi",
        };
        let mut from = Vec::new();
        for key in ["light", "lighttype"] {
            if let Some(entry) = get(key) {
                from.push(shown(entry));
            }
        }
        let note = match light {
            Light::None => " (no light)",
            Light::Arduino => " (a board still running the original Arduino sketch)",
            Light::Neopixel => {
                " (NeoPixels driven by the Pi itself, now through SPI: connect their data line \
                 to MOSI, GPIO 10, and enable SPI with dtparam=spi=on)"
            }
        };
        m.set_value(
            &origin,
            &from.join(", "),
            "device.mode",
            toml::Value::String(name.into()),
            note,
        );
    }
    let light = light.unwrap_or(Light::None);

    if let Some(numlights) = get("numlights") {
        match light {
            Light::Neopixel => m.set_int(&origin, numlights, "device.leds"),
            Light::Arduino => m.note_unmapped(
                &shown(numlights),
                "not needed: the Arduino sketch drives its LEDs itself".into(),
            ),
            Light::None => m.note_unmapped(&shown(numlights), "not needed: no light".into()),
        }
    }
    for (key, target) in [("tty", "device.path"), ("baud", "device.baud")] {
        let Some(entry) = get(key) else { continue };
        match light {
            Light::Arduino if key == "tty" => m.set(&origin, entry, target, &entry.value),
            Light::Arduino => m.set_int(&origin, entry, target),
            Light::Neopixel => m.note_unmapped(
                &shown(entry),
                "not used: NeoPixels on SPI need no serial port".into(),
            ),
            Light::None => m.note_unmapped(&shown(entry), "not used: no light board".into()),
        }
    }

    if let Some(userkey) = get("userkey") {
        let chars = userkey.value.chars().count();
        let min = crate::auth::MIN_OPERATOR_KEY;
        if chars >= min {
            m.set_value(
                &origin,
                "userkey",
                "auth.operator_key",
                toml::Value::String(userkey.value.clone()),
                " (the same key; camrig.toml is readable by its owner only)",
            );
        } else {
            m.note_unmapped(
                "userkey",
                format!(
                    "not carried over: it has {chars} characters and camrig's operator key \
                     needs at least {min}. The server makes a random key at its first start and \
                     prints its login link and QR code (camrig login-link shows them again); or \
                     set auth.operator_key to a longer key of your own"
                ),
            );
        }
    }

    for entry in &read.entries {
        if !KNOWN.contains(&entry.key.as_str()) {
            m.note_unmapped(
                &format!("line {}: {}", entry.line, shown(entry)),
                "unknown setting; camrig has nothing like it".into(),
            );
        }
    }
    for bad in &read.bad_lines {
        m.not_mapped.push(bad.clone());
    }

    let dir = media_dir.display().to_string();
    m.set_value(
        &origin,
        "media folder",
        "media.dir",
        toml::Value::String(dir),
        " (the photos and recordings stay where they are)",
    );
    m
}

/// How the light was driven, or `None` when `config.txt` does not say.
fn light_kind(
    light: Option<&Entry>,
    lighttype: Option<&Entry>,
    tty: Option<&Entry>,
    m: &mut Mapping,
) -> Option<Light> {
    let on = match light.map(|e| parse_bool(&e.value)) {
        Some(Some(on)) => Some(on),
        Some(None) => {
            if let Some(entry) = light {
                m.note_unmapped(&shown(entry), "not true or false; ignored".into());
            }
            None
        }
        None => None,
    };
    if on == Some(false) {
        return Some(Light::None);
    }
    let kind = lighttype.map(|e| e.value.to_ascii_lowercase());
    match kind.as_deref() {
        Some("arduino" | "serial" | "uno" | "nano") => Some(Light::Arduino),
        Some("neopixel" | "neopixels" | "ws2812" | "ws2812b" | "gpio" | "pixel") => {
            Some(Light::Neopixel)
        }
        Some(other) => {
            if let Some(entry) = lighttype {
                m.note_unmapped(
                    &shown(entry),
                    format!(
                        "unknown light type {other:?}; the light is left off (device.mode = none)"
                    ),
                );
            }
            None
        }
        // A light with a serial port and no type: the Arduino board.
        None if on == Some(true) && tty.is_some() => Some(Light::Arduino),
        None => on.map(|_| Light::None),
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" | "none" => Some(false),
        _ => None,
    }
}

/// `key=value` as shown in the report, cleaned of control characters.
fn shown(entry: &Entry) -> String {
    crate::catalogue::names::clean_text(&format!("{}={}", entry.key, entry.value), false)
}

impl Mapping {
    fn note_unmapped(&mut self, from: &str, why: String) {
        self.not_mapped.push(format!("{from}: {why}"));
    }

    /// Sets `key` to the text `value` of `entry`.
    fn set(&mut self, origin: &Origin, entry: &Entry, key: &'static str, value: &str) {
        self.set_value(
            origin,
            &shown(entry),
            key,
            toml::Value::String(value.to_owned()),
            "",
        );
    }

    /// Sets the integer `key` from `entry`.
    fn set_int(&mut self, origin: &Origin, entry: &Entry, key: &'static str) {
        match entry.value.trim().parse::<i64>() {
            Ok(n) => self.set_value(origin, &shown(entry), key, toml::Value::Integer(n), ""),
            Err(_) => self.note_unmapped(
                &shown(entry),
                format!("not a whole number, so not carried over to {key}"),
            ),
        }
    }

    /// Sets `key` to `value` if the key's declaration accepts it; else
    /// notes why not.
    fn set_value(
        &mut self,
        origin: &Origin,
        from: &str,
        key: &'static str,
        value: toml::Value,
        note: &str,
    ) {
        match check(origin, key, &value) {
            Ok(()) => {
                let shown_value = if key == "auth.operator_key" {
                    "(the key)".to_owned()
                } else {
                    value.to_string()
                };
                self.outcomes.push(Outcome {
                    from: from.to_owned(),
                    became: format!("{key} = {shown_value}{note}"),
                });
                self.settings.insert(key, value);
            }
            Err(why) => self.note_unmapped(from, format!("not carried over: {why}")),
        }
    }
}

/// Whether the configuration accepts `key = value`, by loading it alone.
fn check(origin: &Origin, key: &str, value: &toml::Value) -> Result<(), String> {
    let (section, field) = key.split_once('.').unwrap_or(("", key));
    let mut inner = toml::Table::new();
    inner.insert(field.to_owned(), value.clone());
    let mut table = toml::Table::new();
    table.insert(section.to_owned(), toml::Value::Table(inner));
    let text = toml::to_string(&table).map_err(|e| e.to_string())?;
    let mut layers = Layers::default();
    layers
        .toml_text(&text, origin.clone())
        .and_then(|()| layers.build())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Where the settings are written: `camrig.toml` beside `config.txt`, or
/// `camrig.imported.toml` when a different `camrig.toml` is already there
/// (it is never overwritten).
pub fn target(dir: &Path, text: &str) -> (PathBuf, Written) {
    let main = dir.join("camrig.toml");
    match std::fs::read_to_string(&main) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (main, Written::New),
        // Unreadable: it is still the user's, so it is left alone.
        Err(_) => (dir.join("camrig.imported.toml"), Written::BesideYours),
        Ok(existing) if existing == text => (main, Written::Unchanged),
        Ok(_) => (dir.join("camrig.imported.toml"), Written::BesideYours),
    }
}

/// What [`target`] chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// A new `camrig.toml`.
    New,
    /// `camrig.toml` already holds exactly this.
    Unchanged,
    /// `camrig.toml` differs (the user's own): written beside it.
    BesideYours,
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGINAL: &str = "\u{feff}# camera app settings\r\n\
        camera = usb\r\n\
        light=true\n\
        \n\
        lighttype=\"arduino\"\n\
        numlights = 16   # ring\n\
        tty=/dev/ttyACM0\n\
        baud=9600\n\
        userkey='secret'\n\
        colour=red\n\
        this line is junk\n\
        [section]\n\
        =nokey\n";

    fn mapped(text: &str) -> Mapping {
        map(
            &parse(text),
            Path::new("/old/config.txt"),
            Path::new("/old/media"),
        )
    }

    #[test]
    fn reads_comments_quotes_spaces_and_reports_junk() {
        let read = parse(ORIGINAL);
        let pairs: Vec<_> = read
            .entries
            .iter()
            .map(|e| (e.line, e.key.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                (2, "camera", "usb"),
                (3, "light", "true"),
                (5, "lighttype", "arduino"),
                (6, "numlights", "16"),
                (7, "tty", "/dev/ttyACM0"),
                (8, "baud", "9600"),
                (9, "userkey", "secret"),
                (10, "colour", "red"),
            ]
        );
        assert_eq!(read.bad_lines.len(), 2, "{:?}", read.bad_lines);
        assert!(read.bad_lines[0].starts_with("line 11: \"this line is junk\""));
        assert!(read.bad_lines[1].starts_with("line 13:"));
    }

    #[test]
    fn an_arduino_rig_maps_to_the_legacy_board() {
        let m = mapped(ORIGINAL);
        let get = |k: &str| m.settings.get(k).map(ToString::to_string);
        assert_eq!(get("camera.source").as_deref(), Some("\"v4l2\""));
        assert_eq!(get("device.mode").as_deref(), Some("\"legacy\""));
        assert_eq!(get("device.path").as_deref(), Some("\"/dev/ttyACM0\""));
        assert_eq!(get("device.baud").as_deref(), Some("9600"));
        assert_eq!(get("media.dir").as_deref(), Some("\"/old/media\""));
        assert!(!m.settings.contains_key("auth.operator_key"));
        let unmapped = m.not_mapped.join("\n");
        assert!(unmapped.contains("userkey: not carried over: it has 6 characters"));
        assert!(unmapped.contains("numlights=16: not needed"));
        assert!(unmapped.contains("line 10: colour=red: unknown setting"));
        assert!(unmapped.contains("line 11"));
        // The text loads with the real loader.
        let mut layers = Layers::default();
        layers
            .toml_text(&m.toml_text(Path::new("/old/config.txt")), Origin::Default)
            .unwrap();
        let config = layers.build().unwrap();
        assert_eq!(config.device.mode, shared::device::DeviceMode::Legacy);
        assert_eq!(config.media.dir, PathBuf::from("/old/media"));
    }

    #[test]
    fn neopixels_a_pi_camera_and_a_long_key() {
        let m = mapped(
            "camera=picam\nlight=True\nlighttype=neopixel\nnumlights=24\ntty=/dev/ttyS0\n\
             userkey=0123456789abcdef-long\n",
        );
        let get = |k: &str| m.settings.get(k).map(ToString::to_string);
        assert_eq!(get("camera.source").as_deref(), Some("\"libcamera\""));
        assert_eq!(get("device.mode").as_deref(), Some("\"spi\""));
        assert_eq!(get("device.leds").as_deref(), Some("24"));
        assert_eq!(get("device.path"), None);
        assert_eq!(
            get("auth.operator_key").as_deref(),
            Some("\"0123456789abcdef-long\"")
        );
        assert!(
            m.not_mapped
                .iter()
                .any(|l| l.starts_with("tty=/dev/ttyS0: not used"))
        );
        assert!(
            m.not_mapped
                .iter()
                .any(|l| l.starts_with("camera=picam: the original turned"))
        );
        // The key itself is never printed.
        assert!(!format!("{:?}", m.outcomes).contains("0123456789abcdef"));
    }

    #[test]
    fn out_of_range_and_odd_values_are_reported_not_written() {
        let m = mapped("camera=thermal\nlight=maybe\nlighttype=arduino\nbaud=12\nnumlights=x\n");
        assert!(!m.settings.contains_key("device.baud"));
        assert!(!m.settings.contains_key("camera.source"));
        let unmapped = m.not_mapped.join("\n");
        assert!(
            unmapped.contains("unknown camera \"thermal\""),
            "{unmapped}"
        );
        assert!(
            unmapped.contains("light=maybe: not true or false"),
            "{unmapped}"
        );
        assert!(
            unmapped.contains("baud=12: not carried over: invalid value for `device.baud`"),
            "{unmapped}"
        );
        assert!(unmapped.contains("an integer from 300"), "{unmapped}");
        let m = mapped("light=false\ntty=/dev/ttyACM0\n");
        assert_eq!(
            m.settings
                .get("device.mode")
                .map(ToString::to_string)
                .as_deref(),
            Some("\"none\"")
        );
    }

    #[test]
    fn recognises_the_original_file() {
        let dir = std::env::temp_dir().join(format!("camrig-legacy-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let original = dir.join("config.txt");
        std::fs::write(&original, ORIGINAL.replace("[section]", "")).unwrap();
        assert!(looks_like_original(&original));
        let ours = dir.join("camrig.toml");
        std::fs::write(&ours, "[camera]\nsource = \"v4l2\"\n").unwrap();
        assert!(!looks_like_original(&ours));
        let _ = std::fs::remove_dir_all(dir);
    }
}
