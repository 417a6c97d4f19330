//! The editor's controls, each bound to the draft as it stands: a field, a text area, a
//! select, a button, and the problem shown beside each (what the creator typed is checked
//! at once; the rest shows the server's last refusal, or every problem once submitted).

use super::{CampaignDraft, EditorPage};
use crate::text::text;
use domain::{Currency, FieldErrors};
use widget::i18n::Lang;
use yew::prelude::*;

pub(super) struct Controls<'a> {
    pub(super) draft: &'a CampaignDraft,
    /// Fields the creator has typed in since the page loaded.
    pub(super) touched: &'a [String],
    /// The draft's problems as `domain` finds them now.
    pub(super) live_errors: &'a FieldErrors,
    pub(super) page: &'a EditorPage,
    pub(super) lang: Lang,
}

impl Controls<'_> {
    /// The problem to show beside field `name`, if any.
    pub(super) fn error(&self, name: &str) -> Html {
        let typed = self.touched.iter().any(|n| n == name);
        let live =
            self.live_errors.iter().find(|(f, _)| *f == name).filter(|_| typed || self.page.show_errors);
        let message = match live {
            Some((_, e)) => Some(self.lang.field_error(e)),
            None if typed => None,
            None => self.page.errors.iter().find(|(f, _)| f == name).map(|(_, m)| m.clone()),
        };
        message.map_or_else(
            Html::default,
            |m| html! { <span class="tfd-error" data-field={name.to_owned()}>{ m }</span> },
        )
    }

    /// A one-line field; `locked` says why it cannot change, beside it.
    pub(super) fn field(&self, name: String, label: &str, kind: &str, locked: Option<&str>) -> Html {
        let value = self.draft.get(&name).unwrap_or_default().to_owned();
        let (kind, mode) = match kind {
            "money" => ("text", Some("decimal")),
            "count" => ("text", Some("numeric")),
            other => (other, None),
        };
        html! {
            <label>
                <span>{ label.to_owned() }</span>
                <input name={name.clone()} type={kind.to_owned()} inputmode={mode} value={value} readonly={locked.is_some()} />
                if let Some(why) = locked { <span class="tfd-hint">{ why.to_owned() }</span> }
                { self.error(&name) }
            </label>
        }
    }

    pub(super) fn area(&self, name: &str, label: &str, rows: u32) -> Html {
        html! {
            <label>
                <span>{ label.to_owned() }</span>
                <textarea name={name.to_owned()} rows={rows.to_string()} value={self.draft.get(name).unwrap_or_default().to_owned()} />
                { self.error(name) }
            </label>
        }
    }

    /// Whether backers' pledges lock top-level field `name`.
    pub(super) fn locked(&self, name: &str) -> bool {
        self.page.locked.iter().any(|l| l == name)
    }

    /// Why field `name` cannot change, when backers' pledges lock it.
    pub(super) fn pledged(&self, name: &str) -> Option<&'static str> {
        self.locked(name).then_some(text(self.lang).locked_hint)
    }

    pub(super) fn select(&self, name: &str, label: &str, choices: &[(&str, &str)]) -> Html {
        let current = self.draft.get(name).unwrap_or_default().to_owned();
        let is_locked = self.locked(name);
        html! {
            <label>
                <span>{ label.to_owned() }</span>
                <select name={name.to_owned()} disabled={is_locked}>
                    { for choices.iter().map(|(value, shown)| html! {
                        <option value={value.to_string()} selected={*value == current}>{ shown.to_string() }</option>
                    }) }
                </select>
                // A disabled select is not sent: its value goes as a hidden field.
                if is_locked {
                    <input type="hidden" name={name.to_owned()} value={current.clone()} />
                    <span class="tfd-hint">{ text(self.lang).locked_hint }</span>
                }
                { self.error(name) }
            </label>
        }
    }

    /// `label` with the draft's currency: "Goal (CNY)".
    pub(super) fn money(&self, label: &str) -> String {
        let currency = Currency::parse(&self.draft.currency).unwrap_or(Currency::Cny);
        format!("{label} ({})", currency.code())
    }
}

/// An add or remove button: a submit button the server applies without scripts, and the
/// hydrated editor in place.
pub(super) fn button(action: String, label: &str) -> Html {
    html! { <button type="submit" name="action" value={action} class="tfd-secondary" formnovalidate=true>{ label.to_owned() }</button> }
}
