//! Stand-in for [`h264`](super::h264) in host builds (the unit tests),
//! where web-sys has no WebCodecs: the browser "has no WebCodecs", so the
//! live view always watches JPEG and no H.264 frame ever arrives.

use std::rc::Rc;

use crate::live::choice::Support;
use crate::live::frame::Frame;
use crate::live::picture::Picture;

/// No WebCodecs here (a secure context without `VideoDecoder`).
pub async fn probe() -> Support {
    Support::from_probe(false, true, false)
}

/// Drops every H.264 frame.
pub struct H264Path;

impl H264Path {
    /// Same signature as the real one.
    pub fn new(
        _picture: Rc<Picture>,
        _ask_key: impl Fn() + 'static,
        _give_up: impl Fn() + 'static,
    ) -> Self {
        H264Path
    }

    /// Drops the frame.
    pub fn offer(&self, _frame: Frame) {}
}
