//! Signing up, logging in and out, and the one guarded check of a secret
//! ([`checked`]) every call that checks a password or a code goes through.

use crate::error::ApiError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    domain::{is_checked, Email, EventKind, Language, NextPath, Password},
    ssr::{client, common_passwords, session, throttle::Keys, AppState},
};
#[cfg(feature = "ssr")]
use super::sessions_ended;

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
            .accounts
            .sign_up(&parsed_email, &hash, Language::current(), &client())
            .await?
            .ok_or_else(ApiError::email_taken)?;
        let session = session::current().await?;
        let email = parsed_email.as_str();
        session::log_in(&session, user_id, email, Language::current(), false, &state.lifetimes, client()).await?;
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
        // Only a right password learns that the account is locked.
        if let Err(locked) = user.refuse_if_locked() {
            login_outcome("locked");
            return Err(locked);
        }
        let session = session::current().await?;
        let remember = is_checked(remember.as_deref());
        if state.two_factor.enabled(user.id).await? {
            // The account's failure count stays until the second step
            // passes: a right password must not buy more code guesses.
            let next = next.as_deref().and_then(NextPath::parse).map(|n| n.as_str().to_owned());
            session::begin_pending(&session, user.id, remember, next).await?;
            login_outcome("second_step");
            leptos_axum::redirect("/login/verify");
            return Ok(LoginStep { second_factor: true });
        }
        state.throttle.clear_account(&keys).await?;
        notice_if_new_device(&state, &user, &client, false).await?;
        crate::ssr::admission::admit(&state, &session, &user, remember, client.clone()).await?;
        state.security_log.record(Some(user.id), EventKind::Login, &client).await?;
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
            state.security_log.record(user_id, EventKind::LoginFailed, client).await?;
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
        Ok(Ok(_)) => match state.security_log.record(Some(id), EventKind::LoginThrottled, client).await {
            Ok(()) => refused,
            Err(err) => err,
        },
        Ok(Err(_)) => refused,
        Err(err) => err,
    }
}

/// After a sign-in: a notice to the account's address when it came from
/// a browser and network the account has not used in 90 days (with both,
/// and a link to `/sessions`), in the account's language. `recorded`:
/// this sign-in's event is in the log already.
#[cfg(feature = "ssr")]
pub(crate) async fn notice_if_new_device(
    state: &AppState,
    user: &crate::ssr::users::UserRow,
    client: &crate::ssr::session::Client,
    recorded: bool,
) -> Result<(), ApiError> {
    if state.security_log.known_device(user.id, client, recorded).await? {
        return Ok(());
    }
    let notice = crate::ssr::mail::templates::Notice::NewSignIn {
        device: crate::domain::describe_user_agent(&client.user_agent, user.language()),
        network: crate::ssr::security_log::network_of(&client.ip),
    };
    state.accounts.notify(user, &notice).await
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

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), ApiError> {
    let session = session::current().await?;
    if let Some(auth) = session::request_auth(&session).await? {
        let state = AppState::from_context()?;
        state.security_log.record(Some(auth.user_id), EventKind::Logout, &client()).await?;
        sessions_ended("logout", 1);
    }
    session::log_out(&session).await?;
    crate::ssr::flash::leave(crate::domain::Flash::LoggedOut);
    leptos_axum::redirect("/login");
    Ok(())
}

