//! The accept loop: each connection served by hyper's HTTP/1.1 with a
//! deadline on reading a request's headers, and a graceful stop.
//!
//! `axum::serve` has no such deadline, so a client that opened connections
//! and sent half a request could hold them (and a task each) for ever.
//! The deadline on the body is `http::buffer_body`'s.

use axum::{body::Body, extract::ConnectInfo, Router};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use std::{
    future::Future,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

/// When the request's clock started (see [`serve`]): `http::buffer_body`
/// gives the body what is left of the read deadline.
#[derive(Clone, Copy, Debug)]
pub struct RequestBegan(pub Instant);
use tokio::net::TcpListener;
use tower::ServiceExt as _;

/// Serves `router` on `listener` until `stop` completes; then closes the
/// listener at once and gives the requests in flight up to `grace` to
/// finish. Returns whether they all did.
///
/// A connection that has not sent a request's whole header within
/// `read_timeout` of starting to read it (also an idle keep-alive
/// connection) is closed by hyper's timer. Each request carries
/// `ConnectInfo<SocketAddr>` (the TCP peer), as with
/// `into_make_service_with_connect_info`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    read_timeout: Duration,
    stop: impl Future<Output = ()>,
    grace: Duration,
) -> bool {
    // Plain hyper HTTP/1.1, as axum::serve was here (axum is built without
    // HTTP/2). Not hyper-util's auto builder: before its first bytes it
    // sniffs the protocol with no deadline, and its graceful shutdown needs
    // HTTP/2 compiled in.
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(read_timeout)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    accept_failed(err).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        // The first request's clock starts when the connection does, so
        // its headers and body together get `read_timeout`; a later one
        // on a kept-alive connection starts when its headers are in.
        let accepted = Instant::now();
        let first = Arc::new(AtomicBool::new(true));
        let service = router
            .clone()
            .map_request(move |mut req: axum::http::Request<hyper::body::Incoming>| {
                let began = if first.swap(false, Ordering::Relaxed) { accepted } else { Instant::now() };
                req.extensions_mut().insert(ConnectInfo(peer));
                req.extensions_mut().insert(RequestBegan(began));
                req.map(Body::new)
            });
        let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // A client that went away or timed out: nothing to do.
            if let Err(err) = conn.await {
                tracing::debug!(%err, "a connection ended with an error");
            }
        });
    }
    // No new connections from here on.
    drop(listener);
    tokio::time::timeout(grace, graceful.shutdown()).await.is_ok()
}

/// As axum::serve does: a connection reset before it was accepted is
/// nothing; anything else (out of file descriptors) is logged, and the
/// loop waits a moment rather than spin.
async fn accept_failed(err: std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(%err, "could not accept a connection");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// Never completes: for a listener that stops only when its task is
/// dropped (the metrics listener).
pub async fn never() {
    std::future::pending::<()>().await
}
