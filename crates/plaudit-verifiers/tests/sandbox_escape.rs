//! The sandbox-escape corpus: hostile programs, one threat per file in
//! `tests/sandbox_escape/`, each given as a model's answer to one of the
//! fixed problems below and scored by `code.tests` in the real sandbox.
//!
//! Every case must end as its header declares, and never score above 0; it
//! must leave no process of this run's sandbox uids behind, and leave the
//! host as it was: the canary file, `/etc/passwd`, host `/tmp`, the
//! listeners this test holds on loopback. An honest solution to every
//! problem must score 1 first, so the corpus cannot pass by everything
//! scoring 0. Cases run one at a time, so the process check is exact.
//!
//! Destructive cases run only after [`Sandbox::verify`] confirmed, in this
//! run, that the PID namespace, the uid switch and the limits are in force;
//! otherwise they are refused and the test fails. See
//! `tests/sandbox_escape/README.md` for the threats and the header format.
//!
//! Needs root for the sandbox: skips with a message otherwise, fails instead
//! when `PLAUDIT_REQUIRE_SANDBOX=1`.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::hash::{BuildHasher, RandomState};
use std::io::ErrorKind;
use std::net::{TcpListener, UdpSocket};
use std::ops::Range;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::{SocketAddr, UnixListener};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use plaudit_core::{Aspect, Context, Evaluation, Outcome, Sample};
use plaudit_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

/// The aspect's parameters: short limits, so the corpus stays well under a
/// minute.
fn params() -> Value {
    json!({
        "reward": "pass_rate",
        "test_timeout_ms": 2000,
        "per_call_ms": 200,
        "compile_timeout_ms": 15000,
    })
}

/// The resident size this test holds while it evaluates, standing in for
/// an evaluating process's (see the main test).
const EVALUATOR_RESIDENT_BYTES: usize = 64 << 20;

/// The first uid of the block sandboxes hand out (see `SandboxConfig::base_uid`).
const SLOT_UIDS_FROM: u32 = 2_000_000_000;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sandbox_escape")
}

/// How a case must end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Scored, 0.
    Zero,
    /// The aspect's own deadline passed.
    TimedOut,
    /// An infrastructure failure (never right for a hostile program, but
    /// the header may say so for a documented reason).
    Failed,
}

/// One corpus file and its header.
#[derive(Debug)]
struct Case {
    file: String,
    threat: String,
    problem: String,
    destructive: bool,
    /// Runs only when the slots have cgroups (`needs: cgroups`): without
    /// them the sandbox documents that only per-process rlimits hold.
    needs_cgroups: bool,
    expect: Expect,
    fence: &'static str,
    source: String,
}

/// Reads a corpus file's leading comment block: `key: value` lines for
/// `threat`, `problem`, `destructive`, `expect` and optionally `needs`;
/// any other comment line is prose.
fn parse_case(file: &str, source: &str) -> Result<Case, String> {
    let (fence, comment) = match Path::new(file).extension().and_then(|e| e.to_str()) {
        Some("py") => ("python", "#"),
        Some("cpp") => ("cpp", "//"),
        _ => return Err(format!("{file}: expected a .py or .cpp file")),
    };
    let mut keys: Vec<(String, String)> = Vec::new();
    for line in source.lines() {
        let Some(text) = line.trim_start().strip_prefix(comment) else {
            break;
        };
        if let Some((key, value)) = text.trim().split_once(':')
            && ["threat", "problem", "destructive", "expect", "needs"].contains(&key)
        {
            keys.push((key.to_owned(), value.trim().to_owned()));
        }
    }
    let get = |key: &str| {
        keys.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| format!("{file}: the header has no `{key}:` line"))
    };
    // Everything after the first word is a comment (`zero   (why)`).
    let word = |key: &str| get(key).map(|v| v.split_whitespace().next().unwrap_or("").to_owned());
    let problem = word("problem")?;
    if !PROBLEMS.contains(&problem.as_str()) {
        return Err(format!(
            "{file}: unknown problem {problem:?} (known: {PROBLEMS:?})"
        ));
    }
    if (fence == "cpp") != problem.starts_with("cpp-") {
        return Err(format!("{file}: a {fence} program for problem {problem}"));
    }
    let destructive = match word("destructive")?.as_str() {
        "yes" => true,
        "no" => false,
        other => {
            return Err(format!(
                "{file}: destructive: {other:?}, expected yes or no"
            ));
        }
    };
    let expect = match word("expect")?.as_str() {
        "zero" => Expect::Zero,
        "timed_out" => Expect::TimedOut,
        "failed" => Expect::Failed,
        other => {
            return Err(format!(
                "{file}: expect: {other:?}, expected zero, timed_out or failed"
            ));
        }
    };
    let needs_cgroups = match keys.iter().find(|(k, _)| k == "needs") {
        None => false,
        Some((_, v)) if v.split_whitespace().next() == Some("cgroups") => true,
        Some((_, v)) => return Err(format!("{file}: needs: {v:?}, expected cgroups")),
    };
    Ok(Case {
        file: file.to_owned(),
        threat: get("threat")?.to_owned(),
        problem,
        destructive,
        needs_cgroups,
        expect,
        fence,
        source: source.to_owned(),
    })
}

