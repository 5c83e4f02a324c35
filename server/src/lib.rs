// The app's view types are deep; the release build needs the room.
#![recursion_limit = "256"]

//! The Gatehouse server: configuration, database, session layer and the
//! HTTP wiring around the Leptos app. `main.rs` only calls into this, so the
//! black-box tests can start the real thing on a random port.

pub mod cli;
pub mod config;
mod db;
mod http;
mod oidc;
mod serve;
pub mod telemetry;

use app::ssr::{
    db::Db,
    mail::{
        outbox::Outbox,
        seal::Sealer,
        smtp::Transport,
        worker::{self, Backoff},
        Mail,
    },
    passkeys::Passkeys,
    passwords::Hasher,
    two_factor::TwoFactor,
    security_log::SecurityLog,
    accounts::Accounts,
    redis_store::RedisBackend,
    session::now,
    store::{MemoryBackend, SessionBackend, Sessions, SqlBackend},
    throttle::Throttle,
    users::Users,
    AppState,
};
use axum::{
    body::Body,
    extract::{FromRef, Request},
    http::{header, HeaderValue, StatusCode},
    middleware,
    response::IntoResponse,
    routing::get,
    Json, Router,
};
use anyhow::Context as _;
use config::{AppEnv, Config, SessionStoreKind};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};
use sha2::{Digest, Sha512};
use std::{net::SocketAddr, sync::Arc, time::Duration};
use tokio::net::TcpListener;
use tower_http::{limit::RequestBodyLimitLayer, set_header::SetResponseHeaderLayer};
use tower_sessions::{
    cookie::{Key, SameSite},
    Expiry, SessionManagerLayer,
};

/// Request bodies above this get 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How often expired sessions and login counters are deleted.
const CLEANUP_EVERY: Duration = Duration::from_secs(300);

pub struct Application {
    listener: TcpListener,
    router: Router,
    sessions: Arc<dyn SessionBackend>,
    throttle: Throttle,
    accounts: Accounts,
    outbox: Outbox,
    log: SecurityLog,
    /// `METRICS_ADDR`'s listener, and the recorder it renders.
    metrics: Option<(TcpListener, metrics_exporter_prometheus::PrometheusHandle)>,
    /// `None` without `SMTP_URL`: mail stays in the development mailbox.
    transport: Option<Transport>,
    backoff: Backoff,
    /// How long a client may take to send a request's headers, and then
    /// its body (`Config::request_read_timeout`).
    request_read_timeout: Duration,
}

/// How long requests in flight may take to finish after SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How long a stopping server waits for its mail worker to finish the
/// mail it is sending (a send may take up to a minute in all; a server
/// that answers at all usually finishes well within this). A mail not
/// finished by then keeps its claim, which runs out within 30 s: another
/// instance, or this one restarted, sends it then. Should the first send
/// have reached the SMTP server after all, the mail goes twice: it is
/// never lost.
const WORKER_STOP_WAIT: Duration = Duration::from_secs(25);

impl Application {
    /// Connects and migrates the database, builds the router and binds the
    /// listener (`127.0.0.1:0` picks a free port).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let secret = config.resolve_secret()?;
        let Stores { db, sessions } = Stores::open(&config).await?;
        // Bound first: without APP_BASE_URL, development's links name the
        // port actually listened on.
        let listener = TcpListener::bind(config.leptos.site_addr).await?;
        let base_url = match &config.app_base_url {
            Some(url) => url.clone(),
            None => format!("http://localhost:{}", listener.local_addr()?.port()),
        };
        let transport = mail_transport(&config)?;
        let state = app_state(&config, secret.as_bytes(), &db, &sessions, &base_url)?;
        let (throttle, accounts, outbox, log) =
            (state.throttle.clone(), state.accounts.clone(), state.outbox.clone(), state.security_log.clone());
        // SHA-512 turns a secret of any length (>= 64 bytes) into the 64
        // bytes of key material the cookie crate wants.
        let key = Key::from(&Sha512::digest(secret.as_bytes()));
        let metrics = match config.metrics_addr {
            Some(addr) => Some((TcpListener::bind(addr).await?, telemetry::recorder()?)),
            None => None,
        };
        // Fail closed: a page or call with no entry in the access table
        // would otherwise be reachable by anyone.
        let missing = unlisted_routes();
        if !missing.is_empty() {
            anyhow::bail!("no entry in app/src/access.rs for {}", missing.join(", "));
        }
        let router = router(&config, Arc::new(state), key, db, sessions.clone(), &base_url);
        Ok(Self {
            listener,
            router,
            sessions,
            throttle,
            accounts,
            outbox,
            log,
            metrics,
            transport,
            backoff: Backoff {
                max_secs: config.mail_retry_max_secs,
            },
            request_read_timeout: config.request_read_timeout,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Where `/metrics` is served, with `METRICS_ADDR`.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|(l, _)| l.local_addr().ok())
    }

