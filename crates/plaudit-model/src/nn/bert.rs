//! A BERT encoder on the CPU: the weights of a Hugging Face `BertModel`
//! checkpoint (`config.json`, `model.safetensors`) and its forward pass.
//!
//! The pass packs a batch without padding: the token rows of every
//! sequence are stacked into one `tokens × hidden` matrix, so the dense
//! layers (three quarters of the work and more) are one large matrix
//! product each, and attention runs per sequence over exactly its own
//! tokens. Nothing is masked because nothing is padded, which is what
//! transformers computes for the real tokens of a padded batch (its mask
//! adds the most negative float to padding scores, whose softmax weight is
//! then exactly zero).

use rayon::prelude::*;
use serde::Deserialize;

use super::cpu::{activate, layer_norm};
use super::ops::Activation;
use super::weights::Weights;

/// The fields of `config.json` the encoder needs.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Config {
    #[serde(default)]
    pub(super) model_type: Option<String>,
    pub(super) vocab_size: usize,
    pub(super) hidden_size: usize,
    pub(super) num_hidden_layers: usize,
    pub(super) num_attention_heads: usize,
    pub(super) intermediate_size: usize,
    #[serde(default = "default_act")]
    pub(super) hidden_act: String,
    #[serde(default = "default_positions")]
    pub max_position_embeddings: usize,
    #[serde(default = "default_types")]
    pub(super) type_vocab_size: usize,
    #[serde(default = "default_eps")]
    pub(super) layer_norm_eps: f64,
    #[serde(default)]
    pub(super) position_embedding_type: Option<String>,
}

fn default_act() -> String {
    "gelu".into()
}
fn default_positions() -> usize {
    512
}
fn default_types() -> usize {
    2
}
fn default_eps() -> f64 {
    1e-12
}

impl Config {
    /// The width of a token embedding.
    pub fn hidden_size(&self) -> usize {
        self.hidden_size
    }

    /// Whether this encoder can run it, or what it lacks.
    pub(crate) fn check(&self) -> Result<Activation, String> {
        if let Some(t) = &self.model_type
            && t != "bert"
        {
            return Err(format!(
                "model_type `{t}` is not supported: only BERT encoders (`bert`) are"
            ));
        }
        if let Some(p) = &self.position_embedding_type
            && p != "absolute"
        {
            return Err(format!(
                "position_embedding_type `{p}` is not supported: only `absolute` is"
            ));
        }
        if self.num_attention_heads == 0
            || !self.hidden_size.is_multiple_of(self.num_attention_heads)
        {
            return Err(format!(
                "hidden_size {} is not a multiple of num_attention_heads {}",
                self.hidden_size, self.num_attention_heads
            ));
        }
        match self.hidden_act.as_str() {
            "gelu" => Ok(Activation::Gelu),
            "gelu_new" | "gelu_pytorch_tanh" => Ok(Activation::GeluTanh),
            "relu" => Ok(Activation::Relu),
            other => Err(format!(
                "hidden_act `{other}` is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu)"
            )),
        }
    }
}

/// One encoder layer's weights, each matrix `out × in` as stored.
#[derive(Debug)]
pub(super) struct Layer {
    /// Query, key and value stacked: `3·hidden × hidden`.
    pub qkv: Vec<f32>,
    pub qkv_bias: Vec<f32>,
    pub attn_out: Vec<f32>,
    pub attn_out_bias: Vec<f32>,
    pub attn_norm: (Vec<f32>, Vec<f32>),
    pub up: Vec<f32>,
    pub up_bias: Vec<f32>,
    pub down: Vec<f32>,
    pub down_bias: Vec<f32>,
    pub out_norm: (Vec<f32>, Vec<f32>),
}

impl Layer {
    /// A layer's weights: the attention's projections under `q`, `k`, `v`
    /// (BERT's `query`/`key`/`value`, DeBERTa's `query_proj`/…), the rest
    /// named alike in both.
    pub(super) fn read(
        w: &Weights<'_>,
        l: usize,
        [q, k, v]: [&str; 3],
        h: usize,
        i: usize,
    ) -> Result<Self, String> {
        let p = format!("encoder.layer.{l}");
        let mut qkv = Vec::with_capacity(3 * h * h);
        let mut qkv_bias = Vec::with_capacity(3 * h);
        for part in [q, k, v] {
            qkv.extend(w.get(&format!("{p}.attention.self.{part}.weight"), &[h, h])?);
            qkv_bias.extend(w.get(&format!("{p}.attention.self.{part}.bias"), &[h])?);
        }
        Ok(Layer {
            qkv,
            qkv_bias,
            attn_out: w.get(&format!("{p}.attention.output.dense.weight"), &[h, h])?,
            attn_out_bias: w.get(&format!("{p}.attention.output.dense.bias"), &[h])?,
            attn_norm: w.norm(&format!("{p}.attention.output.LayerNorm"), h)?,
            up: w.get(&format!("{p}.intermediate.dense.weight"), &[i, h])?,
            up_bias: w.get(&format!("{p}.intermediate.dense.bias"), &[i])?,
            down: w.get(&format!("{p}.output.dense.weight"), &[h, i])?,
            down_bias: w.get(&format!("{p}.output.dense.bias"), &[h])?,
            out_norm: w.norm(&format!("{p}.output.LayerNorm"), h)?,
        })
    }
}

