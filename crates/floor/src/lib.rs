//! A counter that hydrates its server-rendered button: Yew's runtime with hydration and
//! nothing of tribefund's. Built with the widget's profile, allocator and wasm-bindgen, it
//! is the baseline `cargo xtask bench size` prints beside the widget.

use yew::prelude::*;

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[function_component]
pub fn Counter() -> Html {
    let count = use_state(|| 0_u32);
    let onclick = {
        let count = count.clone();
        Callback::from(move |_: MouseEvent| count.set(*count + 1))
    };
    html! { <button {onclick}>{ format!("{} taps", *count) }</button> }
}

#[cfg(all(target_arch = "wasm32", feature = "hydration"))]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        yew::Renderer::<Counter>::with_root(root.into()).hydrate();
    }
}
