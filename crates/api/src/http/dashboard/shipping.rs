//! The dashboard's shipping page (`/dashboard/campaigns/{id}/shipping`): survey progress,
//! the per-SKU summary, the packing list, and recording parcels in two steps: the uploaded
//! file is checked and shown row by row (what is new, what was recorded already), then
//! applied when the creator confirms; and the production timeline's editor. The same
//! capabilities as the creator API.

use super::session::Session;
use super::{PageQuery, lang, page_response};
use crate::delivery::shipments;
use crate::error::Error;
use crate::http::state::AppState;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use dashboard::{ImportPreview, Page, PreviewRow, ShippingPage};
use domain::milestones::{Milestone, MilestoneState};
use widget::i18n::Lang;

/// The most a file uploaded in the dashboard may be; larger ones go through the API.
pub(super) const UPLOAD_LIMIT: usize = 2 * 1024 * 1024;

pub(super) async fn shipping(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let lang = lang(&query, &headers);
    show(&state, &session, (&id, lang), Shown::default(), StatusCode::OK).await
}

/// The packing list, as the creator API streams it.
pub(super) async fn packing_list(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let entry = session.campaign(&state, &id)?;
    crate::http::creator::shipments::packing_response(&state, &entry, Default::default())
}

/// Checks an uploaded file and shows what it would record.
pub(super) async fn preview(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Multipart,
) -> Result<Response, Error> {
    session.campaign(&state, &id)?;
    let lang = crate::http::requests::pick_lang(None, &headers);
    let (csrf, file) = read_file(form).await?;
    session.check_form(&state, &headers, &csrf)?;
    let Ok(csv) = String::from_utf8(file) else {
        return refused(
            &state,
            &session,
            (&id, lang),
            Error::Malformed("The file must be UTF-8 CSV.".into()),
        )
        .await;
    };
    let checked = match shipments::read_csv(&csv) {
        Ok(rows) => shipments::check(&state.store, &id, rows).await,
        Err(e) => Err(e),
    };
    if let Err(e) = checked {
        return refused(&state, &session, (&id, lang), e).await;
    }
    // A file here is at most 2 MB: its parcels fit in memory to be shown.
    let parcels: Vec<_> =
        shipments::read_csv(&csv).into_iter().flatten().map(|(_, row)| shipments::parcel(row)).collect();
    let recorded = state.store.recorded_among(&parcels).await?;
    let rows = parcels
        .iter()
        .zip(recorded)
        .map(|(p, recorded)| PreviewRow {
            reference: p.pledge.clone(),
            carrier: p.carrier.clone(),
            tracking_number: p.tracking_number.clone(),
            new: !recorded,
        })
        .collect();
    let shown = Shown { preview: Some(ImportPreview { csv, rows }), ..Shown::default() };
    show(&state, &session, (&id, lang), shown, StatusCode::OK).await
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct ApplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    csv: String,
}

