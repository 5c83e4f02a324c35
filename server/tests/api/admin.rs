//! Administration: administrators made only by `server admin`, the
//! `/api/admin/…` calls as an administrator, a plain account, signed out
//! and outside the recent-authentication window, locking (every way in
//! refused with `account_locked`, a wrong password still 401), and both
//! logs.

use crate::helpers::{
    session_cookie, smtp::SmtpServer, totp::{app_code, early_in_a_step}, unique_email, TestApp, PASSWORD,
};
use reqwest::{header, StatusCode};
use serde_json::Value;

/// Runs `server ARGS…` against the app's database, as an operator would.
pub fn operator(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .args(args)
        .env("DATABASE_URL", &app.config.database_url)
        .env_remove("SESSION_STORE_URL")
        .env("GATEHOUSE_DATA_DIR", app.db_path.parent().unwrap())
        .output()
        .unwrap()
}

/// A new account made an administrator: (email, cookie, id).
pub async fn administrator(app: &TestApp) -> (String, String, i64) {
    let (email, cookie) = app.signed_up().await;
    let out = operator(app, &["admin", "grant", &email]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let id = user_id(app, &email).await;
    (email, cookie, id)
}

pub async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.scalar(&format!("SELECT id FROM users WHERE email = '{email}'")).await
}

