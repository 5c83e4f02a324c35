//! HTTP middleware around the app: status codes for API errors, the
//! protected-page redirect, the session's idle timeout, the CSRF check and
//! the security headers.

use app::domain::{Flash, Language};
use app::error::ApiError;
use app::ssr::{
    flash::{self, FormState},
    session::{Lifetimes, RequestAuth},
    AppState,
};
use std::sync::Arc;
use tower_cookies::Cookies;
use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::{header, HeaderName, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::Session;

/// Server functions answer every error with 500; the error's own `code`
/// says what it really is (401, 409, 422…), so put that on the wire.
///
/// A form post (the browser asks for HTML) is answered with a redirect back
/// to its page, and server_fn would put the error in that URL (`?__err=`),
/// email and all, where it lands in history and access logs. It goes in a
/// signed, short-lived cookie instead (`app::ssr::flash`), for the page to
/// show beside its field.
pub async fn api_status(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    if !is_api {
        return next.run(req).await;
    }
    let form = accepts_html(req.headers().get(header::ACCEPT))
        .then(|| (req.uri().path().to_owned(), req.extensions().get::<Cookies>().cloned()));
    let mut res = next.run(req).await;
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some((path, Some(jar))) = form {
        let Some(location) = res.headers().get(header::LOCATION).and_then(|l| l.to_str().ok()) else {
            return res;
        };
        let clean = without_error_info(location);
        let (mut parts, body) = res.into_parts();
        let bytes = to_bytes(body, crate::MAX_BODY_BYTES).await.unwrap_or_default();
        // An error, whether server_fn put it in the URL or the function
        // chose where to send the browser back to (the reset page).
        if let Ok(error) = serde_json::from_slice::<ApiError>(&bytes) {
            let form = FormState { path, error };
            flash::keep_form(&jar, &state.cookie_key, &form, state.secure_cookies);
        }
        if let Some(clean) = clean.and_then(|c| HeaderValue::from_str(&c).ok()) {
            parts.headers.insert(header::LOCATION, clean);
        }
        return Response::from_parts(parts, Body::empty());
    }
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = to_bytes(body, crate::MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<ApiError>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.code.status()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        if let Some(secs) = err.retry_after {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// A redirect target without the error server_fn added to it (`__err`,
/// `__path`); `None` when it carries none.
fn without_error_info(location: &str) -> Option<String> {
    let (base, query) = location.split_once('?')?;
    // server_fn leaves a bare `?` where it took its own keys out.
    if query.is_empty() {
        return Some(base.to_owned());
    }
    let is_error_info = |key: &str| key == "__err" || key == "__path";
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    if !pairs.iter().any(|(key, _)| is_error_info(key)) {
        return None;
    }
    let kept: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(key, _)| !is_error_info(key)))
        .finish();
    Some(if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{kept}")
    })
}

fn accepts_html(accept: Option<&HeaderValue>) -> bool {
    accept
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

/// Caching: the release build's assets have their content's hash in their
/// names (`gatehouse.<hash>.wasm`), so a browser may keep them for good;
/// unhashed ones (development) are revalidated each time. Pages are never
/// stored: they are rendered for the one request, signed in or not, and
/// may carry a message meant to be shown once.
pub async fn cache_control(
    axum::extract::State(hashed): axum::extract::State<bool>,
    req: Request,
    next: Next,
) -> Response {
    let asset = req.uri().path().starts_with("/pkg/");
    let mut res = next.run(req).await;
    let value = if asset {
        if !res.status().is_success() {
            return res;
        }
        if hashed {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        }
    } else {
        let page = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
        if !page {
            return res;
        }
        "no-store"
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    res
}

/// Reads the request body up front, so a body sent in chunks past the limit
/// gets 413 just like one that declared its length (tower-http's
/// `RequestBodyLimitLayer` answers those before anything is read). Server
/// functions read whole bodies anyway, so buffering costs nothing extra.
///
/// The whole body must arrive within what is left of `deadline`
/// (`request_read_timeout`, counted for a connection's first request from
/// when it was accepted: headers and body together) or the answer is 408
/// and the connection is closed: a client trickling
/// a byte now and then holds nothing for long. One deadline for the whole
/// body, not one per read, which such a client would keep resetting.
pub async fn buffer_body(
    axum::extract::State(deadline): axum::extract::State<std::time::Duration>,
    req: Request,
    next: Next,
) -> Response {
    // What is left of the request's deadline (headers and body together),
    // or all of it where no accept loop set the clock.
    let left = match req.extensions().get::<crate::serve::RequestBegan>() {
        Some(began) => deadline.saturating_sub(began.0.elapsed()),
        None => deadline,
    };
    let (parts, body) = req.into_parts();
    let read = tokio::time::timeout(left, to_bytes(body, crate::MAX_BODY_BYTES)).await;
    match read {
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(_) => {
            tracing::info!(path = %parts.uri.path(), "a request body did not arrive in time");
            // The rest of the body may still come: close rather than read
            // it as the next request.
            (
                StatusCode::REQUEST_TIMEOUT,
                [(header::CONNECTION, HeaderValue::from_static("close"))],
            )
                .into_response()
        }
        Ok(Err(err)) => {
            // The limit error may sit a few layers down the error chain.
            let inner = err.into_inner();
            let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(inner.as_ref());
            let mut too_large = false;
            while let Some(err) = cause {
                too_large |= err.is::<http_body_util::LengthLimitError>();
                cause = err.source();
            }
            if too_large {
                StatusCode::PAYLOAD_TOO_LARGE.into_response()
            } else {
                // The client went away or sent a broken body.
                StatusCode::BAD_REQUEST.into_response()
            }
        }
    }
}

/// What the access layer needs besides the table itself.
#[derive(Clone)]
pub struct AccessRules {
    pub production: bool,
    pub lifetimes: Lifetimes,
    /// Whether a session's account is an administrator is read here, on
    /// each administrator request.
    pub users: app::ssr::users::Users,
}

/// Holds every request to the access table ([`app::access`]), before the
/// page or call runs:
/// - a signed-out page load of a signed-in page goes to
///   `/login?next=<the page>` (saying so when the browser's session has
///   ended: expired, revoked);
/// - a signed-out call that needs a session gets 401 (a form posted
///   without JavaScript goes to `/login?next=<the page it came from>`);
/// - a sensitive call outside the recent-authentication window gets 403
///   `reauth_required` and changes nothing; a form posted without
///   JavaScript goes to `/reauthenticate?next=<the page it came from>`;
/// - an `/api/` path the table doesn't name is a 404;
/// - an administrator's page or call, for anyone else (signed out
///   included): a call gets 403, a page goes on without an
///   [`app::ssr::admin::AdminViewer`]
///   and renders the app's 404, as for a path that does not exist. Only
///   then is recent authentication asked for.
///
/// Signed-in pages and answers are never stored by a cache.
pub async fn access(
    axum::extract::State(rules): axum::extract::State<AccessRules>,
    req: Request,
    next: Next,
) -> Response {
    use app::access::Access;
    let path = req.uri().path();
    let is_call = path.starts_with("/api/");
    let Some(needs) = app::access::of(path) else {
        if is_call {
            return error_response(req.headers().get(header::ACCEPT), ApiError::no_such_call());
        }
        return next.run(req).await;
    };
    if needs == Access::Public {
        return next.run(req).await;
    }
    let auth = match req.extensions().get::<RequestAuth>() {
        Some(RequestAuth(Some(auth))) => Some(auth),
        _ => None,
    };
    let form_post = accepts_html(req.headers().get(header::ACCEPT));
    let user_id = auth.map(|auth| auth.user_id);
    let mut req = req;
    if needs == Access::Admin {
        let admin = match user_id {
            Some(id) => match rules.users.is_admin(id).await {
                Ok(admin) => admin,
                Err(err) => return error_response(req.headers().get(header::ACCEPT), err),
            },
            None => false,
        };
        if !admin {
            let mut res = if is_call {
                error_response(req.headers().get(header::ACCEPT), ApiError::not_admin())
            } else {
                next.run(req).await
            };
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            return res;
        }
        if let Some(id) = user_id {
            req.extensions_mut().insert(app::ssr::admin::AdminViewer(id));
        }
    }
    let auth = match req.extensions().get::<RequestAuth>() {
        Some(RequestAuth(Some(auth))) => Some(auth),
        _ => None,
    };
    let refusal = match auth {
        // A page load, or a form posted without JavaScript: to the login
        // page, which comes back here (or to the page the form was on).
        None if !is_call || form_post => {
            let back = if is_call { came_from(req.headers(), "/profile") } else { req.uri().path().to_owned() };
            let next: String = form_urlencoded::byte_serialize(back.as_bytes()).collect();
            let res = Redirect::to(&format!("/login?next={next}")).into_response();
            if req.extensions().get::<SessionEnded>().is_some() {
                app::ssr::flash::leave_on(req.extensions(), Flash::SessionExpired, rules.production);
            }
            Some(res)
        }
        None => Some(error_response(req.headers().get(header::ACCEPT), ApiError::unauthorized())),
        Some(auth) if needs.needs_recent() && !rules.lifetimes.is_recent(auth, app::ssr::session::now()) => {
            Some(if form_post || !is_call {
                let back = if is_call { came_from(req.headers(), "/security") } else { req.uri().path().to_owned() };
                let next: String = form_urlencoded::byte_serialize(back.as_bytes()).collect();
                app::ssr::flash::leave_on(req.extensions(), Flash::ReauthRequired, rules.production);
                Redirect::to(&format!("/reauthenticate?next={next}")).into_response()
            } else {
                error_response(req.headers().get(header::ACCEPT), ApiError::reauth_required())
            })
        }
        Some(_) => None,
    };
    let mut res = match refusal {
        Some(res) => res,
        None => next.run(req).await,
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The local page a form was posted from (its `Referer`, when it is this
/// site's), to come back to after logging in or re-authenticating;
/// `fallback` else.
fn came_from(headers: &axum::http::HeaderMap, fallback: &str) -> String {
    let referer = headers.get(header::REFERER).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    referer
        .and_then(|r| {
            let rest = r.strip_prefix("https://").or_else(|| r.strip_prefix("http://"))?;
            let (authority, path) = rest.split_at(rest.find('/')?);
            (Some(authority) == host).then_some(path)
        })
        .and_then(app::domain::NextPath::parse)
        .map_or_else(|| fallback.to_owned(), |p| p.as_str().to_owned())
}

/// Left on a request whose cookie named a session this server issued (the
/// signature holds) that has ended: expired, revoked, logged out elsewhere.
#[derive(Clone, Copy, Debug)]
pub struct SessionEnded;

/// Slides the session's idle timeout before the handler runs (the store
/// itself refuses sessions past their deadline), and leaves who is signed
/// in with the request. Static files skip it.
pub async fn session_guard(
    axum::extract::State(lifetimes): axum::extract::State<Lifetimes>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    if !req.uri().path().starts_with("/pkg/") {
        // Before loading: the id a correctly signed cookie carried, if any.
        let presented = session.id().is_some();
        match app::ssr::session::touch(&session, &lifetimes).await {
            Ok(auth) => {
                if presented && auth.is_none() {
                    req.extensions_mut().insert(SessionEnded);
                }
                if let Some(auth) = &auth {
                    req.extensions_mut()
                        .insert(app::ssr::users::AccountOnRequest::new(auth.user_id));
                }
                req.extensions_mut().insert(RequestAuth(auth));
            }
            Err(err) => return error_response(req.headers().get(header::ACCEPT), err),
        }
    }
    next.run(req).await
}

/// The language a browser asks for by itself: its `lang` cookie (a choice
/// made here) and its `Accept-Language`.
fn asked_language(headers: &axum::http::HeaderMap) -> (Option<Language>, Option<&str>) {
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == Language::COOKIE)
        .and_then(|(_, value)| Language::from_code(value.trim()));
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    (cookie, accept)
}

/// Answers the request in `language`: [`Language::current`] for what the
/// calls write, the request's extensions for the pages.
async fn answer_in(language: Language, mut req: Request, next: Next) -> Response {
    req.extensions_mut().insert(language);
    let mut res = app::ssr::language::scope(language, next.run(req)).await;
    // The same address answers in different languages (said once, though
    // the language is chosen twice).
    let said = res.headers().get_all(header::VARY).iter().any(|v| v == "Accept-Language");
    if !said {
        res.headers_mut().append(header::VARY, HeaderValue::from_static("Accept-Language"));
    }
    res
}

/// Outermost: the language from the headers alone, for the errors given
/// before the session is read (a cross-site post, a 503).
pub async fn browser_language(req: Request, next: Next) -> Response {
    let (cookie, accept) = asked_language(req.headers());
    let language = Language::negotiate(cookie.map(Language::code), None, accept);
    answer_in(language, req, next).await
}

/// Inside the session guard, the request's language once and for all: the
/// `lang` cookie, the signed-in account's language, `Accept-Language`,
/// English. The account's is read from the account (one indexed read), not
/// from the session, so a choice made in another browser counts at once;
/// only when this browser made no choice of its own.
pub async fn language(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let (cookie, accept) = asked_language(req.headers());
    let account = match (cookie, req.extensions().get::<RequestAuth>()) {
        (None, Some(RequestAuth(Some(auth)))) => {
            // Read once for the whole request: /api/me and the profile
            // page want the same row.
            let flags = match req.extensions().get::<app::ssr::users::AccountOnRequest>() {
                Some(account) => account.flags(&state.users).await,
                None => state.users.flags(auth.user_id).await,
            };
            flags.ok().flatten().map(|f| f.language).or(auth.language)
        }
        _ => None,
    };
    let language = Language::negotiate(cookie.map(Language::code), account, accept);
    answer_in(language, req, next).await
}

/// An error outside a server function: JSON for scripts and the API, a
/// short page in words for a browser.
pub fn error_response(accept: Option<&HeaderValue>, err: ApiError) -> Response {
    let status = StatusCode::from_u16(err.code.status()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut res = if accepts_html(accept) {
        let language = Language::current();
        let page = format!(
            "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
             <title>Gatehouse</title></head><body><main><h1>{}</h1><p>{}</p>\
             <p><a href=\"/\">{}</a></p></main></body></html>",
            language.code(),
            ApiError::page_title(language),
            err.message,
            ApiError::page_home_link(language),
        );
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            page,
        )
            .into_response()
    } else {
        (status, axum::Json(err)).into_response()
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The reverse proxies in front (`TRUSTED_PROXIES`).
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub Arc<Vec<ipnet::IpNet>>);

impl TrustedProxies {
    fn trusts(&self, ip: &std::net::IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// The client's address: the TCP peer, unless the peer is a trusted
    /// proxy; then the right-most `X-Forwarded-For` address that is not
    /// itself trusted (the left-most when all are). Each proxy appends the
    /// address it received from, so only the part of the list written by
    /// trusted proxies can be believed: what a client wrote itself sits
    /// further left and is never reached.
    ///
    /// Always canonical: an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, what
    /// a dual-stack socket reports for an IPv4 peer) is its IPv4 address,
    /// so one client is one key for the throttle and one entry in the logs.
    pub fn client_ip(&self, peer: std::net::IpAddr, headers: &axum::http::HeaderMap) -> std::net::IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(&peer) {
            return peer;
        }
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for entry in forwarded.iter().rev() {
            // Something that is no address ends the walk: the hop to its
            // right (a trusted proxy) is as far as anything can be believed.
            let Some(ip) = forwarded_ip(entry) else {
                break;
            };
            client = ip;
            if !self.trusts(&ip) {
                break;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry as proxies write it: a bare address
/// (`198.51.100.7`, `2001:db8::1`), with a port (`198.51.100.7:4711`,
/// `[2001:db8::1]:4711`) or in brackets (`[2001:db8::1]`); canonical (see
/// [`TrustedProxies::client_ip`]). `None` for anything else (`unknown`, a
/// name, an obfuscated identifier).
fn forwarded_ip(entry: &str) -> Option<std::net::IpAddr> {
    use std::net::{IpAddr, Ipv6Addr, SocketAddr};
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|addr| addr.ip()))
        .or_else(|| {
            let inner = entry.strip_prefix('[')?.strip_suffix(']')?;
            inner.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
        })
        .map(|ip| ip.to_canonical())
}

/// Works out the client's address once per request ([`TrustedProxies::client_ip`])
/// and leaves it in the request for the throttle, the sessions page and the
/// security log. (Nothing here needs `X-Forwarded-Proto`: links are built
/// from `APP_BASE_URL`, and production cookies are always `Secure`.)
pub async fn client_address(
    axum::extract::State(proxies): axum::extract::State<TrustedProxies>,
    mut req: Request,
    next: Next,
) -> Response {
    use axum::extract::ConnectInfo;
    let peer = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        // Canonical before anything looks at it: a dual-stack listener
        // reports IPv4 peers as `::ffff:a.b.c.d`.
        .map(|ConnectInfo(addr)| addr.ip().to_canonical());
    if let Some(peer) = peer {
        let ip = proxies.client_ip(peer, req.headers());
        req.extensions_mut().insert(app::ssr::ClientIp(ip));
    }
    next.run(req).await
}

/// The public origin's `host[:port]` (`APP_BASE_URL`): a proxy may hand
/// the app another `Host`, and a form from the public origin must pass.
#[derive(Clone, Debug)]
pub struct TrustedOrigin(Option<Arc<str>>);

impl TrustedOrigin {
    pub fn from_base_url(base_url: &str) -> Self {
        Self(authority(base_url).map(Arc::from))
    }
}

/// CSRF defence for every state-changing request: refuse it when the
/// browser says it came from another site. `Sec-Fetch-Site: cross-site`,
/// or an `Origin` (or, lacking one, a `Referer`) whose host is neither this
/// one nor `APP_BASE_URL`'s, gets 403 before anything runs. `Origin: null`
/// (what a browser sends from a `no-referrer` page, like the reset page)
/// passes only when the browser also says `Sec-Fetch-Site: same-origin`.
/// Requests that carry none of these (scripts, curl) are not from a
/// browser page and pass; the session cookie's `SameSite=Lax` covers old
/// browsers.
pub async fn csrf(
    axum::extract::State(trusted): axum::extract::State<TrustedOrigin>,
    req: Request,
    next: Next,
) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    if is_cross_site(req.headers(), trusted.0.as_deref()) {
        tracing::warn!(path = %req.uri().path(), "refused a cross-site request");
        return error_response(req.headers().get(header::ACCEPT), ApiError::cross_site());
    }
    next.run(req).await
}

fn is_cross_site(headers: &axum::http::HeaderMap, trusted: Option<&str>) -> bool {
    let text = |name| headers.get(name).map(|v| v.to_str().unwrap_or("\u{0}"));
    let fetch_site = text(HeaderName::from_static("sec-fetch-site"));
    if fetch_site == Some("cross-site") {
        return true;
    }
    let origin = text(header::ORIGIN);
    if origin == Some("null") {
        return fetch_site != Some("same-origin");
    }
    let Some(host) = text(header::HOST) else {
        // HTTP/1.1 always sends Host; without it only the public origin
        // can be compared.
        let source = origin.or_else(|| text(header::REFERER));
        return source.is_some_and(|s| authority(s).is_none_or(|a| Some(a) != trusted));
    };
    let source = origin.or_else(|| text(header::REFERER));
    match source {
        None => false,
        Some(source) => authority(source).is_none_or(|a| {
            !a.eq_ignore_ascii_case(host) && !trusted.is_some_and(|t| a.eq_ignore_ascii_case(t))
        }),
    }
}

/// `Referrer-Policy`: `same-origin` keeps the full Referer on our own form
/// posts (a form posted without JavaScript is redirected back to it) and
/// sends nothing to other sites; the pages whose address holds a mailed
/// link's token send no Referer at all, not even to this site.
pub async fn referrer_policy(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let secret_in_url = path.starts_with("/reset-password/") || path.starts_with("/confirm-email/");
    let mut res = next.run(req).await;
    let policy = if secret_in_url { "no-referrer" } else { "same-origin" };
    res.headers_mut()
        .insert(header::REFERRER_POLICY, HeaderValue::from_static(policy));
    res
}

/// `host[:port]` of an absolute http(s) URL; `None` for `null` or anything
/// else that names no host.
fn authority(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    // Credentials in a Referer would be odd; refuse rather than parse them.
    (!authority.is_empty() && !authority.contains('@')).then_some(authority)
}

/// A fresh nonce per response, for the Content-Security-Policy and the
/// `<script>` tags Leptos renders (see `lib.rs`, which hands it to Leptos).
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// Per-response headers: the CSP with its nonce. The fixed headers
/// (nosniff, Referrer-Policy, HSTS…) are set by tower-http in `lib.rs`.
pub async fn content_security_policy(
    axum::extract::State(csp): axum::extract::State<Csp>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce = {
        use base64::Engine as _;
        use rand::RngCore as _;
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        base64::engine::general_purpose::STANDARD.encode(bytes)
    };
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut res = next.run(req).await;
    if let Ok(value) = HeaderValue::from_str(&csp.header(&nonce)) {
        res.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    res
}

#[derive(Clone, Debug)]
pub struct Csp {
    /// `cargo leptos watch` reloads the page over a WebSocket on another port.
    pub live_reload: bool,
    /// The configured providers: a provider button's form post is
    /// answered with a 303 to the provider, and Chromium holds that
    /// redirect to `form-action` too.
    pub providers: Arc<app::ssr::oidc::Providers>,
}

impl Csp {
    pub fn header(&self, nonce: &str) -> String {
        // 'wasm-unsafe-eval' lets the page compile its own WASM bundle; it
        // does not allow JavaScript eval.
        let connect = if self.live_reload {
            "'self' ws: wss:"
        } else {
            "'self'"
        };
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src {connect}; \
             object-src 'none'; base-uri 'none'; form-action 'self'{}; frame-ancestors 'none'",
            self.providers.form_action_sources()
        )
    }
}

/// Pages go out compressed to browsers that accept it (brotli or gzip, at
/// a quick level: a page is rendered for its one request). A page is
/// about 16 kB, half of it the islands' loader and router inlined in the
/// head, and compresses to about a third. Assets are compressed once, at
/// build time (`--precompress`), and JSON answers are small.
pub fn compress_pages() -> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::{predicate::Predicate as _, CompressionLayer, CompressionLevel, DefaultPredicate};
    let pages = |_: axum::http::StatusCode, _: axum::http::Version, headers: &axum::http::HeaderMap, _: &axum::http::Extensions| {
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"))
    };
    CompressionLayer::new()
        .quality(CompressionLevel::Precise(4))
        .compress_when(DefaultPredicate::new().and(pages))
}

/// Anything that still comes out as a bare 500 (tower-sessions answers one
/// when the store fails while saving) becomes a 503 with words: the store
/// or database is what failed.
pub async fn no_500(req: Request, next: Next) -> Response {
    let accept = req.headers().get(header::ACCEPT).cloned();
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    tracing::error!("answering 503 instead of an internal error");
    error_response(accept.as_ref(), ApiError::unavailable())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn is_cross_site(headers: &HeaderMap) -> bool {
        super::is_cross_site(headers, Some("public.test"))
    }

    fn ip(text: &str) -> std::net::IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_forwarded_address() {
        let proxies = TrustedProxies(Arc::new(crate::config::parse_trusted_proxies("10.0.0.0/8, 127.0.0.1").unwrap()));
        let xff = |v: &str| headers(&[("x-forwarded-for", v)]);
        // A client's own header is ignored from an untrusted peer.
        assert_eq!(proxies.client_ip(ip("203.0.113.9"), &xff("1.2.3.4")), ip("203.0.113.9"));
        // Through one proxy.
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), &xff("198.51.100.7")), ip("198.51.100.7"));
        // A forged entry on the left is never reached.
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), &xff("6.6.6.6, 198.51.100.7")), ip("198.51.100.7"));
        // Two proxies.
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), &xff("198.51.100.7, 10.1.1.1")), ip("198.51.100.7"));
        // All trusted: the left-most.
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), &xff("10.2.2.2, 10.1.1.1")), ip("10.2.2.2"));
        // No header, or garbage: the peer, or the last believable hop.
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), &HeaderMap::new()), ip("127.0.0.1"));
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), &xff("junk, 10.1.1.1")), ip("10.1.1.1"));
    }

    #[test]
    fn forwarded_entries_may_carry_ports_and_brackets() {
        let proxies = TrustedProxies(Arc::new(crate::config::parse_trusted_proxies("127.0.0.1, 10.0.0.0/8").unwrap()));
        let xff = |v: &str| headers(&[("x-forwarded-for", v)]);
        let from_proxy = |v: &str| proxies.client_ip(ip("127.0.0.1"), &xff(v));
        for (entry, client) in [
            ("198.51.100.7", "198.51.100.7"),
            ("198.51.100.7:4711", "198.51.100.7"),
            ("2001:db8::1", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("[2001:db8::1]:4711", "2001:db8::1"),
            // IPv4-mapped: the IPv4 address, bare, bracketed or with a port.
            ("::ffff:198.51.100.7", "198.51.100.7"),
            ("[::ffff:198.51.100.7]", "198.51.100.7"),
            ("[::ffff:198.51.100.7]:4711", "198.51.100.7"),
        ] {
            let got = from_proxy(&format!("6.6.6.6, {entry}"));
            assert_eq!(got, ip(client), "{entry}");
            assert!(got == got.to_canonical(), "{entry}");
        }
        // A trusted proxy written with a port or mapped is still trusted
        // and skipped.
        assert_eq!(from_proxy("198.51.100.7, 10.1.1.1:80"), ip("198.51.100.7"));
        assert_eq!(from_proxy("198.51.100.7, [::ffff:10.1.1.1]:80"), ip("198.51.100.7"));
        // Not addresses: the walk stops at the last believable hop.
        for junk in ["[198.51.100.7]", "198.51.100.7:99999", "[2001:db8::1", "2001:db8::1]:80", "unknown", "[::1]x"] {
            assert_eq!(from_proxy(&format!("{junk}, 10.1.1.1")), ip("10.1.1.1"), "{junk}");
        }
    }

    #[test]
    fn an_ipv4_mapped_peer_is_its_ipv4_address() {
        let proxies = TrustedProxies(Arc::new(crate::config::parse_trusted_proxies("127.0.0.1").unwrap()));
        // An untrusted mapped peer: its IPv4 address.
        assert_eq!(proxies.client_ip(ip("::ffff:203.0.113.9"), &HeaderMap::new()), ip("203.0.113.9"));
        // A mapped peer matches a trusted IPv4 proxy, so its header is believed.
        let xff = headers(&[("x-forwarded-for", "198.51.100.7")]);
        assert_eq!(proxies.client_ip(ip("::ffff:127.0.0.1"), &xff), ip("198.51.100.7"));
        // A proxy listed as mapped trusts the plain IPv4 peer.
        let mapped = TrustedProxies(Arc::new(crate::config::parse_trusted_proxies("::ffff:10.0.0.0/104").unwrap()));
        assert_eq!(mapped.client_ip(ip("10.9.9.9"), &xff), ip("198.51.100.7"));
        assert_eq!(mapped.client_ip(ip("::ffff:10.9.9.9"), &xff), ip("198.51.100.7"));
        assert_eq!(mapped.client_ip(ip("11.0.0.1"), &xff), ip("11.0.0.1"));
    }

    #[test]
    fn the_public_origin_and_a_same_origin_null_pass() {
        assert!(!is_cross_site(&headers(&[
            ("host", "10.0.0.5:3000"),
            ("origin", "https://public.test"),
        ])));
        assert!(!is_cross_site(&headers(&[
            ("host", "a.test"),
            ("origin", "null"),
            ("sec-fetch-site", "same-origin"),
        ])));
        for fetch_site in [None, Some("same-site"), Some("none")] {
            let mut pairs = vec![("host", "a.test"), ("origin", "null")];
            if let Some(site) = fetch_site {
                pairs.push(("sec-fetch-site", site));
            }
            assert!(is_cross_site(&headers(&pairs)), "{pairs:?}");
        }
    }

    #[test]
    fn same_origin_and_script_requests_pass() {
        assert!(!is_cross_site(&headers(&[("host", "a.test:3000")])));
        assert!(!is_cross_site(&headers(&[
            ("host", "a.test:3000"),
            ("origin", "http://a.test:3000"),
            ("sec-fetch-site", "same-origin"),
        ])));
        assert!(!is_cross_site(&headers(&[
            ("host", "a.test"),
            ("referer", "https://a.test/login?next=%2F"),
        ])));
    }

    #[test]
    fn other_sites_are_refused() {
        for pairs in [
            &[("host", "a.test"), ("origin", "https://evil.test")][..],
            &[("host", "a.test"), ("origin", "null")],
            &[("host", "a.test:3000"), ("origin", "http://a.test:4000")],
            &[("host", "a.test"), ("referer", "https://evil.test/a.test")],
            &[("host", "a.test"), ("referer", "https://a.test@evil.test/")],
            &[("host", "a.test"), ("sec-fetch-site", "cross-site")],
            // Origin wins over a same-site Referer.
            &[
                ("host", "a.test"),
                ("origin", "https://evil.test"),
                ("referer", "https://a.test/"),
            ],
        ] {
            assert!(is_cross_site(&headers(pairs)), "{pairs:?}");
        }
    }
}
