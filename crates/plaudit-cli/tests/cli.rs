//! The real `plaudit` binary on real files: the quickstart, bad input of
//! every kind, resuming, Parquet, and the cache.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn plaudit() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_plaudit"));
    c.current_dir(root());
    c.env_remove("PLAUDIT_CACHE");
    c
}

fn run(args: &[&str]) -> Output {
    plaudit().args(args).output().expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn rows(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Timing varies from run to run; everything else in the summary is stable.
fn stable(text: &str) -> String {
    text.lines()
        .map(|l| match l.find(") in ") {
            Some(i) if l.starts_with("scored ") => format!("{}) in [TIME]", &l[..i]),
            _ => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const SPEC: &str = "examples/math-grpo.toml";

#[test]
fn quickstart_scores_the_bundled_example() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scores.jsonl");
    let o = run(&[
        "score",
        "--spec",
        SPEC,
        "examples/gsm8k-rollouts.jsonl",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = rows(&out);
    assert_eq!(rows.len(), 300);
    assert_eq!(rows[0]["id"], "gsm8k-0-r0");
    for r in &rows {
        for a in ["format", "correct", "overlong", "repetition"] {
            let status = r["aspects"][a]["status"].as_str().unwrap();
            assert!(["scored", "not_applicable", "failed", "timed_out"].contains(&status));
        }
    }
    // The first response of every group is correct and well formed.
    assert_eq!(rows[0]["aspects"]["correct"]["value"], 1.0);
    assert_eq!(rows[0]["aspects"]["format"]["value"], 1.0);
    insta::assert_snapshot!(stable(&stderr(&o)));
}

#[test]
fn no_details_writes_the_same_scores_without_details() {
    let dir = tempfile::tempdir().unwrap();
    let score = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let mut args = vec![
            "score",
            "--spec",
            SPEC,
            "examples/gsm8k-rollouts.jsonl",
            "-q",
        ];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["-o", out.to_str().unwrap()]);
        let o = run(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        rows(&out)
    };
    let full = score("full.jsonl", &[]);
    let lean = score("lean.jsonl", &["--no-details"]);
    assert_eq!(full.len(), 300);
    assert_eq!(lean.len(), 300);
    let mut details = 0;
    for (f, l) in full.iter().zip(&lean) {
        assert_eq!(f["id"], l["id"]);
        assert_eq!(f["reward"], l["reward"]);
        for (name, fa) in f["aspects"].as_object().unwrap() {
            let la = &l["aspects"][name];
            assert_eq!(fa["status"], la["status"], "{} {name}", f["id"]);
            assert_eq!(fa["value"], la["value"], "{} {name}", f["id"]);
            details += usize::from(fa.get("details").is_some());
            // Only the engine's note on a gate that held the aspect back.
            if let Some(d) = la.get("details") {
                assert_eq!(
                    d.as_object().unwrap().keys().collect::<Vec<_>>(),
                    ["gated_by"]
                );
            }
        }
    }
    assert!(details > 300, "{details}");
}

#[test]
fn check_prints_the_resolved_spec() {
    let o = run(&["check", SPEC]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.starts_with("# examples/math-grpo.toml is valid\n# content hash: "),
        "{text}"
    );
    assert!(
        text.contains("pass_threshold = 1.0"),
        "defaults are filled in: {text}"
    );
}

#[test]
fn check_reports_every_problem_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("bad.toml");
    std::fs::write(
        &spec,
        "name = \"bad\"\n\n[[aspect]]\nname = \"a\"\nkind = \"format.tag\"\n\n[[aspect]]\nname = \"b\"\nkind = \"length.overlong\"\nmax_length = 100\nbuffer = 200\nunit = \"words\"\nweight = 2\nrequires = \"c\"\n",
    )
    .unwrap();
    let o = run(&["check", spec.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o).replace(&dir.path().display().to_string(), "[DIR]");
    insta::assert_snapshot!(err);
}

#[test]
fn a_spec_that_is_not_utf8_or_not_there() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("latin1.toml");
    std::fs::write(&spec, b"name = \"caf\xe9\"\n").unwrap();
    let o = run(&["check", spec.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o).replace(&dir.path().display().to_string(), "[DIR]");
    assert_eq!(
        err.trim(),
        "error: the spec [DIR]/latin1.toml has 1 problem\n  [DIR]/latin1.toml:1:12: the file is not valid UTF-8"
    );
    let o = run(&["check", "nope.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("nope.toml: cannot read the file"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn malformed_rows_are_reported_and_the_rest_is_scored() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let mut f = std::fs::File::create(&input).unwrap();
    f.write_all(b"{\"id\": \"a\", \"response\": \"<think>x</think><answer>1</answer>\", \"reference\": \"1\"}\n").unwrap();
    f.write_all(b"{\"id\": \"b\", \"response\": \n").unwrap(); // malformed JSON
    f.write_all(b"\n").unwrap(); // blank: not a row
    f.write_all(b"{\"id\": \"c\", \"response\": \"caf\xe9\"}\n")
        .unwrap(); // invalid UTF-8
    f.write_all(b"{\"id\": \"d\", \"completion\": \"x\"}\n")
        .unwrap(); // no response field
    f.write_all(b"[1, 2]\n").unwrap(); // not an object
    f.write_all(b"{\"id\": \"e\", \"response\": \"<think>y</think><answer>2</answer>\", \"reference\": \"3\"}").unwrap(); // no final newline
    drop(f);
    let out = dir.path().join("out.jsonl");
    let args = [
        "score",
        "--spec",
        SPEC,
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let ids: Vec<Value> = rows(&out).iter().map(|r| r["id"].clone()).collect();
    assert_eq!(ids, vec![json!("a"), json!("e")]);
    let err = stderr(&o).replace(&input.display().to_string(), "in.jsonl");
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    insta::assert_snapshot!(errors.join("\n"), @r#"
    error: in.jsonl:2: malformed JSON: EOF while parsing a value at line 1 column 24
    error: in.jsonl:4: invalid UTF-8 at byte 29 of the line
    error: in.jsonl:5: no `response` field; name the field holding the model's response with --response-field
    error: in.jsonl:6: expected a JSON object per row, found a list
    "#);
    assert!(err.contains("4 malformed rows were skipped"), "{err}");

    // --strict: the same good rows are written, and the exit status says it failed.
    let mut strict = args.to_vec();
    strict.push("--strict");
    let o = run(&strict);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(rows(&out).len(), 2);
}

#[test]
fn an_empty_file_scores_nothing_and_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("empty.jsonl");
    std::fs::write(&input, "").unwrap();
    let o = run(&["score", "--spec", SPEC, input.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert!(stderr(&o).starts_with("scored 0 samples"), "{}", stderr(&o));
}

#[test]
fn a_50_mb_response_fails_its_own_aspects_only() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.jsonl");
    let huge = "word ".repeat(10 << 20); // 50 MiB
    let mut text =
        serde_json::to_string(&json!({"id": "huge", "response": huge, "reference": "1"})).unwrap();
    text.push('\n');
    text.push_str("{\"id\": \"small\", \"response\": \"<think>x</think><answer>1</answer>\", \"reference\": \"1\"}\n");
    std::fs::write(&input, text).unwrap();
    let out = dir.path().join("out.jsonl");
    let o = run(&[
        "score",
        "--spec",
        SPEC,
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = rows(&out);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["reward"], Value::Null);
    assert_eq!(
        rows[0]["aspects"]["format"]["error"],
        "the response is 52428800 bytes, over the limit of 16777216 (limits.max_response_bytes); it was not read"
    );
    assert_eq!(rows[1]["aspects"]["correct"]["value"], 1.0);
}

#[test]
fn resume_repairs_a_torn_line_and_scores_each_sample_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let full = [
        "score",
        "--spec",
        SPEC,
        "examples/gsm8k-rollouts.jsonl",
        "-o",
        out.to_str().unwrap(),
    ];
    assert!(run(&full).status.success());
    let text = std::fs::read_to_string(&out).unwrap();
    // Keep 100 whole rows and half of the 101st, as a crash would.
    let cut: usize = text.lines().take(100).map(|l| l.len() + 1).sum::<usize>() + 40;
    std::fs::write(&out, &text[..cut]).unwrap();
    let mut resume = full.to_vec();
    resume.push("--resume");
    let o = run(&resume);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("torn last line"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("100 samples were already in the output"),
        "{}",
        stderr(&o)
    );
    let again = std::fs::read_to_string(&out).unwrap();
    let mut ids: Vec<String> = again
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 300);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 300, "no sample twice");
}

#[test]
fn field_flags_map_other_layouts() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("verl.jsonl");
    std::fs::write(
        &input,
        "{\"uid\": 7, \"completion\": \"<think>a</think><answer>18</answer>\", \"reward_model\": {\"ground_truth\": \"18\"}}\n\
         {\"uid\": 8, \"completion\": \"<think>a</think><answer>17</answer>\", \"extra\": {\"gold\": \"17\"}, \"reward_model\": {\"ground_truth\": \"18\"}}\n",
    )
    .unwrap();
    let o = run(&[
        "score",
        "--spec",
        SPEC,
        input.to_str().unwrap(),
        "--response-field",
        "completion",
        "--id-field",
        "uid",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: Vec<Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows[0]["id"], "7");
    assert_eq!(
        rows[0]["aspects"]["correct"]["value"], 1.0,
        "reward_model.ground_truth by default"
    );
    assert_eq!(rows[1]["aspects"]["correct"]["value"], 0.0);
    let o = run(&[
        "score",
        "--spec",
        SPEC,
        input.to_str().unwrap(),
        "--response-field",
        "completion",
        "--reference-field",
        "extra.gold",
    ]);
    let rows: Vec<Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows[0]["id"], "0", "the row's position when there is no id");
    assert_eq!(rows[1]["aspects"]["correct"]["value"], 1.0);
    assert_eq!(rows[0]["aspects"]["correct"]["status"], "not_applicable");
}

#[test]
fn a_closed_stdout_pipe_is_not_an_error() {
    let mut child = plaudit()
        .args([
            "score",
            "--spec",
            SPEC,
            "examples/gsm8k-rollouts.jsonl",
            "--batch-size",
            "10",
            "-q",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("{\"id\":\"gsm8k-0-r0\""));
    // The reader is dropped here: the pipe closes while plaudit still writes.
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

#[test]
fn a_spec_with_an_unknown_kind_stops_before_reading_input() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("s.toml");
    std::fs::write(
        &spec,
        "name = \"s\"\n[[aspect]]\nname = \"m\"\nkind = \"reward.magic\"\n",
    )
    .unwrap();
    let o = run(&[
        "score",
        "--spec",
        spec.to_str().unwrap(),
        "does-not-exist.jsonl",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("s.toml:4:1: `aspect[0].kind`: unknown aspect kind `reward.magic`"),
        "{err}"
    );
    assert!(
        err.contains(
            "valid kinds: code.tests, embed.similarity, format.json, format.regex, format.tags"
        ),
        "{err}"
    );
}

#[test]
fn a_missing_input_is_an_error_naming_it() {
    let o = run(&["score", "--spec", SPEC, "nope.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o).trim(),
        "error: cannot open nope.jsonl: No such file or directory (os error 2)"
    );
}

#[test]
fn a_missing_input_leaves_an_existing_output_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scores.jsonl");
    std::fs::write(&out, "{\"id\": \"kept\"}\n").unwrap();
    let o = run(&[
        "score",
        "--spec",
        SPEC,
        "examples/gsm8k-rollouts.jsonl",
        "missing.jsonl",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot open missing.jsonl"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "{\"id\": \"kept\"}\n"
    );
}

#[test]
fn cached_aspects_hit_the_sqlite_cache_on_a_second_run() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("cached.toml");
    std::fs::write(
        &spec,
        "name = \"cached\"\n[[aspect]]\nname = \"correct\"\nkind = \"match.exact\"\nextract = \"answer_tag\"\ncache = true\n",
    )
    .unwrap();
    let cache = dir.path().join("cache.sqlite");
    let score = || {
        let o = run(&[
            "score",
            "--spec",
            spec.to_str().unwrap(),
            "examples/gsm8k-rollouts.jsonl",
            "--cache",
            cache.to_str().unwrap(),
            "-q",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8(o.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .collect::<Vec<_>>()
    };
    let first = score();
    assert!(
        first
            .iter()
            .all(|r| r["aspects"]["correct"]["cache_hit"] == false)
    );
    let second = score();
    assert!(
        second
            .iter()
            .all(|r| r["aspects"]["correct"]["cache_hit"] == true)
    );
    let rewards = |rows: &[Value]| rows.iter().map(|r| r["reward"].clone()).collect::<Vec<_>>();
    assert_eq!(rewards(&first), rewards(&second));
    // The summary says that a re-run computed nothing.
    let o = run(&[
        "score",
        "--spec",
        spec.to_str().unwrap(),
        "examples/gsm8k-rollouts.jsonl",
        "--cache",
        cache.to_str().unwrap(),
        "-o",
        dir.path().join("again.jsonl").to_str().unwrap(),
    ]);
    assert!(
        stderr(&o).contains(
            "cache: 300 of 300 evaluations of cached aspects came from the cache, 0 were computed"
        ),
        "{}",
        stderr(&o)
    );
    // --no-cache leaves the cache alone.
    let o = run(&[
        "score",
        "--spec",
        spec.to_str().unwrap(),
        "examples/gsm8k-rollouts.jsonl",
        "--no-cache",
        "-q",
    ]);
    let row: Value =
        serde_json::from_str(String::from_utf8(o.stdout).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(row["aspects"]["correct"].get("cache_hit"), None);
}

#[cfg(feature = "parquet")]
#[test]
fn a_verl_parquet_in_and_a_parquet_score_table_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scores.parquet");
    let input = "crates/plaudit-io/tests/data/gsm8k_verl.parquet";
    let o = run(&["score", "--spec", SPEC, input, "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("scored 50 samples"),
        "{}",
        stderr(&o)
    );
    let rows: Vec<serde_json::Map<String, Value>> = plaudit_io::parquet_rows(&out)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 50);
    assert_eq!(rows[0]["id"], "0", "verl rows have no id: their position");
    for r in &rows {
        let status = r["correct.status"].as_str().unwrap();
        assert!(["scored", "not_applicable"].contains(&status), "{r:?}");
    }
    // The same file as JSONL gives the same rewards.
    let o = run(&["score", "--spec", SPEC, input, "-q"]);
    let jsonl: Vec<Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (p, j) in rows.iter().zip(&jsonl) {
        assert_eq!(p["reward"], j["reward"]);
        assert_eq!(p["format.value"], j["aspects"]["format"]["value"]);
    }
    // The reference came from reward_model.ground_truth.
    let correct = jsonl
        .iter()
        .filter(|r| r["aspects"]["correct"]["value"] == 1.0)
        .count();
    assert!(correct > 0, "some responses of the fixture are right");
}

#[test]
fn math_check_explains_its_verdict_and_exits_by_it() {
    let o = run(&["math", "check", "\\frac{1}{2}", "so it is $\\boxed{0.5}$."]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!(String::from_utf8_lossy(&o.stdout));

    let o = run(&["math", "check", "13535", "#### 13534"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("not equivalent: "));

    let o = run(&["math", "check", "--json", "1/2004!", "1/2006!"]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["verdict"], "not equivalent");
    assert_eq!(v["answer"]["found_by"], "whole input");

    let o = run(&["math", "check", "--policy", "{\"percent\": true}", "1", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--policy"), "{}", stderr(&o));
}

/// Every MATH-500 reference answer, boxed at the end of a completion,
/// scores 1 against itself through `plaudit score`, with the verl layout
/// (`reward_model.ground_truth`) as the reference.
#[test]
fn math_equivalent_scores_every_math500_answer_against_itself() {
    let data = root().join("crates/plaudit-math/tests/data/reference_answers.jsonl");
    let text = std::fs::read_to_string(&data).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("math500.jsonl");
    let mut f = std::fs::File::create(&input).unwrap();
    let mut n = 0;
    for line in text.lines() {
        let row: Value = serde_json::from_str(line).unwrap();
        if row["source"] != "math500" {
            continue;
        }
        let answer = row["answer"].as_str().unwrap();
        let response =
            format!("Working through it step by step.\n\nThe answer is $\\boxed{{{answer}}}$.");
        let sample = json!({"id": row["id"], "response": response, "reward_model": {"ground_truth": answer}});
        writeln!(f, "{sample}").unwrap();
        n += 1;
    }
    drop(f);
    let spec = dir.path().join("math.toml");
    std::fs::write(
        &spec,
        "name = \"math\"\n[[aspect]]\nname = \"correct\"\nkind = \"math.equivalent\"\n",
    )
    .unwrap();
    let out = dir.path().join("scores.jsonl");
    let o = run(&[
        "score",
        "--spec",
        spec.to_str().unwrap(),
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--no-cache",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = rows(&out);
    assert_eq!((rows.len(), n), (500, 500));
    let wrong: Vec<_> = rows
        .iter()
        .filter(|r| r["aspects"]["correct"]["value"] != json!(1.0))
        .map(|r| (r["id"].clone(), r["aspects"]["correct"].clone()))
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn doctor_reports_the_sandbox_and_exits_by_it() {
    let o = run(&["doctor", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    let ok = report["ok"].as_bool().expect("ok");
    assert_eq!(o.status.code(), Some(if ok { 0 } else { 1 }), "{report}");
    for key in ["kernel", "root", "seccomp", "probe", "python3"] {
        assert!(report.get(key).is_some(), "{key} missing: {report}");
    }
    if ok {
        // The probe ran inside a sandbox: under the namespace's init, not as root.
        assert_eq!(report["probe"]["pid"], 2);
        assert!(
            report["probe"]["uids"][0].as_u64().is_some_and(|u| u > 0),
            "{report}"
        );
        assert_eq!(report["probe"]["capabilities_empty"], true);
    } else {
        assert!(report["problem"].is_string(), "{report}");
    }
    if std::env::var_os("PLAUDIT_REQUIRE_SANDBOX").is_some_and(|v| v == "1") {
        assert!(ok, "PLAUDIT_REQUIRE_SANDBOX=1 but doctor says: {report}");
    }
    let text = run(&["doctor"]);
    assert_eq!(text.status.code(), o.status.code());
    assert!(
        String::from_utf8_lossy(&text.stdout)
            .contains("plaudit doctor: the code sandbox on this host")
    );
}

#[test]
fn the_code_example_scores_in_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("code.jsonl");
    let o = run(&[
        "score",
        "--spec",
        "examples/code/code-tests.toml",
        "examples/code/rollouts.jsonl",
        "--no-cache",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = rows(&out);
    assert_eq!(rows.len(), 17);
    let sandbox = plaudit_sandbox_available();
    for row in &rows {
        let tests = &row["aspects"]["tests"];
        if !sandbox {
            // Never a 0: the sandbox's absence is a failed outcome.
            assert_eq!(tests["status"], "failed", "{row}");
            continue;
        }
        assert_eq!(tests["status"], "scored", "{row}");
        let id = row["id"].as_str().unwrap();
        let value = tests["value"].as_f64().unwrap();
        if id.ends_with("-canonical") {
            assert_eq!(value, 1.0, "{row}");
        } else {
            assert!(value < 1.0, "a mutant passes every test: {row}");
        }
    }
}

/// Whether this host runs the sandbox (as `plaudit doctor` says).
fn plaudit_sandbox_available() -> bool {
    let o = run(&["doctor", "--json"]);
    let ok = o.status.code() == Some(0);
    if !ok && std::env::var_os("PLAUDIT_REQUIRE_SANDBOX").is_some_and(|v| v == "1") {
        panic!(
            "PLAUDIT_REQUIRE_SANDBOX=1 but the sandbox is unavailable: {}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
    ok
}
