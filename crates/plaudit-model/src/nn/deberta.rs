//! DeBERTa-v2 and -v3 encoders (`model_type = "deberta-v2"`): BERT's
//! layers with disentangled attention. Each attention score adds to the
//! content-to-content term a content-to-position term (the query against
//! the relative position's key) and a position-to-content term (the key
//! against the relative position's query), over relative embeddings
//! shared by every layer and projected by each layer's own query and key
//! (`share_att_key`). Relative positions beyond `position_buckets / 2`
//! fall into logarithmic buckets, as transformers computes them (in f32).
//!
//! The layers are `bert`'s; this module reads the checkpoint, builds the
//! relative terms, and adds them to the scores (see [`Relative::add_bias`]).

use serde::Deserialize;

use super::bert::{Bert, Config as BertConfig, Layer};
use super::cpu::{View, layer_norm, matmul};
use super::ops::Activation;
use super::weights::Weights;

/// The fields of a DeBERTa `config.json` the encoder reads.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct DebertaConfig {
    vocab_size: usize,
    hidden_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    intermediate_size: usize,
    #[serde(default = "gelu")]
    hidden_act: String,
    #[serde(default = "default_positions")]
    max_position_embeddings: usize,
    #[serde(default)]
    type_vocab_size: usize,
    #[serde(default = "default_eps")]
    layer_norm_eps: f64,
    #[serde(default)]
    relative_attention: bool,
    #[serde(default = "minus_one")]
    position_buckets: i64,
    #[serde(default = "minus_one")]
    max_relative_positions: i64,
    #[serde(default)]
    pos_att_type: Option<PosAttType>,
    #[serde(default)]
    norm_rel_ebd: Option<String>,
    #[serde(default)]
    share_att_key: bool,
    #[serde(default = "yes")]
    position_biased_input: bool,
    #[serde(default)]
    embedding_size: Option<usize>,
    #[serde(default)]
    conv_kernel_size: usize,
    #[serde(default)]
    attention_head_size: Option<usize>,
    #[serde(default)]
    pooler_hidden_size: Option<usize>,
    #[serde(default = "gelu")]
    pub pooler_hidden_act: String,
}

/// `pos_att_type`: a list, or in older configs a `|`-separated string.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum PosAttType {
    List(Vec<String>),
    Text(String),
}

impl PosAttType {
    fn has(&self, name: &str) -> bool {
        match self {
            PosAttType::List(l) => l.iter().any(|t| t == name),
            PosAttType::Text(t) => t.split('|').any(|t| t.trim() == name),
        }
    }
}

fn gelu() -> String {
    "gelu".into()
}
fn default_positions() -> usize {
    512
}
fn default_eps() -> f64 {
    1e-7
}
fn minus_one() -> i64 {
    -1
}
fn yes() -> bool {
    true
}

impl DebertaConfig {
    /// The hidden width (the pooler's too).
    pub fn hidden_size(&self) -> usize {
        self.hidden_size
    }

    /// What this encoder cannot run, if anything.
    fn check(&self) -> Result<(), String> {
        let h = self.hidden_size;
        if self.num_attention_heads == 0 || !h.is_multiple_of(self.num_attention_heads) {
            return Err(format!(
                "hidden_size {h} is not a multiple of num_attention_heads {}",
                self.num_attention_heads
            ));
        }
        let refuse = |what: &str| Err(format!("{what} is not supported"));
        if self.embedding_size.is_some_and(|e| e != h) {
            return refuse("an embedding_size other than hidden_size (embed_proj)");
        }
        if self.conv_kernel_size > 0 {
            return refuse("the convolution layer of DeBERTa-v2-xlarge (conv_kernel_size)");
        }
        if self
            .attention_head_size
            .is_some_and(|d| d != h / self.num_attention_heads)
        {
            return refuse("an attention_head_size other than hidden_size / heads");
        }
        if self.pooler_hidden_size.is_some_and(|p| p != h) {
            return refuse("a pooler_hidden_size other than hidden_size");
        }
        if self.relative_attention && !self.share_att_key && self.pos_att().0 | self.pos_att().1 {
            return refuse("separate position projections (share_att_key = false)");
        }
        match self.norm_rel_ebd.as_deref() {
            None | Some("none") | Some("layer_norm") => {}
            Some(other) => return Err(format!("norm_rel_ebd `{other}` is not supported")),
        }
        Ok(())
    }

    /// Whether the content-to-position and position-to-content terms are on.
    fn pos_att(&self) -> (bool, bool) {
        match &self.pos_att_type {
            Some(t) => (t.has("c2p"), t.has("p2c")),
            None => (false, false),
        }
    }
}

/// The relative-position machinery shared by the layers.
#[derive(Debug)]
pub(crate) struct Relative {
    /// Relative embeddings span `2·span` rows: position `p` reads row
    /// `clamp(bucket(p) + span, 0, 2·span - 1)`.
    span: usize,
    buckets: i64,
    max_position: i64,
    c2p: bool,
    p2c: bool,
    pub layers: Vec<RelLayer>,
}

