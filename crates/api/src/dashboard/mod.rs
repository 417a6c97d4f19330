//! The creator's dashboard at `/dashboard`, on the tribefund origin (never inside a host
//! page): signing in with the one-time link from `tribefund site create` or with the site
//! key, the site's campaigns, and one campaign's numbers and production plan. Pages are the
//! `dashboard` crate's Yew components, rendered here and hydrated by their own wasm.

pub mod session;

use crate::error::Error;
use crate::render::escape;
use crate::startup::AppState;
use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dashboard::{DashboardProps, Page};
use session::Session;
use std::net::SocketAddr;
use widget::i18n::Lang;

pub fn router() -> Router<AppState> {
    let pages = Router::new()
        .route("/dashboard", get(campaigns))
        .route("/dashboard/campaigns/{id}", get(campaign))
        .route("/dashboard/campaigns/{id}/backers.csv", get(backers_csv))
        .route("/dashboard/campaigns/{id}/backers/{pledge}", get(backer))
        .route("/dashboard/campaigns/{id}/edit", post(edit))
        .route("/dashboard/sign-in", get(sign_in_page).post(sign_in))
        .route("/dashboard/sign-out", post(sign_out))
        .route("/dashboard/sign-up", get(sign_up_page).post(sign_up))
        .route("/dashboard/embed", get(embed_builder))
        .route("/dashboard/origins", post(set_origins))
        // A key or a token: small.
        .layer(DefaultBodyLimit::max(4 * 1024));
    // An update is up to 20,000 characters: 180 KB of Chinese once form-encoded.
    let updates = Router::new()
        .route("/dashboard/campaigns/{id}/updates", post(post_update))
        .layer(DefaultBodyLimit::max(256 * 1024));
    pages.merge(updates)
}

#[derive(Debug, Default, serde::Deserialize)]
struct PageQuery {
    lang: Option<String>,
    token: Option<String>,
    cursor: Option<String>,
    #[serde(flatten)]
    filters: domain::wire::BackerFilters,
}

fn lang(query: &PageQuery, headers: &HeaderMap) -> Lang {
    crate::http::pages::pick_lang(query.lang.as_deref(), headers)
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
        .map(|e| crate::creator::campaigns::view(&state, &headers, e))
        .collect();
    page_response(&state, &session, lang(&query, &headers), Page::Campaigns { campaigns }, StatusCode::OK)
        .await
}

/// One campaign: its live numbers, production plan, backers and updates. Another site's
/// campaign is a 404.
async fn campaign(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let cursor = query.cursor.as_deref().and_then(crate::store::Cursor::parse);
    let page = campaign_page(&state, &session, &id, &headers, cursor.as_ref(), &query.filters, None).await?;
    page_response(&state, &session, lang(&query, &headers), Page::Campaign(Box::new(page)), StatusCode::OK)
        .await
}

async fn campaign_page(
    state: &AppState,
    session: &Session,
    id: &str,
    headers: &HeaderMap,
    cursor: Option<&crate::store::Cursor>,
    filters: &domain::wire::BackerFilters,
    draft: Option<dashboard::Draft>,
) -> Result<dashboard::CampaignPage, Error> {
    let entry = state.hub.get(id).filter(|e| e.site == session.site).ok_or(Error::NotFound)?;
    let campaign = crate::creator::campaigns::view(state, headers, &entry);
    let demand =
        domain::demand::plan(&entry.snapshot(crate::now()).campaign, &state.store.combinations(id).await?);
    let found = state.store.backers(id, &crate::creator::backers::filter_of(filters)?, 50, cursor).await?;
    let pledges =
        found.pledges.into_iter().map(crate::creator::backers::backer).collect::<anyhow::Result<_>>()?;
    let backers =
        domain::wire::BackerPage { pledges, next_cursor: found.next.map(|c| c.as_str().to_owned()) };
    let updates = state.store.updates(id, 20).await?;
    let timeline = state
        .store
        .timeline(id)
        .await?
        .into_iter()
        .map(|(day, pledges, amount)| dashboard::Day { day, pledges, amount })
        .collect();
    let sources = Some(crate::creator::sources::report(state, id).await?);
    let leaders = state.store.leaders(id, 10).await?;
    Ok(dashboard::CampaignPage {
        campaign,
        demand,
        backers,
        updates,
        draft,
        filters: filters.clone(),
        timeline,
        sources,
        leaders,
        edit_errors: Vec::new(),
    })
}

