//! The two engines behind one store: SQLite, embedded, and PostgreSQL, for replicas.
//!
//! SQL is written once, with `?` placeholders, inside [`on_conn!`], which compiles the
//! same code for each engine; PostgreSQL gets the placeholders numbered (`$1`, `$2`...).
//! Rows are read into the `FromRow` structs below, which decode on both.

use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

/// Rows per multi-row INSERT (SQLite allows 32,766 bound values, PostgreSQL 65,535).
pub(crate) const ROWS_PER_INSERT: usize = 100;

#[derive(Debug, Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Debug)]
pub(crate) enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Conn {
    /// Closes the connection instead of returning it to the pool when dropped: after a
    /// deadline it may be cut off mid-statement, and testing it would hang as well.
    pub(crate) fn close_on_drop(&mut self) {
        match self {
            Conn::Sqlite(c) => c.close_on_drop(),
            Conn::Postgres(c) => c.close_on_drop(),
        }
    }
}

impl Pool {
    pub(crate) async fn acquire(&self) -> sqlx::Result<Conn> {
        Ok(match self {
            Pool::Sqlite(pool) => Conn::Sqlite(pool.acquire().await?),
            Pool::Postgres(pool) => Conn::Postgres(pool.acquire().await?),
        })
    }

    /// Whether the pool was closed (the server is stopping).
    pub(crate) fn is_closed(&self) -> bool {
        match self {
            Pool::Sqlite(pool) => pool.is_closed(),
            Pool::Postgres(pool) => pool.is_closed(),
        }
    }
}

/// Runs `$body` with `$c` bound to the engine's connection, `sql(..)` adapting placeholders
/// and `Db` naming the engine: `on_conn!(conn, |c| sqlx::query(sql("…")).execute(&mut **c).await)`.
/// The body is written as a closure's so that rustfmt formats it; it is compiled once per
/// engine, inline, not called as a closure.
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::store::db::Conn::Sqlite($c) => {
                #[allow(unused_imports)]
                use $crate::store::db::sqlite_sql as sql;
                #[allow(dead_code)]
                type Db = sqlx::Sqlite;
                $body
            }
            $crate::store::db::Conn::Postgres($c) => {
                #[allow(unused_imports)]
                use $crate::store::db::postgres_sql as sql;
                #[allow(dead_code)]
                type Db = sqlx::Postgres;
                $body
            }
        }
    };
}
pub(crate) use on_conn;

pub(crate) fn sqlite_sql(sql: &'static str) -> &'static str {
    sql
}

/// `?` placeholders numbered for PostgreSQL, converted once per statement and kept.
pub(crate) fn postgres_sql(sql: &'static str) -> &'static str {
    static CONVERTED: LazyLock<Mutex<HashMap<&'static str, &'static str>>> = LazyLock::new(Default::default);
    let mut converted = CONVERTED.lock().unwrap_or_else(|e| e.into_inner());
    converted.entry(sql).or_insert_with(|| Box::leak(number_placeholders(sql).into_boxed_str()))
}

fn number_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let (mut n, mut quoted) = (0, false);
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            c => out.push(c),
        }
    }
    out
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct PledgeRow {
    pub(crate) id: String,
    pub(crate) campaign_id: String,
    pub(crate) tier_id: Option<String>,
    pub(crate) quantity: i64,
    pub(crate) amount: i64,
    pub(crate) options: String,
    pub(crate) name: String,
    pub(crate) referral_code: String,
    pub(crate) referred_by: Option<String>,
    pub(crate) recruits: i64,
    pub(crate) recruited_amount: i64,
    /// Empty once hashed; the secret itself only in a row an older replica wrote.
    pub(crate) receipt_secret: String,
    pub(crate) receipt_hash: Option<String>,
    pub(crate) cancelled_at: Option<i64>,
    pub(crate) payment_status: Option<String>,
    pub(crate) payment_due_at: Option<i64>,
    pub(crate) unmade_due_at: Option<i64>,
    pub(crate) ship_to: Option<String>,
    pub(crate) shipping: i64,
}

pub(crate) const SELECT_PLEDGE: &str = "SELECT id, campaign_id, tier_id, quantity, amount, options, name, \
     referral_code, referred_by, recruits, recruited_amount, receipt_secret, receipt_hash, cancelled_at, payment_status, \
     payment_due_at, unmade_due_at, ship_to, shipping FROM pledges WHERE id = ?";

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct CampaignRow {
    pub(crate) id: String,
    pub(crate) definition: String,
    pub(crate) site_id: String,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct TotalsRow {
    pub(crate) raised: i64,
    pub(crate) pledged: i64,
    pub(crate) backers: i64,
    pub(crate) seq: i64,
    pub(crate) revision: i64,
    pub(crate) cancelled_at: Option<i64>,
    pub(crate) cover_id: Option<String>,
    pub(crate) extras_version: i64,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct TierRow {
    pub(crate) id: String,
    pub(crate) claimed: i64,
    pub(crate) waiting: i64,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ValueRow {
    pub(crate) tier_id: String,
    pub(crate) name: String,
    pub(crate) value: String,
    pub(crate) claimed: i64,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct KeyRow {
    pub(crate) campaign_id: String,
    pub(crate) key: String,
    pub(crate) request_hash: String,
    pub(crate) pledge_id: String,
    /// The receipt secret sealed with the key (see `store::receipts`).
    pub(crate) sealed: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_outside_quotes() {
        assert_eq!(number_placeholders("a = ? AND b = '?' AND c = ?"), "a = $1 AND b = '?' AND c = $2");
        assert_eq!(postgres_sql("x = ?"), "x = $1");
        assert!(std::ptr::eq(postgres_sql("x = ?"), postgres_sql("x = ?")), "converted once");
    }
}
