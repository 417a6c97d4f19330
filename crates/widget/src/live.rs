//! The live connection behind [`crate::hooks::use_live_progress`].
//!
//! While the page is visible: an `EventSource` on `/api/v1/campaigns/{id}/events?v=2`,
//! whose first event is the whole view and the rest compact changes applied to it
//! (`domain::delta::apply`). When it
//! closes with an error, reconnect with exponential backoff (1 s doubling to 30 s); after
//! repeated failures without a single event (a proxy that buffers the stream, an in-app
//! browser with a broken EventSource), fall back to polling the JSON endpoint. When the
//! page is hidden, everything stops; when it shows again, it reconnects and the first
//! event brings it up to date.

use domain::delta::ProgressDelta;
use domain::wire::CampaignView;
use gloo_events::EventListener;
use gloo_timers::callback::{Interval, Timeout};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{EventSource, MessageEvent, VisibilityState};
use yew::Callback;

const POLL_MS: u32 = 5_000;
const MAX_BACKOFF_MS: u32 = 30_000;
/// Errors in a row, with no event between, before the stream is given up for polling.
const FAILURES_BEFORE_POLLING: u32 = 4;

/// Stops everything when dropped.
pub(crate) struct Live {
    inner: Rc<RefCell<Inner>>,
    _visibility: Option<EventListener>,
}

struct Inner {
    id: String,
    on_update: Callback<CampaignView>,
    source: Option<(EventSource, [EventListener; 3])>,
    /// The view the stream's changes apply to.
    last: Option<CampaignView>,
    poll: Option<Interval>,
    retry: Option<Timeout>,
    failures: u32,
    polling: bool,
}

impl Live {
    pub(crate) fn start(id: &str, on_update: Callback<CampaignView>) -> Live {
        let has_event_source = web_sys::window()
            .is_some_and(|w| js_sys::Reflect::has(&w, &"EventSource".into()).unwrap_or(false));
        let inner = Rc::new(RefCell::new(Inner {
            id: id.to_owned(),
            on_update,
            source: None,
            last: None,
            poll: None,
            retry: None,
            failures: 0,
            polling: !has_event_source,
        }));
        let visibility = web_sys::window().and_then(|w| w.document()).map(|document| {
            let inner = inner.clone();
            EventListener::new(&document, "visibilitychange", move |_| {
                if visible() { connect(&inner) } else { stop(&inner) }
            })
        });
        connect(&inner);
        Live { inner, _visibility: visibility }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        stop(&self.inner);
    }
}

fn visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.visibility_state() != VisibilityState::Hidden)
}

fn stop(inner: &Rc<RefCell<Inner>>) {
    let mut state = inner.borrow_mut();
    if let Some((source, _)) = state.source.take() {
        source.close();
    }
    state.last = None;
    state.poll = None;
    state.retry = None;
}

fn connect(inner: &Rc<RefCell<Inner>>) {
    stop(inner);
    if !visible() {
        return;
    }
    let (polling, id) = {
        let state = inner.borrow();
        (state.polling, state.id.clone())
    };
    if polling {
        poll_now(inner);
        let weak = Rc::downgrade(inner);
        inner.borrow_mut().poll = Some(Interval::new(POLL_MS, move || {
            if let Some(inner) = weak.upgrade() {
                poll_now(&inner);
            }
        }));
        return;
    }
    let Ok(source) = EventSource::new(&format!("/api/v1/campaigns/{id}/events?v=2")) else {
        inner.borrow_mut().polling = true;
        return connect(inner);
    };
    let listen = |name: &'static str| {
        let weak = Rc::downgrade(inner);
        EventListener::new(&source, name, move |event| {
            let Some(inner) = weak.upgrade() else { return };
            let data = event.dyn_ref::<MessageEvent>().and_then(|m| m.data().as_string()).unwrap_or_default();
            received(&inner, name, &data);
        })
    };
    let listeners = [listen("progress"), listen("delta")];
    let weak = Rc::downgrade(inner);
    let on_error = EventListener::new(&source, "error", move |_| {
        if let Some(inner) = weak.upgrade() {
            failed(&inner);
        }
    });
    let [progress, delta] = listeners;
    inner.borrow_mut().source = Some((source, [progress, delta, on_error]));
}

/// One event of the stream: a whole view, or a change to the last one.
fn received(inner: &Rc<RefCell<Inner>>, event: &str, data: &str) {
    let view = match event {
        "progress" => crate::json::from_text::<CampaignView>(data),
        _ => crate::json::from_text::<ProgressDelta>(data).and_then(|change| {
            let mut view = inner.borrow().last.clone()?;
            domain::delta::apply(&mut view, &change);
            Some(view)
        }),
    };
    let Some(view) = view else {
        // Nothing to apply changes to any more: a change that cannot be applied asks for a
        // whole view again, which a new connection starts with.
        inner.borrow_mut().last = None;
        if event == "delta" {
            connect(inner);
        }
        return;
    };
    crate::clock::observe(view.server_time, crate::clock::local());
    let on_update = {
        let mut state = inner.borrow_mut();
        state.failures = 0;
        state.last = Some(view.clone());
        state.on_update.clone()
    };
    on_update.emit(view);
}

/// The stream failed: the browser retries by itself while the source is CONNECTING; when
/// it gave up (CLOSED), or after too many failures in a row, we take over.
fn failed(inner: &Rc<RefCell<Inner>>) {
    let (failures, closed) = {
        let mut state = inner.borrow_mut();
        state.failures += 1;
        let closed = state.source.as_ref().is_some_and(|(s, _)| s.ready_state() == EventSource::CLOSED);
        (state.failures, closed)
    };
    if failures >= FAILURES_BEFORE_POLLING {
        inner.borrow_mut().polling = true;
        connect(inner);
    } else if closed {
        stop(inner);
        let delay = (1_000u32 << (failures - 1).min(5)).min(MAX_BACKOFF_MS);
        let weak = Rc::downgrade(inner);
        inner.borrow_mut().retry = Some(Timeout::new(delay, move || {
            if let Some(inner) = weak.upgrade() {
                connect(&inner);
            }
        }));
    }
}

fn poll_now(inner: &Rc<RefCell<Inner>>) {
    let (id, on_update) = {
        let state = inner.borrow();
        (state.id.clone(), state.on_update.clone())
    };
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(view) = crate::services::campaign(&id).await {
            // Timed as it arrived, like an event: a lower bound, as the clock's rule wants.
            crate::clock::observe(view.server_time, crate::clock::local());
            on_update.emit(view);
        }
    });
}
