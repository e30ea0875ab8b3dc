//! Llama-style decoders with a sequence-classification head: Llama (and
//! Mistral without a sliding window), Qwen2 and Qwen3 checkpoints saved as
//! transformers' `*ForSequenceClassification`.
//!
//! The score is read where transformers reads it: at the last token that
//! is not the pad token (`config.pad_token_id`), or at the last token when
//! the model has no pad token. When the pad token is also the
//! end-of-sequence token that ends every input (many Llama reward
//! models), the score is therefore read at the token before it.
//!
//! As in the encoder, a batch is packed without padding: each layer's
//! projections are one product over every token of the batch, and causal
//! attention runs per sequence. Tokens after the one the score is read at
//! cannot change it (attention looks only backwards), so they are dropped
//! before the pass.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::cpu::{rms_norm, swiglu};
use super::weights::Weights;

/// The fields of `config.json` a decoder needs.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct DecoderConfig {
    pub model_type: String,
    vocab_size: usize,
    hidden_size: usize,
    intermediate_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    #[serde(default)]
    num_key_value_heads: Option<usize>,
    #[serde(default)]
    head_dim: Option<usize>,
    #[serde(default = "default_rms_eps")]
    rms_norm_eps: f64,
    #[serde(default)]
    rope_theta: Option<f64>,
    /// transformers ≥ 5 writes the rotary settings here.
    #[serde(default)]
    rope_parameters: Option<Rope>,
    /// Older configs' scaling of the rotary embedding (unsupported unless
    /// absent or `default`).
    #[serde(default)]
    rope_scaling: Option<Rope>,
    #[serde(default = "default_act")]
    hidden_act: String,
    #[serde(default)]
    attention_bias: bool,
    #[serde(default)]
    mlp_bias: bool,
    #[serde(default)]
    use_sliding_window: bool,
    pub max_position_embeddings: usize,
    #[serde(default)]
    pub pad_token_id: Option<u32>,
    #[serde(default)]
    num_labels: Option<usize>,
    #[serde(default)]
    pub id2label: Option<BTreeMap<String, String>>,
}

/// Rotary embedding settings.
#[derive(Debug, Clone, Deserialize)]
struct Rope {
    #[serde(default, alias = "type")]
    rope_type: Option<String>,
    #[serde(default)]
    rope_theta: Option<f64>,
}

fn default_rms_eps() -> f64 {
    1e-6
}
fn default_act() -> String {
    "silu".into()
}

impl DecoderConfig {
    /// The number of classes of the head.
    pub fn num_labels(&self) -> usize {
        self.id2label
            .as_ref()
            .map(BTreeMap::len)
            .filter(|&n| n > 0)
            .or(self.num_labels)
            .unwrap_or(2)
    }

    fn head_dim(&self) -> usize {
        self.head_dim
            .unwrap_or(self.hidden_size / self.num_attention_heads.max(1))
    }

    fn kv_heads(&self) -> usize {
        self.num_key_value_heads.unwrap_or(self.num_attention_heads)
    }

    fn theta(&self) -> f64 {
        self.rope_parameters
            .as_ref()
            .and_then(|r| r.rope_theta)
            .or(self.rope_theta)
            .unwrap_or(10_000.0)
    }

    /// Whether this decoder can run it, or what it lacks.
    fn check(&self) -> Result<(), String> {
        if !matches!(
            self.model_type.as_str(),
            "llama" | "mistral" | "qwen2" | "qwen3"
        ) {
            return Err(format!(
                "model_type `{}` is not a supported decoder (llama, mistral, qwen2, qwen3)",
                self.model_type
            ));
        }
        if self.hidden_act != "silu" {
            return Err(format!(
                "hidden_act `{}` is not supported (silu)",
                self.hidden_act
            ));
        }
        let (heads, kv) = (self.num_attention_heads, self.kv_heads());
        if heads == 0 || kv == 0 || !heads.is_multiple_of(kv) {
            return Err(format!(
                "num_attention_heads {heads} is not a multiple of num_key_value_heads {kv}"
            ));
        }
        if self.head_dim() == 0 || !self.head_dim().is_multiple_of(2) {
            return Err(format!(
                "head_dim {} must be even for rotary embeddings",
                self.head_dim()
            ));
        }
        for rope in [&self.rope_parameters, &self.rope_scaling]
            .into_iter()
            .flatten()
        {
            if let Some(t) = &rope.rope_type
                && t != "default"
            {
                return Err(format!(
                    "rotary scaling `{t}` is not supported (only the default rotary embedding)"
                ));
            }
        }
        if self.use_sliding_window {
            return Err("sliding-window attention is not supported".into());
        }
        if self.mlp_bias {
            return Err("mlp_bias is not supported".into());
        }
        Ok(())
    }
}

