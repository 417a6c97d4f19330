//! Reading a Server-Sent Events stream, message by message.

use domain::wire::CampaignView;
use std::time::Duration;

/// One Server-Sent Events message, or a comment line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sse {
    Event { id: Option<String>, event: Option<String>, data: String },
    Comment(String),
    Retry(u64),
}

/// Reads an event stream from a response, message by message.
pub struct EventReader {
    response: reqwest::Response,
    buffer: String,
}

impl EventReader {
    pub fn new(response: reqwest::Response) -> EventReader {
        EventReader { response, buffer: String::new() }
    }

    /// The next message, waiting at most `timeout`; `None` when the stream ended or the
    /// time ran out.
    pub async fn next(&mut self, timeout: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                return Some(parse_sse(block.trim_end()));
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk()).await.ok()?.ok()??;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next `progress` event's data as a campaign, skipping comments.
    pub async fn next_progress(&mut self, timeout: Duration) -> Option<(String, CampaignView)> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if let Sse::Event { id, event, data } = self.next(left).await? {
                assert_eq!(event.as_deref(), Some("progress"));
                return Some((
                    id.unwrap_or_default(),
                    serde_json::from_str(&data).expect("progress data is a campaign"),
                ));
            }
        }
    }
}

fn parse_sse(block: &str) -> Sse {
    if let Some(comment) = block.strip_prefix(':') {
        return Sse::Comment(comment.trim().to_owned());
    }
    if let Some(retry) = block.strip_prefix("retry: ") {
        return Sse::Retry(retry.trim().parse().unwrap_or(0));
    }
    let (mut id, mut event, mut data) = (None, None, Vec::new());
    for line in block.lines() {
        let (field, value) = line.split_once(": ").unwrap_or((line, ""));
        match field {
            "id" => id = Some(value.to_owned()),
            "event" => event = Some(value.to_owned()),
            "data" => data.push(value.to_owned()),
            _ => {}
        }
    }
    Sse::Event { id, event, data: data.join("\n") }
}
