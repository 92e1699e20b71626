//! What a client may ask of the light, and how a request changes the
//! light's state: absent fields stay as they are; colour, white and
//! brightness are kept while the light is off, so switching it on restores
//! them. Colours arrive as `rrggbb` hex (a leading `#` is fine).

use shared::device::LightState;

pub use shared::commands::LightRequest;

/// A colour that is not six hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("colour must be six hex digits such as ff8000 or #ff8000; got {0:?}")]
pub struct BadColor(pub String);

/// Parses `rrggbb` or `#rrggbb`.
pub fn parse_color(text: &str) -> Result<(u8, u8, u8), BadColor> {
    let bad = || BadColor(text.chars().take(20).collect());
    let hex = text.trim().strip_prefix('#').unwrap_or(text.trim());
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let channel = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .ok_or_else(bad)
    };
    Ok((channel(0)?, channel(2)?, channel(4)?))
}

/// The light after `request`.
pub fn apply(request: &LightRequest, mut light: LightState) -> Result<LightState, BadColor> {
    if let Some(color) = &request.color {
        let (r, g, b) = parse_color(color)?;
        (light.r, light.g, light.b) = (r, g, b);
    }
    if let Some(w) = request.white {
        light.w = w;
    }
    if let Some(brightness) = request.brightness {
        light.brightness = brightness;
    }
    if let Some(on) = request.on {
        light.on = on;
    }
    Ok(light)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_with_or_without_hash() {
        assert_eq!(parse_color("ff8000"), Ok((255, 128, 0)));
        assert_eq!(parse_color("#0A0b0C"), Ok((10, 11, 12)));
        for bad in ["", "fff", "ff80000", "gg0000", "#ff80 0", "ff8０00"] {
            assert!(parse_color(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn off_keeps_colour_and_brightness_for_the_next_on() {
        let start = LightState {
            on: true,
            r: 255,
            g: 128,
            b: 0,
            w: 0,
            brightness: 40,
        };
        let off = apply(
            &LightRequest {
                on: Some(false),
                ..Default::default()
            },
            start,
        )
        .unwrap();
        assert!(!off.on);
        let on = apply(
            &LightRequest {
                on: Some(true),
                ..Default::default()
            },
            off,
        )
        .unwrap();
        assert_eq!(on, start);
        let dimmer = apply(
            &LightRequest {
                brightness: Some(10),
                white: Some(7),
                ..Default::default()
            },
            on,
        )
        .unwrap();
        assert_eq!((dimmer.brightness, dimmer.w, dimmer.on), (10, 7, true));
    }
}
