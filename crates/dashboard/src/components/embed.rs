//! The embed builder: pick a campaign, language and theme, see the widget as readers will,
//! copy the line; and the origins allowed to embed the site's widgets.

use crate::EmbedPage;
use crate::text::text;
use widget::i18n::Lang;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct EmbedBuilderProps {
    pub page: EmbedPage,
    pub lang: Lang,
    pub csrf: String,
}

/// Pick a campaign, language and theme; see the widget as readers will; copy the line.
#[function_component]
pub(super) fn EmbedBuilder(props: &EmbedBuilderProps) -> Html {
    let (t, page) = (text(props.lang), &props.page);
    let choice = |value: &str, label: &str, current: &str| {
        html! { <option value={value.to_owned()} selected={value == current}>{ label.to_owned() }</option> }
    };
    html! {
        <>
            <h1>{ t.embed_builder }</h1>
            <form method="get" class="tfd-filters">
                <select name="campaign" aria-label={t.title}>
                    { for page.campaigns.iter().map(|(id, title)| choice(id, title, &page.campaign)) }
                </select>
                <select name="widget_lang" aria-label={t.language}>
                    { choice("", t.readers_language, &page.lang) }
                    { choice("en", "English", &page.lang) }
                    { choice("zh-CN", "简体中文", &page.lang) }
                </select>
                <select name="theme" aria-label={t.theme}>
                    { choice("light", t.light, &page.theme) }
                    { choice("dark", t.dark, &page.theme) }
                </select>
                <label class="tfd-colour">
                    <span>{ t.accent }</span>
                    <input type="color" name="accent" value={if page.accent.is_empty() { crate::DEFAULT_ACCENT.to_owned() } else { page.accent.clone() }} />
                </label>
                <button type="submit">{ t.show }</button>
            </form>
            if page.accent_darkened {
                <p class="tfd-hint" data-testid="accent-darkened">{ format!("{} {}", t.accent_darkened, page.accent) }</p>
            }
            <h2>{ t.embed }</h2>
            <pre class="tfd-code" data-testid="snippet">{ page.snippet() }</pre>
            <p class="tfd-hint">{ t.iframe_hint }</p>
            <pre class="tfd-code" data-testid="iframe">{ page.iframe() }</pre>
            <h2>{ t.preview }</h2>
            <iframe class="tfd-preview" src={page.frame_path()} title={t.preview} data-testid="preview"></iframe>
            <h2 id="origins">{ t.origins }</h2>
            <p class="tfd-hint">{ t.origins_hint }</p>
            <form method="post" action="/dashboard/origins" class="tfd-update">
                <input type="hidden" name="csrf" value={props.csrf.clone()} />
                if let Some(error) = &page.origins_error {
                    <p class="tfd-error" role="alert">{ error }</p>
                }
                <textarea name="origins" rows="4" aria-label={t.origins} value={page.origins.join("\n")} />
                <button type="submit">{ t.save }</button>
            </form>
        </>
    }
}
