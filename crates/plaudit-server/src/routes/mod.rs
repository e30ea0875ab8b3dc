//! The router: which path goes to which protocol, and the machinery every
//! scoring endpoint shares (admission, body reading, running off the async
//! runtime).

mod info;
mod native;
mod nemo;
mod openrlhf;
mod slime;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;

use crate::body;
use crate::error::ApiError;
use crate::limits::{self, tracked};
use crate::metrics::Metrics;
use crate::state::{AppState, Scoring};

/// A scoring request, as a handler sees it.
pub(crate) struct Call {
    /// The spec named in the path.
    pub(crate) spec: Option<String>,
    /// The query string.
    pub(crate) query: Option<String>,
    pub(crate) body: Bytes,
    /// Where its scoring waits for the engine.
    pub(crate) scoring: Scoring,
}

/// The largest body handled on the async runtime (when every served spec
/// scores without blocking): parsing it and writing the answer take some
/// tens of microseconds at most. Larger bodies are handled on a blocking
/// thread.
pub(crate) const RUNTIME_BODY_MAX: usize = 32 * 1024;

/// Builds the service for `state`: every endpoint with its limits.
///
/// The scoring endpoints check the token, keep the request deadline and
/// count themselves in the metrics (see `run`): done by three `from_fn`
/// middleware layers, the same work cost about 4% of the single-sample
/// requests a saturated server answers. The other endpoints get the same
/// as layers.
pub fn router(state: AppState) -> Router {
    let scoring = scoring_routes(Router::new(), &state);
    let mut info = Router::new()
        .route("/metrics", get(info::metrics))
        .route("/openapi.json", get(info::openapi))
        .route("/v1/specs", get(info::specs));
    // Without a token there is nothing to check: no layer, no cost.
    if state.requires_token() {
        info = info.route_layer(from_fn_with_state(state.clone(), limits::require_token));
    }
    let others = Router::new()
        .route("/health", get(info::health))
        .merge(info)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), limits::track));
    scoring.merge(others).with_state(state)
}

/// Adds the scoring endpoint at `template` to `router`: `POST` goes to
/// `handler`; any other method is 405, counted under `template` like the
/// requests `handler` counts.
fn scoring_route<H, T>(
    router: Router<AppState>,
    state: &AppState,
    template: &'static str,
    handler: H,
) -> Router<AppState>
where
    H: axum::handler::Handler<T, AppState>,
    T: 'static,
{
    let route = Metrics::route_of(template);
    let state = state.clone();
    let endpoint = post(handler).fallback(move |req: Request| async move {
        let work = async { method_not_allowed(req).await.into_response() };
        tracked(&state.inner.metrics, route, work).await
    });
    router.route(template, endpoint)
}

async fn not_found(req: Request) -> ApiError {
    ApiError::not_found(format!(
        "no endpoint at {} {}; see GET /openapi.json",
        req.method(),
        req.uri().path()
    ))
}

async fn method_not_allowed(req: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} is not allowed on {}", req.method(), req.uri().path()),
    )
}

/// Serves a scoring request to `route` (its index in the metrics) for
/// `spec` (named in the path, or the error of a path that does not read):
/// checks the token, then admits the request, reads its body and runs `handler`
/// (parse, score, answer) within the request deadline, and counts it.
///
/// A small body, when every spec scores without blocking, is handled on
/// the runtime: the scoring runs on the engine's workers while the request
/// waits without holding a thread, and a request given up on (client gone,
/// deadline) cancels what it had not started. Anything else is handled on
/// a blocking thread, which holds the concurrency slot until the work is
/// done (even if the client or the deadline gave up on it).
async fn run<F, Fut>(
    state: AppState,
    route: usize,
    spec: Result<Option<String>, ApiError>,
    req: Request,
    handler: F,
) -> Response
where
    F: FnOnce(AppState, Call) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Response, ApiError>> + Send + 'static,
{
    let work = async {
        if let Err(e) = limits::check_token(&state, req.headers()) {
            return e.into_response();
        }
        // A path whose spec name does not read is answered after the
        // token check, like every other error.
        let spec = match spec {
            Ok(spec) => spec,
            Err(e) => return e.into_response(),
        };
        limits::within_deadline(&state, admit_and_run(state.clone(), spec, req, handler)).await
    };
    tracked(&state.inner.metrics, route, work).await
}

