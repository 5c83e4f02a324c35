//! Passkeys: adding, listing and removing them on `/security`, and
//! signing in with one. The browser side is the `PasskeyLogin` and
//! `AddPasskey` islands; the ceremonies are in `ssr/passkeys.rs`.

use crate::error::ApiError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::{login_outcome, rfc3339, Caller};
#[cfg(feature = "ssr")]
use crate::{
    domain::{time_ago, Flash, PasskeyName},
    ssr::{
        client, flash,
        mail::templates::Notice,
        passkeys::{Authentication, Registration, AUTHENTICATION, REGISTRATION},
        session, AppState,
    },
};
#[cfg(feature = "ssr")]
use tower_sessions::Session;

/// One of the caller's passkeys, as `GET /api/passkeys` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyInfo {
    pub id: String,
    pub name: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub last_used_at: Option<String>,
    /// The same moments in words, as of the answer.
    pub created_ago: String,
    pub last_used_ago: Option<String>,
}

/// Keeps a ceremony's state in the session until it is finished or
/// expires. A browser that is not signed in gets a session for just that
/// long (a login page visited with JavaScript on begins a passkey login,
/// for autofill); a signed-in one keeps its own lifetime.
#[cfg(feature = "ssr")]
async fn keep<T: Serialize>(session: &Session, key: &str, value: &T, expires_at: i64) -> Result<(), ApiError> {
    if session::signed_in(session).await?.is_none() && session::pending(session).await?.is_none() {
        session.set_expiry(Some(session::short_expiry(expires_at)));
    }
    session.insert(key, value).await.map_err(crate::ssr::internal::session_store)
}

/// Creation options for a new passkey of the signed-in account.
#[server(prefix = "/api", endpoint = "passkey_register_begin")]
pub async fn passkey_register_begin() -> Result<serde_json::Value, ApiError> {
    let caller = Caller::get().await?;
    let passkeys = &caller.state.passkeys;
    let (options, registration) = passkeys.register_begin(caller.user.id, &caller.user.email).await?;
    let expires_at = registration.expires_at;
    keep(&caller.session, REGISTRATION, &registration, expires_at).await?;
    Ok(options)
}

/// Stores the new passkey the browser made (`credential`, its
/// `PublicKeyCredential.toJSON()`), under `name`.
#[server(prefix = "/api", endpoint = "passkey_register_finish")]
pub async fn passkey_register_finish(credential: String, name: String) -> Result<(), ApiError> {
    let caller = Caller::get().await?;
    let name = PasskeyName::parse(&name).map_err(|message| ApiError::invalid(None, message))?;
    let registration: Option<Registration> = session::take(&caller.session, REGISTRATION).await?;
    let Some(registration) =
        registration.filter(|r| r.user_id == caller.user.id && r.expires_at > session::now())
    else {
        return Err(ApiError::bad_passkey());
    };
    let passkeys = &caller.state.passkeys;
    passkeys.register_finish(registration, &credential, name.as_str(), &client()).await?;
    let notice = Notice::PasskeyAdded { name: name.as_str().to_owned() };
    caller.state.accounts.notify(&caller.user, &notice).await?;
    // The island loads /security next, which shows it.
    flash::leave_for_next_page(Flash::PasskeyAdded);
    Ok(())
}

#[server(prefix = "/api", endpoint = "passkeys", input = server_fn::codec::GetUrl)]
pub async fn list_passkeys() -> Result<Vec<PasskeyInfo>, ApiError> {
    let caller = Caller::get().await?;
    let now = session::now();
    let language = crate::domain::Language::current();
    let listed = caller.state.passkeys.list(caller.user.id).await?;
    Ok(listed
        .into_iter()
        .map(|p| PasskeyInfo {
            id: p.id.to_string(),
            name: p.name,
            created_at: rfc3339(p.created_at),
            last_used_at: p.last_used_at.map(rfc3339),
            created_ago: time_ago(now - p.created_at, language),
            last_used_ago: p.last_used_at.map(|at| time_ago(now - at, language)),
        })
        .collect())
}

/// Removes one of the caller's passkeys.
#[server(prefix = "/api", endpoint = "passkey_delete")]
pub async fn passkey_delete(id: String) -> Result<(), ApiError> {
    let caller = Caller::get().await?;
    let Ok(id) = id.trim().parse::<i64>() else {
        return Err(ApiError::no_such_passkey());
    };
    let Some(name) = caller.state.passkeys.delete(caller.user.id, id, &client()).await? else {
        return Err(ApiError::no_such_passkey());
    };
    let notice = Notice::PasskeyRemoved { name };
    caller.state.accounts.notify(&caller.user, &notice).await?;
    flash::leave(Flash::PasskeyRemoved);
    leptos_axum::redirect("/security#passkeys");
    Ok(())
}

/// Request options for signing in with any passkey of this site.
#[server(prefix = "/api", endpoint = "passkey_login_begin")]
pub async fn passkey_login_begin() -> Result<serde_json::Value, ApiError> {
    let state = AppState::from_context()?;
    let session = session::current().await?;
    // Anonymous starts store a ceremony each: limited per client. A
    // signed-in one re-authenticates its own session.
    if session::request_auth(&session).await?.is_none() {
        super::per_ip_limit(&state, &client().ip).await?;
    }
    let (options, authentication) = state.passkeys.login_begin()?;
    let expires_at = authentication.expires_at;
    keep(&session, AUTHENTICATION, &authentication, expires_at).await?;
    Ok(options)
}

/// Signs in with the passkey the browser answered with: no password, no
/// second step. A new session id, as with every login.
#[server(prefix = "/api", endpoint = "passkey_login_finish")]
pub async fn passkey_login_finish(credential: String) -> Result<(), ApiError> {
    let state = AppState::from_context()?;
    let session = session::current().await?;
    let authentication: Option<Authentication> = session::take(&session, AUTHENTICATION).await?;
    let Some(authentication) = authentication.filter(|a| a.expires_at > session::now()) else {
        login_outcome("passkey_failed");
        return Err(ApiError::passkey_failed());
    };
    let client = client();
    let Some(user_id) = state.passkeys.login_finish(authentication, &credential, &client).await? else {
        login_outcome("passkey_failed");
        return Err(ApiError::passkey_failed());
    };
    let Some(user) = state.users.by_id(user_id).await? else {
        return Err(ApiError::passkey_failed());
    };
    // Signed in already: a passkey of this account re-authenticates the
    // session (recent authentication); another account's is refused,
    // never a silent switch of account.
    if let Some(auth) = session::request_auth(&session).await? {
        if auth.user_id != user.id {
            login_outcome("passkey_failed");
            return Err(ApiError::passkey_failed());
        }
        session::reauthenticated(&session, auth).await?;
        login_outcome("passkey");
        return Ok(());
    }
    if let Err(locked) = crate::ssr::admission::admit(&state, &session, &user, false, client.clone()).await {
        login_outcome("locked");
        return Err(locked);
    }
    super::notice_if_new_device(&state, &user, &client, true).await?;
    login_outcome("passkey");
    Ok(())
}
