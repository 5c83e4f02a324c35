//! The server functions: the app's API. Each is a same-origin POST (or GET)
//! under `/api/`, called by the hydrated client, by plain HTML forms, and by
//! scripts alike. Who may call which is `crate::access`'s table.
//!
//! - `auth`: sign-up, login, logout, and `checked`, the one guarded check
//!   of a secret under the login throttle;
//! - `account`: who am I, changing the password, deleting the account;
//! - `sessions`: listing and ending sessions;
//! - `caller`: the signed-in caller every account call starts from;
//! - `email`: the calls behind mailed links; `reauth`: recent
//!   authentication; `two_factor` and `passkeys`; `security_log`: the log;
//! - `identities`: the providers linked to the account, and unlinking one;
//! - `language`: the reader's choice of language;
//! - `admin`: what administrators do to accounts, and their log.

mod account;
mod admin;
mod auth;
#[cfg(feature = "ssr")]
mod caller;
mod email;
mod identities;
mod language;
mod passkeys;
mod reauth;
mod security_log;
mod sessions;
mod two_factor;

pub use account::*;
pub use admin::*;
pub use auth::*;
#[cfg(feature = "ssr")]
pub(crate) use caller::*;
pub use email::*;
pub use identities::*;
pub use language::*;
pub use passkeys::*;
pub use reauth::*;
pub use security_log::*;
pub use sessions::*;
pub use two_factor::*;
