//! `code.tests`: runs the response's program against the sample's tests in
//! the sandbox and rewards the share that pass (or all-or-nothing).
//!
//! The program is the last fenced code block of the response (the whole
//! response when there is none, see [`extract_code`]). The tests come from
//! the sample's `reference` ([`parse_reference`]):
//!
//! - **stdio** tests run the program once per test, in a fresh sandbox,
//!   with the test's stdin; a test passes when the program exits with 0
//!   *and* its stdout matches under [`StdoutRules`]. Every line must match
//!   and the line counts must agree: a correct prefix does not pass, and
//!   case matters unless `case_sensitive = false`.
//! - **call** tests (Python) run in one sandboxed process: a harness loads
//!   `solution.py`, calls the entry point with each test's arguments and
//!   prints what it returned, in the typed JSON encoding. Expected values
//!   never enter the sandbox; the comparison happens here, with Python's
//!   equality ([`check_call`]). A harness whose output was tampered with
//!   (a test reported twice) fails every test.
//! - **C++** is compiled inside a sandbox of its own, with its own limits
//!   (a template bomb or `#include </dev/zero>` meets them and scores 0),
//!   then run like any stdio program.
//!
//! What the program did wrong scores 0 for that test — a wrong answer, a
//! crash, a time-out, a memory or output limit, a compile error. What went
//! wrong around it is a `failed` outcome, never a 0: the sandbox could not
//! start, the reference is malformed, no test could be read from it.
//! Statements of an assert suite that could not be turned into call tests
//! are listed in the details (`unconverted`) and left out of the count.
//!
//! ```toml
//! [[aspect]]
//! name = "tests"
//! kind = "code.tests"
//! reward = "pass_rate"      # or "all"
//! timeout_ms = 30000        # the aspect's deadline, for all its tests
//! test_timeout_ms = 5000    # one stdio run; a call suite gets this plus per_call_ms per test
//! memory_mb = 512
//! ```

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use plaudit_core::{
    Aspect, BuildContext, BuildError, Context, Cost, Evaluation, KindEntry, Outcome, Sample,
};
use plaudit_sandbox::{Job, JobFile, Limits, RunOutput, Sandbox, SandboxConfig, Status};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::reference::ReplaySource;
use super::{
    CallResult, Language, StdioTest, StdoutRules, Tests, Tolerance, Verdict, Whitespace,
    compare_stdout, decode_call_results, extract_code, harness_input, parse_reference,
    python_call_harness, verdicts,
};
use crate::text::preview;

/// The kind's registry entry.
pub const ENTRY: KindEntry = KindEntry {
    kind: "code.tests",
    summary: "runs the response's program on the sample's tests in a sandbox: stdin/stdout or function calls, Python or C++",
    version: 1,
    build,
};

/// How passing tests turn into the reward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reward {
    /// The share of tests that pass.
    #[default]
    PassRate,
    /// 1 when every test passes, else 0 (stops at the first failure).
    All,
}

/// The parameters of `code.tests`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `"pass_rate"` (default) or `"all"`.
    #[serde(default)]
    pub reward: Reward,
    /// The language when the reference does not name one (default Python).
    #[serde(default)]
    pub language: Option<String>,
    /// Wall-clock limit of one stdio run, and the base of a call suite's
    /// (default 5,000). The CPU limit is the same, rounded up to seconds.
    #[serde(default = "default_test_timeout")]
    pub test_timeout_ms: u64,
    /// Added to a call suite's limit for each test (default 1,000).
    #[serde(default = "default_per_call")]
    pub per_call_ms: u64,
    /// Memory per run in MiB (default 512).
    #[serde(default = "default_memory")]
    pub memory_mb: u64,
    /// Kept of stdout per run, in KiB (default 1,024); more is an output-limit failure.
    #[serde(default = "default_output")]
    pub output_kb: u64,
    /// Whitespace rule for stdout: `"trim_line_ends"` (default), `"exact"`, `"tokens"`.
    #[serde(default)]
    pub whitespace: WhitespaceName,
    /// Keep trailing empty lines significant (default false: ignored).
    #[serde(default)]
    pub trailing_newlines_significant: bool,
    /// Compare stdout case-sensitively (default true; never folded unless asked).
    #[serde(default = "yes")]
    pub case_sensitive: bool,
    /// Numbers in stdout compare within this tolerance (absolute and
    /// relative); a reference's `float_tolerance` overrides it.
    #[serde(default)]
    pub float_tolerance: Option<f64>,
    /// The Python interpreter (default `/usr/bin/python3`), started with `-I -S`.
    #[serde(default = "default_python")]
    pub python: String,
    /// The C++ compiler (default `/usr/bin/g++`).
    #[serde(default = "default_cxx")]
    pub cxx: String,
    /// Compiler flags (default `-O2 -std=c++17`).
    #[serde(default = "default_cxx_flags")]
    pub cxx_flags: Vec<String>,
    /// Wall-clock limit of a compilation (default 30,000).
    #[serde(default = "default_compile_timeout")]
    pub compile_timeout_ms: u64,
    /// Memory of a compilation in MiB (default 1,024).
    #[serde(default = "default_compile_memory")]
    pub compile_memory_mb: u64,
    /// What to do with assert statements of a `check` suite that did not
    /// convert to call tests: `"replay"` (default) judges the whole suite
    /// by replaying it; `"report"` judges the converted tests and lists the
    /// rest.
    #[serde(default)]
    pub unconverted: UnconvertedMode,
    /// Tests run per sample at most (default 1,024); more is a failed outcome.
    #[serde(default = "default_max_tests")]
    pub max_tests: usize,
}

