//! Server-rendered pages: the embed (`/embed/{id}`), its plain-HTML pledge form, the share
//! page (`/c/{id}`) and the receipt (`/r/{token}`).
//!
//! Progress comes from the hub, never the database. Only the share page shows the story and
//! reads the campaign's updates, and only when there are some. Each page's
//! Content-Security-Policy names this server alone (and, as `frame-ancestors`, the site's
//! origins): Stripe.js runs in the card form's own page (`/pay/{token}`), never here.

use super::campaigns::created;
use super::receipts::{self, PageForms};
use super::requests::{BaseUrl, ClientIp, ReceiptToken, pick_lang};
use crate::error::Error;
use crate::http::render::{self, Shell};
use crate::http::state::AppState;
use crate::hub::Entry;
use crate::store::Refusal;
use axum::Router;
use axum::extract::{Form, Path, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::pledge::{clean_host_page, clean_source, is_referral_code};
use serde::Deserialize;
use std::sync::Arc;
use widget::form::{FormState, form_field};
use widget::i18n::Lang;
use widget::{AppProps, Page, Theme};

/// How many times a plain form sends itself again while the server cannot take it.
const PLAIN_RETRIES: u32 = 8;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/embed/{id}", get(embed))
        .route("/embed/{id}/pledge", post(form_pledge))
        .route("/c/{id}", get(share))
        .route("/r/{token}", get(receipt))
        .route("/r/{token}/cancel", post(cancel))
        .route("/r/{token}/options", post(choose))
}

/// Query parameters every page takes; the loader forwards them from `data-*` attributes.
#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    lang: Option<String>,
    theme: Option<String>,
    /// The creator's accent colour, `rrggbb` (from the loader's `data-accent`).
    accent: Option<String>,
    #[serde(rename = "ref")]
    referral: Option<String>,
    view: Option<String>,
    /// The link's source tag (`?src=weibo`).
    src: Option<String>,
    /// The page the loader embedded the widget in.
    host: Option<String>,
    /// The share page's page of backers and of recruiters (`http::tribe_page`).
    backers: Option<String>,
    leaders: Option<String>,
}

impl PageQuery {
    fn lang(&self, headers: &HeaderMap) -> Lang {
        pick_lang(self.lang.as_deref(), headers)
    }
    fn theme(&self) -> Theme {
        self.theme.as_deref().and_then(Theme::parse).unwrap_or_default()
    }
    fn accent(&self) -> Option<String> {
        readable_accent(self.accent.as_deref())
    }
    fn referral(&self) -> &str {
        self.referral.as_deref().filter(|r| is_referral_code(r)).unwrap_or("")
    }
    /// `?ref=CODE` for links to the page, when there is a code.
    fn referral_query(&self) -> String {
        match self.referral() {
            "" => String::new(),
            code => format!("?ref={code}"),
        }
    }
    fn source(&self) -> String {
        self.src.as_deref().and_then(clean_source).unwrap_or_default()
    }
    /// The host page the loader named; for a plain iframe, the origin its request came
    /// from (browsers send only the origin to another site). Never our own pages.
    fn host(&self, headers: &HeaderMap, page: Page) -> String {
        if page != Page::Embed {
            return String::new();
        }
        let referer = || headers.get(header::REFERER).and_then(|v| v.to_str().ok());
        self.host.as_deref().or_else(referer).and_then(clean_host_page).unwrap_or_default()
    }
    /// The query share-page links keep: language, theme, accent and referral.
    fn look(&self, lang: Lang) -> String {
        let referral = match self.referral() {
            "" => String::new(),
            code => format!("&ref={code}"),
        };
        format!("{}{referral}", look_query(lang, self.theme(), self.accent().as_deref()))
    }
    /// The query that keeps the page's view, language, theme and accent across a form post.
    fn carry(&self, lang: Lang) -> String {
        let view = if self.view.as_deref() == Some("embed") { "embed" } else { "page" };
        format!("view={view}&{}", look_query(lang, self.theme(), self.accent().as_deref()))
    }
}

/// A creator's accent colour, darkened when white text on it would be hard to read;
/// anything that is not a colour is ignored.
fn readable_accent(asked: Option<&str>) -> Option<String> {
    asked.and_then(domain::Accent::parse).map(|a| a.readable().hex())
}

