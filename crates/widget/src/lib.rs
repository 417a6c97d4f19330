//! tribefund's widget: the Yew components that show a campaign's progress and take pledges.
//!
//! The same components run in two places. Natively, with the `ssr` feature, the API renders
//! them to HTML for `/embed/{id}` and `/c/{id}`. In the browser, with `hydration`, the wasm
//! takes over that HTML from the props embedded in the page (`#tf-props`). Only this crate
//! (and the hand-written scripts in `www/`) touches browser APIs.

pub mod components;
pub mod form;
pub mod hooks;
pub mod i18n;
mod live;
pub mod props;
pub mod services;

pub use components::App;
pub use props::{AppProps, Page, Receipt, Theme};

/// The id of the element holding the server-rendered widget.
pub const ROOT_ID: &str = "tf-root";
/// The id of the `<script type="application/json">` holding the [`AppProps`].
pub const PROPS_ID: &str = "tf-props";

/// Renders the widget to HTML on the server, ready to be hydrated.
#[cfg(feature = "ssr")]
pub async fn render(props: AppProps) -> String {
    yew::ServerRenderer::<App>::with_props(move || props).render().await
}

/// Browser entry point: hydrate the server-rendered widget from its embedded props.
#[cfg(all(target_arch = "wasm32", feature = "hydration"))]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let (Some(root), Some(props)) =
        (document.get_element_by_id(ROOT_ID), document.get_element_by_id(PROPS_ID))
    else {
        return;
    };
    let Some(props) = props.text_content().and_then(|json| services::from_json::<AppProps>(&json)) else {
        // Keep the server-rendered page: it works on its own, the form included.
        return;
    };
    yew::Renderer::<App>::with_root_and_props(root, props).hydrate();
}
