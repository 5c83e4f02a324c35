//! The account's security log, as `GET /api/security_events` lists it.

use crate::error::ApiError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::{rfc3339, Caller};

/// One event of the security log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEvent {
    /// The contract's name for it: `login`, `password_changed`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// RFC 3339, UTC.
    pub at: String,
    pub ip: String,
    pub user_agent: String,
    /// The same in words: what happened, how long ago, on what browser.
    pub what: String,
    pub ago: String,
    pub device: String,
}

/// How many events the page and the API show.
pub const RECENT: i64 = 50;

/// The caller's newest security events, newest first.
#[server(prefix = "/api", endpoint = "security_events", input = server_fn::codec::GetUrl)]
pub async fn security_events() -> Result<Vec<SecurityEvent>, ApiError> {
    let caller = Caller::get().await?;
    let events = caller.state.security_log.for_user(caller.user.id, RECENT).await?;
    Ok(describe_events(events))
}

/// Events as the log holds them, as people read them.
#[cfg(feature = "ssr")]
pub(crate) fn describe_events(events: Vec<crate::ssr::security_log::Event>) -> Vec<SecurityEvent> {
    use crate::domain::{describe_user_agent, time_ago, EventKind};
    let now = crate::ssr::session::now();
    let language = crate::domain::Language::current();
    events
        .into_iter()
        .map(|e| SecurityEvent {
            what: EventKind::from_code(&e.kind).map_or_else(|| e.kind.clone(), |k| k.words(language).to_owned()),
            at: rfc3339(e.at),
            ago: time_ago(now - e.at, language),
            device: describe_user_agent(&e.user_agent, language),
            kind: e.kind,
            ip: e.ip,
            user_agent: e.user_agent,
        })
        .collect()
}
