//! `/metrics` in Prometheus' text format, on its own listener
//! (`METRICS_ADDR`), and the HTTP layer that counts and times requests.
//!
//! The app's own figures (logins by outcome, sessions ended, the hash queue,
//! the outbox) are recorded where they happen, with the `metrics` crate's
//! macros; this module installs the recorder that collects them. Labels
//! are route templates, outcomes and causes: never an email, IP or token.

use axum::{extract::Request, middleware::Next, response::Response, routing::get, Router};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::{sync::Arc, time::Instant};

/// Seconds; from a cached `/healthz` to a slow password hash.
const LATENCY_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// The process's recorder, installed once, at start-up (tests start
/// several servers in one process; they share it).
pub fn recorder() -> anyhow::Result<PrometheusHandle> {
    static HANDLE: std::sync::OnceLock<PrometheusHandle> = std::sync::OnceLock::new();
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            metrics_exporter_prometheus::Matcher::Full("gatehouse_http_request_duration_seconds".into()),
            LATENCY_BUCKETS,
        )?
        .install_recorder()?;
    Ok(HANDLE.get_or_init(|| handle).clone())
}

/// The metrics listener's router: `GET /metrics` and nothing else.
pub fn router(handle: PrometheusHandle) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let handle = handle.clone();
            async move {
                handle.run_upkeep();
                (
                    [(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                    handle.render(),
                )
            }
        }),
    )
}

/// Keeps the outbox-depth gauge current (every 5 s).
pub async fn watch_outbox(outbox: app::ssr::mail::outbox::Outbox) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        every.tick().await;
        if let Ok(depth) = outbox.depth().await {
            metrics::gauge!("gatehouse_mail_outbox_depth").set(depth as f64);
        }
    }
}

/// The route templates requests are counted under: the pages (as the
/// router knows them, `/reset-password/{token}`), the server functions,
/// and the few fixed routes. Anything else is `other`, so a scan of random
/// paths can't grow the label set.
#[derive(Clone)]
pub struct Routes(Arc<Vec<Template>>);

/// A route template, split into segments once, and its label.
struct Template {
    segments: Vec<String>,
    label: String,
}

impl Routes {
    pub fn new(pages: impl IntoIterator<Item = String>) -> Self {
        let api = leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.to_owned());
        let fixed = ["/healthz", "/readyz", "/pkg/{file}", "/favicon.ico"].map(str::to_owned);
        let mut all: Vec<String> = pages.into_iter().chain(api).chain(fixed).collect();
        all.sort();
        all.dedup();
        let templates = all
            .into_iter()
            .map(|label| Template {
                segments: label.split('/').map(str::to_owned).collect(),
                label,
            })
            .collect();
        Self(Arc::new(templates))
    }

    /// The template `path` matches, or `other`.
    pub fn label(&self, path: &str) -> String {
        let count = path.split('/').count();
        self.0
            .iter()
            .find(|template| {
                template.segments.len() == count
                    && template.segments.iter().zip(path.split('/')).all(|(t, s)| {
                        t == s || (t.starts_with('{') && t.ends_with('}') && !s.is_empty())
                    })
            })
            .map_or_else(|| "other".to_owned(), |t| t.label.clone())
    }
}

/// The header that carries a request's id, on the response too.
pub const REQUEST_ID: &str = "x-request-id";

/// Gives every request an id of its own: 64 random bits in hex. A client's
/// own `x-request-id` is replaced, so no one can write what a log line
/// says about its request.
pub async fn request_id(mut req: Request, next: Next) -> Response {
    let id = format!("{:016x}", rand::random::<u64>());
    if let Ok(value) = axum::http::HeaderValue::from_str(&id) {
        req.headers_mut().insert(REQUEST_ID, value.clone());
        let mut res = next.run(req).await;
        res.headers_mut().insert(REQUEST_ID, value);
        return res;
    }
    next.run(req).await
}

/// Every log line a request causes carries its span: the method, the route
/// template (never the path itself, which may hold a mailed link's token)
/// and the request's id (see [`request_id`]). tower-http's `TraceLayer`
/// makes the span; its own per-request lines are at debug level.
pub fn trace_layer(
    routes: Routes,
) -> tower_http::trace::TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    impl tower_http::trace::MakeSpan<axum::body::Body> + Clone,
> {
    tower_http::trace::TraceLayer::new_for_http().make_span_with(move |req: &Request| {
        let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
        tracing::info_span!("request", method = %req.method(), route = %routes.label(req.uri().path()), id)
    })
}

/// Counts every request by route template and status, and times it.
pub async fn track(
    axum::extract::State(routes): axum::extract::State<Routes>,
    req: Request,
    next: Next,
) -> Response {
    let route = routes.label(req.uri().path());
    let start = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!("gatehouse_http_requests_total", "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("gatehouse_http_request_duration_seconds", "route" => route)
        .record(start.elapsed().as_secs_f64());
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_counted_under_their_templates() {
        let routes = Routes::new(["/".into(), "/reset-password/{token}".into(), "/profile".into()]);
        assert_eq!(routes.label("/"), "/");
        assert_eq!(routes.label("/reset-password/abc"), "/reset-password/{token}");
        assert_eq!(routes.label("/reset-password/"), "other");
        assert_eq!(routes.label("/pkg/gatehouse.abc.wasm"), "/pkg/{file}");
        assert_eq!(routes.label("/wp-admin/../etc"), "other");
        assert_eq!(routes.label("/profile"), "/profile");
    }
}
