//! The database: connect, create if missing, migrate.

use crate::config::Config;
use anyhow::Context as _;
use app::ssr::db::Db;
use sqlx::Connection;
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions},
};
use std::{str::FromStr, time::Duration};

/// How long a request waits for a database connection before it gets a
/// 503: long enough for a busy moment, short enough that a database that
/// is down is reported rather than hung on.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// A Postgres connection idle this long is pinged before use.
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// Connects and migrates. An error names `DATABASE_URL` and never holds
/// its password: sqlx may echo the URL, so the message is scrubbed, and
/// only the scrubbed text is kept (not the error chain beneath it).
pub async fn connect(config: &Config) -> anyhow::Result<Db> {
    let url = &config.database_url;
    let db = if url.starts_with("postgres") {
        postgres(url).await
    } else {
        sqlite(url).await
    };
    db.map_err(|err| {
        anyhow::anyhow!(
            "DATABASE_URL: {}",
            crate::config::scrub_password(&format!("{err:#}"), url)
        )
    })
}

/// `what` went wrong, and sqlx's words for it (which already hold their
/// cause: with the error chain too, a database's message came out twice).
fn failed(what: &str, err: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{what}: {err}")
}

async fn sqlite(url: &str) -> anyhow::Result<Db> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|err| failed("not a database URL sqlx can read", err))?
        .create_if_missing(true)
        // WAL lets readers run while a writer commits; the busy timeout
        // makes a writer wait for another instead of failing.
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    if let Some(parent) = options.get_filename().parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("could not create {}", parent.display()))?;
        }
    }
    let pool = SqlitePoolOptions::new()
        .acquire_timeout(Duration::from_secs(5))
        // A file connection does not drop like a network one, and sqlx's
        // default ping before every query doubled each query's trips to
        // its SQLite worker thread (seen in a profile).
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .map_err(|err| failed("could not connect", err))?;
    sqlx::migrate!("../migrations/sqlite")
        .run(&pool)
        .await
        .map_err(|err| failed("could not migrate the database", err))?;
    Ok(Db::Sqlite(pool))
}

async fn postgres(url: &str) -> anyhow::Result<Db> {
    let options = PgConnectOptions::from_str(url).map_err(|err| failed("not a database URL sqlx can read", err))?;
    let pool = PgPoolOptions::new()
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // Check a pooled connection that sat idle before using it, so the
        // first requests after a Postgres restart don't fail on connections
        // it closed. A busy pool's connections are never idle that long, so
        // the hot path does not pay a round trip for the ping.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_IF_IDLE_FOR {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await
        .map_err(|err| failed("could not connect", err))?;
    // Several instances may start at once; sqlx takes an advisory lock so
    // only one of them migrates.
    sqlx::migrate!("../migrations/postgres")
        .run(&pool)
        .await
        .map_err(|err| failed("could not migrate the database", err))?;
    Ok(Db::Postgres(pool))
}
