//! `GET /api/v1/campaigns/{id}/pledges` (a page, newest first) and
//! `GET /api/v1/campaigns/{id}/pledges.csv` (every pledge, streamed from the database in
//! chunks so an export of any size holds one chunk in memory).
//!
//! The export reads chunks of 1,000 pledges by id, each one query on a pooled connection,
//! so a slow download holds no connection. The dashboard's download is the same
//! [`csv_response`].

use super::Creator;
use crate::error::Error;
use crate::http::state::AppState;
use crate::store::backers::BackerRow;
use crate::store::{BackerFilter, Cursor, Store};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use domain::wire::{BackerFilters, BackerPage, BackerView, PaymentInfo, Problem};
use domain::{Campaign, Currency, Timestamp};
use std::collections::BTreeMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(page)).routes(routes!(export))
}

/// Pledges per page unless asked otherwise, and the most one page holds.
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;
/// Rows read from the database per chunk of the export.
const EXPORT_CHUNK: u32 = 1_000;

#[derive(Debug, serde::Deserialize)]
struct PageQuery {
    limit: Option<String>,
    cursor: Option<String>,
    #[serde(flatten)]
    filters: BackerFilters,
}

/// The store's filter for a list's query parameters (the creator API's and the dashboard's),
/// or which one is malformed.
pub(crate) fn filter_of(filters: &BackerFilters) -> Result<BackerFilter, Error> {
    let given = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let f = filters;
    if [&f.q, &f.tier, &f.option, &f.source].iter().any(|s| s.chars().count() > 200) {
        return Err(Error::Malformed("Filters are at most 200 characters.".into()));
    }
    let option = match given(&f.option) {
        None => None,
        Some(pair) => {
            let (name, value) = pair
                .split_once(':')
                .ok_or_else(|| Error::Malformed("option is name:value, e.g. colour:red.".into()))?;
            Some((name.to_owned(), value.to_owned()))
        }
    };
    let cancelled = match f.status.trim() {
        "" => None,
        "live" => Some(false),
        "cancelled" => Some(true),
        _ => return Err(Error::Malformed("status is live or cancelled.".into())),
    };
    Ok(BackerFilter {
        search: given(&f.q),
        tier: given(&f.tier),
        option,
        cancelled,
        source: given(&f.source),
    })
}

