//! Server-side rendering of the widget's pages.
//!
//! Each page is the widget's [`App`](widget::App) rendered by Yew's server renderer, inside
//! a small HTML shell that also carries the props as JSON for the browser to hydrate from.
//! Everything the page needs to be read and used is in this HTML; the wasm only adds
//! in-place submission and a running clock.
//!
//! Text is escaped where it is shown: Yew escapes what it renders, the shell escapes its
//! few fields, and the props JSON inside `<script>` has `<`, `>` and `&` escaped, so it
//! cannot end its element.

use crate::http::manifest::Manifest;
use widget::{AppProps, Page};

/// Which shell surrounds the widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    /// Inside the host page's iframe: no margins, reports its height to the loader.
    Frame,
    /// A page of its own (share page, receipt): title and social-preview tags.
    Standalone,
}

/// What a standalone page has beside the widget.
#[derive(Debug, Default)]
pub struct Extras {
    /// The server's public base URL, for the absolute links of link previews.
    pub base: String,
    /// The page's own address (`/c/demo?ref=…`), for `og:url`.
    pub path: String,
    /// Server-only HTML below the widget (the story, the updates), readable without scripts.
    pub after: String,
}

/// The page for `props` in `shell`.
pub async fn page(props: AppProps, shell: Shell, extras: &Extras, assets: &Manifest) -> String {
    let lang = props.lang.tag();
    let id = escape(&props.campaign.id);
    let after = extras.after.as_str();
    let previews = format!(
        "<meta property=\"og:type\" content=\"website\">\n<meta property=\"og:url\" content=\"{base}{path}\">\n\
         <meta property=\"og:image\" content=\"{base}/c/{id}/poster.png\">\n\
         <meta property=\"og:image:width\" content=\"{width}\">\n<meta property=\"og:image:height\" content=\"{height}\">\n\
         <meta property=\"og:locale\" content=\"{locale}\">\n\
         <meta name=\"twitter:card\" content=\"summary_large_image\">\n\
         <link rel=\"alternate\" type=\"application/atom+xml\" href=\"/c/{id}/updates.atom\">",
        base = escape(&extras.base),
        path = escape(&extras.path),
        width = crate::tribe::poster::WIDTH,
        height = crate::tribe::poster::HEIGHT,
        locale = if props.lang == widget::i18n::Lang::ZhCn { "zh_CN" } else { "en_US" },
    );
    let title = escape(&props.campaign.title);
    let summary = escape(&props.campaign.summary);
    // oEmbed discovery: a pasted link to this page becomes the widget (`http/oembed.rs`).
    let discovery = if extras.path.is_empty() {
        String::new()
    } else {
        let page_url = format!("{}{}", extras.base, extras.path);
        let query: String = url::form_urlencoded::byte_serialize(page_url.as_bytes()).collect();
        let href = escape(&format!("{}/oembed?url={query}&format=json", extras.base));
        format!("<link rel=\"alternate\" type=\"application/json+oembed\" href=\"{href}\" title=\"{title}\">")
    };
    let props_json = script_json(&props);
    let page_class = match props.page {
        Page::Embed => "embed",
        Page::Share => "share",
    };
    let body = widget::render(props).await;
    let (head_extra, body_class) = match shell {
        Shell::Frame => (
            format!("<script src=\"{}\" defer></script>\n{discovery}", assets.url("/assets/frame.js")),
            "tf-frame",
        ),
        Shell::Standalone => (
            format!(
                "<meta property=\"og:title\" content=\"{title}\">\n<meta property=\"og:description\" content=\"{summary}\">\n\
                 <meta name=\"description\" content=\"{summary}\">\n{previews}\n{discovery}"
            ),
            "tf-standalone",
        ),
    };
    format!(
        r#"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{head_extra}
<link rel="stylesheet" href="{css}">
<script type="application/json" id="{props_id}">{props_json}</script>
<script src="{live}" defer></script>
<script src="{boot}" data-glue="{glue}" data-wasm="{wasm}" defer></script>
</head>
<body class="{body_class} tf-page-{page_class}">
<main>
<div id="{root_id}">{body}</div>
{after}
</main>
</body>
</html>
"#,
        props_id = widget::PROPS_ID,
        root_id = widget::ROOT_ID,
        css = assets.url("/assets/widget.css"),
        live = assets.url("/assets/live.js"),
        boot = assets.url("/assets/boot.js"),
        glue = assets.url("/pkg/widget.js"),
        wasm = assets.url("/pkg/widget_bg.wasm"),
    )
}

/// Plain text as HTML paragraphs: split at blank lines, single line breaks kept, escaped.
fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", escape(p.trim()).replace('\n', "<br>")))
        .collect()
}

/// The campaign's story, as a section of the share page.
pub fn story(story: &str) -> String {
    if story.trim().is_empty() {
        return String::new();
    }
    format!("<section class=\"tf tf-story\">{}</section>", paragraphs(story))
}

