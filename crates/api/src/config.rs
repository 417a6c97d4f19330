//! The server's settings: every flag of `tribefund serve`, also from the environment and
//! from a TOML file (`--config FILE`), and `tribefund config check`, which validates them
//! and prints what is in effect with secrets redacted.
//!
//! A file's keys are the flags' long names (`rate-limit = "60/120"`, `demo = true`,
//! `trusted-proxy = ["10.0.0.0/8"]`; `_` may stand for `-`). The file's values are read as
//! if given on the command line before the real ones, so what is in effect is: the command
//! line, then the file, then the environment, then the defaults. A key that is no flag, a
//! section, or a value of the wrong kind is an error naming the file.

use crate::Settings;
use crate::ratelimit::RateLimit;
use anyhow::{Context, bail};
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TRIBEFUND_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// `sqlite://path/to/file.db` (created if missing).
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/tribefund.db")]
    pub database_url: String,
    /// Folder holding `index.html` and `www/`.
    #[arg(long, env = "TRIBEFUND_STATIC_DIR", default_value = ".")]
    pub static_dir: PathBuf,
    /// Public base URL for share and receipt links, e.g. https://fund.example.com.
    #[arg(long, env = "TRIBEFUND_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Seed the demo site and campaign when the database has none.
    #[arg(long)]
    pub demo: bool,
    /// Pledges per client address: `BURST/PER_MINUTE`, or `off`. Generous by default:
    /// phones on one carrier often share an address.
    #[arg(long, env = "TRIBEFUND_RATE_LIMIT", default_value = "60/120")]
    pub rate_limit: String,
    /// Failed creator-key checks per client address: `BURST/PER_MINUTE`, or `off`.
    #[arg(long, env = "TRIBEFUND_AUTH_RATE_LIMIT", default_value = "10/10")]
    pub auth_rate_limit: String,
    /// A reverse proxy in front of the server (`127.0.0.1`, `10.0.0.0/8`; repeat or
    /// comma-separate): only its X-Forwarded-For and X-Forwarded-Proto are believed.
    #[arg(long = "trusted-proxy", env = "TRIBEFUND_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy)]
    pub trusted_proxies: Vec<crate::net::Cidr>,
    /// Let bloggers create their own site at /dashboard/sign-up.
    #[arg(long, env = "TRIBEFUND_OPEN_SIGNUP")]
    pub open_signup: bool,
    /// A font with Chinese glyphs for share posters (default: Debian's fonts-wqy-microhei
    /// or fonts-noto-cjk).
    #[arg(long, env = "TRIBEFUND_POSTER_FONT")]
    pub poster_font: Option<PathBuf>,
    /// Most pledges committed in one transaction (1 = one transaction per pledge).
    #[arg(long, default_value_t = crate::store::DEFAULT_BATCH as u16, value_parser = clap::value_parser!(u16).range(1..=4096))]
    pub pledge_batch: u16,
    /// Most pledges waiting for the writer; past it a pledge is answered 503 with
    /// `Retry-After` at once (the widget sends it again with the same key) instead of
    /// piling up in memory.
    #[arg(long, default_value_t = crate::store::DEFAULT_QUEUE as u32, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub pledge_queue: u32,
    /// Hours a waitlist offer holds its units for the fan to take it (with card or manual
    /// payments), before they pass to the next in line.
    #[arg(long, default_value_t = crate::store::waitlist::DEFAULT_HOLD_HOURS, value_parser = clap::value_parser!(u32).range(1..=720))]
    pub waitlist_hold_hours: u32,
    /// Most connections held at once (default: the open-files limit, raised to its hard
    /// limit at start, less 64).
    #[arg(long, env = "TRIBEFUND_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Most live-progress streams at once (default: seven eighths of the connections), so
    /// pages, health checks and pledges always have room.
    #[arg(long, env = "TRIBEFUND_MAX_STREAMS")]
    pub max_streams: Option<usize>,
    /// Most live-progress streams from one address (an IPv6 address counts by its /64).
    #[arg(long, env = "TRIBEFUND_MAX_STREAMS_PER_ADDRESS", default_value_t = 256)]
    pub max_streams_per_address: usize,
    /// Units of one limited tier one address may hold (an IPv6 /64 counts as one): enough
    /// for a family or an office behind one carrier address, not for a hoarder. `off` for
    /// no cap.
    #[arg(long, env = "TRIBEFUND_TIER_CAP_PER_ADDRESS", default_value = "10")]
    pub tier_cap_per_address: String,
    /// Of those, the units one address may hold awaiting payment (manual payment or a card
    /// not yet saved): it pays for them before it holds more. `off` for no cap.
    #[arg(long, env = "TRIBEFUND_UNPAID_CAP_PER_ADDRESS", default_value = "3")]
    pub unpaid_cap_per_address: String,
    /// The share of a limited tier, in percent of its limit (rounded down, at least one
    /// unit), that pledges awaiting payment may hold together. `off` for no bound.
    #[arg(long, env = "TRIBEFUND_UNPAID_SHARE_OF_TIER", default_value = "50")]
    pub unpaid_share_of_tier: String,
    /// SQLite only: the largest the database may grow, in MB. Past it pledges are refused
    /// (503) and nothing already taken is lost, until it is given more room.
    #[arg(long, env = "TRIBEFUND_SQLITE_MAX_MB", value_parser = clap::value_parser!(u64).range(1..))]
    pub sqlite_max_mb: Option<u64>,
    /// Seconds a request's head, body or answer, or one write to a live viewer, may take.
    #[arg(long, env = "TRIBEFUND_REQUEST_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout: u64,
    /// Days a backer's delivery address is kept after their reward was delivered; then it
    /// is erased (totals, amounts and answers stay).
    #[arg(long, env = "TRIBEFUND_ADDRESS_RETENTION_DAYS", default_value_t = 180, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub address_retention_days: u32,
    /// Let webhook endpoints be `http://` and on private or local addresses (a receiver on
    /// this machine or network). Off, only public `https://` addresses are taken and
    /// connected to, so no creator can reach the operator's own network through one.
    #[arg(long, env = "TRIBEFUND_WEBHOOKS_PRIVATE")]
    pub webhooks_private: bool,
    /// Seconds before a failed webhook delivery is first tried again; each later try waits
    /// twice as long, at most six hours.
    #[arg(long, env = "TRIBEFUND_WEBHOOK_FIRST_RETRY", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub webhook_first_retry: u64,
    /// Stripe's secret key (`sk_…`): with it and the two below, campaigns can take cards.
    #[arg(long, env = "STRIPE_SECRET_KEY", hide_env_values = true)]
    pub stripe_secret_key: Option<String>,
    /// Stripe's publishable key (`pk_…`), which the card form uses.
    #[arg(long, env = "STRIPE_PUBLISHABLE_KEY")]
    pub stripe_publishable_key: Option<String>,
    /// The signing secret (`whsec_…`) of the Stripe endpoint `https://<this server>/webhooks/stripe`.
    #[arg(long, env = "STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    pub stripe_webhook_secret: Option<String>,
    /// Stripe's API, without `/v1` (another for a stand-in such as localstripe).
    #[arg(long, env = "STRIPE_API_BASE", default_value = crate::payments::stripe::API_BASE)]
    pub stripe_api_base: String,
    /// Where the card form loads Stripe.js from.
    #[arg(long, env = "STRIPE_JS_URL", default_value = crate::payments::stripe::JS_URL)]
    pub stripe_js_url: String,
    /// Serve the benchmark's baseline route `POST /bench/noop`.
    #[arg(long, hide = true)]
    pub bench_routes: bool,
    /// Serve Prometheus metrics at `http://ADDRESS/metrics` (e.g. 127.0.0.1:9090); off
    /// unless given. Never the public address: the metrics count every site's traffic.
    #[arg(long, env = "TRIBEFUND_METRICS_LISTEN")]
    pub metrics_listen: Option<String>,
    /// The SMTP server mail is sent through, in lettre's URL form: `smtps://user:pass@host:465`
    /// (TLS), `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtp://127.0.0.1:25` (a
    /// local relay). Without it (or --mail-dir) nothing is mailed.
    #[arg(long, env = "TRIBEFUND_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Write each mail as an `.eml` file into this folder instead of sending it.
    #[arg(long, env = "TRIBEFUND_MAIL_DIR")]
    pub mail_dir: Option<PathBuf>,
    /// The address mails are sent from, `"Name <mail@fund.example.com>"`; needed with
    /// --smtp-url. Its domain ends every Message-ID.
    #[arg(long, env = "TRIBEFUND_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Where replies to mails go.
    #[arg(long, env = "TRIBEFUND_MAIL_REPLY_TO")]
    pub mail_reply_to: Option<String>,
    /// Sign every mail with DKIM for this domain (with --dkim-selector and --dkim-key).
    #[arg(long, env = "TRIBEFUND_DKIM_DOMAIN")]
    pub dkim_domain: Option<String>,
    /// The DKIM selector whose public key the domain publishes (`SELECTOR._domainkey.DOMAIN`).
    #[arg(long, env = "TRIBEFUND_DKIM_SELECTOR")]
    pub dkim_selector: Option<String>,
    /// The DKIM private key: RSA in PKCS#1 PEM, or Ed25519 (PKCS#8 PEM or a base64 seed).
    #[arg(long, env = "TRIBEFUND_DKIM_KEY")]
    pub dkim_key: Option<PathBuf>,
    /// How logs are written to standard error: `text` for people, `json` (one object per
    /// line) for log collectors.
    #[arg(long, env = "TRIBEFUND_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
}

