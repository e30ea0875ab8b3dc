//! Scoring never blocks the async runtime: while an aspect is stuck inside
//! the engine, the same single-threaded runtime still answers `/health`.

mod common;

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use plaudit_core::spec::{Format, SpecSource};
use plaudit_core::{Aspect, BuildContext, BuildError, Context, Evaluation, KindEntry, Sample};
use plaudit_engine::{Engine, default_registry};
use plaudit_server::ServerConfig;
use serde_json::{Map, Value};
use tokio::sync::Semaphore;

/// Released by the aspect when it starts waiting.
static ENTERED: Semaphore = Semaphore::const_new(0);
/// (released, gave up): the test releases the aspect; the aspect gives up
/// on its own only if nobody could release it.
static GATE: (Mutex<(bool, bool)>, Condvar) = (Mutex::new((false, false)), Condvar::new());

#[derive(Debug)]
struct Stuck;

impl Aspect for Stuck {
    fn evaluate(&self, _: &Sample, _: &Context) -> Evaluation {
        ENTERED.add_permits(1);
        let (lock, cvar) = &GATE;
        let mut state = lock.lock().unwrap();
        while !state.0 {
            // A generous bound, so that a blocked runtime fails the test
            // instead of hanging it.
            let (next, timeout) = cvar.wait_timeout(state, Duration::from_secs(30)).unwrap();
            state = next;
            if timeout.timed_out() {
                state.1 = true;
                break;
            }
        }
        Evaluation::scored(1.0)
    }
}

fn build(_: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    Ok(Box::new(Stuck))
}

#[tokio::test(flavor = "current_thread")]
async fn health_answers_while_an_aspect_is_stuck() {
    let mut registry = default_registry();
    registry.register(KindEntry {
        kind: "test.stuck",
        summary: "waits until the test releases it",
        version: 1,
        build,
    });
    let text = "name = \"stuck\"\n[[aspect]]\nname = \"stuck\"\nkind = \"test.stuck\"\ntimeout_ms = 120000\n";
    let source = SpecSource::from_text("<test>", text, Format::Toml);
    let engine = Engine::builder()
        .registry(registry)
        .threads(1)
        .build(&source)
        .unwrap();
    let app = app(ServerConfig::new(vec![("stuck".into(), Arc::new(engine))]));

    let scoring = tokio::spawn({
        let app = app.clone();
        async move {
            call(
                &app,
                "/v1/score",
                serde_json::json!({"samples": [{"response": "x"}]}),
            )
            .await
        }
    });
    ENTERED.acquire().await.unwrap().forget();

    let (status, _) = send(&app, get("/health")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(&app, get("/metrics")).await;
    assert_eq!(status, StatusCode::OK);
    {
        let (lock, cvar) = &GATE;
        let mut state = lock.lock().unwrap();
        assert!(!state.1, "the runtime was blocked until the aspect gave up");
        state.0 = true;
        cvar.notify_all();
    }
    let (status, body) = scoring.await.unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["scores"][0]["reward"], 1.0);
}
