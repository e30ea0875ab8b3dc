//! The parameters of `model.remote`, and the environment variables they
//! fall back to (declared here and nowhere else).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value};

use plaudit_core::{BuildContext, BuildError};

use super::batcher::Limits;
use super::client::Settings;
use super::output::{Activation, Output, Pick, StepReduce};
use super::protocol::Protocol;
use crate::input::{Form, InputBuilder, Steps, TextTemplate};
use crate::template::ChatTemplate;

/// The server's base URL when the spec gives none.
pub const ENV_BASE_URL: &str = "PLAUDIT_MODEL_BASE_URL";
/// The variable holding the API key unless `api_key_env` names another.
pub const ENV_API_KEY: &str = "PLAUDIT_MODEL_API_KEY";

/// The parameters of a `model.remote` aspect.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// `vllm.classify`, `vllm.pooling`, `sglang.classify`, `tei.predict` or
    /// `tei.rerank`.
    protocol: Protocol,
    /// The server's root (`http://localhost:8000`); default
    /// `$PLAUDIT_MODEL_BASE_URL`.
    base_url: Option<String>,
    /// The served model's name, sent to vLLM and SGLang when given.
    model: Option<String>,
    /// The environment variable holding the API key (default
    /// `PLAUDIT_MODEL_API_KEY`; when that one is unset no key is sent).
    api_key_env: Option<String>,

    /// The model's folder, its `tokenizer_config.json`, or a `.jinja` file:
    /// the input is the conversation rendered with its chat template.
    chat_template: Option<PathBuf>,
    /// Remove a leading beginning-of-sequence token from the rendered
    /// template, which the server's tokenizer adds again (default true).
    #[serde(default = "yes")]
    strip_bos: bool,
    /// A text template with `{prompt}` and `{response}`.
    template: Option<String>,
    /// Send the conversation as chat messages (vLLM only).
    #[serde(default)]
    messages: bool,

    /// The reward's position among the model's outputs.
    index: Option<usize>,
    /// The reward's label (TEI's `/predict`).
    label: Option<String>,
    /// More outputs reported in the details, by name: a position or a label.
    #[serde(default)]
    heads: BTreeMap<String, HeadRef>,
    /// `none` (default; `softmax` for `vllm.pooling`), `sigmoid`, `softmax`.
    activation: Option<Activation>,

    /// Process reward models: how step scores become one (`min`, default;
    /// `mean`; `last`).
    step_reduce: Option<StepReduce>,
    /// Process reward models: the token marking the end of each step.
    step_tag: Option<String>,
    /// Process reward models: what separates the response's steps (default
    /// a blank line).
    step_separator: Option<String>,

    /// Samples per request (default 32).
    #[serde(default = "default_batch_size")]
    batch_size: usize,
    /// Estimated tokens per request, at four bytes a token (default 16384).
    #[serde(default = "default_batch_tokens")]
    max_batch_tokens: usize,
    /// How long a partial batch waits for more samples, in ms (default 2).
    #[serde(default = "default_batch_wait")]
    batch_wait_ms: u64,
    /// Requests in flight at once (default 4).
    #[serde(default = "default_concurrency")]
    max_concurrency: usize,
    /// Retries after a 408, 429, 502, 503, 504, timeout or connection
    /// error (default 4).
    #[serde(default = "default_retries")]
    max_retries: u32,
    /// The timeout of one HTTP request, in ms (default 30 000).
    #[serde(default = "default_call_timeout")]
    call_timeout_ms: u64,
    /// The first backoff, doubled at each retry, in ms (default 200).
    #[serde(default = "default_retry_base")]
    retry_base_ms: u64,
    /// The longest backoff, in ms (default 10 000).
    #[serde(default = "default_retry_max")]
    retry_max_ms: u64,
}

/// A head: a position or a label.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum HeadRef {
    Index(usize),
    Label(String),
}

fn yes() -> bool {
    true
}
fn default_batch_size() -> usize {
    32
}
fn default_batch_tokens() -> usize {
    16_384
}
fn default_batch_wait() -> u64 {
    2
}
fn default_concurrency() -> usize {
    4
}
fn default_retries() -> u32 {
    4
}
fn default_call_timeout() -> u64 {
    30_000
}
fn default_retry_base() -> u64 {
    200
}
fn default_retry_max() -> u64 {
    10_000
}

