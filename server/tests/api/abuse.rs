//! The contract's "Abuse, concurrency and recovery" and "Recent
//! authentication", attacked the way someone in a hurry would: requests
//! sent at the same moment (spread over two instances on the same
//! storage, so the counts must hold in the database, not in a process),
//! sensitive calls from a session that has not proved who it is lately,
//! and the takeover sequences a password reset must end.

use crate::helpers::{session_cookie, smtp::SmtpServer, unique_email, TestApp, PASSWORD};
use reqwest::{header, StatusCode};
use serde_json::Value;
use crate::helpers::totp::early_in_a_step;
use std::time::Duration;

const NEW_PASSWORD: &str = "a brand new passphrase";

async fn json(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}


/// What an authenticator app shows for `secret` (base32) now.
fn app_code(secret: &str) -> String {
    crate::helpers::totp::app_code(secret, 0)
}

/// Turns two-step verification on for a signed-in account; answers the
/// secret and the recovery codes.
async fn enrol(app: &TestApp, cookie: &str) -> (String, Vec<String>) {
    let begun = json(app.post("/api/totp_begin", &[], Some(cookie)).await).await;
    let secret = begun["secret"].as_str().unwrap().to_owned();
    early_in_a_step().await;
    let res = app
        .post("/api/totp_enable", &[("code", &app_code(&secret)), ("password", PASSWORD)], Some(cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let codes = json(res).await["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    (secret, codes)
}

/// Sends `n` requests at the same moment, alternating between two
/// instances, and answers their statuses.
async fn burst<'a, F, Fut>(apps: [&'a TestApp; 2], n: usize, request: F) -> Vec<u16>
where
    F: Fn(&'a TestApp, usize) -> Fut,
    Fut: std::future::Future<Output = reqwest::Response>,
{
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(n));
    let all = (0..n).map(|i| {
        let barrier = barrier.clone();
        let fut = request(apps[i % 2], i);
        async move {
            barrier.wait().await;
            fut.await.status().as_u16()
        }
    });
    futures_join_all(all).await
}

/// `join_all` without another dependency: each future on its own task
/// would need `'static`; polled together here they all start at once.
async fn futures_join_all<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futures.map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, fut) in pinned.iter_mut().enumerate() {
            if out[i].is_none() {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(Option::unwrap).collect()
}

/// The `i`-th of many codes that are not `right` (six digits each).
fn wrong_code(right: &str, i: usize) -> String {
    format!("{:06}", (right.parse::<u32>().unwrap() + 1 + i as u32) % 1_000_000)
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

// ---- the throttle under concurrency -------------------------------------------

#[tokio::test]
async fn forty_wrong_passwords_at_once_check_at_most_the_limit() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let (email, _) = app.signed_up().await;
    let statuses = burst([&app, &other], 40, |a, i| {
        let email = email.clone();
        async move { a.log_in(&email, &format!("wrong guess number {i}"), None).await }
    })
    .await;
    assert_eq!(count(&statuses, 401), 5, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 35, "{statuses:?}");
    // The window is used up: even the right password waits.
    let res = app.log_in(&email, PASSWORD, None).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key(header::RETRY_AFTER));
}

#[tokio::test]
async fn forty_wrong_second_step_codes_at_once_check_at_most_the_limit() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let (email, cookie) = app.signed_up().await;
    let (secret, _) = enrol(&app, &cookie).await;
    let res = app.log_in(&email, PASSWORD, None).await;
    let pending = session_cookie(&res).unwrap();
    let right = app_code(&secret);
    let statuses = burst([&app, &other], 40, |a, i| {
        let pending = pending.clone();
        let wrong = wrong_code(&right, i);
        async move { a.post("/api/verify_second_factor", &[("code", &wrong)], Some(&pending)).await }
    })
    .await;
    assert_eq!(count(&statuses, 401), 5, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 35, "{statuses:?}");
}

#[tokio::test]
async fn forty_wrong_password_confirmations_at_once_check_at_most_the_limit() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let (email, cookie) = app.signed_up().await;
    let statuses = burst([&app, &other], 40, |a, i| {
        let cookie = cookie.clone();
        async move {
            a.post("/api/delete_account", &[("password", &format!("not it {i}"))], Some(&cookie)).await
        }
    })
    .await;
    assert_eq!(count(&statuses, 401), 5, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 35, "{statuses:?}");
    // Nothing was deleted.
    assert_eq!(app.get("/api/me", Some(&cookie)).await.status(), StatusCode::OK);
    let _ = email;
}

