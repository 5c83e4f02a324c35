//! The provider sign-in's two addresses, routed to the app
//! (`app/src/ssr/provider_sign_in.rs`): this only takes the request apart.

use app::ssr::{
    provider_sign_in::{self, Callback, StartForm},
    AppState,
};
use axum::{
    extract::{Path, Request, State},
    response::Response,
};
use std::sync::Arc;
use tower_sessions::Session;

/// `POST /auth/{name}/start` (`next`, `link`, `reauth`).
pub async fn start(State(state): State<Arc<AppState>>, Path(name): Path<String>, session: Session, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    // The body limit layer has bounded it already.
    let bytes = axum::body::to_bytes(body, crate::MAX_BODY_BYTES).await.unwrap_or_default();
    let mut form = StartForm::default();
    for (key, value) in form_urlencoded::parse(&bytes) {
        match &*key {
            "next" => form.next = Some(value.into_owned()),
            "link" => form.link = Some(value.into_owned()),
            "reauth" => form.reauth = Some(value.into_owned()),
            _ => {}
        }
    }
    provider_sign_in::start(state, session, &parts.extensions, &parts.headers, &name, form).await
}

/// `GET /auth/{name}/callback?code=…&state=…` (or `error=…`).
pub async fn callback(State(state): State<Arc<AppState>>, Path(name): Path<String>, session: Session, req: Request) -> Response {
    let mut query = Callback::default();
    for (key, value) in form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes()) {
        match &*key {
            "code" => query.code = Some(value.into_owned()),
            "state" => query.state = Some(value.into_owned()),
            "error" => query.error = Some(value.into_owned()),
            _ => {}
        }
    }
    provider_sign_in::callback(state, session, req.extensions(), req.headers(), &name, query).await
}
