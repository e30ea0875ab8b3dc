//! The call harness: the Python program that runs the model's function
//! inside the sandbox, the input it reads, and the reading of what it
//! prints.
//!
//! The sandbox gets the solution (`solution.py`), [`python_call_harness`]
//! and, on stdin, [`harness_input`]: the entry point, the setup code and
//! each test's arguments — **never the expected values**, which stay here.
//! The harness saves a private duplicate of fd 1 for its results, points
//! fd 1 at fd 2 so that the solution's prints go to stderr, loads the
//! solution as a fresh module, then calls the function once per test and
//! writes one JSON line per test: `{"i": k, "value": <typed>}` or `{"i": k,
//! "error": "ExcType: message"}` (a load failure is a single `{"load_error":
//! …}` line). Values use the [typed JSON encoding](super::typed_json);
//! anything that is not plain data (a custom class with an always-true
//! `__eq__`, say) is reported as an error, never as a value.
//!
//! [`decode_call_results`] reads that output as untrusted data: the
//! solution runs in the harness's process and can write to the same file
//! descriptor, forge lines, or patch the harness itself. So any line that
//! the honest harness could not have written — malformed JSON, an unknown
//! shape, an index out of range, a test reported twice, a load error among
//! results — is **tampering**, and tampering fails the whole run
//! ([`verdicts`]): no test can be trusted once the channel is known
//! forged. Forging well-formed lines gains nothing, because a forged value
//! is judged exactly as a returned one would be, against expected values
//! the sandbox never saw. A test with no line (the program exited, crashed
//! or ran out of time first) is [`CallResult::Missing`] and fails; a final
//! line without its newline (cut short by a kill) is ignored.

use serde_json::{Map, Value};

use super::call::{CallTest, check_call};
use super::compare::Verdict;
use super::pyvalue::PyValue;

/// The Python source of the call harness, run as a script next to
/// `solution.py` (see the module docs for its protocol).
pub fn python_call_harness() -> &'static str {
    include_str!("harness.py")
}

/// The harness's stdin: the entry point, the optional setup code, and each
/// test's typed arguments (with `iterate` set when the test applies a
/// builtin such as `list()` to the result). Expected values are never
/// part of it.
pub fn harness_input(entry_point: &str, setup: Option<&str>, tests: &[CallTest]) -> String {
    let tests: Vec<Value> = tests
        .iter()
        .map(|t| {
            let mut m = Map::new();
            m.insert(
                "args".into(),
                Value::Array(t.args.iter().map(PyValue::to_typed_json).collect()),
            );
            m.insert(
                "kwargs".into(),
                Value::Object(
                    t.kwargs
                        .iter()
                        .map(|(k, v)| (k.clone(), v.to_typed_json()))
                        .collect(),
                ),
            );
            m.insert("iterate".into(), Value::Bool(!t.transforms.is_empty()));
            Value::Object(m)
        })
        .collect();
    let mut doc = Map::new();
    doc.insert("entry_point".into(), Value::String(entry_point.to_owned()));
    if let Some(setup) = setup {
        doc.insert("setup".into(), Value::String(setup.to_owned()));
    }
    doc.insert("tests".into(), Value::Array(tests));
    Value::Object(doc).to_string()
}

/// What the harness reported for one test.
#[derive(Debug, Clone, PartialEq)]
pub enum CallResult {
    /// The function returned this value.
    Returned(PyValue),
    /// The function raised, or returned something that is not plain data:
    /// `ExcType: message`, as the (untrusted) harness wrote it.
    Raised(String),
    /// No line for this test.
    Missing,
}

/// The decoded output of a harness run.
#[derive(Debug, Clone, PartialEq)]
pub struct CallResults {
    /// One result per test, in test order.
    pub results: Vec<CallResult>,
    /// The error that kept the solution from loading, if reported.
    pub load_error: Option<String>,
    /// The first sign of tampering (see the module docs), if any: the run
    /// then fails as a whole.
    pub tampering: Option<String>,
}

