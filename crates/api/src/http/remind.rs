//! "Remind me": `POST /api/v1/campaigns/{id}/reminders` and the share page's plain form
//! (`POST /c/{id}/remind`) leave an address to hear of a campaign's launch and its last 48
//! hours; both answer the same whatever the address. The link mailed to it opens
//! `/c/{id}/remind/{token}`, a page whose button confirms (a link scanner's GET confirms
//! nothing). Each ask takes a token from the client's receipt bucket.

use super::problem::Json;
use super::render::escape;
use super::requests::{BaseUrl, ClientIp, PageLang};
use super::state::AppState;
use crate::error::Error;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use domain::wire::Problem;
use std::net::IpAddr;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use widget::i18n::Lang;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(remind))
}

pub(super) fn pages() -> Router<AppState> {
    Router::new()
        .route("/c/{id}/remind", post(remind_form))
        .route("/c/{id}/remind/{token}", axum::routing::get(confirm_page).post(confirm))
}

/// `POST /api/v1/campaigns/{id}/reminders`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
struct ReminderRequest {
    email: String,
    /// The language of the mails (`en`, `zh-CN`); the page's otherwise.
    #[serde(default)]
    lang: Option<String>,
}

/// Mails the address a link to confirm reminders of the campaign: 202 whatever it is.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/reminders", tag = "public", request_body = ReminderRequest,
    params(("id" = String, Path, description = "The campaign's id")),
    responses((status = 202, description = "A confirmation is mailed, unless the address confirmed already"),
              (status = 404, body = Problem), (status = 422, body = Problem, description = "Not an e-mail address"),
              (status = 429, body = Problem), (status = 503, body = Problem, description = "This server sends no mail")))]
async fn remind(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    BaseUrl(base): BaseUrl,
    PageLang(lang): PageLang,
    Path(id): Path<String>,
    Json(request): Json<ReminderRequest>,
) -> Result<Response, Error> {
    let lang = request.lang.as_deref().and_then(Lang::from_tag).unwrap_or(lang);
    ask(&state, ip, (&id, &base), lang, &request.email).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(serde_json::json!({}))).into_response())
}

/// The one way both doors ask: a live campaign, mail on, a token from the client's bucket.
async fn ask(
    state: &AppState,
    ip: IpAddr,
    (id, base): (&str, &str),
    lang: Lang,
    email: &str,
) -> Result<(), Error> {
    let entry = state.hub.get(id).ok_or(Error::NotFound)?;
    super::requests::fan_mail_ask(state, ip)?;
    let snapshot = entry.snapshot(crate::now());
    if snapshot.counts.cancelled || crate::now() >= snapshot.campaign.ends_at() {
        // Nothing is left to remind of; the answer stays the same.
        return Ok(());
    }
    crate::mail::fans::ask(&state.store, id, email, lang, base).await
}

#[derive(Debug, serde::Deserialize)]
struct RemindForm {
    #[serde(default)]
    email: String,
}

async fn remind_form(
    State(state): State<AppState>,
    (ClientIp(ip), BaseUrl(base), PageLang(lang)): (ClientIp, BaseUrl, PageLang),
    Path(id): Path<String>,
    Form(form): Form<RemindForm>,
) -> Response {
    let zh = lang == Lang::ZhCn;
    match ask(&state, ip, (&id, &base), lang, &form.email).await {
        Ok(()) => {
            let said = if zh {
                "请查收邮件，点击其中的链接确认提醒。"
            } else {
                "Check your mail: open the link in it to confirm your reminders."
            };
            page(&state, lang, StatusCode::OK, &id, said.to_owned())
        }
        Err(e @ Error::Invalid(_)) => {
            page(&state, lang, e.status(), &id, lang.field_error(&domain::FieldError::InvalidEmail))
        }
        Err(e) => page(&state, lang, e.status(), &id, lang.refusal(&e.problem())),
    }
}

/// A token's shape: 32 hex digits (`ids::secret`).
fn well_formed(token: &str) -> bool {
    token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn confirm_page(
    State(state): State<AppState>,
    Path((id, token)): Path<(String, String)>,
    PageLang(lang): PageLang,
) -> Result<Response, Error> {
    if !well_formed(&token) || !state.store.reminder_token_open(&id, &token).await? {
        return Ok(page(&state, lang, StatusCode::NOT_FOUND, &id, gone(lang).to_owned()));
    }
    let button = if lang == Lang::ZhCn { "确认提醒" } else { "Confirm my reminders" };
    let body = format!(
        "<form method=\"post\" action=\"/c/{id}/remind/{token}?lang={tag}\">\
         <button type=\"submit\" class=\"tf-submit\" data-testid=\"confirm\">{button}</button></form>",
        id = escape(&id),
        token = escape(&token),
        tag = lang.tag(),
    );
    Ok(html(&state, lang, StatusCode::OK, &id, body))
}

async fn confirm(
    State(state): State<AppState>,
    Path((id, token)): Path<(String, String)>,
    PageLang(lang): PageLang,
) -> Result<Response, Error> {
    if !well_formed(&token) || !state.store.confirm_reminder(&id, &token, crate::now()).await? {
        return Ok(page(&state, lang, StatusCode::NOT_FOUND, &id, gone(lang).to_owned()));
    }
    let done = match lang {
        Lang::ZhCn => "好的：众筹开始时和结束前 48 小时，我们会发邮件提醒你。",
        _ => "Done: you hear from us when it opens and 48 hours before it ends.",
    };
    Ok(page(&state, lang, StatusCode::OK, &id, done.to_owned()))
}

fn gone(lang: Lang) -> &'static str {
    match lang {
        Lang::ZhCn => "这个链接无效。",
        _ => "This link is not valid.",
    }
}

/// The page with one line said.
fn page(state: &AppState, lang: Lang, status: StatusCode, id: &str, said: String) -> Response {
    let said = format!("<p role=\"status\" data-testid=\"said\">{}</p>", escape(&said));
    html(state, lang, status, id, said)
}

/// The page around `body`, titled with the campaign's title and linking back to it.
fn html(state: &AppState, lang: Lang, status: StatusCode, id: &str, body: String) -> Response {
    let title = state.hub.get(id).map(|e| e.snapshot(crate::now()).view.title.clone()).unwrap_or_default();
    let back = if lang == Lang::ZhCn { "返回众筹页" } else { "Back to the campaign" };
    let body =
        format!("{body}<p><a href=\"/c/{id}?lang={tag}\">{back}</a></p>", id = escape(id), tag = lang.tag());
    super::render::plain_page(&state.assets, lang, status, &title, &body)
}
