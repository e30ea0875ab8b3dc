//! The aspect: tokenizes on the caller's thread, hands the ids to the
//! model's thread and scores the cosine similarity of what comes back.

use tokenizers::Tokenizer;

use plaudit_core::{Context, Evaluation, Sample};

use super::model::{Embedder, Output, SentenceModel};
use super::{Against, Measure};
use crate::nn::cpu::{View, matmul};
use crate::worker::{self, Embedding, Job};

/// `embed.similarity`, built.
#[derive(Debug)]
pub(crate) struct Similarity {
    against: Against,
    measure: Measure,
    hidden: usize,
    tokenizer: Tokenizer,
    lowercase: bool,
    /// The model, whose thread the first evaluation starts (building a
    /// spec to check it starts nothing).
    worker: worker::Lazy<Embedder>,
}

impl Similarity {
    pub fn new(
        model: SentenceModel,
        against: Against,
        measure: Measure,
        batch_tokens: usize,
    ) -> Self {
        let output = match measure {
            Measure::Cosine => Output::Sentence,
            Measure::Bmas => Output::Tokens,
        };
        Similarity {
            against,
            measure,
            hidden: model.hidden_size(),
            tokenizer: model.tokenizer.clone(),
            lowercase: model.lowercase,
            worker: worker::Lazy::new(
                Embedder { model, output },
                batch_tokens,
                "embed",
                "the embedding model",
            ),
        }
    }

    /// The text's token ids, and which of them are content (not special
    /// tokens such as `[CLS]` and `[SEP]`).
    fn ids(&self, text: &str) -> Result<(Vec<u32>, Vec<bool>), String> {
        let lowered;
        let text = if self.lowercase {
            lowered = text.to_lowercase();
            &lowered
        } else {
            text
        };
        self.tokenizer
            .encode_fast(text, true)
            .map(|e| {
                let content = e
                    .get_special_tokens_mask()
                    .iter()
                    .map(|&m| m == 0)
                    .collect();
                (e.get_ids().to_vec(), content)
            })
            .map_err(|e| format!("could not tokenize: {e}"))
    }

    /// The texts the response is compared with, or why there are none.
    fn others(&self, sample: &Sample) -> Result<Vec<String>, Evaluation> {
        match self.against {
            Against::Reference => sample.reference_answers().ok_or_else(|| {
                Evaluation::not_applicable("the sample has no reference text to compare with")
            }),
            Against::Prompt => {
                let prompt = sample.prompt.text();
                if prompt.is_empty() {
                    Err(Evaluation::not_applicable(
                        "the sample has no prompt to compare with",
                    ))
                } else {
                    Ok(vec![prompt.to_owned()])
                }
            }
        }
    }

    /// Queues a sample's texts; the receiver gets their embeddings, the
    /// response's first.
    fn submit(&self, sample: &Sample) -> Result<Pending, Evaluation> {
        let others = self.others(sample)?;
        let mut texts = Vec::with_capacity(1 + others.len());
        let mut content = Vec::with_capacity(1 + others.len());
        let (ids, mask) = self
            .ids(sample.response.text())
            .map_err(Evaluation::failed)?;
        texts.push(ids);
        content.push(mask);
        for other in &others {
            let (ids, mask) = self.ids(other).map_err(Evaluation::failed)?;
            texts.push(ids);
            content.push(mask);
        }
        let (reply, result) = crossbeam_channel::bounded(1);
        self.worker
            .queue()
            .and_then(|q| {
                q.send(Job { texts, reply })
                    .map_err(|_| "the embedding model's thread has stopped".to_owned())
            })
            .map_err(Evaluation::failed)?;
        Ok(Pending { result, content })
    }

