//! The USB link: a CDC-ACM serial port (`/dev/ttyACM*` on the Pi) with its
//! own frame decoder. Serviced from the USB interrupts: each event polls
//! the stack, feeds what the host sent through the decoder to the device,
//! and moves queued output into the port's buffer as far as it takes it.
//!
//! The port has no flow control towards the sampler: when the host does
//! not read (port closed, cable out), the port's buffer and then this
//! link's queue fill up and lines are dropped ([`crate::link`]).

use itsybitsy_m4 as bsp;

use bsp::hal::usb::UsbBus;
use rig_device_protocol::{Decoder, HostMessage};
use rig_firmware_core::Device;
use rtic::Mutex;
use rtic::mutex_prelude::TupleExt02;
use usb_device::LangID;
use usb_device::bus::UsbBusAllocator;
use usb_device::device::{StringDescriptors, UsbDevice, UsbDeviceBuilder, UsbVidPid};
use usbd_serial::{SerialPort, USB_CLASS_CDC};

use crate::link::{self, Link, Outbound};

/// The shared VID/PID for CDC-ACM devices (van Ooijen Technische
/// Informatica); Linux binds `cdc_acm` to it and names the port by the
/// strings below in `/dev/serial/by-id/`.
pub const VID_PID: UsbVidPid = UsbVidPid(0x16c0, 0x27dd);
pub const MANUFACTURER: &str = "camrig";
pub const PRODUCT: &str = "camrig light and pulse board";

/// Length of the serial number string: the chip's 128-bit unique ID in hex.
pub const SERIAL_LEN: usize = 32;

/// The chip's unique ID as upper-case hex, written into `buffer`.
pub fn serial_number(buffer: &'static mut [u8; SERIAL_LEN]) -> &'static str {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for (pair, byte) in buffer.chunks_exact_mut(2).zip(bsp::hal::serial_number()) {
        if let [high, low] = pair {
            *high = HEX[usize::from(byte >> 4)];
            *low = HEX[usize::from(byte & 0x0f)];
        }
    }
    let buffer: &'static [u8; SERIAL_LEN] = buffer;
    core::str::from_utf8(buffer).unwrap_or("0")
}

/// The USB device, its serial port and the decoder for what comes in.
pub struct UsbLink {
    device: UsbDevice<'static, UsbBus>,
    serial: SerialPort<'static, UsbBus>,
    decoder: Decoder<HostMessage>,
}

impl UsbLink {
    /// Builds the CDC-ACM device on `allocator`; `serial_number` names this
    /// board to the host.
    pub fn new(allocator: &'static UsbBusAllocator<UsbBus>, serial_number: &'static str) -> Self {
        let serial = SerialPort::new(allocator);
        let strings = StringDescriptors::new(LangID::EN)
            .manufacturer(MANUFACTURER)
            .product(PRODUCT)
            .serial_number(serial_number);
        let builder = UsbDeviceBuilder::new(allocator, VID_PID).device_class(USB_CLASS_CDC);
        // One language never exceeds the builder's limit; keep the device
        // without strings rather than fail if it ever did.
        let builder = match builder.strings(&[strings]) {
            Ok(builder) => builder,
            Err(_) => UsbDeviceBuilder::new(allocator, VID_PID).device_class(USB_CLASS_CDC),
        };
        UsbLink {
            device: builder.build(),
            serial,
            decoder: Decoder::new(),
        }
    }

    /// Handles a USB event: host bytes to the device, queued output to the
    /// host.
    pub fn service(
        &mut self,
        mut device: impl Mutex<T = Device>,
        mut outbound: impl Mutex<T = Outbound>,
    ) {
        if self.device.poll(&mut [&mut self.serial]) {
            let mut buffer = [0u8; 64];
            while let Ok(count) = self.serial.read(&mut buffer) {
                if count == 0 {
                    break;
                }
                let bytes = buffer.get(..count).unwrap_or(&[]);
                let decoder = &mut self.decoder;
                (&mut device, &mut outbound).lock(|device, outbound| {
                    for frame in decoder.feed(bytes) {
                        link::dispatch(device, outbound, Link::Usb, frame);
                    }
                });
            }
        }
        let serial = &mut self.serial;
        outbound.lock(|outbound| {
            outbound.drain(Link::Usb, |bytes| serial.write(bytes).unwrap_or(0));
        });
    }
}
