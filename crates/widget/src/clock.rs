//! The server's clock, as the browser can know it: every view the server sends carries its
//! `server_time`, and the difference from the browser's own clock when it arrived is the
//! offset added to `Date.now()`. Countdowns and tier windows read [`now_ms`], so a phone set
//! ten minutes wrong still opens a tier at the second the server does.
//!
//! A sample is late by the trip it took, so the largest offset seen is the truest; a sample
//! more than five seconds from it means the browser's clock was set meanwhile, and starts
//! over. `www/live.js` measures the page's own first sample (from the navigation's timing)
//! into `window.tribefundClock`, which seeds this one at hydration.

use domain::Moment;
use std::cell::Cell;

thread_local! {
    static OFFSET: Cell<Option<f64>> = const { Cell::new(None) };
}

/// How far a sample may fall below the best one before it is taken as a clock change.
const JUMP_MS: f64 = 5_000.0;

/// Takes the server's `time` as received when the browser's clock read `local` (ms).
pub fn observe(time: Option<Moment>, local: f64) {
    let Some(time) = time else { return };
    let sample = time.millis() as f64 - local;
    OFFSET.with(|offset| {
        let next = match offset.get() {
            Some(best) if sample > best || best - sample > JUMP_MS => sample,
            Some(best) => best,
            None => sample,
        };
        offset.set(Some(next));
    });
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
    js_sys::Date::now() + OFFSET.with(Cell::get).unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offset() -> Option<f64> {
        OFFSET.with(Cell::get)
    }

    #[test]
    fn the_quickest_sample_wins_until_the_browsers_clock_jumps() {
        OFFSET.with(|o| o.set(None));
        observe(Some(Moment::from_millis(600_000 + 1_000)), 1_000.0 - 80.0);
        assert_eq!(offset(), Some(600_080.0));
        // A slower trip reads as a smaller offset: the better sample stays.
        observe(Some(Moment::from_millis(600_000 + 2_000)), 2_000.0 - 40.0);
        assert_eq!(offset(), Some(600_080.0));
        observe(Some(Moment::from_millis(600_000 + 3_000)), 3_000.0 - 95.0);
        assert_eq!(offset(), Some(600_095.0));
        // The phone's clock was put right: ten minutes less to add.
        observe(Some(Moment::from_millis(600_000 + 4_000)), 604_000.0 - 50.0);
        assert_eq!(offset(), Some(50.0));
        observe(None, 0.0);
        assert_eq!(offset(), Some(50.0));
    }
}
