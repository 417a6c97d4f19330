//! A backer whose chosen value was not made, in a campaign whose creator offers the values
//! that are (`unmade: "switch"`), chooses one: `POST /api/v1/receipts/{token}/options`.
//! Until they do, or their seven days run out (then the pledge is cancelled and refunded),
//! their card is not charged.

use super::Cards;
use crate::error::Error;
use crate::store::StoredPledge;
use crate::store::unmade::Switched;
use domain::wire::OptionsChoice;
use domain::{FieldError, FieldErrors, Timestamp};

/// Until when the backer of `pledge` may choose another value; `None` when they need not.
pub fn choose_by(pledge: &StoredPledge) -> Option<Timestamp> {
    pledge.unmade_due_at.filter(|due| !pledge.cancelled && *due > crate::now())
}

/// Switches the pledge behind `token` to the values chosen, each of which must be made;
/// the card is charged after. A value the pledge leaves that was made stays made: a switch
/// that would drop it below its batch is refused. The API and the receipt page's plain
/// form both come here.
pub async fn switch(state: &Cards, token: &str, choice: &OptionsChoice) -> Result<(), Error> {
    if !crate::ids::is_receipt_token(token) {
        return Err(Error::NotFound);
    }
    let pledge = state.store.receipt(token).await?.ok_or(Error::NotFound)?;
    let (Some(tier), Some(entry)) = (pledge.tier_id.clone(), state.hub.get(&pledge.campaign_id)) else {
        return Err(Error::NotPayable);
    };
    if choose_by(&pledge).is_none() {
        return Err(Error::NotPayable);
    }
    let snapshot = entry.snapshot(crate::now());
    let claimed = |name: &str, value: &str| {
        let tier = snapshot.view.tiers.iter().find(|t| t.id == tier);
        let option = tier.and_then(|t| t.options.iter().find(|o| o.name == name));
        option.and_then(|o| o.values.iter().find(|v| v.value == value)).map_or(0, |v| v.claimed)
    };
    let mut new = pledge.options.clone();
    let mut errors = FieldErrors::new();
    for (name, value) in &choice.options {
        let path = format!("options.{name}");
        if !pledge.options.contains_key(name) {
            errors.add(path, FieldError::UnknownOption);
        } else if !snapshot.campaign.is_made(&tier, name, value, claimed(name, value)) {
            errors.add(path, FieldError::NotMade);
        } else {
            new.insert(name.clone(), value.clone());
        }
    }
    let still_unmade =
        new.iter().any(|(name, value)| !snapshot.campaign.is_made(&tier, name, value, claimed(name, value)));
    if still_unmade && errors.is_empty() {
        errors.add("options", FieldError::NotMade);
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let now = crate::now();
    let at = (snapshot.campaign.as_ref(), pledge.id.as_str(), tier.as_str(), pledge.quantity);
    match state.store.switch_options(at, &pledge.options, &new, now).await? {
        Switched::Done(counts) => {
            entry.publish(*counts, now);
            Ok(())
        }
        Switched::NotOffered => Err(Error::NotPayable),
        Switched::WouldUnmake(options) => {
            let mut errors = FieldErrors::new();
            for name in options {
                errors.add(format!("options.{name}"), FieldError::WouldUnmake);
            }
            Err(Error::Invalid(errors))
        }
    }
}