/// Records the file the creator confirmed, checked again as it is applied.
pub(super) async fn apply(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ApplyForm>,
) -> Result<Response, Error> {
    session.check_form(&state, &headers, &form.csrf)?;
    session.campaign(&state, &id)?;
    let lang = crate::http::requests::pick_lang(None, &headers);
    let imported = match shipments::read_csv(&form.csv) {
        Ok(_) => {
            let rows = || shipments::read_csv(&form.csv).into_iter().flatten();
            shipments::import(&state.store, &id, rows, crate::now()).await
        }
        Err(e) => Err(e),
    };
    match imported {
        Ok(done) => {
            let said = match lang {
                Lang::En => format!(
                    "Recorded {} new parcels; {} were recorded already.",
                    done.shipped, done.unchanged
                ),
                Lang::ZhCn => format!("已登记 {} 个新包裹；{} 个此前已登记。", done.shipped, done.unchanged),
            };
            show(
                &state,
                &session,
                (&id, lang),
                Shown { said: Some(said), ..Shown::default() },
                StatusCode::OK,
            )
            .await
        }
        Err(e) => refused(&state, &session, (&id, lang), e).await,
    }
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Mails a reminder to each backer whose survey is not done (once a day each).
pub(super) async fn remind(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    session.check_form(&state, &headers, &form.csrf)?;
    let campaign = session.campaign(&state, &id)?.snapshot(crate::now()).campaign.clone();
    let lang = crate::http::requests::pick_lang(None, &headers);
    let said = match state.settings.mail {
        None => match lang {
            Lang::En => "This server sends no mail: nobody was reminded.".to_owned(),
            Lang::ZhCn => "这台服务器不发邮件：没有发出提醒。".to_owned(),
        },
        Some(_) => {
            let day = crate::now().unix() / 86_400;
            let n = crate::delivery::round::remind(&state.store, &campaign, &format!("remind:{day}")).await?;
            match lang {
                Lang::En => format!("Reminded {n} backers by mail."),
                Lang::ZhCn => format!("已发邮件提醒 {n} 位支持者。"),
            }
        }
    };
    show(&state, &session, (&id, lang), Shown { said: Some(said), ..Shown::default() }, StatusCode::OK).await
}

/// What the page shows beside its numbers.
#[derive(Default)]
struct Shown {
    preview: Option<ImportPreview>,
    said: Option<String>,
    errors: Vec<(String, String)>,
    /// The timeline as typed, when it was refused; as saved otherwise.
    steps: Option<Vec<Milestone>>,
    timeline_errors: Vec<(String, String)>,
}

async fn show(
    state: &AppState,
    session: &Session,
    (id, lang): (&str, Lang),
    shown: Shown,
    status: StatusCode,
) -> Result<Response, Error> {
    let entry = session.campaign(state, id)?;
    let now = crate::now();
    let campaign = entry.snapshot(now).campaign.clone();
    let view = entry.snapshot(now).view.clone();
    let page = ShippingPage {
        steps: shown.steps.unwrap_or_else(|| view.milestones.clone()),
        timeline_errors: shown.timeline_errors,
        campaign: view,
        survey: crate::delivery::survey::summary(&state.store, &campaign, now).await?,
        skus: shipments::summary(&state.store, &campaign).await?,
        preview: shown.preview,
        said: shown.said,
        errors: shown.errors,
    };
    page_response(state, session, lang, Page::Shipping(Box::new(page)), status).await
}

/// The page again with why the file was refused: each bad row, or the whole file.
async fn refused(
    state: &AppState,
    session: &Session,
    (id, lang): (&str, Lang),
    e: Error,
) -> Result<Response, Error> {
    let shown = match &e {
        Error::Invalid(errors) => Shown { errors: lang.field_errors(errors), ..Shown::default() },
        Error::Malformed(why) => Shown { said: Some(why.clone()), ..Shown::default() },
        _ => return Err(e),
    };
    show(state, session, (id, lang), shown, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// The CSRF token and the file of an upload form.
async fn read_file(mut form: Multipart) -> Result<(String, Vec<u8>), Error> {
    let unreadable = |e: axum::extract::multipart::MultipartError| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => Error::TooLarge,
        _ => Error::Malformed("the form could not be read".into()),
    };
    let (mut csrf, mut file) = (String::new(), Vec::new());
    while let Some(part) = form.next_field().await.map_err(unreadable)? {
        match part.name() {
            Some("csrf") => csrf = part.text().await.map_err(unreadable)?,
            Some("file") => file = part.bytes().await.map_err(unreadable)?.to_vec(),
            _ => {}
        }
    }
    Ok((csrf, file))
}

/// Where a backer's reward stands, for their page: `None` when nothing is delivered or
/// asked.
pub(super) async fn backer_delivery(
    state: &AppState,
    entry: &std::sync::Arc<crate::hub::Entry>,
    pledge: &str,
) -> Result<Option<dashboard::BackerDelivery>, Error> {
    let Some(stored) = state.store.pledge_by_id(pledge).await? else { return Ok(None) };
    let now = crate::now();
    let shown = crate::delivery::on_receipt(&state.store, &state.hub, &stored, now).await?;
    if shown.delivery == domain::delivery::DeliveryState::NotNeeded && shown.survey == "not_needed" {
        return Ok(None);
    }
    let survey = state.store.survey(pledge).await?;
    let campaign = entry.snapshot(now).campaign.clone();
    let label = |id: &str| {
        let questions = campaign.survey().map(|s| s.questions.as_slice()).unwrap_or_default();
        questions.iter().find(|q| q.id == id).map_or_else(|| id.to_owned(), |q| q.label.clone())
    };
    let address =
        survey.address.map(|a| format!("{} · {} · {}", a.name, a.phone, a.one_line())).unwrap_or_default();
    Ok(Some(dashboard::BackerDelivery {
        state: shown.delivery.as_str().to_owned(),
        address,
        answers: survey.answers.iter().map(|(id, answer)| (label(id), answer.clone())).collect(),
        parcels: shown.shipments,
    }))
}

/// Saves the production timeline from the shipping page's form (`milestones[0].title` …):
/// rows left blank are dropped; a refusal shows each bad field beside it.
pub(super) async fn milestones(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let csrf = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    session.check_form(&state, &headers, csrf)?;
    session.campaign(&state, &id)?;
    let lang = crate::http::requests::pick_lang(None, &headers);
    let steps = read_steps(&pairs);
    match crate::campaigning::set_milestones(&state.store, &state.hub, &session.site, &id, steps.clone())
        .await
    {
        Ok(_) => {
            let said = if lang == Lang::ZhCn { "生产进度已保存。" } else { "The timeline is saved." };
            show(
                &state,
                &session,
                (&id, lang),
                Shown { said: Some(said.to_owned()), ..Shown::default() },
                StatusCode::OK,
            )
            .await
        }
        Err(Error::Invalid(errors)) => {
            let shown =
                Shown { timeline_errors: lang.field_errors(&errors), steps: Some(steps), ..Shown::default() };
            show(&state, &session, (&id, lang), shown, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other),
    }
}

/// The steps a timeline form holds, in order; a row whose id and title are blank is dropped.
fn read_steps(pairs: &[(String, String)]) -> Vec<Milestone> {
    let mut rows: std::collections::BTreeMap<usize, [String; 4]> = std::collections::BTreeMap::new();
    for (name, value) in pairs {
        let Some(rest) = name.strip_prefix("milestones[") else { continue };
        let Some((index, field)) = rest.split_once("].") else { continue };
        let Some(index) = index.parse::<usize>().ok().filter(|i| *i < 100) else { continue };
        let slot = match field {
            "id" => 0,
            "title" => 1,
            "due" => 2,
            "state" => 3,
            _ => continue,
        };
        rows.entry(index).or_default()[slot] = value.clone();
    }
    rows.into_values()
        .filter(|[id, title, ..]| !(id.trim().is_empty() && title.trim().is_empty()))
        .map(|[id, title, due, state]| Milestone {
            id,
            title,
            due: Some(due).filter(|d| !d.trim().is_empty()),
            state: MilestoneState::parse(&state).unwrap_or(MilestoneState::Planned),
        })
        .collect()
}
