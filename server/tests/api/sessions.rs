//! The sessions page and API: listing, revoking, logging out the others,
//! changing the password and deleting the account, each taking effect on
//! the very next request. Runs on every backend (`GATEHOUSE_TEST_BACKEND`).

use crate::helpers::{session_cookie, unique_email, TestApp, PASSWORD};
use reqwest::{header, StatusCode};
use serde_json::Value;

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

/// Logs `email` in from a browser with `user_agent`; returns the cookie.
async fn log_in_as(app: &TestApp, email: &str, user_agent: &str) -> String {
    let res = app
        .client
        .post(app.url("/api/login"))
        .header(header::ACCEPT, "application/json")
        .header(header::USER_AGENT, user_agent)
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    session_cookie(&res).unwrap()
}

/// A user signed in three times: (email, [first, firefox, iphone] cookies).
async fn three_sessions(app: &TestApp) -> (String, [String; 3]) {
    let (email, first) = app.signed_up().await;
    let firefox = log_in_as(app, &email, FIREFOX).await;
    let iphone = log_in_as(app, &email, IPHONE).await;
    (email, [first, firefox, iphone])
}

async fn list(app: &TestApp, cookie: &str) -> Vec<Value> {
    let res = app.get("/api/sessions", Some(cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<Vec<Value>>().await.unwrap()
}

async fn me(app: &TestApp, cookie: &str) -> StatusCode {
    app.get("/api/me", Some(cookie)).await.status()
}

/// The handle of the session seen from `cookie` whose device reads `device`.
async fn handle_of(app: &TestApp, cookie: &str, device: &str) -> String {
    list(app, cookie)
        .await
        .into_iter()
        .find(|s| s["device"] == device)
        .unwrap_or_else(|| panic!("no {device} session"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_list_shows_each_live_session_with_an_opaque_handle() {
    let app = TestApp::spawn().await;
    let (_, cookies) = three_sessions(&app).await;
    let sessions = list(&app, &cookies[1]).await;
    assert_eq!(sessions.len(), 3, "{sessions:?}");
    let current: Vec<_> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["device"], "Firefox on Linux");
    assert_eq!(current[0]["user_agent"], FIREFOX);
    assert_eq!(
        sessions[0]["current"], true,
        "the current session comes first"
    );
    let stored: Vec<String> = app
        .stored_sessions()
        .await
        .into_iter()
        .map(|s| s.id_hash)
        .collect();
    for s in &sessions {
        let id = s["id"].as_str().unwrap();
        assert_eq!(id.len(), 32);
        for cookie in &cookies {
            let value = cookie.split_once('=').unwrap().1;
            assert!(!value.contains(id) && !id.contains(&value[value.len() - 22..]));
        }
        assert!(
            !stored.iter().any(|h| h.contains(id)),
            "the handle is the store's key"
        );
        assert_eq!(s["ip"], "127.0.0.1");
        for field in ["created_at", "last_seen_at"] {
            let at = s[field].as_str().unwrap();
            assert!(
                at.len() >= 20 && at.ends_with('Z') && at.contains('T'),
                "{at}"
            );
        }
        // The sessions were made during this test: seconds ago.
        assert_eq!(s["created_ago"], "just now");
        assert_eq!(s["last_seen_ago"], "just now");
    }
    // Someone else sees only their own.
    let (_, other) = app.signed_up().await;
    assert_eq!(list(&app, &other).await.len(), 1);
    assert_eq!(
        app.get("/api/sessions", None).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_revoked_session_is_dead_on_the_next_request() {
    let app = TestApp::spawn().await;
    let (_, [first, firefox, iphone]) = three_sessions(&app).await;
    let target = handle_of(&app, &first, "Firefox on Linux").await;
    let res = app
        .post("/api/revoke_session", &[("id", &target)], Some(&first))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(me(&app, &firefox).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, &iphone).await, StatusCode::OK);
    assert_eq!(me(&app, &first).await, StatusCode::OK);
    assert_eq!(list(&app, &first).await.len(), 2);
    // Twice is a 404: it is no longer one of the caller's.
    let res = app
        .post("/api/revoke_session", &[("id", &target)], Some(&first))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn nobody_can_revoke_a_session_that_is_not_theirs() {
    let app = TestApp::spawn().await;
    let (_, [victim, ..]) = three_sessions(&app).await;
    let (_, attacker) = app.signed_up().await;
    let handle = handle_of(&app, &victim, "Safari on iPhone").await;
    for id in [handle.as_str(), "not-a-handle", ""] {
        let res = app
            .post("/api/revoke_session", &[("id", id)], Some(&attacker))
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{id:?}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "not_found");
    }
    assert_eq!(list(&app, &victim).await.len(), 3);
    let res = app
        .post("/api/revoke_session", &[("id", &handle)], None)
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn revoking_the_current_session_logs_out() {
    let app = TestApp::spawn().await;
    let (_, cookie) = app.signed_up().await;
    let mine = list(&app, &cookie).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post("/api/revoke_session", &[("id", &mine)], Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(me(&app, &cookie).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logout_others_leaves_only_this_session() {
    let app = TestApp::spawn().await;
    let (_, [first, firefox, iphone]) = three_sessions(&app).await;
    let (_, bystander) = app.signed_up().await;
    let res = app.post("/api/logout_others", &[], Some(&iphone)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap(), 2);
    assert_eq!(me(&app, &first).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, &firefox).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, &iphone).await, StatusCode::OK);
    assert_eq!(
        me(&app, &bystander).await,
        StatusCode::OK,
        "another user's session"
    );
    let left = list(&app, &iphone).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["current"], true);
    assert_eq!(
        app.post("/api/logout_others", &[], None).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn changing_the_password_ends_the_others_and_renews_this_id() {
    let app = TestApp::spawn().await;
    let (email, [first, firefox, _]) = three_sessions(&app).await;
    let new = "a brand new passphrase";
    let change = |current: &'static str, new: &'static str, cookie: Option<String>| {
        let app = &app;
        async move {
            app.post(
                "/api/change_password",
                &[("current_password", current), ("new_password", new)],
                cookie.as_deref(),
            )
            .await
        }
    };

    // Wrong current password: 401 next to that field, nothing changes.
    let res = change("not my password", new, Some(first.clone())).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.json::<Value>().await.unwrap()["field"],
        "current_password"
    );
    // A new password that breaks the rules: 422 next to the new one.
    for bad in ["short", "password123"] {
        let res = change(PASSWORD, bad, Some(first.clone())).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(res.json::<Value>().await.unwrap()["field"], "new_password");
    }
    assert_eq!(me(&app, &firefox).await, StatusCode::OK);
    assert_eq!(
        change(PASSWORD, new, None).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let res = change(PASSWORD, new, Some(first.clone())).await;
    assert_eq!(res.status(), StatusCode::OK);
    let renewed = session_cookie(&res).expect("a new session id");
    assert_ne!(renewed, first);
    assert_eq!(
        me(&app, &first).await,
        StatusCode::UNAUTHORIZED,
        "the old id"
    );
    assert_eq!(
        me(&app, &firefox).await,
        StatusCode::UNAUTHORIZED,
        "another session"
    );
    assert_eq!(me(&app, &renewed).await, StatusCode::OK);
    assert_eq!(list(&app, &renewed).await.len(), 1);
    assert_eq!(
        app.log_in(&email, PASSWORD, None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.log_in(&email, new, None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn deleting_the_account_removes_the_user_and_every_session() {
    let app = TestApp::spawn().await;
    let (email, [first, firefox, iphone]) = three_sessions(&app).await;
    let (_, bystander) = app.signed_up().await;
    let users = app.user_count().await;

    let res = app
        .post(
            "/api/delete_account",
            &[("password", "wrong one")],
            Some(&first),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.user_count().await, users);
    assert_eq!(me(&app, &firefox).await, StatusCode::OK);
    let res = app
        .post("/api/delete_account", &[("password", PASSWORD)], None)
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let res = app
        .post(
            "/api/delete_account",
            &[("password", PASSWORD)],
            Some(&first),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.user_count().await, users - 1);
    for cookie in [&first, &firefox, &iphone] {
        assert_eq!(me(&app, cookie).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(me(&app, &bystander).await, StatusCode::OK);
    assert_eq!(app.stored_sessions().await.len(), 1, "only the bystander's");
    assert_eq!(
        app.log_in(&email, PASSWORD, None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // The email is free again.
    assert!(app.sign_up(&email).await.status().is_success());
}

#[tokio::test]
async fn the_sessions_page_is_protected_and_lists_the_devices() {
    let app = TestApp::spawn().await;
    let res = app.page("/sessions", None).await;
    assert!(res.status().is_redirection());
    assert_eq!(res.headers()[header::LOCATION], "/login?next=%2Fsessions");

    let (_, [first, ..]) = three_sessions(&app).await;
    let res = app.page("/sessions", Some(&first)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    let html = res.text().await.unwrap();
    assert_eq!(html.matches("data-testid=\"session\"").count(), 3);
    assert_eq!(html.matches("data-testid=\"this-device\"").count(), 1);
    assert_eq!(html.matches(">Revoke</button>").count(), 2);
    assert_eq!(html.matches(">Revoke and log out</button>").count(), 1);
    assert!(html.contains("Firefox on Linux") && html.contains("Safari on iPhone"));
    assert!(html.contains("Log out everywhere else"));
}

/// Without JavaScript the revoke button is a plain form post: it works and
/// the browser lands back on the sessions page.
#[tokio::test]
async fn revoking_without_javascript_redirects_back_to_the_page() {
    let app = TestApp::spawn().await;
    let (_, [first, firefox, _]) = three_sessions(&app).await;
    let target = handle_of(&app, &first, "Firefox on Linux").await;
    let res = app
        .client
        .post(app.url("/api/revoke_session"))
        .header(header::COOKIE, &first)
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, app.url("/sessions"))
        .form(&[("id", target.as_str())])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    let location = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let path = location.split('?').next().unwrap();
    assert!(path.ends_with("/sessions"), "{location}");
    assert_eq!(me(&app, &firefox).await, StatusCode::UNAUTHORIZED);
}

// ---- the operator's command line --------------------------------------------

/// Runs `server sessions VERB EMAIL` against the test app's storage.
fn operator(app: &TestApp, verb: &str, email: &str) -> std::process::Output {
    use server::config::SessionStoreKind;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.args(["sessions", verb, email])
        .env("DATABASE_URL", &app.config.database_url)
        .env("SESSION_KEY_PREFIX", &app.config.session_key_prefix)
        .env("GATEHOUSE_DATA_DIR", &app.config.data_dir)
        .env_remove("SESSION_STORE_URL");
    if let SessionStoreKind::Redis(url) = &app.config.session_store {
        cmd.env("SESSION_STORE_URL", url);
    }
    cmd.output().unwrap()
}

#[tokio::test]
async fn an_operator_lists_and_ends_a_users_sessions() {
    let app = TestApp::spawn().await;
    let (email, cookies) = three_sessions(&app).await;
    let (_, bystander) = app.signed_up().await;

    let out = operator(&app, "list", &email.to_uppercase());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = String::from_utf8(out.stdout).unwrap();
    assert!(
        listing.starts_with(&format!("3 live session(s) for {email}")),
        "{listing}"
    );
    assert!(
        listing.contains("Firefox on Linux") && listing.contains("127.0.0.1"),
        "{listing}"
    );
    for handle in list(&app, &cookies[0])
        .await
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
    {
        assert!(listing.contains(&handle), "{listing}");
    }

    let out = operator(&app, "end", &email);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        format!("ended 3 session(s) for {email}")
    );
    for cookie in &cookies {
        assert_eq!(me(&app, cookie).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(me(&app, &bystander).await, StatusCode::OK);

    let out = operator(&app, "list", &unique_email());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no account"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["sessions", "wipe"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage"));
}
