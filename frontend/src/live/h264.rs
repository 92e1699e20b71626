//! H.264 frames, decoded with WebCodecs. The decoder is configured at a
//! key frame with the codec string read from the frame's SPS
//! ([`shared::h264::codec_string`]) and asked to optimise for latency;
//! it is configured again when the codec or the picture size changes (half
//! resolution). Every access unit becomes one chunk stamped with its
//! capture time; each decoded frame is painted on the canvas the moment
//! it comes out and closed at once. Only a couple of chunks may wait in
//! the decoder: when more do (the tab was busy), the rest are dropped up
//! to the next key frame, which is asked for at once (`watch h264` again);
//! pausing drops frames the same way. A decoder error throws the decoder
//! away and waits for a key frame (asked for too); after several errors
//! in a row without a frame painted, the view gives up on H.264.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use leptos::prelude::*;
use shared::FrameHeader;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    CodecState, EncodedVideoChunk, EncodedVideoChunkInit, EncodedVideoChunkType, VideoDecoder,
    VideoDecoderConfig, VideoDecoderInit, VideoDecoderSupport, VideoFrame,
};

use crate::clock::now_ms;
use crate::live::choice::{PROBE_CODEC, Support};
use crate::live::frame::Frame;
use crate::live::picture::Picture;

/// Chunks that may wait in the decoder; beyond this the view skips to the
/// next key frame.
const MAX_QUEUED: u32 = 2;
/// Decoder errors in a row (no frame painted between) before H.264 is
/// given up.
const GIVE_UP_AFTER: u32 = 3;
/// A key frame is asked for at most this often (ms).
const ASK_EVERY_MS: f64 = 1000.0;
/// The SPS is at the front of a key frame: this many bytes are read to
/// find the codec string.
const SPS_SEARCH: u32 = 256;
/// Headers of chunks in the decoder kept to match their frames.
const MAX_IN_FLIGHT: usize = 32;

thread_local! {
    /// What [`probe`] found; it does not change while the page is open.
    static SUPPORT: Cell<Option<Support>> = const { Cell::new(None) };
}

/// Whether this browser decodes H.264 with WebCodecs (asked once per page).
pub async fn probe() -> Support {
    if let Some(known) = SUPPORT.with(Cell::get) {
        return known;
    }
    let window = window();
    let has_decoder = js_sys::Reflect::get(&window, &JsValue::from_str("VideoDecoder"))
        .is_ok_and(|v| v.is_function());
    let secure = window.is_secure_context();
    let h264 = has_decoder && {
        let config = VideoDecoderConfig::new(PROBE_CODEC);
        config.set_optimize_for_latency(true);
        match JsFuture::from(VideoDecoder::is_config_supported(&config)).await {
            Ok(answer) => answer
                .unchecked_into::<VideoDecoderSupport>()
                .get_supported()
                .unwrap_or(false),
            Err(_) => false,
        }
    };
    let support = Support::from_probe(has_decoder, secure, h264);
    SUPPORT.with(|s| s.set(Some(support)));
    support
}

/// A configured decoder and what it was configured for.
struct Active {
    decoder: VideoDecoder,
    codec: String,
    width: u16,
    height: u16,
}

/// What the decoder callbacks share with the frame handler.
struct State {
    picture: Rc<Picture>,
    active: RefCell<Option<Active>>,
    /// Chunks are dropped until the next key frame.
    need_key: Cell<bool>,
    /// The decoder reported an error: it is closed and must be replaced.
    broken: Cell<bool>,
    /// Errors since the last painted frame.
    failures: Cell<u32>,
    /// H.264 was given up: frames still in flight are ignored.
    gave_up: Cell<bool>,
    /// When a key frame was last asked for (ms).
    asked_at: Cell<f64>,
    /// Headers of the chunks in the decoder, oldest first.
    in_flight: RefCell<VecDeque<FrameHeader>>,
    ask_key: Box<dyn Fn()>,
    give_up: Box<dyn Fn()>,
}

