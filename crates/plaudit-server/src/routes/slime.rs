//! `POST /reward` and `/{spec}/reward`: slime's remote reward model
//! protocol (`--rm-url`).
//!
//! slime posts `{"prompt": ..., "response": ..., "label": ...}` per sample
//! and reads back the reward. By default the answer is a bare number. With
//! `?detail=true` it is `{"reward": number, "aspects": {name: value or
//! null}}` (slime's `--reward-key reward` picks the number), plus `"error"`
//! when the sample has no reward. A list of such objects is also accepted
//! and answered with a list, in order.
//!
//! slime needs a number: a sample without a reward gets the configured
//! `missing_reward`, and the error is reported in the
//! `x-plaudit-rewards-missing` and `x-plaudit-error` headers (and in
//! `"error"` with `?detail=true`).
//!
//! The answer holds values only, so the aspects skip building their details
//! ([`Keep::Outcomes`]).

use axum::response::Response;
use plaudit_core::{Content, Sample, Score};
use plaudit_engine::Keep;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Call, json_ok, report_missing};
use crate::body;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize)]
struct One {
    #[serde(default)]
    prompt: Option<Value>,
    response: Value,
    #[serde(default)]
    label: Option<Value>,
    #[serde(default)]
    data_source: Option<String>,
}

pub(super) async fn handle(state: AppState, call: Call) -> Result<Response, ApiError> {
    let state = &state;
    let detail = wants_detail(call.query.as_deref())?;
    // One object or a list: parsing a `Value` first gives precise errors
    // where an untagged enum would only say that no variant matched.
    let value: Value = body::parse(&call.body)?;
    let (items, many) = match value {
        Value::Array(items) => (items, true),
        v @ Value::Object(_) => (vec![v], false),
        other => {
            return Err(ApiError::bad_request(format!(
                "the body must be an object {{\"prompt\", \"response\", \"label\"}} or a list of them, not {}",
                plaudit_core::json_type(&other)
            )));
        }
    };
    let mut data_source: Option<String> = None;
    let mut samples = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let at = |field: &str| {
            if many {
                format!("[{i}].{field}")
            } else {
                field.to_owned()
            }
        };
        let one: One = serde_path_to_error::deserialize(item).map_err(|e| {
            let path = e.path().to_string();
            let place = if many {
                format!(
                    "[{i}]{}",
                    if path == "." {
                        String::new()
                    } else {
                        format!(".{path}")
                    }
                )
            } else {
                path
            };
            ApiError::bad_request(format!("invalid request at `{place}`: {}", e.into_inner()))
        })?;
        if let Some(d) = one.data_source {
            match &data_source {
                Some(first) if *first != d => {
                    return Err(ApiError::bad_request(format!(
                        "`{}` is {d:?} but an earlier item's is {first:?}; one request is scored by one spec",
                        at("data_source")
                    )));
                }
                _ => data_source = Some(d),
            }
        }
        let prompt = match one.prompt {
            None | Some(Value::Null) => Content::default(),
            Some(p) => Content::prompt_from_json(p).map_err(|e| {
                ApiError::bad_request(format!("invalid request at `{}`: {e}", at("prompt")))
            })?,
        };
        let response = Content::response_from_json(one.response).map_err(|e| {
            ApiError::bad_request(format!("invalid request at `{}`: {e}", at("response")))
        })?;
        samples.push(Sample {
            id: i.to_string(),
            prompt,
            response,
            reference: one.label.filter(|v| !v.is_null()),
            ..Sample::default()
        });
    }
    let spec = state.resolve(call.spec.as_deref(), data_source.as_deref())?;
    let scores = state
        .score(spec, samples, call.scoring, Keep::Outcomes)
        .await?;
    let fill = state.inner.missing_reward;
    let answers: Vec<Value> = scores
        .iter()
        .map(|s| {
            if detail {
                detailed(s, fill)
            } else {
                json!(s.reward.unwrap_or(fill))
            }
        })
        .collect();
    let mut response = if many {
        json_ok(&answers)
    } else {
        json_ok(&answers.into_iter().next().unwrap_or(Value::Null))
    };
    let errors: Vec<&str> = scores.iter().filter_map(|s| s.error.as_deref()).collect();
    report_missing(&mut response, &errors);
    Ok(response)
}

fn detailed(score: &Score, fill: f64) -> Value {
    let aspects: Map<String, Value> = score
        .aspects
        .iter()
        .map(|a| (a.name.to_string(), json!(a.outcome().value())))
        .collect();
    let mut out = Map::new();
    out.insert("reward".into(), json!(score.reward.unwrap_or(fill)));
    out.insert("aspects".into(), Value::Object(aspects));
    if score.reward.is_none() {
        out.insert(
            "error".into(),
            json!(score.error.as_deref().unwrap_or("no reward")),
        );
    }
    Value::Object(out)
}

/// Reads `detail` from the query string; other parameters are ignored.
fn wants_detail(query: Option<&str>) -> Result<bool, ApiError> {
    let Some(query) = query else { return Ok(false) };
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, "true"));
        if key == "detail" {
            return match value {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                other => Err(ApiError::bad_request(format!(
                    "the query parameter `detail` must be true or false, not {other:?}"
                ))),
            };
        }
    }
    Ok(false)
}
