//! Scripted stand-ins for model servers: real HTTP servers on an ephemeral
//! loopback port that expose the routes of vLLM, SGLang or
//! text-embeddings-inference, check each request as the real server's
//! schema does (422 otherwise), and answer as the test's script says — by
//! default the protocol's exact reply for a deterministic "model" that
//! scores texts by a function the test gives. Every request is recorded.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Response, StatusCode, Uri};
use axum::routing::post;
use serde_json::{Value, json};

use plaudit_core::{Aspect, BuildContext, Context, Registry};

/// Which server a stub stands in for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// vLLM: `/classify` and `/pooling`.
    Vllm,
    /// SGLang: `/classify`.
    Sglang,
    /// text-embeddings-inference: `/predict` and `/rerank`.
    Tei,
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    /// Its place in arrival order, from 0.
    pub n: usize,
    pub path: String,
    pub body: Value,
    pub auth: Option<String>,
    pub at: Instant,
}

impl Request {
    /// The texts of the request, whatever the protocol.
    pub fn texts(&self) -> Vec<String> {
        let b = &self.body;
        let list = if let Some(input) = b.get("input") {
            input.clone()
        } else if let Some(text) = b.get("text") {
            text.clone()
        } else if let Some(texts) = b.get("texts") {
            texts.clone()
        } else if let Some(inputs) = b.get("inputs") {
            Value::Array(
                inputs
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i[0].clone())
                    .collect(),
            )
        } else if let Some(messages) = b.get("messages") {
            json!([chat_text(messages)])
        } else {
            json!([])
        };
        list.as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect()
    }
}

/// A conversation as one text: `role: content` lines.
pub fn chat_text(messages: &Value) -> String {
    messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}: {}",
                m["role"].as_str().unwrap(),
                m["content"].as_str().unwrap()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the server answers to one request.
#[derive(Debug, Clone)]
pub struct Scripted {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    delay: Duration,
}

impl Scripted {
    /// A 200 with this JSON body.
    pub fn json(body: Value) -> Self {
        Self::raw(&body.to_string())
    }

    /// A 200 whose body is `body` as is.
    pub fn raw(body: &str) -> Self {
        Self {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    /// An error status with a body like the servers' (`{"error": …}` or
    /// TEI's `{"error", "error_type"}`).
    pub fn status(status: u16) -> Self {
        let mut s =
            Self::json(json!({"error": format!("scripted {status}"), "error_type": "stub"}));
        s.status = status;
        s
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The body, as JSON.
    pub fn body_json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    /// Answers after `delay`.
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A model: the raw outputs (logits) for one text.
pub type Model = Arc<dyn Fn(&str) -> Vec<f64> + Send + Sync>;

/// One output: the text's length in characters, over ten.
pub fn by_length() -> Model {
    Arc::new(|t: &str| vec![t.chars().count() as f64 / 10.0])
}

/// The exact reply of the stub's server to `req`, for `model`.
pub fn answer(req: &Request, model: &Model) -> Scripted {
    let texts = req.texts();
    let served = req.body["model"].as_str().unwrap_or("stub-rm").to_owned();
    let usage = json!({"prompt_tokens": texts.len() * 7, "total_tokens": texts.len() * 7, "completion_tokens": 0, "prompt_tokens_details": null});
    match req.path.as_str() {
        "/classify" if req.body.get("text").is_some() => Scripted::json(Value::Array(
            texts
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    json!({"embedding": model(t), "meta_info": {"id": format!("req-{i}"), "finish_reason": {"type": "length", "length": 0}, "prompt_tokens": 7, "e2e_latency": 0.01}})
                })
                .collect(),
        )),
        "/classify" => {
            let data: Vec<Value> = texts
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let probs = model(t);
                    json!({"index": i, "label": "LABEL_0", "probs": probs, "num_classes": probs.len()})
                })
                .collect();
            Scripted::json(json!({"id": "classify-stub", "object": "list", "created": 1_700_000_000, "model": served, "data": data, "usage": usage}))
        }
        "/pooling" => {
            // One row per step: the text up to each step tag.
            let data: Vec<Value> = texts
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let rows: Vec<Vec<f64>> = t
                        .split("<extra_0>")
                        .filter(|s| !s.is_empty())
                        .take(t.matches("<extra_0>").count())
                        .map(|step| model(step))
                        .collect();
                    json!({"index": i, "object": "pooling", "data": rows})
                })
                .collect();
            Scripted::json(json!({"id": "pool-stub", "object": "list", "created": 1_700_000_000, "model": served, "data": data, "usage": usage}))
        }
        "/predict" => Scripted::json(Value::Array(
            texts
                .iter()
                .map(|t| {
                    let mut labels: Vec<(String, f64)> = model(t)
                        .into_iter()
                        .enumerate()
                        .map(|(i, s)| (format!("LABEL_{i}"), s))
                        .collect();
                    // TEI sorts a text's predictions by score, highest first.
                    labels.sort_by(|a, b| b.1.total_cmp(&a.1));
                    Value::Array(labels.into_iter().map(|(l, s)| json!({"score": s, "label": l})).collect())
                })
                .collect(),
        )),
        "/rerank" => {
            let query = req.body["query"].as_str().unwrap();
            let mut ranks: Vec<(usize, f64)> = texts
                .iter()
                .enumerate()
                .map(|(i, t)| (i, model(&format!("{query}|{t}"))[0]))
                .collect();
            ranks.sort_by(|a, b| b.1.total_cmp(&a.1));
            Scripted::json(Value::Array(ranks.into_iter().map(|(i, s)| json!({"index": i, "score": s})).collect()))
        }
        other => panic!("no route {other}"),
    }
}

