//! One HTTP exchange with a model server, retried when retrying can help.
//!
//! Retried: 408, 429, 502, 503 and 504, timeouts and connection errors,
//! with exponential backoff and jitter, or after the wait the server names
//! (`retry-after-ms`, or `Retry-After` in seconds or as an HTTP-date). Not
//! retried: any other status. A 400, 413, 422 or 500 usually means one
//! input of the batch is bad (too long for the model, say); the batcher
//! then splits the batch to find it, so the other inputs keep their scores.

use std::time::{Duration, Instant};

/// How the client behaves, resolved from the parameters.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub url: String,
    pub api_key: Option<String>,
    pub timeout: Duration,
    pub max_retries: u32,
    pub retry_base: Duration,
    pub retry_max: Duration,
}

/// A successful exchange.
#[derive(Debug)]
pub(crate) struct Reply {
    pub body: String,
    pub attempts: u32,
    pub latency: Duration,
}

/// Why an exchange gave no reply.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum CallError {
    /// The server answered with a status not worth retrying, or kept
    /// answering with one that is until the retries ran out.
    #[error("the model server answered HTTP {status} after {attempts} attempt(s): {body}")]
    Status {
        status: u16,
        body: String,
        attempts: u32,
    },
    /// No HTTP exchange completed.
    #[error("could not reach the model server at {url} after {attempts} attempt(s): {message}")]
    Transport {
        url: String,
        message: String,
        attempts: u32,
    },
    /// Every attempt ran past the per-call timeout.
    #[error("the model call timed out after {timeout_ms} ms, {attempts} attempt(s)")]
    Timeout { timeout_ms: u64, attempts: u32 },
}

impl CallError {
    /// Whether the error may come from one bad input of the batch, so that
    /// smaller batches may succeed.
    pub fn may_be_one_input(&self) -> bool {
        matches!(
            self,
            CallError::Status {
                status: 400 | 413 | 422 | 500,
                ..
            }
        )
    }

    /// How many requests were made.
    pub fn attempts(&self) -> u32 {
        match self {
            CallError::Status { attempts, .. }
            | CallError::Transport { attempts, .. }
            | CallError::Timeout { attempts, .. } => *attempts,
        }
    }

    fn set_attempts(&mut self, n: u32) {
        match self {
            CallError::Status { attempts, .. }
            | CallError::Transport { attempts, .. }
            | CallError::Timeout { attempts, .. } => *attempts = n,
        }
    }
}

/// The result of one attempt.
enum Attempt {
    Done(String),
    /// Worth another try, after the server's wait when it named one.
    Retry(CallError, Option<Duration>),
    Fatal(CallError),
}

/// Bodies kept in errors are cut to this many bytes.
const BODY_PREVIEW: usize = 300;

/// The HTTP client of one aspect.
#[derive(Debug)]
pub(crate) struct Client {
    http: reqwest::Client,
    settings: Settings,
}

impl Client {
    /// A client. Fails only when the HTTP stack cannot start.
    pub fn new(settings: Settings) -> Result<Self, String> {
        #[cfg(feature = "tls")]
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // Another thread may win the race; either provider works.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let http = reqwest::Client::builder()
            .build()
            .map_err(|e| format!("could not build the HTTP client: {e}"))?;
        Ok(Self { http, settings })
    }