/// See [`Config::unconverted`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnconvertedMode {
    /// Replay the whole suite in sandboxes (one for the candidate, two
    /// holding only the dataset's code).
    #[default]
    Replay,
    /// Judge the converted tests; list the rest in the details.
    Report,
}

/// The spec's names for [`Whitespace`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhitespaceName {
    /// Ignore whitespace at line ends.
    #[default]
    TrimLineEnds,
    /// Byte for byte.
    Exact,
    /// Whitespace-separated tokens.
    Tokens,
}

fn default_test_timeout() -> u64 {
    5_000
}
fn default_per_call() -> u64 {
    1_000
}
fn default_memory() -> u64 {
    512
}
fn default_output() -> u64 {
    1_024
}
fn yes() -> bool {
    true
}
fn default_python() -> String {
    "/usr/bin/python3".into()
}
fn default_cxx() -> String {
    "/usr/bin/g++".into()
}
fn default_cxx_flags() -> Vec<String> {
    vec!["-O2".into(), "-std=c++17".into()]
}
fn default_compile_timeout() -> u64 {
    30_000
}
fn default_compile_memory() -> u64 {
    1_024
}
fn default_max_tests() -> usize {
    1_024
}

fn build(params: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    let config: Config = BuildError::parse_params(params)?;
    let language = match &config.language {
        None => Language::Python,
        Some(name) => Language::from_name(name).ok_or_else(|| {
            BuildError::param(
                "language",
                format!("{name:?}: expected \"python\" or \"cpp\""),
            )
        })?,
    };
    for (name, v) in [
        ("test_timeout_ms", config.test_timeout_ms),
        ("memory_mb", config.memory_mb),
        ("output_kb", config.output_kb),
        ("compile_timeout_ms", config.compile_timeout_ms),
        ("compile_memory_mb", config.compile_memory_mb),
    ] {
        if v == 0 {
            return Err(BuildError::param(name, "must be at least 1"));
        }
    }
    for (name, path) in [("python", &config.python), ("cxx", &config.cxx)] {
        if !path.starts_with('/') {
            return Err(BuildError::param(
                name,
                format!("{path:?}: must be an absolute path"),
            ));
        }
    }
    if let Some(t) = config.float_tolerance
        && !(t.is_finite() && t >= 0.0)
    {
        return Err(BuildError::param(
            "float_tolerance",
            format!("{t}: must be a finite number ≥ 0"),
        ));
    }
    let rules = StdoutRules {
        whitespace: match config.whitespace {
            WhitespaceName::TrimLineEnds => Whitespace::TrimLineEnds,
            WhitespaceName::Exact => Whitespace::Exact,
            WhitespaceName::Tokens => Whitespace::Tokens,
        },
        trailing_newlines_ignored: !config.trailing_newlines_significant,
        float_tolerance: config.float_tolerance.map(|t| Tolerance { abs: t, rel: t }),
        case_sensitive: config.case_sensitive,
    };
    // Interpreters installed outside /usr (pyenv, conda) are bound in read-only.
    let mut binds = Vec::new();
    for path in [&config.python, &config.cxx] {
        if let Some(prefix) = install_prefix(path) {
            binds.push(prefix);
        }
    }
    Ok(Box::new(CodeTests {
        language,
        rules,
        config,
        binds,
    }))
}

