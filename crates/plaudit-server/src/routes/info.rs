//! The endpoints that score nothing: health, specs, metrics, the API document.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::json_ok;
use crate::state::AppState;

/// `GET /health`: answers at once, without a token and whatever the load,
/// so that liveness probes never fail because the service is busy.
pub(super) async fn health() -> Response {
    json_ok(&json!({ "status": "ok" }))
}

/// `GET /v1/specs`: the served specs, the default first.
pub(super) async fn specs(State(state): State<AppState>) -> Response {
    let specs: Vec<_> = state
        .inner
        .specs
        .iter()
        .map(|s| {
            let names: Vec<&str> = s
                .engine
                .spec()
                .aspects
                .iter()
                .map(|a| a.name.as_str())
                .collect();
            json!({
                "name": s.name,
                "spec_name": s.engine.spec().name,
                "spec_hash": s.engine.spec_hash(),
                "aspects": names,
            })
        })
        .collect();
    json_ok(&json!({ "default": state.inner.specs[0].name, "specs": specs }))
}

/// `GET /metrics`: Prometheus text format.
pub(super) async fn metrics(State(state): State<AppState>) -> Response {
    let text = state.inner.metrics.render(&state.occupancy());
    let mut r = text.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

/// The OpenAPI 3 document of this API.
pub(crate) const OPENAPI: &str = include_str!("../openapi.json");

/// `GET /openapi.json`.
pub(super) async fn openapi() -> Response {
    let mut r = OPENAPI.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
