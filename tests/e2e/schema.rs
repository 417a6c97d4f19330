//! Both engines' migrations build the same schema: the same tables, each with the same
//! columns, of the same kind and nullable alike, and the same named indexes. A column
//! added to one engine's migration and forgotten in the other's fails here, not on the
//! other engine in production.

use sqlx::{Connection, Row};
use std::collections::{BTreeMap, BTreeSet};
use tests::PostgresDatabase;

/// What a column holds, as far as both engines can agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// SQLite's INTEGER; PostgreSQL's integers and its one BOOLEAN flag (0/1 in SQLite).
    Number,
    Text,
    Bytes,
    Real,
    Unknown,
}

/// `(table, column)` → `(kind, nullable)`.
type Columns = BTreeMap<(String, String), (Kind, bool)>;

fn sqlite_kind(declared: &str) -> Kind {
    match declared.to_ascii_uppercase().as_str() {
        "INTEGER" | "BIGINT" | "INT" | "BOOLEAN" => Kind::Number,
        "TEXT" => Kind::Text,
        "BLOB" => Kind::Bytes,
        "REAL" => Kind::Real,
        _ => Kind::Unknown,
    }
}

fn postgres_kind(declared: &str) -> Kind {
    match declared {
        "bigint" | "integer" | "smallint" | "boolean" => Kind::Number,
        "text" | "character varying" => Kind::Text,
        "bytea" => Kind::Bytes,
        "double precision" | "real" => Kind::Real,
        _ => Kind::Unknown,
    }
}

/// Tables only SQLite has, and why: `changes` is how the command line tells a running
/// server what it changed, where PostgreSQL has NOTIFY.
const SQLITE_ONLY: [&str; 1] = ["changes"];

/// Whether a table is one both engines keep (not the migrator's own, nor SQLite's).
fn ours(table: &str) -> bool {
    !table.starts_with("_sqlx") && !table.starts_with("sqlite_") && !SQLITE_ONLY.contains(&table)
}

async fn sqlite_schema(url: &str) -> (Columns, BTreeSet<(String, String)>) {
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    let rows = sqlx::query(
        "SELECT m.name, p.name, p.type, p.\"notnull\", p.pk FROM sqlite_master m \
         JOIN pragma_table_info(m.name) p WHERE m.type = 'table'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut columns = Columns::new();
    for row in rows {
        let (table, column): (String, String) = (row.get(0), row.get(1));
        // SQLite lets a primary key column be NULL unless it says NOT NULL; PostgreSQL never.
        let nullable = row.get::<i64, _>(3) == 0 && row.get::<i64, _>(4) == 0;
        if ours(&table) {
            columns.insert((table, column), (sqlite_kind(row.get(2)), nullable));
        }
    }
    let indexes =
        sqlx::query("SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .map(|row| (row.get(0), row.get(1)))
            .filter(|(table, _): &(String, String)| ours(table))
            .collect();
    (columns, indexes)
}

async fn postgres_schema(url: &str) -> (Columns, BTreeSet<(String, String)>) {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let rows = sqlx::query(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text \
         FROM information_schema.columns WHERE table_schema = current_schema()",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut columns = Columns::new();
    for row in rows {
        let (table, column): (String, String) = (row.get(0), row.get(1));
        if ours(&table) {
            columns.insert((table, column), (postgres_kind(row.get(2)), row.get::<String, _>(3) == "YES"));
        }
    }
    // Indexes a migration named: not those PostgreSQL made for a primary key or a UNIQUE
    // constraint (SQLite's own have no SQL and are left out above).
    let indexes = sqlx::query(
        "SELECT i.tablename::text, i.indexname::text FROM pg_indexes i \
         WHERE i.schemaname = current_schema() AND NOT EXISTS ( \
           SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .map(|row| (row.get(0), row.get(1)))
    .filter(|(table, _): &(String, String)| ours(table))
    .collect();
    (columns, indexes)
}

#[tokio::test]
async fn sqlite_and_postgresql_migrations_build_the_same_tables_columns_and_indexes() {
    let Some(postgres) = PostgresDatabase::create().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("schema.db").display());
    api::store::Store::open_admin(&sqlite).await.expect("SQLite migrates");
    api::store::Store::open_admin(&postgres.url).await.expect("PostgreSQL migrates");

    let (lite, lite_indexes) = sqlite_schema(&sqlite).await;
    let (pg, pg_indexes) = postgres_schema(&postgres.url).await;
    let tables = |c: &Columns| c.keys().map(|(t, _)| t.clone()).collect::<BTreeSet<_>>();
    assert_eq!(tables(&lite), tables(&pg), "the same tables");
    assert!(tables(&lite).len() >= 15, "the whole schema was read: {:?}", tables(&lite));
    let only =
        |a: &Columns, b: &Columns| a.keys().filter(|k| !b.contains_key(*k)).cloned().collect::<Vec<_>>();
    assert_eq!(only(&lite, &pg), vec![], "columns only SQLite has");
    assert_eq!(only(&pg, &lite), vec![], "columns only PostgreSQL has");
    let unknown: Vec<_> = lite.iter().chain(&pg).filter(|(_, (kind, _))| *kind == Kind::Unknown).collect();
    assert!(unknown.is_empty(), "columns of a kind this test does not know: {unknown:?}");
    let differ: Vec<_> =
        lite.iter().filter(|(k, v)| pg.get(*k) != Some(v)).map(|(k, v)| (k, v, &pg[k])).collect();
    assert!(
        differ.is_empty(),
        "(column, SQLite, PostgreSQL) that differ in kind or nullability: {differ:#?}"
    );
    assert_eq!(lite_indexes, pg_indexes, "the same named indexes");
}
