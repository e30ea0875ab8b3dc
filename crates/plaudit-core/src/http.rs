//! What every HTTP client of plaudit (the judges', the served reward
//! models') does the same way: check the base URL a spec gives, back off
//! exponentially with jitter when a call fails, wait as long as a server's
//! `Retry-After` asks, and describe the error with its causes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::BuildError;

mod retry_after;

pub use retry_after::retry_after;

/// Checks a spec's `base_url`: `http://` or `https://`, the latter only
/// when the client was built with TLS (`tls`, the feature of `crate_name`
/// that enables it).
pub fn check_base_url(url: &str, tls: bool, crate_name: &str) -> Result<(), BuildError> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(BuildError::param(
            "base_url",
            format!("the base URL {url:?} must start with http:// or https://"),
        ));
    }
    if url.starts_with("https://") && !tls {
        return Err(BuildError::param(
            "base_url",
            format!("the base URL {url:?} needs TLS: build {crate_name} with its `tls` feature"),
        ));
    }
    Ok(())
}

/// Exponential backoff with equal jitter: between half and all of
/// `base · 2^(attempt-1)`, capped at `max`.
pub fn backoff(base: Duration, max: Duration, attempt: u32) -> Duration {
    let exp = base
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(max);
    exp.mul_f64(0.5 + 0.5 * unit_random())
}

/// A number in [0, 1) that differs from call to call: std's hasher is
/// randomly keyed, which is all the randomness jitter needs.
pub fn unit_random() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    // 53 bits fill an f64's mantissa exactly.
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// An error with its causes, as `{:#}` prints an `anyhow` error.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_equal_jitter_up_to_the_cap() {
        let (base, max) = (Duration::from_millis(100), Duration::from_secs(1));
        for _ in 0..100 {
            let b1 = backoff(base, max, 1);
            assert!(b1 >= Duration::from_millis(50) && b1 <= base, "{b1:?}");
            let b3 = backoff(base, max, 3);
            assert!(b3 >= Duration::from_millis(200) && b3 <= Duration::from_millis(400));
            let b40 = backoff(base, max, 40);
            assert!(b40 >= max / 2 && b40 <= max, "{b40:?}");
        }
        let u: Vec<f64> = (0..1000).map(|_| unit_random()).collect();
        assert!(u.iter().all(|x| (0.0..1.0).contains(x)));
        assert!(u.iter().any(|&x| x < 0.5) && u.iter().any(|&x| x >= 0.5));
    }

    #[test]
    fn base_urls_need_a_scheme_and_tls_for_https() {
        assert!(check_base_url("http://localhost:8000", false, "c").is_ok());
        assert!(check_base_url("https://api.example.com", true, "c").is_ok());
        let e = check_base_url("localhost:8000", true, "c").unwrap_err();
        assert!(e.to_string().contains("must start with http://"), "{e}");
        let e = check_base_url("https://api.example.com", false, "plaudit-x").unwrap_err();
        assert!(
            e.to_string()
                .contains("build plaudit-x with its `tls` feature"),
            "{e}"
        );
    }

    #[test]
    fn error_chains_name_every_cause() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("request failed")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let e = Outer(std::io::Error::other("connection refused"));
        assert_eq!(error_chain(&e), "request failed: connection refused");
    }
}
