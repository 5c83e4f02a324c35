//! The outbox table: mail waiting to be sent, sealed at rest.

use super::{seal::Sealer, Message};
use crate::ssr::db::{on_pool, on_tx, Db, Tx};

/// What the AEAD binds a body to: its row's recipient and subject.
fn bound(to: &str, subject: &str) -> Vec<u8> {
    [to.as_bytes(), b"\0", subject.as_bytes()].concat()
}

/// Stores `message` in the outbox inside `tx`: it is sent if and only if
/// the transaction commits.
pub async fn enqueue(tx: &mut Tx, sealer: &Sealer, message: &Message, now: i64) -> Result<(), sqlx::Error> {
    let body = serde_json::to_vec(message).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let sealed = sealer
        .seal(&body, &bound(&message.to, &message.subject))
        .ok_or_else(|| sqlx::Error::Encode("the mail could not be sealed".into()))?;
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO outbox (recipient, subject, sealed, created_at, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(&message.to)
        .bind(&message.subject)
        .bind(sealed)
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// A mail a worker has claimed: it alone sends it until `claimed_until`.
pub struct Claimed {
    pub id: i64,
    pub attempts: i64,
    /// `None` when the body can't be opened (sealed under another secret).
    pub message: Option<Message>,
}

/// A row as the development mailbox shows it.
pub struct Stored {
    pub created_at: i64,
    pub message: Option<Message>,
    pub recipient: String,
    pub subject: String,
}

#[derive(Clone)]
pub struct Outbox {
    db: Db,
    sealer: std::sync::Arc<Sealer>,
}

type Row = (i64, String, String, Option<Vec<u8>>, i64);

impl Outbox {
    pub fn new(db: Db, sealer: std::sync::Arc<Sealer>) -> Self {
        Self { db, sealer }
    }

    fn open(&self, to: &str, subject: &str, sealed: Option<&[u8]>) -> Option<Message> {
        let body = self.sealer.open(sealed?, &bound(to, subject))?;
        serde_json::from_slice(&body).ok()
    }

    /// Claims up to `limit` mails that are due and not claimed by a live
    /// lease, until `lease_until`. Postgres skips rows another instance is
    /// claiming this moment (`FOR UPDATE SKIP LOCKED`) and re-checks the
    /// rest after their lock, so no two workers claim one mail; SQLite runs
    /// one write at a time, so its plain UPDATE is just as exclusive.
    pub async fn claim(&self, now: i64, lease_until: i64, limit: i64) -> Result<Vec<Claimed>, sqlx::Error> {
        let lock = match self.db {
            Db::Postgres(_) => "FOR UPDATE SKIP LOCKED",
            Db::Sqlite(_) => "",
        };
        let sql = format!(
            "UPDATE outbox SET claimed_until = $1, attempts = attempts + 1 WHERE id IN (\
               SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $2 \
               AND claimed_until <= $2 ORDER BY id LIMIT $3 {lock}) \
             RETURNING id, recipient, subject, sealed, attempts"
        );
        let rows: Vec<Row> = on_pool!(&self.db, pool => {
            sqlx::query_as(&sql)
                .bind(lease_until)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await
        })?;
        let mut claimed: Vec<Claimed> = rows
            .into_iter()
            .map(|(id, to, subject, sealed, attempts)| Claimed {
                id,
                attempts,
                message: self.open(&to, &subject, sealed.as_deref()),
            })
            .collect();
        claimed.sort_by_key(|c| c.id);
        Ok(claimed)
    }

    /// One update of a claimed row: `sql` sets its columns from `$1` (a
    /// time) and `$2` (an error, or NULL), for the row `$3`.
    async fn update(&self, sql: &str, at: i64, error: Option<&str>, id: i64) -> Result<(), sqlx::Error> {
        let error = error.map(|e| e.chars().take(500).collect::<String>());
        on_pool!(&self.db, pool => {
            sqlx::query(sql)
                .bind(at)
                .bind(error)
                .bind(id)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Marks a mail sent and drops its body: a sent mail keeps no link.
    pub async fn sent(&self, id: i64, now: i64) -> Result<(), sqlx::Error> {
        let sql = "UPDATE outbox SET sent_at = $1, last_error = $2, sealed = NULL, claimed_until = 0 WHERE id = $3";
        self.update(sql, now, None, id).await
    }

    /// Gives a claimed mail back, to be tried again at `retry_at`.
    pub async fn failed(&self, id: i64, retry_at: i64, error: &str) -> Result<(), sqlx::Error> {
        let sql = "UPDATE outbox SET next_attempt_at = $1, last_error = $2, claimed_until = 0 WHERE id = $3";
        self.update(sql, retry_at, Some(error), id).await
    }

    /// Sets aside a mail that can never be sent (its body can't be opened,
    /// or the server refuses its address for good): it keeps no body and is
    /// never claimed again.
    pub async fn undeliverable(&self, id: i64, error: &str) -> Result<(), sqlx::Error> {
        let sql = "UPDATE outbox SET next_attempt_at = $1, last_error = $2, sealed = NULL, claimed_until = 0 \
                   WHERE id = $3";
        self.update(sql, i64::MAX, Some(error), id).await
    }

    /// Extends a worker's claim on a mail from `held` (the lease it set,
    /// when claiming or at its last renewal) to `until`: `false` when the
    /// claim is no longer that worker's. A mail already sent or given back
    /// (`claimed_until` 0), or claimed by another worker after this one's
    /// lease ran out (a later lease), is left alone, so the first worker
    /// learns it must not send it.
    pub async fn renew(&self, id: i64, held: i64, until: i64) -> Result<bool, sqlx::Error> {
        let renewed = on_pool!(&self.db, pool => {
            sqlx::query(
                "UPDATE outbox SET claimed_until = $1 \
                 WHERE id = $2 AND sent_at IS NULL AND claimed_until = $3",
            )
            .bind(until)
            .bind(id)
            .bind(held)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(renewed == 1)
    }

    /// Gives back a claimed mail that was not tried, as if never claimed.
    pub async fn release(&self, id: i64) -> Result<(), sqlx::Error> {
        on_pool!(&self.db, pool => {
            sqlx::query("UPDATE outbox SET claimed_until = 0, attempts = attempts - 1 WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// How many mails wait to be sent.
    pub async fn depth(&self) -> Result<i64, sqlx::Error> {
        on_pool!(&self.db, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND sealed IS NOT NULL")
                .fetch_one(pool)
                .await
        })
    }

    /// The newest `limit` mails, opened, for the development mailbox.
    pub async fn newest(&self, limit: i64) -> Result<Vec<Stored>, sqlx::Error> {
        let rows: Vec<(String, String, Option<Vec<u8>>, i64)> = on_pool!(&self.db, pool => {
            sqlx::query_as(
                "SELECT recipient, subject, sealed, created_at FROM outbox \
                 ORDER BY id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(recipient, subject, sealed, created_at)| Stored {
                created_at,
                message: self.open(&recipient, &subject, sealed.as_deref()),
                recipient,
                subject,
            })
            .collect())
    }

    /// Deletes sent mails older than `before` (they keep no body anyway).
    pub async fn remove_sent(&self, before: i64) -> Result<u64, sqlx::Error> {
        on_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < $1")
                .bind(before)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })
    }
}
