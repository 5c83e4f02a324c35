//! Two-step verification: setting an authenticator app up, recovery
//! codes, turning it off, and the second step of a login. The rules
//! (secrets sealed, codes once, recovery codes hashed) are in
//! `ssr/two_factor.rs`.

use crate::error::ApiError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::{checked, login_outcome, Caller};
#[cfg(feature = "ssr")]
use crate::{
    domain::{EventKind, Field, Flash, NextPath, TwoFactorCode},
    ssr::{client, flash, two_factor::Passed, session, throttle::Keys, AppState},
};

/// What `totp_begin` answers: the secret to put in an app, as text and as
/// the URI its QR code carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpSecret {
    pub secret: String,
    pub otpauth_uri: String,
}

/// A new set of recovery codes, shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// Answers a new set of codes: to a script in the JSON, to a form post on
/// the page it goes back to (in an encrypted cookie that page clears:
/// never in the database or the session store), with `flash`.
#[cfg(feature = "ssr")]
async fn codes_made(codes: Vec<String>, flash: Flash) -> Result<NewRecoveryCodes, ApiError> {
    if crate::ssr::is_form_post() {
        flash::keep_codes(&codes);
    }
    flash::leave(flash);
    leptos_axum::redirect("/security#two-step");
    Ok(NewRecoveryCodes {
        recovery_codes: codes,
    })
}

/// Starts setting up an authenticator app: a new secret, shown on
/// `/security` as a QR code and as text. Logins don't change until
/// `totp_enable` gets a code the app made from it.
#[server(prefix = "/api", endpoint = "totp_begin")]
pub async fn totp_begin() -> Result<TotpSecret, ApiError> {
    let caller = Caller::get().await?;
    let enrolment = caller.state.two_factor.begin(caller.user.id, &caller.user.email).await?;
    leptos_axum::redirect("/security#two-step");
    Ok(TotpSecret {
        secret: enrolment.secret,
        otpauth_uri: enrolment.uri,
    })
}

/// Turns two-step verification on with the app just set up: the password,
/// and a code the app shows now. Answers ten recovery codes.
#[server(prefix = "/api", endpoint = "totp_enable")]
pub async fn totp_enable(code: String, password: String) -> Result<NewRecoveryCodes, ApiError> {
    let caller = Caller::get().await?;
    caller.confirm_password_if_set(&password, Field::Password).await?;
    let Ok(TwoFactorCode::Totp(code)) = TwoFactorCode::parse(&code) else {
        return Err(ApiError::wrong_new_code());
    };
    let factors = &caller.state.two_factor;
    let codes = factors
        .enable(caller.user.id, &code, &client())
        .await?
        .ok_or_else(ApiError::wrong_new_code)?;
    codes_made(codes, Flash::TotpEnabled).await
}

/// Turns two-step verification off (the password confirms it).
#[server(prefix = "/api", endpoint = "totp_disable")]
pub async fn totp_disable(password: String) -> Result<(), ApiError> {
    let caller = Caller::get().await?;
    caller.confirm_password_if_set(&password, Field::Password).await?;
    if caller.state.two_factor.disable(caller.user.id, &client()).await? {
        let notice = crate::ssr::mail::templates::Notice::TotpDisabled;
        caller.state.accounts.notify(&caller.user, &notice).await?;
    }
    flash::leave(Flash::TotpDisabled);
    leptos_axum::redirect("/security#two-step");
    Ok(())
}

/// A new set of recovery codes; the earlier ones stop working.
#[server(prefix = "/api", endpoint = "recovery_codes")]
pub async fn recovery_codes(password: String) -> Result<NewRecoveryCodes, ApiError> {
    let caller = Caller::get().await?;
    caller.confirm_password_if_set(&password, Field::Password).await?;
    let factors = &caller.state.two_factor;
    if !factors.enabled(caller.user.id).await? {
        return Err(ApiError::invalid(
            None,
            crate::t!(crate::domain::Language::current(), errors.codes_need_two_step),
        ));
    }
    let codes = factors.new_codes(caller.user.id, &client()).await?;
    let notice = crate::ssr::mail::templates::Notice::RecoveryCodesCreated;
    caller.state.accounts.notify(&caller.user, &notice).await?;
    codes_made(codes, Flash::RecoveryCodesCreated).await
}

/// The second step of a login: a code from the app, or a recovery code,
/// for the login waiting in this browser's session. Wrong codes count as
/// failed logins (for the account and the address), so guessing runs into
/// the same 429.
#[server(prefix = "/api", endpoint = "verify_second_factor")]
pub async fn verify_second_factor(code: String) -> Result<(), ApiError> {
    let state = AppState::from_context()?;
    let session = session::current().await?;
    let Some(pending) = session::pending(&session).await? else {
        return Err(ApiError::no_pending_login());
    };
    let Some(user) = state.users.by_id(pending.user_id).await? else {
        session::log_out(&session).await?;
        return Err(ApiError::no_pending_login());
    };
    let client = client();
    let keys = Keys::new(&user.email, &client.ip);
    let check = async {
        match TwoFactorCode::parse(&code) {
            Ok(code) => state.two_factor.verify(user.id, &code, &client).await,
            Err(_) => Ok(None),
        }
    };
    let Some(passed) = checked(&state, &keys, Some(user.id), &client, "bad_code", check).await? else {
        return Err(ApiError::bad_code());
    };
    state.throttle.clear_account(&keys).await?;
    // A new id: the pending login's cookie never becomes a signed-in one.
    if let Err(locked) = crate::ssr::admission::admit(&state, &session, &user, pending.remember, client.clone()).await {
        login_outcome("locked");
        return Err(locked);
    }
    super::notice_if_new_device(&state, &user, &client, false).await?;
    state.security_log.record(Some(user.id), EventKind::Login, &client).await?;
    login_outcome("ok");
    if passed == Passed::RecoveryCode {
        tracing::info!(user_id = user.id, "a recovery code was used to log in");
    }
    leptos_axum::redirect(NextPath::or_profile(pending.next.as_deref()).as_str());
    Ok(())
}

/// The code a password reset of an account with two-step verification
/// asks for. Wrong or missing, it counts as a failed login (401, then
/// 429), and the link still works.
#[cfg(feature = "ssr")]
pub(crate) async fn check_reset_code(state: &AppState, user_id: i64, code: Option<&str>) -> Result<(), ApiError> {
    let Some(user) = state.users.by_id(user_id).await? else {
        return Err(ApiError::invalid_token());
    };
    check_code(state, &user, code).await
}

/// Checks a second-step code (the app's, or a recovery code) that a call
/// asks for besides a password, under the login throttle: wrong or
/// missing, it is a failed attempt (401 `bad_code`, then 429).
#[cfg(feature = "ssr")]
pub(crate) async fn check_code(state: &AppState, user: &crate::ssr::users::UserRow, code: Option<&str>) -> Result<(), ApiError> {
    let client = client();
    let keys = Keys::new(&user.email, &client.ip);
    let check = async {
        match code.map(TwoFactorCode::parse) {
            Some(Ok(code)) => state.two_factor.verify(user.id, &code, &client).await,
            _ => Ok(None),
        }
    };
    match checked(state, &keys, Some(user.id), &client, "bad_code", check).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::bad_code()),
    }
}
