//! Sites and their creator keys, for the command line and the creator API.
//!
//! A creator key is `tf_<site>_<secret>`: the site id says which stored hash to compare
//! with, and the comparison of the SHA-256 hashes takes the same time wherever they differ.
//! Keys and sign-in tokens are shown once and stored only as hashes.
//!
//! Creating or changing a site is refused with a [`SiteError`] that names what is wrong (the
//! id, the name, the bad origin, a taken id), for the command line to print and the
//! dashboard to tell in the reader's words; a failure of ours (the database) is
//! [`SiteError::Internal`], whose cause is never shown to a reader.

use crate::error::Error;
use crate::hub::Hub;
use crate::store::mails::NewMail;
use crate::store::{SiteRecord, Store};
use anyhow::bail;
use domain::Origin;
use domain::text::{clean, is_slug};

/// The most addresses a site's mails go to.
pub const MAX_EMAILS: usize = 5;

/// A change to a site: what is `None` stays as it is.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteChange {
    pub name: Option<String>,
    /// Replaces every origin.
    pub origins: Option<Vec<String>>,
    /// Replaces every address the creator's mails go to (none stops them).
    pub emails: Option<Vec<String>>,
    /// `each`, `hourly`, `daily` or `off`: how often they hear of new pledges.
    pub notify: Option<String>,
    /// `en` or `zh-CN`: the language of the creator's mails.
    pub lang: Option<String>,
}

/// How long a sign-in link works.
pub const SIGN_IN_TTL_SECS: i64 = 72 * 3600;

/// Why a site could not be created or changed. `Display` is the command line's English.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("site id {0:?} must be 1 to 64 lowercase letters, digits and inner dashes")]
    BadId(String),
    #[error("name: {0}")]
    BadName(domain::FieldError),
    #[error("give at least one --origin (the blog's https://host, or * for any)")]
    NoOrigin,
    /// This origin (as typed) is not `scheme://host[:port]` or `*`.
    #[error("origin {0:?} is not scheme://host[:port] or *")]
    BadOrigin(String),
    #[error("a site with id {0:?} exists already")]
    Taken(String),
    #[error("there is no site with id {0:?}")]
    NoSuchSite(String),
    /// This e-mail address (as typed) is not one.
    #[error("{0:?} is not an e-mail address")]
    BadEmail(String),
    #[error("give at most {MAX_EMAILS} e-mail addresses")]
    TooManyEmails,
    #[error("notify is each, hourly, daily or off, not {0:?}")]
    BadNotify(String),
    #[error("lang is en or zh-CN, not {0:?}")]
    BadLang(String),
    /// Ours, not the request's (the database): to be logged, never shown to a reader.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What `site create` prints: the key is shown this once.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CreatedSite {
    pub id: String,
    pub key: String,
    pub sign_in_url: String,
}

/// A new site with a fresh key and sign-in link. `origins` are checked one by one; any
/// that is not `scheme://host[:port]` or `*` is named in the error.
pub async fn create(
    store: &Store,
    id: &str,
    name: &str,
    origins: &[String],
    base_url: &str,
) -> Result<CreatedSite, SiteError> {
    if !is_slug(id) {
        return Err(SiteError::BadId(id.to_owned()));
    }
    let name = clean(name, 80, true, false).map_err(|e| SiteError::BadName(e.into()))?;
    let origins = parse_origins(origins)?;
    let key = new_key(id);
    if !store.create_site(id, &name, &origins, &crate::ids::sha256_hex(key.as_bytes()), crate::now()).await? {
        return Err(SiteError::Taken(id.to_owned()));
    }
    store.announce(&site_subject(id)).await?;
    let sign_in_url = sign_in_link(store, id, base_url).await?;
    Ok(CreatedSite { id: id.to_owned(), key, sign_in_url })
}

