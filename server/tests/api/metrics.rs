//! `/metrics` on its own listener (its own test process: the recorder is
//! global, so no other test's requests are counted here; the test runs
//! itself again, alone, in a child process of this test binary).

use crate::helpers::{TestApp, PASSWORD};
use reqwest::StatusCode;

/// Set in the child process that runs the test alone.
const ALONE: &str = "GATEHOUSE_TEST_ALONE";

/// In the child: true, and the test goes on. Otherwise runs the test
/// `name` (in this module) alone in a child process, fails if it fails,
/// and returns false.
fn alone(name: &str) -> bool {
    let test = format!("{}::{name}", module_path!().split_once("::").unwrap().1);
    if std::env::var(ALONE).as_deref() == Ok(test.as_str()) {
        return true;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([test.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(ALONE, &test)
        .output()
        .unwrap();
    // Its output, as this test's own (shown if it fails), without the
    // child's summary line, which would count the test twice.
    for line in String::from_utf8_lossy(&out.stdout).lines().chain(String::from_utf8_lossy(&out.stderr).lines()) {
        if !line.starts_with("test result:") {
            println!("{line}");
        }
    }
    assert!(out.status.success(), "{test}, run alone: {}", out.status);
    let ran = String::from_utf8_lossy(&out.stdout).contains("1 passed");
    assert!(ran, "{test}, run alone, did not run");
    false
}

/// The value of the sample whose name and labels are exactly `series`.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_count_requests_logins_and_sessions_without_personal_labels() {
    if !alone("metrics_count_requests_logins_and_sessions_without_personal_labels") {
        return;
    }
    let app = TestApp::spawn_with(|c| c.metrics_addr = Some("127.0.0.1:0".parse().unwrap())).await;
    let metrics_url = format!("http://{}/metrics", app.metrics_addr.expect("a metrics listener"));
    // Not on the public listener.
    assert_eq!(app.get("/metrics", None).await.status(), StatusCode::NOT_FOUND);

    let (email, cookie) = app.signed_up().await;
    for _ in 0..3 {
        assert_eq!(app.log_in(&email, PASSWORD, None).await.status(), StatusCode::OK);
    }
    for _ in 0..2 {
        assert_eq!(app.log_in(&email, "wrong password", None).await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.post("/api/logout", &[], Some(&cookie)).await.status(), StatusCode::OK);
    app.page(&format!("/reset-password/{}", "A".repeat(43)), None).await;

    let text = reqwest::get(&metrics_url).await.unwrap().text().await.unwrap();
    assert_eq!(sample(&text, r#"gatehouse_logins_total{outcome="ok"}"#), 3.0, "{text}");
    assert_eq!(sample(&text, r#"gatehouse_logins_total{outcome="bad_credentials"}"#), 2.0, "{text}");
    assert_eq!(sample(&text, r#"gatehouse_sessions_ended_total{cause="logout"}"#), 1.0, "{text}");
    assert_eq!(sample(&text, r#"gatehouse_http_requests_total{route="/api/login",status="200"}"#), 3.0, "{text}");
    assert_eq!(sample(&text, r#"gatehouse_http_requests_total{route="/api/login",status="401"}"#), 2.0, "{text}");
    assert_eq!(sample(&text, r#"gatehouse_http_requests_total{route="/reset-password/{token}",status="200"}"#), 1.0, "{text}");
    assert!(text.contains("gatehouse_http_request_duration_seconds_bucket{route=\"/api/login\""), "{text}");
    assert!(text.contains("gatehouse_password_hash_queue"), "{text}");
    assert!(text.contains("gatehouse_mail_outbox_depth"), "{text}");
    // No email, IP or token in any label.
    assert!(!text.contains(&email) && !text.contains("127.0.0.1") && !text.contains(&"A".repeat(43)), "{text}");
}
