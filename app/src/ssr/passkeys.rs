//! Passkeys, with webauthn-rs' passkey API: registering one for a
//! signed-in account, and signing in with one without typing anything
//! (a discoverable credential, also offered as autofill).
//!
//! - The relying party is `APP_BASE_URL`'s host, and its origin the only
//!   origin accepted.
//! - A ceremony's state (its challenge) lives in the server-side session,
//!   for five minutes, and is taken out when used: single use.
//! - At login the credential is looked up by its id, and the user handle
//!   the authenticator answers with must be the one stored with it: a
//!   passkey signs in only its own account. webauthn-rs refuses a
//!   signature counter that did not go up; the new counter is stored.

use super::{
    internal::Internal,
    security_log::record_in,
    db::{on_pool, on_tx, Db},
    session::{now, Client},
    users::db_error,
};
use crate::{domain::EventKind, error::ApiError};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, DiscoverableKey, Passkey, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};

/// A registration under way, kept in the session of the account adding it.
#[derive(Serialize, Deserialize)]
pub struct Registration {
    pub user_id: i64,
    handle: Uuid,
    state: PasskeyRegistration,
    pub expires_at: i64,
}

/// A passkey login under way, kept in the browser's session.
#[derive(Serialize, Deserialize)]
pub struct Authentication {
    state: DiscoverableAuthentication,
    pub expires_at: i64,
}

/// The session keys they are kept under.
pub const REGISTRATION: &str = "passkey_registration";
pub const AUTHENTICATION: &str = "passkey_authentication";

/// One of an account's passkeys, as `/security` and `GET /api/passkeys`
/// list them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

#[derive(Clone)]
pub struct Passkeys {
    db: Db,
    /// `None` when `APP_BASE_URL` can't be a relying party (an IP address):
    /// passkeys are then refused, and everything else works.
    webauthn: Option<Arc<Webauthn>>,
}

fn unavailable_here() -> ApiError {
    ApiError::invalid(
        None,
        crate::t!(crate::domain::Language::current(), errors.passkeys_unavailable),
    )
}

fn stored(passkey: &Passkey) -> Result<String, ApiError> {
    serde_json::to_string(passkey).map_err(|err| Internal::new("encoding a passkey", err).into())
}

impl Passkeys {
    /// The relying party from `base_url`: its host is the id, itself the
    /// one origin.
    pub fn new(db: Db, base_url: &str) -> Self {
        let webauthn = Url::parse(base_url)
            .map_err(|err| err.to_string())
            .and_then(|origin| {
                let host = origin.host_str().ok_or("no host")?.to_owned();
                WebauthnBuilder::new(&host, &origin)
                    .and_then(|b| b.rp_name("Gatehouse").build())
                    .map_err(|err| err.to_string())
            });
        let webauthn = match webauthn {
            Ok(webauthn) => Some(Arc::new(webauthn)),
            Err(err) => {
                tracing::warn!(%err, base_url, "passkeys are off: APP_BASE_URL can't be a WebAuthn relying party");
                None
            }
        };
        Self { db, webauthn }
    }

    fn webauthn(&self) -> Result<&Webauthn, ApiError> {
        self.webauthn.as_deref().ok_or_else(unavailable_here)
    }

    /// The creation options for the browser (`{publicKey: …}`) and the
    /// state to keep. The account's existing passkeys are excluded, so an
    /// authenticator holds one per account; a resident key is required.
    pub async fn register_begin(&self, user_id: i64, email: &str) -> Result<(serde_json::Value, Registration), ApiError> {
        let webauthn = self.webauthn()?;
        let rows: Vec<(String, String)> = on_pool!(&self.db, pool => {
            sqlx::query_as("SELECT user_handle, cred_id FROM passkeys WHERE user_id = $1")
                .bind(user_id)
                .fetch_all(pool)
                .await
        })
        .map_err(db_error)?;
        // One handle per account, the same for each of its passkeys.
        let handle = rows
            .first()
            .and_then(|(handle, _)| Uuid::parse_str(handle).ok())
            .unwrap_or_else(Uuid::new_v4);
        let exclude = rows
            .iter()
            .filter_map(|(_, id)| URL_SAFE_NO_PAD.decode(id).ok().map(Into::into))
            .collect::<Vec<_>>();
        let (options, state) = webauthn
            .start_passkey_registration(handle, email, email, Some(exclude))
            .map_err(|err| ApiError::from(Internal::new("starting a passkey registration", err)))?;
        let mut options = serde_json::to_value(options)
            .map_err(|err| ApiError::from(Internal::new("encoding passkey options", err)))?;
        // webauthn-rs asks for a discouraged resident key; a passkey that
        // signs in without a username must be one. (Its verification does
        // not depend on this.)
        if let Some(selection) = options.pointer_mut("/publicKey/authenticatorSelection") {
            selection["residentKey"] = "required".into();
            selection["requireResidentKey"] = true.into();
        }
        let registration = Registration {
            user_id,
            handle,
            state,
            expires_at: now() + super::session::PENDING_SECS,
        };
        Ok((options, registration))
    }