/// One layer's weights, each matrix `out × in` as stored.
#[derive(Debug)]
struct Layer {
    input_norm: Vec<f32>,
    /// Q, K and V stacked: `(heads + 2·kv_heads)·head_dim × hidden`.
    qkv: Vec<f32>,
    qkv_bias: Vec<f32>,
    /// Qwen3's per-head RMSNorms of queries and keys.
    qk_norm: Option<(Vec<f32>, Vec<f32>)>,
    o: Vec<f32>,
    o_bias: Vec<f32>,
    post_norm: Vec<f32>,
    /// Gate and up projections stacked: `2·intermediate × hidden`.
    gate_up: Vec<f32>,
    down: Vec<f32>,
}

/// A loaded decoder with its classification head.
#[derive(Debug)]
pub(crate) struct Decoder {
    pub config: DecoderConfig,
    embed: Vec<f32>,
    layers: Vec<Layer>,
    norm: Vec<f32>,
    score: Vec<f32>,
}

impl Decoder {
    /// Builds the model of `config` from its `model.safetensors` bytes;
    /// `Err(Ok(_))` is a config it cannot run, `Err(Err(_))` weights that
    /// are not the config's.
    pub fn load(config: DecoderConfig, bytes: &[u8]) -> Result<Self, Result<String, String>> {
        config.check().map_err(Ok)?;
        let w = Weights::new(bytes, "model.embed_tokens.").map_err(Err)?;
        Self::from_weights(config, &w).map_err(Err)
    }

    fn from_weights(config: DecoderConfig, w: &Weights<'_>) -> Result<Self, String> {
        let c = &config;
        let (h, i, d) = (c.hidden_size, c.intermediate_size, c.head_dim());
        let (heads, kv) = (c.num_attention_heads, c.kv_heads());
        // Qwen2 always has q/k/v biases; Llama and Qwen3 have them (and
        // one on o) with `attention_bias`.
        let qkv_bias = c.model_type == "qwen2" || c.attention_bias;
        let mut layers = Vec::with_capacity(c.num_hidden_layers);
        for l in 0..c.num_hidden_layers {
            let p = format!("layers.{l}");
            let mut qkv = Vec::new();
            let mut bias = Vec::new();
            for (name, n) in [("q_proj", heads), ("k_proj", kv), ("v_proj", kv)] {
                qkv.extend(w.get(&format!("{p}.self_attn.{name}.weight"), &[n * d, h])?);
                if qkv_bias {
                    bias.extend(w.get(&format!("{p}.self_attn.{name}.bias"), &[n * d])?);
                } else {
                    bias.extend(std::iter::repeat_n(0.0, n * d));
                }
            }
            let qk_norm = if c.model_type == "qwen3" {
                Some((
                    w.get(&format!("{p}.self_attn.q_norm.weight"), &[d])?,
                    w.get(&format!("{p}.self_attn.k_norm.weight"), &[d])?,
                ))
            } else {
                None
            };
            let o_bias = if c.attention_bias {
                w.get(&format!("{p}.self_attn.o_proj.bias"), &[h])?
            } else {
                vec![0.0; h]
            };
            let mut gate_up = w.get(&format!("{p}.mlp.gate_proj.weight"), &[i, h])?;
            gate_up.extend(w.get(&format!("{p}.mlp.up_proj.weight"), &[i, h])?);
            layers.push(Layer {
                input_norm: w.get(&format!("{p}.input_layernorm.weight"), &[h])?,
                qkv,
                qkv_bias: bias,
                qk_norm,
                o: w.get(&format!("{p}.self_attn.o_proj.weight"), &[h, heads * d])?,
                o_bias,
                post_norm: w.get(&format!("{p}.post_attention_layernorm.weight"), &[h])?,
                gate_up,
                down: w.get(&format!("{p}.mlp.down_proj.weight"), &[h, i])?,
            });
        }
        Ok(Decoder {
            embed: w.get("embed_tokens.weight", &[c.vocab_size, h])?,
            layers,
            norm: w.get("norm.weight", &[h])?,
            score: w.exact("score.weight", &[c.num_labels(), h])?,
            config,
        })
    }

    /// Where the score of `ids` is read: the last token that is not the
    /// pad token (the first token when all are), or the last token when
    /// the model has none.
    pub fn score_position(&self, ids: &[u32]) -> usize {
        match self.config.pad_token_id {
            Some(pad) => ids.iter().rposition(|&t| t != pad).unwrap_or(0),
            None => ids.len().saturating_sub(1),
        }
    }

