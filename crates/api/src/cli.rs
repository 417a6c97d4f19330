//! The operator's `tribefund site …` commands: what they do and print. `main.rs` only
//! parses the command line; tests run these against a live server's database.

use anyhow::bail;
use clap::Subcommand;

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
    /// Change a site's name or origins (all origins are replaced).
    Update {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long = "origin")]
        origins: Vec<String>,
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
        SiteCommand::Create { id, name, origins, json } => {
            let created = crate::sites::create(&store, &id, &name, &origins, &db.public_url).await?;
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
        SiteCommand::Update { id, name, origins, json } => {
            let origins = (!origins.is_empty()).then_some(origins.as_slice());
            let site = crate::sites::update(&store, &id, name.as_deref(), origins).await?;
            let text = format!("Updated site {}: {} ({})", site.id, site.name, site.origins.join(" "));
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
