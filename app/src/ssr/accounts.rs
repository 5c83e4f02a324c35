//! Accounts: signing up, changing and resetting the password, confirming
//! and changing the address, and the notices an account is sent. Every
//! change that sends mail makes its change and queues the mail in one
//! transaction
//! ([`super::mail::outbox::enqueue`]), so a 200 means the mail is stored.
//! Links are [`tokens`]; the words are [`templates`].

use super::{
    security_log::record_in,
    db::{on_tx, Db, Tx},
    mail::{outbox::enqueue, templates, templates::Notice, Mail, Message},
    session::{now, Client},
    throttle::{give_back_in, key, reserve_in},
    tokens::{self, Link, Purpose},
    users::{db_error, UserRow},
};
use crate::{
    domain::{Email, EventKind, Language, LinkToken},
    error::ApiError,
};
use std::sync::Arc;

/// Confirmation mails (sign-up, resend, change of email together) per
/// account per window, and to any one address.
pub const CONFIRM_CAP: i64 = 3;

#[derive(Clone)]
pub struct Accounts {
    db: Db,
    mail: Arc<Mail>,
    /// Reset mails per account per window, and the window (seconds):
    /// `LOGIN_WINDOW_SECS`.
    pub reset_cap: i64,
    pub window_secs: i64,
}

/// What confirming a link did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirmed {
    /// The account's address is confirmed.
    Address { user_id: i64 },
    /// The account's address is now `email`.
    NewAddress { user_id: i64, email: String },
}

pub(super) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
}

impl Accounts {
    pub fn new(db: Db, mail: Arc<Mail>, window_secs: i64) -> Self {
        Self {
            db,
            mail,
            reset_cap: 3,
            window_secs,
        }
    }

    pub(super) fn db(&self) -> &Db {
        &self.db
    }

    pub fn mail(&self) -> &Mail {
        &self.mail
    }

    pub(crate) async fn begin(&self) -> Result<Tx, ApiError> {
        self.db.begin().await.map_err(db_error)
    }

    pub(crate) async fn queue(&self, tx: &mut Tx, message: &Message) -> Result<(), ApiError> {
        enqueue(tx, &self.mail.sealer, message, now()).await.map_err(db_error)
    }

    /// Commits, then wakes the worker for the mail just stored.
    pub(crate) async fn commit(&self, tx: Tx) -> Result<(), ApiError> {
        tx.commit().await.map_err(db_error)?;
        self.mail.wake();
        Ok(())
    }

    /// Creates the account and queues its confirmation link; `Ok(None)`
    /// when the address is taken (nothing is written then).
    pub async fn sign_up(&self, email: &Email, password_hash: &str, language: Language, client: &Client) -> Result<Option<i64>, ApiError> {
        let mut tx = self.begin().await?;
        let created: Result<i64, sqlx::Error> = on_tx!(&mut tx, conn => {
            // Signing up signs in: its time is the account's last sign-in.
            sqlx::query_scalar(
                "INSERT INTO users (email, password_hash, language, last_login_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
                .bind(email.as_str())
                .bind(password_hash)
                .bind(language.code())
                .bind(now())
                .fetch_one(conn)
                .await
        });
        let user_id = match created {
            Ok(id) => id,
            Err(err) if is_unique_violation(&err) => return Ok(None),
            Err(err) => return Err(db_error(err)),
        };
        // The account's language is the one it signed up in.
        self.send_confirmation(&mut tx, user_id, email.as_str(), language).await?;
        record_in(&mut tx, Some(user_id), EventKind::Signup, client).await?;
        self.commit(tx).await?;
        Ok(Some(user_id))
    }

    /// Takes a slot of both confirmation-mail caps for a link to `to` for
    /// `user_id` inside `tx`, or neither: `false` past either cap, when no
    /// mail goes and the last link sent keeps working. A refused address
    /// costs the account nothing, and an account past its cap costs the
    /// address nothing (else a capped account could use up someone
    /// else's address by asking to change to it).
    async fn confirmation_allowed(&self, tx: &mut Tx, user_id: i64, to: &str) -> Result<bool, ApiError> {
        let now = now();
        let window = self.window_secs;
        let to_key = key(&format!("confirm-to:{}", to.to_lowercase()));
        let Ok(to_window) = reserve_in(tx, &to_key, CONFIRM_CAP, window, now).await? else {
            return Ok(false);
        };
        let account_key = key(&format!("confirm-account:{user_id}"));
        if reserve_in(tx, &account_key, CONFIRM_CAP, window, now).await?.is_ok() {
            return Ok(true);
        }
        give_back_in(tx, &to_key, to_window).await?;
        Ok(false)
    }

    pub(super) async fn send_confirmation(&self, tx: &mut Tx, user_id: i64, email: &str, language: Language) -> Result<(), ApiError> {
        if !self.confirmation_allowed(tx, user_id, email).await? {
            tracing::info!(user_id, "confirmation mail past its cap; none sent");
            return Ok(());
        }
        let ttl = self.mail.confirm_ttl_secs;
        let token = tokens::issue(tx, user_id, Purpose::Confirm, email, now() + ttl)
            .await
            .map_err(db_error)?;
        let message = templates::confirm_signup(&self.mail.base_url, email, token.expose(), ttl, language);
        self.queue(tx, &message).await
    }

    /// Queues a notice to the account's address (a passkey added, two-step
    /// verification turned off, a new sign-in…) in the account's language,
    /// in a transaction of its own: a 200 after it means the mail is
    /// stored. `user` is read in the request that queues it, so the
    /// language is the account's as of now.
    pub async fn notify(&self, user: &UserRow, notice: &Notice) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        let message = templates::notice(&self.mail.base_url, &user.email, notice, user.language());
        self.queue(&mut tx, &message).await?;
        self.commit(tx).await
    }

