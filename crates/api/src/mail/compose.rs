//! Writing a mail: its words come from one template per kind and language
//! (`templates/{kind}.{lang}.j2`), whose blocks are the subject, the `text/plain` part and
//! the `text/html` part. Every value is escaped in the HTML (names, titles and instructions
//! are users' own text); the subject and the text part are plain. Each mail has one
//! recipient, a `Date`, a `Message-ID` on the sending domain that stays the same on every
//! try, the campaign's title and the site's name as the sender's display name, and a
//! `Reply-To` when one is set.

use super::Settings;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use minijinja::{AutoEscape, Environment};
use std::sync::OnceLock;

/// The templates, compiled once.
fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        let sources = [
            ("pledge_received.en", include_str!("templates/pledge_received.en.j2")),
            ("pledge_received.zh-CN", include_str!("templates/pledge_received.zh-CN.j2")),
            ("receipts_lookup.en", include_str!("templates/receipts_lookup.en.j2")),
            ("payment_paid.en", include_str!("templates/payment_paid.en.j2")),
            ("payment_paid.zh-CN", include_str!("templates/payment_paid.zh-CN.j2")),
            ("payment_failed.en", include_str!("templates/payment_failed.en.j2")),
            ("payment_failed.zh-CN", include_str!("templates/payment_failed.zh-CN.j2")),
            ("payment_refunded.en", include_str!("templates/payment_refunded.en.j2")),
            ("payment_refunded.zh-CN", include_str!("templates/payment_refunded.zh-CN.j2")),
            ("campaign_succeeded.en", include_str!("templates/campaign_succeeded.en.j2")),
            ("campaign_succeeded.zh-CN", include_str!("templates/campaign_succeeded.zh-CN.j2")),
            ("campaign_failed.en", include_str!("templates/campaign_failed.en.j2")),
            ("campaign_failed.zh-CN", include_str!("templates/campaign_failed.zh-CN.j2")),
            ("update.en", include_str!("templates/update.en.j2")),
            ("update.zh-CN", include_str!("templates/update.zh-CN.j2")),
            ("receipts_lookup.zh-CN", include_str!("templates/receipts_lookup.zh-CN.j2")),
            ("payment_reminder.en", include_str!("templates/payment_reminder.en.j2")),
            ("payment_reminder.zh-CN", include_str!("templates/payment_reminder.zh-CN.j2")),
            ("pledge_shipped.en", include_str!("templates/pledge_shipped.en.j2")),
            ("pledge_shipped.zh-CN", include_str!("templates/pledge_shipped.zh-CN.j2")),
            ("survey_reminder.en", include_str!("templates/survey_reminder.en.j2")),
            ("survey_reminder.zh-CN", include_str!("templates/survey_reminder.zh-CN.j2")),
            ("creator.en", include_str!("templates/creator.en.j2")),
            ("creator.zh-CN", include_str!("templates/creator.zh-CN.j2")),
            ("waitlist_offer.en", include_str!("templates/waitlist_offer.en.j2")),
            ("waitlist_offer.zh-CN", include_str!("templates/waitlist_offer.zh-CN.j2")),
            ("fan.en", include_str!("templates/fan.en.j2")),
            ("fan.zh-CN", include_str!("templates/fan.zh-CN.j2")),
        ];
        for (name, source) in sources {
            env.add_template(name, source).expect("the mail templates compile");
        }
        env
    })
}

/// The kinds of mail to a fan who asked to be reminded, written from one template.
pub const FAN_KINDS: [&str; 3] = ["reminder_confirm", "campaign_launched", "campaign_ending_soon"];

/// A mail's words: its subject and its two parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The words of a mail of `kind` in `lang` (English when there is no template in it),
/// from `facts`.
pub fn words(kind: &str, lang: &str, facts: &serde_json::Value) -> anyhow::Result<Words> {
    let env = templates();
    // Every mail to a creator is one template, which reads what it tells from `what`.
    // So is every mail to a fan who asked to be reminded (`reminder_confirm`, `campaign_…`).
    let kind = if kind.starts_with("creator_") {
        "creator"
    } else if FAN_KINDS.contains(&kind) {
        "fan"
    } else {
        kind
    };
    let template =
        env.get_template(&format!("{kind}.{lang}")).or_else(|_| env.get_template(&format!("{kind}.en")))?;
    let mut captured = template.render_captured(facts)?;
    captured.with_state_mut(|state| {
        Ok(Words {
            subject: state.render_block("subject")?.trim().to_owned(),
            text: state.render_block("text")?,
            html: state.render_block("html")?,
        })
    })
}

