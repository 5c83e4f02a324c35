//! Form fields, the error a field shows, and the rules a form's fields
//! must meet before it is sent.

use super::credentials::{Email, Password, TwoFactorCode};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which form field a validation error belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Email,
    Password,
    CurrentPassword,
    NewPassword,
    /// The address to move the account to (changing the email).
    NewEmail,
    /// A code from an authenticator app, or a recovery code.
    Code,
    /// The language chosen (`set_language`), named as its form field.
    #[serde(rename = "lang")]
    Language,
    /// Why an administrator locks an account.
    Reason,
}

impl Field {
    /// The form field's `name`, as the server function's argument is called.
    pub fn name(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Password => "password",
            Self::CurrentPassword => "current_password",
            Self::NewPassword => "new_password",
            Self::NewEmail => "new_email",
            Self::Code => "code",
            Self::Language => "lang",
            Self::Reason => "reason",
        }
    }
}

/// A rule a piece of input broke, in words a person understands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub field: Field,
    pub message: &'static str,
}

impl Invalid {
    /// The same rule, broken in another field (a new password is checked
    /// with the password rules).
    pub fn on(self, field: Field) -> Self {
        Self { field, ..self }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

coded_enum! {
/// The rules a form's fields must meet before it is sent: checked in the
/// browser (an island, before any request) and again by the server
/// function, with the same parsers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormRules {
    /// An email and a new password.
    Signup => "signup",
    /// Only the email's shape: a login just says whether the pair matches.
    Login => "login",
    /// A new password (changing it).
    NewPassword => "new-password",
    /// An email alone (asking for a password-reset link).
    EmailOnly => "email",
    /// A new email (changing the account's address).
    NewEmail => "new-email",
    /// A code from an authenticator app or a recovery code (the second
    /// step of a login, turning two-step verification on).
    Code => "code",
    /// Why an account is locked (an administrator locking it).
    LockReason => "lock-reason",
}
}

impl FormRules {
    /// The first rule the form's values break, if any; `value` gives a
    /// field's current value.
    pub fn check(self, value: impl Fn(Field) -> String) -> Result<(), Invalid> {
        match self {
            Self::Signup => {
                Email::check(&value(Field::Email))?;
                Password::parse(&value(Field::Password))?;
            }
            Self::Login | Self::EmailOnly => {
                Email::check(&value(Field::Email))?;
            }
            Self::NewEmail => {
                Email::check(&value(Field::NewEmail)).map_err(|e| e.on(Field::NewEmail))?;
            }
            Self::NewPassword => {
                Password::parse(&value(Field::NewPassword)).map_err(|e| e.on(Field::NewPassword))?;
            }
            Self::Code => {
                TwoFactorCode::parse(&value(Field::Code))?;
            }
            Self::LockReason => {
                super::LockReason::parse(&value(Field::Reason))?;
            }
        }
        Ok(())
    }
}

/// The `remember` checkbox: a browser sends `on` when ticked and nothing
/// when not; scripts may send `true`/`1`.
pub fn is_checked(value: Option<&str>) -> bool {
    matches!(
        value.map(|v| v.trim().to_ascii_lowercase()).as_deref(),
        Some("on" | "true" | "1" | "yes")
    )
}

