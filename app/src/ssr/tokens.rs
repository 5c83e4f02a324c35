//! The tokens in mailed links (password reset, confirmation of an address):
//! 256 bits from the OS's CSPRNG, kept only as SHA-256 hashes, one live
//! link per account and purpose (a newer one replaces the older), and
//! redeemed by deleting the row, so two redemptions can't both win.

use super::db::{on_pool, on_tx, Db, Tx};
use crate::domain::LinkToken;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use sha2::{Digest, Sha256};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A password-reset link.
    Reset,
    /// Confirms the address an account signed up with.
    Confirm,
    /// Confirms a new address for the account (change of email).
    ChangeEmail,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reset => "reset",
            Self::Confirm => "confirm",
            Self::ChangeEmail => "change_email",
        }
    }

    fn from_str(text: &str) -> Option<Self> {
        [Self::Reset, Self::Confirm, Self::ChangeEmail]
            .into_iter()
            .find(|p| p.as_str() == text)
    }
}

/// What a live link stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub user_id: i64,
    pub purpose: Purpose,
    /// The address the link was sent to.
    pub email: String,
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Makes a new link for `user_id` and `purpose` inside `tx`, replacing any
/// older one; returns the token, to go in the mail and nowhere else.
pub async fn issue(
    tx: &mut Tx,
    user_id: i64,
    purpose: Purpose,
    email: &str,
    expires_at: i64,
) -> Result<LinkToken, sqlx::Error> {
    use rand::RngCore as _;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    // 32 bytes are always 43 base64url characters, a token's shape.
    let token = LinkToken::parse(&URL_SAFE_NO_PAD.encode(bytes))
        .ok_or_else(|| sqlx::Error::Encode("a token of the wrong shape".into()))?;
    void(tx, user_id, purpose).await?;
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO email_tokens (token_hash, user_id, purpose, email, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hash(token.expose()))
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(email)
        .bind(expires_at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(token)
}

/// Ends the account's live link of this purpose, if any.
pub async fn void(tx: &mut Tx, user_id: i64, purpose: Purpose) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM email_tokens WHERE user_id = $1 AND purpose = $2")
            .bind(user_id)
            .bind(purpose.as_str())
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })?;
    Ok(())
}

fn link(row: Option<(i64, String, String)>, purposes: &[Purpose]) -> Option<Link> {
    let (user_id, purpose, email) = row?;
    let purpose = Purpose::from_str(&purpose).filter(|p| purposes.contains(p))?;
    Some(Link {
        user_id,
        purpose,
        email,
    })
}

/// What a live link of one of `purposes` stands for, without using it up:
/// for the page a link opens, which must change nothing.
pub async fn peek(db: &Db, token: &LinkToken, purposes: &[Purpose], now: i64) -> Result<Option<Link>, sqlx::Error> {
    let row: Option<(i64, String, String)> = on_pool!(db, pool => {
        sqlx::query_as(
            "SELECT user_id, purpose, email FROM email_tokens WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(hash(token.expose()))
        .bind(now)
        .fetch_optional(pool)
        .await
    })?;
    Ok(link(row, purposes))
}

/// Uses the link up inside `tx`: of two redemptions at once, only one
/// deletes the row and gets it back. A link of another purpose is left as
/// it is.
pub async fn redeem(tx: &mut Tx, token: &LinkToken, purposes: &[Purpose], now: i64) -> Result<Option<Link>, sqlx::Error> {
    let [first, rest @ ..] = purposes else {
        return Ok(None);
    };
    // At most three purposes: bind each, repeating the first to fill.
    let nth = |i: usize| rest.get(i).unwrap_or(first).as_str();
    let row: Option<(i64, String, String)> = on_tx!(tx, conn => {
        sqlx::query_as(
            "DELETE FROM email_tokens WHERE token_hash = $1 AND expires_at > $2 \
             AND purpose IN ($3, $4, $5) RETURNING user_id, purpose, email",
        )
        .bind(hash(token.expose()))
        .bind(now)
        .bind(first.as_str())
        .bind(nth(0))
        .bind(nth(1))
        .fetch_optional(conn)
        .await
    })?;
    Ok(link(row, purposes))
}

/// Deletes links past their time (they already don't work).
pub async fn remove_expired(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query("DELETE FROM email_tokens WHERE expires_at <= $1")
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_sha256_hex() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_link_of_another_purpose_is_no_link() {
        let row = || Some((1, "confirm".to_owned(), "a@example.com".to_owned()));
        assert!(link(row(), &[Purpose::Reset]).is_none());
        assert_eq!(link(row(), &[Purpose::Confirm, Purpose::ChangeEmail]).unwrap().user_id, 1);
        assert!(link(Some((1, "bogus".into(), String::new())), &[Purpose::Confirm]).is_none());
    }
}
