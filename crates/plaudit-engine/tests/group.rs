//! Aspects that judge whole groups ([`Scope::Group`]) through the engine:
//! every group arrives whole in one `evaluate_batch` call, gates still
//! apply, a panic or a wrong-length result fails the group, and the cache
//! serves a verdict only to the same response in the same group.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use plaudit_core::spec::{Format, SpecSource};
use plaudit_core::{
    Aspect, BuildError, Context, Cost, Evaluation, KindEntry, Registry, Sample, Scope, Score,
    Status,
};
use plaudit_engine::{Cache, Engine};
use serde::Deserialize;

/// The calls each test's aspect received, by the test's `tag`: the ids of
/// each call, sorted.
static CALLS: Mutex<Vec<(String, Vec<String>)>> = Mutex::new(Vec::new());

fn calls(tag: &str) -> Vec<Vec<String>> {
    let calls = CALLS.lock().unwrap();
    calls
        .iter()
        .filter(|(t, _)| t == tag)
        .map(|(_, ids)| ids.clone())
        .collect()
}

/// Scores every member with the size of the call it came in (so a verdict
/// visibly depends on the group). Panics on a response containing "boom",
/// returns one evaluation too few when one contains "short", sleeps past
/// its deadline when one contains "slow", and far past the watchdog's
/// grace (as if it never returned) when one contains "stuck".
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupSize {
    tag: String,
}

impl Aspect for GroupSize {
    fn evaluate(&self, _: &Sample, _: &Context) -> Evaluation {
        panic!("the engine must call a group aspect with evaluate_batch");
    }

    fn evaluate_batch(&self, samples: &[&Sample], cx: &Context) -> Vec<Evaluation> {
        let mut ids: Vec<String> = samples.iter().map(|s| s.id.clone()).collect();
        ids.sort();
        CALLS.lock().unwrap().push((self.tag.clone(), ids));
        let has = |needle: &str| samples.iter().any(|s| s.response.text().contains(needle));
        assert!(!has("boom"), "boom in the group");
        if has("slow") {
            std::thread::sleep(cx.timeout() + Duration::from_millis(50));
        }
        if has("stuck") {
            std::thread::sleep(cx.timeout() + Duration::from_secs(3));
        }
        let n = samples.len() - usize::from(has("short"));
        (0..n)
            .map(|_| Evaluation::scored(samples.len() as f64))
            .collect()
    }

    fn cost(&self) -> Cost {
        Cost::Expensive
    }

    fn scope(&self) -> Scope {
        Scope::Group
    }
}

/// 1 if the response contains "ok", else 0: a per-sample gate.
#[derive(Debug)]
struct Ok_;
impl Aspect for Ok_ {
    fn evaluate(&self, s: &Sample, _: &Context) -> Evaluation {
        Evaluation::scored(if s.response.text().contains("ok") {
            1.0
        } else {
            0.0
        })
    }
}

fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(KindEntry {
        kind: "test.group_size",
        summary: "",
        version: 1,
        build: |p, _| Ok(Box::new(BuildError::parse_params::<GroupSize>(p)?)),
    });
    r.register(KindEntry {
        kind: "test.ok",
        summary: "",
        version: 1,
        build: |_, _| Ok(Box::new(Ok_)),
    });
    r
}

fn spec(tag: &str) -> String {
    format!(
        "name = \"g\"\n[[aspect]]\nname = \"size\"\nkind = \"test.group_size\"\ntag = \"{tag}\"\ntimeout_ms = 100\n"
    )
}

