//! The `tribefund` command line: its parser ([`Cli`], which `main.rs` runs and tests read
//! the docs' commands with) and the operator's `tribefund site …` commands, what they do
//! and print; tests run these against a live server's database.

use crate::config::ServeArgs;
use crate::sites::SiteChange;
use anyhow::bail;
use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "tribefund", version, about = "The tribefund crowdfunding widget server")]
// A flag given again (in the file, then on the command line) takes the later value.
#[command(args_override_self = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
        db: Database,
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
        db: Database,
    },
    /// Manage sites (host blogs) and their creator keys; works while servers run.
    Site {
        #[command(subcommand)]
        command: SiteCommand,
        #[command(flatten)]
        db: Database,
    },
}

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// Validate the settings (flags, environment, `--config FILE`) and print what is in
    /// effect, secrets redacted.
    Check(Box<ServeArgs>),
}

/// The command line as [`Cli`] parses it: `--config FILE` replaced by the file's settings,
/// which go after the subcommand (`serve`, `config check`) so the rest of the command line
/// wins over them (see [`crate::config::with_file`]).
pub fn with_config_file(argv: Vec<OsString>) -> anyhow::Result<Vec<OsString>> {
    let skip = if argv.get(1).is_some_and(|a| a == "config") { 3 } else { 2 };
    crate::config::with_file(argv, skip)
}

#[derive(clap::Args)]
pub struct Database {
    /// `sqlite://path/to/file.db` or `postgres://…`, as for `serve`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/tribefund.db", global = true)]
    pub database_url: String,
    /// Public base URL of the server, for sign-in links.
    #[arg(long, env = "TRIBEFUND_PUBLIC_URL", default_value = "http://127.0.0.1:8080", global = true)]
    pub public_url: String,
}

#[derive(Subcommand)]
pub enum SiteCommand {
    /// Create a site; prints its creator key once, and a one-time dashboard sign-in link.
    Create {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        /// An origin allowed to embed the site's widgets: `https://blog.example.com` or `*`.
        #[arg(long = "origin", required = true)]
        origins: Vec<String>,
        /// An address the creator's mails go to (repeatable, at most five).
        #[arg(long = "email")]
        emails: Vec<String>,
        /// How often they hear of new pledges: each, hourly, daily or off.
        #[arg(long)]
        notify: Option<String>,
        /// The language of the creator's mails: en or zh-CN.
        #[arg(long)]
        lang: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List sites (never their keys).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Replace a site's creator key; the old one stops at once.
    RotateKey {
        #[arg(long)]
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a site's name, origins or people (the origins given replace all; so do the
    /// addresses).
    Update {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long = "origin")]
        origins: Vec<String>,
        /// An address the creator's mails go to (repeatable, at most five).
        #[arg(long = "email")]
        emails: Vec<String>,
        /// How often they hear of new pledges: each, hourly, daily or off.
        #[arg(long)]
        notify: Option<String>,
        /// The language of the creator's mails: en or zh-CN.
        #[arg(long)]
        lang: Option<String>,
        /// Send the creator's mails nowhere.
        #[arg(long, conflicts_with = "emails")]
        no_email: bool,
        #[arg(long)]
        json: bool,
    },
    /// Make a fresh one-time dashboard sign-in link for a site.
    SignInLink {
        #[arg(long)]
        id: String,
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `site` subcommand and returns what it prints.
pub async fn site(command: SiteCommand, db: Database) -> anyhow::Result<String> {
    let store = crate::store::Store::open_admin(&db.database_url).await?;
    let (json, text) = match command {
        SiteCommand::Create { id, name, origins, emails, notify, lang, json } => {
            let created = crate::sites::create(&store, &id, &name, &origins, &db.public_url).await?;
            let emails = (!emails.is_empty()).then_some(emails);
            if emails.is_some() || notify.is_some() || lang.is_some() {
                let people = SiteChange { emails, notify, lang, ..SiteChange::default() };
                crate::sites::update(&store, &id, people).await?;
            }
            let text = format!(
                "Created site {}.\nCreator key (shown once, keep it secret): {}\nDashboard sign-in link (one use, 72 hours): {}",
                created.id, created.key, created.sign_in_url
            );
            (json.then(|| serde_json::to_string(&created)).transpose()?, text)
        }
        SiteCommand::List { json } => {
            let sites = store.sites().await?;
            let text = sites
                .iter()
                .map(|s| format!("{}\t{}\t{}", s.id, s.name, s.origins.join(" ")))
                .collect::<Vec<_>>()
                .join("\n");
            (json.then(|| serde_json::to_string(&serde_json::json!({ "sites": sites }))).transpose()?, text)
        }
        SiteCommand::RotateKey { id, json } => {
            let key = crate::sites::rotate_key(&store, &id).await?;
            let text = format!("New creator key for {id} (the old one no longer works): {key}");
            (
                json.then(|| serde_json::to_string(&serde_json::json!({ "id": id, "key": key })))
                    .transpose()?,
                text,
            )
        }
        SiteCommand::Update { id, name, origins, emails, notify, lang, no_email, json } => {
            let change = SiteChange {
                name,
                origins: (!origins.is_empty()).then_some(origins),
                emails: if no_email { Some(Vec::new()) } else { (!emails.is_empty()).then_some(emails) },
                notify,
                lang,
            };
            let site = crate::sites::update(&store, &id, change).await?;
            let text = format!(
                "Updated site {}: {} ({}); mails to {} ({})",
                site.id,
                site.name,
                site.origins.join(" "),
                if site.emails.is_empty() { "no one".to_owned() } else { site.emails.join(", ") },
                site.notify
            );
            (json.then(|| serde_json::to_string(&site)).transpose()?, text)
        }
        SiteCommand::SignInLink { id, json } => {
            if store.site(&id).await?.is_none() {
                bail!("there is no site with id {id:?}");
            }
            let url = crate::sites::sign_in_link(&store, &id, &db.public_url).await?;
            let text = format!("Dashboard sign-in link for {id} (one use, 72 hours): {url}");
            (
                json.then(|| serde_json::to_string(&serde_json::json!({ "id": id, "sign_in_url": url })))
                    .transpose()?,
                text,
            )
        }
    };
    Ok(json.unwrap_or(text))
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
