//! Times and browsers in words, for the sessions page and the security log.

use super::Language;
use crate::t;

/// A browser's `User-Agent` in words for the sessions page: "Firefox on
/// Linux", "Safari on iPhone" ("Linux의 Firefox" in Korean). Only the
/// common cases; anything else is named plainly rather than guessed.
pub fn describe_user_agent(user_agent: &str, language: Language) -> String {
    // Order matters: Edge and Opera also say "Chrome", Chrome also says
    // "Safari".
    const BROWSERS: &[(&str, &str)] = &[
        ("Edg", "Edge"),
        ("OPR/", "Opera"),
        ("SamsungBrowser", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("FxiOS", "Firefox"),
        ("CriOS", "Chrome"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ];
    const SYSTEMS: &[(&str, &str)] = &[
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("CrOS", "ChromeOS"),
        ("Macintosh", "macOS"),
        ("Linux", "Linux"),
    ];
    let find = |table: &[(&str, &'static str)]| {
        table
            .iter()
            .find(|(needle, _)| user_agent.contains(needle))
            .map(|(_, name)| *name)
    };
    match (find(BROWSERS), find(SYSTEMS)) {
        (Some(browser), Some(system)) => t!(language, devices.browser_on, browser = browser, system = system).to_string(),
        (Some(browser), None) => browser.to_owned(),
        (None, Some(system)) => t!(language, devices.a_browser_on, system = system).to_string(),
        (None, None) if user_agent.trim().is_empty() => t!(language, devices.unknown).to_owned(),
        (None, None) => t!(language, devices.other_program).to_owned(),
    }
}

/// How long ago something happened, for people: "just now", "5 minutes
/// ago", "3 hours ago", "2 days ago" ("방금", "5분 전" in Korean), by
/// the `timeago` crate. `seconds` is the age; a negative one (a clock a
/// little ahead) is "just now". Server only: no page in the browser shows
/// one it made itself.
#[cfg(feature = "ssr")]
pub fn time_ago(seconds: i64, language: Language) -> String {
    use timeago::{languages::IsolangLanguage, Formatter, TimeUnit};
    let age = std::time::Duration::from_secs(seconds.max(0).unsigned_abs());
    // timeago knows the words of some forty languages by their ISO 639-1
    // code; English for one it doesn't.
    let words = IsolangLanguage::from_639_1(language.code())
        .and_then(timeago::from_isolang)
        .unwrap_or_else(|| timeago::languages::boxup(timeago::English));
    Formatter::with_language(words)
        .min_unit(TimeUnit::Minutes)
        .max_unit(TimeUnit::Days)
        .too_low(t!(language, time.just_now))
        .convert(age)
}
