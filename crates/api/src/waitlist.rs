//! Waitlists (候补) as fans and the server use them: joining a sold-out limited tier,
//! taking an offer (it becomes a pledge with the units the offer held), leaving; and each
//! replica's round, which expires offers not taken in time (their units pass to the next in
//! line) and turns offers of campaigns without payments into pledges at once.
//!
//! What is guaranteed of places and units is told in `store::waitlist`; here only checks
//! that need no database: the request is a pledge the campaign would take, asked for by
//! an address within its rate limit.

use crate::error::Error;
use crate::hub::{Entry, Hub};
use crate::pledging::{Desk, Fan};
use crate::store::waitlist::{JoinCommand, Joined, StoredEntry, lapsed};
use crate::store::{Accepted, Client, MailTo, PledgeCommand, Refusal, Store};
use domain::NewPledge;
use domain::wire::{PledgeRequest, WaitState};
use std::sync::Arc;
use widget::i18n::Lang;

/// Joins `tier`'s waitlist with `request` (a pledge's body: name, contact, options,
/// quantity), within the address's rate limit and its cap on the tier's units.
pub async fn join(
    desk: &Desk<'_>,
    entry: &Arc<Entry>,
    tier: &str,
    mut request: PledgeRequest,
    fan: &Fan,
) -> Result<Joined, Error> {
    desk.limiter
        .check(fan.ip, std::time::Instant::now())
        .map_err(|retry_after_secs| Error::RateLimited { retry_after_secs })?;
    let snapshot = entry.snapshot(crate::now());
    request.tier = Some(tier.to_owned());
    let lang = request.lang.as_deref().and_then(Lang::from_tag).unwrap_or(fan.lang);
    request.lang = Some(lang.tag().to_owned());
    let pledge = NewPledge::parse(request.clone(), &snapshot.campaign).map_err(Error::Invalid)?;
    let command = JoinCommand {
        campaign: snapshot.campaign.clone(),
        revision: snapshot.revision,
        tier: tier.to_owned(),
        quantity: pledge.quantity(),
        name: pledge.name().to_owned(),
        contact: pledge.contact().to_owned(),
        request: serde_json::to_string(&request).map_err(anyhow::Error::from)?,
        client: Some(Client {
            address: crate::admission::address_key(fan.ip).to_string(),
            units: desk.caps.units_per_address,
            unpaid: None,
        }),
        lang: lang.tag(),
    };
    let joined = desk.store.join_waitlist(command).await;
    if matches!(&joined, Err(Refusal::Saturated)) {
        desk.limiter.refund(fan.ip);
    }
    Ok(joined?)
}

/// Takes the offer behind waitlist `token`: the pledge it becomes, and that pledge's
/// receipt token (the same secret opens both).
pub async fn take(
    store: &Store,
    hub: &Hub,
    token: &str,
    mail_base: Option<&str>,
) -> Result<(Accepted, String), Error> {
    let (entry, _) = store.waitlist_entry(token).await?.ok_or(Error::NotFound)?;
    if entry.state() != WaitState::Offered || lapsed(&entry, crate::now()) {
        return Err(Refusal::OfferGone.into());
    }
    let accepted = store.pledge(conversion(hub, &entry, mail_base)?).await?;
    let secret = token.get(32..).unwrap_or_default();
    let receipt = format!("{}{secret}", accepted.pledge.id);
    Ok((accepted, receipt))
}

/// Leaves the waitlist behind `token`; an offer held is passed to the next in line.
pub async fn leave(store: &Store, token: &str) -> Result<(), Error> {
    let (entry, _) = store.waitlist_entry(token).await?.ok_or(Error::NotFound)?;
    if entry.state().open() {
        store.release_waitlist(&entry.entry.id, WaitState::Left).await?;
    }
    Ok(())
}

/// The pledge an offer becomes: the request the fan joined with, checked again against
/// the campaign as it is now, taking the offer's units.
fn conversion(hub: &Hub, entry: &StoredEntry, mail_base: Option<&str>) -> Result<PledgeCommand, Error> {
    let live = hub.get(&entry.entry.campaign).ok_or(Error::NotFound)?;
    let snapshot = live.snapshot(crate::now());
    let request: PledgeRequest = serde_json::from_str(&entry.request).map_err(anyhow::Error::from)?;
    let pledge = NewPledge::parse(request, &snapshot.campaign).map_err(Error::Invalid)?;
    let mail = mail_base.map(|base| MailTo {
        address: domain::contact::email(pledge.contact()).map(str::to_owned),
        base: base.to_owned(),
    });
    // The pledge counts against its address as the entry did (its caps were checked then).
    let client = entry.client.clone().map(|address| Client { address, units: None, unpaid: None });
    Ok(PledgeCommand {
        campaign: snapshot.campaign.clone(),
        revision: snapshot.revision,
        pledge,
        idempotency: None,
        client,
        unpaid_share: None,
        lang: Lang::from_tag(&entry.lang).unwrap_or(Lang::En).tag(),
        mail,
        offer: entry.offer(),
    })
}

/// How often the round looks at offers out, beside being woken when offers are made.
const ROUND: std::time::Duration = std::time::Duration::from_secs(2);
/// The most offers one pass looks at.
const PER_PASS: i64 = 500;

/// Starts this replica's waitlist round.
pub fn spawn_round(store: Store, hub: Arc<Hub>) {
    tokio::spawn(async move {
        let mut every = store.every(ROUND);
        let mut told = std::collections::HashSet::new();
        loop {
            tokio::select! {
                open = every.next() => if !open { break },
                () = store.offers_made() => {}
            }
            if let Err(e) = pass(&store, &hub, &mut told).await {
                tracing::warn!(error = %e, "the waitlist round will try again");
            }
        }
    });
}

/// One pass: offers out of time are expired, and those of live campaigns without payments
/// become pledges. An offer that cannot become one is told of once (in `told`, which keeps
/// only offers still out), and stays out until it is taken from the receipt or expires.
async fn pass(store: &Store, hub: &Hub, told: &mut std::collections::HashSet<String>) -> anyhow::Result<()> {
    let now = crate::now();
    for entry in store.offers_lapsed(now, PER_PASS).await? {
        store.release_waitlist(&entry.entry.id, WaitState::Expired).await.map_err(anyhow::Error::from)?;
    }
    let converting = store.offers_to_convert(PER_PASS).await?;
    told.retain(|id| converting.iter().any(|e| &e.entry.id == id));
    for entry in converting {
        let Some(snapshot) = hub.get(&entry.entry.campaign).map(|live| live.snapshot(now)) else { continue };
        if snapshot.view.status_at(now) != domain::Status::Live || told.contains(&entry.entry.id) {
            continue;
        }
        let converted = match conversion(hub, &entry, store.mail_base().as_deref()) {
            Ok(command) => store.pledge(command).await.map(|_| ()).map_err(Error::from),
            Err(e) => Err(e),
        };
        match converted {
            Ok(()) | Err(Error::Refused(Refusal::OfferGone)) => {}
            // The campaign changed under it: the next pass tries again.
            Err(Error::Refused(
                Refusal::Changed | Refusal::Saturated | Refusal::Unavailable | Refusal::Unknown,
            )) => {}
            // The request no longer fits the campaign: told once.
            Err(e) => {
                tracing::warn!(entry = %entry.entry.id, error = ?e, "a waitlist offer could not become a pledge");
                told.insert(entry.entry.id.clone());
            }
        }
    }
    Ok(())
}
