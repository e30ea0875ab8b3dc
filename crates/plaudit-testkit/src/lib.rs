//! Scripted stand-ins for remote servers in plaudit's tests: a real HTTP
//! server on an ephemeral loopback port, serving the routes a test names,
//! that answers each request as the test's script says (a status, headers,
//! a body, a delay) and records every request and the most it ever had in
//! flight at once. The judge tests speak OpenAI chat completions through
//! it, the model tests vLLM, SGLang and TEI; each crate's `tests/support`
//! adds its protocol's replies on top.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Response, StatusCode, Uri};
use axum::routing::post;
use serde_json::Value;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    /// Its place in arrival order, from 0.
    pub n: usize,
    /// The path it was sent to.
    pub path: String,
    /// The JSON body (`null` when the body is not JSON).
    pub body: Value,
    /// The `Authorization` header.
    pub auth: Option<String>,
    /// When it arrived.
    pub at: Instant,
}

/// What the server answers to one request.
#[derive(Debug, Clone)]
pub struct Scripted {
    /// The HTTP status.
    pub status: u16,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body, as sent.
    pub body: String,
    /// How long the server waits before it answers.
    pub delay: Duration,
}

impl Scripted {
    /// A 200 with this JSON body.
    pub fn json(body: Value) -> Self {
        Self::raw(&body.to_string()).header("content-type", "application/json")
    }

    /// A 200 whose body is `body` as is, with no content type.
    pub fn raw(body: &str) -> Self {
        Self {
            status: 200,
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    /// The same answer with another status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Answers after `delay`.
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The body, as JSON.
    ///
    /// # Panics
    ///
    /// When the body is not JSON.
    pub fn body_json(&self) -> Value {
        serde_json::from_str(&self.body).expect("the scripted body is JSON")
    }
}

type Script = dyn Fn(&Request) -> Scripted + Send + Sync;

struct Shared {
    script: Box<Script>,
    requests: Mutex<Vec<Request>>,
    count: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

/// Takes a request out of the in-flight count when it ends, answered or
/// not (a client that gives up drops the handler's future).
struct InFlight(Arc<Shared>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response<Body> {
    let n = shared.count.fetch_add(1, Ordering::SeqCst);
    let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let _guard = InFlight(Arc::clone(&shared));
    let request = Request {
        n,
        path: uri.path().to_owned(),
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
        auth: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        at: Instant::now(),
    };
    let scripted = (shared.script)(&request);
    shared
        .requests
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(request);
    tokio::time::sleep(scripted.delay).await;
    let mut response = Response::builder().status(
        StatusCode::from_u16(scripted.status).expect("the scripted status is a valid code"),
    );
    for (k, v) in &scripted.headers {
        response = response.header(k, v);
    }
    response
        .body(Body::from(scripted.body))
        .expect("the scripted headers are valid")
}

/// A running server; it stops when dropped.
pub struct ScriptedServer {
    port: u16,
    shared: Arc<Shared>,
    _runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for ScriptedServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptedServer")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl ScriptedServer {
    /// Starts a server on `127.0.0.1` that answers `POST`s to `routes` with
    /// `script(request)` (other paths get 404), on its own two-thread
    /// runtime.
    ///
    /// # Panics
    ///
    /// When the runtime or the listener cannot be made.
    pub fn start(
        routes: &[&str],
        script: impl Fn(&Request) -> Scripted + Send + Sync + 'static,
    ) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime for the scripted server");
        let shared = Arc::new(Shared {
            script: Box::new(script),
            requests: Mutex::new(Vec::new()),
            count: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        let mut app = Router::new();
        for route in routes {
            app = app.route(route, post(handle));
        }
        let app = app.with_state(Arc::clone(&shared));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("a loopback port");
        let port = listener.local_addr().expect("a bound address").port();
        runtime.spawn(async move { axum::serve(listener, app).await });
        Self {
            port,
            shared,
            _runtime: runtime,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        let mut r = self
            .shared
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        r.sort_by_key(|r| r.n);
        r
    }

    /// The most requests the server had in flight at once.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }
}
