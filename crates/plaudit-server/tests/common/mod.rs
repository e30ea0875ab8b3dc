//! A small spec and helpers shared by the tests.
#![allow(dead_code)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use plaudit_core::spec::{Format, SpecSource};
use plaudit_engine::Engine;
use plaudit_server::{AppState, ServerConfig};
use serde_json::Value;
use tower::ServiceExt;

/// Tags gate a math answer check; a missing reference makes the reward
/// missing (the default `on_missing` is `fail`).
pub const MATH: &str = r#"
name = "math"
[[aspect]]
name = "format"
kind = "format.tags"
weight = 0.2
[[aspect]]
name = "correct"
kind = "math.equivalent"
extract = ["answer_tag"]
requires = "format"
"#;

/// Exact match of the whole response, nothing else.
pub const EXACT: &str = r#"
name = "exact"
[[aspect]]
name = "exact"
kind = "match.exact"
"#;

pub fn engine(text: &str) -> Arc<Engine> {
    let source = SpecSource::from_text("<test>", text, Format::Toml);
    Arc::new(
        Engine::builder()
            .threads(1)
            .build(&source)
            .expect("test spec builds"),
    )
}

/// Serves `math` (the default) and `exact`.
pub fn config() -> ServerConfig {
    ServerConfig::new(vec![
        ("math".into(), engine(MATH)),
        ("exact".into(), engine(EXACT)),
    ])
}

pub fn app(config: ServerConfig) -> axum::Router {
    plaudit_server::router(AppState::new(config).expect("valid config"))
}

pub const GOOD: &str = "<think>2+2</think><answer>4</answer>";

pub async fn send(app: &axum::Router, req: Request<Body>) -> (StatusCode, Response<Body>) {
    let response = app.clone().oneshot(req).await.expect("infallible");
    (response.status(), response)
}

pub async fn body_bytes(response: Response<Body>) -> Vec<u8> {
    response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec()
}

pub async fn body_json(response: Response<Body>) -> Value {
    let bytes = body_bytes(response).await;
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
}

pub fn post(path: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap()
}

pub fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

/// POSTs JSON and returns the status and the JSON answer.
pub async fn call(app: &axum::Router, path: &str, body: Value) -> (StatusCode, Value) {
    let (status, response) = send(app, post(path, body.to_string())).await;
    (status, body_json(response).await)
}
