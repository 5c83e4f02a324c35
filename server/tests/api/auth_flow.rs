//! The walking skeleton over HTTP: sign up, log in, me, log out, the
//! protected redirect, and the plain-HTML form path.

use crate::helpers::{session_cookie, set_cookie_header, unique_email, Backend, TestApp, PASSWORD};
use reqwest::{header, StatusCode};
use serde_json::Value;

async fn session_rows(app: &TestApp) -> usize {
    app.stored_sessions().await.len()
}

#[tokio::test]
async fn healthz_answers_without_a_session() {
    let app = TestApp::spawn().await;
    for _ in 0..20 {
        let res = app.get("/healthz", None).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers().get(header::SET_COOKIE).is_none());
    }
    assert_eq!(session_rows(&app).await, 0);
}

#[tokio::test]
async fn anonymous_pages_set_no_cookie_and_store_nothing() {
    let app = TestApp::spawn().await;
    for path in ["/", "/login", "/signup"] {
        let res = app.page(path, None).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(
            res.headers().get(header::SET_COOKIE).is_none(),
            "{path} set a cookie"
        );
    }
    assert_eq!(session_rows(&app).await, 0);
}

#[tokio::test]
async fn signup_logs_in_and_me_returns_the_email() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    let res = app.sign_up(&email).await;
    assert!(
        matches!(res.status().as_u16(), 200 | 201),
        "{}",
        res.status()
    );
    let set_cookie = set_cookie_header(&res).expect("a session cookie");
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(set_cookie.contains("Path=/"), "{set_cookie}");
    assert!(
        !set_cookie.to_ascii_lowercase().contains("domain="),
        "{set_cookie}"
    );
    // Without "remember me" the cookie dies with the browser.
    assert!(
        !set_cookie.contains("Max-Age") && !set_cookie.contains("Expires"),
        "{set_cookie}"
    );
    let cookie = session_cookie(&res).unwrap();

    let res = app.get("/api/me", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["email"], email.as_str());
}

#[tokio::test]
async fn signup_normalises_the_email_and_refuses_a_taken_one() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    let res = app.sign_up(&email).await;
    assert!(res.status().is_success());
    let shouted = format!("  {}  ", email.to_uppercase());
    let res = app.sign_up(&shouted).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.headers().get(header::SET_COOKIE).is_none());
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "email_taken");
    assert_eq!(body["field"], "email");
}

#[tokio::test]
async fn signup_rejects_bad_input_with_422_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let long = "x".repeat(129);
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("email", "not-an-email"), ("password", PASSWORD)],
            "email",
        ),
        (
            &[("email", "a@example.com"), ("password", "short")],
            "password",
        ),
        (
            &[("email", "a@example.com"), ("password", &long)],
            "password",
        ),
    ];
    for (form, field) in cases {
        let res = app.post("/api/signup", form, None).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{form:?}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["field"], *field, "{body}");
        assert!(body["message"].as_str().unwrap().len() > 10, "{body}");
    }
    // A missing field is the caller's mistake too: 422, not 500.
    let res = app
        .post("/api/signup", &[("email", "a@example.com")], None)
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.user_count().await, 0);
}

