//! What a site's people (the addresses `site create --email` or `PUT /api/v1/site` gave)
//! hear of their campaigns. Each new pledge is queued by the pledge writer in its batch when
//! the site hears of each (`notify: each`); everything else is this round's, on every
//! replica, every 15 seconds:
//!
//! - an hourly or daily digest of the pledges made since the last (`notify: hourly|daily`);
//! - a campaign's goal reached, each stretch goal reached, each value's batch unlocked;
//! - a campaign ended, with its summary and the link to its backers' CSV;
//! - the saved cards that failed when a funded campaign was charged;
//! - a webhook endpoint disabled after its failures.
//!
//! A sign-in link asked for on the dashboard is a creator's mail too, its link minted as it
//! is sent.
//!
//! Each is told once (`store::told`), whatever replica gets there first; `notify: off`
//! silences the pledges, not these rarer moments.

use super::Settings;
use super::compose::{self, Envelope};
use super::facts::Data;
use crate::hub::Hub;
use crate::payments::Cards;
use crate::store::Store;
use crate::store::mails::{DueMail, NewMail};
use crate::store::told::People;
use domain::Timestamp;
use domain::contact::Notify;
use serde_json::{Value, json};
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(15);
/// A digest tells of pledges at least this old, so a batch committing as the round reads
/// is in the next digest, not lost between two.
const SETTLE_SECS: i64 = 60;
/// The pledges a digest lists one by one (it counts them all).
const DIGEST_LISTS: i64 = 20;
/// How long after its end a campaign's ending is still told, and after its disabling an
/// endpoint's.
const RECENT_SECS: i64 = 7 * 24 * 3600;

pub fn spawn(store: Store, hub: std::sync::Arc<Hub>) {
    tokio::spawn(async move {
        let mut every = store.every(EVERY);
        while every.next().await {
            if let Err(e) = round(&store, &hub, crate::now()).await {
                tracing::warn!(error = %e, "telling creators failed; trying again");
            }
        }
    });
}

/// Tells every site's people, at `now`, what they have not heard yet.
pub async fn round(store: &Store, hub: &Hub, now: Timestamp) -> anyhow::Result<()> {
    let Some(base) = store.mail_base() else { return Ok(()) };
    for people in store.sites_with_people().await? {
        let tell = Teller { store, hub, people: &people, base: &base, now };
        tell.digest().await?;
        for entry in hub.of_site(&people.site) {
            tell.progress(&entry.snapshot(now)).await?;
        }
        tell.endings().await?;
        tell.endpoints().await?;
    }
    Ok(())
}

/// One site's people, told at `now`.
struct Teller<'a> {
    store: &'a Store,
    hub: &'a Hub,
    people: &'a People,
    base: &'a str,
    now: Timestamp,
}

