//! What a creator does to a campaign, for every front door (the creator API and the
//! dashboard): create, edit, publish a definition written as a whole (the dashboard's
//! editor: a new draft becomes one campaign however often it is published), cancel, post
//! an update. Each checks with `domain`, commits through the store, and publishes to the
//! hub so every viewer sees it at once (other replicas hear of it through the store's
//! notifications).

use crate::error::Error;
use crate::hub::{Entry, Hub};
use crate::store::{Edited, Refusal, Store};
use domain::edit::{CampaignPatch, locked_fields, slug_from_title};
use domain::wire::{CampaignInput, Update, UpdateInput};
use domain::{Campaign, FieldError, FieldErrors, PaymentMode};
use std::sync::Arc;

/// Creates a campaign of `site`. Without an id, one is made from the title (with a random
/// suffix when that is taken); a given id that is taken is a 422 `duplicate`.
/// `cards` says whether this server takes cards (it has Stripe's keys).
pub async fn create(
    store: &Store,
    hub: &Hub,
    site: &str,
    mut input: CampaignInput,
    cards: bool,
) -> Result<Arc<Entry>, Error> {
    let chosen = !input.id.trim().is_empty();
    if !chosen {
        input.id = slug_from_title(&input.title);
    }
    for attempt in 0..4 {
        let candidate = if attempt == 0 || chosen {
            input.clone()
        } else {
            let id = format!("{}-{}", input.id, crate::ids::alphanumeric(5).to_ascii_lowercase());
            input.clone().with_id(id)
        };
        let campaign = Campaign::new(candidate).map_err(Error::Invalid)?;
        offered(&campaign, cards)?;
        let now = crate::now();
        if let Some(counts) = store.create_campaign(site, &campaign, now).await? {
            return Ok(hub.insert(campaign, site, counts, now));
        }
        if chosen {
            break;
        }
    }
    Err(Error::Invalid(one("id", FieldError::Duplicate)))
}

/// Applies `patch` to campaign `id` of `site`, unless what it changes is locked by pledges.
pub async fn edit(
    store: &Store,
    hub: &Hub,
    site: &str,
    id: &str,
    patch: CampaignPatch,
    cards: bool,
) -> Result<Arc<Entry>, Error> {
    if patch.id.as_deref().is_some_and(|new| new != id) {
        return Err(Error::Locked(one("id", FieldError::Locked)));
    }
    let now = crate::now();
    let edited = store
        .edit_campaign((site, id), now, |old, counts| {
            let new = Campaign::new(patch.apply(old.to_input())).map_err(Error::Invalid)?;
            offered(&new, cards)?;
            let locked = locked_fields(old, &new, counts, now);
            if locked.is_empty() { Ok(new) } else { Err(Error::Locked(locked)) }
        })
        .await?;
    publish(hub, site, edited)
}

/// Refuses what this server does not offer: card payments need Stripe's keys.
fn offered(campaign: &Campaign, cards: bool) -> Result<(), Error> {
    if campaign.payments() == PaymentMode::Stripe && !cards {
        return Err(Error::Invalid(one("payments", FieldError::NotAvailable)));
    }
    Ok(())
}

/// Cancels campaign `id` of `site`: it shows as cancelled everywhere and takes no pledges.
pub async fn cancel(store: &Store, hub: &Hub, site: &str, id: &str) -> Result<Arc<Entry>, Error> {
    let cancelled = match store.cancel_campaign(site, id, crate::now()).await? {
        Edited::Done(done) => Edited::Done(done),
        Edited::NotFound | Edited::Cancelled | Edited::Refused(()) => Edited::NotFound,
    };
    publish(hub, site, cancelled)
}