/// "Remind me", as a section of the share page: a plain form that leaves an address to
/// hear of the campaign's launch and its last 48 hours (confirmed by mail).
pub fn remind_form(id: &str, lang: widget::i18n::Lang) -> String {
    let (heading, hint, label, button) = match lang {
        widget::i18n::Lang::En => (
            "Not ready to pledge?",
            "Leave your address: we mail you when it opens and 48 hours before it ends. Nothing else.",
            "E-mail address",
            "Remind me",
        ),
        widget::i18n::Lang::ZhCn => (
            "还没想好？",
            "留下邮箱：众筹开始时和结束前 48 小时，我们会发邮件提醒你，不发别的。",
            "邮箱",
            "提醒我",
        ),
    };
    format!(
        "<section class=\"tf tf-remind\" aria-labelledby=\"tf-remind-h\"><h2 id=\"tf-remind-h\">{heading}</h2>\
         <p>{hint}</p><form method=\"post\" action=\"/c/{id}/remind?lang={tag}\" class=\"tf-form\">\
         <label class=\"tf-field\"><span>{label}</span>\
         <input type=\"email\" name=\"email\" autocomplete=\"email\" required maxlength=\"254\"></label>\
         <button type=\"submit\" class=\"tf-submit\" data-testid=\"remind\">{button}</button></form></section>",
        id = escape(id),
        tag = lang.tag(),
    )
}

/// A campaign's updates, newest first, as a section of the share page: each has an anchor
/// (`#update-{id}`) that the widget's notice links to. Paragraphs are split at blank lines;
/// everything is escaped.
pub fn updates(updates: &[domain::wire::Update], lang: widget::i18n::Lang) -> String {
    if updates.is_empty() {
        return String::new();
    }
    let heading = match lang {
        widget::i18n::Lang::En => "Updates",
        widget::i18n::Lang::ZhCn => "项目动态",
    };
    let mut html = format!(
        "<section class=\"tf tf-updates\" aria-labelledby=\"tf-updates-h\"><h2 id=\"tf-updates-h\">{heading}</h2>"
    );
    for update in updates {
        let date = update.published_at.to_string();
        html.push_str(&format!(
            "<article id=\"update-{}\" class=\"tf-update-post\"><h3>{}</h3><time datetime=\"{date}\">{}</time>",
            escape(&update.id),
            escape(&update.title),
            &date[..10]
        ));
        html.push_str(&paragraphs(&update.body));
        html.push_str("</article>");
    }
    html.push_str("</section>");
    html
}

/// A plain page for an unknown campaign or receipt.
/// A small page of our own (find my pledges, unsubscribe, remind me): `title` and `body` in
/// the widget's light style, never cached and never telling where it was opened from (its
/// address holds a token).
pub fn plain_page(
    assets: &Manifest,
    lang: widget::i18n::Lang,
    status: axum::http::StatusCode,
    title: &str,
    body: &str,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    let page = format!(
        "<!doctype html><html lang=\"{tag}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>\
         <link rel=\"stylesheet\" href=\"{css}\"></head><body class=\"tf tf-light\"><main>\
         <h1 class=\"tf-title\">{title}</h1>{body}</main></body></html>",
        tag = lang.tag(),
        title = escape(title),
        css = assets.url("/assets/widget.css"),
    );
    let mut response = (status, axum::response::Html(page)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

pub fn not_found(lang: widget::i18n::Lang, assets: &Manifest) -> String {
    let text = match lang {
        widget::i18n::Lang::En => "This campaign does not exist.",
        widget::i18n::Lang::ZhCn => "该众筹不存在。",
    };
    format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>404</title><link rel=\"stylesheet\" \
         href=\"{css}\"></head><body><div class=\"tf\"><p class=\"tf-closed\">{text}</p></div></body></html>",
        lang.tag(),
        css = assets.url("/assets/widget.css")
    )
}

/// JSON that is safe inside `<script>`: no `<`, `>` or `&` can end the element early.
fn script_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value)
        .expect("props always serialise")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// Escapes text for HTML content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_its_script_element() {
        let json = script_json(&"</script><script>alert(1)</script>");
        assert!(!json.contains('<'));
        assert_eq!(serde_json::from_str::<String>(&json).unwrap(), "</script><script>alert(1)</script>");
    }

    #[test]
    fn updates_are_escaped_and_split_into_paragraphs() {
        let update = domain::wire::Update {
            id: "01".into(),
            title: "<b>Samples</b>".into(),
            body: "One\nline\n\nTwo <script>".into(),
            published_at: domain::Timestamp::from_unix(0),
        };
        let html = updates(&[update], widget::i18n::Lang::En);
        assert!(html.contains("<h3>&lt;b&gt;Samples&lt;/b&gt;</h3>"), "{html}");
        assert!(html.contains("<p>One<br>line</p><p>Two &lt;script&gt;</p>"), "{html}");
        assert!(html.contains("id=\"update-01\"") && html.contains("1970-01-01"));
        assert_eq!(updates(&[], widget::i18n::Lang::En), "");
    }

    #[test]
    fn escaped_text_has_no_markup() {
        assert_eq!(escape(r#"<b a="1">'&"#), "&lt;b a=&quot;1&quot;&gt;&#39;&amp;");
    }
}
