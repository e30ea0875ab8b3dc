//! Scripted stand-ins for model servers: real HTTP servers on an ephemeral
//! loopback port that expose the routes of vLLM, SGLang or
//! text-embeddings-inference, check each request as the real server's
//! schema does (422 otherwise), and answer as the test's script says — by
//! default the protocol's exact reply for a deterministic "model" that
//! scores texts by a function the test gives. Every request is recorded.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use plaudit_core::{Aspect, BuildContext, Context, Registry};
use plaudit_testkit::ScriptedServer;
pub use plaudit_testkit::{Request, Scripted};

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

/// What a model test reads from a request, whatever the protocol.
pub trait ModelRequest {
    /// The texts of the request.
    fn texts(&self) -> Vec<String>;
}

impl ModelRequest for Request {
    fn texts(&self) -> Vec<String> {
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

/// The answers of a model server.
pub trait ModelScripts {
    /// An error status with a body like the servers' (`{"error": …}` or
    /// TEI's `{"error", "error_type"}`).
    fn status(status: u16) -> Scripted;
}

impl ModelScripts for Scripted {
    fn status(status: u16) -> Scripted {
        Scripted::json(json!({"error": format!("scripted {status}"), "error_type": "stub"}))
            .with_status(status)
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

/// A model server's stand-in; it stops when dropped.
pub struct Stub {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    server: ScriptedServer,
}

impl Stub {
    /// Starts a server of kind `server` that answers every valid request
    /// with `script(request)`, and a request the real server's schema
    /// rejects with its 422.
    pub fn start(
        server: Server,
        script: impl Fn(&Request) -> Scripted + Send + Sync + 'static,
    ) -> Self {
        let paths: &[&str] = match server {
            Server::Vllm => &["/classify", "/pooling"],
            Server::Sglang => &["/classify"],
            Server::Tei => &["/predict", "/rerank"],
        };
        let scripted = ScriptedServer::start(paths, move |request| {
            match invalid(server, &request.path, &request.body) {
                Some(why) => Scripted::json(json!({"error": why})).with_status(422),
                None => script(request),
            }
        });
        Self {
            base_url: scripted.url(),
            server: scripted,
        }
    }

    /// A well-behaved server whose model is `model`.
    pub fn model(server: Server, model: Model) -> Self {
        Self::start(server, move |r| answer(r, &model))
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.server.requests()
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
