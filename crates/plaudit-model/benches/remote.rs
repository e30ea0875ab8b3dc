//! The overhead of `model.remote`'s client: samples scored per second
//! against a local server that answers at once, so that everything measured
//! is plaudit's (rendering the chat template, batching, JSON both ways,
//! HTTP over loopback, reading the reply) plus the stub server's own JSON
//! work on the same cores.
//!
//!     cargo bench -p plaudit-model --bench remote [-- SAMPLES]
//!
//! The samples are GSM8K test questions with their reference solutions
//! (`../shared/data/math/gsm8k_test.jsonl`, cycled to SAMPLES, default
//! 20,000), rendered with the committed Qwen2.5 chat template and sent to a
//! vLLM-style `/classify` in batches of 64, 4 requests in flight. Three
//! paths, each the best of 3 runs, one JSON line each:
//!
//! - `evaluate_batch`: the whole set in one call to the aspect;
//! - `engine`: `Engine::score_batch`, whose workers bring one sample each
//!   (no cache, so every sample is sent);
//! - `evaluate_batch/plain`: as the first, with a plain text template, to
//!   show what the chat template costs.

// The report on stdout is what this program is for.
#![allow(clippy::print_stdout)]

use std::fmt::Write as _;
use std::io::BufRead;
use std::sync::Arc;
use std::time::Instant;

// The same allocator as the `plaudit` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use axum::Router;
use axum::routing::post;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Value, json};

use plaudit_core::spec::{Format, SpecSource};
use plaudit_core::{Aspect, BuildContext, Context, Registry, Sample};
use plaudit_engine::Engine;

#[derive(Deserialize)]
struct ClassifyRequest {
    input: Vec<IgnoredAny>,
}

/// vLLM's reply for as many inputs as the request has, written at once.
async fn classify(body: axum::body::Bytes) -> axum::response::Response<axum::body::Body> {
    let n = serde_json::from_slice::<ClassifyRequest>(&body).map_or(0, |r| r.input.len());
    let mut reply = String::with_capacity(64 + n * 72);
    reply.push_str(r#"{"id":"classify-bench","object":"list","created":0,"model":"rm","data":["#);
    for i in 0..n {
        if i > 0 {
            reply.push(',');
        }
        let _ = write!(
            reply,
            r#"{{"index":{i},"label":"LABEL_0","probs":[{}],"num_classes":1}}"#,
            (i % 17) as f64 / 4.0 - 2.0
        );
    }
    let _ = write!(
        reply,
        r#"],"usage":{{"prompt_tokens":{n},"total_tokens":{n},"completion_tokens":0}}}}"#
    );
    axum::response::Response::builder()
        .header("content-type", "application/json")
        .body(axum::body::Body::from(reply))
        .expect("a response")
}

fn server() -> (String, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a loopback port");
    let port = listener.local_addr().expect("an address").port();
    let app = Router::new().route("/classify", post(classify));
    runtime.spawn(async move { axum::serve(listener, app).await });
    (format!("http://127.0.0.1:{port}"), runtime)
}

fn samples(n: usize) -> Vec<Sample> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/math/gsm8k_test.jsonl"
    );
    let file = std::fs::File::open(path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e} (the shared data sits beside the repository)");
        std::process::exit(2);
    });
    let rows: Vec<(String, String)> = std::io::BufReader::new(file)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(&l.expect("a line")).expect("a JSON row");
            (
                v["question"].as_str().expect("question").to_owned(),
                v["answer"].as_str().expect("answer").to_owned(),
            )
        })
        .collect();
    (0..n)
        .map(|i| {
            let (q, a) = &rows[i % rows.len()];
            Sample::new(format!("gsm8k-{i}"), a.clone()).with_prompt(q.clone())
        })
        .collect()
}

fn params(base_url: &str, input: Value) -> Value {
    let mut p = json!({
        "protocol": "vllm.classify",
        "base_url": base_url,
        "model": "rm",
        "batch_size": 64,
        "max_concurrency": 4,
    });
    for (k, v) in input.as_object().expect("an object") {
        p[k] = v.clone();
    }
    p
}

fn aspect(params: &Value) -> Box<dyn Aspect> {
    let mut registry = Registry::new();
    plaudit_model::register(&mut registry);
    let cx = BuildContext {
        base_dir: env!("CARGO_MANIFEST_DIR").into(),
    };
    (registry.get("model.remote").expect("the kind").build)(
        params.as_object().expect("an object"),
        &cx,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The best of 3 timings of `run`, which returns how many samples it scored.
fn best_of_3(mut run: impl FnMut() -> usize, n: usize) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let start = Instant::now();
        let scored = run();
        let seconds = start.elapsed().as_secs_f64();
        assert_eq!(scored, n, "every sample is scored");
        best = best.min(seconds);
    }
    best
}

fn report(path: &str, n: usize, seconds: f64) {
    println!(
        "{}",
        json!({"path": path, "samples": n, "seconds": (seconds * 1e4).round() / 1e4, "samples_per_second": (n as f64 / seconds).round()})
    );
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find(|a| a != "--bench")
        .map_or(20_000, |a| a.parse().expect("SAMPLES is a number"));
    let (base_url, _server) = server();
    let samples = samples(n);
    let refs: Vec<&Sample> = samples.iter().collect();
    let cx = || Context::with_timeout(std::time::Duration::from_secs(300));
    let scored =
        |e: Vec<plaudit_core::Evaluation>| e.iter().filter(|e| e.outcome.value().is_some()).count();

    let chat = params(&base_url, json!({"chat_template": "tests/data/qwen2.5"}));
    let a = aspect(&chat);
    let seconds = best_of_3(|| scored(a.evaluate_batch(&refs, &cx())), n);
    report("evaluate_batch", n, seconds);

    let spec = format!(
        "name = \"bench\"\n\n[[aspect]]\nname = \"rm\"\nkind = \"model.remote\"\ntimeout_ms = 300000\n{}",
        chat.as_object()
            .expect("an object")
            .iter()
            .map(|(k, v)| format!("{k} = {v}\n"))
            .collect::<String>()
    );
    let mut source = SpecSource::from_text("<bench>", spec, Format::Toml);
    source.base_dir = env!("CARGO_MANIFEST_DIR").into();
    let engine = Engine::builder()
        .build(&source)
        .unwrap_or_else(|e| panic!("{e}"));
    let shared = Arc::new(samples.clone());
    let seconds = best_of_3(
        || {
            engine
                .score_shared(&shared)
                .iter()
                .filter(|s| s.reward.is_some())
                .count()
        },
        n,
    );
    report("engine", n, seconds);

    let plain = params(
        &base_url,
        json!({"template": "Question: {prompt}\nAnswer: {response}"}),
    );
    let a = aspect(&plain);
    let seconds = best_of_3(|| scored(a.evaluate_batch(&refs, &cx())), n);
    report("evaluate_batch/plain", n, seconds);
}
