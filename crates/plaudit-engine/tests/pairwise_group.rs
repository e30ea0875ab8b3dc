//! `judge.pairwise` with `against = "group"` (BRPO) scored through the
//! engine, against the judge crate's real loopback stub server: the engine
//! hands the judge whole groups, and the cache serves a verdict again only
//! within the same group.

#[path = "../../plaudit-judge/tests/support/mod.rs"]
mod support;

use std::cmp::Ordering;
use std::sync::Arc;

use plaudit_core::spec::{Format, SpecSource};
use plaudit_core::{Sample, Score, Status};
use plaudit_engine::{Cache, Engine};
use serde_json::{Value, json};
use support::{ChatRequest as _, ChatScripts as _, Scripted, Stub};

fn quality(text: &str) -> u32 {
    text.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Names the answer with the higher `quality N` the winner.
fn fair_judge() -> Stub {
    Stub::start(|r| {
        let a = quality(r.fenced("response_a").unwrap());
        let b = quality(r.fenced("response_b").unwrap());
        let winner = match a.cmp(&b) {
            Ordering::Greater => "A",
            Ordering::Less => "B",
            Ordering::Equal => "tie",
        };
        Scripted::reply(&json!({"reason": "fair", "winner": winner}).to_string())
    })
}

fn engine(stub: &Stub, cache: &std::path::Path) -> Engine {
    let spec = format!(
        "name = \"brpo\"\n[[aspect]]\nname = \"wins\"\nkind = \"judge.pairwise\"\n\
         base_url = \"{}\"\nmodel = \"stub-judge\"\nretry_base_ms = 1\nagainst = \"group\"\n\
         on_missing = \"skip\"\n",
        stub.base_url
    );
    Engine::builder()
        .threads(2)
        .cache(Arc::new(Cache::open(cache).unwrap()))
        .build(&SpecSource::from_text("brpo.toml", &spec, Format::Toml))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn member(id: &str, group: &str, quality: u32) -> Sample {
    Sample::new(id, format!("quality {quality} ({id})"))
        .with_prompt("Write a haiku about rain.")
        .with_group(group)
}

fn batch() -> Vec<Sample> {
    vec![
        member("a1", "a", 1),
        member("b1", "b", 4),
        member("a2", "a", 2),
        member("b2", "b", 5),
        member("a3", "a", 3),
        member("b3", "b", 6),
        Sample::new("u", "quality 9 (u)").with_prompt("Write a haiku about rain."),
    ]
}

/// Checks one group's evaluations against the fair judge: one reference
/// (a tie, ½), every other member a win or a loss against it.
fn check_group(samples: &[Sample], scores: &[Score], members: &[usize]) {
    let details = |i: usize| &scores[i].aspect("wins").unwrap().evaluation.details;
    let refs: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&i| details(i).get("group_reference") == Some(&Value::Bool(true)))
        .collect();
    assert_eq!(refs.len(), 1, "{scores:#?}");
    let r = refs[0];
    let q = |i: usize| quality(samples[i].response.text());
    for &i in members {
        let value = scores[i].aspect("wins").unwrap().outcome().value();
        if i == r {
            assert_eq!(value, Some(0.5));
        } else {
            let expected = match q(i).cmp(&q(r)) {
                Ordering::Greater => 1.0,
                Ordering::Less => 0.0,
                Ordering::Equal => 0.5,
            };
            assert_eq!(value, Some(expected), "{}: {:?}", scores[i].id, details(i));
            assert_eq!(details(i)["reference_id"], scores[r].id.as_str());
        }
    }
}

#[test]
fn brpo_scores_through_the_engine_and_caches_within_the_group() {
    let stub = fair_judge();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite");

    let first = engine(&stub, &path).score_batch(batch());
    check_group(&batch(), &first, &[0, 2, 4]);
    check_group(&batch(), &first, &[1, 3, 5]);
    let alone = first[6].aspect("wins").unwrap();
    assert_eq!(alone.outcome().status(), Status::NotApplicable, "{alone:?}");
    // Two non-reference members per group, two orders each.
    assert_eq!(stub.requests().len(), 8);

    // A re-run is served from the cache, verdict for verdict.
    let second = engine(&stub, &path).score_batch(batch());
    assert_eq!(stub.requests().len(), 8, "nothing is judged twice");
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(b.aspect("wins").unwrap().cache_hit, Some(true), "{}", b.id);
        assert_eq!(
            a.aspect("wins").unwrap().evaluation,
            b.aspect("wins").unwrap().evaluation
        );
    }

    // The same responses in a changed group are judged afresh.
    let mut changed = batch();
    changed.push(member("a4", "a", 4));
    let third = engine(&stub, &path).score_batch(changed.clone());
    check_group(&changed, &third, &[0, 2, 4, 7]);
    assert!(
        [0, 2, 4, 7]
            .iter()
            .all(|&i| third[i].aspect("wins").unwrap().cache_hit == Some(false))
    );
    assert_eq!(stub.requests().len(), 8 + 6);
}
