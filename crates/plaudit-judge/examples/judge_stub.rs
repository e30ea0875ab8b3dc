//! A scripted OpenAI-compatible judge for benchmarks: the protocol and the
//! verdicts of `examples/judge/scripted_judge.py`, served by axum on tokio,
//! so that a benchmark at high concurrency measures the client and not the
//! stub.
//!
//!     cargo run --release -p plaudit-judge --example judge_stub -- --port 8765 --delay-ms 20
//!
//! `POST` to any path answers a chat completion after `--delay-ms`, slept
//! on a thread of tokio's blocking pool, so calls overlap freely and each
//! takes the delay to within the OS's timer slack (tokio's own timer
//! rounds up to whole milliseconds: a 20 ms sleep would take 20 to 21 ms,
//! up to 5% more than the benchmark's ideal assumes); `GET /stats`
//! answers `{"requests": N}`, the number of `POST`s seen. Verdicts, as the
//! Python stub gives them: a prompt that asks for a score "from X (worst)
//! to Y (best)" gets Y; one that lists criteria (lines starting `c1`, `c2`,
//! …) or asks for the `criteria` schema gets every criterion satisfied;
//! anything else gets the first answer a schema could want (`winner` A,
//! `score` 10).

// The listening line on stdout is this program's interface.
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Response, StatusCode, header};
use axum::routing::{get, post};
use serde_json::{Value, json};

struct Stub {
    requests: AtomicU64,
    delay: Duration,
}

fn main() {
    let mut host = "127.0.0.1".to_owned();
    let mut port = 8765u16;
    let mut delay_ms = 0.0f64;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| fail(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--host" => host = value(),
            "--port" => port = value().parse().unwrap_or_else(|_| fail("--port is a port")),
            "--delay-ms" => {
                delay_ms = value()
                    .parse()
                    .ok()
                    .filter(|d: &f64| d.is_finite() && *d >= 0.0)
                    .unwrap_or_else(|| fail("--delay-ms is a number of milliseconds ≥ 0"));
            }
            _ => fail(&format!(
                "unknown argument {flag}; usage: judge_stub [--host H] [--port P] [--delay-ms MS]"
            )),
        }
    }
    let stub = Arc::new(Stub {
        requests: AtomicU64::new(0),
        delay: Duration::from_secs_f64(delay_ms / 1000.0),
    });
    let app = Router::new()
        .route("/stats", get(stats))
        .fallback(post(complete))
        .with_state(stub);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // One sleeping thread per call in flight.
        .max_blocking_threads(1024)
        .build()
        .unwrap_or_else(|e| fail(&format!("no runtime: {e}")));
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind((host.as_str(), port))
            .await
            .unwrap_or_else(|e| fail(&format!("cannot listen on {host}:{port}: {e}")));
        println!("rust scripted judge on http://{host}:{port}/v1");
        axum::serve(listener, app)
            .await
            .unwrap_or_else(|e| fail(&format!("server stopped: {e}")));
    });
}

fn fail(message: &str) -> ! {
    eprintln!("judge_stub: {message}");
    std::process::exit(2)
}

/// A JSON response.
fn reply(status: StatusCode, body: &Value) -> Response<Body> {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}

async fn stats(State(stub): State<Arc<Stub>>) -> Response<Body> {
    let requests = stub.requests.load(Ordering::Relaxed);
    reply(StatusCode::OK, &json!({ "requests": requests }))
}

async fn complete(State(stub): State<Arc<Stub>>, body: axum::body::Bytes) -> Response<Body> {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return reply(StatusCode::BAD_REQUEST, &json!({ "error": "bad json" }));
    };
    stub.requests.fetch_add(1, Ordering::Relaxed);
    if !stub.delay.is_zero() {
        let delay = stub.delay;
        // A panic in `sleep` is impossible; a join error would only mean
        // the runtime is shutting down, when the reply no longer matters.
        let _ = tokio::task::spawn_blocking(move || std::thread::sleep(delay)).await;
    }
    let schema = request["response_format"]["json_schema"]["name"]
        .as_str()
        .unwrap_or("");
    let text: Vec<&str> = request["messages"]
        .as_array()
        .map(|m| m.iter().filter_map(|m| m["content"].as_str()).collect())
        .unwrap_or_default();
    let content = verdict(&text.join("\n"), schema).to_string();
    let answer = json!({
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": 0,
        "model": request.get("model").cloned().unwrap_or_else(|| json!("scripted")),
        "choices": [{
            "index": 0,
            "finish_reason": "stop",
            "message": { "role": "assistant", "content": content },
        }],
        "usage": { "prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120 },
    });
    reply(StatusCode::OK, &answer)
}

/// The verdict `scripted_judge.py` gives the prompt `text` asked with the
/// response schema `schema`.
fn verdict(text: &str, schema: &str) -> Value {
    if let Some(best) = scale_best(text) {
        return json!({ "critique": "Excellent, complete and correct.", "score": best });
    }
    let mut ids: Vec<&str> = Vec::new();
    for line in text.lines() {
        if let Some(id) = criterion_id(line)
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    if !ids.is_empty() || schema == "criteria" {
        let criteria: Vec<Value> = ids
            .iter()
            .map(|id| json!({ "id": id, "reason": "Fully met.", "satisfied": true }))
            .collect();
        return json!({ "criteria": criteria });
    }
    json!({ "winner": "A", "reason": "A is better.", "critique": "Excellent.", "score": 10 })
}

/// `Y` of the first "from X (worst) to Y (best)" in `text`.
fn scale_best(text: &str) -> Option<f64> {
    let (_, rest) = text.split_once(" (worst) to ")?;
    let (best, _) = rest.split_once(" (best)")?;
    best.parse().ok()
}

/// The `c<digits>` a line starts with, when a word boundary follows it.
fn criterion_id(line: &str) -> Option<&str> {
    let digits = line.strip_prefix('c')?;
    let n = digits.bytes().take_while(u8::is_ascii_digit).count();
    let next = digits[n..].chars().next();
    let boundary = next.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
    (n > 0 && boundary).then(|| &line[..=n])
}
