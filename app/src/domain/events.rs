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
    AccountLocked => "account_locked",
    AccountUnlocked => "account_unlocked",
    SessionsEndedByAdmin => "sessions_ended_by_admin",
    SecondFactorResetByAdmin => "second_factor_reset_by_admin",
    ResetSentByAdmin => "reset_sent_by_admin",
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
            Self::AccountLocked => t!(language, events.account_locked),
            Self::AccountUnlocked => t!(language, events.account_unlocked),
            Self::SessionsEndedByAdmin => t!(language, events.sessions_ended_by_admin),
            Self::SecondFactorResetByAdmin => t!(language, events.second_factor_reset_by_admin),
            Self::ResetSentByAdmin => t!(language, events.reset_sent_by_admin),
        }
    }
}


coded_enum! {
/// What the administrators' log records, by the contract's `type` names:
/// the five that also land in the account's security log, and what
/// leaves no account behind to log it (a deletion) or is the operator's
/// (granting and revoking administration).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminAction {
    Lock => "account_locked",
    Unlock => "account_unlocked",
    EndSessions => "sessions_ended_by_admin",
    ResetSecondFactor => "second_factor_reset_by_admin",
    SendReset => "reset_sent_by_admin",
    Delete => "account_deleted_by_admin",
    Grant => "admin_granted",
    Revoke => "admin_revoked",
}
}

impl AdminAction {
    /// The same action in the account's security log, where it has one.
    pub fn event(self) -> Option<EventKind> {
        match self {
            Self::Lock => Some(EventKind::AccountLocked),
            Self::Unlock => Some(EventKind::AccountUnlocked),
            Self::EndSessions => Some(EventKind::SessionsEndedByAdmin),
            Self::ResetSecondFactor => Some(EventKind::SecondFactorResetByAdmin),
            Self::SendReset => Some(EventKind::ResetSentByAdmin),
            Self::Delete | Self::Grant | Self::Revoke => None,
        }
    }

    /// The action in words, for `/admin/log`.
    pub fn words(self, language: Language) -> &'static str {
        match self {
            Self::Lock => t!(language, admin_actions.lock),
            Self::Unlock => t!(language, admin_actions.unlock),
            Self::EndSessions => t!(language, admin_actions.end_sessions),
            Self::ResetSecondFactor => t!(language, admin_actions.reset_second_factor),
            Self::SendReset => t!(language, admin_actions.send_reset),
            Self::Delete => t!(language, admin_actions.delete),
            Self::Grant => t!(language, admin_actions.grant),
            Self::Revoke => t!(language, admin_actions.revoke),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_admin_action_that_has_an_account_logs_the_same_type_there() {
        for action in AdminAction::ALL {
            if let Some(event) = action.event() {
                assert_eq!(event.code(), action.code());
            }
        }
        assert_eq!(AdminAction::Delete.event(), None);
    }
}
