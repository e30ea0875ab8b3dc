//! The parameters every judge kind shares, and the environment variables
//! they fall back to (declared here and nowhere else).

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value};

use plaudit_core::BuildError;

use crate::client::{Settings, StructuredOutput};

/// The base URL when the spec gives none.
pub const ENV_BASE_URL: &str = "OPENAI_BASE_URL";
/// The variable holding the API key unless `api_key_env` names another.
pub const ENV_API_KEY: &str = "OPENAI_API_KEY";
/// The judge model when the spec gives none.
pub const ENV_MODEL: &str = "PLAUDIT_JUDGE_MODEL";

/// The parameters every judge kind accepts. Each kind's own parameters are
/// the rest of the aspect table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommonParams {
    /// The server, up to `/chat/completions` (`http://localhost:8000/v1`);
    /// default `$OPENAI_BASE_URL`.
    pub base_url: Option<String>,
    /// The judge model; default `$PLAUDIT_JUDGE_MODEL`.
    pub model: Option<String>,
    /// The environment variable holding the API key (default
    /// `OPENAI_API_KEY`; when that one is unset no key is sent, as local
    /// servers need none). Keys are never read from the spec itself.
    pub api_key_env: Option<String>,
    /// Calls in flight at once for this aspect (default 16).
    #[serde(default = "default_concurrency")]
    pub max_concurrency: usize,
    /// Retries after a 429, 408, 5xx, timeout or connection error (default 4).
    #[serde(default = "default_retries")]
    pub max_retries: u32,
    /// The timeout of one HTTP call, in milliseconds (default 60 000).
    #[serde(default = "default_call_timeout")]
    pub call_timeout_ms: u64,
    /// The first backoff, doubled at each retry, in milliseconds (default 500).
    #[serde(default = "default_retry_base")]
    pub retry_base_ms: u64,
    /// The longest backoff, in milliseconds (default 30 000).
    #[serde(default = "default_retry_max")]
    pub retry_max_ms: u64,
    /// `json_schema` (default), `json_object` (llama.cpp) or `none`.
    #[serde(default)]
    pub structured_output: StructuredOutput,
    /// Sampling temperature (default 0; none is sent to a reasoning model,
    /// see [`reasoning_model`], unless the spec sets one).
    pub temperature: Option<f64>,
    /// The longest verdict, in tokens (default 1024).
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    /// The request field that carries `max_tokens` (default `auto`).
    #[serde(default)]
    pub token_limit_field: TokenLimitField,
    /// Ask for token log-probabilities (default false).
    #[serde(default)]
    pub logprobs: bool,
    /// Alternatives per token with `logprobs` (0–20).
    pub top_logprobs: Option<u8>,
    /// A sampling seed, for servers that honour one.
    pub seed: Option<u64>,
    /// Judge each sample `votes` times and aggregate (default 1).
    #[serde(default = "default_votes")]
    pub votes: u32,
    /// Score content-free responses 0 without calling the judge (default true).
    #[serde(default = "yes")]
    pub guard: bool,
    /// Calls a minute this aspect may make (default: unlimited).
    pub requests_per_minute: Option<u32>,
    /// Prompt plus completion tokens a minute this aspect may use, counted
    /// before a call from its prompt (about four bytes a token) and
    /// `max_tokens`, then corrected with the usage the server reports
    /// (default: unlimited).
    pub tokens_per_minute: Option<u32>,
    /// US dollars per 1,000 prompt tokens, for `cost_usd` in the details.
    pub price_per_1k_input: Option<f64>,
    /// US dollars per 1,000 completion tokens, for `cost_usd` in the details.
    pub price_per_1k_output: Option<f64>,
}

const COMMON_KEYS: &[&str] = &[
    "base_url",
    "model",
    "api_key_env",
    "max_concurrency",
    "max_retries",
    "call_timeout_ms",
    "retry_base_ms",
    "retry_max_ms",
    "structured_output",
    "temperature",
    "max_tokens",
    "token_limit_field",
    "logprobs",
    "top_logprobs",
    "seed",
    "votes",
    "guard",
    "requests_per_minute",
    "tokens_per_minute",
    "price_per_1k_input",
    "price_per_1k_output",
];

