//! Posts to fan-group robots: each endpoint whose turn has come gets one message carrying
//! every announceable event due for it (`store::robots`), worded by `domain::robots` in its
//! site's language, as its platform documents it:
//!
//! - WeCom: `{"msgtype":"text","text":{"content"}}`, answered `{"errcode":0}`.
//! - Feishu: `{"msg_type":"text","content":{"text"}}`, with `timestamp` and `sign` (Base64
//!   of HMAC-SHA256 keyed with `"<seconds>\n<secret>"` over nothing) when the robot has a
//!   secret; answered `{"code":0}`.
//! - DingTalk: `{"msgtype":"text","text":{"content"}}`, with `&timestamp=<ms>&sign=` (Base64
//!   of HMAC-SHA256 keyed with the secret over `"<ms>\n<secret>"`) on the address when the
//!   robot has a secret; answered `{"errcode":0}`.
//! - Slack: `{"text"}`; Discord: `{"content","allowed_mentions":{"parse":[]}}`; any 2xx.
//!
//! The platforms answer a refused message with 200 and an error code: that counts as a
//! failure, retried and disabling the endpoint like any other. An endpoint gets at most one
//! message every [`PACE_SECS`] (20 a minute, the strictest platform's limit).

use super::Settings;
use super::address;
use super::retry::{DISABLE_AFTER, backoff, describe};
use crate::hub::Hub;
use crate::store::Store;
use crate::store::robots::{Post, PostDelivery};
use base64::Engine;
use domain::robots::{self, About, Format, Moment};
use domain::webhooks::{CampaignEvent, Event, LeadersEvent, OptionEvent, PledgeEvent, ProgressEvent};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::{BTreeMap, HashMap};

/// The least time between two messages to one endpoint: 20 a minute.
pub const PACE_SECS: i64 = 3;
/// Endpoints posted to per round, and the most events merged into one message.
const ENDPOINTS: i64 = 32;
const PER_POST: i64 = 200;
/// The most of a robot's answer read: the platforms answer a few dozen bytes.
const MAX_ANSWER: usize = 16 * 1024;

/// Where messages link to and what they are about.
pub(super) struct Context<'a> {
    pub store: &'a Store,
    pub hub: &'a Hub,
    /// The server's public base URL, for share links.
    pub base: &'a str,
    pub client: &'a reqwest::Client,
    pub settings: &'a Settings,
}

/// Posts to every robot whose turn has come, until none has.
pub(super) async fn round(cx: &Context<'_>, lease: i64) -> anyhow::Result<()> {
    loop {
        let now = crate::now();
        // Times are whole seconds: a turn taken at x.99 s waits until x + 4 to keep 3 s apart.
        let posts = cx.store.claim_posts(now, (ENDPOINTS, PER_POST), (PACE_SECS + 1, lease)).await?;
        if posts.is_empty() {
            return Ok(());
        }
        let sent = futures::future::join_all(posts.iter().map(|post| send(cx, post))).await;
        let now = crate::now();
        for (post, result) in posts.iter().zip(sent) {
            let ids: Vec<i64> = post.deliveries.iter().map(|d| d.id).collect();
            match result {
                Ok(Sent::Posted) => cx.store.deliveries_done(Some(&post.endpoint_id), &ids, now).await?,
                // Nothing was asked of the robot: its record of failures stands.
                Ok(Sent::Nothing) => cx.store.deliveries_done(None, &ids, now).await?,
                Err(error) => {
                    let attempts = post.deliveries.iter().map(|d| d.attempts).max().unwrap_or(1);
                    let wait = backoff(cx.settings.first_retry, attempts);
                    let retry_at = now.plus_seconds(wait.as_secs() as i64);
                    tracing::info!(endpoint = %post.endpoint_id, attempts, %error, "a robot message failed");
                    let disable = DISABLE_AFTER;
                    cx.store
                        .deliveries_failed(&post.endpoint_id, &ids, &error, retry_at, disable, now)
                        .await?;
                }
            }
        }
    }
}

/// What became of a post.
enum Sent {
    Posted,
    /// Nothing in it was still worth telling (its pledges were cancelled since).
    Nothing,
}

