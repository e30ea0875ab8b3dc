//! Every endpoint in memory (`tower::ServiceExt::oneshot`), with the exact
//! JSON shapes the protocols pin.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};

/// Latencies differ from run to run; everything else is pinned.
fn without_latency(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("latency_us");
                m.values_mut().for_each(walk);
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

#[tokio::test]
async fn native_scores_a_batch_with_every_outcome() {
    let app = app(config());
    let (status, body) = call(
        &app,
        "/v1/score",
        json!({"samples": [
            {"id": "a", "prompt": "2+2?", "response": GOOD, "reference": "4"},
            {"response": "4", "reference": "4"},
            {"id": "c", "response": GOOD}
        ]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let hash = body["spec_hash"].as_str().unwrap().to_owned();
    assert!(!hash.is_empty());
    assert_eq!(
        without_latency(body)["scores"],
        json!([
            {"id": "a", "reward": 1.2, "aspects": {
                "format": {"status": "scored", "value": 1.0},
                "correct": {"status": "scored", "value": 1.0, "details": {"answer": "4", "extracted": "4", "gold": "4", "method": "answer_tag", "reason": "identical"}}}},
            {"id": "1", "reward": 0.0, "aspects": {
                "format": {"status": "scored", "value": 0.0, "details": {"reason": "no <think> block"}},
                "correct": {"status": "not_applicable", "value": null, "reason": "gated: `format` did not pass (0 < pass_threshold 1)", "details": {"gated_by": "format"}}}},
            {"id": "c", "reward": null, "error": r#"aspect `correct` not applicable: the sample has no reference answer (a string, a number or a list of them) (on_missing = "fail")"#, "aspects": {
                "format": {"status": "scored", "value": 1.0},
                "correct": {"status": "not_applicable", "value": null, "reason": "the sample has no reference answer (a string, a number or a list of them)"}}}
        ])
    );
}

#[tokio::test]
async fn native_reply_names_the_spec_and_its_hash() {
    let app = app(config());
    let (status, specs) = send(&app, get("/v1/specs")).await;
    assert_eq!(status, StatusCode::OK);
    let specs = body_json(specs).await;
    let (_, body) = call(&app, "/v1/score/exact", json!({"samples": []})).await;
    assert_eq!(
        body,
        json!({"spec": "exact", "spec_hash": specs["specs"][1]["spec_hash"], "scores": []})
    );
}

#[tokio::test]
async fn samples_of_one_batch_can_name_different_specs() {
    let app = app(config());
    // verl mixes data sources in a batch: each sample names its spec, the
    // request's `data_source` covers the others.
    let (status, body) = call(
        &app,
        "/v1/score",
        json!({"data_source": "exact", "samples": [
            {"id": "m", "data_source": "math", "response": GOOD, "reference": "4"},
            {"id": "e", "response": "x", "reference": "x"},
            {"id": "m2", "data_source": "math", "response": "4", "reference": "4"}
        ]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["spec"], Value::Null);
    assert_eq!(body["spec_hash"], Value::Null);
    assert_eq!(body["sample_specs"], json!(["math", "exact", "math"]));
    let ids: Vec<&str> = body["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["m", "e", "m2"]);
    assert_eq!(body["scores"][0]["reward"], 1.2);
    assert_eq!(body["scores"][1]["aspects"]["exact"]["value"], 1.0);
    assert_eq!(body["scores"][2]["reward"], 0.0);
    // All samples naming one spec: the plain reply.
    let (_, body) = call(
        &app,
        "/v1/score",
        json!({"samples": [{"data_source": "exact", "response": "x", "reference": "x"}]}),
    )
    .await;
    assert_eq!(body["spec"], "exact");
    assert!(body.get("sample_specs").is_none(), "{body}");
    // An unknown spec or a clash with the path names the sample.
    let (status, body) = call(
        &app,
        "/v1/score",
        json!({"samples": [{"response": "x"}, {"data_source": "nope", "response": "x"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("samples[1]: unknown spec \"nope\""),
        "{body}"
    );
    let (status, body) = call(
        &app,
        "/v1/score/math",
        json!({"samples": [{"data_source": "exact", "response": "x"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"error": "samples[0]: the path names spec \"math\" but `data_source` names \"exact\""})
    );
    let (status, body) = call(
        &app,
        "/v1/score",
        json!({"samples": [{"data_source": 3, "response": "x"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"].as_str().unwrap().contains("samples[0]"),
        "{body}"
    );
}

#[tokio::test]
async fn specs_lists_names_hashes_and_aspects() {
    let app = app(config());
    let (_, r) = send(&app, get("/v1/specs")).await;
    let body = body_json(r).await;
    assert_eq!(body["default"], "math");
    assert_eq!(body["specs"][0]["name"], "math");
    assert_eq!(body["specs"][0]["spec_name"], "math");
    assert_eq!(body["specs"][0]["aspects"], json!(["format", "correct"]));
    assert_eq!(body["specs"][1]["name"], "exact");
    assert_eq!(body["specs"][0]["spec_hash"], engine(MATH).spec_hash());
}

#[tokio::test]
async fn routing_by_path_and_data_source() {
    let app = app(config());
    let by_path = call(
        &app,
        "/v1/score/exact",
        json!({"samples": [{"response": "x", "reference": "x"}]}),
    )
    .await;
    assert_eq!(by_path.1["spec"], "exact");
    assert_eq!(by_path.1["scores"][0]["reward"], 1.0);
    let by_field = call(
        &app,
        "/v1/score",
        json!({"data_source": "exact", "samples": []}),
    )
    .await;
    assert_eq!(by_field.1["spec"], "exact");
    let default = call(&app, "/v1/score", json!({"samples": []})).await;
    assert_eq!(default.1["spec"], "math");
    let (status, body) = call(
        &app,
        "/nope/get_reward",
        json!({"query": [], "prompts": []}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"error": "unknown spec \"nope\"; this server serves \"math\", \"exact\""})
    );
    let (status, body) = call(
        &app,
        "/v1/score",
        json!({"data_source": "gsm8k", "samples": []}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("unknown spec \"gsm8k\"")
    );
    let (status, body) = call(
        &app,
        "/v1/score/math",
        json!({"data_source": "exact", "samples": []}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"error": "the path names spec \"math\" but `data_source` names \"exact\""})
    );
}

#[tokio::test]
async fn openrlhf_strips_prompt_and_end_of_turn_tokens() {
    let app = app(config());
    let (status, body) = call(
        &app,
        "/get_reward",
        json!({
            "query": [
                format!("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n{GOOD}<|im_end|>\n<|endoftext|><|endoftext|>"),
                "Q: say hi\nA: 5"
            ],
            "prompts": ["<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n", "Q: say hi\nA: "],
            "labels": ["4", "5"]
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({
            "rewards": [1.2, 0.0],
            "scores": [1.2, 0.0],
            "extra_logs": {
                "correct": [1.0, 0.0],
                "format": [1.0, 0.0],
                "plaudit/aspects_not_scored": [0.0, 1.0],
                "plaudit/reward_missing": [0.0, 0.0]
            }
        })
    );
}

/// The protocols that answer numbers have the engine skip details; the
/// numbers are the same, and a native request on the same server, small
/// (scored from the runtime) or large (from a blocking thread), still gets
/// every detail.
#[tokio::test]
async fn numbers_only_protocols_leave_native_details_alone() {
    let app = app(config());
    let pad = "x".repeat(40 * 1024);
    for prompt in ["Q: ", pad.as_str()] {
        let (status, body) = call(
            &app,
            "/get_reward",
            json!({"query": [format!("{prompt}{GOOD}")], "prompts": [prompt], "labels": ["4"]}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["rewards"], json!([1.2]));
        let (status, body) = call(
            &app,
            "/v1/score",
            json!({"samples": [{"id": "a", "prompt": prompt, "response": GOOD, "reference": "4"}]}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            body["scores"][0]["aspects"]["correct"]["details"],
            json!({"answer": "4", "extracted": "4", "gold": "4", "method": "answer_tag", "reason": "identical"})
        );
    }
}

/// The exact bytes: `extra_logs` keys sorted, plaudit's own keys among
/// the aspects' (an aspect may sort after them), numbers as JSON numbers.
#[tokio::test]
async fn openrlhf_answer_bytes_are_pinned() {
    let spec = r#"
name = "order"
[[aspect]]
name = "zeta"
kind = "format.tags"
[[aspect]]
name = "alpha"
kind = "match.exact"
weight = 0
[[aspect]]
name = "plaudit"
kind = "length.overlong"
unit = "words"
max_length = 100
buffer = 10
weight = 0
"#;
    let app = app(plaudit_server::ServerConfig::new(vec![(
        "order".into(),
        engine(spec),
    )]));
    let (status, r) = send(
        &app,
        post(
            "/get_reward",
            r#"{"query": ["Q: A: <think>x</think><answer>1</answer><|im_end|>", "Q: A: 2"],
                "prompts": ["Q: A: ", "Q: A: "], "labels": ["<think>x</think><answer>1</answer>", "2"]}"#,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        String::from_utf8(body_bytes(r).await).unwrap(),
        concat!(
            r#"{"rewards":[1.0,0.0],"scores":[1.0,0.0],"extra_logs":{"#,
            r#""alpha":[1.0,1.0],"plaudit":[0.0,0.0],"#,
            r#""plaudit/aspects_not_scored":[0.0,0.0],"plaudit/reward_missing":[0.0,0.0],"#,
            r#""zeta":[1.0,0.0]}}"#
        )
    );
}

#[tokio::test]
async fn openrlhf_empty_request_gets_empty_lists() {
    let app = app(config());
    let (status, body) = call(
        &app,
        "/get_reward",
        json!({"query": [], "prompts": [], "labels": []}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"rewards": [], "scores": [], "extra_logs": {
            "correct": [], "format": [], "plaudit/aspects_not_scored": [], "plaudit/reward_missing": []}})
    );
}

#[tokio::test]
async fn openrlhf_missing_reward_is_filled_and_reported() {
    let mut config = config();
    config.missing_reward = -1.0;
    let app = app(config);
    let (status, r) = send(
        &app,
        post(
            "/get_reward",
            json!({"query": [format!("p{GOOD}")], "prompts": ["p"]}).to_string(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(r.headers()["x-plaudit-rewards-missing"], "1");
    let error = r#"aspect `correct` not applicable: the sample has no reference answer (a string, a number or a list of them) (on_missing = "fail")"#;
    assert_eq!(r.headers()["x-plaudit-error"], error);
    let body = body_json(r).await;
    assert_eq!(body["rewards"], json!([-1.0]));
    assert_eq!(body["scores"], json!([-1.0]));
    assert_eq!(body["extra_logs"]["plaudit/reward_missing"], json!([1.0]));
    assert_eq!(body["errors"], json!([error]));
}

#[tokio::test]
async fn openrlhf_errors_name_the_index_and_lengths() {
    let app = app(config());
    let (status, body) = call(
        &app,
        "/get_reward",
        json!({"query": ["ab", "xy"], "prompts": ["a", "b"]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"],
        "`query[1]` does not start with `prompts[1]`; a query must be its prompt followed by the response"
    );
    let (status, body) = call(
        &app,
        "/get_reward",
        json!({"query": ["ab", "xy"], "prompts": ["a"]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"],
        "`query` has 2 items but `prompts` has 1; they must have the same length"
    );
    let (_, body) = call(
        &app,
        "/get_reward",
        json!({"query": ["ab"], "prompts": ["a"], "labels": []}),
    )
    .await;
    assert_eq!(
        body["error"],
        "`query` has 1 items but `labels` has 0; they must have the same length"
    );
    let (status, body) = call(
        &app,
        "/get_reward",
        json!({"query": ["ab", 3], "prompts": ["a", "b"]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"],
        "invalid request at `query[1]`: invalid type: integer `3`, expected a string at line 1 column 36"
    );
}

/// The prompt and the query may spell the same characters differently in
/// JSON (`é` and `\u00e9`): the query still starts with the prompt.
#[tokio::test]
async fn openrlhf_prompt_and_query_may_escape_differently() {
    let app = app(config());
    let (status, r) = send(
        &app,
        post(
            "/exact/get_reward",
            r#"{"query": ["caf\u00e9 \ud83d\ude00\n\"ok\"<|im_end|>"], "prompts": ["café 😀\u000a"], "labels": ["\"ok\""]}"#,
        ),
    )
    .await;
    let body = body_json(r).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["rewards"], json!([1.0]), "{body}");
}

#[tokio::test]
async fn slime_answers_a_number_or_a_dict() {
    let app = app(config());
    let one = json!({"prompt": "2+2?", "response": GOOD, "label": "4"});
    let (status, body) = call(&app, "/reward", one.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!(1.2));
    let (_, body) = call(&app, "/reward?detail=true", one.clone()).await;
    assert_eq!(
        body,
        json!({"reward": 1.2, "aspects": {"format": 1.0, "correct": 1.0}})
    );
    let (_, body) = call(
        &app,
        "/math/reward",
        json!([one, {"prompt": "q", "response": "no tags", "label": "4"}]),
    )
    .await;
    assert_eq!(body, json!([1.2, 0.0]));
    let (_, body) = call(
        &app,
        "/exact/reward",
        json!({"prompt": "q", "response": "a", "label": "a"}),
    )
    .await;
    assert_eq!(body, json!(1.0));
}

#[tokio::test]
async fn slime_missing_reward_is_filled_and_reported() {
    let app = app(config());
    let (_, r) = send(
        &app,
        post(
            "/reward?detail=1",
            json!({"prompt": "q", "response": GOOD}).to_string(),
        ),
    )
    .await;
    assert_eq!(r.headers()["x-plaudit-rewards-missing"], "1");
    let body = body_json(r).await;
    assert_eq!(
        body,
        json!({"reward": 0.0, "aspects": {"format": 1.0, "correct": null},
               "error": r#"aspect `correct` not applicable: the sample has no reference answer (a string, a number or a list of them) (on_missing = "fail")"#})
    );
}

#[tokio::test]
async fn slime_errors_say_where() {
    let app = app(config());
    let (status, body) = call(&app, "/reward", json!({"prompt": "q"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"],
        "invalid request at `.`: missing field `response`"
    );
    let (_, body) = call(&app, "/reward", json!([{"response": "a"}, {"response": 3}])).await;
    assert_eq!(
        body["error"],
        "invalid request at `[1].response`: expected a string or a list of chat messages ({\"role\": …, \"content\": …})"
    );
    let (_, body) = call(&app, "/reward", json!("text")).await;
    assert_eq!(
        body["error"],
        "the body must be an object {\"prompt\", \"response\", \"label\"} or a list of them, not a string"
    );
    let (_, body) = call(&app, "/reward?detail=maybe", json!({"response": "a"})).await;
    assert_eq!(
        body["error"],
        "the query parameter `detail` must be true or false, not \"maybe\""
    );
}

fn nemo_request(text: &str) -> Value {
    json!({
        "responses_create_params": {"input": [{"role": "user", "content": "2+2?"}]},
        "response": {
            "id": "resp_1",
            "output": [
                {"type": "reasoning", "summary": [{"type": "summary_text", "text": "<answer>9</answer>"}]},
                {"type": "message", "role": "assistant", "content": [
                    {"type": "output_text", "text": &text[..10], "annotations": []},
                    {"type": "refusal", "refusal": "no"},
                    {"type": "output_text", "text": &text[10..], "annotations": []}
                ]}
            ]
        },
        "expected_answer": "4",
        "extra": {"kept": true}
    })
}

#[tokio::test]
async fn nemo_echoes_the_request_with_the_reward() {
    let app = app(config());
    let request = nemo_request(GOOD);
    let (status, body) = call(&app, "/verify", request.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut expected = request;
    expected["reward"] = json!(1.2);
    expected["reward_components"] = json!({"format": 1.0, "correct": 1.0});
    assert_eq!(body, expected);
}

#[tokio::test]
async fn nemo_missing_reward_and_bad_shapes() {
    let app = app(config());
    let mut request = nemo_request(GOOD);
    request.as_object_mut().unwrap().remove("expected_answer");
    let (_, body) = call(&app, "/math/verify", request).await;
    assert_eq!(body["reward"], 0.0);
    assert_eq!(
        body["reward_components"],
        json!({"format": 1.0, "correct": null})
    );
    assert!(
        body["reward_error"]
            .as_str()
            .unwrap()
            .contains("no reference answer")
    );
    let (status, body) = call(&app, "/verify", json!({"response": {"output": {}}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"],
        "invalid request at `response.output`: expected a list of output items, not an object"
    );
    let (_, body) = call(
        &app,
        "/verify",
        json!({"response": {"output": [{"type": "message", "content": [{"type": "output_text", "text": 1}]}]}}),
    )
    .await;
    assert_eq!(
        body["error"],
        "invalid request at `response.output[0].content[0].text`: expected a string, not a number"
    );
    let (_, body) = call(&app, "/verify", json!({"expected_answer": "4"})).await;
    assert_eq!(
        body["error"],
        "missing field `response` (an OpenAI Responses object)"
    );
}

#[tokio::test]
async fn client_errors_are_json_and_say_what_is_wrong() {
    let app = app(config());
    let (status, r) = send(
        &app,
        post(
            "/v1/score",
            "{\"samples\": [\n  {\"response\": \"a\"},,\n]}",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let body = body_json(r).await;
    assert_eq!(
        body["error"],
        "invalid JSON: expected value at line 2 column 21"
    );
    let (status, body) = call(
        &app,
        "/v1/score",
        json!({"samples": [{"response": "a"}, {"id": 3, "response": "b"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"].as_str().unwrap().starts_with(
            "invalid request at `samples[1].id`: invalid type: integer `3`, expected a string"
        ),
        "{body}"
    );
    let (_, body) = call(&app, "/v1/score", json!({"sample": []})).await;
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("unknown field `sample`, expected `samples` or `data_source`"),
        "{body}"
    );
    let (status, r) = send(&app, get("/v1/score")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        body_json(r).await,
        json!({"error": "GET is not allowed on /v1/score"})
    );
    let (status, r) = send(&app, get("/a/b/c")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body_json(r).await,
        json!({"error": "no endpoint at GET /a/b/c; see GET /openapi.json"})
    );
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let mut config = config();
    config.max_body_bytes = 64;
    let app = app(config);
    let big = json!({"samples": [{"response": "x".repeat(100)}]}).to_string();
    let (status, r) = send(&app, post("/v1/score", big.clone())).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        body_json(r).await,
        json!({"error": "the request body is larger than the limit of 64 bytes (max_body_bytes)"})
    );
    // A declared length over the limit is refused before reading.
    let declared = axum::http::Request::post("/v1/score")
        .header("content-length", big.len())
        .body(axum::body::Body::from(big))
        .unwrap();
    let (status, _) = send(&app, declared).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn token_is_required_everywhere_but_health() {
    let mut config = config();
    config.token = Some("s3cret".into());
    let app = app(config);
    let (status, _) = send(&app, get("/health")).await;
    assert_eq!(status, StatusCode::OK);
    for path in ["/metrics", "/v1/specs", "/openapi.json"] {
        let (status, r) = send(&app, get(path)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
    }
    let (status, r) = send(&app, post("/get_reward", "{}")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body_json(r).await,
        json!({"error": "this server requires a bearer token: send `Authorization: Bearer <token>`"})
    );
    let wrong = axum::http::Request::get("/v1/specs")
        .header("authorization", "Bearer s3cre")
        .body(axum::body::Body::empty())
        .unwrap();
    let (status, r) = send(&app, wrong).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body_json(r).await,
        json!({"error": "the bearer token is wrong"})
    );
    let right = axum::http::Request::post("/v1/score")
        .header("authorization", "Bearer s3cret")
        .body(axum::body::Body::from(r#"{"samples": []}"#))
        .unwrap();
    let (status, _) = send(&app, right).await;
    assert_eq!(status, StatusCode::OK);
}

/// A spec name in the path that is not UTF-8 is a 400, after the token
/// check, and counted under its route.
#[tokio::test]
async fn a_spec_name_that_does_not_read_is_a_400_after_the_token() {
    let (status, r) = send(&app(config()), post("/%FF/get_reward", "{}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = body_json(r).await["error"].as_str().unwrap().to_owned();
    assert!(
        error.starts_with("invalid spec name in the path"),
        "{error}"
    );
    let mut config = config();
    config.token = Some("s3cret".into());
    let app = app(config);
    let (status, _) = send(&app, post("/%FF/get_reward", "{}")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let metrics = axum::http::Request::get("/metrics")
        .header("authorization", "Bearer s3cret")
        .body(axum::body::Body::empty())
        .unwrap();
    let text = String::from_utf8(body_bytes(send(&app, metrics).await.1).await).unwrap();
    assert!(
        text.contains("plaudit_http_requests_total{route=\"/{spec}/get_reward\",code=\"401\"} 1"),
        "{text}"
    );
}

#[tokio::test]
async fn metrics_count_requests_and_outcomes() {
    let app = app(config());
    call(
        &app,
        "/v1/score",
        json!({"samples": [{"response": GOOD, "reference": "4"}, {"response": GOOD}]}),
    )
    .await;
    call(&app, "/get_reward", json!({"query": [], "prompts": ["x"]})).await;
    // Wrong methods, unknown specs and unknown paths are counted too.
    let (status, _) = send(&app, get("/get_reward")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    let (status, _) = send(&app, post("/health", "{}")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    let (status, _) = send(&app, post("/nope/verify", "{}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(&app, post("/no/such/path", "{}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, r) = send(&app, get("/metrics")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = String::from_utf8(body_bytes(r).await).unwrap();
    for line in [
        "plaudit_http_requests_total{route=\"/v1/score\",code=\"200\"} 1",
        "plaudit_http_requests_total{route=\"/get_reward\",code=\"400\"} 1",
        "plaudit_http_requests_total{route=\"/get_reward\",code=\"405\"} 1",
        "plaudit_http_requests_total{route=\"/health\",code=\"405\"} 1",
        "plaudit_http_requests_total{route=\"/{spec}/verify\",code=\"404\"} 1",
        "plaudit_http_requests_total{route=\"unmatched\",code=\"404\"} 1",
        "plaudit_http_request_duration_seconds_count{route=\"/v1/score\"} 1",
        "plaudit_samples_scored_total{spec=\"math\"} 2",
        "plaudit_rewards_missing_total{spec=\"math\"} 1",
        "plaudit_cache_errors_total{spec=\"math\"} 0",
        "plaudit_aspect_outcomes_total{spec=\"math\",aspect=\"format\",status=\"scored\"} 2",
        "plaudit_aspect_outcomes_total{spec=\"math\",aspect=\"correct\",status=\"scored\"} 1",
        "plaudit_aspect_outcomes_total{spec=\"math\",aspect=\"correct\",status=\"not_applicable\"} 1",
        "plaudit_aspect_cache_total{spec=\"exact\",aspect=\"exact\",result=\"hit\"} 0",
        "plaudit_http_requests_in_flight 1",
        "plaudit_scoring_in_flight 0",
        "# TYPE plaudit_http_request_duration_seconds histogram",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}

#[tokio::test]
async fn openapi_is_valid_json_listing_every_route() {
    let app = app(config());
    let (status, r) = send(&app, get("/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    let doc = body_json(r).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/v1/score",
        "/v1/score/{spec}",
        "/get_reward",
        "/{spec}/get_reward",
        "/reward",
        "/{spec}/reward",
        "/verify",
        "/{spec}/verify",
        "/health",
        "/metrics",
        "/v1/specs",
        "/openapi.json",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from /openapi.json"
        );
    }
}
