//! The live hub: every campaign's current snapshot, in memory and already serialised.
//!
//! Reads of progress (the JSON endpoint, the server-rendered pages) are answered from here
//! and never touch the database. The store's writer publishes new counts after each commit;
//! each campaign's snapshot sits in a `watch` channel, so a viewer that falls behind simply
//! sees the latest one.
//!
//! An entry, once made, stays for the life of the process: viewers are subscribed to its
//! channel. What is published replaces a part of it only when newer: the counts by `seq`,
//! the definition by revision, so racing publishers never move a viewer backwards.
//!
//! The clock moves a view on too: a campaign starts or ends, a tier's window opens or
//! closes. [`spawn_clock`] publishes each campaign at that instant, on every replica (each
//! runs its own, with no pledge needed to trigger it), so every open viewer hears the moment
//! with the server's time in it.

use bytes::Bytes;
use domain::progress::{self, Counts};
use domain::wire::CampaignView;
use domain::{Campaign, Timestamp};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tokio::sync::watch;

mod frames;
pub use frames::{FRAME_INTERVAL, Frame};
use frames::{sse_frame, stamp};

/// A campaign's definition and numbers at one `seq`, as a view and as the JSON bytes sent
/// to clients (stamped with the clock as they go). Serialised once, shared by all.
#[derive(Debug)]
pub struct Snapshot {
    pub campaign: Arc<Campaign>,
    /// The stored revision of `campaign` (`counts.revision` may be ahead of it, when a
    /// pledge batch here committed after an edit made on another replica).
    pub revision: u64,
    pub view: CampaignView,
    pub json: Bytes,
    pub counts: Counts,
    /// When the view's time-dependent status next changes; the snapshot is rebuilt then.
    stale_at: Option<Timestamp>,
}

/// What the hub knows of one campaign.
#[derive(Debug)]
pub struct Entry {
    /// The site the campaign belongs to.
    pub site: String,
    snapshot: watch::Sender<Arc<Snapshot>>,
    /// What viewers are sent, paced (`frames.rs`).
    frames: watch::Sender<Arc<Frame>>,
    pacer: frames::Paced,
}

impl Entry {
    /// The current snapshot, rebuilt first if the clock has moved its status on.
    pub fn snapshot(self: &Arc<Self>, now: Timestamp) -> Arc<Snapshot> {
        let current = self.snapshot.borrow().clone();
        match current.stale_at {
            Some(at) if now >= at => {
                let fresh =
                    Arc::new(build(current.campaign.clone(), current.revision, current.counts.clone(), now));
                let rebuilt = self.snapshot.send_if_modified(|s| {
                    // Only over the snapshot it was rebuilt from: an edit or counts published
                    // meanwhile win.
                    let newer = Arc::ptr_eq(s, &current);
                    if newer {
                        *s = fresh.clone();
                    }
                    newer
                });
                if !rebuilt {
                    // Something newer landed meanwhile: that is the snapshot.
                    return self.snapshot.borrow().clone();
                }
                self.pace();
                fresh
            }
            _ => current,
        }
    }

    /// Subscribes to what this campaign's viewers are sent: frames, paced.
    pub fn frames(&self) -> watch::Receiver<Arc<Frame>> {
        self.frames.subscribe()
    }

    /// Publishes new counts under the definition the entry has. Older counts (a lower
    /// `seq`) than the current ones are ignored, so publishers racing each other can never
    /// move a viewer backwards.
    pub fn publish(self: &Arc<Self>, counts: Counts, now: Timestamp) {
        let published = self.snapshot.send_if_modified(|s| {
            if counts.seq <= s.counts.seq {
                return false;
            }
            *s = Arc::new(build(s.campaign.clone(), s.revision, counts, now));
            true
        });
        if published {
            self.pace();
        }
    }

