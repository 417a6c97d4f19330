//! The dashboard's calls back to its own server. Only the browser build calls these.

use crate::{CampaignPage, filters_query};
use domain::wire::BackerFilters;

/// A campaign page's data as it is now: charts, production plan and the newest backers
/// (with the creator's filters).
pub(crate) async fn campaign_page(id: &str, filters: &BackerFilters) -> Option<CampaignPage> {
    let query = filters_query(filters);
    let url = format!("/dashboard/campaigns/{id}/live.json?{}", query.trim_start_matches('&'));
    let response = gloo_net::http::Request::get(&url).send().await.ok()?;
    if !response.ok() {
        return None;
    }
    let value = js_sys::JSON::parse(&response.text().await.ok()?).ok()?;
    serde_wasm_bindgen::from_value(value).ok()
}
