//! The mail round, on every replica: claim what is due for a lease, write each mail from
//! what it tells of, hand it over, and record the outcome. A temporary failure (a 4xx, no
//! connection, a timeout) is tried again after 10 s, doubling to at most an hour, so an
//! SMTP server down for an hour loses nothing; a permanent one (5xx) gives the mail up and
//! suppresses its address for the campaign's site. A mail whose pledge is gone is given up.

use super::compose::{self, Envelope};
use super::{Settings, Transport};
use crate::payments::Cards;
use crate::store::StoredCampaign;
use crate::store::mails::DueMail;
use domain::{PaymentMode, Timestamp};
use futures::StreamExt;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::json;
use std::time::Duration;

/// How often the outbox is looked at.
const POLL: Duration = Duration::from_secs(1);
/// Mails claimed at once, and for how long; of those, how many are on their way at once
/// (each over a connection of the SMTP pool).
const CLAIM: i64 = 50;
const LEASE_SECS: i64 = 120;
const AT_ONCE: usize = 8;
/// The longest wait between two tries, and the tries before a mail is given up (about
/// four days of an unreachable server).
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
const MAX_ATTEMPTS: i64 = 100;

/// Where mail is handed over.
enum Out {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Dir(AsyncFileTransport<Tokio1Executor>),
}

/// Why a mail was not handed over.
enum Failure {
    /// Try again later.
    Temporary(String),
    /// The server refused the address for good.
    Permanent(String),
}

/// Starts the round.
pub fn spawn(cards: Cards, settings: Settings) -> anyhow::Result<()> {
    let out = match &settings.transport {
        Transport::Smtp(url) => Out::Smtp(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.build()),
        Transport::Dir(dir) => {
            std::fs::create_dir_all(dir)?;
            Out::Dir(AsyncFileTransport::new(dir))
        }
    };
    tokio::spawn(async move {
        let mut every = cards.store.every(POLL);
        while every.next().await {
            if let Err(e) = round(&cards, &settings, &out).await {
                tracing::warn!(error = %e, "sending mail failed; trying again");
            }
        }
    });
    Ok(())
}

/// Claims and sends until nothing is due: a full claim is followed at once by the next.
async fn round(cards: &Cards, settings: &Settings, out: &Out) -> anyhow::Result<()> {
    loop {
        let claimed = cards.store.claim_mails(crate::now(), CLAIM, LEASE_SECS).await?;
        let full = claimed.len() as i64 == CLAIM;
        let outcomes: Vec<anyhow::Result<Option<String>>> = futures::stream::iter(claimed)
            .map(|mail| deliver(cards, settings, out, mail))
            .buffer_unordered(AT_ONCE)
            .collect()
            .await;
        let mut sent = Vec::with_capacity(outcomes.len());
        let mut failed = None;
        for outcome in outcomes {
            match outcome {
                Ok(Some(id)) => sent.push(id),
                Ok(None) => {}
                Err(e) => failed = Some(e),
            }
        }
        // What the servers took is recorded in one statement, whatever else failed.
        cards.store.mails_sent(&sent, crate::now()).await?;
        if let Some(e) = failed {
            return Err(e);
        }
        if !full {
            return Ok(());
        }
    }
}

/// Writes one claimed mail and hands it over: its id when the server took it (for the
/// caller to record with the others); any other outcome is recorded here.
async fn deliver(
    cards: &Cards,
    settings: &Settings,
    out: &Out,
    mail: DueMail,
) -> anyhow::Result<Option<String>> {
    let now = crate::now();
    if mail.suppressed {
        let why = "the address was refused for good before";
        cards.store.mail_undeliverable(&mail, why, false, now).await?;
        return Ok(None);
    }
    let message = match written(cards, settings, &mail).await {
        Ok(Some(message)) => message,
        Ok(None) => {
            cards.store.mail_undeliverable(&mail, "what it tells of is gone", false, now).await?;
            return Ok(None);
        }
        Err(e) => {
            tracing::warn!(error = %e, mail = %mail.id, "a mail could not be written");
            cards.store.mail_retry(&mail.id, "could not be written", now.plus_seconds(60)).await?;
            return Ok(None);
        }
    };
    match hand_over(out, message).await {
        Ok(()) => return Ok(Some(mail.id)),
        Err(Failure::Permanent(why)) => cards.store.mail_undeliverable(&mail, &why, true, now).await?,
        Err(Failure::Temporary(why)) if mail.attempts >= MAX_ATTEMPTS => {
            cards.store.mail_undeliverable(&mail, &why, false, now).await?
        }
        Err(Failure::Temporary(why)) => {
            let wait = backoff(mail.attempts);
            cards.store.mail_retry(&mail.id, &why, now.plus_seconds(wait.as_secs() as i64)).await?;
        }
    }
    Ok(None)
}

