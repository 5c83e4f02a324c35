//! The calls behind links sent by mail: asking for and using a password
//! reset link, confirming an address, and changing it. The flows
//! themselves (tokens, the outbox) are in `ssr/accounts.rs`.

use crate::error::ApiError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::{keep_email, store_unavailable, Caller};
#[cfg(feature = "ssr")]
use crate::{
    domain::{Email, Field, Flash, LinkToken, Password},
    ssr::{client, common_passwords, flash, accounts::Confirmed, session, store, AppState},
};

/// Asks for a password-reset link. The answer is the same, and takes about
/// as long, whether or not an account has the address: the mail is queued,
/// never sent while the caller waits.
#[server(prefix = "/api", endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<String, ApiError> {
    let result: Result<String, ApiError> = async {
        let parsed = Email::parse(&email)?;
        let state = AppState::from_context()?;
        // Past RATE_LIMIT_PER_IP the answer is the same and nothing is
        // sent: a 429 here would tell nothing, but would let a script
        // tell the limit from a sent mail.
        if state.throttle.per_ip(&client().ip, session::now()).await?.is_ok() {
            // A locked account gets no link (the same answer, though).
            let user = state.users.by_email(&parsed).await?.filter(|u| u.locked_at.is_none());
            state.accounts.request_reset(&parsed, user.as_ref()).await?;
        }
        flash::leave(Flash::ResetLinkSent);
        leptos_axum::redirect("/reset-password");
        Ok(Flash::ResetLinkSent.message(crate::domain::Language::current()).to_owned())
    }
    .await;
    result.map_err(|err| keep_email(err, &email))
}

/// A link's token, or the one answer every bad link gets.
#[cfg(feature = "ssr")]
fn link_token(token: &str) -> Result<LinkToken, ApiError> {
    LinkToken::parse(token).ok_or_else(ApiError::invalid_token)
}

/// Sets a new password with a reset link. Every session of the account
/// ends, and this browser is not signed in: it goes to the login page.
#[server(prefix = "/api", endpoint = "reset_password")]
pub async fn reset_password(
    token: String,
    new_password: String,
    #[server(default)] code: Option<String>,
) -> Result<(), ApiError> {
    let result: Result<(), ApiError> = async {
        let token = link_token(&token)?;
        let state = AppState::from_context()?;
        // A dead link says so before the password is looked at.
        let link = state
            .accounts
            .peek(&token, &[crate::ssr::tokens::Purpose::Reset])
            .await?
            .ok_or_else(ApiError::invalid_token)?;
        // Locked: refused, and the link is left as it was.
        if state.users.is_locked(link.user_id).await? {
            return Err(ApiError::account_locked());
        }
        let password = Password::parse(&new_password)
            .map_err(|e| ApiError::from(e).on_field(Field::NewPassword))?;
        common_passwords::refuse_common(&password).map_err(|e| e.on_field(Field::NewPassword))?;
        if state.accounts.reset_asks_for_code(&state.two_factor, &link).await? {
            super::two_factor::check_reset_code(&state, link.user_id, code.as_deref()).await?;
        }
        let hash = state.hasher.hash(&password).await?;
        let user_id = state.accounts.reset_password(&token, &hash, &client()).await?;
        let ended = state
            .sessions
            .remove_for_user(user_id, None)
            .await
            .map_err(store_unavailable)?;
        super::sessions_ended("password_reset", ended);
        // The browser that reset it may have been signed in (as anyone):
        // it no longer is.
        let session = session::current().await?;
        if session::user_id(&session).await?.is_some() {
            session::log_out(&session).await?;
        }
        flash::leave(Flash::PasswordReset);
        leptos_axum::redirect("/login");
        Ok(())
    }
    .await;
    // The link still works after a bad password.
    back_to_link_page(&result, "/reset-password", &token);
    result
}

