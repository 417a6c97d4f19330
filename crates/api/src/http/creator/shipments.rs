//! Shipping, for the creator: the packing list (`GET …/shipments.csv`, streamed in chunks
//! like the backer export), the per-SKU summary (`GET …/shipments/summary`), recording
//! parcels (`POST …/shipments`, JSON or CSV, all or nothing), and the survey's progress
//! (`GET …/survey`). Addresses and answers leave the server only here, to the site's key.

use super::Creator;
use super::backers::push_row;
use crate::delivery::shipments;
use crate::delivery::walk::Walk;
use crate::error::Error;
use crate::http::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use domain::Timestamp;
use domain::address::Address;
use domain::wire::{Problem, ShipmentInput, ShipmentsImported, SkuSummary, SurveySummary};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// An import of 100,000 parcels as CSV is about 6 MB.
const IMPORT_LIMIT: usize = 16 * 1024 * 1024;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(packing_list))
        .routes(routes!(summary))
        .routes(routes!(survey))
        .routes(routes!(remind))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(import))
                .layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub(crate) struct PackingQuery {
    /// Only this SKU (`lamp/colour=red`).
    #[serde(default)]
    sku: String,
    /// Only this destination (a country or region code).
    #[serde(default)]
    to: String,
}

/// The packing list: one row per pledge ready to ship (address given, nothing sent yet),
/// with its address in parts, SKU, quantity and answers; `carrier` and `tracking_number`
/// are left blank to fill in and import back. UTF-8 with a BOM, formula cells neutralised.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/shipments.csv", tag = "creator", security(("creator_key" = [])),
    params(("id" = String, Path, description = "The campaign's id"), PackingQuery),
    responses((status = 200, content_type = "text/csv", description = "One row per pledge ready to ship"),
              (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn packing_list(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
    Query(query): Query<PackingQuery>,
) -> Result<Response, Error> {
    let entry = creator.campaign(&state, &id)?;
    packing_response(&state, &entry, query)
}

/// The packing list as a streamed download: for the creator API and the dashboard.
pub(crate) fn packing_response(
    state: &AppState,
    entry: &std::sync::Arc<crate::hub::Entry>,
    query: PackingQuery,
) -> Result<Response, Error> {
    let campaign = entry.snapshot(crate::now()).campaign.clone();
    let id = campaign.id().to_string();
    let questions: Vec<String> =
        campaign.survey().map(|s| s.questions.iter().map(|q| q.id.clone()).collect()).unwrap_or_default();
    let mut head = String::from("\u{feff}");
    let mut columns: Vec<String> = [
        "reference",
        "recipient",
        "phone",
        "country",
        "region",
        "city",
        "district",
        "line1",
        "line2",
        "postcode",
        "sku",
        "quantity",
    ]
    .map(String::from)
    .to_vec();
    columns.extend(questions.iter().map(|q| format!("answer:{q}")));
    columns.extend(["carrier", "tracking_number", "items"].map(String::from));
    push_row(&mut head, &columns);
    let walk = Rows { walk: Walk::new(&state.store, &campaign), questions, query, done: false };
    let body = futures::stream::unfold(walk, |mut walk| async move { Some((walk.next().await?, walk)) });
    super::backers::csv_download(&format!("{id}-shipments.csv"), head, body)
}

/// The packing list's progress through the campaign's pledges, in id order.
struct Rows {
    walk: Walk,
    questions: Vec<String>,
    query: PackingQuery,
    done: bool,
}

impl Rows {
    /// The next chunk as CSV text: the pledges ready to ship (their survey complete,
    /// nothing sent yet) that the filters keep; `None` after the last. A database failure
    /// ends the body with an error, so the client sees a broken download, not a short file.
    async fn next(&mut self) -> Option<Result<Bytes, std::io::Error>> {
        if self.done {
            return None;
        }
        let chunk = match self.walk.next().await {
            Ok(chunk) => chunk?,
            Err(e) => {
                tracing::error!(error = ?e, "packing list failed");
                self.done = true;
                return Some(Err(std::io::Error::other("packing list failed")));
            }
        };
        let mut out = String::with_capacity(chunk.len() * 200);
        for seen in chunk {
            let (Some(address), true) = (seen.given.address, seen.ships && seen.survey == "complete") else {
                continue;
            };
            let sku = shipments::sku_of(&seen.row);
            let other_sku = !self.query.sku.is_empty() && sku != self.query.sku;
            let elsewhere =
                !self.query.to.is_empty() && !address.country.eq_ignore_ascii_case(self.query.to.trim());
            if seen.row.parcels > 0 || other_sku || elsewhere {
                continue;
            }
            let Address { name, phone, country, region, city, district, line1, line2, postcode } = address;
            let quantity = seen.row.quantity.to_string();
            let mut cells = vec![
                seen.row.id,
                name,
                phone,
                country,
                region,
                city,
                district,
                line1,
                line2,
                postcode,
                sku,
                quantity,
            ];
            cells.extend(
                self.questions.iter().map(|q| seen.given.answers.get(q).cloned().unwrap_or_default()),
            );
            cells.extend([String::new(), String::new(), String::new()]);
            push_row(&mut out, &cells);
        }
        Some(Ok(Bytes::from(out)))
    }
}

/// One line per SKU of the rewards that ship: what the factory order is made from.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/shipments/summary", tag = "creator", security(("creator_key" = [])),
    params(("id" = String, Path, description = "The campaign's id")),
    responses((status = 200, body = Vec<SkuSummary>), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn summary(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
) -> Result<axum::Json<Vec<SkuSummary>>, Error> {
    let campaign = creator.campaign(&state, &id)?.snapshot(crate::now()).campaign.clone();
    Ok(axum::Json(shipments::summary(&state.store, &campaign).await?))
}

/// Records parcels: a JSON list, or CSV (`text/csv`) with the columns `reference`,
/// `carrier`, `tracking_number` (and `items`). All or nothing: one bad row refuses the
/// file, naming every bad row; a parcel already recorded is left as it is.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/shipments", tag = "creator", security(("creator_key" = [])),
    params(("id" = String, Path, description = "The campaign's id")),
    request_body(content((Vec<ShipmentInput> = "application/json"), (String = "text/csv"))),
    responses((status = 200, body = ShipmentsImported), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
async fn import(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<ShipmentsImported>, Error> {
    creator.campaign(&state, &id)?;
    let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let now = crate::now();
    let imported = if kind.starts_with("text/csv") {
        let text =
            std::str::from_utf8(&body).map_err(|_| Error::Malformed("The CSV must be UTF-8.".into()))?;
        shipments::read_csv(text).map(drop)?;
        let rows = || shipments::read_csv(text).into_iter().flatten();
        shipments::import(&state.store, &id, rows, now).await?
    } else if kind.starts_with("application/json") {
        let rows: Vec<ShipmentInput> = serde_json::from_slice(&body)
            .map_err(|e| Error::Malformed(format!("Not a list of shipments: {e}")))?;
        shipments::import(&state.store, &id, || shipments::read_json(&rows), now).await?
    } else {
        return Err(Error::UnsupportedMediaType);
    };
    Ok(axum::Json(imported))
}

/// How far backers are with the survey, and what they answered.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/survey", tag = "creator", security(("creator_key" = [])),
    params(("id" = String, Path, description = "The campaign's id")),
    responses((status = 200, body = SurveySummary), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn survey(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
) -> Result<axum::Json<SurveySummary>, Error> {
    let campaign = creator.campaign(&state, &id)?.snapshot(crate::now()).campaign.clone();
    let now: Timestamp = crate::now();
    Ok(axum::Json(crate::delivery::survey::summary(&state.store, &campaign, now).await?))
}

/// What a reminder did.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
struct Reminded {
    /// Backers mailed now (each is mailed at most once a day).
    reminded: u32,
}

/// Mails every backer whose survey is not complete a reminder with their survey's link;
/// one who was reminded today is not mailed again. 503 when this server sends no mail.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/survey/remind", tag = "creator", security(("creator_key" = [])),
    params(("id" = String, Path, description = "The campaign's id")),
    responses((status = 200, body = Reminded), (status = 401, body = Problem), (status = 404, body = Problem),
              (status = 503, body = Problem, description = "This server sends no mail")))]
async fn remind(
    State(state): State<AppState>,
    creator: Creator,
    Path(id): Path<String>,
) -> Result<axum::Json<Reminded>, Error> {
    let campaign = creator.campaign(&state, &id)?.snapshot(crate::now()).campaign.clone();
    if state.settings.mail.is_none() {
        return Err(Error::Unavailable);
    }
    let day = crate::now().unix() / 86_400;
    let reminded = crate::delivery::round::remind(&state.store, &campaign, &format!("remind:{day}")).await?;
    Ok(axum::Json(Reminded { reminded }))
}
