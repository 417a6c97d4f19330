//! The server's clock, as the browser can know it: every view the server sends carries its
//! `server_time`, and its difference from the page's own monotonic clock (`performance.now()`)
//! when it arrived is the offset. Countdowns and tier windows read [`now_ms`], so a phone set
//! ten minutes wrong, or set right in the middle of a countdown, still opens a tier at the
//! second the server does: the monotonic clock is never set, only the wall clock is.
//!
//! A sample is late by the trip it took, so the largest offset seen is the truest (a frame
//! delivered late only gives a smaller one, which is ignored). `www/live.js` measures the
//! page's own first sample (from the navigation's timing) into `window.tribefundClock`,
//! against the same monotonic clock, which seeds this one at hydration. Before any sample,
//! the browser's own clock is all there is.

use domain::Moment;
use std::cell::Cell;

thread_local! {
    static OFFSET: Cell<Option<f64>> = const { Cell::new(None) };
}

/// Takes the server's `time` as received when the page's monotonic clock read `local` (ms).
pub fn observe(time: Option<Moment>, local: f64) {
    let Some(time) = time else { return };
    let sample = time.millis() as f64 - local;
    OFFSET.with(|offset| offset.set(Some(offset.get().map_or(sample, |best: f64| best.max(sample)))));
}

/// The page's monotonic clock, in milliseconds since it was opened.
pub fn local() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or_else(js_sys::Date::now, |p| p.now())
}

/// The page's own sample, measured by `www/live.js` before the wasm arrived.
fn seed() {
    if OFFSET.with(Cell::get).is_some() {
        return;
    }
    let seeded = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"tribefundClock".into()).ok())
        .and_then(|clock| js_sys::Reflect::get(&clock, &"offset".into()).ok())
        .and_then(|offset| offset.as_f64());
    if let Some(offset) = seeded {
        OFFSET.with(|o| o.set(Some(offset)));
    }
}

/// The server's clock now, in milliseconds since the epoch, as best the browser knows it.
pub fn now_ms() -> f64 {
    seed();
    match OFFSET.with(Cell::get) {
        Some(offset) => local() + offset,
        None => js_sys::Date::now(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offset() -> Option<f64> {
        OFFSET.with(Cell::get)
    }

    #[test]
    fn the_quickest_sample_wins_and_a_late_one_changes_nothing() {
        OFFSET.with(|o| o.set(None));
        // The page opened 2 s ago by its monotonic clock; the server reads 1,000,000 ms.
        observe(Some(Moment::from_millis(1_000_000)), 2_000.0 + 80.0);
        assert_eq!(offset(), Some(998_000.0 - 80.0));
        // A quicker trip: a larger offset, nearer the truth.
        observe(Some(Moment::from_millis(1_001_000)), 3_000.0 + 20.0);
        assert_eq!(offset(), Some(998_000.0 - 20.0));
        // A frame delivered seconds late reads as a smaller offset: ignored.
        observe(Some(Moment::from_millis(1_002_000)), 4_000.0 + 6_000.0);
        assert_eq!(offset(), Some(998_000.0 - 20.0));
        observe(None, 0.0);
        assert_eq!(offset(), Some(998_000.0 - 20.0));
    }
}