/// One backer of one of the site's campaigns.
async fn backer(
    State(state): State<AppState>,
    session: Session,
    Path((id, pledge)): Path<(String, String)>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let entry = state.hub.get(&id).filter(|e| e.site == session.site).ok_or(Error::NotFound)?;
    let row = state.store.backer(&id, &pledge).await?.ok_or(Error::NotFound)?;
    let backer = crate::creator::backers::backer(row)?;
    // The referrer's name, from the same campaign; their contact stays theirs.
    let referrer = match &backer.referred_by {
        Some(code) => state.store.referrer_name(&id, code).await?,
        None => None,
    };
    let campaign = Box::new(crate::creator::campaigns::view(&state, &headers, &entry));
    let page = Page::Backer { campaign, backer: Box::new(backer), referrer };
    page_response(&state, &session, lang(&query, &headers), page, StatusCode::OK).await
}

/// Every backer of a campaign as CSV, for the signed-in site.
async fn backers_csv(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let entry = state.hub.get(&id).filter(|e| e.site == session.site).ok_or(Error::NotFound)?;
    crate::creator::backers::csv_response(&state, &entry)
}

#[derive(Debug, serde::Deserialize)]
struct EditForm {
    #[serde(default)]
    csrf: String,
    title: Option<String>,
    summary: Option<String>,
    story: Option<String>,
    /// In major units, as typed (`50000`, `499.50`).
    goal: Option<String>,
    /// `datetime-local` values, UTC: `2026-12-01T09:00`.
    starts_at: Option<String>,
    ends_at: Option<String>,
}

/// Edits a campaign's text and terms from the dashboard: only the fields the form sends
/// change (browsers do not send disabled, locked ones); refusals come back field by field.
async fn edit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<EditForm>,
) -> Result<Response, Error> {
    if !session::same_origin(&state, &headers) || !session.allows(&form.csrf) {
        return Err(Error::Forbidden);
    }
    let entry = state.hub.get(&id).filter(|e| e.site == session.site).ok_or(Error::NotFound)?;
    let currency = entry.snapshot(crate::now()).campaign.currency();
    let lang = crate::http::pages::pick_lang(None, &headers);
    let mut errors = domain::FieldErrors::new();
    let goal = form.goal.as_deref().and_then(|typed| {
        let minor = currency.parse_major(typed);
        if minor.is_none() {
            errors.add("goal", domain::FieldError::NotANumber);
        }
        minor
    });
    let mut when = |field: &str, typed: Option<&str>| {
        let typed = typed?;
        let at = domain::Timestamp::parse(&format!("{}:00Z", typed.trim()));
        if at.is_none() {
            errors.add(field, domain::FieldError::InvalidDate);
        }
        at
    };
    let starts_at = when("starts_at", form.starts_at.as_deref());
    let ends_at = when("ends_at", form.ends_at.as_deref());
    let patch = domain::edit::CampaignPatch {
        title: form.title,
        summary: form.summary,
        story: form.story,
        goal,
        starts_at,
        ends_at,
        ..Default::default()
    };
    let refused = if errors.is_empty() {
        match crate::campaigning::edit(&state.store, &state.hub, &session.site, &id, patch).await {
            Ok(_) => return Ok(Redirect::to(&format!("/dashboard/campaigns/{id}")).into_response()),
            Err(Error::Invalid(fields) | Error::Locked(fields)) => fields,
            Err(other) => return Err(other),
        }
    } else {
        errors
    };
    let mut page = campaign_page(&state, &session, &id, &headers, None, &Default::default(), None).await?;
    page.edit_errors = refused.iter().map(|(field, e)| (field.to_owned(), lang.field_error(e))).collect();
    page_response(&state, &session, lang, Page::Campaign(Box::new(page)), StatusCode::UNPROCESSABLE_ENTITY)
        .await
}