/// Asks for site `id` for the owner of `email` (open sign-up while mail is on): each part
/// is checked as [`create`] checks it, and the site is made only when the link mailed to
/// `email` is opened ([`confirm_signup`]), within [`SIGN_IN_TTL_SECS`].
pub async fn ask_signup(
    store: &Store,
    (id, name, origins): (&str, &str, &[String]),
    email: &str,
    lang: &'static str,
    base: &str,
) -> Result<(), SiteError> {
    if !is_slug(id) {
        return Err(SiteError::BadId(id.to_owned()));
    }
    let name = clean(name, 80, true, false).map_err(|e| SiteError::BadName(e.into()))?;
    let origins = parse_origins(origins)?;
    let email = domain::contact::email(email).ok_or_else(|| SiteError::BadEmail(email.to_owned()))?;
    if store.site(id).await?.is_some() {
        return Err(SiteError::Taken(id.to_owned()));
    }
    let signup = crate::store::signups::Signup {
        id: crate::ids::time_ordered(),
        site_id: id.to_owned(),
        name: name.clone(),
        origins,
        email: email.to_owned(),
        lang: lang.to_owned(),
    };
    let mail = NewMail {
        id: crate::ids::time_ordered(),
        campaign_id: None,
        pledge_id: None,
        kind: "creator_sign_up",
        recipient: email.to_owned(),
        lang,
        data:
            serde_json::json!({ "base": base, "facts": { "site": name, "site_id": id, "signup": signup.id } })
                .to_string(),
    };
    store.ask_signup(&signup, &mail, crate::now().plus_seconds(SIGN_IN_TTL_SECS)).await?;
    Ok(())
}

/// The site a mailed sign-up link asked for, made now with its owner's address; `None`
/// for a link used, expired or unknown.
pub async fn confirm_signup(
    store: &Store,
    token: &str,
    base: &str,
) -> Result<Option<CreatedSite>, SiteError> {
    let Some(signup) = store.take_signup(token, crate::now()).await? else { return Ok(None) };
    let origins: Vec<String> = signup.origins.split_whitespace().map(str::to_owned).collect();
    let created = create(store, &signup.site_id, &signup.name, &origins, base).await?;
    let people =
        SiteChange { emails: Some(vec![signup.email]), lang: Some(signup.lang), ..SiteChange::default() };
    update(store, &created.id, people).await?;
    Ok(Some(created))
}

/// Replaces a site's key: the old one stops working at once, on every replica, and so do
/// the site's dashboard sessions and its unused sign-in links.
pub async fn rotate_key(store: &Store, id: &str) -> anyhow::Result<String> {
    let key = new_key(id);
    if !store.set_key_hash(id, &crate::ids::sha256_hex(key.as_bytes())).await? {
        bail!("there is no site with id {id:?}");
    }
    Ok(key)
}

/// Changes what `change` names of site `id`, each part checked; running servers pick the
/// change up.
pub async fn update(store: &Store, id: &str, change: SiteChange) -> Result<SiteRecord, SiteError> {
    let no_site = || SiteError::NoSuchSite(id.to_owned());
    let mut site = store.site(id).await?.ok_or_else(no_site)?;
    if let Some(name) = change.name {
        site.name = clean(&name, 80, true, false).map_err(|e| SiteError::BadName(e.into()))?;
    }
    if let Some(origins) = change.origins {
        site.origins = parse_origins(&origins)?.split_whitespace().map(str::to_owned).collect();
    }
    if let Some(emails) = change.emails {
        site.emails = parse_emails(&emails)?;
    }
    if let Some(notify) = change.notify {
        let parsed = domain::contact::Notify::parse(&notify).ok_or(SiteError::BadNotify(notify))?;
        site.notify = parsed.as_str().to_owned();
    }
    if let Some(lang) = change.lang {
        site.lang = match lang.as_str() {
            "en" | "zh-CN" => lang,
            _ => return Err(SiteError::BadLang(lang)),
        };
    }
    if !store.update_site(&site, crate::now()).await? {
        return Err(no_site());
    }
    store.announce(&site_subject(id)).await?;
    Ok(site)
}

/// A fresh one-time link into the dashboard for site `id`.
pub async fn sign_in_link(store: &Store, id: &str, base_url: &str) -> anyhow::Result<String> {
    let token = format!("{}{}", crate::ids::secret(), crate::ids::secret());
    let expires = crate::now().plus_seconds(SIGN_IN_TTL_SECS);
    store.create_sign_in(id, &crate::ids::sha256_hex(token.as_bytes()), expires).await?;
    Ok(format!("{}/dashboard/sign-in?token={token}", base_url.trim_end_matches('/')))
}

/// How long after a sign-in link is mailed to an address another waits.
pub const SIGN_IN_QUIET_SECS: i64 = 600;

