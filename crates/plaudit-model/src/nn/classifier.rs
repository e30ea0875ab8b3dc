//! Sequence-classification checkpoints: what transformers'
//! `AutoModelForSequenceClassification` loads for BERT encoders and
//! Llama, Mistral, Qwen2 and Qwen3 decoders, and the logits it computes.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::bert::{Bert, Config as BertConfig};
use super::deberta::DebertaConfig;
use super::decoder::{Decoder, DecoderConfig};
use super::ops::Activation;
use super::weights::Weights;

/// A loaded classifier.
#[derive(Debug)]
pub(crate) enum Classifier {
    /// BERT (or DeBERTa) with its pooler (`tanh`, or DeBERTa's
    /// `pooler_hidden_act`, of a dense layer over the first token) and a
    /// linear classifier.
    Bert {
        bert: Box<Bert>,
        pooler: (Vec<f32>, Vec<f32>),
        pooler_act: PoolerAct,
        head: (Vec<f32>, Vec<f32>),
        labels: Vec<String>,
    },
    /// A decoder with its `score` head.
    Decoder(Box<Decoder>),
}

/// The pooler's activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PoolerAct {
    Tanh,
    Other(Activation),
}

/// Which file is wrong, and how.
#[derive(Debug)]
pub(crate) enum ClassifierError {
    /// `config.json` names a model this crate cannot run.
    Config(String),
    /// `model.safetensors` is not the checkpoint `config.json` describes.
    Weights(String),
}

/// What every classifier's `config.json` says about its head.
#[derive(Debug, Deserialize)]
struct Head {
    model_type: Option<String>,
    #[serde(default)]
    id2label: Option<BTreeMap<String, String>>,
    #[serde(default)]
    num_labels: Option<usize>,
}

impl Classifier {
    /// Builds the model that `config` (the text of `config.json`)
    /// describes from the bytes of its `model.safetensors`.
    pub fn load(config: &str, weights: &[u8]) -> Result<Self, ClassifierError> {
        let cfg = |e: serde_json::Error| ClassifierError::Config(e.to_string());
        let head: Head = serde_json::from_str(config).map_err(cfg)?;
        match head.model_type.as_deref() {
            Some("bert") => {
                let config: BertConfig = serde_json::from_str(config).map_err(cfg)?;
                let act = config.check().map_err(ClassifierError::Config)?;
                let hidden = config.hidden_size();
                let w =
                    Weights::new(weights, "bert.embeddings.").map_err(ClassifierError::Weights)?;
                let bert = Bert::from_weights(config, act, &w).map_err(ClassifierError::Weights)?;
                Self::with_head(bert, &w, hidden, labels(&head), PoolerAct::Tanh)
            }
            Some("deberta-v2") => {
                let config: DebertaConfig = serde_json::from_str(config).map_err(cfg)?;
                let act = match config.pooler_hidden_act.as_str() {
                    "gelu" => Activation::Gelu,
                    "gelu_new" | "gelu_pytorch_tanh" => Activation::GeluTanh,
                    "relu" => Activation::Relu,
                    "tanh" => {
                        return Self::deberta(&config, weights, labels(&head), PoolerAct::Tanh);
                    }
                    other => {
                        return Err(ClassifierError::Config(format!(
                            "pooler_hidden_act `{other}` is not supported"
                        )));
                    }
                };
                Self::deberta(&config, weights, labels(&head), PoolerAct::Other(act))
            }
            Some(_) => {
                let config: DecoderConfig = serde_json::from_str(config).map_err(cfg)?;
                Decoder::load(config, weights)
                    .map(|d| Classifier::Decoder(Box::new(d)))
                    .map_err(|e| match e {
                        Ok(c) => ClassifierError::Config(c),
                        Err(w) => ClassifierError::Weights(w),
                    })
            }
            None => Err(ClassifierError::Config(
                "no `model_type`: is this a transformers checkpoint?".into(),
            )),
        }
    }

    fn deberta(
        config: &DebertaConfig,
        weights: &[u8],
        labels: Vec<String>,
        act: PoolerAct,
    ) -> Result<Self, ClassifierError> {
        let w = Weights::new(weights, "deberta.embeddings.").map_err(ClassifierError::Weights)?;
        let bert = super::deberta::load(config, &w).map_err(|e| match e {
            Ok(c) => ClassifierError::Config(c),
            Err(w) => ClassifierError::Weights(w),
        })?;
        Self::with_head(bert, &w, config.hidden_size(), labels, act)
    }