/// Why the real server would reject this request (its schema), if it would.
fn invalid(server: Server, path: &str, b: &Value) -> Option<String> {
    let strings = |v: &Value| v.as_array().is_some_and(|a| a.iter().all(Value::is_string));
    match (server, path) {
        (Server::Vllm, "/classify" | "/pooling") => {
            let ok = strings(&b["input"]) || b["input"].is_string() || b["messages"].is_array();
            (!ok).then(|| "`input` or `messages` is required".into())
        }
        (Server::Sglang, "/classify") => {
            (!(strings(&b["text"]) || b["text"].is_string())).then(|| "`text` is required".into())
        }
        (Server::Tei, "/predict") => {
            let ok = b["inputs"].as_array().is_some_and(|a| {
                a.iter()
                    .all(|i| strings(i) && (1..=2).contains(&i.as_array().unwrap().len()))
            });
            (!ok).then(|| "`inputs` must be a batch of [text] or [text, text]".into())
        }
        (Server::Tei, "/rerank") => (!(b["query"].is_string() && strings(&b["texts"])))
            .then(|| "`query` and `texts` are required".into()),
        _ => Some(format!("no route {path}")),
    }
}

type Script = dyn Fn(&Request) -> Scripted + Send + Sync;

struct Shared {
    server: Server,
    script: Box<Script>,
    requests: Mutex<Vec<Request>>,
    count: AtomicUsize,
}

/// The running server; it stops when dropped.
pub struct Stub {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    shared: Arc<Shared>,
    _runtime: tokio::runtime::Runtime,
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response<Body> {
    let n = shared.count.fetch_add(1, Ordering::SeqCst);
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
    let scripted = match invalid(shared.server, &request.path, &request.body) {
        Some(why) => {
            let mut s = Scripted::json(json!({"error": why}));
            s.status = 422;
            s
        }
        None => (shared.script)(&request),
    };
    shared.requests.lock().unwrap().push(request);
    tokio::time::sleep(scripted.delay).await;
    let mut response = Response::builder().status(StatusCode::from_u16(scripted.status).unwrap());
    for (k, v) in &scripted.headers {
        response = response.header(k, v);
    }
    response.body(Body::from(scripted.body)).unwrap()
}

impl Stub {
    /// Starts a server of kind `server` that answers every valid request
    /// with `script(request)`.
    pub fn start(
        server: Server,
        script: impl Fn(&Request) -> Scripted + Send + Sync + 'static,
    ) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let shared = Arc::new(Shared {
            server,
            script: Box::new(script),
            requests: Mutex::new(Vec::new()),
            count: AtomicUsize::new(0),
        });
        let paths: &[&str] = match server {
            Server::Vllm => &["/classify", "/pooling"],
            Server::Sglang => &["/classify"],
            Server::Tei => &["/predict", "/rerank"],
        };
        let mut app = Router::new();
        for p in paths {
            app = app.route(p, post(handle));
        }
        let app = app.with_state(Arc::clone(&shared));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        runtime.spawn(async move { axum::serve(listener, app).await });
        Self {
            base_url: format!("http://127.0.0.1:{port}"),
            shared,
            _runtime: runtime,
        }
    }

    /// A well-behaved server whose model is `model`.
    pub fn model(server: Server, model: Model) -> Self {
        Self::start(server, move |r| answer(r, &model))
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        let mut r = self.shared.requests.lock().unwrap().clone();
        r.sort_by_key(|r| r.n);
        r
    }

    /// How many inputs each request carried, in arrival order.
    pub fn batch_sizes(&self) -> Vec<usize> {
        self.requests().iter().map(|r| r.texts().len()).collect()
    }
}

/// A `model.remote` aspect pointed at `stub`, with fast retries; `params`
/// add to or override the defaults. Paths resolve against the crate.
pub fn remote(stub: &Stub, params: Value) -> Box<dyn Aspect> {
    try_remote(stub, params).unwrap_or_else(|e| panic!("{e}"))
}

pub fn try_remote(stub: &Stub, params: Value) -> Result<Box<dyn Aspect>, plaudit_core::BuildError> {
    let mut registry = Registry::new();
    plaudit_model::register(&mut registry);
    let mut all = json!({"base_url": stub.base_url, "retry_base_ms": 1});
    for (k, v) in params.as_object().unwrap() {
        all[k] = v.clone();
    }
    let cx = BuildContext {
        base_dir: env!("CARGO_MANIFEST_DIR").into(),
    };
    (registry.get("model.remote").unwrap().build)(all.as_object().unwrap(), &cx)
}

/// A generous deadline: tests that are not about the deadline never meet it.
pub fn cx() -> Context {
    Context::with_timeout(Duration::from_secs(60))
}
