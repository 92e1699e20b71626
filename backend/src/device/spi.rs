//! NeoPixels (WS2812 RGB, SK6812 RGBW) driven straight from the Raspberry
//! Pi's SPI bus, the replacement for the original's GPIO bit-banging that
//! made the video stutter: the SPI controller clocks the bits out by DMA,
//! so no CPU core is held busy. At 2.4 MHz each SPI bit lasts 417 ns, and
//! each LED bit becomes three SPI bits: `100` for 0 (high 417 ns) and `110`
//! for 1 (high 833 ns), within the pixels' timing tolerance. Pixels take
//! green, red, blue (and white) in that order, most significant bit first;
//! a low gap of at least 80 µs (24 zero bytes) latches them. There is no
//! pulse sensor in this mode.

use shared::device::{LightState, LinkStatus};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::DeviceError;
use super::link::LinkCommand;
use crate::state::StateSender;

/// SPI clock that makes one SPI bit a third of a NeoPixel bit.
pub const SPI_HZ: u32 = 2_400_000;
/// Zero bytes after the pixels: 80 µs at 2.4 MHz, enough to latch
/// WS2812 (50 µs) and SK6812 (80 µs).
const LATCH_BYTES: usize = 24;

/// The colour each pixel shows for `light`, scaled by brightness (rounded);
/// all zero when off. RGB pixels get no white channel.
pub fn pixel(light: LightState, rgbw: bool) -> Vec<u8> {
    let scale = |c: u8| {
        if light.on {
            ((u16::from(c) * u16::from(light.brightness) + 127) / 255) as u8
        } else {
            0
        }
    };
    let mut channels = vec![scale(light.g), scale(light.r), scale(light.b)];
    if rgbw {
        channels.push(scale(light.w));
    }
    channels
}

/// The SPI bytes that set `count` pixels to `channels` (GRB or GRBW), then
/// latch.
pub fn encode(channels: &[u8], count: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(channels.len() * 3 * count + LATCH_BYTES);
    let mut one_pixel = Vec::with_capacity(channels.len() * 3);
    for &channel in channels {
        // 8 LED bits -> 24 SPI bits -> 3 bytes, MSB first.
        let mut bits: u32 = 0;
        for i in (0..8).rev() {
            let pattern = if channel & (1 << i) != 0 {
                0b110
            } else {
                0b100
            };
            bits = (bits << 3) | pattern;
        }
        one_pixel.extend_from_slice(&[(bits >> 16) as u8, (bits >> 8) as u8, bits as u8]);
    }
    for _ in 0..count {
        out.extend_from_slice(&one_pixel);
    }
    out.resize(out.len() + LATCH_BYTES, 0);
    out
}

/// Decodes SPI bytes back into LED bits (the inverse of [`encode`]); for
/// tests and for checking a capture. `None` on a pattern that is neither
/// `100` nor `110`.
pub fn decode(spi: &[u8]) -> Option<Vec<u8>> {
    let payload = spi.strip_suffix(&[0u8; LATCH_BYTES][..])?;
    payload
        .chunks(3)
        .map(|chunk| {
            let &[a, b, c] = chunk else { return None };
            let bits = (u32::from(a) << 16) | (u32::from(b) << 8) | u32::from(c);
            (0..8).rev().try_fold(0u8, |byte, i| {
                let pattern = (bits >> (i * 3)) & 0b111;
                match pattern {
                    0b110 => Some((byte << 1) | 1),
                    0b100 => Some(byte << 1),
                    _ => None,
                }
            })
        })
        .collect()
}

/// Writes `bytes` to the SPI device at `path` at [`SPI_HZ`]. Blocking.
fn write(path: &str, bytes: &[u8]) -> std::io::Result<()> {
    use spidev::{SpiModeFlags, Spidev, SpidevOptions};
    use std::io::Write;
    let mut device = Spidev::open(path)?;
    device.configure(
        &SpidevOptions::new()
            .bits_per_word(8)
            .max_speed_hz(SPI_HZ)
            .mode(SpiModeFlags::SPI_MODE_0)
            .build(),
    )?;
    device.write_all(bytes)
}

