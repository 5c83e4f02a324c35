//! A real OpenID Provider for the tests (`testing/oidc/provider.mjs`:
//! panva's certified `oidc-provider` on Node), started by a test on a free
//! loopback port, and a browser without JavaScript to go through it.
//!
//! A test that uses it starts with `require!(Service::OidcProvider)`: with
//! no `node`, or `testing/oidc/node_modules` missing, it is skipped, saying
//! so (a failure with `GATEHOUSE_REQUIRE_SERVICES=1`).
//!
//! The provider is a child process, killed when [`OidcProvider`] is
//! dropped (or earlier, with [`OidcProvider::stop`], to play a provider
//! that goes down mid-flow). Its stderr (notices, and each request with
//! `DEBUG=oidc-provider:*`) is shown when `OIDC_HARNESS_LOG=1`.

use super::TestApp;
use reqwest::{
    cookie::{CookieStore, Jar},
    header, redirect, Client, Response, StatusCode, Url,
};
use serde_json::{json, Value};
use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, ChildStdout, Command, Stdio},
    sync::Arc,
    time::Duration,
};

/// The client Gatehouse is registered as at the provider.
pub const CLIENT_ID: &str = "gatehouse-test";
pub const CLIENT_SECRET: &str = "gatehouse-test-secret-0123456789abcdef";

/// A browser's `User-Agent` (a desktop Firefox), for the sessions page and
/// the new-sign-in notice.
pub const USER_AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

/// Where `provider.mjs` and its `node_modules` live.
pub fn harness_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testing/oidc")
}

/// One person at the provider.
#[derive(Clone, Debug)]
pub struct Account {
    pub id: String,
    pub email: Option<String>,
    /// `None`: the ID token carries no `email_verified` claim at all.
    pub email_verified: Option<bool>,
}

impl Account {
    pub fn new(id: &str, email: &str, email_verified: Option<bool>) -> Self {
        Self {
            id: id.to_owned(),
            email: Some(email.to_owned()),
            email_verified,
        }
    }

    fn to_json(&self) -> Value {
        let mut a = json!({ "id": self.id, "name": format!("Test {}", self.id) });
        if let Some(email) = &self.email {
            a["email"] = json!(email);
        }
        if let Some(verified) = self.email_verified {
            a["email_verified"] = json!(verified);
        }
        a
    }
}

