//! Provider sign-in under concurrency: every check-then-act of the flow
//! (the state used once, the account made for a new identity, the last
//! way in kept on unlink) with the requests sent at the same moment, on
//! SQLite and on Postgres, each time to two instances that share the
//! database and the session store (the database's, or Redis).
//!
//! Both instances get `APP_BASE_URL` = the first one's origin, as two
//! instances behind one public address would: the redirect URI is the
//! same whichever of them starts or finishes a flow. A browser's cookies
//! for `localhost` go to either port.

use crate::helpers::{
    oidc::{app_base, redirect_uri, Account, Browser, OidcProvider, USER_AGENT},
    services::{require, Service},
    session_cookie, unique_email, Backend, TestApp,
};
use reqwest::{header, redirect, Client, Response, StatusCode, Url};
use serde_json::Value;
use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};
use tokio::sync::Barrier;

/// The provider's name in `OIDC_PROVIDERS` and in the paths.
const NAME: &str = "work";
const LABEL: &str = "Work Login";
/// A second provider (another harness, so another issuer).
const OTHER: &str = "home";
const OTHER_LABEL: &str = "Home Login";

/// A provider account id no other test uses.
fn unique_id(what: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("race-{what}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// Two instances of the app on `backend` with these providers (`(op,
/// name, label)`), each op told the redirect URI. Both share storage and
/// the first one's origin as `APP_BASE_URL`.
async fn two_instances(backend: Backend, providers: &[(&OidcProvider, &str, &str)]) -> (TestApp, TestApp) {
    let configs: Vec<_> = providers.iter().map(|(op, name, label)| op.provider_config(name, label)).collect();
    let mut a = TestApp::spawn_on(backend, move |c| c.oidc_providers = configs).await;
    // The first computed `http://localhost:<its port>`; the second must
    // name the same, not its own port.
    a.config.app_base_url = Some(app_base(&a));
    let b = a.another_instance().await;
    for (op, name, _) in providers {
        op.register_redirect(&redirect_uri(&a, name)).await;
    }
    (a, b)
}

/// A client without a cookie jar: each request carries the cookies given.
fn bare_client() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .user_agent(USER_AGENT)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// `url` (an absolute URL on the first instance) on `app`'s port.
fn on(app: &TestApp, url: &str) -> String {
    let port: u16 = app.base.rsplit(':').next().unwrap().parse().unwrap();
    let mut url = Url::parse(url).unwrap();
    url.set_port(Some(port)).unwrap();
    url.to_string()
}

/// What one answer was: its status, where it redirects (path and query),
/// and the session cookie it sets.
#[derive(Clone)]
struct Answer {
    status: StatusCode,
    landing: Option<String>,
    session: Option<String>,
    /// Shown when an assertion fails.
    body: String,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} -> {:?} (session: {}) {:?}", self.status, self.landing, self.session.is_some(), self.body)
    }
}

async fn answer(res: Response) -> Answer {
    let status = res.status();
    let landing = res.headers().get(header::LOCATION).map(|l| {
        let url = res.url().join(l.to_str().unwrap()).unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    });
    let session = session_cookie(&res);
    let body = res.text().await.unwrap_or_default();
    Answer { status, landing, session, body }
}

impl Answer {
    fn path(&self) -> &str {
        self.landing.as_deref().map_or("", |l| l.split('?').next().unwrap())
    }
}