/// The install prefix of a program outside the sandbox's standard runtime
/// (`/opt/py/bin/python3` → `/opt/py`), to bind into the sandbox.
fn install_prefix(program: &str) -> Option<PathBuf> {
    let real = std::fs::canonicalize(program).ok()?;
    let standard = ["/usr/", "/bin/", "/sbin/", "/lib"];
    if standard.iter().any(|s| real.starts_with(s)) {
        return None;
    }
    let bin = real.parent()?;
    Some(if bin.file_name().is_some_and(|n| n == "bin") {
        bin.parent()?.to_path_buf()
    } else {
        bin.to_path_buf()
    })
}

/// One sandbox pool per process (per set of extra binds), made on first use
/// so that checking a spec never needs one.
fn sandbox(binds: &[PathBuf]) -> Result<Arc<Sandbox>, String> {
    type Pools = Mutex<HashMap<Vec<PathBuf>, Result<Arc<Sandbox>, String>>>;
    static POOLS: OnceLock<Pools> = OnceLock::new();
    let pools = POOLS.get_or_init(Default::default);
    let mut pools = pools.lock().unwrap_or_else(|p| p.into_inner());
    pools
        .entry(binds.to_vec())
        .or_insert_with(|| {
            let config = SandboxConfig {
                slots: default_slots(),
                ro_binds: binds.to_vec(),
                ..SandboxConfig::default()
            };
            Sandbox::new(config)
                .map(Arc::new)
                .map_err(|e| e.to_string())
        })
        .clone()
}

/// Twice the cores: part of every run is the kernel tearing a namespace
/// down, time a second run in flight can use.
fn default_slots() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()) * 2
}

#[derive(Debug)]
struct CodeTests {
    language: Language,
    rules: StdoutRules,
    config: Config,
    binds: Vec<PathBuf>,
}

/// The result of one test, for the reward and the details.
#[derive(Debug)]
struct TestResult {
    passed: bool,
    /// Why it failed (status, first difference, exception).
    reason: Option<String>,
}

/// An infrastructure failure: the sample's outcome becomes `failed`.
struct Infra(String);

/// The outcome becomes timed out: the aspect's deadline passed.
enum Stop {
    Infra(Infra),
    Deadline,
}

impl From<plaudit_sandbox::Error> for Stop {
    fn from(e: plaudit_sandbox::Error) -> Self {
        Stop::Infra(Infra(e.to_string()))
    }
}

/// One sandboxed run. Processes left behind mean the sandbox's teardown
/// failed (they were killed): an infrastructure failure, loudly.
fn run_job(sb: &Sandbox, job: &Job) -> Result<RunOutput, Stop> {
    let out = sb.run(job)?;
    if !out.leftover_processes.is_empty() {
        return Err(Stop::Infra(Infra(format!(
            "the sandbox left {} process(es) behind after a run (killed)",
            out.leftover_processes.len()
        ))));
    }
    Ok(out)
}

fn status_reason(out: &RunOutput) -> String {
    match out.status {
        Status::Exited(code) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            if last.is_empty() {
                format!("exited with {code}")
            } else {
                format!("exited with {code}: {}", preview(last))
            }
        }
        other => other.to_string(),
    }
}

