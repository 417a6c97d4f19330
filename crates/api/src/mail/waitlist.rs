//! The mail telling a waiting fan that units came back and are held for them (a campaign
//! with payments): what, until when, and a link to take it, minted as the mail is written.
//! An offer already taken, left or expired is not mailed.

use super::facts::{Data, Told, campaign, minutes, site_of};
use crate::payments::Cards;
use crate::store::mails::DueMail;
use domain::wire::WaitState;
use serde_json::json;

pub(super) async fn offer_facts(cards: &Cards, mail: &DueMail, data: &Data) -> anyhow::Result<Option<Told>> {
    let store = &cards.store;
    let Some(id) = &data.waitlist else { return Ok(None) };
    let Some(entry) = store.waitlist_entry_by_id(id).await? else { return Ok(None) };
    if entry.state() != WaitState::Offered {
        return Ok(None);
    }
    let Some(stored) = campaign(cards, &entry.entry.campaign).await? else { return Ok(None) };
    let (site, reply_to) = site_of(cards, &stored.site).await?;
    let campaign = &stored.campaign;
    let tier = campaign.tier(&entry.entry.tier);
    let amount = tier.map(|t| t.price().minor() * i64::from(entry.entry.quantity)).unwrap_or_default();
    let token = store.mint_waitlist_link(id).await?;
    let facts = json!({
        "title": campaign.title(),
        "site": site,
        "name": entry.entry.name,
        "tier": tier.map(|t| t.title()).unwrap_or_default(),
        "quantity": entry.entry.quantity,
        "amount": campaign.currency().format(amount),
        "until": entry.entry.offer_expires_at.map(minutes),
        "waitlist_url": format!("{}/w/{token}?lang={}", data.base, mail.lang),
    });
    Ok(Some(Told { facts, display_name: format!("{} via {site}", campaign.title()), reply_to, inline: None }))
}
