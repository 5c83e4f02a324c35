//! Black-box test harness: the real server on a random port with a fresh
//! database, spoken to over HTTP.
//!
//! `GATEHOUSE_TEST_BACKEND` picks where users and sessions live, so the
//! whole suite runs against each: `sqlite` (the default: a file in a
//! temporary directory), `postgres` (a fresh schema in the `gatehouse_test`
//! database of `TEST_POSTGRES_URL`), or `postgres+redis` (sessions in
//! `TEST_REDIS_URL` under a fresh key prefix).

pub mod oidc;
pub mod services;
pub mod smtp;
pub mod totp;

use app::ssr::db::Db;
use reqwest::{header, redirect, Client, Response};
use server::{
    config::{Config, SessionStoreKind},
    Application,
};
use services::Service;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    PostgresRedis,
}

impl Backend {
    pub fn from_env() -> Self {
        match std::env::var("GATEHOUSE_TEST_BACKEND").as_deref() {
            Err(_) | Ok("") | Ok("sqlite") => Self::Sqlite,
            Ok("postgres") => Self::Postgres,
            Ok("postgres+redis") => Self::PostgresRedis,
            Ok(other) => {
                panic!("GATEHOUSE_TEST_BACKEND={other}: use sqlite, postgres or postgres+redis")
            }
        }
    }

    /// Its name as `GATEHOUSE_TEST_BACKEND` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
            Self::PostgresRedis => "postgres+redis",
        }
    }
}

pub fn postgres_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".into())
}

pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A process-unique number, for names.
fn next_n() -> usize {
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// A distinct, valid email for each call.
pub fn unique_email() -> String {
    format!("user{}-{}@example.com", std::process::id(), next_n())
}

pub const PASSWORD: &str = "correct horse battery staple";

/// A fresh, empty Postgres schema; returns a `DATABASE_URL` that puts the
/// app's tables in it. Schemas left by earlier test processes that have
/// ended are dropped first (once per process), so runs don't pile up.
pub async fn fresh_postgres_url() -> String {
    use sqlx::postgres::PgPool;
    services::ensure(Service::Postgres, "a fresh Postgres schema");
    static READY: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    let admin = postgres_url();
    let base = match admin.rfind('/') {
        Some(i) if i > "postgres://".len() => admin[..i].to_owned(),
        _ => admin.clone(),
    };
    let test_db = format!("{base}/gatehouse_test");
    READY
        .get_or_init(|| async {
            let pool = PgPool::connect(&admin)
                .await
                .expect("Postgres for the tests");
            // Tests in parallel may race to create it: "exists" is fine.
            let _ = sqlx::raw_sql("CREATE DATABASE gatehouse_test")
                .execute(&pool)
                .await;
            pool.close().await;
            let pool = PgPool::connect(&test_db).await.expect("gatehouse_test");
            let schemas: Vec<String> =
                sqlx::query_scalar("SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%'")
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            for schema in schemas {
                let pid = schema.split('_').nth(1).and_then(|p| p.parse::<u32>().ok());
                let alive =
                    pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
                if !alive {
                    let _ = sqlx::raw_sql(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
                        .execute(&pool)
                        .await;
                }
            }
            pool.close().await;
        })
        .await;
    let schema = format!("t_{}_{}", std::process::id(), next_n());
    let pool = PgPool::connect(&test_db).await.expect("gatehouse_test");
    sqlx::raw_sql(&format!("CREATE SCHEMA \"{schema}\""))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    format!("{test_db}?options=-c%20search_path%3D{schema}")
}

/// A key prefix no other test uses.
pub fn fresh_redis_prefix() -> String {
    format!("gatehouse-test:{}:{}", std::process::id(), next_n())
}

/// A session as the store holds it: the key (the id's hash) and the data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub id_hash: String,
    pub data: String,
    pub expires_at: i64,
}

pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub backend: Backend,
    pub db_path: std::path::PathBuf,
    pub config: Config,
    /// The app's database, opened again by the test to look inside.
    pub db: Db,
    /// Where `/metrics` is served, when the configuration asks for it.
    pub metrics_addr: Option<std::net::SocketAddr>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    dir: std::sync::Arc<tempfile::TempDir>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// On the backend `GATEHOUSE_TEST_BACKEND` names, with the
    /// configuration adjusted.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_on(Backend::from_env(), adjust).await
    }

    /// A configuration for `backend` with fresh, empty storage. The
    /// services it needs must be running (a test can't skip from here).
    pub async fn config_for(backend: Backend, dir: &std::path::Path) -> Config {
        let needs: &[Service] = match backend {
            Backend::Sqlite => &[],
            Backend::Postgres => &[Service::Postgres],
            Backend::PostgresRedis => &[Service::Postgres, Service::Redis],
        };
        for &service in needs {
            services::ensure(service, &format!("the {} backend", backend.name()));
        }
        let mut config = Config::from_env().expect("config");
        config.leptos.site_addr = "127.0.0.1:0".parse().unwrap();
        config.data_dir = dir.to_owned();
        config.session_store = SessionStoreKind::Database;
        // Every test's client is 127.0.0.1, and many sign up dozens of
        // accounts a minute; the tests of the limit itself set it low.
        config.login_limits.per_ip_per_minute = 100_000;
        config.database_url = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.join("gatehouse.db").display()),
            Backend::Postgres | Backend::PostgresRedis => fresh_postgres_url().await,
        };
        if backend == Backend::PostgresRedis {
            config.session_store = SessionStoreKind::Redis(redis_url());
            config.session_key_prefix = fresh_redis_prefix();
        }
        config
    }

    /// With its mail going to `smtp` (retried within a second).
    pub async fn with_mail(smtp: &smtp::SmtpServer) -> Self {
        let url = smtp.url();
        Self::spawn_with(move |c| {
            c.smtp = Some(app::ssr::mail::smtp::SmtpSettings::parse(&url).unwrap());
            c.mail_retry_max_secs = 1;
        })
        .await
    }

    /// On a given backend (for tests about one backend in particular).
    pub async fn spawn_on(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
        let mut config = Self::config_for(backend, dir.path()).await;
        adjust(&mut config);
        Self::start(backend, config, dir).await
    }

    /// A second server on the same storage and configuration, as a second
    /// instance behind a load balancer would be.
    pub async fn another_instance(&self) -> Self {
        Self::start(self.backend, self.config.clone(), self.dir.clone()).await
    }

    /// Stops this server and starts a new one on the same storage and
    /// configuration (a restart).
    pub async fn restart(self) -> Self {
        let (backend, config, dir) = (self.backend, self.config.clone(), self.dir.clone());
        drop(self);
        Self::start(backend, config, dir).await
    }

    async fn start(
        backend: Backend,
        config: Config,
        dir: std::sync::Arc<tempfile::TempDir>,
    ) -> Self {
        let db_path = dir.path().join("gatehouse.db");
        let app = Application::build(config.clone())
            .await
            .expect("server starts");
        let addr = app.local_addr().unwrap();
        let metrics_addr = app.metrics_addr();
        let server = tokio::spawn(app.run());
        let client = Client::builder()
            // Tests look at redirects themselves, and carry cookies by hand.
            .redirect(redirect::Policy::none())
            // A request that hangs fails its test instead of the whole run.
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap();
        let db = if config.database_url.starts_with("postgres") {
            Db::Postgres(sqlx::PgPool::connect(&config.database_url).await.unwrap())
        } else {
            Db::Sqlite(
                sqlx::SqlitePool::connect(&config.database_url)
                    .await
                    .unwrap(),
            )
        };
        Self {
            base: format!("http://{addr}"),
            client,
            backend,
            db_path,
            config,
            db,
            metrics_addr,
            server,
            dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A plain count or check in the app's database.
    pub async fn scalar(&self, sql: &str) -> i64 {
        match &self.db {
            Db::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
            Db::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
        }
    }

    /// A statement run on the app's database behind its back.
    pub async fn execute(&self, sql: &str) {
        match &self.db {
            Db::Sqlite(pool) => drop(sqlx::query(sql).execute(pool).await.unwrap()),
            Db::Postgres(pool) => drop(sqlx::query(sql).execute(pool).await.unwrap()),
        }
    }

    pub async fn user_count(&self) -> i64 {
        self.scalar("SELECT COUNT(*) FROM users").await
    }

    /// Every session the app's session store holds, wherever that is.
    pub async fn stored_sessions(&self) -> Vec<Stored> {
        let sql = "SELECT id_hash, data, expires_at FROM sessions";
        let rows: Vec<(String, String, i64)> = match (&self.config.session_store, &self.db) {
            (SessionStoreKind::Redis(url), _) => {
                return redis_sessions(url, &self.config.session_key_prefix).await
            }
            (SessionStoreKind::Memory, _) => panic!("a memory store can't be looked into"),
            (_, Db::Sqlite(pool)) => sqlx::query_as(sql).fetch_all(pool).await.unwrap(),
            (_, Db::Postgres(pool)) => sqlx::query_as(sql).fetch_all(pool).await.unwrap(),
        };
        rows.into_iter()
            .map(|(id_hash, data, expires_at)| Stored {
                id_hash,
                data,
                expires_at,
            })
            .collect()
    }

    /// A POST the way a script sends it: a form body, asking for JSON.
    pub async fn post(&self, path: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Response {
        let mut req = self
            .client
            .post(self.url(path))
            .header(header::ACCEPT, "application/json")
            .form(form);
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie);
        }
        req.send().await.unwrap()
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Response {
        let mut req = self
            .client
            .get(self.url(path))
            .header(header::ACCEPT, "application/json");
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie);
        }
        req.send().await.unwrap()
    }

    /// A page load the way a browser asks (no JSON `Accept`).
    pub async fn page(&self, path: &str, cookie: Option<&str>) -> Response {
        let mut req = self.client.get(self.url(path));
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie);
        }
        req.send().await.unwrap()
    }

    /// A sign-up POST for `email` with the test password.
    pub async fn sign_up(&self, email: &str) -> Response {
        self.post(
            "/api/signup",
            &[("email", email), ("password", PASSWORD)],
            None,
        )
        .await
    }

    /// A login POST, optionally over an existing session cookie.
    pub async fn log_in(&self, email: &str, password: &str, cookie: Option<&str>) -> Response {
        self.post(
            "/api/login",
            &[("email", email), ("password", password)],
            cookie,
        )
        .await
    }

    /// A login with "remember me" ticked.
    pub async fn log_in_remembered(&self, email: &str) -> Response {
        self.post(
            "/api/login",
            &[("email", email), ("password", PASSWORD), ("remember", "on")],
            None,
        )
        .await
    }

    /// Signs a fresh user up and returns (email, cookie).
    pub async fn signed_up(&self) -> (String, String) {
        let email = unique_email();
        let res = self.sign_up(&email).await;
        assert!(res.status().is_success(), "signup failed: {}", res.status());
        let cookie = session_cookie(&res).expect("signup sets a session cookie");
        (email, cookie)
    }
}

