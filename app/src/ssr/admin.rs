//! What administrators do to accounts, and the administrators' log
//! (kept, like the security log, 90 days: `SecurityLog::remove_old`).
//!
//! Each action writes its change, the account's security-log event, the
//! administrators' log entry and any mail in one transaction: an action
//! is logged exactly when it happened. Ending sessions is the caller's,
//! after the commit (they live in the session store, maybe Redis).

use super::{
    accounts::Accounts,
    db::{on_pool, on_tx, Db, Tx},
    mail::templates::Notice,
    security_log::record_in,
    session::{now, Client},
    users::{db_error, UserRow},
};
use crate::{
    domain::{AccountSearch, AdminAction, LockReason},
    error::ApiError,
};

/// Put in a request's extensions by the server's access layer once it
/// has read that the session's account is an administrator: the
/// administrators' pages render only with it (else the app's 404).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdminViewer(pub i64);

/// Who did it: an administrator's account, or the operator's command
/// line (no account).
#[derive(Clone, Debug)]
pub struct Actor {
    pub id: Option<i64>,
    pub email: String,
}

/// One account as `/admin` lists it. Times are Unix seconds.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub email: String,
    /// RFC 3339, UTC (each database writes its own default).
    pub created_at: String,
    pub email_confirmed_at: Option<i64>,
    pub two_factor: bool,
    pub passkeys: i64,
    pub last_login_at: Option<i64>,
    pub locked_at: Option<i64>,
    pub locked_reason: Option<String>,
    pub is_admin: bool,
}

/// One entry of the administrators' log.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Entry {
    pub kind: String,
    pub at: i64,
    pub admin_email: String,
    pub target_email: String,
    pub ip: String,
    pub reason: Option<String>,
}

#[derive(Clone)]
pub struct Admin {
    db: Db,
    accounts: Accounts,
}

/// The columns of an [`AccountRow`], `created` being this database's
/// way to write `users.created_at` as RFC 3339.
fn account_columns(created: &str) -> String {
    format!(
        "SELECT u.id, u.email, {created} AS created_at, u.email_confirmed_at, \
           EXISTS (SELECT 1 FROM totp t WHERE t.user_id = u.id AND t.secret IS NOT NULL) AS two_factor, \
           (SELECT COUNT(*) FROM passkeys p WHERE p.user_id = u.id) AS passkeys, \
           u.last_login_at, u.locked_at, u.locked_reason, u.is_admin \
         FROM users u"
    )
}

const SQLITE_CREATED: &str = "u.created_at";
const POSTGRES_CREATED: &str = "to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";

impl Admin {
    pub fn new(db: Db, accounts: Accounts) -> Self {
        Self { db, accounts }
    }

    fn columns(&self) -> String {
        match &self.db {
            Db::Sqlite(_) => account_columns(SQLITE_CREATED),
            Db::Postgres(_) => account_columns(POSTGRES_CREATED),
        }
    }

    /// A page of the accounts whose address contains `search`, newest
    /// first, and how many there are in all.
    pub async fn search(&self, search: &AccountSearch, offset: i64, limit: i64) -> Result<(Vec<AccountRow>, i64), ApiError> {
        let pattern = search.like_pattern();
        let filter = "WHERE LOWER(u.email) LIKE $1 ESCAPE '\\'";
        let list = format!("{} {filter} ORDER BY u.id DESC LIMIT $2 OFFSET $3", self.columns());
        let count = format!("SELECT COUNT(*) FROM users u {filter}");
        let rows: Vec<AccountRow> = on_pool!(&self.db, pool => {
            sqlx::query_as(&list)
                .bind(&pattern)
                .bind(limit)
                .bind(offset.max(0))
                .fetch_all(pool)
                .await
        })
        .map_err(db_error)?;
        let total: i64 = on_pool!(&self.db, pool => {
            sqlx::query_scalar(&count).bind(&pattern).fetch_one(pool).await
        })
        .map_err(db_error)?;
        Ok((rows, total))
    }

