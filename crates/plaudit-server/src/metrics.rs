//! Prometheus metrics, kept in atomics so that counting costs the hot path
//! a few relaxed increments, and rendered in the text exposition format.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use plaudit_core::{Score, Status};

/// Every route template of the router, in the order their metrics are
/// kept; requests matching none count as `unmatched`.
pub(crate) const ROUTES: &[&str] = &[
    "/health",
    "/metrics",
    "/openapi.json",
    "/v1/specs",
    "/v1/score",
    "/v1/score/{spec}",
    "/get_reward",
    "/{spec}/get_reward",
    "/reward",
    "/{spec}/reward",
    "/verify",
    "/{spec}/verify",
    "unmatched",
];

/// How full the server's limits are, for [`Metrics::render`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Occupancy {
    pub(crate) scoring_in_flight: usize,
    pub(crate) max_in_flight: usize,
    pub(crate) blocking_in_use: usize,
    pub(crate) blocking_waiting: usize,
    pub(crate) max_blocking: usize,
}

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Status codes 100–599 each get a counter: a fixed array is cheaper than a
/// locked map and exact for every code a response can carry.
const CODES: usize = 500;

#[derive(Debug)]
struct RouteMetrics {
    by_code: Box<[AtomicU64]>,
    /// Non-cumulative counts per bucket; the last is +Inf.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_us: AtomicU64,
}

#[derive(Debug)]
struct AspectMetrics {
    name: Arc<str>,
    outcomes: [AtomicU64; 4],
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
}

#[derive(Debug)]
struct SpecMetrics {
    name: String,
    samples: AtomicU64,
    rewards_missing: AtomicU64,
    cache_errors: AtomicU64,
    aspects: Vec<AspectMetrics>,
}

/// The server's counters.
#[derive(Debug)]
pub(crate) struct Metrics {
    routes: Vec<RouteMetrics>,
    specs: Vec<SpecMetrics>,
    in_flight: AtomicI64,
}

fn status_index(s: Status) -> usize {
    match s {
        Status::Scored => 0,
        Status::NotApplicable => 1,
        Status::Failed => 2,
        Status::TimedOut => 3,
    }
}

impl Metrics {
    pub(crate) fn new(specs: impl Iterator<Item = (String, Vec<Arc<str>>)>) -> Self {
        let routes = ROUTES
            .iter()
            .map(|_| RouteMetrics {
                by_code: (0..CODES).map(|_| AtomicU64::new(0)).collect(),
                buckets: Default::default(),
                sum_us: AtomicU64::new(0),
            })
            .collect();
        let specs = specs
            .map(|(name, aspects)| SpecMetrics {
                name,
                samples: AtomicU64::new(0),
                rewards_missing: AtomicU64::new(0),
                cache_errors: AtomicU64::new(0),
                aspects: aspects
                    .into_iter()
                    .map(|name| AspectMetrics {
                        name,
                        outcomes: Default::default(),
                        cache_hits: AtomicU64::new(0),
                        cache_misses: AtomicU64::new(0),
                    })
                    .collect(),
            })
            .collect();
        Self {
            routes,
            specs,
            in_flight: AtomicI64::new(0),
        }
    }

    /// The index of `template`, which must be in [`ROUTES`] (checked when
    /// compiling a constant).
    pub(crate) const fn route_of(template: &str) -> usize {
        let mut i = 0;
        while i < ROUTES.len() {
            if ROUTES[i].len() == template.len() {
                let (a, b) = (ROUTES[i].as_bytes(), template.as_bytes());
                let mut k = 0;
                while k < a.len() && a[k] == b[k] {
                    k += 1;
                }
                if k == a.len() {
                    return i;
                }
            }
            i += 1;
        }
        panic!("not a route template of ROUTES");
    }

    /// The index of a route template (from `MatchedPath`) in [`ROUTES`].
    pub(crate) fn route_index(template: Option<&str>) -> usize {
        template
            .and_then(|t| ROUTES.iter().position(|r| *r == t))
            .unwrap_or(ROUTES.len() - 1)
    }

    pub(crate) fn request_started(&self) {
        self.in_flight.fetch_add(1, Relaxed);
    }

