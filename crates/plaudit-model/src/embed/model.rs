//! A sentence-transformers model read from its directory: a BERT encoder,
//! its tokenizer, and the pooling that turns token embeddings into one
//! sentence embedding.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use tokenizers::{Tokenizer, TruncationParams};

use crate::nn::bert::{Bert, BertError, Config};
use crate::worker::Forward;

/// Why a model directory could not be loaded; each names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum LoadError {
    /// A file is missing or unreadable.
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file is there but not what it should be.
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

fn invalid(path: &Path, message: impl ToString) -> LoadError {
    LoadError::Invalid {
        path: path.to_owned(),
        message: message.to_string(),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Read {
        path: path.to_owned(),
        source,
    })
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, LoadError> {
    serde_json::from_slice(&read(path)?).map_err(|e| invalid(path, e))
}

/// How token embeddings become the sentence embedding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pooling {
    /// The mean over the real (not padding) tokens.
    Mean,
    /// The first token's embedding.
    Cls,
    /// The element-wise maximum over the real tokens.
    Max,
}

/// What the model returns for each text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Output {
    /// One pooled (and, if the model says so, normalized) embedding.
    Sentence,
    /// The last hidden state of every token, row after row.
    Tokens,
}

/// sentence-transformers' `1_Pooling/config.json`.
#[derive(Debug, Deserialize)]
struct PoolingConfig {
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
    #[serde(default)]
    pooling_mode_mean_sqrt_len_tokens: bool,
    #[serde(default)]
    pooling_mode_weightedmean_tokens: bool,
    #[serde(default)]
    pooling_mode_lasttoken: bool,
}

/// One entry of sentence-transformers' `modules.json`.
#[derive(Debug, Deserialize)]
struct Module {
    path: String,
    #[serde(rename = "type")]
    kind: String,
}

/// sentence-transformers' `sentence_bert_config.json`.
#[derive(Debug, Deserialize)]
struct SentenceBertConfig {
    max_seq_length: Option<usize>,
    #[serde(default)]
    do_lower_case: bool,
}

/// A loaded sentence-embedding model.
pub(crate) struct SentenceModel {
    bert: Bert,
    pub tokenizer: Tokenizer,
    pub pooling: Pooling,
    pub normalize: bool,
    pub max_seq_length: usize,
    /// Whether texts are lowercased before tokenizing (`do_lower_case`).
    pub lowercase: bool,
}

impl std::fmt::Debug for SentenceModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentenceModel")
            .field("pooling", &self.pooling)
            .field("normalize", &self.normalize)
            .field("max_seq_length", &self.max_seq_length)
            .finish_non_exhaustive()
    }
}

impl SentenceModel {
    /// Loads the model in `dir`; `max_seq_length` overrides the model's.
    pub fn load(dir: &Path, max_seq_length: Option<usize>) -> Result<Self, LoadError> {
        if !dir.is_dir() {
            return Err(LoadError::Read {
                path: dir.to_owned(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such directory"),
            });
        }
        let config_path = dir.join("config.json");
        let config: Config = read_json(&config_path)?;
        let (pooling, normalize, pooling_dir) = read_modules(dir)?;
        let pooling = match pooling_dir {
            Some(p) => read_pooling(&dir.join(p).join("config.json"))?,
            None => pooling.unwrap_or(Pooling::Mean),
        };
        let st_path = dir.join("sentence_bert_config.json");
        let st: Option<SentenceBertConfig> = if st_path.is_file() {
            Some(read_json(&st_path)?)
        } else {
            None
        };
        let max_seq_length = max_seq_length
            .or(st.as_ref().and_then(|s| s.max_seq_length))
            .unwrap_or(config.max_position_embeddings)
            .min(config.max_position_embeddings);

        let tokenizer_path = dir.join("tokenizer.json");
        let mut tokenizer = Tokenizer::from_bytes(read(&tokenizer_path)?)
            .map_err(|e| invalid(&tokenizer_path, e))?;
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_seq_length,
                ..Default::default()
            }))
            .map_err(|e| invalid(&tokenizer_path, e))?;
        tokenizer.with_padding(None);

        let weights_path = dir.join("model.safetensors");
        let bert = Bert::load(config, &read(&weights_path)?).map_err(|e| match e {
            BertError::Config(m) => invalid(&config_path, m),
            BertError::Weights(m) => invalid(&weights_path, m),
        })?;
        Ok(SentenceModel {
            bert,
            tokenizer,
            pooling,
            normalize,
            max_seq_length,
            lowercase: st.is_some_and(|s| s.do_lower_case),
        })
    }

    /// The width of an embedding.
    pub fn hidden_size(&self) -> usize {
        self.bert.hidden_size()
    }

    /// The embeddings of a batch of token id sequences, in order: each a
    /// `hidden_size`-long sentence embedding, or a sequence's token rows.
    /// `threads > 1` spreads the work over the current rayon pool.
    pub fn embed(
        &self,
        batch: &[&[u32]],
        threads: usize,
        output: Output,
    ) -> Result<Vec<Vec<f32>>, String> {
        let h = self.bert.hidden_size();
        let (hidden, offsets) = self.bert.forward(batch, threads)?;
        let mut out = Vec::with_capacity(batch.len());
        for w in offsets.windows(2) {
            let rows = &hidden[w[0] * h..w[1] * h];
            if output == Output::Tokens {
                out.push(rows.to_vec());
                continue;
            }
            let mut v = match self.pooling {
                Pooling::Cls => rows[..h].to_vec(),
                Pooling::Mean => {
                    let mut sum = vec![0f64; h];
                    for row in rows.chunks_exact(h) {
                        for (s, &x) in sum.iter_mut().zip(row) {
                            *s += f64::from(x);
                        }
                    }
                    let n = (w[1] - w[0]) as f64;
                    sum.into_iter().map(|s| (s / n) as f32).collect()
                }
                Pooling::Max => {
                    let mut max = vec![f32::NEG_INFINITY; h];
                    for row in rows.chunks_exact(h) {
                        for (m, &x) in max.iter_mut().zip(row) {
                            *m = m.max(x);
                        }
                    }
                    max
                }
            };
            if self.normalize {
                crate::nn::ops::normalize(&mut v);
            }
            out.push(v);
        }
        Ok(out)
    }
}

