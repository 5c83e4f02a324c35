//! The languages pages, messages and mail are written in, and how one is
//! chosen for a request: the `lang` cookie, then the signed-in account's
//! language, then `Accept-Language` (quality values honoured), then
//! English. The words themselves are in `app/locales/<code>.json`.

use serde::{Deserialize, Serialize};

/// A language Gatehouse speaks: one of the files in `app/locales/` (the
/// generated `i18n::Locale` lists them), so a new language is its file and
/// one line in `app/build.rs`, and nothing here. The code (`en`, `ko`) is
/// what the `lang` cookie, the form field, `/api/me` and the
/// `users.language` column hold, and what `<html lang>` says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Language(crate::i18n::Locale);

impl Language {
    /// The default, and the fallback for a text another language lacks.
    pub const ENGLISH: Self = Self(crate::i18n::Locale::en);
    pub const KOREAN: Self = Self(crate::i18n::Locale::ko);

    /// Every language spoken, English first.
    pub fn all() -> impl Iterator<Item = Self> {
        <crate::i18n::Locale as leptos_i18n::Locale>::get_all().iter().map(|&locale| Self(locale))
    }

    /// The language's code (`en`, `ko`).
    pub fn code(self) -> &'static str {
        leptos_i18n::Locale::as_str(self.0)
    }

    /// The language with this code, if it is spoken here.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::all().find(|language| language.code() == code)
    }

    /// The cookie that holds a browser's choice.
    pub const COOKIE: &'static str = "lang";
    /// How long the choice is kept: a year.
    pub const COOKIE_MAX_AGE_SECS: i64 = 365 * 24 * 60 * 60;

    /// The language a request is answered in: the first that applies of
    /// the `lang` cookie, the signed-in account's language and
    /// `Accept-Language`; English otherwise.
    pub fn negotiate(cookie: Option<&str>, account: Option<Self>, accept_language: Option<&str>) -> Self {
        cookie
            .and_then(Self::from_code)
            .or(account)
            .or_else(|| accept_language.and_then(Self::from_accept_language))
            .unwrap_or_default()
    }

    /// The language an `Accept-Language` header prefers most among those
    /// spoken here (`ko-KR;q=0.9, en;q=0.8` is Korean). Regional variants
    /// count as their language; `q=0` means "not this one"; among equal
    /// quality values the first listed wins. `None` when nothing listed is
    /// spoken here.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut best: Option<(Self, u16)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let primary = tag.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
            let Some(language) = Self::from_code(&primary) else {
                continue;
            };
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                .next()
                .map_or(Some(1000), parse_quality);
            let Some(quality) = quality.filter(|q| *q > 0) else {
                continue;
            };
            if best.is_none_or(|(_, q)| quality > q) {
                best = Some((language, quality));
            }
        }
        best.map(|(language, _)| language)
    }

    /// The generated translations for this language (`t!` uses it).
    pub fn locale(self) -> crate::i18n::Locale {
        self.0
    }

    /// This language's name in itself, for the language choice.
    pub fn native_name(self) -> &'static str {
        crate::t!(self, language.name)
    }

    /// The language of what is being done now: on the server, the
    /// request's (set once per request by the server's language layer); in
    /// the browser, the page's `<html lang>`. English elsewhere.
    pub fn current() -> Self {
        #[cfg(feature = "ssr")]
        {
            crate::ssr::language::current()
        }
        #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
        {
            web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element())
                .and_then(|html| html.get_attribute("lang"))
                .and_then(|code| Self::from_code(&code))
                .unwrap_or_default()
        }
        #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
        {
            Self::ENGLISH
        }
    }
}

/// A quality value in thousandths (`0.8` is 800); `None` when it is not one.
fn parse_quality(text: &str) -> Option<u16> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The translation of a key in a language: `t!(language, flash.logged_out)`,
/// or with values, `t!(language, sessions.seen, when = ago)`. A plain
/// text is a `&'static str`; one with values a `String`.
#[macro_export]
macro_rules! t {
    ($language:expr, $($key:tt)+) => {
        leptos_i18n::td_string!($crate::domain::Language::locale($language), $($key)+)
    };
}
