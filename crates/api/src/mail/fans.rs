//! Fans who are not backers yet: "remind me". A fan leaves an address on the share page
//! or through the API; it counts once they open the link mailed to it (double opt-in),
//! and then they hear, once each, when a scheduled campaign launches and 48 hours before
//! it ends, with a one-click way out (RFC 8058). Every replica's round looks each minute.

use super::Settings;
use super::compose::{self, Envelope};
use super::facts::Data;
use crate::error::Error;
use crate::hub::Hub;
use crate::payments::Cards;
use crate::store::Store;
use crate::store::mails::{DueMail, NewMail};
use domain::{FieldError, Timestamp};
use serde_json::json;
use std::time::Duration;
use widget::i18n::Lang;

const EVERY: Duration = Duration::from_secs(60);
/// How long before its end a campaign's reminded fans hear of it.
pub const ENDING_SOON_SECS: i64 = 48 * 3600;
/// How long after its start a launch is still told (a server down at the start catches up).
const LAUNCH_TOLD_SECS: i64 = 24 * 3600;
/// How long after one confirmation mail to an address another for the same campaign waits.
const QUIET_SECS: i64 = 600;

/// Asks for reminders of `campaign` at `email`, in `lang`: the confirmation mail is queued
/// unless the address confirmed already or was sent one lately. The answer is the same
/// either way; a wrong address is refused naming `email`.
pub async fn ask(store: &Store, campaign: &str, email: &str, lang: Lang, base: &str) -> Result<(), Error> {
    let Some(address) = domain::contact::email(email) else {
        return Err(Error::Invalid([("email".to_owned(), FieldError::InvalidEmail)].into_iter().collect()));
    };
    let mail = NewMail {
        id: crate::ids::time_ordered(),
        campaign_id: Some(campaign.to_owned()),
        pledge_id: None,
        kind: "reminder_confirm",
        recipient: address.to_owned(),
        lang: lang.tag(),
        data: serde_json::json!({ "base": base }).to_string(),
    };
    store.ask_reminder(&mail, QUIET_SECS, crate::now()).await?;
    Ok(())
}

pub fn spawn(store: Store, hub: std::sync::Arc<Hub>) {
    tokio::spawn(async move {
        let mut every = store.every(EVERY);
        while every.next().await {
            if let Err(e) = round(&store, &hub, crate::now()).await {
                tracing::warn!(error = %e, "telling reminded fans failed; trying again");
            }
        }
    });
}

/// Tells, at `now`, every reminded fan what they asked to hear and have not yet.
pub async fn round(store: &Store, hub: &Hub, now: Timestamp) -> anyhow::Result<()> {
    let Some(base) = store.mail_base() else { return Ok(()) };
    for entry in hub.all() {
        let snapshot = entry.snapshot(now);
        let (campaign, counts) = (&snapshot.campaign, &snapshot.counts);
        if counts.cancelled || now >= campaign.ends_at() {
            continue;
        }
        let id = campaign.id().to_string();
        let started = campaign.starts_at();
        let launching = now >= started && now.unix() - started.unix() < LAUNCH_TOLD_SECS;
        let ending = campaign.ends_at().unix() - now.unix() <= ENDING_SOON_SECS;
        if !launching && !ending {
            continue;
        }
        // A read first: telling is a write, which on SQLite would take the lock each minute.
        let told = store.told(&format!("campaign:{id}")).await?;
        if launching && !told.contains("launched") {
            // Only those who asked before the start were waiting for it.
            store.tell_reminded((&id, "launched"), "campaign_launched", started, &base).await?;
        }
        if ending && !told.contains("ending_soon") {
            store.tell_reminded((&id, "ending_soon"), "campaign_ending_soon", now, &base).await?;
        }
    }
    Ok(())
}

/// The message of a mail to a reminded fan: the confirmation carries a link minted now;
/// the launch and the last 48 hours carry a one-click way out.
pub(super) async fn message(
    cards: &Cards,
    settings: &Settings,
    mail: &DueMail,
    data: Data,
) -> anyhow::Result<Option<lettre::Message>> {
    let store = &cards.store;
    let Some(id) = &mail.campaign_id else { return Ok(None) };
    let Some(stored) = super::facts::campaign(cards, id).await? else { return Ok(None) };
    let (site, reply_to) = super::facts::site_of(cards, &stored.site).await?;
    let (campaign, base) = (&stored.campaign, &data.base);
    let mut facts = json!({
        "what": mail.kind, "title": campaign.title(), "site": site,
        "campaign_url": format!("{base}/c/{id}?lang={}", mail.lang),
        "starts": super::facts::minutes(campaign.starts_at()), "ends": super::facts::minutes(campaign.ends_at()),
    });
    let unsubscribe = if mail.kind == "reminder_confirm" {
        let token = store.mint_reminder_token(id, &mail.recipient).await?;
        facts["link"] = json!(format!("{base}/c/{id}/remind/{token}?lang={}", mail.lang));
        None
    } else {
        Some(format!("{base}/u/{}", store.unsubscribe_token(&mail.id)?))
    };
    facts["unsubscribe_url"] = json!(unsubscribe);
    let words = compose::words(&mail.kind, &mail.lang, &facts)?;
    let envelope = Envelope {
        id: &mail.id,
        display_name: format!("{} via {site}", campaign.title()),
        to: &mail.recipient,
        notice: true,
        unsubscribe,
        reply_to,
        inline: None,
    };
    Ok(Some(compose::message(settings, &envelope, words)?))
}
