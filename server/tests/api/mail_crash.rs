//! An instance that dies while sending a mail (a reset link, asked for
//! just before) holds it back for at most a minute: its claim on the outbox row is short and renewed only while it
//! lives, so once it is killed the same instance restarted (or another)
//! sends the mail, once. The real binary on a real Postgres, killed with
//! SIGKILL; runs once, not per backend.

use crate::helpers::services::{require, Service};
use crate::helpers::{post_form, smtp::SmtpServer, start_binary_logged, unique_email};
use sqlx::PgPool;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The outbox row of the mail to `to`: (claimed_until, sent_at, attempts).
async fn row(db: &PgPool, to: &str) -> Option<(i64, Option<i64>, i64)> {
    sqlx::query_as("SELECT claimed_until, sent_at, attempts FROM outbox WHERE recipient = $1")
        .bind(to)
        .fetch_optional(db)
        .await
        .unwrap()
}

/// Polls `row` until `ok` holds (within `bound`, so the test can't hang).
async fn wait_for_row(
    db: &PgPool,
    to: &str,
    bound: Duration,
    what: &str,
    ok: impl Fn(&(i64, Option<i64>, i64)) -> bool,
) -> (i64, Option<i64>, i64) {
    let start = Instant::now();
    loop {
        if let Some(found) = row(db, to).await.filter(|r| ok(r)) {
            return found;
        }
        assert!(start.elapsed() < bound, "{what}: {:?}", row(db, to).await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_mail_whose_sender_was_killed_goes_within_a_minute_and_once() {
    require!(Service::Postgres);
    // An SMTP server that takes connections and never says a word: the
    // send hangs (lettre gives up after 20 s) with the mail claimed.
    let stall = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let stall_url = format!("smtp://{}", stall.local_addr().unwrap());
    let stalling = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = stall.accept().await {
            held.push(socket);
        }
    });

    let dir = tempfile::tempdir().unwrap();
    let database_url = crate::helpers::fresh_postgres_url().await;
    // The same data directory keeps the generated SESSION_SECRET, which
    // the restarted instance needs to open the sealed mail.
    let (server, base, first_log) = start_binary_logged(
        &[("DATABASE_URL", &database_url), ("SMTP_URL", &stall_url)],
        dir.path(),
    );
    // An account made without mail of its own (the instance has migrated
    // the database by the time it listens), then a reset request: the
    // one mail in the outbox is its link.
    let db = PgPool::connect(&database_url).await.unwrap();
    let email = unique_email();
    sqlx::query("INSERT INTO users (email, password_hash, email_confirmed_at) VALUES ($1, '', 0)")
        .bind(&email)
        .execute(&db)
        .await
        .unwrap();
    let res = post_form(
        &reqwest::Client::new(),
        &base,
        "/api/request_password_reset",
        vec![("email", email.clone())],
    )
    .await
    .unwrap();
    assert!(res.status().is_success(), "{}", res.status());

    // The reset mail is claimed, for a short lease.
    let (claimed_until, _, _) = wait_for_row(&db, &email, Duration::from_secs(10), "never claimed", |r| r.0 > 0).await;
    let lease = claimed_until - unix_now();
    assert!((20..=35).contains(&lease), "a lease of {lease} s");

    // While the send hangs, the lease is renewed (every 10 s).
    let renewed = wait_for_row(&db, &email, Duration::from_secs(15), "never renewed", |r| {
        r.0 > claimed_until
    })
    .await;
    assert_eq!(renewed.1, None, "sent to a server that never answered?");
    assert!(renewed.0 - unix_now() <= 35, "renewed to {} s ahead", renewed.0 - unix_now());

    // Killed mid-send (SIGKILL: no shutdown, the claim stays).
    drop(server);
    let killed = Instant::now();
    let (still, sent, _) = row(&db, &email).await.unwrap();
    assert!(still > unix_now() && sent.is_none(), "the claim went with the process");

    // Restarted on the same database, with an SMTP server that works.
    let smtp = SmtpServer::start().await;
    let (_server, _, second_log) = start_binary_logged(
        &[("DATABASE_URL", &database_url), ("SMTP_URL", &smtp.url())],
        dir.path(),
    );
    // The bound is only so the test can't hang; the promise is a minute.
    let got = smtp.wait_for_count(1, Duration::from_secs(90)).await;
    let took = killed.elapsed();
    assert_eq!(got.len(), 1, "no mail arrived");
    assert!(took < Duration::from_secs(60), "the mail was held back {took:?}");
    assert!(got[0].to.iter().any(|to| to == &email) && got[0].subject.contains("Reset"), "{:?}", got[0].subject);

    // Once: nothing more arrives, and the row is marked sent.
    wait_for_row(&db, &email, Duration::from_secs(10), "not marked sent", |r| r.1.is_some()).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(smtp.received().len(), 1, "the mail went twice");
    stalling.abort();

    // No log line of either instance holds the link's token.
    let text = &got[0].text;
    let at = text.find("/reset-password/").expect("a reset link") + "/reset-password/".len();
    let token: String = text[at..].chars().take_while(|c| !c.is_whitespace()).collect();
    assert!(token.len() >= 20, "{token}");
    for log in [&first_log, &second_log] {
        let log = log.lock().unwrap();
        assert!(log.contains("mail worker started"), "{log}");
        assert!(!log.contains(&token), "a token in the log: {log}");
    }
}
