//! Requests-per-minute and tokens-per-minute limits: token buckets that a
//! call draws from before it is sent, so that a batch of thousands of
//! samples stays within a provider's quota instead of collecting 429s.

use std::time::Duration;

use tokio::time::Instant;

use tokio::sync::Mutex;

/// A bucket holding up to one minute's allowance, refilled continuously.
#[derive(Debug)]
pub(crate) struct Bucket {
    per_second: f64,
    capacity: f64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    available: f64,
    at: Instant,
}

impl Bucket {
    /// A bucket allowing `per_minute` units a minute, full at the start.
    pub(crate) fn per_minute(per_minute: u32) -> Self {
        let capacity = f64::from(per_minute.max(1));
        Self {
            per_second: capacity / 60.0,
            capacity,
            state: Mutex::new(State {
                available: capacity,
                at: Instant::now(),
            }),
        }
    }

    /// Waits until `n` units are available and takes them. A request larger
    /// than the whole allowance waits for a full bucket rather than for ever.
    pub(crate) async fn take(&self, n: f64) {
        let n = n.min(self.capacity);
        loop {
            let wait = {
                let mut s = self.state.lock().await;
                self.refill(&mut s);
                if s.available >= n {
                    s.available -= n;
                    return;
                }
                Duration::from_secs_f64((n - s.available) / self.per_second)
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Settles a call's estimate against what it used: the difference is
    /// returned to the bucket, or taken from it (possibly below zero, so
    /// that later calls wait for it).
    pub(crate) async fn settle(&self, estimated: f64, used: f64) {
        let mut s = self.state.lock().await;
        self.refill(&mut s);
        s.available = (s.available + estimated - used).min(self.capacity);
    }

    fn refill(&self, s: &mut State) {
        let now = Instant::now();
        let elapsed = now.saturating_duration_since(s.at).as_secs_f64();
        s.available = (s.available + elapsed * self.per_second).min(self.capacity);
        s.at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_full_bucket_then_the_refill_rate() {
        // 60 a minute: 60 at once, then one a second.
        let b = Bucket::per_minute(60);
        let start = tokio::time::Instant::now();
        for _ in 0..60 {
            b.take(1.0).await;
        }
        assert!(start.elapsed() < Duration::from_millis(1));
        b.take(1.0).await;
        b.take(1.0).await;
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(1900) && waited <= Duration::from_millis(2100),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn estimates_are_settled_and_huge_requests_do_not_hang() {
        let b = Bucket::per_minute(600);
        b.take(600.0).await;
        // It used 100 less than estimated: those come back at once.
        b.settle(600.0, 500.0).await;
        let start = tokio::time::Instant::now();
        b.take(100.0).await;
        assert!(start.elapsed() < Duration::from_millis(1));
        // More than a minute's allowance waits for a full bucket only.
        b.take(10_000.0).await;
        assert!(start.elapsed() <= Duration::from_secs(61));
    }
}
