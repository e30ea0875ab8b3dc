//! A scripted stand-in for a remote LLM: a real HTTP server on an ephemeral
//! loopback port that speaks the OpenAI chat-completions protocol and
//! answers each request as the test's script says (a reply, an error
//! status, headers, a delay). It records every request and the most
//! requests it ever had in flight at once.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Response, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};

use plaudit_core::{Aspect, BuildContext, Context, Registry};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    /// Its place in arrival order, from 0.
    pub n: usize,
    /// The JSON body.
    pub body: Value,
    /// The `Authorization` header.
    pub auth: Option<String>,
    /// When it arrived.
    pub at: Instant,
}

impl Request {
    /// The user message.
    pub fn user(&self) -> &str {
        self.body["messages"][1]["content"]
            .as_str()
            .unwrap_or_default()
    }

    /// The text between `<tag>` and `</tag>` in the user message.
    pub fn fenced(&self, tag: &str) -> Option<&str> {
        let user = self.user();
        let open = format!("<{tag}>\n");
        let start = user.find(&open)? + open.len();
        let end = start + user[start..].find(&format!("\n</{tag}>"))?;
        Some(&user[start..end])
    }

    /// `response_format.type`, when there is one.
    pub fn format(&self) -> Option<&str> {
        self.body["response_format"]["type"].as_str()
    }
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
    /// A chat completion whose message is `content` (10 prompt tokens,
    /// 5 completion tokens).
    pub fn reply(content: &str) -> Self {
        Self::completion(json!({
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "model": "stub-judge",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }))
    }

    /// A chat completion with token log-probabilities: `tokens` are the
    /// reply's tokens, each with its alternatives.
    pub fn reply_with_logprobs(tokens: &[(&str, &[(&str, f64)])]) -> Self {
        let content: String = tokens.iter().map(|t| t.0).collect();
        let logprobs: Vec<Value> = tokens
            .iter()
            .map(|(tok, top)| {
                json!({
                    "token": tok, "logprob": -0.01, "bytes": null,
                    "top_logprobs": top.iter().map(|(t, lp)| json!({"token": t, "logprob": lp, "bytes": null})).collect::<Vec<_>>(),
                })
            })
            .collect();
        Self::completion(json!({
            "model": "stub-judge",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content},
                         "logprobs": {"content": logprobs}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": tokens.len()},
        }))
    }

    fn completion(body: Value) -> Self {
        Self {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    /// An error status with an OpenAI-style error body.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: json!({"error": {"message": format!("scripted {status}"), "type": "stub"}})
                .to_string(),
            delay: Duration::ZERO,
        }
    }

    /// An error status whose body is `body` as is (JSON).
    pub fn error(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    /// A 200 whose body is `body` as is.
    pub fn raw(body: &str) -> Self {
        Self {
            status: 200,
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
        }
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
}

type Script = dyn Fn(&Request) -> Scripted + Send + Sync;

struct State_ {
    script: Box<Script>,
    requests: Mutex<Vec<Request>>,
    count: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

/// The running server; it stops when dropped.
pub struct Stub {
    /// `http://127.0.0.1:PORT/v1`.
    pub base_url: String,
    state: Arc<State_>,
    _runtime: tokio::runtime::Runtime,
}

/// Decrements the in-flight count when a request ends, answered or not.
struct InFlight(Arc<State_>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn chat(
    State(state): State<Arc<State_>>,
    headers: HeaderMap,
    body: String,
) -> Response<Body> {
    let n = state.count.fetch_add(1, Ordering::SeqCst);
    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let _guard = InFlight(Arc::clone(&state));
    let request = Request {
        n,
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
        auth: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        at: Instant::now(),
    };
    let scripted = (state.script)(&request);
    state.requests.lock().unwrap().push(request);
    tokio::time::sleep(scripted.delay).await;
    let mut response = Response::builder().status(StatusCode::from_u16(scripted.status).unwrap());
    for (k, v) in &scripted.headers {
        response = response.header(k, v);
    }
    response.body(Body::from(scripted.body)).unwrap()
}

impl Stub {
    /// Starts a server that answers every request with `script(request)`.
    pub fn start(script: impl Fn(&Request) -> Scripted + Send + Sync + 'static) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let state = Arc::new(State_ {
            script: Box::new(script),
            requests: Mutex::new(Vec::new()),
            count: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(chat))
            .with_state(Arc::clone(&state));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        runtime.spawn(async move { axum::serve(listener, app).await });
        Self {
            base_url: format!("http://127.0.0.1:{port}/v1"),
            state,
            _runtime: runtime,
        }
    }

    /// A server that answers every request with the same reply.
    pub fn always(content: &str) -> Self {
        let content = content.to_owned();
        Self::start(move |_| Scripted::reply(&content))
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        let mut r = self.state.requests.lock().unwrap().clone();
        r.sort_by_key(|r| r.n);
        r
    }

    /// The most requests the server had in flight at once.
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }
}

/// A judge aspect of `kind` pointed at `stub`, with fast retries; `params`
/// add to or override the defaults.
pub fn judge(kind: &str, stub: &Stub, params: Value) -> Box<dyn Aspect> {
    let mut registry = Registry::new();
    plaudit_judge::register(&mut registry);
    let mut all = json!({"base_url": stub.base_url, "model": "stub-judge", "retry_base_ms": 1});
    for (k, v) in params.as_object().unwrap() {
        all[k] = v.clone();
    }
    let entry = registry.get(kind).unwrap();
    (entry.build)(all.as_object().unwrap(), &BuildContext::default()).unwrap()
}

/// A generous deadline: tests that are not about the deadline never meet it.
pub fn cx() -> Context {
    Context::with_timeout(Duration::from_secs(60))
}

/// `t` as an IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`), computed with
/// the civil-from-days algorithm (Hinnant), independently of the crate's
/// parser.
pub fn http_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs();
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        // 1970-01-01 was a Thursday.
        WEEKDAYS[((days + 4) % 7) as usize],
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
    )
}
