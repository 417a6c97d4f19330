//! The creator's dashboard: what a blogger sees at `/dashboard` on the tribefund origin.
//!
//! Like the widget, these components render on the server (feature `ssr`) and hydrate in
//! the browser (feature `hydration`), from props embedded in the page. The dashboard is its
//! own wasm, loaded only by dashboard pages, so the fan's widget never carries it.

pub mod charts;
pub mod components;
pub mod editor;
mod services;
pub mod text;

pub use components::{Dashboard, SignIn, SignUp};

use domain::demand::DemandReport;
use domain::wire::{BackerFilters, BackerPage, BackerView, CreatorCampaign, Leader, SourcesReport, Update};
use serde::{Deserialize, Serialize};
use widget::i18n::Lang;
use yew::Properties;

/// The id of the element holding the server-rendered dashboard.
pub const ROOT_ID: &str = "tf-dash-root";
/// The id of the `<script type="application/json">` holding the [`DashboardProps`].
pub const PROPS_ID: &str = "tf-dash-props";

/// Which dashboard page is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "page", rename_all = "snake_case")]
pub enum Page {
    /// The site's campaigns, and the drafts not yet published.
    Campaigns {
        campaigns: Vec<CreatorCampaign>,
        #[serde(default)]
        drafts: Vec<editor::DraftSummary>,
    },
    /// Creating or changing a campaign.
    Editor(Box<editor::EditorPage>),
    /// One campaign: its live numbers, production plan, backers and updates.
    Campaign(Box<CampaignPage>),
    /// One backer: everything about their pledge.
    Backer {
        campaign: Box<CreatorCampaign>,
        backer: Box<BackerView>,
        referrer: Option<String>,
        /// The mails the backer was sent, oldest first: `(kind, status)`.
        #[serde(default)]
        mails: Vec<(String, String)>,
        #[serde(default)]
        delivery: Option<BackerDelivery>,
    },
    /// The embed builder: the snippet for a campaign, language and theme, a live preview,
    /// and the origins allowed to embed the site's widgets.
    Embed(Box<EmbedPage>),
    /// Delivery: survey progress, what to make per SKU, the packing list, recording parcels.
    Shipping(Box<ShippingPage>),
}

/// What the shipping page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShippingPage {
    pub campaign: domain::wire::CampaignView,
    pub survey: domain::wire::SurveySummary,
    pub skus: Vec<domain::wire::SkuSummary>,
    /// A file checked and waiting for the creator to confirm it.
    #[serde(default)]
    pub preview: Option<ImportPreview>,
    /// What the last action did, or why a file was refused whole, in the reader's words.
    #[serde(default)]
    pub said: Option<String>,
    /// Each bad row of a refused file: `(line 3.reference, why)`.
    #[serde(default)]
    pub errors: Vec<(String, String)>,
    /// The production timeline as shown in its editor: as saved, or as typed when refused.
    #[serde(default)]
    pub steps: Vec<domain::milestones::Milestone>,
    /// Why the timeline was refused, by field (`[0].due`).
    #[serde(default)]
    pub timeline_errors: Vec<(String, String)>,
}

/// A file of parcels, checked: each row, and whether it is new.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportPreview {
    /// The file as uploaded, applied as it was checked.
    pub csv: String,
    pub rows: Vec<PreviewRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    pub reference: String,
    pub carrier: String,
    pub tracking_number: String,
    /// Not recorded yet: applying records it and mails the backer.
    pub new: bool,
}

/// Where one backer's reward stands, for their page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackerDelivery {
    /// `not_needed`, `awaiting_survey`, `ready`, `shipped` or `delivered`.
    pub state: String,
    /// Recipient, phone and address on one line; empty until given (or once erased).
    pub address: String,
    /// Each question's label and the answer.
    pub answers: Vec<(String, String)>,
    pub parcels: Vec<domain::wire::ShipmentView>,
}

/// The widget's own accent colour, which needs no attribute.
pub const DEFAULT_ACCENT: &str = "#d2462c";

/// What the embed builder shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbedPage {
    /// The site's campaigns: id and title.
    pub campaigns: Vec<(String, String)>,
    pub campaign: String,
    /// `en`, `zh-CN`, or empty for the reader's browser.
    pub lang: String,
    /// `light` or `dark`.
    pub theme: String,
    /// `#rrggbb`, or empty for the widget's own colour.
    #[serde(default)]
    pub accent: String,
    /// The accent asked for was darkened to keep white text on it readable.
    #[serde(default)]
    pub accent_darkened: bool,
    /// The server's public address.
    pub base: String,
    /// The origins that may embed the site's widgets, and why a change was refused.
    pub origins: Vec<String>,
    pub origins_error: Option<String>,
}

impl EmbedPage {
    /// The one line for a blog post.
    pub fn snippet(&self) -> String {
        let mut attributes = format!("data-campaign=\"{}\"", self.campaign);
        if !self.lang.is_empty() {
            attributes.push_str(&format!(" data-lang=\"{}\"", self.lang));
        }
        if !self.theme.is_empty() && self.theme != "light" {
            attributes.push_str(&format!(" data-theme=\"{}\"", self.theme));
        }
        if !self.accent.is_empty() {
            attributes.push_str(&format!(" data-accent=\"{}\"", self.accent));
        }
        format!("<script src=\"{}/embed.js\" {attributes} async></script>", self.base)
    }