/// The SPI light: sets the strip for every request (and once at start, to
/// the remembered state); the link shows connected while writes succeed.
pub struct SpiLight {
    /// SPI device path.
    pub path: String,
    /// Number of pixels.
    pub leds: usize,
    /// RGBW pixels.
    pub rgbw: bool,
    /// The state every client sees.
    pub state: StateSender,
    /// Requests.
    pub commands: mpsc::Receiver<LinkCommand>,
    /// Ends the task.
    pub shutdown: CancellationToken,
}

impl SpiLight {
    /// Runs until shutdown.
    pub async fn run(mut self) {
        self.state
            .send_modify(|s| s.device.white_channel = self.rgbw);
        let initial = self.state.borrow().device.light;
        let _ = self.show(initial).await;
        loop {
            tokio::select! {
                _ = self.shutdown.cancelled() => return,
                Some(command) = self.commands.recv() => match command {
                    LinkCommand::SetLight { request, reply } => {
                        // Applied to what the pixels show: requests are
                        // handled one at a time, so none is lost.
                        let current = self.state.borrow().device.light;
                        let answer = match super::light::apply(&request, current) {
                            Ok(light) => self.show(light).await,
                            Err(bad) => Err(bad.into()),
                        };
                        let _ = reply.send(answer);
                    }
                },
            }
        }
    }

    async fn show(&self, light: LightState) -> Result<LightState, DeviceError> {
        let bytes = encode(&pixel(light, self.rgbw), self.leds);
        let path = self.path.clone();
        let written = tokio::task::spawn_blocking(move || write(&path, &bytes))
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))
            .and_then(|r| r);
        let reason = written
            .as_ref()
            .err()
            .map(|err| format!("cannot write to {}: {err}", self.path));
        self.state.send_modify(|s| {
            let device = &mut s.device;
            device.light = light;
            device.link = if reason.is_none() {
                LinkStatus::Connected
            } else {
                LinkStatus::Disconnected
            };
            device.reason = reason.clone();
        });
        match reason {
            None => Ok(light),
            Some(reason) => Err(DeviceError::Disconnected(reason)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bit_becomes_three_spi_bits() {
        // 0x80 = 1000_0000: 110 100 100 100 100 100 100 100.
        let spi = encode(&[0x80], 1);
        assert_eq!(&spi[..3], &[0b1101_0010, 0b0100_1001, 0b0010_0100]);
        // 0x00 and 0xFF.
        assert_eq!(&encode(&[0x00], 1)[..3], &[0x92, 0x49, 0x24]);
        assert_eq!(&encode(&[0xFF], 1)[..3], &[0xDB, 0x6D, 0xB6]);
        assert_eq!(spi.len(), 3 + LATCH_BYTES);
        assert!(spi[3..].iter().all(|&b| b == 0));
    }

    #[test]
    fn pixels_are_grb_or_grbw_scaled_by_brightness() {
        let light = LightState {
            on: true,
            r: 255,
            g: 128,
            b: 0,
            w: 200,
            brightness: 128,
        };
        assert_eq!(pixel(light, false), [64, 128, 0]);
        assert_eq!(pixel(light, true), [64, 128, 0, 100]);
        let off = LightState { on: false, ..light };
        assert_eq!(pixel(off, true), [0, 0, 0, 0]);
    }

    #[test]
    fn every_value_round_trips_for_a_strip() {
        let channels: Vec<u8> = (0..=255).collect();
        let spi = encode(&channels, 3);
        assert_eq!(spi.len(), 256 * 3 * 3 + LATCH_BYTES);
        let decoded = decode(&spi).unwrap();
        assert_eq!(decoded.len(), 256 * 3);
        assert_eq!(&decoded[..256], &channels[..]);
        assert_eq!(&decoded[512..], &channels[..]);
        assert_eq!(decode(&[0xFF, 0xFF, 0xFF]), None);
    }
}
