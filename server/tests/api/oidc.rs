//! Sign in with an OpenID Connect provider, over HTTP with JavaScript off,
//! against a real, certified OpenID Provider (`helpers::oidc`): the start
//! (a form POST, PKCE S256, state and nonce), the five things an identity
//! can do (sign in, link by a confirmed and verified address, a new
//! account, or be refused), the second step, and everything that must
//! land on `/login` with a message: a state from another browser or used
//! twice, Cancel at the provider, an ID token that fails a check, a token
//! endpoint that refuses or never answers, a provider that goes down.
//!
//! The browser speaks to the app at `APP_BASE_URL` (`http://localhost:PORT`
//! in the tests), the origin the redirect URI names, with its own cookie
//! jars for the app and for the provider.

use crate::helpers::{
    oidc::{redirect_uri, Account, Browser, OidcProvider},
    services::{require, Service},
    session_cookie,
    smtp::SmtpServer,
    totp::{app_code, early_in_a_step},
    unique_email, TestApp, PASSWORD,
};
use app::ssr::mail::smtp::SmtpSettings;
use reqwest::{header, Response, StatusCode, Url};
use serde_json::Value;
use std::{
    collections::HashMap,
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, Instant},
};

/// The provider's name in `OIDC_PROVIDERS` and in the paths.
const NAME: &str = "work";
/// Its `OIDC_WORK_LABEL`.
const LABEL: &str = "Work Login";

const CONFIRM_SUBJECT: &str = "Confirm your email address for Gatehouse";
const NEW_SIGN_IN_SUBJECT: &str = "A new sign-in to your Gatehouse account";

/// A provider account id no other test uses.
fn unique_id(what: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("{what}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// The app with the provider `work`, its mail going to a test SMTP server.
struct World {
    app: TestApp,
    op: OidcProvider,
    smtp: SmtpServer,
}

async fn world(accounts: &[Account]) -> World {
    world_with(accounts, |_| {}).await
}

/// The same, with the configuration adjusted.
async fn world_with(accounts: &[Account], adjust: impl FnOnce(&mut server::config::Config)) -> World {
    let op = OidcProvider::start(accounts).await;
    let smtp = SmtpServer::start().await;
    let app = app_with(&op.provider_config(NAME, LABEL), &smtp, adjust).await;
    op.register_redirect(&redirect_uri(&app, NAME)).await;
    World { app, op, smtp }
}

async fn app_with(
    provider: &app::ssr::oidc::ProviderConfig,
    smtp: &SmtpServer,
    adjust: impl FnOnce(&mut server::config::Config),
) -> TestApp {
    let url = smtp.url();
    let provider = provider.clone();
    TestApp::spawn_with(move |c| {
        c.smtp = Some(SmtpSettings::parse(&url).unwrap());
        c.mail_retry_max_secs = 1;
        c.oidc_providers = vec![provider];
        adjust(c);
    })
    .await
}

/// The query of a URL, by name (each name once).
fn query(url: &str) -> HashMap<String, String> {
    let url = Url::parse(url).unwrap();
    let mut q = HashMap::new();
    for (k, v) in url.query_pairs() {
        assert!(q.insert(k.to_string(), v.to_string()).is_none(), "{k} twice in {url}");
    }
    q
}

/// Starts at the app as `b`, signs in at the provider as `login`, and
/// answers the callback URL the provider sends the browser to (not yet
/// visited), checked to be the app's redirect URI.
async fn to_callback(w: &World, b: &Browser, login: &str, fields: &[(&str, &str)]) -> String {
    let auth = b.started(NAME, fields).await;
    let callback = w.op.sign_in(&b.op, &auth, login).await;
    assert!(
        callback.starts_with(&format!("{}?", redirect_uri(&w.app, NAME))),
        "{callback}"
    );
    callback
}

/// The whole flow: (the session cookie the browser had before the
/// callback, the callback's answer).
async fn flow(w: &World, b: &Browser, login: &str, fields: &[(&str, &str)]) -> (Option<String>, Response) {
    let callback = to_callback(w, b, login, fields).await;
    let before = b.session();
    let res = b.get(&callback).await;
    (before, res)
}

/// The callback signed `b` in as `email` with a NEW session id, landing on
/// `landing`; answers `/api/me`.
async fn assert_signed_in(w: &World, b: &Browser, before: Option<String>, res: Response, email: &str, landing: &str) -> Value {
    assert!(!res.status().is_server_error(), "callback: {}", res.status());
    assert_eq!(b.landing(&res), landing);
    let after = b.session().expect("a session cookie after the callback");
    if let Some(before) = before {
        assert_ne!(after, before, "signed in on the session id the flow started with");
        let old = w.app.get("/api/me", Some(&before)).await;
        assert_eq!(old.status(), StatusCode::UNAUTHORIZED, "the session id before the sign-in is signed in");
    }
    let (status, me) = b.me().await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], email, "{me}");
    me
}

/// The message in words the page shows: a flash message, or the form's
/// error.
fn message_on(html: &str) -> Option<String> {
    for marker in [
        "data-testid=\"flash\">",
        "<div class=\"form-error\" role=\"alert\" aria-live=\"polite\"><p>",
    ] {
        if let Some(at) = html.find(marker) {
            let rest = &html[at + marker.len()..];
            let text = &rest[..rest.find("</p>").unwrap_or(0)];
            if !text.trim().is_empty() {
                return Some(text.trim().to_owned());
            }
        }
    }
    None
}

/// The callback landed `b` on `/login`, which says why in words; nobody is
/// signed in there. Answers the message.
async fn assert_refused(b: &Browser, res: Response) -> String {
    let status = res.status();
    assert!(!status.is_server_error(), "callback: {status}");
    let landing = b.landing(&res);
    assert_eq!(landing.split('?').next().unwrap(), "/login", "{landing}");
    let (status, me) = b.me().await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "signed in after a refused callback: {me}");
    let page = b.get(&landing).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    message_on(&html).unwrap_or_else(|| panic!("/login says nothing: {html}"))
}

