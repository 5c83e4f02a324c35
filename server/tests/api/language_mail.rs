//! Mail is written in the account's language: the one of the request that
//! signed it up, changed by `set_language` while signed in; never the
//! language of whichever request happens to queue it.

use crate::helpers::{
    smtp::{Received, SmtpServer},
    unique_email, TestApp, PASSWORD,
};
use reqwest::{header, StatusCode};
use std::time::{Duration, Instant};

/// An app that sends its mail to `smtp`; the client is 127.0.0.1, seen
/// through a trusted proxy so a test can name another network.
async fn mail_app(smtp: &SmtpServer) -> TestApp {
    let url = smtp.url();
    TestApp::spawn_with(move |c| {
        c.smtp = Some(app::ssr::mail::smtp::SmtpSettings::parse(&url).unwrap());
        c.mail_retry_max_secs = 1;
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await
}

/// A form POST asking for JSON, in a browser that prefers `accept_language`.
async fn post_in(app: &TestApp, path: &str, form: &[(&str, &str)], accept_language: &str) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header(header::ACCEPT, "application/json")
        .header(header::ACCEPT_LANGUAGE, accept_language)
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Signs `email` up from a browser that prefers `accept_language`; the
/// session cookie.
async fn sign_up_in(app: &TestApp, email: &str, accept_language: &str) -> String {
    let res = post_in(app, "/api/signup", &[("email", email), ("password", PASSWORD)], accept_language).await;
    assert!(res.status().is_success(), "signup: {}", res.status());
    crate::helpers::session_cookie(&res).expect("signup sets a session cookie")
}

/// Waits for the mail to `to` after the first `before`, and decodes its
/// subject (lettre sends a non-ASCII one as RFC 2047 encoded-words).
async fn mail_after(smtp: &SmtpServer, to: &str, before: usize) -> Received {
    let start = Instant::now();
    loop {
        let mut mails: Vec<Received> = smtp.received().into_iter().filter(|m| m.to == [to]).collect();
        if mails.len() > before {
            let mut mail = mails.swap_remove(before);
            mail.subject = decode_subject(&mail.subject);
            return mail;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no mail #{} to {to}", before + 1);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A header's RFC 2047 encoded-words (`=?utf-8?b?...?=`, `?q?` too)
/// decoded; whitespace between two encoded-words is dropped, as the RFC
/// says. A character may be split across words, so bytes are joined
/// before they are read as UTF-8.
fn decode_subject(raw: &str) -> String {
    use base64::Engine as _;
    let word = |w: &str| -> Option<Vec<u8>> {
        let inner = w.strip_prefix("=?")?.strip_suffix("?=")?;
        let mut parts = inner.splitn(3, '?');
        let (_charset, encoding, text) = (parts.next()?, parts.next()?, parts.next()?);
        match encoding {
            "b" | "B" => base64::engine::general_purpose::STANDARD.decode(text).ok(),
            "q" | "Q" => {
                let bytes = text.as_bytes();
                let mut out = Vec::new();
                let mut i = 0;
                while i < bytes.len() {
                    match bytes[i] {
                        b'_' => out.push(b' '),
                        b'=' if i + 3 <= bytes.len() => {
                            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).ok()?);
                            i += 2;
                        }
                        b => out.push(b),
                    }
                    i += 1;
                }
                Some(out)
            }
            _ => None,
        }
    };
    let mut out = Vec::new();
    let mut last_encoded = false;
    for (i, w) in raw.split_whitespace().enumerate() {
        match word(w) {
            Some(bytes) => {
                if i > 0 && !last_encoded {
                    out.push(b' ');
                }
                out.extend(bytes);
                last_encoded = true;
            }
            None => {
                if i > 0 {
                    out.push(b' ');
                }
                out.extend(w.as_bytes());
                last_encoded = false;
            }
        }
    }
    String::from_utf8(out).expect("a UTF-8 subject")
}

fn has_hangul(text: &str) -> bool {
    text.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}

/// The base every link must start with (the harness leaves
/// `APP_BASE_URL` unset).
fn app_base(app: &TestApp) -> String {
    let port = app.base.rsplit(':').next().unwrap();
    format!("http://localhost:{port}")
}

/// A link starting with `prefix` alone on its line in the text, and the
/// same as the HTML's `href`.
fn assert_link_in_both(mail: &Received, prefix: &str) {
    let line = mail
        .text
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix} in {}", mail.text));
    assert!(!line.contains(' '), "the link is alone on its line: {line:?}");
    assert!(mail.html.contains(&format!("href=\"{line}\"")), "{}", mail.html);
}

/// A line of the text (which came over SMTP with CRLF endings).
fn assert_line(mail: &Received, line: &str) {
    assert!(mail.text.lines().any(|l| l == line), "no line {line:?} in {}", mail.text);
}

fn assert_korean(mail: &Received) {
    assert!(has_hangul(&mail.subject), "a Korean subject: {:?}", mail.subject);
    assert!(mail.text.starts_with("안녕하세요."), "{}", mail.text);
    assert!(has_hangul(&mail.html) && mail.html.contains("lang=\"ko\""), "{}", mail.html);
    assert!(!mail.text.contains("Hello,") && !mail.html.contains("Hello,"), "{}", mail.text);
}

fn assert_english(mail: &Received) {
    assert!(!has_hangul(&mail.subject), "an English subject: {:?}", mail.subject);
    assert!(mail.text.starts_with("Hello,"), "{}", mail.text);
    assert!(!has_hangul(&mail.text) && !has_hangul(&mail.html), "{}", mail.text);
}

#[tokio::test]
async fn a_korean_sign_up_gets_korean_mail_until_set_language_says_english() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let base = app_base(&app);
    let email = unique_email();
    let cookie = sign_up_in(&app, &email, "ko-KR,ko;q=0.9,en;q=0.5").await;

    let confirm = mail_after(&smtp, &email, 0).await;
    assert_korean(&confirm);
    assert_eq!(confirm.subject, "Gatehouse 이메일 주소를 확인해 주세요");
    assert_line(&confirm, "이메일 주소 확인하기:");
    assert_link_in_both(&confirm, &format!("{base}/confirm-email/"));

    // The account's language, whatever the asking browser prefers.
    let res = post_in(&app, "/api/request_password_reset", &[("email", &email)], "en").await;
    assert_eq!(res.status(), StatusCode::OK);
    let reset = mail_after(&smtp, &email, 1).await;
    assert_korean(&reset);
    assert!(reset.subject.contains("비밀번호"), "{}", reset.subject);
    assert_line(&reset, "새 비밀번호 설정하기:");
    assert_link_in_both(&reset, &format!("{base}/reset-password/"));

    // Signed in, the account switches to English.
    let res = app.post("/api/set_language", &[("lang", "en")], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = post_in(&app, "/api/request_password_reset", &[("email", &email)], "ko").await;
    assert_eq!(res.status(), StatusCode::OK);
    let reset = mail_after(&smtp, &email, 2).await;
    assert_english(&reset);
    assert_eq!(reset.subject, "Reset your Gatehouse password");
    assert_line(&reset, "Choose a new password:");
    assert_link_in_both(&reset, &format!("{base}/reset-password/"));
}

#[tokio::test]
async fn an_english_account_gets_english_mail_from_a_korean_browser() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let base = app_base(&app);
    let email = unique_email();
    sign_up_in(&app, &email, "en-US,en;q=0.9").await;
    let confirm = mail_after(&smtp, &email, 0).await;
    assert_english(&confirm);
    assert_eq!(confirm.subject, "Confirm your email address for Gatehouse");

    // A Korean browser (its header and its `lang` cookie) asks for the
    // reset, signed out: the mail is still the account's English.
    let res = app
        .client
        .post(app.url("/api/request_password_reset"))
        .header(header::ACCEPT, "application/json")
        .header(header::ACCEPT_LANGUAGE, "ko")
        .header(header::COOKIE, "lang=ko")
        .form(&[("email", email.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let reset = mail_after(&smtp, &email, 1).await;
    assert_english(&reset);
    assert_eq!(reset.subject, "Reset your Gatehouse password");
    assert_link_in_both(&reset, &format!("{base}/reset-password/"));
}

#[tokio::test]
async fn a_new_sign_in_is_told_in_the_account_language_with_the_device_in_it() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let base = app_base(&app);
    let email = unique_email();
    sign_up_in(&app, &email, "ko").await;
    let confirm = mail_after(&smtp, &email, 0).await;
    assert_korean(&confirm);

    // From an English browser on a new network: the notice is Korean, and
    // so is the browser's description.
    let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0";
    let res = app
        .client
        .post(app.url("/api/login"))
        .header(header::ACCEPT, "application/json")
        .header(header::ACCEPT_LANGUAGE, "en")
        .header(header::USER_AGENT, firefox)
        .header("x-forwarded-for", "198.51.100.7")
        .form(&[("email", email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let notice = mail_after(&smtp, &email, 1).await;
    assert_korean(&notice);
    assert!(notice.text.contains("Linux의 Firefox"), "{}", notice.text);
    assert!(notice.text.contains("198.51.100.0/24"), "{}", notice.text);
    assert_link_in_both(&notice, &format!("{base}/sessions"));
}
