//! The messages a redirect leaves for the page it lands on.

use super::Language;
use crate::t;
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
    ProviderFailed => "provider_failed",
    ProviderNotLinked => "provider_not_linked",
    ProviderTaken => "provider_taken",
    ProviderLinked => "provider_linked",
    ProviderUnlinked => "provider_unlinked",
    AccountLocked => "account_locked",
    AdminLocked => "admin_locked",
    AdminUnlocked => "admin_unlocked",
    AdminSessionsEnded => "admin_sessions_ended",
    AdminSecondFactorReset => "admin_second_factor_reset",
    AdminResetSent => "admin_reset_sent",
    AdminDeleted => "admin_deleted",
}
}

impl Flash {
    pub const COOKIE: &'static str = "gatehouse_flash";
    /// The message in words. (`ResetLinkSent` is what `/reset-password`
    /// says whatever was typed: the same words whether or not an account
    /// has that address.)
    pub fn message(self, language: Language) -> &'static str {
        match self {
            Self::LoggedOut => t!(language, flash.logged_out),
            Self::SessionExpired => t!(language, flash.session_expired),
            Self::PasswordChanged => t!(language, flash.password_changed),
            Self::SessionRevoked => t!(language, flash.session_revoked),
            Self::OthersLoggedOut => t!(language, flash.others_logged_out),
            Self::AccountDeleted => t!(language, flash.account_deleted),
            Self::ResetLinkSent => t!(language, flash.reset_link_sent),
            Self::PasswordReset => t!(language, flash.password_reset),
            Self::EmailConfirmed => t!(language, flash.email_confirmed),
            Self::EmailChanged => t!(language, flash.email_changed),
            Self::ConfirmationSent => t!(language, flash.confirmation_sent),
            Self::AlreadyConfirmed => t!(language, flash.already_confirmed),
            Self::EmailChangeRequested => t!(language, flash.email_change_requested),
            Self::TotpEnabled => t!(language, flash.totp_enabled),
            Self::TotpDisabled => t!(language, flash.totp_disabled),
            Self::RecoveryCodesCreated => t!(language, flash.recovery_codes_created),
            Self::PasskeyRemoved => t!(language, flash.passkey_removed),
            Self::PasskeyAdded => t!(language, flash.passkey_added),
            Self::ReauthRequired => t!(language, flash.reauth_required),
            Self::Reauthenticated => t!(language, flash.reauthenticated),
            Self::ProviderFailed => t!(language, flash.provider_failed),
            Self::ProviderNotLinked => t!(language, flash.provider_not_linked),
            Self::ProviderTaken => t!(language, flash.provider_taken),
            Self::ProviderLinked => t!(language, flash.provider_linked),
            Self::ProviderUnlinked => t!(language, flash.provider_unlinked),
            Self::AccountLocked => t!(language, errors.account_locked),
            Self::AdminLocked => t!(language, flash.admin_locked),
            Self::AdminUnlocked => t!(language, flash.admin_unlocked),
            Self::AdminSessionsEnded => t!(language, flash.admin_sessions_ended),
            Self::AdminSecondFactorReset => t!(language, flash.admin_second_factor_reset),
            Self::AdminResetSent => t!(language, flash.admin_reset_sent),
            Self::AdminDeleted => t!(language, flash.admin_deleted),
        }
    }

}

