//! The contract's "Languages" over HTTP: which language a page is in (the
//! `lang` cookie, then the signed-in account's language, then
//! `Accept-Language` with its quality values, then English), `<html lang>`,
//! `POST /api/set_language` with and without JavaScript, `language` in
//! `/api/me`, the JSON `message` translated while its `code` and `field`
//! stay, times and browsers in words, and a check that no Korean page
//! shares a sentence with its English version. (Mail: `language_mail.rs`.)

use crate::helpers::{cookie_named, session_cookie, unique_email, TestApp, PASSWORD};
use reqwest::{
    header::{self, HeaderMap, HeaderName},
    StatusCode,
};
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

/// The public pages: (path, `<h1>` in English, in Korean). The last is a
/// page that does not exist.
const PUBLIC_PAGES: &[(&str, &str, &str)] = &[
    ("/", "Welcome to Gatehouse", "Gatehouse에 오신 것을 환영합니다"),
    ("/signup", "Create your account", "계정 만들기"),
    ("/login", "Log in", "로그인"),
    ("/reset-password", "Reset your password", "비밀번호 재설정"),
    ("/login/verify", "Two-step verification", "2단계 인증"),
    ("/no-such-page", "Page not found", "페이지를 찾을 수 없습니다"),
];

/// The pages for a signed-in account: (path, `<h1>` in English, in Korean).
const SIGNED_IN_PAGES: &[(&str, &str, &str)] = &[
    ("/profile", "Your profile", "내 프로필"),
    ("/sessions", "Where you're signed in", "로그인된 곳"),
    ("/security", "Security", "보안"),
    ("/reauthenticate", "Confirm it's you", "본인 확인"),
];

// ---------------------------------------------------------------------
// The words as the app's locale files have them.

/// The text of `key` (`errors.bad_credentials`) in `lang`'s locale file,
/// read from the checkout the test runs in.
fn locale(lang: &str, key: &str) -> String {
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    let path = format!("{root}/../app/locales/{lang}.json");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    key.split('.')
        .fold(&file, |value, part| &value[part])
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a text in {path}"))
        .to_owned()
}

fn has_hangul(text: &str) -> bool {
    text.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c) || ('\u{1100}'..='\u{11FF}').contains(&c) || ('\u{3130}'..='\u{318F}').contains(&c))
}

// ---------------------------------------------------------------------
// Requests.

