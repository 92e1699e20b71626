//! Firmware for the camera rig's light + heart-rate board, an Adafruit
//! ItsyBitsy M4 Express (SAMD51G19A). All of the board's behaviour lives in
//! `rig-firmware-core` ([`Device`]); this binary only moves samples, bytes
//! and pixel values between it and the hardware:
//!
//! - **Sampler** (TC3 interrupt, 500 Hz, highest priority): reads the pulse
//!   sensor on A0 and feeds [`Device::sample`]; what the device answers is
//!   queued for both links ([`link`]), never waited for.
//! - **USB** (USB interrupts): a CDC-ACM serial port ([`usb`]).
//! - **UART** (SERCOM3 receive interrupt): the RX/TX pins at 115200 baud
//!   ([`uart`]).
//! - **Idle loop**: sends the UART's queued output and shows
//!   [`Device::pixel`] on the NeoPixels ([`pixels`]) whenever it changes.
//!
//! Built on RTIC v2: each peripheral is owned by the one task that uses it,
//! and the device and the output queues are the only shared state.

#![no_std]
#![no_main]
#![deny(unsafe_code)]

mod link;
mod pixels;
mod sensor;
mod uart;
mod usb;

use panic_halt as _;

use rig_device_protocol::{FirmwareVersion, LightChannels};
use rig_firmware_core::{Device, DeviceConfig};

use pixels::NeoPixelPin;

/// Pin the NeoPixels' data line is wired to: [`NeoPixelPin::D5`] (the 5 V
/// level-shifted output) or [`NeoPixelPin::Mosi`].
pub const NEOPIXEL_PIN: NeoPixelPin = NeoPixelPin::D5;

/// Number of LEDs on the strip (or ring).
pub const PIXELS: usize = 16;

/// RGB strip (WS2812) or RGBW strip (SK6812 RGBW). The device reports this
/// to the host and mixes white into red, green and blue on RGB strips.
pub const LIGHT_CHANNELS: LightChannels = LightChannels::Rgbw;

/// Whether a pulse sensor is fitted on A0. Without one the board does not
/// sample, and tells the host so in its `Hello`.
pub const PULSE_SENSOR: bool = true;

/// Pulse sensor sample rate; the core's detector is tuned for 500 Hz.
pub const SAMPLE_RATE_HZ: u32 = rig_firmware_core::pulse::SAMPLE_RATE_HZ;

/// Milliseconds between two samples.
const SAMPLE_PERIOD_MS: u32 = 1000 / SAMPLE_RATE_HZ;

/// This firmware's version, from Cargo.toml.
pub const FIRMWARE: FirmwareVersion = FirmwareVersion {
    major: parse_u8(env!("CARGO_PKG_VERSION_MAJOR")),
    minor: parse_u8(env!("CARGO_PKG_VERSION_MINOR")),
    patch: parse_u8(env!("CARGO_PKG_VERSION_PATCH")),
};

/// The device's configuration, from the constants above.
pub const DEVICE_CONFIG: DeviceConfig = DeviceConfig {
    firmware: FIRMWARE,
    light_channels: LIGHT_CHANNELS,
    pulse_sensor: PULSE_SENSOR,
};

/// Bytes of the NeoPixel frame buffer.
const PIXEL_BUFFER: usize = pixels::buffer_len(PIXELS);

/// A decimal `u8` at compile time (a bad version fails the build).
const fn parse_u8(digits: &str) -> u8 {
    let bytes = digits.as_bytes();
    assert!(!bytes.is_empty() && bytes.len() <= 3);
    let mut value: u16 = 0;
    let mut i = 0;
    while i < bytes.len() {
        let digit = bytes[i];
        assert!(digit.is_ascii_digit());
        value = value * 10 + (digit - b'0') as u16;
        i += 1;
    }
    assert!(value <= 255);
    value as u8
}

#[rtic::app(device = itsybitsy_m4::pac, peripherals = true)]
mod app {
    use itsybitsy_m4 as bsp;

    use bsp::hal::clock::GenericClockController;
    use bsp::hal::clock::v2::clock_system_at_reset;
    use bsp::hal::dmac::{DmaController, PriorityLevel};
    use bsp::hal::fugit::{ExtU32, RateExtU32};
    use bsp::hal::pac::{Interrupt, Tc3};
    use bsp::hal::sercom::spi;
    use bsp::hal::timer::TimerCounter;
    use bsp::hal::timer_traits::InterruptDrivenTimer;
    use bsp::hal::usb::UsbBus;
    use usb_device::bus::UsbBusAllocator;

    use rig_firmware_core::Pixel;

