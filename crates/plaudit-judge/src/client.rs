//! A client for OpenAI-compatible `POST {base_url}/chat/completions`.
//!
//! One [`Client`] serves one aspect: it bounds the calls in flight with a
//! semaphore (a permit is held only while a request is on the wire, not
//! while backing off), retries what is worth retrying (429, 408, 5xx,
//! timeouts, connection errors) with exponential backoff and jitter, and
//! honours the server's `retry-after-ms` / `Retry-After` when it sends one.
//!
//! A server that rejects `response_format: json_schema` (see
//! [`rejects_json_schema`]) is asked again at once with `json_object`, and
//! the client remembers it: every later call of the aspect goes straight to
//! `json_object`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::limit::Bucket;

/// How the judge is asked for JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StructuredOutput {
    /// `{"type": "json_schema", "json_schema": {"name", "schema", "strict": true}}`:
    /// OpenAI, vLLM, SGLang.
    #[default]
    JsonSchema,
    /// `{"type": "json_object", "schema": …}`: llama.cpp's server and
    /// llama-cpp-python, which reject `json_schema`.
    JsonObject,
    /// No `response_format`: the prompt alone asks for JSON.
    None,
}

impl StructuredOutput {
    /// The name a spec gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            StructuredOutput::JsonSchema => "json_schema",
            StructuredOutput::JsonObject => "json_object",
            StructuredOutput::None => "none",
        }
    }
}

/// Everything the client needs, resolved from the parameters and the
/// environment.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    pub max_concurrency: usize,
    pub max_retries: u32,
    pub timeout: Duration,
    pub retry_base: Duration,
    pub retry_max: Duration,
    pub structured_output: StructuredOutput,
    /// `None` sends no temperature (reasoning models reject one).
    pub temperature: Option<f64>,
    pub max_tokens: u32,
    /// The request field `max_tokens` goes in: `max_tokens` or
    /// `max_completion_tokens`.
    pub token_limit_field: &'static str,
    pub logprobs: bool,
    pub top_logprobs: Option<u8>,
    pub seed: Option<u64>,
    /// Calls a minute, when limited.
    pub requests_per_minute: Option<u32>,
    /// Prompt and completion tokens a minute, when limited.
    pub tokens_per_minute: Option<u32>,
}

/// One chat message sent to the judge.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ChatMessage {
    pub role: &'static str,
    pub content: String,
}

/// One request to the judge: the messages and the JSON schema of the reply.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub messages: Vec<ChatMessage>,
    pub schema_name: &'static str,
    pub schema: Arc<Value>,
}

/// One token of the reply with its log-probability and the alternatives.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct TokenLogprob {
    pub token: String,
    pub logprob: f64,
    #[serde(default)]
    pub top_logprobs: Vec<TopLogprob>,
}

/// An alternative token at one position.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct TopLogprob {
    pub token: String,
    pub logprob: f64,
}

/// Token counts as the server reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub(crate) struct Usage {
    #[serde(default)]
    pub prompt_tokens: u64,
    #[serde(default)]
    pub completion_tokens: u64,
}

/// A successful call.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub content: String,
    pub model: Option<String>,
    pub logprobs: Vec<TokenLogprob>,
    pub usage: Usage,
    pub attempts: u32,
    pub latency: Duration,
    /// The `response_format` the answered request used.
    pub structured_output: StructuredOutput,
}

/// Why a call gave no reply.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The server answered with a status that is not worth retrying, or
    /// kept answering with one that is until the retries ran out.
    #[error("the judge server answered HTTP {status} after {attempts} attempt(s): {body}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The start of the response body.
        body: String,
        /// How many requests were made.
        attempts: u32,
    },
    /// No HTTP exchange completed (connection refused, reset, DNS…).
    #[error("could not reach the judge server at {url} after {attempts} attempt(s): {message}")]
    Transport {
        /// The URL called.
        url: String,
        /// What went wrong.
        message: String,
        /// How many requests were made.
        attempts: u32,
    },
    /// Every attempt ran past the per-call timeout.
    #[error("the judge call timed out after {timeout_ms} ms, {attempts} attempt(s)")]
    Timeout {
        /// The per-call timeout.
        timeout_ms: u64,
        /// How many requests were made.
        attempts: u32,
    },
    /// The server answered 200 with something that is not a chat completion.
    #[error("the judge server's reply is not a chat completion ({message}): {body}")]
    Malformed {
        /// What is wrong with it.
        message: String,
        /// The start of the body.
        body: String,
        /// How many requests were made.
        attempts: u32,
    },
}