    pub(crate) fn request_finished(&self, route: usize, code: u16, elapsed: Duration) {
        self.in_flight.fetch_sub(1, Relaxed);
        let r = &self.routes[route];
        if let Some(c) = (code as usize)
            .checked_sub(100)
            .and_then(|i| r.by_code.get(i))
        {
            c.fetch_add(1, Relaxed);
        }
        let secs = elapsed.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|&b| secs <= b)
            .unwrap_or(BUCKETS.len());
        r.buckets[bucket].fetch_add(1, Relaxed);
        let us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        r.sum_us.fetch_add(us, Relaxed);
    }

    /// Counts cache failures of a spec's engine (scoring went on without the
    /// cache).
    pub(crate) fn record_cache_errors(&self, spec: usize, n: usize) {
        self.specs[spec].cache_errors.fetch_add(n as u64, Relaxed);
    }

    pub(crate) fn record_scores(&self, spec: usize, scores: &[Score]) {
        let m = &self.specs[spec];
        m.samples.fetch_add(scores.len() as u64, Relaxed);
        let missing = scores.iter().filter(|s| s.reward.is_none()).count();
        m.rewards_missing.fetch_add(missing as u64, Relaxed);
        // Counting per batch first keeps the shared atomics out of the
        // per-sample loop.
        for (i, a) in m.aspects.iter().enumerate() {
            let mut outcomes = [0u64; 4];
            let (mut hits, mut misses) = (0u64, 0u64);
            for s in scores {
                let Some(r) = s.aspects.get(i) else { continue };
                outcomes[status_index(r.outcome().status())] += 1;
                match r.cache_hit {
                    Some(true) => hits += 1,
                    Some(false) => misses += 1,
                    None => {}
                }
            }
            for (counter, n) in a.outcomes.iter().zip(outcomes) {
                if n > 0 {
                    counter.fetch_add(n, Relaxed);
                }
            }
            // Adding zero would still write to a line the other threads
            // use; without a cache every request added zeros here.
            if hits > 0 {
                a.cache_hits.fetch_add(hits, Relaxed);
            }
            if misses > 0 {
                a.cache_misses.fetch_add(misses, Relaxed);
            }
        }
    }

    /// A counter family with one sample per spec.
    fn per_spec_counter(
        &self,
        out: &mut String,
        name: &str,
        help: &str,
        counter: impl Fn(&SpecMetrics) -> &AtomicU64,
    ) {
        header(out, name, "counter", help);
        for s in &self.specs {
            let _ = writeln!(
                out,
                "{name}{{spec=\"{}\"}} {}",
                escape(&s.name),
                counter(s).load(Relaxed)
            );
        }
    }

    /// The text exposition format, version 0.0.4.
    pub(crate) fn render(&self, occupancy: &Occupancy) -> String {
        let Occupancy {
            scoring_in_flight,
            max_in_flight,
            blocking_in_use,
            blocking_waiting,
            max_blocking,
        } = *occupancy;
        let mut out = String::with_capacity(4096);
        header(
            &mut out,
            "plaudit_http_requests_total",
            "counter",
            "HTTP requests answered, by route template and status code.",
        );
        for (route, r) in ROUTES.iter().zip(&self.routes) {
            for (i, c) in r.by_code.iter().enumerate() {
                let n = c.load(Relaxed);
                if n > 0 {
                    let _ = writeln!(
                        out,
                        "plaudit_http_requests_total{{route=\"{}\",code=\"{}\"}} {n}",
                        escape(route),
                        i + 100
                    );
                }
            }
        }
        header(
            &mut out,
            "plaudit_http_request_duration_seconds",
            "histogram",
            "Time to answer a request, by route template.",
        );
        for (route, r) in ROUTES.iter().zip(&self.routes) {
            let counts: Vec<u64> = r.buckets.iter().map(|b| b.load(Relaxed)).collect();
            let total: u64 = counts.iter().sum();
            if total == 0 {
                continue;
            }
            let route = escape(route);
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(&counts) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "plaudit_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "plaudit_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {total}"
            );
            let sum = r.sum_us.load(Relaxed) as f64 / 1e6;
            let _ = writeln!(
                out,
                "plaudit_http_request_duration_seconds_sum{{route=\"{route}\"}} {sum}"
            );
            let _ = writeln!(
                out,
                "plaudit_http_request_duration_seconds_count{{route=\"{route}\"}} {total}"
            );
        }
        gauge(
            &mut out,
            "plaudit_http_requests_in_flight",
            "HTTP requests being answered now.",
            self.in_flight.load(Relaxed).max(0),
        );
        gauge(
            &mut out,
            "plaudit_scoring_in_flight",
            "Scoring requests holding one of the max_in_flight slots (a request past its deadline holds its slot until its work ends).",
            scoring_in_flight,
        );
        gauge(
            &mut out,
            "plaudit_scoring_capacity",
            "The max_in_flight setting.",
            max_in_flight,
        );
        gauge(
            &mut out,
            "plaudit_blocking_in_use",
            "Scoring requests being handled on blocking threads, each holding one of the max_blocking turns until its work ends.",
            blocking_in_use,
        );
        gauge(
            &mut out,
            "plaudit_blocking_waiting",
            "Scoring requests waiting for a turn on a blocking thread.",
            blocking_waiting,
        );
        gauge(
            &mut out,
            "plaudit_blocking_capacity",
            "The max_blocking setting.",
            max_blocking,
        );
        self.per_spec_counter(
            &mut out,
            "plaudit_samples_scored_total",
            "Samples scored, by spec.",
            |s| &s.samples,
        );
        self.per_spec_counter(
            &mut out,
            "plaudit_rewards_missing_total",
            "Samples that got no reward (an aspect with on_missing = fail did not score), by spec.",
            |s| &s.rewards_missing,
        );
        self.per_spec_counter(
            &mut out,
            "plaudit_cache_errors_total",
            "Result-cache reads or writes that failed (scoring went on without the cache), by spec.",
            |s| &s.cache_errors,
        );
        header(
            &mut out,
            "plaudit_aspect_outcomes_total",
            "counter",
            "Aspect evaluations, by spec, aspect and outcome status.",
        );
        for s in &self.specs {
            for a in &s.aspects {
                for status in Status::ALL {
                    let n = a.outcomes[status_index(status)].load(Relaxed);
                    let _ = writeln!(
                        out,
                        "plaudit_aspect_outcomes_total{{spec=\"{}\",aspect=\"{}\",status=\"{status}\"}} {n}",
                        escape(&s.name),
                        escape(&a.name)
                    );
                }
            }
        }
        header(
            &mut out,
            "plaudit_aspect_cache_total",
            "counter",
            "Result-cache lookups of cached aspects, by spec, aspect and result.",
        );
        for s in &self.specs {
            for a in &s.aspects {
                for (result, n) in [("hit", &a.cache_hits), ("miss", &a.cache_misses)] {
                    let _ = writeln!(
                        out,
                        "plaudit_aspect_cache_total{{spec=\"{}\",aspect=\"{}\",result=\"{result}\"}} {}",
                        escape(&s.name),
                        escape(&a.name),
                        n.load(Relaxed)
                    );
                }
            }
        }
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A gauge with no labels: its header and its one value.
fn gauge(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    header(out, name, "gauge", help);
    let _ = writeln!(out, "{name} {value}");
}

