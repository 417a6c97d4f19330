//! The `tribefund` binary: parses the command line and runs the server.

use anyhow::{Context, bail};
use api::ratelimit::RateLimit;
use api::{Application, Settings};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "tribefund", version, about = "The tribefund crowdfunding widget server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API, the widget and its pages.
    Serve(Box<ServeArgs>),
    /// Manage sites (host blogs) and their creator keys; works while servers run.
    Site {
        #[command(subcommand)]
        command: api::cli::SiteCommand,
        #[command(flatten)]
        db: api::cli::Database,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TRIBEFUND_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// `sqlite://path/to/file.db` (created if missing).
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/tribefund.db")]
    database_url: String,
    /// Folder holding `index.html` and `www/`.
    #[arg(long, env = "TRIBEFUND_STATIC_DIR", default_value = ".")]
    static_dir: PathBuf,
    /// Public base URL for share and receipt links, e.g. https://fund.example.com.
    #[arg(long, env = "TRIBEFUND_PUBLIC_URL")]
    public_url: Option<String>,
    /// Seed the demo site and campaign when the database has none.
    #[arg(long)]
    demo: bool,
    /// Pledges per client address: `BURST/PER_MINUTE`, or `off`. Generous by default:
    /// phones on one carrier often share an address.
    #[arg(long, env = "TRIBEFUND_RATE_LIMIT", default_value = "60/120")]
    rate_limit: String,
    /// Failed creator-key checks per client address: `BURST/PER_MINUTE`, or `off`.
    #[arg(long, env = "TRIBEFUND_AUTH_RATE_LIMIT", default_value = "10/10")]
    auth_rate_limit: String,
    /// A reverse proxy in front of the server (`127.0.0.1`, `10.0.0.0/8`; repeat or
    /// comma-separate): only its X-Forwarded-For and X-Forwarded-Proto are believed.
    #[arg(long = "trusted-proxy", env = "TRIBEFUND_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy)]
    trusted_proxies: Vec<api::http::proxies::Cidr>,
    /// Let bloggers create their own site at /dashboard/sign-up.
    #[arg(long, env = "TRIBEFUND_OPEN_SIGNUP")]
    open_signup: bool,
    /// A font with Chinese glyphs for share posters (default: Debian's fonts-wqy-microhei
    /// or fonts-noto-cjk).
    #[arg(long, env = "TRIBEFUND_POSTER_FONT")]
    poster_font: Option<PathBuf>,
    /// Most pledges committed in one transaction (1 = one transaction per pledge).
    #[arg(long, default_value_t = api::store::DEFAULT_BATCH as u16, value_parser = clap::value_parser!(u16).range(1..=4096))]
    pledge_batch: u16,
    /// Most connections held at once (default: the open-files limit, raised to its hard
    /// limit at start, less 64).
    #[arg(long, env = "TRIBEFUND_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Most live-progress streams at once (default: seven eighths of the connections), so
    /// pages, health checks and pledges always have room.
    #[arg(long, env = "TRIBEFUND_MAX_STREAMS")]
    max_streams: Option<usize>,
    /// Most live-progress streams from one address (an IPv6 address counts by its /64).
    #[arg(long, env = "TRIBEFUND_MAX_STREAMS_PER_ADDRESS", default_value_t = 256)]
    max_streams_per_address: usize,
    /// Units of one limited tier one address may hold (an IPv6 /64 counts as one): enough
    /// for a family or an office behind one carrier address, not for a hoarder. `off` for
    /// no cap.
    #[arg(long, env = "TRIBEFUND_TIER_CAP_PER_ADDRESS", default_value = "10")]
    tier_cap_per_address: String,
    /// SQLite only: the largest the database may grow, in MB. Past it pledges are refused
    /// (503) and nothing already taken is lost, until it is given more room.
    #[arg(long, env = "TRIBEFUND_SQLITE_MAX_MB", value_parser = clap::value_parser!(u64).range(1..))]
    sqlite_max_mb: Option<u64>,
    /// Seconds a request's head, body or answer, or one write to a live viewer, may take.
    #[arg(long, env = "TRIBEFUND_REQUEST_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    request_timeout: u64,
    /// Let webhook endpoints be `http://` and on private or local addresses (a receiver on
    /// this machine or network). Off, only public `https://` addresses are taken and
    /// connected to, so no creator can reach the operator's own network through one.
    #[arg(long, env = "TRIBEFUND_WEBHOOKS_PRIVATE")]
    webhooks_private: bool,
    /// Seconds before a failed webhook delivery is first tried again; each later try waits
    /// twice as long, at most six hours.
    #[arg(long, env = "TRIBEFUND_WEBHOOK_FIRST_RETRY", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    webhook_first_retry: u64,
    /// Stripe's secret key (`sk_…`): with it and the two below, campaigns can take cards.
    #[arg(long, env = "STRIPE_SECRET_KEY", hide_env_values = true)]
    stripe_secret_key: Option<String>,
    /// Stripe's publishable key (`pk_…`), which the card form uses.
    #[arg(long, env = "STRIPE_PUBLISHABLE_KEY")]
    stripe_publishable_key: Option<String>,
    /// The signing secret (`whsec_…`) of the Stripe endpoint `https://<this server>/webhooks/stripe`.
    #[arg(long, env = "STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    stripe_webhook_secret: Option<String>,
    /// Stripe's API, without `/v1` (another for a stand-in such as localstripe).
    #[arg(long, env = "STRIPE_API_BASE", default_value = api::payments::stripe::API_BASE)]
    stripe_api_base: String,
    /// Where the card form loads Stripe.js from.
    #[arg(long, env = "STRIPE_JS_URL", default_value = api::payments::stripe::JS_URL)]
    stripe_js_url: String,
    /// Serve the benchmark's baseline route `POST /bench/noop`.
    #[arg(long, hide = true)]
    bench_routes: bool,
}

