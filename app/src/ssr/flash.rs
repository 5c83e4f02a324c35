//! Leaving a [`Flash`] message for the page a plain form post is
//! redirected to, and taking it when that page renders.

use super::AppState;
use crate::domain::Flash;
use axum::http::{
    header::{ACCEPT, COOKIE, SET_COOKIE},
    request::Parts,
    HeaderValue,
};
use leptos::prelude::{use_context, with_context};
use leptos_axum::ResponseOptions;

fn secure() -> bool {
    AppState::from_context().is_ok_and(|state| state.secure_cookies)
}

fn set_cookie(value: String) {
    if let (Some(response), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(&value),
    ) {
        response.append_header(SET_COOKIE, value);
    }
}

/// Leaves `flash` for the next page, when this request is a form posted
/// without JavaScript (its redirect is followed by a full page load). The
/// hydrated app and scripts get the call's own result instead; a message
/// left for them would turn up on some later page.
pub fn leave(flash: Flash) {
    let form_post = with_context::<Parts, _>(|parts| {
        parts
            .headers
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    })
    .unwrap_or(false);
    if form_post {
        set_cookie(flash.set_cookie(secure()));
    }
}

/// The message left for the page being rendered, if any; the response
/// clears it, so it shows once.
pub fn take() -> Option<Flash> {
    let flash = with_context::<Parts, _>(|parts| {
        parts
            .headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(Flash::from_cookie_header)
    })
    .flatten()?;
    set_cookie(Flash::clear_cookie(secure()));
    Some(flash)
}
