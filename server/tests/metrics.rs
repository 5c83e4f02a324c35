//! `/metrics` on its own listener (its own test process: the recorder is
//! global, so no other test's requests are counted here).

mod common;

use common::{TestApp, PASSWORD};
use reqwest::StatusCode;

/// The value of the sample whose name and labels are exactly `series`.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_count_requests_logins_and_sessions_without_personal_labels() {
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
