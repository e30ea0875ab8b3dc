//! The engine end to end on test aspects: gates, missing outcomes, deadlines,
//! panics, the SQLite cache, size limits and group normalization.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use plaudit_core::spec::{Format, SpecSource};
use plaudit_core::{
    Aspect, BuildError, Context, Cost, Evaluation, KindEntry, Registry, Sample, Status,
};
use plaudit_engine::{Cache, Engine, Keep};
use serde::Deserialize;
use serde_json::json;

/// `value` if the response contains `needle`, else 0.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Contains {
    needle: String,
    #[serde(default = "one")]
    value: f64,
}
fn one() -> f64 {
    1.0
}

impl Aspect for Contains {
    fn evaluate(&self, s: &Sample, _: &Context) -> Evaluation {
        let hit = s.response.text().contains(&self.needle);
        Evaluation::scored(if hit { self.value } else { 0.0 })
    }
}

/// Sleeps without looking at its deadline, for responses containing "slow".
#[derive(Debug)]
struct Sleepy;
impl Aspect for Sleepy {
    fn evaluate(&self, s: &Sample, _: &Context) -> Evaluation {
        if s.response.text().contains("slow") {
            std::thread::sleep(Duration::from_secs(20));
        }
        Evaluation::scored(1.0)
    }
}

/// Panics on responses containing "boom".
#[derive(Debug)]
struct Fragile;
impl Aspect for Fragile {
    fn evaluate(&self, s: &Sample, _: &Context) -> Evaluation {
        assert!(!s.response.text().contains("boom"), "boom in the response");
        Evaluation::scored(1.0)
    }
}

/// Not applicable without a reference; counts its evaluations.
#[derive(Debug)]
struct Counted(&'static AtomicUsize);
impl Aspect for Counted {
    fn evaluate(&self, s: &Sample, _: &Context) -> Evaluation {
        self.0.fetch_add(1, Ordering::SeqCst);
        match s.reference_answers() {
            Some(r) => Evaluation::scored(if r.iter().any(|r| r == s.response.text()) {
                1.0
            } else {
                0.0
            }),
            None => Evaluation::not_applicable("no reference"),
        }
    }
    fn cost(&self) -> Cost {
        Cost::Expensive
    }
}

/// Waits 20 ms as a remote call would, counting how many of its
/// evaluations are in flight at once; asks the engine for 32.
#[derive(Debug)]
struct Waits;
static WAITING_NOW: AtomicUsize = AtomicUsize::new(0);
static WAITING_MAX: AtomicUsize = AtomicUsize::new(0);
impl Aspect for Waits {
    fn evaluate(&self, _: &Sample, _: &Context) -> Evaluation {
        let now = WAITING_NOW.fetch_add(1, Ordering::SeqCst) + 1;
        WAITING_MAX.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(20));
        WAITING_NOW.fetch_sub(1, Ordering::SeqCst);
        Evaluation::scored(1.0)
    }
    fn concurrency(&self) -> usize {
        32
    }
}

/// The response's length, with details that say whether they were wanted.
#[derive(Debug)]
struct Explains {
    expensive: bool,
}
impl Aspect for Explains {
    fn evaluate(&self, s: &Sample, _: &Context) -> Evaluation {
        Evaluation::scored(s.response.text().len() as f64)
            .with("length", s.response.text().len())
            .with("wanted", plaudit_core::details_wanted())
    }
    fn cost(&self) -> Cost {
        if self.expensive {
            Cost::Expensive
        } else {
            Cost::Cheap
        }
    }
}

static GATED_CALLS: AtomicUsize = AtomicUsize::new(0);
static CACHE_CALLS: AtomicUsize = AtomicUsize::new(0);

fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(KindEntry {
        kind: "test.contains",
        summary: "",
        version: 1,
        build: |p, _| Ok(Box::new(BuildError::parse_params::<Contains>(p)?)),
    });
    r.register(KindEntry {
        kind: "test.sleepy",
        summary: "",
        version: 1,
        build: |_, _| Ok(Box::new(Sleepy)),
    });
    r.register(KindEntry {
        kind: "test.fragile",
        summary: "",
        version: 1,
        build: |_, _| Ok(Box::new(Fragile)),
    });
    r.register(KindEntry {
        kind: "test.waits",
        summary: "",
        version: 1,
        build: |_, _| Ok(Box::new(Waits)),
    });
    r.register(KindEntry {
        kind: "test.gated",
        summary: "",
        version: 1,
        build: |_, _| Ok(Box::new(Counted(&GATED_CALLS))),
    });
    r.register(KindEntry {
        kind: "test.cached",
        summary: "",
        version: 1,
        build: |_, _| Ok(Box::new(Counted(&CACHE_CALLS))),
    });
    r.register(KindEntry {
        kind: "test.explains",
        summary: "",
        version: 1,
        build: |_, _| Ok(Box::new(Explains { expensive: false })),
    });
    r.register(KindEntry {
        kind: "test.explains_expensive",
        summary: "",
        version: 1,
        build: |_, _| Ok(Box::new(Explains { expensive: true })),
    });
    r
}

