//! Mail over HTTP with a real SMTP server (in process, `helpers::smtp`):
//! password reset, confirmation of an address, change of email, the
//! outbox's promises (sealed at rest, never lost, sent once), and the
//! development mailbox.

use app::ssr::mail::smtp::SmtpSettings;
use crate::helpers::services::{require, Service};
use crate::helpers::{
    session_cookie, start_binary_logged,
    smtp::{Received, SmtpServer},
    unique_email, Backend, TestApp, PASSWORD,
};
use reqwest::{header, StatusCode};
use serde_json::Value;
use std::time::{Duration, Instant};

const NEW_PASSWORD: &str = "a brand new passphrase";

/// An app that sends its mail to `smtp`, retrying every second at most.
async fn mail_app(smtp: &SmtpServer) -> TestApp {
    mail_app_with(smtp, |_| {}).await
}

async fn mail_app_with(smtp: &SmtpServer, adjust: impl FnOnce(&mut server::config::Config)) -> TestApp {
    let url = smtp.url();
    TestApp::spawn_with(move |c| {
        c.smtp = Some(SmtpSettings::parse(&url).unwrap());
        c.mail_retry_max_secs = 1;
        adjust(c);
    })
    .await
}

/// The token at the end of a link.
fn token(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_owned()
}

async fn json(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

async fn me(app: &TestApp, cookie: &str) -> reqwest::Response {
    app.get("/api/me", Some(cookie)).await
}

async fn request_reset(app: &TestApp, email: &str) -> reqwest::Response {
    app.post("/api/request_password_reset", &[("email", email)], None).await
}

async fn reset(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.post(
        "/api/reset_password",
        &[("token", token), ("new_password", password)],
        None,
    )
    .await
}

async fn confirm(app: &TestApp, token: &str, cookie: Option<&str>) -> reqwest::Response {
    app.post("/api/confirm_email", &[("token", token)], cookie).await
}

/// Asks for a reset link for `email` and returns it as mailed.
async fn reset_link(app: &TestApp, smtp: &SmtpServer, email: &str) -> String {
    let resets = || {
        smtp.received()
            .into_iter()
            .filter(|m| m.to == [email] && m.subject.contains("Reset"))
            .collect::<Vec<_>>()
    };
    let before = resets().len();
    let res = request_reset(app, email).await;
    assert_eq!(res.status(), StatusCode::OK);
    let start = Instant::now();
    while resets().len() <= before {
        assert!(start.elapsed() < Duration::from_secs(20), "no reset mail to {email}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mail = resets().pop().unwrap();
    mail.link(&format!("{}/reset-password/", app_base(app))).expect("a reset link")
}

/// The base every link must start with: `APP_BASE_URL`, which the test
/// harness leaves unset, so `http://localhost:<port>`.
fn app_base(app: &TestApp) -> String {
    let port = app.base.rsplit(':').next().unwrap();
    format!("http://localhost:{port}")
}

/// The account's security log, newest first, as `type` names.
async fn event_types(app: &TestApp, cookie: &str) -> Vec<String> {
    let events: Vec<Value> = app.get("/api/security_events", Some(cookie)).await.json().await.unwrap();
    events.iter().map(|e| e["type"].as_str().unwrap().to_owned()).collect()
}

fn assert_invalid_token(status: StatusCode, body: &Value) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "invalid_token", "{body}");
    assert!(body["message"].as_str().unwrap().contains("doesn't work"), "{body}");
}

async fn assert_logs_in(app: &TestApp, email: &str, password: &str, expected: StatusCode) {
    let res = app.log_in(email, password, None).await;
    assert_eq!(res.status(), expected, "{email} with {password:?}");
}

#[tokio::test]
async fn a_password_reset_end_to_end() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let (email, first) = app.signed_up().await;
    let second = session_cookie(&app.log_in(&email, PASSWORD, None).await).unwrap();

    let link = reset_link(&app, &smtp, &email).await;
    let mail = smtp.wait_for(&email, "Reset").await;
    // Plain text with an HTML alternative, from MAIL_FROM, the same link in both.
    assert!(mail.html.contains(&format!("href=\"{link}\"")), "{}", mail.html);
    assert!(mail.raw.contains("multipart/alternative"), "{}", mail.raw);
    assert!(mail.raw.contains("From: Gatehouse <no-reply@localhost>"), "{}", mail.raw);
    assert_eq!(token(&link).len(), 43);

    // The page the link opens: no Referer leaves it, and it changes nothing.
    let page = app.page(&format!("/reset-password/{}", token(&link)), None).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()[header::REFERRER_POLICY], "no-referrer");
    assert!(page.text().await.unwrap().contains("name=\"new_password\""));

    let res = reset(&app, &token(&link), NEW_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    // Not signed in by it.
    assert!(session_cookie(&res).is_none_or(|c| c.ends_with('=')));
    for cookie in [&first, &second] {
        assert_eq!(me(&app, cookie).await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_logs_in(&app, &email, PASSWORD, StatusCode::UNAUTHORIZED).await;
    let res = app.log_in(&email, NEW_PASSWORD, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    // The link proved the address is the account's.
    let cookie = session_cookie(&res).unwrap();
    let body = json(me(&app, &cookie).await).await;
    assert_eq!(body["email_confirmed"], true, "{body}");
    assert_eq!(event_types(&app, &cookie).await[..3], ["login", "login_failed", "password_reset"]);

    // Once only.
    let res = reset(&app, &token(&link), "yet another passphrase").await;
    let status = res.status();
    assert_invalid_token(status, &json(res).await);
    smtp.wait_for(&email, "was reset").await;
}

#[tokio::test]
async fn reset_links_expire() {
    let smtp = SmtpServer::start().await;
    let app = mail_app_with(&smtp, |c| c.reset_ttl_secs = 1).await;
    let (email, _) = app.signed_up().await;
    let link = reset_link(&app, &smtp, &email).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let res = reset(&app, &token(&link), NEW_PASSWORD).await;
    let status = res.status();
    assert_invalid_token(status, &json(res).await);
    let page = app.page(&format!("/reset-password/{}", token(&link)), None).await;
    let html = page.text().await.unwrap();
    assert!(html.contains("data-testid=\"dead-link\"") && html.contains("href=\"/reset-password\""));
    assert_logs_in(&app, &email, PASSWORD, StatusCode::OK).await;
}

#[tokio::test]
async fn a_newer_link_replaces_the_older_and_a_password_change_voids_them() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let (email, cookie) = app.signed_up().await;
    let older = reset_link(&app, &smtp, &email).await;
    let newer = reset_link(&app, &smtp, &email).await;
    assert_ne!(older, newer);
    let res = reset(&app, &token(&older), NEW_PASSWORD).await;
    let status = res.status();
    assert_invalid_token(status, &json(res).await);

    // Changing the password while signed in voids the newer one too.
    let res = app
        .post(
            "/api/change_password",
            &[("current_password", PASSWORD), ("new_password", NEW_PASSWORD)],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    smtp.wait_for(&email, "was changed").await;
    let res = reset(&app, &token(&newer), "yet another passphrase").await;
    let status = res.status();
    assert_invalid_token(status, &json(res).await);
    assert_logs_in(&app, &email, NEW_PASSWORD, StatusCode::OK).await;
}

#[tokio::test]
async fn a_bad_new_password_keeps_the_link_working() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let (email, _) = app.signed_up().await;
    let link = reset_link(&app, &smtp, &email).await;
    for bad in ["short", "password"] {
        let res = reset(&app, &token(&link), bad).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(json(res).await["field"], "new_password");
    }
    assert_eq!(reset(&app, &token(&link), NEW_PASSWORD).await.status(), StatusCode::OK);
}

/// Two redemptions of one link at once: exactly one wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_redemptions_at_once_cannot_both_win() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let (email, _) = app.signed_up().await;
    let link = reset_link(&app, &smtp, &email).await;
    let t = token(&link);
    let (a, b) = tokio::join!(
        reset(&app, &t, "first new passphrase"),
        reset(&app, &t, "second new passphrase")
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 400]);
}

