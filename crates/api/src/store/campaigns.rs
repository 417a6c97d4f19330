//! What creators do to campaigns: create, edit, cancel. Each is one transaction; an edit
//! and a cancellation lock the campaign row first (as the pledge writer does), bump `seq`
//! so viewers get the change, and notify other replicas.
//!
//! An edit and a cancellation move `revision` in their transaction, so the writer refuses a
//! pledge checked against the definition before (`Refusal::Changed`). An edit is checked
//! against the counts read inside its own transaction, under the campaign's row lock, so no
//! pledge slips in between the check and the write.

use super::db::{Conn, on_conn};
use super::{Store, begin_write, counts, finish, notify};
use domain::progress::Counts;
use domain::{Campaign, Timestamp};

/// The outcome of an edit the store could carry out or refuse.
#[derive(Debug)]
pub enum Edited<E> {
    /// Committed: the stored campaign and its counts, ready to publish.
    Done(Box<(Campaign, Counts)>),
    /// No campaign with that id on that site.
    NotFound,
    /// The campaign was cancelled; nothing changes any more.
    Cancelled,
    /// The caller's check refused the edit.
    Refused(E),
}

impl Store {
    /// The money that counts toward the goal (live pledges; with payments, only secured or
    /// paid ones) and the live pledges, for checking that the counters agree with them.
    pub async fn recount(&self, campaign_id: &str) -> anyhow::Result<(i64, i64)> {
        let mut conn = self.readers.acquire().await?;
        let sums: (i64, i64) = on_conn!(&mut conn, |c| {
            sqlx::query_as(sql(
            "SELECT CAST(COALESCE(SUM(CASE WHEN payment_status IS NULL OR payment_status IN ('secured', 'paid') \
             THEN amount ELSE 0 END), 0) AS BIGINT), COUNT(*) FROM pledges WHERE campaign_id = ? AND cancelled_at IS NULL"
        )).bind(campaign_id).fetch_one(&mut **c).await
        })?;
        Ok(sums)
    }

    /// Creates a campaign of `site` with zero counts; its tiers and option values get their
    /// rows. `Ok(None)` when a campaign with this id exists already (perhaps made on another
    /// replica just now).
    pub async fn create_campaign(
        &self,
        site: &str,
        campaign: &Campaign,
        now: Timestamp,
    ) -> anyhow::Result<Option<Counts>> {
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let created: anyhow::Result<Option<Counts>> = async {
            let definition = serde_json::to_string(&campaign.to_input())?;
            let id = campaign.id().as_str();
            let inserted = on_conn!(&mut conn, |c| sqlx::query(sql(
                "INSERT INTO campaigns (id, site_id, definition, created_at) VALUES (?, ?, ?, ?)"
            ))
            .bind(id)
            .bind(site)
            .bind(&definition)
            .bind(now.unix())
            .execute(&mut **c)
            .await
            .map(|_| ()));
            match inserted {
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(None),
                other => other?,
            }
            sync_tiers(&mut conn, None, campaign).await?;
            notify(&mut conn, id).await?;
            Ok(Some(counts(&mut conn, id).await?))
        }
        .await;
        finish(&mut conn, created).await
    }