async fn admit_and_run<F, Fut>(
    state: AppState,
    spec: Option<String>,
    req: Request,
    handler: F,
) -> Response
where
    F: FnOnce(AppState, Call) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Response, ApiError>> + Send + 'static,
{
    let result = async {
        let permit = state.admit()?;
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse().ok());
        let query = req.uri().query().map(str::to_owned);
        let body = body::read(req.into_body(), declared, state.inner.max_body_bytes).await?;
        let scoring = if state.inner.all_async && body.len() <= RUNTIME_BODY_MAX {
            Scoring::Async
        } else {
            Scoring::Blocking
        };
        let call = Call {
            spec,
            query,
            body,
            scoring,
        };
        if scoring == Scoring::Async {
            let response = handler(state, call).await;
            drop(permit);
            return response;
        }
        // Held, like the slot, until the work ends, even if the client or
        // the deadline gave up on it.
        let turn = state.blocking_turn().await;
        tokio::task::spawn_blocking(move || {
            let _held = (permit, turn);
            tokio::runtime::Handle::current().block_on(handler(state, call))
        })
        .await
        .map_err(|_| ApiError::internal())?
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

fn spec_name(
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<String, ApiError> {
    path.map(|Path(s)| s)
        .map_err(|e| ApiError::bad_request(format!("invalid spec name in the path: {e}")))
}

/// The scoring endpoints: for each protocol, the handler of its route for
/// the default spec and of its route with a spec in the path, and
/// `scoring_routes`, which adds them all to a router.
macro_rules! endpoints {
    ($($any:ident $any_route:literal, $named:ident $named_route:literal => $handler:path;)*) => {
        $(
        async fn $any(State(state): State<AppState>, req: Request) -> Response {
            const ROUTE: usize = Metrics::route_of($any_route);
            run(state, ROUTE, Ok(None), req, $handler).await
        }

        async fn $named(
            State(state): State<AppState>,
            path: Result<Path<String>, axum::extract::rejection::PathRejection>,
            req: Request,
        ) -> Response {
            const ROUTE: usize = Metrics::route_of($named_route);
            run(state, ROUTE, spec_name(path).map(Some), req, $handler).await
        }
        )*

        fn scoring_routes(mut router: Router<AppState>, state: &AppState) -> Router<AppState> {
            $(
                router = scoring_route(router, state, $any_route, $any);
                router = scoring_route(router, state, $named_route, $named);
            )*
            router
        }
    };
}

endpoints! {
    native_any "/v1/score", native_named "/v1/score/{spec}" => native::handle;
    openrlhf_any "/get_reward", openrlhf_named "/{spec}/get_reward" => openrlhf::handle;
    slime_any "/reward", slime_named "/{spec}/reward" => slime::handle;
    nemo_any "/verify", nemo_named "/{spec}/verify" => nemo::handle;
}

/// Serializes a response body. Serializing values built by this crate
/// cannot fail (no map has non-string keys), so a failure is a bug.
pub(crate) fn json_bytes(value: &impl Serialize) -> Vec<u8> {
    // Room for a small answer at once: growing from empty took several
    // reallocations per single-sample request.
    let mut out = Vec::with_capacity(512);
    match serde_json::to_writer(&mut out, value) {
        Ok(()) => out,
        Err(_) => br#"{"error":"cannot serialize the response"}"#.to_vec(),
    }
}

/// A 200 response with a JSON body.
pub(crate) fn json_ok(value: &impl Serialize) -> Response {
    let mut r = json_bytes(value).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Adds the headers that report samples without a reward to trainers whose
/// protocol has no place for an error: their count, and the first error.
pub(crate) fn report_missing(response: &mut Response, errors: &[&str]) {
    if errors.is_empty() {
        return;
    }
    let h = response.headers_mut();
    h.insert("x-plaudit-rewards-missing", HeaderValue::from(errors.len()));
    // Header values are visible ASCII: anything else becomes `?`.
    let first: String = errors[0]
        .chars()
        .take(512)
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&first) {
        h.insert("x-plaudit-error", v);
    }
}
