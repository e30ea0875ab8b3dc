//! The reference of a code sample: its language and its tests, read from
//! the sample's `reference` JSON (an object, or a string holding one, as
//! datasets often store it).
//!
//! | reference                                                                 | tests |
//! |---------------------------------------------------------------------------|-------|
//! | `{"tests": [{"stdin": "1 2\n", "stdout": "3\n"}, …]}`                      | stdio |
//! | `{"tests": [{"input": {"stdin": …}, "output": {"stdout": …}}, …]}` (CodeContests / SandboxFusion) | stdio |
//! | `[{"input": …, "output": …}, …]` (the bare list)                           | stdio |
//! | `{"entry_point": "f", "tests": [{"args": [1, 2], "kwargs": {…}, "expected": 3}, …]}` | call |
//! | `{"entry_point": "f", "check": "def check(candidate): …", "prelude": "…"}` (HumanEval) | call, [converted](mod@super::convert); the rest replayed |
//! | `{"asserts": ["assert f(1) == 2", …], "setup": "…"}` (MBPP)                | call, converted |
//!
//! Common fields: `language` (`"python"`, the default, or `"cpp"`;
//! aliases `py`, `python3`, `c++`, `cc`, `cxx`), `timeout_ms` (a positive
//! integer: the sample's own time limit), `float_tolerance` (a number,
//! used as both the absolute and the relative tolerance, or `{"abs": …,
//! "rel": …}`; for call tests it applies to every `==` check, for stdio
//! tests it is the comparison's tolerance). `setup` (Python run after the
//! solution is loaded, before the tests; MBPP's `test_setup_code`) goes
//! with call tests only. Call-test `args`, `kwargs` values and `expected`
//! use the [typed JSON encoding](super::typed_json), of which plain JSON is
//! a part. Call tests run Python only.
//!
//! A reference of the wrong shape is an error naming the field
//! (`tests[3].stdout: expected a string, found a number`); unknown fields
//! are errors too, so that a misspelled `timeout` is not silently ignored.
//! An `asserts` list that converts to no test at all is an error; a
//! `check` suite where some statements did not convert keeps them in
//! [`Tests::Call::unconverted`] and its source in [`Tests::Call::replay`],
//! for the aspect to replay (or report). `prelude` is trusted code the
//! check needs (HumanEval's prompt, which defines helpers such as
//! `encode_cyclic`); it runs only in the replay's own sandbox.

use serde_json::{Map, Value};

use super::call::{CallTest, Check};
use super::convert::{Conversion, Unconverted, convert, convert_asserts};
use super::pyvalue::{PyValue, Tolerance};

/// A programming language the code tests run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// Python 3.
    Python,
    /// C++.
    Cpp,
}

impl Language {
    /// The language a name (a reference's `language`, a code fence's info
    /// string) stands for, case-insensitively: `python`, `py`, `python3`,
    /// `py3`; `cpp`, `c++`, `cc`, `cxx`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "python" | "py" | "python3" | "py3" => Some(Language::Python),
            "cpp" | "c++" | "cc" | "cxx" => Some(Language::Cpp),
            _ => None,
        }
    }

    /// The canonical name: `"python"` or `"cpp"`.
    pub fn name(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Cpp => "cpp",
        }
    }
}

/// A sample's code reference.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeReference {
    /// The language the solution is in.
    pub language: Language,
    /// The tests.
    pub tests: Tests,
    /// The sample's own time limit, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// The sample's float tolerance (already applied to call tests' `==`
    /// checks).
    pub float_tolerance: Option<Tolerance>,
}

/// The tests of a reference.
#[derive(Debug, Clone, PartialEq)]
pub enum Tests {
    /// Run the program with each stdin, compare its stdout.
    Stdio(Vec<StdioTest>),
    /// Call a function, judge what it returns.
    Call {
        /// The function's name.
        entry_point: String,
        /// The tests (never empty, unless `replay` is set).
        tests: Vec<CallTest>,
        /// Statements of a converted suite that did not convert.
        unconverted: Vec<Unconverted>,
        /// Python to run after loading the solution, before the tests.
        setup: Option<String>,
        /// The suite's source, for a replay of what did not convert (a
        /// `check` suite only).
        replay: Option<ReplaySource>,
    },
}

