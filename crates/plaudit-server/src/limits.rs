//! What keeps the service safe and observable: the bearer token, the
//! request deadline and the request metrics. Middleware for the operations
//! endpoints; the scoring endpoints call them directly (`routes::run`).

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
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
    match check_token(&state, req.headers()) {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

/// `Ok` when the request carries the configured bearer token (or none is
/// configured), else the 401 to answer.
pub(crate) fn check_token(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let presented = headers.get(header::AUTHORIZATION).map(|v| v.as_bytes());
    if state.authorized(presented) {
        return Ok(());
    }
    let message = if presented.is_some() {
        "the bearer token is wrong"
    } else {
        "this server requires a bearer token: send `Authorization: Bearer <token>`"
    };
    Err(ApiError::new(StatusCode::UNAUTHORIZED, message))
}

/// Runs `work`, or answers 504 when it overruns `request_timeout`. Work
/// on a blocking thread cannot be interrupted: it finishes with its
/// per-aspect deadlines and keeps its concurrency slot until then, so a
/// storm of timeouts cannot pile unbounded work onto the machine.
pub(crate) async fn within_deadline(
    state: &AppState,
    work: impl Future<Output = Response>,
) -> Response {
    let limit = state.inner.request_timeout;
    match tokio::time::timeout(limit, work).await {
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

/// Counts every request by route template and status, with its latency
/// (the scoring endpoints count themselves with [`tracked`]).
pub(crate) async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = Metrics::route_index(
        req.extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str),
    );
    tracked(&state.inner.metrics, route, next.run(req)).await
}

/// Runs `work` and counts its response under `route`; also counted (as 499)
/// when the request is dropped first (see [`Tracked`]).
pub(crate) async fn tracked(
    metrics: &Metrics,
    route: usize,
    work: impl Future<Output = Response>,
) -> Response {
    let tracked = Tracked::start(metrics, route);
    let response = work.await;
    tracked.finish(&response);
    response
}

/// A request being counted in the metrics, from its start. Dropped without
/// [`Tracked::finish`] (its client went away, its future dropped), it is
/// counted as 499 and still leaves the in-flight gauge.
struct Tracked<'a> {
    metrics: &'a Metrics,
    route: usize,
    code: u16,
    started: Instant,
}

impl<'a> Tracked<'a> {
    fn start(metrics: &'a Metrics, route: usize) -> Self {
        metrics.request_started();
        Self {
            metrics,
            route,
            code: 499,
            started: Instant::now(),
        }
    }

    /// Counts the request with `response`'s status.
    fn finish(mut self, response: &Response) {
        self.code = response.status().as_u16();
    }
}

impl Drop for Tracked<'_> {
    fn drop(&mut self) {
        self.metrics
            .request_finished(self.route, self.code, self.started.elapsed());
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::body::Body;
    use axum::http::Request;
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
        let response = within_deadline(&state, std::future::pending()).await;
        assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(
            json(response).await["error"],
            "the request did not finish within 1 ms (request_timeout)"
        );
    }
}