/// The value of the attribute `name` in the tag `tag` (`<input …>`).
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    let end = tag[at..].find('"')?;
    Some(tag[at..at + end].replace("&amp;", "&").replace("&quot;", "\""))
}

/// The fields (inputs with a name and a value) of the form on the page
/// that posts to `action`, as a browser would send them.
fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let at = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form posting to {action}: {html}"));
    let start = html[..at].rfind("<form").expect("inside a form");
    let end = at + html[at..].find("</form>").expect("a whole form");
    let form = &html[start..end];
    form.split("<input")
        .skip(1)
        .filter_map(|rest| {
            let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
            Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default()))
        })
        .collect()
}

/// Signs a new account up with the password in this browser.
async fn sign_up_in(b: &Browser, email: &str) {
    let res = b.api_post("/api/signup", &[("email", email), ("password", PASSWORD)]).await;
    assert!(res.status().is_success(), "signup: {}", res.status());
    assert_eq!(b.me().await.0, StatusCode::OK);
}

/// `GET /api/identities` in this browser: status and list.
async fn identities(b: &Browser) -> (StatusCode, Value) {
    let res = b
        .app
        .get(b.url("/api/identities"))
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Presses "Link" for the provider on `/security`, signs in at the
/// provider as `login`, and comes back: the callback's answer.
async fn link_from_security(w: &World, b: &Browser, login: &str) -> Response {
    let page = b.get("/security").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let action = format!("/auth/{NAME}/start");
    let fields = form_fields(&html, &action);
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = b.form_post(&action, &form, "/security").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "Link: {}", res.status());
    let auth = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let callback = w.op.sign_in(&b.op, &auth, login).await;
    b.get(&callback).await
}