    /// An encoder with its pooler and classifier read from `w`.
    fn with_head(
        bert: Bert,
        w: &Weights<'_>,
        hidden: usize,
        labels: Vec<String>,
        pooler_act: PoolerAct,
    ) -> Result<Self, ClassifierError> {
        let n = labels.len();
        let read = || -> Result<_, String> {
            // BERT's pooler is inside the base model (`bert.pooler`),
            // DeBERTa's beside it (`pooler`).
            let pooler = match w.get("pooler.dense.weight", &[hidden, hidden]) {
                Ok(weight) => (weight, w.get("pooler.dense.bias", &[hidden])?),
                Err(e) => match w.exact("pooler.dense.weight", &[hidden, hidden]) {
                    Ok(weight) => (weight, w.exact("pooler.dense.bias", &[hidden])?),
                    Err(_) => return Err(e),
                },
            };
            let head = (
                w.exact("classifier.weight", &[n, hidden])?,
                w.exact("classifier.bias", &[n])?,
            );
            Ok((pooler, head))
        };
        let (pooler, head) = read().map_err(ClassifierError::Weights)?;
        Ok(Classifier::Bert {
            bert: Box::new(bert),
            pooler,
            pooler_act,
            head,
            labels,
        })
    }

    /// The classes' names by index (`id2label`, else `LABEL_<i>`).
    pub fn labels(&self) -> Vec<String> {
        match self {
            Classifier::Bert { labels, .. } => labels.clone(),
            Classifier::Decoder(d) => labels(&Head {
                model_type: None,
                id2label: d.config.id2label.clone(),
                num_labels: Some(d.config.num_labels()),
            }),
        }
    }

    /// The longest input, in tokens.
    pub fn max_tokens(&self) -> usize {
        match self {
            Classifier::Bert { bert, .. } => bert.config.max_position_embeddings,
            Classifier::Decoder(d) => d.config.max_position_embeddings,
        }
    }

    /// The logits of each sequence, in order.
    pub fn forward(&self, batch: &[&[u32]], threads: usize) -> Result<Vec<Vec<f32>>, String> {
        match self {
            Classifier::Decoder(d) => d.forward(batch, threads),
            Classifier::Bert {
                bert,
                pooler,
                pooler_act,
                head,
                ..
            } => {
                let h = bert.hidden_size();
                let (hidden, offsets) = bert.forward(batch, threads)?;
                Ok(offsets[..offsets.len() - 1]
                    .iter()
                    .map(|&start| {
                        let cls = &hidden[start * h..][..h];
                        let mut pooled = affine(&pooler.0, &pooler.1, cls);
                        match pooler_act {
                            PoolerAct::Tanh => pooled.iter_mut().for_each(|x| *x = x.tanh()),
                            PoolerAct::Other(act) => act.apply(&mut pooled),
                        }
                        affine(&head.0, &head.1, &pooled)
                    })
                    .collect())
            }
        }
    }
}

/// `W·x + b` for `W` stored `out × in`, accumulated in f64.
fn affine(w: &[f32], b: &[f32], x: &[f32]) -> Vec<f32> {
    w.chunks_exact(x.len())
        .zip(b)
        .map(|(row, bias)| {
            let dot: f64 = row
                .iter()
                .zip(x)
                .map(|(a, b)| f64::from(*a) * f64::from(*b))
                .sum();
            (dot + f64::from(*bias)) as f32
        })
        .collect()
}