    /// Publishes a definition read with its counts (an edit, or a reload). Each part
    /// replaces the entry's only if it is newer: the definition by revision, the counts
    /// by `seq`.
    pub fn redefine(self: &Arc<Self>, campaign: Campaign, counts: Counts, now: Timestamp) {
        let redefined = self.snapshot.send_if_modified(|s| {
            let newer_definition = counts.revision > s.revision;
            let newer_counts = counts.seq > s.counts.seq;
            if !newer_definition && !newer_counts {
                return false;
            }
            let (campaign, revision) = if newer_definition {
                (Arc::new(campaign), counts.revision)
            } else {
                (s.campaign.clone(), s.revision)
            };
            let counts = if newer_counts { counts } else { s.counts.clone() };
            *s = Arc::new(build(campaign, revision, counts, now));
            true
        });
        if redefined {
            self.pace();
        }
    }
}

impl Snapshot {
    /// The view with the server's clock of this instant (`server_time`).
    pub fn stamped_view(&self) -> CampaignView {
        CampaignView { server_time: Some(crate::moment()), ..self.view.clone() }
    }

    /// The JSON with the server's clock of this instant.
    pub fn stamped_json(&self) -> Bytes {
        Bytes::from(stamp(&self.json, crate::moment()))
    }

    /// The `progress` event with the server's clock of this instant: a stream's first
    /// event, whose snapshot may have been built long before.
    pub fn stamped_sse(&self) -> Bytes {
        sse_frame(self.view.seq, "progress", &stamp(&self.json, crate::moment()))
    }
}

fn build(campaign: Arc<Campaign>, revision: u64, counts: Counts, now: Timestamp) -> Snapshot {
    let view = progress::view(&campaign, &counts, now);
    let json = serde_json::to_vec(&view).expect("a campaign view always serialises");
    let stale_at = if counts.cancelled { None } else { progress::next_change(&campaign, now) };
    Snapshot { campaign, revision, view, json: Bytes::from(json), counts, stale_at }
}

/// Every campaign's entry, and every site's framing policy.
#[derive(Debug, Default)]
pub struct Hub {
    campaigns: RwLock<HashMap<String, Arc<Entry>>>,
    /// Site id to its `frame-ancestors` source list.
    sites: RwLock<HashMap<String, Arc<str>>>,
}

impl Hub {
    pub fn get(&self, id: &str) -> Option<Arc<Entry>> {
        self.campaigns.read().unwrap_or_else(|e| e.into_inner()).get(id).cloned()
    }

    /// Adds a campaign of `site` with its current counts. A campaign the hub has already
    /// keeps its entry (viewers are subscribed to it) and only takes what is newer:
    /// start-up, the creating request and another replica's notification may all add it.
    pub fn insert(&self, campaign: Campaign, site: &str, counts: Counts, now: Timestamp) -> Arc<Entry> {
        let mut campaigns = self.campaigns.write().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = campaigns.get(campaign.id().as_str()) {
            entry.redefine(campaign, counts, now);
            return entry.clone();
        }
        let revision = counts.revision;
        let first = Arc::new(build(Arc::new(campaign), revision, counts, now));
        let (frames, _) = watch::channel(Arc::new(Frame::showing(first.clone(), 0)));
        let (snapshot, _) = watch::channel(first);
        let entry = Arc::new(Entry { site: site.to_owned(), snapshot, frames, pacer: Default::default() });
        let id = entry.snapshot.borrow().campaign.id().to_string();
        campaigns.insert(id, entry.clone());
        entry
    }

    /// Every campaign that has ended by `now` and was not cancelled.
    pub fn ended(&self, now: Timestamp) -> Vec<Arc<Campaign>> {
        let campaigns = self.campaigns.read().unwrap_or_else(|e| e.into_inner());
        campaigns
            .values()
            .map(|e| e.snapshot.borrow().clone())
            .filter(|s| s.campaign.ends_at() <= now && !s.counts.cancelled)
            .map(|s| s.campaign.clone())
            .collect()
    }

