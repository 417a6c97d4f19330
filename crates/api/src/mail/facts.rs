//! What the mails have in common: what a mail was queued with ([`Data`]), the campaign as
//! it tells of it (the hub's copy), the site's name and address, a pledge's choices in
//! words, and times and links as mails write them. Nothing here sends or renders.

use super::Settings;
use crate::payments::Cards;
use crate::store::StoredCampaign;
use domain::Timestamp;
use serde_json::json;

/// What a mail was queued with besides the rows it tells of.
#[derive(serde::Deserialize)]
pub(super) struct Data {
    /// The base of its links (`https://fund.example.com`).
    pub(super) base: String,
    /// The update it carries.
    #[serde(default)]
    pub(super) update: Option<String>,
    /// Which reminder it is (`card`, `lapse`).
    #[serde(default)]
    pub(super) reminder: Option<String>,
    /// What a creator's mail tells, worked out when it was queued.
    #[serde(default)]
    pub(super) facts: Option<serde_json::Value>,
    /// The waitlist entry an offer mail tells of.
    #[serde(default)]
    pub(super) waitlist: Option<String>,
}

/// What a mail tells, whom it is from, and where replies go.
pub(super) struct Told {
    pub(super) facts: serde_json::Value,
    pub(super) display_name: String,
    /// The creator's address, when their site has one.
    pub(super) reply_to: Option<String>,
    /// The collection code the HTML shows inline.
    pub(super) inline: Option<(String, Vec<u8>)>,
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
pub(super) fn stored_image(path: &str) -> Option<&str> {
    path.strip_prefix("/covers/")?.strip_suffix(".png")
}

/// A link as absolute: paths are put under `base`.
pub(super) fn absolute(base: &str, link: &str) -> String {
    if link.starts_with('/') { format!("{base}{link}") } else { link.to_owned() }
}

/// `2026-12-04 20:00`: a time to the minute, in UTC.
pub(super) fn minutes(at: Timestamp) -> String {
    at.to_string().get(..16).unwrap_or_default().replace('T', " ")
}