impl CallError {
    /// How many requests were made.
    pub fn attempts(&self) -> u32 {
        match self {
            CallError::Status { attempts, .. }
            | CallError::Transport { attempts, .. }
            | CallError::Timeout { attempts, .. }
            | CallError::Malformed { attempts, .. } => *attempts,
        }
    }

    fn set_attempts(&mut self, n: u32) {
        match self {
            CallError::Status { attempts, .. }
            | CallError::Transport { attempts, .. }
            | CallError::Timeout { attempts, .. }
            | CallError::Malformed { attempts, .. } => *attempts = n,
        }
    }
}

/// The result of one attempt.
enum Attempt {
    Done(Reply),
    /// Worth another try, after the server's wait when it named one.
    Retry(CallError, Option<Duration>),
    /// The server does not take `json_schema`: worth another try at once
    /// with `json_object`.
    SchemaRejected,
    Fatal(CallError),
}

/// The client of one aspect.
#[derive(Debug)]
pub(crate) struct Client {
    http: reqwest::Client,
    url: String,
    settings: Settings,
    permits: Semaphore,
    requests: Option<Bucket>,
    tokens: Option<Bucket>,
    /// Set once the server has rejected `json_schema`.
    json_schema_rejected: AtomicBool,
}

/// Bodies and replies kept in errors and details are cut to this many bytes.
const BODY_PREVIEW: usize = 500;

impl Client {
    /// A client for `settings`. Fails only when the HTTP stack cannot be
    /// initialized (no TLS provider).
    pub fn new(settings: Settings) -> Result<Self, String> {
        #[cfg(feature = "tls")]
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // Another thread may win the race; either provider works.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let http = reqwest::Client::builder()
            .build()
            .map_err(|e| format!("could not build the HTTP client: {e}"))?;
        let url = format!(
            "{}/chat/completions",
            settings.base_url.trim_end_matches('/')
        );
        Ok(Self {
            http,
            url,
            permits: Semaphore::new(settings.max_concurrency),
            requests: settings.requests_per_minute.map(Bucket::per_minute),
            tokens: settings.tokens_per_minute.map(Bucket::per_minute),
            json_schema_rejected: AtomicBool::new(false),
            settings,
        })
    }

    /// How many calls may be in flight at once (`max_concurrency`).
    pub fn max_concurrency(&self) -> usize {
        self.settings.max_concurrency
    }

    /// The model the judge is asked for.
    pub fn model(&self) -> &str {
        &self.settings.model
    }

    /// The structured output the next request asks for: the configured
    /// one, unless the server has rejected `json_schema`.
    pub fn structured_output(&self) -> StructuredOutput {
        match self.settings.structured_output {
            StructuredOutput::JsonSchema if self.json_schema_rejected.load(Ordering::Relaxed) => {
                StructuredOutput::JsonObject
            }
            configured => configured,
        }
    }

    /// The structured output the spec asks for.
    pub fn configured_structured_output(&self) -> StructuredOutput {
        self.settings.structured_output
    }

    /// The request body for a call, asking for JSON in the form `format`.
    fn body(&self, call: &Call, format: StructuredOutput) -> Value {
        let s = &self.settings;
        let mut body = json!({
            "model": s.model,
            "messages": call.messages,
        });
        body[s.token_limit_field] = s.max_tokens.into();
        if let Some(t) = s.temperature {
            body["temperature"] = t.into();
        }
        let format = match format {
            StructuredOutput::JsonSchema => Some(json!({
                "type": "json_schema",
                "json_schema": {"name": call.schema_name, "schema": &*call.schema, "strict": true},
            })),
            StructuredOutput::JsonObject => {
                Some(json!({"type": "json_object", "schema": &*call.schema}))
            }
            StructuredOutput::None => None,
        };
        if let Some(format) = format {
            body["response_format"] = format;
        }
        if s.logprobs {
            body["logprobs"] = Value::Bool(true);
            if let Some(n) = s.top_logprobs {
                body["top_logprobs"] = n.into();
            }
        }
        if let Some(seed) = s.seed {
            body["seed"] = seed.into();
        }
        body
    }