    /// A new confirmation link for a signed-in account; `false` when the
    /// address is confirmed already (nothing is sent).
    pub async fn resend_confirmation(&self, user: &UserRow) -> Result<bool, ApiError> {
        if user.email_confirmed_at.is_some() {
            return Ok(false);
        }
        let mut tx = self.begin().await?;
        self.send_confirmation(&mut tx, user.id, &user.email, user.language()).await?;
        self.commit(tx).await?;
        Ok(true)
    }

    /// Queues a reset link for `user` (looked up by the caller), unless it
    /// had [`Self::reset_cap`] of them this window. Either way the same
    /// counter is written (for an address without an account too), so
    /// both answer in about the same time, and the answer is the same.
    /// The counter's row lock makes two requests at once take turns.
    pub async fn request_reset(&self, email: &Email, user: Option<&UserRow>) -> Result<(), ApiError> {
        let now = now();
        let mut tx = self.begin().await?;
        let counter = key(&format!("reset:{email}"));
        let allowed = reserve_in(&mut tx, &counter, self.reset_cap, self.window_secs, now).await?.is_ok();
        let mail_to = user.filter(|_| allowed);
        if let Some(user) = mail_to {
            let ttl = self.mail.reset_ttl_secs;
            let token = tokens::issue(&mut tx, user.id, Purpose::Reset, &user.email, now + ttl)
                .await
                .map_err(db_error)?;
            // The account's language, not the request's: whoever asks
            // need not be the account's owner.
            let message = templates::password_reset(&self.mail.base_url, &user.email, token.expose(), ttl, user.language());
            self.queue(&mut tx, &message).await?;
        } else if user.is_some() {
            tracing::info!("password reset asked for past the per-account cap; no mail sent");
        }
        self.commit(tx).await
    }

    /// Queues a reset link for `user` inside `tx`, past no cap: an
    /// administrator sends it (`/api/admin/send_reset`).
    pub(crate) async fn queue_reset(&self, tx: &mut Tx, user: &UserRow) -> Result<(), ApiError> {
        let ttl = self.mail.reset_ttl_secs;
        let token = tokens::issue(tx, user.id, Purpose::Reset, &user.email, now() + ttl)
            .await
            .map_err(db_error)?;
        let message = templates::password_reset(&self.mail.base_url, &user.email, token.expose(), ttl, user.language());
        self.queue(tx, &message).await
    }

    /// Queues a notice inside `tx`, with the change it tells of.
    pub(crate) async fn queue_notice(&self, tx: &mut Tx, user: &UserRow, notice: &Notice) -> Result<(), ApiError> {
        let message = templates::notice(&self.mail.base_url, &user.email, notice, user.language());
        self.queue(tx, &message).await
    }

    /// What a live link stands for, without using it.
    pub async fn peek(&self, token: &LinkToken, purposes: &[Purpose]) -> Result<Option<Link>, ApiError> {
        tokens::peek(&self.db, token, purposes, now()).await.map_err(db_error)
    }

