//! The database: connect, create if missing, migrate.

use crate::config::Config;
use app::ssr::db::Db;
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions},
};
use std::{str::FromStr, time::Duration};

/// How long a request waits for a database connection before it gets a
/// 503: long enough for a busy moment, short enough that a database that
/// is down is reported rather than hung on.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

pub async fn connect(config: &Config) -> anyhow::Result<Db> {
    if config.database_url.starts_with("postgres") {
        postgres(&config.database_url).await
    } else {
        sqlite(&config.database_url).await
    }
}

async fn sqlite(url: &str) -> anyhow::Result<Db> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        // WAL lets readers run while a writer commits; the busy timeout
        // makes a writer wait for another instead of failing.
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    if let Some(parent) = options.get_filename().parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)?;
        }
    }
    let pool = SqlitePoolOptions::new()
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await?;
    sqlx::migrate!("../migrations/sqlite").run(&pool).await?;
    Ok(Db::Sqlite(pool))
}

async fn postgres(url: &str) -> anyhow::Result<Db> {
    let options = PgConnectOptions::from_str(url)?;
    let pool = PgPoolOptions::new()
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // Check a pooled connection before use, so the first requests after
        // a Postgres restart don't fail on connections it closed.
        .test_before_acquire(true)
        .connect_with(options)
        .await?;
    // Several instances may start at once; sqlx takes an advisory lock so
    // only one of them migrates.
    sqlx::migrate!("../migrations/postgres").run(&pool).await?;
    Ok(Db::Postgres(pool))
}
