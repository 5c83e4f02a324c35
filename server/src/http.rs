//! HTTP middleware around the app: status codes for API errors, the
//! protected-page redirect and the security headers.

use app::error::ApiError;
use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::Session;

/// Server functions answer every error with 500; the error's own `code`
/// says what it really is (401, 409, 422…), so put that on the wire.
/// Forms posted without JavaScript get a redirect instead and are left as
/// they are.
pub async fn api_status(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let mut res = next.run(req).await;
    if !is_api {
        return res;
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
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
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Reads the request body up front, so a body sent in chunks past the limit
/// gets 413 just like one that declared its length (tower-http's
/// `RequestBodyLimitLayer` answers those before anything is read). Server
/// functions read whole bodies anyway, so buffering costs nothing extra.
pub async fn buffer_body(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    match to_bytes(body, crate::MAX_BODY_BYTES).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(err) => {
            // The limit error may sit a few layers down the error chain.
            let inner = err.into_inner();
            let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(inner.as_ref());
            let mut too_large = false;
            while let Some(err) = cause {
                too_large |= err.is::<http_body_util::LengthLimitError>();
                cause = err.source();
            }
            if too_large {
                StatusCode::PAYLOAD_TOO_LARGE.into_response()
            } else {
                // The client went away or sent a broken body.
                StatusCode::BAD_REQUEST.into_response()
            }
        }
    }
}

/// A signed-out full page load of a protected page goes to the login page,
/// which sends the person back here afterwards.
pub async fn require_login(session: Session, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if req.method() == Method::GET && crate::PROTECTED_PAGES.contains(&path) {
        if !app::ssr::session::is_signed_in(&session).await {
            let next: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
            let mut res = Redirect::to(&format!("/login?next={next}")).into_response();
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            return res;
        }
        let mut res = next.run(req).await;
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return res;
    }
    next.run(req).await
}

pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // `same-origin` keeps the full Referer on our own form posts (a form
    // posted without JavaScript is redirected back to it) and sends
    // nothing to other sites.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}
