//! The configuration's documentation, generated from the keys' declaration:
//! the example file `backend/camrig.example.toml` and the README's table of
//! keys. Tests keep both in step with the declaration; `CAMRIG_BLESS=1
//! cargo test -p backend config::docs` rewrites them.

use std::fmt::Write;

use super::keys::{Key, SECTIONS, keys};
use super::{Config, env_var};

const WIDTH: usize = 76;

/// `text` wrapped into `# ` comment lines.
fn comment(out: &mut String, text: &str) {
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > WIDTH - 2 {
            let _ = writeln!(out, "# {line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "# {line}");
    }
}

/// The example's value as TOML: numbers as they are, anything else quoted.
fn example_toml(example: &str) -> String {
    match example.parse::<i64>() {
        Ok(n) => n.to_string(),
        Err(_) => toml::Value::String(example.to_owned()).to_string(),
    }
}

/// The example configuration file: every key with its meaning, flag and
/// environment variable, set to its default (or commented out when unset).
pub fn example_file() -> String {
    let defaults = Config::default();
    let mut out = String::new();
    comment(
        &mut out,
        "camrig configuration. Every key is optional: this file lists the defaults. \
         Precedence, lowest to highest: built-in defaults, this file \
         (camrig --config camrig.toml), environment variables, and command-line flags \
         (camrig --help lists them). An invalid value stops start-up with a message naming \
         the key. Generated from backend/src/config/keys.rs.",
    );
    for (section, about) in SECTIONS {
        let _ = writeln!(out, "\n[{section}]");
        comment(&mut out, about);
        for key in keys().iter().filter(|k| k.section() == *section) {
            out.push('\n');
            comment(&mut out, key.doc);
            comment(
                &mut out,
                &format!(
                    "Accepts {}. Flag: --{}. Environment: {}.",
                    key.expected,
                    key.flag,
                    env_var(key.name)
                ),
            );
            match (key.value(&defaults), key.example) {
                (Some(value), _) => {
                    let _ = writeln!(out, "{} = {value}", key.field());
                }
                (None, example) => {
                    let _ = writeln!(
                        out,
                        "# Default: {}\n# {} = {}",
                        key.default_note.unwrap_or("unset"),
                        key.field(),
                        example_toml(example.unwrap_or_default())
                    );
                }
            }
        }
    }
    out
}

/// How the README shows a key's default.
fn default_cell(key: &Key, defaults: &Config) -> String {
    match key.value(defaults) {
        Some(toml::Value::String(s)) if s.is_empty() => "empty".into(),
        Some(toml::Value::String(s)) => format!("`{s}`"),
        Some(value) => format!("`{value}`"),
        None => key.default_note.unwrap_or("unset").to_owned(),
    }
}

/// The README's table of keys.
pub fn readme_table() -> String {
    let defaults = Config::default();
    let mut out = String::from("| key | flag | default | meaning |\n|---|---|---|---|\n");
    for key in keys() {
        let _ = writeln!(
            out,
            "| `{}` | `--{}` | {} | {} |",
            key.name,
            key.flag,
            default_cell(key, &defaults),
            key.doc
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::{Layers, Origin};

    /// The start and end markers of the generated table in the README.
    const START: &str = "<!-- config-keys: generated from backend/src/config/keys.rs -->\n";
    const END: &str = "<!-- /config-keys -->";

    /// Compares `path` with `want`; rewrites it under `CAMRIG_BLESS=1`.
    fn check(path: &Path, have: &str, want: &str) {
        if have == want {
            return;
        }
        if std::env::var_os("CAMRIG_BLESS").is_some() {
            std::fs::write(path, want).unwrap();
            return;
        }
        panic!(
            "{} is out of date with backend/src/config/keys.rs; \
             CAMRIG_BLESS=1 cargo test -p backend config::docs rewrites it",
            path.display()
        );
    }

    #[test]
    fn the_example_file_is_generated_from_the_keys() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("camrig.example.toml");
        let have = std::fs::read_to_string(&path).unwrap();
        check(&path, &have, &example_file());
    }

    #[test]
    fn the_example_file_parses_to_the_defaults() {
        let mut layers = Layers::default();
        layers
            .toml_text(&example_file(), Origin::File("example".into()))
            .unwrap();
        assert_eq!(layers.build().unwrap(), Config::default());
    }

    #[test]
    fn the_readme_table_is_generated_from_the_keys() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
        let have = std::fs::read_to_string(&path).unwrap();
        let (before, rest) = have
            .split_once(START)
            .expect("README lacks the table's start");
        let (_, after) = rest.split_once(END).expect("README lacks the table's end");
        let want = format!("{before}{START}{}{END}{after}", readme_table());
        check(&path, &have, &want);
    }

    #[test]
    fn every_key_is_in_the_example_file_and_the_table() {
        let (file, table) = (example_file(), readme_table());
        for key in keys() {
            assert!(
                file.contains(&format!("{} = ", key.field())),
                "{}",
                key.name
            );
            assert!(table.contains(&format!("`{}`", key.name)), "{}", key.name);
        }
    }
}
