//! A campaign's live numbers as viewers see them: the totals, each tier's and value's
//! claims, and the extras (the newest update, the tribe, the timeline), read inside
//! whatever transaction the caller is in. The extras are read again only when
//! `extras_version` moved, which [`extras_moved`] does beside every change to them.

use super::db::{Conn, TierRow, TotalsRow, ValueRow, on_conn};
use super::{milestones, notify, tribe};
use domain::Timestamp;
use domain::progress::Counts;
use domain::wire::UpdateNotice;

/// Moves `campaign`'s `seq` and `extras_version` and tells the other replicas, in the
/// caller's transaction: viewers get the changed extras with the next numbers.
pub(crate) async fn extras_moved(conn: &mut Conn, campaign: &str) -> anyhow::Result<()> {
    on_conn!(&mut *conn, |c| sqlx::query(sql(
        "UPDATE campaigns SET seq = seq + 1, extras_version = extras_version + 1 WHERE id = ?"
    ))
    .bind(campaign)
    .execute(&mut **c)
    .await
    .map(|_| ()))?;
    notify(conn, campaign).await
}

/// A campaign's live numbers, read inside whatever transaction `conn` is in.
pub(crate) async fn counts(conn: &mut Conn, campaign_id: &str) -> anyhow::Result<Counts> {
    counts_since(conn, campaign_id, None).await
}

/// A campaign's live numbers; the tribe and the newest update are taken from `previous`
/// when its `extras_version` is still current (the pledge writer's common case: a batch
/// of private pledges changes neither), and read otherwise.
pub(crate) async fn counts_since(
    conn: &mut Conn,
    campaign_id: &str,
    previous: Option<&Counts>,
) -> anyhow::Result<Counts> {
    let totals: TotalsRow = on_conn!(conn, |c| {
        sqlx::query_as(sql(
        "SELECT raised, pledged, backers, seq, revision, cancelled_at, cover_id, extras_version FROM campaigns WHERE id = ?"
    )).bind(campaign_id).fetch_one(&mut **c).await
    })?;
    let extras_version = u64::try_from(totals.extras_version).unwrap_or(0);
    let (latest_update, leaders, wall, milestones) =
        match previous.filter(|p| p.extras_version == extras_version) {
            Some(previous) => (
                previous.latest_update.clone(),
                previous.leaders.clone(),
                previous.wall.clone(),
                previous.milestones.clone(),
            ),
            None => {
                let latest: Option<(String, String, i64)> = on_conn!(conn, |c| {
                    sqlx::query_as(sql(
                "SELECT id, title, published_at FROM updates WHERE campaign_id = ? ORDER BY id DESC LIMIT 1"
            )).bind(campaign_id).fetch_optional(&mut **c).await
                })?;
                let latest = latest.map(|(id, title, at)| UpdateNotice {
                    id,
                    title,
                    published_at: Timestamp::from_unix(at),
                });
                (
                    latest,
                    tribe::leaders_in_view(conn, campaign_id).await?,
                    tribe::wall_in_view(conn, campaign_id).await?,
                    milestones::read(conn, campaign_id).await?,
                )
            }
        };
    let tiers: Vec<TierRow> = on_conn!(conn, |c| sqlx::query_as(sql(
        "SELECT id, claimed, waiting FROM tiers WHERE campaign_id = ?"
    ))
    .bind(campaign_id)
    .fetch_all(&mut **c)
    .await)?;
    let values: Vec<ValueRow> = on_conn!(conn, |c| sqlx::query_as(sql(
        "SELECT tier_id, name, value, claimed FROM option_values WHERE campaign_id = ?"
    ))
    .bind(campaign_id)
    .fetch_all(&mut **c)
    .await)?;
    Ok(Counts {
        raised: totals.raised,
        pledged: totals.pledged,
        backers: u64::try_from(totals.backers).unwrap_or(0),
        seq: u64::try_from(totals.seq).unwrap_or(0),
        revision: u64::try_from(totals.revision).unwrap_or(0),
        cancelled: totals.cancelled_at.is_some(),
        cover: totals.cover_id,
        latest_update,
        leaders,
        wall,
        milestones,
        extras_version,
        waiting: tiers.iter().map(|t| (t.id.clone(), u32::try_from(t.waiting).unwrap_or(u32::MAX))).collect(),
        claimed: tiers.into_iter().map(|t| (t.id, u32::try_from(t.claimed).unwrap_or(u32::MAX))).collect(),
        chosen: values
            .into_iter()
            .map(|v| ((v.tier_id, v.name, v.value), u32::try_from(v.claimed).unwrap_or(u32::MAX)))
            .collect(),
    })
}