/// A `check` suite's source, kept to replay it when some of it did not
/// convert (see the `code.tests` aspect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplaySource {
    /// The `def check(candidate): …` source.
    pub check: String,
    /// Trusted code the check needs (HumanEval's prompt, with its helpers).
    pub prelude: Option<String>,
}

/// One stdin/stdout test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StdioTest {
    /// The program's standard input.
    pub stdin: String,
    /// The expected standard output.
    pub stdout: String,
}

/// Why a reference could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReferenceError {
    /// A string reference that is not JSON.
    #[error("the reference is a string but not JSON: {0}")]
    Json(String),
    /// A field of the wrong shape.
    #[error("`{field}`: {message}")]
    Field {
        /// The path of the field (`tests[3].stdout`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A reference of no known shape.
    #[error("{0}")]
    Shape(String),
}

fn field(field: impl Into<String>, message: impl Into<String>) -> ReferenceError {
    ReferenceError::Field {
        field: field.into(),
        message: message.into(),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn string<'v>(v: &'v Value, at: &str) -> Result<&'v str, ReferenceError> {
    v.as_str()
        .ok_or_else(|| field(at, format!("expected a string, found {}", kind(v))))
}

fn object<'v>(v: &'v Value, at: &str) -> Result<&'v Map<String, Value>, ReferenceError> {
    v.as_object()
        .ok_or_else(|| field(at, format!("expected an object, found {}", kind(v))))
}

fn array<'v>(v: &'v Value, at: &str) -> Result<&'v [Value], ReferenceError> {
    v.as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| field(at, format!("expected an array, found {}", kind(v))))
}

/// Refuses keys of `map` outside `known`.
fn known_keys(map: &Map<String, Value>, known: &[&str], at: &str) -> Result<(), ReferenceError> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(field(
            if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            },
            format!("unknown field (known: {})", known.join(", ")),
        )),
        None => Ok(()),
    }
}

const TOP_KEYS: [&str; 9] = [
    "language",
    "tests",
    "entry_point",
    "check",
    "prelude",
    "asserts",
    "setup",
    "timeout_ms",
    "float_tolerance",
];