    /// Verifies the browser's new credential against the registration
    /// under way and stores it with `name`.
    pub async fn register_finish(
        &self,
        registration: Registration,
        credential: &str,
        name: &str,
        client: &Client,
    ) -> Result<(), ApiError> {
        let webauthn = self.webauthn()?;
        let credential: RegisterPublicKeyCredential =
            serde_json::from_str(credential).map_err(|_| ApiError::bad_passkey())?;
        let passkey = webauthn
            .finish_passkey_registration(&credential, &registration.state)
            .map_err(|err| {
                tracing::info!(%err, "a passkey registration did not verify");
                ApiError::bad_passkey()
            })?;
        let cred_id = URL_SAFE_NO_PAD.encode(passkey.cred_id());
        let json = stored(&passkey)?;
        let user_id = registration.user_id;
        let mut tx = self.db.begin().await.map_err(db_error)?;
        let added = on_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO passkeys (user_id, user_handle, cred_id, name, passkey, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (cred_id) DO NOTHING",
            )
            .bind(user_id)
            .bind(registration.handle.to_string())
            .bind(&cred_id)
            .bind(name)
            .bind(&json)
            .bind(now())
            .execute(conn)
            .await
            .map(|r| r.rows_affected() == 1)
        })
        .map_err(db_error)?;
        if !added {
            // The same credential again: nothing new to add.
            return Err(ApiError::bad_passkey());
        }
        record_in(&mut tx, Some(user_id), EventKind::PasskeyAdded, client).await?;
        tx.commit().await.map_err(db_error)
    }

    pub async fn list(&self, user_id: i64) -> Result<Vec<Listed>, ApiError> {
        let rows: Vec<(i64, String, i64, Option<i64>)> = on_pool!(&self.db, pool => {
            sqlx::query_as(
                "SELECT id, name, created_at, last_used_at FROM passkeys WHERE user_id = $1 ORDER BY id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await
        })
        .map_err(db_error)?;
        Ok(rows
            .into_iter()
            .map(|(id, name, created_at, last_used_at)| Listed {
                id,
                name,
                created_at,
                last_used_at,
            })
            .collect())
    }

    /// Removes one of the account's passkeys; `false` when it has no such
    /// passkey.
    /// Removes one of the account's passkeys; answers its name, or `None`
    /// when it is not the account's (or gone already).
    pub async fn delete(&self, user_id: i64, id: i64, client: &Client) -> Result<Option<String>, ApiError> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        let removed: Option<String> = on_tx!(&mut tx, conn => {
            sqlx::query_scalar("DELETE FROM passkeys WHERE id = $1 AND user_id = $2 RETURNING name")
                .bind(id)
                .bind(user_id)
                .fetch_optional(conn)
                .await
        })
        .map_err(db_error)?;
        if removed.is_some() {
            record_in(&mut tx, Some(user_id), EventKind::PasskeyRemoved, client).await?;
            tx.commit().await.map_err(db_error)?;
        }
        Ok(removed)
    }

    /// Request options for any passkey of this site (no `allowCredentials`:
    /// the authenticator offers what it holds), and the state to keep.
    pub fn login_begin(&self) -> Result<(serde_json::Value, Authentication), ApiError> {
        let (options, state) = self
            .webauthn()?
            .start_discoverable_authentication()
            .map_err(|err| ApiError::from(Internal::new("starting a passkey login", err)))?;
        let mut options = serde_json::to_value(options)
            .map_err(|err| ApiError::from(Internal::new("encoding passkey options", err)))?;
        if let Some(map) = options.as_object_mut() {
            // The page decides between autofill and a button.
            map.remove("mediation");
        }
        if let Some(public_key) = options.get_mut("publicKey").and_then(|v| v.as_object_mut()) {
            public_key.remove("allowCredentials");
        }
        let authentication = Authentication {
            state,
            expires_at: now() + super::session::PENDING_SECS,
        };
        Ok((options, authentication))
    }

    /// The account a passkey login signs in, or `None` whatever went wrong
    /// (unknown credential, another account's handle, a bad signature, a
    /// counter that went backwards): one answer for all.
    pub async fn login_finish(
        &self,
        authentication: Authentication,
        credential: &str,
        client: &Client,
    ) -> Result<Option<i64>, ApiError> {
        let webauthn = self.webauthn()?;
        let Ok(credential) = serde_json::from_str::<PublicKeyCredential>(credential) else {
            return Ok(None);
        };
        let Ok((handle, raw_id)) = webauthn.identify_discoverable_authentication(&credential) else {
            return Ok(None);
        };
        let cred_id = URL_SAFE_NO_PAD.encode(raw_id);
        let row: Option<(i64, i64, String, String)> = on_pool!(&self.db, pool => {
            sqlx::query_as("SELECT id, user_id, user_handle, passkey FROM passkeys WHERE cred_id = $1")
                .bind(&cred_id)
                .fetch_optional(pool)
                .await
        })
        .map_err(db_error)?;
        let Some((id, user_id, stored_handle, json)) = row else {
            return Ok(None);
        };
        if stored_handle != handle.to_string() {
            tracing::warn!(user_id, "a passkey answered with another account's user handle");
            return Ok(None);
        }
        let Ok(mut passkey) = serde_json::from_str::<Passkey>(&json) else {
            tracing::error!(id, "a stored passkey does not decode");
            return Ok(None);
        };
        let keys = [DiscoverableKey::from(&passkey)];
        let result = match webauthn.finish_discoverable_authentication(&credential, authentication.state, &keys) {
            Ok(result) => result,
            Err(err) => {
                tracing::info!(%err, user_id, "a passkey login did not verify");
                return Ok(None);
            }
        };
        passkey.update_credential(&result);
        let json = stored(&passkey)?;
        let mut tx = self.db.begin().await.map_err(db_error)?;
        on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE passkeys SET passkey = $1, last_used_at = $2 WHERE id = $3")
                .bind(&json)
                .bind(now())
                .bind(id)
                .execute(conn)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(db_error)?;
        record_in(&mut tx, Some(user_id), EventKind::PasskeyLogin, client).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(Some(user_id))
    }
}