/// One layer's projections of the relative embeddings (constant for a
/// model, so computed once at load): `2·span × hidden` each.
#[derive(Debug)]
pub(crate) struct RelLayer {
    pos_query: Vec<f32>,
    pos_key: Vec<f32>,
}

impl Relative {
    /// The relative position `delta = i - j` as transformers buckets it
    /// (`make_log_bucket_position`).
    fn bucket(&self, delta: i64) -> i64 {
        if self.buckets <= 0 || self.max_position <= 0 {
            return delta;
        }
        let mid = self.buckets / 2;
        let abs = if delta < mid && delta > -mid {
            mid - 1
        } else {
            delta.abs()
        };
        if abs <= mid {
            return delta;
        }
        // In f32, as torch computes it.
        let ratio =
            (abs as f32 / mid as f32).ln() / ((self.max_position - 1) as f32 / mid as f32).ln();
        let log_pos = (ratio * (mid - 1) as f32).ceil() + mid as f32;
        (log_pos as i64) * delta.signum()
    }

    /// For a sequence of `len` tokens, the embedding row of each offset
    /// `i - j`, at index `i - j + len - 1`.
    pub fn index_table(&self, len: usize) -> Vec<usize> {
        let span = self.span as i64;
        (0..(2 * len).saturating_sub(1))
            .map(|k| {
                let delta = k as i64 - (len as i64 - 1);
                (self.bucket(delta) + span).clamp(0, 2 * span - 1) as usize
            })
            .collect()
    }

    /// Adds one head's relative terms to its `len × len` scores:
    /// `score[i][j] += scale · (q_i · pos_key[r] + k_j · pos_query[r])`
    /// with `r` the row of offset `i - j`.
    #[allow(clippy::too_many_arguments)]
    pub fn add_bias(
        &self,
        scores: &mut [f32],
        layer: &RelLayer,
        q: View<'_>,
        k: View<'_>,
        head: usize,
        d: usize,
        scale: f32,
        index: &[usize],
    ) {
        let len = q.rows;
        let rows = 2 * self.span;
        let h = layer.pos_key.len() / rows;
        let mut terms = vec![0f32; len * rows];
        let mut add = |from: View<'_>, pos: &[f32], key_side: bool| {
            let pos = View::rows(&pos[head * d..], rows, d, h);
            matmul(&mut terms, rows, false, from, pos.t(), scale, 1);
            for i in 0..len {
                let row = &mut scores[i * len..(i + 1) * len];
                for (j, s) in row.iter_mut().enumerate() {
                    let r = index[i + len - 1 - j];
                    *s += if key_side {
                        terms[j * rows + r]
                    } else {
                        terms[i * rows + r]
                    };
                }
            }
        };
        if self.c2p {
            add(q, &layer.pos_key, false);
        }
        if self.p2c {
            add(k, &layer.pos_query, true);
        }
    }
}