async fn json(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

/// Every administrator call, with a form that names `id`.
fn calls(id: i64) -> Vec<(&'static str, &'static str, Vec<(&'static str, String)>)> {
    let id = id.to_string();
    vec![
        ("GET", "/api/admin/users?q=", vec![]),
        ("GET", "/api/admin/log", vec![]),
        ("GET", "/api/admin/user", vec![("id", id.clone())]),
        ("POST", "/api/admin/lock", vec![("id", id.clone()), ("reason", "testing".into())]),
        ("POST", "/api/admin/unlock", vec![("id", id.clone())]),
        ("POST", "/api/admin/end_sessions", vec![("id", id.clone())]),
        ("POST", "/api/admin/reset_second_factor", vec![("id", id.clone())]),
        ("POST", "/api/admin/send_reset", vec![("id", id.clone())]),
        ("POST", "/api/admin/delete_user", vec![("id", id)]),
    ]
}

async fn call(app: &TestApp, method: &str, path: &str, form: &[(&str, String)], cookie: Option<&str>) -> reqwest::Response {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    if method == "GET" {
        let query: String = form.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
        let sep = if path.contains('?') { "&" } else { "?" };
        let path = if query.is_empty() { path.to_owned() } else { format!("{path}{sep}{query}") };
        app.get(&path, cookie).await
    } else {
        app.post(path, &form, cookie).await
    }
}

#[tokio::test]
async fn administrators_are_made_and_unmade_only_by_the_operator() {
    let app = TestApp::spawn().await;
    let (email, cookie) = app.signed_up().await;
    assert_eq!(app.get("/api/admin/users", Some(&cookie)).await.status(), StatusCode::FORBIDDEN);
    let out = operator(&app, &["admin", "grant", &email]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("is now an administrator"));
    // The same session, at once: the flag is read on every request.
    assert_eq!(app.get("/api/admin/users", Some(&cookie)).await.status(), StatusCode::OK);
    let listed = operator(&app, &["admin", "list"]);
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(text.starts_with("1 administrator(s)") && text.contains(&email), "{text}");
    // Granting again changes nothing.
    let again = operator(&app, &["admin", "grant", &email]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("already"));
    let out = operator(&app, &["admin", "revoke", &email]);
    assert!(out.status.success());
    assert_eq!(app.get("/api/admin/users", Some(&cookie)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.page("/admin", Some(&cookie)).await.status(), StatusCode::NOT_FOUND);
    // Both are in the administrators' log, as the operator's doing.
    let (_, admin_cookie, _) = administrator(&app).await;
    let log: Vec<Value> = app.get("/api/admin/log", Some(&admin_cookie)).await.json().await.unwrap();
    let types: Vec<&str> = log.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types[..3], ["admin_granted", "admin_revoked", "admin_granted"], "{log:?}");
    assert_eq!(log[1]["target_email"], email.as_str());
    assert!(log[1]["admin_email"].as_str().unwrap().contains("operator"));
    // An unknown address is an error, and changes nothing.
    let out = operator(&app, &["admin", "grant", "nobody@example.com"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no account has the email"));
}

#[tokio::test]
async fn anyone_but_an_administrator_gets_403_from_every_call_and_404_from_every_page() {
    let app = TestApp::spawn().await;
    let (_, plain) = app.signed_up().await;
    let (other_email, _) = app.signed_up().await;
    let target = user_id(&app, &other_email).await;
    for (method, path, form) in calls(target) {
        for cookie in [Some(plain.as_str()), None] {
            let res = call(&app, method, path, &form, cookie).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{method} {path} signed in: {}", cookie.is_some());
            assert_eq!(json(res).await["code"], "forbidden", "{path}");
        }
    }
    // Nothing happened to the account.
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM users WHERE id = {target} AND locked_at IS NULL")).await, 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM admin_events").await, 0);
    for page in ["/admin", "/admin/log", &format!("/admin/users/{target}")] {
        for cookie in [Some(plain.as_str()), None] {
            let res = app.page(page, cookie).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{page}");
            let html = res.text().await.unwrap();
            assert!(!html.contains(&other_email), "{page} shows an address");
        }
    }
}

#[tokio::test]
async fn outside_the_window_every_call_asks_for_recent_authentication() {
    let app = TestApp::spawn_with(|c| c.lifetimes.reauth_window = 1).await;
    let (_, cookie, _) = administrator(&app).await;
    let (other, _) = app.signed_up().await;
    let target = user_id(&app, &other).await;
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    for (method, path, form) in calls(target) {
        let res = call(&app, method, path, &form, Some(&cookie)).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(json(res).await["code"], "reauth_required", "{path}");
    }
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM users WHERE id = {target}")).await, 1);
    // A page goes to /reauthenticate, and comes back.
    let res = app.page("/admin", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/reauthenticate?next=%2Fadmin");
    // A plain account outside its window is still just refused: 403
    // forbidden, not an invitation to re-authenticate.
    let (_, plain) = app.signed_up().await;
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let res = app.get("/api/admin/users", Some(&plain)).await;
    assert_eq!(json(res).await["code"], "forbidden");
    // Re-authenticated, it works.
    let res = app.post("/api/reauthenticate", &[("password", PASSWORD)], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.get("/api/admin/users", Some(&cookie)).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn accounts_are_found_by_part_of_the_address_newest_first() {
    let app = TestApp::spawn().await;
    let (_, cookie, _) = administrator(&app).await;
    let marker = format!("find{}", std::process::id());
    let mut made = Vec::new();
    for n in 0..3 {
        let email = format!("{marker}-{n}_x@example.com");
        assert!(app.sign_up(&email).await.status().is_success());
        made.push(email);
    }
    // A `%` or `_` is taken literally: "_x" matches these three only.
    let page = json(app.get(&format!("/api/admin/users?q={}", marker.to_uppercase()), Some(&cookie)).await).await;
    assert_eq!(page["total"], 3, "{page}");
    let emails: Vec<&str> = page["users"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect();
    assert_eq!(emails, [made[2].as_str(), made[1].as_str(), made[0].as_str()]);
    let user = &page["users"][0];
    for key in ["id", "email", "created_at", "email_confirmed", "two_factor", "passkeys", "last_login_at", "locked"] {
        assert!(user.get(key).is_some(), "no {key} in {user}");
    }
    assert_eq!(user["locked"], false);
    assert_eq!(user["passkeys"], 0);
    // Signing up signed it in.
    assert!(user["last_login_at"].as_str().is_some_and(|at| at.ends_with('Z')), "{user}");
    assert!(user["created_at"].as_str().unwrap().ends_with('Z'), "{user}");
    let literal = json(app.get("/api/admin/users?q=%25", Some(&cookie)).await).await;
    assert_eq!(literal["total"], 0, "a % matched: {literal}");
    let under = json(app.get(&format!("/api/admin/users?q={marker}-1_"), Some(&cookie)).await).await;
    assert_eq!(under["total"], 1);
    // Paging: everyone is there, 50 a page.
    let all = json(app.get("/api/admin/users", Some(&cookie)).await).await;
    assert_eq!(all["total"], 4);
    let past = json(app.get("/api/admin/users?offset=3", Some(&cookie)).await).await;
    assert_eq!(past["users"].as_array().unwrap().len(), 1);
    // Any offset at all is a page, maybe empty: never an overflow.
    let far = format!("offset={}", i64::MAX);
    let res = app.get(&format!("/api/admin/users?{far}"), Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json(res).await["users"].as_array().unwrap().len(), 0);
    for page in [format!("/admin?{far}"), format!("/admin/log?{far}"), "/admin?offset=-4".to_owned()] {
        assert_eq!(app.page(&page, Some(&cookie)).await.status(), StatusCode::OK, "{page}");
    }
    // The page shows them, with links to each.
    let html = app.page(&format!("/admin?q={marker}"), Some(&cookie)).await.text().await.unwrap();
    let id = page["users"][0]["id"].as_i64().unwrap();
    assert!(html.contains(&format!("href=\"/admin/users/{id}\"")), "{html}");
    assert!(html.contains(&made[0]));
}

#[tokio::test]
async fn one_account_in_full_and_unknown_ids_are_404() {
    let app = TestApp::spawn().await;
    let (_, cookie, _) = administrator(&app).await;
    let (email, _) = app.signed_up().await;
    assert_eq!(app.log_in(&email, "wrong password", None).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.log_in(&email, PASSWORD, None).await.status(), StatusCode::OK);
    let id = user_id(&app, &email).await;
    let detail = json(app.get(&format!("/api/admin/user?id={id}"), Some(&cookie)).await).await;
    assert_eq!(detail["email"], email.as_str());
    assert_eq!(detail["sessions"].as_array().unwrap().len(), 2, "{detail}");
    let types: Vec<&str> = detail["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["login", "login_failed", "signup"]);
    assert!(detail["last_login_at"].as_str().is_some(), "{detail}");
    for (method, path, form) in calls(id + 1_000) {
        if path.starts_with("/api/admin/users") || path == "/api/admin/log" {
            continue;
        }
        let res = call(&app, method, path, &form, Some(&cookie)).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let html = app.page(&format!("/admin/users/{id}"), Some(&cookie)).await;
    assert_eq!(html.status(), StatusCode::OK);
    assert!(html.text().await.unwrap().contains(&email));
    assert_eq!(app.page(&format!("/admin/users/{}", id + 1_000), Some(&cookie)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.page("/admin/users/abc", Some(&cookie)).await.status(), StatusCode::NOT_FOUND);
    // An id that is not a number is bad input, not a 500.
    let res = app.post("/api/admin/lock", &[("id", "abc"), ("reason", "x")], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.get("/api/admin/user?id=1e9999", Some(&cookie)).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_locked_account_is_refused_with_the_right_password_and_401_with_a_wrong_one() {
    let app = TestApp::spawn().await;
    let (admin_email, cookie, admin_id) = administrator(&app).await;
    let (email, victim) = app.signed_up().await;
    let id = user_id(&app, &email).await;
    // A reason is required, and kept.
    let res = app.post("/api/admin/lock", &[("id", &id.to_string()), ("reason", "  ")], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(res).await["field"], "reason");
    let res = app
        .post("/api/admin/lock", &[("id", &id.to_string()), ("reason", "reported stolen")], Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Its session has ended.
    assert_eq!(app.get("/api/me", Some(&victim)).await.status(), StatusCode::UNAUTHORIZED);
    assert!(app.stored_sessions().await.iter().all(|s| !s.data.contains(&email)));
    let res = app.log_in(&email, PASSWORD, None).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body = json(res).await;
    assert_eq!(body["code"], "account_locked");
    assert!(body["message"].as_str().unwrap().contains("locked"), "{body}");
    let res = app.log_in(&email, "wrong password", None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json(res).await["code"], "bad_credentials");
    // No session for it anywhere.
    assert!(app.stored_sessions().await.iter().all(|s| !s.data.contains(&email)));
    // Both logs.
    let detail = json(app.get(&format!("/api/admin/user?id={id}"), Some(&cookie)).await).await;
    assert_eq!(detail["locked"], true);
    assert_eq!(detail["locked_reason"], "reported stolen");
    let types: Vec<&str> = detail["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["login_failed", "account_locked", "signup"], "{detail}");
    let log: Vec<Value> = app.get("/api/admin/log", Some(&cookie)).await.json().await.unwrap();
    assert_eq!(log[0]["type"], "account_locked");
    assert_eq!(log[0]["admin_email"], admin_email.as_str());
    assert_eq!(log[0]["target_email"], email.as_str());
    assert_eq!(log[0]["ip"], "127.0.0.1");
    assert!(log[0]["at"].as_str().unwrap().ends_with('Z'));
    // Not one's own.
    let own = id_form(admin_id);
    let res = app.post("/api/admin/lock", &[("id", &own), ("reason", "oops")], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(app.post("/api/admin/delete_user", &[("id", &own)], Some(&cookie)).await.status(), StatusCode::CONFLICT);
    assert_eq!(app.get("/api/me", Some(&cookie)).await.status(), StatusCode::OK);
    // A reset link can't be asked for, nor sent, while locked.
    let res = app.post("/api/admin/send_reset", &[("id", &id.to_string())], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(res).await["code"], "account_locked");
    // Unlocked, the password works again.
    let res = app.post("/api/admin/unlock", &[("id", &id.to_string())], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.log_in(&email, PASSWORD, None).await.status(), StatusCode::OK);
    let log: Vec<Value> = app.get("/api/admin/log", Some(&cookie)).await.json().await.unwrap();
    assert_eq!(log[0]["type"], "account_unlocked");
}

fn id_form(id: i64) -> String {
    id.to_string()
}

#[tokio::test]
async fn a_locked_account_is_refused_at_the_second_step_and_by_a_reset_link() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::with_mail(&smtp).await;
    let (_, cookie, _) = administrator(&app).await;
    let (email, victim) = app.signed_up().await;
    let id = user_id(&app, &email).await.to_string();
    let begun = json(app.post("/api/totp_begin", &[], Some(&victim)).await).await;
    let secret = begun["secret"].as_str().unwrap().to_owned();
    early_in_a_step().await;
    let res = app
        .post("/api/totp_enable", &[("code", &app_code(&secret, 0)), ("password", PASSWORD)], Some(&victim))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // A reset link sent by an administrator, before the lock.
    let res = app.post("/api/admin/send_reset", &[("id", &id)], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let mail = smtp.wait_for(&email, "Reset").await;
    let port = app.base.rsplit(':').next().unwrap();
    let link = mail.link(&format!("http://localhost:{port}/reset-password/")).unwrap();
    let token = link.rsplit('/').next().unwrap().to_owned();
    // A login waiting for its second step when the account is locked
    // (behind the server's back, so its pending session is still there):
    // the right code is refused.
    let pending = session_cookie(&app.log_in(&email, PASSWORD, None).await).unwrap();
    app.execute(&format!("UPDATE users SET locked_at = 1 WHERE id = {id}")).await;
    let res = app.post("/api/verify_second_factor", &[("code", &app_code(&secret, 30))], Some(&pending)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(res).await["code"], "account_locked");
    // No session came of it: only the sign-up's has the address.
    assert_eq!(app.get("/api/me", Some(&pending)).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.stored_sessions().await.iter().filter(|s| s.data.contains(&email)).count(), 1);
    app.execute(&format!("UPDATE users SET locked_at = NULL WHERE id = {id}")).await;
    // Locked by an administrator, a pending login ends with the sessions.
    let pending = session_cookie(&app.log_in(&email, PASSWORD, None).await).unwrap();
    let res = app.post("/api/admin/lock", &[("id", &id), ("reason", "support ticket 12")], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    smtp.wait_for(&email, "was locked").await;
    let res = app.post("/api/verify_second_factor", &[("code", &app_code(&secret, 30))], Some(&pending)).await;
    assert_eq!(json(res).await["code"], "no_pending_login");
    // The password, then: refused before any second step.
    let res = app.log_in(&email, PASSWORD, None).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(res).await["code"], "account_locked");
    // The reset link: refused, and the password unchanged.
    const NEW: &str = "a brand new passphrase";
    let code = app_code(&secret, 0);
    let reset = [("token", token.as_str()), ("new_password", NEW), ("code", code.as_str())];
    let res = app.post("/api/reset_password", &reset, None).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(res).await["code"], "account_locked");
    // An anonymous reset request sends nothing to a locked account.
    let before = smtp.received().len();
    assert_eq!(app.post("/api/request_password_reset", &[("email", &email)], None).await.status(), StatusCode::OK);
    // Two-step verification reset by the administrator; then unlocked,
    // the password alone signs in, and the link still works.
    let res = app.post("/api/admin/reset_second_factor", &[("id", &id)], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    smtp.wait_for(&email, "Two-step verification was turned off").await;
    assert_eq!(app.post("/api/admin/unlock", &[("id", &id)], Some(&cookie)).await.status(), StatusCode::OK);
    smtp.wait_for(&email, "was unlocked").await;
    let res = app.log_in(&email, PASSWORD, None).await;
    assert_eq!(json(res).await, serde_json::json!({"second_factor": false}));
    let res = app.post("/api/reset_password", &reset[..2], None).await;
    assert_eq!(res.status(), StatusCode::OK);
    // Mail since the anonymous request: the 2FA notice, the unlock notice,
    // the reset's "password changed"; no reset link.
    let since: Vec<String> = smtp.received()[before..].iter().map(|m| m.subject.clone()).collect();
    assert!(!since.iter().any(|s| s.starts_with("Reset your")), "{since:?}");
    let detail = json(app.get(&format!("/api/admin/user?id={id}"), Some(&cookie)).await).await;
    let types: Vec<&str> = detail["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    for kind in ["account_locked", "account_unlocked", "second_factor_reset_by_admin", "reset_sent_by_admin"] {
        assert!(types.contains(&kind), "{kind} not in {types:?}");
    }
    assert_eq!(detail["two_factor"], false);
}

#[tokio::test]
async fn ending_sessions_and_deleting_an_account() {
    let app = TestApp::spawn().await;
    let (_, cookie, _) = administrator(&app).await;
    let (email, first) = app.signed_up().await;
    let second = session_cookie(&app.log_in(&email, PASSWORD, None).await).unwrap();
    let id = user_id(&app, &email).await.to_string();
    let res = app.post("/api/admin/end_sessions", &[("id", &id)], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json(res).await, 2);
    for c in [&first, &second] {
        assert_eq!(app.get("/api/me", Some(c)).await.status(), StatusCode::UNAUTHORIZED);
    }
    // It can sign in again: ending sessions is not a lock.
    let third = session_cookie(&app.log_in(&email, PASSWORD, None).await).unwrap();
    let res = app.post("/api/admin/delete_user", &[("id", &id)], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.get("/api/me", Some(&third)).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM users WHERE id = {id}")).await, 0);
    assert_eq!(app.get(&format!("/api/admin/user?id={id}"), Some(&cookie)).await.status(), StatusCode::NOT_FOUND);
    let log: Vec<Value> = app.get("/api/admin/log", Some(&cookie)).await.json().await.unwrap();
    assert_eq!(log[0]["type"], "account_deleted_by_admin");
    assert_eq!(log[0]["target_email"], email.as_str());
    assert_eq!(log[1]["type"], "sessions_ended_by_admin");
    // A form posted without JavaScript goes back to the pages.
    let (other, _) = app.signed_up().await;
    let other_id = user_id(&app, &other).await.to_string();
    let res = app
        .client
        .post(app.url("/api/admin/end_sessions"))
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, app.url(&format!("/admin/users/{other_id}")))
        .header(header::COOKIE, &cookie)
        .form(&[("id", other_id.as_str())])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(res.headers()[header::LOCATION], format!("/admin/users/{other_id}").as_str());
}

#[tokio::test]
async fn the_pages_work_in_both_languages() {
    let app = TestApp::spawn().await;
    let (_, cookie, _) = administrator(&app).await;
    let email = unique_email();
    assert!(app.sign_up(&email).await.status().is_success());
    let id = user_id(&app, &email).await;
    for (lang, words) in [("en", ["Accounts", "Lock the account", "Administrators' log"]), ("ko", ["계정", "계정 잠그기", "관리자 기록"])] {
        let cookie = format!("{cookie}; lang={lang}");
        let list = app.page("/admin", Some(&cookie)).await.text().await.unwrap();
        assert!(list.contains(words[0]) && list.contains(&format!("<html lang=\"{lang}\"")), "{lang}");
        let one = app.page(&format!("/admin/users/{id}"), Some(&cookie)).await.text().await.unwrap();
        assert!(one.contains(words[1]), "{lang}: {one}");
        let log = app.page("/admin/log", Some(&cookie)).await.text().await.unwrap();
        assert!(log.contains(words[2]), "{lang}");
        let res = app.post("/api/admin/lock", &[("id", &id.to_string()), ("reason", "")], Some(&cookie)).await;
        let message = json(res).await["message"].as_str().unwrap().to_owned();
        let korean = message.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c));
        assert_eq!(korean, lang == "ko", "{message}");
    }
}