fn engine(spec: &str) -> Engine {
    try_engine(spec).unwrap_or_else(|e| panic!("{e}"))
}

fn try_engine(spec: &str) -> Result<Engine, plaudit_core::SpecError> {
    Engine::builder()
        .registry(registry())
        .threads(2)
        .build(&SpecSource::from_text("spec.toml", spec, Format::Toml))
}

/// An engine over `spec` whose cache is the SQLite file at `path`.
fn cached_engine(path: &std::path::Path, spec: &str) -> Engine {
    Engine::builder()
        .registry(registry())
        .cache(Arc::new(Cache::open(path).unwrap()))
        .build(&SpecSource::from_text("spec.toml", spec, Format::Toml))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn status(score: &plaudit_core::Score, aspect: &str) -> Status {
    score.aspect(aspect).unwrap().outcome().status()
}

#[test]
fn a_gate_that_does_not_pass_zeroes_and_skips_the_aspect() {
    let e = engine(
        r#"
name = "gates"
[[aspect]]
name = "format"
kind = "test.contains"
needle = "<answer>"
weight = 0.5
[[aspect]]
name = "correct"
kind = "test.gated"
requires = "format"
"#,
    );
    let before = GATED_CALLS.load(Ordering::SeqCst);
    let scores = e.score_batch(vec![
        Sample::new("ok", "<answer>").with_reference(json!("<answer>")),
        Sample::new("bad", "no tags").with_reference(json!("no tags")),
    ]);
    assert_eq!(
        GATED_CALLS.load(Ordering::SeqCst) - before,
        1,
        "the gated aspect ran once"
    );
    assert_eq!(scores[0].reward, Some(1.5));
    assert_eq!(scores[1].reward, Some(0.0));
    let gated = scores[1].aspect("correct").unwrap();
    assert_eq!(gated.outcome().status(), Status::NotApplicable);
    assert_eq!(gated.evaluation.details["gated_by"], "format");
    let out = serde_json::to_value(&scores[1]).unwrap();
    assert_eq!(
        out["aspects"]["correct"]["reason"],
        "gated: `format` did not pass (0 < pass_threshold 1)"
    );
}

#[test]
fn on_missing_decides_how_a_missing_outcome_counts() {
    let spec = |policy: &str| {
        format!(
            r#"
name = "missing"
[[aspect]]
name = "x"
kind = "test.contains"
needle = "x"
value = 2.0
[[aspect]]
name = "ref"
kind = "test.gated"
on_missing = "{policy}"
"#
        )
    };
    let sample = || vec![Sample::new("s", "x")];
    let skip = engine(&spec("skip")).score_batch(sample());
    assert_eq!(skip[0].reward, Some(2.0));
    let zero = engine(&spec("zero")).score_batch(sample());
    assert_eq!(zero[0].reward, Some(2.0));
    let fail = engine(&spec("fail")).score_batch(sample());
    assert_eq!(fail[0].reward, None);
    assert_eq!(
        fail[0].error.as_deref(),
        Some("aspect `ref` not applicable: no reference (on_missing = \"fail\")")
    );
    // The outcome itself is reported the same way under every policy.
    for s in [&skip[0], &zero[0], &fail[0]] {
        assert_eq!(status(s, "ref"), Status::NotApplicable);
    }
}

#[test]
fn an_aspect_that_never_returns_cannot_stall_the_batch() {
    let e = engine(
        r#"
name = "deadline"
on_missing = "zero"
[[aspect]]
name = "slow"
kind = "test.sleepy"
timeout_ms = 50
[[aspect]]
name = "x"
kind = "test.contains"
needle = "x"
"#,
    );
    let mut batch: Vec<Sample> = (0..200)
        .map(|i| Sample::new(format!("s{i}"), "x fast"))
        .collect();
    batch[37] = Sample::new("stuck", "x slow");
    let scores = e.score_batch(batch);
    assert_eq!(scores.len(), 200);
    let stuck = &scores[37];
    assert_eq!(stuck.id, "stuck");
    assert_eq!(status(stuck, "slow"), Status::TimedOut);
    assert!(
        stuck
            .aspect("slow")
            .unwrap()
            .evaluation
            .details
            .contains_key("abandoned")
    );
    assert_eq!(
        status(stuck, "x"),
        Status::Scored,
        "the sample's other aspects still ran"
    );
    assert_eq!(stuck.reward, Some(1.0));
    for (i, s) in scores.iter().enumerate().filter(|(i, _)| *i != 37) {
        assert_eq!(s.reward, Some(2.0), "sample {i}");
    }
    // The engine keeps working on a fresh pool.
    let again = e.score_batch(vec![Sample::new("after", "x")]);
    assert_eq!(again[0].reward, Some(2.0));
}

#[test]
fn a_panicking_aspect_fails_only_its_sample() {
    let e = engine("name = \"p\"\n[[aspect]]\nname = \"f\"\nkind = \"test.fragile\"\n");
    let scores = e.score_batch(vec![Sample::new("a", "fine"), Sample::new("b", "boom")]);
    assert_eq!(scores[0].reward, Some(1.0));
    assert_eq!(scores[1].reward, None);
    let out = serde_json::to_value(&scores[1]).unwrap();
    assert_eq!(
        out["aspects"]["f"]["error"],
        "the aspect panicked: boom in the response"
    );
}

#[test]
fn expensive_aspects_are_cached_in_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite");
    let spec = "name = \"c\"\n[[aspect]]\nname = \"c\"\nkind = \"test.cached\"\non_missing = \"skip\"\n[[aspect]]\nname = \"x\"\nkind = \"test.contains\"\nneedle = \"4\"\n";
    let batch = || {
        vec![
            Sample::new("a", "4").with_reference(json!("4")),
            Sample::new("b", "5").with_reference(json!("4")),
            Sample::new("c", "4"),
        ]
    };
    let build = || cached_engine(&path, spec);
    let before = CACHE_CALLS.load(Ordering::SeqCst);
    let first = build().score_batch(batch());
    assert_eq!(CACHE_CALLS.load(Ordering::SeqCst) - before, 3);
    assert!(
        first
            .iter()
            .all(|s| s.aspect("c").unwrap().cache_hit == Some(false))
    );
    assert_eq!(
        first[0].aspect("x").unwrap().cache_hit,
        None,
        "cheap aspects are not cached"
    );

    // A new engine over the same file: nothing is evaluated twice.
    let second = build().score_batch(batch());
    assert_eq!(CACHE_CALLS.load(Ordering::SeqCst) - before, 3);
    assert!(
        second
            .iter()
            .all(|s| s.aspect("c").unwrap().cache_hit == Some(true))
    );
    let rewards = |s: &[plaudit_core::Score]| s.iter().map(|s| s.reward).collect::<Vec<_>>();
    assert_eq!(rewards(&first), rewards(&second));
    assert_eq!(rewards(&first), vec![Some(2.0), Some(0.0), Some(1.0)]);
}

