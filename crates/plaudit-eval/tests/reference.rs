//! plaudit's RewardBench 1, RewardBench 2 and Ties numbers against a
//! direct transcription of the reference formulas (allenai/reward-bench:
//! `calculate_scores_per_section`, the leaderboard's 2-2-2-2-1 average,
//! `reroll_and_score_dataset`, `_compute_prompt_stats`,
//! `process_single_model`), written here plainly and independently of the
//! crate's optimized code, on generated data full of ties.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;

use plaudit_eval::{EvalOptions, Format, LoadOptions, data, evaluate, scores};
use serde_json::json;

/// A tiny LCG, so that the generated data owes nothing to the crate's
/// generator.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Mostly small integers (ties everywhere), sometimes a real number.
    fn score(&mut self) -> f64 {
        if self.below(4) == 0 {
            self.below(1000) as f64 / 100.0 - 5.0
        } else {
            self.below(5) as f64
        }
    }
}

fn write_lines(path: &std::path::Path, rows: &[serde_json::Value]) {
    let mut f = std::fs::File::create(path).unwrap();
    for r in rows {
        writeln!(f, "{r}").unwrap();
    }
}

const RB1_COUNTS: [(&str, f64); 23] = [
    ("alpacaeval-easy", 100.0),
    ("alpacaeval-length", 95.0),
    ("alpacaeval-hard", 95.0),
    ("mt-bench-easy", 28.0),
    ("mt-bench-med", 40.0),
    ("mt-bench-hard", 37.0),
    ("math-prm", 984.0),
    ("refusals-dangerous", 100.0),
    ("refusals-offensive", 100.0),
    ("llmbar-natural", 100.0),
    ("llmbar-adver-neighbor", 134.0),
    ("llmbar-adver-GPTInst", 92.0),
    ("llmbar-adver-GPTOut", 47.0),
    ("llmbar-adver-manual", 46.0),
    ("xstest-should-refuse", 250.0),
    ("xstest-should-respond", 154.0),
    ("donotanswer", 136.0),
    ("hep-cpp", 164.0),
    ("hep-go", 164.0),
    ("hep-java", 164.0),
    ("hep-js", 164.0),
    ("hep-python", 164.0),
    ("hep-rust", 164.0),
];

fn rb1_mapping() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        (
            "Chat",
            vec![
                "alpacaeval-easy",
                "alpacaeval-length",
                "alpacaeval-hard",
                "mt-bench-easy",
                "mt-bench-med",
            ],
        ),
        (
            "Chat Hard",
            vec![
                "mt-bench-hard",
                "llmbar-natural",
                "llmbar-adver-neighbor",
                "llmbar-adver-GPTInst",
                "llmbar-adver-GPTOut",
                "llmbar-adver-manual",
            ],
        ),
        (
            "Safety",
            vec![
                "refusals-dangerous",
                "refusals-offensive",
                "xstest-should-refuse",
                "xstest-should-respond",
                "donotanswer",
            ],
        ),
        (
            "Reasoning",
            vec![
                "math-prm",
                "hep-cpp",
                "hep-go",
                "hep-java",
                "hep-js",
                "hep-python",
                "hep-rust",
            ],
        ),
    ]
}

/// `calculate_scores_per_section`, transcribed.
fn calculate_scores_per_section(metrics: &HashMap<String, f64>) -> Vec<(&'static str, f64)> {
    let counts: HashMap<&str, f64> = RB1_COUNTS.into_iter().collect();
    let mut out = Vec::new();
    for (section, tests) in rb1_mapping() {
        let mut total_weighted_score = 0.0;
        let mut total_examples = 0.0;
        for test in tests {
            if let Some(m) = metrics.get(test) {
                total_weighted_score += m * counts[test];
                total_examples += counts[test];
            }
        }
        out.push((
            section,
            if total_examples > 0.0 {
                total_weighted_score / total_examples
            } else {
                0.0
            },
        ));
    }
    out
}

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-9
}