impl CodeTests {
    /// The reference, with the spec's `language` where it names none.
    fn with_default_language<'a>(&self, reference: &'a Value) -> std::borrow::Cow<'a, Value> {
        if self.language == Language::Python {
            return std::borrow::Cow::Borrowed(reference);
        }
        let parsed;
        let object = match reference {
            Value::Object(o) => o,
            Value::String(s) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(o)) => {
                    parsed = o;
                    &parsed
                }
                _ => return std::borrow::Cow::Borrowed(reference),
            },
            _ => return std::borrow::Cow::Borrowed(reference),
        };
        if object.contains_key("language") {
            return std::borrow::Cow::Borrowed(reference);
        }
        let mut object = object.clone();
        object.insert("language".into(), self.language.name().into());
        std::borrow::Cow::Owned(Value::Object(object))
    }

    fn limits(&self, wall: Duration) -> Limits {
        Limits {
            wall,
            cpu: wall,
            memory_bytes: self.config.memory_mb << 20,
            output_bytes: (self.config.output_kb << 10) as usize,
            ..Limits::default()
        }
    }

    /// The wall limit of a run: its own, cut to what is left of the deadline.
    fn wall(&self, own: Duration, cx: &Context) -> Result<Duration, Stop> {
        let left = cx.deadline().saturating_duration_since(Instant::now());
        if left < Duration::from_millis(1) {
            return Err(Stop::Deadline);
        }
        Ok(own.min(left))
    }

    fn python_argv(&self, script: &str) -> Vec<String> {
        vec![
            self.config.python.clone(),
            "-I".into(),
            "-S".into(),
            script.into(),
        ]
    }

    fn run_stdio(
        &self,
        sb: &Sandbox,
        program: &ProgramFiles,
        tests: &[StdioTest],
        rules: &StdoutRules,
        test_timeout: Duration,
        cx: &Context,
    ) -> Result<Vec<TestResult>, Stop> {
        let mut results = Vec::with_capacity(tests.len());
        for test in tests {
            let own = self.wall(test_timeout, cx)?;
            let job = Job {
                argv: program.argv.clone(),
                env: plaudit_sandbox::default_env(),
                stdin: test.stdin.as_bytes().to_vec(),
                files: program.files.clone(),
                limits: Limits {
                    work_bytes: program.work_bytes.unwrap_or(Limits::default().work_bytes),
                    ..self.limits(own)
                },
            };
            let out = run_job(sb, &job)?;
            if out.status == Status::TimedOut && own < test_timeout {
                // Cut short by the aspect's deadline, not by its own limit.
                return Err(Stop::Deadline);
            }
            let result = if !out.status.success() {
                TestResult {
                    passed: false,
                    reason: Some(status_reason(&out)),
                }
            } else {
                match compare_stdout(&test.stdout, &out.stdout, rules) {
                    Verdict::Pass => TestResult {
                        passed: true,
                        reason: None,
                    },
                    Verdict::Fail(why) => TestResult {
                        passed: false,
                        reason: Some(why),
                    },
                }
            };
            let stop = !result.passed && self.config.reward == Reward::All;
            results.push(result);
            if stop {
                break;
            }
        }
        Ok(results)
    }

    /// Compiles C++ in a sandbox; `Ok(Err(reason))` is the program's fault (scores 0).
    fn compile_cpp(
        &self,
        sb: &Sandbox,
        code: &str,
        cx: &Context,
    ) -> Result<Result<Vec<u8>, String>, Stop> {
        let own = Duration::from_millis(self.config.compile_timeout_ms);
        let wall = self.wall(own, cx)?;
        let mut command = shell_quote(&self.config.cxx);
        for flag in &self.config.cxx_flags {
            command.push(' ');
            command.push_str(&shell_quote(flag));
        }
        // The binary comes back on stdout; diagnostics go to stderr.
        command.push_str(" -o a.out main.cpp 1>&2 && cat a.out");
        let job = Job {
            argv: vec!["/bin/sh".into(), "-c".into(), command],
            env: plaudit_sandbox::default_env(),
            stdin: Vec::new(),
            files: vec![JobFile {
                name: "main.cpp".into(),
                contents: code.as_bytes().to_vec(),
                executable: false,
            }],
            limits: Limits {
                wall,
                cpu: wall,
                memory_bytes: self.config.compile_memory_mb << 20,
                file_size_bytes: 256 << 20,
                processes: 16,
                open_files: 256,
                output_bytes: 64 << 20,
                work_bytes: 512 << 20,
                work_inodes: 4096,
            },
        };
        let out = run_job(sb, &job)?;
        if out.status == Status::TimedOut && wall < own {
            return Err(Stop::Deadline);
        }
        if !out.status.success() || out.stdout.is_empty() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let first = stderr
                .lines()
                .find(|l| l.contains("error"))
                .unwrap_or_else(|| stderr.lines().next().unwrap_or(""));
            return Ok(Err(format!(
                "compile: {}{}",
                out.status,
                if first.is_empty() {
                    String::new()
                } else {
                    format!(": {}", preview(first))
                }
            )));
        }
        Ok(Ok(out.stdout))
    }

    /// One run of the call harness beside the candidate's `solution.py`:
    /// `stdin` names the calls (never expected values). Its limit is the
    /// test timeout plus `per_call_ms` per call, cut to the deadline.
    fn run_harness(
        &self,
        sb: &Sandbox,
        code: &str,
        stdin: String,
        calls: usize,
        test_timeout: Duration,
        cx: &Context,
    ) -> Result<(RunOutput, super::CallResults), Stop> {
        let own = test_timeout + Duration::from_millis(self.config.per_call_ms) * calls as u32;
        let wall = self.wall(own, cx)?;
        let job = Job {
            argv: self.python_argv("harness.py"),
            env: plaudit_sandbox::default_env(),
            stdin: stdin.into_bytes(),
            files: vec![
                JobFile {
                    name: "harness.py".into(),
                    contents: python_call_harness().as_bytes().to_vec(),
                    executable: false,
                },
                JobFile {
                    name: "solution.py".into(),
                    contents: code.as_bytes().to_vec(),
                    executable: false,
                },
            ],
            limits: self.limits(wall),
        };
        let out = run_job(sb, &job)?;
        if out.status == Status::TimedOut && wall < own {
            return Err(Stop::Deadline);
        }
        let decoded = decode_call_results(&out.stdout, calls);
        Ok((out, decoded))
    }

    fn run_calls(
        &self,
        sb: &Sandbox,
        code: &str,
        suite: CallSuite<'_>,
        test_timeout: Duration,
        cx: &Context,
    ) -> Result<(Vec<TestResult>, Option<String>), Stop> {
        let CallSuite {
            entry_point,
            setup,
            tests,
        } = suite;
        let stdin = harness_input(entry_point, setup, tests);
        let (out, decoded) = self.run_harness(sb, code, stdin, tests.len(), test_timeout, cx)?;
        let verdicts = verdicts(tests, &decoded);
        let whole_run = decoded
            .tampering
            .clone()
            .or_else(|| decoded.load_error.clone());
        let results = verdicts
            .into_iter()
            .zip(&decoded.results)
            .map(|(verdict, result)| match verdict {
                Verdict::Pass => TestResult {
                    passed: true,
                    reason: None,
                },
                Verdict::Fail(why) => TestResult {
                    passed: false,
                    reason: Some(match result {
                        // A test with no line: the run ended (or was ended) first.
                        CallResult::Missing if !out.status.success() => {
                            format!("no result: {}", status_reason(&out))
                        }
                        _ => why,
                    }),
                },
            })
            .collect();
        Ok((results, whole_run))
    }
}