    pub async fn run(self) -> std::io::Result<()> {
        // Background tasks end with the server, also when its future is
        // dropped rather than shut down (as the tests do to a server).
        let cleanup = AbortOnDrop(Some(tokio::spawn(cleanup(
            self.sessions,
            self.throttle,
            self.accounts.clone(),
            self.outbox.clone(),
            self.log.clone(),
        ))));
        let read_timeout = self.request_read_timeout;
        let _metrics = AbortOnDrop(self.metrics.map(|(listener, handle)| {
            let outbox = self.outbox.clone();
            tokio::spawn(async move {
                // Stopped by dropping the task, with the server.
                let served = serve::serve(
                    listener,
                    telemetry::router(handle),
                    read_timeout,
                    serve::never(),
                    SHUTDOWN_GRACE,
                );
                tokio::select! {
                    _ = served => {}
                    _ = telemetry::watch_outbox(outbox) => {}
                }
            })
        }));
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let mut mail_worker = AbortOnDrop(self.transport.map(|transport| {
            tokio::spawn(worker::run(
                self.outbox,
                transport,
                self.accounts.mail().queued.clone(),
                self.backoff,
                stopped,
            ))
        }));
        // On SIGTERM (or Ctrl-C) the listener closes at once and requests in
        // flight get up to SHUTDOWN_GRACE to finish.
        let signalled = async {
            shutdown_signal().await;
            tracing::info!("shutting down: finishing the requests in flight");
        };
        let finished =
            serve::serve(self.listener, self.router, read_timeout, signalled, SHUTDOWN_GRACE).await;
        if !finished {
            tracing::warn!("requests still in flight after {SHUTDOWN_GRACE:?}; stopping anyway");
        }
        drop(cleanup);
        // A mail being sent gets WORKER_STOP_WAIT to finish; what is still
        // queued waits in the outbox for next time.
        let _ = stop.send(true);
        if let Some(worker) = mail_worker.0.take() {
            if tokio::time::timeout(WORKER_STOP_WAIT, worker).await.is_err() {
                tracing::warn!("the mail worker did not stop in time");
            }
        }
        Ok(())
    }
}

/// Where mail goes: the SMTP server `SMTP_URL` names, or (unset) the
/// development mailbox.
fn mail_transport(config: &Config) -> anyhow::Result<Option<Transport>> {
    let Some(settings) = &config.smtp else {
        tracing::info!("SMTP_URL is not set: mail stays in the development mailbox at /dev/mailbox");
        return Ok(None);
    };
    let from = config.mail_from.parse().context("MAIL_FROM")?;
    let transport = Transport::new(settings, from).map_err(|err| anyhow::anyhow!("SMTP_URL: {err}"))?;
    Ok(Some(transport))
}

