//! The assert converter on real suites: all 164 HumanEval `check`
//! functions and the 20 MBPP test lists in `../shared/data/code`.
//!
//! Pinned: how many tests convert, which statements do not and why, and
//! spot values. Then, where a `python3` exists, every dataset's own
//! canonical solution is run through the call harness (unsandboxed: these
//! are the benchmarks' reference solutions, trusted code) against the
//! converted tests, which must all pass — Python itself checking the
//! converted expected values — and a wrong solution must fail.
//!
//! Skipped, with a message, where the shared data folder is absent.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use plaudit_verifiers::code::{
    CallTest, Check, Conversion, PyValue, Transform, convert, convert_asserts, decode_call_results,
    harness_input, python_call_harness, verdicts,
};
use serde_json::Value;

fn data_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/code");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: {} is absent (the shared code data)",
            dir.display()
        );
        None
    }
}

struct HumanEval {
    task_id: String,
    prompt: String,
    entry_point: String,
    canonical_solution: String,
    test: String,
}

fn humaneval(dir: &Path) -> Vec<HumanEval> {
    let file = std::fs::File::open(dir.join("humaneval.jsonl.gz")).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .unwrap();
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let s = |k: &str| v[k].as_str().unwrap().to_owned();
            HumanEval {
                task_id: s("task_id"),
                prompt: s("prompt"),
                entry_point: s("entry_point"),
                canonical_solution: s("canonical_solution"),
                test: s("test"),
            }
        })
        .collect()
}

struct Mbpp {
    id: u64,
    canonical_solution: String,
    asserts: Vec<String>,
    setup: String,
}

fn mbpp(dir: &Path) -> Vec<Mbpp> {
    let text = std::fs::read_to_string(dir.join("sandboxfusion-code_eval_mbpp.jsonl")).unwrap();
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let strings = |a: &Value| -> Vec<String> {
                a.as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_owned())
                    .collect()
            };
            let mut asserts = strings(&v["test_list"]);
            asserts.extend(strings(&v["labels"]["challenge_test_list"]));
            Mbpp {
                id: v["id"].as_u64().unwrap(),
                canonical_solution: v["canonical_solution"].as_str().unwrap().to_owned(),
                asserts,
                setup: v["labels"]["test_setup_code"].as_str().unwrap().to_owned(),
            }
        })
        .collect()
}

fn he_conversions(rows: &[HumanEval]) -> Vec<(&HumanEval, Conversion)> {
    rows.iter()
        .map(|r| (r, convert(&r.test, Some(&r.entry_point))))
        .collect()
}

/// The literal's value.
fn lit(src: &str) -> PyValue {
    PyValue::parse_literal(src).unwrap()
}

fn tests_of<'c>(conv: &'c [(&HumanEval, Conversion)], task: &str) -> &'c [CallTest] {
    &conv
        .iter()
        .find(|(r, _)| r.task_id == task)
        .unwrap()
        .1
        .tests
}

fn eq(expected: &str) -> Check {
    Check::Equal {
        expected: lit(expected),
        tolerance: None,
    }
}

