//! The update composer's door: preview (the update as the share page shows it, and its
//! mail as backers get it, in both languages) or publish, to every backer or to the
//! audience its ticked boxes name. A refused update comes back with what was typed.

use super::campaign::campaign_page;
use super::page_response;
use super::session::Session;
use crate::error::Error;
use crate::http::requests::{BaseUrl, PageLang};
use crate::http::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use dashboard::{Draft, Page};
use domain::wire::{Audience, ChosenValue, UpdateInput};

/// The composer's form. Its audience boxes repeat one name, which serde's form reader does
/// not take, so the body is read pair by pair.
#[derive(Debug, Default)]
struct UpdateForm {
    csrf: String,
    /// `preview` shows the update without publishing it; anything else publishes.
    action: String,
    title: String,
    body: String,
    /// `tier:{id}` and `value:{option}={value}`, one per ticked box.
    audience: Vec<String>,
}

impl UpdateForm {
    fn parse(body: &[u8]) -> UpdateForm {
        let mut form = UpdateForm::default();
        for (name, value) in url::form_urlencoded::parse(body) {
            let value = value.into_owned();
            match name.as_ref() {
                "csrf" => form.csrf = value,
                "action" => form.action = value,
                "title" => form.title = value,
                "body" => form.body = value,
                "audience" if form.audience.len() < Audience::MAX * 2 => form.audience.push(value),
                _ => {}
            }
        }
        form
    }

    /// The ticked boxes as an audience; a box of no known shape names nothing.
    fn audience(&self) -> Audience {
        let mut audience = Audience::default();
        for ticked in &self.audience {
            if let Some(tier) = ticked.strip_prefix("tier:") {
                audience.tiers.push(tier.to_owned());
            } else if let Some((option, value)) =
                ticked.strip_prefix("value:").and_then(|v| v.split_once('='))
            {
                audience.values.push(ChosenValue { option: option.to_owned(), value: value.to_owned() });
            }
        }
        audience
    }

    fn draft(&self, error: Option<String>) -> Draft {
        Draft {
            title: self.title.clone(),
            body: self.body.clone(),
            error,
            preview: false,
            audience: self.audience.clone(),
            mails: Vec::new(),
        }
    }
}

/// Previews or publishes an update from the dashboard.
pub(super) async fn post_update(
    State(state): State<AppState>,
    session: Session,
    (PageLang(lang), BaseUrl(base)): (PageLang, BaseUrl),
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, Error> {
    let form = UpdateForm::parse(&body);
    session.check_form(&state, &headers, &form.csrf)?;
    let input = UpdateInput { title: form.title.clone(), body: form.body.clone(), audience: form.audience() };
    let entry = session.campaign(&state, &id)?;
    let refused = |errors: &domain::FieldErrors| Some(in_words(errors, lang));
    let (draft, status) = if form.action == "preview" {
        let campaign = entry.snapshot(crate::now()).campaign.clone();
        let checked = input.check().and_then(|words| input.audience.check(&campaign).map(|()| words));
        match checked {
            Ok((title, body)) => {
                let site =
                    state.store.site(&session.site).await?.map_or_else(|| session.site.clone(), |s| s.name);
                let mails = crate::mail::preview_update(&campaign, &site, (&title, &body), &base)?;
                let mails = mails
                    .into_iter()
                    .map(|(lang, words)| dashboard::MailPreview {
                        lang: lang.to_owned(),
                        subject: words.subject,
                        text: words.text,
                    })
                    .collect();
                (Draft { title, body, preview: true, mails, ..form.draft(None) }, StatusCode::OK)
            }
            Err(errors) => (form.draft(refused(&errors)), StatusCode::OK),
        }
    } else {
        match crate::campaigning::post_update(&state.store, &state.hub, &session.site, &id, input).await {
            Ok(_) => return Ok(Redirect::to(&format!("/dashboard/campaigns/{id}#updates")).into_response()),
            Err(Error::Invalid(errors)) => (form.draft(refused(&errors)), StatusCode::UNPROCESSABLE_ENTITY),
            Err(other) => return Err(other),
        }
    };
    let page = campaign_page(&state, &session, &id, &headers, None, &Default::default(), Some(draft)).await?;
    page_response(&state, &session, lang, Page::Campaign(Box::new(page)), status).await
}

/// Field errors as one line in the reader's language: `title: Required · body: …`.
fn in_words(errors: &domain::FieldErrors, lang: widget::i18n::Lang) -> String {
    lang.field_errors(errors).iter().map(|(field, e)| format!("{field}: {e}")).collect::<Vec<_>>().join(" · ")
}