fn corpus() -> Vec<Case> {
    let mut files: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("the corpus directory")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .filter(|name| name.ends_with(".py") || name.ends_with(".cpp"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let source = std::fs::read_to_string(corpus_dir().join(f)).expect("read");
            parse_case(f, &source).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
}

const PROBLEMS: [&str; 7] = [
    "stdio-sum",
    "stdio-sums",
    "call-add",
    "call-check",
    "cpp-sum",
    "stdio-oracle",
    "call-oracle",
];

/// A problem's reference and an honest solution to it.
struct Problem {
    reference: Value,
    fence: &'static str,
    honest: String,
}

/// The fixed problems. `secrets` are the oracle problems' expected values,
/// drawn afresh each run: they exist only in this process, so a program
/// that prints one has read it from here.
fn problem(name: &str, secrets: &[String; 3]) -> Problem {
    let sum_tests = json!([
        {"stdin": "2 3\n", "stdout": "5\n"},
        {"stdin": "-7 20\n", "stdout": "13\n"},
        {"stdin": "123456789 987654321\n", "stdout": "1111111110\n"},
    ]);
    let add = "def add(a, b):\n    return a + b\n";
    let (reference, fence, honest) = match name {
        "stdio-sum" => (
            json!({"tests": sum_tests}),
            "python",
            "a, b = map(int, input().split())\nprint(a + b)\n".to_owned(),
        ),
        "stdio-sums" => (
            json!({"tests": [
                {"stdin": "3\n2 3\n-7 20\n40 2\n", "stdout": "5\n13\n42\n"},
                {"stdin": "2\n100 200\n-1 -1\n", "stdout": "300\n-2\n"},
            ]}),
            "python",
            "t = int(input())\nfor _ in range(t):\n    a, b = map(int, input().split())\n    print(a + b)\n"
                .to_owned(),
        ),
        "call-add" => (
            json!({"entry_point": "add", "tests": [
                {"args": [2, 3], "expected": 5},
                {"args": [-7, 20], "expected": 13},
                {"args": [123456789, 987654321], "expected": 1111111110},
            ]}),
            "python",
            add.to_owned(),
        ),
        "call-check" => (
            json!({"entry_point": "add", "check": "\n\nMETADATA = {}\n\n\ndef check(candidate):\n    assert candidate(2, 3) == 5\n    assert candidate(-7, 20) == 13\n    assert candidate(123456789, 987654321) == 1111111110\n"}),
            "python",
            add.to_owned(),
        ),
        "cpp-sum" => (
            json!({"language": "cpp", "tests": sum_tests}),
            "cpp",
            "#include <iostream>\nint main() { long long a, b; std::cin >> a >> b; std::cout << a + b << \"\\n\"; }\n"
                .to_owned(),
        ),
        "stdio-oracle" => (
            json!({"tests": (1..=3).map(|k| json!({"stdin": format!("{k}\n"), "stdout": format!("{}\n", secrets[k - 1])})).collect::<Vec<_>>()}),
            "python",
            format!(
                "SECRETS = {}\nprint(SECRETS[int(input()) - 1])\n",
                json!(secrets)
            ),
        ),
        "call-oracle" => (
            json!({"entry_point": "oracle", "tests": (1..=3).map(|k| json!({"args": [k], "expected": secrets[k - 1]})).collect::<Vec<_>>()}),
            "python",
            format!(
                "SECRETS = {}\ndef oracle(k):\n    return SECRETS[k - 1]\n",
                json!(secrets)
            ),
        ),
        other => panic!("no problem {other}"),
    };
    Problem {
        reference,
        fence,
        honest,
    }
}

/// A model response holding `code` in one fenced block.
fn response(fence: &str, code: &str) -> String {
    format!("Here is my solution.\n\n```{fence}\n{code}\n```\n")
}

fn random_hex() -> String {
    format!("{:016x}", RandomState::new().hash_one(Instant::now()))
}

/// What the host looks like from outside the sandbox, and the bait a
/// program may reach for: a canary file, listeners on loopback, the
/// environment of this process.
struct Host {
    _dir: tempfile::TempDir,
    canary_dir: PathBuf,
    canary: PathBuf,
    canary_text: String,
    canary_mtime: SystemTime,
    passwd: Vec<u8>,
    tcp: TcpListener,
    udp: UdpSocket,
    unix: UnixListener,
    abstract_name: String,
    /// File names a program tries to create outside its work dir.
    marker: String,
    tmp_before: HashSet<OsString>,
    /// This process's block of sandbox uids.
    uids: Range<u32>,
}

impl Host {
    fn new() -> Host {
        let dir = tempfile::Builder::new()
            .prefix("plaudit-escape-canary-")
            .tempdir()
            .expect("canary dir");
        let canary = dir.path().join("canary.txt");
        // A C++ comment, so that `#include`-ing it compiles when readable.
        let canary_text = format!("// plaudit escape canary {}\n", random_hex());
        std::fs::write(&canary, &canary_text).expect("canary");
        let tcp = TcpListener::bind("127.0.0.1:0").expect("tcp");
        tcp.set_nonblocking(true).expect("nonblocking");
        let udp = UdpSocket::bind("127.0.0.1:0").expect("udp");
        udp.set_nonblocking(true).expect("nonblocking");
        let abstract_name = format!("plaudit-escape-{}", random_hex());
        let unix = UnixListener::bind_addr(
            &SocketAddr::from_abstract_name(abstract_name.as_bytes()).expect("abstract name"),
        )
        .expect("unix");
        unix.set_nonblocking(true).expect("nonblocking");
        // `SandboxConfig::base_uid`: a block of 1,024 uids from 2,000,000,000,
        // offset by this process's id; checked against a real sandbox below.
        let first = SLOT_UIDS_FROM + (std::process::id() % 100_000) * 1024;
        Host {
            canary_dir: dir.path().to_path_buf(),
            canary_mtime: std::fs::metadata(&canary)
                .and_then(|m| m.modified())
                .expect("mtime"),
            canary,
            canary_text,
            _dir: dir,
            passwd: std::fs::read("/etc/passwd").unwrap_or_default(),
            tcp,
            udp,
            unix,
            abstract_name,
            marker: format!("plaudit-escape-marker-{}", random_hex()),
            tmp_before: list_dir("/tmp"),
            uids: first..first + 1024,
        }
    }

    /// The program with the bait's coordinates filled in.
    fn fill(&self, source: &str) -> String {
        let mut env: Vec<String> = std::env::vars()
            .map(|(_, v)| v)
            .filter(|v| v.len() >= 4 && !plaudit_sandbox::default_env().iter().any(|(_, d)| d == v))
            .collect();
        env.sort();
        env.dedup();
        source
            .replace("__PLAUDIT_CANARY__", &self.canary.to_string_lossy())
            .replace(
                "__PLAUDIT_TCP_PORT__",
                &self.tcp.local_addr().expect("addr").port().to_string(),
            )
            .replace(
                "__PLAUDIT_UDP_PORT__",
                &self.udp.local_addr().expect("addr").port().to_string(),
            )
            .replace("__PLAUDIT_ABSTRACT__", &self.abstract_name)
            .replace("__PLAUDIT_MARKER__", &self.marker)
            .replace("__PLAUDIT_HOST_ENV__", &json!(env).to_string())
    }

    /// Everything about the host that differs from before the case.
    fn damage(&self, evaluation: &Evaluation) -> Vec<String> {
        let mut bad = Vec::new();
        let strays = processes_with_uids(SLOT_UIDS_FROM..u32::MAX);
        let (ours, others): (Vec<_>, Vec<_>) = strays
            .into_iter()
            .partition(|(_, uid)| self.uids.contains(uid));
        if !ours.is_empty() {
            bad.push(format!("processes left behind (pid, uid): {ours:?}"));
            for (pid, _) in &ours {
                // Ours to end: a sandbox of this process started it.
                let _ = std::process::Command::new("kill")
                    .args(["-9", &pid.to_string()])
                    .status();
            }
        }
        if !others.is_empty() {
            eprintln!("note: processes of another process's sandbox uids: {others:?}");
        }
        match std::fs::read_to_string(&self.canary) {
            Ok(text) if text == self.canary_text => {}
            Ok(_) => bad.push("the canary file was modified".into()),
            Err(e) => bad.push(format!("the canary file is gone: {e}")),
        }
        if std::fs::metadata(&self.canary)
            .and_then(|m| m.modified())
            .ok()
            != Some(self.canary_mtime)
        {
            bad.push("the canary file's mtime changed".into());
        }
        if list_dir(&self.canary_dir).len() != 1 {
            bad.push(format!(
                "new files beside the canary: {:?}",
                list_dir(&self.canary_dir)
            ));
        }
        if std::fs::read("/etc/passwd").unwrap_or_default() != self.passwd {
            bad.push("/etc/passwd changed".into());
        }
        for dir in [
            "/",
            "/tmp",
            "/etc",
            "/usr",
            "/usr/local",
            "/var/tmp",
            "/dev/shm",
            "/root",
            "/home",
        ] {
            let path = Path::new(dir).join(&self.marker);
            if path.symlink_metadata().is_ok() {
                bad.push(format!("{} exists on the host", path.display()));
            }
        }
        for name in list_dir("/tmp").difference(&self.tmp_before) {
            let path = Path::new("/tmp").join(name);
            let owner = path.symlink_metadata().map(|m| m.uid()).unwrap_or(0);
            if owner >= SLOT_UIDS_FROM || name.to_string_lossy().contains("plaudit-escape-marker") {
                bad.push(format!(
                    "{} appeared in host /tmp (owner {owner})",
                    path.display()
                ));
            }
        }
        match self.tcp.accept() {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Ok((_, peer)) => bad.push(format!(
                "the TCP listener accepted a connection from {peer}"
            )),
            Err(e) => bad.push(format!("the TCP listener: {e}")),
        }
        let mut buf = [0u8; 64];
        match self.udp.recv_from(&mut buf) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Ok((_, peer)) => bad.push(format!("the UDP socket received a datagram from {peer}")),
            Err(e) => bad.push(format!("the UDP socket: {e}")),
        }
        match self.unix.accept() {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Ok(_) => bad.push("the abstract unix listener accepted a connection".into()),
            Err(e) => bad.push(format!("the abstract unix listener: {e}")),
        }
        // What the program printed reaches the details (a failing line's
        // preview): no host secret may be among it.
        let details = serde_json::to_string(&evaluation.details).unwrap_or_default();
        for secret in [self.canary_text.trim(), env!("CARGO_MANIFEST_DIR")] {
            if details.contains(secret) {
                bad.push(format!(
                    "the details hold a host secret ({secret:?}): {details}"
                ));
            }
        }
        bad
    }
}

fn list_dir(dir: impl AsRef<Path>) -> HashSet<OsString> {
    std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default()
}

/// Host processes whose real uid is in `uids`, as (pid, uid).
fn processes_with_uids(uids: Range<u32>) -> Vec<(i32, u32)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
            let uid = status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))?
                .split_whitespace()
                .next()?
                .parse::<u32>()
                .ok()?;
            uids.contains(&uid).then_some((pid, uid))
        })
        .collect()
}

