//! The live view: draws every frame it can onto a canvas. Each binary
//! message is split into header and JPEG; the JPEG is decoded off the main
//! thread with `createImageBitmap`, drawn, and the bitmap closed at once, so
//! nothing accumulates. While one frame decodes, only the newest arriving
//! frame is kept; older ones are skipped. Pausing freezes the picture.
//! Leaving the view (another route) unregisters its frame handler.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::FrameHeader;
use shared::frame::HEADER_LEN;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, CanvasRenderingContext2d, ImageBitmap};

use crate::connection::Connection;
use crate::fps::FpsMeter;

/// What the decoder shares between frames.
struct Decoder {
    canvas: NodeRef<Canvas>,
    busy: Cell<bool>,
    pending: RefCell<Option<js_sys::ArrayBuffer>>,
    meter: RefCell<FpsMeter>,
    paused: RwSignal<bool>,
    drawn: RwSignal<Drawn>,
    fps: RwSignal<f64>,
}

/// The newest drawn frame.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Drawn {
    sequence: u64,
    count: u64,
    width: u16,
    height: u16,
}

/// The canvas with the live picture and its pause control.
#[component]
pub fn LiveView() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let canvas = NodeRef::<Canvas>::new();
    let paused = RwSignal::new(false);
    let drawn = RwSignal::new(Drawn::default());
    let fps = expect_context::<MeasuredFps>().0;
    let decoder = Rc::new(Decoder {
        canvas,
        busy: Cell::new(false),
        pending: RefCell::new(None),
        meter: RefCell::new(FpsMeter::default()),
        paused,
        drawn,
        fps,
    });
    connection.on_frame(Rc::new(move |buffer| Decoder::offer(&decoder, buffer)));
    // The status bar outlives this view (other routes): no frames, no rate.
    on_cleanup(move || fps.set(0.0));

    let has_picture = move || drawn.get().count > 0;
    let camera_live = move || {
        connection
            .server()
            .get()
            .is_some_and(|s| s.camera.status == shared::CameraStatus::Live)
    };
    view! {
        <section
            class="live"
            class:stale=move || connection.stale().get()
            data-testid="live"
            data-stale=move || connection.stale().get().to_string()
        >
            <div class="frame" class:empty=move || !has_picture()>
                <canvas
                    node_ref=canvas
                    data-testid="live-view"
                    aria-label="Live camera picture"
                    data-sequence=move || drawn.get().sequence.to_string()
                    data-frames=move || drawn.get().count.to_string()
                    width="1280"
                    height="720"
                ></canvas>
                <Show when=move || !has_picture() || !camera_live()>
                    <p class="overlay" data-testid="no-picture">
                        {move || if has_picture() { "Camera not delivering — last picture shown" } else { "Waiting for the camera…" }}
                    </p>
                </Show>
            </div>
            <div class="controls">
                <button
                    type="button"
                    data-testid="pause"
                    aria-pressed=move || paused.get().to_string()
                    on:click=move |_| paused.update(|p| *p = !*p)
                >
                    {move || if paused.get() { "Resume" } else { "Pause" }}
                </button>
                <span class="meta" data-testid="resolution">
                    {move || {
                        let d = drawn.get();
                        if d.count == 0 { String::new() } else { format!("{}×{}", d.width, d.height) }
                    }}
                </span>
            </div>
        </section>
    }
}

/// The measured frame rate of the live view; provided by the app, written
/// by the live view, read by the status bar.
#[derive(Clone, Copy)]
pub struct MeasuredFps(pub RwSignal<f64>);

impl Decoder {
    /// Takes a frame: decodes it now, or keeps it as the pending one.
    fn offer(this: &Rc<Self>, buffer: js_sys::ArrayBuffer) {
        if this.paused.try_get_untracked().unwrap_or(true) {
            return;
        }
        if this.busy.get() {
            this.pending.replace(Some(buffer));
            return;
        }
        this.busy.set(true);
        let this = Rc::clone(this);
        spawn_local(async move {
            let mut next = Some(buffer);
            while let Some(buffer) = next {
                if let Err(err) = this.draw(buffer).await {
                    leptos::logging::warn!("frame not drawn: {err}");
                }
                next = this.pending.take();
            }
            this.busy.set(false);
        });
    }

    async fn draw(&self, buffer: js_sys::ArrayBuffer) -> Result<(), String> {
        let total = buffer.byte_length();
        let head_len = (HEADER_LEN as u32).min(total);
        let mut head = vec![0u8; head_len as usize];
        js_sys::Uint8Array::new_with_byte_offset_and_length(&buffer, 0, head_len)
            .copy_to(&mut head);
        let (header, offset) =
            FrameHeader::decode_prefix(&head, total as usize).map_err(|e| e.to_string())?;
        let offset = offset as u32;
        let jpeg =
            js_sys::Uint8Array::new_with_byte_offset_and_length(&buffer, offset, total - offset);
        let parts = js_sys::Array::of1(&jpeg);
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
        let now = window().performance().map_or(0.0, |p| p.now());
        let rate = self.meter.borrow_mut().tick(now);
        self.fps.set(rate);
        self.drawn.update(|d| {
            d.sequence = header.sequence;
            d.count += 1;
            d.width = header.width;
            d.height = header.height;
        });
        Ok(())
    }

    fn paint(&self, bitmap: &ImageBitmap) -> Result<(), String> {
        // A decode may finish after the view was left: no canvas then.
        let canvas = self
            .canvas
            .try_get_untracked()
            .flatten()
            .ok_or("no canvas")?;
        if canvas.width() != bitmap.width() || canvas.height() != bitmap.height() {
            canvas.set_width(bitmap.width());
            canvas.set_height(bitmap.height());
        }
        let context: CanvasRenderingContext2d = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .ok_or("no 2d context")?
            .unchecked_into();
        context
            .draw_image_with_image_bitmap(bitmap, 0.0, 0.0)
            .map_err(|_| "drawImage failed".to_owned())
    }
}
