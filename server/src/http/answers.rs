//! What the API's answers carry on the wire: the status its error's code
//! says (server functions answer every error with 500), a failed form
//! post's error moved from the redirect's URL into a cookie, the error
//! page outside the app, caching, and no bare 500.

use app::{
    domain::Language,
    error::ApiError,
    ssr::{
        flash::{self, FormState},
        AppState,
    },
};
use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::sync::Arc;
use tower_cookies::Cookies;

/// Server functions answer every error with 500; the error's own `code`
/// says what it really is (401, 409, 422…), so put that on the wire.
///
/// A form post (the browser asks for HTML) is answered with a redirect back
/// to its page, and server_fn would put the error in that URL (`?__err=`),
/// email and all, where it lands in history and access logs. It goes in a
/// signed, short-lived cookie instead (`app::ssr::flash`), for the page to
/// show beside its field.
pub async fn api_status(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    if !is_api {
        return next.run(req).await;
    }
    let form = accepts_html(req.headers().get(header::ACCEPT))
        .then(|| (req.uri().path().to_owned(), req.extensions().get::<Cookies>().cloned()));
    let mut res = next.run(req).await;
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some((path, Some(jar))) = form {
        let Some(location) = res.headers().get(header::LOCATION).and_then(|l| l.to_str().ok()) else {
            return res;
        };
        let clean = without_error_info(location);
        let (mut parts, body) = res.into_parts();
        let bytes = to_bytes(body, crate::MAX_BODY_BYTES).await.unwrap_or_default();
        // An error, whether server_fn put it in the URL or the function
        // chose where to send the browser back to (the reset page).
        if let Ok(error) = serde_json::from_slice::<ApiError>(&bytes) {
            let form = FormState { path, error };
            flash::keep_form(&jar, &state.cookie_key, &form, state.secure_cookies);
        }
        if let Some(clean) = clean.and_then(|c| HeaderValue::from_str(&c).ok()) {
            parts.headers.insert(header::LOCATION, clean);
        }
        return Response::from_parts(parts, Body::empty());
    }
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = to_bytes(body, crate::MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<ApiError>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.code.status()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        if let Some(secs) = err.retry_after {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// A redirect target without the error server_fn added to it (`__err`,
/// `__path`); `None` when it carries none.
fn without_error_info(location: &str) -> Option<String> {
    let (base, query) = location.split_once('?')?;
    // server_fn leaves a bare `?` where it took its own keys out.
    if query.is_empty() {
        return Some(base.to_owned());
    }
    let is_error_info = |key: &str| key == "__err" || key == "__path";
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    if !pairs.iter().any(|(key, _)| is_error_info(key)) {
        return None;
    }
    let kept: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(key, _)| !is_error_info(key)))
        .finish();
    Some(if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{kept}")
    })
}

pub(super) fn accepts_html(accept: Option<&HeaderValue>) -> bool {
    accept
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

/// An error outside a server function: JSON for scripts and the API, a
/// short page in words for a browser.
pub fn error_response(accept: Option<&HeaderValue>, err: ApiError) -> Response {
    let status = StatusCode::from_u16(err.code.status()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut res = if accepts_html(accept) {
        let language = Language::current();
        let page = format!(
            "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
             <title>Gatehouse</title></head><body><main><h1>{}</h1><p>{}</p>\
             <p><a href=\"/\">{}</a></p></main></body></html>",
            language.code(),
            ApiError::page_title(language),
            err.message,
            ApiError::page_home_link(language),
        );
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            page,
        )
            .into_response()
    } else {
        (status, axum::Json(err)).into_response()
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Caching: the release build's assets have their content's hash in their
/// names (`gatehouse.<hash>.wasm`), so a browser may keep them for good;
/// unhashed ones (development) are revalidated each time. Pages are never
/// stored: they are rendered for the one request, signed in or not, and
/// may carry a message meant to be shown once.
pub async fn cache_control(
    axum::extract::State(hashed): axum::extract::State<bool>,
    req: Request,
    next: Next,
) -> Response {
    let asset = req.uri().path().starts_with("/pkg/");
    let mut res = next.run(req).await;
    let value = if asset {
        if !res.status().is_success() {
            return res;
        }
        if hashed {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        }
    } else {
        let page = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
        if !page {
            return res;
        }
        "no-store"
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    res
}

/// Anything that still comes out as a bare 500 (tower-sessions answers one
/// when the store fails while saving) becomes a 503 with words: the store
/// or database is what failed.
pub async fn no_500(req: Request, next: Next) -> Response {
    let accept = req.headers().get(header::ACCEPT).cloned();
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    tracing::error!("answering 503 instead of an internal error");
    error_response(accept.as_ref(), ApiError::unavailable())
}
