//! Every layout on the in-repo fixtures, with the expected numbers worked
//! out by hand; bad scores files; scoring with a real spec.

use std::path::{Path, PathBuf};

use plaudit_engine::Engine;
use plaudit_eval::{EvalOptions, Format, LoadOptions, Report, data, evaluate, scores};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn options() -> EvalOptions {
    EvalOptions {
        resamples: 200,
        ..EvalOptions::default()
    }
}

fn run(format: Format, data_file: &str, scores_file: &str, by: &[&str]) -> Report {
    let load = LoadOptions {
        format,
        by: by.iter().map(|s| (*s).to_owned()).collect(),
        keep_meta: false,
    };
    let (dataset, errors) = data::load(&[fixture(data_file)], &load).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    let (s, errors) = scores::read_file(&fixture(scores_file), &dataset).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    evaluate(&dataset, &s, None, &options()).unwrap()
}

fn score_of(report: &Report, subset: &str) -> f64 {
    report
        .subsets
        .iter()
        .find(|(n, _)| n == subset)
        .map(|(_, s)| s.score)
        .unwrap_or_else(|| panic!("no subset {subset}"))
}

fn near(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-12, "{a} != {b}");
}

#[test]
fn rewardbench_fixture() {
    let r = run(
        Format::RewardBench,
        "rewardbench.jsonl",
        "rewardbench.scores.jsonl",
        &[],
    );
    near(score_of(&r, "alpacaeval-easy"), 2.0 / 3.0);
    // (1, 1) is a tie: wrong.
    near(score_of(&r, "mt-bench-hard"), 1.0 / 3.0);
    assert_eq!(r.subsets[1].1.ties, 1);
    let sections: Vec<(&str, f64)> = r
        .sections
        .iter()
        .map(|(n, e)| (n.as_str(), e.score))
        .collect();
    assert_eq!(sections.len(), 4);
    near(sections[2].1, 1.0);
    near(r.prior_sets.unwrap().score, 0.5);
    near(
        r.overall.score,
        (2.0 * (2.0 / 3.0 + 1.0 / 3.0 + 1.0 + 0.5) + 0.5) / 9.0,
    );
    assert!(r.overall.ci_low <= r.overall.score && r.overall.score <= r.overall.ci_high);
    // Chosen responses are longer in this fixture.
    near(r.bias.longer, 1.0);
    near(r.bias.shorter, 0.0);
}

#[test]
fn rewardbench2_fixture_with_ties() {
    let r = run(
        Format::RewardBench2,
        "rewardbench2.jsonl",
        "rewardbench2.scores.jsonl",
        &[],
    );
    near(score_of(&r, "Focus"), (1.0 + 0.5 + 0.0) / 3.0);
    near(score_of(&r, "Math"), (1.0 / 3.0 + 1.0) / 2.0);
    // tied acc 1, ref acc 1/2, margin preferred 1/2 (prompt 2's zero
    // spread), hard 0, tanh term 0 (prompt 2 is 0/0: counted 0).
    let t = r.ties.unwrap();
    near(t.tied_accuracy, 1.0);
    near(t.ref_accuracy, 0.5);
    near(t.correctness_preferred, 0.5);
    near(t.correctness_preferred_hard, 0.0);
    near(t.margin_score, 0.0);
    near(score_of(&r, "Ties"), 0.3 + 0.15 + 0.1);
    near(r.overall.score, (0.5 + 2.0 / 3.0 + 0.55) / 3.0);
}

#[test]
fn pairwise_fixture_breaks_down_by_fields() {
    let r = run(
        Format::Pairwise,
        "pairwise.jsonl",
        "pairwise.scores-a.jsonl",
        &["language", "meta.category"],
    );
    near(r.overall.score, 5.0 / 8.0);
    let lang = &r.by[0].1.groups;
    let by: Vec<(&str, f64, usize)> = lang
        .iter()
        .map(|(v, g)| (v.as_str(), g.score, g.n))
        .collect();
    assert_eq!(by, [("en", 0.75, 4), ("de", 0.5, 2), ("fr", 0.5, 2)]);
    assert_eq!(lang[2].1.ties, 1);
    let cat: Vec<(&str, f64)> = r.by[1]
        .1
        .groups
        .iter()
        .map(|(v, g)| (v.as_str(), g.score))
        .collect();
    assert_eq!(cat, [("casual", 1.0), ("formal", 0.25)]);
}