pub(crate) fn parse_cap(flag: &str, text: &str) -> anyhow::Result<Option<u32>> {
    match text {
        "off" => Ok(None),
        n => n
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .with_context(|| format!("{flag}: {text:?} is not a positive number or off")),
    }
}

/// A percentage from 1 to 100, or `off`.
fn parse_percent(flag: &str, text: &str) -> anyhow::Result<Option<u8>> {
    match text {
        "off" => Ok(None),
        n => n
            .parse()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .map(Some)
            .with_context(|| format!("{flag}: {text:?} is not a percentage from 1 to 100 or off")),
    }
}

fn parse_proxy(text: &str) -> Result<crate::net::Cidr, String> {
    crate::net::Cidr::parse(text)
        .ok_or_else(|| format!("{text:?} is not an address or a range like 10.0.0.0/8"))
}

pub(crate) fn parse_rate_limit(text: &str) -> anyhow::Result<Option<RateLimit>> {
    if text == "off" {
        return Ok(None);
    }
    let Some((burst, per_minute)) = text.split_once('/') else {
        bail!("--rate-limit takes BURST/PER_MINUTE or off")
    };
    let burst: u32 = burst.parse().context("--rate-limit: BURST is not a number")?;
    let per_minute: u32 = per_minute.parse().context("--rate-limit: PER_MINUTE is not a number")?;
    if burst == 0 {
        bail!("--rate-limit: BURST must be at least 1 (use `off` to disable)");
    }
    Ok(Some(RateLimit { burst, per_minute }))
}