/// A page load the way a browser asks, with these extra headers.
async fn load(app: &TestApp, path: &str, headers: &[(HeaderName, &str)]) -> Page {
    let mut req = app
        .client
        .get(app.url(path))
        .header(header::ACCEPT, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
    for (name, value) in headers {
        req = req.header(name.clone(), *value);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let html = res.text().await.unwrap();
    Page { path: path.to_owned(), status, headers, html }
}

/// A page that must be there (200, or 404 for the page that isn't).
async fn visit(app: &TestApp, path: &str, headers: &[(HeaderName, &str)]) -> Page {
    let page = load(app, path, headers).await;
    let expected = if path.starts_with("/no-such-page") { StatusCode::NOT_FOUND } else { StatusCode::OK };
    assert_eq!(page.status, expected, "{path} with {headers:?}");
    page
}

/// A form POST the way a script sends it (asking for JSON), with these
/// extra headers.
async fn post(app: &TestApp, path: &str, form: &[(&str, &str)], headers: &[(HeaderName, &str)]) -> reqwest::Response {
    let mut req = app.client.post(app.url(path)).header(header::ACCEPT, "application/json").form(form);
    for (name, value) in headers {
        req = req.header(name.clone(), *value);
    }
    req.send().await.unwrap()
}

/// A form POST the way a browser without JavaScript sends it from the page
/// at `from` (same origin), with these extra headers.
async fn form_post(
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
    from: &str,
    headers: &[(HeaderName, &str)],
) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url(path))
        .header(header::ACCEPT, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        .header(header::ORIGIN, app.base.as_str())
        .header(header::REFERER, app.url(from))
        .form(form);
    for (name, value) in headers {
        req = req.header(name.clone(), *value);
    }
    req.send().await.unwrap()
}

/// Signs a new account up with these headers (its `Accept-Language`, its
/// browser); (email, session cookie).
async fn sign_up_with(app: &TestApp, headers: &[(HeaderName, &str)]) -> (String, String) {
    let email = unique_email();
    let res = post(app, "/api/signup", &[("email", &email), ("password", PASSWORD)], headers).await;
    assert!(res.status().is_success(), "signup: {}", res.status());
    let cookie = session_cookie(&res).expect("signup sets a session cookie");
    (email, cookie)
}

/// Logs `email` in from a fresh browser with these headers; the cookie.
async fn log_in_with(app: &TestApp, email: &str, headers: &[(HeaderName, &str)]) -> String {
    let res = post(app, "/api/login", &[("email", email), ("password", PASSWORD)], headers).await;
    assert_eq!(res.status(), StatusCode::OK, "login");
    session_cookie(&res).expect("login sets a session cookie")
}

async fn me(app: &TestApp, cookie: &str) -> Value {
    let res = app.get("/api/me", Some(cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn json_of(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    let text = res.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (status, body)
}

/// Every `Set-Cookie` header for the cookie `name`.
fn set_cookies_named(headers: &HeaderMap, name: &str) -> Vec<String> {
    let prefix = format!("{name}=");
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.starts_with(&prefix))
        .map(str::to_owned)
        .collect()
}

/// A `Set-Cookie` header as the set of its parts (`lang=ko`, `Path=/`, …).
fn cookie_parts(set_cookie: &str) -> BTreeSet<String> {
    set_cookie.split(';').map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect()
}

fn expected_lang_cookie(code: &str) -> BTreeSet<String> {
    [format!("lang={code}"), "Max-Age=31536000".into(), "Path=/".into(), "SameSite=Lax".into(), "HttpOnly".into()]
        .into_iter()
        .collect()
}

// ---------------------------------------------------------------------
// Reading HTML (no parser among the dependencies; the pages are the app's
// own well-formed output).

#[derive(Debug)]
enum Token {
    Open { name: String, attrs: Vec<(String, String)> },
    Close(String),
    Text(String),
}

const VOID: &[&str] = &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"];

fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The page as tags and text nodes; comments and the doctype dropped (each
/// ends a text node), the insides of `<script>` and `<style>` dropped.
fn tokens(html: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    let bytes = html.as_bytes();
    while i < html.len() {
        if bytes[i] != b'<' {
            let end = html[i..].find('<').map_or(html.len(), |e| i + e);
            out.push(Token::Text(decode_entities(&html[i..end])));
            i = end;
            continue;
        }
        let rest = &html[i..];
        if rest.starts_with("<!--") {
            i += rest.find("-->").map_or(rest.len(), |e| e + 3);
        } else if rest.starts_with("<!") || rest.starts_with("<?") {
            i += rest.find('>').map_or(rest.len(), |e| e + 1);
        } else if let Some(close) = rest.strip_prefix("</") {
            let end = close.find('>').unwrap_or(close.len());
            out.push(Token::Close(close[..end].trim().to_ascii_lowercase()));
            i += 2 + end + 1;
        } else if rest[1..].starts_with(|c: char| c.is_ascii_alphabetic()) {
            // A start tag: its name, then attributes (values quoted or not).
            let mut j = i + 1;
            while j < html.len() && !matches!(bytes[j], b' ' | b'\t' | b'\n' | b'\r' | b'>' | b'/') {
                j += 1;
            }
            let name = html[i + 1..j].to_ascii_lowercase();
            let mut attrs = Vec::new();
            loop {
                while j < html.len() && matches!(bytes[j], b' ' | b'\t' | b'\n' | b'\r' | b'/') {
                    j += 1;
                }
                if j >= html.len() || bytes[j] == b'>' {
                    j += 1;
                    break;
                }
                let start = j;
                while j < html.len() && !matches!(bytes[j], b' ' | b'\t' | b'\n' | b'\r' | b'>' | b'=' | b'/') {
                    j += 1;
                }
                let attr = html[start..j].to_ascii_lowercase();
                let mut value = String::new();
                if j < html.len() && bytes[j] == b'=' {
                    j += 1;
                    if j < html.len() && (bytes[j] == b'"' || bytes[j] == b'\'') {
                        let quote = bytes[j] as char;
                        let end = html[j + 1..].find(quote).map_or(html.len(), |e| j + 1 + e);
                        value = decode_entities(&html[j + 1..end]);
                        j = end + 1;
                    } else {
                        let start = j;
                        while j < html.len() && !matches!(bytes[j], b' ' | b'\t' | b'\n' | b'\r' | b'>') {
                            j += 1;
                        }
                        value = decode_entities(&html[start..j]);
                    }
                }
                attrs.push((attr, value));
            }
            i = j.min(html.len());
            let raw = name == "script" || name == "style";
            out.push(Token::Open { name: name.clone(), attrs });
            if raw {
                let closing = format!("</{name}");
                let end = html[i..].find(&closing).map_or(html.len(), |e| i + e);
                i = end;
            }
        } else {
            out.push(Token::Text("<".into()));
            i += 1;
        }
    }
    out
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The attributes whose text a person reads (or hears).
const READ_ATTRIBUTES: &[&str] = &["aria-label", "placeholder", "title", "alt", "data-busy"];

struct Page {
    path: String,
    status: StatusCode,
    headers: HeaderMap,
    html: String,
}

impl Page {
    /// `<html lang>`.
    fn lang(&self) -> String {
        tokens(&self.html)
            .into_iter()
            .find_map(|t| match t {
                Token::Open { name, attrs } if name == "html" => Some(attr(&attrs, "lang").unwrap_or("").to_owned()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{}: no <html>: {}", self.path, self.html))
    }

    /// The text inside the first element `tag`.
    fn text_of(&self, tag: &str) -> String {
        let mut inside = 0;
        let mut text = String::new();
        for token in tokens(&self.html) {
            match token {
                Token::Open { name, .. } if name == tag => inside += 1,
                Token::Close(name) if name == tag && inside > 0 => {
                    inside -= 1;
                    if inside == 0 {
                        return collapse(&text);
                    }
                }
                Token::Text(t) if inside > 0 => text.push_str(&t),
                _ => {}
            }
        }
        panic!("{}: no <{tag}>: {}", self.path, self.html)
    }

    fn h1(&self) -> String {
        self.text_of("h1")
    }

    fn title(&self) -> String {
        self.text_of("title")
    }

    /// The footer's language choice: (the button's `value`, its `lang`,
    /// its text, `aria-pressed`), and the form's action and method.
    fn language_choice(&self) -> (String, String, Vec<(String, String, String, String)>) {
        let tokens = tokens(&self.html);
        let (mut action, mut method) = (String::new(), String::new());
        let mut buttons = Vec::new();
        let mut in_form = false;
        let mut button: Option<(String, String, String, String)> = None;
        for token in tokens {
            match token {
                Token::Open { name, attrs } if name == "form" => {
                    in_form = attr(&attrs, "action") == Some("/api/set_language");
                    if in_form {
                        action = attr(&attrs, "action").unwrap_or("").to_owned();
                        method = attr(&attrs, "method").unwrap_or("").to_owned();
                    }
                }
                Token::Close(name) if name == "form" => in_form = false,
                Token::Open { name, attrs } if name == "button" && in_form => {
                    let get = |n| attr(&attrs, n).unwrap_or("").to_owned();
                    assert_eq!(get("name"), "lang", "{}: {attrs:?}", self.path);
                    button = Some((get("value"), get("lang"), String::new(), get("aria-pressed")));
                }
                Token::Text(t) => {
                    if let Some(b) = button.as_mut() {
                        b.2.push_str(&t);
                    }
                }
                Token::Close(name) if name == "button" => {
                    if let Some(mut b) = button.take() {
                        b.2 = collapse(&b.2);
                        buttons.push(b);
                    }
                }
                _ => {}
            }
        }
        (action, method, buttons)
    }

    /// What a person reads on the page, as sentences: the text nodes and
    /// the attributes read out (`aria-label`, …), without scripts and
    /// styles, without what an element with its own `lang` holds (the
    /// language buttons: each in its own language) and without `hide`
    /// (the signed-in email address), split after `.`, `!`, `?`, `:`, `·`.
    fn sentences(&self, hide: &[&str]) -> Vec<String> {
        let mut raw = Vec::new();
        let mut skipping: Option<(String, usize)> = None;
        for token in tokens(&self.html) {
            match token {
                Token::Open { name, attrs } => {
                    if let Some((skip, depth)) = skipping.as_mut() {
                        if *skip == name && !VOID.contains(&name.as_str()) {
                            *depth += 1;
                        }
                        continue;
                    }
                    if name != "html" && attr(&attrs, "lang").is_some() {
                        if !VOID.contains(&name.as_str()) {
                            skipping = Some((name, 1));
                        }
                        continue;
                    }
                    for (attr, value) in &attrs {
                        if READ_ATTRIBUTES.contains(&attr.as_str()) {
                            raw.push(value.clone());
                        }
                    }
                }
                Token::Close(name) => {
                    if let Some((skip, depth)) = skipping.as_mut() {
                        if *skip == name {
                            *depth -= 1;
                            if *depth == 0 {
                                skipping = None;
                            }
                        }
                    }
                }
                Token::Text(text) => {
                    if skipping.is_none() {
                        raw.push(text);
                    }
                }
            }
        }
        let mut out = Vec::new();
        for mut text in raw {
            for hidden in hide {
                text = text.replace(hidden, " ");
            }
            let mut sentence = String::new();
            let mut chars = text.chars().peekable();
            while let Some(c) = chars.next() {
                sentence.push(c);
                let ends = matches!(c, '.' | '!' | '?' | ':' | '·' | '。')
                    && chars.peek().is_none_or(|n| n.is_whitespace());
                if ends {
                    out.push(collapse(&sentence));
                    sentence.clear();
                }
            }
            out.push(collapse(&sentence));
        }
        out.retain(|s| !s.is_empty());
        out
    }
}

/// A sentence worth comparing: at least two words with letters in them.
fn meaningful(sentence: &str) -> bool {
    sentence.split_whitespace().filter(|w| w.chars().any(char::is_alphabetic)).count() >= 2
}

/// At least two words of Latin letters and no Hangul: English text.
fn looks_english(sentence: &str) -> bool {
    !has_hangul(sentence)
        && sentence
            .split_whitespace()
            .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
            .count()
            >= 2
}

/// Sentences that may be the same in both languages, or English on a
/// Korean page: names, not words. Empty so far; a sentence goes here
/// only when a person reading Korean would rightly see it as it is.
const SAME_IN_BOTH: &[&str] = &[];

fn assert_page_in(page: &Page, lang: &str, h1: &str) {
    assert_eq!(page.lang(), lang, "{}: <html lang>", page.path);
    assert_eq!(page.h1(), h1, "{}: <h1> in {lang}", page.path);
    assert!(page.title().ends_with("Gatehouse"), "{}: {}", page.path, page.title());
    if lang == "ko" {
        assert!(has_hangul(&page.title()) || page.path == "/", "{}: title {:?}", page.path, page.title());
    }
    // The footer's choice is on every page, each language named in itself
    // and marked with its `lang`, the current one pressed.
    let (action, method, buttons) = page.language_choice();
    assert_eq!((action.as_str(), method.as_str()), ("/api/set_language", "post"), "{}", page.path);
    let pressed = |code: &str| if code == lang { "true" } else { "false" };
    assert_eq!(
        buttons,
        vec![
            ("en".to_owned(), "en".to_owned(), "English".to_owned(), pressed("en").to_owned()),
            ("ko".to_owned(), "ko".to_owned(), "한국어".to_owned(), pressed("ko").to_owned()),
        ],
        "{}: the language buttons",
        page.path
    );
    let label = if lang == "ko" { "언어:" } else { "Language:" };
    assert!(page.sentences(&[]).iter().any(|s| s == label), "{}: no {label:?} in the footer", page.path);
    // The same address answers in different languages, and says so once.
    let vary: Vec<String> = page
        .headers
        .get_all(header::VARY)
        .iter()
        .flat_map(|v| v.to_str().unwrap().split(',').map(|p| p.trim().to_ascii_lowercase()).collect::<Vec<_>>())
        .collect();
    assert_eq!(vary.iter().filter(|v| *v == "accept-language").count(), 1, "{}: Vary {vary:?}", page.path);
}

// ---------------------------------------------------------------------
// 1. Public pages: Accept-Language, quality values, the cookie.

#[tokio::test]
async fn public_pages_speak_the_browsers_language_and_the_cookie_wins() {
    let app = TestApp::spawn().await;
    for &(path, en, ko) in PUBLIC_PAGES {
        let korean = visit(&app, path, &[(header::ACCEPT_LANGUAGE, "ko")]).await;
        assert_page_in(&korean, "ko", ko);
        let english = visit(&app, path, &[(header::ACCEPT_LANGUAGE, "en")]).await;
        assert_page_in(&english, "en", en);
        let nothing = visit(&app, path, &[]).await;
        assert_page_in(&nothing, "en", en);
        // The cookie beats the browser's header, both ways.
        let chosen = visit(&app, path, &[(header::ACCEPT_LANGUAGE, "ko"), (header::COOKIE, "lang=en")]).await;
        assert_page_in(&chosen, "en", en);
        let chosen = visit(&app, path, &[(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9"), (header::COOKIE, "lang=ko")]).await;
        assert_page_in(&chosen, "ko", ko);
        // A cookie naming no language we speak is no choice.
        let odd = visit(&app, path, &[(header::ACCEPT_LANGUAGE, "ko"), (header::COOKIE, "lang=fr")]).await;
        assert_page_in(&odd, "ko", ko);
        // No page load sets the cookie: only a choice does.
        assert!(set_cookies_named(&korean.headers, "lang").is_empty(), "{path} set lang");
    }
    // The reauthentication page needs a session; an account that signed
    // up in Korean reads it in Korean, unless the cookie says English.
    let (_, cookie) = sign_up_with(&app, &[(header::ACCEPT_LANGUAGE, "ko")]).await;
    let korean = visit(&app, "/reauthenticate", &[(header::COOKIE, &cookie)]).await;
    assert_page_in(&korean, "ko", "본인 확인");
    let english = visit(&app, "/reauthenticate", &[(header::COOKIE, &format!("{cookie}; lang=en"))]).await;
    assert_page_in(&english, "en", "Confirm it's you");
}

#[tokio::test]
async fn accept_language_quality_values_are_honoured() {
    let app = TestApp::spawn().await;
    let cases = [
        ("ko", "ko"),
        ("ko-KR", "ko"),
        ("KO-kr", "ko"),
        ("en;q=0.5, ko;q=0.9", "ko"),
        ("ko;q=0.9, en;q=0.5", "ko"),
        ("ko;q=0, en", "en"),
        ("ko;q=0.0, en;q=0.1", "en"),
        ("en;q=0.8, ko;q=0.000", "en"),
        ("fr, de", "en"),
        ("fr, de;q=0.9, ko;q=0.1", "ko"),
        ("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", "ko"),
        ("en-US,en;q=0.9,ko;q=0.8", "en"),
        ("en-GB;q=0.9, ko-KR;q=0.95", "ko"),
        // Equal quality: the first listed wins.
        ("ko;q=0.5, en;q=0.5", "ko"),
        ("en;q=0.5, ko;q=0.5", "en"),
        ("ko, en", "ko"),
        ("*", "en"),
        ("", "en"),
    ];
    for (header_value, expected) in cases {
        let page = visit(&app, "/login", &[(header::ACCEPT_LANGUAGE, header_value)]).await;
        let h1 = if expected == "ko" { "로그인" } else { "Log in" };
        assert_eq!(page.lang(), expected, "Accept-Language: {header_value:?}");
        assert_eq!(page.h1(), h1, "Accept-Language: {header_value:?}");
    }
    // Nonsense is no reason to fail: the page comes, in one of the two.
    for nonsense in ["ko;q=", "ko;q=2", ";;;,,,", "ko;q=abc, en;q=x", "-", "ko-;q=0.5;q=0.9"] {
        let page = visit(&app, "/login", &[(header::ACCEPT_LANGUAGE, nonsense)]).await;
        assert!(["en", "ko"].contains(&page.lang().as_str()), "{nonsense:?}: {}", page.lang());
    }
}

// ---------------------------------------------------------------------
// 2. Signed-in pages: the account's language.

#[tokio::test]
async fn signed_in_pages_speak_the_accounts_language() {
    let app = TestApp::spawn().await;
    let (email, cookie) = sign_up_with(&app, &[(header::ACCEPT_LANGUAGE, "ko-KR,ko;q=0.9")]).await;
    assert_eq!(me(&app, &cookie).await["language"], "ko");
    // The same browser, saying nothing of its language: Korean.
    for &(path, _, ko) in SIGNED_IN_PAGES.iter().chain(&[("/", "", "Gatehouse에 오신 것을 환영합니다")]) {
        let page = visit(&app, path, &[(header::COOKIE, &cookie)]).await;
        assert_page_in(&page, "ko", ko);
    }
    // A new sign-in from a browser that says nothing: the account's language.
    let fresh = log_in_with(&app, &email, &[]).await;
    for &(path, _, ko) in SIGNED_IN_PAGES {
        let page = visit(&app, path, &[(header::COOKIE, &fresh)]).await;
        assert_page_in(&page, "ko", ko);
    }
    // The account's language beats the browser's header…
    for &(path, _, ko) in SIGNED_IN_PAGES {
        let page = visit(&app, path, &[(header::COOKIE, &fresh), (header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")]).await;
        assert_page_in(&page, "ko", ko);
    }
    // …and the cookie beats the account.
    for &(path, en, _) in SIGNED_IN_PAGES {
        let both = format!("{fresh}; lang=en");
        let page = visit(&app, path, &[(header::COOKIE, &both), (header::ACCEPT_LANGUAGE, "ko")]).await;
        assert_page_in(&page, "en", en);
    }
    // Signed out again, the browser's header counts.
    let res = app.post("/api/logout", &[], Some(&fresh)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = visit(&app, "/login", &[(header::COOKIE, &fresh)]).await;
    assert_page_in(&page, "en", "Log in");
}

#[tokio::test]
async fn an_account_made_in_english_stays_english_whatever_the_header() {
    let app = TestApp::spawn().await;
    let (email, cookie) = sign_up_with(&app, &[(header::ACCEPT_LANGUAGE, "fr, en;q=0.5")]).await;
    assert_eq!(me(&app, &cookie).await["language"], "en");
    let (_, korean) = sign_up_with(&app, &[(header::ACCEPT_LANGUAGE, "ko")]).await;
    assert_eq!(me(&app, &korean).await["language"], "ko");
    // Signed in, the account's language comes before Accept-Language.
    let fresh = log_in_with(&app, &email, &[(header::ACCEPT_LANGUAGE, "ko")]).await;
    for &(path, en, _) in SIGNED_IN_PAGES {
        let page = visit(&app, path, &[(header::COOKIE, &fresh), (header::ACCEPT_LANGUAGE, "ko")]).await;
        assert_page_in(&page, "en", en);
    }
    // Logging in from a Korean browser does not change the account.
    assert_eq!(me(&app, &fresh).await["language"], "en");
    // The cookie still wins.
    let page = visit(&app, "/profile", &[(header::COOKIE, &format!("{fresh}; lang=ko"))]).await;
    assert_page_in(&page, "ko", "내 프로필");
}

// ---------------------------------------------------------------------
// 3. set_language.

#[tokio::test]
async fn set_language_from_a_script_sets_the_cookie_for_a_year() {
    let app = TestApp::spawn().await;
    for (accept, code) in [("application/json", "ko"), ("*/*", "en"), ("application/json", "en"), ("*/*", "ko")] {
        let res = app
            .client
            .post(app.url("/api/set_language"))
            .header(header::ACCEPT, accept)
            .form(&[("lang", code)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{accept} {code}");
        let set = set_cookies_named(res.headers(), "lang");
        assert_eq!(set.len(), 1, "{set:?}");
        assert_eq!(cookie_parts(&set[0]), expected_lang_cookie(code), "{}", set[0]);
        // No session is made for a choice of language.
        assert!(session_cookie(&res).is_none(), "a session for a language choice");
        let cookie = cookie_named(&res, "lang").unwrap();
        let (path, en, ko) = PUBLIC_PAGES[1];
        let page = visit(&app, path, &[(header::COOKIE, &cookie), (header::ACCEPT_LANGUAGE, "fr")]).await;
        assert_page_in(&page, code, if code == "ko" { ko } else { en });
    }
    assert_eq!(app.stored_sessions().await.len(), 0);
}

#[tokio::test]
async fn set_language_refuses_other_values_and_sets_nothing() {
    let app = TestApp::spawn().await;
    let (_, session) = app.signed_up().await;
    let values = ["fr", "", "kor", "english", "ko-KR", "en;ko", "한국어"];
    // Signed out, the message is in the browser's language; signed in to
    // an English account, in English whatever the browser says.
    let cases = [(None, "en", "en"), (None, "ko", "ko"), (Some(session.as_str()), "ko", "en")];
    for value in values {
        for (cookie, accept_language, lang) in cases {
            let mut headers = vec![(header::ACCEPT_LANGUAGE, accept_language)];
            headers.extend(cookie.map(|c| (header::COOKIE, c)));
            let res = post(&app, "/api/set_language", &[("lang", value)], &headers).await;
            assert!(set_cookies_named(res.headers(), "lang").is_empty(), "{value:?} set the cookie");
            let (status, body) = json_of(res).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{value:?}: {body}");
            assert_eq!(body["code"], "invalid", "{value:?}: {body}");
            assert_eq!(body["field"], "lang", "{value:?}: {body}");
            let message = body["message"].as_str().unwrap();
            assert_eq!(message, locale(lang, "errors.no_such_language"), "{value:?} {cookie:?} {accept_language}");
        }
    }
    // A missing field is as wrong.
    let (status, body) = json_of(post(&app, "/api/set_language", &[], &[]).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // The account is as it was.
    assert_eq!(me(&app, &session).await["language"], "en");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users WHERE language = 'en'").await, 1);
}

#[tokio::test]
async fn set_language_signed_in_is_kept_on_the_account() {
    let app = TestApp::spawn().await;
    let (email, cookie) = sign_up_with(&app, &[]).await;
    assert_eq!(me(&app, &cookie).await["language"], "en");
    let res = post(&app, "/api/set_language", &[("lang", "ko")], &[(header::COOKIE, &cookie)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let set = set_cookies_named(res.headers(), "lang");
    assert_eq!(set.len(), 1, "{set:?}");
    assert_eq!(cookie_parts(&set[0]), expected_lang_cookie("ko"));
    // Still signed in, with the same session; the account says Korean.
    let body = me(&app, &cookie).await;
    assert_eq!(body["language"], "ko", "{body}");
    assert_eq!(body["email"], email.as_str());
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users WHERE language = 'ko'").await, 1);
    // This browser, even without the cookie, reads Korean now…
    let page = visit(&app, "/profile", &[(header::COOKIE, &cookie)]).await;
    assert_page_in(&page, "ko", "내 프로필");
    // …and so does a new sign-in from a browser that says nothing.
    let fresh = log_in_with(&app, &email, &[]).await;
    assert_eq!(me(&app, &fresh).await["language"], "ko");
    let page = visit(&app, "/sessions", &[(header::COOKIE, &fresh)]).await;
    assert_page_in(&page, "ko", "로그인된 곳");
    // And back.
    let res = post(&app, "/api/set_language", &[("lang", "en")], &[(header::COOKIE, &fresh)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(me(&app, &fresh).await["language"], "en");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users WHERE language = 'ko'").await, 0);
}

/// The account's language is the account's: a browser signed in before the
/// change, with no `lang` cookie of its own, follows it too.
#[tokio::test]
async fn another_signed_in_browser_follows_the_accounts_new_language() {
    let app = TestApp::spawn().await;
    let (email, first) = sign_up_with(&app, &[]).await;
    let second = log_in_with(&app, &email, &[]).await;
    let res = post(&app, "/api/set_language", &[("lang", "ko")], &[(header::COOKIE, &first)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(me(&app, &second).await["language"], "ko", "/api/me of the other browser");
    let page = visit(&app, "/profile", &[(header::COOKIE, &second)]).await;
    assert_page_in(&page, "ko", "내 프로필");
}

/// Whether a redirect's `Location` is the page `path` (absolute or not).
/// server_fn's form redirect leaves an empty query (`/signup?`) on a
/// Referer that had none: the same page.
fn same_page(app: &TestApp, location: &str, path: &str) -> bool {
    let location = location.strip_prefix(&app.base).unwrap_or(location);
    location == path || (!path.contains('?') && location.strip_suffix('?') == Some(path))
}

#[tokio::test]
async fn set_language_without_javascript_lands_back_on_the_page() {
    let app = TestApp::spawn().await;
    for (from, lang, h1) in [
        ("/signup", "ko", "계정 만들기"),
        ("/login?next=%2Fsessions", "ko", "로그인"),
        ("/signup", "en", "Create your account"),
        ("/no-such-page", "ko", "페이지를 찾을 수 없습니다"),
    ] {
        let res = form_post(&app, "/api/set_language", &[("lang", lang)], from, &[(header::ACCEPT_LANGUAGE, "fr")]).await;
        assert!(
            matches!(res.status(), StatusCode::FOUND | StatusCode::SEE_OTHER),
            "{from}: {}",
            res.status()
        );
        let location = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
        assert!(same_page(&app, &location, from), "{from}: back to {location}");
        let set = set_cookies_named(res.headers(), "lang");
        assert_eq!(set.len(), 1, "{set:?}");
        assert_eq!(cookie_parts(&set[0]), expected_lang_cookie(lang));
        // Following it, as the browser does, with the cookie it was given.
        let cookie = cookie_named(&res, "lang").unwrap();
        let path = location.strip_prefix(&app.base).unwrap_or(&location).to_owned();
        let page = visit(&app, &path, &[(header::COOKIE, &cookie), (header::ACCEPT_LANGUAGE, "fr")]).await;
        assert_page_in(&page, lang, h1);
    }
    // Signed in: the same, and the account keeps it.
    let (_, session) = sign_up_with(&app, &[]).await;
    let res = form_post(&app, "/api/set_language", &[("lang", "ko")], "/security", &[(header::COOKIE, &session)]).await;
    assert!(matches!(res.status(), StatusCode::FOUND | StatusCode::SEE_OTHER), "{}", res.status());
    let location = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(same_page(&app, &location, "/security"), "{location}");
    let lang = cookie_named(&res, "lang").expect("the cookie");
    assert_eq!(lang, "lang=ko");
    assert_eq!(me(&app, &session).await["language"], "ko");
    let page = visit(&app, "/security", &[(header::COOKIE, &format!("{session}; {lang}"))]).await;
    assert_page_in(&page, "ko", "보안");
    // A bad value from a form lands back on the page too, and sets nothing.
    let res = form_post(&app, "/api/set_language", &[("lang", "fr")], "/signup", &[]).await;
    assert!(res.status().is_redirection(), "{}", res.status());
    assert!(set_cookies_named(res.headers(), "lang").is_empty());
    // Another site can't choose for the browser.
    let res = app
        .client
        .post(app.url("/api/set_language"))
        .header(header::ACCEPT, "text/html")
        .header(header::ORIGIN, "https://elsewhere.example")
        .header("sec-fetch-site", "cross-site")
        .form(&[("lang", "ko")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(set_cookies_named(res.headers(), "lang").is_empty());
}

// ---------------------------------------------------------------------
// 4. JSON errors: the message translated, the code and field as they are.

#[tokio::test]
async fn json_error_messages_are_translated_but_codes_and_fields_are_not() {
    let app = TestApp::spawn().await;
    let (email, _) = app.signed_up().await;
    let wrong = [("email", email.as_str()), ("password", "not the password")];
    let short = [("email", "someone@example.com"), ("password", "short")];
    let bad_email = [("email", "not-an-email"), ("password", PASSWORD)];
    // (call, form, status, code, field, key of the message)
    let cases: [(&str, &[(&str, &str)], StatusCode, &str, Value, &str); 3] = [
        ("/api/login", &wrong, StatusCode::UNAUTHORIZED, "bad_credentials", Value::Null, "errors.bad_credentials"),
        ("/api/signup", &short, StatusCode::UNPROCESSABLE_ENTITY, "invalid", "password".into(), "invalid.password_short"),
        ("/api/signup", &bad_email, StatusCode::UNPROCESSABLE_ENTITY, "invalid", "email".into(), "invalid.email_shape"),
    ];
    for (path, form, status, code, field, key) in cases {
        let mut messages = Vec::new();
        for (header_value, lang) in [("ko", "ko"), ("ko-KR,ko;q=0.9,en;q=0.8", "ko"), ("en", "en"), ("fr", "en")] {
            let res = post(&app, path, form, &[(header::ACCEPT_LANGUAGE, header_value)]).await;
            assert!(session_cookie(&res).is_none());
            let (got, body) = json_of(res).await;
            assert_eq!(got, status, "{path} in {header_value}: {body}");
            assert_eq!(body["code"], code, "{path} in {header_value}: {body}");
            assert_eq!(body.get("field").cloned().unwrap_or(Value::Null), field, "{path} in {header_value}: {body}");
            let message = body["message"].as_str().unwrap().to_owned();
            assert_eq!(message, locale(lang, key), "{path} in {header_value}");
            assert_eq!(has_hangul(&message), lang == "ko", "{message}");
            messages.push(message);
        }
        assert_ne!(messages[0], messages[2], "{path}: the same message in both");
    }
    // The `lang` cookie chooses for a call as for a page.
    let (_, body) = json_of(post(&app, "/api/login", &wrong, &[(header::COOKIE, "lang=ko"), (header::ACCEPT_LANGUAGE, "en")]).await).await;
    assert_eq!(body["message"], locale("ko", "errors.bad_credentials").as_str(), "{body}");
    // Errors answered before the session is read speak it too: a call
    // without a session, a cross-site post.
    for (lang, header_value) in [("ko", "ko"), ("en", "en")] {
        let res = app
            .client
            .get(app.url("/api/me"))
            .header(header::ACCEPT, "application/json")
            .header(header::ACCEPT_LANGUAGE, header_value)
            .send()
            .await
            .unwrap();
        let (status, body) = json_of(res).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["code"], "unauthorized", "{body}");
        assert_eq!(body["message"], locale(lang, "errors.unauthorized").as_str(), "{body}");
        let res = app
            .client
            .post(app.url("/api/login"))
            .header(header::ACCEPT, "application/json")
            .header(header::ACCEPT_LANGUAGE, header_value)
            .header(header::ORIGIN, "https://elsewhere.example")
            .form(&wrong)
            .send()
            .await
            .unwrap();
        let (status, body) = json_of(res).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["code"], "forbidden", "{body}");
        assert_eq!(body["message"], locale(lang, "errors.cross_site").as_str(), "{body}");
    }
}

#[tokio::test]
async fn a_signed_in_accounts_errors_are_in_its_language() {
    let app = TestApp::spawn().await;
    let (_, cookie) = sign_up_with(&app, &[(header::ACCEPT_LANGUAGE, "ko")]).await;
    // A browser that says English, signed in to a Korean account.
    let res = post(
        &app,
        "/api/reauthenticate",
        &[("password", "not my password")],
        &[(header::COOKIE, &cookie), (header::ACCEPT_LANGUAGE, "en")],
    )
    .await;
    let (status, body) = json_of(res).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(has_hangul(message), "{body}");
    let english = post(
        &app,
        "/api/reauthenticate",
        &[("password", "not my password")],
        &[(header::COOKIE, &format!("{cookie}; lang=en"))],
    )
    .await;
    let (status, english) = json_of(english).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{english}");
    assert_eq!(english["code"], body["code"]);
    assert_eq!(english.get("field"), body.get("field"));
    assert!(!has_hangul(english["message"].as_str().unwrap()), "{english}");
}

/// Without JavaScript an error comes back beside its field after a
/// redirect, and a message rides a redirect to the next page: both in
/// the page's language.
#[tokio::test]
async fn errors_beside_fields_and_messages_after_a_redirect_are_translated() {
    let app = TestApp::spawn().await;
    let (email, _) = app.signed_up().await;
    for (lang, h1) in [("ko", "로그인"), ("en", "Log in")] {
        let cookie = format!("lang={lang}");
        let res = form_post(
            &app,
            "/api/login",
            &[("email", &email), ("password", "not the password")],
            "/login",
            &[(header::COOKIE, &cookie)],
        )
        .await;
        assert_eq!(res.status(), StatusCode::FOUND);
        let form_state = cookie_named(&res, "gatehouse_form").expect("the form's state");
        let page = visit(&app, "/login", &[(header::COOKIE, &format!("{cookie}; {form_state}"))]).await;
        assert_page_in(&page, lang, h1);
        let expected = locale(lang, "errors.bad_credentials");
        assert!(page.sentences(&[]).contains(&expected), "{lang}: no {expected:?} in {:?}", page.sentences(&[]));

        let res = form_post(
            &app,
            "/api/signup",
            &[("email", "someone@example.com"), ("password", "short")],
            "/signup",
            &[(header::COOKIE, &cookie)],
        )
        .await;
        assert_eq!(res.status(), StatusCode::FOUND);
        let form_state = cookie_named(&res, "gatehouse_form").expect("the form's state");
        let page = visit(&app, "/signup", &[(header::COOKIE, &format!("{cookie}; {form_state}"))]).await;
        let expected = locale(lang, "invalid.password_short");
        assert!(page.html.contains("id=\"password-error\""), "{}", page.html);
        assert!(page.sentences(&[]).contains(&expected), "{lang}: no {expected:?} in {:?}", page.sentences(&[]));

        // Logging out leaves a message for the next page.
        let (_, session) = app.signed_up().await;
        let res = form_post(&app, "/api/logout", &[], "/profile", &[(header::COOKIE, &format!("{session}; {cookie}"))]).await;
        assert!(res.status().is_redirection(), "{}", res.status());
        let location = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
        let path = location.strip_prefix(&app.base).unwrap_or(&location).to_owned();
        let flash: Vec<String> = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter(|v| !v.contains("Max-Age=0"))
            .map(|v| v.split(';').next().unwrap().to_owned())
            .collect();
        let page = visit(&app, &path, &[(header::COOKIE, &format!("{}; {cookie}", flash.join("; ")))]).await;
        let expected = locale(lang, "flash.logged_out");
        assert!(page.sentences(&[]).contains(&expected), "{lang}: no {expected:?} in {:?}", page.sentences(&[]));
    }
}

// ---------------------------------------------------------------------
// 5. No Korean page shares a sentence with its English version.

/// The English and Korean versions of `path` (the language chosen by the
/// cookie, over `session` when there is one).
async fn both_versions(app: &TestApp, path: &str, session: Option<&str>) -> (Page, Page) {
    let cookie = |lang: &str| match session {
        Some(s) => format!("{s}; lang={lang}"),
        None => format!("lang={lang}"),
    };
    let en = visit(app, path, &[(header::COOKIE, &cookie("en"))]).await;
    let ko = visit(app, path, &[(header::COOKIE, &cookie("ko"))]).await;
    assert_eq!((en.lang().as_str(), ko.lang().as_str()), ("en", "ko"), "{path}");
    (en, ko)
}

/// What is wrong with the Korean version of a page: sentences it shares
/// with the English one, and English sentences in it; and Korean in the
/// English one.
fn untranslated(en: &Page, ko: &Page, hide: &[&str]) -> Vec<String> {
    let english: HashSet<String> = en.sentences(hide).into_iter().collect();
    let korean = ko.sentences(hide);
    let mut wrong = Vec::new();
    for sentence in &korean {
        if SAME_IN_BOTH.contains(&sentence.as_str()) || !meaningful(sentence) {
            continue;
        }
        if english.contains(sentence) {
            wrong.push(format!("{}: in both languages: {sentence:?}", ko.path));
        } else if looks_english(sentence) {
            wrong.push(format!("{}: English on the Korean page: {sentence:?}", ko.path));
        }
    }
    for sentence in en.sentences(hide) {
        if has_hangul(&sentence) {
            wrong.push(format!("{}: Korean on the English page: {sentence:?}", en.path));
        }
    }
    // The check itself must see the page: a Korean page with Korean
    // sentences, an English one with English sentences.
    assert!(korean.iter().any(|s| has_hangul(s) && meaningful(s)), "{}: {korean:?}", ko.path);
    assert!(english.iter().any(|s| looks_english(s)), "{}: {english:?}", en.path);
    wrong
}

#[tokio::test]
async fn no_korean_page_shares_a_sentence_with_its_english_version() {
    let app = TestApp::spawn().await;
    let mut wrong = Vec::new();
    let mut seen = 0;
    let public = PUBLIC_PAGES
        .iter()
        .map(|p| p.0)
        .chain(["/reset-password/not-a-real-token", "/confirm-email/not-a-real-token"]);
    for path in public {
        let (en, ko) = both_versions(&app, path, None).await;
        wrong.extend(untranslated(&en, &ko, &[]));
        seen += 1;
    }
    // Signed in, with something on every page: two sessions in named
    // browsers, a failed login in the log.
    let (email, session) = sign_up_with(&app, &[(header::USER_AGENT, FIREFOX)]).await;
    log_in_with(&app, &email, &[(header::USER_AGENT, IPHONE)]).await;
    let res = post(&app, "/api/login", &[("email", &email), ("password", "wrong password")], &[(header::USER_AGENT, IPHONE)]).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    for path in ["/", "/profile", "/sessions", "/security", "/reauthenticate", "/no-such-page"] {
        let (en, ko) = both_versions(&app, path, Some(&session)).await;
        assert!(en.html.contains(&email) && ko.html.contains(&email), "{path}: not signed in");
        wrong.extend(untranslated(&en, &ko, &[&email]));
        seen += 1;
    }
    assert_eq!(seen, 14);
    assert!(wrong.is_empty(), "untranslated text:\n{}", wrong.join("\n"));
}

/// The check above can fail: a Korean page with an English sentence left in
/// it is caught, and the language buttons and the email are not counted.
#[test]
fn the_untranslated_text_check_catches_a_sentence_left_in_english() {
    let wrap = |lang: &str, body: &str| Page {
        path: "/example".into(),
        status: StatusCode::OK,
        headers: HeaderMap::new(),
        html: format!(
            "<!DOCTYPE html><html lang=\"{lang}\"><head><title>T</title><style>p {{ color: red }}</style>\
             <script>var x = \"Some script words\";</script></head><body><!--hk-->{body}\
             <span class=\"who\">me@example.com</span><form><button name=\"lang\" lang=\"en\">English words</button>\
             <button name=\"lang\" lang=\"ko\">한국어</button></form></body></html>"
        ),
    };
    let en = wrap("en", "<h1>Your sessions</h1><p>Each session is a browser. End any you don&#x27;t know.</p><p>One more sentence here.</p><p>And another one.</p>");
    let good = wrap("ko", "<h1>내 세션</h1><p>세션은 브라우저입니다. 모르는 세션은 종료하세요.</p><p>문장 하나 더 있어요.</p>");
    assert_eq!(untranslated(&en, &good, &["me@example.com"]), Vec::<String>::new());
    let bad = wrap(
        "ko",
        "<h1>내 세션</h1><p>세션은 브라우저입니다. End any you don't know.</p><p>문장 하나 더 있어요.</p>\
         <button aria-label=\"Only an English label\">보기</button>",
    );
    let found = untranslated(&en, &bad, &["me@example.com"]);
    assert_eq!(
        found,
        vec![
            "/example: in both languages: \"End any you don't know.\"".to_owned(),
            "/example: English on the Korean page: \"Only an English label\"".to_owned(),
        ]
    );
    let leaked = wrap("en", "<h1>Your sessions</h1><p>Each session is a browser.</p><p>로그인된 곳 보기</p><p>One more sentence here.</p><p>And another one.</p>");
    assert_eq!(untranslated(&leaked, &good, &[]), vec!["/example: Korean on the English page: \"로그인된 곳 보기\"".to_owned()]);
}

// ---------------------------------------------------------------------
// 6. Times and browsers in words.

#[tokio::test]
async fn sessions_and_security_say_times_and_browsers_in_korean() {
    let app = TestApp::spawn().await;
    let (email, session) = sign_up_with(&app, &[(header::USER_AGENT, FIREFOX), (header::ACCEPT_LANGUAGE, "ko")]).await;
    let korean = visit(&app, "/sessions", &[(header::COOKIE, &session), (header::USER_AGENT, FIREFOX)]).await;
    assert_page_in(&korean, "ko", "로그인된 곳");
    let sentences = korean.sentences(&[&email]);
    let device = |s: &Vec<String>, d: &str| s.iter().filter(|x| *x == d).count();
    assert_eq!(device(&sentences, "Linux의 Firefox"), 1, "{sentences:?}");
    assert!(device(&sentences, "방금") >= 2, "signed in and last seen just now: {sentences:?}");
    assert!(!korean.html.contains("Firefox on Linux") && !korean.html.contains("just now"));
    let english = visit(&app, "/sessions", &[(header::COOKIE, &format!("{session}; lang=en"))]).await;
    let sentences = english.sentences(&[&email]);
    assert_eq!(device(&sentences, "Firefox on Linux"), 1, "{sentences:?}");
    assert!(device(&sentences, "just now") >= 2, "{sentences:?}");
    assert!(!english.html.contains("Linux의 Firefox") && !english.html.contains("방금"));

    // The security log: what happened, from which browser, how long ago.
    app.execute("UPDATE security_events SET at = at - 150").await;
    let korean = visit(&app, "/security", &[(header::COOKIE, &session)]).await;
    assert_page_in(&korean, "ko", "보안");
    let sentences = korean.sentences(&[&email]);
    for expected in ["계정 생성", "2분 전", "Linux의 Firefox"] {
        assert!(sentences.iter().any(|s| s == expected), "no {expected:?} in {sentences:?}");
    }
    let english = visit(&app, "/security", &[(header::COOKIE, &format!("{session}; lang=en"))]).await;
    let sentences = english.sentences(&[&email]);
    for expected in ["Account created", "2 minutes ago", "Firefox on Linux"] {
        assert!(sentences.iter().any(|s| s == expected), "no {expected:?} in {sentences:?}");
    }
}
