//! `POST /verify` and `/{spec}/verify`: NeMo-Gym's resource-server verify
//! protocol.
//!
//! The body carries an OpenAI Responses object under `response`; the text
//! scored is the concatenation of the `text` of every `output_text` part of
//! every `message` item of `response.output` (reasoning and tool-call items
//! are not the answer). The reference is `expected_answer`; the prompt is
//! `responses_create_params.input` when it is a string or chat messages,
//! else empty. The answer is the request itself with `reward` (a number)
//! and `reward_components` (`{aspect: value or null}`) added.
//!
//! NeMo-Gym needs a number: a sample without a reward gets the configured
//! `missing_reward`, with the error in `reward_error` and the
//! `x-plaudit-rewards-missing` and `x-plaudit-error` headers.
//!
//! The answer holds values only, so the aspects skip building their details
//! ([`Keep::Outcomes`]).

use axum::response::Response;
use plaudit_core::{Content, Sample, json_type};
use plaudit_engine::Keep;
use serde_json::{Map, Value, json};

use super::{Call, json_ok, report_missing};
use crate::body;
use crate::error::ApiError;
use crate::state::AppState;

pub(super) async fn handle(state: AppState, call: Call) -> Result<Response, ApiError> {
    let state = &state;
    let value: Value = body::parse(&call.body)?;
    let Value::Object(mut request) = value else {
        return Err(ApiError::bad_request(format!(
            "the body must be an object with a `response`, not {}",
            json_type(&value)
        )));
    };
    let data_source = match request.get("data_source") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "invalid request at `data_source`: expected a string, not {}",
                json_type(other)
            )));
        }
    };
    let spec = state.resolve(call.spec.as_deref(), data_source)?;
    let text = output_text(&request)?;
    let prompt = request
        .get("responses_create_params")
        .and_then(|p| p.get("input"))
        .and_then(|input| Content::prompt_from_json(input.clone()).ok())
        .unwrap_or_default();
    let reference = request
        .get("expected_answer")
        .filter(|v| !v.is_null())
        .cloned();
    let sample = Sample {
        id: "0".into(),
        prompt,
        response: Content::text_only(text),
        reference,
        ..Sample::default()
    };
    let score = state
        .score(spec, vec![sample], call.scoring, Keep::Outcomes)
        .await?
        .pop()
        .ok_or_else(ApiError::internal)?;
    let components: Map<String, Value> = score
        .aspects
        .iter()
        .map(|a| (a.name.to_string(), json!(a.outcome().value())))
        .collect();
    request.insert(
        "reward".into(),
        json!(score.reward.unwrap_or(state.inner.missing_reward)),
    );
    request.insert("reward_components".into(), Value::Object(components));
    let error = score
        .reward
        .is_none()
        .then(|| score.error.as_deref().unwrap_or("no reward"));
    if let Some(e) = error {
        request.insert("reward_error".into(), json!(e));
    }
    let mut response = json_ok(&request);
    report_missing(&mut response, error.as_slice());
    Ok(response)
}

/// The answer text of a Responses object, or a 400 naming the first part
/// of the wrong shape.
fn output_text(request: &Map<String, Value>) -> Result<String, ApiError> {
    let wrong = |at: String, expected: &str, found: &Value| {
        ApiError::bad_request(format!(
            "invalid request at `{at}`: expected {expected}, not {}",
            json_type(found)
        ))
    };
    let response = request.get("response").ok_or_else(|| {
        ApiError::bad_request("missing field `response` (an OpenAI Responses object)")
    })?;
    let Some(output) = response.get("output") else {
        return Err(ApiError::bad_request(
            "missing field `response.output` (the output items of an OpenAI Responses object)",
        ));
    };
    let Value::Array(items) = output else {
        return Err(wrong(
            "response.output".into(),
            "a list of output items",
            output,
        ));
    };
    let mut text = String::new();
    for (i, item) in items.iter().enumerate() {
        if item.get("type").and_then(Value::as_str) != Some("message") {
            continue;
        }
        let Some(content) = item.get("content") else {
            continue;
        };
        let Value::Array(parts) = content else {
            return Err(wrong(
                format!("response.output[{i}].content"),
                "a list of content parts",
                content,
            ));
        };
        for (j, part) in parts.iter().enumerate() {
            if part.get("type").and_then(Value::as_str) != Some("output_text") {
                continue;
            }
            match part.get("text") {
                Some(Value::String(t)) => text.push_str(t),
                Some(other) => {
                    return Err(wrong(
                        format!("response.output[{i}].content[{j}].text"),
                        "a string",
                        other,
                    ));
                }
                None => {
                    return Err(ApiError::bad_request(format!(
                        "missing field `response.output[{i}].content[{j}].text`"
                    )));
                }
            }
        }
    }
    Ok(text)
}
