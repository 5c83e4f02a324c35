//! The one error type every server function returns, and how it travels:
//!
//! - to a script or the hydrated app: as JSON (`{"code": "...",
//!   "message": "...", "field": "..."}`) with the status its `code` names
//!   (server_fn answers 500 for every error; the server's `api_status`
//!   layer puts the real status, and `Retry-After`, on the wire);
//! - to a form posted without JavaScript: the same layer answers with a
//!   redirect back to the page, and the error rides in a signed,
//!   short-lived cookie (`ssr/flash.rs`), never in the URL; the page shows
//!   it beside its field.
//!
//! A failure inside the server (the database, the session store) becomes
//! one of these through `ssr::internal::Internal`, which keeps its cause
//! and logs it once; the person is told only to try again.

use crate::{
    domain::{Field, Invalid, Language},
    t,
};
use serde::{Deserialize, Serialize};
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 422: a field broke a rule, or the request could not be read.
    Invalid,
    /// 400: a link's token that is unknown, used, expired or replaced
    /// (one answer for all).
    InvalidToken,
    /// 409
    EmailTaken,
    /// 409: unlinking the account's last way to sign in.
    LastWayIn,
    /// 409: an administrator locking or deleting their own account.
    OwnAccount,
    /// 401, the same whether or not the email exists.
    BadCredentials,
    /// 401: not signed in.
    Unauthorized,
    /// 403: a cross-site request, refused.
    Forbidden,
    /// 403: a sensitive change from a session that has not proved who it
    /// is recently (`REAUTH_WINDOW_SECS`): re-authenticate, then try again.
    ReauthRequired,
    /// 403: the right password (or passkey, or provider) of an account an
    /// administrator has locked; a wrong one still gets `bad_credentials`.
    AccountLocked,
    /// 404: no such thing among the caller's (a session handle, say).
    NotFound,
    /// 429: too many failed logins; `retry_after` says for how long.
    TooManyAttempts,
    /// 400: a second step with no login waiting for it (none begun in
    /// this browser, or more than five minutes ago).
    NoPendingLogin,
    /// 401: a code from an authenticator app or a recovery code that is
    /// wrong, or was used already.
    BadCode,
    /// 400: a new passkey whose registration does not verify.
    BadPasskey,
    /// 401: a passkey login that fails, the same whatever the reason.
    PasskeyFailed,
    /// 503: the database or session store did not answer.
    Unavailable,
    /// 503: more passwords are waiting to be checked than can be in a few
    /// seconds; `retry_after` says when to try again.
    Busy,
    /// The browser could not reach the server (client side only).
    Network,
}

impl ErrorCode {
    pub fn status(self) -> u16 {
        match self {
            Self::Invalid => 422,
            Self::InvalidToken | Self::NoPendingLogin | Self::BadPasskey => 400,
            Self::EmailTaken | Self::LastWayIn | Self::OwnAccount => 409,
            Self::BadCredentials | Self::Unauthorized | Self::BadCode | Self::PasskeyFailed => 401,
            Self::Forbidden | Self::ReauthRequired | Self::AccountLocked => 403,
            Self::NotFound => 404,
            Self::TooManyAttempts => 429,
            Self::Unavailable | Self::Busy | Self::Network => 503,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<Field>,
    /// The email as typed, so a form posted without JavaScript can show it
    /// again. Only ever set on that path: JSON bodies stay identical for a
    /// known and an unknown email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Seconds until a throttled login may be tried again (also sent as
    /// the `Retry-After` header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// What a person is told when the browser could not reach the server.
    pub fn unreachable_message() -> &'static str {
        t!(Language::current(), errors.unreachable)
    }

    /// The heading of the short page an error outside the app's pages gets.
    pub fn page_title(language: Language) -> &'static str {
        t!(language, errors.page_title)
    }