/// A page of pledges, newest first, contacts included; optionally filtered.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/pledges", tag = "creator", security(("creator_key" = [])),
    params(("id" = String, Path, description = "The campaign's id"),
           ("limit" = Option<u32>, Query, description = "1 to 500; 50 when absent"),
           ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
           ("q" = Option<String>, Query, description = "A piece of the name or contact"),
           ("tier" = Option<String>, Query, description = "Only this tier"),
           ("option" = Option<String>, Query, description = "Only this variant, name:value (colour:red)"),
           ("status" = Option<String>, Query, description = "live or cancelled"),
           ("source" = Option<String>, Query, description = "Only this src tag")),
    responses((status = 200, body = BackerPage), (status = 400, body = Problem), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn page(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<axum::Json<BackerPage>, Error> {
    creator.campaign(&state, &id)?;
    let limit = match query.limit.as_deref() {
        None => DEFAULT_LIMIT,
        Some(text) => text.parse::<u32>().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(|| {
            Error::Malformed(format!("limit must be a whole number from 1 to {MAX_LIMIT}."))
        })?,
    };
    let cursor = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(text) => Some(
            Cursor::parse(text).ok_or_else(|| Error::Malformed("cursor is not one this API gave.".into()))?,
        ),
    };
    let filter = filter_of(&query.filters)?;
    let found = state.store.backers(&id, &filter, limit, cursor.as_ref()).await?;
    let pledges = found.pledges.into_iter().map(backer).collect::<anyhow::Result<_>>()?;
    Ok(axum::Json(BackerPage { pledges, next_cursor: found.next.map(|c| c.as_str().to_owned()) }))
}

/// Whether the pledge whose link brought `row` is its own backer's (the same contact).
fn self_referral(row: &BackerRow) -> bool {
    row.referred_by.is_some()
        && row.referrer_contact.as_deref().is_some_and(|c| domain::text::same_contact(c, &row.contact))
}

pub(crate) fn backer(row: BackerRow) -> anyhow::Result<BackerView> {
    let own = self_referral(&row);
    Ok(BackerView {
        options: serde_json::from_str(&row.options)?,
        status: if row.cancelled_at.is_some() { "cancelled" } else { "live" }.to_owned(),
        created_at: Timestamp::from_unix(row.created_at),
        quantity: u32::try_from(row.quantity)?,
        id: row.id,
        name: row.name,
        contact: row.contact,
        public: row.public,
        tier: row.tier_id,
        amount: row.amount,
        message: row.message,
        referral_code: row.referral_code,
        self_referral: own,
        referred_by: row.referred_by,
        source: row.source,
        host_page: row.host_page,
        recruits: u32::try_from(row.recruits).unwrap_or(0),
        recruited_amount: row.recruited_amount,
        payment: row.payment_status.as_deref().map(PaymentInfo::status),
        mail: row.undeliverable.map(|_| "undeliverable".to_owned()),
        ship_to: row.ship_to,
        shipping: row.shipping,
    })
}

/// Every pledge as CSV: UTF-8 with a byte-order mark, a column per option group, formula
/// cells neutralised.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/pledges.csv", tag = "creator", security(("creator_key" = [])), params(("id" = String, Path, description = "The campaign's id")),
    responses((status = 200, content_type = "text/csv", description = "One row per pledge, oldest first"),
              (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn export(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let entry = creator.campaign(&state, &id)?;
    csv_response(&state, &entry)
}

/// A campaign's backers as a streamed CSV download: for the creator API and the dashboard.
pub(crate) fn csv_response(
    state: &AppState,
    entry: &std::sync::Arc<crate::hub::Entry>,
) -> Result<Response, Error> {
    let campaign = entry.snapshot(crate::now()).campaign.clone();
    let id = campaign.id().to_string();
    let columns = option_columns(&campaign);
    let mut head = String::from("\u{feff}");
    let mut header_row: Vec<String> =
        ["id", "created_at", "status", "name", "contact", "public", "tier", "quantity"]
            .map(String::from)
            .to_vec();
    header_row.extend(columns.iter().cloned());
    header_row.extend(
        [
            "amount",
            "currency",
            "ship_to",
            "shipping",
            "message",
            "referral_code",
            "referred_by",
            "self_referral",
            "source",
            "host_page",
            "mail",
        ]
        .map(String::from),
    );
    push_row(&mut head, &header_row);
    let rows = Rows {
        store: state.store.clone(),
        campaign: id.clone(),
        after: String::new(),
        columns,
        currency: campaign.currency(),
        done: false,
    };
    let body = futures::stream::unfold(rows, |mut rows| async move {
        let chunk = rows.next().await?;
        Some((chunk, rows))
    });
    csv_download(&format!("{id}-backers.csv"), head, body)
}

/// A streamed CSV download named `filename`: its `head` (the BOM and the header row), then
/// what `rows` yields. Never cached: it holds backers' contacts.
pub(crate) fn csv_download(
    filename: &str,
    head: String,
    rows: impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
) -> Result<Response, Error> {
    let body = futures::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(head)) }).chain(rows);
    let disposition = format!("attachment; filename=\"{filename}\"");
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(anyhow::Error::from)?),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

use futures::StreamExt;

/// The export's progress through the campaign's pledges, oldest first.
struct Rows {
    store: Store,
    campaign: String,
    after: String,
    columns: Vec<String>,
    currency: Currency,
    done: bool,
}