    /// Makes the call, retrying as configured.
    pub async fn chat(&self, call: &Call) -> Result<Reply, CallError> {
        let mut format = self.structured_output();
        let mut body = self.body(call, format);
        let start = Instant::now();
        let (mut attempts, mut retries) = (0, 0);
        loop {
            attempts += 1;
            // Another call may have learned meanwhile that the server
            // rejects json_schema.
            if format != self.structured_output() {
                format = self.structured_output();
                body = self.body(call, format);
            }
            // Rate limits first, so that a call waiting for its minute does
            // not hold a concurrency slot.
            if let Some(b) = &self.requests {
                b.take(1.0).await;
            }
            let estimate = match &self.tokens {
                Some(b) => {
                    let e = self.estimate_tokens(&body);
                    b.take(e).await;
                    e
                }
                None => 0.0,
            };
            let attempt = {
                // The semaphore is never closed.
                let _permit = self.permits.acquire().await;
                self.attempt(&body, format).await
            };
            if let Some(b) = &self.tokens {
                let used = match &attempt {
                    Attempt::Done(reply) => {
                        (reply.usage.prompt_tokens + reply.usage.completion_tokens) as f64
                    }
                    // A refused call used nothing the provider counts.
                    _ => 0.0,
                };
                b.settle(estimate, used).await;
            }
            match attempt {
                Attempt::Done(mut reply) => {
                    reply.attempts = attempts;
                    reply.latency = start.elapsed();
                    reply.structured_output = format;
                    return Ok(reply);
                }
                // Asking in another form is not a retry of the same
                // request: it does not count against `max_retries`.
                Attempt::SchemaRejected => {
                    self.json_schema_rejected.store(true, Ordering::Relaxed);
                }
                Attempt::Retry(error, wait) if retries < self.settings.max_retries => {
                    drop(error);
                    retries += 1;
                    let wait = wait.unwrap_or_else(|| self.backoff(retries));
                    tokio::time::sleep(wait).await;
                }
                Attempt::Retry(mut error, _) | Attempt::Fatal(mut error) => {
                    error.set_attempts(attempts);
                    return Err(error);
                }
            }
        }
    }

    /// A call's tokens before it is made: its prompt at about four bytes a
    /// token, plus the most it may write.
    fn estimate_tokens(&self, body: &Value) -> f64 {
        let prompt: usize = body["messages"]
            .as_array()
            .map(|m| {
                m.iter()
                    .filter_map(|m| m["content"].as_str())
                    .map(str::len)
                    .sum()
            })
            .unwrap_or(0);
        (prompt / 4) as f64 + f64::from(self.settings.max_tokens)
    }

    /// Exponential backoff with equal jitter: between half and all of
    /// `retry_base · 2^(attempt-1)`, capped at `retry_max`.
    fn backoff(&self, attempt: u32) -> Duration {
        plaudit_core::http::backoff(self.settings.retry_base, self.settings.retry_max, attempt)
    }

    async fn attempt(&self, body: &Value, format: StructuredOutput) -> Attempt {
        let mut request = self
            .http
            .post(&self.url)
            .timeout(self.settings.timeout)
            .json(body);
        if let Some(key) = &self.settings.api_key {
            request = request.bearer_auth(key);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return self.send_error(&e),
        };
        let status = response.status();
        let headers = response.headers();
        let wait = plaudit_core::http::retry_after(
            |name| headers.get(name)?.to_str().ok(),
            SystemTime::now(),
        );
        let text = match response.text().await {
            Ok(t) => t,
            Err(e) => return self.send_error(&e),
        };
        if status.is_success() {
            return match parse_completion(&text) {
                Ok(reply) => Attempt::Done(reply),
                Err(message) => Attempt::Fatal(CallError::Malformed {
                    message,
                    body: plaudit_core::preview(&text, BODY_PREVIEW),
                    attempts: 0,
                }),
            };
        }
        if format == StructuredOutput::JsonSchema && rejects_json_schema(status.as_u16(), &text) {
            return Attempt::SchemaRejected;
        }
        let error = CallError::Status {
            status: status.as_u16(),
            body: plaudit_core::preview(text.trim(), BODY_PREVIEW),
            attempts: 0,
        };
        if status.as_u16() == 429 || status.as_u16() == 408 || status.is_server_error() {
            Attempt::Retry(error, wait)
        } else {
            Attempt::Fatal(error)
        }
    }

    fn send_error(&self, e: &reqwest::Error) -> Attempt {
        if e.is_timeout() {
            return Attempt::Retry(
                CallError::Timeout {
                    timeout_ms: self
                        .settings
                        .timeout
                        .as_millis()
                        .try_into()
                        .unwrap_or(u64::MAX),
                    attempts: 0,
                },
                None,
            );
        }
        let error = CallError::Transport {
            url: self.url.clone(),
            message: plaudit_core::http::error_chain(e),
            attempts: 0,
        };
        if e.is_builder() {
            Attempt::Fatal(error)
        } else {
            Attempt::Retry(error, None)
        }
    }
}

