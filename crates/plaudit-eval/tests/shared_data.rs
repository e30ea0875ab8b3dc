//! The real preference data in `../shared/data/preference` (relative to the
//! repository root): every file loads without a rejected row, and a rule
//! spec evaluates on it end to end. Skipped, with a message, where that
//! folder is absent (CI may run without it); the in-repo fixtures cover
//! the same code.

use std::path::{Path, PathBuf};

use plaudit_engine::Engine;
use plaudit_eval::{EvalOptions, Format, LoadOptions, data, evaluate, scores};

fn shared() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/preference");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: {} is absent (the shared preference data); the fixtures in tests/data cover the same code",
            dir.display()
        );
        None
    }
}

fn files(dir: &Path, sub: &str, ext: &str) -> Vec<PathBuf> {
    let mut f: Vec<PathBuf> = std::fs::read_dir(dir.join(sub))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(ext))
        .collect();
    f.sort();
    f
}

/// Loads, scores with the rule spec, evaluates; returns the item count.
fn check(format: Format, paths: &[PathBuf]) -> usize {
    let load = LoadOptions {
        keep_meta: true,
        ..LoadOptions::new(format)
    };
    let (dataset, errors) = data::load(paths, &load).unwrap();
    assert!(
        errors.is_empty(),
        "{format}: {:?}",
        &errors[..errors.len().min(5)]
    );
    let spec = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/rules.toml");
    let engine = Engine::from_path(spec).unwrap();
    let s = scores::score_with_engine(&engine, &dataset, 1024, |_| {});
    assert!(
        s.missing.is_empty(),
        "{format}: {:?}",
        s.missing.values().next()
    );
    let options = EvalOptions {
        resamples: 100,
        ..EvalOptions::default()
    };
    let report = evaluate(&dataset, &s, None, &options).unwrap();
    assert_eq!(report.coverage.evaluated, dataset.items.len());
    for (name, subset) in &report.subsets {
        assert!((0.0..=1.0).contains(&subset.score), "{format} {name}");
        assert!((0.0..=1.0).contains(&subset.longer), "{format} {name}");
        assert!(
            subset.ci_low <= subset.score && subset.score <= subset.ci_high,
            "{format} {name}"
        );
    }
    assert!(report.bias.pearson.is_finite());
    dataset.items.len()
}

#[test]
fn llmbar_sets() {
    let Some(dir) = shared() else { return };
    let paths = files(&dir, "llmbar", ".json");
    assert_eq!(paths.len(), 6);
    // Natural 100, Neighbor 134, GPTInst 92, GPTOut 47, Manual 46, MT-Bench human 200.
    assert_eq!(check(Format::LlmBar, &paths), 619);
}

#[test]
fn judgebench_sets() {
    let Some(dir) = shared() else { return };
    let paths = files(&dir, "judgebench", ".jsonl");
    assert_eq!(check(Format::JudgeBench, &paths), 620);
}

#[test]
fn hh_rlhf_harmless_base_test() {
    let Some(dir) = shared() else { return };
    let paths = [dir.join("hh-rlhf/harmless-base-test.jsonl.gz")];
    assert_eq!(check(Format::HhRlhf, &paths), 2312);
}