#[test]
fn humaneval_counts_and_reasons() {
    let Some(dir) = data_dir() else { return };
    let rows = humaneval(&dir);
    assert_eq!(rows.len(), 164);
    let conv = he_conversions(&rows);
    // Python's ast counts 1,128 asserts on a non-constant in the check
    // bodies: 1,124 convert, the 4 others are in the table below.
    let total: usize = conv.iter().map(|(_, c)| c.tests.len()).sum();
    assert_eq!(total, 1124);
    let unconverted: Vec<(&str, usize, &str)> = conv
        .iter()
        .flat_map(|(r, c)| {
            c.unconverted
                .iter()
                .map(|u| (r.task_id.as_str(), u.line, u.reason.as_str()))
        })
        .collect();
    const ASSIGN: &str = "variables are not followed (a test is an assert on constants)";
    const LOOP: &str = "a `for` loop: the values it tests are computed at run time";
    const BOTH: &str = "both sides of `==` call the function under test (`candidate` or `sort_third`): the expected value is computed at run time";
    let assign = |v: &str| format!("an assignment to `{v}`: {ASSIGN}");
    let (rng, letters, lst, odd_sum) = (
        assign("rng"),
        assign("letters"),
        assign("lst"),
        assign("odd_sum"),
    );
    assert_eq!(
        unconverted,
        [
            ("HumanEval/32", 9, rng.as_str()),
            ("HumanEval/32", 11, LOOP),
            ("HumanEval/33", 7, BOTH),
            ("HumanEval/33", 8, BOTH),
            ("HumanEval/33", 9, BOTH),
            ("HumanEval/38", 10, letters.as_str()),
            ("HumanEval/38", 11, LOOP),
            ("HumanEval/44", 13, LOOP),
            ("HumanEval/50", 11, letters.as_str()),
            ("HumanEval/50", 12, LOOP),
            ("HumanEval/53", 15, LOOP),
            ("HumanEval/151", 13, lst.as_str()),
            ("HumanEval/151", 14, odd_sum.as_str()),
            (
                "HumanEval/151",
                15,
                "the expected value is not a constant: it contains the name `odd_sum`"
            ),
        ]
    );
    // Three tasks test only through a loop over random inputs.
    let empty: Vec<&str> = conv
        .iter()
        .filter(|(_, c)| c.tests.is_empty())
        .map(|(r, _)| r.task_id.as_str())
        .collect();
    assert_eq!(empty, ["HumanEval/32", "HumanEval/38", "HumanEval/50"]);
    let mut skipped = std::collections::BTreeMap::<&str, usize>::new();
    for (_, c) in &conv {
        for s in &c.skipped {
            *skipped.entry(s.reason.as_str()).or_default() += 1;
        }
    }
    assert_eq!(
        skipped.into_iter().collect::<Vec<_>>(),
        [
            ("`assert True` is always true", 48),
            ("an import", 9),
            ("the METADATA dict", 64),
            ("the bare name `print` (no effect)", 1),
        ]
    );
    for (r, c) in &conv {
        assert_eq!(c.entry_point.as_deref(), Some(r.entry_point.as_str()));
        assert!(c.tests.iter().all(|t| t.line.is_some()));
    }
}

