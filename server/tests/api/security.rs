//! The contract's security promises, one or more tests each, over HTTP
//! against the real server (fresh storage per test, on the backend
//! `GATEHOUSE_TEST_BACKEND` names).

use crate::helpers::{
    session_cookie, set_cookie_header, start_binary, unique_email, Backend, TestApp, PASSWORD,
};
use reqwest::{header, StatusCode};
use serde_json::Value;
use server::config::{AppEnv, SessionSecret};
use std::time::{Duration, Instant};

async fn session_rows(app: &TestApp) -> Vec<crate::helpers::Stored> {
    let mut rows = app.stored_sessions().await;
    rows.sort_by(|a, b| a.id_hash.cmp(&b.id_hash));
    rows
}

async fn me(app: &TestApp, cookie: &str) -> StatusCode {
    app.get("/api/me", Some(cookie)).await.status()
}

async fn login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.log_in(email, password, None).await
}

// ---- cookie and id -------------------------------------------------------

#[tokio::test]
async fn the_cookie_is_signed_and_a_tampered_one_reads_as_signed_out() {
    let app = TestApp::spawn().await;
    let (_, cookie) = app.signed_up().await;
    assert_eq!(me(&app, &cookie).await, StatusCode::OK);
    let value = cookie.strip_prefix("gatehouse=").unwrap();
    // A signed value is the signature followed by the 22-character id.
    assert!(value.len() > 22, "{value}");
    let id = &value[value.len() - 22..];
    let signature = &value[..value.len() - 22];

    let flipped: String = {
        let mut chars: Vec<char> = signature.chars().collect();
        chars[3] = if chars[3] == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect()
    };
    for forged in [
        format!("gatehouse={id}"),
        format!("gatehouse={flipped}{id}"),
        "gatehouse=".to_owned(),
        "gatehouse=%%%".to_owned(),
        format!("gatehouse={}", "A".repeat(4000)),
        "gatehouse=\"quoted\"; gatehouse=twice".to_owned(),
    ] {
        let res = app.get("/api/me", Some(&forged)).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{forged}");
        let page = app.get("/profile", Some(&forged)).await;
        assert_eq!(page.status(), StatusCode::SEE_OTHER, "{forged}");
    }
    // The real one still works.
    assert_eq!(me(&app, &cookie).await, StatusCode::OK);
}

#[tokio::test]
async fn an_id_the_server_never_issued_is_not_adopted_even_when_signed() {
    use sha2::{Digest, Sha512};
    use tower_sessions::cookie::{Cookie, CookieJar, Key};
    let secret = SessionSecret::generate();
    let key = Key::from(&Sha512::digest(secret.as_bytes()));
    let app = TestApp::spawn_with(|c| c.session_secret = Some(secret)).await;
    let (email, _) = app.signed_up().await;

    // An attacker who somehow could sign plants an id of their choosing.
    let planted = "AAAAAAAAAAAAAAAAAAAAAA";
    let mut jar = CookieJar::new();
    jar.signed_mut(&key)
        .add(Cookie::new("gatehouse", planted.to_owned()));
    let cookie = format!("gatehouse={}", jar.get("gatehouse").unwrap().value());
    assert_eq!(me(&app, &cookie).await, StatusCode::UNAUTHORIZED);

    let res = app.log_in(&email, PASSWORD, Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let issued = session_cookie(&res).unwrap();
    assert!(!issued.ends_with(planted), "the planted id was adopted");
    assert_eq!(me(&app, &issued).await, StatusCode::OK);
    assert_eq!(me(&app, &cookie).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_ended_session_is_not_adopted_again() {
    let app = TestApp::spawn().await;
    let (_, cookie) = app.signed_up().await;
    let res = app.post("/api/logout", &[], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(me(&app, &cookie).await, StatusCode::UNAUTHORIZED);
    // Using the old cookie to log in still yields a new id.
    let (email, _) = app.signed_up().await;
    let res = app.log_in(&email, PASSWORD, Some(&cookie)).await;
    assert_ne!(session_cookie(&res).unwrap(), cookie);
}

#[tokio::test]
async fn production_refuses_to_start_without_a_session_secret() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .env("APP_ENV", "production")
        .env_remove("SESSION_SECRET")
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("GATEHOUSE_DATA_DIR", tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("SESSION_SECRET is not set"), "{stderr}");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .env("APP_ENV", "production")
        .env("SESSION_SECRET", "too-short")
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("at least 64 bytes"), "{stderr}");
}

#[tokio::test]
async fn sessions_survive_a_restart_with_the_kept_development_secret() {
    let app = TestApp::spawn().await;
    let (email, cookie) = app.signed_up().await;
    let secret_file = app.config.data_dir.join("session_secret");
    let secret = std::fs::read_to_string(&secret_file).unwrap();
    assert_eq!(secret.trim().len(), 128, "64 bytes in hex");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "only the owner may read the secret");
    }
    let app = app.restart().await;
    let res = app.get("/api/me", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["email"], email.as_str());
    assert_eq!(std::fs::read_to_string(&secret_file).unwrap(), secret);
}