/// Reads a sample's code reference (see the module docs for the shapes).
pub fn parse_reference(reference: &Value) -> Result<CodeReference, ReferenceError> {
    let parsed;
    let reference = match reference {
        Value::String(s) => {
            parsed = serde_json::from_str::<Value>(s)
                .map_err(|e| ReferenceError::Json(e.to_string()))?;
            if parsed.is_string() {
                return Err(ReferenceError::Shape(
                    "the reference is a JSON string holding another string".into(),
                ));
            }
            &parsed
        }
        other => other,
    };
    if let Value::Array(items) = reference {
        return Ok(CodeReference {
            language: Language::Python,
            tests: Tests::Stdio(stdio_tests(items, "")?),
            timeout_ms: None,
            float_tolerance: None,
        });
    }
    let Value::Object(map) = reference else {
        return Err(ReferenceError::Shape(format!(
            "a code reference is an object (or an array of stdio tests), not {}",
            kind(reference)
        )));
    };
    known_keys(map, &TOP_KEYS, "")?;
    let language = match map.get("language") {
        None => Language::Python,
        Some(v) => {
            let name = string(v, "language")?;
            Language::from_name(name).ok_or_else(|| {
                field(
                    "language",
                    format!("unknown language {name:?} (known: python, cpp)"),
                )
            })?
        }
    };
    let timeout_ms = match map.get("timeout_ms") {
        None => None,
        Some(v) => Some(v.as_u64().filter(|&t| t > 0).ok_or_else(|| {
            field(
                "timeout_ms",
                format!("expected a positive integer, found {v}"),
            )
        })?),
    };
    let float_tolerance = map.get("float_tolerance").map(tolerance).transpose()?;
    let sources: Vec<&str> = ["tests", "check", "asserts"]
        .into_iter()
        .filter(|k| map.contains_key(*k))
        .collect();
    let source = match sources.as_slice() {
        [one] => *one,
        [] => {
            return Err(ReferenceError::Shape(
                "a code reference needs one of `tests`, `check` or `asserts`".into(),
            ));
        }
        several => {
            return Err(ReferenceError::Shape(format!(
                "a code reference takes one of `tests`, `check` or `asserts`, not {}",
                several
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            )));
        }
    };
    if map.contains_key("prelude") && source != "check" {
        return Err(field("prelude", "only a `check` suite takes a prelude"));
    }
    let entry_point = map
        .get("entry_point")
        .map(|v| string(v, "entry_point"))
        .transpose()?;
    if let Some(ep) = entry_point
        && (ep.is_empty()
            || !ep.chars().all(|c| c == '_' || c.is_alphanumeric())
            || ep.starts_with(|c: char| c.is_ascii_digit()))
    {
        return Err(field(
            "entry_point",
            format!("{ep:?} is not a Python function name"),
        ));
    }
    let setup = map
        .get("setup")
        .map(|v| string(v, "setup").map(str::to_owned))
        .transpose()?;
    let items = match map.get("tests") {
        Some(v) => Some(array(v, "tests")?),
        None => None,
    };
    if items.is_some_and(<[Value]>::is_empty) {
        return Err(field("tests", "no tests"));
    }
    let stdio = items.is_some_and(|items| items.first().is_some_and(is_stdio_item));
    let tests = if let (Some(items), true) = (items, stdio) {
        if setup.is_some() {
            return Err(field("setup", "only call tests take setup code"));
        }
        if entry_point.is_some() {
            return Err(field(
                "entry_point",
                "stdio tests run a whole program, not a function",
            ));
        }
        Tests::Stdio(stdio_tests(items, "tests")?)
    } else {
        let mut replay = None;
        let (entry_point, tests, unconverted) = match (source, items) {
            ("tests", Some(items)) => {
                let ep = entry_point
                    .ok_or_else(|| field("entry_point", "call tests need the function's name"))?;
                (ep.to_owned(), call_tests(items)?, Vec::new())
            }
            ("check", _) => {
                let ep = entry_point.ok_or_else(|| {
                    field("entry_point", "a `check` suite needs the function's name")
                })?;
                let src = string(&map["check"], "check")?;
                let prelude = map
                    .get("prelude")
                    .map(|v| string(v, "prelude").map(str::to_owned))
                    .transpose()?;
                let conversion = convert(src, Some(ep));
                if conversion.unconverted.is_empty() {
                    converted("check", conversion)?
                } else {
                    // What did not convert can be replayed from the source.
                    replay = Some(ReplaySource {
                        check: src.to_owned(),
                        prelude,
                    });
                    (ep.to_owned(), conversion.tests, conversion.unconverted)
                }
            }
            _ => {
                let list = array(&map["asserts"], "asserts")?;
                let mut lines = Vec::with_capacity(list.len());
                for (i, v) in list.iter().enumerate() {
                    lines.push(string(v, &format!("asserts[{i}]"))?);
                }
                converted("asserts", convert_asserts(&lines, entry_point))?
            }
        };
        if language != Language::Python {
            return Err(field(
                "language",
                format!("call tests run Python only, not {}", language.name()),
            ));
        }
        let tests = with_tolerance(tests, float_tolerance);
        Tests::Call {
            entry_point,
            tests,
            unconverted,
            setup,
            replay,
        }
    };
    Ok(CodeReference {
        language,
        tests,
        timeout_ms,
        float_tolerance,
    })
}

fn tolerance(v: &Value) -> Result<Tolerance, ReferenceError> {
    let bad = || {
        field(
            "float_tolerance",
            format!("expected a non-negative number or {{\"abs\": …, \"rel\": …}}, found {v}"),
        )
    };
    let non_negative = |x: Option<f64>| x.filter(|x| x.is_finite() && *x >= 0.0);
    match v {
        Value::Number(n) => {
            let x = non_negative(n.as_f64()).ok_or_else(bad)?;
            Ok(Tolerance { abs: x, rel: x })
        }
        Value::Object(m) => {
            known_keys(m, &["abs", "rel"], "float_tolerance")?;
            let get = |k: &str| match m.get(k) {
                None => Ok(0.0),
                Some(x) => non_negative(x.as_f64()).ok_or_else(|| {
                    field(
                        format!("float_tolerance.{k}"),
                        format!("expected a non-negative number, found {x}"),
                    )
                }),
            };
            Ok(Tolerance {
                abs: get("abs")?,
                rel: get("rel")?,
            })
        }
        _ => Err(bad()),
    }
}

