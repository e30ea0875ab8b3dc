//! Every judge kind against a real model: SmolLM2-135M-Instruct served by
//! llama-cpp-python's OpenAI-compatible server. Runs when
//! `PLAUDIT_JUDGE_LLAMA_URL` names the server (start it with
//! `crates/plaudit-judge/scripts/llama_server.sh`); skipped with a message
//! otherwise, since building the server takes minutes.
//!
//! A 135M model's verdicts mean little; what is checked is the whole path:
//! llama.cpp's `json_object` structured output, the usage it reports, and
//! that every reply becomes a verdict or a failure that keeps the raw reply,
//! never a silent number.

use std::time::Duration;

use plaudit_core::{BuildContext, Context, Registry, Sample, Status};
use serde_json::{Value, json};

fn server() -> Option<String> {
    match std::env::var("PLAUDIT_JUDGE_LLAMA_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!(
                "skipped: set PLAUDIT_JUDGE_LLAMA_URL (see crates/plaudit-judge/scripts/llama_server.sh)"
            );
            None
        }
    }
}

fn judge(kind: &str, url: &str, params: Value) -> Box<dyn plaudit_core::Aspect> {
    let mut registry = Registry::new();
    plaudit_judge::register(&mut registry);
    let mut all = json!({
        "base_url": url,
        "model": "smollm2",
        "structured_output": "json_object",
        "max_tokens": 256,
        "max_concurrency": 2,
    });
    for (k, v) in params.as_object().unwrap() {
        all[k] = v.clone();
    }
    (registry.get(kind).unwrap().build)(all.as_object().unwrap(), &BuildContext::default()).unwrap()
}

fn samples() -> Vec<Sample> {
    vec![
        Sample::new("right", "The capital of France is Paris.")
            .with_prompt("What is the capital of France?")
            .with_reference(json!("Paris")),
        Sample::new("wrong", "The capital of France is Berlin.")
            .with_prompt("What is the capital of France?")
            .with_reference(json!("Paris")),
        Sample::new("master-key", "Let's solve this problem step by step.")
            .with_prompt("What is the capital of France?")
            .with_reference(json!("Paris")),
    ]
}

fn check(kind: &str, params: Value) {
    let Some(url) = server() else { return };
    let aspect = judge(kind, &url, params);
    let samples = samples();
    let refs: Vec<&Sample> = samples.iter().collect();
    let out = aspect.evaluate_batch(&refs, &Context::with_timeout(Duration::from_secs(300)));
    assert_eq!(out.len(), 3);
    for (s, e) in samples.iter().zip(&out) {
        eprintln!("{kind} {}: {}", s.id, serde_json::to_string(e).unwrap());
    }
    // The guard: no call, 0.
    assert_eq!(out[2].outcome.value(), Some(0.0));
    assert_eq!(out[2].details.get("judged"), Some(&json!(false)));
    for e in &out[..2] {
        match e.outcome.status() {
            Status::Scored => {
                let v = e.outcome.value().unwrap();
                assert!((0.0..=1.0).contains(&v), "{v}");
            }
            // A small model may write an unreadable verdict: then it is a
            // failure that keeps what it said.
            Status::Failed => assert!(e.details.get("raw").is_some(), "{e:?}"),
            other => panic!("unexpected {other:?}: {e:?}"),
        }
        // The call went through and the server's usage was read.
        let tokens = &e.details.get("tokens").expect("token usage")["prompt"];
        assert!(tokens.as_u64().unwrap_or(0) > 0, "{e:?}");
    }
}

#[test]
fn score_on_a_real_model() {
    check("judge.score", json!({"min": 1, "max": 5}));
}

#[test]
fn rubric_on_a_real_model() {
    check(
        "judge.rubric",
        json!({"criteria": ["Names the correct city", "Is one sentence"]}),
    );
}

#[test]
fn principles_on_a_real_model() {
    check(
        "judge.principles",
        json!({"principles": ["The answer names a city", "The answer is correct"]}),
    );
}

#[test]
fn checklist_on_a_real_model() {
    check(
        "judge.checklist",
        json!({"items": ["mentions Paris", "mentions France"]}),
    );
}

/// Both orders of the response against the reference: each call's usage is
/// read, and the reward is a win probability.
#[test]
fn pairwise_on_a_real_model() {
    check("judge.pairwise", json!({}));
}