impl ServeArgs {
    /// The server's settings, or why these flags are refused.
    pub fn settings(self) -> anyhow::Result<Settings> {
        let ServeArgs {
            listen,
            database_url,
            static_dir,
            public_url,
            demo,
            rate_limit,
            auth_rate_limit,
            trusted_proxies,
            open_signup,
            poster_font,
            pledge_batch,
            pledge_queue,
            waitlist_hold_hours,
            max_connections,
            max_streams,
            max_streams_per_address,
            tier_cap_per_address,
            unpaid_cap_per_address,
            unpaid_share_of_tier,
            sqlite_max_mb,
            request_timeout,
            address_retention_days,
            webhooks_private,
            webhook_first_retry,
            stripe_secret_key,
            stripe_publishable_key,
            stripe_webhook_secret,
            stripe_api_base,
            stripe_js_url,
            bench_routes,
            metrics_listen,
            smtp_url,
            mail_dir,
            mail_from,
            mail_reply_to,
            dkim_domain,
            dkim_selector,
            dkim_key,
            log_format: _,
        } = self;
        Ok(Settings {
            listen,
            database_url,
            static_dir,
            public_url,
            seed_demo: demo,
            rate_limit: parse_rate_limit(&rate_limit)?,
            auth_rate_limit: parse_rate_limit(&auth_rate_limit)?,
            trusted_proxies,
            keepalive: std::time::Duration::from_secs(15),
            open_signup,
            poster_font,
            pledge_batch: usize::from(pledge_batch),
            pledge_queue: pledge_queue as usize,
            waitlist_hold: std::time::Duration::from_secs(u64::from(waitlist_hold_hours) * 3600),
            request_timeout: std::time::Duration::from_secs(request_timeout),
            address_retention_days,
            tier_cap_per_address: parse_cap("--tier-cap-per-address", &tier_cap_per_address)?,
            unpaid_cap_per_address: parse_cap("--unpaid-cap-per-address", &unpaid_cap_per_address)?,
            unpaid_share_of_tier: parse_percent("--unpaid-share-of-tier", &unpaid_share_of_tier)?,
            sqlite_max_mb,
            admission: crate::admission::Limits { max_connections, max_streams, max_streams_per_address },
            bench_routes,
            metrics_listen,
            webhooks: crate::webhooks::Settings {
                private_addresses: webhooks_private,
                first_retry: std::time::Duration::from_secs(webhook_first_retry),
            },
            stripe: match (stripe_secret_key, stripe_publishable_key, stripe_webhook_secret) {
                (None, None, None) => None,
                (Some(secret_key), Some(publishable_key), Some(webhook_secret)) => {
                    Some(crate::payments::stripe::Settings {
                        secret_key,
                        publishable_key,
                        webhook_secret,
                        api_base: stripe_api_base.trim_end_matches('/').to_owned(),
                        js_url: stripe_js_url,
                    })
                }
                _ => bail!(
                    "card payments need all three of --stripe-secret-key, --stripe-publishable-key and --stripe-webhook-secret"
                ),
            },
            mail: match crate::mail::Settings::from_flags(
                smtp_url,
                mail_dir,
                mail_from.as_deref(),
                mail_reply_to.as_deref(),
            )? {
                Some(mut mail) => {
                    let signer = crate::mail::dkim::Signer::from_flags(
                        dkim_domain,
                        dkim_selector,
                        dkim_key.as_deref(),
                    )?;
                    mail.dkim = signer.map(std::sync::Arc::new);
                    Some(mail)
                }
                None if dkim_domain.is_some() || dkim_selector.is_some() || dkim_key.is_some() => {
                    bail!("--dkim-* signs mail: give --smtp-url or --mail-dir too")
                }
                None => None,
            },
        })
    }

