//! The messages a redirect leaves for the page it lands on.

use serde::{Deserialize, Serialize};

coded_enum! {
/// A message left for the page a redirect lands on, shown there once. It
/// travels in a short-lived cookie that holds only its code, so it works
/// with JavaScript off; the page that shows it clears it
/// (`app/src/ssr/flash.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flash {
    LoggedOut => "logged_out",
    SessionExpired => "session_expired",
    PasswordChanged => "password_changed",
    SessionRevoked => "session_revoked",
    OthersLoggedOut => "others_logged_out",
    AccountDeleted => "account_deleted",
    ResetLinkSent => "reset_link_sent",
    PasswordReset => "password_reset",
    EmailConfirmed => "email_confirmed",
    EmailChanged => "email_changed",
    ConfirmationSent => "confirmation_sent",
    AlreadyConfirmed => "already_confirmed",
    EmailChangeRequested => "email_change_requested",
    TotpEnabled => "totp_enabled",
    TotpDisabled => "totp_disabled",
    RecoveryCodesCreated => "recovery_codes_created",
    PasskeyRemoved => "passkey_removed",
    PasskeyAdded => "passkey_added",
    ReauthRequired => "reauth_required",
    Reauthenticated => "reauthenticated",
}
}

impl Flash {
    pub const COOKIE: &'static str = "gatehouse_flash";
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

}

