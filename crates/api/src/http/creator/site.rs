//! `GET /api/v1/site` and `PUT /api/v1/site`: the creator's own site, its people (the
//! addresses its mails go to, how often they hear of new pledges, their language) and where
//! its widgets may be embedded. A `PUT` changes what it names and keeps the rest; each
//! part is checked, and a refusal names the field.

use super::Creator;
use crate::error::Error;
use crate::http::problem::Json;
use crate::http::state::AppState;
use crate::sites::{SiteChange, SiteError};
use crate::store::SiteRecord;
use axum::extract::State;
use domain::FieldError;
use domain::wire::Problem;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(site, change_site))
}

/// A site as its creator sees it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
struct SiteView {
    id: String,
    name: String,
    /// Where its widgets may be embedded: `https://blog.example.com`, or `*`.
    origins: Vec<String>,
    /// Where the creator's mails go.
    emails: Vec<String>,
    /// `each`, `hourly`, `daily` or `off`: how often they hear of new pledges.
    notify: String,
    /// The language of the creator's mails.
    lang: String,
}

impl From<SiteRecord> for SiteView {
    fn from(site: SiteRecord) -> SiteView {
        let SiteRecord { id, name, origins, emails, notify, lang } = site;
        SiteView { id, name, origins, emails, notify, lang }
    }
}

/// The creator's site.
#[utoipa::path(get, path = "/api/v1/site", tag = "creator", security(("creator_key" = [])),
    responses((status = 200, body = SiteView), (status = 401, body = Problem)))]
async fn site(State(state): State<AppState>, creator: Creator) -> Result<axum::Json<SiteView>, Error> {
    let site = state.store.site(&creator.site).await?.ok_or(Error::Unauthorized)?;
    Ok(axum::Json(site.into()))
}

/// Changes what the body names of the creator's site; the rest stays.
#[utoipa::path(put, path = "/api/v1/site", tag = "creator", security(("creator_key" = [])),
    request_body = SiteChange,
    responses((status = 200, body = SiteView), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 422, body = Problem)))]
async fn change_site(
    State(state): State<AppState>,
    creator: Creator,
    Json(change): Json<SiteChange>,
) -> Result<axum::Json<SiteView>, Error> {
    let site = crate::sites::update(&state.store, &creator.site, change).await.map_err(refused)?;
    // This server frames by the new origins now; others through the store's announcement.
    state.hub.set_site(&site.id, &site.origins.join(" "));
    Ok(axum::Json(site.into()))
}

/// A refused change, naming its field.
fn refused(error: SiteError) -> Error {
    let (field, why) = match error {
        SiteError::BadName(e) => ("name", e),
        SiteError::NoOrigin => ("origins", FieldError::Required),
        SiteError::BadOrigin(_) => ("origins", FieldError::InvalidOrigin),
        SiteError::BadEmail(_) => ("emails", FieldError::InvalidEmail),
        SiteError::TooManyEmails => ("emails", FieldError::TooMany { max: crate::sites::MAX_EMAILS as u32 }),
        SiteError::BadNotify(_) => ("notify", FieldError::UnknownValue),
        SiteError::BadLang(_) => ("lang", FieldError::UnknownValue),
        SiteError::NoSuchSite(_) => return Error::Unauthorized,
        SiteError::BadId(_) | SiteError::Taken(_) | SiteError::Internal(_) => {
            return Error::Internal(anyhow::anyhow!("{error:#}"));
        }
    };
    Error::Invalid([(field.to_owned(), why)].into_iter().collect())
}
