//! The middleware that keeps the service safe: the bearer token, the
//! request deadline, and the request metrics around everything.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::state::AppState;

/// Rejects requests without the configured bearer token.
pub(crate) async fn require_token(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes());
    if state.authorized(presented) {
        return next.run(req).await;
    }
    let message = if presented.is_some() {
        "the bearer token is wrong"
    } else {
        "this server requires a bearer token: send `Authorization: Bearer <token>`"
    };
    ApiError::new(StatusCode::UNAUTHORIZED, message).into_response()
}

/// Answers 504 when a request overruns `request_timeout`. The scoring work
/// itself cannot be interrupted (it runs on a blocking thread); it finishes
/// with its per-aspect deadlines and keeps its concurrency slot until then,
/// so a storm of timeouts cannot pile unbounded work onto the machine.
pub(crate) async fn deadline(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = state.inner.request_timeout;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            format!(
                "the request did not finish within {} ms (request_timeout)",
                limit.as_millis()
            ),
        )
        .into_response(),
    }
}

/// Counts every request by route template and status, with its latency.
pub(crate) async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = Metrics::route_index(
        req.extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str),
    );
    let metrics = &state.inner.metrics;
    let started = Instant::now();
    metrics.request_started();
    // A guard, so that a request whose client went away (its future dropped)
    // still leaves the in-flight gauge.
    let mut guard = Finish {
        metrics,
        route,
        code: 499,
        started,
    };
    let response = next.run(req).await;
    guard.code = response.status().as_u16();
    drop(guard);
    response
}

struct Finish<'a> {
    metrics: &'a Metrics,
    route: usize,
    code: u16,
    started: Instant,
}

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        self.metrics
            .request_finished(self.route, self.code, self.started.elapsed());
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::Router;
    use axum::body::Body;
    use axum::http::Request;
    use axum::middleware::from_fn_with_state;
    use axum::routing::post;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;
    use crate::config::tests::config;

    async fn json(response: Response) -> serde_json::Value {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn saturated_scoring_is_503_with_retry_after_and_health_still_answers() {
        let mut c = config();
        c.max_in_flight = 2;
        c.retry_after_secs = 3;
        let state = AppState::new(c).unwrap();
        let app = crate::router(state.clone());
        let _held = (state.admit().unwrap(), state.admit().unwrap());
        let req = Request::post("/v1/score")
            .body(Body::from(r#"{"samples": []}"#))
            .unwrap();
        let response = app.clone().oneshot(req).await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "3");
        assert_eq!(
            json(response).await["error"],
            "the server is busy: 2 scoring requests are in flight (max_in_flight); retry later"
        );
        let health = app
            .clone()
            .oneshot(Request::get("/health").body(Body::empty()).unwrap());
        assert_eq!(health.await.unwrap().status(), StatusCode::OK);
        drop(_held);
        let req = Request::post("/v1/score")
            .body(Body::from(r#"{"samples": []}"#))
            .unwrap();
        assert_eq!(app.oneshot(req).await.unwrap().status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn overrunning_the_deadline_is_504() {
        let mut c = config();
        c.request_timeout = Duration::from_millis(1);
        let state = AppState::new(c).unwrap();
        let app = Router::new()
            .route("/slow", post(std::future::pending::<()>))
            .route_layer(from_fn_with_state(state.clone(), deadline))
            .with_state(state);
        let req = Request::post("/slow").body(Body::empty()).unwrap();
        let response = app.oneshot(req).await.unwrap();
        assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(
            json(response).await["error"],
            "the request did not finish within 1 ms (request_timeout)"
        );
    }
}