    /// Posts `body`, retrying as configured.
    pub async fn post(&self, body: Vec<u8>) -> Result<Reply, CallError> {
        let start = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
            match self.attempt(body.clone()).await {
                Attempt::Done(body) => {
                    return Ok(Reply {
                        body,
                        attempts,
                        latency: start.elapsed(),
                    });
                }
                Attempt::Retry(_, wait) if attempts <= self.settings.max_retries => {
                    tokio::time::sleep(wait.unwrap_or_else(|| self.backoff(attempts))).await;
                }
                Attempt::Retry(mut error, _) | Attempt::Fatal(mut error) => {
                    error.set_attempts(attempts);
                    return Err(error);
                }
            }
        }
    }

    /// Exponential backoff with equal jitter: between half and all of
    /// `retry_base · 2^(attempt-1)`, capped at `retry_max`.
    fn backoff(&self, attempt: u32) -> Duration {
        plaudit_core::http::backoff(self.settings.retry_base, self.settings.retry_max, attempt)
    }

    async fn attempt(&self, body: Vec<u8>) -> Attempt {
        let mut request = self
            .http
            .post(&self.settings.url)
            .timeout(self.settings.timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(key) = &self.settings.api_key {
            request = request.bearer_auth(key);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return self.send_error(&e),
        };
        let status = response.status();
        let wait = server_wait(response.headers(), std::time::SystemTime::now());
        let text = match response.text().await {
            Ok(t) => t,
            Err(e) => return self.send_error(&e),
        };
        if status.is_success() {
            return Attempt::Done(text);
        }
        let error = CallError::Status {
            status: status.as_u16(),
            body: plaudit_core::preview(text.trim(), BODY_PREVIEW),
            attempts: 0,
        };
        match status.as_u16() {
            408 | 429 | 502 | 503 | 504 => Attempt::Retry(error, wait),
            _ => Attempt::Fatal(error),
        }
    }

    fn send_error(&self, e: &reqwest::Error) -> Attempt {
        if e.is_timeout() {
            let timeout_ms = self
                .settings
                .timeout
                .as_millis()
                .try_into()
                .unwrap_or(u64::MAX);
            return Attempt::Retry(
                CallError::Timeout {
                    timeout_ms,
                    attempts: 0,
                },
                None,
            );
        }
        let error = CallError::Transport {
            url: self.settings.url.clone(),
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

/// The wait a response asks for ([`plaudit_core::http::retry_after`]:
/// `retry-after-ms`, else `Retry-After` as seconds or an HTTP-date).
fn server_wait(
    headers: &reqwest::header::HeaderMap,
    now: std::time::SystemTime,
) -> Option<Duration> {
    plaudit_core::http::retry_after(|name| headers.get(name)?.to_str().ok(), now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};
    use std::time::{SystemTime, UNIX_EPOCH};

    #[test]
    fn retry_after_prefers_milliseconds_and_reads_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(1_445_412_480 - 30);
        let mut h = HeaderMap::new();
        assert_eq!(server_wait(&h, now), None);
        h.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(server_wait(&h, now), Some(Duration::from_secs(2)));
        h.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(server_wait(&h, now), Some(Duration::from_millis(250)));
        let mut h = HeaderMap::new();
        h.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(server_wait(&h, now), Some(Duration::from_secs(30)));
        assert_eq!(server_wait(&h, SystemTime::now()), Some(Duration::ZERO));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let client = Client::new(Settings {
            url: "http://127.0.0.1:9/x".into(),
            api_key: None,
            timeout: Duration::from_secs(1),
            max_retries: 3,
            retry_base: Duration::from_millis(100),
            retry_max: Duration::from_millis(300),
        })
        .unwrap();
        for _ in 0..100 {
            let b1 = client.backoff(1);
            assert!(b1 >= Duration::from_millis(50) && b1 <= Duration::from_millis(100));
            let b2 = client.backoff(2);
            assert!(b2 >= Duration::from_millis(100) && b2 <= Duration::from_millis(200));
            let b9 = client.backoff(9);
            assert!(b9 >= Duration::from_millis(150) && b9 <= Duration::from_millis(300));
        }
    }

    #[test]
    fn only_input_dependent_statuses_are_split() {
        let status = |status| CallError::Status {
            status,
            body: String::new(),
            attempts: 1,
        };
        for s in [400, 413, 422, 500] {
            assert!(status(s).may_be_one_input(), "{s}");
        }
        for s in [401, 403, 404, 503] {
            assert!(!status(s).may_be_one_input(), "{s}");
        }
    }
}