/// Who a mail is from and to, and how it is told apart.
pub struct Envelope<'a> {
    /// The mail's id: the `Message-ID`'s local part.
    pub id: &'a str,
    /// `"{title} via {site}"`.
    pub display_name: String,
    pub to: &'a str,
    /// `Auto-Submitted: auto-generated`: a notice no one typed.
    pub notice: bool,
    /// The one-click unsubscribe address (RFC 8058) of a mail one may stop; transactional
    /// mails (receipts, payments) have none.
    pub unsubscribe: Option<String>,
    /// Where replies go (the creator's address), before the operator's `--mail-reply-to`.
    pub reply_to: Option<String>,
    /// An image the HTML shows inline (`cid:{INLINE_ID}`): a manual payment's collection
    /// code, `(content type, bytes)`.
    pub inline: Option<(String, Vec<u8>)>,
}

/// The Content-ID of a mail's inline image, as its HTML names it (`cid:code`).
pub const INLINE_ID: &str = "code";

/// The message to send: `words` from `settings`' address to one recipient.
pub fn message(settings: &Settings, envelope: &Envelope, words: Words) -> anyhow::Result<Message> {
    let from = Mailbox::new(Some(envelope.display_name.clone()), settings.from.email.clone());
    let mut builder = Message::builder()
        .from(from)
        .to(envelope.to.parse()?)
        .subject(words.subject)
        .message_id(Some(format!("<{}@{}>", envelope.id, settings.domain())))
        .date_now();
    let creator = envelope.reply_to.as_deref().and_then(|address| address.parse::<Mailbox>().ok());
    if let Some(reply_to) = creator.or_else(|| settings.reply_to.clone()) {
        builder = builder.reply_to(reply_to);
    }
    if envelope.notice {
        builder = builder.header(AutoSubmitted);
    }
    if let Some(url) = &envelope.unsubscribe {
        builder = builder
            .raw_header(raw("List-Unsubscribe", format!("<{url}>")))
            .raw_header(raw("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".to_owned()));
    }
    let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(words.text);
    let html = SinglePart::builder().header(ContentType::TEXT_HTML).body(words.html);
    let parts = match &envelope.inline {
        // The HTML and its image travel together (multipart/related, RFC 2387).
        Some((kind, bytes)) => {
            let image =
                Attachment::new_inline(INLINE_ID.to_owned()).body(bytes.clone(), ContentType::parse(kind)?);
            MultiPart::alternative()
                .singlepart(text)
                .multipart(MultiPart::related().singlepart(html).singlepart(image))
        }
        None => MultiPart::alternative().singlepart(text).singlepart(html),
    };
    let mut message = builder.multipart(parts)?;
    if let Some(dkim) = &settings.dkim {
        dkim.sign(&mut message, envelope.unsubscribe.is_some());
    }
    Ok(message)
}

/// A header of ours, its value ASCII already (an address, a token).
fn raw(name: &'static str, value: String) -> lettre::message::header::HeaderValue {
    lettre::message::header::HeaderValue::new(
        lettre::message::header::HeaderName::new_from_ascii_str(name),
        value,
    )
}

/// `Auto-Submitted: auto-generated` (RFC 3834), so vacation responders stay quiet.
#[derive(Debug, Clone, Copy)]
struct AutoSubmitted;

impl lettre::message::header::Header for AutoSubmitted {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn facts(name: &str) -> serde_json::Value {
        json!({
            "title": "Walnut <lamp>", "site": "My blog", "name": name, "amount": "¥299",
            "chosen": "Lamp · colour: black", "receipt_url": "https://f.example/r/abc",
            "share_url": "https://f.example/c/lamp?ref=X", "poster_url": "https://f.example/c/lamp/poster.png?ref=X",
            "payment": { "kind": "manual", "reference": "TF-1", "instructions": "Alipay <b>me</b>", "due": null }
        })
    }

    #[test]
    fn hostile_names_titles_and_instructions_are_escaped_in_the_html_and_plain_in_the_text() {
        let words = words("pledge_received", "en", &facts("<script>alert(1)</script>")).unwrap();
        assert!(words.html.contains("&lt;script&gt;alert(1)&lt;"), "{}", words.html);
        assert!(!words.html.contains("<script>") && !words.html.contains("<b>"));
        assert!(words.html.contains("Walnut &lt;lamp&gt;") && words.html.contains("Alipay &lt;b&gt;me&lt;"));
        assert!(words.text.contains("Thank you, <script>alert(1)</script>!"), "{}", words.text);
        assert_eq!(words.subject, "Your pledge to Walnut <lamp>: ¥299");
    }

    #[test]
    fn a_mail_is_written_in_the_fans_language_and_falls_back_to_english() {
        let zh = words("pledge_received", "zh-CN", &facts("梅")).unwrap();
        assert!(zh.text.contains("谢谢你，梅！"), "{}", zh.text);
        assert!(zh.html.contains("lang=\"zh-CN\""));
        let other = words("pledge_received", "fr", &facts("Mei")).unwrap();
        assert!(other.text.contains("Thank you, Mei!"));
    }