/// Which request field carries the token limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenLimitField {
    /// `max_completion_tokens` for a reasoning model (see
    /// [`reasoning_model`]), `max_tokens` for any other.
    #[default]
    Auto,
    /// `max_tokens`: what every OpenAI-compatible server reads, and what
    /// OpenAI's reasoning models refuse.
    MaxTokens,
    /// `max_completion_tokens`: OpenAI's current name, the only one its
    /// reasoning models take (vLLM and SGLang read it too).
    MaxCompletionTokens,
}

impl TokenLimitField {
    /// The request field for `model`.
    fn field(self, model: &str) -> &'static str {
        match self {
            TokenLimitField::MaxTokens => "max_tokens",
            TokenLimitField::MaxCompletionTokens => "max_completion_tokens",
            TokenLimitField::Auto if reasoning_model(model) => "max_completion_tokens",
            TokenLimitField::Auto => "max_tokens",
        }
    }
}

/// Whether `model` names one of OpenAI's reasoning models, which take
/// `max_completion_tokens` rather than `max_tokens` and refuse a
/// `temperature` other than the default: its name, after any provider
/// prefix (`openai/o3-mini`), is `o1`, `o3`, `o4` or `gpt-5`, alone or
/// followed by `-`, `.` or `_` (`o1-preview`, `o4-mini`, `gpt-5.1`,
/// `gpt-5-nano`), in any case. `gpt-4o` and `o10x` are not.
pub fn reasoning_model(model: &str) -> bool {
    let name = model.rsplit('/').next().unwrap_or(model);
    ["o1", "o3", "o4", "gpt-5"].iter().any(|family| {
        name.get(..family.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(family))
            && matches!(
                name.as_bytes().get(family.len()),
                None | Some(b'-' | b'.' | b'_')
            )
    })
}

fn default_concurrency() -> usize {
    16
}
fn default_retries() -> u32 {
    4
}
fn default_call_timeout() -> u64 {
    60_000
}
fn default_retry_base() -> u64 {
    500
}
fn default_retry_max() -> u64 {
    30_000
}
fn default_max_tokens() -> u32 {
    1024
}
fn default_votes() -> u32 {
    1
}
pub(crate) fn yes() -> bool {
    true
}

/// Per-token prices, when both are known.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pricing {
    pub input_per_1k: f64,
    pub output_per_1k: f64,
}

/// The common parameters, resolved.
#[derive(Debug)]
pub(crate) struct Common {
    pub settings: Settings,
    pub votes: u32,
    pub guard: bool,
    pub pricing: Option<Pricing>,
}

/// Splits an aspect's parameters into the common ones (resolved) and the
/// kind's own.
pub(crate) fn split(
    params: &Map<String, Value>,
) -> Result<(Common, Map<String, Value>), BuildError> {
    let (common, own): (Map<String, Value>, Map<String, Value>) = params
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .partition(|(k, _)| COMMON_KEYS.contains(&k.as_str()));
    let p: CommonParams = BuildError::parse_params(&common)?;
    Ok((resolve(p, &|name| std::env::var(name).ok())?, own))
}

