//! What a page hands the widget: the campaign snapshot and everything else the first render
//! depends on. The server renders from these props and embeds them as JSON; the browser
//! hydrates from the same JSON, so both renders match.

use crate::form::FormState;
use crate::i18n::Lang;
use domain::wire::CampaignView;
use serde::{Deserialize, Serialize};
use yew::Properties;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    Light,
    Dark,
    /// Light or dark as the reader's device prefers (`prefers-color-scheme`).
    Auto,
}

impl Theme {
    pub fn parse(text: &str) -> Option<Theme> {
        match text {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            "auto" => Some(Theme::Auto),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::Auto => "auto",
        }
    }
}

/// Which page the widget is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Page {
    /// Inside the iframe on a host page: compact.
    Embed,
    /// The share page `/c/{id}`: the campaign's own page, with its summary.
    Share,
}

impl Page {
    /// The level of the widget's section headings: below the share page's `<h1>` title, or
    /// the embed's `<h2>`.
    pub fn subheading(self) -> &'static str {
        match self {
            Page::Share => "h2",
            Page::Embed => "h3",
        }
    }
}

/// A pledge as its backer sees it after pledging, on the thank-you view and the receipt page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub pledge_id: String,
    pub name: String,
    pub amount: i64,
    pub tier: Option<String>,
    pub quantity: u32,
    pub options: Vec<(String, String)>,
    pub share_url: String,
    pub receipt_url: String,
    /// Set on the receipt page: where its cancel form posts. `None` on the thank-you view.
    pub cancel_action: Option<String>,
    pub cancelled: bool,
    /// Live pledges made through this backer's link, and what they brought.
    #[serde(default)]
    pub recruits: u32,
    #[serde(default)]
    pub recruited_amount: i64,
    /// Where its payment stands, when the campaign takes payments.
    #[serde(default)]
    pub payment: Option<domain::wire::PaymentInfo>,
    /// Until when the backer may choose a value that is made instead of one that was not.
    #[serde(default)]
    pub choose_by: Option<domain::Timestamp>,
    /// Set on the receipt page: where the value chooser posts when the wasm is not there to
    /// send it, and why the last choice posted there was refused.
    #[serde(default)]
    pub choose_action: Option<String>,
    #[serde(default)]
    pub choose_problem: Option<String>,
    /// Where the reward is delivered, and what delivery cost (part of `amount`).
    #[serde(default)]
    pub ship_to: Option<String>,
    #[serde(default)]
    pub shipping: i64,
}

#[derive(Debug, Clone, PartialEq, Properties, Serialize, Deserialize)]
pub struct AppProps {
    pub campaign: CampaignView,
    pub lang: Lang,
    pub theme: Theme,
    pub page: Page,
    /// Unix seconds at render time; the browser takes over its own clock after hydrating.
    pub now: i64,
    /// The form as the server last saw it: blank, or refilled with errors after a plain
    /// HTML POST was refused.
    pub form: FormState,
    /// Set once the backer has pledged: the widget shows the thank-you view.
    pub receipt: Option<Receipt>,
    /// The page is open in WeChat's in-app browser, which shares through its own ··· menu.
    #[serde(default)]
    pub wechat: bool,
    /// The creator's accent colour (`#rrggbb`), already made readable by the server.
    #[serde(default)]
    pub accent: Option<String>,
    /// Where a reward can be delivered, `(code, name)` in the page's language, sorted by
    /// name: every country and region when a tier ships, else none. The names travel with
    /// the page, so the widget's wasm carries none.
    #[serde(default)]
    pub places: Vec<(String, String)>,
}

/// The places a reward of `campaign` can be delivered to, named in `lang` and sorted by
/// those names (see [`AppProps::places`]); none unless a tier ships or `receipt` names a
/// destination.
pub fn places(
    campaign: &CampaignView,
    receipt: Option<&Receipt>,
    lang: crate::i18n::Lang,
) -> Vec<(String, String)> {
    if !campaign.tiers.iter().any(|t| t.ships) && receipt.is_none_or(|r| r.ship_to.is_none()) {
        return Vec::new();
    }
    let chinese = lang == crate::i18n::Lang::ZhCn;
    let mut all: Vec<(String, String)> = domain::countries::all()
        .map(|(code, english, zh)| (code.to_owned(), if chinese { zh } else { english }.to_owned()))
        .collect();
    all.sort_by_cached_key(|(_, name)| sort_key(name));
    all
}

/// A name as it sorts: the few Latin letters with marks that begin English names (Åland,
/// Côte d'Ivoire, Réunion) sort with their plain letter.
fn sort_key(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'Å' | 'Á' | 'À' | 'Â' | 'Ä' => 'A',
            'Ç' => 'C',
            'É' | 'È' | 'Ê' => 'E',
            'Í' | 'Î' => 'I',
            'Ö' | 'Ô' | 'Ó' => 'O',
            'Ü' | 'Ú' => 'U',
            'é' | 'è' | 'ê' => 'e',
            'ç' => 'c',
            'ü' => 'u',
            'ô' | 'ö' => 'o',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::sort_key;

    #[test]
    fn names_with_marks_sort_with_their_plain_letters() {
        let mut names =
            vec!["Zimbabwe", "Åland Islands", "Albania", "Côte d'Ivoire", "Croatia", "Réunion", "Romania"];
        names.sort_by_cached_key(|n| sort_key(n));
        assert_eq!(
            names,
            ["Åland Islands", "Albania", "Côte d'Ivoire", "Croatia", "Réunion", "Romania", "Zimbabwe"]
        );
    }
}
