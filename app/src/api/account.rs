//! The signed-in account: who am I, changing the password, deleting it.

use crate::error::ApiError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::{sessions_ended, Caller};
#[cfg(feature = "ssr")]
use crate::{
    domain::{Field, Password},
    ssr::{client, common_passwords, session, AppState},
};

/// What `GET /api/me` answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub email: String,
    pub email_confirmed: bool,
    /// Whether logging in takes a second step.
    pub two_factor: bool,
    /// The account's language (`en`, `ko`): its mail's.
    pub language: crate::domain::Language,
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
    let Some(flags) = crate::ssr::users::flags_of(&state.users, auth.user_id).await? else {
        // The account is gone.
        session::log_out(&session).await?;
        return Err(ApiError::unauthorized());
    };
    Ok(User {
        email: auth.email,
        email_confirmed: flags.email_confirmed,
        two_factor: flags.two_factor,
        language: flags.language,
    })
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
        .accounts
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
pub async fn delete_account(#[server(default)] password: String) -> Result<(), ApiError> {
    let caller = Caller::get().await?;
    caller.confirm_password_if_set(&password, Field::Password).await?;
    let ended = caller.end_sessions(None).await?;
    sessions_ended("account_deleted", ended);
    caller.state.users.delete(caller.user.id).await?;
    session::log_out(&caller.session).await?;
    crate::ssr::flash::leave(crate::domain::Flash::AccountDeleted);
    leptos_axum::redirect("/");
    Ok(())
}
