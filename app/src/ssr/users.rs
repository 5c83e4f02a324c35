//! The users table.

use super::db::{on_pool, Db};
use crate::{
    domain::{Email, Language},
    error::ApiError,
};

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
    /// The code of the account's language (`en`, `ko`).
    pub language: String,
}

impl UserRow {
    /// The account's language; English if the column holds one no longer
    /// spoken.
    pub fn language(&self) -> Language {
        Language::from_code(&self.language).unwrap_or_default()
    }
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
            sqlx::query_as("SELECT id, email, password_hash, email_confirmed_at, language FROM users WHERE email = $1")
                .bind(email.as_str())
                .fetch_optional(pool)
                .await
        })
        .map_err(db_error)
    }

    pub async fn by_id(&self, id: i64) -> Result<Option<UserRow>, ApiError> {
        on_pool!(&self.db, pool => {
            sqlx::query_as("SELECT id, email, password_hash, email_confirmed_at, language FROM users WHERE id = $1")
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
        let row: Option<(Option<i64>, bool, String)> = on_pool!(&self.db, pool => {
            sqlx::query_as(
                "SELECT email_confirmed_at, EXISTS (SELECT 1 FROM totp t \
                   WHERE t.user_id = users.id AND t.secret IS NOT NULL), language \
                 FROM users WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await
        })
        .map_err(db_error)?;
        Ok(row.map(|(confirmed_at, two_factor, language)| AccountFlags {
            email_confirmed: confirmed_at.is_some(),
            two_factor,
            language: Language::from_code(&language).unwrap_or_default(),
        }))
    }

    /// The account's language; `None` when there is no such account.
    pub async fn language(&self, id: i64) -> Result<Option<Language>, ApiError> {
        let code: Option<String> = on_pool!(&self.db, pool => {
            sqlx::query_scalar("SELECT language FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
        })
        .map_err(db_error)?;
        Ok(code.map(|c| Language::from_code(&c).unwrap_or_default()))
    }

    /// Sets the account's language (mail, and pages in a browser with no
    /// `lang` cookie).
    pub async fn set_language(&self, id: i64, language: Language) -> Result<(), ApiError> {
        on_pool!(&self.db, pool => {
            sqlx::query("UPDATE users SET language = $1 WHERE id = $2")
                .bind(language.code())
                .bind(id)
                .execute(pool)
                .await
                .map(|_| ())
        })
        .map_err(db_error)
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
    pub language: Language,
}