#[test]
fn an_oversized_response_fails_its_aspects_and_nothing_else() {
    let e = engine(
        "name = \"big\"\n[limits]\nmax_response_bytes = 1000\n[[aspect]]\nname = \"x\"\nkind = \"test.contains\"\nneedle = \"x\"\n",
    );
    let scores = e.score_batch(vec![
        Sample::new("big", "x".repeat(1001)),
        Sample::new("ok", "x"),
    ]);
    assert_eq!(scores[0].reward, None);
    let out = serde_json::to_value(&scores[0]).unwrap();
    assert_eq!(
        out["aspects"]["x"]["error"],
        "the response is 1001 bytes, over the limit of 1000 (limits.max_response_bytes); it was not read"
    );
    assert_eq!(scores[1].reward, Some(1.0));
}

#[test]
fn group_zscore_through_the_engine() {
    let e = engine(
        "name = \"g\"\n[combine]\nnormalize = \"group_zscore\"\n[[aspect]]\nname = \"x\"\nkind = \"test.contains\"\nneedle = \"x\"\n",
    );
    let scores = e.score_batch(vec![
        Sample::new("a", "x").with_group("p1"),
        Sample::new("b", "y").with_group("p1"),
        Sample::new("c", "x").with_group("p2"),
        Sample::new("d", "x").with_group("p2"),
        Sample::new("e", "x"),
    ]);
    let sd = 0.5f64.sqrt();
    assert!((scores[0].reward.unwrap() - 0.5 / (sd + 1e-4)).abs() < 1e-12);
    assert!((scores[1].reward.unwrap() + 0.5 / (sd + 1e-4)).abs() < 1e-12);
    assert_eq!(scores[2].reward, Some(0.0), "zero variance");
    assert_eq!(scores[4].reward, Some(0.0), "ungrouped: a group of one");
    assert_eq!(scores[0].raw_reward, Some(1.0));
    assert!(e.needs_groups());
}