/// Why an encoder could not be built.
#[derive(Debug)]
pub(crate) enum BertError {
    /// `config.json` describes a model this encoder cannot run.
    Config(String),
    /// The weights are not the checkpoint `config.json` describes.
    Weights(String),
}

/// A loaded encoder.
#[derive(Debug)]
pub(crate) struct Bert {
    pub config: Config,
    pub(super) act: Activation,
    pub(super) words: Vec<f32>,
    /// Absolute position embeddings (BERT; DeBERTa only with
    /// `position_biased_input`).
    pub(super) positions: Option<Vec<f32>>,
    /// Token type 0's embedding, when the model has token types.
    pub(super) token_type: Option<Vec<f32>>,
    pub(super) embed_norm: (Vec<f32>, Vec<f32>),
    pub(super) layers: Vec<Layer>,
    /// DeBERTa's disentangled attention, when the model has it.
    pub(super) relative: Option<super::deberta::Relative>,
    /// What attention scores are multiplied by: `1/√d` for BERT,
    /// `1/√(d·(1 + c2p + p2c))` for DeBERTa.
    pub(super) scale: f32,
}

impl Bert {
    /// Builds the encoder of `config` from the bytes of its
    /// `model.safetensors`; an error says which of the two is wrong.
    pub fn load(config: Config, weights: &[u8]) -> Result<Self, BertError> {
        let act = config.check().map_err(BertError::Config)?;
        let w = Weights::new(weights, "bert.embeddings.").map_err(BertError::Weights)?;
        Self::from_weights(config, act, &w).map_err(BertError::Weights)
    }

    /// The encoder from a checkpoint's tensors (a classifier's checkpoint
    /// holds more, which are not read here).
    pub(crate) fn from_weights(
        config: Config,
        act: Activation,
        w: &Weights<'_>,
    ) -> Result<Self, String> {
        let (h, i) = (config.hidden_size, config.intermediate_size);
        let words = w.get("embeddings.word_embeddings.weight", &[config.vocab_size, h])?;
        let positions = w.get(
            "embeddings.position_embeddings.weight",
            &[config.max_position_embeddings, h],
        )?;
        let token_type = w.get(
            "embeddings.token_type_embeddings.weight",
            &[config.type_vocab_size, h],
        )?;
        let embed_norm = w.norm("embeddings.LayerNorm", h)?;
        let layers = (0..config.num_hidden_layers)
            .map(|l| Layer::read(w, l, ["query", "key", "value"], h, i))
            .collect::<Result<Vec<_>, _>>()?;
        let scale = 1.0 / ((h / config.num_attention_heads) as f32).sqrt();
        Ok(Bert {
            config,
            act,
            words,
            positions: Some(positions),
            token_type: Some(token_type),
            embed_norm,
            layers,
            relative: None,
            scale,
        })
    }

    /// The width of a token embedding.
    pub fn hidden_size(&self) -> usize {
        self.config.hidden_size
    }

    /// The last hidden states of a batch, packed: the rows of sequence `s`
    /// are `offsets[s]..offsets[s + 1]` of the returned `tokens × hidden`
    /// matrix. Sequences must be non-empty, no longer than the position
    /// table, and hold ids inside the vocabulary (the caller's tokenizer
    /// guarantees all three; an id outside is an error, not a panic).
    ///
    /// `threads > 1` splits each matrix product and the attention over the
    /// current rayon pool; 1 runs everything on the calling thread.
    pub fn forward(
        &self,
        batch: &[&[u32]],
        threads: usize,
    ) -> Result<(Vec<f32>, Vec<usize>), String> {
        let c = &self.config;
        let h = c.hidden_size;
        let offsets = super::pack(batch, c.max_position_embeddings)?;
        let tokens = offsets.last().copied().unwrap_or(0);

        // Embeddings: word (+ position) (+ token type 0), then LayerNorm.
        let mut x = vec![0f32; tokens * h];
        for (s, seq) in batch.iter().enumerate() {
            for (p, &id) in seq.iter().enumerate() {
                let id = id as usize;
                if id >= c.vocab_size {
                    return Err(format!(
                        "token id {id} is outside the vocabulary ({})",
                        c.vocab_size
                    ));
                }
                let row = &mut x[(offsets[s] + p) * h..][..h];
                row.copy_from_slice(&self.words[id * h..][..h]);
                if let Some(positions) = &self.positions {
                    for (o, b) in row.iter_mut().zip(&positions[p * h..][..h]) {
                        *o += b;
                    }
                }
                if let Some(token_type) = &self.token_type {
                    for (o, t) in row.iter_mut().zip(&token_type[..h]) {
                        *o += t;
                    }
                }
            }
        }
        layer_norm(
            &mut x,
            &self.embed_norm.0,
            &self.embed_norm.1,
            c.layer_norm_eps,
        );

        let mut qkv = vec![0f32; tokens * 3 * h];
        let mut ctx = vec![0f32; tokens * h];
        let mut inter = vec![0f32; tokens * c.intermediate_size];
        for index in 0..self.layers.len() {
            self.layer(
                index, &mut x, &mut qkv, &mut ctx, &mut inter, &offsets, threads,
            );
        }
        Ok((x, offsets))
    }

