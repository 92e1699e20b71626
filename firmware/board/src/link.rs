//! The two serial links to the host (USB CDC-ACM and the RX/TX UART) as far
//! as the board's logic sees them: one bounded output queue per link, and
//! the one place where decoded host frames go to the [`Device`] and its
//! replies come back out.
//!
//! Everything the device says goes to both links, so a host on either one
//! sees the whole stream. The one exception is the reply to a frame the
//! board could not decode: it goes back only to the link the bad frame came
//! in on, so line noise on an unconnected UART pin never shows up as error
//! frames on the USB link.
//!
//! The queues never block: a line that does not fit whole in a link's queue
//! (nobody reading, a slow host) is dropped for that link and counted. The
//! host's decoder resynchronises at the next `$`, so a dropped line costs
//! that line only. The sampler only ever appends here, so a slow host can
//! never hold up the pulse sensor.

use heapless::Deque;
use rig_device_protocol::{DecodeError, DeviceMessage, HostMessage, Message};
use rig_firmware_core::Device;

/// Bytes each link can hold before lines are dropped: about two and a half
/// seconds of the heaviest stream (pulse samples and heart rates), and far
/// more than any burst of replies.
pub const QUEUE_BYTES: usize = 1024;

/// One of the board's serial links.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// The USB CDC-ACM port.
    Usb,
    /// The RX/TX pins (SERCOM3).
    Uart,
}

impl Link {
    /// Both links.
    pub const ALL: [Link; 2] = [Link::Usb, Link::Uart];
}

/// Where a message goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// To every link.
    All,
    /// Back to one link only.
    Only(Link),
}

impl Route {
    fn includes(self, link: Link) -> bool {
        match self {
            Route::All => true,
            Route::Only(only) => only == link,
        }
    }
}

/// The output queues of both links.
pub struct Outbound {
    usb: Deque<u8, QUEUE_BYTES>,
    uart: Deque<u8, QUEUE_BYTES>,
    dropped_lines: u32,
}

impl Default for Outbound {
    fn default() -> Self {
        Self::new()
    }
}

impl Outbound {
    pub const fn new() -> Self {
        Outbound {
            usb: Deque::new(),
            uart: Deque::new(),
            dropped_lines: 0,
        }
    }

    fn queue(&mut self, link: Link) -> &mut Deque<u8, QUEUE_BYTES> {
        match link {
            Link::Usb => &mut self.usb,
            Link::Uart => &mut self.uart,
        }
    }

    /// Encodes `message` once and queues the line on every link of `route`
    /// that has room for all of it; the others drop it.
    pub fn send(&mut self, message: &DeviceMessage, route: Route) {
        let line = message.encode();
        let bytes = line.as_bytes();
        for link in Link::ALL {
            if !route.includes(link) {
                continue;
            }
            let queue = self.queue(link);
            if queue.capacity() - queue.len() < bytes.len() {
                self.dropped_lines = self.dropped_lines.wrapping_add(1);
                continue;
            }
            for &byte in bytes {
                // Cannot fail: the room was checked above.
                let _ = queue.push_back(byte);
            }
        }
    }

    /// Hands the bytes queued for `link` to `write`, oldest first, until it
    /// takes none or the queue is empty. `write` gets a contiguous run and
    /// returns how many bytes of it it took; those leave the queue.
    pub fn drain(&mut self, link: Link, mut write: impl FnMut(&[u8]) -> usize) {
        let queue = self.queue(link);
        loop {
            let (front, _) = queue.as_slices();
            if front.is_empty() {
                return;
            }
            let taken = write(front).min(front.len());
            if taken == 0 {
                return;
            }
            for _ in 0..taken {
                queue.pop_front();
            }
        }
    }

    /// Lines dropped on a full queue since start (wraps); for a debugger.
    pub fn dropped_lines(&self) -> u32 {
        self.dropped_lines
    }
}

/// Acts on one frame decoded from `from`: a host message goes to the device
/// and its replies to every link; a refused frame is answered with the
/// device's error on `from` only.
pub fn dispatch(
    device: &mut Device,
    outbound: &mut Outbound,
    from: Link,
    frame: Result<HostMessage, DecodeError>,
) {
    match frame {
        Ok(message) => {
            for reply in device.handle(&message) {
                outbound.send(&reply, Route::All);
            }
        }
        Err(error) => outbound.send(&device.bad_frame(error), Route::Only(from)),
    }
}
