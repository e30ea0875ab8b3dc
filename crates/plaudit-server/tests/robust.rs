//! No input panics the server or gets a 5xx: arbitrary bytes, arbitrary
//! JSON and near-miss shapes of every protocol are answered with a result
//! or a JSON client error, and `/health` still answers afterwards.

mod common;

use axum::http::StatusCode;
use common::*;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const PATHS: &[&str] = &[
    "/v1/score",
    "/v1/score/exact",
    "/v1/score/unknown",
    "/get_reward",
    "/math/get_reward",
    "/reward",
    "/reward?detail=true",
    "/exact/reward",
    "/verify",
    "/math/verify",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z<>/| ]{0,12}",
        Just("<think>x</think><answer>4</answer>".to_owned()),
        Just("<|im_end|>\n<|endoftext|>".to_owned()),
        Just(String::new()),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// An object with some of `keys`, each holding anything.
fn shaped(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop::collection::vec((prop::sample::select(keys), json_value()), 0..5).prop_map(|kv| {
        Value::Object(
            kv.into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect::<Map<_, _>>(),
        )
    })
}

/// Values close to valid requests, so that checks past parsing run too.
fn near_valid() -> impl Strategy<Value = Value> {
    let message = (text(), json_value())
        .prop_map(|(role, content)| json!({"role": role, "content": content}));
    let content = prop_oneof![
        text().prop_map(Value::from),
        prop::collection::vec(message, 0..3).prop_map(Value::Array)
    ];
    let sample = (prop::option::of(text()), content.clone(), prop::option::of(json_value()))
        .prop_map(|(id, response, reference)| json!({"id": id.unwrap_or_default(), "response": response, "reference": reference}));
    prop_oneof![
        prop::collection::vec(sample, 0..4).prop_map(|s| json!({"samples": s})),
        (prop::collection::vec(text(), 0..4), prop::collection::vec(text(), 0..4), prop::collection::vec(json_value(), 0..4))
            .prop_map(|(q, p, l)| json!({"query": q, "prompts": p, "labels": l})),
        prop::collection::vec(text(), 0..4).prop_map(|p| {
            let q: Vec<String> = p.iter().map(|p| format!("{p}<think></think><answer>1</answer><|im_end|>")).collect();
            json!({"query": q, "prompts": p})
        }),
        (content.clone(), content.clone(), json_value())
            .prop_map(|(prompt, response, label)| json!({"prompt": prompt, "response": response, "label": label})),
        (json_value(), prop::collection::vec((text(), json_value()), 0..3)).prop_map(|(expected, parts)| {
            let content: Vec<Value> = parts.into_iter().map(|(t, x)| json!({"type": "output_text", "text": t, "x": x})).collect();
            json!({"response": {"output": [{"type": "message", "content": content}, {"type": "message", "content": expected}]}, "expected_answer": expected})
        }),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        shaped(&[
            "samples",
            "data_source",
            "query",
            "prompts",
            "labels",
            "prompt",
            "response",
            "label",
            "expected_answer"
        ])
        .prop_map(|v| v.to_string().into_bytes()),
        near_valid().prop_map(|v| v.to_string().into_bytes()),
        // Deep nesting must hit the parser's limit, not the stack's.
        (1usize..5000).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_body_gets_a_server_error(path in prop::sample::select(PATHS), bytes in body()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let app = app(config());
        rt.block_on(async {
            let (status, response) = send(&app, post(path, bytes.clone())).await;
            let answer = body_bytes(response).await;
            let parsed: Result<Value, _> = serde_json::from_slice(&answer);
            prop_assert!(parsed.is_ok(), "{path}: not JSON: {}", String::from_utf8_lossy(&answer));
            prop_assert!(
                [StatusCode::OK, StatusCode::BAD_REQUEST, StatusCode::NOT_FOUND].contains(&status),
                "{path}: {status} for {:?}: {}", String::from_utf8_lossy(&bytes), String::from_utf8_lossy(&answer)
            );
            if status != StatusCode::OK {
                prop_assert!(parsed.unwrap()["error"].is_string());
            }
            let (health, _) = send(&app, get("/health")).await;
            prop_assert_eq!(health, StatusCode::OK);
            Ok(())
        })?;
    }
}
