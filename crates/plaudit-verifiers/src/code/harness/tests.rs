//! The harness's decoding, and the harness itself run with the system
//! Python on trusted test solutions (unsandboxed: these are our own
//! programs, written to misbehave in known ways).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::*;
use crate::code::call::{Check, Singleton, Transform};
use crate::code::convert::convert_asserts;

fn lit(src: &str) -> PyValue {
    PyValue::parse_literal(src).unwrap()
}

fn eq_test(args: &str, expected: &str) -> CallTest {
    let PyValue::List(args) = lit(args) else {
        panic!()
    };
    CallTest {
        args,
        kwargs: vec![],
        transforms: vec![],
        check: Check::Equal {
            expected: lit(expected),
            tolerance: None,
        },
        line: None,
    }
}

/// Output, test count, results, load error, tampering.
type DecodeCase<'a> = (
    &'a str,
    usize,
    Vec<CallResult>,
    Option<&'a str>,
    Option<&'a str>,
);

#[test]
fn decoding_table() {
    let ret = |s: &str| CallResult::Returned(lit(s));
    let raised = |s: &str| CallResult::Raised(s.into());
    #[rustfmt::skip]
    let cases: &[DecodeCase] = &[
        ("{\"i\":0,\"value\":1}\n{\"i\":1,\"error\":\"ValueError: x\"}\n", 3,
         vec![ret("1"), raised("ValueError: x"), CallResult::Missing], None, None),
        ("{\"i\":1,\"value\":{\"$tuple\":[1]}}\n{\"i\":0,\"value\":{\"$float\":\"nan\"}}\n", 2,
         vec![ret("float('nan')"), ret("(1,)")], None, None),
        ("{\"i\":0,\"value\":1}\n{\"i\":1,\"val", 2, vec![ret("1"), CallResult::Missing], None, None),
        ("", 2, vec![CallResult::Missing, CallResult::Missing], None, None),
        ("{\"load_error\":\"SyntaxError: invalid syntax\"}\n", 1, vec![CallResult::Missing], Some("SyntaxError: invalid syntax"), None),
        ("{\"i\":0,\"value\":1}\n{\"i\":0,\"value\":1}\n", 2, vec![], None, Some("result line 2: test 0 reported twice: \"{\\\"i\\\":0,\\\"value\\\":1}\"")),
        ("{\"i\":2,\"value\":1}\n", 2, vec![], None, Some("result line 1: a test index out of range (there are 2 tests): \"{\\\"i\\\":2,\\\"value\\\":1}\"")),
        ("{\"i\":-1,\"value\":1}\n", 2, vec![], None, Some("result line 1: a test index out of range (there are 2 tests): \"{\\\"i\\\":-1,\\\"value\\\":1}\"")),
        ("hello\n", 1, vec![], None, Some("result line 1: not JSON: \"hello\"")),
        ("\n", 1, vec![], None, Some("result line 1: not JSON: \"\"")),
        ("[1]\n", 1, vec![], None, Some("result line 1: not a JSON object: \"[1]\"")),
        ("{\"i\":0,\"value\":1,\"extra\":2}\n", 1, vec![], None, Some("result line 1: an unknown line shape: \"{\\\"i\\\":0,\\\"value\\\":1,\\\"extra\\\":2}\"")),
        ("{\"i\":0,\"error\":5}\n", 1, vec![], None, Some("result line 1: an error that is not a string: \"{\\\"i\\\":0,\\\"error\\\":5}\"")),
        ("{\"i\":0,\"value\":{\"$set\":[1,1]}}\n", 1, vec![], None, Some("result line 1: an undecodable value (at $set: a repeated set element): \"{\\\"i\\\":0,\\\"value\\\":{\\\"$set\\\":[1,1]}}\"")),
        ("{\"i\":0,\"value\":1}\n{\"load_error\":\"x\"}\n", 1, vec![], None, Some("result line 2: a load error after other lines: \"{\\\"load_error\\\":\\\"x\\\"}\"")),
        ("{\"load_error\":\"x\"}\n{\"i\":0,\"value\":1}\n", 1, vec![], None, Some("result line 2: a result after a load error: \"{\\\"i\\\":0,\\\"value\\\":1}\"")),
    ];
    for (out, n, results, load_error, tampering) in cases {
        let r = decode_call_results(out.as_bytes(), *n);
        assert_eq!(r.tampering.as_deref(), *tampering, "{out:?}");
        if tampering.is_none() {
            assert_eq!(
                format!("{:?}", r.results),
                format!("{results:?}"),
                "{out:?}"
            );
            assert_eq!(r.load_error.as_deref(), *load_error, "{out:?}");
        }
    }
}

