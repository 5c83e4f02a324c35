//! The server functions: the app's API. Each is a same-origin POST (or GET)
//! under `/api/`, called by the hydrated client, by plain HTML forms, and by
//! scripts alike.

mod email;
mod passkeys;
mod reauth;
mod security;
mod two_factor;

pub use email::*;
pub use passkeys::*;
pub use reauth::*;
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
        per_ip_limit(&state, &client().ip).await?;
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
        let user = match Email::parse(&email) {
            Ok(parsed) => state.users.by_email(&parsed).await?,
            Err(_) => None,
        };
        let user_id = user.as_ref().map(|u| u.id);
        // Verified against a dummy hash when there is no such user, so
        // both failures take about as long and answer the same.
        let stored = user.as_ref().map(|u| u.password_hash.clone());
        let verify = async { Ok(state.hasher.verify(&password, stored).await?.then_some(())) };
        let right = checked(&state, &keys, user_id, &client, "bad_credentials", verify).await?;
        let Some(user) = user.filter(|_| right.is_some()) else {
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
        notice_if_new_device(&state, user.id, &user.email, &client, false).await?;
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

/// One check of a secret (a password, a code) under the login throttle,
/// the only way any call checks one: an attempt is reserved for the
/// account and the client's address *before* `check` runs, so however
/// many arrive at once, at most `LOGIN_MAX_FAILURES` wrong answers are
/// checked per window. A right answer (`Some`) gives the attempt back; a
/// wrong one (`None`) keeps it, is logged as `login_failed` for
/// `user_id`, and is counted for /metrics as `outcome`. Past the limit:
/// 429 with `Retry-After`, nothing checked.
#[cfg(feature = "ssr")]
pub(crate) async fn checked<T>(
    state: &AppState,
    keys: &Keys,
    user_id: Option<i64>,
    client: &crate::ssr::session::Client,
    outcome: &'static str,
    check: impl std::future::Future<Output = Result<Option<T>, ApiError>>,
) -> Result<Option<T>, ApiError> {
    let attempt = match state.throttle.reserve(keys, session::now()).await? {
        Ok(attempt) => attempt,
        Err(wait) => return Err(throttled(state, user_id, client, wait).await),
    };
    match check.await {
        Ok(Some(passed)) => {
            attempt.passed().await?;
            Ok(Some(passed))
        }
        Ok(None) => {
            // The attempt stays counted.
            drop(attempt);
            state.log.record(user_id, EventKind::LoginFailed, client).await?;
            login_outcome(outcome);
            Ok(None)
        }
        Err(err) => {
            // Nothing was checked (the hashes were busy, the database
            // failed): the attempt goes back.
            let _ = attempt.passed().await;
            Err(err)
        }
    }
}

/// A check the throttle refused: counted, and logged for the account it
/// protects once per window however many are refused (one for no
/// account would be attached to no one and tell no one anything).
/// Answers the 429, or the error that stopped it being logged.
#[cfg(feature = "ssr")]
async fn throttled(
    state: &AppState,
    user_id: Option<i64>,
    client: &crate::ssr::session::Client,
    wait: i64,
) -> ApiError {
    login_outcome("throttled");
    let refused = ApiError::too_many_attempts(wait.max(1) as u64);
    let Some(id) = user_id else {
        return refused;
    };
    let key = crate::ssr::throttle::key(&format!("throttled-event:{id}"));
    let window = state.throttle.window_secs();
    match state.throttle.once_in(&key, 1, window, session::now()).await {
        Ok(Ok(_)) => match state.log.record(Some(id), EventKind::LoginThrottled, client).await {
            Ok(()) => refused,
            Err(err) => err,
        },
        Ok(Err(_)) => refused,
        Err(err) => err,
    }
}

/// After a sign-in: a notice to the account's address when it came from
/// a browser and network the account has not used in 90 days (with both,
/// and a link to `/sessions`). `recorded`: this sign-in's event is in the
/// log already.
#[cfg(feature = "ssr")]
pub(crate) async fn notice_if_new_device(
    state: &AppState,
    user_id: i64,
    email: &str,
    client: &crate::ssr::session::Client,
    recorded: bool,
) -> Result<(), ApiError> {
    if state.log.known_device(user_id, client, recorded).await? {
        return Ok(());
    }
    let notice = crate::ssr::mail::templates::Notice::NewSignIn {
        device: crate::domain::describe_user_agent(&client.user_agent),
        network: crate::ssr::audit::network_of(&client.ip),
    };
    state.recovery.notify(email, &notice).await
}

/// `RATE_LIMIT_PER_IP`: one of the client's anonymous writes this minute
/// (sign-ups, reset requests, passkey-login starts), or 429 with
/// `Retry-After` past the limit.
#[cfg(feature = "ssr")]
pub(crate) async fn per_ip_limit(state: &AppState, ip: &str) -> Result<(), ApiError> {
    match state.throttle.per_ip(ip, session::now()).await? {
        Ok(()) => Ok(()),
        Err(wait) => {
            metrics::counter!("gatehouse_rate_limited_total").increment(1);
            Err(ApiError::rate_limited(wait as u64))
        }
    }
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
    /// The session's signed-in state, as the request found it.
    pub(crate) auth: crate::ssr::session::SignedIn,
}

#[cfg(feature = "ssr")]
impl Caller {
    /// The caller, held to what the access table asks of this call: a
    /// signed-in session, and a recent authentication for a sensitive
    /// change (the server's access layer checked both already; this is
    /// the call's own check of the same table).
    pub(crate) async fn get() -> Result<Self, ApiError> {
        let state = AppState::from_context()?;
        let session = session::current().await?;
        let Some(auth) = session::request_auth(&session).await? else {
            return Err(ApiError::unauthorized());
        };
        let path = leptos::prelude::with_context(|parts: &axum::http::request::Parts| parts.uri.path().to_owned());
        let needs = path.as_deref().and_then(crate::access::of);
        if needs == Some(crate::access::Access::Recent) && !state.lifetimes.is_recent(&auth, session::now()) {
            return Err(ApiError::reauth_required());
        }
        let Some(user) = state.users.by_id(auth.user_id).await? else {
            session::log_out(&session).await?;
            return Err(ApiError::unauthorized());
        };
        Ok(Self {
            state,
            session,
            user,
            auth,
        })
    }

    /// The store's key for the caller's own session.
    pub(crate) fn current_hash(&self) -> Option<String> {
        self.session.id().map(|id| store::id_hash(&id))
    }

    /// Checks a password typed to confirm a change, under the same throttle
    /// as logins: a stolen session must not become a password oracle.
    pub(crate) async fn confirm_password(&self, password: &str, field: Field) -> Result<(), ApiError> {
        let client = client();
        let keys = Keys::new(&self.user.email, &client.ip);
        let stored = Some(self.user.password_hash.clone());
        let verify = async { Ok(self.state.hasher.verify(password, stored).await?.then_some(())) };
        match checked(&self.state, &keys, Some(self.user.id), &client, "bad_credentials", verify).await? {
            Some(()) => Ok(()),
            None => Err(ApiError::wrong_password(field)),
        }
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
