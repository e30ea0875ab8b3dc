//! The real `plaudit eval` binary: every report, bad input of every kind,
//! exit statuses, comparisons and scoring with a spec.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const DATA: &str = "crates/plaudit-eval/tests/data";

fn plaudit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plaudit"))
        .current_dir(root())
        .env_remove("PLAUDIT_CACHE")
        .arg("eval")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn fixture(name: &str) -> String {
    format!("{DATA}/{name}")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn rewardbench2_table_json_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let html = dir.path().join("r.html");
    let o = plaudit(&[
        "--format",
        "rewardbench2",
        &fixture("rewardbench2.jsonl"),
        "--scores",
        &fixture("rewardbench2.scores.jsonl"),
        "--bootstrap",
        "500",
        "--seed",
        "7",
        "--json",
        json.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    insta::assert_snapshot!(stdout(&o), @r"
    rewardbench2 · 9 items evaluated · scores file crates/plaudit-eval/tests/data/rewardbench2.scores.jsonl
    subset            n   score  95% CI            ties  longer  shorter  r(len)  ρ(len)
    Focus             3    50.0  [16.7, 100.0]        1     0.0      0.0    0.31    0.07
    Math              2    66.7  [33.3, 100.0]        1    25.0     25.0       –       –
    Ties              4    55.0  [50.0, 60.0]         2    14.1     -1.0    0.36    0.35

    Ties: tied acc 100.0 · ref acc 50.0 · margin preferred 50.0 · hard 0.0 · tanh margin 0.00

    overall           9    57.2  [35.0, 81.1]         4    13.0      8.0    0.22    0.23
      (RewardBench 2: unweighted mean of the subsets)
    ");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(
        (report["overall"]["score"].as_f64().unwrap() - (0.5 + 2.0 / 3.0 + 0.55) / 3.0).abs()
            < 1e-12
    );
    for subset in ["Focus", "Math", "Ties"] {
        for key in ["score", "ci_low", "ci_high", "n"] {
            assert!(
                report["subsets"][subset][key].is_number(),
                "subsets.{subset}.{key}"
            );
        }
    }
    assert_eq!(report["subsets"]["Ties"]["n"], 4);
    assert_eq!(report["bootstrap"]["resamples"], 500);
    // Undefined numbers are null, not a made-up 0.
    assert!(report["subsets"]["Math"]["pearson"].is_null());
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg class=\"plot\""));
}

#[test]
fn the_same_seed_gives_the_same_report() {
    let args = [
        "--format",
        "rewardbench",
        &fixture("rewardbench.jsonl"),
        "--scores",
        &fixture("rewardbench.scores.jsonl"),
        "--seed",
        "3",
        "-q",
    ]
    .map(String::from);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (a, b) = (plaudit(&args), plaudit(&args));
    assert!(a.status.success());
    assert_eq!(stdout(&a), stdout(&b));
    assert!(stdout(&a).contains("Chat Hard"), "{}", stdout(&a));
}

#[test]
fn compare_says_whether_the_difference_is_real() {
    let o = plaudit(&[
        "--format",
        "pairwise",
        &fixture("pairwise.jsonl"),
        "--scores",
        &fixture("pairwise.scores-a.jsonl"),
        "--compare",
        &fixture("pairwise.scores-b.jsonl"),
        "--by",
        "language",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("compare over 8 items both scored"), "{out}");
    assert!(
        out.contains("McNemar: A-only 3, B-only 0, exact p = 0.2500"),
        "{out}"
    );
    assert!(out.contains("inconclusive: A − B = 37.5 points"), "{out}");
    assert!(out.contains("by language\n  en"), "{out}");
}

#[test]
fn bad_rows_name_file_line_and_field_and_lose_nothing_good() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.jsonl");
    std::fs::write(
        &data,
        concat!(
            "{\"id\": \"a\", \"prompt\": \"p\", \"chosen\": \"yes\", \"rejected\": \"no\"}\n",
            "{\"id\": \"b\", \"prompt\": \"p\", \"chosen\": \"yes\"}\n",
            "{\"id\": \"c\", \"prompt\": \"p\", \"chosen\": \"yes\", \"rejected\": \"no\"}\n",
            "{\"id\": \"d\", \"prompt\": \"p\", \"chosen\": \"yes\", \"rejected\": \"no\"}\n",
        ),
    )
    .unwrap();
    let scores = dir.path().join("s.jsonl");
    std::fs::write(
        &scores,
        concat!(
            "{\"id\": \"a\", \"scores\": [1, 0]}\n",
            "{\"id\": \"c\", \"scores\": [1]}\n",
            "{\"id\": \"zz\", \"scores\": [1, 0]}\n",
            "{\"id\": \"d\", \"scores\": [0, 1]}\n",
        ),
    )
    .unwrap();
    let (d, s) = (data.to_str().unwrap(), scores.to_str().unwrap());
    let json = dir.path().join("r.json");
    let o = plaudit(&[
        "--format",
        "pairwise",
        d,
        "--scores",
        s,
        "--json",
        json.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("error: {d}:2: missing field `rejected`")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "error: {s}:2: field `scores`: 1 values, but item `c` ({d}:3) has 2 responses"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("error: {s}:3: id `zz` is not in the data")),
        "{err}"
    );
    assert!(
        err.contains("warning: 1 items have no complete scores"),
        "{err}"
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    // a (right) and d (wrong) are evaluated; c is missing, never a 0.
    assert_eq!(report["coverage"]["evaluated"], 2);
    assert_eq!(report["coverage"]["missing"], 1);
    assert_eq!(report["coverage"]["rejected_rows"], 3);
    assert_eq!(report["overall"]["score"], 0.5);
    // --strict: the same report, then status 2.
    let o = plaudit(&["--format", "pairwise", d, "--scores", s, "--strict", "-q"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("overall"));
    assert!(stderr(&o).contains("error: 3 rejected rows and 1 items without scores (--strict)"));
}

#[test]
fn malformed_json_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let scores = dir.path().join("s.jsonl");
    std::fs::write(
        &scores,
        "{\"id\": 0, \"scores\": [1, 0]}\n{\"id\": 1, \"scores\": [1, 0\n",
    )
    .unwrap();
    let s = scores.to_str().unwrap();
    let o = plaudit(&[
        "--format",
        "llmbar",
        &fixture("llmbar-natural.json"),
        "--scores",
        s,
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "error: {s}:2: malformed JSON: EOF while parsing a list"
        )),
        "{}",
        stderr(&o)
    );
}

