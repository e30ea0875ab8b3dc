//! What goes on the wire, against the real loopback stub server (see
//! `support`): the fall back from `json_schema` to `json_object` when a
//! server rejects it, `Retry-After` as an HTTP-date, and the token-limit
//! and temperature fields for reasoning models. Requests are asserted
//! field by field.

mod support;

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use plaudit_core::{Context, Sample, Status};
use support::{ChatRequest as _, ChatScripts as _, Request, Scripted, Stub, cx, http_date, judge};

const VERDICT: &str = r#"{"critique": "ok", "score": 10}"#;

fn sample(response: &str) -> Sample {
    Sample::new("s", response).with_prompt("What is the capital of France?")
}

/// The request fields other than `response_format`.
fn without_format(r: &Request) -> Value {
    let mut body = r.body.clone();
    body.as_object_mut().unwrap().remove("response_format");
    body
}

// ---- json_schema → json_object ----------------------------------------------

/// A server that answers `json_schema` with `status` and `body`, and
/// `json_object` with a verdict.
fn rejecting(status: u16, body: &'static str) -> Stub {
    Stub::start(move |r| match r.format() {
        Some("json_schema") => Scripted::error(status, body),
        _ => Scripted::reply(VERDICT),
    })
}

const OPENAI_REJECTION: &str = r#"{"error": {"message": "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model. Learn more about supported models at the Structured Outputs guide: https://platform.openai.com/docs/guides/structured-outputs", "type": "invalid_request_error", "param": "response_format", "code": null}}"#;

#[test]
fn a_rejected_json_schema_falls_back_to_json_object_and_is_remembered() {
    let stub = rejecting(400, OPENAI_REJECTION);
    // No retries at all: asking in another form is not a retry.
    let aspect = judge("judge.score", &stub, json!({"max_retries": 0}));
    let e = aspect.evaluate(&sample("Paris"), &cx());
    assert_eq!(e.outcome.value(), Some(1.0), "{e:?}");
    assert_eq!(e.details["structured_output_fallback"], "json_object");
    assert_eq!(e.details["attempts"], 2);

    let r = stub.requests();
    assert_eq!(r.len(), 2);
    let first = &r[0].body["response_format"];
    assert_eq!(first["type"], "json_schema");
    assert_eq!(first["json_schema"]["name"], "score");
    assert_eq!(first["json_schema"]["strict"], true);
    let schema = first["json_schema"]["schema"].clone();
    assert_eq!(schema["required"], json!(["critique", "score"]));
    // The second asks for the same schema in llama.cpp's json_object form,
    // and is otherwise the same request.
    let second = &r[1].body["response_format"];
    assert_eq!(
        second.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["schema", "type"]
    );
    assert_eq!(second["type"], "json_object");
    assert_eq!(second["schema"], schema);
    assert_eq!(without_format(&r[0]), without_format(&r[1]));

    // Later calls of the same aspect go straight to json_object.
    let e = aspect.evaluate(&sample("Paris."), &cx());
    assert_eq!(e.outcome.value(), Some(1.0), "{e:?}");
    assert_eq!(e.details["structured_output_fallback"], "json_object");
    assert_eq!(e.details["attempts"], 1);
    let r = stub.requests();
    assert_eq!(r.len(), 3);
    assert_eq!(r[2].format(), Some("json_object"));

    // The memory is the aspect's: another one asks for json_schema first.
    judge("judge.score", &stub, json!({})).evaluate(&sample("Paris"), &cx());
    assert_eq!(stub.requests()[3].format(), Some("json_schema"));
}

#[test]
fn llama_cpp_and_validating_servers_rejections_fall_back_too() {
    for (status, body) in [
        // llama.cpp's server before September 2024, llama-cpp-python 0.3.
        (
            500,
            r#"{"error": {"code": 500, "message": "response_format type must be one of \"text\" or \"json_object\", but got: json_schema", "type": "server_error"}}"#,
        ),
        // A pydantic-validated server (llama-cpp-python's FastAPI, older vLLM).
        (
            422,
            r#"{"detail": [{"type": "literal_error", "loc": ["body", "response_format", "type"], "msg": "Input should be 'text' or 'json_object'", "input": "json_schema"}]}"#,
        ),
    ] {
        let stub = rejecting(status, body);
        let e = judge("judge.score", &stub, json!({})).evaluate(&sample("Paris"), &cx());
        assert_eq!(e.outcome.value(), Some(1.0), "{status}: {e:?}");
        assert_eq!(e.details["structured_output_fallback"], "json_object");
        // The 500 is not retried as an outage would be.
        let formats: Vec<Option<String>> = stub
            .requests()
            .iter()
            .map(|r| r.format().map(str::to_owned))
            .collect();
        assert_eq!(
            formats,
            [Some("json_schema".into()), Some("json_object".into())],
            "{status}"
        );
    }
}

