//! The language of the request being answered, chosen once by the
//! server's language layer (`server/src/http/language.rs`) and read by
//! whatever writes words for it (an error's message, a mail) through
//! [`Language::current`].

use crate::domain::Language;
use std::future::Future;

tokio::task_local! {
    static REQUEST_LANGUAGE: Language;
}

/// Runs `answer` with `language` as the request's language. Also kept in
/// the request's extensions, for the pages (rendering may run on another
/// task, where a task-local is not seen).
pub async fn scope<F: Future>(language: Language, answer: F) -> F::Output {
    REQUEST_LANGUAGE.scope(language, answer).await
}

/// The request's language: the layer's choice, or the one the request's
/// extensions hold, or English outside a request.
pub fn current() -> Language {
    REQUEST_LANGUAGE.try_with(|language| *language).ok().or_else(from_request).unwrap_or_default()
}

fn from_request() -> Option<Language> {
    leptos::prelude::with_context::<axum::http::request::Parts, _>(|parts| parts.extensions.get::<Language>().copied())
        .flatten()
}

/// Keeps the browser's choice in the `lang` cookie for a year. Not
/// `HttpOnly`-sensitive (it holds a language code), but set so anyway:
/// the islands read the language from `<html lang>`.
pub fn remember(language: Language, secure: bool) {
    use tower_cookies::Cookies;
    use tower_sessions::cookie::{time::Duration, Cookie, SameSite};
    let jar = leptos::prelude::with_context::<axum::http::request::Parts, _>(|parts| parts.extensions.get::<Cookies>().cloned())
        .flatten();
    if let Some(jar) = jar {
        jar.add(
            Cookie::build((Language::COOKIE, language.code()))
                .path("/")
                .http_only(true)
                .same_site(SameSite::Lax)
                .secure(secure)
                .max_age(Duration::seconds(Language::COOKIE_MAX_AGE_SECS))
                .build(),
        );
    }
}