fn is_stdio_item(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        ["stdin", "stdout", "input", "output"]
            .iter()
            .any(|k| m.contains_key(*k))
    })
}

fn stdio_tests(items: &[Value], at: &str) -> Result<Vec<StdioTest>, ReferenceError> {
    if items.is_empty() {
        return Err(field(if at.is_empty() { "tests" } else { at }, "no tests"));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{at}[{i}]");
        let m = object(item, &at)?;
        let test = if m.contains_key("input") || m.contains_key("output") {
            known_keys(m, &["input", "output"], &at)?;
            let input = object(
                m.get("input")
                    .ok_or_else(|| field(&at, "missing `input`"))?,
                &format!("{at}.input"),
            )?;
            let output = object(
                m.get("output")
                    .ok_or_else(|| field(&at, "missing `output`"))?,
                &format!("{at}.output"),
            )?;
            let stdin = match input.get("stdin") {
                Some(v) => string(v, &format!("{at}.input.stdin"))?,
                None => "",
            };
            let stdout = string(
                output
                    .get("stdout")
                    .ok_or_else(|| field(format!("{at}.output"), "missing `stdout`"))?,
                &format!("{at}.output.stdout"),
            )?;
            StdioTest {
                stdin: stdin.to_owned(),
                stdout: stdout.to_owned(),
            }
        } else {
            known_keys(m, &["stdin", "stdout"], &at)?;
            let stdin = match m.get("stdin") {
                Some(v) => string(v, &format!("{at}.stdin"))?,
                None => "",
            };
            let stdout = string(
                m.get("stdout")
                    .ok_or_else(|| field(&at, "missing `stdout`"))?,
                &format!("{at}.stdout"),
            )?;
            StdioTest {
                stdin: stdin.to_owned(),
                stdout: stdout.to_owned(),
            }
        };
        out.push(test);
    }
    Ok(out)
}

fn call_tests(items: &[Value]) -> Result<Vec<CallTest>, ReferenceError> {
    if items.is_empty() {
        return Err(field("tests", "no tests"));
    }
    let typed =
        |v: &Value, at: &str| PyValue::from_typed_json(v).map_err(|e| field(at, e.to_string()));
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("tests[{i}]");
        let m = object(item, &at)?;
        known_keys(m, &["args", "kwargs", "expected"], &at)?;
        let args = match m.get("args") {
            None => Vec::new(),
            Some(v) => array(v, &format!("{at}.args"))?
                .iter()
                .enumerate()
                .map(|(j, a)| typed(a, &format!("{at}.args[{j}]")))
                .collect::<Result<_, _>>()?,
        };
        let kwargs = match m.get("kwargs") {
            None => Vec::new(),
            Some(v) => object(v, &format!("{at}.kwargs"))?
                .iter()
                .map(|(k, a)| Ok((k.clone(), typed(a, &format!("{at}.kwargs.{k}"))?)))
                .collect::<Result<_, ReferenceError>>()?,
        };
        let expected = typed(
            m.get("expected")
                .ok_or_else(|| field(&at, "missing `expected`"))?,
            &format!("{at}.expected"),
        )?;
        out.push(CallTest {
            args,
            kwargs,
            transforms: Vec::new(),
            check: Check::Equal {
                expected,
                tolerance: None,
            },
            line: None,
        });
    }
    Ok(out)
}

/// The tests of a conversion, or an error when none converted.
fn converted(
    at: &str,
    c: Conversion,
) -> Result<(String, Vec<CallTest>, Vec<Unconverted>), ReferenceError> {
    if c.tests.is_empty() {
        let first = c.unconverted.first().map_or_else(
            || "it holds no assert".to_owned(),
            |u| format!("line {}: {}", u.line, u.reason),
        );
        return Err(field(at, format!("no test could be converted ({first})")));
    }
    let entry_point = c
        .entry_point
        .expect("a converted test sets the entry point");
    Ok((entry_point, c.tests, c.unconverted))
}