/// Signs `email` up with the password and confirms its address with the
/// mailed link; answers the session cookie (at the test's 127.0.0.1 base).
async fn confirmed_account(w: &World, email: &str) -> String {
    let res = w.app.sign_up(email).await;
    assert!(res.status().is_success(), "signup: {}", res.status());
    let cookie = session_cookie(&res).unwrap();
    let mail = w.smtp.wait_for(email, CONFIRM_SUBJECT).await;
    let link = mail
        .link(&format!("{}/confirm-email/", crate::helpers::oidc::app_base(&w.app)))
        .expect("a confirmation link");
    let token = link.rsplit('/').next().unwrap();
    let res = w.app.post("/api/confirm_email", &[("token", token)], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = w.app.get("/api/me", Some(&cookie)).await.json().await.unwrap();
    assert_eq!(me["email_confirmed"], true);
    cookie
}

/// An account's linked identities, by a fresh password login.
async fn identities_of(w: &World, email: &str) -> Vec<Value> {
    let res = w.app.log_in(email, PASSWORD, None).await;
    assert_eq!(res.status(), StatusCode::OK, "password login of {email}");
    let cookie = session_cookie(&res).unwrap();
    let res = w.app.get("/api/identities", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK, "GET /api/identities");
    res.json().await.unwrap()
}

async fn event_types(b: &Browser) -> Vec<String> {
    let res = b
        .app
        .get(b.url("/api/security_events"))
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let events: Vec<Value> = res.json().await.unwrap();
    events.iter().map(|e| e["type"].as_str().unwrap().to_owned()).collect()
}

/// Mail to `to` other than the confirmation and the new-sign-in notice,
/// waiting up to 20 s for at least `count`.
async fn other_mail_to(smtp: &SmtpServer, to: &str, count: usize) -> Vec<(String, String)> {
    let start = Instant::now();
    loop {
        let mails: Vec<(String, String)> = smtp
            .received()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == to))
            .filter(|m| m.subject != CONFIRM_SUBJECT && m.subject != NEW_SIGN_IN_SUBJECT)
            .map(|m| (m.subject, m.text))
            .collect();
        if mails.len() >= count || start.elapsed() > Duration::from_secs(20) {
            return mails;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---------------------------------------------------------------- the start

#[tokio::test]
async fn login_and_signup_offer_each_provider_as_a_form_post() {
    require!(Service::OidcProvider);
    let w = world(&[]).await;
    let b = Browser::new(&w.app);
    for page in ["/login", "/signup"] {
        let res = b.get(page).await;
        assert_eq!(res.status(), StatusCode::OK, "{page}");
        let html = res.text().await.unwrap();
        let at = html
            .find(&format!("action=\"/auth/{NAME}/start\""))
            .unwrap_or_else(|| panic!("{page} has no form posting to /auth/{NAME}/start: {html}"));
        let form_start = html[..at].rfind("<form").expect("inside a form");
        let form_end = at + html[at..].find("</form>").expect("a whole form");
        let form = &html[form_start..form_end];
        assert!(form.contains("method=\"post\""), "{form}");
        assert!(form.contains(&format!("Continue with {LABEL}")), "{form}");
    }
}

#[tokio::test]
async fn start_redirects_to_the_authorization_endpoint_with_pkce_state_and_nonce() {
    require!(Service::OidcProvider);
    let w = world(&[]).await;
    let b = Browser::new(&w.app);
    let res = b.start(NAME, &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let discovery = w.op.discovery().await;
    let endpoint = discovery["authorization_endpoint"].as_str().unwrap();
    assert_eq!(location.split('?').next().unwrap(), endpoint, "{location}");
    let q = query(&location);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], crate::helpers::oidc::CLIENT_ID);
    assert_eq!(q["redirect_uri"], redirect_uri(&w.app, NAME));
    assert_eq!(q["redirect_uri"], format!("{}/auth/{NAME}/callback", b.base));
    let scope: Vec<&str> = q["scope"].split(' ').collect();
    for s in ["openid", "email", "profile"] {
        assert!(scope.contains(&s), "scope {:?} lacks {s}", q["scope"]);
    }
    assert!(!q["state"].is_empty() && !q["nonce"].is_empty(), "{q:?}");
    assert_eq!(q["code_challenge_method"], "S256");
    // S256: the base64url (no padding) of a SHA-256, 43 characters.
    let challenge = &q["code_challenge"];
    assert_eq!(challenge.len(), 43, "{challenge}");
    assert!(
        challenge.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'),
        "{challenge}"
    );
    // The provider takes the request as it is: to its login page, not back
    // with an error.
    let at_op = b.op.get(&location).send().await.unwrap();
    assert!(at_op.status().is_redirection(), "{}", at_op.status());
    let next = at_op.headers()[header::LOCATION].to_str().unwrap();
    assert!(next.starts_with("/interaction/"), "the provider answered {next}");
    let seen = w.op.state().await;
    assert_eq!(seen["last_authorization"]["state"], q["state"].as_str(), "{seen}");
    // The state is bound to this browser: it now holds a cookie for it.
    assert!(!b.cookies().is_empty(), "nothing binds the flow to the browser");

    // Each start is a new flow: new state, nonce and verifier.
    let again = query(&b.started(NAME, &[]).await);
    for k in ["state", "nonce", "code_challenge"] {
        assert_ne!(again[k], q[k], "{k} reused");
    }
    let other = Browser::new(&w.app);
    let third = query(&other.started(NAME, &[]).await);
    for k in ["state", "nonce", "code_challenge"] {
        assert_ne!(third[k], q[k], "{k} reused");
    }
}

#[tokio::test]
async fn start_for_an_unknown_provider_is_404_and_from_another_site_403() {
    require!(Service::OidcProvider);
    let w = world(&[]).await;
    let b = Browser::new(&w.app);
    let res = b.start("nope", &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = b
        .app
        .post(b.url(&format!("/auth/{NAME}/start")))
        .header(header::ORIGIN, "https://elsewhere.example")
        .header(header::REFERER, "https://elsewhere.example/")
        .form(&[("next", "/profile")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.headers().get(header::LOCATION).is_none());
}

// ---------------------------------------------------------------- the five cases

/// Case 4, verified: a new account, its address confirmed, no
/// confirmation mail, signed in on a new session id, landing on `next`.
#[tokio::test]
async fn a_new_verified_address_makes_a_confirmed_account_and_signs_it_in() {
    require!(Service::OidcProvider);
    let email = unique_email();
    let id = unique_id("new");
    let w = world(&[Account::new(&id, &email, Some(true))]).await;
    let b = Browser::new(&w.app);
    assert_eq!(w.app.user_count().await, 0);
    let (before, res) = flow(&w, &b, &id, &[("next", "/sessions")]).await;
    let me = assert_signed_in(&w, &b, before, res, &email, "/sessions").await;
    assert_eq!(me["email_confirmed"], true, "{me}");
    assert_eq!(me["two_factor"], false, "{me}");
    assert_eq!(w.app.user_count().await, 1);
    let confirmations = w
        .app
        .scalar(&format!(
            "SELECT COUNT(*) FROM outbox WHERE recipient = '{email}' AND subject = '{CONFIRM_SUBJECT}'"
        ))
        .await;
    assert_eq!(confirmations, 0, "a confirmation mail for an address the provider verified");
    assert!(event_types(&b).await.contains(&"login".to_owned()));
}

/// Case 4, not verified: a new account, not confirmed, a confirmation
/// link mailed (which then confirms it); signed in, landing on `/profile`.
#[tokio::test]
async fn a_new_unverified_address_makes_an_unconfirmed_account_and_mails_a_link() {
    require!(Service::OidcProvider);
    let email = unique_email();
    let id = unique_id("new-unverified");
    let w = world(&[Account::new(&id, &email, Some(false))]).await;
    let b = Browser::new(&w.app);
    let (before, res) = flow(&w, &b, &id, &[]).await;
    let me = assert_signed_in(&w, &b, before, res, &email, "/profile").await;
    assert_eq!(me["email_confirmed"], false, "{me}");
    assert_eq!(w.app.user_count().await, 1);
    let mail = w.smtp.wait_for(&email, CONFIRM_SUBJECT).await;
    let link = mail
        .link(&format!("{}/confirm-email/", b.base))
        .expect("a confirmation link");
    let token = link.rsplit('/').next().unwrap();
    let res = b.api_post("/api/confirm_email", &[("token", token)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(b.me().await.1["email_confirmed"], true);
}

/// Case 1: the identity is linked; a fresh browser signs into the same
/// account, by `iss` and `sub` (not by the address the provider gives).
#[tokio::test]
async fn a_linked_identity_signs_into_the_same_account_from_a_fresh_browser() {
    require!(Service::OidcProvider);
    let email = unique_email();
    let id = unique_id("again");
    let w = world(&[Account::new(&id, &email, Some(true))]).await;
    let first = Browser::new(&w.app);
    let (before, res) = flow(&w, &first, &id, &[]).await;
    assert_signed_in(&w, &first, before, res, &email, "/profile").await;
    assert_eq!(w.app.user_count().await, 1);

    let second = Browser::new(&w.app);
    let (before, res) = flow(&w, &second, &id, &[]).await;
    assert_signed_in(&w, &second, before, res, &email, "/profile").await;
    assert_ne!(first.session(), second.session());
    assert_eq!(w.app.user_count().await, 1);
    assert_eq!(event_types(&second).await.first().map(String::as_str), Some("login"));

    // The provider now gives another address for the same person: still
    // the same account.
    let moved = unique_email();
    w.op.set_accounts(&[Account::new(&id, &moved, Some(true))]).await;
    let third = Browser::new(&w.app);
    let (before, res) = flow(&w, &third, &id, &[]).await;
    assert_signed_in(&w, &third, before, res, &email, "/profile").await;
    assert_eq!(w.app.user_count().await, 1);
}

/// Case 3: an account has the address, confirmed, and the provider
/// verified it: linked and signed in, with a notice to the address.
#[tokio::test]
async fn a_confirmed_address_the_provider_verified_is_linked_with_a_notice() {
    require!(Service::OidcProvider);
    let email = unique_email();
    let id = unique_id("link");
    let w = world(&[Account::new(&id, &email, Some(true))]).await;
    confirmed_account(&w, &email).await;
    let notices_before = other_mail_to(&w.smtp, &email, 0).await.len();
    let b = Browser::new(&w.app);
    let (before, res) = flow(&w, &b, &id, &[]).await;
    let me = assert_signed_in(&w, &b, before, res, &email, "/profile").await;
    assert_eq!(me["email_confirmed"], true);
    assert_eq!(w.app.user_count().await, 1);

    let res = b
        .app
        .get(b.url("/api/identities"))
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let identities: Vec<Value> = res.json().await.unwrap();
    assert_eq!(identities.len(), 1, "{identities:?}");
    assert_eq!(identities[0]["provider"], NAME);
    assert_eq!(identities[0]["email"], email.as_str());
    assert!(!identities[0]["linked_at"].is_null(), "{identities:?}");
    let events = event_types(&b).await;
    assert!(events.contains(&"identity_linked".to_owned()), "{events:?}");
    assert!(events.contains(&"login".to_owned()), "{events:?}");

    let notices = other_mail_to(&w.smtp, &email, notices_before + 1).await;
    assert_eq!(notices.len(), notices_before + 1, "no notice of the link: {notices:?}");
    // The password still works.
    assert_eq!(w.app.log_in(&email, PASSWORD, None).await.status(), StatusCode::OK);
}

/// Case 5: the account has not confirmed the address (whoever made it may
/// not own it): nothing linked, `/login` says to sign in with the password
/// and link the provider from `/security`.
#[tokio::test]
async fn an_unconfirmed_account_is_never_linked() {
    require!(Service::OidcProvider);
    let email = unique_email();
    let id = unique_id("takeover");
    let w = world(&[Account::new(&id, &email, Some(true))]).await;
    assert!(w.app.sign_up(&email).await.status().is_success());
    let b = Browser::new(&w.app);
    let (_, res) = flow(&w, &b, &id, &[]).await;
    let message = assert_refused(&b, res).await.to_lowercase();
    assert!(message.contains("password") && message.contains("security"), "{message}");
    assert_eq!(w.app.user_count().await, 1);
    assert_eq!(identities_of(&w, &email).await, Vec::<Value>::new());
    // Trying again changes nothing.
    let b = Browser::new(&w.app);
    let (_, res) = flow(&w, &b, &id, &[]).await;
    assert_refused(&b, res).await;
    assert_eq!(identities_of(&w, &email).await, Vec::<Value>::new());
}

/// Case 5: the provider has not verified the address (`email_verified`
/// false, or no such claim), though an account has it confirmed: nothing
/// linked, nobody signed in.
#[tokio::test]
async fn an_address_the_provider_has_not_verified_is_never_linked() {
    require!(Service::OidcProvider);
    let email = unique_email();
    let unverified = unique_id("unverified");
    let unclaimed = unique_id("no-claim");
    let w = world(&[
        Account::new(&unverified, &email, Some(false)),
        Account::new(&unclaimed, &email, None),
    ])
    .await;
    confirmed_account(&w, &email).await;
    for id in [&unverified, &unclaimed] {
        let b = Browser::new(&w.app);
        let (_, res) = flow(&w, &b, id, &[]).await;
        let message = assert_refused(&b, res).await.to_lowercase();
        assert!(message.contains("password") && message.contains("security"), "{id}: {message}");
        assert_eq!(w.app.user_count().await, 1, "{id}");
        assert_eq!(identities_of(&w, &email).await, Vec::<Value>::new(), "{id}");
    }
}

/// `next` is followed only when it is a path on this site.
#[tokio::test]
async fn next_must_be_a_local_path() {
    require!(Service::OidcProvider);
    let email = unique_email();
    let id = unique_id("next");
    let w = world(&[Account::new(&id, &email, Some(true))]).await;
    for next in ["https://elsewhere.example/x", "//elsewhere.example/x", "/\\elsewhere.example"] {
        let b = Browser::new(&w.app);
        let (before, res) = flow(&w, &b, &id, &[("next", next)]).await;
        assert_signed_in(&w, &b, before, res, &email, "/profile").await;
    }
}

/// An account with two-step verification, linked by its confirmed
/// address: the callback lands on `/login/verify`, not signed in until the
/// code.
#[tokio::test]
async fn an_account_with_two_step_verification_needs_its_code() {
    require!(Service::OidcProvider);
    let email = unique_email();
    let id = unique_id("2fa");
    let w = world(&[Account::new(&id, &email, Some(true))]).await;
    let cookie = confirmed_account(&w, &email).await;
    let begun: Value = w.app.post("/api/totp_begin", &[], Some(&cookie)).await.json().await.unwrap();
    let secret = begun["secret"].as_str().unwrap().to_owned();
    early_in_a_step().await;
    let res = w
        .app
        .post("/api/totp_enable", &[("code", &app_code(&secret, 0)), ("password", PASSWORD)], Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let b = Browser::new(&w.app);
    let (_, res) = flow(&w, &b, &id, &[]).await;
    assert!(!res.status().is_server_error(), "{}", res.status());
    assert_eq!(b.landing(&res), "/login/verify");
    let (status, _) = b.me().await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "signed in before the second step");
    let pending = b.session().expect("a cookie for the pending login");

    let res = b.api_post("/api/verify_second_factor", &[("code", "000000")]).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(b.me().await.0, StatusCode::UNAUTHORIZED);
    let res = b.api_post("/api/verify_second_factor", &[("code", &app_code(&secret, 30))]).await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    let (status, me) = b.me().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], email.as_str());
    assert_ne!(b.session().unwrap(), pending, "signed in on the pending login's session id");
    assert_eq!(w.app.user_count().await, 1);
}

// ---------------------------------------------------------------- refused callbacks

#[tokio::test]
async fn a_state_from_another_browser_is_refused() {
    require!(Service::OidcProvider);
    let email = unique_email();
    let id = unique_id("csrf");
    let w = world(&[Account::new(&id, &email, Some(true))]).await;
    // The attacker starts, signs in at the provider, and has the victim's
    // browser open the callback (login CSRF).
    let attacker = Browser::new(&w.app);
    let callback = to_callback(&w, &attacker, &id, &[]).await;
    let victim = Browser::new(&w.app);
    let res = victim.get(&callback).await;
    assert_refused(&victim, res).await;
    assert_eq!(w.app.user_count().await, 0);

    // A browser that started a flow of its own, given another's callback.
    let started = Browser::new(&w.app);
    started.started(NAME, &[]).await;
    let other = to_callback(&w, &Browser::new(&w.app), &id, &[]).await;
    let res = started.get(&other).await;
    assert_refused(&started, res).await;
    assert_eq!(w.app.user_count().await, 0);

    // A made-up state, with and without a flow of its own.
    for b in [Browser::new(&w.app), started] {
        let res = b.get(&format!("/auth/{NAME}/callback?code=made-up&state=made-up")).await;
        assert_refused(&b, res).await;
        let res = b.get(&format!("/auth/{NAME}/callback")).await;
        assert_refused(&b, res).await;
    }
    assert_eq!(w.app.user_count().await, 0);
}

#[tokio::test]
async fn a_used_state_is_refused() {
    require!(Service::OidcProvider);
    let email = unique_email();
    let id = unique_id("replay");
    let w = world(&[Account::new(&id, &email, Some(true))]).await;
    let b = Browser::new(&w.app);
    let callback = to_callback(&w, &b, &id, &[]).await;
    let before = b.session();
    let res = b.get(&callback).await;
    assert_signed_in(&w, &b, before, res, &email, "/profile").await;

    // The same callback again, in the same browser: refused.
    let res = b.get(&callback).await;
    assert!(!res.status().is_server_error(), "{}", res.status());
    let landing = b.landing(&res);
    assert_eq!(landing.split('?').next().unwrap(), "/login", "{landing}");
    assert_ne!(b.session(), None);
    // And in a fresh browser: refused, nobody signed in.
    let fresh = Browser::new(&w.app);
    let res = fresh.get(&callback).await;
    assert_refused(&fresh, res).await;
    assert_eq!(w.app.user_count().await, 1);
}

#[tokio::test]
async fn cancel_at_the_provider_lands_on_login() {
    require!(Service::OidcProvider);
    let email = unique_email();
    let id = unique_id("cancel");
    let w = world(&[Account::new(&id, &email, Some(true))]).await;
    let b = Browser::new(&w.app);
    let auth = b.started(NAME, &[]).await;
    let callback = w.op.cancel(&b.op, &auth).await;
    let q = query(&callback);
    assert_eq!(q["error"], "access_denied", "{callback}");
    let res = b.get(&callback).await;
    assert_refused(&b, res).await;
    assert_eq!(w.app.user_count().await, 0);
}

/// ID tokens that fail a check, and token endpoints that refuse the code:
/// each lands on `/login` with a message, nothing created.
#[tokio::test]
async fn id_tokens_that_fail_a_check_are_refused() {
    require!(Service::OidcProvider);
    let w = world(&[]).await;
    for mode in [
        "wrong_audience",
        "wrong_issuer",
        "expired",
        "wrong_nonce",
        "no_nonce",
        "bad_signature",
        "tampered",
        "alg_none",
        "token_error",
        "token_500",
    ] {
        let email = unique_email();
        let id = unique_id(mode);
        w.op.set_accounts(&[Account::new(&id, &email, Some(true))]).await;
        w.op.misbehave(mode).await;
        let b = Browser::new(&w.app);
        let (_, res) = flow(&w, &b, &id, &[]).await;
        let status = res.status();
        assert!(!status.is_server_error(), "{mode}: {status}");
        assert!(status.is_redirection(), "{mode}: {status}");
        let landing = b.landing(&res);
        assert_eq!(landing.split('?').next().unwrap(), "/login", "{mode}: {landing}");
        assert_eq!(b.me().await.0, StatusCode::UNAUTHORIZED, "{mode}: signed in");
        let page = b.get(&landing).await.text().await.unwrap();
        assert!(message_on(&page).is_some(), "{mode}: /login says nothing");
        assert_eq!(w.app.user_count().await, 0, "{mode}: an account was made");
    }
    // Honest again: the same flow works.
    w.op.misbehave("none").await;
    let email = unique_email();
    let id = unique_id("honest");
    w.op.set_accounts(&[Account::new(&id, &email, Some(true))]).await;
    let b = Browser::new(&w.app);
    let (before, res) = flow(&w, &b, &id, &[]).await;
    assert_signed_in(&w, &b, before, res, &email, "/profile").await;
}

#[tokio::test]
async fn a_provider_stopped_mid_flow_lands_on_login() {
    require!(Service::OidcProvider);
    let email = unique_email();
    let id = unique_id("stopped");
    let mut w = world(&[Account::new(&id, &email, Some(true))]).await;
    let b = Browser::new(&w.app);
    let callback = to_callback(&w, &b, &id, &[]).await;
    w.op.stop();
    let res = b.get(&callback).await;
    assert_refused(&b, res).await;
    assert_eq!(w.app.user_count().await, 0);
    // And the start, with the provider down: no 5xx, nothing made.
    let b = Browser::new(&w.app);
    let res = b.start(NAME, &[]).await;
    assert!(!res.status().is_server_error(), "start: {}", res.status());
    assert_eq!(w.app.user_count().await, 0);
    assert_eq!(b.get("/login").await.status(), StatusCode::OK);
}

/// A token endpoint that never answers is a provider that can't be
/// reached: the callback gives up and lands on `/login`.
#[tokio::test]
async fn a_token_endpoint_that_never_answers_lands_on_login() {
    require!(Service::OidcProvider);
    let email = unique_email();
    let id = unique_id("hang");
    let w = world(&[Account::new(&id, &email, Some(true))]).await;
    let b = Browser::new(&w.app);
    let callback = to_callback(&w, &b, &id, &[]).await;
    w.op.misbehave("hang").await;
    let res = b.get(&callback).await;
    assert_refused(&b, res).await;
    assert_eq!(w.app.user_count().await, 0);
}

/// A provider that can't be reached at start-up does not stop the server;
/// once it is up, signing in with it works.
#[tokio::test]
async fn a_provider_down_at_start_up_stops_nothing_and_is_tried_again() {
    require!(Service::OidcProvider);
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let provider = app::ssr::oidc::ProviderConfig {
        name: NAME.into(),
        label: LABEL.into(),
        issuer: format!("http://127.0.0.1:{port}"),
        client_id: crate::helpers::oidc::CLIENT_ID.into(),
        client_secret: crate::helpers::oidc::CLIENT_SECRET.into(),
    };
    let smtp = SmtpServer::start().await;
    let app = app_with(&provider, &smtp, |_| {}).await;
    let b = Browser::new(&app);
    assert_eq!(b.get("/healthz").await.status(), StatusCode::OK);
    let login = b.get("/login").await;
    assert_eq!(login.status(), StatusCode::OK);
    assert!(login.text().await.unwrap().contains(&format!("Continue with {LABEL}")));
    let res = b.start(NAME, &[]).await;
    assert!(!res.status().is_server_error(), "start with the provider down: {}", res.status());
    assert_eq!(app.user_count().await, 0);

    let email = unique_email();
    let id = unique_id("late");
    let op = OidcProvider::start_on(port, &[Account::new(&id, &email, Some(true))]).await;
    assert_eq!(op.port(), port);
    assert_eq!(op.issuer(), provider.issuer);
    op.register_redirect(&redirect_uri(&app, NAME)).await;
    let w = World { app, op, smtp };
    let b = Browser::new(&w.app);
    let (before, res) = flow(&w, &b, &id, &[]).await;
    assert_signed_in(&w, &b, before, res, &email, "/profile").await;
}

// ---------------------------------------------------------------- linking while signed in, unlinking

/// Case 2: signed in (recently) and started from `/security`: the identity
/// is linked to that account, whatever address the provider gives; an
/// identity linked to another account is refused in words.
#[tokio::test]
async fn linking_from_security_links_the_signed_in_account() {
    require!(Service::OidcProvider);
    let op_email = unique_email();
    let id = unique_id("case2");
    let w = world(&[Account::new(&id, &op_email, Some(true))]).await;
    let email = unique_email();
    let b = Browser::new(&w.app);
    sign_up_in(&b, &email).await;
    let res = link_from_security(&w, &b, &id).await;
    assert!(!res.status().is_server_error(), "callback: {}", res.status());
    b.landing(&res);
    let (status, me) = b.me().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], email.as_str(), "the link signed another account in");
    let (status, list) = identities(&b).await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["provider"], NAME);
    assert_eq!(list[0]["email"], op_email.as_str());
    assert!(event_types(&b).await.contains(&"identity_linked".to_owned()));
    assert_eq!(w.app.user_count().await, 1, "an account was made for the provider's address");
    let notices = other_mail_to(&w.smtp, &email, 1).await;
    assert_eq!(notices.len(), 1, "no notice of the link: {notices:?}");

    // `/security` now offers "Unlink" for it, and no more "Link".
    let html = b.get("/security").await.text().await.unwrap();
    assert!(html.contains("action=\"/api/identity_unlink\""), "{html}");
    assert!(!html.contains(&format!("action=\"/auth/{NAME}/start\"")), "{html}");

    // From now on the identity signs into that account.
    let fresh = Browser::new(&w.app);
    let (before, res) = flow(&w, &fresh, &id, &[]).await;
    assert_signed_in(&w, &fresh, before, res, &email, "/profile").await;

    // Another account can't take it.
    let other_email = unique_email();
    let other = Browser::new(&w.app);
    sign_up_in(&other, &other_email).await;
    let res = link_from_security(&w, &other, &id).await;
    assert!(!res.status().is_server_error(), "callback: {}", res.status());
    let landing = other.landing(&res);
    let page = other.get(&landing).await.text().await.unwrap();
    assert!(message_on(&page).is_some(), "the refusal is not said: {page}");
    let (status, list) = identities(&other).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list, serde_json::json!([]));
    let (status, list) = identities(&fresh).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(w.app.user_count().await, 2);
}

