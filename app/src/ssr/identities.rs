//! Identities at OpenID Connect providers, on the account's side: signing
//! in by one (the contract's cases 1, 3, 4 and 5), linking one from
//! `/security`, listing and unlinking them. Each change is one
//! transaction with its events and mail, like the rest of [`Accounts`];
//! the flow with the provider itself is [`super::provider_sign_in`].

use super::{
    accounts::{is_unique_violation, Accounts},
    db::{on_tx, Tx},
    mail::templates::{self, Notice},
    security_log::record_in,
    session::{now, Client},
    users::{db_error, UserRow},
};
use crate::{
    domain::{Email, EventKind, Language},
    error::ApiError,
};

/// What an identity at a provider did (the contract's cases 1, 3, 4, 5;
/// linking from `/security` is [`Accounts::link_identity`]).
#[derive(Debug)]
pub enum ProviderSignIn {
    /// Linked already: sign this account in.
    Known(i64),
    /// Linked now to the account with the confirmed address the provider
    /// verified: sign it in (its address has a notice).
    Linked(i64),
    /// A new account for the address: sign it in.
    Created(i64),
    /// The account with the confirmed address the provider verified is
    /// locked: refused as such, and nothing linked to it (a locked
    /// account takes no new way in).
    Locked(i64),
    /// Nothing linked: an account has the address, but it has not
    /// confirmed it or the provider has not verified it (or the provider
    /// gave no address).
    Refused,
}

impl Accounts {
    /// The account an identity signs in to, linking or creating it as the
    /// contract's cases say, in one transaction with its events and mail.
    /// Two callbacks for one new identity at once: one creates or links,
    /// the other finds it linked.
    pub async fn sign_in_by_identity(
        &self,
        provider: &str,
        identity: &super::oidc::Identity,
        language: Language,
        client: &Client,
    ) -> Result<ProviderSignIn, ApiError> {
        match self.try_sign_in_by_identity(provider, identity, language, client).await {
            Err(Retry) => match self.try_sign_in_by_identity(provider, identity, language, client).await {
                Err(Retry) => Ok(ProviderSignIn::Refused),
                Ok(result) => result,
            },
            Ok(result) => result,
        }
    }

    async fn try_sign_in_by_identity(
        &self,
        provider: &str,
        identity: &super::oidc::Identity,
        language: Language,
        client: &Client,
    ) -> Result<Result<ProviderSignIn, ApiError>, Retry> {
        let run = async {
            let mut tx = self.begin().await?;
            let owner = identity_owner_in(&mut tx, identity).await?;
            if let Some(user_id) = owner {
                return Ok(Ok(ProviderSignIn::Known(user_id)));
            }
            let Some(email) = identity.email.as_deref().and_then(|e| Email::parse(e).ok()) else {
                return Ok(Ok(ProviderSignIn::Refused));
            };
            let account: Option<(i64, Option<i64>, Option<i64>)> = on_tx!(&mut tx, conn => {
                sqlx::query_as("SELECT id, email_confirmed_at, locked_at FROM users WHERE email = $1")
                    .bind(email.as_str())
                    .fetch_optional(conn)
                    .await
            })
            .map_err(db_error)?;
            let now = now();
            let outcome = match account {
                Some((user_id, Some(_), Some(_))) if identity.email_verified => {
                    return Ok(Ok(ProviderSignIn::Locked(user_id)));
                }
                Some((user_id, Some(_), None)) if identity.email_verified => {
                    if !insert_identity(&mut tx, user_id, provider, identity, now).await? {
                        return Ok(Err(Retry));
                    }
                    record_in(&mut tx, Some(user_id), EventKind::IdentityLinked, client).await?;
                    ProviderSignIn::Linked(user_id)
                }
                Some(_) => return Ok(Ok(ProviderSignIn::Refused)),
                None => {
                    let confirmed_at = identity.email_verified.then_some(now);
                    let created: Result<i64, sqlx::Error> = on_tx!(&mut tx, conn => {
                        sqlx::query_scalar(
                            "INSERT INTO users (email, password_hash, language, email_confirmed_at) \
                             VALUES ($1, '', $2, $3) RETURNING id",
                        )
                        .bind(email.as_str())
                        .bind(language.code())
                        .bind(confirmed_at)
                        .fetch_one(conn)
                        .await
                    });
                    let user_id = match created {
                        Ok(id) => id,
                        Err(err) if is_unique_violation(&err) => return Ok(Err(Retry)),
                        Err(err) => return Err(db_error(err)),
                    };
                    if !insert_identity(&mut tx, user_id, provider, identity, now).await? {
                        return Ok(Err(Retry));
                    }
                    if !identity.email_verified {
                        self.send_confirmation(&mut tx, user_id, email.as_str(), language).await?;
                    }
                    record_in(&mut tx, Some(user_id), EventKind::Signup, client).await?;
                    record_in(&mut tx, Some(user_id), EventKind::IdentityLinked, client).await?;
                    ProviderSignIn::Created(user_id)
                }
            };
            self.commit(tx).await?;
            Ok(Ok(outcome))
        };
        match run.await {
            Ok(Ok(outcome)) => Ok(Ok(outcome)),
            Ok(Err(retry)) => Err(retry),
            Err(err) => Ok(Err(err)),
        }
    }
}

