//! `POST /v1/score[/{spec}]`: plaudit's own API. A batch of samples in, a
//! score per sample out, with every aspect's outcome and provenance.
//!
//! ```json
//! {"samples": [{"id": "a", "prompt": "2+2?", "response": "...", "reference": "4"}]}
//! ```
//! → `{"spec": "math", "spec_hash": "...", "scores": [Score, ...]}` where a
//! sample without a reward has `"reward": null` and an `"error"`.

use axum::response::Response;
use plaudit_core::{Sample, Score};
use serde::{Deserialize, Serialize};

use super::{Call, json_ok};
use crate::body;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "an object with `samples`")]
struct Request {
    samples: Vec<Sample>,
    /// Routes the request to the spec of this name (verl's per-source
    /// rewards).
    #[serde(default)]
    data_source: Option<String>,
}

#[derive(Serialize)]
struct Reply<'a> {
    spec: &'a str,
    spec_hash: &'a str,
    scores: Vec<Score>,
}

pub(super) fn handle(state: &AppState, call: Call) -> Result<Response, ApiError> {
    let Request {
        mut samples,
        data_source,
    } = body::parse(&call.body)?;
    let spec = state.resolve(call.spec.as_deref(), data_source.as_deref())?;
    // Scores are matched to samples by id; a sample without one is named
    // by its position in the request.
    for (i, s) in samples.iter_mut().enumerate() {
        if s.id.is_empty() {
            s.id = i.to_string();
        }
    }
    let scores = state.score(spec, samples);
    Ok(json_ok(&Reply {
        spec: &spec.name,
        spec_hash: spec.engine.spec_hash(),
        scores,
    }))
}