/// How much of an untrusted line or message is kept for messages.
const PREVIEW: usize = 200;

/// Reads the harness's output for a run of `n_tests` tests.
pub fn decode_call_results(out: &[u8], n_tests: usize) -> CallResults {
    let mut r = CallResults {
        results: vec![CallResult::Missing; n_tests],
        load_error: None,
        tampering: None,
    };
    let mut seen = vec![false; n_tests];
    let mut lines: Vec<&[u8]> = out.split(|&b| b == b'\n').collect();
    // The last piece has no newline: empty, or a line cut short.
    lines.pop();
    for (k, line) in lines.iter().enumerate() {
        if let Err(why) = read_line(line, k, &mut r, &mut seen) {
            r.tampering = Some(format!(
                "result line {}: {why}: {:?}",
                k + 1,
                plaudit_core::preview(&String::from_utf8_lossy(line), PREVIEW)
            ));
            return r;
        }
    }
    r
}

fn read_line(line: &[u8], k: usize, r: &mut CallResults, seen: &mut [bool]) -> Result<(), String> {
    let json: Value = serde_json::from_slice(line).map_err(|_| "not JSON".to_owned())?;
    let Value::Object(map) = json else {
        return Err("not a JSON object".into());
    };
    let keys: Vec<&str> = {
        let mut k: Vec<&str> = map.keys().map(String::as_str).collect();
        k.sort_unstable();
        k
    };
    match keys.as_slice() {
        ["load_error"] => {
            if k != 0 || r.results.iter().any(|x| *x != CallResult::Missing) {
                return Err("a load error after other lines".into());
            }
            let msg = map["load_error"]
                .as_str()
                .ok_or("a load error that is not a string")?;
            r.load_error = Some(plaudit_core::preview(msg, PREVIEW));
            Ok(())
        }
        ["i", "value"] | ["error", "i"] => {
            if r.load_error.is_some() {
                return Err("a result after a load error".into());
            }
            let i = map["i"]
                .as_u64()
                .and_then(|i| usize::try_from(i).ok())
                .filter(|&i| i < seen.len())
                .ok_or_else(|| {
                    format!("a test index out of range (there are {} tests)", seen.len())
                })?;
            if std::mem::replace(&mut seen[i], true) {
                return Err(format!("test {i} reported twice"));
            }
            r.results[i] = match map.get("value") {
                Some(v) => CallResult::Returned(
                    PyValue::from_typed_json(v)
                        .map_err(|e| format!("an undecodable value ({e})"))?,
                ),
                None => {
                    let msg = map["error"]
                        .as_str()
                        .ok_or("an error that is not a string")?;
                    CallResult::Raised(plaudit_core::preview(msg, PREVIEW))
                }
            };
            Ok(())
        }
        _ => Err("an unknown line shape".into()),
    }
}

/// The verdict of each test of a run: tampering fails them all, a load
/// error fails them all with its message, otherwise each result is judged
/// by [`check_call`].
pub fn verdicts(tests: &[CallTest], results: &CallResults) -> Vec<Verdict> {
    if let Some(t) = &results.tampering {
        let why = format!("the run's output was tampered with ({t})");
        return vec![Verdict::Fail(why); tests.len()];
    }
    if let Some(e) = &results.load_error {
        return vec![Verdict::Fail(format!("the solution did not load: {e}")); tests.len()];
    }
    tests
        .iter()
        .enumerate()
        .map(
            |(i, t)| match results.results.get(i).unwrap_or(&CallResult::Missing) {
                CallResult::Returned(v) => check_call(t, v),
                CallResult::Raised(e) => Verdict::Fail(format!("raised {e}")),
                CallResult::Missing => {
                    Verdict::Fail("no result: the program ended before this test".into())
                }
            },
        )
        .collect()
}

#[cfg(test)]
mod tests;