#[test]
fn verdicts_fail_everything_on_tampering_or_load_error() {
    let tests = vec![eq_test("[1]", "1"), eq_test("[2]", "2")];
    let ok = decode_call_results(b"{\"i\":0,\"value\":1}\n{\"i\":1,\"value\":3}\n", 2);
    let v = verdicts(&tests, &ok);
    assert_eq!(
        v,
        [Verdict::Pass, Verdict::Fail("expected 2, got 3".into())]
    );
    let forged = decode_call_results(
        b"{\"i\":0,\"value\":1}\n{\"i\":1,\"value\":2}\n{\"i\":1,\"value\":2}\n",
        2,
    );
    assert!(verdicts(&tests, &forged).iter().all(
        |v| matches!(v, Verdict::Fail(m) if m.starts_with("the run's output was tampered with"))
    ));
    let load = decode_call_results(b"{\"load_error\":\"NameError: x\"}\n", 2);
    assert_eq!(
        verdicts(&tests, &load),
        vec![Verdict::Fail("the solution did not load: NameError: x".into()); 2]
    );
    let partial = decode_call_results(b"{\"i\":0,\"value\":1}\n", 2);
    assert_eq!(
        verdicts(&tests, &partial)[1],
        Verdict::Fail("no result: the program ended before this test".into())
    );
}

#[test]
fn input_never_holds_expected_values() {
    let mut tests = vec![eq_test("[1, (2,), {3}]", "'SECRET-EXPECTED'")];
    tests.push(CallTest {
        kwargs: vec![("k".into(), lit("2**70"))],
        transforms: vec![Transform::Sorted],
        check: Check::AbsDiff {
            expected: lit("0.123456789"),
            tolerance: 1e-9,
            inclusive: false,
        },
        ..eq_test("[]", "0")
    });
    let input = harness_input("f", Some("import math"), &tests);
    assert!(!input.contains("SECRET"), "{input}");
    assert!(!input.contains("0.123456789"), "{input}");
    let doc: Value = serde_json::from_str(&input).unwrap();
    assert_eq!(
        doc,
        serde_json::json!({
            "entry_point": "f",
            "setup": "import math",
            "tests": [
                {"args": [1, {"$tuple": [2]}, {"$set": [3]}], "kwargs": {}, "iterate": false},
                {"args": [], "kwargs": {"k": {"$int": "1180591620717411303424"}}, "iterate": true},
            ]
        })
    );
}

/// The system Python: `/usr/bin/python3` if present, else `python3` on
/// the PATH; `None` (and a message) where there is none.
fn python() -> Option<PathBuf> {
    let usr = PathBuf::from("/usr/bin/python3");
    if usr.exists() {
        return Some(usr);
    }
    let on_path = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .status();
    if on_path.is_ok_and(|s| s.success()) {
        return Some(PathBuf::from("python3"));
    }
    eprintln!("skipping: no python3 to run the call harness with");
    None
}

/// Runs the harness on `solution` with the system Python, unsandboxed, in
/// a fresh temporary directory; returns stdout and stderr.
fn run(python: &PathBuf, solution: &str, input: &str) -> (Vec<u8>, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("solution.py"), solution).unwrap();
    std::fs::write(dir.path().join("harness.py"), python_call_harness()).unwrap();
    let mut child = Command::new(python)
        .args(["-I", "harness.py"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut b = Vec::new();
        out.read_to_end(&mut b).unwrap();
        b
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        err.read_to_string(&mut s).unwrap();
        s
    });
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the harness hung"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    (out.join().unwrap(), err.join().unwrap())
}

/// Converts MBPP-style asserts, runs them against `solution`, and returns
/// the decoded results and the verdicts.
fn judge(
    python: &PathBuf,
    solution: &str,
    asserts: &[&str],
    setup: Option<&str>,
) -> (CallResults, Vec<Verdict>, String) {
    let c = convert_asserts(asserts, Some("f"));
    assert!(c.unconverted.is_empty(), "{:?}", c.unconverted);
    let input = harness_input("f", setup, &c.tests);
    let (out, err) = run(python, solution, &input);
    let results = decode_call_results(&out, c.tests.len());
    let v = verdicts(&c.tests, &results);
    (results, v, err)
}

fn passes(v: &[Verdict]) -> Vec<bool> {
    v.iter().map(Verdict::passed).collect()
}