/// The wait before try `attempts + 1`: 10 s, doubling, at most an hour.
pub fn backoff(attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(20);
    Duration::from_secs(10).saturating_mul(1 << doublings).min(MAX_BACKOFF)
}

async fn hand_over(out: &Out, message: Message) -> Result<(), Failure> {
    match out {
        Out::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| {
            // What the server said, never the message: it holds the receipt link.
            let why = match e.status() {
                Some(code) => format!("the mail server answered {code}"),
                None => "the mail server could not be reached".to_owned(),
            };
            if e.is_permanent() { Failure::Permanent(why) } else { Failure::Temporary(why) }
        }),
        Out::Dir(dir) => dir
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| Failure::Temporary(format!("writing the mail: {e}"))),
    }
}

/// The message a due mail says, or `None` when what it tells of is gone.
async fn written(cards: &Cards, settings: &Settings, mail: &DueMail) -> anyhow::Result<Option<Message>> {
    let Some(data) = mail.data.as_deref() else { return Ok(None) };
    let data: Data = serde_json::from_str(data)?;
    if mail.kind == "update" {
        return update_message(cards, settings, mail, &data).await;
    }
    if mail.kind.starts_with("creator_") {
        return super::creators::message(cards, settings, mail, data).await;
    }
    if super::fans::KINDS.contains(&mail.kind.as_str()) {
        return super::fans::message(cards, settings, mail, data).await;
    }
    let told = match mail.kind.as_str() {
        "pledge_received" | "payment_paid" | "payment_failed" | "payment_refunded" | "campaign_succeeded"
        | "campaign_failed" | "payment_reminder" => pledge_facts(cards, mail, &data).await?,
        "receipts_lookup" => lookup_facts(cards, settings, mail, &data.base).await?,
        _ => None,
    };
    let Some(told) = told else { return Ok(None) };
    let words = compose::words(&mail.kind, &mail.lang, &told.facts)?;
    let envelope = Envelope {
        id: &mail.id,
        display_name: told.display_name,
        to: &mail.recipient,
        notice: mail.kind == "payment_reminder",
        unsubscribe: None,
        reply_to: told.reply_to,
        inline: told.inline,
    };
    Ok(Some(compose::message(settings, &envelope, words)?))
}

/// What a mail tells, whom it is from, and where replies go.
struct Told {
    facts: serde_json::Value,
    display_name: String,
    /// The creator's address, when their site has one.
    reply_to: Option<String>,
    /// The collection code the HTML shows inline.
    inline: Option<(String, Vec<u8>)>,
}

/// What a mail was queued with besides the rows it tells of.
#[derive(serde::Deserialize)]
pub(super) struct Data {
    /// The base of its links (`https://fund.example.com`).
    pub(super) base: String,
    /// The update it carries.
    #[serde(default)]
    update: Option<String>,
    /// Which reminder it is (`card`, `lapse`).
    #[serde(default)]
    reminder: Option<String>,
    /// What a creator's mail tells, worked out when it was queued.
    #[serde(default)]
    pub(super) facts: Option<serde_json::Value>,
}

