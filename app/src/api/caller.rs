//! The signed-in caller every call that acts on an account starts from,
//! held to the access table ([`crate::access`]).

use super::checked;
use crate::{
    domain::Field,
    error::ApiError,
    ssr::{client, session, store, throttle::Keys, users::UserRow, AppState},
};
use tower_sessions::Session;

/// The signed-in caller, or 401. Used by every call that acts on the
/// account.
pub(crate) struct Caller {
    pub(crate) state: std::sync::Arc<AppState>,
    pub(crate) session: Session,
    pub(crate) user: UserRow,
    /// The session's signed-in state, as the request found it.
    pub(crate) auth: crate::ssr::session::SignedIn,
}

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
        // Fails closed: a call reached from a path the table does not
        // name (the server's check at start-up should make this
        // impossible) is refused, not treated as merely signed in.
        let Some(needs) = path.as_deref().and_then(crate::access::of) else {
            return Err(crate::ssr::internal::Internal::new("the access table", "a call from a path with no entry").into());
        };
        // Gone, or locked since this session began (locking ends its
        // sessions; this is the check for one that slipped past): signed out.
        let Some(user) = state.users.by_id(auth.user_id).await?.filter(|u| u.locked_at.is_none()) else {
            session::log_out(&session).await?;
            return Err(ApiError::unauthorized());
        };
        // Not an administrator: told so before anything about recency.
        if needs == crate::access::Access::Admin && !user.is_admin {
            return Err(ApiError::not_admin());
        }
        if needs.needs_recent() && !state.lifetimes.is_recent(&auth, session::now()) {
            return Err(ApiError::reauth_required());
        }
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
    /// For a sensitive change the access layer has already held to recent
    /// authentication: the password, when the account has one. An account
    /// made by a provider has none, and its recent authentication (a
    /// passkey, or a fresh login at its provider) is the confirmation.
    pub(crate) async fn confirm_password_if_set(&self, password: &str, field: Field) -> Result<(), ApiError> {
        if self.user.password_hash.is_empty() {
            return Ok(());
        }
        self.confirm_password(password, field).await
    }

    pub(crate) async fn own_sessions(&self) -> Result<Vec<(String, String)>, ApiError> {
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

pub(crate) use crate::ssr::internal::session_store as store_unavailable;

pub(crate) fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

