//! Headers every page gets per response: the Referrer-Policy, the
//! Content-Security-Policy with its nonce, and compression. The fixed ones
//! (nosniff, HSTS…) are set by tower-http in `lib.rs`.

use axum::{
    extract::Request,
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};
use std::sync::Arc;

/// `Referrer-Policy`: `same-origin` keeps the full Referer on our own form
/// posts (a form posted without JavaScript is redirected back to it) and
/// sends nothing to other sites; the pages whose address holds a mailed
/// link's token send no Referer at all, not even to this site.
pub async fn referrer_policy(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let secret_in_url = path.starts_with("/reset-password/") || path.starts_with("/confirm-email/");
    let mut res = next.run(req).await;
    let policy = if secret_in_url { "no-referrer" } else { "same-origin" };
    res.headers_mut()
        .insert(header::REFERRER_POLICY, HeaderValue::from_static(policy));
    res
}

/// A fresh nonce per response, for the Content-Security-Policy and the
/// `<script>` tags Leptos renders (see `lib.rs`, which hands it to Leptos).
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// Per-response headers: the CSP with its nonce. The fixed headers
/// (nosniff, Referrer-Policy, HSTS…) are set by tower-http in `lib.rs`.
pub async fn content_security_policy(
    axum::extract::State(csp): axum::extract::State<Csp>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce = {
        use base64::Engine as _;
        use rand::RngCore as _;
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        base64::engine::general_purpose::STANDARD.encode(bytes)
    };
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut res = next.run(req).await;
    if let Ok(value) = HeaderValue::from_str(&csp.header(&nonce)) {
        res.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    res
}

#[derive(Clone, Debug)]
pub struct Csp {
    /// `cargo leptos watch` reloads the page over a WebSocket on another port.
    pub live_reload: bool,
    /// The configured providers: a provider button's form post is
    /// answered with a 303 to the provider, and Chromium holds that
    /// redirect to `form-action` too.
    pub providers: Arc<app::ssr::oidc::Providers>,
}

impl Csp {
    pub fn header(&self, nonce: &str) -> String {
        // 'wasm-unsafe-eval' lets the page compile its own WASM bundle; it
        // does not allow JavaScript eval.
        let connect = if self.live_reload {
            "'self' ws: wss:"
        } else {
            "'self'"
        };
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src {connect}; \
             object-src 'none'; base-uri 'none'; form-action 'self'{}; frame-ancestors 'none'",
            self.providers.form_action_sources()
        )
    }
}

/// Pages go out compressed to browsers that accept it (brotli or gzip, at
/// a quick level: a page is rendered for its one request). A page is
/// about 16 kB, half of it the islands' loader and router inlined in the
/// head, and compresses to about a third. Assets are compressed once, at
/// build time (`--precompress`), and JSON answers are small.
pub fn compress_pages() -> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::{predicate::Predicate as _, CompressionLayer, CompressionLevel, DefaultPredicate};
    let pages = |_: axum::http::StatusCode, _: axum::http::Version, headers: &axum::http::HeaderMap, _: &axum::http::Extensions| {
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"))
    };
    CompressionLayer::new()
        .quality(CompressionLevel::Precise(4))
        .compress_when(DefaultPredicate::new().and(pages))
}
