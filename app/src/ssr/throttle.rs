//! Counting what an attacker would repeat, in the database so that every
//! instance sees the same counts:
//!
//! - the login throttle: `LOGIN_MAX_FAILURES` wrong answers per account,
//!   and ten times as many per client IP, within `LOGIN_WINDOW_SECS`;
//! - `RATE_LIMIT_PER_IP`: anonymous writes (sign-ups, reset requests,
//!   passkey-login starts) per client IP per minute;
//! - caps on mail (reset and confirmation links per account and address).
//!
//! Each is a fixed-window [`reserve_in`]: one atomic upsert that takes a
//! slot only while the window has one left, so a burst sent at the same
//! moment can't all pass a check made before any of them is counted.
//! The login throttle reserves its slot *before* the password is hashed
//! and gives it back when the answer was right ([`Attempt`]): at most
//! `LOGIN_MAX_FAILURES` wrong answers are ever checked per window,
//! however many arrive at once.
//!
//! Rate-limiting crates such as governor count in one process's memory;
//! these counters must hold across instances, and only failures count
//! against a person who logs in often. That is a few lines of SQL.

use super::db::{on_pool, on_tx, Db, Tx};
use crate::error::ApiError;
use sha2::{Digest, Sha256};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_failures: i64,
    pub window_secs: i64,
    /// `RATE_LIMIT_PER_IP`: anonymous writes per client IP per minute.
    pub per_ip_per_minute: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window_secs: 900,
            per_ip_per_minute: 20,
        }
    }
}

/// How much more an IP may fail than one account: an office or a phone
/// network puts many people behind one address.
pub const PER_IP_FACTOR: i64 = 10;

/// The window of `RATE_LIMIT_PER_IP`.
const RATE_WINDOW_SECS: i64 = 60;

use super::internal::database as db_error;

/// A key as stored: a SHA-256 of what it counts, so no address or email
/// is kept in the table.
pub fn key(what: &str) -> String {
    hex::encode(Sha256::digest(what.as_bytes()))
}

/// The part of a client's address its per-IP limits count: the address
/// itself, or for IPv6 its /64 (one subscriber usually has a whole /64,
/// so counting single addresses would give them 2^64 budgets).
pub fn network_of(ip: &str) -> String {
    use std::net::IpAddr;
    match ip.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(v4) => v4.to_string(),
        Err(_) => ip.to_owned(),
    }
}

/// Takes one slot of `key`'s window inside `tx`, if one is left: `Ok(start)`
/// with the window's start (to give the slot back), or `Err(seconds)`
/// until the window ends. A window that has ended starts again here. The
/// upsert's `WHERE` is evaluated on the row as it stands after any other
/// writer's (Postgres locks the row; SQLite has one writer at a time), so
/// two requests can't both take the last slot.
pub async fn reserve_in(tx: &mut Tx, key: &str, max: i64, window_secs: i64, now: i64) -> Result<Result<i64, i64>, ApiError> {
    let taken: Option<i64> = on_tx!(tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO counters (key, count, window_start, window_secs) VALUES ($1, 1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET \
               count = CASE WHEN counters.window_start + counters.window_secs <= $2 \
                 THEN 1 ELSE counters.count + 1 END, \
               window_start = CASE WHEN counters.window_start + counters.window_secs <= $2 \
                 THEN $2 ELSE counters.window_start END, \
               window_secs = $3 \
             WHERE counters.window_start + counters.window_secs <= $2 OR counters.count < $4 \
             RETURNING window_start",
        )
        .bind(key)
        .bind(now)
        .bind(window_secs)
        .bind(max)
        .fetch_optional(conn)
        .await
    })
    .map_err(db_error)?;
    if let Some(start) = taken {
        return Ok(Ok(start));
    }
    let ends: Option<i64> = on_tx!(tx, conn => {
        sqlx::query_scalar("SELECT window_start + window_secs FROM counters WHERE key = $1")
            .bind(key)
            .fetch_optional(conn)
            .await
    })
    .map_err(db_error)?;
    Ok(Err(ends.map_or(1, |ends| (ends - now).max(1))))
}

/// Gives back, inside `tx`, a slot [`reserve_in`] took in the window that
/// started at `start` (a later window is left alone).
pub async fn give_back_in(tx: &mut Tx, key: &str, start: i64) -> Result<(), ApiError> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE counters SET count = count - 1 WHERE key = $1 AND window_start = $2 AND count > 0")
            .bind(key)
            .bind(start)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .map_err(db_error)
}

#[derive(Clone)]
pub struct Throttle {
    db: Db,
    limits: Limits,
}

/// The two counters a login attempt is held to.
#[derive(Clone, Debug)]
pub struct Keys {
    account: String,
    ip: String,
}

