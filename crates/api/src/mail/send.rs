//! The mail round, on every replica: claim what is due for a lease, write each mail from
//! what it tells of, hand it over, and record the outcome. A temporary failure (a 4xx, no
//! connection, a timeout, a server that refuses us) is tried again after 10 s, doubling to
//! at most an hour, so an SMTP server down for an hour loses nothing; an address refused
//! for good (5xx at `RCPT TO`) gives the mail up and suppresses the address for the
//! campaign's site; a message refused for good is given up. A mail whose pledge is gone is
//! given up.

use super::facts::Data;
use super::smtp::{Failure, Server, Smtp};
use super::{Settings, Transport};
use crate::payments::Cards;
use crate::store::mails::DueMail;
use futures::StreamExt;
use lettre::{AsyncFileTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// How often the outbox is looked at.
const POLL: Duration = Duration::from_secs(1);
/// Mails claimed at once, and for how long; of those, how many are on their way at once
/// (each over a connection of its own).
const CLAIM: i64 = 50;
const LEASE_SECS: i64 = 120;
const AT_ONCE: usize = 8;
/// An update's backers queued at once, in a transaction of their own.
const UPDATE_PAGE: i64 = 500;
/// The longest wait between two tries, and the tries before a mail is given up (about
/// four days of an unreachable server).
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
const MAX_ATTEMPTS: i64 = 100;

/// Where mail is handed over.
enum Out {
    Smtp(Smtp),
    Dir(AsyncFileTransport<Tokio1Executor>),
}

/// Starts the round.
pub fn spawn(cards: Cards, settings: Settings) -> anyhow::Result<()> {
    let out = match &settings.transport {
        Transport::Smtp(url) => Out::Smtp(Smtp::new(Server::from_url(url)?)?),
        Transport::Dir(dir) => {
            std::fs::create_dir_all(dir)?;
            Out::Dir(AsyncFileTransport::new(dir))
        }
    };
    tokio::spawn(async move {
        let mut every = cards.store.every(POLL);
        while every.next().await {
            if let Err(e) = round(&cards, &settings, &out).await {
                tracing::warn!(error = %e, "sending mail failed; trying again");
            }
            if let Out::Smtp(smtp) = &out {
                smtp.close_idle().await;
            }
        }
    });
    Ok(())
}

/// Queues a page of an update being mailed, then claims and sends, until nothing is left
/// of either: a full claim or a page queued is followed at once by the next.
async fn round(cards: &Cards, settings: &Settings, out: &Out) -> anyhow::Result<()> {
    loop {
        let paged = cards.store.mail_update_page(UPDATE_PAGE, crate::now()).await?;
        let claimed = cards.store.claim_mails(crate::now(), CLAIM, LEASE_SECS).await?;
        let full = claimed.len() as i64 == CLAIM || paged;
        let outcomes: Vec<anyhow::Result<Option<String>>> = futures::stream::iter(claimed)
            .map(|mail| deliver(cards, settings, out, mail))
            .buffer_unordered(AT_ONCE)
            .collect()
            .await;
        let mut sent = Vec::with_capacity(outcomes.len());
        let mut failed = None;
        for outcome in outcomes {
            match outcome {
                Ok(Some(id)) => sent.push(id),
                Ok(None) => {}
                Err(e) => failed = Some(e),
            }
        }
        // What the servers took is recorded in one statement, whatever else failed.
        cards.store.mails_sent(&sent, crate::now()).await?;
        if let Some(e) = failed {
            return Err(e);
        }
        if !full {
            return Ok(());
        }
    }
}

/// Writes one claimed mail and hands it over: its id when the server took it (for the
/// caller to record with the others); any other outcome is recorded here.
async fn deliver(
    cards: &Cards,
    settings: &Settings,
    out: &Out,
    mail: DueMail,
) -> anyhow::Result<Option<String>> {
    let now = crate::now();
    if mail.suppressed {
        let why = "the address was refused for good before";
        cards.store.mail_undeliverable(&mail, why, false, now).await?;
        return Ok(None);
    }
    let message = match written(cards, settings, &mail).await {
        Ok(Some(message)) => message,
        Ok(None) => {
            cards.store.mail_undeliverable(&mail, "what it tells of is gone", false, now).await?;
            return Ok(None);
        }
        Err(e) => {
            tracing::warn!(error = %e, mail = %mail.id, "a mail could not be written");
            cards.store.mail_retry(&mail.id, "could not be written", now.plus_seconds(60)).await?;
            return Ok(None);
        }
    };
    match hand_over(out, message).await {
        Ok(()) => return Ok(Some(mail.id)),
        Err(Failure::Recipient(why)) => cards.store.mail_undeliverable(&mail, &why, true, now).await?,
        Err(Failure::Message(why)) => cards.store.mail_undeliverable(&mail, &why, false, now).await?,
        Err(Failure::Temporary(why)) if mail.attempts >= MAX_ATTEMPTS => {
            cards.store.mail_undeliverable(&mail, &why, false, now).await?
        }
        Err(Failure::Temporary(why)) => {
            let wait = backoff(mail.attempts);
            cards.store.mail_retry(&mail.id, &why, now.plus_seconds(wait.as_secs() as i64)).await?;
        }
    }
    Ok(None)
}

/// The wait before try `attempts + 1`: 10 s, doubling, at most an hour.
pub fn backoff(attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(20);
    Duration::from_secs(10).saturating_mul(1 << doublings).min(MAX_BACKOFF)
}

async fn hand_over(out: &Out, message: Message) -> Result<(), Failure> {
    match out {
        Out::Smtp(smtp) => smtp.send(message.envelope(), &message.formatted()).await,
        Out::Dir(dir) => dir
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| Failure::Temporary(format!("writing the mail: {e}"))),
    }
}

/// The message a due mail says, or `None` when what it tells of is gone.
async fn written(cards: &Cards, settings: &Settings, mail: &DueMail) -> anyhow::Result<Option<Message>> {
    let Some(data) = mail.data.as_deref() else { return Ok(None) };
    let data: Data = serde_json::from_str(data)?;
    if mail.kind.starts_with("creator_") {
        return super::creators::message(cards, settings, mail, data).await;
    }
    if super::compose::FAN_KINDS.contains(&mail.kind.as_str()) {
        return super::fans::message(cards, settings, mail, data).await;
    }
    super::backers::message(cards, settings, mail, data).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mail_is_tried_again_after_ten_seconds_doubling_to_an_hour() {
        let waits: Vec<u64> = (1..=12).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600, 3600]);
    }
}