/// Converted values checked by hand against the source.
#[test]
fn humaneval_spot_values() {
    let Some(dir) = data_dir() else { return };
    let rows = humaneval(&dir);
    let conv = he_conversions(&rows);
    let t = |task: &str, i: usize| tests_of(&conv, task)[i].clone();
    let args = |test: &CallTest| PyValue::List(test.args.clone());

    // `(3 + 5 + 7, 3 * 5 * 7)`
    assert_eq!(
        (args(&t("HumanEval/8", 3)), t("HumanEval/8", 3).check),
        (lit("[[3, 5, 7]]"), eq("(15, 105)"))
    );
    // `abs(candidate([1.0, 2.0, 3.0]) - 2.0/3.0) < 1e-6`
    assert_eq!(
        t("HumanEval/4", 0).check,
        Check::AbsDiff {
            expected: PyValue::Float(2.0 / 3.0),
            tolerance: 1e-6,
            inclusive: false
        }
    );
    assert_eq!(t("HumanEval/2", 0).check, eq("0.5"));
    assert_eq!(
        t("HumanEval/2", 1).check,
        Check::AbsDiff {
            expected: lit("0.33"),
            tolerance: 1e-6,
            inclusive: false
        }
    );
    // `candidate(3 * 19 * 3 * 19) == [3, 3, 19, 19]`: 57 * 57 = 3249.
    assert_eq!(
        (args(&t("HumanEval/25", 4)), t("HumanEval/25", 4).check),
        (lit("[3249]"), eq("[3, 3, 19, 19]"))
    );
    // `candidate(13441 * 19) == False`
    assert_eq!(
        (args(&t("HumanEval/31", 12)), t("HumanEval/31", 12).check),
        (lit("[255379]"), eq("False"))
    );
    // `== ("Venus",)` and `== ()` are tuples.
    assert_eq!(
        t("HumanEval/148", 1).check,
        Check::Equal {
            expected: PyValue::Tuple(vec![lit("'Venus'")]),
            tolerance: None
        }
    );
    assert_eq!(
        t("HumanEval/148", 4).check,
        Check::Equal {
            expected: PyValue::Tuple(vec![]),
            tolerance: None
        }
    );
    // A dict with an int key among str keys.
    assert_eq!(
        args(&t("HumanEval/95", 2)),
        lit("[{'p': 'pineapple', 5: 'banana', 'a': 'apple'}]")
    );
    // `tuple(candidate([5, 6, 3, 4, 8, 9, 2])) == tuple([2, 6, 3, 4, 8, 9, 5])`
    let sort_third = tests_of(&conv, "HumanEval/33");
    assert_eq!(sort_third.len(), 4);
    assert_eq!(sort_third[0].transforms, [Transform::Tuple]);
    assert_eq!(
        (args(&sort_third[0]), sort_third[0].check.clone()),
        (lit("[[5, 6, 3, 4, 8, 9, 2]]"), eq("(2, 6, 3, 4, 8, 9, 5)"))
    );
    // `is True`, truthy and `not`.
    assert_eq!(
        t("HumanEval/72", 0).check,
        Check::Is {
            expected: plaudit_verifiers::code::Singleton::True,
            negated: false
        }
    );
    assert_eq!(
        (t("HumanEval/52", 0).check, t("HumanEval/52", 1).check),
        (Check::Truthy, Check::Falsy)
    );
    // `'abcde' + 'cade' + 'CADE'`
    assert_eq!(args(&t("HumanEval/16", 2)), lit("['abcdecadeCADE']"));
    assert_eq!(
        (args(&t("HumanEval/114", 3)), t("HumanEval/114", 3).check),
        (lit("[[-9999999999999999]]"), eq("-9999999999999999"))
    );
    // `candidate(('[]'))` is one str argument, not a tuple.
    assert_eq!(args(&t("HumanEval/132", 3)), lit("['[]']"));
    // `assert (candidate([...]) == "string"), "t1"`
    assert_eq!(
        (args(&t("HumanEval/158", 0)), t("HumanEval/158", 0).check),
        (lit("[['name', 'of', 'string']]"), eq("'string'"))
    );
    // Messages that call the candidate are never evaluated.
    assert_eq!(tests_of(&conv, "HumanEval/77").len(), 8);
    // `[-0, 1**0]` and `[1, 0**0]`
    assert_eq!(args(&t("HumanEval/108", 6)), lit("[[0, 1]]"));
    assert_eq!(
        (args(&t("HumanEval/90", 5)), t("HumanEval/90", 5).check),
        (lit("[[1, 1]]"), eq("None"))
    );
    // A call spanning several lines.
    assert_eq!(
        (args(&t("HumanEval/87", 0)), t("HumanEval/87", 0).check),
        (
            lit("[[[1,2,3,4,5,6], [1,2,3,4,1,6], [1,2,3,4,5,1]], 1]"),
            eq("[(0, 0), (1, 4), (1, 0), (2, 5), (2, 0)]")
        )
    );
    for (task, n) in [
        ("HumanEval/44", 6),
        ("HumanEval/53", 5),
        ("HumanEval/151", 6),
        ("HumanEval/129", 11),
        ("HumanEval/69", 25),
    ] {
        assert_eq!(tests_of(&conv, task).len(), n, "{task}");
    }
}

#[test]
fn mbpp_counts_and_values() {
    let Some(dir) = data_dir() else { return };
    let rows = mbpp(&dir);
    assert_eq!(rows.len(), 20);
    let mut total = 0;
    for r in &rows {
        let c = convert_asserts(&r.asserts, None);
        assert!(
            c.unconverted.is_empty() && c.skipped.is_empty(),
            "{}: {c:?}",
            r.id
        );
        assert_eq!(c.tests.len(), r.asserts.len(), "{}", r.id);
        let ep = c.entry_point.as_deref().unwrap();
        assert!(
            r.canonical_solution.contains(&format!("def {ep}(")),
            "{}: {ep}",
            r.id
        );
        assert!(r.setup.is_empty());
        total += c.tests.len();
    }
    assert_eq!(total, 70);
    let conv =
        |id: u64| convert_asserts(&rows.iter().find(|r| r.id == id).unwrap().asserts, None).tests;
    let args = |t: &CallTest| PyValue::List(t.args.clone());
    // `[(4, 4), (4, 4, 4), (4, 4), (4, 4, 4, 4), (4, )]`
    assert_eq!(
        args(&conv(26)[0]),
        lit("[[(4, 4), (4, 4, 4), (4, 4), (4, 4, 4, 4), (4,)], 4]")
    );
    // `==('Found a match!')` is a str, not a tuple.
    assert_eq!(conv(16)[0].check, eq("'Found a match!'"));
    // Challenge tests come after the regular ones.
    assert_eq!(
        (args(&conv(20)[3]), conv(20)[3].check.clone()),
        (lit("[32212254719]"), eq("True"))
    );
    assert_eq!(
        conv(13)[0].check,
        eq("[('pink', 6), ('black', 5), ('white', 5), ('red', 4)]")
    );
}