#[tokio::test]
async fn a_throttled_account_gets_one_log_event_per_window() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let (email, cookie) = app.signed_up().await;
    // Refused at the same moment on two instances: still one event.
    let statuses = burst([&app, &other], 20, |a, i| {
        let email = email.clone();
        async move { a.log_in(&email, &format!("wrong {i}"), None).await }
    })
    .await;
    assert_eq!(count(&statuses, 429), 15, "{statuses:?}");
    // And refused later in the same window: no more events.
    for i in 0..3 {
        assert_eq!(app.log_in(&email, &format!("later {i}"), None).await.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    let events: Vec<Value> = json(app.get("/api/security_events", Some(&cookie)).await)
        .await
        .as_array()
        .unwrap()
        .clone();
    let throttled = events.iter().filter(|e| e["type"] == "login_throttled").count();
    let failed = events.iter().filter(|e| e["type"] == "login_failed").count();
    assert_eq!((failed, throttled), (5, 1));
}

#[tokio::test]
async fn a_flood_of_logins_gets_quick_503s_while_other_requests_are_served() {
    // Hashes may wait 300 ms here instead of 5 s, so a few hundred logins
    // at once are more than the two cores can check in time.
    let app = TestApp::spawn_with(|c| {
        c.login_limits.max_failures = 100_000;
        c.hash_max_wait = Duration::from_millis(300);
    })
    .await;
    let (_, cookie) = app.signed_up().await;
    let flood = futures_join_all((0..400).map(|i| {
        let email = format!("flood{i}@example.com");
        let app = &app;
        async move {
            let res = app.log_in(&email, "a wrong password", None).await;
            (res.status().as_u16(), res.headers().contains_key(header::RETRY_AFTER))
        }
    }));
    let probe = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let health = app.get("/healthz", None).await.status();
        let me = app.get("/api/me", Some(&cookie)).await.status();
        (health, me)
    };
    let (answers, (health, me)) = tokio::join!(flood, probe);
    assert_eq!((health, me), (StatusCode::OK, StatusCode::OK));
    let busy: Vec<_> = answers.iter().filter(|(s, _)| *s == 503).collect();
    assert!(!busy.is_empty(), "no 503 among {answers:?}");
    assert!(busy.iter().all(|(_, retry)| *retry), "a 503 without Retry-After");
    assert!(answers.iter().all(|(s, _)| *s == 401 || *s == 503), "{answers:?}");
}

// ---- per-IP limits and mail caps ------------------------------------------------

