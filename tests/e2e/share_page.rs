//! The share page is the campaign's home on a phone: every way in (a pasted link, a poster's
//! QR code, "阅读原文") lands there, so its pledge button shows above the fold at 360 px.

use crate::browser::{hydrated, screenshot};
use tests::{Browser, spawn_app};

/// Whether the element `css` lies wholly inside the viewport.
const IN_SIGHT: &str = "const r = document.querySelector(arguments[0]).getBoundingClientRect();\
     return r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth;";

#[tokio::test]
async fn on_a_360_px_phone_the_share_page_shows_its_pledge_button_above_the_fold_in_either_language() {
    let app = spawn_app().await;
    let phone = "Mozilla/5.0 (Linux; Android 13) Mobile";
    let browser = Browser::start_phone(&["--lang=en-US"], 360, 740, phone).await.expect("Chromium starts");
    let c = &browser.client;
    for lang in ["en", "zh-CN"] {
        c.goto(&app.url(&format!("/c/demo?lang={lang}"))).await.unwrap();
        hydrated(c).await;
        let seen = c.execute(IN_SIGHT, vec![".tf-submit".into()]).await.unwrap();
        assert_eq!(seen.as_bool(), Some(true), "the pledge button is in sight on load ({lang})");
        let overflow = c
            .execute("return document.documentElement.scrollWidth > window.innerWidth", vec![])
            .await
            .unwrap();
        assert_eq!(overflow.as_bool(), Some(false), "nothing wider than the phone ({lang})");
        screenshot(c, &format!("share-page-phone-{lang}")).await;
    }
    browser.close().await;
}