    /// The campaigns whose views the clock has changed by `now`, and the soonest instant
    /// another one's will change, in one pass.
    fn due(&self, now: Timestamp) -> (Vec<Arc<Entry>>, Option<Timestamp>) {
        let campaigns = self.campaigns.read().unwrap_or_else(|e| e.into_inner());
        let mut due = Vec::new();
        let mut next: Option<Timestamp> = None;
        for entry in campaigns.values() {
            match entry.snapshot.borrow().stale_at {
                Some(at) if at <= now => due.push(entry.clone()),
                Some(at) => next = Some(next.map_or(at, |n| n.min(at))),
                None => {}
            }
        }
        (due, next)
    }

    /// Every campaign the hub knows.
    pub fn all(&self) -> Vec<Arc<Entry>> {
        let campaigns = self.campaigns.read().unwrap_or_else(|e| e.into_inner());
        campaigns.values().cloned().collect()
    }

    /// Every campaign of `site`, for the creator's list.
    pub fn of_site(&self, site: &str) -> Vec<Arc<Entry>> {
        let campaigns = self.campaigns.read().unwrap_or_else(|e| e.into_inner());
        let mut entries: Vec<Arc<Entry>> = campaigns.values().filter(|e| e.site == site).cloned().collect();
        entries.sort_by_key(|e| e.snapshot.borrow().campaign.id().clone());
        entries
    }

    /// The `frame-ancestors` sources of `site`; `'none'` for a site the hub does not know.
    pub fn frame_ancestors(&self, site: &str) -> Arc<str> {
        let sites = self.sites.read().unwrap_or_else(|e| e.into_inner());
        sites.get(site).cloned().unwrap_or_else(|| Arc::from("'none'"))
    }

    /// How many campaigns the hub holds, and how many live viewers are subscribed to them.
    pub fn sizes(&self) -> (usize, usize) {
        let campaigns = self.campaigns.read().unwrap_or_else(|e| e.into_inner());
        (campaigns.len(), campaigns.values().map(|e| e.frames.receiver_count()).sum())
    }

    /// Sets a site's framing policy (at start-up, and when its origins change).
    pub fn set_site(&self, site: &str, frame_ancestors: &str) {
        let mut sites = self.sites.write().unwrap_or_else(|e| e.into_inner());
        sites.insert(site.to_owned(), Arc::from(frame_ancestors));
    }
}

/// How long the clock task sleeps at most: a moment set by an edit a second before it comes
/// is still published on time.
const CLOCK_TICK_MS: i64 = 250;