/// What every request reaches through the Leptos context: the stores, and
/// the accounts, mail, throttle, factors and providers built on them.
fn app_state(
    config: &Config,
    secret: &[u8],
    db: &Db,
    sessions: &Arc<dyn SessionBackend>,
    base_url: &str,
) -> anyhow::Result<AppState> {
    let sealer = Arc::new(Sealer::new(secret));
    let mail = Arc::new(Mail {
        base_url: base_url.to_owned(),
        sealer: sealer.clone(),
        dev_mailbox: config.smtp.is_none() && config.app_env == AppEnv::Development,
        reset_ttl_secs: config.reset_ttl_secs,
        confirm_ttl_secs: config.confirm_ttl_secs,
        queued: Arc::new(tokio::sync::Notify::new()),
    });
    let accounts = Accounts::new(db.clone(), mail, config.login_limits.window_secs);
    // Built now rather than on the first sign-up.
    tracing::info!(entries = app::ssr::common_passwords::len(), "common-password list loaded");
    Ok(AppState {
        users: Users::new(db.clone()),
        // One hash per core: more at once would only queue in the
        // blocking pool and take 19 MiB each.
        hasher: Hasher::with_max_wait(std::thread::available_parallelism().map_or(2, |n| n.get()), config.hash_max_wait)
            .map_err(|err| anyhow::anyhow!(err).context("argon2 set-up"))?,
        lifetimes: config.lifetimes,
        throttle: Throttle::new(db.clone(), config.login_limits),
        sessions: sessions.clone(),
        secure_cookies: config.app_env == AppEnv::Production,
        // A key of its own (the secret hashed with a label), so a
        // form-state cookie's signature can never pass for a session's.
        cookie_key: Key::from(&Sha512::digest([b"gatehouse form state\0".as_slice(), secret].concat())),
        admin: app::ssr::admin::Admin::new(db.clone(), accounts.clone()),
        accounts,
        outbox: Outbox::new(db.clone(), sealer),
        security_log: SecurityLog::new(db.clone()),
        two_factor: TwoFactor::new(db.clone(), secret),
        // The relying party is APP_BASE_URL (or development's
        // http://localhost:<port>).
        passkeys: Passkeys::new(db.clone(), base_url),
        // Discovery happens at first use: a provider that is down does
        // not stop the server.
        oidc: Arc::new(
            app::ssr::oidc::Providers::new(base_url, config.oidc_providers.clone())
                .context("the OpenID Connect HTTP client")?,
        ),
    })
}

/// Aborts a background task when dropped.
struct AbortOnDrop(Option<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

/// Where users and sessions live, as the configuration says.
pub struct Stores {
    pub db: Db,
    pub sessions: Arc<dyn SessionBackend>,
}

impl Stores {
    /// Connects (and migrates) the database and the session store.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        let db = db::connect(config).await?;
        let sessions: Arc<dyn SessionBackend> = match &config.session_store {
            SessionStoreKind::Database => Arc::new(SqlBackend::new(db.clone())),
            SessionStoreKind::Memory => Arc::new(MemoryBackend::default()),
            SessionStoreKind::Redis(url) => Arc::new(
                RedisBackend::connect(url, &config.session_key_prefix)
                    .await
                    // The redis crate may echo the URL: never its password.
                    .map_err(|err| {
                        anyhow::anyhow!(
                            "SESSION_STORE_URL: could not connect to Redis: {}",
                            config::scrub_password(&err.to_string(), url)
                        )
                    })?,
            ),
        };
        Ok(Self { db, sessions })
    }
}

/// Deletes expired sessions and ended login windows now and then; loads
/// already ignore them, this only keeps the tables small.
async fn cleanup(
    sessions: Arc<dyn SessionBackend>,
    throttle: Throttle,
    accounts: Accounts,
    outbox: Outbox,
    log: SecurityLog,
) {
    let mut every = tokio::time::interval(CLEANUP_EVERY);
    loop {
        every.tick().await;
        match sessions.remove_expired(now()).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(n, "deleted expired sessions");
                metrics::counter!("gatehouse_sessions_ended_total", "cause" => "expired").increment(n);
            }
            Err(err) => tracing::warn!(%err, "could not delete expired sessions"),
        }
        if let Err(err) = throttle.remove_expired(now()).await {
            tracing::warn!(%err, "could not delete old login counters");
        }
        if let Err(err) = accounts.remove_expired(&outbox).await {
            tracing::warn!(%err, "could not delete expired links and sent mail");
        }
        if let Err(err) = log.remove_old(now()).await {
            tracing::warn!(%err, "could not delete old security events");
        }
    }
}

/// `GET /readyz`: 200 when the database and the session store answer
/// within two seconds, 503 otherwise.
async fn readyz(db: Db, sessions: Arc<dyn SessionBackend>) -> impl IntoResponse {
    let limit = Duration::from_secs(2);
    let database = matches!(tokio::time::timeout(limit, db.ping()).await, Ok(Ok(())));
    let store = matches!(
        tokio::time::timeout(limit, sessions.ping()).await,
        Ok(Ok(()))
    );
    let word = |ok| if ok { "ok" } else { "unavailable" };
    let status = if database && store {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(serde_json::json!({ "database": word(database), "sessions": word(store) })),
    )
}

