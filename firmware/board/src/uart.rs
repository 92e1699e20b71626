//! The UART link on the RX/TX pins (SERCOM3, 115200 baud 8N1), for a
//! Raspberry Pi's GPIO serial port. Reception is interrupt-driven (the
//! SERCOM holds only a couple of bytes); transmission is drained from the
//! link's queue by the idle loop whenever the data register is free.

use itsybitsy_m4 as bsp;

use bsp::hal::ehal_nb::serial::{Read, Write};
use bsp::hal::nb;
use bsp::hal::sercom::uart::{self, Flags};
use rig_device_protocol::{Decoder, HostMessage};
use rig_firmware_core::Device;
use rtic::Mutex;
use rtic::mutex_prelude::TupleExt02;

use crate::link::{self, Link, Outbound};

/// Baud rate of the RX/TX link.
pub const BAUD: u32 = 115_200;

/// The receiving half, with the decoder for what comes in.
pub struct UartRx {
    rx: uart::Uart<uart::Config<bsp::UartPads>, uart::RxDuplex>,
    decoder: Decoder<HostMessage>,
}

/// The transmitting half.
pub struct UartTx {
    tx: uart::Uart<uart::Config<bsp::UartPads>, uart::TxDuplex>,
}

/// Splits the board's UART into its halves, with the receive interrupt on.
pub fn split(mut uart: bsp::Uart) -> (UartRx, UartTx) {
    uart.enable_interrupts(Flags::RXC);
    let (rx, tx) = uart.split();
    (
        UartRx {
            rx,
            decoder: Decoder::new(),
        },
        UartTx { tx },
    )
}

impl UartRx {
    /// Reads every byte the SERCOM holds and passes complete frames to the
    /// device. A receive error (overrun, framing) empties the SERCOM and
    /// drops the frame in progress, which the host sees as no answer.
    pub fn receive(
        &mut self,
        mut device: impl Mutex<T = Device>,
        mut outbound: impl Mutex<T = Outbound>,
    ) {
        loop {
            match self.rx.read() {
                Ok(byte) => {
                    if let Some(frame) = self.decoder.push(byte) {
                        (&mut device, &mut outbound).lock(|device, outbound| {
                            link::dispatch(device, outbound, Link::Uart, frame);
                        });
                    }
                }
                Err(nb::Error::WouldBlock) => return,
                Err(nb::Error::Other(_)) => {
                    self.rx.flush_rx_buffer();
                    self.decoder.reset();
                    return;
                }
            }
        }
    }
}

impl UartTx {
    /// Moves queued output into the SERCOM while it has room.
    pub fn transmit(&mut self, outbound: &mut Outbound) {
        let tx = &mut self.tx;
        outbound.drain(Link::Uart, |bytes| {
            bytes
                .iter()
                .take_while(|&&byte| tx.write(byte).is_ok())
                .count()
        });
    }
}
