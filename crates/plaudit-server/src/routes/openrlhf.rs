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
//!
//! The answer holds values only, so the aspects skip building their details
//! ([`Keep::Outcomes`]).

use std::sync::Arc;

use axum::response::Response;
use plaudit_core::turn::strip_end_of_turn;
use plaudit_core::{Content, Sample, Score, Status};
use plaudit_engine::Keep;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Serialize, Serializer};
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

/// The answer. Its lists are written straight from the scores as the
/// body is serialized: a request builds no list and no map of its own.
#[derive(Serialize)]
struct Reply<'a> {
    rewards: Column<'a>,
    scores: Column<'a>,
    extra_logs: Logs<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Vec<Option<&'a str>>>,
}

/// One number per sample, computed from its score as it is written.
#[derive(Clone, Copy)]
struct Column<'a> {
    scores: &'a [Score],
    of: Of,
}

#[derive(Clone, Copy)]
enum Of {
    /// The reward, or `missing_reward`.
    Reward(f64),
    /// The reward before group normalization (what dynamic filtering
    /// compares), or `missing_reward`.
    RawReward(f64),
    /// The aspect's value; an aspect not scored logs 0, and the count of
    /// such aspects is logged beside ([`NOT_SCORED`]), so a mean is never
    /// mistaken for a clean one.
    Aspect(usize),
    /// 1 for a sample without a reward.
    Missing,
    /// How many of the sample's aspects were not scored.
    NotScored,
}

impl Of {
    fn value(self, s: &Score) -> f64 {
        match self {
            Of::Reward(fill) => s.reward.unwrap_or(fill),
            Of::RawReward(fill) => s.raw_reward.or(s.reward).unwrap_or(fill),
            Of::Aspect(a) => s
                .aspects
                .get(a)
                .and_then(|r| r.outcome().value())
                .unwrap_or(0.0),
            Of::Missing => f64::from(u8::from(s.reward.is_none())),
            Of::NotScored => s
                .aspects
                .iter()
                .filter(|r| r.outcome().status() != Status::Scored)
                .count() as f64,
        }
    }
}

impl Serialize for Column<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.scores.len()))?;
        for s in self.scores {
            seq.serialize_element(&self.of.value(s))?;
        }
        seq.end()
    }
}

/// `extra_logs`: a column per aspect and the two of plaudit's own, keys in
/// sorted order.
struct Logs<'a> {
    scores: &'a [Score],
    names: &'a [Arc<str>],
    /// Aspect indices in the order of their names.
    by_name: &'a [usize],
}

impl Serialize for Logs<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let column = |of| Column {
            scores: self.scores,
            of,
        };
        let mut map = serializer.serialize_map(Some(self.names.len() + 2))?;
        // Merges the aspects, already sorted, with plaudit's two keys.
        let mut own = [(NOT_SCORED, Of::NotScored), (REWARD_MISSING, Of::Missing)];
        own.sort_by_key(|(k, _)| *k);
        let mut own = own.iter().peekable();
        for &a in self.by_name {
            let name: &str = &self.names[a];
            while let Some((k, of)) = own.next_if(|(k, _)| *k < name) {
                map.serialize_entry(k, &column(*of))?;
            }
            map.serialize_entry(name, &column(Of::Aspect(a)))?;
        }
        for (k, of) in own {
            map.serialize_entry(k, &column(*of))?;
        }
        map.end()
    }
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
    for (i, (mut query, prompt)) in req.query.into_iter().zip(req.prompts).enumerate() {
        let Some(rest) = query.strip_prefix(prompt.as_str()) else {
            return Err(ApiError::bad_request(format!(
                "`query[{i}]` does not start with `prompts[{i}]`; a query must be its prompt followed by the response"
            )));
        };
        // The response is what is left of the query, moved to its front:
        // no new string.
        let end = prompt.len() + strip_end_of_turn(rest, &state.inner.eot_tokens).len();
        query.truncate(end);
        query.drain(..prompt.len());
        let response = query;
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
    let scores = state
        .score(spec, samples, call.scoring, Keep::Outcomes)
        .await?;

    let fill = state.inner.missing_reward;
    let errors: Vec<&str> = scores.iter().filter_map(|s| s.error.as_deref()).collect();
    let reply = Reply {
        rewards: Column {
            scores: &scores,
            of: Of::Reward(fill),
        },
        scores: Column {
            scores: &scores,
            of: Of::RawReward(fill),
        },
        extra_logs: Logs {
            scores: &scores,
            names: &spec.aspects,
            by_name: &spec.by_name,
        },
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