/// The app's routes, worked out once per process. Generating them sets a
/// process-global flag in leptos_server that makes any resource first polled
/// meanwhile, in any server, wait forever (leptos issue #4773); once is safe,
/// because nothing renders before the first server is built. It matters
/// where one process builds several servers, as the tests do.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

/// The app's pages and server functions that the access table
/// ([`app::access`]) has no entry for.
pub fn unlisted_routes() -> Vec<String> {
    let routes = route_list();
    let calls: Vec<&'static str> = server_fn::axum::server_fn_paths().map(|(path, _)| path).collect();
    let pages = routes.iter().map(|r| r.path()).chain(SERVER_ROUTES.iter().copied());
    app::access::missing(pages, calls)
}

/// The routes the server adds beside the app's router (a provider
/// sign-in's start and callback): in the access table like the pages.
pub const SERVER_ROUTES: &[&str] = &[OIDC_START, OIDC_CALLBACK];
const OIDC_START: &str = "/auth/{name}/start";
const OIDC_CALLBACK: &str = "/auth/{name}/callback";

/// The router's state. axum clones a router's state for every request, and
/// `LeptosOptions` is a dozen strings: cloning and dropping it was 7 % of
/// `/api/me` in a profile. Behind an `Arc` only the pages and the file
/// server, which read it, pay for a copy.
#[derive(Clone)]
struct SiteOptions(Arc<LeptosOptions>);

impl FromRef<SiteOptions> for LeptosOptions {
    fn from_ref(site: &SiteOptions) -> Self {
        LeptosOptions::clone(&site.0)
    }
}

/// The whole HTTP stack: the app's pages and calls inside the session
/// layer ([`app_routes`]), the health checks beside them, and the
/// security and transport layers around everything ([`outer_layers`]).
fn router(
    config: &Config,
    state: Arc<AppState>,
    key: Key,
    db: Db,
    backend: Arc<dyn SessionBackend>,
    base_url: &str,
) -> Router {
    let sessions = session_layer(config, backend.clone(), state.lifetimes, key);
    let providers = state.oidc.clone();
    let app = app_routes(config, state, sessions);
    let routes = Router::new()
        // Outside the session layer: health checkers never create a session.
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(move || readyz(db.clone(), backend.clone())))
        .merge(app);
    outer_layers(routes, config, base_url, providers)
}

/// The session cookie: signed, `HttpOnly`, `SameSite=Lax`, `Path=/`;
/// `Secure` and the `__Host-` name in production.
fn session_layer(
    config: &Config,
    backend: Arc<dyn SessionBackend>,
    lifetimes: app::ssr::session::Lifetimes,
    key: Key,
) -> SessionManagerLayer<Sessions, tower_sessions::service::SignedCookie> {
    let production = config.app_env == AppEnv::Production;
    SessionManagerLayer::new(Sessions::new(backend, lifetimes))
        .with_signed(key)
        .with_name(if production {
            "__Host-gatehouse"
        } else {
            "gatehouse"
        })
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_secure(production)
        // A browser-session cookie unless "remember me" says otherwise.
        .with_expiry(Expiry::OnSessionEnd)
}