    pub async fn account(&self, id: i64) -> Result<Option<AccountRow>, ApiError> {
        let sql = format!("{} WHERE u.id = $1", self.columns());
        on_pool!(&self.db, pool => {
            sqlx::query_as(&sql).bind(id).fetch_optional(pool).await
        })
        .map_err(db_error)
    }

    /// Locks the account with `reason` (a second lock only replaces the
    /// reason). The account is told, the first time.
    pub async fn lock(&self, actor: &Actor, target: &UserRow, reason: &LockReason, client: &Client) -> Result<(), ApiError> {
        let mut tx = self.accounts.begin().await?;
        let newly = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE users SET locked_at = $1 WHERE id = $2 AND locked_at IS NULL")
                .bind(now())
                .bind(target.id)
                .execute(conn)
                .await
                .map(|r| r.rows_affected() == 1)
        })
        .map_err(db_error)?;
        on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE users SET locked_reason = $1 WHERE id = $2")
                .bind(reason.as_str())
                .bind(target.id)
                .execute(conn)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(db_error)?;
        if newly {
            self.accounts.queue_notice(&mut tx, target, &Notice::AccountLocked).await?;
        }
        self.log_in_tx(&mut tx, actor, target, AdminAction::Lock, client, Some(reason.as_str())).await?;
        self.accounts.commit(tx).await
    }

    /// Unlocks the account; it is told when it was locked.
    pub async fn unlock(&self, actor: &Actor, target: &UserRow, client: &Client) -> Result<(), ApiError> {
        let mut tx = self.accounts.begin().await?;
        let was_locked = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE users SET locked_at = NULL, locked_reason = NULL WHERE id = $1 AND locked_at IS NOT NULL")
                .bind(target.id)
                .execute(conn)
                .await
                .map(|r| r.rows_affected() == 1)
        })
        .map_err(db_error)?;
        if was_locked {
            self.accounts.queue_notice(&mut tx, target, &Notice::AccountUnlocked).await?;
        }
        self.log_in_tx(&mut tx, actor, target, AdminAction::Unlock, client, None).await?;
        self.accounts.commit(tx).await
    }

    /// Sends the account a password-reset link (past the per-account cap
    /// on requests: an administrator is not a stranger guessing).
    pub async fn send_reset(&self, actor: &Actor, target: &UserRow, client: &Client) -> Result<(), ApiError> {
        let mut tx = self.accounts.begin().await?;
        self.accounts.queue_reset(&mut tx, target).await?;
        self.log_in_tx(&mut tx, actor, target, AdminAction::SendReset, client, None).await?;
        self.accounts.commit(tx).await
    }

    /// Turns two-step verification off (the app's secret and the recovery
    /// codes go); the account is told when it was on.
    pub async fn reset_second_factor(&self, actor: &Actor, target: &UserRow, client: &Client) -> Result<(), ApiError> {
        let mut tx = self.accounts.begin().await?;
        let was_on = on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM totp WHERE user_id = $1 AND secret IS NOT NULL")
                .bind(target.id)
                .execute(conn)
                .await
                .map(|r| r.rows_affected() > 0)
        })
        .map_err(db_error)?;
        // An app being set up, and the recovery codes, go too.
        on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM totp WHERE user_id = $1")
                .bind(target.id)
                .execute(conn)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(db_error)?;
        on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                .bind(target.id)
                .execute(conn)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(db_error)?;
        if was_on {
            self.accounts.queue_notice(&mut tx, target, &Notice::TotpDisabled).await?;
        }
        self.log_in_tx(&mut tx, actor, target, AdminAction::ResetSecondFactor, client, None).await?;
        self.accounts.commit(tx).await
    }

    /// Logs an action that changes nothing in the database itself (ending
    /// sessions: they live in the session store).
    pub async fn record(&self, actor: &Actor, target: &UserRow, action: AdminAction, client: &Client) -> Result<(), ApiError> {
        let mut tx = self.accounts.begin().await?;
        self.log_in_tx(&mut tx, actor, target, action, client, None).await?;
        self.accounts.commit(tx).await
    }

    /// Deletes the account (its security log goes with it; the
    /// administrators' log keeps the address).
    pub async fn delete(&self, actor: &Actor, target: &UserRow, client: &Client) -> Result<(), ApiError> {
        let mut tx = self.accounts.begin().await?;
        self.log_in_tx(&mut tx, actor, target, AdminAction::Delete, client, None).await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM users WHERE id = $1").bind(target.id).execute(conn).await.map(|r| r.rows_affected())
        })
        .map_err(db_error)?;
        self.accounts.commit(tx).await
    }

    /// Makes the account an administrator, or no longer one (the
    /// operator's command); `None` when there is no such account, else
    /// whether anything changed.
    pub async fn set_admin(&self, email: &crate::domain::Email, admin: bool) -> Result<Option<bool>, ApiError> {
        let mut tx = self.accounts.begin().await?;
        let row: Option<(i64, String, bool)> = on_tx!(&mut tx, conn => {
            sqlx::query_as("SELECT id, email, is_admin FROM users WHERE email = $1")
                .bind(email.as_str())
                .fetch_optional(conn)
                .await
        })
        .map_err(db_error)?;
        let Some((id, email, was)) = row else {
            return Ok(None);
        };
        if was == admin {
            return Ok(Some(false));
        }
        on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE users SET is_admin = $1 WHERE id = $2").bind(admin).bind(id).execute(conn).await.map(|r| r.rows_affected())
        })
        .map_err(db_error)?;
        let operator = Actor {
            id: None,
            email: OPERATOR.to_owned(),
        };
        let action = if admin { AdminAction::Grant } else { AdminAction::Revoke };
        insert_entry(&mut tx, &operator, Some(id), &email, action, "", None).await?;
        self.accounts.commit(tx).await?;
        Ok(Some(true))
    }

    /// The administrators' addresses, oldest account first.
    pub async fn admins(&self) -> Result<Vec<String>, ApiError> {
        on_pool!(&self.db, pool => {
            sqlx::query_scalar("SELECT email FROM users WHERE is_admin = $1 ORDER BY id")
                .bind(true)
                .fetch_all(pool)
                .await
        })
        .map_err(db_error)
    }

    /// The administrators' log, newest first.
    pub async fn log(&self, offset: i64, limit: i64) -> Result<Vec<Entry>, ApiError> {
        on_pool!(&self.db, pool => {
            sqlx::query_as(
                "SELECT kind, at, admin_email, target_email, ip, reason FROM admin_events \
                 ORDER BY id DESC LIMIT $1 OFFSET $2",
            )
            .bind(limit)
            .bind(offset.max(0))
            .fetch_all(pool)
            .await
        })
        .map_err(db_error)
    }

    /// The action in both logs, and counted for /metrics.
    async fn log_in_tx(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        target: &UserRow,
        action: AdminAction,
        client: &Client,
        reason: Option<&str>,
    ) -> Result<(), ApiError> {
        if let Some(event) = action.event() {
            record_in(tx, Some(target.id), event, client).await?;
        }
        insert_entry(tx, actor, Some(target.id), &target.email, action, &client.ip, reason).await
    }
}

/// How the administrators' log names the operator's command line.
pub const OPERATOR: &str = "operator (server admin)";

async fn insert_entry(
    tx: &mut Tx,
    actor: &Actor,
    target_id: Option<i64>,
    target_email: &str,
    action: AdminAction,
    ip: &str,
    reason: Option<&str>,
) -> Result<(), ApiError> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO admin_events (kind, at, admin_id, admin_email, target_id, target_email, ip, reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(action.code())
        .bind(now())
        .bind(actor.id)
        .bind(&actor.email)
        .bind(target_id)
        .bind(target_email)
        .bind(ip)
        .bind(reason)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .map_err(db_error)?;
    metrics::counter!("gatehouse_admin_actions_total", "action" => action.code()).increment(1);
    Ok(())
}
