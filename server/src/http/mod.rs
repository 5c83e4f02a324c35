//! HTTP middleware around the app, a module per concern; `lib.rs` stacks
//! them in order.
//!
//! - [`answers`]: API status codes, a failed form post's error kept out of
//!   its URL, the error page outside the app, caching, no bare 500;
//! - [`body`]: the request body, read whole and within its deadline;
//! - [`access`]: the session guard and the access table's layer;
//! - [`language`]: the language a request is answered in;
//! - [`client`]: the client's address behind trusted proxies;
//! - [`csrf`]: refusing cross-site writes;
//! - [`headers`]: Referrer-Policy, the CSP and its nonce, compression.

mod access;
mod answers;
mod body;
mod client;
mod csrf;
mod headers;
mod language;

pub use access::{access, session_guard, AccessRules};
pub use answers::{api_status, cache_control, error_response, no_500};
use answers::accepts_html;
pub use body::buffer_body;
pub use client::{client_address, TrustedProxies};
pub use csrf::{csrf, TrustedOrigin};
pub use headers::{compress_pages, content_security_policy, referrer_policy, Csp, CspNonce};
pub use language::{browser_language, language};

/// A header map from name and value pairs, for the layers' unit tests.
#[cfg(test)]
fn test_headers(pairs: &[(&'static str, &str)]) -> axum::http::HeaderMap {
    let mut map = axum::http::HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, axum::http::HeaderValue::from_str(value).unwrap());
    }
    map
}
