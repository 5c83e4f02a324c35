//! The request body, read whole and in time.

use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Reads the request body up front, so a body sent in chunks past the limit
/// gets 413 just like one that declared its length (tower-http's
/// `RequestBodyLimitLayer` answers those before anything is read). Server
/// functions read whole bodies anyway, so buffering costs nothing extra.
///
/// The whole body must arrive within what is left of `deadline`
/// (`request_read_timeout`, counted for a connection's first request from
/// when it was accepted: headers and body together) or the answer is 408
/// and the connection is closed: a client trickling
/// a byte now and then holds nothing for long. One deadline for the whole
/// body, not one per read, which such a client would keep resetting.
pub async fn buffer_body(
    axum::extract::State(deadline): axum::extract::State<std::time::Duration>,
    req: Request,
    next: Next,
) -> Response {
    // What is left of the request's deadline (headers and body together),
    // or all of it where no accept loop set the clock.
    let left = match req.extensions().get::<crate::serve::RequestBegan>() {
        Some(began) => deadline.saturating_sub(began.0.elapsed()),
        None => deadline,
    };
    let (parts, body) = req.into_parts();
    let read = tokio::time::timeout(left, to_bytes(body, crate::MAX_BODY_BYTES)).await;
    match read {
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(_) => {
            // The span names the route; the path itself may hold a token.
            tracing::info!("a request body did not arrive in time");
            // The rest of the body may still come: close rather than read
            // it as the next request.
            (
                StatusCode::REQUEST_TIMEOUT,
                [(header::CONNECTION, HeaderValue::from_static("close"))],
            )
                .into_response()
        }
        Ok(Err(err)) => {
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