    #[allow(clippy::too_many_arguments)]
    fn layer(
        &self,
        index: usize,
        x: &mut [f32],
        qkv: &mut [f32],
        ctx: &mut [f32],
        inter: &mut [f32],
        offsets: &[usize],
        threads: usize,
    ) {
        let c = &self.config;
        let l = &self.layers[index];
        let (h, i) = (c.hidden_size, c.intermediate_size);
        let tokens = x.len() / h;

        // Q, K and V in one product, the biases preloaded into the output.
        linear(qkv, x, tokens, h, &l.qkv, &l.qkv_bias, threads);
        let rel = self.relative.as_ref().map(|r| (r, &r.layers[index]));
        attention(
            qkv,
            ctx,
            offsets,
            h,
            c.num_attention_heads,
            self.scale,
            rel,
            threads,
        );
        // x = LayerNorm(x + ctx·Woᵀ + bo): the residual is the product's
        // starting value.
        add_bias(x, &l.attn_out_bias);
        super::project(x, true, ctx, tokens, h, &l.attn_out, threads);
        norm_rows(x, &l.attn_norm, c.layer_norm_eps, threads);
        // Feed-forward.
        linear(inter, x, tokens, h, &l.up, &l.up_bias, threads);
        if threads > 1 {
            inter
                .par_chunks_mut(i * 64)
                .for_each(|chunk| activate(self.act, chunk));
        } else {
            activate(self.act, inter);
        }
        add_bias(x, &l.down_bias);
        super::project(x, true, inter, tokens, i, &l.down, threads);
        norm_rows(x, &l.out_norm, c.layer_norm_eps, threads);
    }
}

/// Adds a bias to every row.
pub(super) fn add_bias(x: &mut [f32], bias: &[f32]) {
    for row in x.chunks_exact_mut(bias.len()) {
        for (v, b) in row.iter_mut().zip(bias) {
            *v += b;
        }
    }
}

pub(super) fn norm_rows(x: &mut [f32], (g, b): &(Vec<f32>, Vec<f32>), eps: f64, threads: usize) {
    if threads > 1 {
        x.par_chunks_mut(g.len() * 64)
            .for_each(|chunk| layer_norm(chunk, g, b, eps));
    } else {
        layer_norm(x, g, b, eps);
    }
}

/// `out = x·Wᵀ + bias` for `W` stored `out_width × width`.
pub(super) fn linear(
    out: &mut [f32],
    x: &[f32],
    tokens: usize,
    width: usize,
    w: &[f32],
    bias: &[f32],
    threads: usize,
) {
    for row in out.chunks_exact_mut(bias.len()) {
        row.copy_from_slice(bias);
    }
    super::project(out, true, x, tokens, width, w, threads);
}

/// Multi-head self-attention of each sequence over its own tokens
/// ([`super::attention`]): Q, K and V from the packed `tokens × 3·hidden`
/// matrix, the heads' outputs side by side into `ctx`. With `rel`
/// (DeBERTa), each score also gets the content-to-position and
/// position-to-content terms of the layer's relative embeddings.
#[allow(clippy::too_many_arguments)]
fn attention(
    qkv: &[f32],
    ctx: &mut [f32],
    offsets: &[usize],
    h: usize,
    heads: usize,
    scale: f32,
    rel: Option<(&super::deberta::Relative, &super::deberta::RelLayer)>,
    threads: usize,
) {
    let d = h / heads;
    let shape = super::Heads {
        heads,
        kv: heads,
        d,
    };
    super::attention(
        qkv,
        ctx,
        offsets,
        shape,
        scale,
        false,
        |len| rel.map(|(r, _)| r.index_table(len)),
        |index, head, scores, q, k| {
            if let (Some((r, layer)), Some(index)) = (rel, index) {
                r.add_bias(scores, layer, q, k, head, d, scale, index);
            }
        },
        threads,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: serde_json::Value) -> Config {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn configs_it_cannot_run_say_why() {
        let base = serde_json::json!({"vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1,
            "num_attention_heads": 2, "intermediate_size": 16});
        assert_eq!(config(base.clone()).check(), Ok(Activation::Gelu));
        let mut c = base.clone();
        c["model_type"] = "roberta".into();
        assert!(config(c).check().unwrap_err().contains("roberta"));
        let mut c = base.clone();
        c["num_attention_heads"] = 3.into();
        assert!(config(c).check().unwrap_err().contains("multiple"));
        let mut c = base.clone();
        c["hidden_act"] = "swish".into();
        assert!(config(c).check().unwrap_err().contains("swish"));
        let mut c = base;
        c["position_embedding_type"] = "relative_key".into();
        assert!(config(c).check().unwrap_err().contains("relative_key"));
    }
}
