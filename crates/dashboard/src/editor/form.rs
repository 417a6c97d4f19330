//! The editor's page: the campaign's form beside a live preview drawn by the widget's own
//! components (`Progress`, `PledgeForm`).
//!
//! The form is plain HTML that posts without scripts: its add and remove buttons are
//! submit buttons the server applies (`CampaignDraft::apply`). Hydrated, the same buttons
//! act in place, every keystroke is checked by `domain`'s rules and the preview follows.

use super::controls::{Controls, button};
use super::text::editor_text;
use super::{EditorPage, sections};
use crate::text::text;
use domain::progress::Counts;
use domain::wire::CampaignView;
use domain::{Campaign, Timestamp};
use std::rc::Rc;
use widget::components::{PledgeForm, Progress};
use widget::form::FormState;
use widget::i18n::Lang;
use widget::props::Theme;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    pub page: EditorPage,
    pub lang: Lang,
    pub csrf: String,
}

#[function_component]
pub fn Editor(props: &EditorProps) -> Html {
    let (lang, page) = (props.lang, &props.page);
    let et = editor_text(lang);
    let draft = use_state(|| page.draft.clone());
    // Fields the creator has typed in since the page loaded: their problems show at once.
    let touched = use_state(Vec::<String>::new);
    let oninput = {
        let (draft, touched) = (draft.clone(), touched.clone());
        Callback::from(move |e: InputEvent| {
            let Some((name, value)) = named_value(e.target()) else { return };
            let mut next = (*draft).clone();
            if next.set(&name, &value) {
                draft.set(next);
                if !touched.contains(&name) {
                    let mut more = (*touched).clone();
                    more.push(name);
                    touched.set(more);
                }
            }
        })
    };
    let onclick = {
        let draft = draft.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(action) = pressed_action(e.target()) else { return };
            let mut next = (*draft).clone();
            if next.apply(&action) {
                e.prevent_default();
                draft.set(next);
            }
        })
    };

    let checked = draft.check();
    let live_errors = checked.as_ref().err().cloned().unwrap_or_default();
    let c = Controls { draft: &draft, touched: &touched, live_errors: &live_errors, page, lang };
    // Problems the form has no field for (a tier with backers removed by a forged form).
    let unplaced: Vec<&(String, String)> =
        page.errors.iter().filter(|(f, _)| draft.get(f).is_none()).collect();
    let now = Timestamp::from_unix(page.now);
    let heading = if page.campaign.is_some() { et.edit_campaign } else { et.new_campaign };
    html! {
        <>
            <h1>{ heading }</h1>
            if page.saved { <p class="tfd-notice" role="status">{ et.saved }</p> }
            if page.show_errors && !(live_errors.is_empty() && page.errors.is_empty()) {
                <div class="tfd-error" role="alert" data-testid="editor-errors">
                    <p>{ et.fix_below }</p>
                    <ul>{ for unplaced.iter().map(|(f, m)| html! { <li>{ format!("{f}: {m}") }</li> }) }</ul>
                </div>
            }
            <div class="tfd-editor">
                <form method="post" action="/dashboard/editor" class="tfd-update" data-testid="editor" {oninput} {onclick}>
                    // Enter in a field saves the draft, never presses a Remove button.
                    <button type="submit" name="action" value="save" class="tfd-offscreen" tabindex="-1">{ et.save_draft }</button>
                    <input type="hidden" name="csrf" value={props.csrf.clone()} />
                    <input type="hidden" name="draft" value={page.draft_id.clone()} />
                    { sections::basics(&c) }
                    <h2>{ et.tiers }</h2>
                    { for draft.tiers.iter().enumerate().map(|(i, t)| sections::tier(&c, i, t)) }
                    { c.error("tiers") }
                    <p class="tfd-actions">{ button("add_tier".into(), et.add_tier) }</p>
                    <h2>{ et.stretch_goals }</h2>
                    { for (0..draft.stretch_goals.len()).map(|i| sections::stretch_goal(&c, i)) }
                    <p class="tfd-actions">{ button("add_stretch".into(), et.add_stretch) }</p>
                    { super::survey::section(&c) }
                    <p class="tfd-actions tfd-submit">
                        <button type="submit" name="action" value="save" class="tfd-secondary">{ et.save_draft }</button>
                        <button type="submit" name="action" value="publish" data-testid="publish">
                            { if page.campaign.is_some() { et.publish_changes } else { et.publish } }
                        </button>
                    </p>
                </form>
                <Preview campaign={checked.ok().map(Rc::new)} live={page.live.clone()} now={now.unix()} lang={lang} />
            </div>
            { sections::images(&c, &props.csrf) }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct PreviewProps {
    /// The draft as checked: `None` while something is wrong.
    campaign: Option<Rc<Campaign>>,
    /// The published campaign's numbers and cover, when it exists.
    live: Option<CampaignView>,
    now: i64,
    lang: Lang,
}

/// The campaign as readers will see it, by the widget's own components. The preview's form
/// can be clicked through; it sends nothing.
#[function_component]
fn Preview(props: &PreviewProps) -> Html {
    let et = editor_text(props.lang);
    let form = use_state(|| None::<FormState>);
    let Some(campaign) = &props.campaign else {
        return html! { <aside class="tfd-preview-pane" data-testid="editor-preview"><p class="tfd-hint">{ et.preview_waits }</p></aside> };
    };
    // Drawn as it will look while live: at its start when that is still ahead.
    let at = Timestamp::from_unix(props.now).max(campaign.starts_at());
    let view = Rc::new(preview_view(campaign, props.live.as_ref(), at));
    let shown = (*form)
        .clone()
        .filter(|f| f.tier.is_empty() || view.tier(&f.tier).is_some())
        .unwrap_or_else(|| FormState::blank(&view, "", "preview", at));
    let on_change = {
        let form = form.clone();
        Callback::from(move |next: FormState| form.set(Some(next)))
    };
    let on_submit = Callback::from(|e: SubmitEvent| e.prevent_default());
    html! {
        <aside class="tfd-preview-pane" aria-label={text(props.lang).preview} data-testid="editor-preview">
            <p class="tfd-hint">{ et.preview_note }</p>
            <div class="tf tf-light" lang={props.lang.tag()}>
                if let Some(cover) = &view.cover {
                    <img class="tf-cover" src={cover.clone()} alt="" width="1200" height="675" />
                }
                <h2 class="tf-title">{ &view.title }</h2>
                <Progress campaign={view.clone()} lang={props.lang} now={at.unix()} />
                <PledgeForm campaign={view.clone()} lang={props.lang} theme={Theme::Light} form={shown}
                    busy={false} now={at.unix()} {on_change} {on_submit} />
            </div>
        </aside>
    }
}

/// The view a checked draft would have, with the published campaign's numbers and cover.
fn preview_view(campaign: &Campaign, live: Option<&CampaignView>, at: Timestamp) -> CampaignView {
    let mut counts = Counts::default();
    if let Some(live) = live {
        counts.raised = live.raised;
        counts.backers = live.backers;
        counts.claimed = live.tiers.iter().map(|t| (t.id.clone(), t.claimed)).collect();
    }
    let mut view = domain::progress::view(campaign, &counts, at);
    view.cover = live.and_then(|l| l.cover.clone());
    view
}

/// The name and value of the field an input event came from.
fn named_value(target: Option<web_sys::EventTarget>) -> Option<(String, String)> {
    use wasm_bindgen::JsCast;
    let target = target?;
    if let Some(input) = target.dyn_ref::<web_sys::HtmlInputElement>() {
        return Some((input.name(), input.value()));
    }
    if let Some(area) = target.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        return Some((area.name(), area.value()));
    }
    target.dyn_ref::<web_sys::HtmlSelectElement>().map(|select| (select.name(), select.value()))
}

/// The editing action of the button a click landed on (`add_tier`, `remove_value:0:1:2`).
fn pressed_action(target: Option<web_sys::EventTarget>) -> Option<String> {
    use wasm_bindgen::JsCast;
    let button = target?.dyn_into::<web_sys::HtmlButtonElement>().ok()?;
    (button.name() == "action")
        .then(|| button.value())
        .filter(|a| a.starts_with("add_") || a.starts_with("remove_"))
}
