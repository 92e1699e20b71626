//! The light's colour and brightness maths. The state is the protocol's
//! [`LightState`]: switching off keeps colour and brightness, so switching on
//! restores them. [`Light::pixel`] turns the state into the values written to
//! each LED:
//!
//! - Brightness scales every channel linearly, `channel * brightness / 255`
//!   rounded, as the Arduino sketch did ([`legacy::scale`]). No gamma by
//!   default: the values are PWM duty cycles, and the host's slider decides
//!   its own curve. [`Pixel::gamma_corrected`] is there for a board that wants
//!   perceptually even steps.
//! - On an RGB strip (no white LED) the white channel is mixed into red,
//!   green and blue (added, saturating at 255) before scaling, so asking for
//!   white still gives white light instead of nothing.

use rig_device_protocol::legacy;
use rig_device_protocol::{LightChannels, LightState};

/// The values for one LED, after brightness (and mixing of white on RGB
/// strips, where `w` is 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pixel {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    pub w: u8,
}

impl Pixel {
    /// Every channel through a 2.2 gamma curve (0 and 255 unchanged).
    pub fn gamma_corrected(self) -> Pixel {
        Pixel {
            r: gamma(self.r),
            g: gamma(self.g),
            b: gamma(self.b),
            w: gamma(self.w),
        }
    }
}

/// `255 * (value / 255) ^ 2.2`, rounded.
pub fn gamma(value: u8) -> u8 {
    let linear = f32::from(value) / 255.0;
    libm::roundf(libm::powf(linear, 2.2) * 255.0) as u8
}

/// The light: colour, brightness and on/off, kept across power off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Light {
    state: LightState,
}

impl Default for Light {
    fn default() -> Self {
        Self::new()
    }
}

impl Light {
    /// Off, with white at half brightness ready for the first switch-on.
    pub const fn new() -> Self {
        Light {
            state: LightState {
                r: 0,
                g: 0,
                b: 0,
                w: 255,
                brightness: 128,
                on: false,
            },
        }
    }

    pub fn state(&self) -> LightState {
        self.state
    }

    /// Takes the whole state (the protocol's `SetLight`). A state with
    /// `on: false` still sets the colour and brightness the next switch-on
    /// shows.
    pub fn set(&mut self, state: LightState) {
        self.state = state;
    }

    /// Switches on or off, keeping colour and brightness.
    pub fn set_on(&mut self, on: bool) {
        self.state.on = on;
    }

    pub fn set_colour(&mut self, r: u8, g: u8, b: u8, w: u8) {
        self.state = LightState {
            r,
            g,
            b,
            w,
            ..self.state
        };
    }

    pub fn set_brightness(&mut self, brightness: u8) {
        self.state.brightness = brightness;
    }

    /// What each LED shows: all zero when off; otherwise the colour (white
    /// mixed in on RGB strips) scaled by the brightness.
    pub fn pixel(&self, channels: LightChannels) -> Pixel {
        let s = self.state;
        if !s.on {
            return Pixel::default();
        }
        let (r, g, b, w) = match channels {
            LightChannels::Rgbw => (s.r, s.g, s.b, s.w),
            LightChannels::Rgb => (
                s.r.saturating_add(s.w),
                s.g.saturating_add(s.w),
                s.b.saturating_add(s.w),
                0,
            ),
        };
        let scale = |channel| legacy::scale(channel, s.brightness);
        Pixel {
            r: scale(r),
            g: scale(g),
            b: scale(b),
            w: scale(w),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEAL: LightState = LightState {
        r: 0,
        g: 200,
        b: 180,
        w: 40,
        brightness: 128,
        on: true,
    };

    #[test]
    fn brightness_scales_every_channel() {
        let mut light = Light::new();
        light.set(TEAL);
        assert_eq!(
            light.pixel(LightChannels::Rgbw),
            Pixel {
                r: 0,
                g: 100,
                b: 90,
                w: 20
            }
        );
        light.set_brightness(255);
        assert_eq!(
            light.pixel(LightChannels::Rgbw),
            Pixel {
                r: 0,
                g: 200,
                b: 180,
                w: 40
            }
        );
        light.set_brightness(0);
        assert_eq!(light.pixel(LightChannels::Rgbw), Pixel::default());
    }

    #[test]
    fn power_off_keeps_colour_and_brightness() {
        let mut light = Light::new();
        light.set(TEAL);
        let on = light.pixel(LightChannels::Rgbw);
        light.set_on(false);
        assert_eq!(light.pixel(LightChannels::Rgbw), Pixel::default());
        assert_eq!(light.state(), LightState { on: false, ..TEAL });
        light.set_on(true);
        assert_eq!(light.pixel(LightChannels::Rgbw), on);
        assert_eq!(light.state(), TEAL);
    }

    #[test]
    fn colour_set_while_off_shows_at_switch_on() {
        let mut light = Light::new();
        light.set(LightState { on: false, ..TEAL });
        assert_eq!(light.pixel(LightChannels::Rgb), Pixel::default());
        light.set_colour(255, 0, 0, 0);
        light.set_on(true);
        assert_eq!(
            light.pixel(LightChannels::Rgb),
            Pixel {
                r: 128,
                g: 0,
                b: 0,
                w: 0
            }
        );
    }

    #[test]
    fn white_is_mixed_into_rgb_on_rgb_strips() {
        let mut light = Light::new();
        light.set(LightState {
            r: 0,
            g: 0,
            b: 0,
            w: 255,
            brightness: 255,
            on: true,
        });
        assert_eq!(
            light.pixel(LightChannels::Rgb),
            Pixel {
                r: 255,
                g: 255,
                b: 255,
                w: 0
            }
        );
        assert_eq!(
            light.pixel(LightChannels::Rgbw),
            Pixel {
                r: 0,
                g: 0,
                b: 0,
                w: 255
            }
        );
        // Mixing saturates rather than wrapping.
        light.set(TEAL);
        assert_eq!(
            light.pixel(LightChannels::Rgb),
            Pixel {
                r: 20,
                g: 120,
                b: 110,
                w: 0
            }
        );
        light.set_colour(250, 10, 0, 10);
        light.set_brightness(255);
        assert_eq!(light.pixel(LightChannels::Rgb).r, 255);
    }

    #[test]
    fn default_light_is_off_with_white_ready() {
        let mut light = Light::default();
        assert_eq!(light.pixel(LightChannels::Rgbw), Pixel::default());
        light.set_on(true);
        assert_eq!(light.pixel(LightChannels::Rgbw).w, 128);
        assert_eq!(light.pixel(LightChannels::Rgb).r, 128);
    }

    #[test]
    fn gamma_curve_keeps_ends_and_order() {
        assert_eq!(gamma(0), 0);
        assert_eq!(gamma(255), 255);
        assert_eq!(gamma(128), 56); // 255 * 0.502^2.2 = 55.7
        for v in 1..=255u8 {
            assert!(gamma(v) >= gamma(v - 1));
        }
        let pixel = Pixel {
            r: 255,
            g: 128,
            b: 0,
            w: 64,
        };
        assert_eq!(
            pixel.gamma_corrected(),
            Pixel {
                r: 255,
                g: 56,
                b: 0,
                w: gamma(64)
            }
        );
    }
}
