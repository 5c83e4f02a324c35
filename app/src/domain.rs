//! Auth rules as small types that parse their input. Compiled into both the
//! server and the WASM bundle, so a rule is written once and the browser can
//! show the same message the server would give.

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

/// The rules a form's fields must meet before it is sent: checked in the
/// browser (an island, before any request) and again by the server
/// function, with the same parsers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormRules {
    /// An email and a new password.
    Signup,
    /// Only the email's shape: a login just says whether the pair matches.
    Login,
    /// A new password (changing it).
    NewPassword,
    /// An email alone (asking for a password-reset link).
    EmailOnly,
    /// A new email (changing the account's address).
    NewEmail,
    /// A code from an authenticator app or a recovery code (the second
    /// step of a login, turning two-step verification on).
    Code,
}

impl FormRules {
    const ALL: [Self; 6] = [
        Self::Signup,
        Self::Login,
        Self::NewPassword,
        Self::EmailOnly,
        Self::NewEmail,
        Self::Code,
    ];

    /// How a page names the rules its submit button checks (`data-rules`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Signup => "signup",
            Self::Login => "login",
            Self::NewPassword => "new-password",
            Self::EmailOnly => "email",
            Self::NewEmail => "new-email",
            Self::Code => "code",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|rules| rules.code() == code)
    }

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
                SecondFactorCode::parse(&value(Field::Code))?;
            }
        }
        Ok(())
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
pub enum SecondFactorCode {
    Totp(String),
    Recovery(String),
}

