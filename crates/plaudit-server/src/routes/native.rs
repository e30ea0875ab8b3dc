//! `POST /v1/score[/{spec}]`: plaudit's own API. A batch of samples in, a
//! score per sample out, with every aspect's outcome and provenance.
//!
//! ```json
//! {"samples": [{"id": "a", "prompt": "2+2?", "response": "...", "reference": "4"}]}
//! ```
//! → `{"spec": "math", "spec_hash": "...", "scores": [Score, ...]}` where a
//! sample without a reward has `"reward": null` and an `"error"`.
//!
//! A sample may carry its own `data_source` (verl's batches mix data
//! sources): each sample is then scored by the spec it names, and a batch
//! that spans several specs is answered with `"spec": null`, `"spec_hash":
//! null` and `"sample_specs"`, the spec of each score.

use axum::response::Response;
use memchr::memmem;
use plaudit_core::{Sample, Score};
use plaudit_engine::Keep;
use serde::{Deserialize, Serialize};

use super::{Call, json_ok};
use crate::body;
use crate::error::ApiError;
use crate::state::{AppState, Scoring, SpecEntry};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "an object with `samples`")]
struct Request {
    samples: Vec<Sample>,
    /// Always absent here (such bodies take the routed path), but named so
    /// that an unknown field's error lists it.
    #[serde(default)]
    data_source: Option<String>,
}

/// [`Request`] with a `data_source` for the whole request (verl's
/// per-source rewards) or for each sample.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "an object with `samples`")]
struct RoutedRequest {
    samples: Vec<RoutedSample>,
    #[serde(default)]
    data_source: Option<String>,
}

#[derive(Deserialize)]
struct RoutedSample {
    /// The spec of this sample, over the request's `data_source`.
    #[serde(default)]
    data_source: Option<String>,
    #[serde(flatten)]
    sample: Sample,
}

#[derive(Serialize)]
struct Reply<'a> {
    spec: Option<&'a str>,
    spec_hash: Option<&'a str>,
    /// The spec of each score, when the batch spans several.
    #[serde(skip_serializing_if = "Option::is_none")]
    sample_specs: Option<Vec<&'a str>>,
    scores: Vec<Score>,
}

pub(super) async fn handle(state: AppState, call: Call) -> Result<Response, ApiError> {
    let state = &state;
    // Most requests name no data source per sample; only a body that
    // mentions `"data_source"` at all is read the (slower) routed way.
    if memmem::find(&call.body, b"\"data_source\"").is_none() {
        let Request {
            samples,
            data_source,
        } = body::parse(&call.body)?;
        let spec = state.resolve(call.spec.as_deref(), data_source.as_deref())?;
        return one_spec(state, spec, name_by_position(samples), call.scoring).await;
    }
    let RoutedRequest {
        samples,
        data_source,
    } = body::parse(&call.body)?;
    // The request's spec first, so that its own errors name no sample.
    let default = state.resolve(call.spec.as_deref(), data_source.as_deref())?;
    let mut routed: Vec<(&SpecEntry, Sample)> = Vec::with_capacity(samples.len());
    for (i, s) in samples.into_iter().enumerate() {
        let spec = match s.data_source.as_deref() {
            Some(name) => state
                .resolve(call.spec.as_deref(), Some(name))
                .map_err(|e| e.at(&format!("samples[{i}]")))?,
            None => default,
        };
        routed.push((spec, s.sample));
    }
    let first = routed.first().map_or(default, |(spec, _)| *spec);
    if routed.iter().all(|(spec, _)| spec.index == first.index) {
        let samples = routed.into_iter().map(|(_, s)| s).collect();
        return one_spec(state, first, name_by_position(samples), call.scoring).await;
    }
    // Several specs: score each one's samples together, then put the scores
    // back in request order.
    let specs: Vec<&SpecEntry> = routed.iter().map(|(spec, _)| *spec).collect();
    let samples = name_by_position(routed.into_iter().map(|(_, s)| s).collect());
    let mut groups: Vec<(&SpecEntry, Vec<usize>, Vec<Sample>)> = Vec::new();
    for (i, (spec, sample)) in specs.iter().zip(samples).enumerate() {
        match groups.iter_mut().find(|(g, _, _)| g.index == spec.index) {
            Some((_, at, group)) => {
                at.push(i);
                group.push(sample);
            }
            None => groups.push((spec, vec![i], vec![sample])),
        }
    }
    let mut scores: Vec<Option<Score>> = (0..specs.len()).map(|_| None).collect();
    for (spec, at, group) in groups {
        let got = state
            .score(spec, group, call.scoring, Keep::Details)
            .await?;
        for (i, score) in at.into_iter().zip(got) {
            scores[i] = Some(score);
        }
    }
    Ok(json_ok(&Reply {
        spec: None,
        spec_hash: None,
        sample_specs: Some(specs.iter().map(|s| s.name.as_str()).collect()),
        scores: scores
            .into_iter()
            .map(|s| s.expect("every sample was scored"))
            .collect(),
    }))
}

/// Scores are matched to samples by id; a sample without one is named by
/// its position in the request.
fn name_by_position(mut samples: Vec<Sample>) -> Vec<Sample> {
    for (i, s) in samples.iter_mut().enumerate() {
        if s.id.is_empty() {
            s.id = i.to_string();
        }
    }
    samples
}

async fn one_spec(
    state: &AppState,
    spec: &SpecEntry,
    samples: Vec<Sample>,
    scoring: Scoring,
) -> Result<Response, ApiError> {
    let scores = state.score(spec, samples, scoring, Keep::Details).await?;
    Ok(json_ok(&Reply {
        spec: Some(&spec.name),
        spec_hash: Some(spec.engine.spec_hash()),
        sample_specs: None,
        scores,
    }))
}
