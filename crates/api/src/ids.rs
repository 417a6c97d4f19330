//! Random identifiers: pledge ids, referral codes, receipt tokens.
//!
//! Pledge ids and referral codes start with the time, so a batch of new pledges appends to
//! those indexes instead of dirtying a random page per row.

use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};

/// `len` random ASCII letters and digits (about 5.95 bits each).
pub fn alphanumeric(len: usize) -> String {
    rand::rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

/// 128 random bits as 32 lowercase hex digits: unguessable, for receipt links and keys.
pub fn secret() -> String {
    let bytes: [u8; 16] = rand::random();
    hex(&bytes)
}

/// A pledge id: 12 hex digits of milliseconds since the epoch, then 20 random ones. Ids
/// sort by time, so new rows land at the end of the index.
pub fn time_ordered() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let random: [u8; 10] = rand::random();
    format!("{:012x}{}", ms & 0xffff_ffff_ffff, hex(&random))
}

/// A referral code, 14 base-62 digits: the time in milliseconds (8), a counter of this
/// process (2, so codes made in the same millisecond here never collide), then 4 random
/// (so other replicas' codes do not either). Sorted by time like pledge ids.
pub fn referral_code() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed) % (62 * 62);
    let mut code = base62(ms, 8);
    code.push_str(&base62(count, 2));
    code.push_str(&alphanumeric(4));
    code
}

/// `n` in exactly `width` base-62 digits (the high digits dropped if it is larger).
fn base62(mut n: u64, width: usize) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut digits = vec![b'0'; width];
    for digit in digits.iter_mut().rev() {
        *digit = DIGITS[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(digits).expect("base-62 digits are ASCII")
}

/// Whether two secrets (or their hashes) are equal, in time that depends only on their
/// length: a client learns nothing from how long a wrong one took to refuse.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// Whether `token` has a receipt token's form (64 lowercase hex digits): anything else is
/// refused before the store is asked.
pub fn is_receipt_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referral_codes_made_together_never_collide() {
        let codes: std::collections::HashSet<String> = (0..3_000).map(|_| referral_code()).collect();
        assert_eq!(codes.len(), 3_000);
    }

    #[test]
    fn identifiers_have_their_promised_shape() {
        let code = referral_code();
        assert_eq!(code.len(), 14);
        assert!(domain::pledge::is_referral_code(&code));
        assert_eq!(time_ordered().len(), 32);
        let (a, b) = (time_ordered(), time_ordered());
        assert!(a[..12] <= b[..12], "ids sort by time");
        assert_eq!(secret().len(), 32);
        assert_ne!(secret(), secret());
        assert!(same(b"abc", b"abc") && !same(b"abc", b"abd") && !same(b"abc", b"ab"));
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
