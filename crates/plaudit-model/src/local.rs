//! `model.local`: a reward model's score computed in-process on the CPU,
//! from a Hugging Face sequence-classification checkpoint in a local
//! directory: a BERT or DeBERTa encoder with its classifier, or a Llama,
//! Mistral, Qwen2 or Qwen3 decoder with its `score` head, read at the
//! token transformers reads it at (see `crate::nn`).
//!
//! The directory holds `config.json`, `model.safetensors` and
//! `tokenizer.json`, and for a chat model the chat template
//! (`tokenizer_config.json` or `chat_template.jinja`). A sample becomes
//! the model's input as `model.remote` builds it: through the model's chat
//! template (rendered as transformers renders it and tokenized without
//! added special tokens, as `apply_chat_template` does), or through a
//! plain `template` with `{prompt}` and `{response}` (tokenized with the
//! tokenizer's special tokens, e.g. BERT's `[CLS]`/`[SEP]`). The reward is
//! picked from the logits as `model.remote` picks it (`index` or `label`,
//! `activation`), other heads reported under `heads`.
//!
//! Aspects that name the same model directory share one loaded model and
//! its thread: a multi-head reward model scored as several aspects (one
//! `index` each) runs once per input, the later aspects reading the first
//! one's logits from the model's cache.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use serde::Deserialize;
use serde_json::{Map, Value};
use tokenizers::Tokenizer;

use plaudit_core::{Aspect, BuildContext, BuildError, Context, Evaluation, KindEntry, Sample};

use crate::input::{Form, Input, InputBuilder, TextTemplate};
use crate::nn::classifier::{Classifier, ClassifierError};
use crate::remote::output::{Activation, Output, Pick, StepReduce};
use crate::remote::protocol::Raw;
use crate::template::ChatTemplate;
use crate::worker::{self, Forward, Job, Reply};