impl Rows {
    /// The next chunk as CSV text; `None` after the last. A database failure ends the body
    /// with an error, so the client sees a broken download rather than a short file.
    async fn next(&mut self) -> Option<Result<Bytes, std::io::Error>> {
        if self.done {
            return None;
        }
        let chunk = match self.store.backers_after(&self.campaign, &self.after, EXPORT_CHUNK).await {
            Ok(chunk) => chunk,
            Err(e) => {
                tracing::error!(error = ?e, campaign = %self.campaign, "export failed");
                self.done = true;
                return Some(Err(std::io::Error::other("export failed")));
            }
        };
        if chunk.len() < EXPORT_CHUNK as usize {
            self.done = true;
        }
        let last = chunk.last()?;
        self.after = last.id.clone();
        let mut out = String::with_capacity(chunk.len() * 160);
        for row in chunk {
            let own = self_referral(&row);
            let options: BTreeMap<String, String> = serde_json::from_str(&row.options).unwrap_or_default();
            let mut cells = vec![
                row.id,
                Timestamp::from_unix(row.created_at).to_string(),
                if row.cancelled_at.is_some() { "cancelled" } else { "live" }.to_owned(),
                row.name,
                row.contact,
                if row.public { "yes" } else { "no" }.to_owned(),
                row.tier_id.unwrap_or_default(),
                row.quantity.to_string(),
            ];
            cells.extend(self.columns.iter().map(|c| options.get(c).cloned().unwrap_or_default()));
            cells.push(major_units(row.amount, self.currency));
            cells.push(self.currency.code().to_owned());
            cells.push(row.ship_to.unwrap_or_default());
            cells.push(major_units(row.shipping, self.currency));
            cells.push(row.message.unwrap_or_default());
            cells.push(row.referral_code);
            cells.push(row.referred_by.unwrap_or_default());
            cells.push(if own { "yes" } else { "" }.to_owned());
            cells.push(row.source.unwrap_or_default());
            cells.push(row.host_page.unwrap_or_default());
            cells.push(if row.undeliverable.is_some() { "undeliverable" } else { "" }.to_owned());
            push_row(&mut out, &cells);
        }
        Some(Ok(Bytes::from(out)))
    }
}

/// One column per option group, in the order the campaign's tiers first name them.
fn option_columns(campaign: &Campaign) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for group in campaign.tiers().iter().flat_map(|t| t.options()) {
        if !columns.iter().any(|c| c == group.name()) {
            columns.push(group.name().to_owned());
        }
    }
    columns
}

/// `29900` fen as `299.00`: a number a spreadsheet sums, without a currency sign.
fn major_units(minor: i64, currency: Currency) -> String {
    let per = currency.minor_per_major();
    format!("{}{}.{:02}", if minor < 0 { "-" } else { "" }, minor.abs() / per, minor.abs() % per)
}

/// Appends one CSV row (RFC 4180, CRLF line ends).
pub(crate) fn push_row(out: &mut String, cells: &[String]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_cell(out, cell);
    }
    out.push_str("\r\n");
}

/// A cell that a spreadsheet could read as a formula (`=`, `+`, `-`, `@`, tab, carriage
/// return first) gets a leading `'` (OWASP's CSV injection advice); a cell with a comma,
/// a quote or a line break is quoted.
fn push_cell(out: &mut String, cell: &str) {
    let neutralise = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = neutralise || cell.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if neutralise {
        out.push('\'');
    }
    for c in cell.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quote {
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> String {
        let mut out = String::new();
        push_row(&mut out, &cells.iter().map(|c| c.to_string()).collect::<Vec<_>>());
        out
    }

    #[test]
    fn formula_cells_are_neutralised_and_special_characters_quoted() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""),
            ("+1", "\"'+1\""),
            ("-2+3", "\"'-2+3\""),
            ("@SUM(A1)", "\"'@SUM(A1)\""),
            ("\tx", "\"'\tx\""),
            ("\rx", "\"'\rx\""),
            ("a,b", "\"a,b\""),
            ("line\nbreak", "\"line\nbreak\""),
            ("李小梅", "李小梅"),
            ("plain", "plain"),
        ] {
            assert_eq!(row(&[cell]), format!("{written}\r\n"), "{cell:?}");
        }
    }

    #[test]
    fn amounts_are_written_in_major_units() {
        assert_eq!(major_units(29_900, Currency::Cny), "299.00");
        assert_eq!(major_units(5, Currency::Usd), "0.05");
    }
}