/// Posts an update to campaign `id` of `site`, mailed to its audience (every backer when
/// it names none).
pub async fn post_update(
    store: &Store,
    hub: &Hub,
    site: &str,
    id: &str,
    input: UpdateInput,
) -> Result<Update, Error> {
    let entry = hub.get(id).filter(|e| e.site == site).ok_or(Error::NotFound)?;
    let now = crate::now();
    let checked = input.check();
    let audience = input.audience.check(&entry.snapshot(now).campaign);
    let (title, body) = match (checked, audience) {
        (Ok(words), Ok(())) => words,
        (Err(mut errors), Err(more)) => {
            for (field, error) in more.iter() {
                errors.add(field, error.clone());
            }
            return Err(Error::Invalid(errors));
        }
        (Err(errors), _) | (_, Err(errors)) => return Err(Error::Invalid(errors)),
    };
    let update_id = crate::ids::time_ordered();
    let counts = store.post_update(id, &update_id, (&title, &body), &input.audience, now).await?;
    entry.publish(counts, now);
    Ok(Update { id: update_id, title, body, published_at: now })
}

/// Replaces the production timeline of campaign `id` of `site`: what it now is, or every
/// problem with `input`.
pub async fn set_milestones(
    store: &Store,
    hub: &Hub,
    site: &str,
    id: &str,
    input: Vec<domain::milestones::Milestone>,
) -> Result<Vec<domain::milestones::Milestone>, Error> {
    let entry = hub.get(id).filter(|e| e.site == site).ok_or(Error::NotFound)?;
    let milestones = domain::milestones::check(input).map_err(Error::Invalid)?;
    let counts = store.set_milestones(id, &milestones).await?;
    entry.publish(counts, crate::now());
    Ok(milestones)
}

fn publish(hub: &Hub, site: &str, edited: Edited<Error>) -> Result<Arc<Entry>, Error> {
    match edited {
        Edited::Done(done) => {
            let (campaign, counts) = *done;
            Ok(hub.insert(campaign, site, counts, crate::now()))
        }
        Edited::NotFound => Err(Error::NotFound),
        Edited::Cancelled => Err(Refusal::Cancelled.into()),
        Edited::Refused(error) => Err(error),
    }
}

/// Field errors under one field, for the few refusals made here.
fn one(field: &str, error: FieldError) -> FieldErrors {
    [(field.to_owned(), error)].into_iter().collect()
}

/// Where a definition written as a whole is published.
#[derive(Debug, Clone, Copy)]
pub enum Published<'a> {
    /// A new campaign, from the draft with this id; `id_from_title` when no id was given.
    New { draft_id: &'a str, id_from_title: bool },
    /// The campaign with this id, every field of which is replaced.
    Existing(&'a str),
}

/// Publishes a definition written as a whole: applied to the campaign it replaces, or
/// created once however often it is published. The campaign's id, or why not.
pub async fn publish_whole(
    store: &Store,
    hub: &Hub,
    site: &str,
    target: Published<'_>,
    input: CampaignInput,
    cards: bool,
) -> Result<String, Error> {
    match target {
        Published::Existing(id) => {
            edit(store, hub, site, id, CampaignPatch::replacing(input), cards).await.map(|_| id.to_owned())
        }
        Published::New { draft_id, id_from_title } => {
            create_once(store, hub, site, (draft_id, id_from_title), input, cards).await
        }
    }
}

/// Creates a new draft's campaign once, however often it is published: the id is chosen
/// or made from the title, and when the title's is taken, made from the draft's own id; a
/// campaign of this site already there with exactly this definition is this draft,
/// published.
async fn create_once(
    store: &Store,
    hub: &Hub,
    site: &str,
    (draft_id, id_from_title): (&str, bool),
    input: CampaignInput,
    cards: bool,
) -> Result<String, Error> {
    let mut ids = vec![input.id.clone()];
    if id_from_title {
        ids.push(format!("{}-{}", input.id, draft_id.get(1..7).unwrap_or(draft_id)));
    }
    let mut refusal = None;
    for id in ids {
        let input = input.clone().with_id(id.clone());
        match create(store, hub, site, input.clone(), cards).await {
            Err(Error::Invalid(errors))
                if errors.iter().any(|(f, e)| f == "id" && *e == FieldError::Duplicate) =>
            {
                // Read from the database: another press may have created it a moment ago,
                // before this server's hub heard of it.
                if let Some(stored) = store.campaign(&id).await?
                    && stored.site == site
                    && stored.campaign.to_input() == input
                {
                    return Ok(id);
                }
                refusal = Some(Error::Invalid(errors));
            }
            done => return done.map(|_| id),
        }
    }
    Err(refusal.expect("at least one id was tried"))
}