#[derive(Debug, serde::Deserialize)]
struct UpdateForm {
    #[serde(default)]
    csrf: String,
    /// `preview` shows the update without publishing it; anything else publishes.
    #[serde(default)]
    action: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

/// Publishes an update from the dashboard; a refused one comes back with what was typed.
async fn post_update(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<UpdateForm>,
) -> Result<Response, Error> {
    if !session::same_origin(&state, &headers) || !session.allows(&form.csrf) {
        return Err(Error::Forbidden);
    }
    let lang = crate::http::pages::pick_lang(None, &headers);
    let input = domain::wire::UpdateInput { title: form.title.clone(), body: form.body.clone() };
    if form.action == "preview" {
        state.hub.get(&id).filter(|e| e.site == session.site).ok_or(Error::NotFound)?;
        let draft = match input.check() {
            Ok((title, body)) => dashboard::Draft { title, body, error: None, preview: true },
            Err(errors) => {
                let error = errors
                    .iter()
                    .map(|(field, e)| format!("{field}: {}", lang.field_error(e)))
                    .collect::<Vec<_>>();
                dashboard::Draft {
                    title: form.title,
                    body: form.body,
                    error: Some(error.join(" · ")),
                    preview: false,
                }
            }
        };
        let page =
            campaign_page(&state, &session, &id, &headers, None, &Default::default(), Some(draft)).await?;
        return page_response(&state, &session, lang, Page::Campaign(Box::new(page)), StatusCode::OK).await;
    }
    match crate::campaigning::post_update(&state.store, &state.hub, &session.site, &id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/dashboard/campaigns/{id}#updates")).into_response()),
        Err(Error::Invalid(errors)) => {
            let error = errors
                .iter()
                .map(|(field, e)| format!("{field}: {}", lang.field_error(e)))
                .collect::<Vec<_>>();
            let draft = dashboard::Draft {
                title: form.title,
                body: form.body,
                error: Some(error.join(" · ")),
                preview: false,
            };
            let page = campaign_page(&state, &session, &id, &headers, None, &Default::default(), Some(draft))
                .await?;
            page_response(
                &state,
                &session,
                lang,
                Page::Campaign(Box::new(page)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other),
    }
}

async fn page_response(
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
    Ok(shell(status, lang, &body, Some(&json)))
}

#[derive(Debug, Default, serde::Deserialize)]
struct EmbedQuery {
    lang: Option<String>,
    campaign: Option<String>,
    widget_lang: Option<String>,
    theme: Option<String>,
}

/// The embed builder.
async fn embed_builder(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<EmbedQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let lang = crate::http::pages::pick_lang(query.lang.as_deref(), &headers);
    let page = embed_page(&state, &session, &headers, &query, None).await?;
    page_response(&state, &session, lang, Page::Embed(Box::new(page)), StatusCode::OK).await
}

async fn embed_page(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    query: &EmbedQuery,
    origins_error: Option<String>,
) -> Result<dashboard::EmbedPage, Error> {
    let campaigns: Vec<(String, String)> = state
        .hub
        .of_site(&session.site)
        .iter()
        .map(|e| {
            let snapshot = e.snapshot(crate::now());
            (snapshot.campaign.id().to_string(), snapshot.campaign.title().to_owned())
        })
        .collect();
    // Only what the widget understands: anything else falls back to its default.
    let asked = query.campaign.as_deref().filter(|id| campaigns.iter().any(|(c, _)| c == id));
    let campaign = asked.or(campaigns.first().map(|(id, _)| id.as_str())).unwrap_or_default().to_owned();
    let widget_lang = match query.widget_lang.as_deref() {
        Some(tag @ ("en" | "zh-CN")) => tag.to_owned(),
        _ => String::new(),
    };
    let theme = widget::Theme::parse(query.theme.as_deref().unwrap_or("light"))
        .unwrap_or_default()
        .as_str()
        .to_owned();
    let origins = state.store.site(&session.site).await?.map(|s| s.origins).unwrap_or_default();
    Ok(dashboard::EmbedPage {
        campaigns,
        campaign,
        lang: widget_lang,
        theme,
        base: crate::http::base_url(state, headers),
        origins,
        origins_error,
    })
}

#[derive(Debug, serde::Deserialize)]
struct OriginsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    origins: String,
}

/// Changes where the site's widgets may be embedded (every server picks it up).
async fn set_origins(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Form(form): Form<OriginsForm>,
) -> Result<Response, Error> {
    if !session::same_origin(&state, &headers) || !session.allows(&form.csrf) {
        return Err(Error::Forbidden);
    }
    let origins: Vec<String> =
        form.origins.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
    match crate::sites::update(&state.store, &session.site, None, Some(&origins)).await {
        Ok(site) => {
            // This server applies it now; others through the store's announcement.
            state.hub.set_site(&site.id, &site.origins.join(" "));
            Ok(Redirect::to("/dashboard/embed#origins").into_response())
        }
        Err(e) => {
            let lang = crate::http::pages::pick_lang(None, &headers);
            let page = embed_page(&state, &session, &headers, &EmbedQuery::default(), Some(format!("{e:#}")))
                .await?;
            page_response(
                &state,
                &session,
                lang,
                Page::Embed(Box::new(page)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// The sign-up form, when the operator allows sign-up (`--open-signup`); a 404 otherwise.
async fn sign_up_page(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    if !state.settings.open_signup {
        return Error::NotFound.into_response();
    }
    let props = dashboard::components::SignUpProps { lang: lang(&query, &headers), ..Default::default() };
    shell(StatusCode::OK, props.lang, &dashboard::render_sign_up(props).await, None)
}

#[derive(Debug, serde::Deserialize)]
struct SignUpForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    origins: String,
}

/// Creates a site from the sign-up form, shows its key once and signs its creator in. Each
/// attempt costs the address a token of the key-guessing budget, so sites cannot be
/// sprayed from one address.
async fn sign_up(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignUpForm>,
) -> Result<Response, Error> {
    if !state.settings.open_signup {
        return Err(Error::NotFound);
    }
    if !session::same_origin(&state, &headers) {
        return Err(Error::Forbidden);
    }
    let ip = crate::http::client_ip(&state, peer, &headers);
    state
        .auth_failures
        .check(ip, std::time::Instant::now())
        .map_err(|retry_after_secs| Error::RateLimited { retry_after_secs })?;
    let lang = crate::http::pages::pick_lang(None, &headers);
    let origins: Vec<String> =
        form.origins.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
    let base = crate::http::base_url(&state, &headers);
    let mut props = dashboard::components::SignUpProps {
        lang,
        id: form.id.trim().to_owned(),
        name: form.name.clone(),
        origins: form.origins.clone(),
        ..Default::default()
    };
    match crate::sites::create(&state.store, &props.id, &form.name, &origins, &base).await {
        Ok(created) => {
            // This server frames it at once; others hear of it through the store.
            if let Some(site) = state.store.site(&created.id).await? {
                state.hub.set_site(&site.id, &site.origins.join(" "));
            }
            let (token, _) = session::start(&state.store, &created.id, crate::now()).await?;
            props.key = Some(created.key);
            let mut response =
                shell(StatusCode::CREATED, lang, &dashboard::render_sign_up(props).await, None);
            response
                .headers_mut()
                .insert(header::SET_COOKIE, session::cookie(Some(&token), session::secure(&state, &headers)));
            Ok(response)
        }
        Err(e) => {
            props.error = Some(format!("{e:#}"));
            Ok(shell(StatusCode::UNPROCESSABLE_ENTITY, lang, &dashboard::render_sign_up(props).await, None))
        }
    }
}

/// The sign-in form; with `?token=`, the one-time link from `tribefund site create`.
async fn sign_in_page(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let lang = lang(&query, &headers);
    let Some(token) = query.token.as_deref() else {
        return Ok(sign_in_form(lang, None, StatusCode::OK).await);
    };
    let now = crate::now();
    match crate::sites::redeem_sign_in(&state.store, token, now).await? {
        Some(site) => signed_in(&state, &headers, &site).await,
        None => {
            let why = match lang {
                Lang::En => {
                    "This sign-in link was used already or has expired. Sign in with the site key, or ask for a new link."
                }
                Lang::ZhCn => "该登录链接已用过或已过期。请用站点密钥登录，或索取新链接。",
            };
            Ok(sign_in_form(lang, Some(why), StatusCode::GONE).await)
        }
    }
}

#[derive(Debug, serde::Deserialize)]
struct KeyForm {
    #[serde(default)]
    key: String,
}

/// Signing in with the site key. Failures are throttled per address, like the creator API's.
async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<KeyForm>,
) -> Result<Response, Error> {
    if !session::same_origin(&state, &headers) {
        return Err(Error::Forbidden);
    }
    let lang = crate::http::pages::pick_lang(None, &headers);
    let ip = crate::http::client_ip(&state, peer, &headers);
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
            Ok(sign_in_form(lang, Some(why), StatusCode::UNAUTHORIZED).await)
        }
        Err(other) => Err(other),
    }
}

/// Starts a session for `site` and sends the browser to its campaigns.
async fn signed_in(state: &AppState, headers: &HeaderMap, site: &str) -> Result<Response, Error> {
    let (token, _) = session::start(&state.store, site, crate::now()).await?;
    let mut response = Redirect::to("/dashboard").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::cookie(Some(&token), session::secure(state, headers)));
    Ok(response)
}

#[derive(Debug, serde::Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Signing out ends the session everywhere (not only this browser's cookie).
async fn sign_out(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    if !session::same_origin(&state, &headers) || !session.allows(&form.csrf) {
        return Err(Error::Forbidden);
    }
    session.end(&state.store).await?;
    let mut response = Redirect::to("/dashboard/sign-in").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::cookie(None, session::secure(&state, &headers)));
    Ok(response)
}

async fn sign_in_form(lang: Lang, error: Option<&str>, status: StatusCode) -> Response {
    let body = dashboard::render_sign_in(dashboard::components::SignInProps {
        lang,
        error: error.map(str::to_owned),
    })
    .await;
    shell(status, lang, &body, None)
}

/// A dashboard page: the rendered components, their props for the wasm to hydrate from, and
/// a policy that lets no other site frame it.
fn shell(status: StatusCode, lang: Lang, body: &str, props: Option<&str>) -> Response {
    let hydrate = props.map_or_else(String::new, |json| {
        format!(
            "<script type=\"application/json\" id=\"{}\">{}</script>\n<script type=\"module\" src=\"/assets/dashboard-boot.js\"></script>",
            dashboard::PROPS_ID,
            json.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
        )
    });
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>tribefund</title>\n\
         <link rel=\"stylesheet\" href=\"/assets/dashboard.css\">\n{hydrate}\n</head>\n\
         <body><div id=\"{root}\">{body}</div></body>\n</html>\n",
        lang = escape(lang.tag()),
        root = dashboard::ROOT_ID,
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}
