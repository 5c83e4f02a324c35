//! The server functions: the app's API. Each is a same-origin POST (or GET)
//! under `/api/`, called by the hydrated client, by plain HTML forms, and by
//! scripts alike.

use crate::error::ApiError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    domain::{is_checked, Email, NextPath, Password},
    ssr::{client, common_passwords, session, throttle::Keys, AppState},
};

/// What `GET /api/me` answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub email: String,
}

/// Forms posted without JavaScript get the typed email back inside the
/// error (it travels in the redirect URL); scripts and the hydrated client
/// never do, so their error bodies don't depend on what was typed.
#[cfg(feature = "ssr")]
fn keep_email(err: ApiError, email: &str) -> ApiError {
    let plain_form = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.headers.get(axum::http::header::ACCEPT).cloned())
        .and_then(|accept| accept.to_str().ok().map(|a| a.contains("text/html")))
        .unwrap_or(false);
    if plain_form {
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
        let user_id = state
            .users
            .create(&parsed_email, &hash)
            .await?
            .ok_or_else(ApiError::email_taken)?;
        let session = session::current().await?;
        session::log_in(&session, user_id, false, &state.lifetimes, client()).await?;
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
) -> Result<(), ApiError> {
    let result: Result<(), ApiError> = async {
        let state = AppState::from_context()?;
        let client = client();
        let keys = Keys::new(&email, &client.ip);
        // Checked before hashing, so a locked-out storm costs no CPU.
        state.throttle.check(&keys, session::now()).await?;
        // An unparseable email can't match an account; it still costs a
        // hash, so its timing says nothing either.
        let user = match Email::parse(&email) {
            Ok(parsed) => state.users.by_email(&parsed).await?,
            Err(_) => None,
        };
        let (user_id, stored) = match user {
            Some(user) => (Some(user.id), Some(user.password_hash)),
            None => (None, None),
        };
        // Verified against a dummy hash when there is no such user, so
        // both failures take about as long and answer the same.
        let matches = state.hasher.verify(&password, stored).await?;
        let Some(user_id) = user_id.filter(|_| matches) else {
            state.throttle.record_failure(&keys, session::now()).await?;
            return Err(ApiError::bad_credentials());
        };
        state.throttle.clear_account(&keys).await?;
        let session = session::current().await?;
        session::log_in(
            &session,
            user_id,
            is_checked(remember.as_deref()),
            &state.lifetimes,
            client,
        )
        .await?;
        leptos_axum::redirect(NextPath::or_profile(next.as_deref()).as_str());
        Ok(())
    }
    .await;
    result.map_err(|err| keep_email(err, &email))
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), ApiError> {
    let session = session::current().await?;
    session::log_out(&session).await?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in user, if the session names one that still exists.
#[cfg(feature = "ssr")]
async fn signed_in_user() -> Result<Option<User>, ApiError> {
    let state = AppState::from_context()?;
    let session = session::current().await?;
    let Some(user_id) = session::user_id(&session).await? else {
        return Ok(None);
    };
    match state.users.by_id(user_id).await? {
        Some(user) => Ok(Some(User { email: user.email })),
        // The account is gone: the session means nothing any more.
        None => {
            session::log_out(&session).await?;
            Ok(None)
        }
    }
}

/// The API's "who am I": the signed-in user, or 401.
#[server(prefix = "/api", endpoint = "me", input = server_fn::codec::GetUrl)]
pub async fn me() -> Result<User, ApiError> {
    signed_in_user().await?.ok_or_else(ApiError::unauthorized)
}

/// What the pages ask: being signed out is an answer here, not an error,
/// so a signed-out browser sees no failed request in its console.
#[server(prefix = "/api", endpoint = "whoami", input = server_fn::codec::GetUrl)]
pub async fn whoami() -> Result<Option<User>, ApiError> {
    signed_in_user().await
}
