//! What viewers of a campaign are sent: frames, at most four a second.
//!
//! Every change to a campaign's snapshot (a batch committed, an edit, the clock) asks for a
//! frame; a frame is made at once if the last one is 250 ms old, else once it is, from the
//! snapshot of that moment. However fast pledges commit, a viewer gets at most four events
//! a second, and the last state always arrives.
//!
//! A frame is serialised once for every viewer, stamped with the server's clock as it is
//! made, in two forms: the full view (`event: progress`) and, when the previous frame's
//! view can be brought to this one by numbers alone, the compact change from it (`event:
//! delta`, `domain::delta`). A viewer that asked for changes (`?v=2`) and was sent the
//! previous frame gets the change; one that skipped frames, or a widget cached from before
//! changes existed, gets the full view.

use super::{Entry, Snapshot};
use bytes::Bytes;
use domain::wire::CampaignView;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// The shortest time between two frames of one campaign.
pub const FRAME_INTERVAL: Duration = Duration::from_millis(250);

#[derive(Debug)]
pub struct Frame {
    /// Counts the campaign's frames: a viewer that sent frame `no - 1` may send this
    /// frame's change.
    pub no: u64,
    /// `event: progress`: the whole view.
    pub full: Bytes,
    /// `event: delta`: the change from frame `no - 1`, when numbers alone say it.
    pub delta: Option<Bytes>,
    /// The view sent, to make the next frame's change from.
    view: CampaignView,
    snapshot: Arc<Snapshot>,
}

impl Frame {
    /// Frame `no`, showing `snapshot` whole, stamped with this instant's clock.
    pub(super) fn showing(snapshot: Arc<Snapshot>, no: u64) -> Frame {
        let at = crate::moment();
        let view = CampaignView { server_time: Some(at), ..snapshot.view.clone() };
        let full = sse_frame(view.seq, "progress", &stamp(&snapshot.json, at));
        Frame { no, full, delta: None, view, snapshot }
    }

    /// The frame after `self`, showing `snapshot`, with the change from `self` when numbers
    /// alone say it.
    fn next(&self, snapshot: Arc<Snapshot>) -> Frame {
        let mut frame = Frame::showing(snapshot, self.no + 1);
        frame.delta = domain::delta::delta(&self.view, &frame.view).map(|change| {
            let json = serde_json::to_vec(&change).expect("a change always serialises");
            sse_frame(frame.view.seq, "delta", &json)
        });
        frame
    }

    /// The campaign's `seq` this frame shows.
    pub fn seq(&self) -> u64 {
        self.view.seq
    }

    /// The whole view stamped with this instant: the first event a viewer is sent.
    pub fn fresh(&self) -> Bytes {
        self.snapshot.stamped_sse()
    }
}

/// When a campaign's last frame was made, and whether the next is already due.
#[derive(Debug, Default)]
pub(super) struct Pacer {
    last: Option<Instant>,
    due: bool,
}

pub(super) type Paced = Mutex<Pacer>;

impl Entry {
    /// Makes a frame of the current snapshot now, or once the last is [`FRAME_INTERVAL`]
    /// old (see the header).
    pub(super) fn pace(self: &Arc<Self>) {
        let wait = {
            let mut pacer = self.pacer.lock().unwrap_or_else(|e| e.into_inner());
            if pacer.due {
                return;
            }
            let wait =
                pacer.last.map_or(Duration::ZERO, |last| FRAME_INTERVAL.saturating_sub(last.elapsed()));
            if wait.is_zero() {
                pacer.last = Some(Instant::now());
            } else {
                pacer.due = true;
            }
            wait
        };
        if wait.is_zero() {
            return self.emit();
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime to wait on (a plain test): the frame goes now, and none is due.
            self.pacer.lock().unwrap_or_else(|e| e.into_inner()).due = false;
            return self.emit();
        };
        let entry = self.clone();
        runtime.spawn(async move {
            tokio::time::sleep(wait).await;
            {
                let mut pacer = entry.pacer.lock().unwrap_or_else(|e| e.into_inner());
                pacer.due = false;
                pacer.last = Some(Instant::now());
            }
            entry.emit();
        });
    }

