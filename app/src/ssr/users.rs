//! The users table.

use super::db::{on_pool, Db};
use crate::{domain::Email, error::ApiError};

#[derive(Clone)]
pub struct Users {
    db: Db,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    /// When the address was confirmed (Unix seconds); `None` until then.
    pub email_confirmed_at: Option<i64>,
}

pub(crate) fn db_error(err: sqlx::Error) -> ApiError {
    tracing::error!(%err, "database error");
    ApiError::unavailable()
}

impl Users {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    pub async fn by_email(&self, email: &Email) -> Result<Option<UserRow>, ApiError> {
        on_pool!(&self.db, pool => {
            sqlx::query_as("SELECT id, email, password_hash, email_confirmed_at FROM users WHERE email = $1")
                .bind(email.as_str())
                .fetch_optional(pool)
                .await
        })
        .map_err(db_error)
    }

    pub async fn by_id(&self, id: i64) -> Result<Option<UserRow>, ApiError> {
        on_pool!(&self.db, pool => {
            sqlx::query_as("SELECT id, email, password_hash, email_confirmed_at FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
        })
        .map_err(db_error)
    }

    /// Whether the account's address is confirmed; `None` when there is
    /// no such account.
    pub async fn email_confirmed(&self, id: i64) -> Result<Option<bool>, ApiError> {
        let row: Option<(Option<i64>,)> = on_pool!(&self.db, pool => {
            sqlx::query_as("SELECT email_confirmed_at FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
        })
        .map_err(db_error)?;
        Ok(row.map(|(at,)| at.is_some()))
    }

    /// Deletes the user; SQL session rows go with it (ON DELETE CASCADE).
    pub async fn delete(&self, id: i64) -> Result<(), ApiError> {
        on_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM users WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await
                .map(|_| ())
        })
        .map_err(db_error)
    }
}