/// Runs `n` requests at the same moment (a barrier, all polled together
/// on a multi-threaded runtime) and answers their answers, in order.
async fn at_once<F, Fut>(n: usize, request: F) -> Vec<Answer>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Response> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let barrier = barrier.clone();
            let fut = request(i);
            tokio::spawn(async move {
                barrier.wait().await;
                answer(fut.await).await
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// A page load with exactly these cookies.
fn get_with(client: &Client, url: String, cookies: &str) -> impl std::future::Future<Output = Response> + Send + 'static {
    let req = client
        .get(url)
        .header(header::ACCEPT, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        .header(header::COOKIE, cookies.to_owned());
    async move { req.send().await.unwrap() }
}

/// `POST /api/identity_unlink` the way the page's script sends it.
fn unlink_with(client: &Client, app: &TestApp, cookies: &str, provider: &str) -> impl std::future::Future<Output = Response> + Send + 'static {
    let base = app_base(app);
    let req = client
        .post(format!("{base}/api/identity_unlink"))
        .header(header::ACCEPT, "application/json")
        .header(header::ORIGIN, base.as_str())
        .header(header::COOKIE, cookies.to_owned())
        .form(&[("provider", provider)]);
    async move { req.send().await.unwrap() }
}

fn count_path(answers: &[Answer], path: &str) -> usize {
    answers.iter().filter(|a| a.path() == path).count()
}

fn count_status(answers: &[Answer], status: u16) -> usize {
    answers.iter().filter(|a| a.status.as_u16() == status).count()
}

fn no_5xx(answers: &[Answer]) {
    for a in answers {
        assert!(!a.status.is_server_error(), "a 5xx among {answers:#?}");
    }
}

/// `GET path` as JSON with exactly this cookie: status and body.
async fn json_with(app: &TestApp, path: &str, cookie: &str) -> (StatusCode, Value) {
    let res = app.get(path, Some(cookie)).await;
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn sql_count(app: &TestApp, sql: &str) -> i64 {
    app.scalar(sql).await
}

/// The value of the attribute `name` in the tag `tag` (`<input …>`).
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    let end = tag[at..].find('"')?;
    Some(tag[at..at + end].replace("&amp;", "&").replace("&quot;", "\""))
}

/// The fields of the form on the page that posts to `action`.
fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let at = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form posting to {action}: {html}"));
    let start = html[..at].rfind("<form").expect("inside a form");
    let end = at + html[at..].find("</form>").expect("a whole form");
    html[start..end]
        .split("<input")
        .skip(1)
        .filter_map(|rest| {
            let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
            Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default()))
        })
        .collect()
}

/// Presses "Link" for `name` on `/security`, signs in at `op` as `login`,
/// and comes back; checks it landed on `/security` linked.
async fn link_from_security(op: &OidcProvider, b: &Browser, name: &str, login: &str) {
    let page = b.get("/security").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let action = format!("/auth/{name}/start");
    let fields = form_fields(&html, &action);
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = b.form_post(&action, &form, "/security").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "Link {name}: {}", res.status());
    let auth = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let callback = op.sign_in(&b.op, &auth, login).await;
    let res = b.get(&callback).await;
    assert!(!res.status().is_server_error(), "link callback: {}", res.status());
    assert_eq!(b.landing(&res), "/security");
}

/// The providers linked to the account signed in in `b`, by name.
async fn linked(b: &Browser) -> Vec<String> {
    let res = b
        .app
        .get(b.url("/api/identities"))
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let list: Vec<Value> = res.json().await.unwrap();
    let mut names: Vec<String> = list.iter().map(|i| i["provider"].as_str().unwrap().to_owned()).collect();
    names.sort();
    names
}

/// Signs a new account in through `op` as `login` (the provider's
/// verified `email`), in `b`.
async fn signed_in_through(app: &TestApp, op: &OidcProvider, b: &Browser, login: &str, email: &str) {
    let auth = b.started(NAME, &[]).await;
    let callback = op.sign_in(&b.op, &auth, login).await;
    assert!(callback.starts_with(&format!("{}?", redirect_uri(app, NAME))), "{callback}");
    let res = b.get(&callback).await;
    assert!(!res.status().is_server_error(), "callback: {}", res.status());
    assert_eq!(b.landing(&res), "/profile");
    let (status, me) = b.me().await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], email, "{me}");
}

// ---------------------------------------------------------------- one callback, many copies

