//! The editor's page: the campaign's form beside a live preview drawn by the widget's own
//! components (`Progress`, `PledgeForm`).
//!
//! The form is plain HTML that posts without scripts: its add and remove buttons are
//! submit buttons the server applies (`CampaignDraft::apply`). Hydrated, the same buttons
//! act in place, every keystroke is checked by `domain`'s rules and the preview follows.

use super::EditorPage;
use super::text::editor_text;
use crate::text::text;
use domain::progress::Counts;
use domain::wire::CampaignView;
use domain::{Campaign, Currency, Funding, Timestamp};
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
    let (t, et) = (text(lang), editor_text(lang));
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
    let error = |name: &str| -> Html {
        let typed = touched.iter().any(|n| n == name);
        let live = live_errors.iter().find(|(f, _)| *f == name).filter(|_| typed || page.show_errors);
        let message = match live {
            Some((_, e)) => Some(lang.field_error(e)),
            None if typed => None,
            None => page.errors.iter().find(|(f, _)| f == name).map(|(_, m)| m.clone()),
        };
        message.map_or_else(
            Html::default,
            |m| html! { <span class="tfd-error" data-field={name.to_owned()}>{ m }</span> },
        )
    };
    // `locked`: why the field cannot change, shown beside it.
    let field = |name: String, label: &str, kind: &str, locked: Option<&str>| -> Html {
        let value = draft.get(&name).unwrap_or_default().to_owned();
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
                { error(&name) }
            </label>
        }
    };
    let area = |name: &str, label: &str, rows: u32| -> Html {
        html! {
            <label>
                <span>{ label.to_owned() }</span>
                <textarea name={name.to_owned()} rows={rows.to_string()} value={draft.get(name).unwrap_or_default().to_owned()} />
                { error(name) }
            </label>
        }
    };
    let locked = |name: &str| page.locked.iter().any(|l| l == name);
    let pledged = |name: &str| locked(name).then_some(t.locked_hint);
    let select = |name: &str, label: &str, choices: &[(&str, &str)]| -> Html {
        let current = draft.get(name).unwrap_or_default().to_owned();
        let is_locked = locked(name);
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
                    <span class="tfd-hint">{ t.locked_hint }</span>
                }
                { error(name) }
            </label>
        }
    };
    let button = |action: String, label: &str| {
        html! { <button type="submit" name="action" value={action} class="tfd-secondary" formnovalidate=true>{ label.to_owned() }</button> }
    };
    let currency = Currency::parse(&draft.currency).unwrap_or(Currency::Cny);
    let money = |label: &str| format!("{label} ({})", currency.code());

    let tiers = draft.tiers.iter().enumerate().map(|(i, tier)| {
        let tier_locked = !tier.id.is_empty() && page.locked_tiers.contains(&tier.id);
        let chosen = tier_locked.then_some(t.locked_hint);
        let path = |f: &str| format!("tiers[{i}].{f}");
        let groups = tier.options.iter().enumerate().map(|(j, group)| {
            let values = group.values.iter().enumerate().map(|(k, _)| {
                let path = |f: &str| format!("tiers[{i}].options[{j}].values[{k}].{f}");
                html! {
                    <div class="tfd-row">
                        { field(path("value"), et.option_value, "text", chosen) }
                        { field(path("min_batch"), et.min_batch, "count", chosen) }
                        if !tier_locked { { button(format!("remove_value:{i}:{j}:{k}"), et.remove) } }
                    </div>
                }
            });
            html! {
                <fieldset class="tfd-group" data-testid={format!("option-{i}-{j}")}>
                    { field(format!("tiers[{i}].options[{j}].name"), et.option_name, "text", chosen) }
                    { for values }
                    { error(&format!("tiers[{i}].options[{j}].values")) }
                    if !tier_locked {
                        <p class="tfd-actions">
                            { button(format!("add_value:{i}:{j}"), et.add_value) }
                            { button(format!("remove_option:{i}:{j}"), et.remove) }
                        </p>
                    }
                </fieldset>
            }
        });
        html! {
            <fieldset class="tfd-group" data-testid={format!("tier-{i}")}>
                <legend>{ format!("{} {}", t.tier, i + 1) }</legend>
                if tier_locked { <p class="tfd-hint">{ et.tier_locked }</p> }
                <div class="tfd-row">
                    { field(path("title"), et.tier_title, "text", None) }
                    { field(path("id"), et.tier_id, "text", chosen) }
                </div>
                <div class="tfd-row">
                    { field(path("price"), &money(et.price), "money", chosen) }
                    { field(path("limit"), et.limit, "count", None) }
                    { field(path("per_backer"), et.per_backer, "count", None) }
                </div>
                <div class="tfd-row">
                    { field(path("available_from"), et.available_from, "datetime-local", None) }
                    { field(path("available_until"), et.available_until, "datetime-local", None) }
                </div>
                { for groups }
                { error(&path("options")) }
                if !tier_locked {
                    <p class="tfd-actions">
                        { button(format!("add_option:{i}"), et.add_option) }
                        { button(format!("remove_tier:{i}"), et.remove) }
                    </p>
                }
            </fieldset>
        }
    });
    let stretch = draft.stretch_goals.iter().enumerate().map(|(i, _)| {
        html! {
            <div class="tfd-row">
                { field(format!("stretch_goals[{i}].amount"), &money(et.stretch_amount), "money", None) }
                { field(format!("stretch_goals[{i}].label"), et.stretch_label, "text", None) }
                { button(format!("remove_stretch:{i}"), et.remove) }
            </div>
        }
    });
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
                    <h2>{ et.basics }</h2>
                    { field("title".into(), t.title, "text", None) }
                    { field("id".into(), et.campaign_id, "text", page.campaign.is_some().then_some(et.id_fixed)) }
                    if page.campaign.is_none() { <p class="tfd-hint">{ et.id_hint }</p> }
                    { area("summary", t.summary, 3) }
                    { area("story", t.story, 8) }
                    <div class="tfd-row">
                        { select("currency", et.currency, &[("CNY", "CNY ¥"), ("USD", "USD $"), ("EUR", "EUR €")]) }
                        { field("goal".into(), &money(t.goal), "money", pledged("goal")) }
                        { field("max_pledge".into(), &money(et.max_pledge), "money", None) }
                    </div>
                    <div class="tfd-row">
                        { field("starts_at".into(), t.starts, "datetime-local", pledged("starts_at")) }
                        { field("ends_at".into(), t.ends, "datetime-local", pledged("ends_at")) }
                    </div>
                    { select("funding", et.funding, &[
                        (Funding::AllOrNothing.as_str(), et.all_or_nothing),
                        (Funding::Flexible.as_str(), et.flexible),
                    ]) }
                    { select("payments", et.payments, &[
                        ("none", et.payments_none),
                        ("stripe", et.payments_stripe),
                        ("manual", et.payments_manual),
                    ]) }
                    { select("unmade", et.unmade, &[
                        ("refund", et.unmade_refund),
                        ("switch", et.unmade_switch),
                    ]) }
                    if draft.payments == "manual" {
                        { area("manual_payment.instructions", et.manual_instructions, 3) }
                        { field("manual_payment.expires_after_hours".into(), et.manual_hours, "number", None) }
                        <input type="hidden" name="manual_payment.qr" value={draft.manual_qr.clone()} />
                    }
                    <h2>{ et.tiers }</h2>
                    { for tiers }
                    { error("tiers") }
                    <p class="tfd-actions">{ button("add_tier".into(), et.add_tier) }</p>
                    <h2>{ et.stretch_goals }</h2>
                    { for stretch }
                    <p class="tfd-actions">{ button("add_stretch".into(), et.add_stretch) }</p>
                    <p class="tfd-actions tfd-submit">
                        <button type="submit" name="action" value="save" class="tfd-secondary">{ et.save_draft }</button>
                        <button type="submit" name="action" value="publish" data-testid="publish">
                            { if page.campaign.is_some() { et.publish_changes } else { et.publish } }
                        </button>
                    </p>
                </form>
                <Preview campaign={checked.ok().map(Rc::new)} live={page.live.clone()} now={now.unix()} lang={lang} />
            </div>
            <h2>{ et.cover }</h2>
            if let Some(id) = &page.campaign {
                if let Some(cover) = page.live.as_ref().and_then(|l| l.cover.clone()) {
                    <img class="tfd-cover" src={cover} alt={et.cover} width="300" />
                }
                { upload(format!("/dashboard/campaigns/{id}/cover"), "cover", et.cover, &props.csrf, et.upload, error("cover")) }
                <p class="tfd-hint">{ et.cover_hint }</p>
                if draft.payments == "manual" {
                    <h2>{ et.payment_qr }</h2>
                    if !draft.manual_qr.is_empty() {
                        <img class="tfd-qr" src={draft.manual_qr.clone()} alt={et.payment_qr} width="180" />
                    }
                    { upload(format!("/dashboard/campaigns/{id}/payment-qr"), "qr", et.payment_qr, &props.csrf, et.upload, error("manual_payment.qr")) }
                    <p class="tfd-hint">{ et.payment_qr_hint }</p>
                }
            } else {
                <p class="tfd-hint">{ et.cover_later }</p>
            }
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

/// One of the editor's image uploads (the cover, the collection code): a plain form that
/// posts the file `field` with the CSRF token, and why the last one was refused.
fn upload(
    action: String,
    field: &'static str,
    label: &'static str,
    csrf: &str,
    button: &'static str,
    error: Html,
) -> Html {
    html! {
        <form method="post" {action} enctype="multipart/form-data" class="tfd-filters">
            <input type="hidden" name="csrf" value={csrf.to_owned()} />
            <input type="file" name={field} accept="image/png,image/jpeg,image/webp" aria-label={label} />
            <button type="submit">{ button }</button>
            { error }
        </form>
    }
}