    /// The head's logits for each sequence of the batch, in order.
    pub fn forward(&self, batch: &[&[u32]], threads: usize) -> Result<Vec<Vec<f32>>, String> {
        let c = &self.config;
        let h = c.hidden_size;
        // Only the tokens up to where the score is read matter.
        let seqs: Vec<&[u32]> = batch
            .iter()
            .map(|ids| &ids[..(self.score_position(ids) + 1).min(ids.len())])
            .collect();
        let offsets = super::pack(&seqs, c.max_position_embeddings)?;
        let tokens = offsets.last().copied().unwrap_or(0);
        let mut x = vec![0f32; tokens * h];
        for (row, &id) in x
            .chunks_exact_mut(h)
            .zip(seqs.iter().flat_map(|s| s.iter()))
        {
            let id = id as usize;
            if id >= c.vocab_size {
                return Err(format!(
                    "token id {id} is outside the vocabulary ({})",
                    c.vocab_size
                ));
            }
            row.copy_from_slice(&self.embed[id * h..][..h]);
        }
        let longest = seqs.iter().map(|s| s.len()).max().unwrap_or(0);
        let rope = RopeTable::new(longest, c.head_dim(), c.theta());
        let mut scratch = Scratch::new(tokens, c);
        for layer in &self.layers {
            self.layer(layer, &mut x, &mut scratch, &offsets, &rope, threads);
        }
        // The final norm and the head, at each sequence's last kept token.
        let mut out = Vec::with_capacity(seqs.len());
        for w in offsets.windows(2) {
            let mut row = x[(w[1] - 1) * h..w[1] * h].to_vec();
            rms_norm(&mut row, &self.norm, c.rms_norm_eps);
            let logits = self
                .score
                .chunks_exact(h)
                .map(|s| {
                    s.iter()
                        .zip(&row)
                        .map(|(a, b)| f64::from(*a) * f64::from(*b))
                        .sum::<f64>() as f32
                })
                .collect();
            out.push(logits);
        }
        Ok(out)
    }

    fn layer(
        &self,
        l: &Layer,
        x: &mut [f32],
        s: &mut Scratch,
        offsets: &[usize],
        rope: &RopeTable,
        threads: usize,
    ) {
        let c = &self.config;
        let (h, i, d) = (c.hidden_size, c.intermediate_size, c.head_dim());
        let (heads, kv) = (c.num_attention_heads, c.kv_heads());
        let width = (heads + 2 * kv) * d;
        let tokens = x.len() / h;

        s.normed.copy_from_slice(x);
        rms_norm(&mut s.normed, &l.input_norm, c.rms_norm_eps);
        for row in s.qkv.chunks_exact_mut(width) {
            row.copy_from_slice(&l.qkv_bias);
        }
        super::project(&mut s.qkv, true, &s.normed, tokens, h, &l.qkv, threads);
        // Per-head norms (Qwen3), then rotary positions, on Q and K.
        for w in offsets.windows(2) {
            for (p, row) in s.qkv[w[0] * width..w[1] * width]
                .chunks_exact_mut(width)
                .enumerate()
            {
                let (qk, _) = row.split_at_mut((heads + kv) * d);
                if let Some((qn, kn)) = &l.qk_norm {
                    let (q, k) = qk.split_at_mut(heads * d);
                    rms_norm(q, qn, c.rms_norm_eps);
                    rms_norm(k, kn, c.rms_norm_eps);
                }
                for head in qk.chunks_exact_mut(d) {
                    rope.apply(head, p);
                }
            }
        }
        // Causal attention of each sequence over its own tokens, `heads /
        // kv` query heads sharing each key and value head.
        super::attention(
            &s.qkv,
            &mut s.ctx,
            offsets,
            super::Heads { heads, kv, d },
            1.0 / (d as f32).sqrt(),
            true,
            |_| (),
            |(), _, _, _, _| {},
            threads,
        );
        // x += ctx·Woᵀ + bo.
        for row in x.chunks_exact_mut(h) {
            for (v, b) in row.iter_mut().zip(&l.o_bias) {
                *v += b;
            }
        }
        super::project(x, true, &s.ctx, tokens, heads * d, &l.o, threads);
        // x += down(silu(gate) · up).
        s.normed.copy_from_slice(x);
        rms_norm(&mut s.normed, &l.post_norm, c.rms_norm_eps);
        super::project(
            &mut s.gate_up,
            false,
            &s.normed,
            tokens,
            h,
            &l.gate_up,
            threads,
        );
        swiglu(&s.gate_up, &mut s.act, i);
        super::project(x, true, &s.act, tokens, i, &l.down, threads);
    }
}

