//! Where every sign-in ends: a password (with its second step), a
//! passkey, a provider. An account an administrator has locked is refused
//! here with 403 `account_locked`, after its secret checked out (a wrong
//! secret still gets the usual 401 before this is reached).
//!
//! Locking sets the flag, then ends the account's sessions. A sign-in
//! racing it stores its session *before* reading the flag again: either
//! it reads the lock and ends its own session, or the lock committed
//! after that read and finds the session stored, so it ends it. No order
//! leaves a live session behind. (That second read is the write of the
//! account's last sign-in, which only an unlocked account takes.)

use super::{
    internal::session_store as store_error,
    session::{self, Client},
    users::UserRow,
    AppState,
};
use crate::error::ApiError;
use tower_sessions::Session;

/// Signs `user` in under a new session id, unless the account is locked.
pub async fn admit(
    state: &AppState,
    session: &Session,
    user: &UserRow,
    remember: bool,
    client: Client,
) -> Result<(), ApiError> {
    user.refuse_if_locked()?;
    session::log_in(session, user.id, &user.email, user.language(), remember, &state.lifetimes, client).await?;
    session.save().await.map_err(store_error)?;
    if !state.users.signed_in(user.id, session::now()).await? {
        session::log_out(session).await?;
        return Err(ApiError::account_locked());
    }
    Ok(())
}