/// `lang=…&theme=…[&accent=rrggbb]`: how a page looks, for links that keep it.
fn look_query(lang: Lang, theme: Theme, accent: Option<&str>) -> String {
    let accent = accent.map(|a| format!("&accent={}", a.trim_start_matches('#'))).unwrap_or_default();
    format!("lang={}&theme={}{accent}", lang.tag(), theme.as_str())
}

/// The widget inside the host page's iframe.
async fn embed(
    state: State<AppState>,
    ip: ClientIp,
    base: BaseUrl,
    id: Path<String>,
    query: Query<PageQuery>,
    raw: RawQuery,
    headers: HeaderMap,
) -> Response {
    campaign_page(state, (ip, base), id, query, raw, headers, Page::Embed).await
}

/// The campaign's own page, where share links lead.
async fn share(
    state: State<AppState>,
    ip: ClientIp,
    base: BaseUrl,
    id: Path<String>,
    query: Query<PageQuery>,
    raw: RawQuery,
    headers: HeaderMap,
) -> Response {
    campaign_page(state, (ip, base), id, query, raw, headers, Page::Share).await
}

/// A campaign's widget with a blank form, on the page `page` says.
async fn campaign_page(
    State(state): State<AppState>,
    (ClientIp(ip), BaseUrl(base)): (ClientIp, BaseUrl),
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    page: Page,
) -> Response {
    let lang = query.lang(&headers);
    let Some(entry) = state.hub.get(&id) else { return not_found(&state, lang) };
    let now = crate::now();
    let campaign = entry.snapshot(now).stamped_view();
    let pairs: Vec<(String, String)> =
        raw.as_deref().and_then(|q| serde_urlencoded::from_str(q).ok()).unwrap_or_default();
    let mut form = FormState::blank(&campaign, query.referral(), &crate::ids::secret(), now)
        .came_from(&query.source(), &query.host(&headers, page))
        .preselect(&campaign, &pairs, now);
    form.form_token = super::forms::sign(state.form_key.as_bytes(), &id, ip, now);
    let wechat = in_wechat(&headers);
    let props = AppProps {
        places: widget::props::places(&campaign, None, lang),
        campaign,
        lang,
        theme: query.theme(),
        page,
        now: now.unix(),
        form,
        receipt: None,
        wechat,
        accent: query.accent(),
    };
    // Only the share page shows the story and lists updates, and it asks the database for
    // updates only when there are some: the embed, on every host page, never does.
    let shell = match page {
        Page::Embed => Shell::Frame,
        Page::Share => Shell::Standalone,
    };
    let mut extras = render::Extras { base, path: format!("/embed/{id}"), ..render::Extras::default() };
    if page == Page::Share {
        extras.path = format!("/c/{id}{}", query.referral_query());
        extras.after = render::story(entry.snapshot(now).campaign.story());
        if props.campaign.latest_update.is_some() {
            match state.store.updates(&id, 20).await {
                Ok(updates) => extras.after.push_str(&render::updates(&updates, lang)),
                Err(e) => tracing::warn!(error = ?e, "the share page is shown without its updates"),
            }
        }
        let pages = super::tribe_page::Pages::asked(query.backers.as_deref(), query.leaders.as_deref());
        let seq = entry.snapshot(now).counts.seq;
        let lists = (&state.store, &state.share_lists);
        match super::tribe_page::sections(lists, (&id, seq), pages, &query.look(lang), lang).await {
            Ok(lists) => extras.after.push_str(&lists),
            Err(e) => tracing::warn!(error = ?e, "the share page is shown without its backers and leaders"),
        }
        let snapshot = entry.snapshot(now);
        if state.settings.mail.is_some() && !snapshot.counts.cancelled && now < snapshot.campaign.ends_at() {
            extras.after.push_str(&render::remind_form(&id, lang));
        }
    }
    html_page(&state, StatusCode::OK, &entry, render::page(props, shell, &extras, &state.assets).await)
}