#[test]
fn parameter_errors_point_at_the_field() {
    let err = try_engine(
        "name = \"p\"\n\n[[aspect]]\nname = \"x\"\nkind = \"test.contains\"\nneedle = \"x\"\nvalue = \"high\"\n\n[[aspect]]\nname = \"y\"\nkind = \"test.contains\"\nneedel = \"y\"\n",
    )
    .unwrap_err();
    insta::assert_snapshot!(err.to_string(), @r#"
    the spec spec.toml has 2 problems
      spec.toml:7:1: `aspect[0].value`: aspect `x` (test.contains): invalid type: string "high", expected f64
      spec.toml:12:1: `aspect[1].needel`: aspect `y` (test.contains): unknown field `needel`, expected `needle` or `value`
    "#);
}

#[test]
fn scoring_is_deterministic() {
    let e = engine(
        "name = \"d\"\n[[aspect]]\nname = \"x\"\nkind = \"test.contains\"\nneedle = \"7\"\n",
    );
    let batch = || {
        (0..500)
            .map(|i| Sample::new(format!("{i}"), format!("{i}")))
            .collect::<Vec<_>>()
    };
    let a: Vec<_> = e
        .score_batch(batch())
        .into_iter()
        .map(|s| (s.id, s.reward))
        .collect();
    let b: Vec<_> = e
        .score_batch(batch())
        .into_iter()
        .map(|s| (s.id, s.reward))
        .collect();
    assert_eq!(a, b);
}

#[test]
fn shared_batches_score_like_owned_ones() {
    let e = engine(
        "name = \"s\"\n[[aspect]]\nname = \"x\"\nkind = \"test.contains\"\nneedle = \"x\"\n",
    );
    let batch: Vec<Sample> = (0..100)
        .map(|i| Sample::new(format!("{i}"), if i % 3 == 0 { "x" } else { "y" }))
        .collect();
    let shared = Arc::new(batch.clone());
    let a: Vec<_> = e
        .score_shared(&shared)
        .into_iter()
        .map(|s| (s.id, s.reward))
        .collect();
    let b: Vec<_> = e
        .score_batch(batch)
        .into_iter()
        .map(|s| (s.id, s.reward))
        .collect();
    assert_eq!(a, b);
    assert_eq!(shared.len(), 100, "the caller still has its samples");
}

#[test]
fn aspects_that_wait_get_many_evaluations_in_flight() {
    // Two CPU threads, but the waiting aspect asks for 32: the pool grows to
    // 32 workers and hands out one sample at a time.
    let e = engine(
        r#"
name = "io"
[[aspect]]
name = "wait"
kind = "test.waits"
[[aspect]]
name = "cpu"
kind = "test.contains"
needle = "x"
"#,
    );
    let samples: Vec<Sample> = (0..256).map(|i| Sample::new(i.to_string(), "x")).collect();
    let scores = e.score_batch(samples);
    assert_eq!(scores.len(), 256);
    assert!(scores.iter().all(|s| s.reward == Some(2.0)));
    let max = WAITING_MAX.load(Ordering::SeqCst);
    assert!(max >= 16, "only {max} evaluations were in flight at once");
    assert!(max <= 32, "{max} in flight, more than the aspect asked for");
}

#[test]
fn a_batch_queued_behind_a_held_worker_moves_to_the_fresh_pool() {
    // One worker: while it is held, a second batch can only wait in its
    // queue until the first batch's watchdog replaces the pool.
    let e = Engine::builder()
        .registry(registry())
        .threads(1)
        .build(&SpecSource::from_text(
            "spec.toml",
            "name = \"moved\"\n[[aspect]]\nname = \"slow\"\nkind = \"test.sleepy\"\ntimeout_ms = 50\n",
            Format::Toml,
        ))
        .unwrap();
    let e = Arc::new(e);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        let held = scope.spawn(|| e.score_batch(vec![Sample::new("held", "slow")]));
        // Let the first batch take the worker.
        std::thread::sleep(Duration::from_millis(20));
        let e = e.clone();
        std::thread::spawn(move || {
            let _ = tx.send(e.score_batch(vec![Sample::new("queued", "fast")]));
        });
        let queued = rx
            .recv_timeout(Duration::from_secs(15))
            .expect("the queued batch does not wait for the held worker");
        assert_eq!(queued[0].reward, Some(1.0));
        let held = held.join().unwrap();
        assert_eq!(status(&held[0], "slow"), Status::TimedOut);
    });
}

