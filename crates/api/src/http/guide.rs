//! `GET /guide`: how to put a campaign where creators write (WordPress, Ghost, Hugo, WeChat
//! articles, fan groups…), in the reader's language: `docs/platforms.md` and
//! `docs/platforms.zh-CN.md`, rendered once, with this server's address where the guide says
//! `https://YOUR-TRIBEFUND-HOST`. The Markdown is ours and fixed at build time; the
//! address comes from the request and is escaped.

use super::render::{escape, plain_page};
use super::requests::{BaseUrl, PageLang};
use super::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use std::sync::LazyLock;
use widget::i18n::Lang;

const PLACEHOLDER: &str = "https://YOUR-TRIBEFUND-HOST";

static ENGLISH: LazyLock<(String, String)> =
    LazyLock::new(|| render(include_str!("../../../../docs/platforms.md")));
static CHINESE: LazyLock<(String, String)> =
    LazyLock::new(|| render(include_str!("../../../../docs/platforms.zh-CN.md")));

pub(super) fn pages() -> Router<AppState> {
    Router::new().route("/guide", get(guide))
}

async fn guide(State(state): State<AppState>, BaseUrl(base): BaseUrl, PageLang(lang): PageLang) -> Response {
    let (title, body) = match lang {
        Lang::En => &*ENGLISH,
        Lang::ZhCn => &*CHINESE,
    };
    let body = body.replace(PLACEHOLDER, &escape(base.trim_end_matches('/')));
    let body = format!("<div class=\"tf-guide\">{body}</div>");
    plain_page(&state.assets, lang, StatusCode::OK, title, &body)
}

/// A guide's title (its first heading) and the rest of it as HTML.
fn render(markdown: &str) -> (String, String) {
    let (first, rest) = markdown.split_once('\n').unwrap_or((markdown, ""));
    let title = first.trim_start_matches('#').trim().to_owned();
    let options = pulldown_cmark::Options::ENABLE_TABLES;
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new_ext(rest, options));
    (title, html)
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_guides_render_with_their_tables_and_code() {
        for (title, html) in [&*super::ENGLISH, &*super::CHINESE] {
            assert!(!title.is_empty() && html.contains("<table>") && html.contains("<code>"), "{title}");
            assert!(html.contains("/pkg/tribefund-wordpress.zip") && html.contains("?size=article"));
        }
    }
}
