//! Receipt secrets at rest. A receipt token is a pledge id and a 128-bit secret; the store
//! keeps only the secret's SHA-256 (`receipt_hash`), as it does for keys and sessions, so a
//! copy of the database opens no receipt. An idempotency key is kept as its hash too, and
//! beside it the receipt secret sealed with the key itself (XOR with a SHA-256 of the key
//! and the pledge id): a client that replays its request presents the key and gets its
//! receipt link back, while the stored row alone reveals neither.
//!
//! A mail that carries a receipt link carries one minted for it (`receipt_links`, kept only
//! as its hash too), which opens the receipt beside the pledge's own.
//!
//! Rows from before hashing are hashed once at start ([`hash_legacy`]): first each stored
//! idempotency key is sealed with the secret it still sees, then each secret is hashed and
//! emptied. Every step is idempotent, so a crash or another replica starting at once
//! changes nothing twice.

use super::db::{Conn, on_conn};
use super::{Pool, begin_write, finish};
use crate::ids::sha256_hex;
use domain::Timestamp;
use sha2::{Digest, Sha256};

/// How many legacy rows one start-up transaction hashes.
const CHUNK: i64 = 500;

/// What the store keeps of a receipt secret.
pub(super) fn hash(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

/// What the store keeps of an idempotency key: its SHA-256 after `h` and a space. No key
/// may hold a space, so no stored hash ever equals a key an older version kept as sent
/// (a client sending a key and then that key's hash cannot make two rows collide).
pub(super) fn key_hash(key: &str) -> String {
    format!("h {}", sha256_hex(key.as_bytes()))
}

/// `secret` (32 hex digits) sealed with the idempotency `key` of pledge `pledge`.
pub(super) fn seal(secret: &str, key: &str, pledge: &str) -> String {
    let bytes = hex_bytes(secret).unwrap_or_default();
    mask(key, pledge).iter().zip(bytes).map(|(m, b)| format!("{:02x}", m ^ b)).collect()
}

/// The secret [`seal`] sealed, given the same key and pledge; `None` for anything else.
pub(super) fn unseal(sealed: &str, key: &str, pledge: &str) -> Option<String> {
    let bytes = hex_bytes(sealed)?;
    (bytes.len() == 16)
        .then(|| mask(key, pledge).iter().zip(bytes).map(|(m, b)| format!("{:02x}", m ^ b)).collect())
}

fn mask(key: &str, pledge: &str) -> [u8; 16] {
    let digest = Sha256::new()
        .chain_update(b"tribefund receipt seal\0")
        .chain_update(key.as_bytes())
        .chain_update(b"\0")
        .chain_update(pledge.as_bytes())
        .finalize();
    let mut mask = [0; 16];
    mask.copy_from_slice(&digest[..16]);
    mask
}

fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

/// Hashes what older versions stored in plain text: idempotency keys (sealing the secret
/// of their pledge), then receipt secrets.
pub(super) async fn hash_legacy(pool: &Pool) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await?;
    while seal_legacy_keys(&mut conn).await? > 0 {}
    while hash_legacy_secrets(&mut conn).await? > 0 {}
    Ok(())
}

/// Seals one chunk of idempotency keys stored in plain text; how many.
async fn seal_legacy_keys(conn: &mut Conn) -> anyhow::Result<usize> {
    begin_write(conn).await?;
    let sealed = async {
        let rows: Vec<(String, String, String, String)> = on_conn!(&mut *conn, |c| sqlx::query_as(sql(
            "SELECT k.campaign_id, k.key, k.pledge_id, p.receipt_secret FROM idempotency_keys k \
             JOIN pledges p ON p.id = k.pledge_id WHERE k.sealed IS NULL LIMIT ?"
        )).bind(CHUNK).fetch_all(&mut **c).await)?;
        for (campaign, key, pledge, secret) in &rows {
            on_conn!(&mut *conn, |c| sqlx::query(sql(
                "UPDATE idempotency_keys SET key = ?, sealed = ? WHERE campaign_id = ? AND key = ? AND sealed IS NULL"
            )).bind(key_hash(key)).bind(seal(secret, key, pledge)).bind(campaign).bind(key)
              .execute(&mut **c).await.map(|_| ()))?;
        }
        anyhow::Ok(rows.len())
    }
    .await;
    finish(conn, sealed).await
}

