//! The campaign editor: a draft kept as typed ([`CampaignDraft`]), the form, and a live
//! preview drawn by the widget's own components. A draft changes nothing for readers until
//! the creator publishes it.

mod controls;
pub mod draft;
mod fields;
mod form;
mod sections;
mod survey;
mod text;

pub use draft::CampaignDraft;
pub use form::Editor;
pub use text::{EditorText, editor_text};

use domain::wire::CampaignView;
use serde::{Deserialize, Serialize};

/// What the editor shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditorPage {
    /// Where the draft is kept: a new campaign's own id, or the id of the campaign it changes.
    pub draft_id: String,
    /// The published campaign this draft changes; `None` for a new campaign.
    pub campaign: Option<String>,
    pub draft: CampaignDraft,
    /// Top-level fields locked by backers' pledges (`goal`, `ends_at`, …).
    pub locked: Vec<String>,
    /// Tiers backers chose: their id, price and options are locked and they stay.
    pub locked_tiers: Vec<String>,
    /// The server's last refusal, field by field, in the reader's language.
    pub errors: Vec<(String, String)>,
    /// Show every field's problem, not only those typed in: the form was submitted.
    pub show_errors: bool,
    /// The draft was just saved.
    pub saved: bool,
    /// The published campaign, for its numbers and cover in the preview.
    pub live: Option<CampaignView>,
    /// Unix seconds at render time.
    pub now: i64,
    /// The survey has locked: its questions can no longer change.
    #[serde(default)]
    pub survey_locked: bool,
}

/// A draft in the campaign list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftSummary {
    pub id: String,
    pub title: String,
    /// The published campaign it changes, if any.
    pub campaign: Option<String>,
}