fn build(spec: &str, cache: Option<&std::path::Path>) -> Engine {
    let mut b = Engine::builder().registry(registry()).threads(2);
    if let Some(path) = cache {
        b = b.cache(Arc::new(Cache::open(path).unwrap()));
    }
    b.build(&SpecSource::from_text("g.toml", spec, Format::Toml))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn member(id: &str, group: &str, response: &str) -> Sample {
    Sample::new(id, response).with_group(group)
}

/// Each sample's `size` value, by id.
fn values(scores: &[Score]) -> HashMap<String, Option<f64>> {
    scores
        .iter()
        .map(|s| {
            let v = s.aspect("size").unwrap().outcome().value();
            (s.id.clone(), v)
        })
        .collect()
}

fn ids(groups: &[&[&str]]) -> BTreeSet<Vec<String>> {
    groups
        .iter()
        .map(|g| g.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn every_group_arrives_whole_in_one_call() {
    let e = build(&spec("whole"), None);
    assert!(e.needs_groups(), "batches must keep groups whole");
    // Interleaved groups, and samples without a group.
    let batch = vec![
        member("a1", "a", "x"),
        member("b1", "b", "x"),
        Sample::new("u1", "x"),
        member("a2", "a", "x"),
        member("b2", "b", "x"),
        member("a3", "a", "x"),
        Sample::new("u2", "x"),
    ];
    let scores = e.score_batch(batch);
    let received: BTreeSet<Vec<String>> = calls("whole").into_iter().collect();
    assert_eq!(calls("whole").len(), 4, "one call per group");
    assert_eq!(
        received,
        ids(&[&["a1", "a2", "a3"], &["b1", "b2"], &["u1"], &["u2"]])
    );
    let v = values(&scores);
    for (id, n) in [
        ("a1", 3.0),
        ("a2", 3.0),
        ("a3", 3.0),
        ("b1", 2.0),
        ("u1", 1.0),
    ] {
        assert_eq!(v[id], Some(n), "{id}");
    }
    // Scores come back in batch order, each with its group call's latency.
    assert_eq!(scores[2].id, "u1");
    assert!(scores.iter().all(|s| s.reward.is_some()));
}

#[test]
fn gates_still_apply_to_the_members_of_a_group() {
    let spec = format!(
        "{}requires = \"ok\"\n[[aspect]]\nname = \"ok\"\nkind = \"test.ok\"\nweight = 0.0\n",
        spec("gates")
    );
    let e = build(&spec, None);
    let scores = e.score_batch(vec![
        member("p1", "g", "ok"),
        member("p2", "g", "ok"),
        member("f1", "g", "bad"),
    ]);
    // The group is judged whole, before the gates are decided.
    assert_eq!(calls("gates"), vec![vec!["f1", "p1", "p2"]]);
    assert_eq!(values(&scores)["p1"], Some(3.0));
    let gated = scores[2].aspect("size").unwrap();
    assert_eq!(gated.outcome().status(), Status::NotApplicable);
    assert_eq!(gated.evaluation.details["gated_by"], "ok");
    assert_eq!(scores[2].reward, Some(0.0));
}

#[test]
fn a_panic_or_a_wrong_length_fails_only_its_group() {
    let e = build(&spec("fails"), None);
    let scores = e.score_batch(vec![
        member("p1", "panics", "boom"),
        member("p2", "panics", "fine"),
        member("s1", "short", "short"),
        member("s2", "short", "fine"),
        member("t1", "slow", "slow"),
        member("t2", "slow", "fine"),
        member("f1", "fine", "fine"),
    ]);
    let outcome = |i: usize| scores[i].aspect("size").unwrap().outcome().to_string();
    for i in [0, 1] {
        assert!(outcome(i).contains("panicked"), "{}", outcome(i));
        assert!(outcome(i).contains("boom in the group"), "{}", outcome(i));
    }
    for i in [2, 3] {
        assert!(
            outcome(i).contains("returned 1 evaluations for a group of 2"),
            "{}",
            outcome(i)
        );
    }
    for i in [4, 5] {
        let status = scores[i].aspect("size").unwrap().outcome().status();
        assert_eq!(status, Status::TimedOut, "{}", outcome(i));
    }
    assert_eq!(
        scores[6].aspect("size").unwrap().outcome().value(),
        Some(1.0)
    );
}

#[test]
fn a_group_call_that_never_returns_is_abandoned_and_the_rest_goes_on() {
    let e = build(&spec("stuck"), None);
    let scores = e.score_batch(vec![
        member("h1", "hung", "stuck"),
        member("h2", "hung", "fine"),
        member("a1", "a", "fine"),
        member("b1", "b", "fine"),
        member("b2", "b", "fine"),
    ]);
    for i in [0, 1] {
        let result = scores[i].aspect("size").unwrap();
        assert_eq!(result.outcome().status(), Status::TimedOut);
        assert!(result.evaluation.details.contains_key("abandoned"));
    }
    let v = values(&scores);
    assert_eq!(
        (v["a1"], v["b1"], v["b2"]),
        (Some(1.0), Some(2.0), Some(2.0))
    );
    // The engine goes on, on a fresh pool.
    let again = e.score_batch(vec![member("c1", "c", "fine")]);
    assert_eq!(values(&again)["c1"], Some(1.0));
}

#[test]
fn the_cache_serves_a_verdict_only_within_the_same_group() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite");
    let spec = spec("cache");
    let batch = || {
        vec![
            member("a1", "a", "one"),
            member("a2", "a", "two"),
            member("b1", "b", "three"),
            Sample::new("u", "four"),
        ]
    };
    let first = build(&spec, Some(&path)).score_batch(batch());
    assert_eq!(calls("cache").len(), 3);
    assert!(
        first
            .iter()
            .all(|s| s.aspect("size").unwrap().cache_hit == Some(false))
    );

    // A new engine over the same file: every group is served whole.
    let second = build(&spec, Some(&path)).score_batch(batch());
    assert_eq!(calls("cache").len(), 3, "nothing is judged twice");
    assert!(
        second
            .iter()
            .all(|s| s.aspect("size").unwrap().cache_hit == Some(true))
    );
    assert_eq!(values(&first), values(&second));

    // The same response, with the same id, in another group (here: group
    // `a` with a new member) is judged afresh, with the group it is in now.
    let third = build(&spec, Some(&path)).score_batch(vec![
        member("a1", "a", "one"),
        member("a2", "a", "two"),
        member("a3", "a", "five"),
        member("b1", "b", "three"),
    ]);
    let after = calls("cache");
    assert_eq!(after.len(), 4, "{after:?}");
    assert_eq!(after[3], vec!["a1", "a2", "a3"]);
    let v = values(&third);
    assert_eq!(v["a1"], Some(3.0));
    assert_eq!(v["b1"], Some(1.0));
    assert_eq!(third[3].aspect("size").unwrap().cache_hit, Some(true));
    assert_eq!(third[0].aspect("size").unwrap().cache_hit, Some(false));
}
