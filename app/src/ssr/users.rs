//! The users table.

use crate::{domain::Email, error::ApiError};
use sqlx::SqlitePool;

#[derive(Clone)]
pub struct Users {
    pool: SqlitePool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
}

fn db_error(err: sqlx::Error) -> ApiError {
    tracing::error!(%err, "database error");
    ApiError::unavailable()
}

impl Users {
    pub fn new(pool: SqlitePool) -> Self {
        Self { pool }
    }

    /// Inserts a user; `Ok(None)` when the email is already taken.
    pub async fn create(
        &self,
        email: &Email,
        password_hash: &str,
    ) -> Result<Option<i64>, ApiError> {
        let result = sqlx::query_scalar::<_, i64>(
            "INSERT INTO users (email, password_hash) VALUES (?, ?) RETURNING id",
        )
        .bind(email.as_str())
        .bind(password_hash)
        .fetch_one(&self.pool)
        .await;
        match result {
            Ok(id) => Ok(Some(id)),
            Err(sqlx::Error::Database(err)) if err.is_unique_violation() => Ok(None),
            Err(err) => Err(db_error(err)),
        }
    }

    pub async fn by_email(&self, email: &Email) -> Result<Option<UserRow>, ApiError> {
        sqlx::query_as::<_, UserRow>("SELECT id, email, password_hash FROM users WHERE email = ?")
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)
    }

    pub async fn by_id(&self, id: i64) -> Result<Option<UserRow>, ApiError> {
        sqlx::query_as::<_, UserRow>("SELECT id, email, password_hash FROM users WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)
    }
}
