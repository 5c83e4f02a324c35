//! The server functions: the app's API. Each is a same-origin POST (or GET)
//! under `/api/`, called by the hydrated client, by plain HTML forms, and by
//! scripts alike.

mod email;
mod passkeys;
mod security;
mod two_factor;

pub use email::*;
pub use passkeys::*;
pub use security::*;
pub use two_factor::*;

use crate::error::ApiError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    domain::{is_checked, time_ago, Email, EventKind, Field, NextPath, Password},
    ssr::{client, common_passwords, session, store, throttle::Keys, users::UserRow, AppState},
};
#[cfg(feature = "ssr")]
use tower_sessions::Session;

/// What `GET /api/me` answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub email: String,
    pub email_confirmed: bool,
    /// Whether logging in takes a second step.
    pub two_factor: bool,
}

/// What `POST /api/login` answers: whether a second step is needed
/// before the browser is signed in (then it goes to `/login/verify`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginStep {
    pub second_factor: bool,
}

/// A form post's error carries the email as typed, so the page it comes
/// back to can show it again (the error travels in a cookie, see
/// `ssr/flash.rs`). Scripts never get it: their error bodies don't depend
/// on what was typed. An email too long to be one is not kept.
#[cfg(feature = "ssr")]
pub(crate) fn keep_email(err: ApiError, email: &str) -> ApiError {
    if crate::ssr::is_form_post() && email.len() <= 2 * Email::MAX_LEN {
        err.with_email(email)
    } else {
        err
    }
}

#[server(prefix = "/api", endpoint = "signup")]
pub async fn signup(email: String, password: String) -> Result<(), ApiError> {
    let result: Result<(), ApiError> = async {
        let parsed_email = Email::parse(&email)?;
        let password = Password::parse(&password)?;
        common_passwords::refuse_common(&password)?;
        let state = AppState::from_context()?;
        let hash = state.hasher.hash(&password).await?;
        // The account and its confirmation mail, in one transaction.
        let user_id = state
            .recovery
            .sign_up(&parsed_email, &hash, &client())
            .await?
            .ok_or_else(ApiError::email_taken)?;
        let session = session::current().await?;
        let email = parsed_email.as_str();
        session::log_in(&session, user_id, email, false, &state.lifetimes, client()).await?;
        leptos_axum::redirect("/profile");
        Ok(())
    }
    .await;
    result.map_err(|err| keep_email(err, &email))
}

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(
    email: String,
    password: String,
    #[server(default)] remember: Option<String>,
    #[server(default)] next: Option<String>,
) -> Result<LoginStep, ApiError> {
    let result: Result<LoginStep, ApiError> = async {
        let state = AppState::from_context()?;
        let client = client();
        let keys = Keys::new(&email, &client.ip);
        // An unparseable email can't match an account; it still costs a
        // hash, so its timing says nothing either.
        let lookup = || async {
            match Email::parse(&email) {
                Ok(parsed) => state.users.by_email(&parsed).await,
                Err(_) => Ok(None),
            }
        };
        // Checked before hashing, so a locked-out storm costs no CPU. A
        // refusal is logged for the account it protects (one for no
        // account would be attached to no one and tell no one anything).
        if let Err(refused) = state.throttle.check(&keys, session::now()).await {
            let user_id = match refused.code {
                crate::error::ErrorCode::TooManyAttempts => lookup().await?.map(|u| u.id),
                _ => None,
            };
            return Err(refused_login(&state, refused, user_id, &client).await);
        }
        let user = lookup().await?;
        let (user, stored) = match user {
            Some(user) => {
                let hash = user.password_hash.clone();
                (Some(user), Some(hash))
            }
            None => (None, None),
        };
        // Verified against a dummy hash when there is no such user, so
        // both failures take about as long and answer the same.
        let matches = state.hasher.verify(&password, stored).await?;
        let user_id = user.as_ref().map(|u| u.id);
        let Some(user) = user.filter(|_| matches) else {
            failed_login(&state, &keys, user_id, &client, "bad_credentials").await?;
            return Err(ApiError::bad_credentials());
        };
        let session = session::current().await?;
        let remember = is_checked(remember.as_deref());
        if state.factors.enabled(user.id).await? {
            // The account's failure count stays until the second step
            // passes: a right password must not buy more code guesses.
            let next = next.as_deref().and_then(NextPath::parse).map(|n| n.as_str().to_owned());
            session::begin_pending(&session, user.id, remember, next).await?;
            login_outcome("second_step");
            leptos_axum::redirect("/login/verify");
            return Ok(LoginStep { second_factor: true });
        }
        state.throttle.clear_account(&keys).await?;
        session::log_in(
            &session,
            user.id,
            &user.email,
            remember,
            &state.lifetimes,
            client.clone(),
        )
        .await?;
        state.log.record(Some(user.id), EventKind::Login, &client).await?;
        login_outcome("ok");
        leptos_axum::redirect(NextPath::or_profile(next.as_deref()).as_str());
        Ok(LoginStep { second_factor: false })
    }
    .await;
    result.map_err(|err| keep_email(err, &email))
}

