//! Dashboard sessions and one-time sign-in links, as the store keeps them: a session's
//! token is random and stored only as its hash; a link is redeemed in the same transaction
//! as the session it starts, under the site's key of that moment, so a link made before a
//! key rotation opens nothing after it. How a session travels (its cookie) is the
//! dashboard door's (`http::dashboard::session`).

use crate::store::Store;
use domain::Timestamp;

/// How long a session lasts.
pub const TTL_SECS: i64 = 12 * 3600;

/// Starts a session for `site` at `now`: the cookie's token and the session's CSRF token.
pub async fn start(store: &Store, site: &str, now: Timestamp) -> anyhow::Result<(String, String)> {
    let token = format!("{}{}", crate::ids::secret(), crate::ids::secret());
    let csrf = crate::ids::secret();
    store
        .create_session(&crate::ids::sha256_hex(token.as_bytes()), site, &csrf, now.plus_seconds(TTL_SECS))
        .await?;
    Ok((token, csrf))
}

/// Whether the one-time sign-in link `link_token` can still be used; asking leaves it
/// unused.
pub async fn link_is_open(store: &Store, link_token: &str, now: Timestamp) -> anyhow::Result<bool> {
    if !is_token(link_token) {
        return Ok(false);
    }
    store.sign_in_open(&crate::ids::sha256_hex(link_token.as_bytes()), now).await
}

/// Redeems the one-time sign-in link `link_token` and starts its session, in one
/// transaction: the site and the cookie's token, or `None` when the link is unknown, used,
/// expired, or ended by a rotation of the site's key.
pub async fn start_from_link(
    store: &Store,
    link_token: &str,
    now: Timestamp,
) -> anyhow::Result<Option<(String, String)>> {
    if !is_token(link_token) {
        return Ok(None);
    }
    let token = format!("{}{}", crate::ids::secret(), crate::ids::secret());
    let site = store
        .redeem_sign_in(
            &crate::ids::sha256_hex(link_token.as_bytes()),
            now,
            &crate::ids::sha256_hex(token.as_bytes()),
            &crate::ids::secret(),
            now.plus_seconds(TTL_SECS),
        )
        .await?;
    Ok(site.map(|site| (site, token)))
}

/// Whether `text` has the shape of our tokens (64 hex digits), before it is hashed or looked up.
pub fn is_token(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}
