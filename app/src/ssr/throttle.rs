//! Login throttling: `LOGIN_MAX_FAILURES` failed logins per account, and
//! ten times as many per client IP, within `LOGIN_WINDOW_SECS`; past that,
//! 429 until the window ends.
//!
//! Rate-limiting crates such as governor count every request and keep
//! their counters in one process's memory. Here only *failures* count (a
//! person who logs in often is never locked out), a success clears the
//! account's count, and the counters live in the database, so every
//! instance sees the same ones. That is a few lines of SQL.

use super::db::{on_pool, Db};
use crate::error::ApiError;
use sha2::{Digest, Sha256};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_failures: i64,
    pub window_secs: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window_secs: 900,
        }
    }
}

/// How much more an IP may fail than one account: an office or a phone
/// network puts many people behind one address.
pub const PER_IP_FACTOR: i64 = 10;

#[derive(Clone)]
pub struct Throttle {
    db: Db,
    limits: Limits,
}

/// The two counters a login attempt is held to.
pub struct Keys {
    account: String,
    ip: String,
}

impl Keys {
    /// `email` as typed (trimmed and lower-cased, like the `Email` type, so
    /// case games do not buy more attempts); `ip` is the client's address.
    pub fn new(email: &str, ip: &str) -> Self {
        let hash = |s: String| hex::encode(Sha256::digest(s.as_bytes()));
        Self {
            account: hash(format!("email:{}", email.trim().to_lowercase())),
            ip: hash(format!("ip:{ip}")),
        }
    }
}

fn db_error(err: sqlx::Error) -> ApiError {
    tracing::error!(%err, "database error (login throttle)");
    ApiError::unavailable()
}

impl Throttle {
    pub fn new(db: Db, limits: Limits) -> Self {
        Self { db, limits }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// `Err(429)` with the seconds left when either counter is used up.
    pub async fn check(&self, keys: &Keys, now: i64) -> Result<(), ApiError> {
        let window = self.limits.window_secs;
        let mut wait = 0;
        for (key, max) in [
            (&keys.account, self.limits.max_failures),
            (
                &keys.ip,
                self.limits.max_failures.saturating_mul(PER_IP_FACTOR),
            ),
        ] {
            let row: Option<(i64, i64)> = on_pool!(&self.db, pool => {
                sqlx::query_as("SELECT failures, window_start FROM login_failures WHERE key = $1")
                    .bind(key)
                    .fetch_optional(pool)
                    .await
            })
            .map_err(db_error)?;
            if let Some((failures, start)) = row {
                let ends = start.saturating_add(window);
                if failures >= max && ends > now {
                    wait = wait.max(ends - now);
                }
            }
        }
        if wait > 0 {
            Err(ApiError::too_many_attempts(wait as u64))
        } else {
            Ok(())
        }
    }

    /// Counts a failure against both keys, starting a new window for a key
    /// whose window has ended.
    pub async fn record_failure(&self, keys: &Keys, now: i64) -> Result<(), ApiError> {
        for key in [&keys.account, &keys.ip] {
            on_pool!(&self.db, pool => {
                sqlx::query(
                    "INSERT INTO login_failures (key, failures, window_start) VALUES ($1, 1, $2) \
                     ON CONFLICT (key) DO UPDATE SET \
                       failures = CASE WHEN login_failures.window_start + $3 <= $2 \
                         THEN 1 ELSE login_failures.failures + 1 END, \
                       window_start = CASE WHEN login_failures.window_start + $3 <= $2 \
                         THEN $2 ELSE login_failures.window_start END",
                )
                .bind(key)
                .bind(now)
                .bind(self.limits.window_secs)
                .execute(pool)
                .await
                .map(|_| ())
            })
            .map_err(db_error)?;
        }
        Ok(())
    }

    /// A successful login clears the account's failures (not the IP's: one
    /// good password must not reset an attack on the others).
    pub async fn clear_account(&self, keys: &Keys) -> Result<(), ApiError> {
        on_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM login_failures WHERE key = $1")
                .bind(&keys.account)
                .execute(pool)
                .await
                .map(|_| ())
        })
        .map_err(db_error)?;
        Ok(())
    }

    /// Deletes counters whose window has ended.
    pub async fn remove_expired(&self, now: i64) -> Result<u64, sqlx::Error> {
        on_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM login_failures WHERE window_start + $1 <= $2")
                .bind(self.limits.window_secs)
                .bind(now)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })
    }
}
