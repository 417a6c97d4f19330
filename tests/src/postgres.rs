//! A PostgreSQL database of its own for each test.

/// Where the tests find PostgreSQL: `TRIBEFUND_TEST_POSTGRES`, or the local server.
pub fn postgres_admin_url() -> String {
    std::env::var("TRIBEFUND_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A database of its own for one test, dropped afterwards.
pub struct PostgresDatabase {
    pub url: String,
    name: String,
}

impl PostgresDatabase {
    /// Creates a fresh database; `None` (with a note on stderr) when PostgreSQL does not
    /// answer, unless `CI=true`, where a missing PostgreSQL fails the test.
    pub async fn create() -> Option<PostgresDatabase> {
        use sqlx::Connection;
        let admin = postgres_admin_url();
        let mut conn = match sqlx::PgConnection::connect(&admin).await {
            Ok(conn) => conn,
            Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("PostgreSQL is required when CI=true, but {admin} does not answer: {e}")
            }
            Err(e) => {
                eprintln!("SKIPPED: PostgreSQL at {admin} does not answer ({e}); this test needs it");
                return None;
            }
        };
        let name = format!("tribefund_test_{}", unique_suffix());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("creating a test database");
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base);
        Some(PostgresDatabase { url: format!("{base}/{name}"), name })
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let (admin, name) = (postgres_admin_url(), self.name.clone());
        // Drop may run inside a runtime that is shutting down: clean up on a thread of its own.
        let _ = std::thread::spawn(move || {
            use sqlx::Connection;
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .ok()
            })
        })
        .join();
    }
}

/// A name part no other test run shares.
fn unique_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()),
    );
    format!("{:016x}{:08x}", hasher.finish(), std::process::id())
}