/// The H.264 decoder of one live view.
pub struct H264Path {
    state: Rc<State>,
    init: VideoDecoderInit,
    _output: Closure<dyn FnMut(VideoFrame)>,
    _error: Closure<dyn FnMut(JsValue)>,
}

impl H264Path {
    /// Paints on `picture`; calls `ask_key` to have the server send a key
    /// frame now, and `give_up` when decoding keeps failing.
    pub fn new(
        picture: Rc<Picture>,
        ask_key: impl Fn() + 'static,
        give_up: impl Fn() + 'static,
    ) -> Self {
        let state = Rc::new(State {
            picture,
            active: RefCell::new(None),
            need_key: Cell::new(true),
            broken: Cell::new(false),
            failures: Cell::new(0),
            gave_up: Cell::new(false),
            asked_at: Cell::new(f64::NEG_INFINITY),
            in_flight: RefCell::new(VecDeque::new()),
            ask_key: Box::new(ask_key),
            give_up: Box::new(give_up),
        });
        // The callbacks live as long as this path, across decoders, so no
        // callback ever runs after its closure was dropped.
        let weak = Rc::downgrade(&state);
        let output = Closure::<dyn FnMut(VideoFrame)>::new(move |frame: VideoFrame| {
            if let Some(state) = weak.upgrade() {
                state.show(&frame);
            }
            frame.close();
        });
        let weak = Rc::downgrade(&state);
        let error = Closure::<dyn FnMut(JsValue)>::new(move |err: JsValue| {
            if let Some(state) = weak.upgrade() {
                state.failed(&describe(&err));
            }
        });
        let init = VideoDecoderInit::new(
            error.as_ref().unchecked_ref(),
            output.as_ref().unchecked_ref(),
        );
        H264Path {
            state,
            init,
            _output: output,
            _error: error,
        }
    }

    /// Takes one access unit.
    pub fn offer(&self, frame: Frame) {
        let state = &self.state;
        if state.gave_up.get() {
            return;
        }
        if state.picture.is_paused() {
            state.need_key.set(true);
            return;
        }
        let header = frame.header;
        if header.key {
            if let Err(err) = self.prepare(&frame) {
                state.failed(&err);
                return;
            }
            state.need_key.set(false);
        } else if state.need_key.get() {
            state.ask_for_key();
            return;
        }
        let kind = if header.key {
            EncodedVideoChunkType::Key
        } else {
            EncodedVideoChunkType::Delta
        };
        // The borrow ends before `failed`, which replaces the decoder.
        let decoded = {
            let active = state.active.borrow();
            let Some(active) = active.as_ref() else {
                return;
            };
            if !header.key && active.decoder.decode_queue_size() > MAX_QUEUED {
                // Fell behind: what waits is stale; start again at a key frame.
                state.need_key.set(true);
                state.ask_for_key();
                return;
            }
            let init = EncodedVideoChunkInit::new_with_u8_array(&frame.payload(), 0, kind);
            init.set_timestamp_f64(header.captured_us as f64);
            EncodedVideoChunk::new(&init).and_then(|c| active.decoder.decode(&c))
        };
        match decoded {
            Ok(()) => {
                let mut in_flight = state.in_flight.borrow_mut();
                if in_flight.len() == MAX_IN_FLIGHT {
                    in_flight.pop_front();
                }
                in_flight.push_back(header);
            }
            Err(err) => state.failed(&describe(&err)),
        }
    }

