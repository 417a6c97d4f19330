//! Who is mailed of a change, queued in its transaction: the backers of a campaign (its
//! outcome, an update to its audience), the backer of one pledge (a payment's move), and
//! the people of the sites that hear of each pledge.

use super::db::{Conn, ROWS_PER_INSERT, on_conn};
use super::mails::{NewMail, queue};
use domain::Timestamp;
use sqlx::QueryBuilder;
use std::collections::BTreeMap;

/// For each of `campaigns` whose site hears of each pledge: its people's addresses
/// (space-separated) and language, read in the caller's transaction.
pub(super) async fn creators_of_each(
    conn: &mut Conn,
    campaigns: &[&str],
) -> sqlx::Result<std::collections::HashMap<String, (String, String)>> {
    let mut unique: Vec<&str> = campaigns.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let mut found = std::collections::HashMap::new();
    for chunk in unique.chunks(ROWS_PER_INSERT) {
        let rows: Vec<(String, String, String)> = on_conn!(&mut *conn, |c| {
            let mut query: QueryBuilder<Db> = QueryBuilder::new(
                "SELECT c.id, s.emails, s.lang FROM campaigns c JOIN sites s ON s.id = c.site_id \
                 WHERE s.notify = 'each' AND s.emails <> '' AND c.id IN (",
            );
            let mut ids = query.separated(", ");
            for id in chunk {
                ids.push_bind(*id);
            }
            query.push(")");
            query.build_query_as().fetch_all(&mut **c).await
        })?;
        found.extend(rows.into_iter().map(|(id, emails, lang)| (id, (emails, lang))));
    }
    Ok(found)
}

/// A mail of `kind` about pledge `pledge_id` of `campaign` to `address`, in `lang`.
pub(super) fn pledge_mail(
    (campaign, pledge_id): (&str, &str),
    kind: &'static str,
    (address, lang): (&str, &str),
    base: &str,
) -> NewMail {
    NewMail {
        id: crate::ids::time_ordered(),
        campaign_id: Some(campaign.to_owned()),
        pledge_id: Some(pledge_id.to_owned()),
        kind,
        recipient: address.to_owned(),
        lang: if lang == "zh-CN" { "zh-CN" } else { "en" },
        data: serde_json::json!({ "base": base }).to_string(),
    }
}

/// The live pledges of `campaign` whose contact is an e-mail address: `(id, address, lang)`,
/// oldest first, read in the caller's transaction.
async fn addressed_pledges(conn: &mut Conn, campaign: &str) -> sqlx::Result<Vec<(String, String, String)>> {
    let rows: Vec<(String, String, String)> = on_conn!(&mut *conn, |c| sqlx::query_as(sql(
        "SELECT id, contact, lang FROM pledges WHERE campaign_id = ? AND cancelled_at IS NULL ORDER BY id"
    ))
    .bind(campaign)
    .fetch_all(&mut **c)
    .await)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, contact, lang)| Some((id, domain::contact::email(&contact)?.to_owned(), lang)))
        .collect())
}

/// Queues a mail of `kind` to the backer of every live pledge of `campaign` whose contact
/// is an e-mail address, in the caller's transaction (a campaign's outcome).
pub(super) async fn queue_for_backers(
    conn: &mut Conn,
    campaign: &str,
    kind: &'static str,
    base: &str,
    now: Timestamp,
) -> anyhow::Result<()> {
    let mails: Vec<NewMail> = addressed_pledges(conn, campaign)
        .await?
        .iter()
        .map(|(id, address, lang)| pledge_mail((campaign, id), kind, (address, lang), base))
        .collect();
    Ok(queue(conn, &mails, now).await?)
}

