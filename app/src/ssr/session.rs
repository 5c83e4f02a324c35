//! The signed-in state kept in the session, and its lifecycle: log in under
//! a new id, slide the idle timeout (writing at most about once a minute),
//! and end sessions.

use crate::{domain::Language, error::ApiError};
use serde::{Deserialize, Serialize};
use tower_sessions::{Expiry, Session};

/// The one key Gatehouse keeps in a session.
pub const AUTH: &str = "auth";

/// What a signed-in session holds. Times are Unix seconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub user_id: i64,
    /// Kept with the session so pages need no user lookup: a change of
    /// email rewrites it in the session that confirms it and ends the
    /// account's others, and deleting an account deletes its sessions.
    pub email: String,
    pub created_at: i64,
    /// Updated at most once per [`Lifetimes::touch_after`], so reading a
    /// page does not write the store.
    pub last_seen_at: i64,
    pub remember: bool,
    /// When this session last proved who it is (signed in, or
    /// re-authenticated): sensitive changes need it within
    /// [`Lifetimes::reauth_window`]. Kept here, server-side: the browser
    /// can't move it.
    pub authenticated_at: i64,
    pub user_agent: String,
    pub ip: String,
    /// The account's language when it signed in (or chose one here): the
    /// pages' language in a browser with no `lang` cookie should the
    /// account's own row be out of reach.
    pub language: Language,
}

/// How long sessions live, from `SESSION_IDLE_TIMEOUT_SECS` and
/// `SESSION_ABSOLUTE_TIMEOUT_SECS` (seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifetimes {
    pub idle: i64,
    pub absolute: i64,
    /// The absolute lifetime of a "remember me" session.
    pub absolute_remember: i64,
    /// `REAUTH_WINDOW_SECS`: how long after proving who it is a session
    /// may make sensitive changes.
    pub reauth_window: i64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            idle: 1800,
            absolute: 43_200,
            absolute_remember: 2_592_000,
            reauth_window: 600,
        }
    }
}

impl Lifetimes {
    /// When the session is dead: idle too long, or simply too old.
    pub fn deadline(&self, s: &SignedIn) -> i64 {
        let absolute = if s.remember {
            self.absolute_remember
        } else {
            self.absolute
        };
        s.last_seen_at
            .saturating_add(self.idle)
            .min(s.created_at.saturating_add(absolute))
    }

    /// Whether the session proved who it is recently enough for a
    /// sensitive change.
    pub fn is_recent(&self, s: &SignedIn, now: i64) -> bool {
        now.saturating_sub(s.authenticated_at) < self.reauth_window
    }

    /// How stale `last_seen_at` may get before a request writes it again:
    /// a minute, or a tenth of the idle timeout when that is shorter, so the
    /// timeout is never off by more than a tenth.
    pub fn touch_after(&self) -> i64 {
        (self.idle / 10).clamp(1, 60)
    }

    /// The cookie's own lifetime: "remember me" outlives the browser until
    /// the absolute deadline; otherwise the cookie dies with the browser.
    fn cookie_expiry(&self, s: &SignedIn) -> Option<Expiry> {
        s.remember.then(|| {
            let end = s.created_at.saturating_add(self.absolute_remember);
            Expiry::AtDateTime(
                time::OffsetDateTime::from_unix_timestamp(end)
                    .unwrap_or_else(|_| time::OffsetDateTime::now_utc()),
            )
        })
    }
}

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

use super::internal::session_store as store_error;

/// The session of the current request (put there by the session layer).
pub async fn current() -> Result<Session, ApiError> {
    // Read in place: `leptos_axum::extract` would clone the whole request
    // head (every header and extension) to find it.
    leptos::prelude::with_context(|parts: &axum::http::request::Parts| {
        parts.extensions.get::<Session>().cloned()
    })
    .flatten()
    .ok_or_else(|| {
        tracing::error!("no session layer in front of the server functions");
        ApiError::unavailable()
    })
}

pub async fn signed_in(session: &Session) -> Result<Option<SignedIn>, ApiError> {
    session.get::<SignedIn>(AUTH).await.map_err(store_error)
}