/// The same callback URL 8 times at once from one browser, half to each
/// instance: exactly one signs in (on `next`), seven land on `/login`,
/// one account, no 5xx.
async fn the_same_callback_at_once(backend: Backend) {
    const N: usize = 8;
    let email = unique_email();
    let id = unique_id("same");
    let op = OidcProvider::start(&[Account::new(&id, &email, Some(true))]).await;
    let (a, b) = two_instances(backend, &[(&op, NAME, LABEL)]).await;
    let browser = Browser::new(&a);
    let auth = browser.started(NAME, &[("next", "/sessions")]).await;
    let callback = op.sign_in(&browser.op, &auth, &id).await;
    assert!(callback.starts_with(&format!("{}?", redirect_uri(&a, NAME))), "{callback}");
    let cookies = browser.cookies();
    let before = browser.session().expect("the flow's session cookie");
    let client = bare_client();
    let answers = at_once(N, |i| {
        let url = if i % 2 == 0 { on(&a, &callback) } else { on(&b, &callback) };
        get_with(&client, url, &cookies)
    })
    .await;
    no_5xx(&answers);
    assert!(answers.iter().all(|a| a.status == StatusCode::SEE_OTHER), "{answers:#?}");
    assert_eq!(count_path(&answers, "/sessions"), 1, "signed in {} times: {answers:#?}", count_path(&answers, "/sessions"));
    assert_eq!(count_path(&answers, "/login"), N - 1, "{answers:#?}");

    // The one that signed in set a session that is signed in as the
    // provider's address, on either instance.
    let winner = answers.iter().find(|a| a.path() == "/sessions").unwrap();
    let signed_in = winner.session.clone().expect("the sign-in sets a session cookie");
    assert_ne!(signed_in, before, "signed in on the flow's session id");
    for app in [&a, &b] {
        let (status, me) = json_with(app, "/api/me", &signed_in).await;
        assert_eq!(status, StatusCode::OK, "{me}");
        assert_eq!(me["email"], email.as_str(), "{me}");
    }
    // No other answer left a signed-in session, nor the flow's own id.
    for loser in answers.iter().filter(|a| a.path() == "/login") {
        if let Some(cookie) = &loser.session {
            let (status, me) = json_with(&a, "/api/me", cookie).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "a /login answer's session is signed in: {me}");
        }
    }
    let (status, me) = json_with(&b, "/api/me", &before).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the flow's session id is signed in: {me}");

    assert_eq!(sql_count(&a, &format!("SELECT COUNT(*) FROM users WHERE email = '{email}'")).await, 1);
    assert_eq!(a.user_count().await, 1);
    assert_eq!(sql_count(&a, "SELECT COUNT(*) FROM identities").await, 1);
    let logins = sql_count(&a, "SELECT COUNT(*) FROM security_events WHERE kind = 'login'").await;
    assert_eq!(logins, 1, "{logins} logins recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_callback_eight_times_at_once_signs_in_once_on_sqlite() {
    require!(Service::OidcProvider);
    the_same_callback_at_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_callback_eight_times_at_once_signs_in_once_on_postgres() {
    require!(Service::OidcProvider, Service::Postgres);
    the_same_callback_at_once(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_callback_eight_times_at_once_signs_in_once_on_postgres_and_redis() {
    require!(Service::OidcProvider, Service::Postgres, Service::Redis);
    the_same_callback_at_once(Backend::PostgresRedis).await;
}

/// The app's own "state used once", apart from the provider's "code
/// used once": one flow's authorization request sent to the provider 8
/// times over (a browser may load it again), so 8 different codes all
/// carry the same state, nonce and PKCE challenge; the 8 callbacks at
/// once, half to each instance. Exactly one signs in. The identity is
/// linked already, so each callback that got through would sign in.
async fn one_state_with_many_codes_at_once(backend: Backend) {
    const N: usize = 8;
    let email = unique_email();
    let id = unique_id("state");
    let op = OidcProvider::start(&[Account::new(&id, &email, Some(true))]).await;
    let (a, b) = two_instances(backend, &[(&op, NAME, LABEL)]).await;
    signed_in_through(&a, &op, &Browser::new(&a), &id, &email).await;
    let browser = Browser::new(&a);
    let auth = browser.started(NAME, &[("next", "/sessions")]).await;
    let mut callbacks = Vec::new();
    for _ in 0..N {
        callbacks.push(op.sign_in(&browser.op, &auth, &id).await);
    }
    let params = |url: &str| -> (String, String) {
        let url = Url::parse(url).unwrap();
        let get = |k: &str| url.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned()).unwrap_or_default();
        (get("code"), get("state"))
    };
    let mut codes: Vec<String> = callbacks.iter().map(|c| params(c).0).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), N, "the provider gave the same code twice: {callbacks:?}");
    assert!(callbacks.iter().all(|c| params(c).1 == params(&callbacks[0]).1), "{callbacks:?}");
    let cookies = browser.cookies();
    let client = bare_client();
    let answers = at_once(N, |i| {
        let url = if i % 2 == 0 { on(&a, &callbacks[i]) } else { on(&b, &callbacks[i]) };
        get_with(&client, url, &cookies)
    })
    .await;
    no_5xx(&answers);
    assert_eq!(count_path(&answers, "/sessions"), 1, "one state signed in {} times: {answers:#?}", count_path(&answers, "/sessions"));
    assert_eq!(count_path(&answers, "/login"), N - 1, "{answers:#?}");
    let winner = answers.iter().find(|a| a.path() == "/sessions").unwrap();
    let (status, me) = json_with(&b, "/api/me", winner.session.as_deref().expect("a session cookie")).await;
    assert_eq!((status, me["email"].as_str()), (StatusCode::OK, Some(email.as_str())), "{me}");
    // The first sign-in, and this one.
    let logins = sql_count(&a, "SELECT COUNT(*) FROM security_events WHERE kind = 'login'").await;
    assert_eq!(logins, 2, "{logins} logins recorded");
    assert_eq!(a.user_count().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_state_with_eight_codes_at_once_signs_in_once_on_sqlite() {
    require!(Service::OidcProvider);
    one_state_with_many_codes_at_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_state_with_eight_codes_at_once_signs_in_once_on_postgres() {
    require!(Service::OidcProvider, Service::Postgres);
    one_state_with_many_codes_at_once(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_state_with_eight_codes_at_once_signs_in_once_on_postgres_and_redis() {
    require!(Service::OidcProvider, Service::Postgres, Service::Redis);
    one_state_with_many_codes_at_once(Backend::PostgresRedis).await;
}

// ---------------------------------------------------------------- one new identity, two browsers

/// Two browsers sign in at the provider as the same new person and their
/// callbacks arrive at once, one at each instance: both signed in, to one
/// account. Six rounds, a new person each (one round often misses the
/// moment both look before either has made the account).
async fn one_new_identity_in_two_browsers_at_once(backend: Backend) {
    let people: Vec<(String, String)> = (0..6).map(|_| (unique_id("twice"), unique_email())).collect();
    let accounts: Vec<Account> = people.iter().map(|(id, email)| Account::new(id, email, Some(true))).collect();
    let op = OidcProvider::start(&accounts).await;
    let (a, b) = two_instances(backend, &[(&op, NAME, LABEL)]).await;
    let client = bare_client();
    for (round, (id, email)) in people.iter().enumerate() {
        let x = Browser::new(&a);
        let y = Browser::new(&a);
        let mut callbacks = Vec::new();
        for browser in [&x, &y] {
            let auth = browser.started(NAME, &[]).await;
            let callback = op.sign_in(&browser.op, &auth, id).await;
            callbacks.push((callback, browser.cookies()));
        }
        let answers = at_once(2, |i| {
            let (callback, cookies) = &callbacks[i];
            let url = if i == 0 { on(&a, callback) } else { on(&b, callback) };
            get_with(&client, url, cookies)
        })
        .await;
        no_5xx(&answers);
        assert_eq!(count_path(&answers, "/profile"), 2, "round {round}: {answers:#?}");
        let mut linked_at = Vec::new();
        for (i, answer) in answers.iter().enumerate() {
            let cookie = answer.session.clone().expect("a session cookie");
            let app = if i == 0 { &a } else { &b };
            let (status, me) = json_with(app, "/api/me", &cookie).await;
            assert_eq!(status, StatusCode::OK, "round {round}, browser {i}: {me}");
            assert_eq!(me["email"], email.as_str(), "round {round}, browser {i}: {me}");
            let (status, list) = json_with(app, "/api/identities", &cookie).await;
            assert_eq!(status, StatusCode::OK);
            let list = list.as_array().unwrap().clone();
            assert_eq!(list.len(), 1, "round {round}, browser {i}: {list:?}");
            assert_eq!(list[0]["provider"], NAME);
            linked_at.push(list[0]["linked_at"].clone());
            if i == 0 {
                // The account's log: made once, linked once, two sign-ins.
                let (status, events) = json_with(app, "/api/security_events", &cookie).await;
                assert_eq!(status, StatusCode::OK);
                let types: Vec<&str> = events.as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
                let n = |t: &str| types.iter().filter(|x| **x == t).count();
                assert_eq!((n("signup"), n("identity_linked"), n("login")), (1, 1, 2), "round {round}: {types:?}");
            }
        }
        assert_eq!(linked_at[0], linked_at[1], "round {round}: two identity rows");
        assert_eq!(sql_count(&a, &format!("SELECT COUNT(*) FROM users WHERE email = '{email}'")).await, 1, "round {round}");
        assert_eq!(a.user_count().await, round as i64 + 1, "round {round}");
        assert_eq!(sql_count(&a, "SELECT COUNT(*) FROM identities").await, round as i64 + 1, "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_new_identity_in_two_browsers_at_once_makes_one_account_on_sqlite() {
    require!(Service::OidcProvider);
    one_new_identity_in_two_browsers_at_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_new_identity_in_two_browsers_at_once_makes_one_account_on_postgres() {
    require!(Service::OidcProvider, Service::Postgres);
    one_new_identity_in_two_browsers_at_once(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_new_identity_in_two_browsers_at_once_makes_one_account_on_postgres_and_redis() {
    require!(Service::OidcProvider, Service::Postgres, Service::Redis);
    one_new_identity_in_two_browsers_at_once(Backend::PostgresRedis).await;
}

// ---------------------------------------------------------------- unlinks at once

/// An account with a password and the provider linked: two unlinks at
/// once, one at each instance, give exactly one 200 and one 404. Three
/// rounds, linking again between them.
async fn two_unlinks_of_one_provider_at_once(backend: Backend) {
    let id = unique_id("unlink");
    let op = OidcProvider::start(&[Account::new(&id, &unique_email(), Some(true))]).await;
    let (a, b) = two_instances(backend, &[(&op, NAME, LABEL)]).await;
    let browser = Browser::new(&a);
    let email = unique_email();
    let res = browser.api_post("/api/signup", &[("email", &email), ("password", crate::helpers::PASSWORD)]).await;
    assert!(res.status().is_success(), "signup: {}", res.status());
    let client = bare_client();
    for round in 0..3 {
        link_from_security(&op, &browser, NAME, &id).await;
        assert_eq!(linked(&browser).await, [NAME], "round {round}");
        let cookies = browser.cookies();
        let answers = at_once(2, |i| unlink_with(&client, if i == 0 { &a } else { &b }, &cookies, NAME)).await;
        no_5xx(&answers);
        let mut statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
        statuses.sort();
        assert_eq!(statuses, [200, 404], "round {round}: {answers:#?}");
        assert!(linked(&browser).await.is_empty(), "round {round}");
        let unlinked = sql_count(&a, "SELECT COUNT(*) FROM security_events WHERE kind = 'identity_unlinked'").await;
        assert_eq!(unlinked, round + 1, "round {round}: identity_unlinked recorded {unlinked} times");
    }
    assert_eq!(browser.me().await.1["email"], email.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_unlinks_of_one_provider_at_once_give_one_200_and_one_404_on_sqlite() {
    require!(Service::OidcProvider);
    two_unlinks_of_one_provider_at_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_unlinks_of_one_provider_at_once_give_one_200_and_one_404_on_postgres() {
    require!(Service::OidcProvider, Service::Postgres);
    two_unlinks_of_one_provider_at_once(Backend::Postgres).await;
}

/// An account made through the provider (no password) with only it
/// linked: five unlinks at once, across both instances, are all 409 and
/// the identity stays.
async fn unlinks_of_the_only_way_in_at_once(backend: Backend) {
    const N: usize = 5;
    let id = unique_id("only");
    let email = unique_email();
    let op = OidcProvider::start(&[Account::new(&id, &email, Some(true))]).await;
    let (a, b) = two_instances(backend, &[(&op, NAME, LABEL)]).await;
    let browser = Browser::new(&a);
    signed_in_through(&a, &op, &browser, &id, &email).await;
    let cookies = browser.cookies();
    let client = bare_client();
    let answers = at_once(N, |i| unlink_with(&client, if i % 2 == 0 { &a } else { &b }, &cookies, NAME)).await;
    no_5xx(&answers);
    assert_eq!(count_status(&answers, 409), N, "{answers:#?}");
    assert_eq!(linked(&browser).await, [NAME]);
    assert_eq!(sql_count(&a, "SELECT COUNT(*) FROM identities").await, 1);
    assert_eq!(sql_count(&a, "SELECT COUNT(*) FROM security_events WHERE kind = 'identity_unlinked'").await, 0);
    // And it still signs in through the provider.
    let fresh = Browser::new(&a);
    signed_in_through(&a, &op, &fresh, &id, &email).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unlinks_of_the_only_way_in_at_once_are_all_409_on_sqlite() {
    require!(Service::OidcProvider);
    unlinks_of_the_only_way_in_at_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unlinks_of_the_only_way_in_at_once_are_all_409_on_postgres() {
    require!(Service::OidcProvider, Service::Postgres);
    unlinks_of_the_only_way_in_at_once(Backend::Postgres).await;
}

/// An account without a password and two providers linked (two harness
/// providers, so two issuers): unlinking both at once, one at each
/// instance, gives one 200 and one 409, and one of them stays linked.
/// Three rounds, linking the unlinked one again between them.
async fn unlinking_both_providers_at_once(backend: Backend) {
    let id = unique_id("both");
    let email = unique_email();
    let other_id = unique_id("both-other");
    let work = OidcProvider::start(&[Account::new(&id, &email, Some(true))]).await;
    let home = OidcProvider::start(&[Account::new(&other_id, &unique_email(), Some(true))]).await;
    assert_ne!(work.issuer(), home.issuer());
    let (a, b) = two_instances(backend, &[(&work, NAME, LABEL), (&home, OTHER, OTHER_LABEL)]).await;
    let browser = Browser::new(&a);
    signed_in_through(&a, &work, &browser, &id, &email).await;
    link_from_security(&home, &browser, OTHER, &other_id).await;
    let client = bare_client();
    for round in 0..3 {
        let mut both = vec![NAME.to_owned(), OTHER.to_owned()];
        both.sort();
        assert_eq!(linked(&browser).await, both, "round {round}");
        let cookies = browser.cookies();
        let answers = at_once(2, |i| {
            let (app, provider) = if i == 0 { (&a, NAME) } else { (&b, OTHER) };
            unlink_with(&client, app, &cookies, provider)
        })
        .await;
        no_5xx(&answers);
        let mut statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
        statuses.sort();
        assert_eq!(statuses, [200, 409], "round {round}: both unlinked, or neither: {answers:#?}");
        let left = linked(&browser).await;
        assert_eq!(left.len(), 1, "round {round}: {left:?}");
        assert_eq!(sql_count(&a, "SELECT COUNT(*) FROM identities").await, 1, "round {round}");
        // The one that got 200 is the one gone.
        let gone = if answers[0].status == StatusCode::OK { NAME } else { OTHER };
        assert_ne!(left[0], gone, "round {round}: {answers:#?}");
        // Link it again for the next round.
        let (op, login) = if gone == NAME { (&work, &id) } else { (&home, &other_id) };
        link_from_security(op, &browser, gone, login).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unlinking_both_providers_of_a_passwordless_account_at_once_keeps_one_on_sqlite() {
    require!(Service::OidcProvider);
    unlinking_both_providers_at_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unlinking_both_providers_of_a_passwordless_account_at_once_keeps_one_on_postgres() {
    require!(Service::OidcProvider, Service::Postgres);
    unlinking_both_providers_at_once(Backend::Postgres).await;
}