/// Builds the encoder of `config` from its checkpoint (`deberta.`-prefixed
/// or not), with the scale and relative terms the config asks for.
pub(crate) fn load(
    config: &DebertaConfig,
    w: &Weights<'_>,
) -> Result<Bert, Result<String, String>> {
    config.check().map_err(Ok)?;
    let act = match config.hidden_act.as_str() {
        "gelu" => Activation::Gelu,
        "gelu_new" | "gelu_pytorch_tanh" => Activation::GeluTanh,
        "relu" => Activation::Relu,
        other => return Err(Ok(format!("hidden_act `{other}` is not supported"))),
    };
    let c = config;
    let (h, i) = (c.hidden_size, c.intermediate_size);
    let read = || -> Result<Bert, String> {
        let words = w.get("embeddings.word_embeddings.weight", &[c.vocab_size, h])?;
        let positions = if c.position_biased_input {
            Some(w.get(
                "embeddings.position_embeddings.weight",
                &[c.max_position_embeddings, h],
            )?)
        } else {
            None
        };
        let token_type = if c.type_vocab_size > 0 {
            let all = w.get(
                "embeddings.token_type_embeddings.weight",
                &[c.type_vocab_size, h],
            )?;
            Some(all[..h].to_vec())
        } else {
            None
        };
        let embed_norm = w.norm("embeddings.LayerNorm", h)?;
        let layers = (0..c.num_hidden_layers)
            .map(|l| Layer::read(w, l, ["query_proj", "key_proj", "value_proj"], h, i))
            .collect::<Result<Vec<_>, _>>()?;
        let (c2p, p2c) = if c.relative_attention {
            c.pos_att()
        } else {
            (false, false)
        };
        let factor = 1 + usize::from(c2p) + usize::from(p2c);
        let d = h / c.num_attention_heads;
        let relative = if c.relative_attention {
            let max_position = if c.max_relative_positions < 1 {
                c.max_position_embeddings as i64
            } else {
                c.max_relative_positions
            };
            let span = if c.position_buckets > 0 {
                c.position_buckets as usize
            } else {
                max_position as usize
            };
            let mut emb = w.get("encoder.rel_embeddings.weight", &[2 * span, h])?;
            if c.norm_rel_ebd.as_deref() == Some("layer_norm") {
                let (g, b) = w.norm("encoder.LayerNorm", h)?;
                layer_norm(&mut emb, &g, &b, c.layer_norm_eps);
            }
            let rel_layers = layers
                .iter()
                .map(|l| {
                    // The query and key projections (with their biases) of
                    // the relative embeddings.
                    let mut proj = vec![0f32; 2 * span * 3 * h];
                    for row in proj.chunks_exact_mut(3 * h) {
                        row.copy_from_slice(&l.qkv_bias);
                    }
                    super::project(&mut proj, true, &emb, 2 * span, h, &l.qkv, 1);
                    let mut pos_query = Vec::with_capacity(2 * span * h);
                    let mut pos_key = Vec::with_capacity(2 * span * h);
                    for row in proj.chunks_exact(3 * h) {
                        pos_query.extend_from_slice(&row[..h]);
                        pos_key.extend_from_slice(&row[h..2 * h]);
                    }
                    RelLayer { pos_query, pos_key }
                })
                .collect();
            Some(Relative {
                span,
                buckets: c.position_buckets,
                max_position,
                c2p,
                p2c,
                layers: rel_layers,
            })
        } else {
            None
        };
        let bert_config = BertConfig {
            model_type: Some("deberta-v2".into()),
            vocab_size: c.vocab_size,
            hidden_size: h,
            num_hidden_layers: c.num_hidden_layers,
            num_attention_heads: c.num_attention_heads,
            intermediate_size: i,
            hidden_act: c.hidden_act.clone(),
            max_position_embeddings: c.max_position_embeddings,
            type_vocab_size: c.type_vocab_size,
            layer_norm_eps: c.layer_norm_eps,
            position_embedding_type: None,
        };
        Ok(Bert {
            config: bert_config,
            act,
            words,
            positions,
            token_type,
            embed_norm,
            layers,
            relative,
            scale: 1.0 / ((d * factor) as f32).sqrt(),
        })
    };
    read().map_err(Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relative(buckets: i64, max_position: i64) -> Relative {
        Relative {
            span: buckets as usize,
            buckets,
            max_position,
            c2p: true,
            p2c: true,
            layers: Vec::new(),
        }
    }

    #[test]
    fn configs_it_cannot_run_say_why() {
        let base = serde_json::json!({"vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1,
            "num_attention_heads": 2, "intermediate_size": 16, "relative_attention": true,
            "pos_att_type": "p2c|c2p", "share_att_key": true});
        let config = |extra: serde_json::Value| -> DebertaConfig {
            let mut v = base.clone();
            for (k, x) in extra.as_object().unwrap() {
                v[k] = x.clone();
            }
            serde_json::from_value(v).unwrap()
        };
        let ok = config(serde_json::json!({}));
        assert!(ok.check().is_ok());
        assert_eq!(ok.pos_att(), (true, true), "the older `|` form");
        for (extra, word) in [
            (serde_json::json!({"conv_kernel_size": 3}), "conv"),
            (serde_json::json!({"embedding_size": 4}), "embed_proj"),
            (serde_json::json!({"share_att_key": false}), "share_att_key"),
            (
                serde_json::json!({"norm_rel_ebd": "batch_norm"}),
                "batch_norm",
            ),
            (serde_json::json!({"num_attention_heads": 3}), "multiple"),
        ] {
            let e = config(extra).check().unwrap_err();
            assert!(e.contains(word), "{e}");
        }
    }

    #[test]
    fn buckets_are_odd_linear_near_zero_and_logarithmic_beyond() {
        let r = relative(256, 512);
        for d in -128..=128 {
            assert_eq!(r.bucket(d), d);
        }
        for d in 1..2000 {
            assert_eq!(r.bucket(-d), -r.bucket(d));
        }
        // Monotone (rows past the span are clamped by the caller).
        let mut last = 0;
        for d in 0..4000 {
            let b = r.bucket(d);
            assert!(b >= last, "{d}: {b}");
            last = b;
        }
        // transformers' make_log_bucket_position(torch.tensor([129, 200, 511,
        // 1000, 3999, -200]), 256, 512), and with 16 buckets.
        let got: Vec<i64> = [129, 200, 511, 1000, 3999, -200]
            .map(|d| r.bucket(d))
            .to_vec();
        assert_eq!(got, [129, 169, 255, 317, 444, -169]);
        let small = relative(16, 512);
        let got: Vec<i64> = [8, 9, 14, 15, 26, 27].map(|d| small.bucket(d)).to_vec();
        assert_eq!(got, [8, 9, 9, 10, 10, 11]);
    }
}
