//! A client for OpenAI-compatible `POST {base_url}/chat/completions`.
//!
//! One [`Client`] serves one aspect: it bounds the calls in flight with a
//! semaphore (a permit is held only while a request is on the wire, not
//! while backing off), retries what is worth retrying (429, 408, 5xx,
//! timeouts, connection errors) with exponential backoff and jitter, and
//! honours the server's `retry-after-ms` / `Retry-After` when it sends one.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

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
    pub temperature: f64,
    pub max_tokens: u32,
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

    /// The request body for a call.
    fn body(&self, call: &Call) -> Value {
        let s = &self.settings;
        let mut body = json!({
            "model": s.model,
            "messages": call.messages,
            "temperature": s.temperature,
            "max_tokens": s.max_tokens,
        });
        let format = match s.structured_output {
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
        let body = self.body(call);
        let start = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
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
                self.attempt(&body).await
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
                    return Ok(reply);
                }
                Attempt::Retry(error, wait) if attempts <= self.settings.max_retries => {
                    drop(error);
                    let wait = wait.unwrap_or_else(|| self.backoff(attempts));
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
        let s = &self.settings;
        let exp = s
            .retry_base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(s.retry_max);
        exp.mul_f64(0.5 + 0.5 * unit_random())
    }

    async fn attempt(&self, body: &Value) -> Attempt {
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
        let wait = retry_after(response.headers());
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
            message: error_chain(e),
            attempts: 0,
        };
        if e.is_builder() {
            Attempt::Fatal(error)
        } else {
            Attempt::Retry(error, None)
        }
    }
}

/// An error with its causes, as `{:#}` would print an `anyhow` error.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}

/// The wait the server asks for: `retry-after-ms` (OpenAI's), else
/// `Retry-After` in seconds. An HTTP-date `Retry-After` is ignored (the
/// backoff applies).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let number = |name: &str| {
        headers
            .get(name)?
            .to_str()
            .ok()?
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
    };
    if let Some(ms) = number("retry-after-ms") {
        return Duration::try_from_secs_f64(ms / 1000.0).ok();
    }
    number("retry-after").and_then(|s| Duration::try_from_secs_f64(s).ok())
}

/// A number in [0, 1) that differs from call to call: std's hasher is
/// randomly keyed, which is all the randomness jitter needs.
fn unit_random() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    // 53 bits fill an f64's mantissa exactly.
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn retry_after_prefers_milliseconds() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
        let mut h = HeaderMap::new();
        h.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", HeaderValue::from_static("-1"));
        assert_eq!(retry_after(&h), None);
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
            let u = unit_random();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
