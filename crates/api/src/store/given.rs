//! What a backer gave and was sent, read inside a transaction, and telling the site (and
//! the backer) of a change to it: the module both surveys and shipments build on, so
//! neither needs the other.

use super::StoredPledge;
use super::db::{Conn, PledgeRow, ROWS_PER_INSERT, SELECT_PLEDGE, on_conn};
use super::webhooks::{self, NewEvent};
use domain::Timestamp;
use domain::address::Address;
use domain::webhooks::{DeliveryEvent, EventType};
use domain::wire::ShipmentView;
use sqlx::QueryBuilder;
use std::collections::BTreeMap;
use std::collections::HashMap;

/// What a backer has given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredSurvey {
    pub address: Option<Address>,
    pub answers: BTreeMap<String, String>,
    pub surveyed_at: Option<Timestamp>,
    /// When the backer said the reward arrived.
    pub received_at: Option<Timestamp>,
}

type Row = (Option<String>, Option<String>, Option<i64>, Option<i64>);

pub(crate) fn stored(row: Row) -> anyhow::Result<StoredSurvey> {
    let (address, answers, at, received) = row;
    Ok(StoredSurvey {
        address: address.map(|a| serde_json::from_str(&a)).transpose()?,
        answers: answers.map(|a| serde_json::from_str(&a)).transpose()?.unwrap_or_default(),
        surveyed_at: at.map(Timestamp::from_unix),
        received_at: received.map(Timestamp::from_unix),
    })
}

pub(super) async fn survey(conn: &mut Conn, pledge: &str) -> anyhow::Result<StoredSurvey> {
    let row: Option<Row> = on_conn!(conn, |c| sqlx::query_as(sql(
        "SELECT address, answers, surveyed_at, received_at FROM pledges WHERE id = ?"
    ))
    .bind(pledge)
    .fetch_optional(&mut **c)
    .await)?;
    row.map(stored).transpose().map(Option::unwrap_or_default)
}

/// A parcel as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredShipment {
    pub carrier: String,
    pub tracking_number: String,
    pub items: String,
    pub shipped_at: Timestamp,
}

impl StoredShipment {
    /// The parcel as a receipt and an event show it, with its carrier's tracking link.
    pub fn view(&self) -> ShipmentView {
        ShipmentView {
            tracking_url: domain::carriers::tracking_url(&self.carrier, &self.tracking_number),
            carrier: self.carrier.clone(),
            tracking_number: self.tracking_number.clone(),
            items: self.items.clone(),
            shipped_at: self.shipped_at,
        }
    }
}

/// The parcels sent for `pledge`, oldest first, inside whatever transaction `conn` is in.
pub(super) async fn parcels(conn: &mut Conn, pledge: &str) -> anyhow::Result<Vec<StoredShipment>> {
    let rows: Vec<(String, String, String, i64)> = on_conn!(conn, |c| sqlx::query_as(sql(
        "SELECT carrier, tracking_number, items, shipped_at FROM shipments WHERE pledge_id = ? \
         ORDER BY shipped_at, carrier, tracking_number"
    ))
    .bind(pledge)
    .fetch_all(&mut **c)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(carrier, tracking_number, items, at)| StoredShipment {
            carrier,
            tracking_number,
            items,
            shipped_at: Timestamp::from_unix(at),
        })
        .collect())
}