/// The kind.
pub(crate) const ENTRY: KindEntry = KindEntry {
    kind: "model.local",
    summary: "a reward model's score computed in-process (BERT, DeBERTa, Llama, Mistral, Qwen2/3 classifiers)",
    version: 1,
    build,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// The checkpoint's directory, relative to the spec's folder.
    model: PathBuf,
    /// A chat template other than the model's own (a folder, a
    /// `tokenizer_config.json` or a `.jinja` file).
    chat_template: Option<PathBuf>,
    /// A plain template with `{prompt}` and `{response}` instead of a chat
    /// template.
    template: Option<String>,
    index: Option<usize>,
    label: Option<String>,
    #[serde(default)]
    heads: BTreeMap<String, HeadRef>,
    activation: Option<Activation>,
    /// The most tokens in one forward pass.
    #[serde(default = "default_batch_tokens")]
    batch_tokens: usize,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum HeadRef {
    Index(usize),
    Label(String),
}

fn default_batch_tokens() -> usize {
    4096
}

fn build(params: &Map<String, Value>, cx: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    let p: Params = BuildError::parse_params(params)?;
    if p.batch_tokens == 0 {
        return Err(BuildError::param("batch_tokens", "must be at least 1"));
    }
    if p.template.is_some() && p.chat_template.is_some() {
        return Err(BuildError::param(
            "template",
            "give `template` or `chat_template`, not both",
        ));
    }
    let dir = cx.resolve(&p.model);
    let model = shared(&dir, p.batch_tokens).map_err(|e| BuildError::param("model", e))?;

    let (form, special_tokens) = if let Some(t) = &p.template {
        let t = TextTemplate::parse(t).map_err(|e| BuildError::param("template", e))?;
        (Form::Text(t), true)
    } else {
        let (path, field) = match &p.chat_template {
            Some(path) => (cx.resolve(path), "chat_template"),
            None => (dir.clone(), "template"),
        };
        let template = ChatTemplate::load(&path).map_err(|e| {
            BuildError::param(
                field,
                if field == "template" {
                    format!(
                        "the model has no chat template ({e}); give a `template` with \
                         {{prompt}} and {{response}}, or a `chat_template`"
                    )
                } else {
                    e
                },
            )
        })?;
        // The rendering is tokenized without added special tokens, so a
        // BOS the template writes stays (as `apply_chat_template` keeps it).
        let form = Form::ChatTemplate {
            template: Box::new(template),
            strip_bos: false,
        };
        (form, false)
    };

    let labels = &model.labels;
    let pick_of = |r: &HeadRef, field: &str| -> Result<Pick, BuildError> {
        match r {
            HeadRef::Index(i) if *i < labels.len() => Ok(Pick::Index(*i)),
            HeadRef::Index(i) => Err(BuildError::param(
                field,
                format!(
                    "index {i} is out of range: the model has {} outputs",
                    labels.len()
                ),
            )),
            HeadRef::Label(l) if labels.contains(l) => Ok(Pick::Label(l.clone())),
            HeadRef::Label(l) => Err(BuildError::param(
                field,
                format!(
                    "the model has no label {l:?} (its labels: {})",
                    labels.join(", ")
                ),
            )),
        }
    };
    let pick = match (p.index, &p.label) {
        (Some(_), Some(_)) => {
            return Err(BuildError::param(
                "label",
                "give `index` or `label`, not both",
            ));
        }
        (Some(i), None) => pick_of(&HeadRef::Index(i), "index")?,
        (None, Some(l)) => pick_of(&HeadRef::Label(l.clone()), "label")?,
        (None, None) if labels.len() == 1 => Pick::Index(0),
        (None, None) => {
            return Err(BuildError::param(
                "index",
                format!(
                    "the model has {} outputs ({}); say which is the reward with `index` or `label`",
                    labels.len(),
                    labels.join(", ")
                ),
            ));
        }
    };
    let mut heads = Vec::with_capacity(p.heads.len());
    for (name, r) in &p.heads {
        heads.push((name.clone(), pick_of(r, "heads")?));
    }
    Ok(Box::new(Local {
        input: InputBuilder { form, steps: None },
        special_tokens,
        output: Output {
            pick,
            heads,
            activation: p.activation.unwrap_or(Activation::None),
            reduce: StepReduce::Last,
        },
        model,
    }))
}

/// A model loaded once for every aspect that names its directory.
struct Shared {
    tokenizer: Tokenizer,
    labels: Vec<String>,
    max_tokens: usize,
    /// The model, whose thread the first evaluation starts (checking a
    /// spec starts nothing).
    worker: worker::Lazy<Classifier>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("labels", &self.labels)
            .field("max_tokens", &self.max_tokens)
            .finish_non_exhaustive()
    }
}

impl Forward for Classifier {
    fn forward(&self, batch: &[&[u32]], threads: usize) -> Result<Vec<Vec<f32>>, String> {
        Classifier::forward(self, batch, threads)
    }
}

/// The loaded model of `dir`, shared with the other aspects that name it
/// while any of them lives.
fn shared(dir: &Path, batch_tokens: usize) -> Result<Arc<Shared>, String> {
    static LOADED: OnceLock<Mutex<HashMap<PathBuf, Weak<Shared>>>> = OnceLock::new();
    let key = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
    let mut loaded = LOADED
        .get_or_init(Default::default)
        .lock()
        .map_err(|e| e.to_string())?;
    if let Some(m) = loaded.get(&key).and_then(Weak::upgrade) {
        return Ok(m);
    }
    let m = Arc::new(load(dir, batch_tokens)?);
    loaded.retain(|_, w| w.strong_count() > 0);
    loaded.insert(key, Arc::downgrade(&m));
    Ok(m)
}

