//! `model.remote` against real HTTP servers speaking each protocol.
//!
//! The servers (see `support`) listen on ephemeral 127.0.0.1 ports, expose
//! the routes of vLLM, SGLang or text-embeddings-inference, reject requests
//! their real schema rejects, and answer as each test scripts: the exact
//! reply of a deterministic model, errors, `Retry-After`, malformed bodies,
//! missing results, bare `NaN`s, slow replies. Tests assert on the requests
//! the server saw, field by field, and on the evaluations; the only time
//! bounds are lower bounds the client must respect (`Retry-After`).

mod support;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use plaudit_core::{Aspect, Context, Evaluation, Outcome, Sample, Status};
use support::{
    ModelRequest as _, ModelScripts as _, Scripted, Server, Stub, answer, by_length, chat_text, cx,
    remote, try_remote,
};

fn samples(n: usize) -> Vec<Sample> {
    (0..n)
        .map(|i| Sample::new(format!("s{i}"), "x".repeat(i + 1)).with_prompt("p"))
        .collect()
}

fn batch(aspect: &dyn Aspect, samples: &[Sample]) -> Vec<Evaluation> {
    let refs: Vec<&Sample> = samples.iter().collect();
    aspect.evaluate_batch(&refs, &cx())
}

fn value(e: &Evaluation) -> f64 {
    e.outcome
        .value()
        .unwrap_or_else(|| panic!("not scored: {e:?}"))
}