    /// Edits campaign `id` of `site` at `now`: `edit` gets the stored definition and the
    /// counts as they are inside the transaction (so no pledge can slip in between the
    /// check and the write) and returns the new definition or refuses. A campaign settled
    /// at its old end whose end moves past `now` is no longer settled: it is settled again
    /// at its new end, by the dates stored.
    pub async fn edit_campaign<E>(
        &self,
        (site, id): (&str, &str),
        now: Timestamp,
        edit: impl FnOnce(&Campaign, &Counts) -> Result<Campaign, E>,
    ) -> anyhow::Result<Edited<E>> {
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let offered = std::sync::atomic::AtomicBool::new(false);
        let edited: anyhow::Result<Edited<E>> = async {
            let Some(old) = lock(&mut conn, Some(site), id).await? else { return Ok(Edited::NotFound) };
            let before = counts(&mut conn, id).await?;
            if before.cancelled {
                return Ok(Edited::Cancelled);
            }
            let new = match edit(&old, &before) {
                Ok(new) => new,
                Err(refusal) => return Ok(Edited::Refused(refusal)),
            };
            let definition = serde_json::to_string(&new.to_input())?;
            on_conn!(&mut conn, |c| sqlx::query(sql(
                "UPDATE campaigns SET definition = ?, revision = revision + 1, seq = seq + 1 WHERE id = ?"
            ))
            .bind(&definition)
            .bind(id)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
            sync_tiers(&mut conn, Some(&old), &new).await?;
            // A raised limit goes first to those waiting for the tier, in line.
            let made = super::waitlist::serve_raised(&mut conn, (&old, &new), &self.offer_terms, now).await?;
            offered.store(made > 0, std::sync::atomic::Ordering::Relaxed);
            if new.ends_at() != old.ends_at() && new.ends_at() > now {
                // Settled at its old end (only possible with no backers): it runs again,
                // and is settled again at its new end.
                on_conn!(&mut conn, |c| sqlx::query(sql(
                    "UPDATE campaigns SET settled_at = NULL, outcome = NULL WHERE id = ?"
                ))
                .bind(id)
                .execute(&mut **c)
                .await
                .map(|_| ()))?;
            }
            notify(&mut conn, id).await?;
            let after = counts(&mut conn, id).await?;
            Ok(Edited::Done(Box::new((new, after))))
        }
        .await;
        let outcome = finish(&mut conn, edited).await;
        if offered.load(std::sync::atomic::Ordering::Relaxed) && outcome.is_ok() {
            // Offers without payments become pledges at once, by the server's round.
            self.offer_terms.offered.notify_one();
        }
        outcome
    }

    /// Cancels campaign `id` of `site`; cancelling again changes nothing. In the same
    /// transaction every pledge whose money was not taken becomes `void`, so no card is
    /// saved or charged for it afterwards; paid cards are refunded by `payments::cards`.
    pub async fn cancel_campaign(&self, site: &str, id: &str, now: Timestamp) -> anyhow::Result<Edited<()>> {
        let mut conn = self.readers.acquire().await?;
        begin_write(&mut conn).await?;
        let cancelled: anyhow::Result<Edited<()>> = async {
            let Some(campaign) = lock(&mut conn, Some(site), id).await? else { return Ok(Edited::NotFound) };
            let changed = on_conn!(&mut conn, |c| sqlx::query(sql(
                "UPDATE campaigns SET cancelled_at = ?, revision = revision + 1, seq = seq + 1 WHERE id = ? AND cancelled_at IS NULL"
            )).bind(now.unix()).bind(id).execute(&mut **c).await.map(|r| r.rows_affected()))?;
            if changed == 1 {
                super::payments::void_unpaid(&mut conn, id).await?;
                super::waitlist::close(&mut conn, id, now).await?;
            }
            notify(&mut conn, id).await?;
            Ok(Edited::Done(Box::new((campaign, counts(&mut conn, id).await?))))
        }
        .await;
        finish(&mut conn, cancelled).await
    }
}

/// Reads (and on PostgreSQL locks) campaign `id`, of `site` when one is named.
pub(super) async fn lock(conn: &mut Conn, site: Option<&str>, id: &str) -> anyhow::Result<Option<Campaign>> {
    let row: Option<(String,)> = match conn {
        Conn::Sqlite(c) => {
            sqlx::query_as("SELECT definition FROM campaigns WHERE id = ? AND (? IS NULL OR site_id = ?)")
                .bind(id)
                .bind(site)
                .bind(site)
                .fetch_optional(&mut **c)
                .await?
        }
        Conn::Postgres(c) => {
            sqlx::query_as(
                "SELECT definition FROM campaigns WHERE id = $1 AND ($2::TEXT IS NULL OR site_id = $2) FOR UPDATE",
            )
            .bind(id)
            .bind(site)
            .fetch_optional(&mut **c)
            .await?
        }
    };
    let Some((definition,)) = row else { return Ok(None) };
    let campaign = Campaign::new(serde_json::from_str(&definition)?)
        .map_err(|e| anyhow::anyhow!("stored campaign {id} is invalid: {e:?}"))?;
    Ok(Some(campaign))
}

/// Brings the tier and option-value rows from `old`'s tiers to `new`'s: new ones are
/// inserted, changed limits written, unclaimed ones that are gone deleted. The `claimed = 0`
/// conditions and the `CHECK` on limits make the database refuse anything the edit rules
/// should already have refused.
async fn sync_tiers(conn: &mut Conn, old: Option<&Campaign>, new: &Campaign) -> anyhow::Result<()> {
    let id = new.id().as_str();
    let old_tiers = old.map(Campaign::tiers).unwrap_or_default();
    for tier in new.tiers() {
        let tier_id = tier.id().as_str();
        let limit = tier.limit().map(i64::from);
        let before = old_tiers.iter().find(|t| t.id() == tier.id());
        if before.is_some() {
            on_conn!(&mut *conn, |c| sqlx::query(sql(
                "UPDATE tiers SET max_claims = ? WHERE campaign_id = ? AND id = ?"
            ))
            .bind(limit)
            .bind(id)
            .bind(tier_id)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
        } else {
            // A tier id used before keeps counting its waitlist's places on from its last.
            on_conn!(&mut *conn, |c| sqlx::query(sql(
                "INSERT INTO tiers (campaign_id, id, max_claims, queued) VALUES (?, ?, ?, \
                 (SELECT COALESCE(MAX(position), 0) FROM waitlist WHERE campaign_id = ? AND tier_id = ?))"
            ))
            .bind(id)
            .bind(tier_id)
            .bind(limit)
            .bind(id)
            .bind(tier_id)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
        }
        let had = |name: &str, value: &str| {
            before.and_then(|t| t.option(name)).is_some_and(|g| g.value(value).is_some())
        };
        for group in tier.options() {
            for value in group.values().iter().filter(|v| !had(group.name(), v.value())) {
                on_conn!(&mut *conn, |c| sqlx::query(sql(
                    "INSERT INTO option_values (campaign_id, tier_id, name, value) VALUES (?, ?, ?, ?)"
                ))
                .bind(id)
                .bind(tier_id)
                .bind(group.name())
                .bind(value.value())
                .execute(&mut **c)
                .await
                .map(|_| ()))?;
            }
        }
        for group in before.map(|t| t.options()).unwrap_or_default() {
            for value in group.values() {
                if tier.option(group.name()).and_then(|g| g.value(value.value())).is_none() {
                    delete_value(conn, id, tier_id, group.name(), value.value()).await?;
                }
            }
        }
    }
    for gone in old_tiers.iter().filter(|t| new.tier(t.id().as_str()).is_none()) {
        let tier_id = gone.id().as_str();
        for group in gone.options() {
            for value in group.values() {
                delete_value(conn, id, tier_id, group.name(), value.value()).await?;
            }
        }
        let deleted = on_conn!(&mut *conn, |c| sqlx::query(sql(
            "DELETE FROM tiers WHERE campaign_id = ? AND id = ? AND claimed = 0"
        ))
        .bind(id)
        .bind(tier_id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
        anyhow::ensure!(deleted == 1, "tier {tier_id} of {id} has claims and cannot be removed");
    }
    Ok(())
}

async fn delete_value(
    conn: &mut Conn,
    campaign: &str,
    tier: &str,
    name: &str,
    value: &str,
) -> anyhow::Result<()> {
    let deleted = on_conn!(conn, |c| {
        sqlx::query(sql(
        "DELETE FROM option_values WHERE campaign_id = ? AND tier_id = ? AND name = ? AND value = ? AND claimed = 0"
    )).bind(campaign).bind(tier).bind(name).bind(value).execute(&mut **c).await.map(|r| r.rows_affected())
    })?;
    anyhow::ensure!(
        deleted == 1,
        "option value {name}={value} of {campaign}/{tier} has claims and cannot be removed"
    );
    Ok(())
}