fn load(dir: &Path, batch_tokens: usize) -> Result<Shared, String> {
    if !dir.is_dir() {
        return Err(format!("cannot read {}: no such directory", dir.display()));
    }
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let config_path = dir.join("config.json");
    let config = String::from_utf8(read("config.json")?)
        .map_err(|e| format!("{}: {e}", config_path.display()))?;
    let tokenizer_path = dir.join("tokenizer.json");
    let mut tokenizer = Tokenizer::from_bytes(read("tokenizer.json")?)
        .map_err(|e| format!("{}: {e}", tokenizer_path.display()))?;
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(None)
        .map_err(|e| format!("{}: {e}", tokenizer_path.display()))?;
    let weights = read("model.safetensors")?;
    let model = Classifier::load(&config, &weights).map_err(|e| match e {
        ClassifierError::Config(m) => format!("{}: {m}", config_path.display()),
        ClassifierError::Weights(m) => format!("{}: {m}", dir.join("model.safetensors").display()),
    })?;
    Ok(Shared {
        tokenizer,
        labels: model.labels(),
        max_tokens: model.max_tokens(),
        worker: worker::Lazy::new(model, batch_tokens, "model", "the model"),
    })
}

/// `model.local`, built.
#[derive(Debug)]
struct Local {
    input: InputBuilder,
    /// Whether the tokenizer adds its special tokens (plain templates) or
    /// the chat template wrote them.
    special_tokens: bool,
    output: Output,
    model: Arc<Shared>,
}

impl Local {
    /// Tokenizes a sample and queues it.
    fn submit(&self, sample: &Sample) -> Result<Reply, Evaluation> {
        let text = match self.input.build(sample).map_err(Evaluation::failed)? {
            Input::Text(t) => t,
            other => {
                return Err(Evaluation::failed(format!(
                    "an in-process model reads text, not {other:?}"
                )));
            }
        };
        let ids = self
            .model
            .tokenizer
            .encode_fast(text, self.special_tokens)
            .map_err(|e| Evaluation::failed(format!("could not tokenize: {e}")))?
            .get_ids()
            .to_vec();
        if ids.is_empty() {
            return Err(Evaluation::failed("the input has no tokens"));
        }
        if ids.len() > self.model.max_tokens {
            return Err(Evaluation::failed(format!(
                "the input has {} tokens; the model takes at most {}",
                ids.len(),
                self.model.max_tokens
            )));
        }
        let (reply, result) = crossbeam_channel::bounded(1);
        self.model
            .worker
            .queue()
            .and_then(|q| {
                // Several aspects reading other heads of the same model
                // find the logits in the worker's cache.
                q.send(Job {
                    texts: vec![ids],
                    reply,
                })
                .map_err(|_| "the model's thread has stopped".to_owned())
            })
            .map_err(Evaluation::failed)?;
        Ok(result)
    }

    fn finish(&self, pending: Result<Reply, Evaluation>, cx: &Context) -> Evaluation {
        let logits = match pending.and_then(|p| worker::wait(&p, cx)) {
            Ok(mut v) if v.len() == 1 => v.remove(0),
            Ok(_) => return Evaluation::failed("the model returned the wrong number of outputs"),
            Err(e) => return e,
        };
        let labeled = self
            .model
            .labels
            .iter()
            .zip(logits.iter())
            .map(|(l, &v)| (l.clone(), f64::from(v)))
            .collect();
        self.output.evaluate(&Raw::Labeled(labeled))
    }
}

worker::queued_aspect!(Local);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aspects_naming_one_directory_share_its_model_while_it_lives() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/local/qwen2");
        let a = shared(&dir, 4096).unwrap();
        // The same folder spelled differently is the same model.
        let b = shared(&dir.join("../qwen2"), 4096).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let other = shared(&dir.join("../llama"), 4096).unwrap();
        assert!(!Arc::ptr_eq(&a, &other));
        let weak = Arc::downgrade(&a);
        drop((a, b));
        assert!(weak.upgrade().is_none(), "dropped with its last aspect");
    }
}
