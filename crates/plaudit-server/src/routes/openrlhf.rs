//! `POST /get_reward` and `/{spec}/get_reward`: OpenRLHF's remote reward
//! protocol (`--remote_rm_url`).
//!
//! OpenRLHF sends `{"query": [...], "prompts": [...], "labels": [...]}`,
//! where each query is the prompt and the response decoded together with
//! their special tokens. The response is recovered by removing the prompt
//! and then any trailing end-of-turn or padding tokens. The answer is
//! `{"rewards": [...], "scores": [...], "extra_logs": {aspect: [...]}}`, every
//! list as long as `query`.
//!
//! OpenRLHF needs numbers: a sample without a reward gets the configured
//! `missing_reward` and is reported in `extra_logs["plaudit/reward_missing"]`
//! (1 for such a sample), in a top-level `errors` list (only present when a
//! reward is missing), and in the `x-plaudit-rewards-missing` and
//! `x-plaudit-error` headers.

use std::collections::BTreeMap;

use axum::response::Response;
use plaudit_core::turn::strip_end_of_turn;
use plaudit_core::{Content, Sample, Status};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Call, json_ok, report_missing};
use crate::body;
use crate::error::ApiError;
use crate::state::AppState;

/// Extra log keys hold a `/`, which aspect names cannot, so they never clash.
const REWARD_MISSING: &str = "plaudit/reward_missing";
const NOT_SCORED: &str = "plaudit/aspects_not_scored";

#[derive(Deserialize)]
#[serde(expecting = "an object with `query` and `prompts`")]
struct Request {
    query: Vec<String>,
    prompts: Vec<String>,
    #[serde(default)]
    labels: Option<Vec<Value>>,
    #[serde(default)]
    data_source: Option<String>,
}

#[derive(Serialize)]
struct Reply<'a> {
    rewards: Vec<f64>,
    scores: Vec<f64>,
    extra_logs: BTreeMap<&'a str, Vec<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Vec<Option<&'a str>>>,
}

pub(super) async fn handle(state: AppState, call: Call) -> Result<Response, ApiError> {
    let state = &state;
    let req: Request = body::parse(&call.body)?;
    let spec = state.resolve(call.spec.as_deref(), req.data_source.as_deref())?;
    let n = req.query.len();
    if req.prompts.len() != n {
        return Err(ApiError::bad_request(format!(
            "`query` has {n} items but `prompts` has {}; they must have the same length",
            req.prompts.len()
        )));
    }
    if let Some(labels) = &req.labels
        && labels.len() != n
    {
        return Err(ApiError::bad_request(format!(
            "`query` has {n} items but `labels` has {}; they must have the same length",
            labels.len()
        )));
    }
    let mut labels = req.labels.map(Vec::into_iter);
    let mut samples = Vec::with_capacity(n);
    for (i, (query, prompt)) in req.query.into_iter().zip(req.prompts).enumerate() {
        let Some(rest) = query.strip_prefix(prompt.as_str()) else {
            return Err(ApiError::bad_request(format!(
                "`query[{i}]` does not start with `prompts[{i}]`; a query must be its prompt followed by the response"
            )));
        };
        let response = strip_end_of_turn(rest, &state.inner.eot_tokens).to_owned();
        let reference = labels
            .as_mut()
            .and_then(Iterator::next)
            .filter(|v| !v.is_null());
        samples.push(Sample {
            id: i.to_string(),
            prompt: Content::text_only(prompt),
            response: Content::text_only(response),
            reference,
            ..Sample::default()
        });
    }
    let scores = state.score(spec, samples, call.scoring).await?;

    let fill = state.inner.missing_reward;
    let names = &spec.aspects;
    let mut extra_logs: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (a, name) in names.iter().enumerate() {
        // A non-scored aspect logs 0: the count of such aspects is logged
        // beside, so a mean is never mistaken for a clean one.
        let values = scores
            .iter()
            .map(|s| {
                s.aspects
                    .get(a)
                    .and_then(|r| r.outcome().value())
                    .unwrap_or(0.0)
            })
            .collect();
        extra_logs.insert(name, values);
    }
    extra_logs.insert(
        REWARD_MISSING,
        scores
            .iter()
            .map(|s| if s.reward.is_none() { 1.0 } else { 0.0 })
            .collect(),
    );
    extra_logs.insert(
        NOT_SCORED,
        scores
            .iter()
            .map(|s| {
                s.aspects
                    .iter()
                    .filter(|r| r.outcome().status() != Status::Scored)
                    .count() as f64
            })
            .collect(),
    );
    let errors: Vec<&str> = scores.iter().filter_map(|s| s.error.as_deref()).collect();
    let reply = Reply {
        rewards: scores.iter().map(|s| s.reward.unwrap_or(fill)).collect(),
        // Scores are what dynamic filtering compares: the reward before
        // group normalization.
        scores: scores
            .iter()
            .map(|s| s.raw_reward.or(s.reward).unwrap_or(fill))
            .collect(),
        extra_logs,
        errors: (!errors.is_empty()).then(|| {
            scores
                .iter()
                .map(|s| {
                    if s.reward.is_none() {
                        Some(s.error.as_deref().unwrap_or("no reward"))
                    } else {
                        None
                    }
                })
                .collect()
        }),
    };
    let mut response = json_ok(&reply);
    report_missing(&mut response, &errors);
    Ok(response)
}