#[test]
fn paired_comparison() {
    let (dataset, _) = data::load(
        &[fixture("pairwise.jsonl")],
        &LoadOptions::new(Format::Pairwise),
    )
    .unwrap();
    let (a, _) = scores::read_file(&fixture("pairwise.scores-a.jsonl"), &dataset).unwrap();
    let (b, _) = scores::read_file(&fixture("pairwise.scores-b.jsonl"), &dataset).unwrap();
    let r = evaluate(&dataset, &a, Some(&b), &options()).unwrap();
    let c = r.compare.unwrap();
    near(c.difference, 5.0 / 8.0 - 2.0 / 8.0);
    assert_eq!((c.mcnemar.a_only, c.mcnemar.b_only), (3, 0));
    near(c.mcnemar.exact_p, 0.25);
    // Three discordant items cannot make a difference real.
    assert!(!c.significant, "{}", c.verdict);
    assert!(
        c.verdict.starts_with("inconclusive") || c.verdict.starts_with("no significant"),
        "{}",
        c.verdict
    );
}

#[test]
fn best_of_n_splits_ties() {
    let r = run(Format::Bon, "bon.jsonl", "bon.scores.jsonl", &[]);
    near(r.overall.score, (1.0 + 0.5 + 0.0) / 3.0);
}

#[test]
fn llmbar_json_arrays_take_their_subset_from_the_file_name() {
    let files = [
        fixture("llmbar-natural.json"),
        fixture("llmbar-adversarial-neighbor.json"),
    ];
    let (dataset, errors) = data::load(&files, &LoadOptions::new(Format::LlmBar)).unwrap();
    assert!(errors.is_empty());
    assert_eq!(
        dataset.subsets,
        ["llmbar-natural", "llmbar-adversarial-neighbor"]
    );
    assert_eq!(dataset.items.len(), 12);
    // Rows without ids are numbered across files.
    assert_eq!(dataset.items[6].id, "6");
    assert_eq!(
        dataset.place(1),
        format!("{}:{}", files[0].display(), dataset.items[1].line)
    );
}

#[test]
fn judgebench_and_hh_rlhf_fixtures_load() {
    let (jb, errors) = data::load(
        &[fixture("judgebench.jsonl")],
        &LoadOptions::new(Format::JudgeBench),
    )
    .unwrap();
    assert!(errors.is_empty());
    assert_eq!(jb.subsets, ["knowledge", "math", "reasoning", "coding"]);
    let (hh, errors) = data::load(
        &[fixture("hh-harmless.jsonl.gz")],
        &LoadOptions::new(Format::HhRlhf),
    )
    .unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(hh.items.len(), 6);
    assert!(hh.items[0].prompt.text().ends_with("\n\nAssistant:"));
    assert_eq!(hh.subsets, ["hh-harmless"]);
}

#[test]
fn bad_scores_rows_are_reported_and_good_rows_kept() {
    let (dataset, _) = data::load(
        &[fixture("pairwise.jsonl")],
        &LoadOptions::new(Format::Pairwise),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.jsonl");
    std::fs::write(
        &path,
        concat!(
            "{\"id\": \"p0\", \"scores\": [2, 1]}\n",
            "{\"id\": \"p1\", \"scores\": [2, 1, 0]}\n",
            "{\"id\": \"nope\", \"scores\": [2, 1]}\n",
            "{\"id\": \"p2\", \"scores\": [2, \"x\"]}\n",
            "{\"id\": \"p3\", \"scores\": [null, 1]}\n",
            "{\"id\": \"p0\", \"scores\": [0, 1]}\n",
            "{\"id\": \"p4\" \"scores\": [0, 1]}\n",
            "{\"id\": \"p5\", \"scores\": [3, 1]}\n",
        ),
    )
    .unwrap();
    let (s, errors) = scores::read_file(&path, &dataset).unwrap();
    let p = path.display();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let data_place = format!("{}:2", fixture("pairwise.jsonl").display());
    assert_eq!(
        shown[0],
        format!("{p}:2: field `scores`: 3 values, but item `p1` ({data_place}) has 2 responses")
    );
    assert_eq!(shown[1], format!("{p}:3: id `nope` is not in the data"));
    assert_eq!(
        shown[2],
        format!("{p}:4: field `scores`[1]: expected a number or null, found a string")
    );
    assert_eq!(shown[3], format!("{p}:6: id `p0` repeats (first at {p}:1)"));
    assert!(
        shown[4].starts_with(&format!("{p}:7: malformed JSON")),
        "{}",
        shown[4]
    );
    assert_eq!(errors.len(), 5);
    let r = evaluate(&dataset, &s, None, &options()).unwrap();
    // p0 and p5 are evaluated (both right); nothing missing counts as 0.
    assert_eq!(r.coverage.evaluated, 2);
    near(r.overall.score, 1.0);
    assert_eq!(r.coverage.missing, 6);
    let reasons: Vec<&str> = r
        .coverage
        .missing_examples
        .iter()
        .map(|m| m.reason.as_str())
        .collect();
    assert!(
        reasons.contains(&format!("score 0 is null ({p}:5)").as_str()),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&format!("its scores row was rejected ({p}:2)").as_str()),
        "{reasons:?}"
    );
}

