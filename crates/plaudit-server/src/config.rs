//! What a server serves and the limits it enforces.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use plaudit_engine::Engine;

use crate::ServerError;

/// The end-of-turn and padding tokens stripped from the end of an OpenRLHF
/// `query` by default (see [`plaudit_core::turn`]).
pub use plaudit_core::turn::DEFAULT_EOT_TOKENS;

/// Everything [`serve`](crate::serve) needs: the specs to serve and the
/// limits that keep the service safe under load.
///
/// Build one with [`ServerConfig::new`], which sets every default, then
/// change the fields that differ.
#[derive(Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The address to listen on. Default: `127.0.0.1:8000`. Anything but a
    /// loopback address requires a [`token`](Self::token).
    pub bind: SocketAddr,
    /// The specs, by the name used for routing (`/v1/score/{name}`,
    /// `/{name}/get_reward`, a `data_source` field). The first is the
    /// default, used when a request names none. At least one is required.
    pub specs: Vec<(String, Arc<Engine>)>,
    /// A bearer token every request but `GET /health` must carry
    /// (`Authorization: Bearer TOKEN`). Default: none, which only a loopback
    /// address allows.
    pub token: Option<String>,
    /// The largest request body accepted; larger ones get 413. Default: 64 MiB.
    pub max_body_bytes: usize,
    /// How long a scoring request may take, reading its body included;
    /// slower ones get 504. Default: 60 s (above the engine's default
    /// per-aspect deadline of 10 s, so an aspect deadline, reported per
    /// sample, normally comes first).
    pub request_timeout: Duration,
    /// How many scoring requests run at once; more get 503 with
    /// `Retry-After` at once rather than queueing behind the work. Default:
    /// 64.
    pub max_in_flight: usize,
    /// The `Retry-After` of a 503, in seconds. Default: 1.
    pub retry_after_secs: u64,
    /// How many scoring requests are handled on blocking threads at once
    /// (bodies over 32 KiB, and every request when a spec blocks: a result
    /// cache, group aspects); the others wait their turn, their
    /// `request_timeout` running, without holding a thread. Default (`None`):
    /// four per evaluation the busiest engine runs at once ([`Engine::workers`]),
    /// at most `max_in_flight`: enough to keep the workers busy while
    /// other requests are parsed and answered, few enough that their data
    /// stays in the caches. On 2 cores, 64 at once served 256-sample
    /// batches 10–15% slower than 4 or 8 (`bench/RESULTS.md`).
    pub max_blocking: Option<usize>,
    /// Tokens stripped (repeatedly, with whitespace between them) from the
    /// end of an OpenRLHF `query` after the prompt is removed. Default:
    /// [`DEFAULT_EOT_TOKENS`].
    pub eot_tokens: Vec<String>,
    /// The number reported by the protocols that need a number (OpenRLHF,
    /// slime, NeMo-Gym) for a sample without a reward (an aspect whose
    /// `on_missing` is `fail` did not score); each of them also reports the
    /// error beside it. The native API reports `null`. Default: 0.0.
    pub missing_reward: f64,
    /// How long a graceful shutdown waits for in-flight requests before it
    /// gives up on them. Default: 65 s (the request timeout and a margin).
    pub shutdown_timeout: Duration,
    /// How long a client may take to send a request's headers before its
    /// connection is closed, so that connections trickling bytes (slowloris)
    /// cannot pile up. Default: 30 s.
    pub header_read_timeout: Duration,
}

