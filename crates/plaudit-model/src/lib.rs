//! Reward models as aspects.
//!
//! | kind | reward |
//! |---|---|
//! | `embed.similarity` | the cosine similarity of the response's sentence embedding and the reference's or the prompt's, or the BMAS of their token embeddings, with a local sentence-transformers model (feature `local`) |
//! | `model.local` | a reward model's score computed in-process on the CPU: BERT, DeBERTa-v2/v3, Llama, Mistral, Qwen2 and Qwen3 sequence classifiers read from a local checkpoint, as transformers computes them (feature `local`) |
//! | `model.remote` | a served reward model's score: vLLM (`/classify`, `/pooling`), SGLang (`/classify`), text-embeddings-inference (`/predict`, `/rerank`) |
//!
//! Add them to a registry with [`register`]; `docs/models.md` has every
//! parameter, each protocol's request and reply, and an example spec.
//!
//! # Design
//!
//! **The model reads what it was trained on.** A sample becomes the
//! model's input through the model's own chat template, read from its
//! `tokenizer_config.json` and rendered as transformers renders it
//! (`template`), or through a plain text template, or as chat messages for
//! servers that apply the template themselves (`input`). Those modules
//! know nothing of HTTP, so that an in-process backend can share them.
//!
//! **Batches form themselves.** The engine hands a served model one sample
//! per worker; the aspect queues them and a dispatcher sends as many as fit
//! a batch (by count and by estimated tokens) whenever one of its
//! `max_concurrency` request slots is free. The caller only waits on a
//! channel, on its own thread, never on the async runtime.
//!
//! **A score is read, never guessed.** A reply that is not the protocol's,
//! a result missing for an input, a non-finite value, several outputs when
//! the spec names none: each is a failed evaluation that says why, for the
//! inputs it concerns, and the rest of the batch keeps its scores. A batch
//! the server rejects as a whole (400, 413, 422, 500) is split in halves
//! until the inputs it rejects stand alone.
//!
//! **Every score is cached.** The aspect is [`Cost::Expensive`](plaudit_core::Cost),
//! so the engine stores each evaluation by content hash and a second run
//! calls no model.
//!
//! # Cargo features
//!
//! - `tls` (default): `https://` base URLs, through rustls with the ring
//!   provider. Without it only `http://` URLs are accepted.
//! - `local`: in-process models on the CPU (`embed.similarity`,
//!   `model.local`), with the
//!   crate's own encoder on the `gemm` crate's matrix products.
//!   Without it those kinds are still known, so specs that name them
//!   parse, but building one is an error that names the feature.
#![deny(missing_docs)]

mod embed;
mod input;
#[cfg(feature = "local")]
mod local;
#[cfg(feature = "local")]
mod nn;
mod remote;
mod template;
#[cfg(feature = "local")]
mod worker;

use plaudit_core::{KindEntry, Registry};

pub use remote::{ENV_API_KEY, ENV_BASE_URL};

/// Every model kind, sorted by name.
pub const ENTRIES: &[KindEntry] = &[embed::ENTRY, local::ENTRY, remote::ENTRY];

/// `model.local` in a build without the `local` feature: known, so that
/// specs naming it parse, and an error that names the feature when built.
#[cfg(not(feature = "local"))]
mod local {
    use plaudit_core::{Aspect, BuildContext, BuildError, KindEntry};
    use serde_json::{Map, Value};

    pub(crate) const ENTRY: KindEntry = KindEntry {
        kind: "model.local",
        summary: "a reward model's score computed in-process (BERT, DeBERTa, Llama, Mistral, Qwen2/3 classifiers)",
        version: 1,
        build,
    };

    fn build(_: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
        Err(BuildError::param("kind", crate::embed::NO_LOCAL))
    }
}

/// Adds every model kind to a registry.
pub fn register(registry: &mut Registry) {
    for entry in ENTRIES {
        registry.register(*entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_registers_once() {
        let mut r = Registry::new();
        register(&mut r);
        assert_eq!(
            r.kinds(),
            ["embed.similarity", "model.local", "model.remote"]
        );
        assert!(
            r.entries()
                .iter()
                .all(|e| !e.summary.is_empty() && e.version >= 1)
        );
    }
}
