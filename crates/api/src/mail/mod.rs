//! Mail out. A change that someone should hear of queues its mail in its own transaction
//! (`store::mails`); [`send`]'s round, on every replica, claims what is due, writes each
//! mail from its template ([`compose`]) in the reader's language, and hands it to the SMTP
//! server over connections kept for reuse ([`smtp`]) or, for a new user or a test, writes
//! it as an `.eml` file into a folder. A temporary failure (4xx, no connection) is tried
//! again with backoff; an address refused for good (5xx at `RCPT TO`) gives the mail up and
//! suppresses the address for the campaign's site. Without either, nothing is queued and
//! the server says so once at start.

mod backers;
pub mod compose;
pub mod creators;
pub mod dkim;
mod facts;
pub mod fans;
pub mod reminders;
pub mod send;
mod smtp;
mod waitlist;

use crate::error::Error;
use crate::store::Store;
use crate::store::mails::NewMail;
use domain::FieldError;
use widget::i18n::Lang;

use lettre::message::Mailbox;
use std::path::PathBuf;

/// Where mail goes, and whom it is from.
#[derive(Debug, Clone)]
pub struct Settings {
    pub transport: Transport,
    /// The address mails are sent from; its display name is replaced by the campaign's
    /// title and the site's name (`"Walnut lamp via My blog" <mail@fund.example.com>`), and
    /// its domain ends every `Message-ID`.
    pub from: Mailbox,
    /// Where replies go, when the creator has given no address of their own.
    pub reply_to: Option<Mailbox>,
    /// Signs every mail, when DKIM is set up.
    pub dkim: Option<std::sync::Arc<dkim::Signer>>,
}

/// How mail leaves the server.
#[derive(Debug, Clone)]
pub enum Transport {
    /// `smtps://user:pass@host:465`, `smtp://user:pass@host:587?tls=required`,
    /// `smtp://127.0.0.1:25` (lettre's URL form).
    Smtp(String),
    /// Each mail written as a `.eml` file into this folder.
    Dir(PathBuf),
}

impl Settings {
    /// The settings the flags describe: `None` when neither an SMTP server nor a folder is
    /// given. The SMTP URL is checked here, so a wrong one stops the server at start.
    pub fn from_flags(
        smtp_url: Option<String>,
        dir: Option<PathBuf>,
        from: Option<&str>,
        reply_to: Option<&str>,
    ) -> anyhow::Result<Option<Settings>> {
        let transport = match (smtp_url, dir) {
            (Some(url), _) => {
                smtp::Server::from_url(&url).map_err(|e| anyhow::anyhow!("--smtp-url: {e}"))?;
                Transport::Smtp(url)
            }
            (None, Some(dir)) => Transport::Dir(dir),
            (None, None) => return Ok(None),
        };
        let from = match (from, &transport) {
            (Some(from), _) => mailbox("--mail-from", from)?,
            (None, Transport::Dir(_)) => mailbox("--mail-from", "tribefund <mail@localhost>")?,
            (None, Transport::Smtp(_)) => anyhow::bail!("--mail-from is needed with --smtp-url"),
        };
        let reply_to = reply_to.map(|r| mailbox("--mail-reply-to", r)).transpose()?;
        Ok(Some(Settings { transport, from, reply_to, dkim: None }))
    }

    /// The domain of the sending address, which ends every `Message-ID`.
    pub fn domain(&self) -> &str {
        self.from.email.domain()
    }
}

/// How long after a list of receipts another to the same address waits: asking again and
/// again mails nobody more than once in this time.
pub const LOOKUP_QUIET_SECS: i64 = 600;

/// "Find my pledges": queues a mail to `email` with a link to every receipt it holds, in
/// `lang`, with links under `base`. Whether the address pledged here is told only to its
/// owner, by that mail: the answer is the same either way, and nothing is mailed to an
/// address that holds no pledge or had such a mail in the last ten minutes.
pub async fn ask_for_receipts(store: &Store, email: &str, lang: Lang, base: &str) -> Result<(), Error> {
    let Some(address) = domain::contact::email(email) else {
        return Err(Error::Invalid([("email".to_owned(), FieldError::InvalidEmail)].into_iter().collect()));
    };
    let mail = NewMail {
        id: crate::ids::time_ordered(),
        campaign_id: None,
        pledge_id: None,
        kind: "receipts_lookup",
        recipient: address.to_owned(),
        lang: lang.tag(),
        data: serde_json::json!({ "base": base }).to_string(),
    };
    store.queue_lookup(&mail, LOOKUP_QUIET_SECS, crate::now()).await?;
    Ok(())
}

/// An update's mail as backers will get it, in each language, for the composer's preview:
/// the words [`send`] writes, with each backer's own way out shown as a placeholder.
pub fn preview_update(
    campaign: &domain::Campaign,
    site: &str,
    update: (&str, &str),
    base: &str,
) -> anyhow::Result<Vec<(&'static str, compose::Words)>> {
    let update_url = format!("{base}/c/{}#updates", campaign.id());
    let unsubscribe = format!("{base}/u/…");
    [Lang::En, Lang::ZhCn]
        .into_iter()
        .map(|lang| {
            let facts = facts::update_facts((campaign.title(), site), update, (&update_url, &unsubscribe));
            Ok((lang.tag(), compose::words("update", lang.tag(), &facts)?))
        })
        .collect()
}

fn mailbox(flag: &str, text: &str) -> anyhow::Result<Mailbox> {
    text.parse().map_err(|e| {
        anyhow::anyhow!("{flag}: {text:?} is not an address like \"Name <mail@example.com>\": {e}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_is_off_without_a_server_or_a_folder_and_a_server_needs_a_sender() {
        assert!(Settings::from_flags(None, None, None, None).unwrap().is_none());
        let err = Settings::from_flags(Some("smtp://127.0.0.1:25".into()), None, None, None).unwrap_err();
        assert!(err.to_string().contains("--mail-from"), "{err}");
        let dir = Settings::from_flags(None, Some("data/mail".into()), None, None).unwrap().unwrap();
        assert_eq!(dir.domain(), "localhost");
        let smtp = Settings::from_flags(
            Some("smtp://127.0.0.1:25".into()),
            None,
            Some("Fund <mail@fund.example>"),
            None,
        );
        assert_eq!(smtp.unwrap().unwrap().domain(), "fund.example");
    }

    #[test]
    fn a_wrong_url_or_address_is_refused_naming_its_flag() {
        let err = Settings::from_flags(Some("ftp://x".into()), None, Some("a@b.c"), None).unwrap_err();
        assert!(err.to_string().contains("--smtp-url"), "{err}");
        let err = Settings::from_flags(None, Some("d".into()), Some("not an address"), None).unwrap_err();
        assert!(err.to_string().contains("--mail-from"), "{err}");
        let err = Settings::from_flags(None, Some("d".into()), None, Some("@")).unwrap_err();
        assert!(err.to_string().contains("--mail-reply-to"), "{err}");
    }
}
