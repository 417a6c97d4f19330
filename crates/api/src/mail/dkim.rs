//! DKIM signing (RFC 6376; Ed25519 keys as RFC 8463): every mail is signed for
//! `--dkim-domain` with the key of `--dkim-selector`, read once at start from `--dkim-key`.
//! The signature covers From, To, Subject, Date and Message-ID, and on a mail one may stop
//! also List-Unsubscribe and List-Unsubscribe-Post, as RFC 8058 requires. Headers are
//! canonicalized "relaxed", bodies "relaxed", so a relay that rewraps headers keeps it valid.

use anyhow::{Context, bail};
use base64::Engine;
use lettre::Message;
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm, DkimSigningKey,
};
use lettre::message::header::HeaderName;
use std::path::Path;

/// The two signing configurations: for mails with and without a way out.
#[derive(Debug)]
pub struct Signer {
    plain: DkimConfig,
    unsubscribe: DkimConfig,
}

impl Signer {
    /// The signer the three flags describe; `None` when none is given, an error naming
    /// what is missing or wrong otherwise.
    pub fn from_flags(
        domain: Option<String>,
        selector: Option<String>,
        key: Option<&Path>,
    ) -> anyhow::Result<Option<Signer>> {
        let (domain, selector, key) = match (domain, selector, key) {
            (None, None, None) => return Ok(None),
            (Some(domain), Some(selector), Some(key)) => (domain, selector, key),
            _ => bail!("DKIM signing needs all three of --dkim-domain, --dkim-selector and --dkim-key"),
        };
        let text =
            std::fs::read_to_string(key).with_context(|| format!("--dkim-key: reading {}", key.display()))?;
        let config = |extra: &[&'static str]| -> anyhow::Result<DkimConfig> {
            let headers = ["From", "To", "Subject", "Date", "Message-ID"].iter().chain(extra);
            Ok(DkimConfig::new(
                selector.clone(),
                domain.clone(),
                signing_key(&text).with_context(|| format!("--dkim-key {}", key.display()))?,
                headers.map(|h| HeaderName::new_from_ascii_str(h)).collect(),
                DkimCanonicalization {
                    header: DkimCanonicalizationType::Relaxed,
                    body: DkimCanonicalizationType::Relaxed,
                },
            ))
        };
        Ok(Some(Signer {
            plain: config(&[])?,
            unsubscribe: config(&["List-Unsubscribe", "List-Unsubscribe-Post"])?,
        }))
    }

    /// Signs `message`; `unsubscribe` when it carries the RFC 8058 headers.
    pub fn sign(&self, message: &mut Message, unsubscribe: bool) {
        message.sign(if unsubscribe { &self.unsubscribe } else { &self.plain });
    }
}

/// The key in `text`: an RSA key in PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`), an Ed25519 key
/// in PKCS#8 PEM (`openssl genpkey -algorithm ed25519`), or an Ed25519 seed in base64.
fn signing_key(text: &str) -> anyhow::Result<DkimSigningKey> {
    let text = text.trim();
    if text.contains("BEGIN RSA PRIVATE KEY") {
        return DkimSigningKey::new(text, DkimSigningAlgorithm::Rsa)
            .map_err(|e| anyhow::anyhow!("not an RSA key: {e}"));
    }
    let seed = if text.contains("BEGIN PRIVATE KEY") {
        let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD.decode(body.trim()).context("not PEM")?;
        // PKCS#8 of an Ed25519 key: 16 bytes naming the algorithm (OID 1.3.101.112), then the seed.
        if der.len() != 48 || !der.windows(5).any(|w| w == [0x06, 0x03, 0x2b, 0x65, 0x70]) {
            bail!(
                "an RSA key must be PKCS#1 (convert it: openssl rsa -in KEY -traditional), or give an Ed25519 key"
            );
        }
        base64::engine::general_purpose::STANDARD.encode(&der[16..])
    } else {
        text.to_owned()
    };
    DkimSigningKey::new(&seed, DkimSigningAlgorithm::Ed25519).map_err(|e| anyhow::anyhow!("not a key: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_dkim_flags_come_together_and_a_bad_key_is_named() {
        assert!(Signer::from_flags(None, None, None).unwrap().is_none());
        let err = Signer::from_flags(Some("fund.example".into()), None, None).unwrap_err();
        assert!(err.to_string().contains("--dkim-selector"), "{err}");
        let bad = std::env::temp_dir().join(format!("tribefund-dkim-{}.pem", std::process::id()));
        std::fs::write(&bad, "not a key").unwrap();
        let err = Signer::from_flags(Some("f.example".into()), Some("s".into()), Some(&bad)).unwrap_err();
        std::fs::remove_file(&bad).unwrap();
        assert!(format!("{err:#}").contains("--dkim-key"), "{err:#}");
    }

    #[test]
    fn an_ed25519_key_reads_from_pkcs8_pem_or_a_bare_seed() {
        // `openssl genpkey -algorithm ed25519`
        let pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIPvyNCl2uqvX7WaiKVRlrkNrVZ6h27NjkniNrT6LVgH7\n-----END PRIVATE KEY-----\n";
        assert!(signing_key(pem).is_ok());
        assert!(signing_key("+/I0KXa6q9ftZqIpVGWuQ2tVnqHbs2OSeI2tPotWAfs=").is_ok());
        let pkcs8_rsa = "-----BEGIN PRIVATE KEY-----\nMIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEA\n-----END PRIVATE KEY-----\n";
        let err = signing_key(pkcs8_rsa).err().unwrap();
        assert!(err.to_string().contains("-traditional"), "{err}");
    }
}