/// The same body, and about the same time, with or without an account.
/// Medians of eleven, taken in turn, each known address a fresh account
/// so the per-account cap never kicks in.
#[tokio::test]
async fn reset_requests_do_not_tell_whether_an_account_exists() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let mut accounts = Vec::new();
    for _ in 0..12 {
        accounts.push(app.signed_up().await.0);
    }
    let known_body = request_reset(&app, &accounts[0]).await.text().await.unwrap();
    let unknown_body = request_reset(&app, &unique_email()).await.text().await.unwrap();
    assert_eq!(known_body, unknown_body);
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for email in &accounts[1..] {
        let start = Instant::now();
        let res = request_reset(&app, email).await;
        known.push(start.elapsed().as_secs_f64());
        assert_eq!(res.status(), StatusCode::OK);
        let start = Instant::now();
        let res = request_reset(&app, &unique_email()).await;
        unknown.push(start.elapsed().as_secs_f64());
        assert_eq!(res.status(), StatusCode::OK);
    }
    known.sort_by(f64::total_cmp);
    unknown.sort_by(f64::total_cmp);
    let (k, u) = (known[5], unknown[5]);
    println!("reset request medians: existing {:.2} ms, unknown {:.2} ms", k * 1e3, u * 1e3);
    assert!(u > k / 2.0 && u < k * 2.0, "existing {k:.4}s, unknown {u:.4}s");
    // The mail went to every account, none to the unknown addresses.
    let mails = smtp.wait_for_count(12 + 12, Duration::from_secs(20)).await;
    let resets = mails.iter().filter(|m| m.subject.contains("Reset")).count();
    assert_eq!(resets, 12);
}

