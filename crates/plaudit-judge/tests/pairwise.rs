//! `judge.pairwise` against another response of the group (BRPO) and with
//! log-probability win rates, on the real loopback stub server (see
//! `support`). The stub judges fairly: each response reads
//! `quality N …`, and the stub names the answer with the higher N the
//! winner (a tie when equal), wherever it stands.

mod support;

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashSet};
use std::sync::Mutex;

use serde_json::{Value, json};

use plaudit_core::{Cost, Evaluation, Sample, Scope, Status};
use support::{ChatRequest as _, ChatScripts as _, Request, Scripted, Stub, cx, judge};

const HAIKU: &str = "Write a haiku about rain.";
const LIMERICK: &str = "Write a limerick about cats.";

fn member(id: &str, group: &str, quality: u32) -> Sample {
    let prompt = if group == "g2" { LIMERICK } else { HAIKU };
    Sample::new(id, format!("quality {quality} ({id})"))
        .with_prompt(prompt)
        .with_group(group)
}

fn quality(text: &str) -> u32 {
    text.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn fair_judge() -> Stub {
    Stub::start(|r| {
        let a = quality(r.fenced("response_a").unwrap());
        let b = quality(r.fenced("response_b").unwrap());
        let winner = match a.cmp(&b) {
            Ordering::Greater => "A",
            Ordering::Less => "B",
            Ordering::Equal => "tie",
        };
        Scripted::reply(&json!({"reason": format!("{a} vs {b}"), "winner": winner}).to_string())
    })
}

fn batch(aspect: &dyn plaudit_core::Aspect, samples: &[Sample]) -> Vec<Evaluation> {
    let refs: Vec<&Sample> = samples.iter().collect();
    aspect.evaluate_batch(&refs, &cx())
}

/// The index of the sample whose evaluation says it is its group's
/// reference, among `members`; exactly one must.
fn reference_of(out: &[Evaluation], members: &[usize]) -> usize {
    let refs: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&i| out[i].details.get("group_reference") == Some(&Value::Bool(true)))
        .collect();
    assert_eq!(refs.len(), 1, "{members:?}: {out:#?}");
    refs[0]
}

/// The requests that showed `a` as answer A and `b` as answer B.
fn shown<'r>(requests: &'r [Request], a: &Sample, b: &Sample) -> Vec<&'r Request> {
    requests
        .iter()
        .filter(|r| {
            r.fenced("response_a") == Some(a.response.text())
                && r.fenced("response_b") == Some(b.response.text())
        })
        .collect()
}

