//! Leaving a [`Flash`] message for the page a redirect lands on, and taking
//! it when that page renders. The cookie goes through the session layer's
//! cookie jar (tower-cookies), which reads the request's cookies and writes
//! the response's `Set-Cookie`.

use super::{is_form_post, AppState};
use crate::domain::Flash;
use axum::http::request::Parts;
use leptos::prelude::with_context;
use tower_cookies::Cookies;
use tower_sessions::cookie::{time::Duration, Cookie, SameSite};

/// How long a message waits for its page.
const WAITS: Duration = Duration::seconds(60);

fn cookie(value: &'static str, secure: bool) -> Cookie<'static> {
    Cookie::build((Flash::COOKIE, value))
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
        jar.add(cookie(flash.code(), secure));
    }
}

/// Leaves `flash` for the next page, when this request is a form posted
/// without JavaScript (its redirect is followed by a full page load). The
/// hydrated app and scripts get the call's own result instead; a message
/// left for them would turn up on some later page.
pub fn leave(flash: Flash) {
    if let (true, Some(jar)) = (is_form_post(), jar()) {
        jar.add(cookie(flash.code(), secure()));
    }
}

/// The message left for the page being rendered, if any; the response
/// clears it, so it shows once.
pub fn take() -> Option<Flash> {
    let jar = jar()?;
    let left = jar.get(Flash::COOKIE)?;
    let flash = Flash::from_code(left.value());
    jar.remove(cookie("", secure()));
    flash
}