impl SecondFactorCode {
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
impl fmt::Debug for SecondFactorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecondFactorCode(********)")
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

/// The `remember` checkbox: a browser sends `on` when ticked and nothing
/// when not; scripts may send `true`/`1`.
pub fn is_checked(value: Option<&str>) -> bool {
    matches!(
        value.map(|v| v.trim().to_ascii_lowercase()).as_deref(),
        Some("on" | "true" | "1" | "yes")
    )
}

/// A browser's `User-Agent` in words for the sessions page: "Firefox on
/// Linux", "Safari on iPhone". Only the common cases; anything else is
/// named plainly rather than guessed.
pub fn describe_user_agent(user_agent: &str) -> String {
    // Order matters: Edge and Opera also say "Chrome", Chrome also says
    // "Safari".
    const BROWSERS: &[(&str, &str)] = &[
        ("Edg", "Edge"),
        ("OPR/", "Opera"),
        ("SamsungBrowser", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("FxiOS", "Firefox"),
        ("CriOS", "Chrome"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ];
    const SYSTEMS: &[(&str, &str)] = &[
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("CrOS", "ChromeOS"),
        ("Macintosh", "macOS"),
        ("Linux", "Linux"),
    ];
    let find = |table: &[(&str, &'static str)]| {
        table
            .iter()
            .find(|(needle, _)| user_agent.contains(needle))
            .map(|(_, name)| *name)
    };
    match (find(BROWSERS), find(SYSTEMS)) {
        (Some(browser), Some(system)) => format!("{browser} on {system}"),
        (Some(browser), None) => browser.to_owned(),
        (None, Some(system)) => format!("A browser on {system}"),
        (None, None) if user_agent.trim().is_empty() => "Unknown device".to_owned(),
        (None, None) => "Another program".to_owned(),
    }
}

/// A message left for the page a redirect lands on, shown there once. It
/// travels in a short-lived cookie that holds only its code, so it works
/// with JavaScript off; the page that shows it clears it
/// (`app/src/ssr/flash.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flash {
    LoggedOut,
    SessionExpired,
    PasswordChanged,
    SessionRevoked,
    OthersLoggedOut,
    AccountDeleted,
    ResetLinkSent,
    PasswordReset,
    EmailConfirmed,
    EmailChanged,
    ConfirmationSent,
    AlreadyConfirmed,
    EmailChangeRequested,
    TotpEnabled,
    TotpDisabled,
    RecoveryCodesCreated,
    PasskeyRemoved,
    PasskeyAdded,
    ReauthRequired,
    Reauthenticated,
}

impl Flash {
    pub const COOKIE: &'static str = "gatehouse_flash";
    const ALL: [Self; 20] = [
        Self::LoggedOut,
        Self::SessionExpired,
        Self::PasswordChanged,
        Self::SessionRevoked,
        Self::OthersLoggedOut,
        Self::AccountDeleted,
        Self::ResetLinkSent,
        Self::PasswordReset,
        Self::EmailConfirmed,
        Self::EmailChanged,
        Self::ConfirmationSent,
        Self::AlreadyConfirmed,
        Self::EmailChangeRequested,
        Self::TotpEnabled,
        Self::TotpDisabled,
        Self::RecoveryCodesCreated,
        Self::PasskeyRemoved,
        Self::PasskeyAdded,
        Self::ReauthRequired,
        Self::Reauthenticated,
    ];

    /// What `/reset-password` says whatever was typed: the same words
    /// whether or not an account has that address.
    pub const RESET_LINK_SENT: &'static str =
        "If an account exists for that address, a link is on its way. \
         Check your inbox, and your spam folder if it doesn't arrive.";

    pub fn message(self) -> &'static str {
        match self {
            Self::LoggedOut => "You have been logged out.",
            Self::SessionExpired => "Your session expired, please log in again.",
            Self::PasswordChanged => "Password changed; other sessions were signed out.",
            Self::SessionRevoked => "That session has ended.",
            Self::OthersLoggedOut => "Every other session has been signed out.",
            Self::AccountDeleted => "Your account has been deleted.",
            Self::ResetLinkSent => Self::RESET_LINK_SENT,
            Self::PasswordReset => {
                "Your password has been reset and every device was signed out. \
                 Log in with your new password."
            }
            Self::EmailConfirmed => "Thank you: your email address is confirmed.",
            Self::EmailChanged => {
                "Your email address has been changed. Use the new one to log in."
            }
            Self::ConfirmationSent => "A new confirmation link is on its way to your inbox.",
            Self::AlreadyConfirmed => "Your email address is already confirmed.",
            Self::EmailChangeRequested => {
                "Check the new address's inbox for a link to confirm the change. \
                 Until you use it, your email stays as it is."
            }
            Self::TotpEnabled => "Two-step verification is on. Keep your recovery codes somewhere safe.",
            Self::TotpDisabled => "Two-step verification is off: logging in takes your password alone.",
            Self::RecoveryCodesCreated => "New recovery codes made; the old ones no longer work.",
            Self::PasskeyRemoved => "Passkey removed.",
            Self::PasskeyAdded => "Passkey added. Next time, sign in with it: no password needed.",
            Self::ReauthRequired => "For your security, confirm it's you before making that change.",
            Self::Reauthenticated => "Thank you. You can make changes to your account for the next few minutes.",
        }
    }

    /// What the cookie holds.
    pub fn code(self) -> &'static str {
        match self {
            Self::LoggedOut => "logged_out",
            Self::SessionExpired => "session_expired",
            Self::PasswordChanged => "password_changed",
            Self::SessionRevoked => "session_revoked",
            Self::OthersLoggedOut => "others_logged_out",
            Self::AccountDeleted => "account_deleted",
            Self::ResetLinkSent => "reset_link_sent",
            Self::PasswordReset => "password_reset",
            Self::EmailConfirmed => "email_confirmed",
            Self::EmailChanged => "email_changed",
            Self::ConfirmationSent => "confirmation_sent",
            Self::AlreadyConfirmed => "already_confirmed",
            Self::EmailChangeRequested => "email_change_requested",
            Self::TotpEnabled => "totp_enabled",
            Self::TotpDisabled => "totp_disabled",
            Self::RecoveryCodesCreated => "recovery_codes_created",
            Self::PasskeyRemoved => "passkey_removed",
            Self::PasskeyAdded => "passkey_added",
            Self::ReauthRequired => "reauth_required",
            Self::Reauthenticated => "reauthenticated",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|flash| flash.code() == code)
    }
}

/// What the security log records, by the contract's `type` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Signup,
    Login,
    LoginFailed,
    LoginThrottled,
    Logout,
    SessionRevoked,
    LogoutOthers,
    PasswordChanged,
    PasswordReset,
    EmailChangeRequested,
    EmailChanged,
    EmailConfirmed,
    TotpEnabled,
    TotpDisabled,
    RecoveryCodesCreated,
    RecoveryCodeUsed,
    PasskeyAdded,
    PasskeyRemoved,
    PasskeyLogin,
}