/// What the harmless probe established, in this run.
struct Isolation {
    /// `Ok` when the PID namespace, the uid switch and the limits are in
    /// force ([`plaudit_sandbox::Verification::confirmed`]).
    confirmed: Result<(), String>,
    /// The slots' cgroups, or why there are none.
    cgroups: Result<(), String>,
    /// The probe's slot uid.
    uids: Range<u32>,
}

/// Runs the probe in a sandbox of its own. `None` when this host has no
/// sandbox (not root).
fn isolation() -> Option<Isolation> {
    let sandbox = match Sandbox::new(SandboxConfig {
        slots: 1,
        ..SandboxConfig::default()
    }) {
        Ok(s) => s,
        Err(e) => {
            if std::env::var_os("PLAUDIT_REQUIRE_SANDBOX").is_some_and(|v| v == "1") {
                panic!("PLAUDIT_REQUIRE_SANDBOX=1 but the sandbox is unavailable: {e}");
            }
            eprintln!("skipping: {e}");
            return None;
        }
    };
    let confirmed = sandbox
        .verify()
        .map_err(|e| e.to_string())
        .and_then(|v| v.confirmed());
    let uid = sandbox.slot_uid(0);
    Some(Isolation {
        confirmed,
        cgroups: sandbox.cgroups().map(|_| ()),
        uids: uid..uid + 1,
    })
}

