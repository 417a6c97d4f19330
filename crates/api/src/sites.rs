//! Sites and their creator keys, for the command line and the creator API.
//!
//! A creator key is `tf_<site>_<secret>`: the site id says which stored hash to compare
//! with, and the comparison of the SHA-256 hashes takes the same time wherever they differ.
//! Keys and sign-in tokens are shown once and stored only as hashes.

use crate::error::Error;
use crate::hub::Hub;
use crate::store::{SiteRecord, Store};
use anyhow::{Context, bail};
use domain::Origin;
use domain::text::{clean, is_slug};

/// How long a sign-in link works.
pub const SIGN_IN_TTL_SECS: i64 = 72 * 3600;

/// What `site create` prints: the key is shown this once.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CreatedSite {
    pub id: String,
    pub key: String,
    pub sign_in_url: String,
}

/// A new site with a fresh key and sign-in link. `origins` are checked one by one; any
/// that is not `scheme://host[:port]` or `*` is named in the error.
pub async fn create(
    store: &Store,
    id: &str,
    name: &str,
    origins: &[String],
    base_url: &str,
) -> anyhow::Result<CreatedSite> {
    if !is_slug(id) {
        bail!("site id {id:?} must be 1 to 64 lowercase letters, digits and inner dashes");
    }
    let name =
        clean(name, 80, true, false).map_err(|e| anyhow::anyhow!("name: {}", domain::FieldError::from(e)))?;
    let origins = parse_origins(origins)?;
    let key = new_key(id);
    if !store.create_site(id, &name, &origins, &crate::ids::sha256_hex(key.as_bytes()), crate::now()).await? {
        bail!("a site with id {id:?} exists already");
    }
    store.announce(&site_subject(id)).await?;
    let sign_in_url = sign_in_link(store, id, base_url).await?;
    Ok(CreatedSite { id: id.to_owned(), key, sign_in_url })
}

/// Replaces a site's key: the old one stops working at once, on every replica, and so do
/// the site's dashboard sessions and its unused sign-in links.
pub async fn rotate_key(store: &Store, id: &str) -> anyhow::Result<String> {
    let key = new_key(id);
    if !store.set_key_hash(id, &crate::ids::sha256_hex(key.as_bytes())).await? {
        bail!("there is no site with id {id:?}");
    }
    Ok(key)
}

/// Changes a site's name and/or origins; running servers pick the change up.
pub async fn update(
    store: &Store,
    id: &str,
    name: Option<&str>,
    origins: Option<&[String]>,
) -> anyhow::Result<SiteRecord> {
    let current = store.site(id).await?.with_context(|| format!("there is no site with id {id:?}"))?;
    let name = match name {
        Some(name) => clean(name, 80, true, false)
            .map_err(|e| anyhow::anyhow!("--name: {}", domain::FieldError::from(e)))?,
        None => current.name,
    };
    let origins = match origins {
        Some(origins) => parse_origins(origins)?,
        None => current.origins.join(" "),
    };
    store.update_site(id, &name, &origins).await?;
    store.announce(&site_subject(id)).await?;
    store.site(id).await?.context("the site vanished while it was updated")
}

/// A fresh one-time link into the dashboard for site `id`.
pub async fn sign_in_link(store: &Store, id: &str, base_url: &str) -> anyhow::Result<String> {
    let token = format!("{}{}", crate::ids::secret(), crate::ids::secret());
    let expires = crate::now().plus_seconds(SIGN_IN_TTL_SECS);
    store.create_sign_in(id, &crate::ids::sha256_hex(token.as_bytes()), expires).await?;
    Ok(format!("{}/dashboard/sign-in?token={token}", base_url.trim_end_matches('/')))
}

/// The site whose creator key this is, or [`Error::Unauthorized`].
pub async fn authenticate(store: &Store, key: &str) -> Result<String, Error> {
    let site = key.strip_prefix("tf_").and_then(|rest| rest.rsplit_once('_')).map(|(site, _)| site);
    let Some(site) = site.filter(|s| is_slug(s)) else { return Err(Error::Unauthorized) };
    let Some(stored) = store.key_of(site).await? else { return Err(Error::Unauthorized) };
    let presented = crate::ids::sha256_hex(key.as_bytes());
    if crate::ids::same(presented.as_bytes(), stored.key_hash.as_bytes()) {
        Ok(stored.site)
    } else {
        Err(Error::Unauthorized)
    }
}

/// Loads every site's framing policy into the hub (at start-up).
pub async fn load(store: &Store, hub: &Hub) -> anyhow::Result<()> {
    for site in store.sites().await? {
        hub.set_site(&site.id, &site.origins.join(" "));
    }
    Ok(())
}

fn new_key(site: &str) -> String {
    format!("tf_{site}_{}{}", crate::ids::secret(), crate::ids::secret())
}

fn site_subject(id: &str) -> String {
    format!("site:{id}")
}

/// The origins as one space-separated `frame-ancestors` list, or which one is wrong.
fn parse_origins(origins: &[String]) -> anyhow::Result<String> {
    if origins.is_empty() {
        bail!("give at least one --origin (the blog's https://host, or * for any)");
    }
    let mut parsed = Vec::with_capacity(origins.len());
    for text in origins {
        match Origin::parse(text) {
            Some(origin) => parsed.push(origin),
            None => bail!("origin {text:?} is not scheme://host[:port] or *"),
        }
    }
    Ok(domain::origin::frame_ancestors(&parsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_their_site_and_compare_in_constant_shape() {
        let key = new_key("my-blog");
        assert!(key.starts_with("tf_my-blog_") && key.len() == "tf_my-blog_".len() + 64);
    }

    #[test]
    fn origins_are_checked_one_by_one_with_the_bad_one_named() {
        assert_eq!(
            parse_origins(&["https://b.cn".into(), "https://a.cn".into()]).unwrap(),
            "https://a.cn https://b.cn"
        );
        let error =
            parse_origins(&["https://ok.cn".into(), "https://x.cn; script-src *".into()]).unwrap_err();
        assert!(error.to_string().contains("x.cn; script-src"), "{error}");
        assert!(parse_origins(&[]).is_err());
    }
}