#[test]
fn brpo_judges_every_response_against_one_drawn_from_its_group() {
    let stub = fair_judge();
    let aspect = judge("judge.pairwise", &stub, json!({"against": "group"}));
    let samples = vec![
        member("a1", "g1", 3),
        member("b1", "g2", 2),
        member("a2", "g1", 5),
        Sample::new("free", ":").with_prompt(HAIKU).with_group("g1"),
        member("a3", "g1", 5),
        Sample::new("nogroup", "quality 5 (nogroup)").with_prompt(HAIKU),
        member("b2", "g2", 9),
        member("a4", "g1", 1),
        member("lone", "solo", 4),
        member("b3", "g2", 4),
    ];
    let out = batch(&*aspect, &samples);
    let requests = stub.requests();
    // Both orders of every comparison: (4 - 1) + (3 - 1) comparisons.
    assert_eq!(requests.len(), 10);

    for (members, prompt) in [(vec![0, 2, 4, 7], HAIKU), (vec![1, 6, 9], LIMERICK)] {
        let r = reference_of(&out, &members);
        let reference = &samples[r];
        let mut wins = Vec::new();
        for &m in members.iter().filter(|&&m| m != r) {
            let (s, e) = (&samples[m], &out[m]);
            let expected = match quality(s.response.text()).cmp(&quality(reference.response.text()))
            {
                Ordering::Greater => 1.0,
                Ordering::Equal => 0.5,
                Ordering::Less => 0.0,
            };
            assert_eq!(e.outcome.value(), Some(expected), "{}: {e:?}", s.id);
            assert_eq!(e.details["against"], "group");
            assert_eq!(e.details["reference_id"], reference.id.as_str());
            assert_eq!(e.details["consistent"], true);
            assert_eq!(e.details["orders"][0]["response_is"], "A");
            assert_eq!(e.details["orders"][1]["response_is"], "B");
            assert_eq!(e.details["orders"][0]["win_from"], "verdict");
            assert_eq!(e.details["tokens"]["prompt"], 20);
            wins.push(expected);
            // One request in each order, each asked field by field.
            for (a, b) in [(s, reference), (reference, s)] {
                let seen = shown(&requests, a, b);
                assert_eq!(seen.len(), 1, "{} as A, {} as B", a.id, b.id);
                let body = &seen[0].body;
                assert_eq!(body["model"], "stub-judge");
                assert_eq!(body["temperature"], 0.0);
                assert_eq!(body["max_tokens"], 1024);
                assert_eq!(body["messages"][0]["role"], "system");
                assert_eq!(body["messages"][1]["role"], "user");
                assert_eq!(body["response_format"]["type"], "json_schema");
                assert_eq!(body["response_format"]["json_schema"]["name"], "preference");
                assert_eq!(
                    body["response_format"]["json_schema"]["schema"]["properties"]["winner"]["enum"],
                    json!(["A", "B", "tie"])
                );
                assert_eq!(seen[0].fenced("question"), Some(prompt));
            }
        }
        // The reference: a tie with itself, its measured win rate beside it.
        let e = &out[r];
        assert_eq!(e.outcome.value(), Some(0.5), "{e:?}");
        assert_eq!(e.details["against"], "group");
        assert_eq!(e.details["reference_reward"], "tie");
        assert_eq!(e.details["compared"], members.len() - 1);
        let win_rate = wins.iter().map(|w| 1.0 - w).sum::<f64>() / wins.len() as f64;
        assert_eq!(e.details["win_rate"], win_rate);
        // It made no call of its own.
        assert_eq!(e.details["tokens"], json!({"prompt": 0, "completion": 0}));
        assert_eq!(e.details["attempts"], 0);
    }

    // The content-free response: scored 0 by the guard, never shown.
    assert_eq!(out[3].outcome.value(), Some(0.0));
    assert_eq!(out[3].details["judged"], false);
    // No group, or alone in its group: nothing to compare with.
    assert_eq!(out[5].outcome.status(), Status::NotApplicable);
    assert!(
        out[5].outcome.to_string().contains("no `group`"),
        "{:?}",
        out[5]
    );
    assert_eq!(out[8].outcome.status(), Status::NotApplicable);
    assert!(
        out[8]
            .outcome
            .to_string()
            .contains("no other response of group \"solo\""),
        "{:?}",
        out[8]
    );
    for r in &requests {
        for tag in ["response_a", "response_b"] {
            let text = r.fenced(tag).unwrap();
            assert!(
                !["free", "nogroup", "lone"]
                    .iter()
                    .any(|id| text.contains(id)),
                "{text}"
            );
        }
    }
}

#[test]
fn the_draw_is_seeded_and_ignores_batch_order() {
    let stub = fair_judge();
    let group: Vec<Sample> = (0..6).map(|i| member(&format!("m{i}"), "g", i)).collect();
    let reversed: Vec<Sample> = group.iter().rev().cloned().collect();
    let reference = |params: Value, samples: &[Sample]| {
        let out = batch(&*judge("judge.pairwise", &stub, params), samples);
        let r = reference_of(&out, &(0..samples.len()).collect::<Vec<_>>());
        samples[r].id.clone()
    };
    let mut drawn = BTreeSet::new();
    for seed in 0..8u64 {
        let params = json!({"against": "group", "reference_seed": seed});
        let id = reference(params.clone(), &group);
        assert_eq!(reference(params, &reversed), id, "seed {seed}");
        drawn.insert(id);
    }
    // The seed moves the draw.
    assert!(drawn.len() >= 2, "{drawn:?}");
    // No seed is seed 0.
    assert_eq!(
        reference(json!({"against": "group"}), &group),
        reference(json!({"against": "group", "reference_seed": 0}), &group)
    );
}