/// A form posted from a link's page that failed goes back to that page:
/// those pages send no Referer (see the README), so server_fn can't find
/// the way back by itself. Only a token-shaped token goes in the header.
#[cfg(feature = "ssr")]
fn back_to_link_page<T>(result: &Result<T, ApiError>, page: &str, token: &str) {
    if result.is_err() && crate::ssr::is_form_post() {
        let token = LinkToken::parse(token);
        let last = token.as_ref().map_or("invalid", LinkToken::expose);
        leptos_axum::redirect(&format!("{page}/{last}"));
    }
}

/// Uses a confirmation link: a sign-up link confirms the address, a
/// change-of-email link moves the account to its new address (every other
/// session of the account ends, and the old address no longer logs in).
#[server(prefix = "/api", endpoint = "confirm_email")]
pub async fn confirm_email(token: String) -> Result<(), ApiError> {
    let result: Result<(), ApiError> = async {
        let token = link_token(&token)?;
        let state = AppState::from_context()?;
        let confirmed = state.accounts.confirm(&token, &client()).await?;
        let session = session::current().await?;
        let signed_in = session::request_auth(&session).await?;
        let (user_id, flash_message) = match &confirmed {
            Confirmed::Address { user_id } => (*user_id, Flash::EmailConfirmed),
            Confirmed::NewAddress { user_id, email } => {
                // Sessions keep the email they signed in with: this one
                // gets the new address, every other one of the account ends.
                let mine = signed_in.as_ref().filter(|auth| auth.user_id == *user_id);
                let keep = mine.and(session.id()).map(|id| store::id_hash(&id));
                let ended = state
                    .sessions
                    .remove_for_user(*user_id, keep.as_deref())
                    .await
                    .map_err(store_unavailable)?;
                super::sessions_ended("email_changed", ended);
                if let Some(auth) = mine {
                    session::set_email(&session, auth.clone(), email).await?;
                }
                (*user_id, Flash::EmailChanged)
            }
        };
        flash::leave(flash_message);
        let here = signed_in.is_some_and(|auth| auth.user_id == user_id);
        leptos_axum::redirect(if here { "/profile" } else { "/login" });
        Ok(())
    }
    .await;
    back_to_link_page(&result, "/confirm-email", &token);
    result
}

/// Sends the signed-in account a new confirmation link; the older one
/// stops working. Nothing is sent when the address is confirmed already.
#[server(prefix = "/api", endpoint = "resend_confirmation")]
pub async fn resend_confirmation() -> Result<(), ApiError> {
    let caller = Caller::get().await?;
    let sent = caller.state.accounts.resend_confirmation(&caller.user).await?;
    flash::leave(if sent {
        Flash::ConfirmationSent
    } else {
        Flash::AlreadyConfirmed
    });
    Ok(())
}

/// Asks to move the account to `new_email`: a link goes there, a notice to
/// the current address, and nothing changes until the link is used. The
/// password is checked under the login throttle.
#[server(prefix = "/api", endpoint = "change_email")]
pub async fn change_email(new_email: String, password: String) -> Result<(), ApiError> {
    let caller = Caller::get().await?;
    let keep = |err: ApiError| keep_email(err, &new_email);
    let parsed = Email::parse(&new_email)
        .map_err(|e| keep(ApiError::from(e.on(Field::NewEmail))))?;
    caller
        .confirm_password_if_set(&password, Field::Password)
        .await
        .map_err(keep)?;
    if parsed.as_str() == caller.user.email {
        return Err(keep(ApiError::invalid(
            Some(Field::NewEmail),
            crate::t!(crate::domain::Language::current(), errors.same_address),
        )));
    }
    if caller.state.users.by_email(&parsed).await?.is_some() {
        return Err(keep(ApiError::new_email_taken()));
    }
    caller
        .state
        .accounts
        .request_email_change(&caller.user, &parsed, &client())
        .await?;
    flash::leave(Flash::EmailChangeRequested);
    Ok(())
}
