//! Hooks that tie the widget to time and to the server: live progress and animated numbers.
//! Their effects run only in the browser; on the server they render the value as given.

use crate::live::Live;
use domain::wire::CampaignView;
use gloo_timers::callback::Interval;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// The campaign as the widget shows it; newer snapshots replace older ones, never the
/// other way round, whichever path (pledge answer, event stream, poll) brings them.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignState(pub Rc<CampaignView>);

impl Reducible for CampaignState {
    type Action = CampaignView;

    fn reduce(self: Rc<Self>, next: CampaignView) -> Rc<Self> {
        if next.seq < self.0.seq || (next.seq == self.0.seq && next == *self.0) {
            self
        } else {
            Rc::new(CampaignState(Rc::new(next)))
        }
    }
}

/// Keeps `campaign` current while the page is visible: Server-Sent Events with reconnects,
/// or polling where EventSource is missing or keeps failing.
#[hook]
pub fn use_live_progress(campaign: UseReducerHandle<CampaignState>) {
    let id = campaign.0.id.clone();
    use_effect_with(id, move |id| {
        let dispatcher = campaign.dispatcher();
        let live = Live::start(id, Callback::from(move |view| dispatcher.dispatch(view)));
        move || drop(live)
    });
}

/// Unix seconds: `rendered` (the server's clock, so hydration matches) until the page is
/// hydrated, then the server's clock as the browser knows it ([`crate::clock`]). It is read
/// four times a second and changes on the second, so a countdown and a tier's window turn
/// within a quarter second of the server's.
#[hook]
pub fn use_clock(rendered: i64) -> i64 {
    let now = use_state_eq(|| rendered);
    {
        let now = now.clone();
        use_effect_with((), move |_| {
            let tick = move || now.set((crate::clock::now_ms() / 1000.0).floor() as i64);
            tick();
            let interval = Interval::new(250, tick);
            move || drop(interval)
        });
    }
    *now
}

/// Whether the reader asked for less motion (`prefers-reduced-motion: reduce`).
fn reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-reduced-motion: reduce)").ok().flatten())
        .is_some_and(|query| query.matches())
}

/// A number that glides to its new value over about half a second when it changes (at
/// once for a reader who asked for less motion).
#[hook]
pub fn use_tween(target: i64) -> i64 {
    let shown = use_state_eq(|| target);
    {
        let shown = shown.clone();
        use_effect_with(target, move |&target| {
            let from = *shown;
            let timer: Rc<RefCell<Option<Interval>>> = Rc::default();
            if from != target && reduced_motion() {
                shown.set(target);
            } else if from != target {
                let start = js_sys::Date::now();
                let own = timer.clone();
                *timer.borrow_mut() = Some(Interval::new(30, move || {
                    let t = ((js_sys::Date::now() - start) / 600.0).min(1.0);
                    let eased = 1.0 - (1.0 - t) * (1.0 - t);
                    shown.set(from + ((target - from) as f64 * eased).round() as i64);
                    if t >= 1.0 {
                        // Dropping an interval from its own tick is safe: wasm-bindgen frees
                        // the closure once the tick returns.
                        own.borrow_mut().take();
                    }
                }));
            }
            move || drop(timer.borrow_mut().take())
        });
    }
    *shown
}
