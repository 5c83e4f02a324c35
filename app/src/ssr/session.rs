//! The signed-in state kept in the session, and its lifecycle.

use crate::error::ApiError;
use tower_sessions::{Expiry, Session};

/// The one key Gatehouse keeps in a session.
const USER_ID: &str = "user_id";

fn store_error(err: tower_sessions::session::Error) -> ApiError {
    tracing::error!(%err, "session store error");
    ApiError::unavailable()
}

/// The session of the current request (put there by the session layer).
pub async fn current() -> Result<Session, ApiError> {
    leptos_axum::extract::<Session>().await.map_err(|err| {
        tracing::error!(%err, "no session layer in front of the server functions");
        ApiError::unavailable()
    })
}

/// Whether the session names a user. A store that fails to answer counts
/// as signed out here; the page's own data fetch reports the failure.
pub async fn is_signed_in(session: &Session) -> bool {
    matches!(user_id(session).await, Ok(Some(_)))
}

pub async fn user_id(session: &Session) -> Result<Option<i64>, ApiError> {
    session.get::<i64>(USER_ID).await.map_err(store_error)
}

/// Signs `user_id` in under a brand-new session id (no fixation).
/// `remember` keeps the cookie across browser restarts.
pub async fn log_in(
    session: &Session,
    user_id: i64,
    remember: bool,
    remember_for: time::Duration,
) -> Result<(), ApiError> {
    session.cycle_id().await.map_err(store_error)?;
    session
        .insert(USER_ID, user_id)
        .await
        .map_err(store_error)?;
    if remember {
        session.set_expiry(Some(Expiry::OnInactivity(remember_for)));
    }
    Ok(())
}

/// Deletes the session from the store and clears the cookie.
pub async fn log_out(session: &Session) -> Result<(), ApiError> {
    session.flush().await.map_err(store_error)
}