/// One message; the error as the creator will read it.
async fn send(cx: &Context<'_>, post: &Post) -> Result<Sent, String> {
    let format = Format::parse(&post.format).ok_or("an unknown format")?;
    let text = message(cx, post, format).await.map_err(|e| format!("composing the message failed: {e}"))?;
    let Some(text) = text else { return Ok(Sent::Nothing) };
    let url =
        address::check(&post.url, cx.settings.private_addresses).map_err(|e| format!("the address {e}"))?;
    let (url, body) = request(format, url, &text, post.signing_secret.as_deref(), crate::now().unix());
    let response = cx.client.post(url).json(&body).send().await.map_err(|e| describe(&e))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("the robot answered HTTP {}", status.as_u16()));
    }
    if !matches!(format, Format::Wecom | Format::Feishu | Format::Dingtalk) {
        return Ok(Sent::Posted);
    }
    let answer = answer(response).await.map_err(|e| describe(&e))?;
    refused(format, &answer).map_or(Ok(Sent::Posted), Err)
}

/// A robot's JSON answer, read no further than [`MAX_ANSWER`] bytes: a longer one (or one
/// that is not JSON) reads as `null`, and so as no refusal.
async fn answer(mut response: reqwest::Response) -> reqwest::Result<Value> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_ANSWER {
            return Ok(Value::Null);
        }
    }
    Ok(serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// The text of `post`'s message: each campaign's moments, in the site's language; `None`
/// when nothing in it is still worth telling (every pledge in it was cancelled since).
async fn message(cx: &Context<'_>, post: &Post, format: Format) -> anyhow::Result<Option<String>> {
    let pledge_ids: Vec<String> = post
        .deliveries
        .iter()
        .filter(|d| d.kind == "pledge.created")
        .filter_map(|d| serde_json::from_str::<Event<PledgeEvent>>(&d.payload).ok())
        .map(|e| e.data.pledge.id)
        .collect();
    let names = cx.store.announced_names(&pledge_ids.iter().map(String::as_str).collect::<Vec<_>>()).await?;
    let mut by_campaign: BTreeMap<String, Vec<Moment>> = BTreeMap::new();
    for delivery in &post.deliveries {
        if let Some((campaign, mut moment)) = moment(delivery, &names) {
            // A leaderboard is told as it stands now: names only of backers still listed.
            if let Moment::Leaders { top } = &mut moment {
                let now = cx.store.top_recruiters(&campaign, 3).await?;
                *top = now.into_iter().map(|(_, l)| (l.name, l.recruits)).collect();
                if top.is_empty() {
                    continue;
                }
            }
            by_campaign.entry(campaign).or_default().push(moment);
        }
    }
    if by_campaign.is_empty() {
        return Ok(None);
    }
    let now = crate::now();
    let sections: Vec<String> = by_campaign
        .iter()
        .map(|(id, moments)| {
            let snapshot = cx.hub.get(id).map(|entry| entry.snapshot(now));
            let title = snapshot.as_ref().map_or(id.clone(), |s| s.campaign.title().to_owned());
            let currency = snapshot.as_ref().map_or(domain::Currency::Cny, |s| s.campaign.currency());
            let link = format!("{}/c/{id}?src={}", cx.base, format.as_str());
            let about = About { title: &title, currency, link: &link, chinese: post.lang == "zh-CN" };
            robots::section(format, about, moments)
        })
        .collect();
    Ok(Some(robots::message(format, &sections)))
}

/// The campaign a delivered event is about, and what it announces; `None` for a pledge
/// cancelled since or a body that does not read.
fn moment(delivery: &PostDelivery, names: &HashMap<String, Option<String>>) -> Option<(String, Moment)> {
    let payload = delivery.payload.as_str();
    let read = |kind: &str| delivery.kind == kind;
    if read("pledge.created") {
        let data = serde_json::from_str::<Event<PledgeEvent>>(payload).ok()?.data;
        let name = names.get(&data.pledge.id)?.clone();
        return Some((data.campaign, Moment::Pledge { name, amount: data.pledge.amount }));
    }
    if read("option.unlocked") {
        let d = serde_json::from_str::<Event<OptionEvent>>(payload).ok()?.data;
        return Some((d.campaign, Moment::Unlocked { option: d.option, value: d.value, units: d.units }));
    }
    if read("leaders.changed") {
        let d = serde_json::from_str::<Event<LeadersEvent>>(payload).ok()?.data;
        let top = d.leaders.into_iter().map(|l| (l.name, l.recruits)).collect();
        return Some((d.campaign, Moment::Leaders { top }));
    }
    if read("campaign.succeeded") || read("campaign.failed") {
        let d = serde_json::from_str::<Event<CampaignEvent>>(payload).ok()?.data;
        let moment =
            Moment::Ended { succeeded: d.outcome == "succeeded", raised: d.raised, backers: d.backers };
        return Some((d.campaign, moment));
    }
    let d = serde_json::from_str::<Event<ProgressEvent>>(payload).ok()?.data;
    let moment = match delivery.kind.as_str() {
        "campaign.goal_reached" => Moment::Goal { raised: d.raised },
        "campaign.stretch_reached" => {
            let stretch = d.stretch?;
            Moment::Stretch { label: stretch.label, amount: stretch.amount }
        }
        "campaign.last_day" => Moment::LastDay { raised: d.raised, goal: d.goal },
        _ => return None,
    };
    Some((d.campaign, moment))
}

/// The address and body that post `text` to a `format` robot, signed with `secret` at
/// `now` (unix seconds) where the platform signs.
pub fn request(
    format: Format,
    mut url: url::Url,
    text: &str,
    secret: Option<&str>,
    now: i64,
) -> (url::Url, Value) {
    let body = match format {
        Format::Wecom | Format::Dingtalk => json!({ "msgtype": "text", "text": { "content": text } }),
        Format::Feishu => {
            let mut body = json!({ "msg_type": "text", "content": { "text": text } });
            if let Some(secret) = secret {
                body["timestamp"] = json!(now.to_string());
                body["sign"] = json!(feishu_sign(secret, now));
            }
            body
        }
        Format::Slack | Format::Json => json!({ "text": text }),
        // Mentioning no one, and with no link previews (`SUPPRESS_EMBEDS`).
        Format::Discord => json!({ "content": text, "allowed_mentions": { "parse": [] }, "flags": 4 }),
    };
    if let (Format::Dingtalk, Some(secret)) = (format, secret) {
        let millis = now * 1000;
        url.query_pairs_mut()
            .append_pair("timestamp", &millis.to_string())
            .append_pair("sign", &dingtalk_sign(secret, millis));
    }
    (url, body)
}

/// Feishu: Base64 of HMAC-SHA256 keyed with `"<seconds>\n<secret>"`, over nothing.
pub fn feishu_sign(secret: &str, seconds: i64) -> String {
    let mac = Hmac::<Sha256>::new_from_slice(format!("{seconds}\n{secret}").as_bytes())
        .expect("HMAC takes any key");
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// DingTalk: Base64 of HMAC-SHA256 keyed with the secret, over `"<millis>\n<secret>"`.
pub fn dingtalk_sign(secret: &str, millis: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(format!("{millis}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The platform's refusal in a 200 answer, in words; `None` when it took the message.
fn refused(format: Format, answer: &Value) -> Option<String> {
    let (code, message) = match format {
        Format::Wecom | Format::Dingtalk => (&answer["errcode"], &answer["errmsg"]),
        Format::Feishu if answer.get("code").is_some() => (&answer["code"], &answer["msg"]),
        Format::Feishu => (&answer["StatusCode"], &answer["StatusMessage"]),
        _ => return None,
    };
    match code.as_i64() {
        Some(0) | None => None,
        Some(code) => {
            let why: String =
                message.as_str().unwrap_or("").chars().filter(|c| !c.is_control()).take(200).collect();
            Some(format!("the robot refused the message: {code} {why}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feishu_and_dingtalk_signatures_are_the_platforms_own() {
        // Checked against Python's hmac and base64, as the platforms' documentation does it:
        // base64(hmac.new(f"{ts}\n{secret}".encode(), digestmod=sha256).digest()) for Feishu,
        // base64(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), sha256).digest()) for DingTalk.
        assert_eq!(feishu_sign("s3cret", 1_700_000_000), "IX3eHI0/v/Td7jqJ0ynSEK3Dq5JY3HUZeoeMgVZeZGo=");
        assert_eq!(
            dingtalk_sign("s3cret", 1_700_000_000_000),
            "MT7bXSNfVTPzQMEuLWvmMNbmZSCUY1X6YKn9AxBnLsI="
        );
    }

    #[test]
    fn a_refusal_in_a_200_answer_is_a_failure_in_words() {
        let refused_by = |format, answer: Value| refused(format, &answer);
        assert_eq!(refused_by(Format::Wecom, json!({"errcode": 0, "errmsg": "ok"})), None);
        assert_eq!(
            refused_by(Format::Dingtalk, json!({"errcode": 310000, "errmsg": "sign not match"})).as_deref(),
            Some("the robot refused the message: 310000 sign not match")
        );
        assert!(refused_by(Format::Feishu, json!({"code": 19021, "msg": "sign match fail"})).is_some());
        assert_eq!(refused_by(Format::Feishu, json!({"StatusCode": 0})), None);
        assert_eq!(refused_by(Format::Slack, json!(null)), None);
    }
}