    /// Waits for a sample's embeddings and scores the best similarity of
    /// the response to the others.
    fn finish(&self, pending: Result<Pending, Evaluation>, cx: &Context) -> Evaluation {
        let (embeddings, content) =
            match pending.and_then(|p| Ok((worker::wait(&p.result, cx)?, p.content))) {
                Ok(e) => e,
                Err(e) => return e,
            };
        if embeddings.len() != content.len() || embeddings.len() < 2 {
            return Evaluation::failed(
                "the embedding model returned the wrong number of embeddings",
            );
        }
        let best = match self.measure {
            Measure::Cosine => (1..embeddings.len())
                .map(|i| cosine(&embeddings[0], &embeddings[i]))
                .fold(f64::NEG_INFINITY, f64::max),
            Measure::Bmas => {
                let response = self.content_rows(&embeddings[0], &content[0]);
                let mut best = f64::NEG_INFINITY;
                for (e, c) in embeddings.iter().zip(&content).skip(1) {
                    best = best.max(bmas(&response, &self.content_rows(e, c), self.hidden));
                }
                best
            }
        };
        if best.is_finite() {
            Evaluation::scored(best)
        } else {
            Evaluation::failed("the similarity is not a finite number")
        }
    }

    /// The L2-normalized token rows of the content tokens.
    fn content_rows(&self, rows: &[f32], content: &[bool]) -> Vec<f32> {
        let h = self.hidden;
        let mut out = Vec::with_capacity(rows.len());
        for (row, _) in rows.chunks_exact(h).zip(content).filter(|(_, c)| **c) {
            let start = out.len();
            out.extend_from_slice(row);
            crate::nn::ops::normalize(&mut out[start..]);
        }
        out
    }
}

/// A sample's texts in the model's queue, and which of each text's
/// tokens are content.
struct Pending {
    result: worker::Reply,
    content: Vec<Vec<bool>>,
}

/// Bidirectional max-average similarity of two sets of unit-length token
/// rows: the mean over `a`'s rows of each one's best cosine similarity
/// with a row of `b`, the same from `b` to `a`, and the average of the
/// two. 0 when either side has no rows (an empty response earns nothing).
pub(crate) fn bmas(a: &[f32], b: &[f32], h: usize) -> f64 {
    let (m, n) = (a.len() / h, b.len() / h);
    if m == 0 || n == 0 {
        return 0.0;
    }
    let mut s = vec![0f32; m * n];
    matmul(
        &mut s,
        n,
        false,
        View::rows(a, m, h, h),
        View::rows(b, n, h, h).t(),
        1.0,
        1,
    );
    let mut col_max = vec![f32::NEG_INFINITY; n];
    let mut forward = 0f64;
    for row in s.chunks_exact(n) {
        forward += f64::from(row.iter().copied().fold(f32::NEG_INFINITY, f32::max));
        for (c, &x) in col_max.iter_mut().zip(row) {
            *c = c.max(x);
        }
    }
    let backward: f64 = col_max.iter().map(|&x| f64::from(x)).sum();
    0.5 * (forward / m as f64 + backward / n as f64)
}

/// The cosine similarity of two embeddings, accumulated in f64.
pub(crate) fn cosine(a: &Embedding, b: &Embedding) -> f64 {
    let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
    for (&x, &y) in a.iter().zip(b.iter()) {
        let (x, y) = (f64::from(x), f64::from(y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    dot / (na.sqrt() * nb.sqrt()).max(1e-12)
}

worker::queued_aspect!(Similarity);

#[cfg(test)]
mod tests {
    use super::bmas;

    #[test]
    fn bmas_by_hand() {
        // a = {e1, e2}, b = {e1, (e1 + e3)/√2}: from a, e1 finds 1 and e2
        // finds 0; from b, e1 finds 1 and the diagonal finds 1/√2.
        let r = std::f32::consts::FRAC_1_SQRT_2;
        let a = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
        let b = [1.0, 0.0, 0.0, r, 0.0, r];
        let want = 0.5 * (0.5 * (1.0 + 0.0) + 0.5 * (1.0 + f64::from(r)));
        assert!((bmas(&a, &b, 3) - want).abs() < 1e-7);
        // Symmetric, 1 for identical sets, 0 when a side is empty.
        assert!((bmas(&b, &a, 3) - want).abs() < 1e-7);
        assert!((bmas(&a, &a, 3) - 1.0).abs() < 1e-7);
        assert_eq!(bmas(&[], &a, 3), 0.0);
        assert_eq!(bmas(&a, &[], 3), 0.0);
    }
}
