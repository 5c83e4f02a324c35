//! The caller's sessions: listing them, ending one, ending the others.

use crate::error::ApiError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::{rfc3339, store_unavailable, Caller};
#[cfg(feature = "ssr")]
use crate::{
    domain::{time_ago, EventKind},
    ssr::{client, session, store},
};

/// Counts sessions ended, by why, for /metrics.
#[cfg(feature = "ssr")]
pub(crate) fn sessions_ended(cause: &'static str, n: u64) {
    metrics::counter!("gatehouse_sessions_ended_total", "cause" => cause).increment(n);
}

/// One of the user's live sessions, as `GET /api/sessions` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// An opaque handle for `revoke_session`; not the session id, and no
    /// way back to it.
    pub id: String,
    /// Whether this is the session making the request.
    pub current: bool,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub last_seen_at: String,
    /// The same two moments in words ("5 minutes ago"), as of the answer.
    pub created_ago: String,
    pub last_seen_ago: String,
    pub user_agent: String,
    pub ip: String,
    /// The browser and system in words ("Firefox on Linux").
    pub device: String,
}

/// The caller's live sessions: this one first, then the most recently used.
#[server(prefix = "/api", endpoint = "sessions", input = server_fn::codec::GetUrl)]
pub async fn list_sessions() -> Result<Vec<SessionInfo>, ApiError> {
    let caller = Caller::get().await?;
    let current = caller.current_hash();
    let rows = caller.own_sessions().await?;
    Ok(describe_sessions(rows, current.as_deref()))
}

/// Sessions as the store holds them, `(id_hash, data)`, as people read
/// them: `current` first, then the most recently used.
#[cfg(feature = "ssr")]
pub(crate) fn describe_sessions(rows: Vec<(String, String)>, current: Option<&str>) -> Vec<SessionInfo> {
    let now = session::now();
    let language = crate::domain::Language::current();
    let mut sessions: Vec<(i64, SessionInfo)> = rows
        .into_iter()
        .filter_map(|(hash, data)| {
            let auth = session::from_data(&data)?;
            let info = SessionInfo {
                id: store::handle(&hash),
                current: current == Some(hash.as_str()),
                created_at: rfc3339(auth.created_at),
                last_seen_at: rfc3339(auth.last_seen_at),
                created_ago: time_ago(now - auth.created_at, language),
                last_seen_ago: time_ago(now - auth.last_seen_at, language),
                device: crate::domain::describe_user_agent(&auth.user_agent, language),
                user_agent: auth.user_agent,
                ip: auth.ip,
            };
            Some((auth.last_seen_at, info))
        })
        .collect();
    sessions.sort_by_key(|(seen, info)| (!info.current, std::cmp::Reverse(*seen)));
    sessions.into_iter().map(|(_, info)| info).collect()
}

/// Ends one of the caller's sessions, at once and on every instance. Ending
/// the current one is logging out.
#[server(prefix = "/api", endpoint = "revoke_session")]
pub async fn revoke_session(id: String) -> Result<(), ApiError> {
    let caller = Caller::get().await?;
    let rows = caller.own_sessions().await?;
    let Some((hash, _)) = rows.into_iter().find(|(hash, _)| store::handle(hash) == id) else {
        return Err(ApiError::no_such_session());
    };
    let log = &caller.state.security_log;
    log.record(Some(caller.user.id), EventKind::SessionRevoked, &client()).await?;
    sessions_ended("revoked", 1);
    if caller.current_hash().as_deref() == Some(hash.as_str()) {
        session::log_out(&caller.session).await?;
        crate::ssr::flash::leave(crate::domain::Flash::LoggedOut);
        leptos_axum::redirect("/login");
        return Ok(());
    }
    caller
        .state
        .sessions
        .remove(&hash)
        .await
        .map_err(store_unavailable)?;
    crate::ssr::flash::leave(crate::domain::Flash::SessionRevoked);
    Ok(())
}

/// Ends every session of the caller's but this one; answers how many.
#[server(prefix = "/api", endpoint = "logout_others")]
pub async fn logout_others() -> Result<u64, ApiError> {
    let caller = Caller::get().await?;
    let current = caller.current_hash();
    let ended = caller.end_sessions(current.as_deref()).await?;
    sessions_ended("logout_others", ended);
    let log = &caller.state.security_log;
    log.record(Some(caller.user.id), EventKind::LogoutOthers, &client()).await?;
    crate::ssr::flash::leave(crate::domain::Flash::OthersLoggedOut);
    Ok(ended)
}