/// Resolves the common parameters, reading the environment through `env`.
fn resolve(p: CommonParams, env: &dyn Fn(&str) -> Option<String>) -> Result<Common, BuildError> {
    let base_url = p
        .base_url
        .or_else(|| env(ENV_BASE_URL).filter(|s| !s.is_empty()))
        .ok_or_else(|| {
            BuildError::param(
                "base_url",
                format!("no judge server: set `base_url` (e.g. \"http://localhost:8000/v1\") or ${ENV_BASE_URL}"),
            )
        })?;
    check_url(&base_url)?;
    let model = p
        .model
        .or_else(|| env(ENV_MODEL).filter(|s| !s.is_empty()))
        .ok_or_else(|| {
            BuildError::param(
                "model",
                format!("no judge model: set `model` or ${ENV_MODEL}"),
            )
        })?;
    let api_key = match &p.api_key_env {
        Some(var) => Some(env(var).filter(|k| !k.is_empty()).ok_or_else(|| {
            BuildError::param(
                "api_key_env",
                format!("the environment variable {var:?} is not set"),
            )
        })?),
        None => env(ENV_API_KEY).filter(|k| !k.is_empty()),
    };
    if p.max_concurrency == 0 {
        return Err(BuildError::param(
            "max_concurrency",
            "max_concurrency must be at least 1",
        ));
    }
    for (field, limit) in [
        ("requests_per_minute", p.requests_per_minute),
        ("tokens_per_minute", p.tokens_per_minute),
    ] {
        if limit == Some(0) {
            return Err(BuildError::param(
                field,
                format!("{field} must be at least 1 (leave it out for no limit)"),
            ));
        }
    }
    if p.call_timeout_ms == 0 {
        return Err(BuildError::param(
            "call_timeout_ms",
            "call_timeout_ms must be at least 1",
        ));
    }
    if !(1..=32).contains(&p.votes) {
        return Err(BuildError::param(
            "votes",
            format!("votes must be between 1 and 32, not {}", p.votes),
        ));
    }
    if let Some(t) = p.temperature
        && !(0.0..=2.0).contains(&t)
    {
        return Err(BuildError::param(
            "temperature",
            format!("temperature must be between 0 and 2, not {t}"),
        ));
    }
    // Reasoning models refuse any temperature but their own; one the spec
    // sets is still sent, so that the server says so.
    let temperature = match p.temperature {
        Some(t) => Some(t),
        None if reasoning_model(&model) => None,
        None => Some(0.0),
    };
    let token_limit_field = p.token_limit_field.field(&model);
    if let Some(n) = p.top_logprobs {
        if n > 20 {
            return Err(BuildError::param(
                "top_logprobs",
                format!("top_logprobs must be at most 20, not {n}"),
            ));
        }
        if !p.logprobs {
            return Err(BuildError::param(
                "top_logprobs",
                "top_logprobs needs `logprobs = true`",
            ));
        }
    }
    let pricing = match (p.price_per_1k_input, p.price_per_1k_output) {
        (None, None) => None,
        (input, output) => {
            for (field, price) in [
                ("price_per_1k_input", input),
                ("price_per_1k_output", output),
            ] {
                if price.is_some_and(|v| !v.is_finite() || v < 0.0) {
                    return Err(BuildError::param(
                        field,
                        format!("{field} must be a non-negative number"),
                    ));
                }
            }
            Some(Pricing {
                input_per_1k: input.unwrap_or(0.0),
                output_per_1k: output.unwrap_or(0.0),
            })
        }
    };
    Ok(Common {
        settings: Settings {
            base_url,
            model,
            api_key,
            max_concurrency: p.max_concurrency,
            max_retries: p.max_retries,
            timeout: Duration::from_millis(p.call_timeout_ms),
            retry_base: Duration::from_millis(p.retry_base_ms),
            retry_max: Duration::from_millis(p.retry_max_ms.max(p.retry_base_ms)),
            structured_output: p.structured_output,
            temperature,
            max_tokens: p.max_tokens,
            token_limit_field,
            logprobs: p.logprobs,
            top_logprobs: p.top_logprobs,
            seed: p.seed,
            requests_per_minute: p.requests_per_minute,
            tokens_per_minute: p.tokens_per_minute,
        },
        votes: p.votes,
        guard: p.guard,
        pricing,
    })
}

