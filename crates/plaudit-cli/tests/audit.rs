//! `plaudit audit` as a user runs it: the real binary, the bundled specs,
//! the built-in probes, and data files with good and bad rows.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plaudit"))
        .current_dir(root())
        .env_remove("PLAUDIT_CACHE")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_quickstart_spec_pays_no_exploit_on_the_builtin_probes() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("audit.json");
    let o = run(&[
        "audit",
        "--spec",
        "examples/math-grpo.toml",
        "--max-rate",
        "0",
        "--json",
        json.to_str().unwrap(),
    ]);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(
        out.contains("audit of spec `math-grpo`") && out.contains("over 12 probes"),
        "{out}"
    );
    assert!(out.contains("honest responses: 12 of 12"), "{out}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let exploits = report["exploits"].as_array().unwrap();
    assert!(exploits.len() >= 20);
    assert!(exploits.iter().all(|e| e["rate"] == 0.0), "{report:#}");
    assert_eq!(report["spec"]["name"], "math-grpo");
    assert_eq!(report["options"]["threshold"], 0.5);
}

#[test]
fn a_naive_spec_fails_the_gate_and_names_the_exploit() {
    let o = run(&[
        "audit",
        "--spec",
        "examples/naive-math.toml",
        "--max-rate",
        "0",
    ]);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(err.contains("boxed-spam (100.0%)"), "{err}");
    assert!(out.contains("examples of paid exploits"), "{out}");
    // Without --max-rate the audit only reports.
    let o = run(&[
        "audit",
        "--spec",
        "examples/naive-math.toml",
        "--only",
        "boxed-spam,empty",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("boxed-spam") && !out.contains("master-key-colon"),
        "{out}"
    );
}

#[test]
fn bad_rows_are_reported_by_line_and_the_rest_audited() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("probes.jsonl");
    std::fs::write(
        &data,
        b"{\"problem\": \"2+2?\", \"answer\": \"4\"}\n\
          {not json\n\
          \n\
          {\"question\": \"3+3?\"}\n\
          {\"problem\": \"1+1?\", \"answer\": \"2\", \"id\": \"last\"}\n\
          \xff\xfe\n",
    )
    .unwrap();
    let json = dir.path().join("audit.json");
    let o = run(&[
        "audit",
        "--spec",
        "examples/math-grpo.toml",
        data.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("probes.jsonl:2: malformed JSON"), "{err}");
    assert!(err.contains("probes.jsonl:4: no response"), "{err}");
    assert!(err.contains("probes.jsonl:6: invalid UTF-8"), "{err}");
    assert!(err.contains("3 rows could not be read"), "{err}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["honest"]["n"], 2);
}

#[test]
fn llmbar_arrays_and_limits() {
    let data = root().join("../shared/data/preference/llmbar/natural.json");
    if !data.exists() {
        eprintln!("skipped: {} is absent", data.display());
        return;
    }
    let o = run(&[
        "audit",
        "--spec",
        "examples/math-grpo.toml",
        data.to_str().unwrap(),
        "--limit",
        "5",
        "--only",
        "empty",
    ]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(out.contains("over 5 probes"), "{out}");
}

#[test]
fn usage_errors_exit_2() {
    let o = run(&[
        "audit",
        "--spec",
        "examples/math-grpo.toml",
        "--only",
        "nope",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("unknown exploit `nope`"));
    let o = run(&[
        "audit",
        "--spec",
        "examples/math-grpo.toml",
        "--max-rate",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--max-rate must be between 0 and 1"));
    let o = run(&["audit", "--spec", "missing.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&[
        "audit",
        "--spec",
        "examples/math-grpo.toml",
        "no-such-data.jsonl",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("cannot read no-such-data.jsonl") && err.contains("No such file"),
        "{err}"
    );
    let o = run(&["audit", "--list"]);
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o.stdout);
    assert!(
        out.contains("master-key-colon") && out.contains("length-inflation"),
        "{out}"
    );
}