pub struct OidcProvider {
    child: Child,
    /// Kept open: the provider writes nothing more, but a closed pipe
    /// would make a late write fail.
    _stdout: BufReader<ChildStdout>,
    issuer: String,
    port: u16,
    http: Client,
    redirect_uris: std::sync::Mutex<Vec<String>>,
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl OidcProvider {
    /// Starts the provider on a free port with these accounts and no
    /// client yet (see [`Self::register_redirect`]).
    pub async fn start(accounts: &[Account]) -> Self {
        Self::start_on(0, accounts).await
    }

    /// The same on `port` (0: any free one).
    pub async fn start_on(port: u16, accounts: &[Account]) -> Self {
        let config = json!({
            "host": "127.0.0.1",
            "port": port,
            "accounts": accounts.iter().map(Account::to_json).collect::<Vec<_>>(),
        });
        let show_log = std::env::var("OIDC_HARNESS_LOG").is_ok_and(|v| !v.is_empty() && v != "0");
        let mut child = Command::new("node")
            .arg(harness_dir().join("provider.mjs"))
            .arg(config.to_string())
            .current_dir(harness_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(if show_log { Stdio::inherit() } else { Stdio::null() })
            .spawn()
            .expect("node starts the test OpenID Provider");
        let stdout = child.stdout.take().unwrap();
        // The first line says it is listening; read it off the runtime.
        let read = tokio::task::spawn_blocking(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let n = reader.read_line(&mut line).unwrap_or(0);
            (reader, line, n)
        });
        let (reader, line, n) = match tokio::time::timeout(Duration::from_secs(30), read).await {
            Ok(done) => done.unwrap(),
            Err(_) => {
                let _ = child.kill();
                panic!("the test OpenID Provider did not say it was ready within 30 s");
            }
        };
        if n == 0 {
            let status = child.wait().ok();
            panic!("the test OpenID Provider exited before it was ready ({status:?}); OIDC_HARNESS_LOG=1 shows why");
        }
        let ready: Value = serde_json::from_str(line.trim()).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        let issuer = ready["issuer"].as_str().expect("issuer").to_owned();
        let port = ready["port"].as_u64().expect("port") as u16;
        let http = Client::builder()
            .redirect(redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        Self {
            child,
            _stdout: reader,
            issuer,
            port,
            http,
            redirect_uris: Default::default(),
        }
    }

    /// `http://127.0.0.1:PORT`, exactly as the ID tokens' `iss` says it.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The configuration that points the app at this provider as `name`.
    pub fn provider_config(&self, name: &str, label: &str) -> app::ssr::oidc::ProviderConfig {
        app::ssr::oidc::ProviderConfig {
            name: name.to_owned(),
            label: label.to_owned(),
            issuer: self.issuer.clone(),
            client_id: CLIENT_ID.to_owned(),
            client_secret: CLIENT_SECRET.to_owned(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.issuer, path)
    }

    /// Registers (or adds) a redirect URI for the client [`CLIENT_ID`]:
    /// the app's `{APP_BASE_URL}/auth/{name}/callback`, known once the
    /// app has its port.
    pub async fn register_redirect(&self, uri: &str) {
        let uris = {
            let mut uris = self.redirect_uris.lock().unwrap();
            if !uris.iter().any(|u| u == uri) {
                uris.push(uri.to_owned());
            }
            uris.clone()
        };
        let res = self
            .http
            .put(self.url("/__harness/clients"))
            .json(&json!({
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": uris,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    }

    /// From now on every token response misbehaves this way (`none` to
    /// stop): see the modes in `provider.mjs`.
    pub async fn misbehave(&self, mode: &str) {
        let res = self
            .http
            .post(self.url("/__harness/misbehave"))
            .json(&json!({ "mode": mode }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{mode}: {}", res.text().await.unwrap());
    }

    /// Adds these accounts, or changes them (by `id`).
    pub async fn set_accounts(&self, accounts: &[Account]) {
        let res = self
            .http
            .put(self.url("/__harness/accounts"))
            .json(&accounts.iter().map(Account::to_json).collect::<Vec<_>>())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    }

    /// `{mode, accounts, clients, last_authorization}`.
    pub async fn state(&self) -> Value {
        self.http.get(self.url("/__harness/state")).send().await.unwrap().json().await.unwrap()
    }

    /// The discovery document.
    pub async fn discovery(&self) -> Value {
        self.http
            .get(self.url("/.well-known/openid-configuration"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Kills the provider now: from here on its port refuses connections.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Goes through the provider the way a browser without JavaScript
    /// does, from `authorization_url` (the app's 303), signing in as
    /// `login` (an account id or email) if the provider asks; answers the
    /// URL the provider sends the browser back to (the app's
    /// `/auth/{name}/callback?code=…&state=…`), not yet visited.
    pub async fn sign_in(&self, op: &Client, authorization_url: &str, login: &str) -> String {
        self.drive(op, authorization_url, Some(login)).await
    }

    /// The same, pressing Cancel on the login page: the URL answered
    /// carries `error=access_denied`.
    pub async fn cancel(&self, op: &Client, authorization_url: &str) -> String {
        self.drive(op, authorization_url, None).await
    }

    async fn drive(&self, op: &Client, authorization_url: &str, login: Option<&str>) -> String {
        let issuer = Url::parse(&self.issuer).unwrap();
        let mut url = Url::parse(authorization_url).expect("an absolute authorization URL");
        let mut answered = false;
        for _ in 0..12 {
            if url.origin() != issuer.origin() {
                return url.to_string();
            }
            let mut res = op.get(url.clone()).send().await.unwrap();
            if res.status() == StatusCode::OK && url.path().starts_with("/interaction/") {
                let page = res.text().await.unwrap();
                assert!(!answered, "the provider asked twice: {page}");
                answered = true;
                let (action, form): (&str, Vec<(&str, &str)>) = match login {
                    Some(login) => ("login", vec![("login", login)]),
                    None => ("abort", vec![]),
                };
                let post = format!("{}/{action}", url.as_str().trim_end_matches('/'));
                res = op.post(post).form(&form).send().await.unwrap();
                if res.status() == StatusCode::OK {
                    panic!("the provider did not take {login:?}: {}", res.text().await.unwrap());
                }
            }
            assert!(
                res.status().is_redirection(),
                "the provider answered {} at {url}: {}",
                res.status(),
                res.text().await.unwrap_or_default()
            );
            let location = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
            url = url.join(&location).unwrap();
        }
        panic!("too many redirects at the provider, last {url}");
    }
}

/// A client with its own cookie jar, following no redirect.
fn client_with(jar: Arc<Jar>) -> Client {
    Client::builder()
        .cookie_provider(jar)
        .redirect(redirect::Policy::none())
        .user_agent(USER_AGENT)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// One browser with JavaScript off: its own cookies for the app (spoken
/// to at `APP_BASE_URL`, `http://localhost:PORT` in the tests, the origin
/// the redirect URI names) and for the provider.
pub struct Browser {
    /// `http://localhost:PORT`.
    pub base: String,
    pub app: Client,
    app_jar: Arc<Jar>,
    /// For the provider's pages.
    pub op: Client,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        let app_jar = Arc::new(Jar::default());
        Self {
            base: app_base(app),
            app: client_with(app_jar.clone()),
            app_jar,
            op: client_with(Arc::new(Jar::default())),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Every cookie the browser holds for the app, as it would send them.
    pub fn cookies(&self) -> String {
        self.app_jar
            .cookies(&Url::parse(&self.base).unwrap())
            .map(|h| h.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    /// The session cookie's `name=value`, if the browser has one.
    pub fn session(&self) -> Option<String> {
        self.cookies()
            .split("; ")
            .find(|c| c.starts_with("gatehouse=") || c.starts_with("__Host-gatehouse="))
            .map(str::to_owned)
    }

    /// A form the page at `from` posts without JavaScript (same origin).
    pub async fn form_post(&self, path: &str, form: &[(&str, &str)], from: &str) -> Response {
        self.app
            .post(self.url(path))
            .header(header::ACCEPT, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
            .header(header::ORIGIN, self.base.as_str())
            .header(header::REFERER, self.url(from))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// A POST the way the page's script sends it, asking for JSON.
    pub async fn api_post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.app
            .post(self.url(path))
            .header(header::ACCEPT, "application/json")
            .header(header::ORIGIN, self.base.as_str())
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// A page load (or a link followed), `path` or a whole URL.
    pub async fn get(&self, path_or_url: &str) -> Response {
        let url = if path_or_url.starts_with("http") { path_or_url.to_owned() } else { self.url(path_or_url) };
        self.app
            .get(url)
            .header(header::ACCEPT, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
            .send()
            .await
            .unwrap()
    }

    /// `GET /api/me`: its status and body (`Null` when not JSON).
    pub async fn me(&self) -> (StatusCode, Value) {
        let res = self
            .app
            .get(self.url("/api/me"))
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// `POST /auth/{name}/start` from `/login`, with these extra fields
    /// (`next`).
    pub async fn start(&self, name: &str, fields: &[(&str, &str)]) -> Response {
        self.form_post(&format!("/auth/{name}/start"), fields, "/login").await
    }

    /// Starts at the app and answers the authorization URL it redirects to.
    pub async fn started(&self, name: &str, fields: &[(&str, &str)]) -> String {
        let res = self.start(name, fields).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "POST /auth/{name}/start: {}", res.text().await.unwrap());
        res.headers()[header::LOCATION].to_str().unwrap().to_owned()
    }

    /// Where a redirect from the app sends this browser: the path and
    /// query, checked to stay on the app's origin.
    pub fn landing(&self, res: &Response) -> String {
        assert!(
            res.status().is_redirection(),
            "{} answered {}, not a redirect",
            res.url(),
            res.status()
        );
        let location = res.headers()[header::LOCATION].to_str().unwrap();
        let url = res.url().join(location).unwrap();
        let base = Url::parse(&self.base).unwrap();
        assert_eq!(url.origin(), base.origin(), "a redirect off the app: {location}");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }
}

/// `APP_BASE_URL` as the tests leave it: `http://localhost:PORT`.
pub fn app_base(app: &TestApp) -> String {
    let port = app.base.rsplit(':').next().unwrap();
    format!("http://localhost:{port}")
}

/// The redirect URI the app gives the provider for `name`.
pub fn redirect_uri(app: &TestApp, name: &str) -> String {
    format!("{}/auth/{name}/callback", app_base(app))
}
