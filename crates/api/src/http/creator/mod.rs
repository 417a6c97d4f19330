//! The creator API: a site's bearer key reaches its own campaigns, their backers, demand
//! and updates. Another site's campaign answers 404, exactly like a missing one.
//!
//! Handlers here only translate HTTP: what they do is in [`crate::campaigning`] and the
//! store.
//!
//! Every handler reaches a campaign through [`Creator::campaign`]. The key is checked
//! against the database on every request, so a rotated key stops at once on every replica;
//! failures are throttled per address.

pub(crate) mod backers;
pub(crate) mod campaigns;
pub(crate) mod cover;
mod demand;
mod mails;
mod milestones;
pub(crate) mod shipments;
mod site;
pub(crate) mod sources;
mod updates;
pub(crate) mod waitlist;

use crate::error::Error;
use crate::http::requests::ClientIp;
use crate::http::state::AppState;
use crate::hub::Entry;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;

/// Creator bodies carry a campaign's story (20,000 characters, up to 80 KB of UTF-8) and
/// its tiers: larger than a pledge's, still bounded.
pub const BODY_LIMIT: usize = 256 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(campaigns::router())
        .merge(backers::router())
        .merge(demand::router())
        .merge(sources::router())
        .merge(mails::router())
        .merge(site::router())
        .merge(updates::router())
        .merge(milestones::router())
        .merge(waitlist::router())
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        // A shipments file is larger: its import bounds its own body.
        .merge(shipments::router())
        // Images are larger: the cover upload bounds its own body.
        .merge(cover::router())
}

/// The site whose creator key came with the request.
#[derive(Debug, Clone)]
pub struct Creator {
    pub site: String,
}

impl Creator {
    /// Campaign `id`, if it is this creator's; otherwise 404, as if it did not exist.
    pub fn campaign(&self, state: &AppState, id: &str) -> Result<Arc<Entry>, Error> {
        state.hub.get(id).filter(|e| e.site == self.site).ok_or(Error::NotFound)
    }
}

impl FromRequestParts<AppState> for Creator {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Creator, Error> {
        let ip = ClientIp::from_request_parts(parts, state).await.ok().map(|ClientIp(ip)| ip);
        let now = std::time::Instant::now();
        if let Some(ip) = ip {
            state
                .auth_failures
                .peek(ip, now)
                .map_err(|retry_after_secs| Error::RateLimited { retry_after_secs })?;
        }
        let key = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim);
        let checked = match key {
            Some(key) if !key.is_empty() && key.len() <= 256 => {
                crate::sites::authenticate(&state.store, key).await
            }
            _ => Err(Error::Unauthorized),
        };
        match checked {
            Ok(site) => Ok(Creator { site }),
            Err(Error::Unauthorized) => {
                if let Some(ip) = ip {
                    let _ = state.auth_failures.check(ip, now);
                }
                Err(Error::Unauthorized)
            }
            Err(other) => Err(other),
        }
    }
}
