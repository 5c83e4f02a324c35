//! What the security log records, by the contract's `type` names.


use super::Language;
use crate::t;

coded_enum! {
/// What the security log records, by the contract's `type` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Signup => "signup",
    Login => "login",
    LoginFailed => "login_failed",
    LoginThrottled => "login_throttled",
    Logout => "logout",
    SessionRevoked => "session_revoked",
    LogoutOthers => "logout_others",
    PasswordChanged => "password_changed",
    PasswordReset => "password_reset",
    EmailChangeRequested => "email_change_requested",
    EmailChanged => "email_changed",
    EmailConfirmed => "email_confirmed",
    TotpEnabled => "totp_enabled",
    TotpDisabled => "totp_disabled",
    RecoveryCodesCreated => "recovery_codes_created",
    RecoveryCodeUsed => "recovery_code_used",
    PasskeyAdded => "passkey_added",
    PasskeyRemoved => "passkey_removed",
    PasskeyLogin => "passkey_login",
    IdentityLinked => "identity_linked",
    IdentityUnlinked => "identity_unlinked",
}
}

impl EventKind {
    /// The event in words, for the `/security` page.
    pub fn words(self, language: Language) -> &'static str {
        match self {
            Self::Signup => t!(language, events.signup),
            Self::Login => t!(language, events.login),
            Self::LoginFailed => t!(language, events.login_failed),
            Self::LoginThrottled => t!(language, events.login_throttled),
            Self::Logout => t!(language, events.logout),
            Self::SessionRevoked => t!(language, events.session_revoked),
            Self::LogoutOthers => t!(language, events.logout_others),
            Self::PasswordChanged => t!(language, events.password_changed),
            Self::PasswordReset => t!(language, events.password_reset),
            Self::EmailChangeRequested => t!(language, events.email_change_requested),
            Self::EmailChanged => t!(language, events.email_changed),
            Self::EmailConfirmed => t!(language, events.email_confirmed),
            Self::TotpEnabled => t!(language, events.totp_enabled),
            Self::TotpDisabled => t!(language, events.totp_disabled),
            Self::RecoveryCodesCreated => t!(language, events.recovery_codes_created),
            Self::RecoveryCodeUsed => t!(language, events.recovery_code_used),
            Self::PasskeyAdded => t!(language, events.passkey_added),
            Self::PasskeyRemoved => t!(language, events.passkey_removed),
            Self::PasskeyLogin => t!(language, events.passkey_login),
            Self::IdentityLinked => t!(language, events.identity_linked),
            Self::IdentityUnlinked => t!(language, events.identity_unlinked),
        }
    }
}

