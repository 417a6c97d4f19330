//! The creator's dashboard at `/dashboard`, on the tribefund origin (never inside a host
//! page): signing in with the one-time link from `tribefund site create` (its page posts
//! the token: a GET signs nothing in) or with the site key, the site's campaigns, and one
//! campaign's numbers and production plan. Pages are the `dashboard` crate's Yew
//! components, rendered here and hydrated by their own wasm.
//!
//! A refused site form (sign-up, origins) is told in the reader's words and language, naming
//! the field or the bad origin; a failure of ours reads "something went wrong", its cause
//! only logged.

mod access;
mod campaign;
mod editor;
mod embed;
pub mod session;
mod shipping;
mod signup;
mod updates;

use crate::error::Error;
use crate::http::render::escape;
use crate::http::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use dashboard::{DashboardProps, Page};
use session::Session;
use widget::i18n::Lang;

pub fn router() -> Router<AppState> {
    let pages = Router::new()
        .route("/dashboard", get(campaigns))
        .route("/dashboard/campaigns/{id}", get(campaign::campaign))
        .route("/dashboard/campaigns/{id}/backers.csv", get(campaign::backers_csv))
        .route("/dashboard/campaigns/{id}/waitlist.csv", get(campaign::waitlist_csv))
        .route("/dashboard/campaigns/{id}/live.json", get(campaign::live))
        .route("/dashboard/campaigns/{id}/backers/{pledge}", get(campaign::backer))
        .route("/dashboard/campaigns/{id}/backers/{pledge}/paid", post(campaign::mark_paid))
        .route("/dashboard/campaigns/{id}/shipping", get(shipping::shipping))
        .route("/dashboard/campaigns/{id}/shipments.csv", get(shipping::packing_list))
        .route("/dashboard/campaigns/{id}/survey/remind", post(shipping::remind))
        .route("/dashboard/campaigns/new", get(editor::new_campaign))
        .route("/dashboard/editor/{id}", get(editor::editor))
        .route("/dashboard/sign-in", get(access::sign_in_page).post(access::sign_in))
        .route("/dashboard/sign-in/link", post(access::sign_in_with_link))
        .route("/dashboard/sign-in/mail", post(access::sign_in_by_mail))
        .route("/dashboard/sign-out", post(access::sign_out))
        .route("/dashboard/sign-up", get(signup::sign_up_page).post(signup::sign_up))
        .route("/dashboard/sign-up/confirm", post(signup::confirm))
        .route("/dashboard/embed", get(embed::embed_builder))
        .route("/dashboard/origins", post(embed::set_origins))
        // A key or a token: small.
        .layer(DefaultBodyLimit::max(4 * 1024));
    // An update or a story is up to 20,000 characters: 180 KB of Chinese once form-encoded.
    let updates = Router::new()
        .route("/dashboard/campaigns/{id}/updates", post(updates::post_update))
        .route("/dashboard/editor", post(editor::submit))
        .route("/dashboard/campaigns/{id}/milestones", post(shipping::milestones))
        .layer(DefaultBodyLimit::max(256 * 1024));
    let covers = Router::new()
        .route("/dashboard/campaigns/{id}/cover", post(editor::upload_cover))
        .route("/dashboard/campaigns/{id}/payment-qr", post(editor::upload_qr))
        .layer(DefaultBodyLimit::max(crate::covers::UPLOAD_LIMIT + 64 * 1024));
    // A file of parcels, shown back for confirmation and then posted whole.
    let shipments = Router::new()
        .route("/dashboard/campaigns/{id}/shipments/preview", post(shipping::preview))
        .route("/dashboard/campaigns/{id}/shipments/apply", post(shipping::apply))
        .layer(DefaultBodyLimit::max(shipping::UPLOAD_LIMIT * 3 + 64 * 1024));
    pages.merge(updates).merge(covers).merge(shipments)
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct PageQuery {
    lang: Option<String>,
    token: Option<String>,
    cursor: Option<String>,
    #[serde(flatten)]
    filters: domain::wire::BackerFilters,
}

/// Why a site form was refused, in the reader's words, and the status to answer with (422;
/// 500 for a failure of ours, whose cause is logged, never shown).
pub(super) fn site_refusal(error: &crate::sites::SiteError, lang: Lang) -> (StatusCode, String) {
    use crate::sites::SiteError;
    let t = dashboard::text::text(lang);
    let why = match error {
        SiteError::BadId(_) => t.bad_site_id.to_owned(),
        SiteError::BadName(e) => format!("{}: {}", t.site_name, lang.field_error(e)),
        SiteError::NoOrigin => t.no_origins.to_owned(),
        SiteError::BadOrigin(origin) => t.bad_origin.replace("{origin}", origin),
        SiteError::Taken(_) => t.site_taken.to_owned(),
        SiteError::BadEmail(text) => {
            format!("{text}: {}", lang.field_error(&domain::FieldError::InvalidEmail))
        }
        SiteError::TooManyEmails => {
            lang.field_error(&domain::FieldError::TooLong { max: crate::sites::MAX_EMAILS as u32 })
        }
        // The dashboard's forms offer only these words' choices.
        SiteError::BadNotify(_) | SiteError::BadLang(_) => error.to_string(),
        SiteError::NoSuchSite(_) | SiteError::Internal(_) => {
            tracing::error!(error = ?error, "a site form failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, t.went_wrong.to_owned());
        }
    };
    (StatusCode::UNPROCESSABLE_ENTITY, why)
}

pub(super) fn lang(query: &PageQuery, headers: &HeaderMap) -> Lang {
    crate::http::requests::pick_lang(query.lang.as_deref(), headers)
}

/// The site's campaigns.
async fn campaigns(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let campaigns = state
        .hub
        .of_site(&session.site)
        .iter()
        .map(|e| crate::http::creator::campaigns::view(&state, &headers, e))
        .collect();
    let drafts = state
        .store
        .drafts(&session.site)
        .await?
        .into_iter()
        .map(|d| dashboard::editor::DraftSummary { id: d.id, title: d.title, campaign: d.campaign_id })
        .collect();
    let page = Page::Campaigns { campaigns, drafts };
    page_response(&state, &session, lang(&query, &headers), page, StatusCode::OK).await
}

pub(super) async fn page_response(
    state: &AppState,
    session: &Session,
    lang: Lang,
    page: Page,
    status: StatusCode,
) -> Result<Response, Error> {
    let site = state.store.site(&session.site).await?.map(|s| s.name).unwrap_or_default();
    let props = DashboardProps { site, lang, csrf: session.csrf.clone(), page };
    let json = serde_json::to_string(&props).map_err(anyhow::Error::from)?;
    let body = dashboard::render(props).await;
    Ok(shell(state, status, lang, &body, Some(&json)))
}

/// A dashboard page: the rendered components, their props for the wasm to hydrate from, and
/// a policy that lets no other site frame it.
pub(super) fn shell(
    state: &AppState,
    status: StatusCode,
    lang: Lang,
    body: &str,
    props: Option<&str>,
) -> Response {
    let hydrate = props.map_or_else(String::new, |json| {
        format!(
            "<script type=\"application/json\" id=\"{}\">{}</script>\n\
             <script src=\"{}\" data-glue=\"{}\" data-wasm=\"{}\" defer></script>",
            dashboard::PROPS_ID,
            json.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026"),
            state.assets.url("/assets/dashboard-boot.js"),
            state.assets.url("/pkg/dashboard.js"),
            state.assets.url("/pkg/dashboard_bg.wasm"),
        )
    });
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>tribefund</title>\n\
         <link rel=\"stylesheet\" href=\"{css}\">\n<link rel=\"stylesheet\" href=\"{dashboard_css}\">\n{hydrate}\n</head>\n\
         <body><div id=\"{root}\">{body}</div></body>\n</html>\n",
        lang = escape(lang.tag()),
        root = dashboard::ROOT_ID,
        css = state.assets.url("/assets/widget.css"),
        dashboard_css = state.assets.url("/assets/dashboard.css"),
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Style attributes (the editor's preview draws the widget's progress bar with one), but
    // no inline style sheets.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; style-src-attr 'unsafe-inline'; \
             img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sites::SiteError;

    #[test]
    fn a_failure_of_ours_is_told_as_something_went_wrong_without_its_cause() {
        let cause = anyhow::anyhow!("error returned from database: UNIQUE constraint failed: sites.id")
            .context("creating site mei");
        for (lang, words) in
            [(Lang::En, "Something went wrong on our side"), (Lang::ZhCn, "服务器出了点问题")]
        {
            let (status, why) = site_refusal(&SiteError::Internal(anyhow::anyhow!("{cause:#}")), lang);
            assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
            assert!(why.starts_with(words), "{why}");
            assert!(!why.contains("database") && !why.contains("sites.id"), "{why}");
        }
        let (status, why) = site_refusal(&SiteError::BadOrigin("ftp://x".into()), Lang::En);
        assert_eq!((status, why.contains("“ftp://x”")), (StatusCode::UNPROCESSABLE_ENTITY, true));
    }
}