    /// Makes the frame of the current snapshot, unless the last frame shows it already. The
    /// snapshot is read under the frames' lock, so two emits racing each other (one late
    /// from a descheduled thread) both end on the newest snapshot, never an older one.
    fn emit(&self) {
        self.frames.send_if_modified(|last| {
            let snapshot = self.snapshot.borrow().clone();
            if Arc::ptr_eq(&last.snapshot, &snapshot) {
                return false;
            }
            *last = Arc::new(last.next(snapshot));
            true
        });
    }
}

/// A view's JSON (`{"id":…}`) with `"server_time"` put first. The hub keeps each view's
/// JSON without it and stamps it as it is sent, so the time is that of the answer.
pub(super) fn stamp(json: &[u8], at: domain::Moment) -> Vec<u8> {
    let mut stamped = Vec::with_capacity(json.len() + 44);
    stamped.extend_from_slice(format!("{{\"server_time\":\"{at}\",").as_bytes());
    stamped.extend_from_slice(json.strip_prefix(b"{").unwrap_or(json));
    stamped
}

/// One event. JSON from serde_json has no raw newlines, so it is one `data:` line.
pub(super) fn sse_frame(seq: u64, event: &str, json: &[u8]) -> Bytes {
    let mut sse = Vec::with_capacity(json.len() + 40);
    sse.extend_from_slice(format!("id: {seq}\nevent: {event}\ndata: ").as_bytes());
    sse.extend_from_slice(json);
    sse.extend_from_slice(b"\n\n");
    Bytes::from(sse)
}

#[cfg(test)]
mod tests {
    use super::super::Hub;
    use super::*;
    use domain::progress::Counts;
    use domain::{Campaign, Timestamp};

    fn campaign() -> Campaign {
        Campaign::new(crate::demo::campaign(Timestamp::from_unix(1_000))).unwrap()
    }

    fn counts(seq: u64) -> Counts {
        Counts { seq, raised: seq as i64 * 100, backers: seq, ..Counts::default() }
    }

    #[tokio::test(start_paused = true)]
    async fn a_second_of_commits_reaches_viewers_as_four_frames_ending_on_the_last() {
        let now = Timestamp::from_unix(2_000);
        let entry = Hub::default().insert(campaign(), "demo", counts(0), now);
        for seq in 1..=100 {
            entry.publish(counts(seq), now);
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(FRAME_INTERVAL + Duration::from_millis(1)).await;
        let last = entry.frames().borrow().clone();
        assert_eq!(last.seq(), 100, "the last state arrives");
        assert!((4..=5).contains(&last.no), "{} frames in a second of commits", last.no);
        let delta = std::str::from_utf8(last.delta.as_deref().expect("numbers alone moved")).unwrap();
        assert!(delta.starts_with("id: 100\nevent: delta\ndata: {\"seq\":100,\"server_time\":"), "{delta}");
        assert!(delta.len() * 4 < last.full.len(), "{} bytes against {}", delta.len(), last.full.len());
    }

    #[tokio::test(start_paused = true)]
    async fn a_commit_after_a_quiet_spell_is_sent_at_once() {
        let now = Timestamp::from_unix(2_000);
        let entry = Hub::default().insert(campaign(), "demo", counts(0), now);
        tokio::time::sleep(Duration::from_secs(1)).await;
        entry.publish(counts(1), now);
        assert_eq!(entry.frames().borrow().seq(), 1, "no wait when the last frame is old");
        entry.publish(counts(2), now);
        assert_eq!(entry.frames().borrow().seq(), 1, "the next waits for its turn");
        tokio::time::sleep(FRAME_INTERVAL + Duration::from_millis(1)).await;
        assert_eq!(entry.frames().borrow().seq(), 2);
    }
}