/// The pledge form posted as plain HTML, for browsers where the wasm does not run. On
/// success it redirects to the receipt (so a reload cannot pledge twice); otherwise it
/// renders the form again with the typed values and the reasons.
async fn form_pledge(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let lang = pick_lang(field("lang"), &headers);
    let theme = field("theme").and_then(Theme::parse).unwrap_or_default();
    let accent = readable_accent(field("accent"));
    // The button the fan pressed said "Join the waitlist": the chosen tier was sold out.
    let joining = field(widget::form::field::WAITLIST) == Some("1");
    let Some(entry) = state.hub.get(&id) else { return Ok(not_found(&state, lang)) };
    let campaign = entry.snapshot(crate::now()).stamped_view();
    let mut form = FormState::from_pairs(pairs);
    super::forms::check(&state, &headers, &id, ip, &form.form_token)?;
    form.form_token = super::forms::sign(state.form_key.as_bytes(), &id, ip, crate::now());
    let outcome =
        match (crate::pledging::key(Some(form.idempotency_key.as_bytes())), form.to_request(&campaign)) {
            (Err(malformed), _) => {
                state.metrics.refused(&malformed);
                Err(malformed)
            }
            (Ok(_), Err(errors)) => {
                let invalid = Error::Invalid(errors);
                state.metrics.refused(&invalid);
                Err(invalid)
            }
            (Ok(key), Ok(request)) => {
                let fan = crate::pledging::Fan { ip, lang, base: base.clone() };
                let request = domain::wire::PledgeRequest { lang: Some(lang.tag().to_owned()), ..request };
                match request.tier.clone().filter(|_| joining) {
                    Some(tier) => {
                        match crate::waitlist::join(&state.desk(), &entry, &tier, request, &fan).await {
                            Ok(joined) => {
                                let to = format!("/w/{}?lang={}", joined.token, lang.tag());
                                return Ok(Redirect::to(&to).into_response());
                            }
                            Err(e) => Err(e),
                        }
                    }
                    None => crate::pledging::take(&state.desk(), &entry, request, key, &fan).await,
                }
            }
        };
    let text = lang.text();
    let attempts = std::mem::take(&mut form.retrying);
    let status = match outcome {
        Ok(accepted) => {
            let receipt = created(&state, &base, &accepted).receipt_url;
            let path = receipt.find("/r/").map_or(receipt.as_str(), |at| &receipt[at..]);
            let look = look_query(lang, theme, accent.as_deref());
            return Ok(Redirect::to(&format!("{path}?view=embed&{look}")).into_response());
        }
        Err(Error::Invalid(errors)) => {
            for (name, error) in errors.iter() {
                form.errors.insert(form_field(name, &form.tier), lang.field_error(error));
            }
            form.problem = Some(text.fix_fields.to_owned());
            StatusCode::UNPROCESSABLE_ENTITY
        }
        // Not taken for want of the server: the same form, same key, sends itself again
        // in a moment (`www/live.js`), a few times before it says so.
        Err(Error::Refused(Refusal::Unavailable | Refusal::Unknown | Refusal::Saturated))
            if attempts < PLAIN_RETRIES =>
        {
            form.retrying = attempts + 1;
            form.problem = Some(text.still_trying.to_owned());
            StatusCode::SERVICE_UNAVAILABLE
        }
        Err(Error::Refused(Refusal::Unavailable | Refusal::Unknown | Refusal::Saturated)) => {
            form.problem = Some(text.busy.to_owned());
            StatusCode::SERVICE_UNAVAILABLE
        }
        Err(e @ (Error::Refused(_) | Error::RateLimited { .. } | Error::Malformed(_))) => {
            // The key stays (unless it was malformed): a refusal is never stored under it, so
            // the next attempt is judged afresh, while an earlier attempt that was taken (its
            // answer lost) is found by it rather than pledged twice.
            form.problem = Some(lang.refusal(&e.problem()));
            if matches!(e, Error::Malformed(_)) {
                form.idempotency_key = crate::ids::secret();
            }
            e.status()
        }
        Err(other) => return Err(other),
    };
    let props = AppProps {
        places: widget::props::places(&campaign, None, lang),
        campaign,
        lang,
        theme,
        page: Page::Embed,
        now: crate::now().unix(),
        form,
        receipt: None,
        wechat: in_wechat(&headers),
        accent,
    };
    Ok(html_page(
        &state,
        status,
        &entry,
        render::page(props, Shell::Frame, &render::Extras::default(), &state.assets).await,
    ))
}

async fn receipt(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
    BaseUrl(base): BaseUrl,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    receipt_page(&state, (&token, &base), &query, &headers, None).await
}