    /// That page's link home.
    pub fn page_home_link(language: Language) -> &'static str {
        t!(language, errors.page_home)
    }

    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
            email: None,
            retry_after: None,
        }
    }

    pub fn invalid(field: Option<Field>, message: impl Into<String>) -> Self {
        Self {
            field,
            ..Self::new(ErrorCode::Invalid, message)
        }
    }

    pub fn email_taken() -> Self {
        Self {
            field: Some(Field::Email),
            ..Self::new(
                ErrorCode::EmailTaken,
                t!(Language::current(), errors.email_taken),
            )
        }
    }

    /// The same answer for every link that does not work, so it tells
    /// nothing about why.
    pub fn invalid_token() -> Self {
        Self::new(ErrorCode::InvalidToken, t!(Language::current(), errors.invalid_token))
    }

    /// A change of email to an address another account has.
    pub fn new_email_taken() -> Self {
        Self {
            field: Some(Field::NewEmail),
            ..Self::new(
                ErrorCode::EmailTaken,
                t!(Language::current(), errors.new_email_taken),
            )
        }
    }

    pub fn bad_credentials() -> Self {
        Self::new(ErrorCode::BadCredentials, t!(Language::current(), errors.bad_credentials))
    }

    pub fn unauthorized() -> Self {
        Self::new(ErrorCode::Unauthorized, t!(Language::current(), errors.unauthorized))
    }

    /// A password typed to confirm who you are (to change the password or
    /// delete the account) that is not the account's.
    pub fn wrong_password(field: Field) -> Self {
        Self {
            field: Some(field),
            ..Self::new(
                ErrorCode::BadCredentials,
                t!(Language::current(), errors.wrong_password),
            )
        }
    }

    pub fn no_pending_login() -> Self {
        Self::new(ErrorCode::NoPendingLogin, t!(Language::current(), errors.no_pending_login))
    }

    /// A second step that does not pass (also when turning an app on, with
    /// the 422 the contract gives there: see [`Self::wrong_new_code`]).
    pub fn bad_code() -> Self {
        Self {
            field: Some(Field::Code),
            ..Self::new(
                ErrorCode::BadCode,
                t!(Language::current(), errors.bad_code),
            )
        }
    }

    /// A code that does not match the app being set up.
    pub fn wrong_new_code() -> Self {
        Self::invalid(Some(Field::Code), t!(Language::current(), errors.wrong_new_code))
    }

    pub fn bad_passkey() -> Self {
        Self::new(ErrorCode::BadPasskey, t!(Language::current(), errors.bad_passkey))
    }

    /// One answer for every failed passkey login, unknown or wrong.
    pub fn passkey_failed() -> Self {
        Self::new(ErrorCode::PasskeyFailed, t!(Language::current(), errors.passkey_failed))
    }

    pub fn no_such_passkey() -> Self {
        Self::new(ErrorCode::NotFound, t!(Language::current(), errors.no_such_passkey))
    }

    /// `/auth/{name}/…` for a provider not configured.
    pub fn no_such_provider() -> Self {
        Self::new(ErrorCode::NotFound, t!(Language::current(), errors.no_such_provider))
    }

    pub fn no_such_identity() -> Self {
        Self::new(ErrorCode::NotFound, t!(Language::current(), errors.no_such_identity))
    }

    pub fn last_way_in() -> Self {
        Self::new(ErrorCode::LastWayIn, t!(Language::current(), errors.last_way_in))
    }

    /// A sign-in to an account an administrator has locked.
    pub fn account_locked() -> Self {
        Self::new(ErrorCode::AccountLocked, t!(Language::current(), errors.account_locked))
    }

    /// A reset link for an account that is locked: the link could not be
    /// used until it is unlocked.
    pub fn target_locked() -> Self {
        Self::new(ErrorCode::AccountLocked, t!(Language::current(), errors.target_locked))
    }

    /// An administrator call from anyone but an administrator.
    pub fn not_admin() -> Self {
        Self::new(ErrorCode::Forbidden, t!(Language::current(), errors.not_admin))
    }

    /// Locking or deleting the administrator's own account.
    pub fn own_account() -> Self {
        Self::new(ErrorCode::OwnAccount, t!(Language::current(), errors.own_account))
    }

    pub fn no_such_account() -> Self {
        Self::new(ErrorCode::NotFound, t!(Language::current(), errors.no_such_account))
    }

    /// An `/api/` path that names no call.
    pub fn no_such_call() -> Self {
        Self::new(ErrorCode::NotFound, t!(Language::current(), errors.no_such_call))
    }

    pub fn no_such_session() -> Self {
        Self::new(ErrorCode::NotFound, t!(Language::current(), errors.no_such_session))
    }

    /// The same error, shown next to `field` instead.
    pub fn on_field(mut self, field: Field) -> Self {
        if self.field.is_some() {
            self.field = Some(field);
        }
        self
    }

    pub fn too_many_attempts(retry_after_secs: u64) -> Self {
        let minutes = retry_after_secs.div_ceil(60).max(1);
        let language = Language::current();
        let message = if minutes == 1 {
            t!(language, errors.too_many_attempts_minute).to_owned()
        } else {
            t!(language, errors.too_many_attempts, minutes = minutes).to_string()
        };
        Self {
            retry_after: Some(retry_after_secs),
            ..Self::new(ErrorCode::TooManyAttempts, message)
        }
    }

    /// Too many anonymous requests (sign-ups, reset requests, passkey
    /// sign-ins) from one network in a minute.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self {
            retry_after: Some(retry_after_secs),
            ..Self::new(ErrorCode::TooManyAttempts, t!(Language::current(), errors.rate_limited))
        }
    }

    /// A sensitive change from a session that has not proved who it is in
    /// the last few minutes.
    pub fn reauth_required() -> Self {
        Self::new(ErrorCode::ReauthRequired, t!(Language::current(), errors.reauth_required))
    }

    /// The password checks are full for the moment.
    pub fn busy(retry_after_secs: u64) -> Self {
        Self {
            retry_after: Some(retry_after_secs),
            ..Self::new(ErrorCode::Busy, t!(Language::current(), errors.busy))
        }
    }

    pub fn cross_site() -> Self {
        Self::new(ErrorCode::Forbidden, t!(Language::current(), errors.cross_site))
    }

    pub fn unavailable() -> Self {
        Self::new(ErrorCode::Unavailable, t!(Language::current(), errors.unavailable))
    }

    pub fn with_email(mut self, email: &str) -> Self {
        self.email = Some(email.to_owned());
        self
    }

    /// The message to show next to `field`, if this error belongs there.
    pub fn for_field(&self, field: Field) -> Option<&str> {
        (self.field == Some(field)).then_some(self.message.as_str())
    }
}

impl From<Invalid> for ApiError {
    fn from(err: Invalid) -> Self {
        Self::invalid(Some(err.field), err.message)
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The body could not be read as the function's arguments: a
            // missing or malformed field is the caller's mistake, not ours.
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::Deserialization(msg) => {
                Self::invalid(None, t!(Language::current(), errors.unreadable, detail = msg).to_string())
            }
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => {
                Self::new(ErrorCode::Network, Self::unreachable_message())
            }
            other => Self::new(ErrorCode::Unavailable, other.to_string()),
        }
    }
}
