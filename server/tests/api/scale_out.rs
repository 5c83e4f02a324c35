//! Two server processes behind one (imaginary) load balancer, sharing the
//! database and the session store: a session started on one is good on the
//! other, and ending it on either ends it on both at once. Run with sessions
//! in Postgres and in Redis (users are in Postgres both times).

use crate::helpers::services::{require, Service};
use crate::helpers::{
    fresh_postgres_url, fresh_redis_prefix, redis_url, session_cookie, start_binary, unique_email,
    ServerProcess, PASSWORD,
};
use reqwest::{header, Client, StatusCode};
use serde_json::Value;

/// One instance; killed when dropped (before its directory goes).
struct Instance {
    _server: ServerProcess,
    base: String,
    _dir: tempfile::TempDir,
}

fn start(env: &[(&str, &str)]) -> Instance {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start_binary(env, dir.path());
    Instance {
        _server: server,
        base,
        _dir: dir,
    }
}

async fn post(
    base: &str,
    path: &str,
    form: &[(&str, &str)],
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut req = Client::new()
        .post(format!("{base}{path}"))
        .header(header::ACCEPT, "application/json")
        .form(form);
    if let Some(cookie) = cookie {
        req = req.header(header::COOKIE, cookie);
    }
    req.send().await.unwrap()
}

async fn get(base: &str, path: &str, cookie: &str) -> reqwest::Response {
    Client::new()
        .get(format!("{base}{path}"))
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap()
}

async fn two_instances_share_sessions(redis: bool) {
    let database_url = fresh_postgres_url().await;
    let prefix = fresh_redis_prefix();
    let secret = "5e".repeat(64);
    let mut env = vec![
        ("DATABASE_URL", database_url.as_str()),
        ("SESSION_SECRET", secret.as_str()),
        ("SESSION_KEY_PREFIX", prefix.as_str()),
        ("LOGIN_MAX_FAILURES", "2"),
    ];
    let redis_url = redis_url();
    if redis {
        env.push(("SESSION_STORE_URL", redis_url.as_str()));
    }
    let a = start(&env);
    let b = start(&env);
    assert_ne!(a.base, b.base);

    // Signed up on A, recognised on B.
    let email = unique_email();
    let res = post(
        &a.base,
        "/api/signup",
        &[("email", &email), ("password", PASSWORD)],
        None,
    )
    .await;
    assert!(res.status().is_success());
    let on_a = session_cookie(&res).unwrap();
    let res = get(&b.base, "/api/me", &on_a).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["email"], email.as_str());

    // A second session, started on B; B lists both.
    let res = post(
        &b.base,
        "/api/login",
        &[("email", &email), ("password", PASSWORD)],
        None,
    )
    .await;
    let on_b = session_cookie(&res).unwrap();
    let sessions: Vec<Value> = get(&b.base, "/api/sessions", &on_b)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sessions.len(), 2);
    let a_handle = sessions.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Revoked on B: dead on A at the very next request.
    let res = post(
        &b.base,
        "/api/revoke_session",
        &[("id", &a_handle)],
        Some(&on_b),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        get(&a.base, "/api/me", &on_a).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&a.base, "/api/me", &on_b).await.status(),
        StatusCode::OK
    );

    // Logged out on A: dead on B.
    let res = post(&a.base, "/api/logout", &[], Some(&on_b)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        get(&b.base, "/api/me", &on_b).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Logging out the others on A, and changing the password on B, end
    // sessions that were started on the other instance.
    let log_in = |base: &str, password: &str| {
        let (base, email) = (base.to_owned(), email.clone());
        let password = password.to_owned();
        async move {
            let form = [("email", email.as_str()), ("password", password.as_str())];
            let res = post(&base, "/api/login", &form, None).await;
            assert_eq!(res.status(), StatusCode::OK);
            session_cookie(&res).unwrap()
        }
    };
    let (keep, other) = (
        log_in(&a.base, PASSWORD).await,
        log_in(&b.base, PASSWORD).await,
    );
    let res = post(&a.base, "/api/logout_others", &[], Some(&keep)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        get(&b.base, "/api/me", &other).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let other = log_in(&a.base, PASSWORD).await;
    let new_password = "a new and longer passphrase";
    let change = [
        ("current_password", PASSWORD),
        ("new_password", new_password),
    ];
    let res = post(&b.base, "/api/change_password", &change, Some(&keep)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let renewed = session_cookie(&res).unwrap();
    assert_eq!(
        get(&a.base, "/api/me", &other).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&a.base, "/api/me", &keep).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&a.base, "/api/me", &renewed).await.status(),
        StatusCode::OK
    );
    let res = post(&a.base, "/api/logout", &[], Some(&renewed)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let _ = log_in(&b.base, new_password).await;

    // Failed logins are counted across instances.
    let wrong = [("email", email.as_str()), ("password", "not the password")];
    assert_eq!(
        post(&a.base, "/api/login", &wrong, None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(&b.base, "/api/login", &wrong, None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(&a.base, "/api/login", &wrong, None).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn two_instances_share_sessions_through_redis() {
    require!(Service::Postgres, Service::Redis);
    two_instances_share_sessions(true).await;
}

#[tokio::test]
async fn two_instances_share_sessions_through_postgres() {
    require!(Service::Postgres);
    two_instances_share_sessions(false).await;
}
