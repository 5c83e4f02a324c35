//! Outages of a real Redis and a real Postgres, each a private server that
//! the test starts, stops and starts again (so the machine's own servers,
//! which other tests use, are never touched). While one is down `/readyz`
//! says so and requests get a 503 in words within seconds; once it is back
//! the same running app recovers, with no restart.

use crate::helpers::services::{require, Service};
use crate::helpers::{fresh_redis_prefix, Backend, TestApp, PASSWORD};
use reqwest::{header, StatusCode};
use serde_json::Value;
use server::config::SessionStoreKind;
use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A request must be answered, one way or the other, within this.
const PROMPT: Duration = Duration::from_secs(5);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_until(what: &str, mut ready: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !ready().await {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{what} never happened"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A request's answer, which must come within [`PROMPT`].
async fn prompt<T>(request: impl std::future::Future<Output = T>) -> T {
    let started = Instant::now();
    let answer = request.await;
    assert!(
        started.elapsed() < PROMPT,
        "the answer took {:?}",
        started.elapsed()
    );
    answer
}

/// While a store is down: `/readyz` names it, and a signed-in API call, a
/// signed-in page and a good login each get a prompt 503 in words.
async fn assert_outage(app: &TestApp, email: &str, cookie: &str, down: &str) {
    let res = prompt(app.get("/readyz", None)).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.json::<Value>().await.unwrap()[down], "unavailable");

    let res = prompt(app.get("/api/me", Some(cookie))).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "unavailable");
    assert!(
        body["message"].as_str().unwrap().contains("try again"),
        "{body}"
    );

    let page = app
        .client
        .get(app.url("/profile"))
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::COOKIE, cookie)
        .send();
    let res = prompt(async { page.await.unwrap() }).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let kind = res.headers().get(header::CONTENT_TYPE).cloned();
    let text = res.text().await.unwrap();
    assert!(
        kind.as_ref()
            .is_some_and(|k| k.to_str().unwrap().starts_with("text/html")),
        "{kind:?} {text}"
    );
    assert!(text.contains("try again"), "{text}");

    let res = prompt(app.log_in(email, PASSWORD, None)).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
}

// ---- Redis ------------------------------------------------------------------

/// A private redis-server, killed when dropped (even by a failing test, so
/// it never outlives the run).
struct Redis(Child);

impl Redis {
    fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (scripts/services.sh installs it)");
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self(child)
    }

    fn signal(&self, name: &str) {
        let pid = self.0.id().to_string();
        let status = Command::new("kill").args([name, &pid]).status().unwrap();
        assert!(status.success());
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.signal("-CONT");
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_redis_outage_gives_prompt_503s_and_the_app_recovers() {
    require!(Service::RedisServer, Service::Postgres);
    let port = free_port();
    let redis = Redis::start(port);
    let app = TestApp::spawn_on(Backend::Postgres, |c| {
        c.session_store = SessionStoreKind::Redis(format!("redis://127.0.0.1:{port}"));
        c.session_key_prefix = fresh_redis_prefix();
    })
    .await;
    let (email, cookie) = app.signed_up().await;
    assert_eq!(
        app.get("/api/me", Some(&cookie)).await.status(),
        StatusCode::OK
    );

    drop(redis);
    assert_outage(&app, &email, &cookie, "sessions").await;

    let redis = Redis::start(port);
    wait_until("readiness after Redis came back", async || {
        app.get("/readyz", None).await.status() == StatusCode::OK
    })
    .await;
    // This Redis kept nothing on disk, so old sessions are gone; new ones work.
    let (email, cookie) = app.signed_up().await;
    let res = app.get("/api/me", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["email"], email.as_str());

    // A Redis that hangs (here: frozen) rather than refusing connections:
    // answers still come within seconds, and it is used again once thawed.
    redis.signal("-STOP");
    assert_outage(&app, &email, &cookie, "sessions").await;
    redis.signal("-CONT");
    wait_until("readiness after Redis thawed", async || {
        app.get("/readyz", None).await.status() == StatusCode::OK
    })
    .await;
    assert_eq!(
        app.get("/api/me", Some(&cookie)).await.status(),
        StatusCode::OK
    );
}

// ---- Postgres ---------------------------------------------------------------

/// A private Postgres cluster in a temporary directory. Postgres refuses to
/// run as root, so under root it runs as the `postgres` user.
struct Postgres {
    dir: PathBuf,
    port: u16,
}

fn postgres_bin(name: &str) -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("Postgres server binaries (scripts/setup.sh installs them)")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join(name).exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .expect("a Postgres version with its binaries")
        .join(name)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n")
}

fn as_postgres_user(program: &Path) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

impl Postgres {
    fn init() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "gatehouse-pg-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        if is_root() {
            let status = Command::new("chown")
                .arg("postgres:postgres")
                .arg(&dir)
                .status()
                .unwrap();
            assert!(status.success());
        }
        let out = as_postgres_user(&postgres_bin("initdb"))
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"])
            .arg(dir.join("data"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self {
            dir,
            port: free_port(),
        }
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// `pg_ctl -D <this cluster>`, as the right user.
    fn pg_ctl_command(&self) -> Command {
        let mut cmd = as_postgres_user(&postgres_bin("pg_ctl"));
        cmd.arg("-D").arg(self.dir.join("data"));
        cmd
    }

    fn pg_ctl(&self, args: &[&str]) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        let out = self
            .pg_ctl_command()
            .args(["-o", &options, "-l"])
            .arg(self.dir.join("log"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn start(&self) {
        self.pg_ctl(&["-w", "start"]);
    }

    fn stop(&self) {
        self.pg_ctl(&["-w", "-m", "fast", "stop"]);
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .pg_ctl_command()
            .args(["-m", "immediate", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn a_postgres_outage_gives_prompt_503s_and_the_app_recovers() {
    require!(Service::PostgresServer, Service::Postgres);
    let postgres = Postgres::init();
    postgres.start();
    let url = postgres.url();
    let app = TestApp::spawn_on(Backend::Postgres, |c| c.database_url = url).await;
    let (email, cookie) = app.signed_up().await;

    postgres.stop();
    assert_outage(&app, &email, &cookie, "database").await;

    postgres.start();
    wait_until("readiness after Postgres came back", async || {
        app.get("/readyz", None).await.status() == StatusCode::OK
    })
    .await;
    // Postgres kept everything: the same session goes on working.
    let res = app.get("/api/me", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["email"], email.as_str());
    let (_, fresh) = app.signed_up().await;
    assert_eq!(
        app.get("/api/me", Some(&fresh)).await.status(),
        StatusCode::OK
    );
}