#[tokio::test]
async fn anonymous_writes_are_limited_per_client_network() {
    let app = TestApp::spawn_with(|c| {
        c.login_limits.per_ip_per_minute = 3;
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let from = |ip: &'static str| move |req: reqwest::RequestBuilder| req.header("x-forwarded-for", ip);
    let signup = |ip: &'static str| {
        let req = app
            .client
            .post(app.url("/api/signup"))
            .header(header::ACCEPT, "application/json")
            .form(&[("email", unique_email().as_str()), ("password", PASSWORD)]);
        from(ip)(req).send()
    };
    for _ in 0..3 {
        assert_eq!(signup("2001:db8:0:1::1").await.unwrap().status(), StatusCode::OK);
    }
    // Another address in the same /64: the same budget.
    let res = signup("2001:db8:0:1::ffff").await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key(header::RETRY_AFTER));
    // Passkey-login starts count too.
    let res = from("2001:db8:0:1::2")(app.client.post(app.url("/api/passkey_login_begin")).header(header::ACCEPT, "application/json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // A reset request still answers 200, and sends nothing.
    let res = from("2001:db8:0:1::3")(
        app.client
            .post(app.url("/api/request_password_reset"))
            .header(header::ACCEPT, "application/json")
            .form(&[("email", "someone@example.com")]),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Another /64 has its own.
    assert_eq!(signup("2001:db8:0:2::1").await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn at_most_three_confirmation_mails_per_account_and_per_address() {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let app = TestApp::spawn_with(move |c| {
        c.smtp = Some(app::ssr::mail::smtp::SmtpSettings::parse(&url).unwrap());
    })
    .await;
    let (email, cookie) = app.signed_up().await;
    for _ in 0..4 {
        let res = app.post("/api/resend_confirmation", &[], Some(&cookie)).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let to_account = |to: String| {
        let app = &app;
        async move {
            app.scalar(&format!("SELECT COUNT(*) FROM outbox WHERE recipient = '{to}' AND subject LIKE 'Confirm%'"))
                .await
        }
    };
    assert_eq!(to_account(email.clone()).await, 3, "sign-up and two resends");
    // The last link sent still works.
    let mails = smtp.wait_for_count(3, Duration::from_secs(20)).await;
    let last = mails.iter().rev().find(|m| m.to == [email.clone()]).unwrap();
    let token = last.text.split("/confirm-email/").nth(1).unwrap().split_whitespace().next().unwrap();
    assert_eq!(app.post("/api/confirm_email", &[("token", token)], None).await.status(), StatusCode::OK);

    // An account past its cap costs nobody else's address: asking to move
    // there sends nothing, and the address keeps its three links.
    let elsewhere = unique_email();
    for _ in 0..3 {
        let res = app.post("/api/change_email", &[("new_email", &elsewhere), ("password", PASSWORD)], Some(&cookie)).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    assert_eq!(to_account(elsewhere.clone()).await, 0);
    let (_, another) = app.signed_up().await;
    let res = app.post("/api/change_email", &[("new_email", &elsewhere), ("password", PASSWORD)], Some(&another)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(to_account(elsewhere).await, 1);

    // Three accounts asking to move to one address: three links at most.
    let target = unique_email();
    for _ in 0..4 {
        let (_, cookie) = app.signed_up().await;
        let res = app.post("/api/change_email", &[("new_email", &target), ("password", PASSWORD)], Some(&cookie)).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    assert_eq!(to_account(target).await, 3);
}

/// The caps hold under concurrency too: changes of email from one account
/// to many addresses, and from many accounts to one address, sent at the
/// same moment to two instances, still queue at most three links each.
#[tokio::test]
async fn the_confirmation_caps_hold_when_requests_arrive_at_once() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let confirmations = |to: String| {
        let app = &app;
        async move {
            app.scalar(&format!("SELECT COUNT(*) FROM outbox WHERE recipient = '{to}' AND subject LIKE 'Confirm%'"))
                .await
        }
    };
    // One account asking for five new addresses at once (five: each
    // confirms the password, and one account's checks in flight are held
    // to LOGIN_MAX_FAILURES): its sign-up took one of its three links, so
    // two go.
    let (_, cookie) = app.signed_up().await;
    let addresses: Vec<String> = (0..5).map(|_| unique_email()).collect();
    let statuses = burst([&app, &other], 5, |a, i| {
        let (cookie, to) = (cookie.clone(), addresses[i].clone());
        async move { a.post("/api/change_email", &[("new_email", &to), ("password", PASSWORD)], Some(&cookie)).await }
    })
    .await;
    assert_eq!(count(&statuses, 200), 5, "{statuses:?}");
    let mut sent = 0;
    for to in &addresses {
        sent += confirmations(to.clone()).await;
    }
    assert_eq!(sent, 2);

    let target = unique_email();
    let mut cookies = Vec::new();
    for _ in 0..8 {
        cookies.push(app.signed_up().await.1);
    }
    let statuses = burst([&app, &other], 8, |a, i| {
        let (cookie, target) = (cookies[i].clone(), target.clone());
        async move { a.post("/api/change_email", &[("new_email", &target), ("password", PASSWORD)], Some(&cookie)).await }
    })
    .await;
    assert_eq!(count(&statuses, 200), 8, "{statuses:?}");
    assert_eq!(confirmations(target).await, 3);
}

// ---- recent authentication --------------------------------------------------------

/// A session past its recent-authentication window (one second here).
async fn stale_session(app: &TestApp) -> (String, String) {
    let (email, cookie) = app.signed_up().await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    (email, cookie)
}

#[tokio::test]
async fn sensitive_calls_outside_the_window_are_403_and_change_nothing() {
    let app = TestApp::spawn_with(|c| c.lifetimes.reauth_window = 1).await;
    let (email, cookie) = stale_session(&app).await;
    let calls: &[(&str, &[(&str, &str)])] = &[
        ("/api/change_password", &[("current_password", PASSWORD), ("new_password", NEW_PASSWORD)]),
        ("/api/change_email", &[("new_email", "elsewhere@example.com"), ("password", PASSWORD)]),
        ("/api/delete_account", &[("password", PASSWORD)]),
        ("/api/totp_begin", &[]),
        ("/api/totp_enable", &[("code", "123456"), ("password", PASSWORD)]),
        ("/api/totp_disable", &[("password", PASSWORD)]),
        ("/api/recovery_codes", &[("password", PASSWORD)]),
        ("/api/passkey_register_begin", &[]),
        ("/api/passkey_register_finish", &[("credential", "{}"), ("name", "Phone")]),
        ("/api/passkey_delete", &[("id", "1")]),
    ];
    for (path, form) in calls {
        let res = app.post(path, form, Some(&cookie)).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(json(res).await["code"], "reauth_required", "{path}");
    }
    // Nothing changed: the account, its password, its email are as they were.
    assert_eq!(app.log_in(&email, PASSWORD, None).await.status(), StatusCode::OK);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM totp").await, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM email_tokens WHERE purpose = 'change_email'").await, 0);
    // What never needs it still works.
    assert_eq!(app.post("/api/logout_others", &[], Some(&cookie)).await.status(), StatusCode::OK);
    // A call the access table does not name is no call at all.
    assert_eq!(app.post("/api/no_such_call", &[], Some(&cookie)).await.status(), StatusCode::NOT_FOUND);

    // A wrong password does not open the window; the right one does.
    let res = app.post("/api/reauthenticate", &[("password", "not my password")], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app.post("/api/reauthenticate", &[("password", PASSWORD)], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.post("/api/totp_begin", &[], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_form_posted_outside_the_window_lands_on_reauthenticate() {
    let app = TestApp::spawn_with(|c| c.lifetimes.reauth_window = 1).await;
    let (_, cookie) = stale_session(&app).await;
    let res = app
        .client
        .post(app.url("/api/totp_begin"))
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, app.url("/security"))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(res.headers()[header::LOCATION], "/reauthenticate?next=%2Fsecurity");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM totp").await, 0);
    // The page asks for the password, and a form post of it goes on.
    let page = app.page("/reauthenticate?next=%2Fsecurity", Some(&cookie)).await.text().await.unwrap();
    assert!(page.contains("Confirm it") && page.contains("name=\"password\""), "{page}");
    let res = app
        .client
        .post(app.url("/api/reauthenticate"))
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, app.url("/reauthenticate?next=%2Fsecurity"))
        .header(header::COOKIE, &cookie)
        .form(&[("password", PASSWORD), ("next", "/security")])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(res.headers()[header::LOCATION], "/security");
}

/// Fails closed: a call that needs a session, posted by a form from a
/// browser that has none (expired, logged out elsewhere), runs nothing and
/// sends the browser to log in, then back to its page.
#[tokio::test]
async fn a_form_posted_signed_out_lands_on_login_and_changes_nothing() {
    let app = TestApp::spawn().await;
    for path in ["/api/totp_begin", "/api/logout_others", "/api/resend_confirmation"] {
        let res = app
            .client
            .post(app.url(path))
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, app.url("/security"))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_redirection(), "{path}: {}", res.status());
        assert_eq!(res.headers()[header::LOCATION], "/login?next=%2Fsecurity", "{path}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM totp").await, 0);
}

#[tokio::test]
async fn reauthentication_with_two_step_verification_needs_the_code_too() {
    let app = TestApp::spawn_with(|c| c.lifetimes.reauth_window = 3).await;
    // Early in a step, so enrolling (inside the window) waits for none.
    early_in_a_step().await;
    let (_, cookie) = app.signed_up().await;
    let (_, codes) = enrol(&app, &cookie).await;
    tokio::time::sleep(Duration::from_millis(3_100)).await;
    let reauth = |form: Vec<(&'static str, String)>| {
        let req = app.client.post(app.url("/api/reauthenticate")).header(header::ACCEPT, "application/json");
        req.header(header::COOKIE, &cookie).form(&form).send()
    };
    let res = reauth(vec![("password", PASSWORD.into())]).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json(res).await["code"], "bad_code");
    let res = reauth(vec![("password", PASSWORD.into()), ("code", "000000".into())]).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // The app's code of this step was used to turn it on: a recovery code.
    let res = reauth(vec![("password", PASSWORD.into()), ("code", codes[0].clone())]).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.post("/api/recovery_codes", &[("password", PASSWORD)], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
}

// ---- takeovers a reset must end --------------------------------------------------

/// Asks for a reset link and answers its token, as mailed.
async fn reset_token(app: &TestApp, smtp: &SmtpServer, email: &str) -> String {
    let res = app.post("/api/request_password_reset", &[("email", email)], None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let mail = smtp.wait_for(email, "Reset").await;
    mail.text.split("/reset-password/").nth(1).unwrap().split_whitespace().next().unwrap().to_owned()
}

async fn mail_app(smtp: &SmtpServer) -> TestApp {
    TestApp::with_mail(smtp).await
}

#[tokio::test]
async fn a_password_reset_voids_a_pending_change_of_email() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let (email, cookie) = app.signed_up().await;
    // The thief, signed in, asks to move the account to their address.
    let thief = unique_email();
    let res = app.post("/api/change_email", &[("new_email", &thief), ("password", PASSWORD)], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let link = smtp.wait_for(&thief, "Confirm").await;
    let change = link.text.split("/confirm-email/").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    // The owner, told, resets the password.
    let token = reset_token(&app, &smtp, &email).await;
    let res = app.post("/api/reset_password", &[("token", &token), ("new_password", NEW_PASSWORD)], None).await;
    assert_eq!(res.status(), StatusCode::OK);
    // The thief's link no longer takes the account.
    let res = app.post("/api/confirm_email", &[("token", &change)], None).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.log_in(&email, NEW_PASSWORD, None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_reset_that_confirms_the_address_removes_what_a_squatter_added() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    // Someone signs up with another person's address and adds an app.
    let (email, cookie) = app.signed_up().await;
    enrol(&app, &cookie).await;
    app.execute("INSERT INTO passkeys (user_id, user_handle, cred_id, name, passkey, created_at) \
                 SELECT id, 'h', 'c', 'squatter', '{}', 0 FROM users")
        .await;
    // The real owner resets the password from their inbox: no code asked.
    let token = reset_token(&app, &smtp, &email).await;
    let res = app.post("/api/reset_password", &[("token", &token), ("new_password", NEW_PASSWORD)], None).await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    for table in ["totp", "recovery_codes", "passkeys"] {
        assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM {table}")).await, 0, "{table}");
    }
    let res = app.log_in(&email, NEW_PASSWORD, None).await;
    assert_eq!(json(res).await["second_factor"], false);
}

#[tokio::test]
async fn a_password_change_ends_pending_second_steps() {
    let app = TestApp::spawn().await;
    let (email, cookie) = app.signed_up().await;
    let (secret, _) = enrol(&app, &cookie).await;
    let pending = session_cookie(&app.log_in(&email, PASSWORD, None).await).unwrap();
    let res = app
        .post("/api/change_password", &[("current_password", PASSWORD), ("new_password", NEW_PASSWORD)], Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    early_in_a_step().await;
    let res = app.post("/api/verify_second_factor", &[("code", &app_code(&secret))], Some(&pending)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(res).await["code"], "no_pending_login");
}

/// The token in the newest mail to `to` whose subject starts with
/// `subject`, as the link `/{path}/{token}` carries it.
async fn mailed_token(smtp: &SmtpServer, to: &str, subject: &str, path: &str) -> String {
    let mail = smtp.wait_for(to, subject).await;
    let marker = format!("/{path}/");
    mail.text.split(marker.as_str()).nth(1).unwrap().split_whitespace().next().unwrap().to_owned()
}

#[tokio::test]
async fn a_password_change_voids_pending_confirmation_and_change_of_email_links() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let (email, cookie) = app.signed_up().await;
    let confirm = mailed_token(&smtp, &email, "Confirm", "confirm-email").await;
    let elsewhere = unique_email();
    let res = app.post("/api/change_email", &[("new_email", &elsewhere), ("password", PASSWORD)], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let change = mailed_token(&smtp, &elsewhere, "Confirm", "confirm-email").await;
    let res = app
        .post("/api/change_password", &[("current_password", PASSWORD), ("new_password", NEW_PASSWORD)], Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // This session goes on under a new id.
    let cookie = session_cookie(&res).unwrap();
    for token in [&confirm, &change] {
        let res = app.post("/api/confirm_email", &[("token", token.as_str())], None).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert_eq!(json(res).await["code"], "invalid_token");
    }
    let me = json(app.get("/api/me", Some(&cookie)).await).await;
    assert_eq!((me["email"].as_str(), me["email_confirmed"].as_bool()), (Some(email.as_str()), Some(false)));
}

/// An account whose address is confirmed and which has two-step
/// verification: (email, cookie, secret, recovery codes).
async fn confirmed_with_two_step(app: &TestApp, smtp: &SmtpServer) -> (String, String, String, Vec<String>) {
    let (email, cookie) = app.signed_up().await;
    let confirm = mailed_token(smtp, &email, "Confirm", "confirm-email").await;
    assert_eq!(app.post("/api/confirm_email", &[("token", &confirm)], None).await.status(), StatusCode::OK);
    let (secret, codes) = enrol(app, &cookie).await;
    (email, cookie, secret, codes)
}

#[tokio::test]
async fn a_password_reset_ends_pending_second_steps() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let (email, _, secret, codes) = confirmed_with_two_step(&app, &smtp).await;
    let pending = session_cookie(&app.log_in(&email, PASSWORD, None).await).unwrap();
    let token = reset_token(&app, &smtp, &email).await;
    let form = [("token", token.as_str()), ("new_password", NEW_PASSWORD), ("code", codes[0].as_str())];
    let res = app.post("/api/reset_password", &form, None).await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    early_in_a_step().await;
    let res = app.post("/api/verify_second_factor", &[("code", &app_code(&secret))], Some(&pending)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(res).await["code"], "no_pending_login");
}

#[tokio::test]
async fn forty_wrong_reauthentications_at_once_check_at_most_the_limit() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let (_, cookie) = app.signed_up().await;
    let statuses = burst([&app, &other], 40, |a, i| {
        let cookie = cookie.clone();
        async move { a.post("/api/reauthenticate", &[("password", &format!("not it {i}"))], Some(&cookie)).await }
    })
    .await;
    assert_eq!(count(&statuses, 401), 5, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 35, "{statuses:?}");
    // The right password waits too: the window is used up.
    let res = app.post("/api/reauthenticate", &[("password", PASSWORD)], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn forty_wrong_reset_codes_at_once_check_at_most_the_limit() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let other = app.another_instance().await;
    let (email, _, secret, _) = confirmed_with_two_step(&app, &smtp).await;
    let token = reset_token(&app, &smtp, &email).await;
    let right = app_code(&secret);
    let statuses = burst([&app, &other], 40, |a, i| {
        let token = token.clone();
        let wrong = wrong_code(&right, i);
        async move {
            a.post("/api/reset_password", &[("token", token.as_str()), ("new_password", NEW_PASSWORD), ("code", &wrong)], None)
                .await
        }
    })
    .await;
    assert_eq!(count(&statuses, 401), 5, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 35, "{statuses:?}");
    // The password is as it was, and the link unused.
    let hash_changed = app.scalar("SELECT COUNT(*) FROM security_events WHERE kind = 'password_reset'").await;
    assert_eq!(hash_changed, 0);
}

#[tokio::test]
async fn recovery_codes_made_by_a_form_post_are_never_stored_in_clear() {
    let app = TestApp::spawn().await;
    let (_, cookie) = app.signed_up().await;
    enrol(&app, &cookie).await;
    let res = app
        .client
        .post(app.url("/api/recovery_codes"))
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, app.url("/security"))
        .header(header::COOKIE, &cookie)
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection());
    let carried = crate::helpers::cookie_named(&res, "gatehouse_codes").expect("the codes' cookie");
    let page = app
        .page("/security", Some(&format!("{cookie}; {carried}")))
        .await
        .text()
        .await
        .unwrap();
    let shown: Vec<&str> = page
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap())
        .collect();
    assert_eq!(shown.len(), 10, "{page}");
    // Not in the cookie as text, nor in the session store, nor the database.
    let stored: String = app.stored_sessions().await.into_iter().map(|s| s.data).collect();
    for code in &shown {
        assert!(!carried.contains(code) && !stored.contains(code), "{code}");
    }
    crate::helpers::assert_codes_not_stored(&app, &shown).await;
}

// ---- concurrent changes ------------------------------------------------------------

#[tokio::test]
async fn two_totp_enables_at_once_give_exactly_one_200_whose_codes_work() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let (email, cookie) = app.signed_up().await;
    let begun = json(app.post("/api/totp_begin", &[], Some(&cookie)).await).await;
    let secret = begun["secret"].as_str().unwrap().to_owned();
    early_in_a_step().await;
    let code = app_code(&secret);
    let form = [("code", code.as_str()), ("password", PASSWORD)];
    let (a, b) = tokio::join!(
        app.post("/api/totp_enable", &form, Some(&cookie)),
        other.post("/api/totp_enable", &form, Some(&cookie)),
    );
    let mut answers = vec![(a.status().as_u16(), a.text().await.unwrap()), (b.status().as_u16(), b.text().await.unwrap())];
    answers.sort();
    assert_eq!(answers[0].0, 200, "{answers:?}");
    assert!(answers[1].0 < 500 && answers[1].0 != 200, "{answers:?}");
    let codes: Value = serde_json::from_str(&answers[0].1).unwrap();
    let me = json(app.get("/api/me", Some(&cookie)).await).await;
    assert_eq!(me["two_factor"], true);
    let pending = session_cookie(&app.log_in(&email, PASSWORD, None).await).unwrap();
    let recovery = codes["recovery_codes"][0].as_str().unwrap();
    let res = app.post("/api/verify_second_factor", &[("code", recovery)], Some(&pending)).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn two_reset_requests_at_once_both_answer_200() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let other = app.another_instance().await;
    let (email, _) = app.signed_up().await;
    for _ in 0..3 {
        let form = [("email", email.as_str())];
        let (a, b) = tokio::join!(
            app.post("/api/request_password_reset", &form, None),
            other.post("/api/request_password_reset", &form, None),
        );
        assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    }
    let resets = app
        .scalar(&format!("SELECT COUNT(*) FROM outbox WHERE recipient = '{email}' AND subject LIKE 'Reset%'"))
        .await;
    assert_eq!(resets, 3, "the cap holds across instances");
}

// ---- notices --------------------------------------------------------------------

#[tokio::test]
async fn a_sign_in_from_a_new_browser_and_network_is_told_to_the_address() {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let app = TestApp::spawn_with(move |c| {
        c.smtp = Some(app::ssr::mail::smtp::SmtpSettings::parse(&url).unwrap());
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let (email, cookie) = app.signed_up().await;
    let login = |agent: &'static str, ip: &'static str| {
        app.client
            .post(app.url("/api/login"))
            .header(header::ACCEPT, "application/json")
            .header(header::USER_AGENT, agent)
            .header("x-forwarded-for", ip)
            .form(&[("email", email.as_str()), ("password", PASSWORD)])
            .send()
    };
    let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0";
    assert_eq!(login(firefox, "198.51.100.7").await.unwrap().status(), StatusCode::OK);
    let mail = smtp.wait_for(&email, "new sign-in").await;
    assert!(mail.text.contains("Firefox on Linux"), "{}", mail.text);
    assert!(mail.text.contains("198.51.100.0/24") && mail.text.contains("/sessions"), "{}", mail.text);
    // The same browser and network again: no second notice.
    assert_eq!(login(firefox, "198.51.100.9").await.unwrap().status(), StatusCode::OK);
    // Turning two-step verification off, and new codes, are told too.
    enrol(&app, &cookie).await;
    app.post("/api/recovery_codes", &[("password", PASSWORD)], Some(&cookie)).await;
    app.post("/api/totp_disable", &[("password", PASSWORD)], Some(&cookie)).await;
    smtp.wait_for(&email, "recovery codes").await;
    smtp.wait_for(&email, "turned off").await;
    let notices = smtp
        .received()
        .iter()
        .filter(|m| m.to == [email.clone()] && m.subject.contains("new sign-in"))
        .count();
    assert_eq!(notices, 1);
}
