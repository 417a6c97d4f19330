//! The editor's sections: the campaign's basics, each tier with its option groups and
//! their values, each stretch goal (with their add and remove buttons), and the image
//! uploads, which are forms of their own.

use super::controls::{Controls, button};
use super::draft::{OptionDraft, TierDraft};
use super::text::editor_text;
use crate::text::text;
use domain::Funding;
use yew::prelude::*;

/// The campaign's own fields: title, id, texts, money, dates, funding, payments and what
/// becomes of a value that is not made.
pub(super) fn basics(c: &Controls) -> Html {
    let (t, et, page, draft) = (text(c.lang), editor_text(c.lang), c.page, c.draft);
    html! {
        <>
            <h2>{ et.basics }</h2>
            { c.field("title".into(), t.title, "text", None) }
            { c.field("id".into(), et.campaign_id, "text", page.campaign.is_some().then_some(et.id_fixed)) }
            if page.campaign.is_none() { <p class="tfd-hint">{ et.id_hint }</p> }
            { c.area("summary", t.summary, 3) }
            { c.area("story", t.story, 8) }
            <div class="tfd-row">
                { c.select("currency", et.currency, &[("CNY", "CNY ¥"), ("USD", "USD $"), ("EUR", "EUR €")]) }
                { c.field("goal".into(), &c.money(t.goal), "money", c.pledged("goal")) }
                { c.field("max_pledge".into(), &c.money(et.max_pledge), "money", None) }
            </div>
            <div class="tfd-row">
                { c.field("starts_at".into(), t.starts, "datetime-local", c.pledged("starts_at")) }
                { c.field("ends_at".into(), t.ends, "datetime-local", c.pledged("ends_at")) }
            </div>
            { c.select("funding", et.funding, &[
                (Funding::AllOrNothing.as_str(), et.all_or_nothing),
                (Funding::Flexible.as_str(), et.flexible),
            ]) }
            { c.select("payments", et.payments, &[
                ("none", et.payments_none),
                ("stripe", et.payments_stripe),
                ("manual", et.payments_manual),
            ]) }
            { c.select("unmade", et.unmade, &[
                ("refund", et.unmade_refund),
                ("switch", et.unmade_switch),
            ]) }
            if draft.payments == "manual" {
                { c.area("manual_payment.instructions", et.manual_instructions, 3) }
                { c.field("manual_payment.expires_after_hours".into(), et.manual_hours, "number", None) }
                <input type="hidden" name="manual_payment.qr" value={draft.manual_qr.clone()} />
            }
        </>
    }
}

/// Tier `i`: its fields, option groups and buttons. A tier backers chose keeps its id,
/// price and options, and stays.
pub(super) fn tier(c: &Controls, i: usize, tier: &TierDraft) -> Html {
    let (t, et) = (text(c.lang), editor_text(c.lang));
    let tier_locked = !tier.id.is_empty() && c.page.locked_tiers.contains(&tier.id);
    let chosen = tier_locked.then_some(t.locked_hint);
    let path = |f: &str| format!("tiers[{i}].{f}");
    html! {
        <fieldset class="tfd-group" data-testid={format!("tier-{i}")}>
            <legend>{ format!("{} {}", t.tier, i + 1) }</legend>
            if tier_locked { <p class="tfd-hint">{ et.tier_locked }</p> }
            <div class="tfd-row">
                { c.field(path("title"), et.tier_title, "text", None) }
                { c.field(path("id"), et.tier_id, "text", chosen) }
            </div>
            <div class="tfd-row">
                { c.field(path("price"), &c.money(et.price), "money", chosen) }
                { c.field(path("limit"), et.limit, "count", None) }
                { c.field(path("per_backer"), et.per_backer, "count", None) }
            </div>
            <div class="tfd-row">
                { c.field(path("available_from"), et.available_from, "datetime-local", None) }
                { c.field(path("available_until"), et.available_until, "datetime-local", None) }
            </div>
            <div class="tfd-row">
                { c.select(&path("ships"), et.ships, &[("", et.not_delivered), ("yes", et.delivered)]) }
                { c.field(path("shipping"), &c.money(et.shipping), "text", None) }
            </div>
            { for tier.options.iter().enumerate().map(|(j, group)| option_group(c, (i, j), group, chosen)) }
            { c.error(&path("options")) }
            if !tier_locked {
                <p class="tfd-actions">
                    { button(format!("add_option:{i}"), et.add_option) }
                    { button(format!("remove_tier:{i}"), et.remove) }
                </p>
            }
        </fieldset>
    }
}