    /// The widget's own address, for the plain iframe and the preview.
    pub fn frame_path(&self) -> String {
        let mut query = Vec::new();
        if !self.lang.is_empty() {
            query.push(format!("lang={}", self.lang));
        }
        if !self.theme.is_empty() {
            query.push(format!("theme={}", self.theme));
        }
        if !self.accent.is_empty() {
            query.push(format!("accent={}", self.accent.trim_start_matches('#')));
        }
        format!("/embed/{}?{}", self.campaign, query.join("&"))
    }

    /// For hosts that strip scripts.
    pub fn iframe(&self) -> String {
        format!(
            "<iframe src=\"{}{}\" style=\"width:100%;height:640px;border:0\" title=\"tribefund\"></iframe>",
            self.base,
            self.frame_path()
        )
    }
}

/// What one campaign's page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignPage {
    pub campaign: CreatorCampaign,
    pub demand: DemandReport,
    /// A page of backers, newest first.
    pub backers: BackerPage,
    pub updates: Vec<Update>,
    /// An update the server refused, as typed, with why.
    pub draft: Option<Draft>,
    /// The backer list's filters as the creator set them.
    #[serde(default)]
    pub filters: BackerFilters,
    /// Live pledges and amount per day, oldest first.
    #[serde(default)]
    pub timeline: Vec<Day>,
    /// Where the money came from.
    #[serde(default)]
    pub sources: Option<SourcesReport>,
    /// The top recruiters, contacts never included.
    #[serde(default)]
    pub leaders: Vec<Leader>,
    /// Unix seconds at render time; the browser's clock takes over once hydrated.
    #[serde(default)]
    pub now: i64,
    /// Where in the backer list the page was opened: `None` is the newest backers, which
    /// follow new pledges live.
    #[serde(default)]
    pub cursor: Option<String>,
    /// The campaign's mails by where they stand; `None` while mail is off.
    #[serde(default)]
    pub mails: Option<MailCounts>,
}

/// A campaign's mails by where they stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MailCounts {
    pub waiting: i64,
    pub sent: i64,
    pub undeliverable: i64,
}

/// One day of pledges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Day {
    pub day: domain::Timestamp,
    pub pledges: u64,
    pub amount: i64,
}

/// `&q=…&tier=…` for the filters that are set, to keep them across pages.
pub fn filters_query(filters: &BackerFilters) -> String {
    let f = filters;
    [("q", &f.q), ("tier", &f.tier), ("option", &f.option), ("status", &f.status), ("source", &f.source)]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("&{k}={}", widget::form::encode(v)))
        .collect()
}

/// An update being written, kept when the server refuses it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Draft {
    pub title: String,
    pub body: String,
    pub error: Option<String>,
    /// Shown as backers will read it, not yet published.
    #[serde(default)]
    pub preview: bool,
    /// The audience boxes ticked: `tier:{id}`, `value:{option}={value}`.
    #[serde(default)]
    pub audience: Vec<String>,
    /// The mail as backers will get it, in each language.
    #[serde(default)]
    pub mails: Vec<MailPreview>,
}

/// An update's mail as it will be sent in one language: its subject and its text.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MailPreview {
    pub lang: String,
    pub subject: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Properties, Serialize, Deserialize)]
pub struct DashboardProps {
    /// The signed-in site's name.
    pub site: String,
    pub lang: Lang,
    /// Sent back with every state-changing form: the session's token against forged
    /// cross-site requests.
    pub csrf: String,
    pub page: Page,
}

/// Renders a dashboard page on the server, ready to be hydrated.
#[cfg(feature = "ssr")]
pub async fn render(props: DashboardProps) -> String {
    yew::ServerRenderer::<Dashboard>::with_props(move || props).render().await
}

/// Renders the sign-in page on the server (a plain form: it works without the wasm).
#[cfg(feature = "ssr")]
pub async fn render_sign_in(props: components::SignInProps) -> String {
    yew::ServerRenderer::<SignIn>::with_props(move || props).render().await
}

/// Renders the sign-up page on the server (a plain form).
#[cfg(feature = "ssr")]
pub async fn render_sign_up(props: components::SignUpProps) -> String {
    yew::ServerRenderer::<SignUp>::with_props(move || props).render().await
}

/// Browser entry point: hydrate the server-rendered dashboard from its embedded props.
#[cfg(all(target_arch = "wasm32", feature = "hydration"))]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let (Some(root), Some(props)) =
        (document.get_element_by_id(ROOT_ID), document.get_element_by_id(PROPS_ID))
    else {
        return;
    };
    let Some(props) = props
        .text_content()
        .and_then(|json| js_sys::JSON::parse(&json).ok())
        .and_then(|value| serde_wasm_bindgen::from_value::<DashboardProps>(value).ok())
    else {
        return;
    };
    yew::Renderer::<Dashboard>::with_root_and_props(root, props).hydrate();
}