#[test]
fn errors_exit_with_status_2() {
    let o = plaudit(&["--format", "llmbar", "missing.json", "--scores", "x.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("error: reading the data: cannot read missing.json: No such file"),
        "{}",
        stderr(&o)
    );
    let o = plaudit(&["--format", "rb3", &fixture("bon.jsonl"), "--scores", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("invalid value 'rb3' for '--format <FORMAT>'"),
        "{}",
        stderr(&o)
    );
    let o = plaudit(&["--format", "bon", &fixture("bon.jsonl")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("<--spec <SPEC>|--scores <FILE>>"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_spec_scores_the_data_and_its_scores_can_be_saved() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("saved.jsonl");
    let data = fixture("llmbar-natural.json");
    let o = plaudit(&[
        "--format",
        "llmbar",
        &data,
        "--spec",
        &fixture("rules.toml"),
        "--save-scores",
        saved.to_str().unwrap(),
        "--no-cache",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("spec eval-rules ("), "{}", stdout(&o));
    let again = plaudit(&[
        "--format",
        "llmbar",
        &data,
        "--scores",
        saved.to_str().unwrap(),
        "-q",
    ]);
    assert!(again.status.success(), "{}", stderr(&again));
    let overall = |o: &Output| {
        stdout(o)
            .lines()
            .find(|l| l.starts_with("overall"))
            .map(str::to_owned)
    };
    assert_eq!(overall(&o), overall(&again));
}

#[test]
fn a_spec_without_rewards_is_an_error_not_zeros() {
    let o = plaudit(&[
        "--format",
        "pairwise",
        &fixture("pairwise.jsonl"),
        "--spec",
        &fixture("needs-reference.toml"),
        "--no-cache",
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("warning: 8 items have no complete scores in spec needs-reference"),
        "{err}"
    );
    assert!(
        err.contains("error: no item has a complete set of scores (8 items read)"),
        "{err}"
    );
}

#[test]
fn hh_rlhf_gzip_and_judgebench_fixtures() {
    for (format, file) in [
        ("hh-rlhf", "hh-harmless.jsonl.gz"),
        ("judgebench", "judgebench.jsonl"),
    ] {
        let o = plaudit(&[
            "--format",
            format,
            &fixture(file),
            "--spec",
            &fixture("rules.toml"),
            "--no-cache",
            "-q",
        ]);
        assert!(o.status.success(), "{format}: {}", stderr(&o));
    }
}

/// `plaudit eval` with a reward model computed in-process (`model.local`,
/// built with the `local` feature): LLMBar Natural's fixture scored by the tiny Llama
/// classifier of plaudit-model's tests through its chat template, every
/// item evaluated, and a second run with the same cache reporting the same.
/// Without the feature the spec is refused, saying so, and the test says
/// it skipped.
#[test]
fn a_reward_model_aspect_evaluates_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache.sqlite");
    let json = dir.path().join("r.json");
    let data = fixture("llmbar-natural.json");
    let run = || {
        plaudit(&[
            "--format",
            "llmbar",
            &data,
            "--spec",
            "examples/reward-model/tiny-local-rm.toml",
            "--cache",
            cache.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
            "-q",
        ])
    };
    let first = run();
    if stderr(&first).contains("built without the `local` feature") {
        eprintln!("skipped: plaudit was built without plaudit-model's `local` feature");
        return;
    }
    assert!(first.status.success(), "{}", stderr(&first));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["coverage"]["items"], 6);
    assert_eq!(report["coverage"]["evaluated"], 6, "{}", report["coverage"]);
    let second = run();
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(stdout(&first), stdout(&second));
}
