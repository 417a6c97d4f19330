//! `/u/{token}`: the way out of update mails. A `POST` with `List-Unsubscribe=One-Click`
//! (RFC 8058, what mail programs send) stops the campaign's updates to that address at once,
//! without signing in; a `GET` (which link scanners follow) only shows a page whose buttons
//! post: this campaign, or everything the site sends that is not about the backer's own
//! pledge. Tokens are made per mail (`store::unsubscribes`).

use super::render::escape;
use super::requests::PageLang;
use super::state::AppState;
use crate::error::Error;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use widget::i18n::Lang;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/u/{token}", get(page).post(unsubscribe))
}

/// A token's shape: 64 hex digits (a mail's id and its HMAC), or 32 (an earlier form).
fn well_formed(token: &str) -> bool {
    matches!(token.len(), 32 | 64) && token.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    PageLang(lang): PageLang,
) -> Result<Response, Error> {
    let who = match well_formed(&token) {
        true => state.store.unsubscribing(&token).await?,
        false => None,
    };
    let Some(who) = who else { return Ok(shell(&state, lang, StatusCode::NOT_FOUND, gone(lang))) };
    let title =
        state.hub.get(&who.campaign).map(|e| e.snapshot(crate::now()).view.title.clone()).unwrap_or_default();
    let (this, all) = match lang {
        Lang::ZhCn => {
            (format!("不再接收「{}」的动态", escape(&title)), "不再接收这个博客的任何动态".to_owned())
        }
        _ => (
            format!("No more updates of {}", escape(&title)),
            "Nothing more from this blog but my own receipts".to_owned(),
        ),
    };
    let token = escape(&token);
    let body = format!(
        "<form method=\"post\" action=\"/u/{token}?lang={tag}\"><input type=\"hidden\" name=\"scope\" value=\"campaign\">\
         <button type=\"submit\" class=\"tf-submit\" data-testid=\"this\">{this}</button></form>\
         <form method=\"post\" action=\"/u/{token}?lang={tag}\"><input type=\"hidden\" name=\"scope\" value=\"site\">\
         <button type=\"submit\" class=\"tf-link-button\" data-testid=\"all\">{all}</button></form>",
        tag = lang.tag(),
    );
    Ok(shell(&state, lang, StatusCode::OK, body))
}

async fn unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
    PageLang(lang): PageLang,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let who = match well_formed(&token) {
        true => state.store.unsubscribing(&token).await?,
        false => None,
    };
    let Some(who) = who else { return Ok(shell(&state, lang, StatusCode::NOT_FOUND, gone(lang))) };
    let whole_site = fields.iter().any(|(k, v)| k == "scope" && v == "site");
    state.store.unsubscribe(&who, whole_site, crate::now()).await?;
    let done = match lang {
        Lang::ZhCn => "好的，不会再发动态给你。与你自己的支持有关的邮件（凭证、付款）照常发送。",
        _ => "Done: no more updates. Mails about your own pledge (receipts, payments) still come.",
    };
    Ok(shell(&state, lang, StatusCode::OK, format!("<p role=\"status\" data-testid=\"done\">{done}</p>")))
}

fn gone(lang: Lang) -> String {
    match lang {
        Lang::ZhCn => "<p>这个链接无效。</p>".to_owned(),
        _ => "<p>This link is not valid.</p>".to_owned(),
    }
}

/// The page around `body`.
fn shell(state: &AppState, lang: Lang, status: StatusCode, body: String) -> Response {
    let title = if lang == Lang::ZhCn { "退订" } else { "Unsubscribe" };
    super::render::plain_page(&state.assets, lang, status, title, &body)
}
