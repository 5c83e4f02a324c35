//! The providers linked to the account: `GET /api/identities` and
//! `POST /api/identity_unlink`. Linking itself is a provider flow
//! (`POST /auth/{name}/start` with `link`, `app/src/ssr/provider_sign_in.rs`).

use crate::error::ApiError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::{rfc3339, Caller};

/// A provider linked to the account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityInfo {
    /// The provider's name in `OIDC_PROVIDERS`.
    pub provider: String,
    /// The address the provider gave when it was linked.
    pub email: Option<String>,
    /// RFC 3339, UTC.
    pub linked_at: String,
}

/// The caller's linked providers, oldest first.
#[server(prefix = "/api", endpoint = "identities", input = server_fn::codec::GetUrl)]
pub async fn list_identities() -> Result<Vec<IdentityInfo>, ApiError> {
    let caller = Caller::get().await?;
    let rows = caller.state.accounts.identities(caller.user.id).await?;
    Ok(rows
        .into_iter()
        .map(|(provider, email, linked_at)| IdentityInfo { provider, email, linked_at: rfc3339(linked_at) })
        .collect())
}

/// Unlinks the provider: 404 when none is linked, 409 when it is the
/// account's last way to sign in (no password, no passkey, no other
/// provider). The account's address is told.
#[server(prefix = "/api", endpoint = "identity_unlink")]
pub async fn identity_unlink(provider: String) -> Result<(), ApiError> {
    use crate::{domain::Flash, ssr::flash};
    let caller = Caller::get().await?;
    let client = crate::ssr::client();
    let label = caller.state.oidc.config(&provider).map_or_else(|| provider.clone(), |p| p.label.clone());
    caller.state.accounts.unlink_identity(&caller.user, &provider, &label, &client).await?;
    flash::leave(Flash::ProviderUnlinked);
    Ok(())
}
