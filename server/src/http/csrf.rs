//! The CSRF check: a state-changing request a browser says came from
//! another site is refused before anything runs.

use super::error_response;
use app::error::ApiError;
use axum::{
    extract::Request,
    http::{header, HeaderName, Method},
    middleware::Next,
    response::Response,
};
use std::sync::Arc;

/// The public origin's `host[:port]` (`APP_BASE_URL`): a proxy may hand
/// the app another `Host`, and a form from the public origin must pass.
#[derive(Clone, Debug)]
pub struct TrustedOrigin(Option<Arc<str>>);

impl TrustedOrigin {
    pub fn from_base_url(base_url: &str) -> Self {
        Self(authority(base_url).map(Arc::from))
    }
}

/// CSRF defence for every state-changing request: refuse it when the
/// browser says it came from another site. `Sec-Fetch-Site: cross-site`,
/// or an `Origin` (or, lacking one, a `Referer`) whose host is neither this
/// one nor `APP_BASE_URL`'s, gets 403 before anything runs. `Origin: null`
/// (what a browser sends from a `no-referrer` page, like the reset page)
/// passes only when the browser also says `Sec-Fetch-Site: same-origin`.
/// Requests that carry none of these (scripts, curl) are not from a
/// browser page and pass; the session cookie's `SameSite=Lax` covers old
/// browsers.
pub async fn csrf(
    axum::extract::State(trusted): axum::extract::State<TrustedOrigin>,
    req: Request,
    next: Next,
) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    if is_cross_site(req.headers(), trusted.0.as_deref()) {
        tracing::warn!("refused a cross-site request");
        return error_response(req.headers().get(header::ACCEPT), ApiError::cross_site());
    }
    next.run(req).await
}

fn is_cross_site(headers: &axum::http::HeaderMap, trusted: Option<&str>) -> bool {
    let text = |name| headers.get(name).map(|v| v.to_str().unwrap_or("\u{0}"));
    let fetch_site = text(HeaderName::from_static("sec-fetch-site"));
    if fetch_site == Some("cross-site") {
        return true;
    }
    let origin = text(header::ORIGIN);
    if origin == Some("null") {
        return fetch_site != Some("same-origin");
    }
    let Some(host) = text(header::HOST) else {
        // HTTP/1.1 always sends Host; without it only the public origin
        // can be compared.
        let source = origin.or_else(|| text(header::REFERER));
        return source.is_some_and(|s| authority(s).is_none_or(|a| Some(a) != trusted));
    };
    let source = origin.or_else(|| text(header::REFERER));
    match source {
        None => false,
        Some(source) => authority(source).is_none_or(|a| {
            !a.eq_ignore_ascii_case(host) && !trusted.is_some_and(|t| a.eq_ignore_ascii_case(t))
        }),
    }
}

/// `host[:port]` of an absolute http(s) URL; `None` for `null` or anything
/// else that names no host.
fn authority(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    // Credentials in a Referer would be odd; refuse rather than parse them.
    (!authority.is_empty() && !authority.contains('@')).then_some(authority)
}

#[cfg(test)]
mod tests {
    use crate::http::test_headers as headers;
    use axum::http::HeaderMap;

    fn is_cross_site(headers: &HeaderMap) -> bool {
        super::is_cross_site(headers, Some("public.test"))
    }

    #[test]
    fn the_public_origin_and_a_same_origin_null_pass() {
        assert!(!is_cross_site(&headers(&[
            ("host", "10.0.0.5:3000"),
            ("origin", "https://public.test"),
        ])));
        assert!(!is_cross_site(&headers(&[
            ("host", "a.test"),
            ("origin", "null"),
            ("sec-fetch-site", "same-origin"),
        ])));
        for fetch_site in [None, Some("same-site"), Some("none")] {
            let mut pairs = vec![("host", "a.test"), ("origin", "null")];
            if let Some(site) = fetch_site {
                pairs.push(("sec-fetch-site", site));
            }
            assert!(is_cross_site(&headers(&pairs)), "{pairs:?}");
        }
    }

    #[test]
    fn same_origin_and_script_requests_pass() {
        assert!(!is_cross_site(&headers(&[("host", "a.test:3000")])));
        assert!(!is_cross_site(&headers(&[
            ("host", "a.test:3000"),
            ("origin", "http://a.test:3000"),
            ("sec-fetch-site", "same-origin"),
        ])));
        assert!(!is_cross_site(&headers(&[
            ("host", "a.test"),
            ("referer", "https://a.test/login?next=%2F"),
        ])));
    }

    #[test]
    fn other_sites_are_refused() {
        for pairs in [
            &[("host", "a.test"), ("origin", "https://evil.test")][..],
            &[("host", "a.test"), ("origin", "null")],
            &[("host", "a.test:3000"), ("origin", "http://a.test:4000")],
            &[("host", "a.test"), ("referer", "https://evil.test/a.test")],
            &[("host", "a.test"), ("referer", "https://a.test@evil.test/")],
            &[("host", "a.test"), ("sec-fetch-site", "cross-site")],
            // Origin wins over a same-site Referer.
            &[
                ("host", "a.test"),
                ("origin", "https://evil.test"),
                ("referer", "https://a.test/"),
            ],
        ] {
            assert!(is_cross_site(&headers(pairs)), "{pairs:?}");
        }
    }
}
