//! What the security log records, by the contract's `type` names.


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
}
}

impl EventKind {
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