fn error(e: &Evaluation) -> &str {
    match &e.outcome {
        Outcome::Failed { error } => error,
        other => panic!("not failed: {other:?}"),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

// ---- each protocol ---------------------------------------------------------

#[test]
fn vllm_classify_sends_raw_logit_requests_and_reads_probs() {
    let stub = Stub::model(Server::Vllm, by_length());
    let aspect = remote(
        &stub,
        json!({"protocol": "vllm.classify", "model": "Skywork/Skywork-Reward-V2-Llama-3.1-8B", "template": "Q: {prompt}\nA: {response}"}),
    );
    let s = [
        Sample::new("a", "four").with_prompt("2+2?"),
        Sample::new("b", "5").with_prompt("2+3?"),
    ];
    let e = batch(aspect.as_ref(), &s);
    // "Q: 2+2?\nA: four" is 15 characters.
    assert!(close(value(&e[0]), 1.5), "{e:?}");
    assert!(close(value(&e[1]), 1.2), "{e:?}");
    assert_eq!(e[0].details["batch"], 2);
    assert_eq!(e[0].details["attempts"], 1);
    assert_eq!(
        e[0].details["model"],
        "Skywork/Skywork-Reward-V2-Llama-3.1-8B"
    );
    assert!(e[0].details["latency_ms"].is_u64());

    let requests = stub.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/classify");
    assert_eq!(requests[0].auth, None);
    assert_eq!(
        requests[0].body,
        json!({
            "model": "Skywork/Skywork-Reward-V2-Llama-3.1-8B",
            "input": ["Q: 2+2?\nA: four", "Q: 2+3?\nA: 5"],
            "use_activation": false,
        })
    );
}

#[test]
fn vllm_takes_one_conversation_a_request_as_messages() {
    let stub = Stub::model(Server::Vllm, by_length());
    let aspect = remote(
        &stub,
        json!({"protocol": "vllm.classify", "messages": true, "batch_size": 16}),
    );
    let s = samples(3);
    let e = batch(aspect.as_ref(), &s);
    let requests = stub.requests();
    assert_eq!(requests.len(), 3);
    for r in &requests {
        assert_eq!(r.body.as_object().unwrap().len(), 2, "{}", r.body);
        assert_eq!(r.body["use_activation"], false);
        assert_eq!(
            r.body["messages"][0],
            json!({"role": "user", "content": "p"})
        );
        assert_eq!(r.body["messages"][1]["role"], "assistant");
    }
    for (i, e) in e.iter().enumerate() {
        let conversation = json!([
            {"role": "user", "content": "p"},
            {"role": "assistant", "content": "x".repeat(i + 1)},
        ]);
        let want = chat_text(&conversation).chars().count() as f64 / 10.0;
        assert!(close(value(e), want), "{i}: {e:?}");
        assert_eq!(e.details["batch"], 1);
    }
}

#[test]
fn vllm_pooling_scores_each_step_of_a_process_reward_model() {
    // Two-label rows: [wrong, right], with "right" growing with the step.
    let model: support::Model = Arc::new(|step: &str| vec![0.0, step.len() as f64 - 3.0]);
    let stub = Stub::model(Server::Vllm, model);
    let aspect = remote(
        &stub,
        json!({"protocol": "vllm.pooling", "model": "Qwen/Qwen2.5-Math-PRM-7B", "template": "{response}", "step_tag": "<extra_0>"}),
    );
    let s = [Sample::new("a", "abc\n\nabcdef\n\nab\n\n")];
    let e = batch(aspect.as_ref(), &s);
    let requests = stub.requests();
    assert_eq!(requests[0].path, "/pooling");
    assert_eq!(
        requests[0].body,
        json!({"model": "Qwen/Qwen2.5-Math-PRM-7B", "input": ["abc<extra_0>abcdef<extra_0>ab<extra_0>"], "use_activation": false})
    );
    // Steps "abc", "abcdef", "ab": softmax of [0, 0], [0, 3], [0, -1].
    let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
    let steps: Vec<f64> = e[0].details["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(steps.len(), 3);
    for (got, want) in steps.iter().zip([sig(0.0), sig(3.0), sig(-1.0)]) {
        assert!(close(*got, want), "{steps:?}");
    }
    // The weakest step by default; the mean and the last on request.
    assert!(close(value(&e[0]), sig(-1.0)));
    let mean = remote(
        &stub,
        json!({"protocol": "vllm.pooling", "template": "{response}", "step_tag": "<extra_0>", "step_reduce": "mean"}),
    );
    let want = (sig(0.0) + sig(3.0) + sig(-1.0)) / 3.0;
    assert!(close(value(&batch(mean.as_ref(), &s)[0]), want));
    // A response without steps has no score.
    let e = batch(aspect.as_ref(), &[Sample::new("b", "   ")]);
    assert!(error(&e[0]).contains("no step scores"), "{e:?}");
}

#[test]
fn sglang_classify_reads_embeddings_in_order() {
    let stub = Stub::model(Server::Sglang, by_length());
    let aspect = remote(
        &stub,
        json!({"protocol": "sglang.classify", "model": "Skywork/Skywork-Reward-Llama-3.1-8B-v0.2", "template": "{response}"}),
    );
    let e = batch(aspect.as_ref(), &samples(3));
    for (i, e) in e.iter().enumerate() {
        assert!(close(value(e), (i + 1) as f64 / 10.0), "{e:?}");
    }
    let requests = stub.requests();
    assert_eq!(requests[0].path, "/classify");
    assert_eq!(
        requests[0].body,
        json!({"model": "Skywork/Skywork-Reward-Llama-3.1-8B-v0.2", "text": ["x", "xx", "xxx"]})
    );
}

#[test]
fn tei_predict_picks_a_label_whatever_the_order_of_the_reply() {
    // Label 1 is "good": it wins for long texts and loses for short ones,
    // so the reply's order (by score) differs between the samples.
    let model: support::Model = Arc::new(|t: &str| vec![2.0, t.len() as f64 - 2.0]);
    let stub = Stub::model(Server::Tei, model);
    let aspect = remote(
        &stub,
        json!({"protocol": "tei.predict", "template": "{response}", "label": "LABEL_1", "activation": "softmax", "heads": {"bad": "LABEL_0"}}),
    );
    let s = [Sample::new("a", "x"), Sample::new("b", "xxxxxx")];
    let e = batch(aspect.as_ref(), &s);
    let softmax1 = |a: f64, b: f64| b.exp() / (a.exp() + b.exp());
    assert!(close(value(&e[0]), softmax1(2.0, -1.0)), "{e:?}");
    assert!(close(value(&e[1]), softmax1(2.0, 4.0)), "{e:?}");
    assert!(close(
        e[0].details["heads"]["bad"].as_f64().unwrap(),
        softmax1(-1.0, 2.0)
    ));
    let requests = stub.requests();
    assert_eq!(requests[0].path, "/predict");
    assert_eq!(
        requests[0].body,
        json!({"inputs": [["x"], ["xxxxxx"]], "raw_scores": true})
    );
    // Several labels and none named: no guess.
    let unnamed = remote(
        &stub,
        json!({"protocol": "tei.predict", "template": "{response}"}),
    );
    let e = batch(unnamed.as_ref(), &s);
    assert_eq!(
        error(&e[0]),
        "the model gave 2 labels (LABEL_0, LABEL_1); say which is the reward with `label`"
    );
}

#[test]
fn tei_rerank_sends_one_request_per_prompt() {
    let stub = Stub::model(Server::Tei, by_length());
    let aspect = remote(
        &stub,
        json!({"protocol": "tei.rerank", "activation": "sigmoid"}),
    );
    let s = [
        Sample::new("a", "Paris").with_prompt("capital of France?"),
        Sample::new("b", "Rome").with_prompt("capital of Italy?"),
        Sample::new("c", "Lyon").with_prompt("capital of France?"),
    ];
    let e = batch(aspect.as_ref(), &s);
    let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
    for (e, s) in e.iter().zip(&s) {
        let text = format!("{}|{}", s.prompt.text(), s.response.text());
        assert!(close(value(e), sig(text.len() as f64 / 10.0)), "{e:?}");
    }
    let requests = stub.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].path, "/rerank");
    assert_eq!(
        requests[0].body,
        json!({"query": "capital of France?", "texts": ["Paris", "Lyon"], "raw_scores": true})
    );
    assert_eq!(
        requests[1].body,
        json!({"query": "capital of Italy?", "texts": ["Rome"], "raw_scores": true})
    );
}

#[test]
fn multi_output_models_pick_an_index_and_report_heads() {
    let model: support::Model = Arc::new(|_: &str| vec![0.25, -1.5, 3.0]);
    let stub = Stub::model(Server::Vllm, model);
    let aspect = remote(
        &stub,
        json!({"protocol": "vllm.classify", "template": "{response}", "index": 2, "heads": {"helpfulness": 0, "verbosity": 1}}),
    );
    let e = batch(aspect.as_ref(), &samples(1));
    assert_eq!(value(&e[0]), 3.0);
    assert_eq!(
        e[0].details["heads"],
        json!({"helpfulness": 0.25, "verbosity": -1.5})
    );
    let unnamed = remote(
        &stub,
        json!({"protocol": "vllm.classify", "template": "{response}"}),
    );
    let e = batch(unnamed.as_ref(), &samples(1));
    assert_eq!(
        error(&e[0]),
        "the model gave 3 values; say which is the reward with `index`"
    );
}

#[test]
fn the_api_key_is_sent_as_a_bearer_token() {
    let stub = Stub::model(Server::Vllm, by_length());
    // The key is read from the variable `api_key_env` names; tests may not
    // set variables (no unsafe code), so use one every process has.
    let key = std::env::var("PATH").unwrap();
    let aspect = remote(
        &stub,
        json!({"protocol": "vllm.classify", "template": "{response}", "api_key_env": "PATH"}),
    );
    batch(aspect.as_ref(), &samples(1));
    assert_eq!(stub.requests()[0].auth, Some(format!("Bearer {key}")));
}

// ---- batching ----------------------------------------------------------------

#[test]
fn batches_hold_batch_size_samples() {
    let stub = Stub::model(Server::Vllm, by_length());
    let aspect = remote(
        &stub,
        json!({"protocol": "vllm.classify", "template": "{response}", "batch_size": 4, "max_concurrency": 1}),
    );
    let s = samples(10);
    let e = batch(aspect.as_ref(), &s);
    assert_eq!(stub.batch_sizes(), [4, 4, 2]);
    // Results go back to their samples.
    for (i, e) in e.iter().enumerate() {
        assert!(close(value(e), (i + 1) as f64 / 10.0), "{i}: {e:?}");
    }
}

#[test]
fn batches_hold_at_most_the_token_budget() {
    let stub = Stub::model(Server::Vllm, by_length());
    // 40 bytes, about 10 tokens, each; 25 tokens fit two.
    let aspect = remote(
        &stub,
        json!({"protocol": "vllm.classify", "template": "{response}", "max_batch_tokens": 25, "max_concurrency": 1}),
    );
    let s: Vec<Sample> = (0..5)
        .map(|i| Sample::new(format!("{i}"), "y".repeat(40)))
        .collect();
    let e = batch(aspect.as_ref(), &s);
    assert!(e.iter().all(|e| e.outcome.status() == Status::Scored));
    assert_eq!(stub.batch_sizes(), [2, 2, 1]);
}

#[test]
fn samples_from_many_callers_are_batched_together() {
    let stub = Stub::model(Server::Vllm, by_length());
    let aspect: Arc<dyn Aspect> = Arc::from(remote(
        &stub,
        json!({"protocol": "vllm.classify", "template": "{response}", "batch_size": 16, "max_concurrency": 1, "batch_wait_ms": 200}),
    ));
    // 32 callers with one sample each, as the engine's workers call.
    let threads: Vec<_> = (0..32)
        .map(|i| {
            let aspect = Arc::clone(&aspect);
            std::thread::spawn(move || {
                let s = Sample::new(format!("{i}"), "z".repeat(i + 1));
                aspect.evaluate(&s, &cx())
            })
        })
        .collect();
    for (i, t) in threads.into_iter().enumerate() {
        let e = t.join().unwrap();
        assert!(close(value(&e), (i + 1) as f64 / 10.0), "{i}: {e:?}");
    }
    let sizes = stub.batch_sizes();
    assert_eq!(sizes.iter().sum::<usize>(), 32);
    assert!(sizes.iter().all(|&n| n <= 16), "{sizes:?}");
    assert!(
        sizes.len() < 32 && sizes.iter().any(|&n| n > 1),
        "{sizes:?}"
    );
    assert!(aspect.concurrency() >= 32);
}

// ---- failures ----------------------------------------------------------------

#[test]
fn a_429_is_retried_then_succeeds() {
    let model = by_length();
    let stub = Stub::start(Server::Vllm, move |r| {
        if r.n == 0 {
            Scripted::status(429)
        } else {
            answer(r, &model)
        }
    });
    let aspect = remote(
        &stub,
        json!({"protocol": "vllm.classify", "template": "{response}"}),
    );
    let e = batch(aspect.as_ref(), &samples(2));
    assert!(close(value(&e[1]), 0.2), "{e:?}");
    assert_eq!(e[1].details["attempts"], 2);
    let requests = stub.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, requests[1].body);
}