/// A login the throttle refused: logged (when it is 429) for the account
/// it protects, and counted. Answers the refusal, or the error that
/// stopped it being logged.
#[cfg(feature = "ssr")]
pub(crate) async fn refused_login(
    state: &AppState,
    refused: ApiError,
    user_id: Option<i64>,
    client: &crate::ssr::session::Client,
) -> ApiError {
    if refused.code != crate::error::ErrorCode::TooManyAttempts {
        return refused;
    }
    login_outcome("throttled");
    match user_id {
        Some(id) => match state.log.record(Some(id), EventKind::LoginThrottled, client).await {
            Ok(()) => refused,
            Err(err) => err,
        },
        None => refused,
    }
}

/// A failed attempt (a wrong password, a wrong code): counted against the
/// throttle, logged, and counted for /metrics by `outcome`.
#[cfg(feature = "ssr")]
pub(crate) async fn failed_login(
    state: &AppState,
    keys: &Keys,
    user_id: Option<i64>,
    client: &crate::ssr::session::Client,
    outcome: &'static str,
) -> Result<(), ApiError> {
    state.throttle.record_failure(keys, session::now()).await?;
    state.log.record(user_id, EventKind::LoginFailed, client).await?;
    login_outcome(outcome);
    Ok(())
}

/// Counts a login attempt by how it ended, for /metrics.
#[cfg(feature = "ssr")]
pub(crate) fn login_outcome(outcome: &'static str) {
    metrics::counter!("gatehouse_logins_total", "outcome" => outcome).increment(1);
}

/// Counts sessions ended, by why, for /metrics.
#[cfg(feature = "ssr")]
pub(crate) fn sessions_ended(cause: &'static str, n: u64) {
    metrics::counter!("gatehouse_sessions_ended_total", "cause" => cause).increment(n);
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), ApiError> {
    let session = session::current().await?;
    if let Some(auth) = session::request_auth(&session).await? {
        let state = AppState::from_context()?;
        state.log.record(Some(auth.user_id), EventKind::Logout, &client()).await?;
        sessions_ended("logout", 1);
    }
    session::log_out(&session).await?;
    crate::ssr::flash::leave(crate::domain::Flash::LoggedOut);
    leptos_axum::redirect("/login");
    Ok(())
}

