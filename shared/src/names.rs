//! Reading the wire's unit enums (`"snake_case"` names such as
//! `"not_found"`) from their names through one small table per enum. The
//! derived `Deserialize` of a unit enum is a field-identifier visitor of its
//! own per enum and per input format, a few hundred bytes each in the wasm
//! app; this reader is one visitor shared by all of them. The names are
//! the ones the derived `Serialize` writes (each enum's tests check both
//! ways), and an unknown name gives the same "unknown variant" error the
//! derived reader gave.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// Reads a unit enum written as its name: `names[i]` stands for
/// `values[i]`; any other name is `fallback` when there is one (an enum's
/// catch-all variant), otherwise an "unknown variant" error.
pub(crate) fn by_name<'de, D: Deserializer<'de>, T: Copy + 'static>(
    deserializer: D,
    names: &'static [&'static str],
    values: &'static [T],
    fallback: Option<T>,
) -> Result<T, D::Error> {
    deserializer.deserialize_str(ByName {
        names,
        values,
        fallback,
    })
}

/// The visitor behind [`by_name`].
struct ByName<T: 'static> {
    names: &'static [&'static str],
    values: &'static [T],
    fallback: Option<T>,
}

impl<T: Copy + 'static> Visitor<'_> for ByName<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("variant identifier")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<T, E> {
        lookup(name, self.names, self.values)
            .or(self.fallback)
            .ok_or_else(|| E::unknown_variant(name, self.names))
    }
}

/// The value `names[i]` stands for, `values[i]`, when `name` is one of
/// `names`: the reader's lookup, and each enum's `from_name`.
pub(crate) fn lookup<T: Copy>(name: &str, names: &[&str], values: &[T]) -> Option<T> {
    names
        .iter()
        .zip(values)
        .find(|(n, _)| **n == name)
        .map(|(_, value)| *value)
}

/// `Deserialize` for a unit enum through [`by_name`]: `Enum { "name" =>
/// Variant, ... }`, optionally followed by `otherwise Variant` for the
/// catch-all that any other name reads as. Without a catch-all the enum
/// also gets `as_str` and `from_name` from the same table (the one list of
/// its names in configuration, the database and on the wire). In tests
/// the enum also gets `WIRE_NAMES`, every variant with its name, and the
/// list is checked to name every variant.
macro_rules! deserialize_by_name {
    ($ty:ident { $($name:literal => $variant:ident),+ $(,)? }) => {
        crate::names::deserialize_by_name!(@reader $ty { $($name => $variant),+ } None);

        impl $ty {
            /// The name in configuration, the database and on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }

            /// The value called `name` exactly, as `as_str` writes it.
            pub fn from_name(name: &str) -> Option<Self> {
                crate::names::lookup(name, &[$($name),+], &[$($ty::$variant),+])
            }
        }
    };
    ($ty:ident { $($name:literal => $variant:ident),+ $(,)? } otherwise $other:ident) => {
        crate::names::deserialize_by_name!(@reader $ty { $($name => $variant),+ } Some($ty::$other));

        #[cfg(test)]
        impl $ty {
            /// Fails to compile when a variant is missing from the table.
            #[allow(dead_code)]
            fn every_variant_is_named(self) {
                match self {
                    $($ty::$variant)|+ | $ty::$other => {}
                }
            }
        }
    };
    (@reader $ty:ident { $($name:literal => $variant:ident),+ } $fallback:expr) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::names::by_name(
                    deserializer,
                    &[$($name),+],
                    &[$($ty::$variant),+],
                    $fallback,
                )
            }
        }

        #[cfg(test)]
        impl $ty {
            /// Every named variant with its wire name.
            pub(crate) const WIRE_NAMES: &'static [(&'static str, $ty)] =
                &[$(($name, $ty::$variant)),+];
        }
    };
}

pub(crate) use deserialize_by_name;

/// Checks an enum's table against the derived `Serialize`: every variant
/// is written as its name and read back from it, and an unknown name is
/// refused with the derived reader's error (or read as `fallback`).
#[cfg(test)]
pub(crate) fn check_names<T>(table: &[(&str, T)], fallback: Option<T>)
where
    T: Copy + PartialEq + fmt::Debug + serde::Serialize + serde::de::DeserializeOwned,
{
    for (name, value) in table {
        let text = format!("\"{name}\"");
        assert_eq!(serde_json::to_string(value).unwrap(), text);
        assert_eq!(serde_json::from_str::<T>(&text).unwrap(), *value);
        let json = serde_json::Value::String((*name).to_owned());
        assert_eq!(serde_json::from_value::<T>(json).unwrap(), *value);
    }
    let unknown = serde_json::from_str::<T>("\"no_such_name\"");
    match fallback {
        Some(value) => assert_eq!(unknown.unwrap(), value),
        None => {
            let message = unknown.unwrap_err().to_string();
            let expected = if table.len() == 2 {
                format!(
                    "unknown variant `no_such_name`, expected `{}` or `{}`",
                    table[0].0, table[1].0
                )
            } else {
                let names: Vec<String> = table.iter().map(|(n, _)| format!("`{n}`")).collect();
                format!(
                    "unknown variant `no_such_name`, expected one of {}",
                    names.join(", ")
                )
            };
            assert!(message.starts_with(&expected), "{message}");
        }
    }
    assert!(serde_json::from_str::<T>("1").is_err());
}

#[cfg(test)]
mod tests {
    use super::check_names;
    use crate::auth::Credential;
    use crate::commands::Role;
    use crate::device::{DeviceMode, LinkStatus, SignalIssue};
    use crate::media::{MediaKind, MediaStatus};
    use crate::operations::LogLevel;
    use crate::protocol::{
        CameraSource, CameraStatus, ControlKind, ErrorCode, Feature, RestreamStatus, VideoFormat,
    };

    #[test]
    fn every_enum_reads_the_names_it_writes() {
        check_names(Credential::WIRE_NAMES, None);
        check_names(Role::WIRE_NAMES, None);
        check_names(DeviceMode::WIRE_NAMES, None);
        check_names(LinkStatus::WIRE_NAMES, None);
        check_names(SignalIssue::WIRE_NAMES, None);
        check_names(MediaKind::WIRE_NAMES, None);
        check_names(MediaStatus::WIRE_NAMES, None);
        check_names(LogLevel::WIRE_NAMES, None);
        check_names(ErrorCode::WIRE_NAMES, None);
        check_names(RestreamStatus::WIRE_NAMES, None);
        check_names(ControlKind::WIRE_NAMES, None);
        check_names(CameraSource::WIRE_NAMES, None);
        check_names(CameraStatus::WIRE_NAMES, None);
        check_names(VideoFormat::WIRE_NAMES, None);
        // A feature from a newer server reads as `Other`, and `Other` is
        // written as `other`, which reads back as itself.
        check_names(Feature::WIRE_NAMES, Some(Feature::Other));
        check_names(&[("other", Feature::Other)], Some(Feature::Other));
    }

    /// The names in error messages and the order they are listed in are
    /// those of the derived reader (the server answers them to clients).
    #[test]
    fn unknown_names_are_refused_as_before() {
        let err = serde_json::from_str::<LogLevel>("\"loud\"").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown variant `loud`, expected one of `error`, `warn`, `info`, `debug`, `trace` at line 1 column 6"
        );
        let err = serde_json::from_str::<Role>("\"admin\"").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown variant `admin`, expected `viewer` or `operator` at line 1 column 7"
        );
    }
}