/// A solution that returns `None` fails some test of every task: no
/// converted suite is vacuous.
#[test]
fn no_suite_passes_a_null_solution() {
    let Some(dir) = data_dir() else { return };
    let rows = humaneval(&dir);
    for (r, c) in he_conversions(&rows) {
        if !c.tests.is_empty() {
            assert!(
                c.tests
                    .iter()
                    .any(|t| !plaudit_verifiers::code::check_call(t, &PyValue::None).passed()),
                "{}",
                r.task_id
            );
        }
    }
    for r in mbpp(&dir) {
        let c = convert_asserts(&r.asserts, None);
        assert!(
            c.tests
                .iter()
                .any(|t| !plaudit_verifiers::code::check_call(t, &PyValue::None).passed()),
            "{}",
            r.id
        );
    }
}

fn python() -> Option<PathBuf> {
    let usr = PathBuf::from("/usr/bin/python3");
    if usr.exists() {
        return Some(usr);
    }
    if Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    {
        return Some(PathBuf::from("python3"));
    }
    eprintln!("skipping: no python3 to run the canonical solutions with");
    None
}

/// Runs the call harness on `solution` (unsandboxed: trusted reference
/// code only) and returns its stdout.
fn run_harness(python: &Path, dir: &Path, solution: &str, input: &str) -> Vec<u8> {
    std::fs::write(dir.join("solution.py"), solution).unwrap();
    let mut child = Command::new(python)
        .args(["-I", "harness.py"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        out.read_to_end(&mut b).unwrap();
        b
    });
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("the harness ran for over a minute");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    reader.join().unwrap()
}

/// Python checks the converted values: each benchmark's canonical
/// solution passes every converted test, and a wrong one does not.
#[test]
fn canonical_solutions_pass_their_converted_tests() {
    let (Some(data), Some(py)) = (data_dir(), python()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("harness.py"), python_call_harness()).unwrap();
    let mut ran = 0;
    for (r, c) in he_conversions(&humaneval(&data)) {
        if c.tests.is_empty() {
            continue;
        }
        let input = harness_input(&r.entry_point, None, &c.tests);
        let solution = format!("{}{}", r.prompt, r.canonical_solution);
        let out = run_harness(&py, dir.path(), &solution, &input);
        let results = decode_call_results(&out, c.tests.len());
        let v = verdicts(&c.tests, &results);
        let failed: Vec<_> = v
            .iter()
            .zip(&c.tests)
            .filter(|(v, _)| !v.passed())
            .collect();
        assert!(failed.is_empty(), "{}: {failed:?}", r.task_id);
        ran += c.tests.len();
    }
    for r in mbpp(&data) {
        let c = convert_asserts(&r.asserts, None);
        let ep = c.entry_point.clone().unwrap();
        let input = harness_input(
            &ep,
            Some(&r.setup).filter(|s| !s.is_empty()).map(String::as_str),
            &c.tests,
        );
        let out = run_harness(&py, dir.path(), &r.canonical_solution, &input);
        let v = verdicts(&c.tests, &decode_call_results(&out, c.tests.len()));
        assert!(v.iter().all(|v| v.passed()), "MBPP {}: {v:?}", r.id);
        ran += c.tests.len();
    }
    assert_eq!(ran, 1124 + 70);

    // A wrong solution (off by one) fails.
    let rows = humaneval(&data);
    let add = rows.iter().find(|r| r.task_id == "HumanEval/53").unwrap();
    let c = convert(&add.test, Some(&add.entry_point));
    let out = run_harness(
        &py,
        dir.path(),
        "def add(x, y):\n    return x + y + 1\n",
        &harness_input("add", None, &c.tests),
    );
    assert!(
        verdicts(&c.tests, &decode_call_results(&out, c.tests.len()))
            .iter()
            .all(|v| !v.passed())
    );
}
