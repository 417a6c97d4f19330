//! The campaign editor in the dashboard: a new campaign or a published one's changes are
//! kept as a draft (as typed, in `drafts`) until the creator publishes them; publishing goes
//! through `campaigning`, so the same rules and locks apply as in the creator API.

use super::session::Session;
use super::{PageQuery, lang, page_response};
use crate::campaigning::Published;
use crate::error::Error;
use crate::http::requests::PageLang;
use crate::http::state::AppState;
use crate::store::DraftRecord;
use crate::store::Refusal;
use axum::extract::multipart::{Multipart, MultipartError};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use dashboard::Page;
use dashboard::editor::{CampaignDraft, EditorPage, editor_text};
use domain::{Currency, FieldError};
use widget::i18n::Lang;

/// A new campaign: a blank draft, saved once the creator saves or publishes it.
pub(super) async fn new_campaign(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let lang = lang(&query, &headers);
    let now = crate::now();
    let currency = if lang == Lang::ZhCn { Currency::Cny } else { Currency::Usd };
    let page = EditorPage {
        draft_id: format!("d{}", crate::ids::alphanumeric(11).to_ascii_lowercase()),
        campaign: None,
        draft: CampaignDraft::blank(currency, now),
        locked: Vec::new(),
        locked_tiers: Vec::new(),
        errors: Vec::new(),
        show_errors: false,
        saved: false,
        live: None,
        now: now.unix(),
        survey_locked: false,
    };
    page_response(&state, &session, lang, Page::Editor(Box::new(page)), StatusCode::OK).await
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct EditorQuery {
    #[serde(default)]
    saved: Option<String>,
    #[serde(flatten)]
    page: PageQuery,
}

/// The editor for draft or campaign `id`: the stored draft when there is one, otherwise
/// the published campaign as it stands.
pub(super) async fn editor(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(query): Query<EditorQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let lang = lang(&query.page, &headers);
    let mut page = load(&state, &session, id).await?;
    page.saved = query.saved.is_some();
    page_response(&state, &session, lang, Page::Editor(Box::new(page)), StatusCode::OK).await
}

/// The editor's page for draft or campaign `id` of the session's site.
async fn load(state: &AppState, session: &Session, id: String) -> Result<EditorPage, Error> {
    let (campaign, draft) = match state.store.draft(&session.site, &id).await? {
        Some(stored) => {
            (stored.campaign_id, serde_json::from_str(&stored.body).map_err(anyhow::Error::from)?)
        }
        None => {
            let entry = session.campaign(state, &id)?;
            let input = entry.snapshot(crate::now()).campaign.to_input();
            (Some(id.clone()), CampaignDraft::from_input(&input))
        }
    };
    editor_page(state, session, id, campaign, draft)
}

/// The editor's cover upload (multipart: the CSRF token and the image). The picture is
/// checked only once the form is known to be the creator's own.
pub(super) async fn upload_cover(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Multipart,
) -> Result<Response, Error> {
    let entry = session.campaign(&state, &id)?;
    let set = match read_upload(&state, &session, &headers, form, "cover").await? {
        Ok((content_type, bytes)) => {
            crate::covers::set(&state.store, &state.metrics, &entry, &content_type, bytes).await.map(drop)
        }
        Err(missing) => Err(missing),
    };
    uploaded(&state, &session, &headers, id, "cover", set).await
}

/// The editor's upload of a manual campaign's collection code, as [`upload_cover`].
pub(super) async fn upload_qr(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Multipart,
) -> Result<Response, Error> {
    session.campaign(&state, &id)?;
    let set = match read_upload(&state, &session, &headers, form, "qr").await? {
        Ok((content_type, bytes)) => {
            crate::payments::qr::set(&state.cards, &state.metrics, &session.site, &id, &content_type, bytes)
                .await
                .map(drop)
        }
        Err(missing) => Err(missing),
    };
    uploaded(&state, &session, &headers, id, "manual_payment.qr", set).await
}

/// The file `field` (its type and bytes) of an upload form whose CSRF token is the
/// session's; inside, the refusal to show beside the field when no file was chosen.
async fn read_upload(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    mut form: Multipart,
    field: &str,
) -> Result<Result<(String, axum::body::Bytes), Error>, Error> {
    let unreadable = |e: MultipartError| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => Error::TooLarge,
        _ => Error::Malformed("the form could not be read".into()),
    };
    let (mut csrf, mut file) = (String::new(), None);
    while let Some(part) = form.next_field().await.map_err(unreadable)? {
        match part.name() {
            Some("csrf") => csrf = part.text().await.map_err(unreadable)?,
            Some(name) if name == field => {
                let content_type = part.content_type().unwrap_or_default().to_owned();
                file = Some((content_type, part.bytes().await.map_err(unreadable)?));
            }
            _ => {}
        }
    }
    session.check_form(state, headers, &csrf)?;
    let missing = || Error::Invalid([("image".to_owned(), FieldError::Required)].into_iter().collect());
    Ok(file.filter(|(_, bytes)| !bytes.is_empty()).ok_or_else(missing))
}

/// Back to the editor after an upload: at once when it was taken, else with why not beside
/// the field `field`.
async fn uploaded(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    id: String,
    field: &str,
    set: Result<(), Error>,
) -> Result<Response, Error> {
    let refused = match set {
        Ok(()) => return Ok(Redirect::to(&format!("/dashboard/editor/{id}")).into_response()),
        Err(Error::UnsupportedMediaType) => FieldError::NotAnImage,
        Err(Error::Invalid(errors)) => {
            errors.iter().next().map_or(FieldError::NotAnImage, |(_, e)| e.clone())
        }
        Err(other) => return Err(other),
    };
    let lang = crate::http::requests::pick_lang(None, headers);
    let mut page = load(state, session, id).await?;
    page.errors = vec![(field.into(), lang.field_error(&refused))];
    page_response(state, session, lang, Page::Editor(Box::new(page)), StatusCode::UNPROCESSABLE_ENTITY).await
}

