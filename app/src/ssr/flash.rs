//! What a form post leaves for the page its redirect lands on, taken when
//! that page renders, so it shows once:
//! - a [`Flash`] message ("You have been logged out"), by its code;
//! - the form's state after a failed post: the error, and the email as
//!   typed, so the page shows the error beside its field with the email
//!   kept. It rides in a signed cookie, not in the redirect's URL, where it
//!   would land in the browser's history and in access logs.
//!
//! Both are short-lived HttpOnly cookies in the session layer's cookie jar
//! (tower-cookies), which reads the request's cookies and writes the
//! response's `Set-Cookie`.

use super::{is_form_post, AppState};
use crate::{domain::Flash, error::ApiError};
use axum::http::request::Parts;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use leptos::prelude::with_context;
use serde::{Deserialize, Serialize};
use tower_cookies::Cookies;
use tower_sessions::cookie::{time::Duration, Cookie, Key, SameSite};

/// How long a message waits for its page.
const WAITS: Duration = Duration::seconds(60);

/// The cookie with a failed form's state.
pub const FORM_COOKIE: &str = "gatehouse_form";

/// A form whose post failed: which server function it posted to, and
/// what came back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormState {
    pub path: String,
    pub error: ApiError,
}

fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(WAITS)
        .build()
}

/// The request's cookie jar, inside a server function or a page render.
fn jar() -> Option<Cookies> {
    with_context::<Parts, _>(|parts| parts.extensions.get::<Cookies>().cloned()).flatten()
}

fn secure() -> bool {
    AppState::from_context().is_ok_and(|state| state.secure_cookies)
}

/// Leaves `flash` for the next page load, from middleware inside the
/// session layer (whose jar is in the request's extensions).
pub fn leave_on(request: &axum::http::Extensions, flash: Flash, secure: bool) {
    if let Some(jar) = request.get::<Cookies>() {
        jar.add(cookie(Flash::COOKIE, flash.code().to_owned(), secure));
    }
}

/// Leaves `flash` for the next page, when this request is a form post (its
/// redirect is followed by the page that shows it). Scripts get the call's
/// own result instead; a message left for them would turn up on some
/// later page.
pub fn leave(flash: Flash) {
    if let (true, Some(jar)) = (is_form_post(), jar()) {
        jar.add(cookie(Flash::COOKIE, flash.code().to_owned(), secure()));
    }
}

/// Leaves `flash` for the next page whatever asked: for an island that
/// calls with `fetch` and then loads the next page itself (adding a
/// passkey).
pub fn leave_for_next_page(flash: Flash) {
    if let Some(jar) = jar() {
        jar.add(cookie(Flash::COOKIE, flash.code().to_owned(), secure()));
    }
}

/// The message left for the page being rendered, if any; the response
/// clears it, so it shows once.
pub fn take() -> Option<Flash> {
    let jar = jar()?;
    let left = jar.get(Flash::COOKIE)?;
    jar.remove(cookie(Flash::COOKIE, String::new(), secure()));
    Flash::from_code(left.value())
}

/// Leaves a failed form's state for the page the post is redirected to,
/// signed with `key`, from middleware inside the session layer.
pub fn keep_form(jar: &Cookies, key: &Key, state: &FormState, secure: bool) {
    // base64: a cookie value can't hold JSON's quotes, commas and spaces.
    if let Ok(json) = serde_json::to_vec(state) {
        jar.signed(key).add(cookie(FORM_COOKIE, URL_SAFE_NO_PAD.encode(json), secure));
    }
}

/// The failed form's state left for the page being rendered, if its
/// signature holds; the response clears it.
pub fn take_form() -> Option<FormState> {
    let jar = jar()?;
    jar.get(FORM_COOKIE)?;
    let state = AppState::from_context().ok()?;
    let left = jar.signed(&state.cookie_key).get(FORM_COOKIE);
    jar.remove(cookie(FORM_COOKIE, String::new(), state.secure_cookies));
    let json = URL_SAFE_NO_PAD.decode(left?.value()).ok()?;
    serde_json::from_slice(&json).ok()
}

/// The cookie that carries new recovery codes from a form post to the
/// page that shows them once, encrypted (AES-GCM, the cookie crate's
/// private jar) so they are never in the database, the session store or
/// a log, and readable by nothing but this server.
pub const CODES_COOKIE: &str = "gatehouse_codes";

/// Keeps new recovery codes for the next page, encrypted.
pub fn keep_codes(codes: &[String]) {
    let (Some(jar), Ok(state)) = (jar(), AppState::from_context()) else {
        return;
    };
    jar.private(&state.cookie_key)
        .add(cookie(CODES_COOKIE, codes.join(" "), state.secure_cookies));
}

/// The codes left for the page being rendered, if any; the response
/// clears the cookie, so they show once.
pub fn take_codes() -> Option<Vec<String>> {
    let jar = jar()?;
    jar.get(CODES_COOKIE)?;
    let state = AppState::from_context().ok()?;
    let left = jar.private(&state.cookie_key).get(CODES_COOKIE);
    jar.remove(cookie(CODES_COOKIE, String::new(), state.secure_cookies));
    Some(left?.value().split(' ').map(str::to_owned).collect())
}