impl Teller<'_> {
    /// One mail of `kind` to each of the site's addresses, telling `facts`.
    fn mails(&self, kind: &'static str, campaign: Option<&str>, facts: Value) -> Vec<NewMail> {
        let mut facts = facts;
        facts["site"] = json!(self.people.name);
        let data = json!({ "base": self.base, "facts": facts }).to_string();
        self.people
            .emails
            .split_whitespace()
            .map(|address| NewMail {
                id: crate::ids::time_ordered(),
                campaign_id: campaign.map(str::to_owned),
                pledge_id: None,
                kind,
                recipient: address.to_owned(),
                lang: if self.people.lang == "zh-CN" { "zh-CN" } else { "en" },
                data: data.clone(),
            })
            .collect()
    }

    /// The digest, when one is due: the pledges made since the last, counted, the newest
    /// listed. Nothing is mailed for a period without pledges; the period still passes.
    async fn digest(&self) -> anyhow::Result<()> {
        let notify = Notify::parse(&self.people.notify).unwrap_or_default();
        let Some(period) = notify.digest_secs() else { return Ok(()) };
        let told = self.people.told_until;
        let until = self.now.unix() - SETTLE_SECS;
        if until - told < period {
            return Ok(());
        }
        let (pledges, count) =
            self.store.pledges_made(&self.people.site, (told, until), DIGEST_LISTS).await?;
        let mails = if count == 0 {
            Vec::new()
        } else {
            let listed: Vec<Value> = pledges.iter().filter_map(|p| self.pledge_line(p)).collect();
            let facts = json!({
                "count": count, "pledges": listed, "more": count - listed.len() as i64,
                "period": notify.as_str(), "dashboard_url": format!("{}/dashboard", self.base),
            });
            self.mails("creator_digest", None, facts)
        };
        self.store.tell_pledges(&self.people.site, (told, until), &mails).await?;
        Ok(())
    }

    /// A pledge as a digest lists it.
    fn pledge_line(&self, pledge: &crate::store::StoredPledge) -> Option<Value> {
        let campaign = self.hub.get(&pledge.campaign_id)?.snapshot(self.now).campaign.clone();
        Some(json!({
            "title": campaign.title(),
            "name": pledge.name,
            "amount": campaign.currency().format(pledge.amount),
            "chosen": super::facts::chosen(&campaign, pledge),
        }))
    }

    /// The goal, the stretch goals and the values' batches a live campaign has reached.
    async fn progress(&self, snapshot: &crate::hub::Snapshot) -> anyhow::Result<()> {
        let campaign = &snapshot.campaign;
        let counts = &snapshot.counts;
        if counts.cancelled || self.now >= campaign.ends_at() {
            return Ok(());
        }
        let id = campaign.id().to_string();
        let subject = format!("campaign:{id}");
        let told = self.store.told(&subject).await?;
        let money = |minor: i64| campaign.currency().format(minor);
        let about = json!({
            "title": campaign.title(), "raised": money(counts.raised), "backers": counts.backers,
            "goal": money(campaign.goal().minor()),
            "dashboard_url": format!("{}/dashboard/campaigns/{id}", self.base),
        });
        let mut moments: Vec<(String, &'static str, Value)> = Vec::new();
        if counts.raised >= campaign.goal().minor() {
            moments.push(("goal".to_owned(), "creator_goal", json!({})));
        }
        for stretch in campaign.stretch_goals().iter().filter(|s| counts.raised >= s.amount) {
            let facts = json!({ "label": stretch.label, "amount": money(stretch.amount) });
            moments.push((format!("stretch:{}", stretch.amount), "creator_stretch", facts));
        }
        let batched = campaign.tiers().iter().flat_map(|t| t.options()).flat_map(|o| o.values());
        if batched.clone().any(|v| v.min_batch().is_some()) {
            for (tier, option, value, units) in self.store.value_units(&id).await? {
                let Some(min_batch) = campaign
                    .tier(&tier)
                    .and_then(|t| t.option(&option))
                    .and_then(|o| o.value(&value))
                    .and_then(|v| v.min_batch())
                else {
                    continue;
                };
                if units < i64::from(min_batch) {
                    continue;
                }
                let facts =
                    json!({ "option": option, "value": value, "units": units, "min_batch": min_batch });
                moments.push((format!("unlocked:{tier}:{option}:{value}"), "creator_unlocked", facts));
            }
        }
        for (what, kind, facts) in moments.into_iter().filter(|(what, ..)| !told.contains(what)) {
            let mut facts = merged(&about, facts);
            facts["what"] = json!(kind);
            let mails = self.mails(kind, Some(&id), facts);
            self.store.tell_once(&subject, &what, &mails).await?;
        }
        Ok(())
    }

    /// Campaigns settled lately: the ending with its summary, and once the cards of a funded
    /// one are charged, those that failed.
    async fn endings(&self) -> anyhow::Result<()> {
        let since = self.now.plus_seconds(-RECENT_SECS);
        for ending in self.store.endings(&self.people.site, since).await? {
            let Some(outcome) = ending.outcome.as_deref() else { continue };
            let id = &ending.campaign;
            let subject = format!("campaign:{id}");
            let told = self.store.told(&subject).await?;
            let charged = outcome == "succeeded" && ending.secured == 0;
            let card_failures = charged && ending.failed > 0 && !told.contains("card_failures");
            if told.contains("ended") && !card_failures {
                continue;
            }
            let Some(stored) = self.store.campaign(id).await? else { continue };
            let campaign = &stored.campaign;
            let money = |minor: i64| campaign.currency().format(minor);
            let about = json!({
                "title": campaign.title(), "outcome": outcome, "raised": money(stored.counts.raised),
                "pledged": money(stored.counts.pledged), "backers": stored.counts.backers,
                "goal": money(campaign.goal().minor()),
                "dashboard_url": format!("{}/dashboard/campaigns/{id}", self.base),
                "csv_url": format!("{}/dashboard/campaigns/{id}/backers.csv", self.base),
                "failed": ending.failed, "payments": campaign.payments(),
            });
            if !told.contains("ended") {
                let mails = self.mails("creator_ended", Some(id), about.clone());
                self.store.tell_once(&subject, "ended", &mails).await?;
            }
            if card_failures {
                let mails = self.mails("creator_card_failures", Some(id), about);
                self.store.tell_once(&subject, "card_failures", &mails).await?;
            }
        }
        Ok(())
    }

    /// Webhook endpoints disabled lately.
    async fn endpoints(&self) -> anyhow::Result<()> {
        let since = self.now.plus_seconds(-RECENT_SECS);
        let disabled = self.store.disabled_endpoints(&self.people.site, since).await?;
        if disabled.is_empty() {
            return Ok(());
        }
        let subject = format!("site:{}", self.people.site);
        let told = self.store.told(&subject).await?;
        for endpoint in disabled {
            let what = format!("endpoint:{}:{}", endpoint.id, endpoint.disabled_at);
            if told.contains(&what) {
                continue;
            }
            let facts = json!({
                "url": shown_url(&endpoint.url), "reason": endpoint.reason,
                "enable_url": format!("{}/api/v1/webhooks/{}/enable", self.base, endpoint.id),
            });
            let mails = self.mails("creator_endpoint_disabled", None, facts);
            self.store.tell_once(&subject, &what, &mails).await?;
        }
        Ok(())
    }
}

