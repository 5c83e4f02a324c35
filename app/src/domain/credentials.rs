//! What a person types to prove who they are, parsed into types that only
//! hold valid values: an email, a password, a second-step code, a mailed
//! link's token, a passkey's name; and where a person may be sent next.

use super::forms::{Field, Invalid};
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
            return Err(invalid("Enter your email address."));
        }
        if email.len() > Self::MAX_LEN {
            return Err(invalid("That email address is too long."));
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err(invalid("Enter an email address like name@example.com."));
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
            return Err(invalid("Enter an email address like name@example.com."));
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
            return Err(invalid("Use at least 8 characters for your password."));
        }
        if chars > Self::MAX_CHARS {
            return Err(invalid("Use at most 128 characters for your password."));
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
        match chars {
            0 => "At least 8 characters. A long phrase you can remember is best.".to_owned(),
            1..Self::MIN_CHARS => match Self::MIN_CHARS - chars {
                1 => "1 more character needed.".to_owned(),
                n => format!("{n} more characters needed."),
            },
            Self::MIN_CHARS..16 => {
                "Long enough. A few more characters make it much harder to guess.".to_owned()
            }
            16..=Self::MAX_CHARS => "A strong length. Good.".to_owned(),
            _ => format!("{} characters too long.", chars - Self::MAX_CHARS),
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
            return Err(invalid("Enter the code from your authenticator app."));
        }
        if compact.len() == 6 && compact.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Self::Totp(compact));
        }
        if compact.len() == Self::RECOVERY_LEN
            && compact.bytes().all(|b| Self::RECOVERY_ALPHABET.contains(&b))
        {
            return Ok(Self::Recovery(compact));
        }
        Err(invalid(
            "Enter the 6 digits your authenticator app shows, or one of your recovery codes.",
        ))
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
            return Err("Give the passkey a name, such as \"Work laptop\".");
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err("That name is too long: use at most 64 characters.");
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

