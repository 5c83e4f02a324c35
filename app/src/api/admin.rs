//! What administrators do: find an account, see its sessions and log,
//! lock and unlock it, end its sessions, reset its two-step
//! verification, send it a reset link, delete it; and the log of all of
//! that. Every call here is "administrator" in the access table (an
//! administrator's session, recently authenticated); [`admin_caller`]
//! holds each call to it again.
//!
//! Each action answers JSON to a script, and sends a form posted without
//! JavaScript back to the account's page with a message.

use super::{SecurityEvent, SessionInfo};
use crate::error::ApiError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::{describe_events, describe_sessions, rfc3339, sessions_ended, store_unavailable, Caller};
#[cfg(feature = "ssr")]
use crate::{
    domain::{page_offset, AccountSearch, AdminAction, Flash, LockReason, ADMIN_PAGE},
    ssr::{
        admin::{AccountRow, Actor},
        client, flash,
        users::UserRow,
    },
};

/// One account as `/admin` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminAccount {
    pub id: i64,
    pub email: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub email_confirmed: bool,
    pub two_factor: bool,
    /// How many passkeys it has.
    pub passkeys: i64,
    /// RFC 3339, UTC: signing up, or the last sign-in since (`null` for an
    /// account from before administration was added, until it signs in).
    pub last_login_at: Option<String>,
    pub locked: bool,
}

/// A page of accounts, and how many match in all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminAccounts {
    pub users: Vec<AdminAccount>,
    pub total: i64,
}

/// One account in full, for `/admin/users/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminAccountDetail {
    #[serde(flatten)]
    pub account: AdminAccount,
    /// Whether it is an administrator itself.
    pub admin: bool,
    /// When and why it was locked (RFC 3339), while it is.
    pub locked_at: Option<String>,
    pub locked_reason: Option<String>,
    pub sessions: Vec<SessionInfo>,
    pub events: Vec<SecurityEvent>,
}

/// One entry of the administrators' log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminLogEntry {
    /// `account_locked`, `account_unlocked`, `sessions_ended_by_admin`,
    /// `second_factor_reset_by_admin`, `reset_sent_by_admin`,
    /// `account_deleted_by_admin`, `admin_granted`, `admin_revoked`.
    #[serde(rename = "type")]
    pub kind: String,
    /// RFC 3339, UTC.
    pub at: String,
    pub admin_email: String,
    pub target_email: String,
    /// The administrator's address when it acted (empty for the
    /// operator's command line).
    pub ip: String,
    /// The reason given for a lock.
    pub reason: Option<String>,
}

/// How many entries a page of the administrators' log shows.
pub const ADMIN_LOG_PAGE: i64 = 100;

#[cfg(feature = "ssr")]
impl From<AccountRow> for AdminAccount {
    fn from(row: AccountRow) -> Self {
        Self {
            id: row.id,
            email: row.email,
            created_at: row.created_at,
            email_confirmed: row.email_confirmed_at.is_some(),
            two_factor: row.two_factor,
            passkeys: row.passkeys,
            last_login_at: row.last_login_at.map(rfc3339),
            locked: row.locked_at.is_some(),
        }
    }
}

/// The administrator making the call (or 403), and the account it names
/// (or 404).
#[cfg(feature = "ssr")]
async fn admin_caller(id: i64) -> Result<(Caller, Actor, UserRow), ApiError> {
    let caller = Caller::get().await?;
    if !caller.user.is_admin {
        return Err(ApiError::not_admin());
    }
    let target = caller.state.users.by_id(id).await?.ok_or_else(ApiError::no_such_account)?;
    let actor = Actor {
        id: Some(caller.user.id),
        email: caller.user.email.clone(),
    };
    Ok((caller, actor, target))
}

/// Back to the account's page, with what was done.
#[cfg(feature = "ssr")]
fn done(id: i64, message: Flash) {
    flash::leave(message);
    leptos_axum::redirect(&format!("/admin/users/{id}"));
}

/// The accounts whose address contains `q` (all without it), newest
/// first, [`ADMIN_PAGE`] from `offset`.
#[server(prefix = "/api", endpoint = "admin/users", input = server_fn::codec::GetUrl)]
pub async fn admin_users(
    #[server(default)] q: Option<String>,
    #[server(default)] offset: Option<i64>,
) -> Result<AdminAccounts, ApiError> {
    let caller = Caller::get().await?;
    if !caller.user.is_admin {
        return Err(ApiError::not_admin());
    }
    let search = AccountSearch::parse(q.as_deref().unwrap_or(""));
    let offset = page_offset(offset);
    let (rows, total) = caller.state.admin.search(&search, offset, ADMIN_PAGE).await?;
    Ok(AdminAccounts {
        users: rows.into_iter().map(AdminAccount::from).collect(),
        total,
    })
}