// ---- hashed at rest --------------------------------------------------------

#[tokio::test]
async fn the_database_holds_no_cookie_value() {
    let app = TestApp::spawn().await;
    let (_, cookie) = app.signed_up().await;
    let (email, _) = app.signed_up().await;
    let res = app.log_in_remembered(&email).await;
    let cookie2 = session_cookie(&res).unwrap();
    let rows = session_rows(&app).await;
    assert_eq!(rows.len(), 3);
    let mut files = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", app.db_path.display());
        if let Ok(bytes) = std::fs::read(&path) {
            files.push(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    for cookie in [&cookie, &cookie2] {
        let value = cookie.strip_prefix("gatehouse=").unwrap();
        let id = &value[value.len() - 22..];
        for row in &rows {
            assert!(!row.id_hash.contains(id) && !row.data.contains(id));
            assert_eq!(row.id_hash.len(), 64, "a SHA-256 in hex");
        }
        for file in &files {
            assert!(
                !file.contains(id),
                "a raw session id is in the database file"
            );
            assert!(!file.contains(value));
        }
    }
}

// ---- nothing stored for anonymous visitors ----------------------------------

#[tokio::test]
async fn a_hundred_anonymous_visits_store_nothing_and_set_no_cookie() {
    let app = TestApp::spawn().await;
    for _ in 0..100 {
        for path in ["/", "/login", "/healthz", "/readyz", "/signup"] {
            let res = app.page(path, None).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            assert!(res.headers().get(header::SET_COOKIE).is_none(), "{path}");
        }
    }
    assert!(session_rows(&app).await.is_empty());
}

// ---- lifecycle ----------------------------------------------------------------

#[tokio::test]
async fn signing_up_or_logging_in_over_an_existing_session_issues_a_new_id() {
    let app = TestApp::spawn().await;
    let (email, first) = app.signed_up().await;
    let res = app.log_in(&email, PASSWORD, Some(&first)).await;
    let second = session_cookie(&res).unwrap();
    assert_ne!(first, second);
    assert_eq!(me(&app, &first).await, StatusCode::UNAUTHORIZED);
    let res = app
        .post(
            "/api/signup",
            &[("email", &unique_email()), ("password", PASSWORD)],
            Some(&second),
        )
        .await;
    let third = session_cookie(&res).unwrap();
    assert_ne!(second, third);
    assert_eq!(me(&app, &second).await, StatusCode::UNAUTHORIZED);
    assert_eq!(session_rows(&app).await.len(), 1);
}

#[tokio::test]
async fn an_idle_session_dies_and_a_used_one_slides() {
    let app = TestApp::spawn_with(|c| c.lifetimes.idle = 3).await;
    let (_, idle) = app.signed_up().await;
    let (_, busy) = app.signed_up().await;
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(1_000)).await;
        assert_eq!(
            me(&app, &busy).await,
            StatusCode::OK,
            "a used session slides"
        );
    }
    // 5 s without a request, past the 3 s idle timeout.
    assert_eq!(me(&app, &idle).await, StatusCode::UNAUTHORIZED);
    let res = app.page("/profile", Some(&idle)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_session_dies_at_its_absolute_timeout_however_much_it_is_used() {
    let app = TestApp::spawn_with(|c| {
        c.lifetimes.idle = 100;
        c.lifetimes.absolute = 4;
    })
    .await;
    let (_, cookie) = app.signed_up().await;
    let started = Instant::now();
    // Deadlines are in whole seconds, so 4 s means at least 3 s.
    while started.elapsed() < Duration::from_millis(2_500) {
        assert_eq!(me(&app, &cookie).await, StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    tokio::time::sleep(Duration::from_millis(2_600)).await;
    assert_eq!(me(&app, &cookie).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn remember_me_gets_a_persistent_cookie_and_the_longer_lifetime() {
    let app = TestApp::spawn_with(|c| {
        c.lifetimes.absolute = 3;
        c.lifetimes.absolute_remember = 600;
    })
    .await;
    let (email, _) = app.signed_up().await;
    let plain = login(&app, &email, PASSWORD).await;
    let plain_header = set_cookie_header(&plain).unwrap();
    assert!(
        !plain_header.contains("Max-Age") && !plain_header.contains("Expires"),
        "{plain_header}"
    );
    let remembered = app.log_in_remembered(&email).await;
    let header = set_cookie_header(&remembered).unwrap();
    let max_age: i64 = header
        .split(';')
        .find_map(|p| p.trim().strip_prefix("Max-Age="))
        .expect("a persistent cookie")
        .parse()
        .unwrap();
    assert!((590..=600).contains(&max_age), "{header}");
    tokio::time::sleep(Duration::from_millis(4_000)).await;
    assert_eq!(
        me(&app, &session_cookie(&plain).unwrap()).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        me(&app, &session_cookie(&remembered).unwrap()).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn reading_pages_does_not_write_the_session_on_every_request() {
    let app = TestApp::spawn().await;
    let (_, cookie) = app.signed_up().await;
    let before = session_rows(&app).await;
    for _ in 0..20 {
        assert_eq!(me(&app, &cookie).await, StatusCode::OK);
        let res = app.page("/profile", Some(&cookie)).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers().get(header::SET_COOKIE).is_none());
    }
    assert_eq!(session_rows(&app).await, before, "the row was rewritten");
}

// ---- CSRF ---------------------------------------------------------------------

#[tokio::test]
async fn cross_site_posts_get_403_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (email, cookie) = app.signed_up().await;
    let host = app.base.trim_start_matches("http://").to_owned();
    let cases: Vec<(&str, String)> = vec![
        ("origin", "https://evil.example".into()),
        ("origin", "null".into()),
        // Another host on the same port. (`localhost` on this port is the
        // development APP_BASE_URL, which the check accepts.)
        (
            "origin",
            format!("http://{}", host.replace("127.0.0.1", "127.0.0.2")),
        ),
        ("referer", "https://evil.example/page".into()),
        ("sec-fetch-site", "cross-site".into()),
    ];
    for (name, value) in &cases {
        let res = app
            .client
            .post(app.url("/api/logout"))
            .header(header::COOKIE, &cookie)
            .header(*name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{name}: {value}");
        assert_eq!(me(&app, &cookie).await, StatusCode::OK, "{name}: {value}");

        let res = app
            .client
            .post(app.url("/api/signup"))
            .header(*name, value)
            .form(&[("email", unique_email().as_str()), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(res.headers().get(header::SET_COOKIE).is_none());

        let res = app
            .client
            .post(app.url("/api/login"))
            .header(*name, value)
            .form(&[("email", email.as_str()), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(res.headers().get(header::SET_COOKIE).is_none());
    }
    assert_eq!(
        app.user_count().await,
        1,
        "a cross-site sign-up wrote a user"
    );

    // The same site, as a browser sends it, is fine.
    let res = app
        .client
        .post(app.url("/api/logout"))
        .header(header::COOKIE, &cookie)
        .header(header::ACCEPT, "application/json")
        .header("origin", format!("http://{host}"))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(me(&app, &cookie).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn no_get_changes_state() {
    let app = TestApp::spawn().await;
    let (email, cookie) = app.signed_up().await;
    let res = app.get("/api/logout", Some(&cookie)).await;
    assert!(res.status().is_client_error(), "{}", res.status());
    let res = app
        .get(
            &format!("/api/signup?email={}&password=abcdefgh123", unique_email()),
            None,
        )
        .await;
    assert!(res.status().is_client_error());
    assert!(res.headers().get(header::SET_COOKIE).is_none());
    let res = app
        .get(
            &format!("/api/login?email={email}&password={PASSWORD}"),
            None,
        )
        .await;
    assert!(res.headers().get(header::SET_COOKIE).is_none());
    assert_eq!(me(&app, &cookie).await, StatusCode::OK);
}

// ---- passwords --------------------------------------------------------------------

#[tokio::test]
async fn common_passwords_are_refused_with_the_reason() {
    let app = TestApp::spawn().await;
    for password in ["password1", "Password1", "12345678", "qwertyuiop"] {
        let email = unique_email();
        let res = app
            .post(
                "/api/signup",
                &[("email", &email), ("password", password)],
                None,
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        let body: Value = res.json().await.unwrap();
        assert!(
            body["message"].as_str().unwrap().contains("too common"),
            "{body}"
        );
        assert_eq!(body["field"], "password");
    }
    assert_eq!(app.user_count().await, 0);
}

#[tokio::test]
async fn any_unicode_is_allowed_and_nothing_is_truncated() {
    let app = TestApp::spawn().await;
    // 128 characters, many of them several bytes long.
    let long: String = "pässwörd🔐日本語".chars().cycle().take(128).collect();
    for password in [long.as_str(), "   spaces   ", "🔐🔐🔐🔐🔐🔐🔐🔐"] {
        let email = unique_email();
        let res = app
            .post(
                "/api/signup",
                &[("email", &email), ("password", password)],
                None,
            )
            .await;
        assert!(res.status().is_success(), "{password:?}: {}", res.status());
        assert_eq!(login(&app, &email, password).await.status(), StatusCode::OK);
        // One character less, or trimmed, is another password.
        let shorter: String = password
            .chars()
            .take(password.chars().count() - 1)
            .collect();
        assert_eq!(
            login(&app, &email, &shorter).await.status(),
            StatusCode::UNAUTHORIZED
        );
        if password.trim() != password {
            assert_eq!(
                login(&app, &email, password.trim()).await.status(),
                StatusCode::UNAUTHORIZED
            );
        }
    }
    let too_long: String = long.chars().chain(['x']).collect();
    let res = app
        .post(
            "/api/signup",
            &[("email", &unique_email()), ("password", &too_long)],
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn password_fields_carry_autocomplete_hints() {
    let app = TestApp::spawn().await;
    let signup = app.page("/signup", None).await.text().await.unwrap();
    assert!(
        signup.contains(r#"autocomplete="new-password""#),
        "{signup}"
    );
    let login = app.page("/login", None).await.text().await.unwrap();
    assert!(
        login.contains(r#"autocomplete="current-password""#),
        "{login}"
    );
}

#[tokio::test]
async fn an_unknown_email_takes_about_as_long_as_a_wrong_password() {
    let app = TestApp::spawn_with(|c| c.login_limits.max_failures = 1_000).await;
    let (email, _) = app.signed_up().await;
    // The first of each warms up (pool connections, caches), unmeasured.
    login(&app, &email, "wrong password here").await;
    login(&app, &unique_email(), "wrong password here").await;
    // Medians of ten, taken in turn: a busy machine slows both alike.
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..10 {
        let start = Instant::now();
        let res = login(&app, &email, "wrong password here").await;
        known.push(start.elapsed());
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let start = Instant::now();
        let res = login(&app, &unique_email(), "wrong password here").await;
        unknown.push(start.elapsed());
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    known.sort();
    unknown.sort();
    let median = |v: &[Duration]| (v[4].as_secs_f64() + v[5].as_secs_f64()) / 2.0;
    let (k, u) = (median(&known), median(&unknown));
    // Without the dummy hash an unknown email answers many times faster.
    assert!(u > k / 2.0 && u < k * 2.0, "known {k:.4}s, unknown {u:.4}s");
}

/// Hashing runs on the blocking pool, a few at a time: while a storm of
/// logins hashes, other requests are answered at once. (Hashed on the
/// async workers instead, both would be busy and nothing else would run
/// until a hash finished.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_storm_does_not_starve_other_requests() {
    let app =
        std::sync::Arc::new(TestApp::spawn_with(|c| c.login_limits.max_failures = 1_000).await);
    let storm: Vec<_> = (0..24)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                let status = login(&app, &unique_email(), "wrong password here")
                    .await
                    .status();
                (status, Instant::now())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let res = app.get("/healthz", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.page("/login", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let answered = Instant::now();
    for task in storm {
        let (status, done) = task.await.unwrap();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(done > answered, "a page waited for a password hash");
    }
}

// ---- throttling -------------------------------------------------------------------

#[tokio::test]
async fn too_many_failures_for_an_account_get_429_with_retry_after() {
    // Long enough for five logins on a busy machine; the end of the window
    // is waited for as the server says (Retry-After), not guessed.
    const WINDOW: u64 = 8;
    let app = TestApp::spawn_with(|c| {
        c.login_limits.max_failures = 3;
        c.login_limits.window_secs = WINDOW as i64;
    })
    .await;
    let (email, _) = app.signed_up().await;
    let (other, _) = app.signed_up().await;
    for _ in 0..3 {
        assert_eq!(
            login(&app, &email, "wrong password here").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Even the right password waits now; so does the same email in capitals.
    let mut wait = 0;
    for attempt in [email.clone(), email.to_uppercase()] {
        let res = login(&app, &attempt, PASSWORD).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry: u64 = res.headers()[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=WINDOW).contains(&retry), "{retry}");
        wait = retry;
        assert!(set_cookie_header(&res).is_none());
        let body: Value = res.json().await.unwrap();
        assert!(body["message"]
            .as_str()
            .unwrap()
            .contains("Too many failed attempts"));
    }
    // Another account from the same address is not affected.
    assert_eq!(login(&app, &other, PASSWORD).await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(wait * 1_000 + 500)).await;
    assert_eq!(login(&app, &email, PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_success_clears_the_accounts_count() {
    let app = TestApp::spawn_with(|c| c.login_limits.max_failures = 3).await;
    let (email, _) = app.signed_up().await;
    for _ in 0..3 {
        for _ in 0..2 {
            login(&app, &email, "wrong password here").await;
        }
        assert_eq!(login(&app, &email, PASSWORD).await.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn one_address_gets_ten_times_the_accounts_limit() {
    let app = TestApp::spawn_with(|c| c.login_limits.max_failures = 2).await;
    let (email, _) = app.signed_up().await;
    // 20 failures spread over accounts that each stay under their own limit.
    for _ in 0..20 {
        let res = login(&app, &unique_email(), "wrong password here").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = login(&app, &email, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key(header::RETRY_AFTER));
}

// ---- headers --------------------------------------------------------------------------

#[tokio::test]
async fn every_page_carries_the_security_headers_and_a_nonce_csp() {
    let app = TestApp::spawn().await;
    let (_, cookie) = app.signed_up().await;
    let mut nonces = Vec::new();
    for (path, cookie) in [
        ("/", None),
        ("/login", None),
        ("/profile", Some(&cookie)),
        ("/nope", None),
    ] {
        let mut req = app.client.get(app.url(path));
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie);
        }
        let res = req.send().await.unwrap();
        let h = res.headers().clone();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
        assert!(
            !h.contains_key("strict-transport-security"),
            "no HSTS in development"
        );
        let csp = h["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .expect("a nonce in script-src")
            .to_owned();
        let body = res.text().await.unwrap();
        // Every script tag carries the nonce the header allows.
        let tags: Vec<&str> = body
            .split("<script")
            .skip(1)
            .map(|rest| &rest[..rest.find('>').unwrap_or(rest.len())])
            .collect();
        assert!(!tags.is_empty(), "{path}");
        for tag in tags {
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: <script{tag}>"
            );
        }
        nonces.push(nonce);
    }
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), 4, "a fresh nonce per response");
}

#[tokio::test]
async fn production_adds_hsts() {
    let app = TestApp::spawn_with(|c| {
        c.app_env = AppEnv::Production;
        c.session_secret = Some(SessionSecret::generate());
    })
    .await;
    let res = app.page("/", None).await;
    let hsts = res.headers()["strict-transport-security"].to_str().unwrap();
    assert!(hsts.contains("max-age="), "{hsts}");
}

#[tokio::test]
async fn authenticated_pages_and_api_answers_are_not_cached() {
    let app = TestApp::spawn().await;
    let (_, cookie) = app.signed_up().await;
    for path in ["/api/me", "/profile", "/sessions", "/"] {
        let res = app.page(path, Some(&cookie)).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
    }
    for res in [
        app.get("/api/me", None).await,
        login(&app, "x@example.com", "wrong password here").await,
    ] {
        assert_eq!(res.headers()["cache-control"], "no-store");
    }
}

#[tokio::test]
async fn readyz_answers_when_the_database_and_store_do() {
    let app = TestApp::spawn().await;
    let res = app.get("/readyz", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["database"], "ok");
    assert_eq!(body["sessions"], "ok");
}

#[tokio::test]
async fn readyz_is_503_when_the_session_table_is_gone() {
    // On the SQL store, whichever database: the session table vanishing is
    // a store that stopped answering (`faults` stops real Postgres
    // and Redis servers).
    let backend = match Backend::from_env() {
        Backend::PostgresRedis => Backend::Postgres,
        other => other,
    };
    let app = TestApp::spawn_on(backend, |_| {}).await;
    app.execute("DROP TABLE sessions").await;
    let res = app.get("/readyz", None).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        res.json::<Value>().await.unwrap()["sessions"],
        "unavailable"
    );
    // A request that needs the store answers 503 in words, not 500.
    let res = app
        .post(
            "/api/signup",
            &[("email", &unique_email()), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("try again"),
        "{body}"
    );
}

// ---- the environment variables, read by the real binary ------------------------

#[tokio::test]
async fn timeouts_and_login_limits_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    // The idle timeout is long enough that a loaded machine answers the
    // first /api/me well inside it; it is the wait after that which counts.
    const IDLE: u64 = 5;
    let idle = IDLE.to_string();
    let (_server, base) = start_binary(
        &[
            ("SESSION_IDLE_TIMEOUT_SECS", idle.as_str()),
            ("SESSION_ABSOLUTE_TIMEOUT_SECS", "600"),
            ("LOGIN_MAX_FAILURES", "1"),
            ("LOGIN_WINDOW_SECS", "60"),
        ],
        dir.path(),
    );
    let client = reqwest::Client::new();
    let post = |path: &'static str, form: Vec<(&'static str, String)>| crate::helpers::post_form(&client, &base, path, form);
    let email = unique_email();
    let res = post(
        "/api/signup",
        vec![("email", email.clone()), ("password", PASSWORD.into())],
    )
    .await
    .unwrap();
    let cookie = session_cookie(&res).unwrap();
    let me = || {
        client
            .get(format!("{base}/api/me"))
            .header(header::COOKIE, &cookie)
            .send()
    };
    // Used now, then left alone: dead once the idle timeout has passed.
    assert_eq!(me().await.unwrap().status(), StatusCode::OK);
    let last_used = Instant::now();

    let wrong = vec![
        ("email", email.clone()),
        ("password", "wrong password".into()),
    ];
    assert_eq!(
        post("/api/login", wrong.clone()).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let res = post("/api/login", wrong).await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");

    let dead_at = last_used + Duration::from_millis(IDLE * 1_000 + 1_500);
    tokio::time::sleep_until(dead_at.into()).await;
    assert_eq!(me().await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

#[test]
fn a_bad_setting_stops_the_server_with_a_clear_message() {
    for (name, value) in [
        ("SESSION_IDLE_TIMEOUT_SECS", "half an hour"),
        ("SESSION_ABSOLUTE_TIMEOUT_SECS", "0"),
        ("LOGIN_MAX_FAILURES", "-1"),
        ("LOGIN_WINDOW_SECS", "1.5"),
        ("APP_ENV", "staging"),
        ("DATABASE_URL", "mysql://127.0.0.1/gatehouse"),
        ("SESSION_STORE_URL", "memcached://127.0.0.1"),
        // A Redis that does not answer is reported at start, not at the
        // first request.
        ("SESSION_STORE_URL", "redis://127.0.0.1:1"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .env(name, value)
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("GATEHOUSE_DATA_DIR", tempfile::tempdir().unwrap().path())
            .output()
            .unwrap();
        assert!(!out.status.success(), "{name}={value} started");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(name), "{name}: {stderr}");
    }
}

// ---- clean-up ----------------------------------------------------------------

/// What the background task runs every few minutes: rows past their
/// deadline go, live ones stay.
#[tokio::test]
async fn cleanup_deletes_expired_sessions_and_ended_login_windows() {
    use app::ssr::{
        session::now,
        throttle::{Limits, Throttle},
    };
    // The live session must outlast the rest of the test, on a busy
    // machine too.
    let app = TestApp::spawn_with(|c| c.lifetimes.idle = 4).await;
    let (_, dead) = app.signed_up().await;
    login(&app, &unique_email(), "wrong password here").await;
    tokio::time::sleep(Duration::from_millis(4_500)).await;
    let (_, live) = app.signed_up().await;
    let stores = server::Stores::open(&app.config).await.unwrap();
    if app.backend == Backend::PostgresRedis {
        // Redis expires sessions itself, at their deadline.
        assert_eq!(session_rows(&app).await.len(), 1);
        assert_eq!(stores.sessions.remove_expired(now()).await.unwrap(), 0);
    } else {
        assert_eq!(session_rows(&app).await.len(), 2);
        assert_eq!(stores.sessions.remove_expired(now()).await.unwrap(), 1);
    }
    assert_eq!(session_rows(&app).await.len(), 1);
    assert_eq!(me(&app, &live).await, StatusCode::OK);
    assert_eq!(me(&app, &dead).await, StatusCode::UNAUTHORIZED);

    // The wrong login's two counters (account, IP), and the sign-ups'.
    let counters = || app.scalar("SELECT COUNT(*) FROM counters");
    let before = counters().await;
    assert!(before >= 2, "{before}");
    let throttle = Throttle::new(app.db.clone(), Limits::default());
    assert_eq!(throttle.remove_expired(now()).await.unwrap(), 0);
    // Each row ends with its own window: a day on, every one has.
    assert_eq!(throttle.remove_expired(now() + 86_400).await.unwrap() as i64, before);
    assert_eq!(counters().await, 0);
}

/// Pages go out compressed to a browser that accepts it; a client that
/// asks for nothing gets them as they are, and JSON is never compressed.
#[tokio::test]
async fn pages_are_compressed_for_browsers_that_accept_it() {
    let app = TestApp::spawn().await;
    let get = |path: &'static str, encoding: Option<&'static str>| {
        let mut req = app.client.get(app.url(path));
        if let Some(encoding) = encoding {
            req = req.header(header::ACCEPT_ENCODING, encoding);
        }
        req.send()
    };
    let plain = get("/login", None).await.unwrap();
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    let plain_len = plain.bytes().await.unwrap().len();
    for encoding in ["br", "gzip"] {
        let res = get("/login", Some(encoding)).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::CONTENT_ENCODING], encoding);
        let len = res.bytes().await.unwrap().len();
        assert!(len * 2 < plain_len, "{encoding}: {len} of {plain_len} bytes");
    }
    let json = get("/api/me", Some("br, gzip")).await.unwrap();
    assert!(json.headers().get(header::CONTENT_ENCODING).is_none());
}