    /// Whether a reset with this live link asks for a second-step code:
    /// when the account has two-step verification, unless the reset
    /// confirms an address never confirmed before (then it clears the
    /// factors instead: see [`Self::reset_password`]).
    pub async fn reset_asks_for_code(&self, factors: &super::two_factor::TwoFactor, link: &Link) -> Result<bool, ApiError> {
        let confirmed: Option<(String, Option<i64>)> = super::db::on_pool!(&self.db, pool => {
            sqlx::query_as("SELECT email, email_confirmed_at FROM users WHERE id = $1")
                .bind(link.user_id)
                .fetch_optional(pool)
                .await
        })
        .map_err(db_error)?;
        let confirms = confirmed.is_some_and(|(email, at)| at.is_none() && email == link.email);
        Ok(!confirms && factors.enabled(link.user_id).await?)
    }

    /// Sets the new password with a reset link, using the link up; the
    /// address it was sent to counts as confirmed. Every other link of the
    /// account (a pending change of email, a confirmation) stops working.
    /// When this confirms an address never confirmed before, whoever held
    /// the unconfirmed account may have added a passkey or an app: they
    /// go, with the recovery codes. Returns the account. Ending the
    /// account's sessions is the caller's (they live in the session store).
    pub async fn reset_password(&self, token: &LinkToken, password_hash: &str, client: &Client) -> Result<i64, ApiError> {
        let now = now();
        let mut tx = self.begin().await?;
        let link = tokens::redeem(&mut tx, token, &[Purpose::Reset], now)
            .await
            .map_err(db_error)?
            .ok_or_else(ApiError::invalid_token)?;
        let before: Option<(String, Option<i64>, String)> = on_tx!(&mut tx, conn => {
            sqlx::query_as("SELECT email, email_confirmed_at, language FROM users WHERE id = $1")
                .bind(link.user_id)
                .fetch_optional(conn)
                .await
        })
        .map_err(db_error)?;
        let (email, confirmed_at, language) = before.ok_or_else(ApiError::invalid_token)?;
        let language = Language::from_code(&language).unwrap_or_default();
        let confirms = confirmed_at.is_none() && email == link.email;
        // Not for an account locked meanwhile: the transaction is dropped,
        // so the link stays unused.
        let updated = on_tx!(&mut tx, conn => {
            sqlx::query(
                "UPDATE users SET password_hash = $1, email_confirmed_at = \
                   COALESCE(email_confirmed_at, CASE WHEN email = $2 THEN $3 END) \
                 WHERE id = $4 AND locked_at IS NULL",
            )
            .bind(password_hash)
            .bind(&link.email)
            .bind(now)
            .bind(link.user_id)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_error)?;
        if updated == 0 {
            return Err(ApiError::account_locked());
        }
        for purpose in [Purpose::ChangeEmail, Purpose::Confirm] {
            tokens::void(&mut tx, link.user_id, purpose).await.map_err(db_error)?;
        }
        if confirms {
            super::two_factor::remove_all_factors(&mut tx, link.user_id).await?;
        }
        let message = templates::password_reset_done(&self.mail.base_url, &email, language);
        self.queue(&mut tx, &message).await?;
        record_in(&mut tx, Some(link.user_id), EventKind::PasswordReset, client).await?;
        self.commit(tx).await?;
        Ok(link.user_id)
    }

    /// Sets a new password for a signed-in account that typed its current
    /// one: every reset link of the account stops working, and a notice
    /// goes to its address.
    pub async fn change_password(&self, user: &UserRow, password_hash: &str, client: &Client) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(password_hash)
                .bind(user.id)
                .execute(conn)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(db_error)?;
        // Whoever changed it may be taking the account over: no link sent
        // before it (a reset, a pending change of email, a confirmation)
        // works after it.
        for purpose in [Purpose::Reset, Purpose::ChangeEmail, Purpose::Confirm] {
            tokens::void(&mut tx, user.id, purpose).await.map_err(db_error)?;
        }
        let message = templates::password_changed(&self.mail.base_url, &user.email, user.language());
        self.queue(&mut tx, &message).await?;
        record_in(&mut tx, Some(user.id), EventKind::PasswordChanged, client).await?;
        self.commit(tx).await
    }

