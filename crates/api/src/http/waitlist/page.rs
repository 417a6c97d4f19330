//! The waitlist receipt page (`/w/{token}`), also without wasm: the fan's place in line
//! (kept current by `www/waitlist.js` from the campaign's live stream), an offer to take
//! with its deadline, the pledge it became, and a way to leave.

use super::{receipt_view, take_offer};
use crate::error::Error;
use crate::http::render::{escape, plain_page};
use crate::http::requests::{BaseUrl, PageLang, ReceiptToken};
use crate::http::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::wire::{WaitState, WaitlistReceipt};
use widget::i18n::Lang;

pub(in crate::http) fn pages() -> Router<AppState> {
    Router::new()
        .route("/w/{token}", get(page))
        .route("/w/{token}/take", post(take))
        .route("/w/{token}/leave", post(leave))
}

async fn page(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
    BaseUrl(base): BaseUrl,
    PageLang(lang): PageLang,
) -> Result<Response, Error> {
    let found = match super::check(&token) {
        Ok(()) => state.store.waitlist_entry(&token).await?,
        Err(_) => None,
    };
    let Some((stored, position)) = found else {
        let gone = if lang == Lang::ZhCn {
            "这个候补链接无效。"
        } else {
            "This waitlist link is not valid."
        };
        return Ok(plain_page(&state.assets, lang, StatusCode::NOT_FOUND, "", &format!("<p>{gone}</p>")));
    };
    let view = receipt_view(&state, &stored, position, (&token, &base));
    let body = body(&view, &token, lang, state.assets.url("/assets/waitlist.js"));
    Ok(plain_page(&state.assets, lang, StatusCode::OK, &view.campaign_title, &body))
}

async fn take(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
    BaseUrl(base): BaseUrl,
    PageLang(lang): PageLang,
) -> Result<Response, Error> {
    match take_offer(&state, &token, &base).await {
        Ok(created) => {
            let path = created
                .receipt_url
                .find("/r/")
                .map_or(created.receipt_url.as_str(), |at| &created.receipt_url[at..]);
            Ok(Redirect::to(&format!("{path}?lang={}", lang.tag())).into_response())
        }
        Err(Error::Refused(_)) => {
            Ok(Redirect::to(&format!("/w/{token}?lang={}", lang.tag())).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn leave(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
    PageLang(lang): PageLang,
) -> Result<Response, Error> {
    super::check(&token)?;
    crate::waitlist::leave(&state.store, &token).await?;
    Ok(Redirect::to(&format!("/w/{token}?lang={}", lang.tag())).into_response())
}

/// The page's body for `view`.
fn body(view: &WaitlistReceipt, token: &str, lang: Lang, script: &str) -> String {
    let entry = &view.entry;
    let zh = lang == Lang::ZhCn;
    let what = format!("{} × {}", escape(&view.tier_title), entry.quantity);
    let said = match (entry.state, zh) {
        (WaitState::Waiting | WaitState::Expired, false) if !view.live && entry.offered_at.is_none() => {
            "This campaign no longer takes pledges: no units came back before it closed.".to_owned()
        }
        (WaitState::Waiting | WaitState::Expired, true) if !view.live && entry.offered_at.is_none() => {
            "这个众筹已不再接受支持：结束前没有份额释放。".to_owned()
        }
        (WaitState::Waiting, false) => format!(
            "You are on the waitlist for {what}: number <strong data-testid=\"waitlist-position\">{}</strong> in line. \
             When units come back they are offered in line order{}.",
            view.position.unwrap_or(1),
            if view.payments == "none" {
                ", and yours becomes a pledge at once"
            } else {
                "; we tell you, and hold yours for you"
            },
        ),
        (WaitState::Waiting, true) => format!(
            "你已加入「{what}」的候补：排第 <strong data-testid=\"waitlist-position\">{}</strong> 位。有份额释放时按顺序分配{}。",
            view.position.unwrap_or(1),
            if view.payments == "none" {
                "，轮到你时自动为你认领"
            } else {
                "，轮到你时会通知你并为你保留"
            },
        ),
        (WaitState::Offered, false) => format!(
            "A place came free: {what} is held for you until {} UTC.",
            entry.offer_expires_at.map(|t| t.to_string()).unwrap_or_default()
        ),
        (WaitState::Offered, true) => format!(
            "有份额释放了：「{what}」为你保留到 {} UTC。",
            entry.offer_expires_at.map(|t| t.to_string()).unwrap_or_default()
        ),
        (WaitState::Converted, false) => {
            format!("You are a backer: your waitlist place became a pledge for {what}.")
        }
        (WaitState::Converted, true) => format!("你已成为支持者：候补已转为「{what}」的认领。"),
        (WaitState::Expired, false) => {
            "The offer was not taken in time; its units passed to the next in line.".into()
        }
        (WaitState::Expired, true) => "保留期已过，份额已转给下一位候补。".into(),
        (WaitState::Left, false) => "You left this waitlist.".into(),
        (WaitState::Left, true) => "你已退出这个候补。".into(),
    };
    let mut html = format!(
        "<p role=\"status\" aria-live=\"polite\" data-testid=\"waitlist-state\" data-state=\"{}\">{said}</p>",
        entry.state.as_str()
    );
    let tag = lang.tag();
    if entry.state == WaitState::Offered {
        let button = if zh { "认领这份" } else { "Take it — pledge now" };
        html.push_str(&format!(
            "<form method=\"post\" action=\"/w/{token}/take?lang={tag}\"><button type=\"submit\" class=\"tf-submit\" \
             data-testid=\"take-offer\">{button}</button></form>"
        ));
    }
    if let Some(url) = &view.pledge_receipt_url {
        let open = if zh { "查看认领凭证" } else { "Your pledge's receipt" };
        html.push_str(&format!(
            "<p><a href=\"{}\" data-testid=\"pledge-receipt\">{open}</a></p>",
            escape(url)
        ));
    }
    if entry.state.open() {
        let button = if zh { "退出候补" } else { "Leave the waitlist" };
        html.push_str(&format!(
            "<form method=\"post\" action=\"/w/{token}/leave?lang={tag}\"><button type=\"submit\" \
             data-testid=\"leave-waitlist\">{button}</button></form>"
        ));
    }
    let back = if zh { "返回众筹页" } else { "Back to the campaign" };
    html.push_str(&format!(
        "<p><a href=\"/c/{id}?lang={tag}\">{back}</a></p><script src=\"{script}\" data-campaign=\"{id}\" \
         data-token=\"{token}\" data-tier=\"{tier}\" data-state=\"{state}\" defer></script>",
        tier = escape(&entry.tier),
        id = escape(&entry.campaign),
        state = entry.state.as_str(),
    ));
    html
}
