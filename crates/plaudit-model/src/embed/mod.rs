//! `embed.similarity`: the cosine similarity between the response's
//! sentence embedding and the reference's (or the prompt's, for a
//! relevance reward), or Mixed-R1's BMAS over their token embeddings, with
//! a local sentence-transformers model run on the CPU by the crate's own
//! BERT encoder (`crate::nn::bert`).
//!
//! The model is a directory in Hugging Face format: `config.json` (a BERT
//! encoder), `model.safetensors`, `tokenizer.json`, and, when present,
//! sentence-transformers' `modules.json`, `1_Pooling/config.json` and
//! `sentence_bert_config.json`, which say how token embeddings become one
//! sentence embedding (mean, CLS or max pooling; normalized or not) and
//! where inputs are truncated (`max_seq_length`). Everything is read and
//! checked when the aspect is built, so a missing or malformed file is a
//! build error that names it.
//!
//! The model runs on its own thread (`worker`), never on the caller's or an
//! async runtime's: callers tokenize their texts, queue them and wait on a
//! channel; the worker drains the queue, skips texts it has embedded
//! before (a reference shared by a group of responses is embedded once;
//! 64 MiB of embeddings are kept), and packs the rest, without padding,
//! into batches bounded by a token budget, which run side by side on the
//! model's own threads.
//!
//! Without the crate's `local` feature the kind is still known (specs that
//! use it parse), and building it says which feature is missing.

#[cfg(feature = "local")]
mod model;
#[cfg(feature = "local")]
mod similarity;

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Map, Value};

use plaudit_core::{Aspect, BuildContext, BuildError, KindEntry};

/// The kind.
pub(crate) const ENTRY: KindEntry = KindEntry {
    kind: "embed.similarity",
    summary: "similarity to the reference or prompt: cosine of sentence embeddings, or BMAS over token embeddings (local model)",
    version: 1,
    build,
};

/// What the response is compared with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Against {
    /// The sample's reference; with several reference answers, the most
    /// similar one counts.
    #[default]
    Reference,
    /// The sample's prompt (a relevance reward).
    Prompt,
}

/// What is compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Measure {
    /// The cosine similarity of the two sentence embeddings.
    #[default]
    Cosine,
    /// Bidirectional max-average similarity over token embeddings
    /// (Mixed-R1's BMAS): each content token's best cosine similarity
    /// with the other text's tokens, averaged, in both directions, and
    /// the mean of the two.
    Bmas,
}

/// The parameters (parsed without the `local` feature too, so that a
/// typo is reported before the missing feature).
#[derive(Debug, Deserialize)]
#[cfg_attr(not(feature = "local"), allow(dead_code))]
#[serde(deny_unknown_fields)]
struct Params {
    /// The model's directory, relative to the spec's folder.
    model: PathBuf,
    /// What the response is compared with (default: the reference).
    #[serde(default)]
    against: Against,
    /// `cosine` of sentence embeddings (default) or `bmas` over token
    /// embeddings.
    #[serde(default)]
    measure: Measure,
    /// The most tokens in one forward pass (batches are packed, with no
    /// padding).
    #[serde(default = "default_batch_tokens")]
    batch_tokens: usize,
    /// Truncate inputs to this many tokens instead of the model's
    /// `max_seq_length`.
    #[serde(default)]
    max_seq_length: Option<usize>,
}

fn default_batch_tokens() -> usize {
    2048
}

fn build(params: &Map<String, Value>, cx: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    let p: Params = BuildError::parse_params(params)?;
    if p.batch_tokens == 0 {
        return Err(BuildError::param("batch_tokens", "must be at least 1"));
    }
    if p.max_seq_length == Some(0) {
        return Err(BuildError::param("max_seq_length", "must be at least 1"));
    }
    build_local(p, cx)
}

#[cfg(not(feature = "local"))]
fn build_local(_: Params, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    Err(BuildError::param("kind", NO_LOCAL))
}

/// The error of every local-model kind in a build without `local`.
#[cfg(not(feature = "local"))]
pub(crate) const NO_LOCAL: &str = "plaudit was built without the `local` feature, which runs \
     models in-process (build with `--features plaudit-model/local`)";

#[cfg(feature = "local")]
fn build_local(p: Params, cx: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    let dir = cx.resolve(&p.model);
    let model = model::SentenceModel::load(&dir, p.max_seq_length)
        .map_err(|e| BuildError::param("model", e.to_string()))?;
    Ok(Box::new(similarity::Similarity::new(
        model,
        p.against,
        p.measure,
        p.batch_tokens,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn build_err(params: Value) -> BuildError {
        match build(params.as_object().unwrap(), &BuildContext::default()) {
            Ok(_) => panic!("built"),
            Err(e) => e,
        }
    }

    #[test]
    fn unknown_parameters_are_refused_by_name() {
        let e = build_err(json!({"model": "m", "modle": "x"}));
        assert!(e.to_string().contains("modle"), "{e}");
    }

    #[test]
    fn zero_budget_is_refused() {
        let e = build_err(json!({"model": "m", "batch_tokens": 0}));
        assert_eq!(e.field(), Some("batch_tokens"));
    }

    #[test]
    fn measure_is_cosine_or_bmas() {
        let e = build_err(json!({"model": "m", "measure": "dot"}));
        assert!(e.to_string().contains("bmas"), "{e}");
    }

    #[test]
    fn against_is_reference_or_prompt() {
        let e = build_err(json!({"model": "m", "against": "response"}));
        assert!(e.to_string().contains("reference"), "{e}");
    }

    #[cfg(not(feature = "local"))]
    #[test]
    fn without_the_feature_building_says_so() {
        let e = build_err(json!({"model": "m"}));
        assert!(e.to_string().contains("`local` feature"), "{e}");
    }

    #[cfg(feature = "local")]
    #[test]
    fn a_missing_model_directory_is_named() {
        let e = build_err(json!({"model": "/nonexistent/minilm"}));
        assert_eq!(e.field(), Some("model"));
        assert!(e.to_string().contains("/nonexistent/minilm"), "{e}");
    }
}