/// Linking and unlinking are sensitive changes: outside the recent-
/// authentication window the start sends the browser to re-authenticate,
/// a flow that outlived the window at the provider links nothing at its
/// callback, and `identity_unlink` is 403 `reauth_required`.
#[tokio::test]
async fn linking_and_unlinking_need_a_recent_authentication() {
    require!(Service::OidcProvider);
    let id = unique_id("recent");
    let w = world_with(&[Account::new(&id, &unique_email(), Some(true))], |c| c.lifetimes.reauth_window = 2).await;
    let b = Browser::new(&w.app);
    sign_up_in(&b, &unique_email()).await;
    let link = [("link", "1"), ("next", "/security")];
    let to_reauth = "/reauthenticate?next=%2Fsecurity";

    // Started in time, finished after the window: nothing linked.
    let res = b.form_post(&format!("/auth/{NAME}/start"), &link, "/security").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let auth = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let callback = w.op.sign_in(&b.op, &auth, &id).await;
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let res = b.get(&callback).await;
    assert_eq!(b.landing(&res), to_reauth);
    assert_eq!(identities(&b).await.1, serde_json::json!([]));

    // Started outside the window: to `/reauthenticate`, not the provider.
    let res = b.form_post(&format!("/auth/{NAME}/start"), &link, "/security").await;
    assert_eq!(b.landing(&res), to_reauth);

    // Re-authenticated, it links.
    assert_eq!(b.api_post("/api/reauthenticate", &[("password", PASSWORD)]).await.status(), StatusCode::OK);
    let res = link_from_security(&w, &b, &id).await;
    assert_eq!(b.landing(&res), "/security");
    assert_eq!(identities(&b).await.1.as_array().unwrap().len(), 1);

    // Unlinking outside the window: refused, nothing changed.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let res = b.api_post("/api/identity_unlink", &[("provider", NAME)]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "reauth_required");
    assert_eq!(identities(&b).await.1.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn identities_are_listed_and_unlinked_but_never_the_last_way_in() {
    require!(Service::OidcProvider);
    let only_email = unique_email();
    let only = unique_id("only");
    let both_email = unique_email();
    let both = unique_id("both");
    let w = world(&[
        Account::new(&only, &only_email, Some(true)),
        Account::new(&both, &both_email, Some(true)),
    ])
    .await;
    let anon = Browser::new(&w.app);
    assert_eq!(identities(&anon).await.0, StatusCode::UNAUTHORIZED);
    let res = anon.api_post("/api/identity_unlink", &[("provider", NAME)]).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // An account made by the provider: no password, no passkey, nothing
    // else to sign in with.
    let b = Browser::new(&w.app);
    let (before, res) = flow(&w, &b, &only, &[]).await;
    assert_signed_in(&w, &b, before, res, &only_email, "/profile").await;
    let (status, list) = identities(&b).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["provider"], NAME);
    assert_eq!(list[0]["email"], only_email.as_str());
    assert!(!list[0]["linked_at"].is_null(), "{list}");
    let res = b.api_post("/api/identity_unlink", &[("provider", NAME)]).await;
    let status = res.status();
    assert_eq!(status, StatusCode::CONFLICT, "{}", res.text().await.unwrap());
    assert_eq!(identities(&b).await.1.as_array().unwrap().len(), 1);

    // An account with a password, linked by its confirmed address.
    confirmed_account(&w, &both_email).await;
    let b = Browser::new(&w.app);
    let (before, res) = flow(&w, &b, &both, &[]).await;
    assert_signed_in(&w, &b, before, res, &both_email, "/profile").await;
    let res = b.api_post("/api/identity_unlink", &[("provider", NAME)]).await;
    let status = res.status();
    assert_eq!(status, StatusCode::OK, "{}", res.text().await.unwrap());
    assert_eq!(identities(&b).await, (StatusCode::OK, serde_json::json!([])));
    assert_eq!(event_types(&b).await.first().map(String::as_str), Some("identity_unlinked"));
    let res = b.api_post("/api/identity_unlink", &[("provider", NAME)]).await;
    let status = res.status();
    assert_eq!(status, StatusCode::NOT_FOUND, "{}", res.text().await.unwrap());
    // A notice of the link, then one of the unlink.
    let notices = other_mail_to(&w.smtp, &both_email, 2).await;
    assert_eq!(notices.len(), 2, "{notices:?}");
}

/// Starts count against `RATE_LIMIT_PER_IP`.
#[tokio::test]
async fn starts_count_against_the_per_ip_limit() {
    require!(Service::OidcProvider);
    let w = world_with(&[], |c| c.login_limits.per_ip_per_minute = 3).await;
    let b = Browser::new(&w.app);
    for n in 0..3 {
        let res = b.start(NAME, &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "start {n}");
    }
    let res = b.start(NAME, &[]).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key(header::RETRY_AFTER));
}

