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