#[test]
fn correct_wrong_and_raising_solutions() {
    let Some(py) = python() else { return };
    let asserts = [
        "assert f(1, 2) == 3",
        "assert f(2.5, b=0.5) == 3",
        "assert f(-1, 1) == 0",
    ];
    let (_, v, _) = judge(&py, "def f(a, b):\n    return a + b\n", &asserts, None);
    assert_eq!(passes(&v), [true, true, true]);
    let (_, v, _) = judge(&py, "def f(a, b):\n    return a - b\n", &asserts, None);
    assert_eq!(v[0], Verdict::Fail("expected 3, got -1".into()));
    assert_eq!(passes(&v), [false, false, false]);
    let (r, v, _) = judge(
        &py,
        "def f(a, b):\n    if a < 0:\n        raise ValueError('boom')\n    return a + b\n",
        &asserts,
        None,
    );
    assert_eq!(r.results[2], CallResult::Raised("ValueError: boom".into()));
    assert_eq!(passes(&v), [true, true, false]);
    let (r, v, _) = judge(
        &py,
        "import sys\ndef f(a, b):\n    sys.exit(3)\n",
        &asserts[..1],
        None,
    );
    assert_eq!(r.results[0], CallResult::Raised("SystemExit: 3".into()));
    assert_eq!(passes(&v), [false]);
}

#[test]
fn prints_go_to_stderr() {
    let Some(py) = python() else { return };
    let solution = "import os, sys\nprint('{\"i\": 0, \"value\": 3}')\ndef f(a, b):\n    print('{\"i\": 0, \"value\": 99}')\n    print('noise', file=sys.stderr)\n    os.write(1, b'{\"i\": 1, \"value\": 5}\\n')\n    sys.stdout.flush()\n    return a * b\n";
    let (r, v, err) = judge(
        &py,
        solution,
        &["assert f(2, 3) == 6", "assert f(1, 5) == 5"],
        None,
    );
    assert_eq!(r.tampering, None);
    assert_eq!(passes(&v), [true, true]);
    assert!(
        err.contains("\"value\": 99") && err.contains("noise") && err.contains("\"value\": 5"),
        "{err}"
    );
}

#[test]
fn values_of_every_type_come_back() {
    let Some(py) = python() else { return };
    let solution = r#"
import collections
def f(k):
    return {
        'tuple': (1, (2,), []),
        'set': {3, 1, 2},
        'frozenset': frozenset({'a'}),
        'dict': {1: 'a', (2, 3): [4.5], None: {'x': True}},
        'bigint': 2**200,
        'hugeint': -(2**20000) + 1,
        'nan': float('nan'),
        'inf': float('-inf'),
        'floats': [0.1 + 0.2, 1e-07, -0.0, 1e300, 5e-324],
        'bytes': b'\x00hi',
        'bytearray': bytearray(b'ab'),
        'str': 'é\n\u2028😀',
        'namedtuple': collections.namedtuple('P', 'x y')(1, 2),
        'counter': collections.Counter('aab'),
        'intsub': type('I', (int,), {'__eq__': lambda s, o: True, '__hash__': lambda s: 0})(7),
        'none': None,
    }[k]
"#;
    #[rustfmt::skip]
    let asserts = [
        "assert f('tuple') == (1, (2,), [])",
        "assert f('tuple') != [1, [2], []]",
        "assert f('set') == {1, 2, 3}",
        "assert f('frozenset') == {'a'}",
        "assert f('dict') == {(2, 3): [4.5], None: {'x': 1}, 1: 'a'}",
        "assert f('bigint') == 1606938044258990275541962092341162602522202993782792835301376",
        "assert f('hugeint') == -(2**20000) + 1",
        "assert f('nan') == float('nan')",
        "assert f('inf') == float('-inf')",
        "assert f('floats') == [0.30000000000000004, 1e-07, 0.0, 1e300, 5e-324]",
        "assert f('floats') != [0.3, 1e-07, 0.0, 1e300, 5e-324]",
        "assert f('bytes') == b'\\x00hi'",
        "assert f('bytearray') == b'ab'",
        "assert f('str') == 'é\\n\\u2028😀'",
        "assert f('namedtuple') == (1, 2)",
        "assert f('counter') == {'a': 2, 'b': 1}",
        "assert f('intsub') == 8",
        "assert f('intsub') == 7",
        "assert f('none') is None",
    ];
    let (r, v, err) = judge(&py, solution, &asserts, None);
    assert_eq!(r.tampering, None, "{err}");
    assert_eq!(
        passes(&v),
        [
            true, true, true, true, true, true, true, false, true, true, true, true, true, true,
            true, true, false, true, true
        ],
        "{v:?}\n{err}"
    );
    assert!(matches!(&r.results[7], CallResult::Returned(PyValue::Float(f)) if f.is_nan()));
    // The dict keeps its insertion order.
    assert_eq!(
        r.results[4],
        CallResult::Returned(lit("{1: 'a', (2, 3): [4.5], None: {'x': True}}"))
    );
    assert_eq!(
        format!("{:?}", r.results[4]),
        format!(
            "{:?}",
            CallResult::Returned(lit("{1: 'a', (2, 3): [4.5], None: {'x': True}}"))
        )
    );
}