/// Everything a `model.remote` aspect is built from.
#[derive(Debug)]
pub(crate) struct Resolved {
    pub input: InputBuilder,
    pub protocol: Protocol,
    pub settings: Settings,
    pub output: Output,
    pub model: Option<String>,
    pub limits: Limits,
}

/// Reads and checks the parameters, with the environment from `env`.
pub(crate) fn resolve(
    params: &Map<String, Value>,
    cx: &BuildContext,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Resolved, BuildError> {
    let p: Params = BuildError::parse_params(params)?;
    let protocol = p.protocol;
    let name = protocol.name();
    let refuse = |field: &str, why: &str| BuildError::param(field, format!("{name} {why}"));

    let base_url = p
        .base_url
        .clone()
        .or_else(|| env(ENV_BASE_URL).filter(|s| !s.is_empty()))
        .ok_or_else(|| {
            BuildError::param(
                "base_url",
                format!("no model server: set `base_url` (e.g. \"http://localhost:8000\") or ${ENV_BASE_URL}"),
            )
        })?;
    check_url(&base_url)?;
    let api_key = match &p.api_key_env {
        Some(var) => Some(env(var).filter(|k| !k.is_empty()).ok_or_else(|| {
            BuildError::param(
                "api_key_env",
                format!("the environment variable {var:?} is not set"),
            )
        })?),
        None => env(ENV_API_KEY).filter(|k| !k.is_empty()),
    };

    // The input.
    let forms = [p.chat_template.is_some(), p.template.is_some(), p.messages];
    let form = if protocol == Protocol::TeiRerank {
        if forms.iter().any(|f| *f) {
            return Err(refuse(
                if p.chat_template.is_some() {
                    "chat_template"
                } else if p.template.is_some() {
                    "template"
                } else {
                    "messages"
                },
                "sends the prompt as the query and the response as the text: it takes no `chat_template`, `template` or `messages`",
            ));
        }
        Form::Pair
    } else if forms.iter().filter(|f| **f).count() != 1 {
        return Err(BuildError::param(
            "chat_template",
            "say how the model's input is built: `chat_template` (the model's folder or tokenizer_config.json), `template` (text with {prompt} and {response}) or `messages = true`, exactly one",
        ));
    } else if let Some(path) = &p.chat_template {
        let template = ChatTemplate::load(&cx.resolve(path))
            .map_err(|e| BuildError::param("chat_template", e))?;
        Form::ChatTemplate {
            template: Box::new(template),
            strip_bos: p.strip_bos,
        }
    } else if let Some(t) = &p.template {
        Form::Text(TextTemplate::parse(t).map_err(|e| BuildError::param("template", e))?)
    } else {
        if !protocol.takes_messages() {
            return Err(refuse(
                "messages",
                "takes text, not chat messages: use `chat_template` or `template`",
            ));
        }
        Form::Messages
    };
    let pooling = protocol == Protocol::VllmPooling;
    for (field, given) in [
        ("step_reduce", p.step_reduce.is_some()),
        ("step_tag", p.step_tag.is_some()),
        ("step_separator", p.step_separator.is_some()),
    ] {
        if given && !pooling {
            return Err(refuse(
                field,
                "scores whole sequences: step parameters are for vllm.pooling",
            ));
        }
    }
    if p.step_separator.as_deref() == Some("") {
        return Err(BuildError::param(
            "step_separator",
            "step_separator must not be empty",
        ));
    }
    if p.step_tag.is_none() && p.step_separator.is_some() {
        return Err(BuildError::param(
            "step_separator",
            "step_separator needs `step_tag`",
        ));
    }
    let steps = p.step_tag.map(|tag| Steps {
        separator: p.step_separator.unwrap_or_else(|| "\n\n".into()),
        tag,
    });

    // The output.
    let labeled = protocol == Protocol::TeiPredict;
    if p.index.is_some() && labeled {
        return Err(refuse(
            "index",
            "sorts its labels by score: pick the reward with `label`",
        ));
    }
    if p.label.is_some() && !labeled {
        return Err(refuse(
            "label",
            "gives scores by position: pick the reward with `index`",
        ));
    }
    if protocol == Protocol::TeiRerank && p.index.is_some() {
        return Err(refuse(
            "index",
            "gives one score per text: it takes no `index`",
        ));
    }
    if !p.heads.is_empty() && (pooling || protocol == Protocol::TeiRerank) {
        return Err(refuse("heads", "has no heads to report"));
    }
    let activation = p.activation.unwrap_or(if pooling {
        Activation::Softmax
    } else {
        Activation::None
    });
    if protocol == Protocol::TeiRerank && activation == Activation::Softmax {
        return Err(refuse(
            "activation",
            "gives one score per text: softmax over one value is always 1",
        ));
    }
    let pick = match (p.index, p.label) {
        (Some(i), _) => Pick::Index(i),
        (_, Some(l)) => Pick::Label(l),
        (None, None) if pooling => Pick::Last,
        (None, None) => Pick::Only,
    };
    let mut heads = Vec::with_capacity(p.heads.len());
    for (head, r) in p.heads {
        let pick = match r {
            HeadRef::Index(_) if labeled => {
                return Err(refuse(
                    "heads",
                    "sorts its labels by score: name heads by label",
                ));
            }
            HeadRef::Label(_) if !labeled => {
                return Err(refuse(
                    "heads",
                    "gives scores by position: name heads by index",
                ));
            }
            HeadRef::Index(i) => Pick::Index(i),
            HeadRef::Label(l) => Pick::Label(l),
        };
        heads.push((head, pick));
    }

    // Batching and the calls.
    for (field, value) in [
        ("batch_size", p.batch_size),
        ("max_batch_tokens", p.max_batch_tokens),
        ("max_concurrency", p.max_concurrency),
        ("call_timeout_ms", usize::from(p.call_timeout_ms > 0)),
    ] {
        if value == 0 {
            return Err(BuildError::param(
                field,
                format!("{field} must be at least 1"),
            ));
        }
    }
    // vLLM takes one conversation a request.
    let batch_size = if p.messages { 1 } else { p.batch_size };
    Ok(Resolved {
        input: InputBuilder { form, steps },
        protocol,
        settings: Settings {
            url: format!("{}{}", base_url.trim_end_matches('/'), protocol.path()),
            api_key,
            timeout: Duration::from_millis(p.call_timeout_ms),
            max_retries: p.max_retries,
            retry_base: Duration::from_millis(p.retry_base_ms),
            retry_max: Duration::from_millis(p.retry_max_ms.max(p.retry_base_ms)),
        },
        output: Output {
            pick,
            heads,
            activation,
            reduce: p.step_reduce.unwrap_or(StepReduce::Min),
        },
        model: p.model,
        limits: Limits {
            batch_size,
            max_batch_tokens: p.max_batch_tokens,
            batch_wait: Duration::from_millis(p.batch_wait_ms),
            max_concurrency: p.max_concurrency,
        },
    })
}

fn check_url(url: &str) -> Result<(), BuildError> {
    plaudit_core::http::check_base_url(url, cfg!(feature = "tls"), "plaudit-model")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resolve_with(params: Value, env: &[(&str, &str)]) -> Result<Resolved, BuildError> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        let cx = BuildContext::default();
        resolve(params.as_object().unwrap(), &cx, &|name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn the_environment_fills_in_the_server_and_the_key() {
        let r = resolve_with(
            json!({"protocol": "vllm.classify", "template": "{response}"}),
            &[(ENV_BASE_URL, "http://h:8000/"), (ENV_API_KEY, "k")],
        )
        .unwrap();
        assert_eq!(r.settings.url, "http://h:8000/classify");
        assert_eq!(r.settings.api_key.as_deref(), Some("k"));
        assert_eq!(r.limits.batch_size, 32);
        assert_eq!(r.limits.max_concurrency, 4);
        assert_eq!(r.output.activation, Activation::None);
        assert_eq!(r.output.pick, Pick::Only);
        let r = resolve_with(
            json!({"protocol": "tei.rerank", "base_url": "http://x", "api_key_env": "MY_KEY"}),
            &[(ENV_BASE_URL, "http://h"), ("MY_KEY", "secret")],
        )
        .unwrap();
        assert_eq!(r.settings.url, "http://x/rerank");
        assert_eq!(r.settings.api_key.as_deref(), Some("secret"));
        let r = resolve_with(
            json!({"protocol": "vllm.pooling", "base_url": "http://x", "template": "{response}", "step_tag": "<extra_0>"}),
            &[],
        )
        .unwrap();
        assert_eq!(r.output.activation, Activation::Softmax);
        assert_eq!(r.output.pick, Pick::Last);
        assert_eq!(r.output.reduce, StepReduce::Min);
        assert_eq!(r.input.steps.unwrap().separator, "\n\n");
        // One conversation a request in chat form.
        let r = resolve_with(
            json!({"protocol": "vllm.classify", "base_url": "http://x", "messages": true, "batch_size": 64}),
            &[],
        )
        .unwrap();
        assert_eq!(r.limits.batch_size, 1);
    }

    #[test]
    fn errors_name_the_parameter() {
        let base =
            json!({"protocol": "vllm.classify", "base_url": "http://h", "template": "{response}"});
        let with = |extra: Value| {
            let mut p = base.clone();
            for (k, v) in extra.as_object().unwrap() {
                if v.is_null() {
                    p.as_object_mut().unwrap().remove(k);
                } else {
                    p[k] = v.clone();
                }
            }
            p
        };
        for (params, field, why) in [
            (
                with(json!({"protocol": "vllm.score"})),
                "protocol",
                "unknown variant",
            ),
            (
                with(json!({"base_url": null})),
                "base_url",
                "PLAUDIT_MODEL_BASE_URL",
            ),
            (
                with(json!({"base_url": "localhost:8000"})),
                "base_url",
                "http://",
            ),
            (
                with(json!({"api_key_env": "NOPE"})),
                "api_key_env",
                "\"NOPE\" is not set",
            ),
            (
                with(json!({"template": null})),
                "chat_template",
                "exactly one",
            ),
            (
                with(json!({"messages": true})),
                "chat_template",
                "exactly one",
            ),
            (
                with(json!({"template": "{prompt}"})),
                "template",
                "no {response}",
            ),
            (
                with(json!({"template": null, "chat_template": "nowhere/tokenizer_config.json"})),
                "chat_template",
                "cannot read",
            ),
            (
                with(json!({"protocol": "sglang.classify", "template": null, "messages": true})),
                "messages",
                "takes text",
            ),
            (
                with(json!({"protocol": "tei.rerank"})),
                "template",
                "takes no",
            ),
            (with(json!({"label": "good"})), "label", "by position"),
            (
                with(json!({"protocol": "tei.predict", "index": 1})),
                "index",
                "sorts its labels",
            ),
            (
                with(json!({"protocol": "tei.predict", "heads": {"a": 1}})),
                "heads",
                "name heads by label",
            ),
            (
                with(json!({"heads": {"a": "x"}})),
                "heads",
                "name heads by index",
            ),
            (
                with(json!({"protocol": "vllm.pooling", "heads": {"a": 1}})),
                "heads",
                "no heads",
            ),
            (
                with(json!({"step_tag": "<extra_0>"})),
                "step_tag",
                "vllm.pooling",
            ),
            (
                with(json!({"protocol": "vllm.pooling", "step_separator": "\n"})),
                "step_separator",
                "needs `step_tag`",
            ),
            (
                with(json!({"activation": "tanh"})),
                "activation",
                "unknown variant",
            ),
            (with(json!({"batch_size": 0})), "batch_size", "at least 1"),
            (
                with(json!({"call_timeout_ms": 0})),
                "call_timeout_ms",
                "at least 1",
            ),
            (with(json!({"batch": 3})), "batch", "unknown field"),
        ] {
            let err = resolve_with(params.clone(), &[]).unwrap_err();
            assert_eq!(err.field(), Some(field), "{params}: {err}");
            assert!(err.to_string().contains(why), "{params}: {err}");
        }
    }
}
