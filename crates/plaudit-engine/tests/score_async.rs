//! `Engine::score_async`: the same scores as `score_batch`, the same
//! watchdog, and what happens when the caller gives up on a batch.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use plaudit_core::spec::{Format, SpecSource};
use plaudit_core::{Aspect, Context, Evaluation, KindEntry, Registry, Sample, Status};
use plaudit_engine::Engine;

/// The response's length in bytes, for a value that differs by sample.
#[derive(Debug)]
struct Length;
impl Aspect for Length {
    fn evaluate(&self, s: &Sample, _: &Context) -> Evaluation {
        Evaluation::scored(s.response.text().len() as f64)
    }
}

/// Not applicable to responses containing "skip", 1 otherwise.
#[derive(Debug)]
struct Picky;
impl Aspect for Picky {
    fn evaluate(&self, s: &Sample, _: &Context) -> Evaluation {
        if s.response.text().contains("skip") {
            Evaluation::not_applicable("asked to skip")
        } else {
            Evaluation::scored(1.0)
        }
    }
}

/// Holds its worker without looking at its deadline: on responses
/// containing "hold" until `RELEASE` is set, on those containing "forever"
/// for good (20 s).
#[derive(Debug)]
struct Held;
static RELEASE: AtomicBool = AtomicBool::new(false);
impl Aspect for Held {
    fn evaluate(&self, s: &Sample, _: &Context) -> Evaluation {
        let text = s.response.text();
        if text.contains("hold") || text.contains("forever") {
            let until = Instant::now() + Duration::from_secs(20);
            while Instant::now() < until
                && !(text.contains("hold") && RELEASE.load(Ordering::SeqCst))
            {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        Evaluation::scored(1.0)
    }
}

/// Counts its evaluations of responses containing "count".
#[derive(Debug)]
struct Counted;
static COUNTED: AtomicUsize = AtomicUsize::new(0);
impl Aspect for Counted {
    fn evaluate(&self, s: &Sample, _: &Context) -> Evaluation {
        if s.response.text().contains("count") {
            COUNTED.fetch_add(1, Ordering::SeqCst);
        }
        Evaluation::scored(1.0)
    }
}

fn engine(spec: &str, threads: usize) -> Engine {
    let mut r = Registry::new();
    r.register(KindEntry {
        kind: "test.length",
        summary: "",
        version: 1,
        build: |_, _| Ok(Box::new(Length)),
    });
    r.register(KindEntry {
        kind: "test.picky",
        summary: "",
        version: 1,
        build: |_, _| Ok(Box::new(Picky)),
    });
    r.register(KindEntry {
        kind: "test.held",
        summary: "",
        version: 1,
        build: |_, _| Ok(Box::new(Held)),
    });
    r.register(KindEntry {
        kind: "test.counted",
        summary: "",
        version: 1,
        build: |_, _| Ok(Box::new(Counted)),
    });
    Engine::builder()
        .registry(r)
        .threads(threads)
        .build(&SpecSource::from_text("spec.toml", spec, Format::Toml))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// What a score says, without the latencies.
fn summary(s: &plaudit_core::Score) -> String {
    let aspects: Vec<String> = s
        .aspects
        .iter()
        .map(|a| format!("{}={:?}", a.name, a.outcome()))
        .collect();
    format!(
        "{} {:?} {:?} {:?} [{}]",
        s.id,
        s.reward,
        s.raw_reward,
        s.error,
        aspects.join(", ")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_scores_are_the_blocking_scores() {
    let e = engine(
        r#"
name = "same"
on_missing = "skip"
[combine]
normalize = "group_zscore"
[[aspect]]
name = "length"
kind = "test.length"
weight = 0.5
[[aspect]]
name = "picky"
kind = "test.picky"
"#,
        2,
    );
    assert!(e.can_score_async());
    let batch: Vec<Sample> = (0..300)
        .map(|i| {
            let text = if i % 7 == 0 {
                format!("skip {i}")
            } else {
                "y".repeat(i % 13)
            };
            Sample::new(format!("s{i}"), text).with_group(format!("g{}", i % 10))
        })
        .collect();
    let blocking: Vec<String> = e.score_batch(batch.clone()).iter().map(summary).collect();
    let waited: Vec<String> = e.score_async(batch).await.iter().map(summary).collect();
    assert_eq!(waited, blocking);
    assert!(e.score_async(Vec::new()).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_scoring_gives_up_on_an_aspect_that_never_returns() {
    let e = engine(
        r#"
name = "deadline"
[[aspect]]
name = "held"
kind = "test.held"
timeout_ms = 50
on_missing = "zero"
[[aspect]]
name = "picky"
kind = "test.picky"
"#,
        2,
    );
    let mut batch: Vec<Sample> = (0..100)
        .map(|i| Sample::new(format!("s{i}"), "x"))
        .collect();
    batch[41] = Sample::new("stuck", "held forever");
    let scores = tokio::time::timeout(Duration::from_secs(15), e.score_async(batch))
        .await
        .expect("the batch ends although one aspect never returns");
    assert_eq!(scores.len(), 100);
    let stuck = &scores[41];
    assert_eq!(stuck.id, "stuck");
    let held = stuck.aspect("held").unwrap();
    assert_eq!(held.outcome().status(), Status::TimedOut);
    assert!(held.evaluation.details.contains_key("abandoned"));
    assert_eq!(stuck.reward, Some(1.0), "its other aspect still ran");
    for (i, s) in scores.iter().enumerate().filter(|(i, _)| *i != 41) {
        assert_eq!(s.reward, Some(2.0), "sample {i}");
    }
    let again = e.score_async(vec![Sample::new("after", "x")]).await;
    assert_eq!(
        again[0].reward,
        Some(2.0),
        "a fresh pool scores what comes next"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_batch_stops_and_its_held_worker_is_still_given_up_on() {
    // One worker, so that the held sample holds the whole pool.
    let e = engine(
        r#"
name = "dropped"
[[aspect]]
name = "held"
kind = "test.held"
timeout_ms = 50
[[aspect]]
name = "counted"
kind = "test.counted"
"#,
        1,
    );
    let mut batch: Vec<Sample> = (0..64)
        .map(|i| Sample::new(format!("s{i}"), "count me"))
        .collect();
    batch[0] = Sample::new("first", "hold on");
    // The caller gives up while the first sample holds the only worker.
    let gave_up = tokio::time::timeout(Duration::from_millis(100), e.score_async(batch)).await;
    assert!(gave_up.is_err(), "the held sample cannot finish");
    // The dropped batch is still watched: its held worker is given up on
    // and the next batch runs on a fresh pool, before the hold ends.
    let next = tokio::time::timeout(
        Duration::from_secs(15),
        e.score_async(vec![Sample::new("next", "count this one")]),
    )
    .await
    .expect("the next batch does not wait for the held worker");
    assert_eq!(next[0].reward, Some(2.0));
    assert_eq!(
        COUNTED.load(Ordering::SeqCst),
        1,
        "none of the dropped batch's other samples was evaluated"
    );
    RELEASE.store(true, Ordering::SeqCst);
}