/// Who is signed in on this request: what the session guard decoded when
/// the request came in ([`RequestAuth`]), or, where no guard ran, the
/// session itself. Reads the request in place rather than cloning it.
pub async fn request_auth(session: &Session) -> Result<Option<SignedIn>, ApiError> {
    let from_guard = leptos::prelude::with_context(|parts: &axum::http::request::Parts| {
        parts.extensions.get::<RequestAuth>().cloned()
    })
    .flatten();
    match from_guard {
        Some(RequestAuth(auth)) => Ok(auth),
        None => signed_in(session).await,
    }
}

pub async fn user_id(session: &Session) -> Result<Option<i64>, ApiError> {
    Ok(request_auth(session).await?.map(|s| s.user_id))
}

/// Who is signing in, from where: shown on the sessions page.
#[derive(Clone, Debug, Default)]
pub struct Client {
    pub user_agent: String,
    pub ip: String,
}

/// Signs `user_id` in under a brand-new session id (no fixation); the old
/// id, if any, is deleted from the store.
pub async fn log_in(
    session: &Session,
    user_id: i64,
    email: &str,
    language: Language,
    remember: bool,
    lifetimes: &Lifetimes,
    client: Client,
) -> Result<(), ApiError> {
    session.cycle_id().await.map_err(store_error)?;
    session.clear().await;
    let now = now();
    let auth = SignedIn {
        user_id,
        email: email.to_owned(),
        created_at: now,
        last_seen_at: now,
        remember,
        authenticated_at: now,
        user_agent: client.user_agent.chars().take(512).collect(),
        ip: client.ip,
        language,
    };
    session.set_expiry(lifetimes.cookie_expiry(&auth));
    session.insert(AUTH, auth).await.map_err(store_error)
}

/// Where a session holds a login that waits for its second step.
pub const PENDING: &str = "pending_login";

/// How long a pending login (and a passkey ceremony) waits.
pub const PENDING_SECS: i64 = 300;

/// A login whose password was right, for an account that also asks for a
/// code. The session holding it is not signed in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    pub user_id: i64,
    pub remember: bool,
    pub next: Option<String>,
    pub expires_at: i64,
}

/// Makes this browser's session a pending login for `user_id`, under a
/// new id, ending with its cookie after [`PENDING_SECS`]. Whatever the
/// session held before (a signed-in account) is gone.
pub async fn begin_pending(session: &Session, user_id: i64, remember: bool, next: Option<String>) -> Result<(), ApiError> {
    session.cycle_id().await.map_err(store_error)?;
    session.clear().await;
    let expires_at = now() + PENDING_SECS;
    session.set_expiry(Some(short_expiry(expires_at)));
    let pending = PendingLogin {
        user_id,
        remember,
        next,
        expires_at,
    };
    session.insert(PENDING, pending).await.map_err(store_error)
}

/// An expiry at `unix` seconds, for state that lives minutes.
pub fn short_expiry(unix: i64) -> Expiry {
    Expiry::AtDateTime(
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or_else(|_| time::OffsetDateTime::now_utc()),
    )
}

/// The login waiting for a second step in this session, if it has not
/// run out.
pub async fn pending(session: &Session) -> Result<Option<PendingLogin>, ApiError> {
    let pending = session.get::<PendingLogin>(PENDING).await.map_err(store_error)?;
    Ok(pending.filter(|p| p.expires_at > now()))
}

/// Takes `key`'s value out of the session, if it is there: for what works
/// once (a ceremony's challenge, codes to show). Only a session holding it
/// is written (tower-sessions marks a session changed on any `remove`).
pub async fn take<T: serde::de::DeserializeOwned>(session: &Session, key: &str) -> Result<Option<T>, ApiError> {
    if session.get_value(key).await.map_err(store_error)?.is_none() {
        return Ok(None);
    }
    session.remove::<T>(key).await.map_err(store_error)
}

/// The signed-in state inside a session's stored data, if any.
pub fn from_data(data: &str) -> Option<SignedIn> {
    let mut map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(data).ok()?;
    serde_json::from_value(map.remove(AUTH)?).ok()
}

/// Moves the session to a brand-new id, keeping what it holds: the old id
/// is deleted from the store at once (after a password change, say).
pub async fn renew_id(session: &Session) -> Result<(), ApiError> {
    session.cycle_id().await.map_err(store_error)
}