/// The receipt page; `refused` says why a choice of values posted from it was refused.
async fn receipt_page(
    state: &AppState,
    (token, base): (&str, &str),
    query: &PageQuery,
    headers: &HeaderMap,
    refused: Option<String>,
) -> Result<Response, Error> {
    let lang = query.lang(headers);
    let found = receipts::find(state, base, token).await?;
    let Some((view, entry)) = found.and_then(|v| state.hub.get(&v.campaign).map(|e| (v, e))) else {
        return Ok(not_found(state, lang));
    };
    let campaign = entry.snapshot(crate::now()).stamped_view();
    let status = if refused.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let forms = PageForms {
        receipt_url: format!("{base}/r/{token}"),
        cancel_action: (campaign.status != domain::Status::Cancelled)
            .then(|| format!("/r/{token}/cancel?{}", query.carry(lang))),
        choose_action: format!("/r/{token}/options?{}", query.carry(lang)),
        choose_problem: refused,
    };
    let (page, shell) = match query.view.as_deref() {
        Some("embed") => (Page::Embed, Shell::Frame),
        _ => (Page::Share, Shell::Standalone),
    };
    let script = state.assets.url("/assets/delivery.js");
    let delivery = super::delivery::block::on_receipt(&view, token, lang, script);
    let receipt = receipts::on_page(view, forms);
    let props = AppProps {
        places: widget::props::places(&campaign, Some(&receipt), lang),
        campaign,
        lang,
        theme: query.theme(),
        page,
        now: crate::now().unix(),
        form: FormState::default(),
        receipt: Some(receipt),
        wechat: in_wechat(headers),
        accent: query.accent(),
    };
    let extras = render::Extras {
        base: base.to_owned(),
        path: format!("/c/{}", entry.snapshot(crate::now()).campaign.id()),
        after: delivery,
    };
    let mut response =
        html_page(state, status, &entry, render::page(props, shell, &extras, &state.assets).await);
    // The receipt link is a bearer secret: keep it out of caches and Referer headers.
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(response)
}

/// The receipt's cancel form: cancels through the writer, then shows the receipt again.
async fn cancel(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    match crate::pledging::cancel(&state.cards, &token).await {
        Ok(_) | Err(Error::Refused(Refusal::Ended | Refusal::NotStarted(_) | Refusal::Cancelled)) => {
            Ok(Redirect::to(&format!("/r/{token}?{}", query.carry(query.lang(&headers)))).into_response())
        }
        Err(Error::NotFound) => Ok(not_found(&state, query.lang(&headers))),
        Err(other) => Err(other),
    }
}

/// The receipt's value chooser as a plain form (`choose.{option}=value`, as the wasm's
/// chooser names its selects): switches as the API does, then shows the receipt again; a
/// refusal shows it with the reason beside the chooser.
async fn choose(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
    BaseUrl(base): BaseUrl,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let options =
        pairs.into_iter().filter_map(|(k, v)| Some((k.strip_prefix("choose.")?.to_owned(), v))).collect();
    let choice = domain::wire::OptionsChoice { options };
    let lang = query.lang(&headers);
    match crate::payments::unmade::switch(&state.cards, &token, &choice).await {
        Ok(()) => Ok(Redirect::to(&format!("/r/{token}?{}", query.carry(lang))).into_response()),
        Err(Error::NotFound) => Ok(not_found(&state, lang)),
        Err(refused @ (Error::Invalid(_) | Error::NotPayable)) => {
            let why = lang.choose_refused(&refused.problem());
            receipt_page(&state, (&token, &base), &query, &headers, Some(why)).await
        }
        Err(other) => Err(other),
    }
}

/// Whether the page is open in WeChat's in-app browser, whose user agent says
/// `MicroMessenger`.
fn in_wechat(headers: &HeaderMap) -> bool {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ua| ua.contains("MicroMessenger"))
}

fn html_page(state: &AppState, status: StatusCode, entry: &Arc<Entry>, body: String) -> Response {
    let csp = csp(state, entry);
    let mut response = (status, Html(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    response
}

/// The page's Content-Security-Policy. A campaign taking cards frames its card form from
/// this server (`/pay/{token}`): Stripe.js runs there, never in the widget's page.
fn csp(state: &AppState, entry: &Arc<Entry>) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self' {}",
        state.hub.frame_ancestors(&entry.site)
    )
}

fn not_found(state: &AppState, lang: Lang) -> Response {
    (StatusCode::NOT_FOUND, Html(render::not_found(lang, &state.assets))).into_response()
}
