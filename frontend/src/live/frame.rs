//! One binary frame message as it arrived: its header read (copying only
//! the header's bytes out of the JavaScript buffer) and its payload, a
//! JPEG or an H.264 access unit, left where it is.

use shared::FrameHeader;
use shared::frame::HEADER_LEN;

/// A frame message with its header decoded.
pub struct Frame {
    /// What the header says.
    pub header: FrameHeader,
    buffer: js_sys::ArrayBuffer,
    payload_at: u32,
}

impl Frame {
    /// Reads the header of a frame message.
    pub fn parse(buffer: js_sys::ArrayBuffer) -> Result<Frame, String> {
        let total = buffer.byte_length();
        let head_len = (HEADER_LEN as u32).min(total);
        let mut head = vec![0u8; head_len as usize];
        js_sys::Uint8Array::new_with_byte_offset_and_length(&buffer, 0, head_len)
            .copy_to(&mut head);
        let (header, offset) =
            FrameHeader::decode_prefix(&head, total as usize).map_err(|e| e.to_string())?;
        Ok(Frame {
            header,
            buffer,
            payload_at: offset as u32,
        })
    }

    /// The payload, as a view into the message (no copy).
    pub fn payload(&self) -> js_sys::Uint8Array {
        let total = self.buffer.byte_length();
        let at = self.payload_at.min(total);
        js_sys::Uint8Array::new_with_byte_offset_and_length(&self.buffer, at, total - at)
    }

    /// The first `len` bytes of the payload (fewer if it is shorter),
    /// copied into Rust.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // Host builds have no WebCodecs.
    pub fn payload_head(&self, len: u32) -> Vec<u8> {
        let payload = self.payload();
        let len = len.min(payload.length());
        let mut out = vec![0u8; len as usize];
        payload.subarray(0, len).copy_to(&mut out);
        out
    }
}