#[test]
fn keeping_outcomes_only_skips_details_and_changes_no_outcome() {
    let e = engine(
        "name = \"k\"\n[[aspect]]\nname = \"len\"\nkind = \"test.explains\"\nweight = 0.5\n[[aspect]]\nname = \"x\"\nkind = \"test.contains\"\nneedle = \"x\"\n[[aspect]]\nname = \"gated\"\nkind = \"test.explains\"\nrequires = \"x\"\n",
    );
    // Enough samples for the pool's chunks, and one for the one-sample path.
    for n in [1, 300] {
        let batch: Vec<Sample> = (0..n)
            .map(|i| {
                Sample::new(
                    format!("{i}"),
                    "y".repeat(i % 7) + if i % 2 == 0 { "x" } else { "" },
                )
            })
            .collect();
        let shared = Arc::new(batch.clone());
        let full = e.score_shared_keeping(&shared, Keep::Details);
        let lean = e.score_shared_keeping(&shared, Keep::Outcomes);
        let owned = e.score_batch_keeping(batch, Keep::Outcomes);
        assert_eq!(full.len(), n);
        for ((f, l), o) in full.iter().zip(&lean).zip(&owned) {
            assert_eq!(
                (&f.id, f.reward, f.raw_reward),
                (&l.id, l.reward, l.raw_reward)
            );
            assert_eq!((&l.id, l.reward), (&o.id, o.reward));
            for ((fa, la), oa) in f.aspects.iter().zip(&l.aspects).zip(&o.aspects) {
                assert_eq!(fa.outcome(), la.outcome());
                assert_eq!(la.outcome(), oa.outcome());
            }
            let len = f.aspect("len").unwrap();
            assert_eq!(len.evaluation.details.get("wanted"), Some(&json!(true)));
            assert!(l.aspect("len").unwrap().evaluation.details.is_empty());
            assert!(o.aspect("len").unwrap().evaluation.details.is_empty());
            // The engine's own account of a gate is kept: it is not the
            // aspect's work, and it says why the aspect has no value.
            let gated = l.aspect("gated").unwrap();
            if gated.outcome().status() == Status::NotApplicable {
                assert_eq!(gated.evaluation.details.get("gated_by"), Some(&json!("x")));
            } else {
                assert!(gated.evaluation.details.is_empty());
            }
        }
    }
    // Details are off only while the engine evaluates: the caller's thread
    // is as it was.
    assert!(plaudit_core::details_wanted());
}

#[test]
fn cached_aspects_keep_their_details_for_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite");
    let spec = "name = \"kc\"\n[[aspect]]\nname = \"judge\"\nkind = \"test.explains_expensive\"\n[[aspect]]\nname = \"rule\"\nkind = \"test.explains\"\n";
    let build = || cached_engine(&path, spec);
    let batch = || vec![Sample::new("a", "four"), Sample::new("b", "five!")];
    let lean = build().score_batch_keeping(batch(), Keep::Outcomes);
    for s in &lean {
        let judge = s.aspect("judge").unwrap();
        assert_eq!(judge.cache_hit, Some(false));
        assert_eq!(judge.evaluation.details.get("wanted"), Some(&json!(true)));
        assert!(s.aspect("rule").unwrap().evaluation.details.is_empty());
    }
    // A caller that wants details later gets whole evaluations from the
    // cache.
    let full = build().score_batch_keeping(batch(), Keep::Details);
    for (s, len) in full.iter().zip([4, 5]) {
        let judge = s.aspect("judge").unwrap();
        assert_eq!(judge.cache_hit, Some(true));
        assert_eq!(judge.evaluation.details.get("length"), Some(&json!(len)));
        assert_eq!(
            s.aspect("rule").unwrap().evaluation.details.get("length"),
            Some(&json!(len))
        );
    }
}
