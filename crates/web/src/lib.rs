//! The HTTP layer: thin handlers that parse, call a service and render.
//!
//! * [`api`]: JSON API v1 under `/api/v1`, described by OpenAPI 3.1 at `/api/v1/openapi.json`.
//! * [`problem`]: RFC 9457 problem+json errors with field-level messages in Dutch and English.
//! * [`auth`]: bearer tokens to a [`algoreg_domain::Principal`].

pub mod api;
pub mod auth;
pub mod compat;
pub mod feed;
pub mod problem;
pub mod site;

use algoreg_service::App;
use axum::Router;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// The whole application router.
pub fn router(app: App) -> Router {
    // The live register's APIs: CORS open, optionally rate limited per client address.
    let compat = compat::public::routes()
        .merge(compat::aanlever::routes())
        .layer(axum::middleware::from_fn_with_state(app.clone(), compat::rate_limit))
        .layer(axum::middleware::from_fn(compat::cors));
    Router::new()
        .nest("/api/v1", api::routes())
        .merge(compat)
        .route(&format!("/{}", algoreg_service::federation::feed::PATH), axum::routing::get(feed::register))
        .merge(site::routes())
        .fallback(|| async { problem::ApiError::not_found("page") })
        .layer(axum::extract::DefaultBodyLimit::max(4 * 1024 * 1024))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(app)
}

/// Binds `addr` (port 0 picks a free port) and returns the listener and its real address.
pub async fn bind(addr: &str) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

/// Serves until ctrl-c.
pub async fn serve(app: App, listener: TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router(app).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
