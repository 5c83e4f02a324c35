//! Server-only parts of the app: the state server functions run against.
//! Compiled only with the `ssr` feature, so none of it reaches the WASM.

pub mod passwords;
pub mod session;
pub mod users;

use crate::error::ApiError;
use passwords::Hasher;
use users::Users;

/// What every server function needs, provided as Leptos context by the
/// server binary.
#[derive(Clone)]
pub struct AppState {
    pub users: Users,
    pub hasher: Hasher,
    /// How long a "remember me" session lasts.
    pub remember_for: time::Duration,
}

impl AppState {
    pub fn from_context() -> Result<Self, ApiError> {
        leptos::prelude::use_context::<Self>().ok_or_else(|| {
            tracing::error!("AppState missing from the Leptos context");
            ApiError::unavailable()
        })
    }
}
