//! A fan-group robot, as WeCom, Feishu, DingTalk, Slack and Discord run one: it takes JSON
//! posts, records each (its path and query, body and arrival), checks a Feishu or DingTalk
//! signature the way those platforms do when given the robot's secret, and answers as the
//! platform does (`{"errcode":0,"errmsg":"ok"}`, `{"code":0}`, `ok`, or 204), or with the
//! platform's refusal in a 200 answer.

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

/// The platform a [`Robot`] plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Wecom,
    Feishu,
    Dingtalk,
    Slack,
    Discord,
}

/// One post as it arrived.
#[derive(Debug, Clone)]
pub struct Post {
    /// The path and query it was posted to.
    pub target: String,
    pub body: Value,
    pub at: Instant,
    /// Whether its signature matched the robot's secret (true when it has none).
    pub signed: bool,
}

pub struct Robot {
    pub url: String,
    got: Arc<Mutex<Vec<Post>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Robot {
    /// A robot of `platform` checking signatures with `secret`, answering `refuse` (a
    /// platform's error body, in a 200) to every post when given.
    pub async fn start(platform: Platform, secret: Option<&str>, refuse: Option<Value>) -> Robot {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let url = format!("http://{}/robot/send?access_token=t0ken", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let (serving, secret) = (got.clone(), secret.map(str::to_owned));
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (got, secret, refuse) = (serving.clone(), secret.clone(), refuse.clone());
                tokio::spawn(async move {
                    let Some((target, body)) = read(&mut socket).await else { return };
                    let at = Instant::now();
                    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                    let signed =
                        secret.as_deref().is_none_or(|s| signature_holds(platform, s, &target, &body));
                    got.lock().unwrap().push(Post { target, body, at, signed });
                    let answer = match (platform, refuse, signed) {
                        (_, Some(refusal), _) => refusal,
                        (Platform::Feishu, None, false) => json!({ "code": 19021, "msg": "sign match fail" }),
                        (Platform::Dingtalk, None, false) => {
                            json!({ "errcode": 310000, "errmsg": "sign not match" })
                        }
                        (Platform::Wecom | Platform::Dingtalk, None, _) => {
                            json!({ "errcode": 0, "errmsg": "ok" })
                        }
                        (Platform::Feishu, None, _) => json!({ "code": 0, "msg": "success", "data": {} }),
                        (Platform::Slack | Platform::Discord, None, _) => Value::Null,
                    };
                    let (status, body) = match (platform, answer) {
                        (Platform::Discord, Value::Null) => ("204 No Content", String::new()),
                        (Platform::Slack, Value::Null) => ("200 OK", "ok".to_owned()),
                        (_, answer) => ("200 OK", answer.to_string()),
                    };
                    let reply = format!(
                        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                });
            }
        });
        Robot { url, got, task }
    }

    pub fn posts(&self) -> Vec<Post> {
        self.got.lock().unwrap().clone()
    }
}

impl Drop for Robot {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What the platform checks: Feishu's `timestamp` and `sign` in the body, DingTalk's on
/// the address, each within an hour of now.
fn signature_holds(platform: Platform, secret: &str, target: &str, body: &Value) -> bool {
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    match platform {
        Platform::Feishu => {
            let Some(seconds) = body["timestamp"].as_str().and_then(|t| t.parse::<i64>().ok()) else {
                return false;
            };
            let mac = Hmac::<Sha256>::new_from_slice(format!("{seconds}\n{secret}").as_bytes()).unwrap();
            (now - seconds).abs() < 3600 && body["sign"].as_str() == Some(&b64(&mac.finalize().into_bytes()))
        }
        Platform::Dingtalk => {
            let query = target.split_once('?').map_or("", |(_, q)| q);
            let pairs: Vec<(String, String)> =
                url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
            let find = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
            let (Some(millis), Some(sign)) = (find("timestamp"), find("sign")) else { return false };
            let Ok(millis) = millis.parse::<i64>() else { return false };
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(format!("{millis}\n{secret}").as_bytes());
            (now * 1000 - millis).abs() < 3_600_000 && sign == b64(&mac.finalize().into_bytes())
        }
        _ => true,
    }
}

/// A request's target and body.
async fn read(socket: &mut tokio::net::TcpStream) -> Option<(String, String)> {
    let (head, body) = crate::receiver::read_http(socket).await?;
    Some((head.lines().next()?.split(' ').nth(1)?.to_owned(), body))
}