#[test]
fn the_reference_can_be_rewarded_its_win_rate() {
    let stub = fair_judge();
    let aspect = judge(
        "judge.pairwise",
        &stub,
        json!({"against": "group", "reference_reward": "win_rate", "reference_seed": 7}),
    );
    let group = vec![
        member("x", "g", 2),
        member("y", "g", 6),
        member("z", "g", 4),
    ];
    let out = batch(&*aspect, &group);
    let r = reference_of(&out, &[0, 1, 2]);
    let q = quality(group[r].response.text());
    let expected = group
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != r)
        .map(|(_, s)| match q.cmp(&quality(s.response.text())) {
            Ordering::Greater => 1.0,
            Ordering::Equal => 0.5,
            Ordering::Less => 0.0,
        })
        .sum::<f64>()
        / 2.0;
    assert_eq!(out[r].outcome.value(), Some(expected), "{:?}", out[r]);
    assert_eq!(out[r].details["reference_reward"], "win_rate");
    assert_eq!(out[r].details["win_rate"], expected);
}

#[test]
fn a_reference_with_no_judged_comparison_fails() {
    let stub = Stub::always("not a verdict");
    let aspect = judge("judge.pairwise", &stub, json!({"against": "group"}));
    let group = vec![
        member("x", "g", 2),
        member("y", "g", 6),
        member("z", "g", 4),
    ];
    let out = batch(&*aspect, &group);
    assert!(
        out.iter().all(|e| e.outcome.status() == Status::Failed),
        "{out:?}"
    );
    let r = reference_of(&out, &[0, 1, 2]);
    assert!(
        out[r]
            .outcome
            .to_string()
            .contains("none of the 2 comparison(s) with it was judged"),
        "{:?}",
        out[r]
    );
    assert_eq!(stub.requests().len(), 4);
}

#[test]
fn a_grouped_sample_judged_alone_fails_and_says_why() {
    let stub = fair_judge();
    let aspect = judge("judge.pairwise", &stub, json!({"against": "group"}));
    let e = aspect.evaluate(&member("x", "g", 2), &cx());
    assert_eq!(e.outcome.status(), Status::Failed);
    assert!(
        e.outcome
            .to_string()
            .contains("needs the whole group in one evaluate_batch call"),
        "{e:?}"
    );
    let e = aspect.evaluate(&Sample::new("n", "quality 1").with_prompt(HAIKU), &cx());
    assert_eq!(e.outcome.status(), Status::NotApplicable, "{e:?}");
    // The guard still comes first.
    let e = aspect.evaluate(&Sample::new("k", "解").with_group("g"), &cx());
    assert_eq!(e.outcome.value(), Some(0.0), "{e:?}");
    assert!(stub.requests().is_empty());

    // Verdicts that depend on the group ask the engine for whole groups;
    // both modes are cached (a group's verdicts under the whole group).
    assert_eq!(aspect.scope(), Scope::Group);
    assert_eq!(aspect.cost(), Cost::Expensive);
    let against_reference = judge("judge.pairwise", &stub, json!({}));
    assert_eq!(against_reference.scope(), Scope::Sample);
    assert_eq!(against_reference.cost(), Cost::Expensive);
}

// ---- log-probabilities -------------------------------------------------------

/// The reply of a judge that prefers "Lyon" wherever it stands, with
/// P = 0.6 for it, 0.3 for the other and 0.1 for a tie at the verdict's
/// token.
fn graded(r: &Request) -> Scripted {
    let lyon = if r.fenced("response_a") == Some("Lyon") {
        "A"
    } else {
        "B"
    };
    let other = if lyon == "A" { "B" } else { "A" };
    let alts = [
        (lyon, 0.6f64.ln()),
        (other, 0.3f64.ln()),
        ("tie", 0.1f64.ln()),
    ];
    Scripted::reply_with_logprobs(&[
        ("{\"reason\": \"Lyon is bolder\", ", &[]),
        ("\"winner\"", &[]),
        (": \"", &[]),
        (lyon, &alts),
        ("\"}", &[]),
    ])
}