#[test]
fn a_503_is_retried_after_the_servers_retry_after() {
    let model = by_length();
    let stub = Stub::start(Server::Tei, move |r| {
        if r.n == 0 {
            Scripted::status(503).header("retry-after", "1")
        } else {
            answer(r, &model)
        }
    });
    let aspect = remote(&stub, json!({"protocol": "tei.rerank"}));
    let e = batch(aspect.as_ref(), &samples(1));
    assert_eq!(e[0].outcome.status(), Status::Scored, "{e:?}");
    let r = stub.requests();
    // The backoff alone would be a millisecond.
    assert!(
        r[1].at - r[0].at >= Duration::from_millis(950),
        "{:?}",
        r[1].at - r[0].at
    );
}

#[test]
fn retries_run_out() {
    let stub = Stub::start(Server::Vllm, |_| Scripted::status(503));
    let aspect = remote(
        &stub,
        json!({"protocol": "vllm.classify", "template": "{response}", "max_retries": 2}),
    );
    let e = batch(aspect.as_ref(), &samples(2));
    for e in &e {
        assert_eq!(
            error(e),
            r#"the model server answered HTTP 503 after 3 attempt(s): {"error":"scripted 503","error_type":"stub"}"#
        );
        assert_eq!(e.details["attempts"], 3);
    }
    assert_eq!(stub.requests().len(), 3);
}

