//! The database: connect, create if missing, migrate.

use crate::config::Config;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use std::{str::FromStr, time::Duration};

pub async fn connect(config: &Config) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(&config.database_url)?
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
    Ok(pool)
}