/// An account without a password re-authenticates through its provider:
/// `reauth=1` asks the provider for a fresh login (`prompt=login`,
/// `max_age=0`), and an ID token whose `auth_time` is old does not count.
#[tokio::test]
async fn a_provider_account_reauthenticates_through_its_provider() {
    require!(Service::OidcProvider);
    let email = unique_email();
    let id = unique_id("reauth");
    let w = world_with(&[Account::new(&id, &email, Some(true))], |c| c.lifetimes.reauth_window = 2).await;
    let b = Browser::new(&w.app);
    let (before, res) = flow(&w, &b, &id, &[]).await;
    assert_signed_in(&w, &b, before, res, &email, "/profile").await;
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let res = b.api_post("/api/totp_begin", &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "reauth_required");

    // A stale auth_time is refused: still not recently authenticated.
    w.op.misbehave("stale_auth_time").await;
    let auth = b.started(NAME, &[("reauth", "1"), ("next", "/security")]).await;
    let q = query(&auth);
    assert_eq!(q["prompt"], "login", "{auth}");
    assert_eq!(q["max_age"], "0", "{auth}");
    let callback = w.op.sign_in(&b.op, &auth, &id).await;
    let res = b.get(&callback).await;
    assert!(!res.status().is_server_error(), "{}", res.status());
    b.landing(&res);
    let res = b.api_post("/api/totp_begin", &[]).await;
    assert_ne!(res.status(), StatusCode::OK, "a stale auth_time re-authenticated");

    // A fresh login at the provider starts the window again.
    w.op.misbehave("none").await;
    let auth = b.started(NAME, &[("reauth", "1"), ("next", "/security")]).await;
    let callback = w.op.sign_in(&b.op, &auth, &id).await;
    let res = b.get(&callback).await;
    assert!(!res.status().is_server_error(), "{}", res.status());
    assert_eq!(b.landing(&res), "/security");
    assert_eq!(b.me().await.1["email"], email.as_str());
    let res = b.api_post("/api/totp_begin", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
}

/// An account made by a provider has no password; it gets one through
/// `/reset-password`, and then the provider may be unlinked.
#[tokio::test]
async fn a_provider_account_gets_a_password_through_reset() {
    require!(Service::OidcProvider);
    let email = unique_email();
    let id = unique_id("no-password");
    let w = world(&[Account::new(&id, &email, Some(true))]).await;
    let b = Browser::new(&w.app);
    let (before, res) = flow(&w, &b, &id, &[]).await;
    assert_signed_in(&w, &b, before, res, &email, "/profile").await;
    // No password signs in, not even an empty one.
    for password in ["", PASSWORD] {
        let status = w.app.log_in(&email, password, None).await.status();
        assert!(status == StatusCode::UNAUTHORIZED || status == StatusCode::UNPROCESSABLE_ENTITY, "{password:?}: {status}");
    }

    let res = w.app.post("/api/request_password_reset", &[("email", &email)], None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let mail = w.smtp.wait_for(&email, "Reset your Gatehouse password").await;
    let link = mail.link(&format!("{}/reset-password/", b.base)).expect("a reset link");
    let token = link.rsplit('/').next().unwrap();
    let res = w
        .app
        .post("/api/reset_password", &[("token", token), ("new_password", PASSWORD)], None)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = w.app.log_in(&email, PASSWORD, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = session_cookie(&res).unwrap();
    let res = w.app.post("/api/identity_unlink", &[("provider", NAME)], Some(&cookie)).await;
    let status = res.status();
    assert_eq!(status, StatusCode::OK, "{}", res.text().await.unwrap());
    let list: Value = w.app.get("/api/identities", Some(&cookie)).await.json().await.unwrap();
    assert_eq!(list, serde_json::json!([]));
}

/// An account without a password makes its sensitive changes on its recent
/// authentication alone (two-step verification, here), but a password
/// change still needs the current password it doesn't have.
#[tokio::test]
async fn a_provider_account_needs_no_password_for_sensitive_changes_but_has_none_to_change() {
    require!(Service::OidcProvider);
    let email = unique_email();
    let id = unique_id("sensitive");
    let w = world(&[Account::new(&id, &email, Some(true))]).await;
    let b = Browser::new(&w.app);
    let (before, res) = flow(&w, &b, &id, &[]).await;
    assert_signed_in(&w, &b, before, res, &email, "/profile").await;
    let cookie = b.session().expect("signed in");

    let begun: Value = w.app.post("/api/totp_begin", &[], Some(&cookie)).await.json().await.unwrap();
    let secret = begun["secret"].as_str().expect("a secret").to_owned();
    early_in_a_step().await;
    let code = app_code(&secret, 0);
    let res = w.app.post("/api/totp_enable", &[("code", &code), ("password", "")], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    let (status, me) = b.me().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["two_factor"], true);

    for current in ["", PASSWORD] {
        let res = w
            .app
            .post("/api/change_password", &[("current_password", current), ("new_password", "a brand new passphrase")], Some(&cookie))
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{current:?}");
    }
}

/// Locks the account with `email`, as an administrator does.
async fn lock(w: &World, email: &str) {
    let (_, admin, _) = crate::admin::administrator(&w.app).await;
    let user = crate::admin::user_id(&w.app, email).await.to_string();
    let res = w.app.post("/api/admin/lock", &[("id", &user), ("reason", "provider test")], Some(&admin)).await;
    assert_eq!(res.status(), StatusCode::OK);
}

/// A locked account: its provider signs it in no more (back on `/login`,
/// saying so in words), and its provider session ended with the lock.
#[tokio::test]
async fn a_locked_account_is_refused_by_its_provider_too() {
    require!(Service::OidcProvider);
    let email = unique_email();
    let id = unique_id("locked");
    let w = world(&[Account::new(&id, &email, Some(true))]).await;
    let first = Browser::new(&w.app);
    let (before, res) = flow(&w, &first, &id, &[]).await;
    assert_signed_in(&w, &first, before, res, &email, "/profile").await;
    lock(&w, &email).await;
    assert_eq!(first.me().await.0, StatusCode::UNAUTHORIZED);
    let second = Browser::new(&w.app);
    let (_, res) = flow(&w, &second, &id, &[]).await;
    let said = assert_refused(&second, res).await;
    assert!(said.contains("locked"), "{said}");
}

/// A locked account takes no new way in: a provider identity with its
/// confirmed address, verified, is refused as locked, and nothing is
/// linked, logged or mailed as linked.
#[tokio::test]
async fn a_locked_account_gets_no_provider_linked_by_its_address() {
    require!(Service::OidcProvider);
    let email = unique_email();
    let id = unique_id("locked-link");
    let w = world(&[Account::new(&id, &email, Some(true))]).await;
    confirmed_account(&w, &email).await;
    lock(&w, &email).await;
    let b = Browser::new(&w.app);
    let (_, res) = flow(&w, &b, &id, &[]).await;
    let said = assert_refused(&b, res).await;
    assert!(said.contains("locked"), "{said}");
    assert_eq!(w.app.scalar("SELECT COUNT(*) FROM identities").await, 0);
    assert_eq!(w.app.scalar("SELECT COUNT(*) FROM security_events WHERE kind = 'identity_linked'").await, 0);
}