/// Buffers reused by every layer of one pass.
struct Scratch {
    normed: Vec<f32>,
    qkv: Vec<f32>,
    ctx: Vec<f32>,
    gate_up: Vec<f32>,
    act: Vec<f32>,
}

impl Scratch {
    fn new(tokens: usize, c: &DecoderConfig) -> Self {
        let d = c.head_dim();
        Scratch {
            normed: vec![0.0; tokens * c.hidden_size],
            qkv: vec![0.0; tokens * (c.num_attention_heads + 2 * c.kv_heads()) * d],
            ctx: vec![0.0; tokens * c.num_attention_heads * d],
            gate_up: vec![0.0; tokens * 2 * c.intermediate_size],
            act: vec![0.0; tokens * c.intermediate_size],
        }
    }
}

/// The rotary embedding's cosines and sines by position, computed in f32
/// as transformers does (`inv_freq = 1 / θ^(2j/d)`, angle = position ·
/// inv_freq), rotating each head's halves (`rotate_half`).
struct RopeTable {
    half: usize,
    cos: Vec<f32>,
    sin: Vec<f32>,
}

impl RopeTable {
    fn new(positions: usize, head_dim: usize, theta: f64) -> Self {
        let half = head_dim / 2;
        let inv_freq: Vec<f32> = (0..half)
            .map(|j| 1.0 / (theta as f32).powf((2 * j) as f32 / head_dim as f32))
            .collect();
        let mut cos = Vec::with_capacity(positions * half);
        let mut sin = Vec::with_capacity(positions * half);
        for p in 0..positions {
            for f in &inv_freq {
                let angle = p as f32 * f;
                cos.push(angle.cos());
                sin.push(angle.sin());
            }
        }
        RopeTable { half, cos, sin }
    }

    fn apply(&self, head: &mut [f32], position: usize) {
        let n = self.half;
        let cos = &self.cos[position * n..][..n];
        let sin = &self.sin[position * n..][..n];
        let (a, b) = head.split_at_mut(n);
        for j in 0..n {
            let (x, y) = (a[j], b[j]);
            a[j] = x * cos[j] - y * sin[j];
            b[j] = y * cos[j] + x * sin[j];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: serde_json::Value) -> DecoderConfig {
        let mut base = serde_json::json!({"model_type": "llama", "vocab_size": 10,
            "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1,
            "num_attention_heads": 2, "max_position_embeddings": 16});
        for (k, v) in extra.as_object().unwrap() {
            base[k] = v.clone();
        }
        serde_json::from_value(base).unwrap()
    }

    #[test]
    fn configs_it_cannot_run_say_why() {
        assert!(config(serde_json::json!({})).check().is_ok());
        let cases = [
            (serde_json::json!({"model_type": "gpt2"}), "gpt2"),
            (serde_json::json!({"hidden_act": "gelu"}), "gelu"),
            (serde_json::json!({"num_key_value_heads": 3}), "multiple"),
            (
                serde_json::json!({"rope_scaling": {"type": "yarn", "factor": 4.0}}),
                "yarn",
            ),
            (
                serde_json::json!({"rope_parameters": {"rope_type": "llama3"}}),
                "llama3",
            ),
            (serde_json::json!({"use_sliding_window": true}), "sliding"),
        ];
        for (extra, word) in cases {
            let e = config(extra).check().unwrap_err();
            assert!(e.contains(word), "{e}");
        }
    }

    #[test]
    fn theta_and_labels_come_from_either_place() {
        assert_eq!(config(serde_json::json!({})).theta(), 10_000.0);
        assert_eq!(config(serde_json::json!({"rope_theta": 1e6})).theta(), 1e6);
        assert_eq!(
            config(
                serde_json::json!({"rope_parameters": {"rope_type": "default", "rope_theta": 5e5}})
            )
            .theta(),
            5e5
        );
        assert_eq!(
            config(serde_json::json!({"id2label": {"0": "a", "1": "b", "2": "c"}})).num_labels(),
            3
        );
        assert_eq!(config(serde_json::json!({"num_labels": 1})).num_labels(), 1);
    }

    #[test]
    fn rope_rotates_halves_by_position() {
        let t = RopeTable::new(3, 4, 10_000.0);
        let mut head = [1.0f32, 0.0, 0.0, 0.0];
        t.apply(&mut head, 0);
        assert_eq!(head, [1.0, 0.0, 0.0, 0.0]);
        t.apply(&mut head, 2);
        // j = 0: frequency 1, angle 2.
        assert!((head[0] - 2f32.cos()).abs() < 1e-6 && (head[2] - 2f32.sin()).abs() < 1e-6);
    }
}
