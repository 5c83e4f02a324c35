//! Black-box test harness: the real server on a random port with a fresh
//! SQLite database in a temporary directory, spoken to over HTTP.
#![allow(dead_code)]

use reqwest::{header, redirect, Client, Response};
use server::{config::Config, Application};
use sqlx::SqlitePool;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub db_path: std::path::PathBuf,
    pub config: Config,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    dir: std::sync::Arc<tempfile::TempDir>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A distinct, valid email for each call.
pub fn unique_email() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "user{}-{}@example.com",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

pub const PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
        let db_path = dir.path().join("gatehouse.db");
        let mut config = Config::from_env().expect("config");
        config.leptos.site_addr = "127.0.0.1:0".parse().unwrap();
        config.data_dir = dir.path().to_owned();
        config.database_url = format!("sqlite://{}", db_path.display());
        adjust(&mut config);
        Self::start(config, dir).await
    }

    /// Stops this server and starts a new one on the same data directory
    /// and configuration (a restart).
    pub async fn restart(self) -> Self {
        let (config, dir) = (self.config.clone(), self.dir.clone());
        drop(self);
        Self::start(config, dir).await
    }

    async fn start(config: Config, dir: std::sync::Arc<tempfile::TempDir>) -> Self {
        let db_path = dir.path().join("gatehouse.db");
        let app = Application::build(config.clone())
            .await
            .expect("server starts");
        let addr = app.local_addr().unwrap();
        let server = tokio::spawn(app.run());
        let client = Client::builder()
            // Tests look at redirects themselves, and carry cookies by hand.
            .redirect(redirect::Policy::none())
            // A request that hangs fails its test instead of the whole run.
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap();
        Self {
            base: format!("http://{addr}"),
            client,
            db_path,
            config,
            server,
            dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn db(&self) -> SqlitePool {
        SqlitePool::connect(&format!("sqlite://{}", self.db_path.display()))
            .await
            .unwrap()
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

    pub async fn user_count(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.db().await)
            .await
            .unwrap()
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

/// The `name=value` of the session cookie a response sets, if any.
pub fn session_cookie(res: &Response) -> Option<String> {
    set_cookie_header(res).map(|h| h.split(';').next().unwrap().trim().to_owned())
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