fn parse_cap(text: &str) -> anyhow::Result<Option<u32>> {
    match text {
        "off" => Ok(None),
        n => n
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .with_context(|| format!("--tier-cap-per-address: {text:?} is not a positive number or off")),
    }
}

fn parse_proxy(text: &str) -> Result<api::http::proxies::Cidr, String> {
    api::http::proxies::Cidr::parse(text)
        .ok_or_else(|| format!("{text:?} is not an address or a range like 10.0.0.0/8"))
}

fn parse_rate_limit(text: &str) -> anyhow::Result<Option<RateLimit>> {
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

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One clear line with its causes, never a backtrace.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal, not for files and log collectors.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
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
        max_connections,
        max_streams,
        max_streams_per_address,
        request_timeout,
        tier_cap_per_address,
        sqlite_max_mb,
        bench_routes,
        webhooks_private,
        webhook_first_retry,
        stripe_secret_key,
        stripe_publishable_key,
        stripe_webhook_secret,
        stripe_api_base,
        stripe_js_url,
    } = match Cli::parse().command {
        Command::Site { command, db } => {
            println!("{}", api::cli::site(command, db).await?);
            return Ok(());
        }
        Command::Serve(args) => *args,
    };
    let settings = Settings {
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
        request_timeout: std::time::Duration::from_secs(request_timeout),
        tier_cap_per_address: parse_cap(&tier_cap_per_address)?,
        sqlite_max_mb,
        admission: api::admission::Limits { max_connections, max_streams, max_streams_per_address },
        bench_routes,
        webhooks: api::webhooks::Settings {
            private_addresses: webhooks_private,
            first_retry: std::time::Duration::from_secs(webhook_first_retry),
        },
        stripe: match (stripe_secret_key, stripe_publishable_key, stripe_webhook_secret) {
            (None, None, None) => None,
            (Some(secret_key), Some(publishable_key), Some(webhook_secret)) => {
                Some(api::payments::stripe::Settings {
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
    };
    let app = Application::build(settings).await?;
    let addr = app.local_addr();
    if let Some(seeded) = &app.seeded {
        println!("Seeded the demo site. Creator key (shown once): {}", seeded.key);
        println!("Dashboard sign-in link (one use): {}", seeded.sign_in_url);
    }
    println!("tribefund is serving on http://{addr}/");
    app.run_until_stopped().await.context("serving")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_are_read_as_burst_per_minute_or_off() {
        assert_eq!(parse_rate_limit("20/30").unwrap(), Some(RateLimit { burst: 20, per_minute: 30 }));
        assert_eq!(parse_rate_limit("off").unwrap(), None);
    }

    #[test]
    fn malformed_rate_limits_are_refused_with_a_reason() {
        for (text, reason) in [
            ("20", "BURST/PER_MINUTE"),
            ("x/30", "BURST is not a number"),
            ("20/-1", "PER_MINUTE is not a number"),
            ("0/30", "at least 1"),
            ("99999999999/1", "BURST is not a number"),
            ("", "BURST/PER_MINUTE"),
        ] {
            let error = format!("{:#}", parse_rate_limit(text).unwrap_err());
            assert!(error.contains(reason), "{text:?}: {error}");
        }
    }

    #[test]
    fn the_command_line_refuses_unknown_and_out_of_range_flags() {
        assert!(Cli::try_parse_from(["tribefund", "serve", "--pledge-batch", "0"]).is_err());
        assert!(Cli::try_parse_from(["tribefund", "serve", "--pledge-batch", "5000"]).is_err());
        assert!(Cli::try_parse_from(["tribefund", "serve", "--no-such-flag"]).is_err());
        assert!(Cli::try_parse_from(["tribefund", "serve", "--listen", "127.0.0.1:0", "--demo"]).is_ok());
        assert!(Cli::try_parse_from(["tribefund", "serve", "--trusted-proxy", "nginx"]).is_err());
        assert!(
            Cli::try_parse_from(["tribefund", "serve", "--trusted-proxy", "10.0.0.0/8,127.0.0.1"]).is_ok()
        );
    }

    #[test]
    fn the_cap_per_address_is_a_positive_number_or_off() {
        assert_eq!(parse_cap("10").unwrap(), Some(10));
        assert_eq!(parse_cap("off").unwrap(), None);
        for bad in ["0", "-1", "ten", ""] {
            assert!(parse_cap(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn site_commands_need_their_arguments() {
        assert!(
            Cli::try_parse_from(["tribefund", "site", "create", "--id", "a", "--name", "A"]).is_err(),
            "an origin is required"
        );
        assert!(Cli::try_parse_from(["tribefund", "site", "rotate-key"]).is_err());
        let ok = [
            "tribefund",
            "site",
            "create",
            "--id",
            "a",
            "--name",
            "A",
            "--origin",
            "*",
            "--json",
            "--database-url",
            "sqlite://x.db",
        ];
        assert!(Cli::try_parse_from(ok).is_ok());
    }
}
