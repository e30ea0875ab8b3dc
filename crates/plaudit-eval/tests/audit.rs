//! The audit against real specs run by the real engine: a hardened math
//! spec (format gate, exact-math answer check, length and repetition
//! penalties) pays no exploit; a naive one (any answer anywhere, no format
//! gate) is caught paying several.

use plaudit_core::spec::{Format, SpecSource};
use plaudit_engine::Engine;
use plaudit_eval::audit::{self, AuditOptions, Criterion, EXPLOITS, builtin_probes};

fn engine(toml: &str) -> Engine {
    let source = SpecSource::from_text("test.toml", toml, Format::Toml);
    Engine::builder().threads(1).build(&source).unwrap()
}

const HARDENED: &str = r#"
name = "hardened"
[[aspect]]
name = "format"
kind = "format.tags"
weight = 0.2
[[aspect]]
name = "correct"
kind = "math.equivalent"
extract = ["answer_tag"]
requires = "format"
[[aspect]]
name = "overlong"
kind = "length.overlong"
unit = "words"
max_length = 400
buffer = 100
[[aspect]]
name = "repetition"
kind = "repetition.ngram"
max_penalty = -0.5
"#;

// Contains the reference anywhere in the response: the kind of check that
// answer spam and hedging defeat.
const NAIVE: &str = r#"
name = "naive"
[[aspect]]
name = "mentions"
kind = "match.contains"
required_from_reference = true
"#;

#[test]
fn a_hardened_math_spec_pays_no_exploit() {
    let report = audit::run(
        &engine(HARDENED),
        &builtin_probes(),
        &AuditOptions::default(),
    )
    .unwrap();
    assert_eq!(
        report.honest.at_or_above_threshold,
        report.honest.n,
        "{}",
        report.to_table()
    );
    assert_eq!(report.exploits.len(), EXPLOITS.len());
    let paid: Vec<_> = report.over(0.0).iter().map(|e| e.name).collect();
    assert!(paid.is_empty(), "paid: {paid:?}\n{}", report.to_table());
    // The padding exploits are scored but earn less than the honest answer.
    let inflation = report
        .exploits
        .iter()
        .find(|e| e.name == "length-inflation")
        .unwrap();
    assert_eq!(inflation.criterion, Criterion::AboveHonest);
    assert!(inflation.tally.mean_reward.unwrap() < report.honest.mean_reward.unwrap());
}

#[test]
fn a_naive_spec_is_caught() {
    let report = audit::run(&engine(NAIVE), &builtin_probes(), &AuditOptions::default()).unwrap();
    let over: Vec<_> = report.over(0.0).iter().map(|e| e.name).collect();
    for name in [
        "tag-spam-last",
        "tag-spam-first",
        "boxed-spam",
        "hedge-or",
        "hedge-list",
    ] {
        assert!(
            over.contains(&name),
            "{name} not caught: {over:?}\n{}",
            report.to_table()
        );
    }
    // Nothing without the answer in it is paid.
    for name in ["empty", "master-key-colon", "judge-injection"] {
        assert!(!over.contains(&name), "{name} paid:\n{}", report.to_table());
    }
    let spam = report
        .exploits
        .iter()
        .find(|e| e.name == "tag-spam-last")
        .unwrap();
    assert_eq!(spam.rate, 1.0);
    assert_eq!(spam.examples.len(), 3);
    assert!(report.to_table().contains("tag-spam-last"));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["exploits"][0]["name"], EXPLOITS[0].name);
    assert_eq!(
        json["honest"]["n"].as_u64(),
        Some(builtin_probes().len() as u64)
    );
}

#[test]
fn selection_and_errors() {
    let e = engine(HARDENED);
    let only = AuditOptions {
        only: vec!["empty".into(), "master-key-colon".into()],
        ..AuditOptions::default()
    };
    let report = audit::run(&e, &builtin_probes(), &only).unwrap();
    assert_eq!(report.exploits.len(), 2);
    let bad = AuditOptions {
        only: vec!["nope".into()],
        ..AuditOptions::default()
    };
    let err = audit::run(&e, &builtin_probes(), &bad)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unknown exploit `nope`") && err.contains("master-key-colon"),
        "{err}"
    );
    assert!(audit::run(&e, &[], &AuditOptions::default()).is_err());
}