/// Whether an error answer says that the server does not take
/// `response_format: {"type": "json_schema"}`, as servers without it
/// answer:
///
/// - OpenAI, for models without structured outputs: 400, "Invalid
///   parameter: 'response_format' of type 'json_schema' is not supported
///   with this model."
/// - llama.cpp's server before September 2024, and llama-cpp-python's:
///   500, "response_format type must be one of \"text\" or
///   \"json_object\", but got: json_schema".
/// - Servers that validate the request with a schema of their own (older
///   vLLM, TGI, pydantic-based proxies): 400 or 422 naming the field
///   `response_format` and the input `json_schema`.
///
/// Conservatively, the answer must be a 400, 422 or 500 whose body names
/// both `response_format` and `json_schema`, and must not be a complaint
/// about the schema itself ("Invalid schema for response_format…"), which
/// `json_object` would not cure.
fn rejects_json_schema(status: u16, body: &str) -> bool {
    if !matches!(status, 400 | 422 | 500) {
        return false;
    }
    let body = body.to_ascii_lowercase();
    body.contains("response_format")
        && body.contains("json_schema")
        && !body.contains("invalid schema")
}

/// The parts of a chat completion the judge reads.
#[derive(Deserialize)]
struct Completion {
    #[serde(default)]
    model: Option<String>,
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: ChoiceMessage,
    #[serde(default)]
    logprobs: Option<ChoiceLogprobs>,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct ChoiceLogprobs {
    #[serde(default)]
    content: Option<Vec<TokenLogprob>>,
}

fn parse_completion(text: &str) -> Result<Reply, String> {
    let completion: Completion = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let Some(choice) = completion.choices.into_iter().next() else {
        return Err("`choices` is empty".into());
    };
    Ok(Reply {
        content: choice.message.content.unwrap_or_default(),
        model: completion.model,
        logprobs: choice.logprobs.and_then(|l| l.content).unwrap_or_default(),
        usage: completion.usage.unwrap_or_default(),
        attempts: 0,
        latency: Duration::ZERO,
        structured_output: StructuredOutput::None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_schema_rejections_are_recognized_conservatively() {
        for (status, body, rejected) in [
            (
                400,
                r#"{"error": {"message": "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", "type": "invalid_request_error", "param": "response_format"}}"#,
                true,
            ),
            (
                500,
                r#"{"error": {"code": 500, "message": "response_format type must be one of \"text\" or \"json_object\", but got: json_schema", "type": "server_error"}}"#,
                true,
            ),
            (
                422,
                r#"{"detail": [{"type": "literal_error", "loc": ["body", "response_format", "type"], "msg": "Input should be 'text' or 'json_object'", "input": "json_schema"}]}"#,
                true,
            ),
            // A schema the server cannot use is not cured by json_object.
            (
                400,
                r#"{"error": {"message": "Invalid schema for response_format 'score': 'additionalProperties' is required", "param": "response_format.json_schema"}}"#,
                false,
            ),
            // Not about the response format.
            (
                400,
                r#"{"error": {"message": "context length exceeded"}}"#,
                false,
            ),
            (400, "json_schema", false),
            // Rate limits and outages are retried, never a fallback.
            (429, "response_format json_schema: too many requests", false),
            (503, "response_format json_schema overloaded", false),
        ] {
            assert_eq!(
                rejects_json_schema(status, body),
                rejected,
                "{status} {body}"
            );
        }
    }

    #[test]
    fn completions_parse_with_and_without_extras() {
        let r = parse_completion(r#"{"choices":[{"message":{"content":"hi"}}]}"#).unwrap();
        assert_eq!(r.content, "hi");
        assert_eq!(r.usage, Usage::default());
        let r = parse_completion(
            r#"{"model":"m","choices":[{"message":{"content":null},"logprobs":{"content":[{"token":"a","logprob":-0.5,"top_logprobs":[{"token":"a","logprob":-0.5}]}]}}],"usage":{"prompt_tokens":3,"completion_tokens":4}}"#,
        )
        .unwrap();
        assert_eq!(r.content, "");
        assert_eq!(r.model.as_deref(), Some("m"));
        assert_eq!(r.logprobs[0].top_logprobs[0].token, "a");
        assert_eq!(r.usage.completion_tokens, 4);
        assert!(parse_completion(r#"{"choices":[]}"#).is_err());
        assert!(parse_completion("<html>").is_err());
    }

    #[test]
    fn jitter_stays_in_range() {
        for _ in 0..1000 {
            let u = plaudit_core::http::unit_random();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
