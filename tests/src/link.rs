//! A TCP link to PostgreSQL that a test can cut and heal, as a network partition does:
//! while it is cut, bytes are held (neither delivered nor refused) and new connections
//! hang; once healed, everything held flows on.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

type Trigger = Arc<Mutex<Option<Vec<u8>>>>;

pub struct Link {
    pub address: SocketAddr,
    flowing: watch::Sender<bool>,
    /// Bytes whose sending to the database cuts the link, before they are delivered.
    trigger: Trigger,
    accept: tokio::task::JoinHandle<()>,
}

impl Link {
    /// A link to the PostgreSQL server the tests use.
    pub async fn to_postgres() -> Link {
        let admin = reqwest::Url::parse(&crate::postgres_admin_url()).expect("a database URL");
        Link::to(format!("{}:{}", admin.host_str().unwrap_or("127.0.0.1"), admin.port().unwrap_or(5432)))
            .await
    }

    /// Starts forwarding a free local port to `target` (`host:port`).
    pub async fn to(target: String) -> Link {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = listener.local_addr().expect("its address");
        let (flowing, _) = watch::channel(true);
        let (gate, trigger) = (flowing.clone(), Trigger::default());
        let watched = trigger.clone();
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (target, gate, watched) = (target.clone(), gate.clone(), watched.clone());
                let mut open = gate.subscribe();
                tokio::spawn(async move {
                    if open.wait_for(|f| *f).await.is_err() {
                        return;
                    }
                    let Ok(server) = TcpStream::connect(&target).await else { return };
                    let ((client_in, client_out), (server_in, server_out)) =
                        (client.into_split(), server.into_split());
                    tokio::spawn(pipe(client_in, server_out, (gate.clone(), Some(watched))));
                    tokio::spawn(pipe(server_in, client_out, (gate, None)));
                });
            }
        });
        Link { address, flowing, trigger, accept }
    }

    /// `url` with its host and port replaced by the link's.
    pub fn url(&self, url: &str) -> String {
        let mut url = reqwest::Url::parse(url).expect("a database URL");
        url.set_host(Some(&self.address.ip().to_string())).expect("a host");
        url.set_port(Some(self.address.port())).expect("a port");
        url.to_string()
    }

    pub fn cut(&self) {
        self.flowing.send_replace(false);
    }

    /// Cuts the link as soon as a client sends `bytes` (say, a pledge's idempotency key),
    /// which are held.
    pub fn cut_when_sent(&self, bytes: &[u8]) {
        *self.trigger.lock().unwrap() = Some(bytes.to_vec());
    }

    pub fn heal(&self) {
        self.flowing.send_replace(true);
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Copies one direction, holding each chunk while the link is cut; a chunk toward the
/// database holding the trigger's bytes cuts it first.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    (gate, trigger): (watch::Sender<bool>, Option<Trigger>),
) {
    let mut open = gate.subscribe();
    let mut buffer = vec![0; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => 0,
            Ok(n) => n,
        };
        if let Some(trigger) = &trigger {
            let mut trigger = trigger.lock().unwrap();
            if trigger.as_ref().is_some_and(|t| buffer[..read].windows(t.len()).any(|w| w == t.as_slice())) {
                *trigger = None;
                gate.send_replace(false);
            }
        }
        if open.wait_for(|f| *f).await.is_err() {
            return;
        }
        if read == 0 {
            let _ = to.shutdown().await;
            return;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}