/// The label names of a head, by index.
fn labels(head: &Head) -> Vec<String> {
    match &head.id2label {
        Some(map) if !map.is_empty() => {
            let mut by_id: Vec<(usize, String)> = map
                .iter()
                .filter_map(|(k, v)| k.parse().ok().map(|i| (i, v.clone())))
                .collect();
            by_id.sort();
            by_id.into_iter().map(|(_, v)| v).collect()
        }
        _ => (0..head.num_labels.unwrap_or(2))
            .map(|i| format!("LABEL_{i}"))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn data() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/local"))
    }

    fn load(kind: &str) -> Classifier {
        let dir = data().join(kind);
        let config = std::fs::read_to_string(dir.join("config.json")).unwrap();
        let weights = std::fs::read(dir.join("model.safetensors")).unwrap();
        match Classifier::load(&config, &weights) {
            Ok(c) => c,
            Err(e) => panic!("{kind}: {e:?}"),
        }
    }

    /// Each tiny checkpoint's logits equal transformers' (`fixtures.json`,
    /// written by `make_fixtures.py` from one right-padded batch), whether
    /// the texts run together, alone, or on two threads.
    #[test]
    fn logits_match_transformers() {
        let fixtures: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(data().join("fixtures.json")).unwrap())
                .unwrap();
        for (kind, cases) in fixtures["models"].as_object().unwrap() {
            let model = load(kind);
            let ids: Vec<Vec<u32>> = cases
                .as_array()
                .unwrap()
                .iter()
                .map(|c| serde_json::from_value(c["ids"].clone()).unwrap())
                .collect();
            let batch: Vec<&[u32]> = ids.iter().map(Vec::as_slice).collect();
            let together = model.forward(&batch, 1).unwrap();
            let threaded = model.forward(&batch, 2).unwrap();
            let mut worst = 0f64;
            for (i, case) in cases.as_array().unwrap().iter().enumerate() {
                let want: Vec<f64> = serde_json::from_value(case["logits"].clone()).unwrap();
                let alone = model.forward(&batch[i..=i], 1).unwrap().remove(0);
                assert_eq!(alone.len(), want.len(), "{kind} case {i}");
                for got in [&together[i], &threaded[i], &alone] {
                    for (g, w) in got.iter().zip(&want) {
                        let diff = (f64::from(*g) - w).abs();
                        worst = worst.max(diff);
                        assert!(
                            diff <= 1e-4 * w.abs().max(1.0),
                            "{kind} case {i}: {got:?} vs {want:?}"
                        );
                    }
                }
            }
            eprintln!("{kind}: largest difference from transformers {worst:.1e}");
        }
    }

    #[test]
    fn labels_and_limits_come_from_the_config() {
        assert_eq!(load("qwen2").labels().len(), 5);
        assert_eq!(load("bert").labels(), ["LABEL_0", "LABEL_1"]);
        assert_eq!(load("bert").max_tokens(), 64);
        assert_eq!(load("llama").max_tokens(), 4096);
    }

    #[test]
    fn the_score_is_read_where_transformers_reads_it() {
        let Classifier::Decoder(llama) = load("llama") else {
            panic!()
        };
        // pad = eos = 4: the token before the trailing end-of-sequence.
        assert_eq!(llama.score_position(&[5, 6, 4]), 1);
        assert_eq!(llama.score_position(&[5, 4, 4, 4]), 0);
        assert_eq!(llama.score_position(&[4, 4]), 0);
        let Classifier::Decoder(qwen3) = load("qwen3") else {
            panic!()
        };
        // No pad token: the last token.
        assert_eq!(qwen3.score_position(&[5, 6, 4]), 2);
    }

    #[test]
    fn a_checkpoint_that_is_not_its_config_is_refused() {
        let dir = data().join("qwen2");
        let config = std::fs::read_to_string(dir.join("config.json")).unwrap();
        let llama = std::fs::read(data().join("llama/model.safetensors")).unwrap();
        match Classifier::load(&config, &llama) {
            Err(ClassifierError::Weights(e)) => assert!(e.contains("tensor"), "{e}"),
            other => panic!("{other:?}"),
        }
        let gpt2 = config.replace("\"qwen2\"", "\"gpt2\"");
        match Classifier::load(&gpt2, &llama) {
            Err(ClassifierError::Config(e)) => assert!(e.contains("gpt2"), "{e}"),
            other => panic!("{other:?}"),
        }
        let weights = std::fs::read(dir.join("model.safetensors")).unwrap();
        let model = Classifier::load(&config, &weights).unwrap();
        let e = model.forward(&[&[5, 500]], 1).unwrap_err();
        assert!(e.contains("500"), "{e}");
        let e = model.forward(&[&[]], 1).unwrap_err();
        assert!(e.contains("0 tokens"), "{e}");
    }
}
