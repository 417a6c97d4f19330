//! Open sign-up (`--open-signup`). Without mail, the form makes the site at once, shows its
//! key once and signs its creator in. With mail on, the form also asks for the owner's
//! address and the site is made only when the link mailed to it is opened: its page is a
//! button that posts the token (a link scanner's GET makes nothing), so every site has an
//! owner who can be reached. Each attempt costs the client a token of the key-guessing
//! budget, so sites cannot be sprayed from one address.

use super::session;
use super::{PageQuery, lang, shell};
use crate::error::Error;
use crate::http::requests::{BaseUrl, ClientIp, PageLang};
use crate::http::state::AppState;
use crate::sites::CreatedSite;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dashboard::components::SignUpProps;
use widget::i18n::Lang;

/// The sign-up form, or with `?token=` the mailed link's button; a 404 unless the operator
/// allows sign-up.
pub(super) async fn sign_up_page(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    if !state.settings.open_signup {
        return Err(Error::NotFound);
    }
    let lang = lang(&query, &headers);
    let mut props = props(&state, lang);
    if let Some(token) = query.token {
        if !state.store.signup_open(&token, crate::now()).await? {
            props.error = Some(dashboard::text::text(lang).link_gone_signup.to_owned());
            return Ok(page(&state, StatusCode::GONE, props).await);
        }
        props.link = Some(token);
    }
    Ok(page(&state, StatusCode::OK, props).await)
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct SignUpForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    origins: String,
    #[serde(default)]
    email: String,
}

/// Makes the site from the form (mail off), or mails its owner the link that makes it.
pub(super) async fn sign_up(
    State(state): State<AppState>,
    (ClientIp(ip), BaseUrl(base), PageLang(lang)): (ClientIp, BaseUrl, PageLang),
    headers: HeaderMap,
    Form(form): Form<SignUpForm>,
) -> Result<Response, Error> {
    if !state.settings.open_signup {
        return Err(Error::NotFound);
    }
    if !session::same_origin(&state, &headers) {
        return Err(Error::Forbidden);
    }
    state
        .auth_failures
        .check(ip, std::time::Instant::now())
        .map_err(|retry_after_secs| Error::RateLimited { retry_after_secs })?;
    let origins: Vec<String> =
        form.origins.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
    let mut props = SignUpProps {
        id: form.id.trim().to_owned(),
        name: form.name.clone(),
        origins: form.origins.clone(),
        email: form.email.clone(),
        ..props(&state, lang)
    };
    let made = if state.settings.mail.is_some() {
        let asked = (props.id.as_str(), form.name.as_str(), origins.as_slice());
        match crate::sites::ask_signup(&state.store, asked, &form.email, lang.tag(), &base).await {
            Ok(()) => {
                props.notice = Some(dashboard::text::text(lang).signup_mailed.to_owned());
                return Ok(page(&state, StatusCode::ACCEPTED, props).await);
            }
            Err(e) => Err(e),
        }
    } else {
        crate::sites::create(&state.store, &props.id, &form.name, &origins, &base).await
    };
    match made {
        Ok(created) => made_site(&state, &headers, props, created).await,
        Err(e) => {
            let (status, why) = super::site_refusal(&e, lang);
            props.error = Some(why);
            Ok(page(&state, status, props).await)
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct ConfirmForm {
    #[serde(default)]
    token: String,
}

/// Makes the site the mailed link asked for, posted from its page.
pub(super) async fn confirm(
    State(state): State<AppState>,
    (BaseUrl(base), PageLang(lang)): (BaseUrl, PageLang),
    headers: HeaderMap,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, Error> {
    if !state.settings.open_signup {
        return Err(Error::NotFound);
    }
    if !session::same_origin(&state, &headers) {
        return Err(Error::Forbidden);
    }
    let mut props = props(&state, lang);
    match crate::sites::confirm_signup(&state.store, &form.token, &base).await {
        Ok(Some(created)) => made_site(&state, &headers, props, created).await,
        Ok(None) => {
            props.error = Some(dashboard::text::text(lang).link_gone_signup.to_owned());
            Ok(page(&state, StatusCode::GONE, props).await)
        }
        Err(e) => {
            let (status, why) = super::site_refusal(&e, lang);
            props.error = Some(why);
            Ok(page(&state, status, props).await)
        }
    }
}

/// The new site's key, shown this once, with its creator signed in.
async fn made_site(
    state: &AppState,
    headers: &HeaderMap,
    mut props: SignUpProps,
    created: CreatedSite,
) -> Result<Response, Error> {
    // This server frames it at once; others hear of it through the store.
    if let Some(site) = state.store.site(&created.id).await? {
        state.hub.set_site(&site.id, &site.origins.join(" "));
    }
    let (token, _) = crate::sessions::start(&state.store, &created.id, crate::now()).await?;
    props.key = Some(created.key);
    let mut response = page(state, StatusCode::CREATED, props).await;
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::cookie(Some(&token), session::secure(state, headers)));
    Ok(response)
}

fn props(state: &AppState, lang: Lang) -> SignUpProps {
    SignUpProps { lang, mail: state.settings.mail.is_some(), ..Default::default() }
}

async fn page(state: &AppState, status: StatusCode, props: SignUpProps) -> Response {
    let lang = props.lang;
    shell(state, status, lang, &dashboard::render_sign_up(props).await, None).into_response()
}
