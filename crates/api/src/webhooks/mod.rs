//! Webhooks out: a site registers endpoints (through the creator API, `http::webhooks`);
//! each change queues its event in the change's own transaction (`store::webhooks`), and
//! [`deliver`] sends them, signed, retried with backoff, and disables an endpoint that keeps
//! failing, saying why. [`moments`] queues the moments no single change makes (a goal
//! reached, the last day, new top recruiters), once. An endpoint may instead be a fan
//! group's chat robot, which [`robots`] posts the announceable events to as that
//! platform's messages, merged and paced.

pub mod address;
pub mod deliver;
pub mod moments;
pub mod retry;
pub mod robots;

use crate::error::Error;
use crate::store::Store;
use crate::store::webhooks::{AddRefused, MAX_ENDPOINTS};
use domain::robots::Format;
use domain::webhooks::{Endpoint, EndpointInput};
use domain::{FieldError, FieldErrors};
use std::time::Duration;

/// How webhooks are sent.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Endpoints may be `http://` and on private or local addresses (a receiver on the
    /// same machine or network); off, only public `https://` addresses are taken and
    /// connected to.
    pub private_addresses: bool,
    /// The wait before the first retry; each later one waits twice as long.
    pub first_retry: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { private_addresses: false, first_retry: Duration::from_secs(10) }
    }
}

/// Registers an endpoint at `input.url` for `site`'s events: the endpoint, with the secret
/// that signs them. The address must be public `https://` unless `settings` allows private
/// ones; a site has at most [`MAX_ENDPOINTS`].
pub async fn add(
    store: &Store,
    settings: &Settings,
    site: &str,
    input: &EndpointInput,
) -> Result<Endpoint, Error> {
    let url = address::check(&input.url, settings.private_addresses).map_err(|e| invalid("url", e))?;
    let (format, signing_secret) = how(input)?;
    let id = format!("we_{}", crate::ids::alphanumeric(16));
    let secret = format!("whsec_{}", crate::ids::secret());
    let how = (format, signing_secret.as_deref());
    match store.add_endpoint(site, (&id, url.as_str(), &secret), how, crate::now()).await? {
        Ok(()) => {}
        Err(AddRefused::TooMany) => {
            return Err(invalid("url", FieldError::TooMany { max: MAX_ENDPOINTS as u32 }));
        }
    }
    endpoint(store, site, &id).await
}

/// The longest signing secret a robot may be given.
const MAX_SIGNING_SECRET: usize = 200;

/// How an endpoint takes its events: its format, and a robot's signing secret, checked.
fn how(input: &EndpointInput) -> Result<(Format, Option<String>), Error> {
    let format = match input.format.as_deref() {
        None => Format::Json,
        Some(name) => Format::parse(name).ok_or_else(|| invalid("format", FieldError::NotAChoice))?,
    };
    let secret = input.signing_secret.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let Some(secret) = secret else { return Ok((format, None)) };
    if !format.signs() {
        return Err(invalid("signing_secret", FieldError::NotAvailable));
    }
    if secret.len() > MAX_SIGNING_SECRET {
        return Err(invalid("signing_secret", FieldError::TooLong { max: MAX_SIGNING_SECRET as u32 }));
    }
    if secret.chars().any(|c| c.is_control()) {
        return Err(invalid("signing_secret", FieldError::ControlCharacter));
    }
    Ok((format, Some(secret.to_owned())))
}

/// Enables `site`'s disabled endpoint `id`: its record is cleared and the events it missed
/// are sent.
pub async fn enable(store: &Store, site: &str, id: &str) -> Result<Endpoint, Error> {
    if !store.enable_endpoint(site, id, crate::now()).await? {
        return Err(Error::NotFound);
    }
    endpoint(store, site, id).await
}

/// Endpoint `id` of `site`, as its list shows it.
async fn endpoint(store: &Store, site: &str, id: &str) -> Result<Endpoint, Error> {
    let endpoints = store.endpoints(site).await?;
    endpoints.into_iter().find(|e| e.id == id).ok_or(Error::NotFound)
}

fn invalid(field: &str, error: FieldError) -> Error {
    let mut errors = FieldErrors::new();
    errors.add(field, error);
    Error::Invalid(errors)
}