/// The model as its worker runs it, with what it returns.
#[derive(Debug)]
pub(crate) struct Embedder {
    pub model: SentenceModel,
    pub output: Output,
}

impl Forward for Embedder {
    fn forward(&self, batch: &[&[u32]], threads: usize) -> Result<Vec<Vec<f32>>, String> {
        self.model.embed(batch, threads, self.output)
    }
}

/// Reads `modules.json` when present: whether it normalizes, and the
/// pooling module's folder. Without it, mean pooling and no normalization
/// (what sentence-transformers does with a bare transformers model).
fn read_modules(dir: &Path) -> Result<(Option<Pooling>, bool, Option<String>), LoadError> {
    let path = dir.join("modules.json");
    if !path.is_file() {
        let pooling_dir = dir.join("1_Pooling");
        return Ok((
            None,
            false,
            pooling_dir.is_dir().then(|| "1_Pooling".to_owned()),
        ));
    }
    let modules: Vec<Module> = read_json(&path)?;
    let mut normalize = false;
    let mut pooling = None;
    for m in &modules {
        match m.kind.rsplit('.').next().unwrap_or_default() {
            "Transformer" => {}
            "Pooling" => pooling = Some(m.path.clone()),
            "Normalize" => normalize = true,
            other => {
                return Err(invalid(
                    &path,
                    format!("module `{other}` ({}) is not supported", m.kind),
                ));
            }
        }
    }
    Ok((None, normalize, pooling))
}

fn read_pooling(path: &Path) -> Result<Pooling, LoadError> {
    let c: PoolingConfig = read_json(path)?;
    if c.pooling_mode_mean_sqrt_len_tokens
        || c.pooling_mode_weightedmean_tokens
        || c.pooling_mode_lasttoken
    {
        return Err(invalid(
            path,
            "only mean, CLS and max pooling are supported",
        ));
    }
    match (
        c.pooling_mode_mean_tokens,
        c.pooling_mode_cls_token,
        c.pooling_mode_max_tokens,
    ) {
        (true, false, false) => Ok(Pooling::Mean),
        (false, true, false) => Ok(Pooling::Cls),
        (false, false, true) => Ok(Pooling::Max),
        _ => Err(invalid(path, "exactly one pooling mode must be on")),
    }
}

#[cfg(test)]
#[path = "../../tests/minilm/mod.rs"]
mod minilm;

#[cfg(test)]
mod tests {
    use super::*;

    /// The embeddings themselves, not only their similarities, are
    /// sentence-transformers' (`tests/data/embed/reference.json`), alone
    /// and padded in one batch.
    #[test]
    fn embeddings_match_sentence_transformers() {
        let Some(dir) = minilm::dir() else { return };
        let model = SentenceModel::load(&dir, None).unwrap();
        assert_eq!(
            (model.pooling, model.normalize, model.max_seq_length),
            (Pooling::Mean, true, 256)
        );
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/embed/reference.json");
        let fixture: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let cases = fixture["embeddings"].as_array().unwrap();
        let ids: Vec<Vec<u32>> = cases
            .iter()
            .map(|c| {
                let text = c["text"].as_str().unwrap();
                let e = model.tokenizer.encode_fast(text, true).unwrap();
                e.get_ids().to_vec()
            })
            .collect();
        let batch: Vec<&[u32]> = ids.iter().map(Vec::as_slice).collect();
        let together = model.embed(&batch, 2, Output::Sentence).unwrap();
        let mut max_diff = 0f32;
        for (i, c) in cases.iter().enumerate() {
            let alone = model
                .embed(&batch[i..=i], 1, Output::Sentence)
                .unwrap()
                .remove(0);
            let expected: Vec<f32> = c["vector"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect();
            assert_eq!(alone.len(), expected.len());
            for ((a, t), e) in alone.iter().zip(&together[i]).zip(&expected) {
                max_diff = max_diff.max((a - e).abs()).max((t - e).abs());
            }
        }
        assert!(max_diff <= 1e-4, "max difference {max_diff}");
    }
}
