//! The Gatehouse server: configuration, database, session layer and the
//! HTTP wiring around the Leptos app. `main.rs` only calls into this, so the
//! black-box tests can start the real thing on a random port.

pub mod config;
mod db;
mod http;

use app::ssr::{passwords::Hasher, users::Users, AppState};
use axum::{body::Body, extract::Request, middleware, routing::get, Router};
use config::{AppEnv, Config, SessionStoreKind};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tower_sessions::{cookie::SameSite, Expiry, MemoryStore, SessionManagerLayer, SessionStore};
use tower_sessions_sqlx_store::SqliteStore;

/// Request bodies above this get 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Paths a signed-out visitor is sent to the login page from.
pub const PROTECTED_PAGES: &[&str] = &["/profile"];

pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    /// Connects and migrates the database, builds the router and binds the
    /// listener (`127.0.0.1:0` picks a free port).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let pool = db::connect(&config).await?;
        let state = AppState {
            users: Users::new(pool.clone()),
            // One hash per core: more at once would only queue in the
            // blocking pool and take 19 MiB each.
            hasher: Hasher::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
                .map_err(|err| anyhow::anyhow!("argon2 set-up: {err}"))?,
            remember_for: time::Duration::try_from(config.remember_timeout)?,
        };
        let router = match config.session_store {
            SessionStoreKind::Database => {
                let store = SqliteStore::new(pool);
                store.migrate().await?;
                router(&config, state, store)
            }
            SessionStoreKind::Memory => router(&config, state, MemoryStore::default()),
        };
        let listener = TcpListener::bind(config.leptos.site_addr).await?;
        Ok(Self { listener, router })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub async fn run(self) -> std::io::Result<()> {
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
    }
}

fn router<S: SessionStore + Clone>(config: &Config, state: AppState, store: S) -> Router {
    let production = config.app_env == AppEnv::Production;
    let sessions = SessionManagerLayer::new(store)
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
        .with_expiry(Expiry::OnSessionEnd);

    let leptos_options = config.leptos.clone();
    let routes = generate_route_list(app::App);
    let context = move || provide_context(state.clone());

    let app = Router::new()
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
        .leptos_routes_with_context(&leptos_options, routes, context, {
            let options = leptos_options.clone();
            move || app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(app::shell))
        .layer(middleware::from_fn(http::require_login))
        .layer(middleware::from_fn(http::api_status))
        .layer(sessions)
        .with_state(leptos_options);

    Router::new()
        // Outside the session layer: a health checker never creates a session.
        .route("/healthz", get(|| async { "ok" }))
        .merge(app)
        .layer(middleware::from_fn(http::buffer_body))
        .layer(middleware::from_fn(http::security_headers))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
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