/// Queues a mail with a one-time sign-in link (minted when it is sent) to `email` for each
/// site whose people include it, unless one went to it in the last ten minutes. Whether it
/// belongs to a site is told only to the address, by that mail.
pub async fn mail_sign_in(store: &Store, email: &str, base: &str) -> Result<(), Error> {
    let Some(address) = domain::contact::email(email) else {
        return Err(Error::Invalid(
            [("email".to_owned(), domain::FieldError::InvalidEmail)].into_iter().collect(),
        ));
    };
    let mut mails = Vec::new();
    for people in store.sites_with_people().await? {
        // To the address as the site gave it, whatever its case here.
        let Some(known) = people.emails.split_whitespace().find(|e| e.eq_ignore_ascii_case(address)) else {
            continue;
        };
        mails.push(NewMail {
            id: crate::ids::time_ordered(),
            campaign_id: None,
            pledge_id: None,
            kind: "creator_sign_in",
            recipient: known.to_owned(),
            lang: if people.lang == "zh-CN" { "zh-CN" } else { "en" },
            data:
                serde_json::json!({ "base": base, "facts": { "site": people.name, "site_id": people.site } })
                    .to_string(),
        });
    }
    store.queue_quietly(&mails, SIGN_IN_QUIET_SECS, crate::now()).await?;
    Ok(())
}

/// The site whose creator key this is, or [`Error::Unauthorized`].
pub async fn authenticate(store: &Store, key: &str) -> Result<String, Error> {
    let site = key.strip_prefix("tf_").and_then(|rest| rest.rsplit_once('_')).map(|(site, _)| site);
    let Some(site) = site.filter(|s| is_slug(s)) else { return Err(Error::Unauthorized) };
    let Some(stored) = store.key_of(site).await? else { return Err(Error::Unauthorized) };
    let presented = crate::ids::sha256_hex(key.as_bytes());
    if crate::ids::same(presented.as_bytes(), stored.key_hash.as_bytes()) {
        Ok(stored.site)
    } else {
        Err(Error::Unauthorized)
    }
}

/// Loads every site's framing policy into the hub (at start-up).
pub async fn load(store: &Store, hub: &Hub) -> anyhow::Result<()> {
    for site in store.sites().await? {
        hub.set_site(&site.id, &site.origins.join(" "));
    }
    Ok(())
}

fn new_key(site: &str) -> String {
    format!("tf_{site}_{}{}", crate::ids::secret(), crate::ids::secret())
}

fn site_subject(id: &str) -> String {
    format!("site:{id}")
}

/// The addresses, each checked, without repeats, at most [`MAX_EMAILS`].
fn parse_emails(emails: &[String]) -> Result<Vec<String>, SiteError> {
    let mut parsed: Vec<String> = Vec::with_capacity(emails.len());
    for text in emails {
        let address = domain::contact::email(text).ok_or_else(|| SiteError::BadEmail(text.clone()))?;
        if !parsed.iter().any(|a| a.eq_ignore_ascii_case(address)) {
            parsed.push(address.to_owned());
        }
    }
    if parsed.len() > MAX_EMAILS {
        return Err(SiteError::TooManyEmails);
    }
    Ok(parsed)
}

/// The origins as one space-separated `frame-ancestors` list, or which one is wrong.
fn parse_origins(origins: &[String]) -> Result<String, SiteError> {
    if origins.is_empty() {
        return Err(SiteError::NoOrigin);
    }
    let mut parsed = Vec::with_capacity(origins.len());
    for text in origins {
        match Origin::parse(text) {
            Some(origin) => parsed.push(origin),
            None => return Err(SiteError::BadOrigin(text.clone())),
        }
    }
    Ok(domain::origin::frame_ancestors(&parsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_their_site_and_compare_in_constant_shape() {
        let key = new_key("my-blog");
        assert!(key.starts_with("tf_my-blog_") && key.len() == "tf_my-blog_".len() + 64);
    }

    #[test]
    fn origins_are_checked_one_by_one_with_the_bad_one_named() {
        assert_eq!(
            parse_origins(&["https://b.cn".into(), "https://a.cn".into()]).unwrap(),
            "https://a.cn https://b.cn"
        );
        let error =
            parse_origins(&["https://ok.cn".into(), "https://x.cn; script-src *".into()]).unwrap_err();
        assert!(error.to_string().contains("x.cn; script-src"), "{error}");
        assert!(parse_origins(&[]).is_err());
    }

    #[test]
    fn a_sites_addresses_are_checked_one_by_one_without_repeats_and_at_most_five() {
        let emails = |list: &[&str]| parse_emails(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            emails(&["me@blog.cn", " ME@blog.cn", "team@blog.cn"]).unwrap(),
            ["me@blog.cn", "team@blog.cn"]
        );
        let error = emails(&["me@blog.cn", "+86 138 0013 8000"]).unwrap_err();
        assert!(error.to_string().contains("+86 138"), "{error}");
        assert!(matches!(
            emails(&["a@b.cn", "b@b.cn", "c@b.cn", "d@b.cn", "e@b.cn", "f@b.cn"]),
            Err(SiteError::TooManyEmails)
        ));
        assert!(emails(&[]).unwrap().is_empty());
    }
}