#[test]
fn errors_that_are_not_a_json_schema_rejection_do_not_fall_back() {
    for (status, body, requests) in [
        // The schema itself is refused: json_object would not cure it.
        (
            400,
            r#"{"error": {"message": "Invalid schema for response_format 'score': In context=(), 'additionalProperties' is required to be supplied and to be false.", "param": "response_format.json_schema"}}"#,
            1,
        ),
        (
            400,
            r#"{"error": {"message": "This model's maximum context length is 8192 tokens."}}"#,
            1,
        ),
        // An outage mentioning neither is retried as usual (max_retries = 1).
        (503, r#"{"error": {"message": "overloaded"}}"#, 2),
    ] {
        let stub = rejecting(status, body);
        let e = judge("judge.score", &stub, json!({"max_retries": 1}))
            .evaluate(&sample("Paris"), &cx());
        assert_eq!(e.outcome.status(), Status::Failed, "{body}: {e:?}");
        assert!(
            e.outcome.to_string().contains(&format!("HTTP {status}")),
            "{e:?}"
        );
        assert!(e.details.get("structured_output_fallback").is_none());
        let r = stub.requests();
        assert_eq!(r.len(), requests, "{body}");
        assert!(r.iter().all(|r| r.format() == Some("json_schema")));
    }
}

#[test]
fn a_batch_that_meets_the_rejection_together_all_falls_back() {
    let stub = rejecting(400, OPENAI_REJECTION);
    let aspect = judge("judge.score", &stub, json!({"max_concurrency": 8}));
    let samples: Vec<Sample> = (0..20).map(|i| sample(&format!("answer {i}"))).collect();
    let refs: Vec<&Sample> = samples.iter().collect();
    let out = aspect.evaluate_batch(&refs, &cx());
    assert!(
        out.iter().all(|e| e.outcome.value() == Some(1.0)),
        "{out:?}"
    );
    let r = stub.requests();
    let schema = r
        .iter()
        .filter(|r| r.format() == Some("json_schema"))
        .count();
    let object = r
        .iter()
        .filter(|r| r.format() == Some("json_object"))
        .count();
    // Every sample got one json_object answer; at most the calls already
    // on the wire when the first rejection came asked with json_schema.
    assert_eq!(object, 20);
    assert!((1..=20).contains(&schema), "{schema}");
}

// ---- Retry-After as an HTTP-date ---------------------------------------------

/// An aspect whose own backoff would outlast the test's deadline, so that
/// a retry within it proves the server's wait was used.
fn patient(stub: &Stub) -> Box<dyn plaudit_core::Aspect> {
    judge(
        "judge.score",
        stub,
        json!({"retry_base_ms": 600_000, "retry_max_ms": 600_000}),
    )
}

#[test]
fn a_429_is_retried_at_the_servers_retry_after_date() {
    let stub = Stub::start(|r| {
        if r.n == 0 {
            // Whole seconds: the wait is between 1 and 2 s.
            let at = SystemTime::now() + Duration::from_secs(2);
            Scripted::status(429).header("retry-after", &http_date(at))
        } else {
            Scripted::reply(VERDICT)
        }
    });
    let e = patient(&stub).evaluate(
        &sample("Paris"),
        &Context::with_timeout(Duration::from_secs(30)),
    );
    assert_eq!(e.outcome.value(), Some(1.0), "{e:?}");
    assert_eq!(e.details["attempts"], 2);
    let r = stub.requests();
    assert!(
        r[1].at - r[0].at >= Duration::from_secs(1),
        "{:?}",
        r[1].at - r[0].at
    );
}

#[test]
fn a_retry_after_date_in_the_past_means_now() {
    let stub = Stub::start(|r| {
        if r.n == 0 {
            Scripted::status(503).header("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")
        } else {
            Scripted::reply(VERDICT)
        }
    });
    let e = patient(&stub).evaluate(
        &sample("Paris"),
        &Context::with_timeout(Duration::from_secs(30)),
    );
    assert_eq!(e.outcome.value(), Some(1.0), "{e:?}");
    assert_eq!(stub.requests().len(), 2);
}

#[test]
fn an_unreadable_retry_after_leaves_the_backoff() {
    let stub = Stub::start(|r| {
        if r.n == 0 {
            Scripted::status(429).header("retry-after", "Wednesday at noon")
        } else {
            Scripted::reply(VERDICT)
        }
    });
    // The 10-minute backoff applies, so the deadline comes first.
    let e = patient(&stub).evaluate(
        &sample("Paris"),
        &Context::with_timeout(Duration::from_millis(500)),
    );
    assert_eq!(e.outcome.status(), Status::TimedOut, "{e:?}");
    assert_eq!(stub.requests().len(), 1);
}

// ---- token limit and temperature -------------------------------------------

fn body_for(params: Value) -> Value {
    let stub = Stub::always(VERDICT);
    let e = judge("judge.score", &stub, params).evaluate(&sample("Paris"), &cx());
    assert_eq!(e.outcome.value(), Some(1.0), "{e:?}");
    stub.requests()[0].body.clone()
}

#[test]
fn reasoning_models_get_max_completion_tokens_and_no_temperature() {
    let body = body_for(json!({"model": "o3-mini", "max_tokens": 300}));
    assert_eq!(body["model"], "o3-mini");
    assert_eq!(body["max_completion_tokens"], 300);
    assert!(body.get("max_tokens").is_none(), "{body}");
    assert!(body.get("temperature").is_none(), "{body}");

    for model in ["gpt-5-mini", "openai/o1"] {
        let body = body_for(json!({"model": model}));
        assert_eq!(body["max_completion_tokens"], 1024, "{model}");
        assert!(body.get("max_tokens").is_none() && body.get("temperature").is_none());
    }
}

#[test]
fn other_models_keep_max_tokens_and_temperature_zero() {
    let body = body_for(json!({"model": "gpt-4o-mini"}));
    assert_eq!(body["max_tokens"], 1024);
    assert_eq!(body["temperature"], 0.0);
    assert!(body.get("max_completion_tokens").is_none(), "{body}");
}

#[test]
fn the_spec_overrides_the_model_rule() {
    let body = body_for(json!({"token_limit_field": "max_completion_tokens", "max_tokens": 64}));
    assert_eq!(body["max_completion_tokens"], 64);
    assert_eq!(body["temperature"], 0.0);
    assert!(body.get("max_tokens").is_none());

    let body =
        body_for(json!({"model": "o3", "token_limit_field": "max_tokens", "temperature": 1.0}));
    assert_eq!(body["max_tokens"], 1024);
    assert_eq!(body["temperature"], 1.0);
    assert!(body.get("max_completion_tokens").is_none());
}
