//! Recent authentication ("sudo mode"): a signed-in session proves who it
//! is again before a sensitive change. The window it opens is kept in the
//! session, server-side ([`crate::ssr::session::SignedIn::authenticated_at`]);
//! which calls need it is the access table's business
//! ([`crate::access`]). A passkey does the same through
//! `passkey_login_finish` while signed in.

use crate::error::ApiError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::{two_factor::check_code, Caller};
#[cfg(feature = "ssr")]
use crate::{
    domain::{Field, Flash, NextPath},
    ssr::{flash, session},
};

/// Confirms it's you: the password, and a code when the account has
/// two-step verification (both under the login throttle). The window for
/// sensitive changes starts again; a form post goes on to `next`.
#[server(prefix = "/api", endpoint = "reauthenticate")]
pub async fn reauthenticate(
    password: String,
    #[server(default)] code: Option<String>,
    #[server(default)] next: Option<String>,
) -> Result<(), ApiError> {
    let caller = Caller::get().await?;
    caller.confirm_password(&password, Field::Password).await?;
    if caller.state.two_factor.enabled(caller.user.id).await? {
        let code = code.as_deref().filter(|c| !c.trim().is_empty());
        check_code(&caller.state, &caller.user, code).await?;
    }
    session::reauthenticated(&caller.session, caller.auth.clone()).await?;
    flash::leave(Flash::Reauthenticated);
    leptos_axum::redirect(NextPath::or_profile(next.as_deref()).as_str());
    Ok(())
}