#[tokio::test]
async fn login_issues_a_new_session_id() {
    let app = TestApp::spawn().await;
    let (email, signup_cookie) = app.signed_up().await;
    let res = app.log_in(&email, PASSWORD, Some(&signup_cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let login_cookie = session_cookie(&res).expect("login sets a cookie");
    assert_ne!(login_cookie, signup_cookie);
    assert_eq!(
        app.get("/api/me", Some(&login_cookie)).await.status(),
        StatusCode::OK
    );
    // The id from before login is dead: nothing to fixate.
    assert_eq!(
        app.get("/api/me", Some(&signup_cookie)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn failed_logins_are_401_with_the_same_body_for_known_and_unknown_emails() {
    let app = TestApp::spawn().await;
    let (email, _) = app.signed_up().await;
    let wrong = app
        .post(
            "/api/login",
            &[("email", &email), ("password", "wrong password")],
            None,
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get(header::SET_COOKIE).is_none());
    let unknown = app
        .post(
            "/api/login",
            &[
                ("email", "nobody@example.com"),
                ("password", "wrong password"),
            ],
            None,
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.text().await.unwrap(), unknown.text().await.unwrap());
}

#[tokio::test]
async fn remember_me_makes_a_persistent_cookie() {
    let app = TestApp::spawn().await;
    let (email, _) = app.signed_up().await;
    let res = app
        .post(
            "/api/login",
            &[
                ("email", &email),
                ("password", PASSWORD),
                ("remember", "on"),
            ],
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let set_cookie = set_cookie_header(&res).unwrap();
    assert!(
        set_cookie.contains("Max-Age=") || set_cookie.contains("Expires="),
        "{set_cookie}"
    );
}

#[tokio::test]
async fn logout_deletes_the_session_and_clears_the_cookie() {
    let app = TestApp::spawn().await;
    let (_, cookie) = app.signed_up().await;
    assert_eq!(session_rows(&app).await, 1);
    let res = app.post("/api/logout", &[], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cleared = set_cookie_header(&res).expect("logout clears the cookie");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(session_rows(&app).await, 0);
    assert_eq!(
        app.get("/api/me", Some(&cookie)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// `/api/me` answers from the session alone (the hot path makes no user
/// lookup); a session stored before emails were kept in sessions is ended.
#[tokio::test]
async fn me_answers_from_the_session_and_ends_sessions_without_an_email() {
    let app = TestApp::spawn().await;
    if app.backend == Backend::PostgresRedis {
        // Editing a stored session behind the app's back needs SQL; the
        // Redis store is held to the same contract in `backends`.
        return;
    }
    let email = unique_email();
    let cookie = session_cookie(&app.sign_up(&email).await).unwrap();
    let renamed = format!("renamed-{email}");
    // Behind the app's back: what /api/me says comes from the session.
    app.execute(&format!("UPDATE users SET email = '{renamed}'"))
        .await;
    let me = || async {
        let body: Value = app
            .get("/api/me", Some(&cookie))
            .await
            .json()
            .await
            .unwrap();
        body["email"].as_str().unwrap_or_default().to_owned()
    };
    assert_eq!(me().await, email, "read from the session");

    app.execute(match app.backend {
        Backend::Sqlite => "UPDATE sessions SET data = json_remove(data, '$.auth.email')",
        _ => "UPDATE sessions SET data = (data::jsonb #- '{auth,email}')::text",
    })
    .await;
    // A session whose signed-in state no longer reads (here: without its
    // email) is ended, and reads as signed out: never a 500.
    let res = app.get("/api/me", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn me_without_a_session_is_401() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/me", None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized");
    // A cookie the server never issued reads as signed out.
    let res = app
        .get("/api/me", Some("gatehouse=not-a-real-session"))
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn profile_redirects_when_signed_out_and_shows_the_email_when_signed_in() {
    let app = TestApp::spawn().await;
    let res = app.page("/profile", None).await;
    assert!(
        matches!(res.status().as_u16(), 302 | 303 | 307),
        "{}",
        res.status()
    );
    assert_eq!(res.headers()[header::LOCATION], "/login?next=%2Fprofile");

    let (email, cookie) = app.signed_up().await;
    let res = app.page("/profile", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    assert!(res.text().await.unwrap().contains(&email));
}

/// A form posted without JavaScript: the browser asks for HTML and sends a
/// Referer; the server answers with redirects, never a bare error status.
#[tokio::test]
async fn plain_html_forms_get_redirects() {
    let app = TestApp::spawn().await;
    let (email, _) = app.signed_up().await;
    let form_post = |path: &str, form: Vec<(&'static str, String)>, referer: String| {
        app.client
            .post(app.url(path))
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::REFERER, referer)
            .form(&form)
            .send()
    };

    let res = form_post(
        "/api/login",
        vec![
            ("email", email.clone()),
            ("password", "wrong password".into()),
        ],
        app.url("/login"),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    // Back to the page it came from, with nothing of the error or the email
    // in the URL (history, access logs): they ride in a signed cookie.
    let location = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert_eq!(location, app.url("/login"));
    let form_state = form_cookie(&res).expect("the form's state for the next page");
    assert!(form_state.contains("HttpOnly") && form_state.contains("Max-Age=60"), "{form_state}");
    assert!(!form_state.contains(&email), "the cookie is not readable as text");
    let form_state = form_state.split(';').next().unwrap().to_owned();
    // The page it lands on shows the error and keeps the email typed, and
    // clears the cookie: shown once.
    let res = app.page("/login", Some(&form_state)).await;
    assert!(form_cookie(&res).is_some_and(|c| c.contains("Max-Age=0")), "cleared");
    let page = res.text().await.unwrap();
    assert!(
        page.contains("don&#x27;t match an account") || page.contains("don't match an account"),
        "{page}"
    );
    assert!(
        page.contains(&format!("value=\"{email}\"")),
        "email not kept"
    );
    // A cookie whose signature does not hold says nothing.
    // (Its first character changed: the signature's, so always different.)
    let (name, value) = form_state.split_once('=').unwrap();
    let other = if value.starts_with('A') { 'B' } else { 'A' };
    let forged = format!("{name}={other}{}", &value[1..]);
    let page = app.page("/login", Some(&forged)).await.text().await.unwrap();
    assert!(!page.contains("match an account") && !page.contains(&email), "{page}");
    // A query the page had is kept; only the error is taken out.
    let res = form_post(
        "/api/login",
        vec![("email", email.clone()), ("password", "wrong password".into())],
        app.url("/login?next=%2Fsessions"),
    )
    .await
    .unwrap();
    assert_eq!(res.headers()[header::LOCATION], app.url("/login?next=%2Fsessions").as_str());

    let res = form_post(
        "/api/login",
        vec![
            ("email", email.clone()),
            ("password", PASSWORD.into()),
            ("next", "/profile?tab=1".into()),
        ],
        app.url("/login?next=%2Fprofile%3Ftab%3D1"),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[header::LOCATION], "/profile?tab=1");

    let res = form_post(
        "/api/login",
        vec![
            ("email", email.clone()),
            ("password", PASSWORD.into()),
            ("next", "https://evil.example/".into()),
        ],
        app.url("/login"),
    )
    .await
    .unwrap();
    assert_eq!(res.headers()[header::LOCATION], "/profile");
}

#[tokio::test]
async fn unknown_pages_are_404() {
    let app = TestApp::spawn().await;
    let res = app.page("/no/such/page", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bodies_over_64_kib_get_413_and_change_nothing() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    let padding = "x".repeat(70 * 1024);
    let res = app
        .post(
            "/api/signup",
            &[("email", &email), ("password", PASSWORD), ("pad", &padding)],
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let res = app.log_in(&email, PASSWORD, None).await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "the oversized sign-up must not have created the user"
    );
}

/// The same limit for a body that does not declare its length.
#[tokio::test]
async fn chunked_bodies_over_64_kib_get_413() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn().await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/signup HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let body = format!(
        "email={}&password=abcdefghijk&pad={}",
        unique_email(),
        "x".repeat(100 * 1024)
    );
    for chunk in body.as_bytes().chunks(8192) {
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        // The server may answer and close before reading everything.
        if stream.write_all(&framed).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
}

#[tokio::test]
async fn production_cookies_are_secure_with_a_host_prefix() {
    let app = TestApp::spawn_with(|config| {
        config.app_env = server::config::AppEnv::Production;
        config.session_secret = Some(server::config::SessionSecret::generate());
    })
    .await;
    let email = unique_email();
    let res = app.sign_up(&email).await;
    assert!(res.status().is_success());
    let set_cookie = set_cookie_header(&res).unwrap();
    assert!(set_cookie.starts_with("__Host-gatehouse="), "{set_cookie}");
    assert!(
        set_cookie.contains("Secure") && set_cookie.contains("Path=/"),
        "{set_cookie}"
    );
}

/// `SESSION_STORE_URL=memory`: sessions work and never reach the database.
#[tokio::test]
async fn memory_session_store_keeps_sessions_out_of_the_database() {
    let app = TestApp::spawn_with(|config| {
        config.session_store = server::config::SessionStoreKind::Memory
    })
    .await;
    let (email, cookie) = app.signed_up().await;
    let res = app.get("/api/me", Some(&cookie)).await;
    assert_eq!(res.json::<Value>().await.unwrap()["email"], email.as_str());
    assert_eq!(app.scalar("SELECT COUNT(*) FROM sessions").await, 0);
}

/// The `Set-Cookie` for the cookie `name`, if the response sets one.
fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&prefix))
        .map(str::to_owned)
}

/// The flash message's cookie, if the response sets one.
fn flash_cookie(res: &reqwest::Response) -> Option<String> {
    set_cookie(res, "gatehouse_flash")
}

/// A failed form's state, if the response sets it.
fn form_cookie(res: &reqwest::Response) -> Option<String> {
    set_cookie(res, "gatehouse_form")
}

/// Messages across redirects: a form posted without JavaScript leaves one
/// for the page it lands on, which shows it once and clears it. Scripts
/// and the hydrated app (asking for JSON) get none: they have the answer.
#[tokio::test]
async fn messages_survive_one_redirect_without_javascript() {
    let app = TestApp::spawn().await;
    let form_post = |path: &str, form: Vec<(&'static str, String)>, cookie: &str| {
        app.client
            .post(app.url(path))
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::REFERER, app.url("/profile"))
            .header(header::COOKIE, cookie)
            .form(&form)
            .send()
    };
    let shows = |html: &str, message: &str| html.contains(&format!(">{message}</p>"));

    // Password changed, then the profile page it returns to says so, once.
    let (_, cookie) = app.signed_up().await;
    let res = form_post(
        "/api/change_password",
        vec![
            ("current_password", PASSWORD.into()),
            ("new_password", "another long passphrase".into()),
        ],
        &cookie,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    let location = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&app.url("/profile")) && !location.contains("__err"),
        "{location}"
    );
    let flash = flash_cookie(&res).expect("a message for the next page");
    assert!(
        flash.starts_with("gatehouse_flash=password_changed;"),
        "{flash}"
    );
    let cookie = format!(
        "{}; {}",
        crate::helpers::session_cookie(&res).unwrap_or(cookie),
        flash.split(';').next().unwrap()
    );
    let page = app.page("/profile", Some(&cookie)).await;
    assert!(
        flash_cookie(&page).is_some_and(|c| c.contains("Max-Age=0")),
        "shown, then cleared"
    );
    let html = page.text().await.unwrap();
    assert!(
        shows(&html, "Password changed; other sessions were signed out."),
        "{html}"
    );
    let session_only = cookie.split("; ").next().unwrap().to_owned();
    let again = app
        .page("/profile", Some(&session_only))
        .await
        .text()
        .await
        .unwrap();
    assert!(!shows(
        &again,
        "Password changed; other sessions were signed out."
    ));

    // Logged out: the login page says so.
    let res = form_post("/api/logout", vec![], &session_only)
        .await
        .unwrap();
    let flash = flash_cookie(&res).expect("a message for the login page");
    assert!(flash.starts_with("gatehouse_flash=logged_out;"), "{flash}");
    let html = app
        .page("/login", Some(flash.split(';').next().unwrap()))
        .await
        .text()
        .await
        .unwrap();
    assert!(shows(&html, "You have been logged out."), "{html}");

    // A script logging out gets its answer and no message.
    let (_, cookie) = app.signed_up().await;
    let res = app.post("/api/logout", &[], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(flash_cookie(&res), None);

    // A protected page with a session that has ended: the login page says
    // the session expired. Without any session cookie, no message.
    let (_, cookie) = app.signed_up().await;
    app.post("/api/logout", &[], Some(&cookie)).await;
    let res = app.page("/profile", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let flash = flash_cookie(&res).expect("a message for the login page");
    assert!(
        flash.starts_with("gatehouse_flash=session_expired;"),
        "{flash}"
    );
    let html = app
        .page(
            "/login?next=%2Fprofile",
            Some(flash.split(';').next().unwrap()),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        shows(&html, "Your session expired, please log in again."),
        "{html}"
    );
    // Only a session this server issued can have expired: no cookie, or
    // one it never signed, gets no message (and no cookie at all).
    for cookie in [None, Some("gatehouse=made-up-value")] {
        let res = app.page("/profile", cookie).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(
            res.headers().get(header::SET_COOKIE).is_none(),
            "{cookie:?}"
        );
    }
}
