//! Two-step verification and passkeys over HTTP: enrolment, the second
//! step of a login, replay and drift, wrong codes and the throttle,
//! recovery codes once each, turning it off, a reset that asks for a code,
//! pending logins that expire or belong to another browser, the operator's
//! reset, and what the passkey calls answer short of a real authenticator
//! (the ceremonies themselves run in Chromium, `end2end/tests/passkeys`).
//!
//! Codes are computed here with `totp-rs` from the secret the API gave,
//! as an authenticator app would.

use crate::helpers::{session_cookie, set_cookie_header, smtp::SmtpServer, TestApp, PASSWORD};
use reqwest::{header, StatusCode};
use serde_json::Value;
use crate::helpers::totp::{app_code, early_in_a_step, unix_now};

async fn json(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

async fn events(app: &TestApp, cookie: &str) -> Vec<String> {
    let list: Vec<Value> = app.get("/api/security_events", Some(cookie)).await.json().await.unwrap();
    list.iter().map(|e| e["type"].as_str().unwrap().to_owned()).collect()
}

/// Two-step verification turned on for a new account; answers (email,
/// cookie, secret, recovery codes).
async fn enrolled(app: &TestApp) -> (String, String, String, Vec<String>) {
    let (email, cookie) = app.signed_up().await;
    let begun = json(app.post("/api/totp_begin", &[], Some(&cookie)).await).await;
    let secret = begun["secret"].as_str().unwrap().to_owned();
    early_in_a_step().await;
    let res = app
        .post("/api/totp_enable", &[("code", &app_code(&secret, 0)), ("password", PASSWORD)], Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = json(res).await;
    let codes = body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    (email, cookie, secret, codes)
}

/// The first step of a login: answers the pending login's cookie.
async fn first_step(app: &TestApp, email: &str) -> String {
    let res = app.log_in(email, PASSWORD, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = session_cookie(&res).expect("a cookie for the pending login");
    assert_eq!(json(res).await, serde_json::json!({"second_factor": true}));
    cookie
}

async fn verify(app: &TestApp, cookie: &str, code: &str) -> reqwest::Response {
    app.post("/api/verify_second_factor", &[("code", code)], Some(cookie)).await
}

#[tokio::test]
async fn enrolment_needs_the_password_and_a_right_code() {
    let app = TestApp::spawn().await;
    assert_eq!(app.post("/api/totp_begin", &[], None).await.status(), StatusCode::UNAUTHORIZED);
    let (email, cookie) = app.signed_up().await;
    let me = json(app.get("/api/me", Some(&cookie)).await).await;
    assert_eq!(me["two_factor"], false);

    let begun = json(app.post("/api/totp_begin", &[], Some(&cookie)).await).await;
    let secret = begun["secret"].as_str().unwrap();
    // Base32 of at least 128 bits, in the URI an app scans.
    let bytes = totp_rs::Secret::try_from_base32(secret).unwrap().as_ref().to_vec();
    assert!(bytes.len() >= 16, "{} bytes", bytes.len());
    let uri = begun["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/Gatehouse:"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(uri.contains(&email.replace('@', "%40")), "{uri}");
    // Nothing is on yet: logins take one step.
    let res = app.log_in(&email, PASSWORD, None).await;
    assert_eq!(json(res).await["second_factor"], false);

    early_in_a_step().await;
    let code = app_code(secret, 0);
    let wrong_password = app.post("/api/totp_enable", &[("code", &code), ("password", "not it at all")], Some(&cookie)).await;
    assert_eq!(wrong_password.status(), StatusCode::UNAUTHORIZED);
    let wrong_code = app.post("/api/totp_enable", &[("code", "000000"), ("password", PASSWORD)], Some(&cookie)).await;
    assert_eq!(wrong_code.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(wrong_code).await["field"], "code");
    let not_digits = app.post("/api/totp_enable", &[("code", "abc"), ("password", PASSWORD)], Some(&cookie)).await;
    assert_eq!(not_digits.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(app.get("/api/me", Some(&cookie)).await).await["two_factor"], false);

    let res = app.post("/api/totp_enable", &[("code", &code), ("password", PASSWORD)], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let codes: Vec<String> = serde_json::from_value(json(res).await["recovery_codes"].clone()).unwrap();
    assert_eq!(codes.len(), 10);
    assert_eq!(codes.iter().collect::<std::collections::HashSet<_>>().len(), 10);
    assert_eq!(json(app.get("/api/me", Some(&cookie)).await).await["two_factor"], true);
    let log = events(&app, &cookie).await;
    assert_eq!(log[..2], ["recovery_codes_created", "totp_enabled"], "{log:?}");

    // Stored sealed and hashed: neither the secret nor a code is in the
    // database as it was shown.
    let raw = app.scalar("SELECT COUNT(*) FROM totp WHERE secret IS NOT NULL AND pending IS NULL").await;
    assert_eq!(raw, 1);
    let stored: Vec<u8> = match &app.db {
        app::ssr::db::Db::Sqlite(pool) => sqlx::query_scalar("SELECT secret FROM totp").fetch_one(pool).await.unwrap(),
        app::ssr::db::Db::Postgres(pool) => sqlx::query_scalar("SELECT secret FROM totp").fetch_one(pool).await.unwrap(),
    };
    assert!(!stored.windows(bytes.len()).any(|w| w == bytes.as_slice()));
    crate::helpers::assert_codes_not_stored(&app, &codes).await;
}

#[tokio::test]
async fn the_second_step_signs_in_with_a_new_session_id() {
    let app = TestApp::spawn().await;
    let (email, _, secret, _) = enrolled(&app).await;
    let pending = first_step(&app, &email).await;
    // A pending login is not signed in.
    assert_eq!(app.get("/api/me", Some(&pending)).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/sessions", Some(&pending)).await.status(), StatusCode::UNAUTHORIZED);
    // Its cookie ends with it.
    let set_cookie = set_cookie_header(&app.log_in(&email, PASSWORD, None).await).unwrap();
    assert!(set_cookie.contains("Expires=") || set_cookie.contains("Max-Age="), "{set_cookie}");

    let res = verify(&app, &pending, &app_code(&secret, 30)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let signed_in = session_cookie(&res).expect("a new session cookie");
    assert_ne!(signed_in, pending);
    let me = json(app.get("/api/me", Some(&signed_in)).await).await;
    assert_eq!(me["email"], email);
    assert_eq!(me["two_factor"], true);
    // The pending login is used up.
    assert_eq!(app.get("/api/me", Some(&pending)).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(verify(&app, &pending, &app_code(&secret, 0)).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(events(&app, &signed_in).await[0], "login");
}

#[tokio::test]
async fn a_code_works_once_and_one_step_either_side() {
    let app = TestApp::spawn().await;
    let (email, _, secret, _) = enrolled(&app).await;
    // enrolled() used this step's code.
    let pending = first_step(&app, &email).await;
    assert_eq!(verify(&app, &pending, &app_code(&secret, 0)).await.status(), StatusCode::UNAUTHORIZED, "replayed");
    assert_eq!(verify(&app, &pending, &app_code(&secret, -30)).await.status(), StatusCode::UNAUTHORIZED, "earlier");
    assert_eq!(verify(&app, &pending, &app_code(&secret, 60)).await.status(), StatusCode::UNAUTHORIZED, "too far ahead");
    assert_eq!(verify(&app, &pending, &app_code(&secret, 30)).await.status(), StatusCode::OK, "one step ahead");

    // One step behind, for an app whose clock is slow.
    let app2 = TestApp::spawn().await;
    let (email2, cookie2) = app2.signed_up().await;
    let secret2 = json(app2.post("/api/totp_begin", &[], Some(&cookie2)).await).await["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    early_in_a_step().await;
    let res = app2
        .post("/api/totp_enable", &[("code", &app_code(&secret2, -30)), ("password", PASSWORD)], Some(&cookie2))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let pending = first_step(&app2, &email2).await;
    assert_eq!(verify(&app2, &pending, &app_code(&secret2, -60)).await.status(), StatusCode::UNAUTHORIZED);
    let res = verify(&app2, &pending, &app_code(&secret2, 0)).await;
    assert_eq!(res.status(), StatusCode::OK);
    // The same code from another browser at once: refused.
    let other = first_step(&app2, &email2).await;
    let body = json(verify(&app2, &other, &app_code(&secret2, 0)).await).await;
    assert_eq!(body["code"], "bad_code");
}

#[tokio::test]
async fn wrong_codes_count_against_the_login_throttle() {
    let app = TestApp::spawn_with(|c| c.login_limits.max_failures = 3).await;
    let (email, _, secret, _) = enrolled(&app).await;
    let pending = first_step(&app, &email).await;
    for wrong in ["000000", "999999", "not a code"] {
        let res = verify(&app, &pending, wrong).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{wrong}");
    }
    let res = verify(&app, &pending, &app_code(&secret, 30)).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key(header::RETRY_AFTER));
    // The password form is held to the same count.
    assert_eq!(app.log_in(&email, PASSWORD, None).await.status(), StatusCode::TOO_MANY_REQUESTS);
    let failed = app
        .scalar("SELECT COUNT(*) FROM security_events WHERE kind = 'login_failed'")
        .await;
    assert_eq!(failed, 3);
}

#[tokio::test]
async fn a_right_password_does_not_reset_the_count_of_wrong_codes() {
    let app = TestApp::spawn_with(|c| c.login_limits.max_failures = 3).await;
    let (email, _, _, _) = enrolled(&app).await;
    for _ in 0..3 {
        let pending = first_step(&app, &email).await;
        assert_eq!(verify(&app, &pending, "123456").await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.log_in(&email, PASSWORD, None).await.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn recovery_codes_work_once_each_and_a_new_set_kills_the_old() {
    let app = TestApp::spawn().await;
    let (email, cookie, _, codes) = enrolled(&app).await;
    let pending = first_step(&app, &email).await;
    // Typed any which way: upper case, no dash.
    let typed = codes[0].to_uppercase().replace('-', " ");
    let res = verify(&app, &pending, &typed).await;
    assert_eq!(res.status(), StatusCode::OK);
    let signed_in = session_cookie(&res).unwrap();
    let log = events(&app, &signed_in).await;
    assert_eq!(log[..2], ["login", "recovery_code_used"], "{log:?}");

    let pending = first_step(&app, &email).await;
    assert_eq!(verify(&app, &pending, &codes[0]).await.status(), StatusCode::UNAUTHORIZED, "used twice");

    assert_eq!(
        app.post("/api/recovery_codes", &[("password", "not the password")], Some(&cookie)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let res = app.post("/api/recovery_codes", &[("password", PASSWORD)], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let fresh: Vec<String> = serde_json::from_value(json(res).await["recovery_codes"].clone()).unwrap();
    assert_eq!(fresh.len(), 10);
    assert!(fresh.iter().all(|c| !codes.contains(c)));
    assert_eq!(verify(&app, &pending, &codes[1]).await.status(), StatusCode::UNAUTHORIZED, "old set");
    assert_eq!(verify(&app, &pending, &fresh[9]).await.status(), StatusCode::OK);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM recovery_codes WHERE used_at IS NULL").await,
        9
    );
}

#[tokio::test]
async fn turning_it_off_needs_the_password_and_logins_take_one_step_again() {
    let app = TestApp::spawn().await;
    let (email, cookie, _, _) = enrolled(&app).await;
    assert_eq!(
        app.post("/api/totp_disable", &[("password", "not the password")], Some(&cookie)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.post("/api/totp_disable", &[("password", PASSWORD)], None).await.status(), StatusCode::UNAUTHORIZED);
    let res = app.post("/api/totp_disable", &[("password", PASSWORD)], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json(app.get("/api/me", Some(&cookie)).await).await["two_factor"], false);
    let res = app.log_in(&email, PASSWORD, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let signed_in = session_cookie(&res).unwrap();
    assert_eq!(json(res).await["second_factor"], false);
    assert_eq!(app.get("/api/me", Some(&signed_in)).await.status(), StatusCode::OK);
    assert!(events(&app, &signed_in).await.contains(&"totp_disabled".to_owned()));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM recovery_codes").await, 0);
    // No codes without two-step verification.
    let res = app.post("/api/recovery_codes", &[("password", PASSWORD)], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM recovery_codes").await, 0);
}

#[tokio::test]
async fn a_password_reset_asks_for_a_code_too() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::with_mail(&smtp).await;
    let (email, _, secret, codes) = enrolled(&app).await;
    // A confirmed address: a reset that would confirm it clears the
    // factors instead of asking for a code (`abuse` tests that).
    app.execute("UPDATE users SET email_confirmed_at = 1").await;
    let res = app.post("/api/request_password_reset", &[("email", &email)], None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let mail = smtp.wait_for(&email, "Reset").await;
    let port = app.base.rsplit(':').next().unwrap();
    let link = mail.link(&format!("http://localhost:{port}/reset-password/")).unwrap();
    let token = link.rsplit('/').next().unwrap().to_owned();
    // The reset page asks for the code.
    let page = app.page(&format!("/reset-password/{token}"), None).await.text().await.unwrap();
    assert!(page.contains("name=\"code\""), "no code field on the reset page");

    const NEW: &str = "a brand new passphrase";
    let reset = |code: Option<String>| {
        let mut form = vec![("token", token.clone()), ("new_password", NEW.to_owned())];
        if let Some(code) = code {
            form.push(("code", code));
        }
        let app = &app;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post("/api/reset_password", &form, None).await
        }
    };
    let res = reset(None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json(res).await["field"], "code");
    assert_eq!(reset(Some("123456".into())).await.status(), StatusCode::UNAUTHORIZED);
    // The link still works with a right code (a recovery code here).
    assert_eq!(reset(Some(codes[3].clone())).await.status(), StatusCode::OK);
    assert_eq!(app.log_in(&email, NEW, None).await.status(), StatusCode::OK);
    // Still two-step: the reset does not turn it off.
    let pending = first_step_with(&app, &email, NEW).await;
    assert_eq!(verify(&app, &pending, &app_code(&secret, 30)).await.status(), StatusCode::OK);
}

async fn first_step_with(app: &TestApp, email: &str, password: &str) -> String {
    let res = app.log_in(email, password, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = session_cookie(&res).unwrap();
    assert_eq!(json(res).await["second_factor"], true);
    cookie
}

#[tokio::test]
async fn a_pending_login_belongs_to_its_browser_and_ends_after_five_minutes() {
    let app = TestApp::spawn().await;
    let (email, _, secret, _) = enrolled(&app).await;
    let pending = first_step(&app, &email).await;
    // Another browser, with no cookie or a session of its own, has no
    // login waiting.
    assert_eq!(verify(&app, "gatehouse=forged", &app_code(&secret, 30)).await.status(), StatusCode::BAD_REQUEST);
    let res = app.post("/api/verify_second_factor", &[("code", &app_code(&secret, 30))], None).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(res).await["code"], "no_pending_login");
    let (_, someone_else) = app.signed_up().await;
    assert_eq!(verify(&app, &someone_else, &app_code(&secret, 30)).await.status(), StatusCode::BAD_REQUEST);

    // The store holds it for five minutes.
    let stored = app.stored_sessions().await;
    let row = stored
        .iter()
        .find(|s| s.data.contains("pending_login"))
        .expect("the pending login is stored");
    let now = unix_now() as i64;
    assert!((now + 290..=now + 305).contains(&row.expires_at), "{} vs {now}", row.expires_at);

    // Five minutes later (its deadline moved into the past): gone.
    let data: Value = serde_json::from_str(&row.data).unwrap();
    let expires = data["pending_login"]["expires_at"].as_i64().unwrap();
    let aged = row.data.replace(&expires.to_string(), &(now - 1).to_string());
    rewrite_session(&app, &row.id_hash, &aged).await;
    assert_eq!(verify(&app, &pending, &app_code(&secret, 30)).await.status(), StatusCode::BAD_REQUEST);
}

/// Puts `data` in the stored session `id_hash`, behind the app's back.
async fn rewrite_session(app: &TestApp, id_hash: &str, data: &str) {
    match &app.config.session_store {
        server::config::SessionStoreKind::Redis(url) => {
            let client = redis::Client::open(url.as_str()).unwrap();
            let mut conn = client.get_multiplexed_async_connection().await.unwrap();
            let key = format!("{}:session:{id_hash}", app.config.session_key_prefix);
            let _: () = redis::cmd("SET").arg(&key).arg(data).arg("KEEPTTL").query_async(&mut conn).await.unwrap();
        }
        _ => {
            let sql = "UPDATE sessions SET data = $1 WHERE id_hash = $2";
            match &app.db {
                app::ssr::db::Db::Sqlite(pool) => {
                    sqlx::query(sql).bind(data).bind(id_hash).execute(pool).await.unwrap();
                }
                app::ssr::db::Db::Postgres(pool) => {
                    sqlx::query(sql).bind(data).bind(id_hash).execute(pool).await.unwrap();
                }
            }
        }
    }
}

#[tokio::test]
async fn a_form_post_goes_to_login_verify_and_the_codes_are_shown_once() {
    let app = TestApp::spawn().await;
    let (email, cookie) = app.signed_up().await;
    let form = |path: &str, fields: &[(&str, &str)], cookie: &str| {
        app.client
            .post(app.url(path))
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, app.url("/security"))
            .header(header::COOKIE, cookie)
            .form(fields)
            .send()
    };
    let res = form("/api/totp_begin", &[], &cookie).await.unwrap();
    assert!(res.status().is_redirection());
    let page = app.page("/security", Some(&cookie)).await.text().await.unwrap();
    assert!(page.contains("<svg"), "a QR code on the page");
    let secret = page
        .split("data-testid=\"totp-secret\"")
        .nth(1)
        .and_then(|rest| rest.split('>').nth(1))
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_owned();
    early_in_a_step().await;
    let res = form("/api/totp_enable", &[("code", &app_code(&secret, 0)), ("password", PASSWORD)], &cookie)
        .await
        .unwrap();
    assert!(res.status().is_redirection());
    // They ride to the page in an encrypted cookie, as a browser keeps it.
    let carried = crate::helpers::cookie_named(&res, "gatehouse_codes").expect("the codes' cookie");
    let first = app.page("/security", Some(&format!("{cookie}; {carried}"))).await.text().await.unwrap();
    assert_eq!(first.matches("<code").count(), 10, "ten codes shown");
    let again = app.page("/security", Some(&cookie)).await.text().await.unwrap();
    assert_eq!(again.matches("<code").count(), 0, "shown once");
    assert!(again.contains("10 of 10 recovery codes left"));

    let res = app
        .client
        .post(app.url("/api/login"))
        .header(header::ACCEPT, "text/html")
        .form(&[("email", email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection());
    assert_eq!(res.headers()[header::LOCATION], "/login/verify");
    let pending = session_cookie(&res).unwrap();
    let page = app.page("/login/verify", Some(&pending)).await.text().await.unwrap();
    assert!(page.contains("name=\"code\""));
    let page = app.page("/login/verify", None).await.text().await.unwrap();
    assert!(page.contains("no-pending-login"));
}

#[tokio::test]
async fn an_operator_turns_it_off_for_a_lost_phone() {
    let app = TestApp::spawn_on(crate::helpers::Backend::Sqlite, |_| {}).await;
    let (email, _, _, _) = enrolled(&app).await;
    let run = |who: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .args(["second-factor", "reset", who])
            .env("DATABASE_URL", &app.config.database_url)
            .env_remove("SESSION_STORE_URL")
            .env("GATEHOUSE_DATA_DIR", app.db_path.parent().unwrap())
            .output()
            .unwrap()
    };
    let out = run(&email);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("two-step verification is off"));
    let res = app.log_in(&email, PASSWORD, None).await;
    let cookie = session_cookie(&res).unwrap();
    assert_eq!(json(res).await["second_factor"], false);
    let list: Vec<Value> = app.get("/api/security_events", Some(&cookie)).await.json().await.unwrap();
    let disabled = list.iter().find(|e| e["type"] == "totp_disabled").expect("logged");
    assert!(disabled["user_agent"].as_str().unwrap().contains("operator"));
    // The account is told, by a mail the running server sends.
    let told = app
        .scalar(&format!("SELECT COUNT(*) FROM outbox WHERE recipient = '{email}' AND subject LIKE '%turned off%'"))
        .await;
    assert_eq!(told, 1);
    let out = run(&email);
    assert!(String::from_utf8_lossy(&out.stdout).contains("was not on"));
    assert!(!run("nobody@example.com").status.success());
}

/// The passkey calls short of an authenticator: who may call them, the
/// options' shape, and one answer for every credential that fails.
#[tokio::test]
async fn passkey_calls_answer_as_the_contract_says() {
    let app = TestApp::spawn().await;
    for path in ["/api/passkey_register_begin", "/api/passkey_register_finish", "/api/passkey_delete"] {
        let res = app.post(path, &[("credential", "{}"), ("name", "x"), ("id", "1")], None).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    assert_eq!(app.get("/api/passkeys", None).await.status(), StatusCode::UNAUTHORIZED);
    let (_, cookie) = app.signed_up().await;
    let options = json(app.post("/api/passkey_register_begin", &[], Some(&cookie)).await).await;
    let pk = &options["publicKey"];
    assert_eq!(pk["rp"]["id"], "localhost", "{options}");
    assert_eq!(pk["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(pk["authenticatorSelection"]["requireResidentKey"], true);
    assert_eq!(pk["authenticatorSelection"]["userVerification"], "required");
    let challenge = pk["challenge"].as_str().unwrap();
    assert!(challenge.len() >= 22 && !challenge.contains(['+', '/', '=']), "base64url: {challenge}");
    assert!(!pk["user"]["id"].as_str().unwrap().is_empty());

    // The name is checked first: 422, in words.
    for name in ["   ", &"x".repeat(65)] {
        let res = app
            .post("/api/passkey_register_finish", &[("credential", "{}"), ("name", name)], Some(&cookie))
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        assert!(json(res).await["message"].as_str().unwrap().contains("name"));
    }
    // A credential that does not verify: 400, and the ceremony is used up.
    let res = app
        .post("/api/passkey_register_finish", &[("credential", "{\"id\":\"x\"}"), ("name", "Laptop")], Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app
        .post("/api/passkey_register_finish", &[("credential", "not json"), ("name", "Laptop")], Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(app.get("/api/passkeys", Some(&cookie)).await).await, serde_json::json!([]));
    assert_eq!(
        app.post("/api/passkey_delete", &[("id", "12345")], Some(&cookie)).await.status(),
        StatusCode::NOT_FOUND
    );

    // Login options for any passkey of this site.
    let res = app.post("/api/passkey_login_begin", &[], None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let anonymous = session_cookie(&res).expect("the ceremony is kept in a session");
    let options = json(res).await;
    let pk = &options["publicKey"];
    assert!(pk.get("allowCredentials").is_none(), "{options}");
    assert_eq!(pk["userVerification"], "required");
    assert_eq!(pk["rpId"], "localhost");
    // Short-lived: the store drops it within five minutes.
    let now = unix_now() as i64;
    let stored = app.stored_sessions().await;
    let row = stored.iter().find(|s| s.data.contains("passkey_authentication")).unwrap();
    assert!(row.expires_at <= now + 305, "{} vs {now}", row.expires_at);

    // Unknown or failed: one body for all, and nobody signed in.
    let forged = serde_json::json!({
        "id": "AAAA", "rawId": "AAAA", "type": "public-key",
        "response": {"clientDataJSON": "e30", "authenticatorData": "AAAA", "signature": "AAAA", "userHandle": "AAAAAAAAAAAAAAAAAAAAAA"},
        "clientExtensionResults": {}
    })
    .to_string();
    let a = app.post("/api/passkey_login_finish", &[("credential", &forged)], Some(&anonymous)).await;
    assert_eq!(a.status(), StatusCode::UNAUTHORIZED);
    let a_body = a.text().await.unwrap();
    // The ceremony was used up by that attempt, and a garbled credential
    // with none begun gets the same answer.
    let b = app.post("/api/passkey_login_finish", &[("credential", "nonsense")], Some(&anonymous)).await;
    assert_eq!(b.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(b.text().await.unwrap(), a_body);
    assert_eq!(app.get("/api/me", Some(&anonymous)).await.status(), StatusCode::UNAUTHORIZED);
}