impl CodeTests {
    /// A trusted run of `replay.py` (no candidate code in the sandbox).
    fn replay_step(&self, sb: &Sandbox, input: Value, wall: Duration) -> Result<Value, Stop> {
        let job = Job {
            argv: self.python_argv("replay.py"),
            env: plaudit_sandbox::default_env(),
            stdin: input.to_string().into_bytes(),
            files: vec![
                JobFile {
                    name: "harness.py".into(),
                    contents: python_call_harness().as_bytes().to_vec(),
                    executable: false,
                },
                JobFile {
                    name: "replay.py".into(),
                    contents: REPLAY.as_bytes().to_vec(),
                    executable: false,
                },
            ],
            limits: Limits {
                output_bytes: 64 << 20,
                ..self.limits(wall)
            },
        };
        let out = run_job(sb, &job)?;
        if !out.status.success() {
            return Err(Stop::Infra(Infra(format!(
                "replaying the check: {}",
                status_reason(&out)
            ))));
        }
        let value: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
            Stop::Infra(Infra(format!(
                "replaying the check: unreadable output: {e}"
            )))
        })?;
        if let Some(error) = value.get("error") {
            return Err(Stop::Infra(Infra(format!(
                "replaying the check: {}",
                error.as_str().unwrap_or("?")
            ))));
        }
        Ok(value)
    }

    /// Judges a `check` suite as a whole by replay: record the calls the
    /// check makes (a sandbox with the check only), make them on the
    /// candidate (a sandbox with the candidate only), then run the check
    /// again over the recorded results (a sandbox with the check only).
    /// The candidate's results cross over as plain data that plaudit
    /// decoded and re-encoded; no candidate code runs where the check does.
    fn run_replay(
        &self,
        sb: &Sandbox,
        code: &str,
        suite: CallSuite<'_>,
        replay: &ReplaySource,
        test_timeout: Duration,
        cx: &Context,
    ) -> Result<(Vec<TestResult>, Option<String>), Stop> {
        let base = json!({
            "prelude": replay.prelude,
            "check": replay.check,
            "entry_point": suite.entry_point,
            "seed": 0,
        });
        let mut input = base.clone();
        input["mode"] = "record".into();
        let recorded = self.replay_step(sb, input, self.wall(test_timeout, cx)?)?;
        let calls = recorded["calls"].as_array().cloned().unwrap_or_default();
        // The candidate, alone: the recorded arguments, no expected values.
        let tests: Vec<Value> = calls
            .iter()
            .map(|c| json!({"args": c["args"], "kwargs": c["kwargs"], "iterate": false}))
            .collect();
        let mut harness = json!({"entry_point": suite.entry_point, "tests": tests});
        if let Some(setup) = suite.setup {
            harness["setup"] = setup.into();
        }
        let (out, decoded) =
            self.run_harness(sb, code, harness.to_string(), calls.len(), test_timeout, cx)?;
        if let Some(why) = decoded
            .tampering
            .clone()
            .or_else(|| decoded.load_error.clone())
        {
            let reason = why.clone();
            return Ok((
                vec![TestResult {
                    passed: false,
                    reason: Some(reason),
                }],
                Some(why),
            ));
        }
        let results: Vec<Value> = decoded
            .results
            .iter()
            .map(|r| match r {
                CallResult::Returned(v) => json!({"value": v.to_typed_json()}),
                CallResult::Raised(e) => json!({"error": e}),
                CallResult::Missing => {
                    json!({"error": format!("no result: {}", status_reason(&out))})
                }
            })
            .collect();
        let mut input = base;
        input["mode"] = "judge".into();
        input["calls"] = Value::Array(calls);
        input["results"] = Value::Array(results);
        let verdict = self.replay_step(sb, input, self.wall(test_timeout, cx)?)?;
        let passed = verdict["passed"].as_bool() == Some(true);
        let reason = (!passed).then(|| {
            verdict["reason"]
                .as_str()
                .unwrap_or("the check failed")
                .to_owned()
        });
        Ok((vec![TestResult { passed, reason }], None))
    }
}

