//! Our connections to the SMTP server. lettre speaks the protocol (`AsyncSmtpConnection`);
//! the sockets are opened here, each with `TCP_NODELAY`: lettre writes a message and its
//! closing `.` in two writes, and without it the second waits for the server's delayed
//! acknowledgement of the first (40 ms on Linux), which held one connection to about 20
//! mails a second.
//!
//! The URL is lettre's: `smtp://host:25` plain, `smtp://…:587?tls=required` STARTTLS or
//! refuse, `?tls=opportunistic` STARTTLS when offered, `smtps://…:465` TLS from the first
//! byte; `user:pass@` logs in (PLAIN or LOGIN); a path names the EHLO host. Certificates are
//! checked against the platform's roots (or those of the file `SSL_CERT_FILE` names).
//!
//! A refusal is judged by the step it came at: a 5xx at `RCPT TO` is the address's (the
//! mail is given up and the address suppressed), a 5xx after the message the message's
//! (given up), and anything else — no connection, a greeting, STARTTLS or login refused, a
//! `MAIL FROM` refused, any 4xx — the server's, so the mail waits to be tried again: a
//! misconfigured server never marks a backer's address undeliverable.
//!
//! Connections are kept for the next mail: as many stay open as were in use at once (the
//! round sends at most a few at once), one idle for more than [`TEST_AFTER`] is asked `NOOP`
//! before it carries a mail, one idle for more than [`CLOSE_AFTER`] is closed, and one that
//! broke is dropped. A mail's whole exchange, connecting included, has [`TIMEOUT`].

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

const TEST_AFTER: Duration = Duration::from_secs(5);
const CLOSE_AFTER: Duration = Duration::from_secs(60);
const TIMEOUT: Duration = Duration::from_secs(60);

/// Why a mail was not handed over.
#[derive(Debug)]
pub(super) enum Failure {
    /// Try again later.
    Temporary(String),
    /// The server refused the address for good.
    Recipient(String),
    /// The server refused this message for good.
    Message(String),
}

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Security {
    Plain,
    StartTls { required: bool },
    Tls,
}

/// An SMTP server, as its URL names it.
#[derive(Clone)]
pub(super) struct Server {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        write!(f, "{:?} {}:{}", self.security, self.host, self.port)
    }
}

impl Server {
    /// The server `url` names, or why it names none.
    pub(super) fn from_url(url: &str) -> anyhow::Result<Server> {
        let url = url::Url::parse(url)?;
        let host = url.host_str().ok_or_else(|| anyhow::anyhow!("the URL names no host"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
        let tls = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
        let (security, port) = match (url.scheme(), tls.as_deref()) {
            ("smtp", None) => (Security::Plain, 25),
            ("smtp", Some("required")) => (Security::StartTls { required: true }, 587),
            ("smtp", Some("opportunistic")) => (Security::StartTls { required: false }, 587),
            ("smtps", _) => (Security::Tls, 465),
            (scheme, tls) => anyhow::bail!("unknown scheme {scheme:?} or tls={tls:?}"),
        };
        let decoded = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8().map(|s| s.into_owned());
        let credentials = match url.password() {
            Some(password) => Some(Credentials::new(decoded(url.username())?, decoded(password)?)),
            None => None,
        };
        let hello = match url.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_owned()),
        };
        Ok(Server { host, port: url.port().unwrap_or(port), security, credentials, hello })
    }
}

/// Connections to one server, kept for reuse.
pub(super) struct Smtp {
    server: Server,
    /// For TLS from the first byte (STARTTLS uses lettre's own).
    tls: Option<tokio_rustls::TlsConnector>,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl Smtp {
    pub(super) fn new(server: Server) -> anyhow::Result<Smtp> {
        let tls = match server.security {
            Security::Tls => Some(tls_connector()?),
            _ => None,
        };
        Ok(Smtp { server, tls, idle: Mutex::new(Vec::new()) })
    }

    /// Hands `message` over for `envelope`'s recipients.
    pub(super) async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), Failure> {
        let exchange = async {
            let mut connection = match self.take_idle().await {
                Some(connection) => connection,
                None => self.connect().await?,
            };
            let sent = exchange(&mut connection, envelope, message).await;
            match sent {
                Ok(()) => self.idle.lock().unwrap().push((connection, Instant::now())),
                Err(_) => connection.abort().await,
            }
            sent
        };
        tokio::time::timeout(TIMEOUT, exchange)
            .await
            .unwrap_or_else(|_| Err(Failure::Temporary("the mail server did not answer in time".into())))
    }

    /// Closes the connections idle for longer than [`CLOSE_AFTER`].
    pub(super) async fn close_idle(&self) {
        let stale: Vec<AsyncSmtpConnection> = {
            let mut idle = self.idle.lock().unwrap();
            let (stale, fresh) = idle.drain(..).partition(|(_, since)| since.elapsed() > CLOSE_AFTER);
            *idle = fresh;
            stale.into_iter().map(|(connection, _)| connection).collect()
        };
        for mut connection in stale {
            let _ = tokio::time::timeout(Duration::from_secs(5), connection.quit()).await;
        }
    }