/// The pages and the server functions, with what runs around them inside
/// the session layer: the session guard (idle timeout, who is signed in),
/// the access table, API statuses and cache headers.
fn app_routes(
    config: &Config,
    state: Arc<AppState>,
    sessions: SessionManagerLayer<Sessions, tower_sessions::service::SignedCookie>,
) -> Router {
    let production = config.app_env == AppEnv::Production;
    let lifetimes = state.lifetimes;
    let state_for_forms = state.clone();
    let state_for_language = state.clone();
    let oidc_state = state.clone();
    let users = state.users.clone();
    let leptos_options = config.leptos.clone();
    let site = SiteOptions(Arc::new(leptos_options.clone()));
    let routes = route_list();
    let context = move || {
        provide_context(state.clone());
        // Leptos renders its <script> tags with this nonce; the CSP header
        // names the same one.
        // `with_context` reads the request in place: `use_context` would
        // clone all of it (headers and extensions) on every request.
        let nonce = with_context::<axum::http::request::Parts, _>(|parts| {
            parts.extensions.get::<http::CspNonce>().cloned()
        })
        .flatten();
        if let Some(nonce) = nonce {
            provide_context(leptos::nonce::Nonce::from_value(nonce.0));
        }
    };

    Router::<SiteOptions>::new()
        // Sign in with a provider: outside Leptos (a 303 to the provider,
        // and the callback's query), inside the session layer.
        .route(OIDC_START, axum::routing::post(oidc::start).with_state(oidc_state.clone()))
        .route(OIDC_CALLBACK, get(oidc::callback).with_state(oidc_state))
        .route(
            "/api/{*fn_name}",
            get({
                let context = context.clone();
                move |req: Request<Body>| handle_server_fns_with_context(context.clone(), req)
            })
            .post({
                let context = context.clone();
                move |req: Request<Body>| handle_server_fns_with_context(context.clone(), req)
            }),
        )
        .leptos_routes_with_context(&site, routes, context.clone(), {
            let options = leptos_options.clone();
            move || app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            SiteOptions,
            _,
        >(context, app::shell))
        .layer(middleware::from_fn_with_state(
            http::AccessRules {
                production,
                lifetimes,
                users,
            },
            http::access,
        ))
        .layer(middleware::from_fn_with_state(state_for_forms, http::api_status))
        .layer(middleware::from_fn_with_state(
            config.leptos.hash_files,
            http::cache_control,
        ))
        // Inside the guard: the signed-in account's language counts.
        .layer(middleware::from_fn_with_state(state_for_language, http::language))
        .layer(middleware::from_fn_with_state(
            lifetimes,
            http::session_guard,
        ))
        .layer(sessions)
        .with_state(site)

}

/// Around everything: body limits and deadlines, the client's address,
/// CSRF, the security headers, compression, and the request's span and id.
fn outer_layers(
    routes: Router,
    config: &Config,
    base_url: &str,
    providers: Arc<app::ssr::oidc::Providers>,
) -> Router {
    let production = config.app_env == AppEnv::Production;
    let csp = http::Csp {
        live_reload: std::env::var_os("LEPTOS_WATCH").is_some(),
        providers,
    };
    let fixed =
        |name, value| SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value));
    let hsts = production.then(|| {
        fixed(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        )
    });
    routes
        .layer(middleware::from_fn_with_state(
            config.request_read_timeout,
            http::buffer_body,
        ))
        .layer(middleware::from_fn_with_state(
            http::TrustedProxies(Arc::new(config.trusted_proxies.clone())),
            http::client_address,
        ))
        .layer(middleware::from_fn_with_state(
            http::TrustedOrigin::from_base_url(base_url),
            http::csrf,
        ))
        .layer(middleware::from_fn_with_state(
            csp,
            http::content_security_policy,
        ))
        .layer(fixed(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(middleware::from_fn(http::referrer_policy))
        .layer(fixed(header::X_FRAME_OPTIONS, "DENY"))
        .layer(tower::util::option_layer(hsts))
        .layer(http::compress_pages())
        .layer(middleware::from_fn(http::no_500))
        // Errors before the session is read speak the browser's language.
        .layer(middleware::from_fn(http::browser_language))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        // Every log line of a request in its span, with the request's id.
        .layer(telemetry::trace_layer(telemetry::Routes::new(
            route_list().iter().map(|r| r.path().to_owned()),
        )))
        .layer(middleware::from_fn(telemetry::request_id))
        // Counted only when something reads the counts: without
        // METRICS_ADDR no request pays for working out its route.
        .layer(tower::util::option_layer(config.metrics_addr.map(|_| {
            middleware::from_fn_with_state(
                telemetry::Routes::new(route_list().iter().map(|r| r.path().to_owned())),
                telemetry::track,
            )
        })))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    /// Fails when a page or a server function is added without an entry
    /// in `app/src/access.rs` (the server would refuse to start), or when
    /// the table names one the app no longer has (a renamed call).
    #[test]
    fn every_route_and_server_function_has_an_access_entry_and_no_more() {
        assert_eq!(super::unlisted_routes(), Vec::<String>::new());
        let calls: Vec<&str> = server_fn::axum::server_fn_paths().map(|(path, _)| path).collect();
        for (path, _) in app::access::CALLS {
            assert!(calls.contains(path), "{path} is in the table but is no server function");
        }
        let routes = super::route_list();
        for (page, _) in app::access::PAGES {
            let routed = routes.iter().any(|r| r.path() == *page) || super::SERVER_ROUTES.contains(page);
            assert!(routed, "{page} is in the table but is no route");
        }
    }
}
