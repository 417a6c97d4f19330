//! `GET /pay/{token}`: the card form, a page of its own that the widget frames (and the
//! receipt page, also without wasm). Stripe.js runs only here, under a Content-Security-Policy
//! that names exactly its origins, apart from the widget's own code; `www/pay.js` mounts the
//! Card Element, confirms the card with `confirmCardSetup`, has the server read the intent
//! back, and tells the framing page the payment's new status.

use crate::error::Error;
use crate::http::render::escape;
use crate::http::requests::{PageLang, ReceiptToken};
use crate::http::state::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

pub(crate) async fn page(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
    PageLang(lang): PageLang,
) -> Result<Response, Error> {
    let pledge = super::card_pledge(&state, &token).await?;
    let (Some(stripe), Some(entry)) = (state.cards.stripe.as_ref(), state.hub.get(&pledge.campaign_id))
    else {
        return Err(Error::NotFound);
    };
    let text = lang.text();
    let token = escape(&token);
    let body = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{save}</title>\
         <link rel=\"stylesheet\" href=\"{css}\"><script src=\"{script}\" defer></script></head>\
         <body class=\"tf tf-pay\" data-stripe-js=\"{js}\" data-key=\"{key}\" data-token=\"{token}\" \
         data-unavailable=\"{unavailable}\" data-saved=\"{saved}\" data-paid=\"{paid}\">\
         <form id=\"pay\" class=\"tf-card\"><div id=\"card\" class=\"tf-card-field\" data-testid=\"card-field\"></div>\
         <p id=\"error\" class=\"tf-problem\" role=\"alert\" data-testid=\"card-error\" hidden></p>\
         <button type=\"submit\" disabled data-testid=\"card-save\">{save}</button></form></body></html>",
        lang = lang.tag(),
        js = escape(&stripe.settings.js_url),
        key = escape(&stripe.settings.publishable_key),
        unavailable = escape(text.card_unavailable),
        saved = escape(text.card_saved),
        paid = escape(text.paid),
        save = escape(text.card_save),
        css = state.assets.url("/assets/widget.css"),
        script = state.assets.url("/assets/pay.js"),
    );
    let (js, api) = stripe.settings.origins();
    let hooks = if js == "https://js.stripe.com" { " https://hooks.stripe.com" } else { "" };
    let csp = format!(
        "default-src 'none'; script-src 'self' {js}; frame-src {js}{hooks}; connect-src 'self' {api}; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'self' {}",
        state.hub.frame_ancestors(&entry.site)
    );
    let mut response = Html(body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    Ok(response)
}