#[test]
fn a_malformed_reply_fails_its_samples_with_the_reply() {
    let stub = Stub::start(Server::Vllm, |_| {
        Scripted::raw("<html>upstream error</html>")
    });
    let aspect = remote(
        &stub,
        json!({"protocol": "vllm.classify", "template": "{response}"}),
    );
    let e = batch(aspect.as_ref(), &samples(2));
    for e in &e {
        let error = error(e);
        assert!(
            error.starts_with(
                "the model server's reply is not a vllm.classify reply (expected value"
            ),
            "{error}"
        );
        assert!(error.ends_with(": <html>upstream error</html>"), "{error}");
    }
    // Not retried: the server answered.
    assert_eq!(stub.requests().len(), 1);
}

#[test]
fn a_missing_result_fails_only_its_sample() {
    let model = by_length();
    let stub = Stub::start(Server::Vllm, move |r| {
        let mut reply: Value = answer(r, &model).body_json();
        reply["data"].as_array_mut().unwrap().remove(1);
        Scripted::json(reply)
    });
    let aspect = remote(
        &stub,
        json!({"protocol": "vllm.classify", "template": "{response}"}),
    );
    let e = batch(aspect.as_ref(), &samples(3));
    assert!(close(value(&e[0]), 0.1));
    assert_eq!(
        error(&e[1]),
        "the server's reply has no result for input 1 (2 results for 3 inputs)"
    );
    assert!(close(value(&e[2]), 0.3));
}