/// The sessions under `prefix` in Redis, with their expiry as Redis keeps it.
async fn redis_sessions(url: &str, prefix: &str) -> Vec<Stored> {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let pattern = format!("{prefix}:session:*");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(&pattern)
        .query_async(&mut conn)
        .await
        .unwrap();
    let mut sessions = Vec::new();
    for key in keys {
        let data: Option<String> = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        let expires_at: i64 = redis::cmd("EXPIRETIME")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        if let Some(data) = data {
            sessions.push(Stored {
                id_hash: key[pattern.len() - 1..].to_owned(),
                data,
                expires_at,
            });
        }
    }
    sessions
}

/// A server process started by a test. Dropping it kills it, so a test
/// that fails (panics) half way leaves no server running.
pub struct ServerProcess(std::process::Child);

impl ServerProcess {
    /// Sends SIGTERM, as an orchestrator stopping it would.
    pub fn terminate(&self) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Its exit status, if it exits within `timeout`.
    pub fn wait_for_exit(&mut self, timeout: std::time::Duration) -> Option<std::process::ExitStatus> {
        let start = std::time::Instant::now();
        while start.elapsed() < timeout {
            if let Some(status) = self.0.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        None
    }
}

impl From<std::process::Child> for ServerProcess {
    fn from(child: std::process::Child) -> Self {
        Self(child)
    }
}

impl ServerProcess {
    /// Its stderr, when it was started with a pipe there (taken once).
    pub fn stderr(&mut self) -> Option<std::process::ChildStderr> {
        self.0.stderr.take()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the server binary with `env` and returns it with its base URL.
pub fn start_binary(env: &[(&str, &str)], dir: &std::path::Path) -> (ServerProcess, String) {
    let (server, base, _) = start_binary_logged(env, dir);
    (server, base)
}

/// The same, with everything the server logs from then on.
pub fn start_binary_logged(
    env: &[(&str, &str)],
    dir: &std::path::Path,
) -> (ServerProcess, String, std::sync::Arc<std::sync::Mutex<String>>) {
    use std::io::{BufRead, BufReader};
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("GATEHOUSE_DATA_DIR", dir)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .env_remove("SESSION_STORE_URL")
        .env_remove("APP_ENV")
        .env_remove("SESSION_KEY_PREFIX")
        .env_remove("SESSION_SECRET")
        // The log (on stderr) says where it listens.
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    for (name, value) in env {
        cmd.env(name, value);
    }
    let mut child = ServerProcess(cmd.spawn().unwrap());
    let log = child.0.stderr.take().unwrap();
    let mut lines = BufReader::new(log).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("the server printed its address")
            .unwrap();
        if let Some(at) = line.find("listening on ") {
            // Plain text or a JSON log line (`LOG_FORMAT=json`).
            let rest = &line[at + "listening on ".len()..];
            break rest.split(['"', ' ']).next().unwrap_or_default().trim().to_owned();
        }
    };
    // Keep draining its output so it never blocks on a full pipe.
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let kept = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let mut log = kept.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
    (child, base, log)
}

/// A form POST the way a script sends it, to a server started by
/// [`start_binary`] at `base`.
pub fn post_form(
    client: &Client,
    base: &str,
    path: &str,
    form: Vec<(&'static str, String)>,
) -> impl std::future::Future<Output = reqwest::Result<Response>> {
    client
        .post(format!("{base}{path}"))
        .header(header::ACCEPT, "application/json")
        .form(&form)
        .send()
}

/// The `name=value` of the session cookie a response sets, if any.
pub fn session_cookie(res: &Response) -> Option<String> {
    set_cookie_header(res).map(|h| h.split(';').next().unwrap().trim().to_owned())
}

/// The `name=value` of the cookie called `name` that a response sets, if
/// any (as a browser would send it back).
pub fn cookie_named(res: &Response, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_owned())
        .find(|c| c.starts_with(&prefix))
}

/// Recovery codes are kept only as keyed hashes: no stored hash holds a
/// code's text.
pub async fn assert_codes_not_stored(app: &TestApp, codes: &[impl AsRef<str>]) {
    for code in codes {
        let compact = code.as_ref().replace('-', "");
        let sql = format!("SELECT COUNT(*) FROM recovery_codes WHERE code_hash LIKE '%{compact}%'");
        assert_eq!(app.scalar(&sql).await, 0, "{compact} is stored in clear");
    }
}

/// The whole `Set-Cookie` header for the session cookie, if any.
pub fn set_cookie_header(res: &Response) -> Option<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("gatehouse=") || v.starts_with("__Host-gatehouse="))
        .map(str::to_owned)
}
