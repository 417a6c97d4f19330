//! The batch's waitlist step, after its cancellations: entries released (left, or offers
//! expired), then every tier with units freed offered to its line in order, then joins at
//! the end of each line. Each change moves its campaign's `seq`, and its events and offer
//! mails are queued in the batch's transaction.

use super::Batch;
use crate::store::Refusal;
use crate::store::waitlist::JoinCommand;
use crate::store::waitlist::{self, OfferTerms, event, offered_news, release, serve};
use crate::store::writer::command::{Cancelled, WaitlistRequest, Waitlisted};
use crate::store::writer::state::open_for;
use domain::webhooks::EventType;
use domain::wire::WaitState;
use std::collections::{BTreeMap, BTreeSet};

impl Batch<'_> {
    /// The waitlist step: each request's answer, in order.
    pub(super) async fn waitlists(
        &mut self,
        cancelled: &[Result<Cancelled, Refusal>],
        terms: &OfferTerms,
    ) -> anyhow::Result<Vec<Result<Waitlisted, Refusal>>> {
        let mut freed: BTreeSet<(String, String)> = cancelled
            .iter()
            .flatten()
            .filter(|c| !c.already)
            .filter_map(|c| Some((c.pledge.campaign_id.clone(), c.pledge.tier_id.clone()?)))
            .collect();
        self.tell_taken().await?;
        let mut answers: Vec<Result<Waitlisted, Refusal>> = Vec::with_capacity(self.waitlist.len());
        let to_release = std::mem::take(&mut self.to_release);
        for (request, entry) in self.waitlist.iter().zip(to_release) {
            let WaitlistRequest::Release { to, .. } = request else {
                answers.push(Err(Refusal::Unavailable));
                continue;
            };
            let Some(entry) = entry else {
                answers.push(Err(Refusal::NotFound));
                continue;
            };
            let released = release(self.conn, &entry.entry.id, *to, self.now).await?;
            if let Some(before) = &released {
                let (campaign, tier) = (before.entry.campaign.clone(), before.entry.tier.clone());
                self.totals.entry(campaign.clone()).or_default().changes += 1;
                if before.state() == WaitState::Offered {
                    freed.insert((campaign.clone(), tier));
                }
                if *to == WaitState::Expired && self.listening.contains(&campaign) {
                    let mut after = before.clone();
                    after.entry.state = WaitState::Expired;
                    self.events.push(event(EventType::WaitlistExpired, &after.entry, self.now));
                }
            }
            answers.push(Ok(Waitlisted::Released(released)));
        }
        for (campaign, tier) in freed {
            self.serve(&campaign, &tier, terms).await?;
        }
        self.join(&mut answers).await?;
        Ok(answers)
    }

    /// Joins each tier's line with the batch's joins for it, together and in arrival
    /// order, once each has passed the checks a pledge would.
    async fn join(&mut self, answers: &mut [Result<Waitlisted, Refusal>]) -> anyhow::Result<()> {
        let mut groups: BTreeMap<(&str, &str), Vec<(usize, &JoinCommand)>> = BTreeMap::new();
        for (i, request) in self.waitlist.iter().enumerate() {
            let WaitlistRequest::Join(join) = request else { continue };
            let current = self.current.get(join.campaign.id().as_str());
            match open_for((&join.campaign, join.revision), Some(&join.tier), current, self.now) {
                Err(refusal) => answers[i] = Err(refusal),
                Ok(()) => groups
                    .entry((join.campaign.id().as_str(), join.tier.as_str()))
                    .or_default()
                    .push((i, join)),
            }
        }
        for ((campaign, tier), members) in groups {
            let commands: Vec<&JoinCommand> = members.iter().map(|(_, c)| *c).collect();
            let joined = waitlist::join_group(self.conn, (campaign, tier), &commands, self.now).await?;
            for ((i, _), outcome) in members.iter().zip(joined) {
                if let Ok(joined) = &outcome {
                    self.totals.entry(campaign.to_owned()).or_default().changes += 1;
                    if self.listening.contains(campaign) {
                        self.events.push(event(EventType::WaitlistJoined, &joined.entry, self.now));
                    }
                }
                answers[*i] = outcome.map(Waitlisted::Joined);
            }
        }
        Ok(())
    }

    /// Offers the units freed on `tier` of `campaign` to its line, and tells those offered.
    async fn serve(&mut self, campaign: &str, tier: &str, terms: &OfferTerms) -> anyhow::Result<()> {
        let cancelled = self.current.get(campaign).is_none_or(|c| c.cancelled);
        let Some(definition) = crate::store::campaigns::lock(self.conn, None, campaign).await? else {
            return Ok(());
        };
        let served = serve(self.conn, (&definition, cancelled), tier, terms, self.now).await?;
        if served.is_empty() {
            return Ok(());
        }
        self.totals.entry(campaign.to_owned()).or_default().changes += 1;
        let listening = self.listening.contains(campaign);
        let (events, mails) = offered_news(&served, (&definition, listening), terms, self.now);
        self.events.extend(events);
        self.mails.extend(mails);
        self.offered = true;
        Ok(())
    }

    /// A `waitlist.converted` event for each offer the batch's pledges took.
    async fn tell_taken(&mut self) -> anyhow::Result<()> {
        for (offer, _, _) in &self.taken {
            if let Some(entry) = waitlist::by_id(self.conn, offer).await?
                && self.listening.contains(&entry.entry.campaign)
            {
                self.events.push(event(EventType::WaitlistConverted, &entry.entry, self.now));
            }
        }
        Ok(())
    }
}