impl Accounts {
    /// The account an identity is linked to, if any.
    pub async fn identity_owner(&self, identity: &super::oidc::Identity) -> Result<Option<i64>, ApiError> {
        let mut tx = self.begin().await?;
        let owner = identity_owner_in(&mut tx, identity).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(owner)
    }

    /// Links `identity` to the signed-in account (from `/security`), with
    /// its event and a notice; `false` when another account has it, or
    /// this account has another identity at that provider.
    pub async fn link_identity(
        &self,
        user_id: i64,
        provider: &str,
        label: &str,
        identity: &super::oidc::Identity,
        client: &Client,
    ) -> Result<bool, ApiError> {
        let mut tx = self.begin().await?;
        let owner = identity_owner_in(&mut tx, identity).await?;
        match owner {
            Some(owner) => return Ok(owner == user_id),
            None => {}
        }
        if !insert_identity(&mut tx, user_id, provider, identity, now()).await? {
            return Ok(false);
        }
        record_in(&mut tx, Some(user_id), EventKind::IdentityLinked, client).await?;
        let row: Option<(String, String)> = on_tx!(&mut tx, conn => {
            sqlx::query_as("SELECT email, language FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(conn)
                .await
        })
        .map_err(db_error)?;
        if let Some((email, language)) = row {
            let language = Language::from_code(&language).unwrap_or_default();
            let notice = Notice::ProviderLinked { provider: label.to_owned() };
            let message = templates::notice(&self.mail().base_url, &email, &notice, language);
            self.queue(&mut tx, &message).await?;
        }
        self.commit(tx).await?;
        Ok(true)
    }
}

impl Accounts {
    /// The account's linked providers: (provider, email, linked at).
    pub async fn identities(&self, user_id: i64) -> Result<Vec<(String, Option<String>, i64)>, ApiError> {
        super::db::on_pool!(self.db(), pool => {
            sqlx::query_as("SELECT provider, email, linked_at FROM identities WHERE user_id = $1 ORDER BY linked_at, id")
                .bind(user_id)
                .fetch_all(pool)
                .await
        })
        .map_err(db_error)
    }

    /// Unlinks `provider` from the account, in one transaction that first
    /// checks another way in remains (a password, a passkey, another
    /// provider): 404 when none is linked, 409 when it is the last.
    pub async fn unlink_identity(&self, user: &UserRow, provider: &str, label: &str, client: &Client) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        // Takes the account's row lock first (a write lock on SQLite), so
        // two unlinks at once can't each leave the other as the last way in.
        on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE users SET language = language WHERE id = $1")
                .bind(user.id)
                .execute(conn)
                .await
                .map(|_| ())
        })
        .map_err(db_error)?;
        let others: (i64, i64) = on_tx!(&mut tx, conn => {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM identities WHERE user_id = $1 AND provider <> $2), \
                        (SELECT COUNT(*) FROM passkeys WHERE user_id = $1)",
            )
            .bind(user.id)
            .bind(provider)
            .fetch_one(conn)
            .await
        })
        .map_err(db_error)?;
        let has_password: Option<String> = on_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
                .bind(user.id)
                .fetch_optional(conn)
                .await
        })
        .map_err(db_error)?;
        let has_password = has_password.is_some_and(|hash| !hash.is_empty());
        let deleted: u64 = on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM identities WHERE user_id = $1 AND provider = $2")
                .bind(user.id)
                .bind(provider)
                .execute(conn)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(db_error)?;
        if deleted == 0 {
            return Err(ApiError::no_such_identity());
        }
        if !has_password && others.0 == 0 && others.1 == 0 {
            // Rolled back with the transaction.
            return Err(ApiError::last_way_in());
        }
        record_in(&mut tx, Some(user.id), EventKind::IdentityUnlinked, client).await?;
        let notice = Notice::ProviderUnlinked { provider: label.to_owned() };
        let message = templates::notice(&self.mail().base_url, &user.email, &notice, user.language());
        self.queue(&mut tx, &message).await?;
        self.commit(tx).await
    }
}

/// Another request linked or created the same thing first: look again.
#[derive(Debug)]
pub struct Retry;

/// The account `identity` is linked to, in `tx`.
async fn identity_owner_in(tx: &mut Tx, identity: &super::oidc::Identity) -> Result<Option<i64>, ApiError> {
    on_tx!(tx, conn => {
        sqlx::query_scalar("SELECT user_id FROM identities WHERE issuer = $1 AND subject = $2")
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .fetch_optional(conn)
            .await
    })
    .map_err(db_error)
}

/// Links `identity` to `user_id` in `tx`; `false` when the identity (or
/// this provider for the account) is linked already.
async fn insert_identity(
    tx: &mut Tx,
    user_id: i64,
    provider: &str,
    identity: &super::oidc::Identity,
    now: i64,
) -> Result<bool, ApiError> {
    let inserted: Result<(), sqlx::Error> = on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO identities (user_id, provider, issuer, subject, email, linked_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(user_id)
        .bind(provider)
        .bind(&identity.issuer)
        .bind(&identity.subject)
        .bind(identity.email.as_deref())
        .bind(now)
        .execute(conn)
        .await
        .map(|_| ())
    });
    match inserted {
        Ok(_) => Ok(true),
        Err(err) if is_unique_violation(&err) => Ok(false),
        Err(err) => Err(db_error(err)),
    }
}