impl EventKind {
    const ALL: [Self; 19] = [
        Self::Signup,
        Self::Login,
        Self::LoginFailed,
        Self::LoginThrottled,
        Self::Logout,
        Self::SessionRevoked,
        Self::LogoutOthers,
        Self::PasswordChanged,
        Self::PasswordReset,
        Self::EmailChangeRequested,
        Self::EmailChanged,
        Self::EmailConfirmed,
        Self::TotpEnabled,
        Self::TotpDisabled,
        Self::RecoveryCodesCreated,
        Self::RecoveryCodeUsed,
        Self::PasskeyAdded,
        Self::PasskeyRemoved,
        Self::PasskeyLogin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Signup => "signup",
            Self::Login => "login",
            Self::LoginFailed => "login_failed",
            Self::LoginThrottled => "login_throttled",
            Self::Logout => "logout",
            Self::SessionRevoked => "session_revoked",
            Self::LogoutOthers => "logout_others",
            Self::PasswordChanged => "password_changed",
            Self::PasswordReset => "password_reset",
            Self::EmailChangeRequested => "email_change_requested",
            Self::EmailChanged => "email_changed",
            Self::EmailConfirmed => "email_confirmed",
            Self::TotpEnabled => "totp_enabled",
            Self::TotpDisabled => "totp_disabled",
            Self::RecoveryCodesCreated => "recovery_codes_created",
            Self::RecoveryCodeUsed => "recovery_code_used",
            Self::PasskeyAdded => "passkey_added",
            Self::PasskeyRemoved => "passkey_removed",
            Self::PasskeyLogin => "passkey_login",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }

    /// The event in words, for the `/security` page.
    pub fn words(self) -> &'static str {
        match self {
            Self::Signup => "Account created",
            Self::Login => "Logged in",
            Self::LoginFailed => "Failed login (wrong password)",
            Self::LoginThrottled => "Login refused: too many failed attempts",
            Self::Logout => "Logged out",
            Self::SessionRevoked => "A session was ended",
            Self::LogoutOthers => "Every other session was signed out",
            Self::PasswordChanged => "Password changed",
            Self::PasswordReset => "Password reset by email",
            Self::EmailChangeRequested => "Change of email asked for",
            Self::EmailChanged => "Email address changed",
            Self::EmailConfirmed => "Email address confirmed",
            Self::TotpEnabled => "Two-step verification turned on",
            Self::TotpDisabled => "Two-step verification turned off",
            Self::RecoveryCodesCreated => "New recovery codes made",
            Self::RecoveryCodeUsed => "A recovery code was used to log in",
            Self::PasskeyAdded => "Passkey added",
            Self::PasskeyRemoved => "Passkey removed",
            Self::PasskeyLogin => "Logged in with a passkey",
        }
    }
}

