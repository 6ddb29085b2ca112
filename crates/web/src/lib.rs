//! The HTTP layer: thin handlers that parse, call a service and render.
//!
//! * [`api`]: JSON API v1 under `/api/v1`, described by OpenAPI 3.1 at `/api/v1/openapi.json`.
//! * [`problem`]: RFC 9457 problem+json errors with field-level messages in Dutch and English.
//! * [`auth`]: bearer tokens to a [`algoreg_domain::Principal`].

pub mod api;
pub mod auth;
pub mod catalog;
pub mod compat;
pub mod feed;
pub mod log;
pub mod oai;
pub mod oauth;
pub mod problem;
pub mod routes;
pub mod security;
pub mod site;
mod xml;

use algoreg_service::App;
use axum::Router;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// Every route of the application with its methods, as (methods, path pattern): what the router answers.
pub fn route_table() -> Vec<(&'static str, String)> {
    all_routes(None).list
}

/// The routes; with the application, the layers that need its state too.
fn all_routes(app: Option<&App>) -> routes::Routes {
    // The live register's APIs: CORS open, optionally rate limited per client address.
    let mut compat = compat::public::routes().merge(compat::aanlever::routes());
    if let Some(app) = app {
        compat = compat.with(|r| {
            r.layer(axum::middleware::from_fn_with_state(app.clone(), compat::rate_limit)).layer(axum::middleware::from_fn(compat::cors))
        });
    }
    routes::Routes::new()
        .nest("/api/v1", api::routes())
        .merge(compat)
        .merge(oauth::routes())
        .add("GET", &format!("/{}", algoreg_service::federation::feed::PATH), axum::routing::get(feed::register))
        .add("GET", "/catalog", axum::routing::get(catalog::negotiated))
        .add("GET", "/catalog.ttl", axum::routing::get(catalog::turtle))
        .add("GET", "/catalog.jsonld", axum::routing::get(catalog::json_ld))
        .add("GET POST", "/oai", axum::routing::get(oai::handle).post(oai::handle).layer(axum::extract::DefaultBodyLimit::max(8 * 1024)))
        .add("GET", "/oai/registration.xsd", axum::routing::get(oai::schema))
        .add("GET", "/log/checkpoint", axum::routing::get(log::checkpoint))
        .add("GET", "/log/key", axum::routing::get(log::key))
        .add("GET", "/log/entries", axum::routing::get(log::entries))
        .add("GET", "/log/tile/{*path}", axum::routing::get(log::tile))
        .add("GET", "/log/proof/inclusion", axum::routing::get(log::inclusion))
        .add("GET", "/log/proof/record/{id}", axum::routing::get(log::record))
        .add("GET", "/log/proof/consistency", axum::routing::get(log::consistency))
        .add("GET", "/health/live", axum::routing::get(health_live))
        .add("GET", "/health/ready", axum::routing::get(health_ready))
        .add("GET", "/metrics", axum::routing::get(metrics))
        .merge(site::routes())
}

/// `GET /health/live`: the process answers (for a supervisor's liveness probe).
async fn health_live() -> impl axum::response::IntoResponse {
    ([(axum::http::header::CACHE_CONTROL, "no-store")], "ok\n")
}

/// `GET /health/ready`: 200 when the database answers and the search index is in step, else 503 (for
/// a load balancer: a node that is still rebuilding its index, or cannot reach its database, gets no
/// traffic). The body says which, without internals.
async fn health_ready(axum::extract::State(app): axum::extract::State<App>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (status, body) = match app.readiness().await {
        Ok(r) if r.ready => {
            (axum::http::StatusCode::OK, serde_json::json!({"status": "ready", "database": "ok", "index_lag": r.index_lag}))
        }
        Ok(r) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({"status": "index behind", "database": "ok", "index_lag": r.index_lag}),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: the database does not answer");
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, serde_json::json!({"status": "database unavailable", "database": "unavailable"}))
        }
    };
    (status, [(axum::http::header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

/// `GET /metrics`: this node's metrics for Prometheus, to the addresses of `serve --metrics-allow`
/// (default loopback); to others it does not exist.
async fn metrics(
    axum::extract::State(app): axum::extract::State<App>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let forwarded = ["x-forwarded-for", "forwarded", "x-real-ip"].iter().any(|h| headers.contains_key(*h));
    // Every X-Forwarded-For line, joined; none when any of them is not readable.
    let lines: Option<Vec<&str>> = headers.get_all("x-forwarded-for").iter().map(|v| v.to_str().ok()).collect();
    let chain = lines.filter(|l| !l.is_empty()).map(|l| l.join(", "));
    if !app.may_read_metrics(peer.ip(), forwarded, chain.as_deref()) {
        return problem::ApiError::not_found("page").into_response();
    }
    let text = app.metrics_text().await;
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4"), (axum::http::header::CACHE_CONTROL, "no-store")], text)
        .into_response()
}

/// The whole application router.
pub fn router(app: App) -> Router {
    // The live register's APIs: CORS open, optionally rate limited per client address.
    let routes = all_routes(Some(&app));
    routes
        .router
        .fallback(|| async { problem::ApiError::not_found("page") })
        .layer(axum::extract::DefaultBodyLimit::max(security::API_BODY))
        .layer(axum::middleware::from_fn_with_state(app.clone(), security::headers))
        // Requests are logged by their route, never by their address: addresses carry secrets (reset links,
        // alert confirmations, signal tracking codes) that must not reach the logs.
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<axum::body::Body>| {
            let route = req.extensions().get::<axum::extract::MatchedPath>().map(|p| p.as_str()).unwrap_or("(none)");
            tracing::debug_span!("request", method = %req.method(), route = %route)
        }))
        .with_state(app)
}

/// The router with the server's limits: a timeout per request (408 when the body does not arrive in
/// time, 503 when the handler takes too long) and a bound on requests in flight.
pub fn limited_router(app: App, limits: security::Limits) -> Router {
    router(app)
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(limits.request_timeout))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(axum::http::StatusCode::SERVICE_UNAVAILABLE, limits.request_timeout))
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(limits.max_in_flight))
}

