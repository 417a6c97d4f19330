//! The widget's calls to the v1 API. Only the browser build calls these.
//!
//! JSON goes through [`crate::json`], not serde, which keeps the shipped wasm small.

use crate::json::{self, FromJson};
use domain::wire::{CampaignView, PledgeCreated, PledgeRequest, Problem, ReceiptView};
use gloo_net::http::Request;
use wasm_bindgen::{JsCast, JsValue};

/// Why a call failed, in terms the components can show.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The server answered with a problem (invalid, sold out, rate limited...).
    Problem(Problem),
    /// Nothing usable came back: offline, DNS, a proxy page instead of JSON.
    Network,
}

pub async fn campaign(id: &str) -> Result<CampaignView, ApiError> {
    let response =
        Request::get(&format!("/api/v1/campaigns/{id}")).send().await.map_err(|_| ApiError::Network)?;
    read(response).await
}

/// A backer's receipt, for their live count of recruits.
pub async fn receipt(token: &str) -> Result<ReceiptView, ApiError> {
    let response =
        Request::get(&format!("/api/v1/receipts/{token}")).send().await.map_err(|_| ApiError::Network)?;
    read(response).await
}

/// Whether the page is hidden (a background tab, a locked phone): nothing to refresh then.
pub fn page_hidden() -> bool {
    web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden())
}

pub async fn pledge(
    campaign: &str,
    idempotency_key: &str,
    request: &PledgeRequest,
) -> Result<PledgeCreated, ApiError> {
    let body = json::pledge_request(request);
    let response = Request::post(&format!("/api/v1/campaigns/{campaign}/pledges"))
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", idempotency_key)
        .body(body)
        .map_err(|_| ApiError::Network)?
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    read(response).await
}

/// A fan's place on a waitlist just joined: where they stand, and their waitlist receipt.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitlistPlace {
    pub position: u32,
    pub receipt_url: String,
}

impl FromJson for WaitlistPlace {
    fn from_json(j: &json::Json) -> Option<Self> {
        Some(WaitlistPlace { position: j.req("position")?, receipt_url: j.req("receipt_url")? })
    }
}

/// Joins `tier`'s waitlist with the pledge the fan would have made.
pub async fn join_waitlist(
    campaign: &str,
    tier: &str,
    request: &PledgeRequest,
) -> Result<WaitlistPlace, ApiError> {
    let response = Request::post(&format!("/api/v1/campaigns/{campaign}/tiers/{tier}/waitlist"))
        .header("Content-Type", "application/json")
        .body(json::pledge_request(request))
        .map_err(|_| ApiError::Network)?
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    read(response).await
}

/// Chooses, for a pledge whose value was not made, values that are.
pub async fn choose_options(
    token: &str,
    options: std::collections::BTreeMap<String, String>,
) -> Result<(), ApiError> {
    let body = json::options_choice(&domain::wire::OptionsChoice { options });
    let sent = Request::post(&format!("/api/v1/receipts/{token}/options"))
        .header("Content-Type", "application/json")
        .body(body)
        .map_err(|_| ApiError::Network)?
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    if sent.ok() {
        return Ok(());
    }
    let text = sent.text().await.map_err(|_| ApiError::Network)?;
    Err(json::from_text::<Problem>(&text).map_or(ApiError::Network, ApiError::Problem))
}

async fn read<T: FromJson>(response: gloo_net::http::Response) -> Result<T, ApiError> {
    let ok = response.ok();
    let text = response.text().await.map_err(|_| ApiError::Network)?;
    if ok {
        json::from_text(&text).ok_or(ApiError::Network)
    } else {
        Err(json::from_text::<Problem>(&text).map_or(ApiError::Network, ApiError::Problem))
    }
}

/// Whether the browser has the Web Share API (`navigator.share`).
pub fn can_share() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &JsValue::from_str("share")).ok())
        .is_some_and(|share| share.is_function())
}

/// Opens the system share sheet with the campaign's title and a share link. A fan who
/// closes the sheet has nothing to be told, so the outcome is not awaited.
pub fn share(title: &str, url: &str) {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else { return };
    let Ok(share) = js_sys::Reflect::get(&navigator, &JsValue::from_str("share")) else { return };
    let data = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&data, &JsValue::from_str("title"), &JsValue::from_str(title));
    let _ = js_sys::Reflect::set(&data, &JsValue::from_str("url"), &JsValue::from_str(url));
    if let Ok(share) = share.dyn_into::<js_sys::Function>() {
        let _ = share.call1(&navigator, &data);
    }
}