impl Keys {
    /// `email` as typed (trimmed and lower-cased, like the `Email` type, so
    /// case games do not buy more attempts); `ip` is the client's address,
    /// counted by [`network_of`].
    pub fn new(email: &str, ip: &str) -> Self {
        Self {
            account: key(&format!("email:{}", email.trim().to_lowercase())),
            ip: key(&format!("ip:{}", network_of(ip))),
        }
    }
}

/// One attempt at a secret (a password, a code), reserved before it is
/// checked. A right answer gives it back ([`Attempt::passed`]); a wrong one
/// keeps it, simply by being dropped: a request cut off half way counts as
/// a failure, never as a free guess.
#[must_use = "an attempt is given back only by `passed`"]
pub struct Attempt {
    db: Db,
    keys: Keys,
    account_window: i64,
    ip_window: i64,
}

impl Attempt {
    /// The answer was right: both slots go back (a later window is left
    /// alone).
    pub async fn passed(self) -> Result<(), ApiError> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        give_back_in(&mut tx, &self.keys.account, self.account_window).await?;
        give_back_in(&mut tx, &self.keys.ip, self.ip_window).await?;
        tx.commit().await.map_err(db_error)
    }
}

impl Throttle {
    pub fn new(db: Db, limits: Limits) -> Self {
        Self { db, limits }
    }

    pub fn window_secs(&self) -> i64 {
        self.limits.window_secs
    }

    /// Reserves an attempt for both keys in one transaction, or answers
    /// the seconds until one is free (neither key is counted then).
    pub async fn reserve(&self, keys: &Keys, now: i64) -> Result<Result<Attempt, i64>, ApiError> {
        let window = self.limits.window_secs;
        let per_ip = self.limits.max_failures.saturating_mul(PER_IP_FACTOR);
        let mut tx = self.db.begin().await.map_err(db_error)?;
        let account = reserve_in(&mut tx, &keys.account, self.limits.max_failures, window, now).await?;
        let ip = match account {
            Ok(_) => reserve_in(&mut tx, &keys.ip, per_ip, window, now).await?,
            Err(wait) => Err(wait),
        };
        match (account, ip) {
            (Ok(account_window), Ok(ip_window)) => {
                tx.commit().await.map_err(db_error)?;
                Ok(Ok(Attempt {
                    db: self.db.clone(),
                    keys: keys.clone(),
                    account_window,
                    ip_window,
                }))
            }
            // Dropped, the transaction rolls back: nothing was counted.
            (_, Err(wait)) | (Err(wait), _) => Ok(Err(wait)),
        }
    }

    /// A finished sign-in clears the account's failures (not the IP's: one
    /// good password must not reset an attack on the others).
    pub async fn clear_account(&self, keys: &Keys) -> Result<(), ApiError> {
        on_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM counters WHERE key = $1")
                .bind(&keys.account)
                .execute(pool)
                .await
                .map(|_| ())
        })
        .map_err(db_error)
    }

    /// Takes one of `RATE_LIMIT_PER_IP`'s slots for the client at `ip`, or
    /// answers the seconds until the minute's window ends.
    pub async fn per_ip(&self, ip: &str, now: i64) -> Result<Result<(), i64>, ApiError> {
        let key = key(&format!("rate:{}", network_of(ip)));
        self.once_in(&key, self.limits.per_ip_per_minute, RATE_WINDOW_SECS, now)
            .await
            .map(|r| r.map(|_| ()))
    }

    /// Takes a slot of `key` (at most `max` per `window_secs`), in a
    /// transaction of its own.
    pub async fn once_in(&self, key: &str, max: i64, window_secs: i64, now: i64) -> Result<Result<i64, i64>, ApiError> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        let taken = reserve_in(&mut tx, key, max, window_secs, now).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(taken)
    }

    /// Deletes counters whose window has ended.
    pub async fn remove_expired(&self, now: i64) -> Result<u64, sqlx::Error> {
        on_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM counters WHERE window_start + window_secs <= $1")
                .bind(now)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_per_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(network_of("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(network_of("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
        assert_ne!(network_of("2001:db8:1:3::1"), network_of("2001:db8:1:2::1"));
        assert_eq!(network_of("::ffff:198.51.100.7"), "198.51.100.7");
        assert_eq!(network_of("198.51.100.7"), "198.51.100.7");
        assert_eq!(
            Keys::new("A@Example.com ", "2001:db8::1").account,
            Keys::new("a@example.com", "2001:db8::2").account
        );
        assert_eq!(Keys::new("a@x.test", "2001:db8::1").ip, Keys::new("a@x.test", "2001:db8::2").ip);
    }
}