fn graded_judge() -> Stub {
    Stub::start(graded)
}

#[test]
fn logprobs_grade_each_order() {
    let stub = graded_judge();
    let s = Sample::new("s", "Lyon")
        .with_prompt("Name a French city.")
        .with_reference(json!("Paris"));
    let e = judge(
        "judge.pairwise",
        &stub,
        json!({"logprobs": true, "top_logprobs": 5}),
    )
    .evaluate(&s, &cx());
    // (0.6 + 0.1 / 2) / (0.6 + 0.3 + 0.1) in both orders.
    let value = e.outcome.value().unwrap();
    assert!((value - 0.65).abs() < 1e-9, "{e:?}");
    for order in 0..2 {
        assert_eq!(e.details["orders"][order]["win_from"], "logprobs");
        let win = e.details["orders"][order]["win"].as_f64().unwrap();
        assert!((win - 0.65).abs() < 1e-9);
    }
    let requests = stub.requests();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert_eq!(r.body["logprobs"], true);
        assert_eq!(r.body["top_logprobs"], 5);
    }

    // Without `logprobs`, the same replies are hard verdicts.
    let e = judge("judge.pairwise", &stub, json!({})).evaluate(&s, &cx());
    assert_eq!(e.outcome.value(), Some(1.0), "{e:?}");
    assert_eq!(e.details["orders"][0]["win_from"], "verdict");
    assert!(stub.requests()[2].body.get("logprobs").is_none());
}

#[test]
fn a_reply_without_logprobs_falls_back_to_its_verdict() {
    // The first time a request is seen it gets log-probabilities, the
    // second time (the other vote) a plain reply.
    let seen = Mutex::new(HashSet::new());
    let stub = Stub::start(move |r| {
        if seen.lock().unwrap().insert(r.user().to_owned()) {
            graded(r)
        } else {
            Scripted::reply(r#"{"reason": "Lyon", "winner": "tie"}"#)
        }
    });
    let s = Sample::new("s", "Lyon")
        .with_prompt("Name a French city.")
        .with_reference(json!("Paris"));
    let e = judge(
        "judge.pairwise",
        &stub,
        json!({"logprobs": true, "top_logprobs": 3, "votes": 2}),
    )
    .evaluate(&s, &cx());
    // Each order: one graded vote (0.65) and one tie (0.5).
    let value = e.outcome.value().unwrap();
    assert!((value - 0.575).abs() < 1e-9, "{e:?}");
    assert_eq!(e.details["orders"][0]["win_from"], "mixed");
    assert_eq!(e.details["orders"][1]["win_from"], "mixed");
}

#[test]
fn build_errors_name_the_parameter() {
    let stub = Stub::always("");
    let mut registry = plaudit_core::Registry::new();
    plaudit_judge::register(&mut registry);
    let build = registry.get("judge.pairwise").unwrap().build;
    for (params, field, says) in [
        (json!({"against": "groups"}), "against", "unknown variant"),
        (
            json!({"reference_seed": 3}),
            "reference_seed",
            "against = \"group\"",
        ),
        (
            json!({"reference_reward": "win_rate"}),
            "reference_reward",
            "against = \"group\"",
        ),
        (
            json!({"against": "group", "reference_reward": "mean"}),
            "reference_reward",
            "unknown variant",
        ),
        (json!({"logprobs": true}), "top_logprobs", "at least 2"),
        (
            json!({"logprobs": true, "top_logprobs": 1}),
            "top_logprobs",
            "at least 2",
        ),
    ] {
        let mut all = json!({"base_url": stub.base_url, "model": "m"});
        for (k, v) in params.as_object().unwrap() {
            all[k] = v.clone();
        }
        let err = build(all.as_object().unwrap(), &Default::default()).unwrap_err();
        assert_eq!(err.field(), Some(field), "{params}: {err}");
        assert!(err.to_string().contains(says), "{params}: {err}");
    }
}
