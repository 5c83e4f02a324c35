//! Two-step verification: an authenticator app (TOTP, RFC 6238, by
//! `totp-rs`) and recovery codes.
//!
//! - The app's secret is sealed at rest under a key of its own derived
//!   from SESSION_SECRET; a copy of the database cannot make codes.
//! - A code is accepted once: the step it belongs to must be later than
//!   the last step accepted, and the update that says so is atomic, so two
//!   requests with the same code can't both pass.
//! - Recovery codes are kept as HMAC-SHA256 under another derived key
//!   (ten random codes of ~50 bits each: a keyed hash is enough, and ten
//!   argon2 checks per login would not be), and each works once.
//!
//! Every change writes its security-log event in the same transaction.

use super::{
    internal::Internal,
    security_log::record_in,
    db::{on_pool, on_tx, Db, Tx},
    mail::seal::{derive_key, Sealer},
    session::{now, Client},
    users::db_error,
};
use crate::{
    domain::{EventKind, TwoFactorCode},
    error::ApiError,
};
use hmac::{Hmac, Mac};
use totp_rs::{Algorithm, Builder, Totp};

/// What the QR code and the text beside it carry while an app is being
/// set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrolment {
    /// Base32, as apps take it typed in.
    pub secret: String,
    /// `otpauth://totp/Gatehouse:…?secret=…&issuer=Gatehouse`
    pub uri: String,
}

/// Where an account stands, for `/security`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    pub enabled: bool,
    /// A secret shown but not yet confirmed with a code.
    pub pending: Option<Enrolment>,
    pub recovery_codes_left: i64,
}

/// How a second step was passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Passed {
    App,
    RecoveryCode,
}

const ISSUER: &str = "Gatehouse";
/// Codes per set.
pub const RECOVERY_CODES: usize = 10;

#[derive(Clone)]
pub struct TwoFactor {
    db: Db,
    sealer: std::sync::Arc<Sealer>,
    /// HMAC-SHA256 keyed once at start-up; each hash works on a clone.
    code_mac: Hmac<sha2::Sha256>,
}

/// Bound into each sealed secret, so one can't be moved to another account.
fn bound(user_id: i64) -> Vec<u8> {
    format!("totp:{user_id}").into_bytes()
}

/// SHA-1, 6 digits, 30 s, one step either side: what every app does.
fn totp(secret: Vec<u8>, account: &str) -> Result<Totp, ApiError> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        // The label's separator is a colon; an address can hold one.
        .with_account_name(account.replace(':', "_"))
        .build()
        .map_err(|err| Internal::new("setting up TOTP", format!("{err:?}")).into())
}

/// The step a 6-digit code belongs to, if it is right within one step
/// either side of `now`.
pub fn matching_step(secret: &[u8], code: &str, now: i64) -> Option<i64> {
    let totp = totp(secret.to_vec(), "").ok()?;
    let now = u64::try_from(now).ok()?;
    totp.check(code, now).and_then(|step| i64::try_from(step).ok())
}

/// The code an app shows for `secret` at `unix` (for tests and the CLI's
/// own checks).
pub fn code_at(secret: &[u8], unix: u64) -> Option<String> {
    Some(totp(secret.to_vec(), "").ok()?.generate(unix).to_string())
}