    use super::*;
    use crate::link::Outbound;
    use crate::pixels::{DmaTx, Leds, Strip};
    use crate::sensor::{AdcClocks, Sensor};
    use crate::uart::{UartRx, UartTx};
    use crate::usb::UsbLink;

    #[shared]
    struct Shared {
        /// The board's logic.
        device: Device,
        /// Output waiting for each link.
        outbound: Outbound,
        /// The USB port, serviced by the four USB interrupts (all at one
        /// priority, so they never preempt each other).
        #[lock_free]
        usb: UsbLink,
    }

    #[local]
    struct Local {
        /// Paces the sampler at 500 Hz.
        timer: TimerCounter<Tc3>,
        /// ADC0 on A0 (`None` without a pulse sensor).
        sensor: Option<Sensor>,
        /// Board time of the next sample.
        now_ms: u32,
        uart_rx: UartRx,
        uart_tx: UartTx,
        strip: Strip,
    }

    #[init(local = [
        usb_allocator: Option<UsbBusAllocator<UsbBus>> = None,
        serial_number: [u8; crate::usb::SERIAL_LEN] = [0; crate::usb::SERIAL_LEN],
        pixel_buffer: [u8; PIXEL_BUFFER] = [0; PIXEL_BUFFER],
    ])]
    fn init(cx: init::Context) -> (Shared, Local) {
        let mut device = cx.device;

        // Clocks. The ADC needs the HAL's `clock::v2` API, everything else
        // here (the board crate's UART and USB helpers, the timer, the
        // SERCOMs) the older `GenericClockController`. So: take the v2
        // tokens first, hand the clock registers to v1 (which resets the
        // generators and sets GCLK0 = 120 MHz, DFLL = 48 MHz USB-locked),
        // and only then use the ADC's tokens (GCLK3, which v1 leaves
        // alone).
        let (mut buses, clocks_v2, tokens) = clock_system_at_reset(
            device.oscctrl,
            device.osc32kctrl,
            device.gclk,
            device.mclk,
            &mut device.nvmctrl,
        );
        // SAFETY: the v2 objects kept below only touch GCLK3, ADC0's
        // peripheral channel and ADC0's bus clock; v1 touches none of them.
        #[allow(unsafe_code)]
        let (mut oscctrl, mut osc32kctrl, gclk, mut mclk) = unsafe { clocks_v2.pac.steal() };
        let mut clocks = GenericClockController::with_internal_32kosc(
            gclk,
            &mut mclk,
            &mut osc32kctrl,
            &mut oscctrl,
            &mut device.nvmctrl,
        );
        let gclk0 = clocks.gclk0();
        let pins = bsp::Pins::new(device.port);

        // Pulse sensor: ADC0 on A0, paced by TC3.
        let sensor = if PULSE_SENSOR {
            let adc_clocks = AdcClocks {
                apb: &mut buses.apb,
                apb_token: tokens.apbs.adc0,
                gclk3_token: tokens.gclks.gclk3,
                pclk_token: tokens.pclks.adc0,
                dfll: clocks_v2.dfll,
            };
            Sensor::new(adc_clocks, device.adc0, pins.a0).ok()
        } else {
            None
        };
        let tc_clock = clocks.tc2_tc3(&gclk0);
        let mut timer = match &tc_clock {
            Some(clock) => TimerCounter::tc3_(clock, device.tc3, &mut mclk),
            None => panic!("TC2/TC3 clock already in use"),
        };
        if sensor.is_some() {
            timer.start((1_000_000 / SAMPLE_RATE_HZ).micros());
            timer.enable_interrupt();
        }

        // UART on the RX/TX pins.
        let uart = bsp::uart(
            &mut clocks,
            crate::uart::BAUD.Hz(),
            device.sercom3,
            &mut mclk,
            pins.d0_rx,
            pins.d1_tx,
        );
        let (uart_rx, uart_tx) = crate::uart::split(uart);

        // USB CDC-ACM.
        let allocator: &'static UsbBusAllocator<UsbBus> = cx.local.usb_allocator.insert(
            bsp::usb_allocator(device.usb, &mut clocks, &mut mclk, pins.usb_dm, pins.usb_dp),
        );
        let serial_number = crate::usb::serial_number(cx.local.serial_number);
        let usb = UsbLink::new(allocator, serial_number);

        // NeoPixels: a transmit-only SPI with a DMA channel.
        let mut dmac = DmaController::init(device.dmac, &mut device.pm);
        let channels = dmac.split();
        let dma = channels.0.init(PriorityLevel::Lvl0);
        let buffer: &'static mut [u8] = cx.local.pixel_buffer;
        let strip = match NEOPIXEL_PIN {
            NeoPixelPin::D5 => {
                let Some(clock) = clocks.sercom2_core(&gclk0) else {
                    panic!("SERCOM2 clock already in use");
                };
                let pads = spi::Pads::default().data_out(pins.d5).sclk(pins.scl);
                let spi = spi::Config::new(&mclk, device.sercom2, pads, clock.freq())
                    .baud(pixels::SPI_HZ.Hz())
                    .spi_mode(spi::MODE_0)
                    .enable()
                    .with_tx_channel(dma);
                Strip::D5(Leds::new(DmaTx(spi), buffer, LIGHT_CHANNELS))
            }
            NeoPixelPin::Mosi => {
                let Some(clock) = clocks.sercom1_core(&gclk0) else {
                    panic!("SERCOM1 clock already in use");
                };
                let pads = spi::Pads::default().data_out(pins.mosi).sclk(pins.sck);
                let spi = spi::Config::new(&mclk, device.sercom1, pads, clock.freq())
                    .baud(pixels::SPI_HZ.Hz())
                    .spi_mode(spi::MODE_0)
                    .enable()
                    .with_tx_channel(dma);
                Strip::Mosi(Leds::new(DmaTx(spi), buffer, LIGHT_CHANNELS))
            }
        };

        (
            Shared {
                device: Device::new(DEVICE_CONFIG),
                outbound: Outbound::new(),
                usb,
            },
            Local {
                timer,
                sensor,
                now_ms: 0,
                uart_rx,
                uart_tx,
                strip,
            },
        )
    }

    /// Sends the UART's output and keeps the LEDs in step with the light.
    #[idle(shared = [device, outbound], local = [uart_tx, strip, shown: Option<Pixel> = None])]
    fn idle(mut cx: idle::Context) -> ! {
        loop {
            let uart_tx = &mut *cx.local.uart_tx;
            cx.shared
                .outbound
                .lock(|outbound| uart_tx.transmit(outbound));

            let pixel = cx.shared.device.lock(|device| device.pixel());
            if *cx.local.shown != Some(pixel) {
                // A failed frame is not retried: the next change redraws.
                let _ = cx.local.strip.show(pixel, PIXELS);
                *cx.local.shown = Some(pixel);
            }
        }
    }

    /// One pulse sensor sample, 500 times a second.
    #[task(binds = TC3, priority = 3, shared = [device, outbound], local = [timer, sensor, now_ms])]
    fn sample(cx: sample::Context) {
        // Clears the overflow flag; the timer keeps running.
        let _ = cx.local.timer.wait();
        let Some(sensor) = cx.local.sensor.as_mut() else {
            return;
        };
        let raw = sensor.read();
        let now_ms = *cx.local.now_ms;
        *cx.local.now_ms = now_ms.wrapping_add(SAMPLE_PERIOD_MS);

        let outbox = { cx.shared.device }.lock(|device| device.sample(raw, now_ms));
        let mut queued = false;
        { cx.shared.outbound }.lock(|outbound| {
            for message in outbox {
                outbound.send(&message, crate::link::Route::All);
                queued = true;
            }
        });
        if queued {
            // Let the USB task move it into the port now.
            rtic::pend(Interrupt::USB_OTHER);
        }
    }

    #[task(binds = USB_OTHER, priority = 2, shared = [usb, device, outbound])]
    fn usb_other(cx: usb_other::Context) {
        cx.shared.usb.service(cx.shared.device, cx.shared.outbound);
    }

    #[task(binds = USB_SOF_HSOF, priority = 2, shared = [usb, device, outbound])]
    fn usb_sof(cx: usb_sof::Context) {
        cx.shared.usb.service(cx.shared.device, cx.shared.outbound);
    }

    #[task(binds = USB_TRCPT0, priority = 2, shared = [usb, device, outbound])]
    fn usb_trcpt0(cx: usb_trcpt0::Context) {
        cx.shared.usb.service(cx.shared.device, cx.shared.outbound);
    }

    #[task(binds = USB_TRCPT1, priority = 2, shared = [usb, device, outbound])]
    fn usb_trcpt1(cx: usb_trcpt1::Context) {
        cx.shared.usb.service(cx.shared.device, cx.shared.outbound);
    }

    /// Bytes from the RX pin.
    #[task(binds = SERCOM3_2, priority = 2, shared = [device, outbound], local = [uart_rx])]
    fn uart_receive(cx: uart_receive::Context) {
        cx.local
            .uart_rx
            .receive(cx.shared.device, cx.shared.outbound);
    }
}