/// Tells the site's endpoints of `kind` about `pledge` (with its address, answers and
/// parcels), and mails its backer `mail` when mail is on, inside the caller's transaction.
pub(super) async fn tell(
    conn: &mut Conn,
    pledge: &str,
    (kind, mail): (EventType, Option<(&'static str, &str)>),
    now: Timestamp,
) -> anyhow::Result<()> {
    tell_many(conn, &[pledge.to_owned()], (kind, mail, true), now).await
}

/// Tells of `kind` about each of `pledges`, a hundred pledges a query: their events when
/// the site is `listening` (an event for a site without endpoints is written nowhere), and
/// their backers' mails when `mail` is on. An import of many parcels holds its transaction (and SQLite's write lock) for as
/// short a time as the writes take.
pub(super) async fn tell_many(
    conn: &mut Conn,
    pledges: &[String],
    (kind, mail, listening): (EventType, Option<(&'static str, &str)>, bool),
    now: Timestamp,
) -> anyhow::Result<()> {
    for chunk in pledges.chunks(ROWS_PER_INSERT) {
        let head =
            SELECT_PLEDGE.strip_suffix("WHERE id = ?").expect("the pledge query ends by naming its id");
        let rows: Vec<PledgeRow> =
            on_conn!(&mut *conn, |c| in_list(head, "id", chunk).build_query_as().fetch_all(&mut **c).await)?;
        let given: Vec<GivenRow> = on_conn!(&mut *conn, |c| {
            in_list("SELECT id, address, answers, surveyed_at, contact, lang FROM pledges ", "id", chunk)
                .build_query_as()
                .fetch_all(&mut **c)
                .await
        })?;
        let sent: Vec<(String, String, String, String, i64)> = on_conn!(&mut *conn, |c| {
            in_list(
                "SELECT pledge_id, carrier, tracking_number, items, shipped_at FROM shipments ",
                "pledge_id",
                chunk,
            )
            .build_query_as()
            .fetch_all(&mut **c)
            .await
        })?;
        let mut parcels: HashMap<String, Vec<ShipmentView>> = HashMap::new();
        for (pledge, carrier, tracking_number, items, at) in sent {
            let parcel =
                StoredShipment { carrier, tracking_number, items, shipped_at: Timestamp::from_unix(at) };
            parcels.entry(pledge).or_default().push(parcel.view());
        }
        let given: HashMap<String, GivenRow> = given.into_iter().map(|g| (g.id.clone(), g)).collect();
        let (mut events, mut mails) = (Vec::new(), Vec::new());
        for row in rows {
            let stored = StoredPledge::try_from(row)?;
            let Some(g) = given.get(&stored.id) else { continue };
            if listening {
                let survey = self::stored((g.address.clone(), g.answers.clone(), g.surveyed_at, None))?;
                let mut shipments = parcels.remove(&stored.id).unwrap_or_default();
                shipments.sort_by(|a, b| {
                    (a.shipped_at, &a.carrier, &a.tracking_number).cmp(&(
                        b.shipped_at,
                        &b.carrier,
                        &b.tracking_number,
                    ))
                });
                let data = DeliveryEvent {
                    campaign: stored.campaign_id.clone(),
                    pledge: NewEvent::event_pledge(&stored),
                    address: survey.address,
                    answers: survey.answers,
                    shipments,
                };
                events.push(NewEvent::new(&stored.campaign_id, kind, data, now));
            }
            if let (Some((mail, base)), Some(to)) = (mail, domain::contact::email(&g.contact)) {
                mails.push(super::recipients::pledge_mail(
                    (&stored.campaign_id, &stored.id),
                    mail,
                    (to, &g.lang),
                    base,
                ));
            }
        }
        webhooks::queue(conn, &events, now).await?;
        super::mails::queue(conn, &mails, now).await?;
    }
    Ok(())
}

/// What a backer gave, and where their mail goes.
#[derive(sqlx::FromRow)]
struct GivenRow {
    id: String,
    address: Option<String>,
    answers: Option<String>,
    surveyed_at: Option<i64>,
    contact: String,
    lang: String,
}

/// `head` followed by `WHERE {column} IN (…)` over `ids`.
fn in_list<'a, DB: sqlx::Database>(head: &str, column: &str, ids: &'a [String]) -> QueryBuilder<'a, DB>
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut query: QueryBuilder<DB> = QueryBuilder::new(format!("{head}WHERE {column} IN ("));
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(id);
    }
    query.push(")");
    query
}