/// Publishes each campaign at the instant the clock changes its view (see the header). One
/// pass over the hub's campaigns each time it wakes: at most four a second.
pub fn spawn_clock(hub: Arc<Hub>) {
    tokio::spawn(async move {
        loop {
            let moment = crate::moment();
            let (due, next) = hub.due(moment.timestamp());
            for entry in due {
                // Rebuilds and publishes the entries whose moment has come.
                entry.snapshot(moment.timestamp());
            }
            let wait = next.map_or(i64::MAX, |at| at.unix() * 1000 - moment.millis());
            tokio::time::sleep(std::time::Duration::from_millis(wait.clamp(1, CLOCK_TICK_MS) as u64)).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Status;
    use domain::wire::CampaignInput;

    fn campaign() -> Campaign {
        Campaign::new(CampaignInput {
            survey: None,
            manual_payment: None,
            unmade: Default::default(),
            payments: Default::default(),
            id: "c".into(),
            title: "C".into(),
            summary: String::new(),
            story: String::new(),
            currency: domain::Currency::Usd,
            goal: 100,
            starts_at: Timestamp::from_unix(10),
            ends_at: Timestamp::from_unix(20),
            funding: domain::Funding::AllOrNothing,
            tiers: vec![],
            stretch_goals: vec![],
            max_pledge: None,
        })
        .unwrap()
    }

    #[test]
    fn published_counts_replace_the_snapshot_but_older_ones_are_ignored() {
        let hub = Hub::default();
        let entry = hub.insert(campaign(), "site", Counts::default(), Timestamp::from_unix(15));
        entry.publish(
            Counts { raised: 50, backers: 1, seq: 2, ..Counts::default() },
            Timestamp::from_unix(15),
        );
        entry.publish(
            Counts { raised: 10, backers: 1, seq: 1, ..Counts::default() },
            Timestamp::from_unix(15),
        );
        let snapshot = entry.snapshot(Timestamp::from_unix(15));
        assert_eq!((snapshot.view.raised, snapshot.view.seq), (50, 2));
        assert!(std::str::from_utf8(&snapshot.json).unwrap().contains("\"raised\":50"));
        let frame = snapshot.stamped_sse();
        let frame = std::str::from_utf8(&frame).unwrap();
        assert!(frame.starts_with("id: 2\nevent: progress\ndata: {\"server_time\":\""), "{frame}");
        assert!(frame.ends_with("}\n\n") && frame.matches('\n').count() == 4, "{frame}");
    }

    #[test]
    fn adding_a_known_campaign_keeps_its_entry_and_its_viewers() {
        let hub = Hub::default();
        let first = hub.insert(campaign(), "site", Counts::default(), Timestamp::from_unix(15));
        let mut viewer = first.frames();
        let again =
            hub.insert(campaign(), "site", Counts { seq: 3, ..Counts::default() }, Timestamp::from_unix(15));
        assert!(Arc::ptr_eq(&first, &again));
        assert!(viewer.has_changed().unwrap(), "newer counts reach the existing viewers");
        assert_eq!(viewer.borrow_and_update().seq(), 3);
        hub.insert(campaign(), "site", Counts { seq: 1, ..Counts::default() }, Timestamp::from_unix(15));
        assert_eq!(
            hub.get("c").unwrap().snapshot(Timestamp::from_unix(15)).view.seq,
            3,
            "older counts are ignored"
        );
    }

    #[test]
    fn an_edit_replaces_the_definition_and_keeps_the_newest_counts() {
        let hub = Hub::default();
        let entry = hub.insert(campaign(), "site", Counts::default(), Timestamp::from_unix(15));
        entry.publish(Counts { seq: 5, revision: 1, ..Counts::default() }, Timestamp::from_unix(15));
        let mut input = campaign().to_input();
        input.title = "Edited".into();
        let edited = Campaign::new(input).unwrap();
        // Read with older counts than a pledge batch published since: the title still lands.
        entry.redefine(
            edited.clone(),
            Counts { seq: 4, revision: 1, ..Counts::default() },
            Timestamp::from_unix(15),
        );
        let snapshot = entry.snapshot(Timestamp::from_unix(15));
        assert_eq!((snapshot.view.title.as_str(), snapshot.view.seq, snapshot.revision), ("Edited", 5, 1));
        // The same revision again changes nothing.
        let mut viewer = entry.frames();
        viewer.mark_unchanged();
        entry.redefine(
            campaign(),
            Counts { seq: 5, revision: 1, ..Counts::default() },
            Timestamp::from_unix(15),
        );
        assert!(!viewer.has_changed().unwrap());
    }

    #[test]
    fn the_status_moves_on_with_the_clock_without_a_pledge() {
        let hub = Hub::default();
        let entry = hub.insert(campaign(), "site", Counts::default(), Timestamp::from_unix(5));
        assert_eq!(entry.snapshot(Timestamp::from_unix(5)).view.status, Status::Scheduled);
        assert_eq!(entry.snapshot(Timestamp::from_unix(10)).view.status, Status::Live);
        assert_eq!(entry.snapshot(Timestamp::from_unix(25)).view.status, Status::Failed);
        assert_eq!(hub.get("c").unwrap().snapshot(Timestamp::from_unix(26)).view.status, Status::Failed);
    }
}