    /// What is in effect, one `key = value` line each, with secrets redacted: for
    /// `tribefund config check`.
    pub fn effective(&self) -> String {
        let secret =
            |value: &Option<String>| if value.is_some() { "(set, redacted)" } else { "(not set)" }.to_owned();
        let optional = |value: Option<String>| value.unwrap_or_else(|| "(not set)".to_owned());
        let lines: Vec<(&str, String)> = vec![
            ("listen", self.listen.clone()),
            ("database-url", redact_password(&self.database_url)),
            ("static-dir", self.static_dir.display().to_string()),
            ("public-url", optional(self.public_url.clone())),
            ("demo", self.demo.to_string()),
            ("rate-limit", self.rate_limit.clone()),
            ("auth-rate-limit", self.auth_rate_limit.clone()),
            (
                "trusted-proxy",
                format!("{:?}", self.trusted_proxies.iter().map(ToString::to_string).collect::<Vec<_>>()),
            ),
            ("open-signup", self.open_signup.to_string()),
            ("poster-font", optional(self.poster_font.as_ref().map(|p| p.display().to_string()))),
            ("pledge-batch", self.pledge_batch.to_string()),
            ("pledge-queue", self.pledge_queue.to_string()),
            ("waitlist-hold-hours", self.waitlist_hold_hours.to_string()),
            ("max-connections", optional(self.max_connections.map(|n| n.to_string()))),
            ("max-streams", optional(self.max_streams.map(|n| n.to_string()))),
            ("max-streams-per-address", self.max_streams_per_address.to_string()),
            ("tier-cap-per-address", self.tier_cap_per_address.clone()),
            ("unpaid-cap-per-address", self.unpaid_cap_per_address.clone()),
            ("unpaid-share-of-tier", self.unpaid_share_of_tier.clone()),
            ("sqlite-max-mb", optional(self.sqlite_max_mb.map(|n| n.to_string()))),
            ("request-timeout", self.request_timeout.to_string()),
            ("address-retention-days", self.address_retention_days.to_string()),
            ("webhooks-private", self.webhooks_private.to_string()),
            ("webhook-first-retry", self.webhook_first_retry.to_string()),
            ("stripe-secret-key", secret(&self.stripe_secret_key)),
            ("stripe-publishable-key", optional(self.stripe_publishable_key.clone())),
            ("stripe-webhook-secret", secret(&self.stripe_webhook_secret)),
            ("stripe-api-base", self.stripe_api_base.clone()),
            ("stripe-js-url", self.stripe_js_url.clone()),
            ("metrics-listen", optional(self.metrics_listen.clone())),
            ("smtp-url", self.smtp_url.as_deref().map_or_else(|| "(not set)".to_owned(), redact_password)),
            ("mail-dir", optional(self.mail_dir.as_ref().map(|p| p.display().to_string()))),
            ("mail-from", optional(self.mail_from.clone())),
            ("mail-reply-to", optional(self.mail_reply_to.clone())),
            ("dkim-domain", optional(self.dkim_domain.clone())),
            ("dkim-selector", optional(self.dkim_selector.clone())),
            ("dkim-key", optional(self.dkim_key.as_ref().map(|p| p.display().to_string()))),
            ("log-format", self.log_format.clone()),
        ];
        lines.iter().map(|(key, value)| format!("{key} = {value}\n")).collect()
    }
}