#[test]
fn a_reply_of_the_wrong_length_fails_its_batch() {
    let model = by_length();
    let stub = Stub::start(Server::Sglang, move |r| {
        let mut reply: Value = answer(r, &model).body_json();
        reply.as_array_mut().unwrap().pop();
        Scripted::json(reply)
    });
    let aspect = remote(
        &stub,
        json!({"protocol": "sglang.classify", "template": "{response}"}),
    );
    let e = batch(aspect.as_ref(), &samples(3));
    for e in &e {
        assert!(
            error(e).starts_with(
                "the model server's reply is not a sglang.classify reply (the server's reply has 2 results for 3 inputs)"
            ),
            "{e:?}"
        );
    }
}

#[test]
fn a_nan_score_fails_only_its_sample() {
    // vLLM writes a non-finite float as a bare NaN.
    let stub = Stub::start(Server::Vllm, |_| {
        Scripted::raw(
            r#"{"id":"classify-1","object":"list","created":1,"model":"rm","data":[{"index":0,"label":"LABEL_0","probs":[NaN],"num_classes":1},{"index":1,"label":"LABEL_0","probs":[0.75],"num_classes":1},{"index":2,"label":"LABEL_0","probs":[-Infinity],"num_classes":1}],"usage":{"prompt_tokens":3,"total_tokens":3,"completion_tokens":0}}"#,
        )
    });
    let aspect = remote(
        &stub,
        json!({"protocol": "vllm.classify", "template": "{response}"}),
    );
    let e = batch(aspect.as_ref(), &samples(3));
    assert_eq!(
        error(&e[0]),
        "the model's score is not a finite number (NaN)"
    );
    assert_eq!(value(&e[1]), 0.75);
    assert_eq!(
        error(&e[2]),
        "the model's score is not a finite number (NaN)"
    );
}

#[test]
fn a_rejected_batch_is_split_until_the_bad_input_stands_alone() {
    let model = by_length();
    let stub = Stub::start(Server::Vllm, move |r| {
        if r.texts().iter().any(|t| t.contains("TOO LONG")) {
            Scripted::status(400)
        } else {
            answer(r, &model)
        }
    });
    let aspect = remote(
        &stub,
        json!({"protocol": "vllm.classify", "template": "{response}"}),
    );
    let mut s = samples(4);
    s[2] = Sample::new("bad", "TOO LONG");
    let e = batch(aspect.as_ref(), &s);
    assert!(close(value(&e[0]), 0.1));
    assert!(close(value(&e[1]), 0.2));
    assert!(
        error(&e[2]).starts_with("the model server answered HTTP 400 after 1 attempt(s)"),
        "{e:?}"
    );
    assert!(close(value(&e[3]), 0.4));
    assert_eq!(stub.batch_sizes(), [4, 2, 2, 1, 1]);
}

#[test]
fn an_error_no_split_can_fix_is_not_split() {
    let stub = Stub::start(Server::Vllm, |_| Scripted::status(404));
    let aspect = remote(
        &stub,
        json!({"protocol": "vllm.classify", "template": "{response}"}),
    );
    let e = batch(aspect.as_ref(), &samples(4));
    assert!(error(&e[0]).contains("HTTP 404"), "{e:?}");
    assert_eq!(stub.requests().len(), 1);
}

#[test]
fn a_request_the_server_rejects_says_why() {
    // The stub checks the real schema: a TEI server behind a spec that
    // says vLLM answers 404 (no such route).
    let stub = Stub::model(Server::Tei, by_length());
    let aspect = remote(
        &stub,
        json!({"protocol": "vllm.classify", "template": "{response}"}),
    );
    let e = batch(aspect.as_ref(), &samples(1));
    assert!(
        error(&e[0]).starts_with("the model server answered HTTP 404"),
        "{e:?}"
    );
}

#[test]
fn a_slow_reply_times_the_call_out_and_is_retried() {
    let model = by_length();
    let stub = Stub::start(Server::Vllm, move |r| {
        answer(r, &model).after(Duration::from_secs(5))
    });
    let aspect = remote(
        &stub,
        json!({"protocol": "vllm.classify", "template": "{response}", "call_timeout_ms": 100, "max_retries": 1}),
    );
    let e = batch(aspect.as_ref(), &samples(1));
    assert_eq!(
        error(&e[0]),
        "the model call timed out after 100 ms, 2 attempt(s)"
    );
    assert_eq!(stub.requests().len(), 2);
}

