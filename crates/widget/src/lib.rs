//! tribefund's widget: the Yew components that show a campaign's progress and take pledges.
//!
//! The same components run in two places. Natively, with the `ssr` feature, the API renders
//! them to HTML for `/embed/{id}` and `/c/{id}`. In the browser, with `hydration`, the wasm
//! takes over that HTML from the props embedded in the page (`#tf-props`). Browser APIs are
//! touched only here, in the dashboard crate and in the hand-written scripts of `www/` (and
//! in `floor`, the baseline the widget's size is measured against).

pub mod clock;
pub mod components;
pub mod form;
pub mod hooks;
pub mod i18n;
pub mod json;
mod live;
pub mod props;
pub mod services;

pub use components::App;
pub use props::{AppProps, Page, Receipt, Theme};

/// talc is smaller than the standard library's dlmalloc and made for single-threaded wasm.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

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
    let Some(mut props) = props.text_content().and_then(|json| json::from_text::<AppProps>(&json)) else {
        // Keep the server-rendered page: it works on its own, the form included.
        return;
    };
    // A fan may have typed before the wasm arrived: the widget takes over what is typed.
    if let Some(typed) = typed_form(&document) {
        let server = std::mem::take(&mut props.form);
        // Options of tiers not open yet were not in the page: they keep the server's.
        let mut options = server.options;
        options.extend(typed.options);
        props.form = form::FormState {
            picked: server.picked,
            errors: server.errors,
            problem: server.problem,
            options,
            ..typed
        };
    }
    yew::Renderer::<App>::with_root_and_props(root, props).hydrate();
}

/// The server-rendered pledge form's fields as they stand now, if the page has one.
#[cfg(all(target_arch = "wasm32", feature = "hydration"))]
fn typed_form(document: &web_sys::Document) -> Option<form::FormState> {
    use wasm_bindgen::JsCast;
    let element = document.query_selector("form[data-testid=pledge-form]").ok()??;
    // A closed form (a campaign not started) holds nothing typed.
    if element.query_selector("fieldset.tf-all[disabled]").ok()?.is_some() {
        return None;
    }
    let data = web_sys::FormData::new_with_form(element.dyn_ref::<web_sys::HtmlFormElement>()?).ok()?;
    let pairs = js_sys::try_iter(&data).ok()??.filter_map(|entry| {
        let pair: js_sys::Array = entry.ok()?.dyn_into().ok()?;
        Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
    });
    Some(form::FormState::from_pairs(pairs))
}