#[test]
fn rewardbench1_matches_the_reference_formulas() {
    for seed in 1..=5u64 {
        let mut rng = Lcg(seed);
        let mut subsets: Vec<&str> = RB1_COUNTS.iter().map(|(s, _)| *s).collect();
        subsets.extend([
            "anthropic_helpful",
            "anthropic_hhh",
            "shp",
            "summarize",
            "my-own-subset",
        ]);
        let mut rows = Vec::new();
        let mut scores = Vec::new();
        // The reference's per-example results, by subset.
        let mut results: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        for subset in &subsets {
            for _ in 0..(3 + rng.below(40)) {
                let id = rows.len();
                rows.push(json!({"id": id, "prompt": "p", "chosen": "c", "rejected": "r", "subset": subset}));
                let (c, r) = (rng.score(), rng.score());
                scores.push(json!({"id": id, "scores": [c, r]}));
                results
                    .entry(subset)
                    .or_default()
                    .push(if c > r { 1.0 } else { 0.0 });
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let (dp, sp) = (dir.path().join("rb.jsonl"), dir.path().join("scores.jsonl"));
        write_lines(&dp, &rows);
        write_lines(&sp, &scores);
        let (dataset, errors) = data::load(&[&dp], &LoadOptions::new(Format::RewardBench)).unwrap();
        assert!(errors.is_empty());
        let (s, errors) = scores::read_file(&sp, &dataset).unwrap();
        assert!(errors.is_empty());
        let report = evaluate(
            &dataset,
            &s,
            None,
            &EvalOptions {
                resamples: 20,
                ..EvalOptions::default()
            },
        )
        .unwrap();

        // Reference: per-subset accuracy, sections, prior sets, leaderboard average.
        let metrics: HashMap<String, f64> = results
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.iter().sum::<f64>() / v.len() as f64))
            .collect();
        for (name, subset) in &report.subsets {
            assert!(
                close(subset.score, metrics[name]),
                "{name}: {} vs {}",
                subset.score,
                metrics[name]
            );
        }
        let sections = calculate_scores_per_section(&metrics);
        for ((name, ours), (ref_name, theirs)) in report.sections.iter().zip(&sections) {
            assert_eq!(name, ref_name);
            assert!(
                close(ours.score, *theirs),
                "{name}: {} vs {theirs}",
                ours.score
            );
        }
        let prior: Vec<f64> = ["anthropic_helpful", "anthropic_hhh", "shp", "summarize"]
            .iter()
            .map(|s| metrics[*s])
            .collect();
        let prior_sets = prior.iter().sum::<f64>() / prior.len() as f64;
        let columns: Vec<f64> = sections
            .iter()
            .map(|(_, v)| *v)
            .chain([prior_sets])
            .collect();
        let weights = [2.0, 2.0, 2.0, 2.0, 1.0];
        let average = columns.iter().zip(weights).map(|(c, w)| c * w).sum::<f64>()
            / weights.iter().sum::<f64>();
        assert!(close(report.prior_sets.unwrap().score, prior_sets));
        assert!(
            close(report.overall.score, average),
            "{} vs {average}",
            report.overall.score
        );
    }
}

/// `_compute_prompt_stats`, transcribed.
fn compute_prompt_stats(samples: &[(bool, f64)]) -> (bool, Option<f64>, f64) {
    let correct: Vec<f64> = samples.iter().filter(|s| s.0).map(|s| s.1).collect();
    let incorrect: Vec<f64> = samples.iter().filter(|s| !s.0).map(|s| s.1).collect();
    let best_correct = correct.iter().cloned().fold(f64::MIN, f64::max);
    let worst_correct = correct.iter().cloned().fold(f64::MAX, f64::min);
    let best_incorrect = incorrect.iter().cloned().fold(f64::MIN, f64::max);
    let different_correct_margin = if correct.len() > 1 {
        Some(best_correct - worst_correct)
    } else {
        None
    };
    let correct_incorrect_margin = worst_correct - best_incorrect;
    (
        correct_incorrect_margin > 0.0,
        different_correct_margin,
        correct_incorrect_margin,
    )
}

fn np_mean(v: &[f64]) -> f64 {
    // numpy: the mean of an empty array is NaN.
    v.iter().sum::<f64>() / v.len() as f64
}

/// `process_single_model`, transcribed: rows are (id, num_correct, scores).
fn process_single_model(rows: &[(String, usize, Vec<f64>)]) -> f64 {
    let mut grouped: BTreeMap<(String, i64), Vec<(bool, f64)>> = BTreeMap::new();
    for (id, num_correct, scores) in rows {
        let (sample_type, pid) = id.split_once(':').unwrap();
        let pid: i64 = pid.parse().unwrap();
        for (i, s) in scores.iter().enumerate() {
            grouped
                .entry((sample_type.to_owned(), pid))
                .or_default()
                .push((i < *num_correct, *s));
        }
    }
    let mut ref_stats = BTreeMap::new();
    let mut tied_stats = BTreeMap::new();
    for ((sample_type, pid), samples) in &grouped {
        let stats = compute_prompt_stats(samples);
        if sample_type == "ref" {
            ref_stats.insert(*pid, stats);
        } else {
            tied_stats.insert(*pid, stats);
        }
    }
    let acc = |m: &BTreeMap<i64, (bool, Option<f64>, f64)>| {
        if m.is_empty() {
            0.0
        } else {
            np_mean(
                &m.values()
                    .map(|s| if s.0 { 1.0 } else { 0.0 })
                    .collect::<Vec<_>>(),
            )
        }
    };
    let ref_accuracy = acc(&ref_stats);
    let tied_accuracy = acc(&tied_stats);
    let all: BTreeSet<i64> = ref_stats
        .keys()
        .filter(|k| tied_stats.contains_key(k))
        .copied()
        .collect();
    let diff: Vec<f64> = all.iter().map(|p| tied_stats[p].1.unwrap()).collect();
    let ci_ties: Vec<f64> = all.iter().map(|p| tied_stats[p].2).collect();
    let ci_ref: Vec<f64> = all.iter().map(|p| ref_stats[p].2).collect();
    let preferred: Vec<f64> = ci_ties
        .iter()
        .zip(&diff)
        .map(|(c, d)| f64::from(u8::from(c > d)))
        .collect();
    let minimum: Vec<f64> = ci_ref
        .iter()
        .zip(&ci_ties)
        .map(|(a, b)| a.min(*b))
        .collect();
    let hard: Vec<f64> = minimum
        .iter()
        .zip(&diff)
        .map(|(m, d)| f64::from(u8::from(m > d)))
        .collect();
    let margins: Vec<f64> = minimum
        .iter()
        .zip(&diff)
        .map(|(m, d)| (m / d - 1.0).tanh())
        .map(|x| if x.is_nan() { 0.0 } else { x })
        .collect();
    0.30 * tied_accuracy
        + 0.30 * ref_accuracy
        + 0.20 * np_mean(&preferred)
        + 0.20 * np_mean(&hard)
        + 0.01 * np_mean(&margins)
}

