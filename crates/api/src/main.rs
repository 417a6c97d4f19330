//! The `tribefund` binary: parses the command line and runs the server.

use anyhow::Context;
use api::Application;
use api::cli::{Cli, Command, ConfigCommand};
use clap::Parser;

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
    // A refused value may have come from the file: errors say where settings came from.
    let file = argv.iter().position(|a| a == "--config").and_then(|at| argv.get(at + 1));
    let from =
        file.map_or_else(String::new, |f| format!("\n(settings from {} and the command line)", f.display()));
    let argv = api::cli::with_config_file(argv)?;
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
