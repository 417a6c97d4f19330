//! What a backer is told of their own pledge: its receipt, its payments and reminders, the
//! campaign's outcome and updates, and a list of every receipt their address holds. Each
//! mail's receipt and unsubscribe links are made as it is written.

use super::Settings;
use super::compose::{self, Envelope};
use super::facts::{
    Data, Told, absolute, campaign, chosen, minutes, sender_name, site_of, stored_image, update_facts,
};
use crate::payments::Cards;
use crate::store::mails::DueMail;
use domain::PaymentMode;
use lettre::Message;
use serde_json::json;

/// The message of a mail to a backer, or `None` when what it tells of is gone.
pub(super) async fn message(
    cards: &Cards,
    settings: &Settings,
    mail: &DueMail,
    data: Data,
) -> anyhow::Result<Option<Message>> {
    if mail.kind == "update" {
        return update_message(cards, settings, mail, &data).await;
    }
    let told = match mail.kind.as_str() {
        "pledge_received" | "payment_paid" | "payment_failed" | "payment_refunded" | "campaign_succeeded"
        | "campaign_failed" | "payment_reminder" | "pledge_shipped" | "survey_reminder" => {
            pledge_facts(cards, mail, &data).await?
        }
        "receipts_lookup" => lookup_facts(cards, settings, mail, &data.base).await?,
        "waitlist_offer" => super::waitlist::offer_facts(cards, mail, &data).await?,
        _ => None,
    };
    let Some(told) = told else { return Ok(None) };
    let words = compose::words(&mail.kind, &mail.lang, &told.facts)?;
    let envelope = Envelope {
        id: &mail.id,
        display_name: told.display_name,
        to: &mail.recipient,
        notice: matches!(mail.kind.as_str(), "payment_reminder" | "survey_reminder"),
        unsubscribe: None,
        reply_to: told.reply_to,
        inline: told.inline,
    };
    Ok(Some(compose::message(settings, &envelope, words)?))
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
        "survey_url": format!("{base}/r/{token}/survey?lang={}", mail.lang),
        "lock_at": campaign.survey().and_then(|s| s.lock_at).map(minutes),
        "parcels": parcels(store, &pledge.id, mail.lang == "zh-CN").await?,
        "survey": asked_at_pledge(campaign, &pledge),
    });
    Ok(Some(Told { facts, display_name: format!("{} via {site}", campaign.title()), reply_to, inline }))
}

/// Whether the backer of `pledge` is asked something from the moment they pledge (a reward
/// that ships, or questions of their tier, in a survey that opens at the pledge).
fn asked_at_pledge(campaign: &domain::Campaign, pledge: &crate::store::StoredPledge) -> bool {
    let survey = campaign.survey().cloned().unwrap_or_default();
    let tier = pledge.tier_id.as_deref();
    let ships = tier.and_then(|t| campaign.tier(t)).is_some_and(|t| t.shipping().ships());
    survey.opens == domain::survey::Opens::AtPledge && survey.asks(tier, ships)
}

/// The parcels sent for a pledge, as a mail lists them: carrier, number, tracking link.
async fn parcels(
    store: &crate::store::Store,
    pledge: &str,
    chinese: bool,
) -> anyhow::Result<serde_json::Value> {
    let parcels = store.shipments_of(pledge).await?;
    Ok(parcels
        .iter()
        .map(|p| {
            json!({
                "carrier": domain::carriers::display(&p.carrier, chinese),
                "number": p.tracking_number,
                "url": domain::carriers::tracking_url(&p.carrier, &p.tracking_number),
                "items": p.items,
            })
        })
        .collect())
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