/// The message of a creator's mail. A new pledge is read now (`None` when it is gone);
/// everything else was worked out when the mail was queued.
pub(super) async fn message(
    cards: &Cards,
    settings: &Settings,
    mail: &DueMail,
    data: Data,
) -> anyhow::Result<Option<lettre::Message>> {
    let facts = match mail.kind.as_str() {
        "creator_pledge" => new_pledge(cards, mail, &data.base).await?,
        "creator_sign_in" => sign_in(cards, data).await?,
        "creator_sign_up" => sign_up(cards, data).await?,
        _ => data.facts,
    };
    let Some(mut facts) = facts else { return Ok(None) };
    facts["what"] = json!(mail.kind);
    let words = compose::words(&mail.kind, &mail.lang, &facts)?;
    let envelope = Envelope {
        id: &mail.id,
        display_name: super::facts::sender_name(settings),
        to: &mail.recipient,
        notice: true,
        unsubscribe: None,
        reply_to: None,
        inline: None,
    };
    Ok(Some(compose::message(settings, &envelope, words)?))
}

/// What a creator is told of a new pledge, with the campaign as it stands when it is sent.
async fn new_pledge(cards: &Cards, mail: &DueMail, base: &str) -> anyhow::Result<Option<Value>> {
    let (Some(pledge_id), Some(campaign_id)) = (&mail.pledge_id, &mail.campaign_id) else { return Ok(None) };
    let store = &cards.store;
    let (Some(pledge), Some(stored)) =
        (store.pledge_by_id(pledge_id).await?, super::facts::campaign(cards, campaign_id).await?)
    else {
        return Ok(None);
    };
    let site = store.site(&stored.site).await?.map_or_else(|| stored.site.clone(), |s| s.name);
    let campaign = &stored.campaign;
    let money = |minor: i64| campaign.currency().format(minor);
    Ok(Some(json!({
        "title": campaign.title(), "site": site, "name": pledge.name, "amount": money(pledge.amount),
        "chosen": super::facts::chosen(campaign, &pledge), "backers": stored.counts.backers,
        "raised": money(stored.counts.raised), "goal": money(campaign.goal().minor()),
        "dashboard_url": format!("{base}/dashboard/campaigns/{campaign_id}/backers/{pledge_id}"),
    })))
}

/// A sign-in link, minted now: the mail is the only place it is ever written.
async fn sign_in(cards: &Cards, data: Data) -> anyhow::Result<Option<Value>> {
    let Some(mut facts) = data.facts else { return Ok(None) };
    let Some(site) = facts["site_id"].as_str().map(str::to_owned) else { return Ok(None) };
    if cards.store.site(&site).await?.is_none() {
        return Ok(None);
    }
    facts["link"] = json!(crate::sites::sign_in_link(&cards.store, &site, &data.base).await?);
    Ok(Some(facts))
}

/// The link that makes an asked-for site, minted now; `None` when the ask is gone.
async fn sign_up(cards: &Cards, data: Data) -> anyhow::Result<Option<Value>> {
    let Some(mut facts) = data.facts else { return Ok(None) };
    let Some(signup) = facts["signup"].as_str().map(str::to_owned) else { return Ok(None) };
    let Some(token) = cards.store.mint_signup_token(&signup).await? else { return Ok(None) };
    facts["link"] = json!(format!("{}/dashboard/sign-up?token={token}", data.base));
    Ok(Some(facts))
}

/// `base` with `more`'s fields.
fn merged(base: &Value, more: Value) -> Value {
    let mut merged = base.clone();
    if let (Some(into), Value::Object(from)) = (merged.as_object_mut(), more) {
        into.extend(from);
    }
    merged
}

/// An endpoint's address as a mail shows it: its scheme, host and port only, since a
/// robot's path and query are its credentials (a WeCom `key`, a DingTalk `access_token`, a
/// Slack or Discord webhook's token).
fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => format!("{}/…", parsed.origin().ascii_serialization()),
        Err(_) => "(an endpoint)".to_owned(),
    }
}
