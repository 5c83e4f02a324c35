//! Running in production: the client address behind trusted proxies, the
//! security log, graceful shutdown on SIGTERM, start-up errors that keep
//! passwords to themselves.

use crate::helpers::{session_cookie, start_binary, start_binary_logged, unique_email, TestApp, PASSWORD};
use reqwest::{header, StatusCode};
use serde_json::Value;

async fn events(app: &TestApp, cookie: &str) -> Vec<Value> {
    let res = app.get("/api/security_events", Some(cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

/// A POST as a script sends it, from behind a proxy that says the client
/// is `forwarded_for`.
async fn post_via(app: &TestApp, path: &str, form: &[(&str, &str)], cookie: Option<&str>, forwarded_for: &str) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url(path))
        .header(header::ACCEPT, "application/json")
        .header("x-forwarded-for", forwarded_for)
        .header(header::USER_AGENT, "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
        .form(form);
    if let Some(cookie) = cookie {
        req = req.header(header::COOKIE, cookie);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn each_event_is_logged_with_the_clients_address_and_only_for_its_account() {
    let app = TestApp::spawn_with(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let email = unique_email();
    let res = post_via(&app, "/api/signup", &[("email", &email), ("password", PASSWORD)], None, "198.51.100.7").await;
    assert!(res.status().is_success());
    let cookie = session_cookie(&res).unwrap();
    let res = post_via(&app, "/api/login", &[("email", &email), ("password", "wrong password")], None, "198.51.100.8").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = post_via(&app, "/api/login", &[("email", &email), ("password", PASSWORD)], None, "198.51.100.9").await;
    let second = session_cookie(&res).unwrap();
    let res = post_via(&app, "/api/logout_others", &[], Some(&cookie), "198.51.100.7").await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = post_via(
        &app,
        "/api/change_password",
        &[("current_password", PASSWORD), ("new_password", "another long passphrase")],
        Some(&cookie),
        "198.51.100.7",
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = session_cookie(&res).unwrap();
    // An unknown address's failed login is attached to no one.
    let res = post_via(&app, "/api/login", &[("email", &unique_email()), ("password", "x")], None, "203.0.113.5").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // Another account's events never show.
    let (_, other) = app.signed_up().await;

    let mine = events(&app, &cookie).await;
    assert_eq!(
        types(&mine),
        ["password_changed", "logout_others", "login", "login_failed", "signup"],
        "{mine:?}"
    );
    let ips: Vec<&str> = mine.iter().map(|e| e["ip"].as_str().unwrap()).collect();
    assert_eq!(ips, ["198.51.100.7", "198.51.100.7", "198.51.100.9", "198.51.100.8", "198.51.100.7"]);
    assert!(mine.iter().all(|e| e["user_agent"].as_str().unwrap().contains("Firefox")));
    assert!(mine.iter().all(|e| e["at"].as_str().unwrap().ends_with('Z')));
    assert_eq!(app.get("/api/security_events", Some(&second)).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(types(&events(&app, &other).await), ["signup"]);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM security_events WHERE user_id IS NULL").await, 1);
    assert_eq!(app.get("/api/security_events", None).await.status(), StatusCode::UNAUTHORIZED);

    // The page says it in words, this device marked.
    let page = app
        .client
        .get(app.url("/security"))
        .header(header::COOKIE, &cookie)
        .header(header::USER_AGENT, "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Password changed") && html.contains("Failed login"), "{html}");
    assert!(html.contains("Recent activity"));
}

/// The address the sessions list shows for the first session.
async fn sessions_ip(app: &TestApp, cookie: String) -> String {
    let list: Vec<Value> = app.get("/api/sessions", Some(&cookie)).await.json().await.unwrap();
    list[0]["ip"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
    // Not trusted: the TCP peer, whatever the client says.
    let app = TestApp::spawn().await;
    let res = post_via(&app, "/api/signup", &[("email", &unique_email()), ("password", PASSWORD)], None, "6.6.6.6").await;
    assert_eq!(sessions_ip(&app, session_cookie(&res).unwrap()).await, "127.0.0.1");
    // Trusted: the right-most address that is not a proxy; what the
    // client put on the left is never reached.
    let app = TestApp::spawn_with(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap(), "10.0.0.0/8".parse().unwrap()]).await;
    let res = post_via(
        &app,
        "/api/signup",
        &[("email", &unique_email()), ("password", PASSWORD)],
        None,
        "6.6.6.6, 198.51.100.7, 10.1.2.3",
    )
    .await;
    assert_eq!(sessions_ip(&app, session_cookie(&res).unwrap()).await, "198.51.100.7");
}

/// Forwarded entries may carry a port or brackets, and an IPv4-mapped
/// IPv6 address is its IPv4 address: the sessions page shows the bare
/// address either way.
#[tokio::test]
async fn forwarded_entries_with_ports_brackets_or_mapped_addresses_name_the_client() {
    let app = TestApp::spawn_with(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    for (forwarded, client) in [
        ("198.51.100.7:4711", "198.51.100.7"),
        ("[2001:db8::5]:4711", "2001:db8::5"),
        ("[2001:db8::6]", "2001:db8::6"),
        ("::ffff:198.51.100.8", "198.51.100.8"),
        ("6.6.6.6, 198.51.100.9:80", "198.51.100.9"),
    ] {
        let res = post_via(&app, "/api/signup", &[("email", &unique_email()), ("password", PASSWORD)], None, forwarded).await;
        assert_eq!(res.status(), StatusCode::OK, "{forwarded}");
        assert_eq!(sessions_ip(&app, session_cookie(&res).unwrap()).await, client, "{forwarded}");
    }
}

/// One client address using up its throttle leaves another's logins alone.
#[tokio::test]
async fn the_throttle_counts_each_forwarded_client_apart() {
    let app = TestApp::spawn_with(|c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        c.login_limits.max_failures = 1;
    })
    .await;
    let (email, _) = app.signed_up().await;
    // Per IP the limit is ten times the account's: eleven unknown
    // addresses from one client use it up.
    for _ in 0..10 {
        let res = post_via(&app, "/api/login", &[("email", &unique_email()), ("password", "x")], None, "198.51.100.1").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = post_via(&app, "/api/login", &[("email", &email), ("password", PASSWORD)], None, "198.51.100.1").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = post_via(&app, "/api/login", &[("email", &email), ("password", PASSWORD)], None, "198.51.100.2").await;
    assert_eq!(res.status(), StatusCode::OK);
    // The refusal is in the account's log, with the address it came from.
    let log = events(&app, &session_cookie(&res).unwrap()).await;
    assert_eq!(types(&log)[..2], ["login", "login_throttled"], "{log:?}");
    assert_eq!(log[1]["ip"], "198.51.100.1");
}

/// `server audit EMAIL`: the account's log for an operator, newest first.
#[tokio::test]
async fn operators_read_the_security_log_with_server_audit() {
    let app = TestApp::spawn_on(crate::helpers::Backend::Sqlite, |_| {}).await;
    let (email, _) = app.signed_up().await;
    assert_eq!(app.log_in(&email, "wrong password", None).await.status(), StatusCode::UNAUTHORIZED);
    let audit = |who: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .args(["audit", who])
            .env("DATABASE_URL", &app.config.database_url)
            .env_remove("SESSION_STORE_URL")
            .env("GATEHOUSE_DATA_DIR", app.db_path.parent().unwrap())
            .output()
            .unwrap()
    };
    let out = audit(&email);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("2 security event(s)"), "{text}");
    assert!(lines[1].contains("login_failed") && lines[1].contains("127.0.0.1"), "{text}");
    assert!(lines[2].contains("signup"), "{text}");
    let out = audit("nobody@example.com");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no account has the email"));
}

/// SIGTERM: the request in flight finishes, then the process exits 0.
#[tokio::test]
async fn sigterm_finishes_the_request_in_flight_and_exits_0() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let (mut server, base) = start_binary(&[], dir.path());
    let addr = base.trim_start_matches("http://").to_owned();
    let body = format!("email={}&password=a+long+enough+password", unique_email());
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    // Headers and half the body: the request is in flight.
    let head = format!(
        "POST /api/signup HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..10]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    server.terminate();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    // No new connections once it is stopping.
    assert!(tokio::net::TcpStream::connect(&addr).await.is_err(), "still accepting after SIGTERM");
    stream.write_all(&body.as_bytes()[10..]).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.1 201"), "{response}");
    let status = server.wait_for_exit(std::time::Duration::from_secs(15)).expect("it exits");
    assert_eq!(status.code(), Some(0));
}

/// `LOG_FORMAT=json`: every log line is one JSON object.
#[tokio::test]
async fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, base, log) = start_binary_logged(&[("LOG_FORMAT", "json")], dir.path());
    let res = reqwest::Client::new()
        .post(format!("{base}/api/login"))
        .header(header::ACCEPT, "application/json")
        .form(&[("email", unique_email().as_str()), ("password", "wrong password")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // Stopping logs a few lines more.
    server.terminate();
    assert_eq!(server.wait_for_exit(std::time::Duration::from_secs(15)).unwrap().code(), Some(0));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let log = log.lock().unwrap().clone();
    assert!(log.contains("shutting down") && log.lines().count() >= 2, "{log}");
    for line in log.lines() {
        let value: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(value["level"].is_string() && value["fields"].is_object(), "{line}");
    }
}

/// Every line a request logs carries its span: the method, the route
/// template (never the path: here a reset link's token) and the id the
/// response carries as `x-request-id`; a client's own id is replaced.
#[tokio::test]
async fn log_lines_carry_the_request_span_and_id_but_never_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("LOG_FORMAT", "json"), ("RUST_LOG", "info,tower_http=debug")];
    let (mut server, base, log) = start_binary_logged(&env, dir.path());
    let token = "Tq1c9bW2xV0pLmN4rS7uY8eZ3aK6dF5gH2jQ0wE9tR1";
    let res = reqwest::Client::new()
        .get(format!("{base}/reset-password/{token}"))
        .header("x-request-id", "made-up-by-the-client")
        .send()
        .await
        .unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(id.len() == 16 && id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    server.terminate();
    server.wait_for_exit(std::time::Duration::from_secs(15));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let log = log.lock().unwrap().clone();
    let line = log
        .lines()
        .find(|l| l.contains(&id))
        .unwrap_or_else(|| panic!("no line with the request's id:\n{log}"));
    let value: Value = serde_json::from_str(line).unwrap();
    assert_eq!(value["span"]["route"], "/reset-password/{token}", "{line}");
    assert_eq!(value["span"]["method"], "GET", "{line}");
    assert!(!log.contains(token) && !log.contains("made-up"), "{log}");
}

/// Runs the server binary with `env` until it exits (it must within a
/// minute): its exit status and everything it wrote to stderr.
fn run_to_exit(env: &[(&str, &str)], dir: &std::path::Path) -> (std::process::ExitStatus, String) {
    use std::io::Read as _;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("GATEHOUSE_DATA_DIR", dir)
        .env("RUST_LOG", "debug")
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .env_remove("SESSION_STORE_URL")
        .env_remove("SMTP_URL")
        .env_remove("APP_ENV")
        .env_remove("SESSION_SECRET")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    for (name, value) in env {
        cmd.env(name, value);
    }
    let mut child = crate::helpers::ServerProcess::from(cmd.spawn().unwrap());
    let mut stderr = child.stderr().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let status = child
        .wait_for_exit(std::time::Duration::from_secs(60))
        .unwrap_or_else(|| panic!("the server did not exit with {env:?}"));
    (status, reader.join().unwrap())
}

/// A start-up error names the variable at fault, and never prints the
/// password in DATABASE_URL, SESSION_STORE_URL or SMTP_URL: not in the
/// configuration check, and not when connecting fails (drivers may echo
/// the URL in their errors).
#[test]
fn start_up_errors_name_the_variable_and_never_print_its_password() {
    const SECRET: &str = "s3cretPassw0rd";
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("gatehouse.db").display());
    let cases: [(&str, Vec<(&str, String)>); 6] = [
        // Nothing listens on port 1: connecting is refused.
        ("DATABASE_URL", vec![("DATABASE_URL", format!("postgres://gatehouse:{SECRET}@127.0.0.1:1/nope"))]),
        (
            "SESSION_STORE_URL",
            vec![
                ("DATABASE_URL", sqlite.clone()),
                ("SESSION_STORE_URL", format!("redis://:{SECRET}@127.0.0.1:1")),
            ],
        ),
        // Not a supported database, or session store, or mail server.
        ("DATABASE_URL", vec![("DATABASE_URL", format!("mysql://u:{SECRET}@h/db"))]),
        (
            "SESSION_STORE_URL",
            vec![("DATABASE_URL", sqlite.clone()), ("SESSION_STORE_URL", format!("memcached://u:{SECRET}@h"))],
        ),
        ("SMTP_URL", vec![("DATABASE_URL", sqlite.clone()), ("SMTP_URL", format!("ftp://u:{SECRET}@mail.test"))]),
        // Percent-encoded in the URL, which a driver may decode.
        ("DATABASE_URL", vec![("DATABASE_URL", format!("postgres://gatehouse:{SECRET}%21@127.0.0.1:1/nope"))]),
    ];
    for (variable, env) in cases {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, stderr) = run_to_exit(&env, dir.path());
        assert!(!status.success(), "{env:?} started: {stderr}");
        assert!(stderr.contains(variable), "{env:?} does not name {variable}: {stderr}");
        assert!(!stderr.contains(SECRET), "{env:?} printed the password: {stderr}");
    }
}