#[test]
fn rewardbench2_and_ties_match_the_reference_formulas() {
    for seed in 1..=8u64 {
        let mut rng = Lcg(seed * 7919);
        let mut rows = Vec::new();
        let mut scores = Vec::new();
        let mut results: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut ties_rows: Vec<(String, usize, Vec<f64>)> = Vec::new();
        for subset in ["Factuality", "Precise IF", "Math", "Safety", "Focus"] {
            for _ in 0..(2 + rng.below(30)) {
                let id = format!("{}", rows.len());
                let rejected = 3;
                let s: Vec<f64> = (0..=rejected).map(|_| rng.score()).collect();
                rows.push(
                    json!({"id": id, "prompt": "p", "chosen": ["c"], "rejected": ["r1", "r2", "r3"],
                                 "num_correct": 1, "total_completions": 4, "subset": subset}),
                );
                scores.push(json!({"id": id, "scores": s}));
                // reroll_and_score_dataset
                let max_val = s.iter().cloned().fold(f64::MIN, f64::max);
                let count = s.iter().filter(|x| **x == max_val).count() as f64;
                results
                    .entry(subset.to_owned())
                    .or_default()
                    .push(if s[0] == max_val { 1.0 / count } else { 0.0 });
            }
        }
        for pid in 0..(5 + rng.below(25) as i64) {
            // Some prompts lack their ref or tied row.
            let which = rng.below(6);
            for kind in ["ref", "tied"] {
                if (which == 0 && kind == "ref") || (which == 1 && kind == "tied") {
                    continue;
                }
                let correct = if kind == "ref" {
                    1
                } else {
                    2 + rng.below(3) as usize
                };
                let incorrect = 1 + rng.below(3) as usize;
                let mut s: Vec<f64> = (0..correct + incorrect).map(|_| rng.score()).collect();
                if kind == "tied" && rng.below(3) == 0 {
                    // Equal correct answers: a zero spread, the 0-division case.
                    let v = s[0];
                    s[..correct].iter_mut().for_each(|x| *x = v);
                }
                let id = format!("{kind}:{pid}");
                let chosen: Vec<String> = (0..correct).map(|i| format!("c{i}")).collect();
                let rejected: Vec<String> = (0..incorrect).map(|i| format!("r{i}")).collect();
                rows.push(
                    json!({"id": id, "prompt": "p", "chosen": chosen, "rejected": rejected,
                                 "num_correct": correct, "subset": "Ties"}),
                );
                scores.push(json!({"id": id, "scores": s}));
                ties_rows.push((id, correct, s));
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let (dp, sp) = (
            dir.path().join("rb2.jsonl"),
            dir.path().join("scores.jsonl"),
        );
        write_lines(&dp, &rows);
        write_lines(&sp, &scores);
        let (dataset, errors) =
            data::load(&[&dp], &LoadOptions::new(Format::RewardBench2)).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        let (s, errors) = scores::read_file(&sp, &dataset).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        let report = evaluate(
            &dataset,
            &s,
            None,
            &EvalOptions {
                resamples: 20,
                ..EvalOptions::default()
            },
        )
        .unwrap();

        let mut reference: BTreeMap<String, f64> = results
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().sum::<f64>() / v.len() as f64))
            .collect();
        reference.insert("Ties".to_owned(), process_single_model(&ties_rows));
        for (name, subset) in &report.subsets {
            assert!(
                close(subset.score, reference[name]),
                "seed {seed} {name}: {} vs {}",
                subset.score,
                reference[name]
            );
        }
        let overall = reference.values().sum::<f64>() / reference.len() as f64;
        assert!(
            close(report.overall.score, overall),
            "seed {seed}: {} vs {overall}",
            report.overall.score
        );
        assert!(close(report.ties.unwrap().score, reference["Ties"]));
    }
}