/// Queues update `update` of `campaign` to the backers of the next `page` live pledges
/// after `after` that are in `audience`, in the caller's transaction: the last pledge read,
/// or `None` when no page is left. An address is mailed once however many pledges it made
/// (the mail's id is made of the update's and the address's), and not at all when it asked
/// for no updates of the campaign or of its site.
pub(super) async fn queue_update_page(
    conn: &mut Conn,
    (campaign, update): (&str, &str),
    audience: &domain::wire::Audience,
    (after, page): (&str, i64),
    base: &str,
    now: Timestamp,
) -> anyhow::Result<Option<String>> {
    type Row = (String, String, String, Option<String>, String);
    let backers: Vec<Row> = on_conn!(&mut *conn, |c| {
        sqlx::query_as(sql("SELECT id, contact, lang, tier_id, options FROM pledges \
             WHERE campaign_id = ? AND cancelled_at IS NULL AND id > ? ORDER BY id LIMIT ?"))
        .bind(campaign)
        .bind(after)
        .bind(page)
        .fetch_all(&mut **c)
        .await
    })?;
    let addressed: Vec<(&str, &str, &str)> = backers
        .iter()
        .filter(|(_, _, _, tier, options)| {
            audience.is_everyone() || {
                let options: BTreeMap<String, String> = serde_json::from_str(options).unwrap_or_default();
                audience.includes(tier.as_deref(), &options)
            }
        })
        .filter_map(|(id, contact, lang, _, _)| {
            Some((id.as_str(), domain::contact::email(contact)?, lang.as_str()))
        })
        .collect();
    let addresses: Vec<&str> = addressed.iter().map(|(_, address, _)| *address).collect();
    let mut skip = unsubscribed_among(conn, campaign, &addresses).await?;
    let data = serde_json::json!({ "base": base, "update": update }).to_string();
    let mut mails = Vec::new();
    for (id, address, lang) in addressed {
        if skip.insert(address.to_owned()) {
            let mut mail = pledge_mail((campaign, id), "update", (address, lang), base);
            mail.id = update_mail_id(update, address);
            mail.data.clone_from(&data);
            mails.push(mail);
        }
    }
    queue(conn, &mails, now).await?;
    let full = i64::try_from(backers.len()).unwrap_or(i64::MAX) >= page;
    Ok(backers.last().filter(|_| full).map(|(id, ..)| id.clone()))
}

/// Of `addresses`, those that asked for no updates of `campaign` or of its site.
async fn unsubscribed_among(
    conn: &mut Conn,
    campaign: &str,
    addresses: &[&str],
) -> sqlx::Result<std::collections::HashSet<String>> {
    let mut found = std::collections::HashSet::new();
    for chunk in addresses.chunks(ROWS_PER_INSERT) {
        let rows: Vec<(String,)> = on_conn!(&mut *conn, |c| {
            let mut query: QueryBuilder<Db> =
                QueryBuilder::new("SELECT address FROM mail_unsubscribed WHERE (campaign_id = ");
            query
                .push_bind(campaign)
                .push(" OR campaign_id = '') AND site_id = (SELECT site_id FROM campaigns WHERE id = ");
            query.push_bind(campaign).push(") AND address IN (");
            let mut listed = query.separated(", ");
            for address in chunk {
                listed.push_bind(*address);
            }
            query.push(")");
            query.build_query_as().fetch_all(&mut **c).await
        })?;
        found.extend(rows.into_iter().map(|(address,)| address));
    }
    Ok(found)
}

/// The id of update `update`'s mail to `address`: the update's time, then a hash of both,
/// so that paging an update twice (two replicas at once) queues each mail once.
fn update_mail_id(update: &str, address: &str) -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(format!("{update}\n{address}"));
    let hex: String = hash.iter().take(10).map(|b| format!("{b:02x}")).collect();
    format!("{}{hex}", update.get(..12).unwrap_or(update))
}

/// Queues a mail of `kind` about `pledge` to its backer, in the caller's transaction, when
/// their contact is an e-mail address, in the language they pledged in.
pub(super) async fn queue_for_pledge(
    conn: &mut Conn,
    pledge: &super::StoredPledge,
    kind: &'static str,
    base: &str,
    now: Timestamp,
) -> anyhow::Result<()> {
    let (contact, lang): (String, String) =
        on_conn!(&mut *conn, |c| sqlx::query_as(sql("SELECT contact, lang FROM pledges WHERE id = ?"))
            .bind(&pledge.id)
            .fetch_one(&mut **c)
            .await)?;
    let Some(address) = domain::contact::email(&contact) else { return Ok(()) };
    let mail = pledge_mail((&pledge.campaign_id, &pledge.id), kind, (address, &lang), base);
    queue(conn, &[mail], now).await?;
    Ok(())
}
