//! LLM-judge rewards from any OpenAI-compatible chat-completions server
//! (OpenAI, vLLM, SGLang, llama.cpp, TGI…).
//!
//! | kind | reward |
//! |---|---|
//! | `judge.score` | critique, then a score on a scale, normalized to [0, 1] |
//! | `judge.rubric` | weighted share of rubric criteria met (spec or `meta.rubric`) |
//! | `judge.principles` | share of principles followed (spec or `meta.principles`) |
//! | `judge.checklist` | share of checklist items done (spec or `meta.checklist`) |
//! | `judge.pairwise` | win probability against the reference, or against a response of the same group (BRPO), both orders averaged |
//!
//! Add them to a registry with [`register`]; `docs/judges.md` has the
//! parameters of each.
//!
//! # Design
//!
//! **Batches are concurrent, the caller stays synchronous.** Judges are
//! [`Cost::Expensive`](plaudit_core::Cost) aspects whose time is spent
//! waiting on a server. [`Aspect::evaluate_batch`](plaudit_core::Aspect)
//! spawns every call of the batch at once on one multi-thread tokio runtime
//! (two workers, created on first use and shared by every judge of the
//! process — never one per call), bounded by each aspect's
//! `max_concurrency` semaphore. The caller only waits on a channel, so it
//! may be an engine worker or a server's blocking thread; `plaudit-core`
//! stays free of async.
//!
//! **The deadline is a hard bound.** Every call races the
//! [`Context`](plaudit_core::Context) deadline, retries and backoff
//! included; a sample whose calls are not done by then is timed out, never
//! waited for.
//!
//! **A verdict is read, never guessed.** A reply that is not JSON, misses a
//! field, judges an unknown criterion or scores off the scale is a failed
//! evaluation with the raw reply in `raw`; it never becomes a number.
//!
//! **Nothing to judge, no judge.** Responses that are empty, punctuation
//! only, or only a reasoning opener ("Let's solve this problem step by
//! step.", "Thought process:", "解", and equivalents in Japanese, Spanish,
//! French, German and Russian) are the "master keys" that fool LLM judges
//! (Zhao et al., 2025). They score 0 with a `reason` before any call
//! (`guard = false` turns this off).
//!
//! **The response is data.** Prompts put sample text between tags, any of
//! our tags inside it is neutralized, and the judge is told to ignore
//! instructions in it.
//!
//! **Every evaluation says what it cost**: `model`, `tokens` (`prompt`,
//! `completion`), `latency_ms`, `attempts`, and `cost_usd` when prices are
//! given — and `structured_output_fallback` when the server rejected
//! `json_schema` and the judge was asked with `json_object` instead.
//!
//! **Servers differ; the client adapts.** A server that rejects
//! `response_format: json_schema` is asked again with `json_object`, once,
//! and the aspect remembers it. OpenAI's reasoning models get
//! `max_completion_tokens` and no `temperature`. A `Retry-After` is read
//! as seconds or as an HTTP-date.
//!
//! # Cargo features
//!
//! - `tls` (default): `https://` base URLs, through rustls with the ring
//!   provider (installed as the process default if none is). Without it
//!   only `http://` URLs are accepted, which covers local servers.
#![deny(missing_docs)]

mod checklist;
mod client;
mod criteria;
mod guard;
mod judge;
mod limit;
mod pairwise;
mod params;
mod principles;
mod prompt;
mod rubric;
mod score;

use plaudit_core::{KindEntry, Registry, Sample};
use serde_json::Value;

pub use client::{CallError, StructuredOutput};
pub use params::{ENV_API_KEY, ENV_BASE_URL, ENV_MODEL};

/// Every judge kind, sorted by name.
pub const ENTRIES: &[KindEntry] = &[
    checklist::ENTRY,
    pairwise::ENTRY,
    principles::ENTRY,
    rubric::ENTRY,
    score::ENTRY,
];

/// Adds every judge kind to a registry.
pub fn register(registry: &mut Registry) {
    for entry in ENTRIES {
        registry.register(*entry);
    }
}

/// The sample's reference as text for a prompt: a string as is, a list of
/// answers joined by " or ", anything else as JSON; `None` when absent or
/// null.
pub(crate) fn reference_text(sample: &Sample) -> Option<String> {
    match sample.reference.as_ref()? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        _ => match sample.reference_answers() {
            Some(answers) => Some(answers.join(" or ")),
            None => sample.reference.as_ref().map(Value::to_string),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_registers_once() {
        let mut r = Registry::new();
        register(&mut r);
        assert_eq!(
            r.kinds(),
            [
                "judge.checklist",
                "judge.pairwise",
                "judge.principles",
                "judge.rubric",
                "judge.score"
            ]
        );
        assert!(
            r.entries()
                .iter()
                .all(|e| !e.summary.is_empty() && e.version >= 1)
        );
    }

    /// Every TOML example of docs/judges.md builds (no server is needed to
    /// build an aspect).
    #[test]
    fn the_documented_examples_build() {
        const SHARED: &[&str] = &[
            "name",
            "kind",
            "weight",
            "requires",
            "pass_threshold",
            "on_missing",
            "timeout_ms",
            "cache",
        ];
        let doc = include_str!("../../../docs/judges.md");
        let mut registry = Registry::new();
        register(&mut registry);
        let mut built = Vec::new();
        for (line, block) in plaudit_core::spec::toml_blocks(doc).unwrap() {
            let spec: toml::Table = toml::from_str(&block)
                .unwrap_or_else(|e| panic!("docs/judges.md:{line}: {e}\n{block}"));
            for aspect in spec["aspect"].as_array().unwrap() {
                let kind = aspect["kind"].as_str().unwrap();
                let params: serde_json::Map<String, Value> = aspect
                    .as_table()
                    .unwrap()
                    .iter()
                    .filter(|(k, _)| !SHARED.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap()))
                    .collect();
                let entry = registry.get(kind).unwrap();
                if let Err(e) = (entry.build)(&params, &Default::default()) {
                    panic!("docs/judges.md:{line}: {kind}: {e}\n{block}");
                }
                built.push(kind.to_owned());
            }
        }
        built.sort_unstable();
        built.dedup();
        assert_eq!(built, registry.kinds());
    }

    #[test]
    fn references_become_text() {
        let s = Sample::new("s", "x");
        assert_eq!(reference_text(&s), None);
        assert_eq!(
            reference_text(&s.clone().with_reference(json!("Paris"))).as_deref(),
            Some("Paris")
        );
        assert_eq!(
            reference_text(&s.clone().with_reference(json!([1, "2"]))).as_deref(),
            Some("1 or 2")
        );
        assert_eq!(
            reference_text(&s.with_reference(json!({"a": 1}))).as_deref(),
            Some("{\"a\":1}")
        );
    }
}
