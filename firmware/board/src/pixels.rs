//! The NeoPixel strip: the core's [`Pixel`] out to every LED, through
//! `ws2812-spi` on a SERCOM in SPI mode at 3.33 MHz (each data bit becomes
//! four SPI bits).
//!
//! The whole frame (colour data and the latch's trailing zeros) is rendered
//! into one buffer first and sent in a single DMA transfer, so the waveform
//! has no gaps even while the sampler and the USB interrupts run: a gap of
//! a few tens of microseconds in the middle of a frame would latch a
//! half-written strip.
//!
//! Two data pins are supported (chosen by [`crate::NEOPIXEL_PIN`]):
//!
//! - **D5** (PA15, SERCOM2 pad 3): the ItsyBitsy M4's level-shifted 5 V
//!   output, made for NeoPixels. The SPI clock of that SERCOM comes out on
//!   SCL (PA13), which must stay unconnected.
//! - **MOSI** (PA00, SERCOM1 pad 0), 3.3 V logic, with its clock on SCK.

use core::iter::repeat_n;

use itsybitsy_m4 as bsp;

use bsp::hal::dmac::{Ch0, Channel, Ready};
use bsp::hal::ehal::spi::{ErrorKind, ErrorType, SpiBus};
use bsp::hal::embedded_io;
use bsp::hal::gpio::{PA00, PA01, PA13, PA15};
use bsp::hal::sercom::{Sercom1, Sercom2, spi};
use bsp::hal::typelevel::NoneT;
use rig_device_protocol::LightChannels;
use rig_firmware_core::Pixel;
use smart_leds_trait::{RGB8, RGBW, SmartLedsWrite, White};
use ws2812_spi::prerendered::{Ws2812, devices::Sk6812w};

/// SPI clock, 120 MHz / 36 (the SERCOM's BAUD register at 17): the middle
/// of `ws2812-spi`'s 2.3-3.8 MHz window, so a 0 bit is high for 300 ns and
/// a 1 bit for 900 ns of a 1.2 µs bit, within the WS2812B's and close to
/// the SK6812's timing.
pub const SPI_HZ: u32 = 3_333_333;

/// SPI bytes per LED: four per colour byte, four colour bytes at most.
const BYTES_PER_PIXEL: usize = 16;

/// The latch: the zero bytes `ws2812-spi` appends to every frame.
const RESET_BYTES: usize = 140;

/// Buffer size for a frame of `pixels` LEDs.
pub const fn buffer_len(pixels: usize) -> usize {
    pixels * BYTES_PER_PIXEL + RESET_BYTES
}

/// Where the strip's data line is wired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NeoPixelPin {
    /// D5, the 5 V level-shifted output.
    D5,
    /// The SPI header's MOSI pin (3.3 V).
    Mosi,
}

/// The DMA channel the strip's transfers use.
pub type DmaChannel = Channel<Ch0, Ready>;

/// SERCOM2, data out on D5 (pad 3) and its clock on SCL (pad 1).
pub type D5Spi =
    spi::Spi<spi::Config<spi::PadsFromIds<Sercom2, NoneT, PA15, PA13>>, spi::Tx, NoneT, DmaChannel>;

/// SERCOM1, data out on MOSI (pad 0) and its clock on SCK (pad 1).
pub type MosiSpi =
    spi::Spi<spi::Config<spi::PadsFromIds<Sercom1, NoneT, PA00, PA01>>, spi::Tx, NoneT, DmaChannel>;

/// A transmit-only SPI with DMA, as the `SpiBus` that `ws2812-spi` wants:
/// writes go out in one DMA transfer; reads are refused (nothing is wired
/// to read from).
pub struct DmaTx<S>(pub S);

impl<S> ErrorType for DmaTx<S> {
    type Error = ErrorKind;
}

impl<S: embedded_io::Write> SpiBus<u8> for DmaTx<S> {
    fn read(&mut self, _words: &mut [u8]) -> Result<(), ErrorKind> {
        Err(ErrorKind::Other)
    }

    fn write(&mut self, words: &[u8]) -> Result<(), ErrorKind> {
        self.0.write_all(words).map_err(|_| ErrorKind::Other)
    }

    fn transfer(&mut self, _read: &mut [u8], _write: &[u8]) -> Result<(), ErrorKind> {
        Err(ErrorKind::Other)
    }

    fn transfer_in_place(&mut self, _words: &mut [u8]) -> Result<(), ErrorKind> {
        Err(ErrorKind::Other)
    }

    fn flush(&mut self) -> Result<(), ErrorKind> {
        self.0.flush().map_err(|_| ErrorKind::Other)
    }
}

/// A strip of RGB (WS2812) or RGBW (SK6812) LEDs on one SPI.
pub enum Leds<S: SpiBus<u8>> {
    Rgb(Ws2812<'static, S>),
    Rgbw(Ws2812<'static, S, Sk6812w>),
}

impl<S: SpiBus<u8>> Leds<S> {
    /// The driver for `channels`, rendering frames into `buffer` (at least
    /// [`buffer_len`] of the strip's length).
    pub fn new(spi: S, buffer: &'static mut [u8], channels: LightChannels) -> Self {
        match channels {
            LightChannels::Rgb => Leds::Rgb(Ws2812::new(spi, buffer)),
            LightChannels::Rgbw => Leds::Rgbw(Ws2812::new_sk6812w(spi, buffer)),
        }
    }

    /// Shows `pixel` on the first `count` LEDs. `Err` when the frame did
    /// not fit the buffer or the transfer failed.
    pub fn show(&mut self, pixel: Pixel, count: usize) -> Result<(), ()> {
        match self {
            Leds::Rgb(leds) => {
                let colour = RGB8 {
                    r: pixel.r,
                    g: pixel.g,
                    b: pixel.b,
                };
                leds.write(repeat_n(colour, count)).map_err(drop)
            }
            Leds::Rgbw(leds) => {
                let colour = RGBW {
                    r: pixel.r,
                    g: pixel.g,
                    b: pixel.b,
                    a: White(pixel.w),
                };
                leds.write(repeat_n(colour, count)).map_err(drop)
            }
        }
    }
}

/// The strip on whichever pin it is wired to.
pub enum Strip {
    D5(Leds<DmaTx<D5Spi>>),
    Mosi(Leds<DmaTx<MosiSpi>>),
}

impl Strip {
    /// Shows `pixel` on the first `count` LEDs.
    pub fn show(&mut self, pixel: Pixel, count: usize) -> Result<(), ()> {
        match self {
            Strip::D5(leds) => leds.show(pixel, count),
            Strip::Mosi(leds) => leds.show(pixel, count),
        }
    }
}