/// The cgroup directories a sandbox's slots would live under: the v2 root,
/// or the v1 `memory` and `pids` hierarchies.
fn cgroup_roots() -> Vec<PathBuf> {
    let root = Path::new("/sys/fs/cgroup");
    if root.join("cgroup.controllers").exists() {
        return vec![root.to_path_buf()];
    }
    ["memory", "pids"]
        .iter()
        .map(|c| root.join(c))
        .filter(|d| d.join("cgroup.procs").exists())
        .collect()
}

/// A sandbox made while cgroup directories named as its own would be
/// (`plaudit-<pid>-<instance>`) already exist, as they do when an earlier
/// process with this pid never dropped its sandbox: it must still get its
/// cgroups. `Err` says what happened instead.
fn stale_cgroups_of_a_reused_pid() -> Result<(), String> {
    let pid = std::process::id();
    let mut made = Vec::new();
    for root in cgroup_roots() {
        for instance in 0..64 {
            let dir = root.join(format!("plaudit-{pid}-{instance}"));
            if std::fs::create_dir(&dir).is_ok() {
                made.push(dir);
            }
        }
    }
    let sandbox = Sandbox::new(SandboxConfig {
        slots: 1,
        ..SandboxConfig::default()
    });
    let result = match &sandbox {
        Ok(sb) => sb.cgroups().map(|_| ()).map_err(|why| {
            format!("a stale cgroup directory of an earlier process with this pid turned the slot cgroups off: {why}")
        }),
        Err(e) => Err(format!("a stale cgroup directory of an earlier process with this pid broke the sandbox: {e}")),
    };
    drop(sandbox);
    for dir in made.iter().rev() {
        let _ = std::fs::remove_dir(dir);
    }
    result
}

