//! The language a request is answered in, chosen once: the `lang` cookie,
//! the signed-in account's language, `Accept-Language`, English.

use app::{
    domain::Language,
    ssr::{session::RequestAuth, AppState},
};
use axum::{
    extract::Request,
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};
use std::sync::Arc;

/// The language a browser asks for by itself: its `lang` cookie (a choice
/// made here) and its `Accept-Language`.
fn asked_language(headers: &axum::http::HeaderMap) -> (Option<Language>, Option<&str>) {
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == Language::COOKIE)
        .and_then(|(_, value)| Language::from_code(value.trim()));
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    (cookie, accept)
}

/// Answers the request in `language`: [`Language::current`] for what the
/// calls write, the request's extensions for the pages.
async fn answer_in(language: Language, mut req: Request, next: Next) -> Response {
    req.extensions_mut().insert(language);
    let mut res = app::ssr::language::scope(language, next.run(req)).await;
    // The same address answers in different languages (said once, though
    // the language is chosen twice).
    let said = res.headers().get_all(header::VARY).iter().any(|v| v == "Accept-Language");
    if !said {
        res.headers_mut().append(header::VARY, HeaderValue::from_static("Accept-Language"));
    }
    res
}

/// Outermost: the language from the headers alone, for the errors given
/// before the session is read (a cross-site post, a 503).
pub async fn browser_language(req: Request, next: Next) -> Response {
    let (cookie, accept) = asked_language(req.headers());
    let language = Language::negotiate(cookie.map(Language::code), None, accept);
    answer_in(language, req, next).await
}

/// Inside the session guard, the request's language once and for all: the
/// `lang` cookie, the signed-in account's language, `Accept-Language`,
/// English. The account's is read from the account (one indexed read), not
/// from the session, so a choice made in another browser counts at once;
/// only when this browser made no choice of its own.
pub async fn language(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let (cookie, accept) = asked_language(req.headers());
    let account = match (cookie, req.extensions().get::<RequestAuth>()) {
        (None, Some(RequestAuth(Some(auth)))) => {
            // Read once for the whole request: /api/me and the profile
            // page want the same row.
            let flags = match req.extensions().get::<app::ssr::users::AccountOnRequest>() {
                Some(account) => account.flags(&state.users).await,
                None => state.users.flags(auth.user_id).await,
            };
            // An error was logged where it was made; the session's copy
            // of the language stands in.
            Some(flags.ok().flatten().map_or(auth.language, |f| f.language))
        }
        _ => None,
    };
    let language = Language::negotiate(cookie.map(Language::code), account, accept);
    answer_in(language, req, next).await
}
