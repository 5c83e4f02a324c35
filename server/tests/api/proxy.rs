//! Behind a real nginx (Debian's, started here on free ports with the
//! project's own `deploy/nginx.conf`), two Gatehouse instances on Postgres
//! and Redis: client addresses as nginx forwards them, `/metrics`, and a
//! rolling restart that fails no request.

use crate::helpers::services::{require, Service};
use crate::helpers::{
    fresh_postgres_url, fresh_redis_prefix, redis_url, session_cookie, start_binary_logged, unique_email,
    ServerProcess, PASSWORD,
};
use reqwest::{header, Client, StatusCode};
use serde_json::Value;
use std::{
    net::IpAddr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts nginx with `deploy/nginx.conf`, its ports replaced.
fn start_nginx(prefix: &Path, listen: u16, upstreams: [u16; 2]) -> Nginx {
    // The checkout the test runs in (cargo sets it), not the one it was built from.
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    let template = std::fs::read_to_string(format!("{root}/../deploy/nginx.conf")).unwrap();
    // The README's deployment section shows this very file.
    let readme = std::fs::read_to_string(format!("{root}/../README.md")).unwrap();
    assert!(readme.contains(&template), "README.md must show deploy/nginx.conf as it is");
    let conf = template
        .replace("127.0.0.1:8080", &format!("127.0.0.1:{listen}"))
        .replace("127.0.0.1:3001", &format!("127.0.0.1:{}", upstreams[0]))
        .replace("127.0.0.1:3002", &format!("127.0.0.1:{}", upstreams[1]));
    for dir in ["tmp", "logs"] {
        std::fs::create_dir_all(prefix.join(dir)).unwrap();
    }
    let path = prefix.join("nginx.conf");
    std::fs::write(&path, conf).unwrap();
    let binary = ["/usr/sbin/nginx", "nginx"]
        .into_iter()
        .find(|b| Path::new(b).exists())
        .unwrap_or("nginx");
    // Its error log (each refused connection during the restart is one
    // line) goes to a file beside the config, read when a test fails.
    let log = std::fs::File::create(prefix.join("logs/error.log")).unwrap();
    let child = Command::new(binary)
        .arg("-p")
        .arg(prefix)
        .arg("-c")
        .arg(&path)
        // One process, in the foreground, so the test can stop all of it.
        .args(["-e", "stderr", "-g", "daemon off; master_process off;"])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("nginx (scripts/setup.sh installs it)");
    Nginx(child)
}

/// One Gatehouse instance's settings.
struct Instance {
    port: u16,
    metrics: u16,
    env: Vec<(String, String)>,
    dir: PathBuf,
}

impl Instance {
    fn start(&self) -> ServerProcess {
        let mut env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let addr = format!("127.0.0.1:{}", self.port);
        let metrics = format!("127.0.0.1:{}", self.metrics);
        env.push(("LEPTOS_SITE_ADDR", &addr));
        env.push(("METRICS_ADDR", &metrics));
        start_binary_logged(&env, &self.dir).0
    }

    async fn metric(&self, series: &str) -> f64 {
        let text = reqwest::get(format!("http://127.0.0.1:{}/metrics", self.metrics))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
            .unwrap_or(0.0)
    }
}

/// A client whose connections come from `ip` (a loopback address).
fn client_from(ip: &str) -> Client {
    Client::builder()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn login(client: &Client, base: &str, email: &str, password: &str) -> reqwest::Response {
    client
        .post(format!("{base}/api/login"))
        .header(header::ACCEPT, "application/json")
        // A client's own X-Forwarded-For: never believed.
        .header("x-forwarded-for", "6.6.6.6")
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

async fn get_json(client: &Client, url: String, cookie: &str) -> (StatusCode, Value) {
    let res = client
        .get(url)
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn wait_healthy(url: &str) {
    let start = Instant::now();
    loop {
        if let Ok(res) = reqwest::get(url).await {
            if res.status() == StatusCode::OK {
                return;
            }
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{url} never answered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_behind_nginx() {
    require!(Service::Nginx, Service::Postgres, Service::Redis);
    let dir = tempfile::tempdir().unwrap();
    let nginx_port = free_port();
    let base = format!("http://127.0.0.1:{nginx_port}");
    let shared: Vec<(String, String)> = [
        ("DATABASE_URL", fresh_postgres_url().await),
        ("SESSION_STORE_URL", redis_url()),
        ("SESSION_KEY_PREFIX", fresh_redis_prefix()),
        ("SESSION_SECRET", "5e".repeat(64)),
        ("APP_BASE_URL", base.clone()),
        ("TRUSTED_PROXIES", "127.0.0.1".into()),
        ("LOGIN_MAX_FAILURES", "2".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let instances: Vec<Instance> = (0..2)
        .map(|i| Instance {
            port: free_port(),
            metrics: free_port(),
            env: shared.clone(),
            dir: dir.path().join(format!("instance{i}")),
        })
        .collect();
    for instance in &instances {
        std::fs::create_dir_all(&instance.dir).unwrap();
    }
    let mut servers: Vec<ServerProcess> = instances.iter().map(Instance::start).collect();
    let _nginx = start_nginx(dir.path(), nginx_port, [instances[0].port, instances[1].port]);
    wait_healthy(&format!("{base}/healthz")).await;

    // --- Client addresses ----------------------------------------------
    let setup = client_from("127.0.0.1");
    let email = unique_email();
    let res = setup
        .post(format!("{base}/api/signup"))
        .header(header::ACCEPT, "application/json")
        .form(&[("email", email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());

    // 127.0.0.2 uses up its per-IP throttle (ten times the account's 2)...
    let noisy = client_from("127.0.0.2");
    for _ in 0..20 {
        let res = login(&noisy, &base, &unique_email(), "wrong password").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(login(&noisy, &base, &email, PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    // ...and 127.0.0.3 still logs in, its own address recorded.
    let quiet = client_from("127.0.0.3");
    let res = login(&quiet, &base, &email, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = session_cookie(&res).unwrap();
    let (_, sessions) = get_json(&quiet, format!("{base}/api/sessions"), &cookie).await;
    let current = sessions.as_array().unwrap().iter().find(|s| s["current"] == true).unwrap();
    assert_eq!(current["ip"], "127.0.0.3", "{sessions}");
    let (_, events) = get_json(&quiet, format!("{base}/api/security_events"), &cookie).await;
    let login_event = events.as_array().unwrap().iter().find(|e| e["type"] == "login").unwrap();
    assert_eq!(login_event["ip"], "127.0.0.3", "{events}");
    let throttled = events.as_array().unwrap().iter().find(|e| e["type"] == "login_throttled").unwrap();
    assert_eq!(throttled["ip"], "127.0.0.2", "{events}");

    // --- /metrics counts what went through nginx --------------------------
    let ok = r#"gatehouse_logins_total{outcome="ok"}"#;
    let before = instances[0].metric(ok).await + instances[1].metric(ok).await;
    let loop_client = client_from("127.0.0.4");
    for _ in 0..10 {
        assert_eq!(login(&loop_client, &base, &email, PASSWORD).await.status(), StatusCode::OK);
    }
    let after = instances[0].metric(ok).await + instances[1].metric(ok).await;
    assert_eq!(after - before, 10.0);
    let sample = reqwest::get(format!("http://127.0.0.1:{}/metrics", instances[0].metrics))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    println!(
        "metrics sample:\n{}",
        sample.lines().filter(|l| l.starts_with("gatehouse_logins_total") || l.contains("route=\"/api/login\",status")).collect::<Vec<_>>().join("\n")
    );
    assert!(!sample.contains(&email) && !sample.contains("127.0.0."), "labels hold no email or IP");

    // --- A rolling restart fails no request ---------------------------------
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let worker = {
        let (stop, sent, failed, base, email) = (stop.clone(), sent.clone(), failed.clone(), base.clone(), email.clone());
        tokio::spawn(async move {
            let client = client_from("127.0.0.5");
            let mut cookies = Vec::new();
            let start = Instant::now();
            // Bounded: until told to stop, and never past a minute.
            while !stop.load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(60) {
                let res = login(&client, &base, &email, PASSWORD).await;
                sent.fetch_add(1, Ordering::Relaxed);
                if res.status() != StatusCode::OK {
                    eprintln!("login failed: {}", res.status());
                    failed.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                let cookie = session_cookie(&res).unwrap();
                let (status, _) = get_json(&client, format!("{base}/api/me"), &cookie).await;
                sent.fetch_add(1, Ordering::Relaxed);
                if status != StatusCode::OK {
                    eprintln!("/api/me failed: {status}");
                    failed.fetch_add(1, Ordering::Relaxed);
                }
                cookies.push(cookie);
            }
            cookies
        })
    };
    let started = Instant::now();
    tokio::time::sleep(Duration::from_millis(500)).await;
    for i in 0..2 {
        servers[i].terminate();
        let status = servers[i].wait_for_exit(Duration::from_secs(15)).expect("exits after SIGTERM");
        assert_eq!(status.code(), Some(0), "instance {i} exit status");
        tokio::time::sleep(Duration::from_millis(300)).await;
        servers[i] = instances[i].start();
        wait_healthy(&format!("http://127.0.0.1:{}/healthz", instances[i].port)).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let cookies = worker.await.unwrap();
    let duration = started.elapsed();
    let (sent, failed) = (sent.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    println!("rolling restart: {sent} requests sent, {failed} failed, {duration:?}");
    assert!(sent > 20, "the loop ran: {sent}");
    assert_eq!(failed, 0);
    // Every session made during the restart is still valid.
    let client = client_from("127.0.0.5");
    for cookie in &cookies {
        let (status, _) = get_json(&client, format!("{base}/api/me"), cookie).await;
        assert_eq!(status, StatusCode::OK);
    }
}
