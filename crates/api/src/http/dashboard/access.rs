//! Getting in and out: the sign-in form, one-time links (also by mail), sign-out.
//!
//! Every sign-in is a POST from our own pages (`session::same_origin`): a one-time link's
//! GET only shows a button that posts its token, so no other page can sign a browser in to
//! a site of its choosing (login CSRF), and fetching the link uses nothing up.

use super::session::{self, Session};
use super::{PageQuery, lang, shell};
use crate::error::Error;
use crate::http::requests::{BaseUrl, ClientIp, PageLang};
use crate::http::state::AppState;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use widget::i18n::Lang;

/// The sign-in form; with `?token=`, the page of the one-time link from `tribefund site
/// create`: a button that posts the token to [`sign_in_with_link`]. Showing it uses nothing
/// up and signs nothing in, so a link fetched by a previewer still works, and a link of
/// another site followed from another page cannot sign this browser in to that site.
pub(super) async fn sign_in_page(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let lang = lang(&query, &headers);
    let Some(token) = query.token else {
        return Ok(sign_in_form(&state, lang, None, StatusCode::OK).await);
    };
    if !crate::sessions::link_is_open(&state.store, &token, crate::now()).await? {
        return Ok(sign_in_form(&state, lang, Some(link_gone(lang)), StatusCode::GONE).await);
    }
    let props = dashboard::components::SignInProps { lang, link: Some(token), ..sign_in_props(&state, lang) };
    Ok(shell(&state, StatusCode::OK, lang, &dashboard::render_sign_in(props).await, None))
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct LinkForm {
    #[serde(default)]
    token: String,
    lang: Option<String>,
}

/// Signing in with a one-time link's token, posted from its page: only from our own pages
/// (like the key's form), and only then is the link used up.
pub(super) async fn sign_in_with_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LinkForm>,
) -> Result<Response, Error> {
    if !session::same_origin(&state, &headers) {
        return Err(Error::Forbidden);
    }
    let lang = crate::http::requests::pick_lang(form.lang.as_deref(), &headers);
    match crate::sessions::start_from_link(&state.store, &form.token, crate::now()).await? {
        Some((_, token)) => Ok(with_session(&state, &headers, &token)),
        None => Ok(sign_in_form(&state, lang, Some(link_gone(lang)), StatusCode::GONE).await),
    }
}

fn link_gone(lang: Lang) -> &'static str {
    match lang {
        Lang::En => {
            "This sign-in link was used already or has expired. Sign in with the site key, or ask for a new link."
        }
        Lang::ZhCn => "该登录链接已用过或已过期。请用站点密钥登录，或索取新链接。",
    }
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct KeyForm {
    #[serde(default)]
    key: String,
}

/// Signing in with the site key. Failures are throttled per address, like the creator API's.
pub(super) async fn sign_in(
    State(state): State<AppState>,
    (ClientIp(ip), PageLang(lang)): (ClientIp, PageLang),
    headers: HeaderMap,
    Form(form): Form<KeyForm>,
) -> Result<Response, Error> {
    if !session::same_origin(&state, &headers) {
        return Err(Error::Forbidden);
    }
    let now = std::time::Instant::now();
    state.auth_failures.peek(ip, now).map_err(|retry_after_secs| Error::RateLimited { retry_after_secs })?;
    match crate::sites::authenticate(&state.store, form.key.trim()).await {
        Ok(site) => signed_in(&state, &headers, &site).await,
        Err(Error::Unauthorized) => {
            let _ = state.auth_failures.check(ip, now);
            let why = match lang {
                Lang::En => "That is not a site key of this server.",
                Lang::ZhCn => "该密钥不是本服务器的站点密钥。",
            };
            Ok(sign_in_form(&state, lang, Some(why), StatusCode::UNAUTHORIZED).await)
        }
        Err(other) => Err(other),
    }
}

/// Starts a session for `site` and sends the browser to its campaigns.
pub(super) async fn signed_in(state: &AppState, headers: &HeaderMap, site: &str) -> Result<Response, Error> {
    let (token, _) = crate::sessions::start(&state.store, site, crate::now()).await?;
    Ok(with_session(state, headers, &token))
}

/// Sends the browser to its campaigns with the session cookie of `token`.
fn with_session(state: &AppState, headers: &HeaderMap, token: &str) -> Response {
    let mut response = Redirect::to("/dashboard").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::cookie(Some(token), session::secure(state, headers)));
    response
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Signing out ends the session everywhere (not only this browser's cookie).
pub(super) async fn sign_out(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    session.check_form(&state, &headers, &form.csrf)?;
    session.end(&state.store).await?;
    let mut response = Redirect::to("/dashboard/sign-in").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::cookie(None, session::secure(&state, &headers)));
    Ok(response)
}

pub(super) async fn sign_in_form(
    state: &AppState,
    lang: Lang,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let props =
        dashboard::components::SignInProps { error: error.map(str::to_owned), ..sign_in_props(state, lang) };
    shell(state, status, lang, &dashboard::render_sign_in(props).await, None)
}

fn sign_in_props(state: &AppState, lang: Lang) -> dashboard::components::SignInProps {
    dashboard::components::SignInProps {
        lang,
        error: None,
        link: None,
        mail: state.settings.mail.is_some(),
        notice: None,
    }
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct MailForm {
    #[serde(default)]
    email: String,
}

/// Mails a one-time sign-in link to each site whose people include the address. The answer
/// is the same whether or not the address belongs to a site; each ask costs the client a
/// token of the key-guessing budget, and an address is mailed at most once in ten minutes.
pub(super) async fn sign_in_by_mail(
    State(state): State<AppState>,
    (ClientIp(ip), BaseUrl(base), PageLang(lang)): (ClientIp, BaseUrl, PageLang),
    headers: HeaderMap,
    Form(form): Form<MailForm>,
) -> Result<Response, Error> {
    if state.settings.mail.is_none() {
        return Err(Error::NotFound);
    }
    if !session::same_origin(&state, &headers) {
        return Err(Error::Forbidden);
    }
    state
        .auth_failures
        .check(ip, std::time::Instant::now())
        .map_err(|retry_after_secs| Error::RateLimited { retry_after_secs })?;
    let t = dashboard::text::text(lang);
    match crate::sites::mail_sign_in(&state.store, &form.email, &base).await {
        Ok(()) => {
            let props = dashboard::components::SignInProps {
                notice: Some(t.link_sent.to_owned()),
                ..sign_in_props(&state, lang)
            };
            Ok(shell(&state, StatusCode::OK, lang, &dashboard::render_sign_in(props).await, None))
        }
        Err(Error::Invalid(_)) => {
            Ok(sign_in_form(&state, lang, Some(t.bad_email), StatusCode::UNPROCESSABLE_ENTITY).await)
        }
        Err(other) => Err(other),
    }
}