/// A QR code of `uri`, as an SVG the page shows inline: set-up needs no
/// JavaScript and no image request.
pub fn qr_svg(uri: &str) -> Option<String> {
    use qrcode::{render::svg, EcLevel, QrCode};
    let code = QrCode::with_error_correction_level(uri, EcLevel::M).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

/// Ten new recovery codes, as a person sees them (`abcde-23456`).
fn new_recovery_codes() -> Vec<String> {
    use rand::Rng as _;
    let mut rng = rand::rng();
    let alphabet = TwoFactorCode::RECOVERY_ALPHABET;
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: String = (0..TwoFactorCode::RECOVERY_LEN)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// Runs one `DELETE … WHERE user_id = $1` for the account inside `tx`.
async fn delete_for(tx: &mut Tx, sql: &str, user_id: i64) -> Result<(), ApiError> {
    on_tx!(tx, conn => {
        sqlx::query(sql)
            .bind(user_id)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })
    .map_err(db_error)?;
    Ok(())
}

const DELETE_CODES: &str = "DELETE FROM recovery_codes WHERE user_id = $1";

/// Deletes the account's recovery codes, used or not.
async fn delete_codes(tx: &mut Tx, user_id: i64) -> Result<(), ApiError> {
    delete_for(tx, DELETE_CODES, user_id).await
}

/// Removes every second factor and passkey of the account inside `tx`:
/// a password reset that confirms an address never confirmed before does
/// this, since whoever held the unconfirmed account may have added them.
pub async fn remove_all_factors(tx: &mut Tx, user_id: i64) -> Result<(), ApiError> {
    for sql in ["DELETE FROM totp WHERE user_id = $1", DELETE_CODES, "DELETE FROM passkeys WHERE user_id = $1"] {
        delete_for(tx, sql, user_id).await?;
    }
    Ok(())
}

impl TwoFactor {
    pub fn new(db: Db, secret: &[u8]) -> Self {
        let key = derive_key(secret, b"recovery codes v1");
        Self {
            db,
            sealer: std::sync::Arc::new(Sealer::for_purpose(secret, b"totp secret v1")),
            // Run once, at start-up: HMAC takes a key of any length.
            code_mac: <Hmac<sha2::Sha256> as Mac>::new_from_slice(&key)
                .expect("HMAC takes a key of any length"),
        }
    }

    /// A recovery code's keyed hash, from its compact form.
    fn code_hash(&self, compact: &str) -> String {
        let mut mac = self.code_mac.clone();
        mac.update(compact.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    fn open(&self, user_id: i64, sealed: &[u8]) -> Option<Vec<u8>> {
        let opened = self.sealer.open(sealed, &bound(user_id));
        if opened.is_none() {
            // SESSION_SECRET changed: the app must be set up again.
            tracing::warn!(user_id, "an authenticator secret does not open under this SESSION_SECRET");
        }
        opened
    }

    fn enrolment(secret: &[u8], email: &str) -> Result<Enrolment, ApiError> {
        let totp = totp(secret.to_vec(), email)?;
        let uri = totp
            .to_url()
            .map_err(|err| ApiError::from(Internal::new("making the otpauth URI", format!("{err:?}"))))?;
        Ok(Enrolment {
            secret: totp.secret().to_base32(),
            uri,
        })
    }

    /// Whether logging in to `user_id` takes a second step.
    pub async fn enabled(&self, user_id: i64) -> Result<bool, ApiError> {
        let row: Option<(i64,)> = on_pool!(&self.db, pool => {
            sqlx::query_as("SELECT user_id FROM totp WHERE user_id = $1 AND secret IS NOT NULL")
                .bind(user_id)
                .fetch_optional(pool)
                .await
        })
        .map_err(db_error)?;
        Ok(row.is_some())
    }

    pub async fn status(&self, user_id: i64, email: &str) -> Result<Status, ApiError> {
        let row: Option<(Option<Vec<u8>>, Option<Vec<u8>>)> = on_pool!(&self.db, pool => {
            sqlx::query_as("SELECT secret, pending FROM totp WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await
        })
        .map_err(db_error)?;
        let (left,): (i64,) = on_pool!(&self.db, pool => {
            sqlx::query_as(
                "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
            )
            .bind(user_id)
            .fetch_one(pool)
            .await
        })
        .map_err(db_error)?;
        let (secret, pending) = row.unwrap_or_default();
        let pending = match pending.and_then(|sealed| self.open(user_id, &sealed)) {
            Some(secret) => Some(Self::enrolment(&secret, email)?),
            None => None,
        };
        Ok(Status {
            enabled: secret.is_some(),
            pending,
            recovery_codes_left: left,
        })
    }

    /// A new secret to set an app up with. Nothing changes for logins
    /// until [`enable`](Self::enable) confirms it with a code; asking again
    /// replaces the one not yet confirmed.
    pub async fn begin(&self, user_id: i64, email: &str) -> Result<Enrolment, ApiError> {
        // 160 bits, as RFC 4226 recommends.
        let mut secret = vec![0u8; 20];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut secret);
        let sealed = self.sealer.seal(&secret, &bound(user_id)).ok_or_else(ApiError::unavailable)?;
        on_pool!(&self.db, pool => {
            sqlx::query(
                "INSERT INTO totp (user_id, pending) VALUES ($1, $2) \
                 ON CONFLICT (user_id) DO UPDATE SET pending = excluded.pending",
            )
            .bind(user_id)
            .bind(&sealed)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_error)?;
        Self::enrolment(&secret, email)
    }

    /// Turns the app set up by [`begin`](Self::begin) on, when `code` is
    /// one it shows now. Answers the new recovery codes, or `None` for a
    /// wrong code (or nothing begun).
    pub async fn enable(
        &self,
        user_id: i64,
        code: &str,
        client: &Client,
    ) -> Result<Option<Vec<String>>, ApiError> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        let pending: Option<(Option<Vec<u8>>,)> = on_tx!(&mut tx, conn => {
            sqlx::query_as("SELECT pending FROM totp WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(conn)
                .await
        })
        .map_err(db_error)?;
        let Some(sealed) = pending.and_then(|(p,)| p) else {
            return Ok(None);
        };
        let Some(secret) = self.open(user_id, &sealed) else {
            return Ok(None);
        };
        let Some(step) = matching_step(&secret, code, now()) else {
            return Ok(None);
        };
        // Only the very secret this code was checked against: of two
        // calls at once, the second finds it gone (Postgres re-reads the
        // row after the first's lock) and changes nothing.
        let turned_on = on_tx!(&mut tx, conn => {
            sqlx::query(
                "UPDATE totp SET secret = pending, pending = NULL, last_step = $2, enabled_at = $3 \
                 WHERE user_id = $1 AND pending = $4",
            )
            .bind(user_id)
            .bind(step)
            .bind(now())
            .bind(&sealed)
            .execute(conn)
            .await
            .map(|r| r.rows_affected() == 1)
        })
        .map_err(db_error)?;
        if !turned_on {
            return Ok(None);
        }
        record_in(&mut tx, Some(user_id), EventKind::TotpEnabled, client).await?;
        let codes = self.replace_codes(&mut tx, user_id, client).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(Some(codes))
    }

    /// Turns two-step verification off: the app's secret and the recovery
    /// codes are deleted. `false` when it was not on.
    pub async fn disable(&self, user_id: i64, client: &Client) -> Result<bool, ApiError> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        let was_on = on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM totp WHERE user_id = $1 AND secret IS NOT NULL")
                .bind(user_id)
                .execute(conn)
                .await
                .map(|r| r.rows_affected() > 0)
        })
        .map_err(db_error)?;
        delete_codes(&mut tx, user_id).await?;
        if was_on {
            record_in(&mut tx, Some(user_id), EventKind::TotpDisabled, client).await?;
        }
        tx.commit().await.map_err(db_error)?;
        Ok(was_on)
    }

    /// A new set of recovery codes; the old set stops working.
    pub async fn new_codes(&self, user_id: i64, client: &Client) -> Result<Vec<String>, ApiError> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        let codes = self.replace_codes(&mut tx, user_id, client).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(codes)
    }

    async fn replace_codes(&self, tx: &mut Tx, user_id: i64, client: &Client) -> Result<Vec<String>, ApiError> {
        delete_codes(tx, user_id).await?;
        let codes = new_recovery_codes();
        for code in &codes {
            let hash = self.code_hash(&code.replace('-', ""));
            on_tx!(tx, conn => {
                sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                    .bind(user_id)
                    .bind(&hash)
                    .execute(conn)
                    .await
                    .map(|r| r.rows_affected())
            })
            .map_err(db_error)?;
        }
        record_in(tx, Some(user_id), EventKind::RecoveryCodesCreated, client).await?;
        Ok(codes)
    }

    /// Checks a second step for `user_id`: an app's code not used before,
    /// or an unused recovery code (used up here, and logged). `None` when
    /// it does not pass; the caller counts that as a failed login.
    pub async fn verify(
        &self,
        user_id: i64,
        code: &TwoFactorCode,
        client: &Client,
    ) -> Result<Option<Passed>, ApiError> {
        match code {
            TwoFactorCode::Totp(code) => {
                let row: Option<(Option<Vec<u8>>,)> = on_pool!(&self.db, pool => {
                    sqlx::query_as("SELECT secret FROM totp WHERE user_id = $1")
                        .bind(user_id)
                        .fetch_optional(pool)
                        .await
                })
                .map_err(db_error)?;
                let Some(secret) = row.and_then(|(s,)| s).and_then(|s| self.open(user_id, &s)) else {
                    return Ok(None);
                };
                let Some(step) = matching_step(&secret, code, now()) else {
                    return Ok(None);
                };
                // Only a step later than the last one accepted: a replayed
                // code (or an earlier one) is refused, atomically.
                let fresh = on_pool!(&self.db, pool => {
                    sqlx::query(
                        "UPDATE totp SET last_step = $2 \
                         WHERE user_id = $1 AND secret IS NOT NULL AND last_step < $2",
                    )
                    .bind(user_id)
                    .bind(step)
                    .execute(pool)
                    .await
                    .map(|r| r.rows_affected() == 1)
                })
                .map_err(db_error)?;
                Ok(fresh.then_some(Passed::App))
            }
            TwoFactorCode::Recovery(compact) => {
                let hash = self.code_hash(compact);
                let mut tx = self.db.begin().await.map_err(db_error)?;
                let used = on_tx!(&mut tx, conn => {
                    sqlx::query(
                        "UPDATE recovery_codes SET used_at = $3 \
                         WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
                    )
                    .bind(user_id)
                    .bind(&hash)
                    .bind(now())
                    .execute(conn)
                    .await
                    .map(|r| r.rows_affected() == 1)
                })
                .map_err(db_error)?;
                if !used {
                    return Ok(None);
                }
                record_in(&mut tx, Some(user_id), EventKind::RecoveryCodeUsed, client).await?;
                tx.commit().await.map_err(db_error)?;
                Ok(Some(Passed::RecoveryCode))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_their_step_and_one_either_side_only() {
        let secret = [7u8; 20];
        let now = 1_700_000_015;
        let step = now / 30;
        for (offset, ok) in [(-60, false), (-30, true), (0, true), (30, true), (60, false)] {
            let code = code_at(&secret, (now + offset) as u64).unwrap();
            let matched = matching_step(&secret, &code, now);
            if ok {
                assert_eq!(matched, Some(step + offset / 30), "offset {offset}");
            } else {
                assert_eq!(matched, None, "offset {offset}");
            }
        }
        assert_eq!(matching_step(&secret, "12345", now), None);
    }

    #[test]
    fn rfc_6238_vector() {
        // RFC 6238 appendix B, SHA-1, truncated to 6 digits.
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59).unwrap(), "287082");
        assert_eq!(code_at(secret, 1_111_111_109).unwrap(), "081804");
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_parse() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), RECOVERY_CODES);
        for code in &codes {
            assert_eq!(code.len(), 11);
            let parsed = TwoFactorCode::parse(&code.to_uppercase()).unwrap();
            assert!(parsed == TwoFactorCode::Recovery(code.replace('-', "")));
        }
    }

    #[test]
    fn the_qr_code_is_an_svg() {
        let svg = qr_svg("otpauth://totp/Gatehouse:a%40example.com?secret=ABC&issuer=Gatehouse").unwrap();
        assert!(svg.contains("<svg"));
        assert!(svg.contains("</svg>"));
    }
}
