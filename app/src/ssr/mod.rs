//! Server-only parts of the app: the state server functions run against.
//! Compiled only with the `ssr` feature, so none of it reaches the WASM.

pub mod admin;
pub mod admission;
pub mod security_log;
pub mod common_passwords;
pub mod db;
pub mod flash;
pub mod identities;
pub mod internal;
pub mod language;
pub mod mail;
pub mod oidc;
pub mod passkeys;
pub mod passwords;
pub mod provider_sign_in;
pub mod accounts;
pub mod redis_store;
pub mod two_factor;
pub mod session;
pub mod sqlite_reader;
pub mod store;
pub mod throttle;
pub mod tokens;
pub mod users;

use crate::error::ApiError;
use passwords::Hasher;
use session::{Client, Lifetimes};
use std::sync::Arc;
use store::SessionBackend;
use throttle::Throttle;
use users::Users;

/// What every server function needs, provided as Leptos context by the
/// server binary. Shared as an `Arc`: the context is set up on every
/// request, and cloning the fields each time showed in the profile.
pub struct AppState {
    pub users: Users,
    pub hasher: Hasher,
    pub lifetimes: Lifetimes,
    pub throttle: Throttle,
    /// The session store itself, for listing and ending a user's sessions.
    pub sessions: Arc<dyn SessionBackend>,
    /// Production: cookies the app sets itself are `Secure`.
    pub secure_cookies: bool,
    /// Signs the cookie that carries a failed form's state (`flash.rs`).
    pub cookie_key: tower_sessions::cookie::Key,
    /// Links by mail: confirmation, password reset, change of email.
    pub accounts: accounts::Accounts,
    /// The outbox, for the development mailbox.
    pub outbox: mail::outbox::Outbox,
    /// The security log.
    pub security_log: security_log::SecurityLog,
    /// Two-step verification: authenticator apps and recovery codes.
    pub two_factor: two_factor::TwoFactor,
    pub passkeys: passkeys::Passkeys,
    /// The OpenID Connect providers (`OIDC_PROVIDERS`).
    pub oidc: Arc<oidc::Providers>,
    /// What administrators do to accounts, and their log.
    pub admin: admin::Admin,
}

impl AppState {
    pub fn from_context() -> Result<Arc<Self>, ApiError> {
        leptos::prelude::use_context::<Arc<Self>>().ok_or_else(|| {
            tracing::error!("AppState missing from the Leptos context");
            ApiError::unavailable()
        })
    }
}

/// Whether the request being served is a form posted without JavaScript:
/// the browser asks for HTML, and the answer is a redirect to a page.
/// Scripts and the hydrated app ask for JSON.
pub fn is_form_post() -> bool {
    use axum::http::{header::ACCEPT, request::Parts};
    leptos::prelude::with_context::<Parts, _>(|parts| {
        parts
            .headers
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    })
    .unwrap_or(false)
}

/// The client's address, as the server's client-address layer worked it
/// out (the TCP peer, or behind a trusted proxy the address it forwarded),
/// put in the request's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

/// Who is making the request: the client's address (see [`ClientIp`]) and
/// browser.
pub fn client() -> Client {
    leptos::prelude::with_context::<axum::http::request::Parts, _>(client_of).unwrap_or(Client {
        user_agent: String::new(),
        ip: String::new(),
    })
}

/// The client of a request, from its parts (for handlers outside Leptos).
pub fn client_of(parts: &axum::http::request::Parts) -> Client {
    client_from(&parts.extensions, &parts.headers)
}

/// The client from a request's extensions and headers: the address the
/// client-address layer settled on, else the TCP peer.
pub fn client_from(extensions: &axum::http::Extensions, headers: &axum::http::HeaderMap) -> Client {
    use axum::extract::ConnectInfo;
    let ip = extensions
        .get::<ClientIp>()
        .map(|ClientIp(ip)| *ip)
        .or_else(|| extensions.get::<ConnectInfo<std::net::SocketAddr>>().map(|ConnectInfo(addr)| addr.ip().to_canonical()))
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    let user_agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Client { user_agent, ip }
}
