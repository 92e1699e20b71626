//! Light colours as the page handles them: the `#rrggbb` text of an
//! `<input type="color">`, and the red, green and blue bytes of the
//! server's light state. Pure functions, tested on the host.

/// A colour: red, green and blue, 0-255 each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
}

impl Rgb {
    /// `#rrggbb`, lower case, as a colour input's value.
    pub fn to_css(self) -> String {
        format!("#{}", self.to_hex())
    }

    /// `rrggbb`, lower case, as the `light` action's `color`.
    pub fn to_hex(self) -> String {
        format!("{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }

    /// Reads `#rrggbb` or `rrggbb` (either case); `None` for anything else.
    pub fn parse(text: &str) -> Option<Rgb> {
        let hex = text.trim();
        let hex = hex.strip_prefix('#').unwrap_or(hex);
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Rgb {
            r: byte(0)?,
            g: byte(2)?,
            b: byte(4)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_css_text() {
        let orange = Rgb {
            r: 255,
            g: 128,
            b: 0,
        };
        assert_eq!(orange.to_css(), "#ff8000");
        assert_eq!(orange.to_hex(), "ff8000");
        assert_eq!(Rgb::parse("#ff8000"), Some(orange));
        assert_eq!(Rgb::parse("FF8000"), Some(orange));
        assert_eq!(Rgb::parse(" #Ff8000 "), Some(orange));
    }

    #[test]
    fn refuses_what_is_not_six_hex_digits() {
        for text in [
            "", "#", "#fff", "#ff80000", "ff80zz", "#+f8000", "##ff800", "é12345",
        ] {
            assert_eq!(Rgb::parse(text), None, "{text}");
        }
    }
}