    /// Makes the decoder ready for the key frame `frame`: keeps it when it
    /// is configured for the same codec and size and not behind; resets
    /// it when it is behind; configures it anew when the codec or size
    /// changed; replaces it when it broke.
    fn prepare(&self, frame: &Frame) -> Result<(), String> {
        let state = &self.state;
        let header = frame.header;
        let head = frame.payload_head(SPS_SEARCH);
        let codec = shared::h264::codec_string(&head)
            .or_else(|| state.active.borrow().as_ref().map(|a| a.codec.clone()))
            .ok_or("key frame without a sequence parameter set")?;
        let mut slot = state.active.borrow_mut();
        if state.broken.replace(false)
            && let Some(broken) = slot.take()
        {
            broken.close();
        }
        if let Some(active) = slot.take() {
            let same = active.codec == codec
                && (active.width, active.height) == (header.width, header.height);
            let behind = active.decoder.decode_queue_size() > MAX_QUEUED;
            match active.decoder.state() {
                CodecState::Configured if same && !behind => {
                    *slot = Some(active);
                    return Ok(());
                }
                // Closed by the browser: replaced below.
                CodecState::Closed => {}
                _ => {
                    if behind {
                        // Drop the stale backlog; reconfigured below.
                        active.decoder.reset().map_err(|e| describe(&e))?;
                    }
                    *slot = Some(active);
                }
            }
        }
        let decoder = match slot.take() {
            Some(active) => active.decoder,
            None => VideoDecoder::new(&self.init).map_err(|e| describe(&e))?,
        };
        let config = VideoDecoderConfig::new(&codec);
        config.set_optimize_for_latency(true);
        config.set_coded_width(u32::from(header.width));
        config.set_coded_height(u32::from(header.height));
        decoder.configure(&config).map_err(|e| describe(&e))?;
        *slot = Some(Active {
            decoder,
            codec,
            width: header.width,
            height: header.height,
        });
        Ok(())
    }
}

impl Drop for H264Path {
    fn drop(&mut self) {
        if let Some(active) = self.state.active.borrow_mut().take() {
            active.close();
        }
    }
}

impl Active {
    fn close(&self) {
        if self.decoder.state() != CodecState::Closed {
            let _ = self.decoder.close();
        }
    }
}

impl State {
    /// Paints a decoded frame (the caller closes it).
    fn show(&self, frame: &VideoFrame) {
        if self.picture.is_paused() {
            return;
        }
        let timestamp = frame.timestamp();
        let header = {
            let mut in_flight = self.in_flight.borrow_mut();
            while in_flight
                .front()
                .is_some_and(|h| (h.captured_us as f64) < timestamp)
            {
                in_flight.pop_front();
            }
            in_flight.pop_front()
        };
        let (width, height) = (frame.display_width(), frame.display_height());
        let painted = self.picture.context(width, height).and_then(|c| {
            c.draw_image_with_video_frame(frame, 0.0, 0.0)
                .map_err(|_| "drawImage failed".to_owned())
        });
        if let Err(err) = painted {
            leptos::logging::warn!("frame not drawn: {err}");
            return;
        }
        self.failures.set(0);
        let sequence = header.map_or(0, |h| h.sequence);
        self.picture.painted(
            sequence,
            timestamp as u64,
            u16::try_from(width).unwrap_or(u16::MAX),
            u16::try_from(height).unwrap_or(u16::MAX),
        );
    }

    /// A decoder error: start again at a key frame with a new decoder, or
    /// give up after too many in a row.
    fn failed(&self, why: &str) {
        if self.gave_up.get() {
            return;
        }
        leptos::logging::warn!("H.264 decoding failed: {why}");
        self.broken.set(true);
        self.need_key.set(true);
        self.in_flight.borrow_mut().clear();
        let failures = self.failures.get() + 1;
        self.failures.set(failures);
        if failures >= GIVE_UP_AFTER {
            self.gave_up.set(true);
            (self.give_up)();
        } else {
            self.ask_for_key();
        }
    }

    /// Has the server send a key frame now, unless that was just asked.
    fn ask_for_key(&self) {
        let now = now_ms();
        if now - self.asked_at.get() >= ASK_EVERY_MS {
            self.asked_at.set(now);
            (self.ask_key)();
        }
    }
}

/// A JavaScript error as text.
fn describe(err: &JsValue) -> String {
    err.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| err.as_string())
        .unwrap_or_else(|| format!("{err:?}"))
}