    /// Sends a link to `new_email` that moves the account there, and a
    /// notice to the account's address. Nothing else changes yet.
    pub async fn request_email_change(&self, user: &UserRow, new_email: &Email, client: &Client) -> Result<(), ApiError> {
        let ttl = self.mail.confirm_ttl_secs;
        let mut tx = self.begin().await?;
        if !self.confirmation_allowed(&mut tx, user.id, new_email.as_str()).await? {
            tracing::info!(user_id = user.id, "change-of-email link past its cap; none sent");
            return self.commit(tx).await;
        }
        let token = tokens::issue(&mut tx, user.id, Purpose::ChangeEmail, new_email.as_str(), now() + ttl)
            .await
            .map_err(db_error)?;
        let base = &self.mail.base_url;
        // Both in the account's language: the new address is the same
        // person's.
        let language = user.language();
        let confirm = templates::confirm_change(base, new_email.as_str(), token.expose(), ttl, language);
        self.queue(&mut tx, &confirm).await?;
        let notice = templates::email_change_requested(base, &user.email, new_email.as_str(), language);
        self.queue(&mut tx, &notice).await?;
        record_in(&mut tx, Some(user.id), EventKind::EmailChangeRequested, client).await?;
        self.commit(tx).await
    }

    /// Uses a confirmation link: a sign-up link confirms the address it
    /// was sent to (if it is still the account's); a change-of-email link
    /// makes its address the account's, confirmed, and voids the account's
    /// reset and older confirmation links. 409 when the new address was
    /// taken meanwhile (nothing changes then).
    pub async fn confirm(&self, token: &LinkToken, client: &Client) -> Result<Confirmed, ApiError> {
        let now = now();
        let mut tx = self.begin().await?;
        let link = tokens::redeem(&mut tx, token, &[Purpose::Confirm, Purpose::ChangeEmail], now)
            .await
            .map_err(db_error)?
            .ok_or_else(ApiError::invalid_token)?;
        let confirmed = if link.purpose == Purpose::Confirm {
            let changed = on_tx!(&mut tx, conn => {
                sqlx::query(
                    "UPDATE users SET email_confirmed_at = COALESCE(email_confirmed_at, $1) \
                     WHERE id = $2 AND email = $3",
                )
                .bind(now)
                .bind(link.user_id)
                .bind(&link.email)
                .execute(conn)
                .await
                .map(|r| r.rows_affected())
            })
            .map_err(db_error)?;
            if changed == 0 {
                // The account has moved to another address since.
                return Err(ApiError::invalid_token());
            }
            record_in(&mut tx, Some(link.user_id), EventKind::EmailConfirmed, client).await?;
            Confirmed::Address { user_id: link.user_id }
        } else {
            let old: Option<(String, String)> = on_tx!(&mut tx, conn => {
                sqlx::query_as("SELECT email, language FROM users WHERE id = $1")
                    .bind(link.user_id)
                    .fetch_optional(conn)
                    .await
            })
            .map_err(db_error)?;
            let changed = on_tx!(&mut tx, conn => {
                sqlx::query("UPDATE users SET email = $1, email_confirmed_at = $2 WHERE id = $3")
                    .bind(&link.email)
                    .bind(now)
                    .bind(link.user_id)
                    .execute(conn)
                    .await
                    .map(|r| r.rows_affected())
            });
            match changed {
                Ok(1) => {}
                Ok(_) => return Err(ApiError::invalid_token()),
                Err(err) if is_unique_violation(&err) => return Err(ApiError::new_email_taken()),
                Err(err) => return Err(db_error(err)),
            }
            for purpose in [Purpose::Reset, Purpose::Confirm] {
                tokens::void(&mut tx, link.user_id, purpose).await.map_err(db_error)?;
            }
            if let Some((old_email, language)) = old {
                let language = Language::from_code(&language).unwrap_or_default();
                let notice = Notice::EmailChanged { new_email: link.email.clone() };
                let message = templates::notice(&self.mail.base_url, &old_email, &notice, language);
                self.queue(&mut tx, &message).await?;
            }
            record_in(&mut tx, Some(link.user_id), EventKind::EmailChanged, client).await?;
            Confirmed::NewAddress {
                user_id: link.user_id,
                email: link.email,
            }
        };
        self.commit(tx).await?;
        Ok(confirmed)
    }

    /// Deletes expired links, and sent mails older than a week (kept that
    /// long for operators).
    pub async fn remove_expired(&self, outbox: &super::mail::outbox::Outbox) -> Result<(), sqlx::Error> {
        let now = now();
        tokens::remove_expired(&self.db, now).await?;
        outbox.remove_sent(now - 7 * 86_400).await?;
        Ok(())
    }
}