#[tokio::test]
async fn at_most_three_reset_mails_per_account_per_window() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let (email, _) = app.signed_up().await;
    let mut bodies = Vec::new();
    for _ in 0..5 {
        let res = request_reset(&app, &email).await;
        assert_eq!(res.status(), StatusCode::OK);
        bodies.push(res.text().await.unwrap());
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));
    let queued = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM outbox WHERE recipient = '{email}' AND subject LIKE 'Reset%'"
        ))
        .await;
    assert_eq!(queued, 3);
    // Never a lock: the account still logs in, and the last link sent works.
    assert_logs_in(&app, &email, PASSWORD, StatusCode::OK).await;
    let mails = smtp.wait_for_count(4, Duration::from_secs(20)).await;
    let last = mails.iter().rev().find(|m| m.subject.contains("Reset")).unwrap();
    let link = last.link(&format!("{}/reset-password/", app_base(&app))).unwrap();
    assert_eq!(reset(&app, &token(&link), NEW_PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn request_password_reset_wants_an_email() {
    let app = TestApp::spawn().await;
    let res = request_reset(&app, "not an email").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(res).await["field"], "email");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM counters").await, 0);
}

/// Malformed, huge, wrong-kind and cross-used tokens: 400 in words, and
/// nothing changes.
#[tokio::test]
async fn bad_tokens_get_400_and_change_nothing() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let (email, _) = app.signed_up().await;
    let confirm_link = smtp.wait_for(&email, "Confirm").await;
    let confirm_token = token(&confirm_link.link(&format!("{}/confirm-email/", app_base(&app))).unwrap());
    let reset_token = token(&reset_link(&app, &smtp, &email).await);
    let huge = "A".repeat(20_000);
    let unknown = "B".repeat(43);
    for bad in ["", "short", "has spaces and symbols!!", &huge, &unknown, "../../etc/passwd", &confirm_token] {
        let res = reset(&app, bad, NEW_PASSWORD).await;
        let status = res.status();
        assert_invalid_token(status, &json(res).await);
    }
    for bad in ["", &huge, &unknown, &reset_token] {
        let res = confirm(&app, bad, None).await;
        let status = res.status();
        assert_invalid_token(status, &json(res).await);
    }
    for bad in ["nonsense", &unknown, &huge[..100]] {
        let res = app.page(&format!("/reset-password/{bad}"), None).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.text().await.unwrap().contains("dead-link"));
    }
    // Both links still work, each for its own purpose.
    assert_logs_in(&app, &email, PASSWORD, StatusCode::OK).await;
    assert_eq!(confirm(&app, &confirm_token, None).await.status(), StatusCode::OK);
    assert_eq!(reset(&app, &reset_token, NEW_PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn sign_up_sends_a_confirmation_link_whose_page_changes_nothing() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let (email, cookie) = app.signed_up().await;
    let body = json(me(&app, &cookie).await).await;
    assert_eq!(body["email_confirmed"], false, "{body}");
    assert_eq!(body["two_factor"], false, "{body}");
    let mail = smtp.wait_for(&email, "Confirm your email").await;
    let link = mail.link(&format!("{}/confirm-email/", app_base(&app))).unwrap();

    // A mail scanner opening the link uses nothing up.
    for _ in 0..3 {
        let page = app.page(&format!("/confirm-email/{}", token(&link)), None).await;
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(page.headers()[header::REFERRER_POLICY], "no-referrer");
        let html = page.text().await.unwrap();
        assert!(html.contains("action=\"/api/confirm_email\""), "{html}");
    }
    assert_eq!(json(me(&app, &cookie).await).await["email_confirmed"], false);

    assert_eq!(confirm(&app, &token(&link), Some(&cookie)).await.status(), StatusCode::OK);
    assert_eq!(json(me(&app, &cookie).await).await["email_confirmed"], true);
    assert_eq!(event_types(&app, &cookie).await, ["email_confirmed", "signup"]);
    let res = confirm(&app, &token(&link), Some(&cookie)).await;
    let status = res.status();
    assert_invalid_token(status, &json(res).await);
}

#[tokio::test]
async fn resending_the_confirmation_replaces_the_older_link() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    assert_eq!(
        app.post("/api/resend_confirmation", &[], None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (email, cookie) = app.signed_up().await;
    let prefix = format!("{}/confirm-email/", app_base(&app));
    let first = smtp.wait_for(&email, "Confirm").await.link(&prefix).unwrap();
    let res = app.post("/api/resend_confirmation", &[], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let mails = smtp.wait_for_count(2, Duration::from_secs(20)).await;
    let second = mails[1].link(&prefix).unwrap();
    assert_ne!(first, second);
    let res = confirm(&app, &token(&first), None).await;
    let status = res.status();
    assert_invalid_token(status, &json(res).await);
    assert_eq!(confirm(&app, &token(&second), None).await.status(), StatusCode::OK);
    assert_eq!(json(me(&app, &cookie).await).await["email_confirmed"], true);
}

#[tokio::test]
async fn changing_the_email_end_to_end() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let (email, cookie) = app.signed_up().await;
    let other = session_cookie(&app.log_in(&email, PASSWORD, None).await).unwrap();
    let (taken, _) = app.signed_up().await;
    let new_email = unique_email();
    let change = |new: String, password: &'static str, cookie: Option<String>| {
        let app = &app;
        async move {
            app.post(
                "/api/change_email",
                &[("new_email", &new), ("password", password)],
                cookie.as_deref(),
            )
            .await
        }
    };
    assert_eq!(change(new_email.clone(), PASSWORD, None).await.status(), StatusCode::UNAUTHORIZED);
    let res = change(new_email.clone(), "not my password", Some(cookie.clone())).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = change(taken.clone(), PASSWORD, Some(cookie.clone())).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = change("nope".into(), PASSWORD, Some(cookie.clone())).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(res).await["field"], "new_email");

    let res = change(new_email.clone(), PASSWORD, Some(cookie.clone())).await;
    assert_eq!(res.status(), StatusCode::OK);
    let link = smtp
        .wait_for(&new_email, "new email")
        .await
        .link(&format!("{}/confirm-email/", app_base(&app)))
        .unwrap();
    let notice = smtp.wait_for(&email, "change").await;
    assert!(notice.text.contains(&new_email), "{}", notice.text);
    // Nothing changes until the link is used.
    assert_eq!(json(me(&app, &cookie).await).await["email"], email.as_str());
    assert_logs_in(&app, &email, PASSWORD, StatusCode::OK).await;

    let res = confirm(&app, &token(&link), Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = json(me(&app, &cookie).await).await;
    assert_eq!(body["email"], new_email.as_str());
    assert_eq!(body["email_confirmed"], true);
    let events = event_types(&app, &cookie).await;
    assert_eq!(events[0], "email_changed", "{events:?}");
    assert!(events.contains(&"email_change_requested".to_owned()), "{events:?}");
    assert_eq!(me(&app, &other).await.status(), StatusCode::UNAUTHORIZED);
    assert_logs_in(&app, &email, PASSWORD, StatusCode::UNAUTHORIZED).await;
    assert_logs_in(&app, &new_email, PASSWORD, StatusCode::OK).await;
}

#[tokio::test]
async fn a_new_address_taken_meanwhile_is_409_and_changes_nothing() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let (email, cookie) = app.signed_up().await;
    let wanted = unique_email();
    let res = app
        .post("/api/change_email", &[("new_email", &wanted), ("password", PASSWORD)], Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let link = smtp
        .wait_for(&wanted, "new email")
        .await
        .link(&format!("{}/confirm-email/", app_base(&app)))
        .unwrap();
    assert!(app.sign_up(&wanted).await.status().is_success());
    let res = confirm(&app, &token(&link), Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(json(me(&app, &cookie).await).await["email"], email.as_str());
}

/// The SMTP server is down when the reset is asked for, and the app
/// restarts before it is back: the mail still arrives, once.
#[tokio::test]
async fn mail_survives_an_smtp_outage_and_an_app_restart() {
    let mut smtp = SmtpServer::down().await;
    let app = mail_app(&smtp).await;
    let (email, _) = app.signed_up().await;
    assert_eq!(request_reset(&app, &email).await.status(), StatusCode::OK);
    // Both mails tried and failed while the server was down (and given
    // back: a worker killed mid-send would hold its claim until the lease
    // runs out, which is another test's business).
    let start = Instant::now();
    let failed = "SELECT COUNT(*) FROM outbox WHERE last_error IS NOT NULL AND claimed_until = 0";
    while app.scalar(failed).await < 2 {
        assert!(start.elapsed() < Duration::from_secs(20), "the worker never tried");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let app = app.restart().await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").await, 2);
    smtp.resume().await;
    smtp.wait_for(&email, "Reset").await;
    smtp.wait_for(&email, "Confirm").await;
    let start = Instant::now();
    while app.scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").await > 0 {
        assert!(start.elapsed() < Duration::from_secs(20), "not marked sent");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A sent mail keeps no body.
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox WHERE sealed IS NOT NULL").await, 0);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(smtp.received().len(), 2, "a mail went twice");
}

/// A copy of the database holds no usable link: the waiting mail's body is
/// sealed, and the token is kept only as a hash.
#[tokio::test]
async fn a_waiting_mail_is_sealed_and_tokens_are_hashed() {
    let smtp = SmtpServer::down().await;
    let app = mail_app(&smtp).await;
    let (email, _) = app.signed_up().await;
    assert_eq!(request_reset(&app, &email).await.status(), StatusCode::OK);
    let dump = match &app.db {
        app::ssr::db::Db::Sqlite(pool) => {
            let rows: Vec<(String, Vec<u8>)> = sqlx::query_as("SELECT subject, sealed FROM outbox")
                .fetch_all(pool)
                .await
                .unwrap();
            rows
        }
        app::ssr::db::Db::Postgres(pool) => sqlx::query_as("SELECT subject, sealed FROM outbox")
            .fetch_all(pool)
            .await
            .unwrap(),
    };
    assert_eq!(dump.len(), 2);
    for (_, sealed) in &dump {
        let text = String::from_utf8_lossy(sealed);
        assert!(!text.contains("reset-password") && !text.contains("confirm-email"), "{text}");
    }
    let hashes = app.scalar("SELECT COUNT(*) FROM email_tokens WHERE length(token_hash) = 64").await;
    assert_eq!(hashes, 2);
}

/// Two instances on one Postgres database, both delivering: each of 50
/// mails arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgres_deliver_each_mail_once() {
    require!(Service::Postgres);
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let a = TestApp::spawn_on(Backend::Postgres, move |c| {
        c.smtp = Some(SmtpSettings::parse(&url).unwrap());
        c.mail_retry_max_secs = 1;
    })
    .await;
    let b = a.another_instance().await;
    let mut emails = Vec::new();
    for i in 0..50 {
        let email = unique_email();
        let app = if i % 2 == 0 { &a } else { &b };
        assert!(app.sign_up(&email).await.status().is_success());
        emails.push(email);
    }
    smtp.wait_for_count(50, Duration::from_secs(60)).await;
    // Time for a second copy of any of them to turn up.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mails: Vec<Received> = smtp.received();
    assert_eq!(mails.len(), 50);
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    emails.sort();
    assert_eq!(to, emails);
    assert_eq!(a.scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").await, 0);
}

#[tokio::test]
async fn the_development_mailbox_shows_mail_newest_first() {
    // No SMTP_URL: mail stays in the outbox, which is the mailbox.
    let app = TestApp::spawn().await;
    let (email, _) = app.signed_up().await;
    assert_eq!(request_reset(&app, &email).await.status(), StatusCode::OK);
    let res = app.page("/dev/mailbox", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let reset_at = html.find("Reset your Gatehouse password").expect("the reset mail");
    let confirm_at = html.find("Confirm your email address").expect("the confirmation");
    assert!(reset_at < confirm_at, "newest first");
    let prefix = format!("href=\"{}/reset-password/", app_base(&app));
    assert!(html.contains(&prefix), "links are clickable: {html}");
}

#[tokio::test]
async fn production_has_no_mailbox() {
    let smtp = SmtpServer::down().await;
    let app = mail_app_with(&smtp, |c| {
        c.app_env = server::config::AppEnv::Production;
        c.session_secret = Some(server::config::SessionSecret::generate());
        c.app_base_url = Some("https://auth.example.com".into());
    })
    .await;
    assert_eq!(app.page("/dev/mailbox", None).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn production_refuses_to_start_without_a_base_url_or_smtp() {
    let run = |extra: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
        cmd.env("APP_ENV", "production")
            .env("SESSION_SECRET", "ab".repeat(64))
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env_remove("APP_BASE_URL")
            .env_remove("SMTP_URL");
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(run(&[("SMTP_URL", "smtp://127.0.0.1:25")]).contains("APP_BASE_URL is not set"));
    assert!(run(&[("APP_BASE_URL", "https://auth.example.com")]).contains("SMTP_URL is not set"));
    let bad = run(&[("APP_BASE_URL", "https://a.test"), ("SMTP_URL", "smtp://me:hunter2@/")]);
    assert!(bad.contains("SMTP_URL") && !bad.contains("hunter2"), "{bad}");
}

/// Links start with APP_BASE_URL, whatever `Host` the request named.
#[tokio::test]
async fn links_start_with_the_base_url_not_the_host_header() {
    let smtp = SmtpServer::start().await;
    let app = mail_app_with(&smtp, |c| c.app_base_url = Some("https://auth.example.com".into())).await;
    let (email, _) = app.signed_up().await;
    let res = app
        .client
        .post(app.url("/api/request_password_reset"))
        .header(header::ACCEPT, "application/json")
        .header(header::HOST, "evil.example")
        .form(&[("email", email.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let mail = smtp.wait_for(&email, "Reset").await;
    assert!(mail.link("https://auth.example.com/reset-password/").is_some(), "{}", mail.text);
    assert!(!mail.text.contains("evil.example"));
}

/// The reset page sends no Referer, so its form posts with `Origin: null`:
/// that passes with `Sec-Fetch-Site: same-origin` only. A form post lands
/// on /login with a message; a bad password comes back to the page.
#[tokio::test]
async fn the_reset_form_posts_from_a_no_referrer_page() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let (email, _) = app.signed_up().await;
    let t = token(&reset_link(&app, &smtp, &email).await);
    let post = |password: &'static str, fetch_site: Option<&'static str>| {
        let mut req = app
            .client
            .post(app.url("/api/reset_password"))
            .header(header::ACCEPT, "text/html")
            .header(header::ORIGIN, "null")
            .form(&[("token", t.as_str()), ("new_password", password)]);
        if let Some(site) = fetch_site {
            req = req.header("sec-fetch-site", site);
        }
        req.send()
    };
    assert_eq!(post(NEW_PASSWORD, None).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(post(NEW_PASSWORD, Some("cross-site")).await.unwrap().status(), StatusCode::FORBIDDEN);
    let res = post("short", Some("same-origin")).await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[header::LOCATION], format!("/reset-password/{t}").as_str());
    let res = post(NEW_PASSWORD, Some("same-origin")).await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[header::LOCATION], "/login");
    assert_logs_in(&app, &email, NEW_PASSWORD, StatusCode::OK).await;
}

/// No token, password or mail body reaches a log line, even at debug level,
/// through a whole reset and a confirmation (and a bad link).
#[tokio::test]
async fn no_token_or_password_is_logged() {
    let smtp = SmtpServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (_server, base, log) = start_binary_logged(
        &[("SMTP_URL", &smtp.url()), ("RUST_LOG", "debug")],
        dir.path(),
    );
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |path: &'static str, form: Vec<(&'static str, String)>| crate::helpers::post_form(&client, &base, path, form);
    let email = unique_email();
    let res = post("/api/signup", vec![("email", email.clone()), ("password", PASSWORD.into())]).await.unwrap();
    assert!(res.status().is_success());
    let confirm_link = smtp.wait_for(&email, "Confirm").await;
    let confirm_token = token(&confirm_link.link("http://localhost:").unwrap());
    let res = post("/api/request_password_reset", vec![("email", email.clone())]).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let reset_token = token(&smtp.wait_for(&email, "Reset").await.link("http://localhost:").unwrap());
    let page = client.get(format!("{base}/reset-password/{reset_token}")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let res = post("/api/reset_password", vec![("token", "C".repeat(43)), ("new_password", NEW_PASSWORD.into())]).await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = post("/api/reset_password", vec![("token", reset_token.clone()), ("new_password", NEW_PASSWORD.into())]).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = post("/api/confirm_email", vec![("token", confirm_token.clone())]).await.unwrap();
    assert!(res.status().is_success() || res.status() == StatusCode::BAD_REQUEST);
    smtp.wait_for(&email, "was reset").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = log.lock().unwrap().clone();
    assert!(log.contains("mail sent"), "the log was read: {log}");
    for secret in [&reset_token, &confirm_token, &"C".repeat(43), &PASSWORD.to_owned(), &NEW_PASSWORD.to_owned()] {
        assert!(!log.contains(secret.as_str()), "{secret} is in the log");
    }
    assert!(!log.contains("Choose a new password"), "a mail body is in the log");
}

/// A wrong password when changing the email counts against the login
/// throttle: a stolen session is no password oracle.
#[tokio::test]
async fn change_email_passwords_are_throttled_like_logins() {
    let app = TestApp::spawn_with(|c| c.login_limits.max_failures = 2).await;
    let (_, cookie) = app.signed_up().await;
    let new_email = unique_email();
    let change = |password: &'static str| {
        let (app, new_email, cookie) = (&app, new_email.clone(), cookie.clone());
        async move {
            app.post(
                "/api/change_email",
                &[("new_email", new_email.as_str()), ("password", password)],
                Some(&cookie),
            )
            .await
        }
    };
    for _ in 0..2 {
        assert_eq!(change("wrong password").await.status(), StatusCode::UNAUTHORIZED);
    }
    let res = change(PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key(header::RETRY_AFTER));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM email_tokens WHERE purpose = 'change_email'").await, 0);
}

/// A worker whose lease ran out (its renewals failed meanwhile) and whose
/// mail another worker then claimed can't renew that claim: it learns the
/// mail is no longer its to send, so the mail goes once.
#[tokio::test]
async fn a_claim_another_worker_took_over_is_not_renewed() {
    use app::ssr::mail::{outbox::Outbox, seal::Sealer};
    let smtp = SmtpServer::down().await;
    let app = mail_app(&smtp).await;
    app.signed_up().await;
    // Out of the app's own worker's way: due only far in the future (set
    // while the worker does not hold it, so its record can't undo this).
    const LATER: i64 = 4_000_000_000;
    let start = Instant::now();
    let parked = format!("SELECT COUNT(*) FROM outbox WHERE next_attempt_at = {LATER} AND claimed_until = 0");
    while app.scalar(&parked).await != 1 {
        assert!(start.elapsed() < Duration::from_secs(20), "the mail was never put aside");
        app.execute(&format!("UPDATE outbox SET next_attempt_at = {LATER} WHERE claimed_until = 0")).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let outbox = Outbox::new(app.db.clone(), std::sync::Arc::new(Sealer::new(&[7; 64])));
    let first = outbox.claim(LATER, LATER + 30, 10).await.unwrap();
    assert_eq!(first.len(), 1);
    let id = first[0].id;
    assert!(outbox.renew(id, LATER + 30, LATER + 60).await.unwrap(), "the holder renews");
    assert!(outbox.claim(LATER + 59, LATER + 89, 10).await.unwrap().is_empty(), "claimed twice");
    // The holder's lease runs out; another worker claims the mail.
    let second = outbox.claim(LATER + 61, LATER + 91, 10).await.unwrap();
    assert_eq!(second.iter().map(|c| c.id).collect::<Vec<_>>(), [id]);
    assert!(!outbox.renew(id, LATER + 60, LATER + 100).await.unwrap(), "the first worker renewed a claim it lost");
    assert!(outbox.renew(id, LATER + 91, LATER + 121).await.unwrap());
    // Once recorded, nobody renews it.
    outbox.sent(id, LATER + 100).await.unwrap();
    assert!(!outbox.renew(id, LATER + 121, LATER + 151).await.unwrap());
}