/// Escapes a label value as the exposition format requires.
fn escape(value: &str) -> String {
    let mut s = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative_and_counts_match() {
        let m = Metrics::new(std::iter::empty());
        let route = Metrics::route_index(Some("/get_reward"));
        m.request_started();
        m.request_finished(route, 200, Duration::from_micros(300));
        m.request_started();
        m.request_finished(route, 400, Duration::from_millis(20));
        let text = m.render(&Occupancy {
            max_in_flight: 4,
            blocking_in_use: 1,
            blocking_waiting: 2,
            max_blocking: 3,
            ..Occupancy::default()
        });
        assert!(
            text.contains("plaudit_http_requests_total{route=\"/get_reward\",code=\"200\"} 1"),
            "{text}"
        );
        assert!(text.contains("plaudit_http_requests_total{route=\"/get_reward\",code=\"400\"} 1"));
        assert!(text.contains(
            "plaudit_http_request_duration_seconds_bucket{route=\"/get_reward\",le=\"0.0005\"} 1"
        ));
        assert!(text.contains(
            "plaudit_http_request_duration_seconds_bucket{route=\"/get_reward\",le=\"0.025\"} 2"
        ));
        assert!(text.contains(
            "plaudit_http_request_duration_seconds_bucket{route=\"/get_reward\",le=\"+Inf\"} 2"
        ));
        assert!(
            text.contains("plaudit_http_request_duration_seconds_count{route=\"/get_reward\"} 2")
        );
        assert!(text.contains("plaudit_http_requests_in_flight 0"));
        assert!(text.contains("plaudit_scoring_capacity 4"));
        assert!(text.contains("plaudit_blocking_in_use 1"));
        assert!(text.contains("plaudit_blocking_waiting 2"));
        assert!(text.contains("plaudit_blocking_capacity 3"));
    }

    #[test]
    fn unknown_templates_count_as_unmatched() {
        assert_eq!(Metrics::route_index(None), ROUTES.len() - 1);
        assert_eq!(Metrics::route_index(Some("/nope")), ROUTES.len() - 1);
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