#[test]
fn objects_that_are_not_data_are_errors() {
    let Some(py) = python() else { return };
    let solution = r#"
class AlwaysEqual:
    def __eq__(self, other):
        return True
    def __bool__(self):
        return True
def f(k):
    if k == 0:
        return AlwaysEqual()
    if k == 1:
        return [1, AlwaysEqual()]
    if k == 2:
        return '\ud800'
    if k == 3:
        return (i for i in range(3))
    if k == 4:
        x = []
        x.append(x)
        return x
    return complex(1, 2)
"#;
    let asserts = [
        "assert f(0) == 1",
        "assert f(1) == [1, 2]",
        "assert f(2) == 'x'",
        "assert f(3) == [0, 1, 2]",
        "assert f(4) == []",
        "assert f(5) == 1",
        "assert f(0)",
    ];
    let (r, v, _) = judge(&py, solution, &asserts, None);
    assert_eq!(passes(&v), [false; 7]);
    let msg = |i: usize| match &r.results[i] {
        CallResult::Raised(m) => m.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        msg(0),
        "UnsupportedResult: a result of type AlwaysEqual cannot be compared"
    );
    assert_eq!(
        msg(1),
        "UnsupportedResult: a result of type AlwaysEqual cannot be compared"
    );
    assert_eq!(
        msg(2),
        "UnsupportedResult: the result is a str with a lone surrogate"
    );
    assert_eq!(
        msg(3),
        "UnsupportedResult: a result of type generator cannot be compared"
    );
    assert_eq!(
        msg(4),
        "UnsupportedResult: the result is nested more than 40 levels deep"
    );
    assert_eq!(
        msg(5),
        "UnsupportedResult: a result of type complex cannot be compared"
    );
}

#[test]
fn transforms_read_iterators_as_python_would() {
    let Some(py) = python() else { return };
    let solution = "def f(n):\n    return (i * i for i in range(n))\n";
    let asserts = [
        "assert list(f(3)) == [0, 1, 4]",
        "assert sorted(f(3)) == [0, 1, 4]",
        "assert tuple(f(2)) == (0, 1)",
        "assert set(f(3)) == {4, 1, 0}",
        "assert f(3) == [0, 1, 4]",
    ];
    let (_, v, _) = judge(&py, solution, &asserts, None);
    assert_eq!(passes(&v), [true, true, true, true, false]);
}

#[test]
fn exiting_midway_leaves_the_rest_missing() {
    let Some(py) = python() else { return };
    let solution = "import os\ndef f(n):\n    if n == 2:\n        os._exit(0)\n    return n\n";
    let (r, v, _) = judge(
        &py,
        solution,
        &["assert f(1) == 1", "assert f(2) == 2", "assert f(3) == 3"],
        None,
    );
    assert_eq!(
        r.results,
        [
            CallResult::Returned(lit("1")),
            CallResult::Missing,
            CallResult::Missing
        ]
    );
    assert_eq!(r.tampering, None);
    assert_eq!(passes(&v), [true, false, false]);
}

#[test]
fn forged_result_lines_are_caught_or_useless() {
    let Some(py) = python() else { return };
    // Writes a result line for test 0 to every open descriptor at import:
    // the harness's own line for test 0 then repeats the index.
    let forge_all_fds = "import os\nfor fd in range(3, 64):\n    try:\n        os.write(fd, b'{\"i\":0,\"value\":3}\\n')\n    except OSError:\n        pass\ndef f(a, b):\n    return 0\n";
    let (r, v, _) = judge(&py, forge_all_fds, &["assert f(1, 2) == 3"], None);
    assert!(
        r.tampering
            .as_deref()
            .is_some_and(|t| t.contains("test 0 reported twice")),
        "{r:?}"
    );
    assert_eq!(passes(&v), [false]);
    // Forges well-formed lines for every test and exits before the harness
    // writes: the forged values are judged like returned ones.
    let forge_and_exit = "import os\nfor fd in range(3, 64):\n    try:\n        os.write(fd, b'{\"i\":0,\"value\":true}\\n{\"i\":1,\"value\":{\"$int\":\"9\"}}\\n')\n    except OSError:\n        pass\nos._exit(0)\n";
    let (r, v, _) = judge(
        &py,
        forge_and_exit,
        &["assert f(1, 2) == 3", "assert f(4, 5) == 9"],
        None,
    );
    assert_eq!(r.tampering, None);
    assert_eq!(
        passes(&v),
        [false, true],
        "a forged value is no better than returning it"
    );
    // An out-of-range index and garbage are tampering.
    let garbage = "import os\ndef f(a, b):\n    for fd in range(3, 64):\n        try:\n            os.write(fd, b'{\"i\":7,\"value\":1}\\n')\n        except OSError:\n            pass\n    return a + b\n";
    let (r, _, _) = judge(&py, garbage, &["assert f(1, 2) == 3"], None);
    assert!(
        r.tampering
            .as_deref()
            .is_some_and(|t| t.contains("out of range")),
        "{r:?}"
    );
}