/// What a mail about a backer's pledge tells, and its sender's display name. Its receipt
/// link is minted now: the pledge's own is kept only as a hash.
async fn pledge_facts(cards: &Cards, mail: &DueMail, data: &Data) -> anyhow::Result<Option<Told>> {
    let base = data.base.as_str();
    let (Some(pledge_id), Some(campaign_id)) = (&mail.pledge_id, &mail.campaign_id) else { return Ok(None) };
    let store = &cards.store;
    let (Some(pledge), Some(stored)) =
        (store.pledge_by_id(pledge_id).await?, campaign(cards, campaign_id).await?)
    else {
        return Ok(None);
    };
    let (site, reply_to) = site_of(cards, &stored.site).await?;
    let campaign = &stored.campaign;
    let token = store.mint_receipt(pledge_id, crate::now()).await?;
    let info = crate::payments::info(cards, &pledge);
    // The collection code travels in the mail itself: a mail program may not load images.
    let inline = match info.as_ref().and_then(|i| i.qr.as_deref()).and_then(stored_image) {
        Some(id) => store.cover(id).await?,
        None => None,
    };
    let payment = match (campaign.payments(), &info) {
        (PaymentMode::Manual, Some(info)) => json!({
            "kind": "manual",
            "reference": info.reference,
            "instructions": info.instructions,
            "qr": match &inline {
                Some(_) => Some(format!("cid:{}", compose::INLINE_ID)),
                None => info.qr.as_ref().map(|qr| absolute(base, qr)),
            },
            "qr_url": info.qr.as_ref().map(|qr| absolute(base, qr)),
            "due": info.due_at.map(minutes),
        }),
        (PaymentMode::Stripe, Some(info)) => json!({
            "kind": "card",
            "saved": matches!(info.status.as_str(), "secured" | "paid"),
            "due": info.due_at.map(minutes),
        }),
        _ => json!({ "kind": "none" }),
    };
    let (id, code) = (&pledge.campaign_id, &pledge.referral_code);
    let facts = json!({
        "title": campaign.title(),
        "site": site,
        "name": pledge.name,
        "amount": campaign.currency().format(pledge.amount),
        "chosen": chosen(campaign, &pledge),
        "payment": payment,
        "receipt_url": format!("{base}/r/{token}"),
        "share_url": crate::tribe::share_link(base, id, Some(code)),
        "poster_url": format!("{base}/c/{id}/poster.png?ref={code}&lang={}", mail.lang),
        "reminder": data.reminder,
    });
    Ok(Some(Told { facts, display_name: format!("{} via {site}", campaign.title()), reply_to, inline }))
}

/// Campaign `id` as a mail tells of it: the hub's copy when it holds it, which costs no
/// database work (reading the counts from the store scans the campaign's pledges), the
/// store's otherwise.
pub(super) async fn campaign(cards: &Cards, id: &str) -> anyhow::Result<Option<StoredCampaign>> {
    if let Some(entry) = cards.hub.get(id) {
        let snapshot = entry.snapshot(crate::now());
        let (campaign, counts) = ((*snapshot.campaign).clone(), snapshot.counts.clone());
        return Ok(Some(StoredCampaign { campaign, site: entry.site.clone(), counts }));
    }
    cards.store.campaign(id).await
}

/// A site's name (its id when it is gone) and its creator's first address.
pub(super) async fn site_of(cards: &Cards, site: &str) -> anyhow::Result<(String, Option<String>)> {
    Ok(match cards.store.site(site).await? {
        Some(record) => (record.name, record.emails.into_iter().next()),
        None => (site.to_owned(), None),
    })
}