#[test]
fn the_aspect_deadline_bounds_everything() {
    let model = by_length();
    let stub = Stub::start(Server::Vllm, move |r| {
        answer(r, &model).after(Duration::from_secs(30))
    });
    let aspect = remote(
        &stub,
        json!({"protocol": "vllm.classify", "template": "{response}"}),
    );
    let cx = Context::with_timeout(Duration::from_millis(200));
    let s = samples(2);
    let refs: Vec<&Sample> = s.iter().collect();
    let e = aspect.evaluate_batch(&refs, &cx);
    for e in &e {
        assert_eq!(e.outcome, Outcome::TimedOut { after_ms: 200 });
    }
}

#[test]
fn an_unreachable_server_is_a_failure_not_a_score() {
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let stub = Stub::model(Server::Vllm, by_length());
    let mut aspect_params =
        json!({"protocol": "vllm.classify", "template": "{response}", "max_retries": 1});
    aspect_params["base_url"] = json!(format!("http://127.0.0.1:{port}"));
    let aspect = try_remote(&stub, aspect_params).unwrap();
    let e = batch(aspect.as_ref(), &samples(1));
    assert!(
        error(&e[0]).starts_with(&format!(
            "could not reach the model server at http://127.0.0.1:{port}/classify after 2 attempt(s)"
        )),
        "{e:?}"
    );
}

// ---- the model's input -----------------------------------------------------

/// The conversation of tests/data/renderings.json's case `name`, as a sample.
fn rendered_case(model: &str, name: &str) -> (Sample, String) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/renderings.json");
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let case = &all[model][name];
    let messages = case["messages"].as_array().unwrap();
    let last = messages.len() - 1;
    let s: Sample = serde_json::from_value(json!({
        "id": name,
        "prompt": messages[..last],
        "response": [messages[last]],
    }))
    .unwrap();
    (s, case["text"].as_str().unwrap().to_owned())
}

#[test]
fn chat_templates_render_the_conversation_as_transformers_does() {
    let stub = Stub::model(Server::Vllm, by_length());
    for (model, bos) in [("qwen2.5", ""), ("llama-3.1", "<|begin_of_text|>")] {
        let strip = remote(
            &stub,
            json!({"protocol": "vllm.classify", "chat_template": format!("tests/data/{model}")}),
        );
        let keep = remote(
            &stub,
            json!({"protocol": "vllm.classify", "chat_template": format!("tests/data/{model}/tokenizer_config.json"), "strip_bos": false}),
        );
        for name in ["plain", "system_and_turns"] {
            let (s, text) = rendered_case(model, name);
            let before = stub.requests().len();
            batch(strip.as_ref(), std::slice::from_ref(&s));
            batch(keep.as_ref(), std::slice::from_ref(&s));
            let r = stub.requests();
            // The server's tokenizer adds the BOS token; it is sent once.
            assert_eq!(
                r[before].texts(),
                [text.strip_prefix(bos).unwrap()],
                "{model} {name}"
            );
            assert_eq!(r[before + 1].texts(), [text.as_str()], "{model} {name}");
        }
    }
}

#[test]
fn a_plain_prompt_becomes_the_user_turn() {
    let stub = Stub::model(Server::Sglang, by_length());
    let aspect = remote(
        &stub,
        json!({"protocol": "sglang.classify", "chat_template": "tests/data/qwen2.5"}),
    );
    let s = Sample::new("a", "2+2 = 4.\n\nThe answer is **4**.").with_prompt("What is 2+2?");
    batch(aspect.as_ref(), &[s]);
    let (_, text) = rendered_case("qwen2.5", "plain");
    assert_eq!(stub.requests()[0].texts(), [text]);
}

#[test]
fn a_sample_the_template_refuses_fails_alone() {
    let stub = Stub::model(Server::Vllm, by_length());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tokenizer_config.json"),
        json!({"chat_template": "{% if messages[0].role != 'user' %}{{ raise_exception('Conversations must start with a user turn') }}{% endif %}{{ messages[-1].content }}"}).to_string(),
    )
    .unwrap();
    let aspect = remote(
        &stub,
        json!({"protocol": "vllm.classify", "chat_template": dir.path()}),
    );
    let s = [
        Sample::new("a", "no prompt"),
        Sample::new("b", "ok").with_prompt("q"),
    ];
    let e = batch(aspect.as_ref(), &s);
    assert_eq!(
        error(&e[0]),
        "the chat template refused the conversation: Conversations must start with a user turn"
    );
    assert!(close(value(&e[1]), 0.2));
    assert_eq!(stub.batch_sizes(), [1]);
}