fn evaluate(aspect: &dyn Aspect, id: &str, response: String, reference: &Value) -> Evaluation {
    let sample = Sample::new(id, response).with_reference(reference.clone());
    aspect.evaluate(&sample, &Context::with_timeout(Duration::from_secs(60)))
}

fn summary(e: &Evaluation) -> String {
    let mut s = e.outcome.to_string();
    for key in ["passed", "reason", "failures"] {
        if let Some(v) = e.details.get(key) {
            let _ = write!(s, "; {key}: {}", plaudit_core::preview(&v.to_string(), 300));
        }
    }
    s
}

#[test]
fn the_corpus_headers_are_well_formed_and_documented() {
    let cases = corpus();
    let readme = std::fs::read_to_string(corpus_dir().join("README.md")).expect("README.md");
    for case in &cases {
        assert!(!case.threat.is_empty(), "{}: empty threat", case.file);
        assert!(
            readme.contains(&format!("`{}`", case.file)),
            "{} is not in README.md",
            case.file
        );
    }
    for problem in PROBLEMS {
        assert!(
            cases.iter().any(|c| c.problem == problem),
            "no case answers {problem}"
        );
    }
    assert!(cases.iter().any(|c| c.destructive));
}

#[test]
fn escapes_score_nothing_and_leave_the_host_alone() {
    let Some(isolation) = isolation() else {
        return;
    };
    let started = Instant::now();
    // The namespace's init is a fork of this process and keeps its resident
    // size; an evaluating server holds far more than this (its datasets,
    // its tokenizer). Touched, so that it is resident.
    let evaluator = vec![1u8; EVALUATOR_RESIDENT_BYTES];
    let host = Host::new();
    assert!(
        host.uids.start <= isolation.uids.start && isolation.uids.end <= host.uids.end,
        "the probe's uid {:?} is outside this process's block {:?}: \
         SandboxConfig::base_uid changed, update Host::new",
        isolation.uids,
        host.uids
    );
    let secrets: [String; 3] =
        std::array::from_fn(|k| format!("PLAUDIT-SECRET-{}-{}", k + 1, random_hex()));
    let aspect = (plaudit_verifiers::code::ENTRY.build)(
        params().as_object().expect("object"),
        &Default::default(),
    )
    .expect("builds");
    let mut failures = Vec::new();
    let host_cgroups = plaudit_sandbox::probe().cgroups.is_ok();
    if let (true, Err(why)) = (host_cgroups, &isolation.cgroups) {
        failures.push(format!(
            "the host offers cgroups but the probe's sandbox has none: {why}"
        ));
    }

    // Honest solutions first: every problem can be solved, in this sandbox,
    // with these limits.
    for name in PROBLEMS {
        let p = problem(name, &secrets);
        let t = Instant::now();
        let e = evaluate(
            aspect.as_ref(),
            name,
            response(p.fence, &p.honest),
            &p.reference,
        );
        eprintln!(
            "honest {name:<13} {:>5} ms  {}",
            t.elapsed().as_millis(),
            summary(&e)
        );
        if e.outcome.value() != Some(1.0) {
            failures.push(format!("honest {name}: {}", summary(&e)));
        }
        failures.extend(
            host.damage(&e)
                .into_iter()
                .map(|d| format!("honest {name}: {d}")),
        );
    }

    let mut refused = Vec::new();
    let mut not_run = Vec::new();
    let only = std::env::var("PLAUDIT_ESCAPE_ONLY").ok();
    for case in corpus() {
        if only
            .as_ref()
            .is_some_and(|o| !case.file.contains(o.as_str()))
        {
            continue;
        }
        if case.destructive && isolation.confirmed.is_err() {
            refused.push(case.file);
            continue;
        }
        if case.needs_cgroups && isolation.cgroups.is_err() {
            not_run.push(case.file);
            continue;
        }
        let p = problem(&case.problem, &secrets);
        assert_eq!(p.fence, case.fence, "{}", case.file);
        let t = Instant::now();
        let e = evaluate(
            aspect.as_ref(),
            &case.file,
            response(case.fence, &host.fill(&case.source)),
            &p.reference,
        );
        eprintln!(
            "{:<32} {:>5} ms  {}",
            case.file,
            t.elapsed().as_millis(),
            summary(&e)
        );
        let ok = match (case.expect, &e.outcome) {
            (Expect::Zero, Outcome::Scored { value }) => *value == 0.0,
            (Expect::TimedOut, Outcome::TimedOut { .. }) => true,
            (Expect::Failed, Outcome::Failed { .. }) => true,
            _ => false,
        };
        if !ok || e.outcome.value().is_some_and(|v| v > 0.0) {
            failures.push(format!(
                "{} ({}): expected {:?}, got {}",
                case.file,
                case.threat,
                case.expect,
                summary(&e)
            ));
        }
        failures.extend(
            host.damage(&e)
                .into_iter()
                .map(|d| format!("{} ({}): {d}", case.file, case.threat)),
        );
    }
    std::hint::black_box(&evaluator);
    drop(evaluator);
    eprintln!("the corpus took {:.1} s", started.elapsed().as_secs_f64());
    if host_cgroups && isolation.cgroups.is_ok() && only.is_none() {
        failures.extend(stale_cgroups_of_a_reused_pid().err());
    }
    if !not_run.is_empty() {
        eprintln!(
            "NOT RUN (the slots have no cgroups, so only per-process rlimits bound memory): {not_run:?}"
        );
    }
    if let Err(why) = &isolation.confirmed {
        failures.push(format!(
            "refused to run the destructive cases {refused:?}: isolation not confirmed: {why}"
        ));
    }
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
