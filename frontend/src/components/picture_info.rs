//! "On this screen": the live picture's own figures, under the sheet's
//! Freeze button: the size painted, the measured frame rate, the codec in
//! use (with the reason when it is the JPEG fallback) and the latency from
//! capture to paint (median and 95th percentile over the last few
//! seconds). They change every second, so they sit outside every live
//! region.

use leptos::prelude::*;

use crate::decimal::fixed;
use crate::live::figures::LiveFigures;
use crate::live::latency::Percentiles;
use crate::live::screen::LiveScreen;

/// The figures of the picture on this screen.
#[component]
pub fn PictureInfo() -> impl IntoView {
    let figures = expect_context::<LiveFigures>();
    let drawn = expect_context::<LiveScreen>().drawn;
    let codec = figures.codec;
    let latency = figures.latency;
    // Whole milliseconds, as text for the data attributes.
    let ms = move |pick: fn(&Percentiles) -> f64| move || latency.get().map(|p| fixed(pick(&p), 0));
    view! {
        <p class="picture-info">
            <span class="figure" data-testid="resolution">
                {move || {
                    let d = drawn.get();
                    if d.count == 0 { String::new() } else { format!("{}×{}", d.width, d.height) }
                }}
            </span>
            <span class="figure" data-testid="fps">
                {move || fixed(figures.fps.get(), 1) + " fps"}
            </span>
            <Show when=move || codec.with(Option::is_some)>
                <span
                    class="figure"
                    data-testid="codec"
                    data-codec=move || codec.get().map(|c| c.as_str())
                >
                    {move || codec.get().map(|c| c.label())}
                </span>
            </Show>
            <Show when=move || latency.with(Option::is_some)>
                <span
                    class="figure"
                    data-testid="latency"
                    data-latency-p50=ms(|p| p.p50)
                    data-latency-p95=ms(|p| p.p95)
                    title="From capture on the camera to the picture painted here"
                >
                    {move || {
                        latency
                            .get()
                            .map(|p| format!("latency p50 {} ms · p95 {} ms", fixed(p.p50, 0), fixed(p.p95, 0)))
                    }}
                </span>
            </Show>
        </p>
    }
}
