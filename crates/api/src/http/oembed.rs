//! oEmbed 1.0 (`GET /oembed?url=…&format=json&maxwidth=&maxheight=`): a pasted link to a
//! campaign's share page or embed on this server becomes the widget, as a plain iframe
//! (no script), in WordPress, Ghost, Discourse and anything else that discovers providers
//! through the pages' `<link rel="alternate" type="application/json+oembed">`.
//!
//! The iframe follows a hidden `<blockquote>` linking to the share page, as WordPress's own
//! embeds do: WordPress, embedding an unlisted provider sandboxed, then shows the link until
//! the frame speaks its embed protocol (`www/frame.js`) and loads the script that sizes the
//! frame and opens the share page from it. Elsewhere the quote stays hidden.
//!
//! Any other URL is 404 (the spec's "no response for this URL"), `format=xml` 501, and a
//! size that is not a whole number 400. The frame never exceeds `maxwidth`/`maxheight`.

use super::render::escape;
use super::requests::BaseUrl;
use crate::error::Error;
use crate::http::state::AppState;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

pub(super) fn pages() -> Router<AppState> {
    Router::new().route("/oembed", get(oembed))
}

/// The frame's size unless the consumer asks for less: the widget's column on a phone and
/// its height with the form shown; it resizes itself where scripts may run.
const WIDTH: u32 = 480;
const HEIGHT: u32 = 720;
/// The poster's size, the link preview's thumbnail.
const POSTER: (u32, u32) = (crate::tribe::poster::WIDTH, crate::tribe::poster::HEIGHT);
/// How long a consumer may keep the answer: an hour.
const CACHE_AGE: u32 = 3600;

/// The answer, with the fields oEmbed 1.0 requires of a `rich` type and those consumers
/// read (Ghost needs `html` and `width`).
#[derive(Debug, Serialize)]
struct Rich {
    version: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    provider_name: String,
    provider_url: String,
    title: String,
    author_name: String,
    author_url: String,
    html: String,
    width: u32,
    height: u32,
    thumbnail_url: String,
    thumbnail_width: u32,
    thumbnail_height: u32,
    cache_age: u32,
}

async fn oembed(
    State(state): State<AppState>,
    BaseUrl(base): BaseUrl,
    RawQuery(raw): RawQuery,
) -> Result<Response, Error> {
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect();
    let param = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    match param("format") {
        None | Some("json") => {}
        Some(_) => return Err(Error::NotImplemented),
    }
    let size = |name: &str| -> Result<Option<u32>, Error> {
        param(name)
            .map(|v| {
                v.parse::<u32>().map_err(|_| Error::Malformed(format!("{name} must be a whole number.")))
            })
            .transpose()
    };
    let (max_width, max_height) = (size("maxwidth")?, size("maxheight")?);
    let url = param("url").ok_or_else(|| Error::Malformed("url is required.".into()))?;
    let (id, lang) = campaign_of(url, &base).ok_or(Error::NotFound)?;
    let entry = state.hub.get(&id).ok_or(Error::NotFound)?;
    let campaign = entry.snapshot(crate::now()).campaign.clone();
    let site = state.store.site(&entry.site).await?.map_or_else(|| entry.site.clone(), |s| s.name);
    let width = max_width.map_or(WIDTH, |w| w.min(WIDTH)).max(1);
    let height = max_height.map_or(HEIGHT, |h| h.min(HEIGHT)).max(1);
    let src = match &lang {
        Some(lang) => format!("{base}/embed/{id}?lang={lang}"),
        None => format!("{base}/embed/{id}"),
    };
    let html = format!(
        "<blockquote style=\"display:none\"><a href=\"{share}\">{title}</a></blockquote>\
         <iframe src=\"{src}\" width=\"{width}\" height=\"{height}\" title=\"{title}\" loading=\"lazy\" \
         style=\"border:0;max-width:100%\" allow=\"payment\"></iframe>",
        share = escape(&format!("{base}/c/{id}")),
        src = escape(&src),
        title = escape(campaign.title()),
    );
    let answer = Rich {
        version: "1.0",
        kind: "rich",
        provider_name: "tribefund".to_owned(),
        provider_url: base.clone(),
        title: campaign.title().to_owned(),
        author_name: site,
        author_url: format!("{base}/c/{id}"),
        html,
        width,
        height,
        thumbnail_url: format!("{base}/c/{id}/poster.png"),
        thumbnail_width: POSTER.0,
        thumbnail_height: POSTER.1,
        cache_age: CACHE_AGE,
    };
    Ok((
        [
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        axum::Json(answer),
    )
        .into_response())
}

/// The campaign id (and language, when the link names one) of a share-page or embed URL of
/// this server (`{base}/c/{id}` or `{base}/embed/{id}`, any query); `None` for any other.
/// The scheme may differ from the base's (a link pasted as `http://` for an `https://`
/// server), the host and port may not.
fn campaign_of(url: &str, base: &str) -> Option<(String, Option<String>)> {
    let url = url::Url::parse(url).ok()?;
    let base = url::Url::parse(base).ok()?;
    // Ports as written: a default port (80 for http, 443 for https) is none.
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str() != base.host_str()
        || url.port() != base.port()
    {
        return None;
    }
    let mut segments = url.path_segments()?;
    let (kind, id) = (segments.next()?, segments.next()?);
    if !matches!(kind, "c" | "embed") || segments.next().is_some_and(|rest| !rest.is_empty()) || id.is_empty()
    {
        return None;
    }
    let lang = url
        .query_pairs()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| widget::i18n::Lang::from_tag(&v))
        .map(|l| l.tag().to_owned());
    Some((id.to_owned(), lang))
}

#[cfg(test)]
mod tests {
    use super::campaign_of;

    #[test]
    fn only_share_pages_and_embeds_of_this_server_are_answered() {
        let base = "https://fund.example.com";
        let ours = |url: &str| campaign_of(url, base).map(|(id, _)| id);
        assert_eq!(ours("https://fund.example.com/c/lamp?ref=abc").as_deref(), Some("lamp"));
        assert_eq!(ours("http://fund.example.com/embed/lamp").as_deref(), Some("lamp"));
        assert_eq!(ours("https://fund.example.com/c/lamp/").as_deref(), Some("lamp"));
        assert_eq!(
            campaign_of("https://fund.example.com/c/lamp?lang=zh-CN", base).unwrap().1.as_deref(),
            Some("zh-CN")
        );
        for other in [
            "https://evil.example.com/c/lamp",
            "https://fund.example.com.evil.example/c/lamp",
            "https://fund.example.com:8443/c/lamp",
            "https://fund.example.com/r/lamp",
            "https://fund.example.com/c/lamp/poster.png",
            "https://fund.example.com/c/",
            "javascript:alert(1)",
            "not a url",
        ] {
            assert_eq!(ours(other), None, "{other}");
        }
    }
}
