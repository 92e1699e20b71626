//! JPEG frames: each is decoded off the main thread with
//! `createImageBitmap`, painted, and the bitmap closed at once, so nothing
//! accumulates. While one frame decodes only the newest arriving frame is
//! kept; older ones are skipped. Pausing drops frames.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, ImageBitmap};

use crate::live::frame::Frame;
use crate::live::picture::Picture;

/// The JPEG decoder's state between frames.
pub struct JpegPath {
    picture: Rc<Picture>,
    busy: Cell<bool>,
    pending: RefCell<Option<Frame>>,
}

impl JpegPath {
    /// Paints on `picture`.
    pub fn new(picture: Rc<Picture>) -> Self {
        JpegPath {
            picture,
            busy: Cell::new(false),
            pending: RefCell::new(None),
        }
    }

    /// Takes a frame: decodes it now, or keeps it as the pending one.
    pub fn offer(this: &Rc<Self>, frame: Frame) {
        if this.picture.is_paused() {
            return;
        }
        if this.busy.get() {
            this.pending.replace(Some(frame));
            return;
        }
        this.busy.set(true);
        let this = Rc::clone(this);
        spawn_local(async move {
            let mut next = Some(frame);
            while let Some(frame) = next {
                if let Err(err) = this.draw(frame).await {
                    leptos::logging::warn!("frame not drawn: {err}");
                }
                next = this.pending.take();
            }
            this.busy.set(false);
        });
    }

    async fn draw(&self, frame: Frame) -> Result<(), String> {
        let parts = js_sys::Array::of1(&frame.payload());
        let options = BlobPropertyBag::new();
        options.set_type("image/jpeg");
        let blob =
            Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(|_| "blob")?;
        let promise = window()
            .create_image_bitmap_with_blob(&blob)
            .map_err(|_| "createImageBitmap")?;
        let bitmap: ImageBitmap = JsFuture::from(promise)
            .await
            .map_err(|_| "JPEG decode failed")?
            .unchecked_into();
        let result = self.paint(&bitmap);
        bitmap.close();
        result?;
        let h = frame.header;
        self.picture
            .painted(h.sequence, h.captured_us, h.width, h.height);
        Ok(())
    }

    fn paint(&self, bitmap: &ImageBitmap) -> Result<(), String> {
        self.picture
            .context(bitmap.width(), bitmap.height())?
            .draw_image_with_image_bitmap(bitmap, 0.0, 0.0)
            .map_err(|_| "drawImage failed".to_owned())
    }
}