/// `postgres://user:secret@host/db` with the password replaced.
fn redact_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("redacted"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// The most a configuration file may hold: a settings file is a few hundred bytes.
const FILE_LIMIT: u64 = 64 * 1024;

/// The command line with `--config FILE` replaced by the file's settings, placed after the
/// first `skip` arguments (the program and its subcommand) so the rest of the command line
/// wins.
pub fn with_file(argv: Vec<OsString>, skip: usize) -> anyhow::Result<Vec<OsString>> {
    let mut rest = Vec::with_capacity(argv.len());
    let mut file = None;
    let mut args = argv.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--config" {
            file = Some(PathBuf::from(args.next().context("--config needs a file")?));
        } else if let Some(path) = arg.to_str().and_then(|a| a.strip_prefix("--config=")) {
            file = Some(PathBuf::from(path));
        } else {
            rest.push(arg);
        }
    }
    let Some(file) = file else { return Ok(rest) };
    let flags = read_file(&file).with_context(|| format!("in {}", file.display()))?;
    let at = skip.min(rest.len());
    rest.splice(at..at, flags);
    Ok(rest)
}

fn read_file(path: &std::path::Path) -> anyhow::Result<Vec<OsString>> {
    let size = std::fs::metadata(path).context("cannot read it")?.len();
    if size > FILE_LIMIT {
        bail!("it is {size} bytes; a settings file may be at most {FILE_LIMIT}");
    }
    let text = std::fs::read_to_string(path).context("cannot read it as UTF-8 text")?;
    flags(&text)
}

/// The flags a file's text stands for.
fn flags(text: &str) -> anyhow::Result<Vec<OsString>> {
    let table: toml::Table = text.parse().context("not valid TOML")?;
    let mut flags = Vec::new();
    for (key, value) in table {
        let name = key.replace('_', "-");
        let well_formed = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if name == "config" || !well_formed {
            bail!("{key:?} is not a setting");
        }
        let flag = format!("--{name}");
        let values = match value {
            toml::Value::Array(items) => items,
            toml::Value::Boolean(true) => {
                flags.push(flag.into());
                continue;
            }
            toml::Value::Boolean(false) => continue,
            other => vec![other],
        };
        for value in values {
            let text = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(n) => n.to_string(),
                other => bail!("{key}: {} values are not taken here", other.type_str()),
            };
            flags.push(format!("{flag}={text}").into());
        }
    }
    Ok(flags)
}

#[cfg(test)]
mod tests;