#[test]
fn load_failures_are_one_line() {
    let Some(py) = python() else { return };
    for (solution, want) in [
        ("def f(:\n", "SyntaxError: "),
        (
            "raise RuntimeError('at import')\n",
            "RuntimeError: at import",
        ),
        (
            "def g():\n    pass\n",
            "AttributeError: module 'solution' has no attribute 'f'",
        ),
        ("x = input()\n", "EOFError: EOF when reading a line"),
        ("import sys\nsys.exit(0)\n", "SystemExit: 0"),
    ] {
        let (r, v, _) = judge(
            &py,
            solution,
            &["assert f(1) == 1", "assert f(2) == 2"],
            None,
        );
        assert!(
            r.load_error.as_deref().is_some_and(|e| e.starts_with(want)),
            "{solution}: {r:?}"
        );
        assert_eq!(r.tampering, None);
        assert!(
            v.iter().all(
                |v| matches!(v, Verdict::Fail(m) if m.starts_with("the solution did not load"))
            )
        );
    }
}

#[test]
fn setup_kwargs_and_fresh_arguments() {
    let Some(py) = python() else { return };
    let solution = "def f(xs, k=1):\n    xs.append(OFFSET)\n    return sum(xs) * k\n";
    let (_, v, err) = judge(
        &py,
        solution,
        &[
            "assert f([1, 2]) == 13",
            "assert f([1, 2], k=2) == 26",
            "assert f([1, 2]) == 13",
        ],
        Some("OFFSET = 10"),
    );
    assert_eq!(passes(&v), [true, true, true], "{v:?} {err}");
}

#[test]
fn checks_beyond_equality_run_end_to_end() {
    let Some(py) = python() else { return };
    let solution =
        "def f(x):\n    return {0: True, 1: 1, 2: None, 3: 0.1 + 0.2, 4: [3, 1, 2]}[x]\n";
    let c = convert_asserts(
        &[
            "assert f(0) is True",
            "assert f(1) is True",
            "assert f(2) is None",
            "assert abs(f(3) - 0.3) < 1e-9",
            "assert math.isclose(f(3), 0.3)",
            "assert sorted(f(4)) == [1, 2, 3]",
            "assert not f(2)",
        ],
        Some("f"),
    );
    let (out, _) = run(&py, solution, &harness_input("f", None, &c.tests));
    let v = verdicts(&c.tests, &decode_call_results(&out, c.tests.len()));
    assert_eq!(passes(&v), [true, false, true, true, true, true, true]);
    assert_eq!(
        c.tests[1].check,
        Check::Is {
            expected: Singleton::True,
            negated: false
        }
    );
}

#[test]
fn deep_values_reach_the_limit_and_no_further() {
    let Some(py) = python() else { return };
    // Dicts nested `n` deep: their result line is the deepest JSON the
    // harness writes (three JSON levels per dict), still within serde_json's
    // limit at the deepest nesting allowed.
    let solution =
        "def f(n):\n    v = 1\n    for _ in range(n):\n        v = {1: v}\n    return v\n";
    let nested = |n: usize| format!("{}1{}", "{1: ".repeat(n), "}".repeat(n));
    let (r, v, _) = judge(
        &py,
        solution,
        &[
            &format!("assert f(39) == {}", nested(39)),
            "assert f(40)",
            "assert f(41)",
        ],
        None,
    );
    assert_eq!(r.tampering, None);
    assert_eq!(passes(&v), [true, true, false]);
    assert!(matches!(
        &r.results[1],
        CallResult::Returned(PyValue::Dict(_))
    ));
    assert_eq!(
        r.results[2],
        CallResult::Raised(format!(
            "UnsupportedResult: the result is nested more than {} levels deep",
            crate::code::pyvalue::MAX_DEPTH
        ))
    );
}
