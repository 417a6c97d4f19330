//! The `tribefund` binary: parses the command line and runs the server.

use anyhow::Context;
use api::Application;
use api::config::ServeArgs;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "tribefund", version, about = "The tribefund crowdfunding widget server")]
// A flag given again (in the file, then on the command line) takes the later value.
#[command(args_override_self = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API, the widget and its pages. `--config FILE` reads settings from a TOML
    /// file (keys are the flags' names); the command line wins over it.
    Serve(Box<ServeArgs>),
    /// Check settings (`tribefund config check --config FILE`).
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Copy a live SQLite database to FILE without stopping pledges.
    Backup {
        /// Where the copy goes; must not exist yet.
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        db: api::cli::Database,
    },
    /// Check a backup and put it in place of the database (with the server stopped).
    Restore {
        /// The backup to restore.
        #[arg(long)]
        from: PathBuf,
        /// Replace a database that already exists at the database URL.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        db: api::cli::Database,
    },
    /// Manage sites (host blogs) and their creator keys; works while servers run.
    Site {
        #[command(subcommand)]
        command: api::cli::SiteCommand,
        #[command(flatten)]
        db: api::cli::Database,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate the settings (flags, environment, `--config FILE`) and print what is in
    /// effect, secrets redacted.
    Check(Box<ServeArgs>),
}

/// Logs to standard error: text (coloured only at a terminal) or one JSON object a line.
fn init_logs(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if format == "json" {
        logs.json().with_current_span(true).with_span_list(false).init();
    } else {
        logs.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).init();
    }
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
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // The file's settings go after the subcommand (`serve`, `config check`).
    let skip = if argv.get(1).is_some_and(|a| a == "config") { 3 } else { 2 };
    // A refused value may have come from the file: errors say where settings came from.
    let file = argv.iter().position(|a| a == "--config").and_then(|at| argv.get(at + 1));
    let from =
        file.map_or_else(String::new, |f| format!("\n(settings from {} and the command line)", f.display()));
    let argv = api::config::with_file(argv, skip)?;
    let args = match Cli::try_parse_from(argv) {
        Ok(cli) => match cli.command {
            Command::Serve(args) => *args,
            Command::Config { command: ConfigCommand::Check(args) } => {
                let effective = args.effective();
                args.settings().map_err(|e| anyhow::anyhow!("{e:#}{from}"))?;
                print!("{effective}");
                println!("# the settings are valid");
                return Ok(());
            }
            Command::Site { command, db } => {
                println!("{}", api::cli::site(command, db).await?);
                return Ok(());
            }
            Command::Backup { to, db } => {
                println!("{}", api::backup::backup(&db.database_url, &to).await?);
                return Ok(());
            }
            Command::Restore { from, force, db } => {
                println!("{}", api::backup::restore(&from, &db.database_url, force).await?);
                return Ok(());
            }
        },
        // Help and version are not errors; clap prints them.
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            let message = e.render().to_string();
            anyhow::bail!("{}{from}", message.trim_start_matches("error: ").trim_end())
        }
    };
    init_logs(&args.log_format);
    let settings = args.settings().map_err(|e| anyhow::anyhow!("{e:#}{from}"))?;
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