    /// The newest idle connection still answering, if any.
    async fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let (mut connection, since) = self.idle.lock().unwrap().pop()?;
            if since.elapsed() < TEST_AFTER || connection.test_connected().await {
                return Some(connection);
            }
            connection.abort().await;
        }
    }

    /// A new connection: TCP with `TCP_NODELAY`, TLS as the URL says, `EHLO`, login.
    async fn connect(&self) -> Result<AsyncSmtpConnection, Failure> {
        let server = &self.server;
        let unreachable = |_| Failure::Temporary("the mail server could not be reached".into());
        let tcp = TcpStream::connect((server.host.as_str(), server.port)).await.map_err(unreachable)?;
        tcp.set_nodelay(true).map_err(unreachable)?;
        let stream: Box<dyn AsyncTokioStream> = match &self.tls {
            Some(tls) => {
                let name = rustls::pki_types::ServerName::try_from(server.host.clone())
                    .map_err(|e| Failure::Temporary(format!("the mail server's name: {e}")))?;
                let tls =
                    tls.connect(name, tcp).await.map_err(|e| Failure::Temporary(format!("TLS: {e}")))?;
                Box::new(TlsStream(tls))
            }
            None => Box::new(tcp),
        };
        let at = |step| move |e| judged(e, step, Step::Connecting);
        let mut connection = AsyncSmtpConnection::connect_with_transport(stream, &server.hello)
            .await
            .map_err(at("greeting"))?;
        let ready = async {
            if let Security::StartTls { required } = server.security {
                if connection.can_starttls() {
                    let parameters = TlsParameters::new(server.host.clone()).map_err(at("STARTTLS"))?;
                    connection.starttls(parameters, &server.hello).await.map_err(at("STARTTLS"))?;
                } else if required {
                    return Err(Failure::Temporary("the mail server does not offer STARTTLS".into()));
                }
            }
            if let Some(credentials) = &server.credentials {
                connection.auth(DEFAULT_MECHANISMS, credentials).await.map_err(at("login"))?;
            }
            Ok(())
        };
        match ready.await {
            Ok(()) => Ok(connection),
            Err(failure) => {
                connection.abort().await;
                Err(failure)
            }
        }
    }
}

/// Where in the exchange a refusal came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Connecting,
    Sender,
    Recipient,
    Message,
}

/// One mail over `connection`: `MAIL FROM`, `RCPT TO` for each recipient, `DATA`, the
/// message. The caller drops the connection after any refusal.
async fn exchange(
    connection: &mut AsyncSmtpConnection,
    envelope: &Envelope,
    message: &[u8],
) -> Result<(), Failure> {
    let mut options = Vec::new();
    let mut addresses = envelope.from().into_iter().chain(envelope.to());
    if addresses.any(|address: &lettre::Address| !AsRef::<str>::as_ref(address).is_ascii()) {
        if !connection.server_info().supports_feature(Extension::SmtpUtfEight) {
            return Err(Failure::Message("the mail server does not take non-ASCII addresses".into()));
        }
        options.push(MailParameter::SmtpUtfEight);
    }
    if !message.is_ascii() {
        options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    let at = |name, step| move |e| judged(e, name, step);
    connection
        .command(Mail::new(envelope.from().cloned(), options))
        .await
        .map_err(at("MAIL FROM", Step::Sender))?;
    for to in envelope.to() {
        connection
            .command(Rcpt::new(to.clone(), Vec::new()))
            .await
            .map_err(at("RCPT TO", Step::Recipient))?;
    }
    connection.command(Data).await.map_err(at("DATA", Step::Sender))?;
    connection.message(message).await.map_err(at("the message", Step::Message))?;
    Ok(())
}

/// A refusal judged by its step (the module header says how). Its reason is what the server
/// answered, never the message: that holds the receipt link.
fn judged(e: lettre::transport::smtp::Error, name: &str, step: Step) -> Failure {
    let why = match e.status() {
        Some(code) => format!("the mail server answered {code} at {name}"),
        None if e.is_tls() => format!("TLS at {name}: {e}"),
        None => format!("the mail server could not be reached at {name}"),
    };
    match step {
        Step::Recipient if e.is_permanent() => Failure::Recipient(why),
        Step::Message if e.is_permanent() => Failure::Message(why),
        _ => Failure::Temporary(why),
    }
}

/// TLS checked against the platform's roots, as lettre checks it for STARTTLS.
fn tls_connector() -> anyhow::Result<tokio_rustls::TlsConnector> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_platform_verifier()?
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

/// A TLS stream lettre can speak over.
#[derive(Debug)]
struct TlsStream(tokio_rustls::client::TlsStream<TcpStream>);

impl AsyncTokioStream for TlsStream {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl AsyncRead for TlsStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_says_how_the_connection_is_protected_and_its_port_defaults_by_that() {
        let plain = Server::from_url("smtp://127.0.0.1").unwrap();
        assert_eq!((plain.security, plain.port), (Security::Plain, 25));
        let starttls = Server::from_url("smtp://u:p@mail.example.com?tls=required").unwrap();
        assert_eq!((starttls.security, starttls.port), (Security::StartTls { required: true }, 587));
        let tls = Server::from_url("smtps://mail.example.com:2465/client.example.com").unwrap();
        assert_eq!((tls.security, tls.port), (Security::Tls, 2465));
        assert_eq!(tls.hello, ClientId::Domain("client.example.com".into()));
    }

    #[test]
    fn a_url_of_another_scheme_or_tls_mode_is_refused_and_a_password_is_never_shown() {
        assert!(Server::from_url("http://mail.example.com").is_err());
        assert!(Server::from_url("smtp://mail.example.com?tls=sometimes").is_err());
        assert!(Server::from_url("not a url").is_err());
        let server = Server::from_url("smtp://me:s%40cret@mail.example.com").unwrap();
        assert_eq!(server.credentials, Some(Credentials::new("me".into(), "s@cret".into())));
        assert!(!format!("{server:?}").contains("cret"));
    }
}