/// The editor's page for `draft`; locks and numbers come from the campaign it changes.
fn editor_page(
    state: &AppState,
    session: &Session,
    draft_id: String,
    campaign: Option<String>,
    draft: CampaignDraft,
) -> Result<EditorPage, Error> {
    let now = crate::now();
    let (mut locked, mut locked_tiers, mut live) = (Vec::new(), Vec::new(), None);
    let mut survey_locked = false;
    if let Some(id) = &campaign {
        let snapshot = session.campaign(state, id)?.snapshot(now);
        locked = domain::edit::locked_now(&snapshot.campaign, &snapshot.counts)
            .into_iter()
            .filter(|f| !f.starts_with("tiers["))
            .collect();
        locked_tiers =
            snapshot.counts.claimed.iter().filter(|(_, n)| **n > 0).map(|(tier, _)| tier.clone()).collect();
        live = Some(snapshot.view.clone());
        survey_locked = snapshot.campaign.survey().is_some_and(|s| s.locked(now));
    }
    Ok(EditorPage {
        draft_id,
        campaign,
        draft,
        locked,
        locked_tiers,
        errors: Vec::new(),
        show_errors: false,
        saved: false,
        live,
        now: now.unix(),
        survey_locked,
    })
}

/// Whether `id` can name a new campaign's draft: `d` and 11 lowercase letters or digits.
fn new_draft_id(id: &str) -> bool {
    id.len() == 12 && id.starts_with('d') && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// The editor's form: save the draft, apply an add or remove button, or publish.
pub(super) async fn submit(
    State(state): State<AppState>,
    session: Session,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let one = |name: &str| fields.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str());
    session.check_form(&state, &headers, one("csrf"))?;
    let id = one("draft").to_owned();
    // A published campaign's id (its changes), or a fresh id for a new one: nothing else.
    let campaign = match session.campaign(&state, &id) {
        Ok(_) => Some(id.clone()),
        Err(_) if new_draft_id(&id) => None,
        Err(e) => return Err(e),
    };
    let mut draft = CampaignDraft::from_pairs(fields.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let action = one("action");
    if action == "publish" {
        return publish(&state, &session, lang, id, campaign, draft).await;
    }
    draft.apply(action);
    if !save(&state, &session, &id, campaign.as_deref(), &draft).await? {
        let errors = vec![("drafts".into(), editor_text(lang).too_many_drafts.to_owned())];
        return refused(
            &state,
            &session,
            lang,
            EditorPage { errors, ..editor_page(&state, &session, id, campaign, draft)? },
        )
        .await;
    }
    let to = if action.starts_with("add_") || action.starts_with("remove_") {
        format!("/dashboard/editor/{id}")
    } else {
        format!("/dashboard/editor/{id}?saved=1")
    };
    Ok(Redirect::to(&to).into_response())
}

/// Publishes a draft: creates the campaign or applies the changes, then forgets the draft.
/// A refusal keeps the draft and shows why, field by field.
async fn publish(
    state: &AppState,
    session: &Session,
    lang: Lang,
    id: String,
    campaign: Option<String>,
    draft: CampaignDraft,
) -> Result<Response, Error> {
    let outcome = match draft.check() {
        Err(errors) => Err(Error::Invalid(errors)),
        Ok(checked) => {
            let target = match &campaign {
                Some(existing) => Published::Existing(existing),
                None => Published::New { draft_id: &id, id_from_title: draft.id.trim().is_empty() },
            };
            let cards = state.cards.stripe.is_some();
            crate::campaigning::publish_whole(
                &state.store,
                &state.hub,
                &session.site,
                target,
                checked.to_input(),
                cards,
            )
            .await
        }
    };
    let mut errors = match outcome {
        Ok(published) => {
            state.store.delete_draft(&session.site, &id).await?;
            return Ok(Redirect::to(&format!("/dashboard/campaigns/{published}")).into_response());
        }
        Err(Error::Invalid(errors) | Error::Locked(errors)) => lang.field_errors(&errors),
        // Cancelled meanwhile (from the API, or another tab): said in words, draft kept.
        Err(e @ Error::Refused(Refusal::Cancelled)) => vec![("campaign".into(), lang.refusal(&e.problem()))],
        Err(other) => return Err(other),
    };
    if !save(state, session, &id, campaign.as_deref(), &draft).await? {
        errors.push(("drafts".into(), editor_text(lang).too_many_drafts.to_owned()));
    }
    refused(state, session, lang, EditorPage { errors, ..editor_page(state, session, id, campaign, draft)? })
        .await
}

/// The editor again after a refusal: what was typed, and every problem with it.
async fn refused(
    state: &AppState,
    session: &Session,
    lang: Lang,
    mut page: EditorPage,
) -> Result<Response, Error> {
    page.show_errors = true;
    page_response(state, session, lang, Page::Editor(Box::new(page)), StatusCode::UNPROCESSABLE_ENTITY).await
}

/// Keeps the draft; false when the site keeps too many already.
async fn save(
    state: &AppState,
    session: &Session,
    id: &str,
    campaign: Option<&str>,
    draft: &CampaignDraft,
) -> Result<bool, Error> {
    let record = DraftRecord {
        id: id.to_owned(),
        campaign_id: campaign.map(str::to_owned),
        title: draft.title.chars().take(120).collect(),
        body: serde_json::to_string(draft).map_err(anyhow::Error::from)?,
    };
    Ok(state.store.save_draft(&session.site, &record, crate::now()).await?)
}