/// Puts the account's new address in this session (after a change of
/// email), so pages and `/api/me` show it.
pub async fn set_email(session: &Session, mut auth: SignedIn, email: &str) -> Result<(), ApiError> {
    auth.email = email.to_owned();
    session.insert(AUTH, auth).await.map_err(store_error)
}

/// Puts the account's new language in this session, for the pages of a
/// browser with no `lang` cookie.
pub async fn set_language(session: &Session, mut auth: SignedIn, language: Language) -> Result<(), ApiError> {
    auth.language = language;
    session.insert(AUTH, auth).await.map_err(store_error)
}

/// Starts the recent-authentication window again for this signed-in
/// session (the password, a code or a passkey was just checked).
pub async fn reauthenticated(session: &Session, mut auth: SignedIn) -> Result<(), ApiError> {
    auth.authenticated_at = now();
    session.insert(AUTH, auth).await.map_err(store_error)
}

/// Deletes the session from the store and clears the cookie.
pub async fn log_out(session: &Session) -> Result<(), ApiError> {
    session.flush().await.map_err(store_error)
}

/// The signed-in state as the session guard found it at the start of the
/// request (put in the request's extensions), so handlers and pages don't
/// decode the session again.
#[derive(Clone, Debug)]
pub struct RequestAuth(pub Option<SignedIn>);

/// Run on every request that carries a session cookie, before the handler;
/// answers who is signed in. The store no longer returns a session past
/// its deadline; a live one gets its `last_seen_at` moved forward when it
/// is stale enough, which is the only write an ordinary request makes.
pub async fn touch(session: &Session, lifetimes: &Lifetimes) -> Result<Option<SignedIn>, ApiError> {
    if session.id().is_none() {
        return Ok(None);
    }
    let Some(value) = session.get_value(AUTH).await.map_err(store_error)? else {
        return Ok(None);
    };
    let Ok(mut auth) = serde_json::from_value::<SignedIn>(value) else {
        // Signed-in state that doesn't read as this version's (a damaged
        // row): signed out, and the session ended, never a 500.
        log_out(session).await?;
        return Ok(None);
    };
    let now = now();
    if lifetimes.deadline(&auth) <= now {
        log_out(session).await?;
        return Ok(None);
    }
    if now - auth.last_seen_at >= lifetimes.touch_after() {
        auth.last_seen_at = now;
        // The cookie is written again with the session; keep its kind.
        session.set_expiry(lifetimes.cookie_expiry(&auth));
        session
            .insert(AUTH, auth.clone())
            .await
            .map_err(store_error)?;
    }
    Ok(Some(auth))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(remember: bool) -> SignedIn {
        SignedIn {
            user_id: 1,
            email: "a@example.com".into(),
            created_at: 1_000,
            last_seen_at: 1_000,
            remember,
            authenticated_at: 1_000,
            user_agent: String::new(),
            ip: String::new(),
            language: Language::default(),
        }
    }

    #[test]
    fn deadline_is_the_earlier_of_idle_and_absolute() {
        let l = Lifetimes {
            idle: 100,
            absolute: 150,
            absolute_remember: 1_000,
            reauth_window: 600,
        };
        let mut s = session(false);
        assert_eq!(l.deadline(&s), 1_100);
        s.last_seen_at = 1_090;
        assert_eq!(l.deadline(&s), 1_150);
        s.remember = true;
        assert_eq!(l.deadline(&s), 1_190);
    }

    #[test]
    fn recent_means_within_the_window_since_proving_who_you_are() {
        let l = Lifetimes::default();
        let s = session(false);
        assert!(l.is_recent(&s, 1_000));
        assert!(l.is_recent(&s, 1_599));
        assert!(!l.is_recent(&s, 1_600));
        // Proved long ago: not recent.
        let old = SignedIn { authenticated_at: 0, ..s };
        assert!(!l.is_recent(&old, 1_000));
    }

    #[test]
    fn touches_at_most_once_a_minute() {
        assert_eq!(Lifetimes::default().touch_after(), 60);
        let short = Lifetimes {
            idle: 3,
            ..Lifetimes::default()
        };
        assert_eq!(short.touch_after(), 1);
    }
}