/// An update to a backer: its words, the campaign's page, and a one-click way out
/// (`List-Unsubscribe` and `List-Unsubscribe-Post`, RFC 8058) minted for this mail.
async fn update_message(
    cards: &Cards,
    settings: &Settings,
    mail: &DueMail,
    data: &Data,
) -> anyhow::Result<Option<Message>> {
    let store = &cards.store;
    let (Some(campaign_id), Some(update_id)) = (&mail.campaign_id, &data.update) else { return Ok(None) };
    let (Some(update), Some(stored)) =
        (store.update(campaign_id, update_id).await?, campaign(cards, campaign_id).await?)
    else {
        return Ok(None);
    };
    let (site, reply_to) = site_of(cards, &stored.site).await?;
    let base = &data.base;
    let unsubscribe = format!("{base}/u/{}", store.unsubscribe_token(&mail.id)?);
    let update_url = format!("{base}/c/{campaign_id}#update-{}", update.id);
    let facts = update_facts(
        (stored.campaign.title(), &site),
        (&update.title, &update.body),
        (&update_url, &unsubscribe),
    );
    let words = compose::words("update", &mail.lang, &facts)?;
    let display_name = format!("{} via {site}", stored.campaign.title());
    let envelope = Envelope {
        id: &mail.id,
        display_name,
        to: &mail.recipient,
        notice: true,
        unsubscribe: Some(unsubscribe),
        reply_to,
        inline: None,
    };
    Ok(Some(compose::message(settings, &envelope, words)?))
}

/// What an update's mail tells: the campaign and site, the update, and its two links.
pub(super) fn update_facts(
    (campaign, site): (&str, &str),
    (title, body): (&str, &str),
    (update_url, unsubscribe_url): (&str, &str),
) -> serde_json::Value {
    json!({
        "title": campaign, "site": site, "update_title": title, "body": body,
        "update_url": update_url, "unsubscribe_url": unsubscribe_url,
    })
}

/// What a fan's list of receipts tells: each pledge their address holds, newest first,
/// with a link minted for it.
async fn lookup_facts(
    cards: &Cards,
    settings: &Settings,
    mail: &DueMail,
    base: &str,
) -> anyhow::Result<Option<Told>> {
    let store = &cards.store;
    let mut pledges = Vec::new();
    for pledge in store.pledges_of(&mail.recipient).await? {
        let Some(stored) = campaign(cards, &pledge.campaign_id).await? else { continue };
        let token = store.mint_receipt(&pledge.id, crate::now()).await?;
        pledges.push(json!({
            "title": stored.campaign.title(),
            "amount": stored.campaign.currency().format(pledge.amount),
            "chosen": chosen(&stored.campaign, &pledge),
            "cancelled": pledge.cancelled,
            "receipt_url": format!("{base}/r/{token}"),
        }));
    }
    if pledges.is_empty() {
        return Ok(None);
    }
    let sender = sender_name(settings);
    Ok(Some(Told {
        facts: json!({ "pledges": pledges, "site": sender }),
        display_name: sender,
        reply_to: None,
        inline: None,
    }))
}

/// The name mails of no one campaign are sent under: the operator's, from `--mail-from`.
pub(super) fn sender_name(settings: &Settings) -> String {
    settings.from.name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| "tribefund".to_owned())
}

/// The tier and each chosen value, in words: `Lamp × 2 · colour: black`.
pub(super) fn chosen(campaign: &domain::Campaign, pledge: &crate::store::StoredPledge) -> String {
    let tier = pledge.tier_id.as_deref().and_then(|t| campaign.tier(t));
    let mut chosen: Vec<String> = tier
        .map(|t| {
            if pledge.quantity > 1 {
                format!("{} × {}", t.title(), pledge.quantity)
            } else {
                t.title().to_owned()
            }
        })
        .into_iter()
        .collect();
    chosen.extend(pledge.options.iter().map(|(name, value)| format!("{name}: {value}")));
    chosen.join(" · ")
}

/// The id of an image this server stores, from its address (`/covers/{id}.png`).
fn stored_image(path: &str) -> Option<&str> {
    path.strip_prefix("/covers/")?.strip_suffix(".png")
}

/// A link as absolute: paths are put under `base`.
fn absolute(base: &str, link: &str) -> String {
    if link.starts_with('/') { format!("{base}{link}") } else { link.to_owned() }
}

/// `2026-12-04 20:00`: a time to the minute, in UTC.
pub(super) fn minutes(at: Timestamp) -> String {
    at.to_string().get(..16).unwrap_or_default().replace('T', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mail_is_tried_again_after_ten_seconds_doubling_to_an_hour() {
        let waits: Vec<u64> = (1..=12).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600, 3600]);
    }
}