    #[test]
    fn a_message_has_one_recipient_both_parts_a_stable_message_id_and_the_campaign_as_sender() {
        let settings = Settings::from_flags(
            None,
            Some("d".into()),
            Some("Fund <mail@fund.example>"),
            Some("help@fund.example"),
        )
        .unwrap()
        .unwrap();
        let envelope = Envelope {
            id: "m1",
            display_name: "Walnut lamp via My blog".into(),
            to: "mei@example.com",
            notice: true,
            unsubscribe: Some("https://fund.example/u/t".into()),
            reply_to: None,
            inline: None,
        };
        let words = words("pledge_received", "en", &facts("Mei")).unwrap();
        let sent = String::from_utf8(message(&settings, &envelope, words).unwrap().formatted()).unwrap();
        assert!(sent.contains("From: \"Walnut lamp via My blog\" <mail@fund.example>"), "{sent}");
        assert!(sent.contains("To: mei@example.com"));
        assert!(sent.contains("Message-ID: <m1@fund.example>"));
        assert!(sent.contains("Reply-To: help@fund.example"));
        assert!(sent.contains("Auto-Submitted: auto-generated"));
        assert!(sent.contains("List-Unsubscribe: <https://fund.example/u/t>"), "{sent}");
        assert!(sent.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(sent.contains("Content-Type: text/plain") && sent.contains("Content-Type: text/html"));
        assert!(sent.contains("Date: "));
    }

    #[test]
    fn every_mail_to_a_creator_and_every_reminder_is_written_in_both_languages_escaped() {
        let hostile = "<i>Walnut</i>";
        let about = json!({
            "title": hostile, "site": "My blog", "name": hostile, "amount": "¥299", "chosen": "",
            "backers": 3, "raised": "¥897", "goal": "¥500", "pledged": "¥897", "outcome": "succeeded",
            "dashboard_url": "https://f.example/dashboard", "csv_url": "https://f.example/c.csv", "failed": 2,
            "label": hostile, "option": "colour", "value": hostile, "units": 5, "min_batch": 5,
            "count": 21, "more": 1, "period": "hourly", "url": "https://hooks.example/x", "reason": hostile,
            "enable_url": "https://f.example/api/v1/webhooks/w1/enable", "payments": "stripe",
            "link": "https://f.example/dashboard/sign-in?token=t", "site_id": "my-blog",
            "pledges": [{ "title": hostile, "name": hostile, "amount": "¥299", "chosen": "colour: black" }],
        });
        let kinds = [
            "creator_pledge",
            "creator_digest",
            "creator_goal",
            "creator_stretch",
            "creator_unlocked",
            "creator_ended",
            "creator_card_failures",
            "creator_endpoint_disabled",
        ];
        for lang in ["en", "zh-CN"] {
            for kind in kinds {
                let mut facts = about.clone();
                facts["what"] = json!(kind);
                let words = words(kind, lang, &facts).unwrap_or_else(|e| panic!("{kind} {lang}: {e:#}"));
                assert!(
                    !words.subject.is_empty() && words.text.contains("My blog"),
                    "{kind} {lang}: {words:?}"
                );
                assert!(!words.html.contains("<i>"), "{kind} {lang} escapes: {}", words.html);
            }
            for reminder in ["card", "lapse"] {
                let mut facts = facts(hostile);
                facts["reminder"] = json!(reminder);
                let words =
                    words("payment_reminder", lang, &facts).unwrap_or_else(|e| panic!("{reminder}: {e:#}"));
                assert!(words.subject.contains("Walnut <lamp>") && !words.html.contains("<i>"), "{words:?}");
                assert!(words.text.contains("https://f.example/r/abc"), "{words:?}");
            }
            let mut after = facts(hostile);
            after["parcels"] = json!([{ "carrier": "顺丰速运", "number": "SF1", "url": "https://sf.example/SF1", "items": hostile }]);
            after["survey_url"] = json!("https://f.example/r/abc/survey");
            after["lock_at"] = json!("2027-02-01 00:00");
            for kind in ["pledge_shipped", "survey_reminder"] {
                let words = words(kind, lang, &after).unwrap_or_else(|e| panic!("{kind} {lang}: {e:#}"));
                assert!(!words.html.contains("<i>"), "{kind} {lang} escapes: {}", words.html);
                let link = if kind == "pledge_shipped" {
                    "https://sf.example/SF1"
                } else {
                    "https://f.example/r/abc/survey"
                };
                assert!(
                    words.text.contains(link) && words.html.contains(&link.replace('/', "&#x2f;")),
                    "{kind} {lang}: {words:?}"
                );
            }
            let offer = json!({
                "title": hostile, "site": "My blog", "name": hostile, "tier": hostile, "quantity": 2,
                "amount": "¥598", "until": "2027-02-01 20:00", "waitlist_url": "https://f.example/w/abc",
            });
            let words =
                words("waitlist_offer", lang, &offer).unwrap_or_else(|e| panic!("offer {lang}: {e:#}"));
            assert!(!words.html.contains("<i>") && words.subject.contains("<i>Walnut</i>"), "{words:?}");
            assert!(
                words.text.contains("https://f.example/w/abc") && words.text.contains("2027-02-01 20:00")
            );
        }
    }
}