/// Option group `j` of tier `i`; `chosen` says why it cannot change, when backers chose the
/// tier.
fn option_group(c: &Controls, (i, j): (usize, usize), group: &OptionDraft, chosen: Option<&str>) -> Html {
    let et = editor_text(c.lang);
    let values = group.values.iter().enumerate().map(|(k, _)| {
        let path = |f: &str| format!("tiers[{i}].options[{j}].values[{k}].{f}");
        html! {
            <div class="tfd-row">
                { c.field(path("value"), et.option_value, "text", chosen) }
                { c.field(path("min_batch"), et.min_batch, "count", chosen) }
                if chosen.is_none() { { button(format!("remove_value:{i}:{j}:{k}"), et.remove) } }
            </div>
        }
    });
    html! {
        <fieldset class="tfd-group" data-testid={format!("option-{i}-{j}")}>
            { c.field(format!("tiers[{i}].options[{j}].name"), et.option_name, "text", chosen) }
            { for values }
            { c.error(&format!("tiers[{i}].options[{j}].values")) }
            if chosen.is_none() {
                <p class="tfd-actions">
                    { button(format!("add_value:{i}:{j}"), et.add_value) }
                    { button(format!("remove_option:{i}:{j}"), et.remove) }
                </p>
            }
        </fieldset>
    }
}

/// Stretch goal `i`: its amount and label, and a remove button.
pub(super) fn stretch_goal(c: &Controls, i: usize) -> Html {
    let et = editor_text(c.lang);
    html! {
        <div class="tfd-row">
            { c.field(format!("stretch_goals[{i}].amount"), &c.money(et.stretch_amount), "money", None) }
            { c.field(format!("stretch_goals[{i}].label"), et.stretch_label, "text", None) }
            { button(format!("remove_stretch:{i}"), et.remove) }
        </div>
    }
}

/// The cover and, for manual payment, the collection code: each a form of its own, once
/// the campaign exists.
pub(super) fn images(c: &Controls, csrf: &str) -> Html {
    let (et, page, draft) = (editor_text(c.lang), c.page, c.draft);
    html! {
        <>
            <h2>{ et.cover }</h2>
            if let Some(id) = &page.campaign {
                if let Some(cover) = page.live.as_ref().and_then(|l| l.cover.clone()) {
                    <img class="tfd-cover" src={cover} alt={et.cover} width="300" />
                }
                { upload(format!("/dashboard/campaigns/{id}/cover"), "cover", et.cover, csrf, et.upload, c.error("cover")) }
                <p class="tfd-hint">{ et.cover_hint }</p>
                if draft.payments == "manual" {
                    <h2>{ et.payment_qr }</h2>
                    if !draft.manual_qr.is_empty() {
                        <img class="tfd-qr" src={draft.manual_qr.clone()} alt={et.payment_qr} width="180" />
                    }
                    { upload(format!("/dashboard/campaigns/{id}/payment-qr"), "qr", et.payment_qr, csrf, et.upload, c.error("manual_payment.qr")) }
                    <p class="tfd-hint">{ et.payment_qr_hint }</p>
                }
            } else {
                <p class="tfd-hint">{ et.cover_later }</p>
            }
        </>
    }
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