#[test]
fn a_spec_scores_every_response() {
    let engine = Engine::from_path(fixture("rules.toml")).unwrap();
    let load = LoadOptions {
        keep_meta: true,
        ..LoadOptions::new(Format::LlmBar)
    };
    let (dataset, _) = data::load(&[fixture("llmbar-natural.json")], &load).unwrap();
    let s = scores::score_with_engine(&engine, &dataset, 4, |_| {});
    assert!(s.missing.is_empty(), "{:?}", s.missing);
    assert_eq!(s.values.len(), 12);
    assert!(s.source.starts_with("spec eval-rules ("));
    let r = evaluate(&dataset, &s, None, &options()).unwrap();
    assert_eq!(r.coverage.evaluated, 6);
}

#[test]
fn a_reward_the_spec_cannot_compute_is_reported_not_zero() {
    let engine = Engine::from_path(fixture("needs-reference.toml")).unwrap();
    let (dataset, _) = data::load(
        &[fixture("pairwise.jsonl")],
        &LoadOptions::new(Format::Pairwise),
    )
    .unwrap();
    let s = scores::score_with_engine(&engine, &dataset, 3, |_| {});
    assert_eq!(s.missing.len(), 8);
    let first = s.missing.values().next().unwrap();
    assert!(first.starts_with("response 0: "), "{first}");
    let err = evaluate(&dataset, &s, None, &options())
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("no item has a complete set of scores (8 items read); the first, `p0`"),
        "{err}"
    );
}

#[test]
fn reports_render() {
    let r = run(
        Format::RewardBench2,
        "rewardbench2.jsonl",
        "rewardbench2.scores.jsonl",
        &[],
    );
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    for key in ["score", "ci_low", "ci_high", "n"] {
        assert!(json["overall"].get(key).is_some(), "overall.{key}");
        assert!(
            json["subsets"]["Ties"].get(key).is_some(),
            "subsets.Ties.{key}"
        );
    }
    assert_eq!(json["subsets"]["Math"]["n"], 2);
    assert!(json["ties"]["margin_score"].is_number());
    let table = plaudit_eval::report::table::render(&r);
    assert!(table.contains("Ties"), "{table}");
    let html = plaudit_eval::report::html::render(&r);
    assert!(html.contains("<svg class=\"plot\" id=\"subset-bars\""));
    assert!(html.contains("<svg class=\"plot\" id=\"score-length\""));
    // Self-contained: no external script, stylesheet or URL but the SVG namespace.
    assert!(!html.contains("<script src") && !html.contains("<link"));
    assert_eq!(
        html.matches("http").count(),
        html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
}

#[test]
fn scores_from_lists_mark_short_lists_missing() {
    let (dataset, _) = data::load(&[fixture("bon.jsonl")], &LoadOptions::new(Format::Bon)).unwrap();
    let s = scores::Scores::from_lists(&dataset, &[vec![0.0, 1.0, 2.0], vec![1.0]], "lists");
    assert_eq!(s.missing.keys().copied().collect::<Vec<_>>(), [1, 2]);
    let r = evaluate(&dataset, &s, None, &options()).unwrap();
    assert_eq!((r.coverage.evaluated, r.coverage.missing), (1, 2));
    near(r.overall.score, 1.0);
}