/// The API's "who am I": the signed-in user, or 401. Who is signed in, and
/// their email, come from what the session guard already decoded; whether
/// the address is confirmed and two-step verification is on is one indexed
/// read, since another browser may have changed either.
#[server(prefix = "/api", endpoint = "me", input = server_fn::codec::GetUrl)]
pub async fn me() -> Result<User, ApiError> {
    let session = session::current().await?;
    let Some(auth) = session::request_auth(&session).await? else {
        return Err(ApiError::unauthorized());
    };
    let state = AppState::from_context()?;
    let Some(flags) = state.users.flags(auth.user_id).await? else {
        // The account is gone.
        session::log_out(&session).await?;
        return Err(ApiError::unauthorized());
    };
    Ok(User {
        email: auth.email,
        email_confirmed: flags.email_confirmed,
        two_factor: flags.two_factor,
    })
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

/// The signed-in caller, or 401. Used by every call that acts on the
/// account.
#[cfg(feature = "ssr")]
pub(crate) struct Caller {
    pub(crate) state: std::sync::Arc<AppState>,
    pub(crate) session: Session,
    pub(crate) user: UserRow,
}

#[cfg(feature = "ssr")]
impl Caller {
    pub(crate) async fn get() -> Result<Self, ApiError> {
        let state = AppState::from_context()?;
        let session = session::current().await?;
        let Some(user_id) = session::user_id(&session).await? else {
            return Err(ApiError::unauthorized());
        };
        let Some(user) = state.users.by_id(user_id).await? else {
            session::log_out(&session).await?;
            return Err(ApiError::unauthorized());
        };
        Ok(Self {
            state,
            session,
            user,
        })
    }

    /// The store's key for the caller's own session.
    pub(crate) fn current_hash(&self) -> Option<String> {
        self.session.id().map(|id| store::id_hash(&id))
    }

    /// Checks a password typed to confirm a change, under the same throttle
    /// as logins: a stolen session must not become a password oracle.
    pub(crate) async fn confirm_password(&self, password: &str, field: Field) -> Result<(), ApiError> {
        let keys = Keys::new(&self.user.email, &client().ip);
        let throttle = &self.state.throttle;
        throttle.check(&keys, session::now()).await?;
        let stored = Some(self.user.password_hash.clone());
        if !self.state.hasher.verify(password, stored).await? {
            throttle.record_failure(&keys, session::now()).await?;
            let log = &self.state.log;
            log.record(Some(self.user.id), EventKind::LoginFailed, &client()).await?;
            return Err(ApiError::wrong_password(field));
        }
        Ok(())
    }

    /// The caller's live sessions, as `(id_hash, data)`.
    async fn own_sessions(&self) -> Result<Vec<(String, String)>, ApiError> {
        let sessions = &self.state.sessions;
        let rows = sessions.for_user(self.user.id, session::now()).await;
        rows.map_err(store_unavailable)
    }

    pub(crate) async fn end_sessions(&self, except: Option<&str>) -> Result<u64, ApiError> {
        let sessions = &self.state.sessions;
        let ended = sessions.remove_for_user(self.user.id, except).await;
        ended.map_err(store_unavailable)
    }
}

#[cfg(feature = "ssr")]
pub(crate) fn store_unavailable(err: store::BackendError) -> ApiError {
    tracing::error!(%err, "session store error");
    ApiError::unavailable()
}

#[cfg(feature = "ssr")]
pub(crate) fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// The caller's live sessions: this one first, then the most recently used.
#[server(prefix = "/api", endpoint = "sessions", input = server_fn::codec::GetUrl)]
pub async fn list_sessions() -> Result<Vec<SessionInfo>, ApiError> {
    let caller = Caller::get().await?;
    let current = caller.current_hash();
    let rows = caller.own_sessions().await?;
    let now = session::now();
    let mut sessions: Vec<(i64, SessionInfo)> = rows
        .into_iter()
        .filter_map(|(hash, data)| {
            let auth = session::from_data(&data)?;
            let info = SessionInfo {
                id: store::handle(&hash),
                current: current.as_deref() == Some(hash.as_str()),
                created_at: rfc3339(auth.created_at),
                last_seen_at: rfc3339(auth.last_seen_at),
                created_ago: time_ago(now - auth.created_at),
                last_seen_ago: time_ago(now - auth.last_seen_at),
                device: crate::domain::describe_user_agent(&auth.user_agent),
                user_agent: auth.user_agent,
                ip: auth.ip,
            };
            Some((auth.last_seen_at, info))
        })
        .collect();
    sessions.sort_by_key(|(seen, info)| (!info.current, std::cmp::Reverse(*seen)));
    Ok(sessions.into_iter().map(|(_, info)| info).collect())
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
    let log = &caller.state.log;
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
    let log = &caller.state.log;
    log.record(Some(caller.user.id), EventKind::LogoutOthers, &client()).await?;
    crate::ssr::flash::leave(crate::domain::Flash::OthersLoggedOut);
    Ok(ended)
}

/// Changes the password after checking the current one. Every other
/// session ends, and this one carries on under a new id.
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), ApiError> {
    let caller = Caller::get().await?;
    let new_password = Password::parse(&new_password)
        .map_err(|e| ApiError::from(e).on_field(Field::NewPassword))?;
    common_passwords::refuse_common(&new_password).map_err(|e| e.on_field(Field::NewPassword))?;
    caller
        .confirm_password(&current_password, Field::CurrentPassword)
        .await?;
    let hash = caller.state.hasher.hash(&new_password).await?;
    // With the notice to the account's address, in one transaction.
    caller
        .state
        .recovery
        .change_password(&caller.user, &hash, &client())
        .await?;
    let current = caller.current_hash();
    let ended = caller.end_sessions(current.as_deref()).await?;
    sessions_ended("password_changed", ended);
    session::renew_id(&caller.session).await?;
    crate::ssr::flash::leave(crate::domain::Flash::PasswordChanged);
    Ok(())
}

/// Deletes the account after checking the password: the user row and every
/// session of theirs.
#[server(prefix = "/api", endpoint = "delete_account")]
pub async fn delete_account(password: String) -> Result<(), ApiError> {
    let caller = Caller::get().await?;
    caller.confirm_password(&password, Field::Password).await?;
    let ended = caller.end_sessions(None).await?;
    sessions_ended("account_deleted", ended);
    caller.state.users.delete(caller.user.id).await?;
    session::log_out(&caller.session).await?;
    crate::ssr::flash::leave(crate::domain::Flash::AccountDeleted);
    leptos_axum::redirect("/");
    Ok(())
}
