//! In-process inference on the CPU: the transformer encoders and decoders
//! of Hugging Face checkpoints, written for this crate rather than taken
//! from a general tensor library, because a fixed architecture lets every
//! batch be packed without padding and every layer be a few large matrix
//! products (see `bert` and `decoder`).
//!
//! - `cpu`: the only unsafe code, behind safe functions: matrix products
//!   through the `gemm` crate, and the element-wise kernels compiled for
//!   the CPU's vector width;
//! - `ops`: the element-wise kernels (softmax, activations, norms);
//! - `weights`: safetensors files read into f32, tensor by tensor, with
//!   their names and shapes checked;
//! - `bert`: BERT encoders (sentence embeddings, classifiers);
//! - `deberta`: DeBERTa-v2/v3 encoders, `bert`'s layers with disentangled
//!   attention;
//! - `decoder`: Llama, Mistral, Qwen2 and Qwen3 decoders with a
//!   classification head;
//! - `classifier`: any of them, as transformers'
//!   `*ForSequenceClassification`.

pub(crate) mod bert;
pub(crate) mod classifier;
pub(crate) mod cpu;
pub(crate) mod deberta;
pub(crate) mod decoder;
pub(crate) mod ops;
pub(crate) mod weights;

use rayon::prelude::*;

use cpu::{View, matmul, softmax_rows};

/// Where each sequence of a packed batch starts, and the total at the
/// end: sequence `s` is rows `offsets[s]..offsets[s + 1]`. Every sequence
/// must hold 1 to `max_len` tokens.
pub(crate) fn pack(seqs: &[&[u32]], max_len: usize) -> Result<Vec<usize>, String> {
    let mut offsets = Vec::with_capacity(seqs.len() + 1);
    let mut total = 0;
    offsets.push(0);
    for seq in seqs {
        if seq.is_empty() || seq.len() > max_len {
            return Err(format!(
                "a sequence of {} tokens (the model takes 1 to {max_len})",
                seq.len()
            ));
        }
        total += seq.len();
        offsets.push(total);
    }
    Ok(offsets)
}

/// A packed `tokens × width` buffer cut into each sequence's rows, with
/// the sequence's first row and length, so that sequences can be worked
/// on apart (and in parallel).
pub(crate) fn split_rows<'a>(
    buf: &'a mut [f32],
    offsets: &[usize],
    width: usize,
) -> Vec<(usize, usize, &'a mut [f32])> {
    let mut parts = Vec::with_capacity(offsets.len().saturating_sub(1));
    let mut rest = buf;
    for w in offsets.windows(2) {
        let (part, tail) = std::mem::take(&mut rest).split_at_mut((w[1] - w[0]) * width);
        parts.push((w[0], w[1] - w[0], part));
        rest = tail;
    }
    parts
}

/// `out = x·Wᵀ`, or `out += x·Wᵀ` when `accumulate` (onto a preloaded bias
/// or residual), for `x` of `tokens × width` and `W` stored as a Hugging
/// Face linear layer's weight, `out_width × width` with `out_width =
/// w.len() / width`.
pub(crate) fn project(
    out: &mut [f32],
    accumulate: bool,
    x: &[f32],
    tokens: usize,
    width: usize,
    w: &[f32],
    threads: usize,
) {
    let out_width = w.len() / width;
    matmul(
        out,
        out_width,
        accumulate,
        View::rows(x, tokens, width, width),
        View::rows(w, out_width, width, width).t(),
        1.0,
        threads,
    );
}

/// How the heads lie in a row of a packed Q·K·V matrix: `heads` query
/// heads, then `kv` key heads, then `kv` value heads, each `d` wide. Query
/// head `h` reads key and value head `h / (heads / kv)` (grouped-query
/// attention; an encoder has `kv = heads`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Heads {
    pub heads: usize,
    pub kv: usize,
    pub d: usize,
}

/// Multi-head self-attention of each sequence of a packed batch over its
/// own tokens: reads Q, K and V from `qkv` (`tokens × (heads + 2·kv)·d`,
/// laid out as [`Heads`] says) and writes the heads' outputs side by side
/// into `ctx` (`tokens × heads·d`). Per head: `scores = scale·q·kᵀ`, then
/// `bias(&seq, head, scores, q, k)` (with `seq = prepare(len)` made once
/// per sequence: DeBERTa's relative terms), then a softmax over each row —
/// over a token and those before it only when `causal` — and
/// `out = scores·v`. Sequences run side by side when `threads > 1`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn attention<S>(
    qkv: &[f32],
    ctx: &mut [f32],
    offsets: &[usize],
    shape: Heads,
    scale: f32,
    causal: bool,
    prepare: impl Fn(usize) -> S + Sync,
    bias: impl Fn(&S, usize, &mut [f32], View<'_>, View<'_>) + Sync,
    threads: usize,
) {
    let Heads { heads, kv, d } = shape;
    let width = (heads + 2 * kv) * d;
    let out_width = heads * d;
    let group = heads / kv;
    let parts = split_rows(ctx, offsets, out_width);
    let one = |(start, len, out): (usize, usize, &mut [f32])| {
        let rows = &qkv[start * width..(start + len) * width];
        let seq = prepare(len);
        let mut scores = vec![0f32; len * len];
        for head in 0..heads {
            let k_head = heads + head / group;
            let v_head = heads + kv + head / group;
            let q = View::rows(&rows[head * d..], len, d, width);
            let k = View::rows(&rows[k_head * d..], len, d, width);
            let v = View::rows(&rows[v_head * d..], len, d, width);
            matmul(&mut scores, len, false, q, k.t(), scale, 1);
            bias(&seq, head, &mut scores, q, k);
            if causal {
                for (r, row) in scores.chunks_exact_mut(len).enumerate() {
                    softmax_rows(&mut row[..=r], r + 1);
                    row[r + 1..].fill(0.0);
                }
            } else {
                softmax_rows(&mut scores, len);
            }
            matmul(
                &mut out[head * d..],
                out_width,
                false,
                View::rows(&scores, len, len, len),
                v,
                1.0,
                1,
            );
        }
    };
    if threads > 1 {
        parts.into_par_iter().for_each(one);
    } else {
        parts.into_iter().for_each(one);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_and_splitting() {
        assert_eq!(pack(&[&[1, 2], &[3], &[4, 5, 6]], 3).unwrap(), [0, 2, 3, 6]);
        assert!(pack(&[&[1, 2], &[]], 3).unwrap_err().contains("0 tokens"));
        assert!(pack(&[&[1, 2, 3, 4]], 3).unwrap_err().contains("1 to 3"));
        let mut buf: Vec<f32> = (0..12).map(|i| i as f32).collect();
        let parts = split_rows(&mut buf, &[0, 1, 3], 4);
        assert_eq!(parts.len(), 2);
        assert_eq!((parts[0].0, parts[0].1, parts[0].2.len()), (0, 1, 4));
        assert_eq!((parts[1].0, parts[1].1), (1, 2));
        assert_eq!(parts[1].2[0], 4.0);
    }
}
