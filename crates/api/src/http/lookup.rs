//! "Find my pledges": `POST /api/v1/receipts/lookup` and the page `/receipts`, a plain form
//! that works without scripts. Both answer the same whatever the address: whether it
//! pledged here is told only to its owner, by mail ([`crate::mail::ask_for_receipts`]).
//! Each ask takes a token from the client's receipt bucket.

use super::problem::Json;
use super::render::escape;
use super::requests::{BaseUrl, ClientIp, PageLang};
use super::state::AppState;
use crate::error::Error;
use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::wire::{LookupRequest, Problem};
use std::net::IpAddr;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use widget::i18n::Lang;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(lookup))
}

pub(super) fn pages() -> Router<AppState> {
    Router::new().route("/receipts", get(page).post(page_post))
}

/// Mails the address a link to every receipt it holds here: 202 whatever it holds.
#[utoipa::path(post, path = "/api/v1/receipts/lookup", tag = "public", request_body = LookupRequest,
    responses((status = 202, description = "Mailed, when the address holds pledges here"),
              (status = 422, body = Problem, description = "Not an e-mail address"), (status = 429, body = Problem),
              (status = 503, body = Problem, description = "This server sends no mail")))]
async fn lookup(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    BaseUrl(base): BaseUrl,
    PageLang(lang): PageLang,
    Json(request): Json<LookupRequest>,
) -> Result<Response, Error> {
    let lang = request.lang.as_deref().and_then(Lang::from_tag).unwrap_or(lang);
    ask(&state, ip, &base, lang, &request.email).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(serde_json::json!({}))).into_response())
}

/// The one way both doors ask: mail on, a token from the address's receipt bucket, then
/// the capability.
async fn ask(state: &AppState, ip: IpAddr, base: &str, lang: Lang, email: &str) -> Result<(), Error> {
    super::requests::fan_mail_ask(state, ip)?;
    crate::mail::ask_for_receipts(&state.store, email, lang, base).await
}

#[derive(Debug, serde::Deserialize)]
struct LookupForm {
    #[serde(default)]
    email: String,
}

async fn page(State(state): State<AppState>, PageLang(lang): PageLang) -> Response {
    lookup_page(&state, lang, StatusCode::OK, None, "")
}

async fn page_post(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    BaseUrl(base): BaseUrl,
    PageLang(lang): PageLang,
    Form(form): Form<LookupForm>,
) -> Response {
    let (zh, typed) = (lang == Lang::ZhCn, form.email.as_str());
    match ask(&state, ip, &base, lang, typed).await {
        Ok(()) => {
            let said = if zh {
                "如果这个邮箱在这里支持过，一封附有全部支持凭证链接的邮件正在路上。"
            } else {
                "If this address pledged here, a mail with a link to each of its receipts is on its way."
            };
            lookup_page(&state, lang, StatusCode::OK, Some(said.to_owned()), "")
        }
        Err(e @ Error::Invalid(_)) => {
            let why = lang.field_error(&domain::FieldError::InvalidEmail);
            lookup_page(&state, lang, e.status(), Some(why), typed)
        }
        Err(e) => lookup_page(&state, lang, e.status(), Some(lang.refusal(&e.problem())), typed),
    }
}

/// The page: what it is for, the form, and what the last ask came to.
fn lookup_page(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    said: Option<String>,
    typed: &str,
) -> Response {
    let zh = lang == Lang::ZhCn;
    let (title, intro, label, button) = if zh {
        ("找回我的支持", "输入支持时留下的邮箱，我们会把每份支持凭证的链接发到这个邮箱。", "邮箱", "发送链接")
    } else {
        (
            "Find my pledges",
            "Give the address you pledged with, and we mail it a link to each of your receipts.",
            "E-mail address",
            "Mail me the links",
        )
    };
    let said = said
        .map(|s| format!("<p role=\"status\" data-testid=\"said\">{}</p>", escape(&s)))
        .unwrap_or_default();
    let body = format!(
        "<p>{intro}</p>{said}<form method=\"post\" action=\"/receipts?lang={tag}\" class=\"tf-form\">\
         <label class=\"tf-field\"><span>{label}</span>\
         <input type=\"email\" name=\"email\" autocomplete=\"email\" required value=\"{typed}\"></label>\
         <button type=\"submit\" class=\"tf-submit\">{button}</button></form>",
        tag = lang.tag(),
        typed = escape(typed),
    );
    super::render::plain_page(&state.assets, lang, status, title, &body)
}