/// Hashes one chunk of receipt secrets stored in plain text; how many.
async fn hash_legacy_secrets(conn: &mut Conn) -> anyhow::Result<usize> {
    begin_write(conn).await?;
    let hashed = async {
        let rows: Vec<(String, String)> = on_conn!(&mut *conn, |c| sqlx::query_as(sql(
            "SELECT id, receipt_secret FROM pledges WHERE receipt_hash IS NULL LIMIT ?"
        )).bind(CHUNK).fetch_all(&mut **c).await)?;
        for (id, secret) in &rows {
            on_conn!(&mut *conn, |c| sqlx::query(sql(
                "UPDATE pledges SET receipt_hash = ?, receipt_secret = '' WHERE id = ? AND receipt_hash IS NULL"
            )).bind(hash(secret)).bind(id).execute(&mut **c).await.map(|_| ()))?;
        }
        anyhow::Ok(rows.len())
    }
    .await;
    finish(conn, hashed).await
}

/// A receipt token is a pledge id (32 hex digits) and the pledge's secret (32 more): found
/// by id, then the secret's hash compared with the stored one in constant time.
pub(super) async fn by_receipt_token(
    conn: &mut Conn,
    token: &str,
) -> anyhow::Result<Option<super::StoredPledge>> {
    let Some((id, secret)) = token.split_at_checked(32) else { return Ok(None) };
    let Some(pledge) = super::pledge_by_id(conn, id).await? else { return Ok(None) };
    let own = match &pledge.receipt {
        super::StoredSecret::Hashed(stored) => crate::ids::same(hash(secret).as_bytes(), stored.as_bytes()),
        super::StoredSecret::Plain(stored) => {
            !stored.is_empty() && crate::ids::same(stored.as_bytes(), secret.as_bytes())
        }
    };
    if own {
        return Ok(Some(pledge));
    }
    // A link minted for a mail (`store::mails`): looked up by its hash, which is secret.
    let minted: Option<(i32,)> = on_conn!(conn, |c| sqlx::query_as(sql(
        "SELECT 1 FROM receipt_links WHERE pledge_id = ? AND hash = ?"
    ))
    .bind(id)
    .bind(hash(secret))
    .fetch_optional(&mut **c)
    .await)?;
    Ok(minted.map(|_| pledge))
}

impl super::Store {
    /// The pledge behind a receipt link.
    pub async fn receipt(&self, token: &str) -> anyhow::Result<Option<super::StoredPledge>> {
        let mut conn = self.readers.acquire().await?;
        by_receipt_token(&mut conn, token).await
    }

    /// A new link to `pledge_id`'s receipt, for a mail that carries one: its secret is kept
    /// only as its hash, like the pledge's own, and the link works beside it.
    pub async fn mint_receipt(&self, pledge_id: &str, now: Timestamp) -> anyhow::Result<String> {
        let secret = crate::ids::secret();
        let mut conn = self.readers.acquire().await?;
        on_conn!(&mut conn, |c| sqlx::query(sql(
            "INSERT INTO receipt_links (pledge_id, hash, created_at) VALUES (?, ?, ?)"
        ))
        .bind(pledge_id)
        .bind(hash(&secret))
        .bind(now.unix())
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
        Ok(format!("{pledge_id}{secret}"))
    }

    /// The pledges whose contact is `address`, newest first (at most 100).
    pub async fn pledges_of(&self, address: &str) -> anyhow::Result<Vec<super::StoredPledge>> {
        let mut conn = self.readers.acquire().await?;
        let ids: Vec<(String,)> = on_conn!(&mut conn, |c| sqlx::query_as(sql(
            "SELECT id FROM pledges WHERE contact = ? ORDER BY id DESC LIMIT 100"
        ))
        .bind(address)
        .fetch_all(&mut **c)
        .await)?;
        let mut pledges = Vec::with_capacity(ids.len());
        for (id,) in ids {
            pledges.extend(super::pledge_by_id(&mut conn, &id).await?);
        }
        Ok(pledges)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_pledge() {
        let secret = crate::ids::secret();
        let sealed = seal(&secret, "key-1", "pledge-a");
        assert_ne!(sealed, secret, "the stored form is not the secret");
        assert_eq!(unseal(&sealed, "key-1", "pledge-a").as_deref(), Some(secret.as_str()));
        assert_ne!(unseal(&sealed, "key-2", "pledge-a").as_deref(), Some(secret.as_str()));
        assert_ne!(unseal(&sealed, "key-1", "pledge-b").as_deref(), Some(secret.as_str()));
        for junk in ["", "zz", "abc", &"0".repeat(30), &"0".repeat(34), "é"] {
            assert_eq!(unseal(junk, "key-1", "pledge-a"), None, "{junk:?}");
        }
    }

    #[test]
    fn hashes_are_the_sha256_of_what_they_keep() {
        assert_eq!(hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(key_hash("abc"), format!("h {}", hash("abc")));
        assert!(domain::IdempotencyKey::parse(&key_hash("abc")).is_none(), "no key can look like a hash");
    }
}
