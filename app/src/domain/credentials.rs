//! What a person types to prove who they are, parsed into types that only
//! hold valid values: an email, a password, a second-step code, a mailed
//! link's token, a passkey's name; and where a person may be sent next.

use super::{
    forms::{Field, Invalid},
    Language,
};
use crate::t;
use std::fmt;

/// A syntactically plausible email address, trimmed and lower-cased so that
/// `Ann@Example.com` and `ann@example.com` are one account.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// RFC 5321 caps a forward path at 254 octets.
    pub const MAX_LEN: usize = 254;

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Self::check(input)?;
        Ok(Self(input.trim().to_lowercase()))
    }

    /// Whether `input` would parse, without making the address: the
    /// browser's check needs only the answer, and leaving out
    /// `to_lowercase` keeps Unicode's case tables out of the WASM.
    pub fn check(input: &str) -> Result<(), Invalid> {
        let invalid = |message| Invalid {
            field: Field::Email,
            message,
        };
        let email = input.trim();
        if email.is_empty() {
            return Err(invalid(t!(Language::current(), invalid.email_empty)));
        }
        if email.len() > Self::MAX_LEN {
            return Err(invalid(t!(Language::current(), invalid.email_too_long)));
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err(invalid(t!(Language::current(), invalid.email_shape)));
        };
        let plausible_domain = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if local.is_empty()
            || local.len() > 64
            || local.contains('@')
            || email.chars().any(|c| c.is_whitespace() || c.is_control())
            || !plausible_domain
        {
            return Err(invalid(t!(Language::current(), invalid.email_shape)));
        }
        Ok(())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password that meets the sign-up rules: 8 to 128 characters, any
/// Unicode, taken exactly as typed (never trimmed, normalised or truncated),
/// and no composition rules (NIST SP 800-63B).
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let invalid = |message| Invalid {
            field: Field::Password,
            message,
        };
        let chars = input.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(invalid(t!(Language::current(), invalid.password_short)));
        }
        if chars > Self::MAX_CHARS {
            return Err(invalid(t!(Language::current(), invalid.password_long)));
        }
        Ok(Self(input.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What to tell someone while they type a new password: how far from
    /// [`Self::parse`]'s rules it is, in the same terms (characters, as
    /// typed), and that length is what makes it strong. The common-password
    /// check needs the server's list, so it comes with the post.
    pub fn hint(typed: &str) -> String {
        let chars = typed.chars().count();
        let language = Language::current();
        match chars {
            0 => t!(language, hint.empty).to_owned(),
            1..Self::MIN_CHARS => match Self::MIN_CHARS - chars {
                1 => t!(language, hint.one_more).to_owned(),
                n => t!(language, hint.more, count = n).to_string(),
            },
            Self::MIN_CHARS..16 => t!(language, hint.long_enough).to_owned(),
            16..=Self::MAX_CHARS => t!(language, hint.strong).to_owned(),
            _ => t!(language, hint.too_long, count = chars - Self::MAX_CHARS).to_string(),
        }
    }
}

// Never print a password, not even in a debug log.
impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(********)")
    }
}

/// Where to send a person after logging in: only ever a path on this site,
/// so `?next=` can never become an open redirect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NextPath(String);

impl NextPath {
    pub fn parse(input: &str) -> Option<Self> {
        let local = input.starts_with('/')
            && !input.starts_with("//")
            && !input.starts_with("/\\")
            && !input.chars().any(|c| c.is_control() || c == '\\');
        local.then(|| Self(input.to_owned()))
    }

    /// The page a person lands on when `next` is absent or unsafe.
    pub fn or_profile(input: Option<&str>) -> Self {
        input
            .and_then(Self::parse)
            .unwrap_or_else(|| Self("/profile".to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The token in a link a mail carries (password reset, confirmation): 32
/// random bytes in unpadded base64url, so 43 characters of `A-Z a-z 0-9 - _`.
/// Anything else is no token, and is refused before the database is asked.
#[derive(Clone, PartialEq, Eq)]
pub struct LinkToken(String);

impl LinkToken {
    pub const LEN: usize = 43;

    pub fn parse(input: &str) -> Option<Self> {
        let shaped = input.len() == Self::LEN
            && input
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        shaped.then(|| Self(input.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

// A token is a key to an account: never in a log line, not even a debug one.
impl fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkToken(********)")
    }
}

/// What a person types at the second step of a login: the 6 digits their
/// authenticator app shows, or one of their recovery codes (ten letters
/// and digits, shown as `abcde-23456`). Spaces and dashes don't matter,
/// nor does case. Recovery codes use no `0`/`1`/`o`/`l`/`i`, and are ten
/// long, so the two kinds never look alike.
#[derive(Clone, PartialEq, Eq)]
pub enum TwoFactorCode {
    Totp(String),
    Recovery(String),
}

impl TwoFactorCode {
    /// The letters and digits a recovery code is made of.
    pub const RECOVERY_ALPHABET: &'static [u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    pub const RECOVERY_LEN: usize = 10;

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let invalid = |message| Invalid {
            field: Field::Code,
            message,
        };
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        if compact.is_empty() {
            return Err(invalid(t!(Language::current(), invalid.code_empty)));
        }
        if compact.len() == 6 && compact.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Self::Totp(compact));
        }
        if compact.len() == Self::RECOVERY_LEN
            && compact.bytes().all(|b| Self::RECOVERY_ALPHABET.contains(&b))
        {
            return Ok(Self::Recovery(compact));
        }
        Err(invalid(t!(Language::current(), invalid.code_shape)))
    }
}

// A code is a key to an account, however briefly: never in a log line.
impl fmt::Debug for TwoFactorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TwoFactorCode(********)")
    }
}

/// What a person calls a passkey ("Work laptop"): trimmed, 1 to 64
/// characters. Checked by the `AddPasskey` island before the browser's
/// dialog opens, and by the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasskeyName(String);

impl PasskeyName {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let name = input.trim();
        if name.is_empty() {
            return Err(t!(Language::current(), invalid.passkey_name_empty));
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(t!(Language::current(), invalid.passkey_name_long));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

