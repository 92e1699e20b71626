//! The layers of the configuration: raw values from a TOML file, the
//! environment and the command line are collected per key (a later layer
//! replaces an earlier one) and only then converted by each key's
//! declaration, so a bad value stops start-up with one message naming the
//! key, where the value came from, and what is accepted.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::Config;
use super::keys::{Key, keys};

/// Where a raw value came from; part of every error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The TOML file at this path.
    File(PathBuf),
    /// This environment variable.
    Env(String),
    /// This command-line flag (without the dashes).
    Flag(&'static str),
    /// The built-in default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(p) => write!(f, "config file {}", p.display()),
            Origin::Env(v) => write!(f, "environment variable {v}"),
            Origin::Flag(flag) => write!(f, "flag --{flag}"),
            Origin::Default => f.write_str("the default"),
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
    keys().iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
}

/// One raw value as given by a layer.
#[derive(Debug, Clone)]
pub enum Raw {
    /// A value from TOML, with its type.
    Toml(toml::Value),
    /// Text from the environment or a flag.
    Text(String),
}

impl Raw {
    /// The value as the error message shows it.
    fn shown(&self) -> String {
        match self {
            Raw::Toml(toml::Value::String(s)) | Raw::Text(s) => format!("{s:?}"),
            Raw::Toml(v) => v.to_string(),
        }
    }

    /// The value as text, trimmed; `None` for a TOML number or boolean.
    pub fn text(&self) -> Option<&str> {
        match self {
            Raw::Toml(toml::Value::String(s)) | Raw::Text(s) => Some(s.trim()),
            Raw::Toml(_) => None,
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

fn find(name: &str) -> Option<&'static Key> {
    keys().iter().find(|k| k.name == name)
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
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let path = match &origin {
                Origin::File(p) => p.clone(),
                other => PathBuf::from(other.to_string()),
            };
            ConfigError::File {
                path,
                reason: e.to_string(),
            }
        })?;
        for (section, body) in table {
            let toml::Value::Table(body) = body else {
                return Err(ConfigError::UnknownKey {
                    key: section,
                    origin,
                });
            };
            for (name, value) in body {
                let full = format!("{section}.{name}");
                let Some(key) = find(&full) else {
                    return Err(ConfigError::UnknownKey { key: full, origin });
                };
                self.values
                    .insert(key.name, (Raw::Toml(value), origin.clone()));
            }
        }
        Ok(())
    }

    /// Adds `CAMRIG_*` overrides from an environment (a lookup function, so
    /// tests need not touch the process environment).
    pub fn env(&mut self, lookup: impl Fn(&str) -> Option<String>) {
        for key in keys() {
            let var = env_var(key.name);
            if let Some(value) = lookup(&var) {
                self.values
                    .insert(key.name, (Raw::Text(value), Origin::Env(var)));
            }
        }
    }

    /// Adds the command-line flags, looked up by key name.
    pub fn flags(&mut self, lookup: impl Fn(&'static str) -> Option<String>) {
        for key in keys() {
            if let Some(value) = lookup(key.name) {
                self.values
                    .insert(key.name, (Raw::Text(value), Origin::Flag(key.flag)));
            }
        }
    }

    /// Adds one command-line flag value for the key `name`.
    pub fn flag(&mut self, name: &str, value: Option<String>) {
        if let (Some(key), Some(value)) = (find(name), value) {
            self.values
                .insert(key.name, (Raw::Text(value), Origin::Flag(key.flag)));
        }
    }

    /// Converts the collected values into a validated [`Config`].
    pub fn build(&self) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        for key in keys() {
            if let Some((raw, origin)) = self.values.get(key.name) {
                key.apply(&mut config, raw)
                    .ok_or_else(|| ConfigError::Invalid {
                        key: key.name,
                        origin: origin.clone(),
                        got: if key.secret {
                            let length = raw.text().map_or(0, |t| t.chars().count());
                            format!("a hidden value of {length} characters")
                        } else {
                            raw.shown()
                        },
                        expected: key.expected.clone(),
                    })?;
            }
        }
        self.check(&config)?;
        Ok(config)
    }

    /// Rules that involve more than one key, or more than one value's type.
    fn check(&self, config: &Config) -> Result<(), ConfigError> {
        let c = &config.camera;
        for (key, got) in [("camera.width", c.width), ("camera.height", c.height)] {
            if got % 2 != 0 {
                return Err(self.invalid(
                    key,
                    got.to_string(),
                    "an even number (I420 needs even sizes)",
                ));
            }
        }
        let together = "(a certificate and its key go together)";
        match (&config.tls.cert, &config.tls.key) {
            (Some(cert), None) => Err(self.invalid(
                "tls.cert",
                cert.display().to_string(),
                &format!("tls.key set as well {together}"),
            )),
            (None, Some(key)) => Err(self.invalid(
                "tls.key",
                key.display().to_string(),
                &format!("tls.cert set as well {together}"),
            )),
            _ => Ok(()),
        }
    }

    fn invalid(&self, key: &'static str, got: String, expected: &str) -> ConfigError {
        let origin = self
            .values
            .get(key)
            .map_or(Origin::Default, |(_, o)| o.clone());
        ConfigError::Invalid {
            key,
            origin,
            got,
            expected: expected.to_owned(),
        }
    }
}