/// Binds `addr` (port 0 picks a free port) and returns the listener and its real address.
pub async fn bind(addr: &str) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

/// Serves until ctrl-c, with the default [`security::Limits`].
pub async fn serve(app: App, listener: TcpListener) -> std::io::Result<()> {
    serve_with(app, listener, security::Limits::default()).await
}

/// Serves until ctrl-c. Each connection must send its request headers within
/// `limits.header_read_timeout` (slow clients are cut off); at most `limits.max_connections` are open
/// at once (the rest wait in the backlog). On ctrl-c no new connection is taken and open ones finish.
pub async fn serve_with(app: App, listener: TcpListener, limits: security::Limits) -> std::io::Result<()> {
    serve_until(app, listener, limits, stop_signal()).await
}

/// Ctrl-C, or SIGTERM (what systemd, container runtimes and a rolling restart send): the server stops
/// taking connections and lets open requests finish.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// [`serve_with`] until `shutdown` completes (Ctrl-C for the binary; tests that run the server in their
/// own process stop it this way), then lets open requests finish for at most 10 seconds.
pub async fn serve_until(
    app: App,
    listener: TcpListener,
    limits: security::Limits,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use tower::Service;
    let trusted = app.trusted_proxies.clone();
    let mut make = limited_router(app, limits).into_make_service_with_connect_info::<SocketAddr>();
    let connections = std::sync::Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    // HTTP/1.1 only: a reverse proxy speaks HTTP/2 to browsers; plain-text HTTP/2 here would have no
    // header-read timeout.
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new()).http1_only();
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    // Keyed like every other limit (an IPv6 address by its /64): one client cannot spread over the
    // addresses of its own network. Only open connections have an entry, so it holds at most
    // `max_connections` of them.
    let per_client = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashMap::<String, usize>::new()));
    let ctrl_c = shutdown;
    tokio::pin!(ctrl_c);
    loop {
        let permit = tokio::select! {
            p = connections.clone().acquire_owned() => p.map_err(std::io::Error::other)?,
            _ = &mut ctrl_c => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut ctrl_c => break,
        };
        // One client address (not a trusted proxy) holds at most `max_connections_per_client` of them.
        let ip = peer.ip();
        let counted = !trusted.iter().any(|c| c.contains(ip));
        let client = algoreg_service::limits::client_key(ip);
        if counted {
            let mut open = per_client.lock().unwrap_or_else(|e| e.into_inner());
            let n = open.entry(client.clone()).or_insert(0);
            if *n >= limits.max_connections_per_client {
                drop(stream);
                continue;
            }
            *n += 1;
        }
        let Ok(svc) = make.call(peer).await;
        let hyper_svc = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
            let mut svc = svc.clone();
            async move { svc.call(req.map(axum::body::Body::new)).await }
        });
        let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), hyper_svc).into_owned();
        let conn = graceful.watch(conn);
        let per_client = per_client.clone();
        tokio::spawn(async move {
            let _ = conn.await;
            drop(permit);
            if counted {
                let mut open = per_client.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(n) = open.get_mut(&client) {
                    *n -= 1;
                    if *n == 0 {
                        open.remove(&client);
                    }
                }
            }
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(std::time::Duration::from_secs(10)) => {}
    }
    Ok(())
}
