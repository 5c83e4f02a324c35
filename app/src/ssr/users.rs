//! The users table.

use super::{
    db::{on_pool, Db},
    sqlite_reader::SqliteReader,
};
use crate::{
    domain::{Email, Language},
    error::ApiError,
};
use std::sync::Arc;

#[derive(Clone)]
pub struct Users {
    db: Db,
    /// On an SQLite file, the per-request read of an account's flags skips
    /// sqlx's worker thread (see [`SqliteReader`]).
    reader: Option<Arc<SqliteReader>>,
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
    /// When an administrator locked the account; `None` when it is not.
    pub locked_at: Option<i64>,
    /// Set only by `server admin grant`.
    pub is_admin: bool,
}

impl UserRow {
    /// 403 `account_locked` when an administrator has locked the
    /// account: every way of signing in asks, after the secret checks out
    /// (a wrong one still gets the usual 401).
    pub fn refuse_if_locked(&self) -> Result<(), ApiError> {
        match self.locked_at {
            Some(_) => Err(ApiError::account_locked()),
            None => Ok(()),
        }
    }

    /// The account's language; English if the column holds one no longer
    /// spoken.
    pub fn language(&self) -> Language {
        Language::from_code(&self.language).unwrap_or_default()
    }
}

pub(crate) use super::internal::database as db_error;

/// What [`Users::flags`] reads: the confirmation time, whether a second
/// step is on, the language's code, the admin flag.
const FLAGS: &str = "SELECT email_confirmed_at, EXISTS (SELECT 1 FROM totp t \
                       WHERE t.user_id = users.id AND t.secret IS NOT NULL), language, is_admin \
                     FROM users WHERE id = $1";
type FlagsRow = (Option<i64>, bool, String, bool);

/// A [`UserRow`] by address, and by id.
const BY_EMAIL: &str = "SELECT id, email, password_hash, email_confirmed_at, language, locked_at, is_admin \
                        FROM users WHERE email = $1";
const BY_ID: &str = "SELECT id, email, password_hash, email_confirmed_at, language, locked_at, is_admin \
                     FROM users WHERE id = $1";

impl Users {
    pub fn new(db: Db) -> Self {
        let reader = match &db {
            Db::Sqlite(pool) => SqliteReader::open(pool.connect_options().get_filename()).map(Arc::new),
            Db::Postgres(_) => None,
        };
        Self { db, reader }
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
            sqlx::query_as(BY_EMAIL)
                .bind(email.as_str())
                .fetch_optional(pool)
                .await
        })
        .map_err(db_error)
    }

    pub async fn by_id(&self, id: i64) -> Result<Option<UserRow>, ApiError> {
        on_pool!(&self.db, pool => {
            sqlx::query_as(BY_ID)
                .bind(id)
                .fetch_optional(pool)
                .await
        })
        .map_err(db_error)
    }

    /// Whether the account's address is confirmed, whether logging in
    /// takes a second step, its language and whether it administers, in
    /// one indexed read; `None` when there is no such account. Signed-in
    /// requests ask through [`AccountOnRequest`], at most once each.
    pub async fn flags(&self, id: i64) -> Result<Option<AccountFlags>, ApiError> {
        if let Some(reader) = &self.reader {
            // A database busy with a write answers at once with an error:
            // then sqlx asks, and waits its turn.
            if let Ok(row) = reader.query_row(FLAGS, rusqlite::params![id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            }) {
                return Ok(row.map(AccountFlags::from_row));
            }
        }
        let row: Option<FlagsRow> = on_pool!(&self.db, pool => {
            sqlx::query_as(FLAGS)
                .bind(id)
                .fetch_optional(pool)
                .await
        })
        .map_err(db_error)?;
        Ok(row.map(AccountFlags::from_row))
    }

    /// Notes a sign-in's time on the account, unless it is locked (or
    /// gone): `false` then. Where every sign-in ends ([`super::admission`]).
    pub async fn signed_in(&self, id: i64, now: i64) -> Result<bool, ApiError> {
        let updated = on_pool!(&self.db, pool => {
            sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2 AND locked_at IS NULL")
                .bind(now)
                .bind(id)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(db_error)?;
        Ok(updated == 1)
    }

    /// Whether an administrator has locked the account (a missing account
    /// counts as locked: nothing signs in to it).
    pub async fn is_locked(&self, id: i64) -> Result<bool, ApiError> {
        let locked: Option<Option<i64>> = on_pool!(&self.db, pool => {
            sqlx::query_scalar("SELECT locked_at FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
        })
        .map_err(db_error)?;
        Ok(!matches!(locked, Some(None)))
    }

    /// Whether the account is an administrator (read on every
    /// administrator request: granting and revoking count at once).
    pub async fn is_admin(&self, id: i64) -> Result<bool, ApiError> {
        let admin: Option<bool> = on_pool!(&self.db, pool => {
            sqlx::query_scalar("SELECT is_admin FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
        })
        .map_err(db_error)?;
        Ok(admin == Some(true))
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
    /// An administrator (the profile page links to `/admin`).
    pub admin: bool,
}

impl AccountFlags {
    fn from_row((confirmed_at, two_factor, language, admin): FlagsRow) -> Self {
        Self {
            email_confirmed: confirmed_at.is_some(),
            two_factor,
            language: Language::from_code(&language).unwrap_or_default(),
            admin,
        }
    }
}

/// The signed-in account of one request, left on it by the session guard:
/// its [`AccountFlags`] are read once, by whichever part of the request
/// asks first (the language, `/api/me`, the profile page), and shared with
/// the rest. Never kept past the request, so a change made in another
/// browser counts on the next one.
#[derive(Clone)]
pub struct AccountOnRequest {
    user_id: i64,
    flags: Arc<tokio::sync::OnceCell<Option<AccountFlags>>>,
}

impl AccountOnRequest {
    pub fn new(user_id: i64) -> Self {
        Self {
            user_id,
            flags: Arc::default(),
        }
    }

    /// The one left on the current request for `user_id`, if any (read in
    /// place: `use_context` would clone the whole request head).
    pub fn current(user_id: i64) -> Option<Self> {
        leptos::prelude::with_context::<axum::http::request::Parts, _>(|parts| {
            parts.extensions.get::<Self>().cloned()
        })
        .flatten()
        .filter(|account| account.user_id == user_id)
    }

    /// The account's flags, read on the first call; `None` when the
    /// account is gone.
    pub async fn flags(&self, users: &Users) -> Result<Option<AccountFlags>, ApiError> {
        self.flags
            .get_or_try_init(|| users.flags(self.user_id))
            .await
            .cloned()
    }
}

/// The flags of `user_id`: through the request's [`AccountOnRequest`] when
/// the guard left one, else read now.
pub async fn flags_of(users: &Users, user_id: i64) -> Result<Option<AccountFlags>, ApiError> {
    match AccountOnRequest::current(user_id) {
        Some(account) => account.flags(users).await,
        None => users.flags(user_id).await,
    }
}