fn check_url(url: &str) -> Result<(), BuildError> {
    plaudit_core::http::check_base_url(url, cfg!(feature = "tls"), "plaudit-judge")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resolve_with(params: Value, env: &[(&str, &str)]) -> Result<Common, BuildError> {
        let p: CommonParams = BuildError::parse_params(params.as_object().unwrap())?;
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        resolve(p, &|name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn the_environment_fills_in_what_the_spec_leaves_out() {
        let c = resolve_with(
            json!({}),
            &[
                (ENV_BASE_URL, "http://h/v1"),
                (ENV_MODEL, "m"),
                (ENV_API_KEY, "k"),
            ],
        )
        .unwrap();
        assert_eq!(c.settings.base_url, "http://h/v1");
        assert_eq!(c.settings.model, "m");
        assert_eq!(c.settings.api_key.as_deref(), Some("k"));
        assert_eq!(c.settings.max_concurrency, 16);
        assert_eq!(c.settings.max_retries, 4);
        assert_eq!(c.settings.structured_output, StructuredOutput::JsonSchema);
        // The spec wins over the environment.
        let c = resolve_with(
            json!({"base_url": "http://x/v1", "model": "n"}),
            &[(ENV_BASE_URL, "http://h")],
        )
        .unwrap();
        assert_eq!(
            (c.settings.base_url.as_str(), c.settings.model.as_str()),
            ("http://x/v1", "n")
        );
        assert_eq!(c.settings.api_key, None);
    }

    #[test]
    fn errors_name_the_parameter() {
        for (params, env, field) in [
            (json!({"model": "m"}), vec![], "base_url"),
            (json!({"base_url": "localhost:8000"}), vec![], "base_url"),
            (json!({"base_url": "http://h"}), vec![], "model"),
            (
                json!({"base_url": "http://h", "model": "m", "api_key_env": "NOPE"}),
                vec![],
                "api_key_env",
            ),
            (
                json!({"base_url": "http://h", "model": "m", "votes": 0}),
                vec![],
                "votes",
            ),
            (
                json!({"base_url": "http://h", "model": "m", "max_concurrency": 0}),
                vec![],
                "max_concurrency",
            ),
            (
                json!({"base_url": "http://h", "model": "m", "top_logprobs": 5}),
                vec![],
                "top_logprobs",
            ),
            (
                json!({"base_url": "http://h", "model": "m", "price_per_1k_input": -1.0}),
                vec![],
                "price_per_1k_input",
            ),
            (
                json!({"base_url": "http://h", "model": "m", "structured_output": "guided_json"}),
                vec![],
                "structured_output",
            ),
        ] {
            let err = resolve_with(params.clone(), &env).unwrap_err();
            assert_eq!(err.field(), Some(field), "{params}: {err}");
        }
        let err = resolve_with(
            json!({"base_url": "http://h", "model": "m", "api_key_env": "MY_KEY"}),
            &[],
        )
        .unwrap_err();
        assert!(err.to_string().contains("\"MY_KEY\" is not set"), "{err}");
    }

    #[test]
    fn reasoning_models_are_recognized_by_name() {
        for (model, reasoning) in [
            ("o1", true),
            ("o1-preview", true),
            ("o3-mini", true),
            ("O3-MINI", true),
            ("o4-mini-2025-04-16", true),
            ("gpt-5", true),
            ("gpt-5.1", true),
            ("gpt-5-nano", true),
            ("openai/o3", true),
            ("gpt-4o", false),
            ("gpt-4o-mini", false),
            ("gpt-4.1", false),
            ("o10x", false),
            ("gpt-50", false),
            ("omni-o1", false),
            ("Qwen/Qwen2.5-7B-Instruct", false),
            ("", false),
        ] {
            assert_eq!(reasoning_model(model), reasoning, "{model}");
        }
    }

    #[test]
    fn the_token_limit_field_and_temperature_follow_the_model() {
        let settings = |params: Value| {
            resolve_with(params, &[(ENV_BASE_URL, "http://h/v1")])
                .unwrap()
                .settings
        };
        let s = settings(json!({"model": "gpt-4o"}));
        assert_eq!(
            (s.token_limit_field, s.temperature),
            ("max_tokens", Some(0.0))
        );
        let s = settings(json!({"model": "o3-mini"}));
        assert_eq!(
            (s.token_limit_field, s.temperature),
            ("max_completion_tokens", None)
        );
        // What the spec says wins.
        let s = settings(
            json!({"model": "o3-mini", "token_limit_field": "max_tokens", "temperature": 1.0}),
        );
        assert_eq!(
            (s.token_limit_field, s.temperature),
            ("max_tokens", Some(1.0))
        );
        let s = settings(json!({"model": "m", "token_limit_field": "max_completion_tokens"}));
        assert_eq!(
            (s.token_limit_field, s.temperature),
            ("max_completion_tokens", Some(0.0))
        );
        let err = resolve_with(
            json!({"base_url": "http://h", "model": "m", "token_limit_field": "max_new_tokens"}),
            &[],
        )
        .unwrap_err();
        assert_eq!(err.field(), Some("token_limit_field"), "{err}");
    }

    #[test]
    fn https_needs_the_tls_feature() {
        assert!(check_url("http://localhost:8000/v1").is_ok());
        assert_eq!(
            check_url("https://api.openai.com/v1").is_ok(),
            cfg!(feature = "tls")
        );
    }

    #[test]
    fn split_keeps_the_kinds_own_parameters() {
        let params = json!({"base_url": "http://h/v1", "model": "m", "min": 0, "max": 5});
        let (common, own) = split(params.as_object().unwrap()).unwrap();
        assert_eq!(common.settings.model, "m");
        let mut own: Vec<&String> = own.keys().collect();
        own.sort();
        assert_eq!(own, ["max", "min"]);
    }
}
