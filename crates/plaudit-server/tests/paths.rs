//! Where requests are scored: small bodies wait on the async runtime, large
//! ones (and every request of a server whose specs use the result cache)
//! on a blocking thread. Both give the same answers; a request past its
//! deadline frees its slot, and the worker it held is given up on.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::*;
use plaudit_core::spec::{Format, SpecSource};
use plaudit_core::{Aspect, BuildContext, BuildError, Context, Evaluation, KindEntry, Sample};
use plaudit_engine::{Cache, Engine, default_registry};
use plaudit_server::ServerConfig;
use serde_json::{Map, Value, json};

/// A body of `n` samples, over the runtime's limit when `n` is large.
fn samples(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let answer = if i % 3 == 0 { "5" } else { "4" };
            json!({
                "id": format!("s{i}"),
                "response": format!("<think>{}</think><answer>{answer}</answer>", "2+2 ".repeat(20)),
                "reference": "4",
            })
        })
        .collect()
}

async fn rewards_one_by_one(app: &axum::Router, batch: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for s in batch {
        let (status, body) = call(app, "/v1/score", json!({"samples": [s]})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        out.push(body["scores"][0]["reward"].clone());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_and_small_bodies_score_alike() {
    let app = app(config());
    let batch = samples(600);
    let body = json!({ "samples": batch }).to_string();
    assert!(body.len() > 64 * 1024, "a body for the blocking path");
    let (status, response) = send(&app, post("/v1/score", body)).await;
    assert_eq!(status, StatusCode::OK);
    let all = body_json(response).await;
    let together: Vec<Value> = all["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reward"].clone())
        .collect();
    assert_eq!(together, rewards_one_by_one(&app, &batch).await);
    assert_eq!(together[0], json!(0.2));
    assert_eq!(together[1], json!(1.2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spec_that_uses_the_cache_is_scored_on_blocking_threads() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Arc::new(Cache::open(&dir.path().join("cache.sqlite")).unwrap());
    let text = format!("{MATH}cache = true\n");
    let source = SpecSource::from_text("<test>", &text, Format::Toml);
    let engine = Engine::builder()
        .threads(1)
        .cache(cache)
        .build(&source)
        .unwrap();
    assert!(!engine.can_score_async());
    let app = app(ServerConfig::new(vec![("math".into(), Arc::new(engine))]));
    let batch = samples(6);
    let first = rewards_one_by_one(&app, &batch).await;
    let again = rewards_one_by_one(&app, &batch).await;
    assert_eq!(first, again);
    assert_eq!(first[..2], [json!(0.2), json!(1.2)]);
    let (_, metrics) = send(&app, get("/metrics")).await;
    let text = String::from_utf8(body_bytes(metrics).await).unwrap();
    // Two distinct samples (the id is not part of the key): two misses,
    // then hits.
    for line in [
        "plaudit_aspect_cache_total{spec=\"math\",aspect=\"correct\",result=\"hit\"} 10",
        "plaudit_aspect_cache_total{spec=\"math\",aspect=\"correct\",result=\"miss\"} 2",
    ] {
        assert!(text.contains(line), "{line} not in {text}");
    }
}

/// Holds its worker, ignoring its deadline, on responses containing
/// `word`, until `release` is set (20 s at most).
#[derive(Debug)]
struct HoldsOn {
    word: &'static str,
    release: &'static AtomicBool,
}
static RELEASE: AtomicBool = AtomicBool::new(false);

impl Aspect for HoldsOn {
    fn evaluate(&self, s: &Sample, _: &Context) -> Evaluation {
        if s.response.text().contains(self.word) {
            let until = Instant::now() + Duration::from_secs(20);
            while !self.release.load(Ordering::SeqCst) && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        Evaluation::scored(1.0)
    }
}

fn holds(_: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    Ok(Box::new(HoldsOn {
        word: "hold",
        release: &RELEASE,
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_its_deadline_frees_its_slot_and_its_worker() {
    let mut registry = default_registry();
    registry.register(KindEntry {
        kind: "test.holds",
        summary: "holds its worker on responses containing \"hold\"",
        version: 1,
        build: holds,
    });
    let text =
        "name = \"holds\"\n[[aspect]]\nname = \"holds\"\nkind = \"test.holds\"\ntimeout_ms = 50\n";
    // One worker and one slot: a request that kept either would stall the
    // next one.
    let engine = Engine::builder()
        .registry(registry)
        .threads(1)
        .build(&SpecSource::from_text("<test>", text, Format::Toml))
        .unwrap();
    let mut config = ServerConfig::new(vec![("holds".into(), Arc::new(engine))]);
    config.max_in_flight = 1;
    config.request_timeout = Duration::from_millis(150);
    let app = app(config);

    let (status, body) = call(
        &app,
        "/v1/score",
        json!({"samples": [{"response": "hold on"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    // The slot is free at once (no 503). The worker is given up on once
    // the held aspect is past its deadline plus the watchdog's grace;
    // until then the next requests may wait past their own deadlines.
    let started = Instant::now();
    loop {
        let (status, body) =
            call(&app, "/v1/score", json!({"samples": [{"response": "go"}]})).await;
        if status == StatusCode::OK {
            assert_eq!(body["scores"][0]["reward"], 1.0);
            break;
        }
        assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the held worker was never given up on"
        );
    }
    RELEASE.store(true, Ordering::SeqCst);
}

/// Released by the turns test.
static TURN_RELEASE: AtomicBool = AtomicBool::new(false);

fn waits(_: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    Ok(Box::new(HoldsOn {
        word: "wait",
        release: &TURN_RELEASE,
    }))
}

/// A body over the runtime's limit: handled on a blocking thread.
fn large(response: &str) -> String {
    let body = json!({"samples": [{"response": format!("{response} {}", "x".repeat(40_000))}]});
    body.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_requests_take_turns_and_a_waiting_one_keeps_its_deadline() {
    let mut registry = default_registry();
    registry.register(KindEntry {
        kind: "test.waits",
        summary: "holds its worker on responses containing \"wait\"",
        version: 1,
        build: waits,
    });
    let text = "name = \"waits\"\n[[aspect]]\nname = \"waits\"\nkind = \"test.waits\"\ntimeout_ms = 30000\n";
    let engine = Engine::builder()
        .registry(registry)
        .threads(2)
        .build(&SpecSource::from_text("<test>", text, Format::Toml))
        .unwrap();
    let mut config = ServerConfig::new(vec![("waits".into(), Arc::new(engine))]);
    config.max_blocking = Some(1);
    config.request_timeout = Duration::from_millis(500);
    let app = app(config);

    // The first takes the one turn and keeps it while its work runs, past
    // its own deadline.
    let (status, _) = send(&app, post("/v1/score", large("wait"))).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    // The next waits for the turn (no 503), seen in /metrics, and gives up
    // at its deadline.
    let next = tokio::spawn({
        let app = app.clone();
        async move { send(&app, post("/v1/score", large("go"))).await }
    });
    let started = Instant::now();
    loop {
        let (_, r) = send(&app, get("/metrics")).await;
        let text = String::from_utf8(body_bytes(r).await).unwrap();
        if text.contains("plaudit_blocking_waiting 1\n") {
            assert!(text.contains("plaudit_blocking_in_use 1\n"), "{text}");
            assert!(text.contains("plaudit_blocking_capacity 1\n"), "{text}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{text}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (status, body) = next.await.unwrap();
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(
        body_json(body).await["error"],
        "the request did not finish within 500 ms (request_timeout)"
    );
    // A small body does not need a turn.
    let (status, _) = call(&app, "/v1/score", json!({"samples": [{"response": "go"}]})).await;
    assert_eq!(status, StatusCode::OK);
    // Once the work ends, the turn is free again.
    TURN_RELEASE.store(true, Ordering::SeqCst);
    let started = Instant::now();
    loop {
        let (status, body) = send(&app, post("/v1/score", large("go"))).await;
        if status == StatusCode::OK {
            assert_eq!(body_json(body).await["scores"][0]["reward"], 1.0);
            break;
        }
        assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the turn was never freed"
        );
    }
    let (_, r) = send(&app, get("/metrics")).await;
    let text = String::from_utf8(body_bytes(r).await).unwrap();
    assert!(text.contains("plaudit_blocking_waiting 0\n"), "{text}");
    assert!(text.contains("plaudit_blocking_in_use 0\n"), "{text}");
}