/// The replay script (see `replay.py`).
const REPLAY: &str = include_str!("replay.py");

/// A call-test suite to run.
struct CallSuite<'a> {
    entry_point: &'a str,
    setup: Option<&'a str>,
    tests: &'a [super::CallTest],
}

/// How to run a Python or compiled program on stdin.
struct ProgramFiles {
    /// A larger `/work` than the default, for a big compiled binary.
    work_bytes: Option<u64>,
    argv: Vec<String>,
    files: Vec<JobFile>,
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

impl Aspect for CodeTests {
    fn evaluate(&self, sample: &Sample, cx: &Context) -> Evaluation {
        let Some(reference) = &sample.reference else {
            return Evaluation::not_applicable(
                "no reference: code.tests needs the tests in the sample's reference",
            );
        };
        let reference = match parse_reference(&self.with_default_language(reference)) {
            Ok(r) => r,
            Err(e) => return Evaluation::failed(format!("reference: {e}")),
        };
        let language = reference.language;
        let code = extract_code(sample.response.text(), language);
        // A check suite with statements that did not convert is judged as a
        // whole, by replay, when the spec allows it.
        let replaying = self.config.unconverted == UnconvertedMode::Replay
            && matches!(&reference.tests, Tests::Call { replay: Some(_), unconverted, .. } if !unconverted.is_empty());
        let count = match &reference.tests {
            Tests::Stdio(t) => t.len(),
            Tests::Call { .. } if replaying => 1,
            Tests::Call { tests, .. } => tests.len(),
        };
        if count == 0 {
            return Evaluation::failed(
                "no test of the check could be converted, and unconverted = \"report\" does not replay it",
            );
        }
        if count > self.config.max_tests {
            return Evaluation::failed(format!(
                "{count} tests, more than max_tests = {}",
                self.config.max_tests
            ));
        }
        let mut details: Vec<(&'static str, Value)> = vec![
            ("language", language.name().into()),
            ("tests", count.into()),
        ];
        if let Tests::Call { unconverted, .. } = &reference.tests
            && !unconverted.is_empty()
        {
            let list: Vec<Value> = unconverted
                .iter()
                .map(|u| json!({"line": u.line, "source": u.source, "reason": u.reason}))
                .collect();
            details.push(("unconverted", Value::Array(list)));
        }
        if replaying {
            details.push(("mode", "replay".into()));
        }
        let finish = |value: f64, details: Vec<(&'static str, Value)>| {
            details
                .into_iter()
                .fold(Evaluation::scored(value), |e, (k, v)| e.with(k, v))
        };
        if code.trim().is_empty() {
            details.push(("passed", 0.into()));
            details.push(("reason", "no code in the response".into()));
            return finish(0.0, details);
        }
        let sb = match sandbox(&self.binds) {
            Ok(sb) => sb,
            Err(e) => return Evaluation::failed(e),
        };
        let test_timeout =
            Duration::from_millis(reference.timeout_ms.unwrap_or(self.config.test_timeout_ms));
        let started = Instant::now();
        let run = || -> Result<(Vec<TestResult>, Option<String>), Stop> {
            match (&reference.tests, language) {
                (Tests::Stdio(tests), Language::Python) => {
                    let program = ProgramFiles {
                        work_bytes: None,
                        argv: self.python_argv("solution.py"),
                        files: vec![JobFile {
                            name: "solution.py".into(),
                            contents: code.as_bytes().to_vec(),
                            executable: false,
                        }],
                    };
                    let rules = match reference.float_tolerance {
                        Some(t) => StdoutRules {
                            float_tolerance: Some(t),
                            ..self.rules
                        },
                        None => self.rules,
                    };
                    Ok((
                        self.run_stdio(&sb, &program, tests, &rules, test_timeout, cx)?,
                        None,
                    ))
                }
                (Tests::Stdio(tests), Language::Cpp) => match self.compile_cpp(&sb, code, cx)? {
                    Err(why) => Ok((Vec::new(), Some(why))),
                    Ok(binary) => {
                        // The work directory must hold the binary (and leave
                        // the program its usual room).
                        let room = binary.len() as u64;
                        let program = ProgramFiles {
                            work_bytes: Some(Limits::default().work_bytes + room),
                            argv: vec!["/work/a.out".into()],
                            files: vec![JobFile {
                                name: "a.out".into(),
                                contents: binary,
                                executable: true,
                            }],
                        };
                        let rules = match reference.float_tolerance {
                            Some(t) => StdoutRules {
                                float_tolerance: Some(t),
                                ..self.rules
                            },
                            None => self.rules,
                        };
                        Ok((
                            self.run_stdio(&sb, &program, tests, &rules, test_timeout, cx)?,
                            None,
                        ))
                    }
                },
                (
                    Tests::Call {
                        entry_point,
                        tests,
                        setup,
                        replay,
                        ..
                    },
                    Language::Python,
                ) => {
                    let suite = CallSuite {
                        entry_point,
                        setup: setup.as_deref(),
                        tests,
                    };
                    if let (true, Some(replay)) = (replaying, replay) {
                        return self.run_replay(&sb, code, suite, replay, test_timeout, cx);
                    }
                    self.run_calls(&sb, code, suite, test_timeout, cx)
                }
                (Tests::Call { .. }, Language::Cpp) => Err(Stop::Infra(Infra(
                    "call tests run Python only; this reference says cpp".into(),
                ))),
            }
        };
        let (results, whole_run) = match run() {
            Ok(r) => r,
            Err(Stop::Infra(Infra(e))) => return Evaluation::failed(e),
            Err(Stop::Deadline) => return Evaluation::new(Outcome::timed_out(cx.timeout())),
        };
        let passed = results.iter().filter(|r| r.passed).count();
        let value = match self.config.reward {
            Reward::PassRate => passed as f64 / count as f64,
            Reward::All => f64::from(u8::from(passed == count)),
        };
        details.push(("passed", passed.into()));
        if let Some(why) = whole_run {
            details.push(("reason", why.into()));
        }
        let failures: Vec<Value> = results
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                r.reason
                    .as_ref()
                    .map(|why| json!({"test": i, "reason": why}))
            })
            .take(5)
            .collect();
        if !failures.is_empty() {
            details.push(("failures", Value::Array(failures)));
        }
        details.push(("elapsed_ms", (started.elapsed().as_millis() as u64).into()));
        finish(value, details)
    }

    fn cost(&self) -> Cost {
        Cost::Expensive
    }

    fn concurrency(&self) -> usize {
        default_slots()
    }
}