fn with_tolerance(mut tests: Vec<CallTest>, tol: Option<Tolerance>) -> Vec<CallTest> {
    if let Some(tol) = tol {
        for t in &mut tests {
            if let Check::Equal {
                tolerance: tolerance @ None,
                ..
            } = &mut t.check
            {
                *tolerance = Some(tol);
            }
        }
    }
    tests
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lit(src: &str) -> PyValue {
        PyValue::parse_literal(src).unwrap()
    }

    #[test]
    fn stdio_shapes() {
        let want = Tests::Stdio(vec![
            StdioTest {
                stdin: "1 2\n".into(),
                stdout: "3\n".into(),
            },
            StdioTest {
                stdin: String::new(),
                stdout: "x".into(),
            },
        ]);
        let plain = json!({"language": "python", "tests": [{"stdin": "1 2\n", "stdout": "3\n"}, {"stdout": "x"}]});
        let contests = json!([{"input": {"stdin": "1 2\n"}, "output": {"stdout": "3\n"}}, {"input": {}, "output": {"stdout": "x"}}]);
        for r in [
            plain.clone(),
            contests.clone(),
            Value::String(contests.to_string()),
        ] {
            assert_eq!(parse_reference(&r).unwrap().tests, want, "{r}");
        }
        let r = parse_reference(&json!({"language": "C++", "tests": [{"stdout": ""}], "timeout_ms": 2000, "float_tolerance": 1e-6})).unwrap();
        assert_eq!(r.language, Language::Cpp);
        assert_eq!(r.timeout_ms, Some(2000));
        assert_eq!(
            r.float_tolerance,
            Some(Tolerance {
                abs: 1e-6,
                rel: 1e-6
            })
        );
    }

    #[test]
    fn call_shapes() {
        let r = parse_reference(&json!({
            "entry_point": "f",
            "tests": [{"args": [1, {"$tuple": [2]}], "kwargs": {"k": {"$float": "inf"}}, "expected": {"$set": [1]}}, {"expected": null}],
            "float_tolerance": {"abs": 1e-3},
        }))
        .unwrap();
        let Tests::Call {
            entry_point,
            tests,
            unconverted,
            setup,
            replay,
        } = r.tests
        else {
            panic!()
        };
        assert_eq!(
            (entry_point.as_str(), unconverted.len(), setup, replay),
            ("f", 0, None, None)
        );
        assert_eq!(tests[0].args, vec![lit("1"), lit("(2,)")]);
        assert_eq!(tests[0].kwargs, vec![("k".into(), lit("float('inf')"))]);
        assert_eq!(
            tests[0].check,
            Check::Equal {
                expected: lit("{1}"),
                tolerance: Some(Tolerance {
                    abs: 1e-3,
                    rel: 0.0
                })
            }
        );
        assert_eq!(
            tests[1].check,
            Check::Equal {
                expected: PyValue::None,
                tolerance: Some(Tolerance {
                    abs: 1e-3,
                    rel: 0.0
                })
            }
        );

        let r = parse_reference(&json!({"entry_point": "add", "check": "def check(candidate):\n    assert candidate(1, 2) == 3\n    for i in range(3):\n        assert candidate(i, 0) == i\n"})).unwrap();
        let Tests::Call {
            tests,
            unconverted,
            replay,
            ..
        } = r.tests
        else {
            panic!()
        };
        assert_eq!((tests.len(), unconverted.len()), (1, 1));
        // What did not convert is kept for a replay, with the source.
        assert!(
            replay.is_some_and(|r| r.check.contains("for i in range(3)") && r.prelude.is_none())
        );

        // A check with nothing convertible is still a suite: replay judges it whole.
        let r = parse_reference(&json!({"entry_point": "f", "prelude": "def helper(): pass", "check": "def check(candidate):\n    for i in range(3):\n        assert candidate(i) == i\n"})).unwrap();
        let Tests::Call { tests, replay, .. } = r.tests else {
            panic!()
        };
        assert!(tests.is_empty());
        assert_eq!(
            replay.and_then(|r| r.prelude).as_deref(),
            Some("def helper(): pass")
        );

        let r = parse_reference(&json!({"asserts": ["assert remove_Occ(\"hello\",\"l\") == \"heo\""], "setup": "import re"})).unwrap();
        let Tests::Call {
            entry_point,
            tests,
            setup,
            ..
        } = r.tests
        else {
            panic!()
        };
        assert_eq!(
            (entry_point.as_str(), tests.len(), setup.as_deref()),
            ("remove_Occ", 1, Some("import re"))
        );
    }

    #[test]
    fn errors_name_the_field() {
        #[rustfmt::skip]
        let cases = [
            (json!("{not json"), "the reference is a string but not JSON: key must be a string at line 1 column 2"),
            (json!(5), "a code reference is an object (or an array of stdio tests), not a number"),
            (json!({}), "a code reference needs one of `tests`, `check` or `asserts`"),
            (json!({"tests": [], "check": ""}), "a code reference takes one of `tests`, `check` or `asserts`, not `tests` and `check`"),
            (json!({"tests": [{"stdout": 1}]}), "`tests[0].stdout`: expected a string, found a number"),
            (json!({"tests": [{"stdin": "x"}]}), "`tests[0]`: missing `stdout`"),
            (json!({"tests": [{"input": {"stdin": "x"}, "output": {"stdout": "y"}}, {"input": {"stdin": 2}, "output": {}}]}), "`tests[1].input.stdin`: expected a string, found a number"),
            (json!({"tests": [{"stdout": "x", "stderr": ""}]}), "`tests[0].stderr`: unknown field (known: stdin, stdout)"),
            (json!({"tests": []}), "`tests`: no tests"),
            (json!({"tests": [{"expected": 1}]}), "`entry_point`: call tests need the function's name"),
            (json!({"entry_point": "f", "tests": [{"args": [1]}]}), "`tests[0]`: missing `expected`"),
            (json!({"entry_point": "f", "tests": [{"args": 1, "expected": 1}]}), "`tests[0].args`: expected an array, found a number"),
            (json!({"entry_point": "f", "tests": [{"args": [{"$tupel": []}], "expected": 1}]}), "`tests[0].args[0]`: at $tupel: unknown tag \"$tupel\" (known: $int, $float, $bytes, $tuple, $set, $frozenset, $dict)"),
            (json!({"entry_point": "f x", "check": ""}), "`entry_point`: \"f x\" is not a Python function name"),
            (json!({"check": "def check(c): pass"}), "`entry_point`: a `check` suite needs the function's name"),
            (json!({"tests": [{"stdout": ""}], "prelude": "x = 1"}), "`prelude`: only a `check` suite takes a prelude"),
            (json!({"asserts": []}), "`asserts`: no test could be converted (it holds no assert)"),
            (json!({"asserts": ["assert f(1) == 1", 2]}), "`asserts[1]`: expected a string, found a number"),
            (json!({"language": "rust", "tests": [{"stdout": ""}]}), "`language`: unknown language \"rust\" (known: python, cpp)"),
            (json!({"language": "cpp", "asserts": ["assert f(1) == 1"]}), "`language`: call tests run Python only, not cpp"),
            (json!({"tests": [{"stdout": ""}], "setup": "x = 1"}), "`setup`: only call tests take setup code"),
            (json!({"tests": [{"stdout": ""}], "timeout_ms": 0}), "`timeout_ms`: expected a positive integer, found 0"),
            (json!({"tests": [{"stdout": ""}], "timeout": 5}), "`timeout`: unknown field (known: language, tests, entry_point, check, prelude, asserts, setup, timeout_ms, float_tolerance)"),
            (json!({"tests": [{"stdout": ""}], "float_tolerance": -1}), "`float_tolerance`: expected a non-negative number or {\"abs\": …, \"rel\": …}, found -1"),
            (json!({"tests": [{"stdout": ""}], "float_tolerance": {"abs": "x"}}), "`float_tolerance.abs`: expected a non-negative number, found \"x\""),
        ];
        for (r, want) in cases {
            assert_eq!(parse_reference(&r).unwrap_err().to_string(), want, "{r}");
        }
    }

    #[test]
    fn language_names() {
        for (name, lang) in [
            ("Python", Language::Python),
            ("py3", Language::Python),
            ("c++", Language::Cpp),
            ("CXX", Language::Cpp),
        ] {
            assert_eq!(Language::from_name(name), Some(lang));
        }
        assert_eq!(Language::from_name("c"), None);
        assert_eq!(Language::Cpp.name(), "cpp");
    }
}