impl ServerConfig {
    /// A configuration serving `specs` (the first is the default) with
    /// every other field at its default.
    pub fn new(specs: Vec<(String, Arc<Engine>)>) -> Self {
        Self {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 8000)),
            specs,
            token: None,
            max_body_bytes: 64 << 20,
            request_timeout: Duration::from_secs(60),
            max_in_flight: 64,
            retry_after_secs: 1,
            max_blocking: None,
            eot_tokens: DEFAULT_EOT_TOKENS.iter().map(|t| t.to_string()).collect(),
            missing_reward: 0.0,
            shutdown_timeout: Duration::from_secs(65),
            header_read_timeout: Duration::from_secs(30),
        }
    }

    /// Checks that the configuration can work, as if listening on `bind`.
    pub fn validate(&self) -> Result<(), ServerError> {
        self.validate_for(self.bind)
    }

    /// Checks the configuration for listening on `addr` (which may differ
    /// from [`bind`](Self::bind) when the caller bound the listener).
    pub(crate) fn validate_for(&self, addr: SocketAddr) -> Result<(), ServerError> {
        let invalid = |field, message: String| Err(ServerError::Invalid { field, message });
        if self.specs.is_empty() {
            return invalid("specs", "no spec to serve".into());
        }
        for (i, (name, _)) in self.specs.iter().enumerate() {
            if name.is_empty() || name.len() > 256 {
                return invalid(
                    "specs",
                    format!("spec name {name:?} must have 1 to 256 bytes"),
                );
            }
            if name.chars().any(|c| c.is_control() || c.is_whitespace()) {
                return invalid(
                    "specs",
                    format!("spec name {name:?} must not hold whitespace or control characters"),
                );
            }
            if self.specs[..i].iter().any(|(n, _)| n == name) {
                return invalid("specs", format!("spec name {name:?} is used twice"));
            }
        }
        match &self.token {
            Some(t) if t.is_empty() => return invalid("token", "the token is empty".into()),
            // A token a header cannot carry could never be presented.
            Some(t) if !t.bytes().all(|b| b.is_ascii_graphic()) => {
                return invalid(
                    "token",
                    "the token must be printable ASCII without spaces".into(),
                );
            }
            Some(_) => {}
            None if !addr.ip().is_loopback() => return Err(ServerError::InsecureBind { addr }),
            None => {}
        }
        if self.max_body_bytes == 0 {
            return invalid("max_body_bytes", "must be at least 1".into());
        }
        if self.max_in_flight == 0 {
            return invalid("max_in_flight", "must be at least 1".into());
        }
        if self.max_blocking == Some(0) {
            return invalid("max_blocking", "must be at least 1".into());
        }
        if self.request_timeout.is_zero() {
            return invalid("request_timeout", "must be longer than zero".into());
        }
        if self.header_read_timeout.is_zero() {
            return invalid("header_read_timeout", "must be longer than zero".into());
        }
        if !self.missing_reward.is_finite() {
            return invalid(
                "missing_reward",
                format!("must be a finite number, not {}", self.missing_reward),
            );
        }
        if self.eot_tokens.iter().any(String::is_empty) {
            return invalid("eot_tokens", "an end-of-turn token is empty".into());
        }
        Ok(())
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let specs: Vec<&str> = self.specs.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("ServerConfig")
            .field("bind", &self.bind)
            .field("specs", &specs)
            // The token is a secret: logs must not hold it.
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("max_body_bytes", &self.max_body_bytes)
            .field("request_timeout", &self.request_timeout)
            .field("max_in_flight", &self.max_in_flight)
            .field("retry_after_secs", &self.retry_after_secs)
            .field("eot_tokens", &self.eot_tokens)
            .field("missing_reward", &self.missing_reward)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("header_read_timeout", &self.header_read_timeout)
            .finish()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use plaudit_core::spec::{Format, SpecSource};

    pub(crate) fn engine() -> Arc<Engine> {
        let text = "name = \"t\"\n[[aspect]]\nname = \"exact\"\nkind = \"match.exact\"\n";
        let source = SpecSource::from_text("<test>", text, Format::Toml);
        Arc::new(Engine::builder().threads(1).build(&source).unwrap())
    }

    pub(crate) fn config() -> ServerConfig {
        ServerConfig::new(vec![("t".into(), engine())])
    }

    fn error(config: &ServerConfig) -> String {
        config.validate().unwrap_err().to_string()
    }

    #[test]
    fn defaults_are_valid_and_loopback() {
        let c = config();
        c.validate().unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:8000");
        assert_eq!(c.max_body_bytes, 64 << 20);
    }

    #[test]
    fn non_loopback_needs_a_token() {
        let mut c = config();
        c.bind = "0.0.0.0:8000".parse().unwrap();
        assert_eq!(
            error(&c),
            "refusing to bind 0.0.0.0:8000 without a token: anyone who can reach this address could \
             use the reward service; set a bearer token or bind a loopback address such as 127.0.0.1"
        );
        c.token = Some("t0k3n".into());
        c.validate().unwrap();
        c.bind = "[::1]:0".parse().unwrap();
        c.token = None;
        c.validate().unwrap();
    }

    #[test]
    fn bad_settings_name_the_field() {
        let mut c = config();
        c.specs.push(("t".into(), engine()));
        assert_eq!(
            error(&c),
            "invalid server setting `specs`: spec name \"t\" is used twice"
        );
        let mut c = config();
        c.specs[0].0 = "a b".into();
        assert!(error(&c).contains("must not hold whitespace"));
        let mut c = config();
        c.specs.clear();
        assert_eq!(
            error(&c),
            "invalid server setting `specs`: no spec to serve"
        );
        let mut c = config();
        c.token = Some(String::new());
        assert_eq!(
            error(&c),
            "invalid server setting `token`: the token is empty"
        );
        let mut c = config();
        c.token = Some("has space".into());
        assert!(error(&c).contains("printable ASCII"));
        let mut c = config();
        c.max_in_flight = 0;
        assert_eq!(
            error(&c),
            "invalid server setting `max_in_flight`: must be at least 1"
        );
        let mut c = config();
        c.missing_reward = f64::NAN;
        assert_eq!(
            error(&c),
            "invalid server setting `missing_reward`: must be a finite number, not NaN"
        );
        let mut c = config();
        c.eot_tokens.push(String::new());
        assert!(error(&c).contains("`eot_tokens`"));
    }

    #[test]
    fn debug_hides_the_token() {
        let mut c = config();
        c.token = Some("hunter2".into());
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }
}
