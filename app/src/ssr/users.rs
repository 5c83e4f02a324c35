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

pub(crate) use super::internal::database as db_error;

impl Users {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Inserts a user; `Ok(None)` when the email is already taken. (Sign-up
    /// goes through `accounts.rs`, which also queues the confirmation
    /// mail; this is for operators and tests.)
    pub async fn create(
        &self,
        email: &Email,
        password_hash: &str,
    ) -> Result<Option<i64>, ApiError> {
        let result = on_pool!(&self.db, pool => {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id",
            )
            .bind(email.as_str())
            .bind(password_hash)
            .fetch_one(pool)
            .await
        });
        match result {
            Ok(id) => Ok(Some(id)),
            Err(sqlx::Error::Database(err)) if err.is_unique_violation() => Ok(None),
            Err(err) => Err(db_error(err)),
        }
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

    /// Whether the account's address is confirmed and whether logging in
    /// takes a second step, in one indexed read (`/api/me` asks on every
    /// call); `None` when there is no such account.
    pub async fn flags(&self, id: i64) -> Result<Option<AccountFlags>, ApiError> {
        let row: Option<(Option<i64>, bool)> = on_pool!(&self.db, pool => {
            sqlx::query_as(
                "SELECT email_confirmed_at, EXISTS (SELECT 1 FROM totp t \
                   WHERE t.user_id = users.id AND t.secret IS NOT NULL) \
                 FROM users WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await
        })
        .map_err(db_error)?;
        Ok(row.map(|(confirmed_at, two_factor)| AccountFlags {
            email_confirmed: confirmed_at.is_some(),
            two_factor,
        }))
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

/// What `/api/me` says of an account besides its email.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountFlags {
    pub email_confirmed: bool,
    pub two_factor: bool,
}