/// How long ago something happened, for people: "just now", "5 minutes
/// ago", "3 hours ago", "2 days ago". `seconds` is the age; a negative one
/// (a clock a little ahead) is "just now".
pub fn time_ago(seconds: i64) -> String {
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit} ago")
        } else {
            format!("{n} {unit}s ago")
        }
    };
    match seconds {
        ..=59 => "just now".to_owned(),
        60..=3_599 => plural(seconds / 60, "minute"),
        3_600..=86_399 => plural(seconds / 3_600, "hour"),
        _ => plural(seconds / 86_400, "day"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_passkey_name_is_trimmed_and_1_to_64_characters() {
        assert_eq!(PasskeyName::parse("  Work laptop ").unwrap().as_str(), "Work laptop");
        assert!(PasskeyName::parse("   ").is_err());
        assert!(PasskeyName::parse(&"é".repeat(64)).is_ok());
        assert!(PasskeyName::parse(&"é".repeat(65)).is_err());
    }

    use super::*;

    #[test]
    fn the_password_hint_follows_the_rules_as_typed() {
        assert!(Password::hint("").starts_with("At least 8 characters"));
        assert_eq!(Password::hint("short"), "3 more characters needed.");
        assert_eq!(Password::hint("1234567"), "1 more character needed.");
        // Characters, not bytes, as the rule counts them.
        assert_eq!(Password::hint("ééééééé"), "1 more character needed.");
        for typed in ["12345678", &"x".repeat(15)] {
            assert!(Password::parse(typed).is_ok());
            assert!(Password::hint(typed).starts_with("Long enough"), "{typed}");
        }
        assert_eq!(Password::hint(&"x".repeat(16)), "A strong length. Good.");
        assert_eq!(Password::hint(&"x".repeat(128)), "A strong length. Good.");
        assert!(Password::parse(&"x".repeat(130)).is_err());
        assert_eq!(Password::hint(&"x".repeat(130)), "2 characters too long.");
    }

    #[test]
    fn form_rules_check_what_each_form_sends() {
        let values = |email: &'static str, password: &'static str| {
            move |field: Field| match field {
                Field::Email => email.to_owned(),
                _ => password.to_owned(),
            }
        };
        assert_eq!(FormRules::Signup.check(values("a@example.com", "long enough")), Ok(()));
        let err = FormRules::Signup.check(values("a@example.com", "short")).unwrap_err();
        assert_eq!(err.field, Field::Password);
        let err = FormRules::Signup.check(values("nope", "short")).unwrap_err();
        assert_eq!(err.field, Field::Email, "the first field's rule first");
        // A login's password is never judged by the sign-up rules.
        assert_eq!(FormRules::Login.check(values("a@example.com", "x")), Ok(()));
        assert_eq!(FormRules::Login.check(values("a@", "x")).unwrap_err().field, Field::Email);
        let err = FormRules::NewPassword.check(values("", "short")).unwrap_err();
        assert_eq!(err.field, Field::NewPassword);
        for rules in FormRules::ALL {
            assert_eq!(FormRules::from_code(rules.code()), Some(rules));
        }
        assert_eq!(FormRules::from_code("Signup"), None);
    }

    #[test]
    fn a_flash_is_read_back_from_its_code_only() {
        for flash in Flash::ALL {
            assert_eq!(Flash::from_code(flash.code()), Some(flash));
        }
        assert_eq!(Flash::from_code(""), None);
        assert_eq!(Flash::from_code("made_up"), None);
        assert_eq!(Flash::from_code("Logged_Out"), None);
    }

    #[test]
    fn ages_read_in_words() {
        assert_eq!(time_ago(-5), "just now");
        assert_eq!(time_ago(0), "just now");
        assert_eq!(time_ago(59), "just now");
        assert_eq!(time_ago(60), "1 minute ago");
        assert_eq!(time_ago(119), "1 minute ago");
        assert_eq!(time_ago(120), "2 minutes ago");
        assert_eq!(time_ago(3_599), "59 minutes ago");
        assert_eq!(time_ago(3_600), "1 hour ago");
        assert_eq!(time_ago(86_399), "23 hours ago");
        assert_eq!(time_ago(86_400), "1 day ago");
        assert_eq!(time_ago(30 * 86_400), "30 days ago");
    }

    #[test]
    fn email_is_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
    }

    #[test]
    fn email_rejects_what_cannot_be_an_address() {
        for bad in [
            "",
            "   ",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@example.com",
            "ann@exa mple.com",
            "ann@.example.com",
            "ann@example..com",
            "ann@example.com.",
        ] {
            let err = Email::parse(bad).unwrap_err();
            assert_eq!(err.field, Field::Email, "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn password_length_counts_characters_not_bytes() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        // Seven characters, many bytes: still too short.
        assert!(Password::parse("ééééééé").is_err());
        // 128 four-byte characters is 512 bytes but within the limit.
        assert!(Password::parse(&"🔑".repeat(128)).is_ok());
        assert!(Password::parse(&"a".repeat(129)).is_err());
    }

    #[test]
    fn password_is_kept_exactly_as_typed() {
        let typed = "  spaces and ünïcödé  ";
        assert_eq!(Password::parse(typed).unwrap().expose(), typed);
        assert!(!format!("{:?}", Password::parse(typed).unwrap()).contains("spaces"));
    }

    #[test]
    fn next_only_allows_local_paths() {
        assert_eq!(
            NextPath::or_profile(Some("/sessions")).as_str(),
            "/sessions"
        );
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "",
            "javascript:alert(1)",
            "/\tx",
        ] {
            assert_eq!(
                NextPath::or_profile(Some(bad)).as_str(),
                "/profile",
                "{bad:?}"
            );
        }
        assert_eq!(NextPath::or_profile(None).as_str(), "/profile");
    }

    #[test]
    fn remember_checkbox_values() {
        assert!(is_checked(Some("on")));
        assert!(is_checked(Some("true")));
        assert!(!is_checked(Some("false")));
        assert!(!is_checked(None));
    }

    #[test]
    fn user_agents_in_words() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(describe_user_agent(firefox), "Firefox on Linux");
        let edge =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                    Chrome/120.0 Safari/537.36 Edg/120.0";
        assert_eq!(describe_user_agent(edge), "Edge on Windows");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_user_agent(iphone), "Safari on iPhone");
        let headless = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                        HeadlessChrome/156.0 Safari/537.36";
        assert_eq!(describe_user_agent(headless), "Chrome on Linux");
        assert_eq!(describe_user_agent(""), "Unknown device");
        assert_eq!(describe_user_agent("reqwest/0.12"), "Another program");
    }
}