/// One account with its live sessions and its security log.
#[server(prefix = "/api", endpoint = "admin/user", input = server_fn::codec::GetUrl)]
pub async fn admin_user(id: i64) -> Result<AdminAccountDetail, ApiError> {
    let (caller, _, target) = admin_caller(id).await?;
    let state = &caller.state;
    let row = state.admin.account(target.id).await?.ok_or_else(ApiError::no_such_account)?;
    let sessions = state
        .sessions
        .for_user(target.id, crate::ssr::session::now())
        .await
        .map_err(store_unavailable)?;
    // Its own session, when an administrator looks at their own account.
    let current = caller.current_hash().filter(|_| target.id == caller.user.id);
    let events = state.security_log.for_user(target.id, super::RECENT).await?;
    Ok(AdminAccountDetail {
        admin: row.is_admin,
        locked_at: row.locked_at.map(rfc3339),
        locked_reason: row.locked_reason.clone(),
        account: row.into(),
        sessions: describe_sessions(sessions, current.as_deref()),
        events: describe_events(events),
    })
}

/// Locks the account with a reason: it can't sign in by any means, and
/// its sessions end at once, on every instance. Never one's own.
#[server(prefix = "/api", endpoint = "admin/lock")]
pub async fn admin_lock(id: i64, #[server(default)] reason: String) -> Result<(), ApiError> {
    let (caller, actor, target) = admin_caller(id).await?;
    if target.id == caller.user.id {
        return Err(ApiError::own_account());
    }
    let reason = LockReason::parse(&reason)?;
    caller.state.admin.lock(&actor, &target, &reason, &client()).await?;
    // After the commit: a sign-in racing this either sees the lock or
    // stored its session before, and it is ended here (ssr/admission.rs).
    let ended = caller.state.sessions.remove_for_user(target.id, None).await.map_err(store_unavailable)?;
    sessions_ended("account_locked", ended);
    done(id, Flash::AdminLocked);
    Ok(())
}

#[server(prefix = "/api", endpoint = "admin/unlock")]
pub async fn admin_unlock(id: i64) -> Result<(), ApiError> {
    let (caller, actor, target) = admin_caller(id).await?;
    caller.state.admin.unlock(&actor, &target, &client()).await?;
    done(id, Flash::AdminUnlocked);
    Ok(())
}

/// Ends every session of the account (on one's own account, all but this
/// one); answers how many.
#[server(prefix = "/api", endpoint = "admin/end_sessions")]
pub async fn admin_end_sessions(id: i64) -> Result<u64, ApiError> {
    let (caller, actor, target) = admin_caller(id).await?;
    let spare = caller.current_hash().filter(|_| target.id == caller.user.id);
    let state = &caller.state;
    let ended = state.sessions.remove_for_user(target.id, spare.as_deref()).await.map_err(store_unavailable)?;
    sessions_ended("admin", ended);
    state.admin.record(&actor, &target, AdminAction::EndSessions, &client()).await?;
    done(id, Flash::AdminSessionsEnded);
    Ok(ended)
}

/// Turns the account's two-step verification off (a lost phone): its
/// app and recovery codes are deleted, and it is told.
#[server(prefix = "/api", endpoint = "admin/reset_second_factor")]
pub async fn admin_reset_second_factor(id: i64) -> Result<(), ApiError> {
    let (caller, actor, target) = admin_caller(id).await?;
    caller.state.admin.reset_second_factor(&actor, &target, &client()).await?;
    done(id, Flash::AdminSecondFactorReset);
    Ok(())
}

/// Sends the account a password-reset link. Not while it is locked: the
/// link could not be used.
#[server(prefix = "/api", endpoint = "admin/send_reset")]
pub async fn admin_send_reset(id: i64) -> Result<(), ApiError> {
    let (caller, actor, target) = admin_caller(id).await?;
    if target.locked_at.is_some() {
        return Err(ApiError::target_locked());
    }
    caller.state.admin.send_reset(&actor, &target, &client()).await?;
    done(id, Flash::AdminResetSent);
    Ok(())
}

/// Deletes the account and ends its sessions. Never one's own (that is
/// `/profile`'s, with the password).
#[server(prefix = "/api", endpoint = "admin/delete_user")]
pub async fn admin_delete_user(id: i64) -> Result<(), ApiError> {
    let (caller, actor, target) = admin_caller(id).await?;
    if target.id == caller.user.id {
        return Err(ApiError::own_account());
    }
    let state = &caller.state;
    let ended = state.sessions.remove_for_user(target.id, None).await.map_err(store_unavailable)?;
    state.admin.delete(&actor, &target, &client()).await?;
    // A session stored meanwhile (Redis keeps no foreign keys).
    let late = state.sessions.remove_for_user(target.id, None).await.map_err(store_unavailable)?;
    sessions_ended("account_deleted", ended + late);
    flash::leave(Flash::AdminDeleted);
    leptos_axum::redirect("/admin");
    Ok(())
}

/// What every administrator did, newest first, [`ADMIN_LOG_PAGE`] from
/// `offset`.
#[server(prefix = "/api", endpoint = "admin/log", input = server_fn::codec::GetUrl)]
pub async fn admin_log(#[server(default)] offset: Option<i64>) -> Result<Vec<AdminLogEntry>, ApiError> {
    let caller = Caller::get().await?;
    if !caller.user.is_admin {
        return Err(ApiError::not_admin());
    }
    let entries = caller.state.admin.log(page_offset(offset), ADMIN_LOG_PAGE).await?;
    Ok(entries
        .into_iter()
        .map(|e| AdminLogEntry {
            kind: e.kind,
            at: rfc3339(e.at),
            admin_email: e.admin_email,
            target_email: e.target_email,
            ip: e.ip,
            reason: e.reason,
        })
        .collect())
}
