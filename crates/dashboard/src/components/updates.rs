//! A campaign's updates: the form to write one (with its preview) and those published.
//!
//! A component of its own so that the campaign page's live refreshes and its ticking clock
//! do not render it again: Yew puts a controlled field's value back on every render, which
//! would wipe what the creator is typing each second.

use crate::Draft;
use crate::text::text;
use domain::wire::Update;
use widget::i18n::Lang;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct UpdatesProps {
    pub campaign: String,
    /// What an update can be mailed to: `(box value, label)`, tiers then values.
    pub choices: Vec<(String, String)>,
    pub draft: Draft,
    pub updates: Vec<Update>,
    pub csrf: String,
    pub lang: Lang,
}

#[function_component]
pub(super) fn Updates(props: &UpdatesProps) -> Html {
    let (t, draft) = (text(props.lang), &props.draft);
    html! {
        <>
            <h2 id="updates">{ t.updates }</h2>
            <form method="post" action={format!("/dashboard/campaigns/{}/updates", props.campaign)} class="tfd-update">
                <input type="hidden" name="csrf" value={props.csrf.clone()} />
                if let Some(error) = &draft.error {
                    <p class="tfd-error" role="alert">{ error }</p>
                }
                if draft.preview {
                    <article class="tfd-preview-update" data-testid="update-preview">
                        <p class="tfd-hint">{ t.preview_hint }</p>
                        <h3>{ &draft.title }</h3>
                        { for draft.body.split("\n\n").filter(|p| !p.trim().is_empty()).map(|p| html! {
                            <p>{ for p.trim().lines().enumerate().map(|(i, line)| html! { <>{ if i > 0 { html! { <br /> } } else { html! {} } }{ line }</> }) }</p>
                        }) }
                    </article>
                    { for draft.mails.iter().map(|mail| html! {
                        <details class="tfd-mail-preview" data-testid={format!("mail-preview-{}", mail.lang)}>
                            <summary>{ format!("{} ({}): {}", t.mail_preview, mail.lang, mail.subject) }</summary>
                            <pre lang={mail.lang.clone()}>{ &mail.text }</pre>
                        </details>
                    }) }
                }
                <label><span>{ t.update_title }</span><input name="title" value={draft.title.clone()} required=true maxlength="120" /></label>
                <label><span>{ t.update_body }</span><textarea name="body" required=true rows="5" value={draft.body.clone()} /></label>
                if !props.choices.is_empty() {
                    <fieldset class="tfd-audience">
                        <legend>{ t.audience }</legend>
                        <p class="tfd-hint">{ t.audience_hint }</p>
                        { for props.choices.iter().map(|(value, label)| html! {
                            <label><input type="checkbox" name="audience" value={value.clone()} checked={draft.audience.contains(value)} />{ label }</label>
                        }) }
                    </fieldset>
                }
                <button type="submit" name="action" value="preview" class="tfd-secondary">{ t.preview }</button>
                <button type="submit" name="action" value="publish">{ t.publish }</button>
            </form>
            <ul class="tfd-updates" data-testid="updates">
                { for props.updates.iter().map(|u| html! {
                    <li><strong>{ &u.title }</strong>{ format!(" · {}", &u.published_at.to_string()[..10]) }<p>{ &u.body }</p></li>
                }) }
            </ul>
        </>
    }
}
