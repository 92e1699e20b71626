//! The live view: the canvas with the live picture, and over it what
//! explains it ([`PictureOverlay`]). Pinch, pan and Ctrl + wheel zoom
//! the picture on this screen only; a tap shows or hides the controls
//! ([`Gestures`]). Freezing it (the sheet's Freeze,
//! [`LiveScreen::paused`]) stops painting on this screen only.
//! While mounted it watches the best picture this browser can show
//! ([`crate::live::watch`]: H.264 through WebCodecs, or JPEG) and paints
//! every frame it can ([`crate::live::h264`], [`crate::live::jpeg`]);
//! the canvas says which codec it uses (`data-codec`) and how many frames
//! it painted. Leaving the view (another
//! route) stops the picture and unregisters its frame handler.

use std::rc::Rc;

use leptos::html::Canvas;
use leptos::prelude::*;
use shared::FrameKind;

use crate::components::picture_overlay::PictureOverlay;
use crate::connection::Connection;
use crate::live::figures::LiveFigures;
use crate::live::frame::Frame;
use crate::live::gestures::Gestures;
use crate::live::h264::H264Path;
use crate::live::jpeg::JpegPath;
use crate::live::picture::Picture;
use crate::live::screen::LiveScreen;
use crate::live::watch::Watch;

/// The canvas with the live picture.
#[component]
pub fn LiveView() -> impl IntoView {
    let connection = expect_context::<Connection>();
    let figures = expect_context::<LiveFigures>();
    let canvas = NodeRef::<Canvas>::new();
    let screen = expect_context::<LiveScreen>();
    let (paused, drawn) = (screen.paused, screen.drawn);
    let picture = Rc::new(Picture::new(canvas, paused, drawn, figures, connection));
    let watch = Watch::start(connection, figures);
    let jpeg = Rc::new(JpegPath::new(Rc::clone(&picture)));
    let h264 = H264Path::new(
        picture,
        move || watch.ask_key_frame(),
        move || watch.give_up(),
    );
    connection.on_frame(Rc::new(move |buffer| match Frame::parse(buffer) {
        Ok(frame) if frame.header.kind == FrameKind::H264 => h264.offer(frame),
        Ok(frame) => JpegPath::offer(&jpeg, frame),
        Err(err) => leptos::logging::warn!("unreadable frame: {err}"),
    }));
    // The status bar outlives this view (other routes): no frames, no rate.
    on_cleanup(move || figures.clear());

    let has_picture = move || drawn.get().count > 0;
    let gestures = Gestures::new(screen);
    let zoom = screen.zoom;
    let codec = move || figures.codec.get().map(|c| c.as_str());
    view! {
        <section
            class="live"
            class:stale=move || connection.stale().get()
            data-testid="live"
            data-stale=move || connection.stale().get().to_string()
        >
            <div
                class="frame"
                class:empty=move || !has_picture()
                on:pointerdown=move |ev| gestures.down(&ev)
                on:pointermove=move |ev| gestures.moved(&ev)
                on:pointerup=move |ev| gestures.up(&ev)
                on:pointercancel=move |ev| gestures.up(&ev)
                on:wheel=move |ev| gestures.wheel(&ev)
            >
                <canvas
                    node_ref=canvas
                    data-testid="live-view"
                    aria-label="Live camera picture"
                    data-codec=codec
                    data-sequence=move || drawn.get().sequence.to_string()
                    data-frames=move || drawn.get().count.to_string()
                    width="1280"
                    height="720"
                    style:transform=move || zoom.with(|z| z.zoomed().then(|| z.css()))
                ></canvas>
                <PictureOverlay/>
            </div>
        </section>
    }
}
