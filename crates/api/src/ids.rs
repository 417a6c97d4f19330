//! Random identifiers: pledge ids, referral codes, receipt tokens.

use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

/// `len` random ASCII letters and digits (about 5.95 bits each).
pub fn alphanumeric(len: usize) -> String {
    rand::rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

/// 128 random bits as 32 lowercase hex digits: unguessable, for receipt links and keys.
pub fn secret() -> String {
    let bytes: [u8; 16] = rand::random();
    hex(&bytes)
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_have_their_promised_shape() {
        let code = alphanumeric(10);
        assert_eq!(code.len(), 10);
        assert!(domain::pledge::is_referral_code(&code));
        assert_eq!(secret().len(), 32);
        assert_ne!(secret(), secret());
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
