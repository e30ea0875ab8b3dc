//! The launcher on this host, for real: every test starts real sandboxes.
//!
//! They need root. Without it they skip with a message, unless
//! `PLAUDIT_REQUIRE_SANDBOX=1` (set in CI), which turns the skip into a
//! failure so a host that silently lost the sandbox cannot pass.
//! Destructive cases (fork bomb, `kill -9 -1`) first run the harmless
//! [`Sandbox::verify`] probe and refuse to go on unless the PID namespace,
//! the uid switch and the limits are confirmed in force.

use std::io::Write;
use std::net::TcpListener;
use std::sync::OnceLock;
use std::time::Duration;

use plaudit_sandbox::{Error, Job, Limits, Sandbox, SandboxConfig, Status};

fn sandbox() -> Option<&'static Sandbox> {
    static SANDBOX: OnceLock<Option<Sandbox>> = OnceLock::new();
    SANDBOX
        .get_or_init(|| {
            match Sandbox::new(SandboxConfig {
                slots: 2,
                ..SandboxConfig::default()
            }) {
                Ok(s) => Some(s),
                Err(e) => {
                    if std::env::var_os("PLAUDIT_REQUIRE_SANDBOX").is_some_and(|v| v == "1") {
                        panic!("PLAUDIT_REQUIRE_SANDBOX=1 but the sandbox is unavailable: {e}");
                    }
                    eprintln!("skipping: {e}");
                    None
                }
            }
        })
        .as_ref()
}

/// The sandbox, after the harmless probe confirmed isolation and limits.
fn confirmed() -> Option<&'static Sandbox> {
    let sb = sandbox()?;
    let v = sb.verify().expect("the probe runs");
    if let Err(why) = v.confirmed() {
        panic!("refusing to run a destructive case: isolation not confirmed: {why}");
    }
    Some(sb)
}

fn sh(script: &str) -> Job {
    Job::new(["/bin/sh", "-c", script])
}

fn run(sb: &Sandbox, job: Job) -> plaudit_sandbox::RunOutput {
    let out = sb.run(&job).expect("the sandbox runs");
    assert!(
        out.leftover_processes.is_empty(),
        "processes left behind: {:?}",
        out.leftover_processes
    );
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn streams_and_exit_codes_come_back() {
    let Some(sb) = sandbox() else { return };
    let out = run(sb, sh("cat; echo oops >&2; exit 3").stdin("hello\n"));
    assert_eq!(out.status, Status::Exited(3));
    assert_eq!(out.stdout, b"hello\n");
    assert_eq!(out.stderr, b"oops\n");
}

#[test]
fn megabytes_both_ways_do_not_deadlock() {
    let Some(sb) = sandbox() else { return };
    let input: Vec<u8> = (0..4 << 20).map(|i| b'a' + (i % 26) as u8).collect();
    let limits = Limits {
        output_bytes: 8 << 20,
        ..Limits::default()
    };
    let out = run(
        sb,
        Job::new(["/bin/cat"]).stdin(input.clone()).limits(limits),
    );
    assert_eq!(out.status, Status::Exited(0));
    assert!(
        out.stdout == input,
        "{} bytes back of {}",
        out.stdout.len(),
        input.len()
    );
}

#[test]
fn files_land_in_work_and_the_program_runs_there() {
    let Some(sb) = sandbox() else { return };
    let mut job =
        sh("pwd; cat in.txt; echo made > out.txt && cat out.txt; ls -ld /work /tmp | cut -c1-10")
            .file("in.txt", "given\n");
    job.files.push(plaudit_sandbox::JobFile {
        name: "run.sh".into(),
        contents: b"#!/bin/sh\necho ran\n".to_vec(),
        executable: true,
    });
    job.argv[2].push_str("; ./run.sh");
    let out = run(sb, job);
    assert_eq!(out.status, Status::Exited(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "/work\ngiven\nmade\nlrwxrwxrwx\ndrwx------\nran\n"
    );
}

#[test]
fn the_environment_is_only_what_the_job_gives() {
    let Some(sb) = sandbox() else { return };
    // Nothing of this process's environment is inherited.
    let out = run(sb, Job::new(["/usr/bin/env"]));
    let mut vars: Vec<_> = text(&out.stdout)
        .lines()
        .map(|l| l.split('=').next().unwrap_or("").to_owned())
        .collect();
    vars.sort();
    assert_eq!(
        vars,
        [
            "HOME",
            "LANG",
            "PATH",
            "PYTHONDONTWRITEBYTECODE",
            "PYTHONHASHSEED",
            "TMPDIR"
        ]
    );
}

#[test]
fn the_host_tree_is_out_of_sight_and_the_root_is_read_only() {
    let Some(sb) = sandbox() else { return };
    let out = run(
        sb,
        sh(
            "ls /; test -e /etc/shadow && echo SHADOW; test -e /root && echo ROOT; test -e /home && echo HOME; \
         touch /usr/x 2>/dev/null && echo WROTE-USR; touch /x 2>/dev/null && echo WROTE-ROOT; touch /etc/x 2>/dev/null && echo WROTE-ETC; \
         mkdir /work/d && echo work-ok",
        ),
    );
    let stdout = text(&out.stdout);
    for bad in ["SHADOW", "ROOT\n", "HOME\n", "WROTE"] {
        assert!(!stdout.contains(bad), "{bad} in {stdout}");
    }
    assert!(stdout.ends_with("work-ok\n"), "{stdout}");
    assert!(
        !stdout.contains("home") && !stdout.contains("root"),
        "{stdout}"
    );
}

#[test]
fn a_sleeping_program_is_killed_at_the_wall_deadline() {
    let Some(sb) = sandbox() else { return };
    let limits = Limits {
        wall: Duration::from_millis(300),
        ..Limits::default()
    };
    let out = run(sb, sh("echo started; sleep 1000").limits(limits));
    assert_eq!(out.status, Status::TimedOut);
    assert_eq!(out.stdout, b"started\n");
}

#[test]
fn a_busy_loop_meets_the_cpu_limit() {
    let Some(sb) = sandbox() else { return };
    let limits = Limits {
        cpu: Duration::from_secs(1),
        wall: Duration::from_secs(20),
        ..Limits::default()
    };
    let out = run(sb, sh("while :; do :; done").limits(limits));
    assert_eq!(out.status, Status::CpuLimit, "{out:?}");
    assert!(out.cpu >= Duration::from_millis(900), "{:?}", out.cpu);
}

#[test]
fn endless_output_is_capped_and_killed() {
    let Some(sb) = sandbox() else { return };
    let limits = Limits {
        output_bytes: 64 << 10,
        ..Limits::default()
    };
    let out = run(sb, Job::new(["/usr/bin/yes"]).limits(limits));
    assert_eq!(out.status, Status::OutputLimit);
    assert_eq!(out.stdout.len(), 64 << 10);
}

#[test]
fn a_memory_bomb_is_stopped() {
    let Some(sb) = sandbox() else { return };
    let limits = Limits {
        memory_bytes: 128 << 20,
        ..Limits::default()
    };
    let out = run(
        sb,
        Job::new([
            "/usr/bin/python3",
            "-I",
            "-S",
            "-c",
            "x = bytearray(1 << 30)",
        ])
        .limits(limits),
    );
    assert!(!out.status.success(), "{:?}", out.status);
    assert!(
        text(&out.stderr).contains("MemoryError") || out.status == Status::MemoryLimit,
        "{out:?}"
    );
}

#[test]
fn files_too_big_and_a_full_work_dir_fail_inside_only() {
    let Some(sb) = sandbox() else { return };
    let limits = Limits {
        file_size_bytes: 1 << 20,
        work_bytes: 4 << 20,
        ..Limits::default()
    };
    let script = "dd if=/dev/zero of=big bs=1M count=8 2>/dev/null; ls -l big | awk '{print $5}'; \
                  for i in 1 2 3 4 5 6; do dd if=/dev/zero of=f$i bs=1M count=1 2>/dev/null; done; df -k /work | tail -1 | awk '{print $4}'";
    let out = run(sb, sh(script).limits(limits));
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next(),
        Some("1048576"),
        "{stdout} {}",
        text(&out.stderr)
    );
    assert_eq!(
        lines.next(),
        Some("0"),
        "the 4 MiB work dir fills up: {stdout}"
    );
}

#[test]
fn descriptors_run_out_inside_the_sandbox() {
    let Some(sb) = sandbox() else { return };
    let code = "import os\nfds = []\ntry:\n    while True: fds.append(os.open('/dev/null', os.O_RDONLY))\nexcept OSError as e:\n    print(len(fds), e.errno)";
    let out = run(sb, Job::new(["/usr/bin/python3", "-I", "-S", "-c", code]));
    assert_eq!(out.status, Status::Exited(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let opened: usize = stdout
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    assert!(opened < 64, "{stdout}");
    assert!(stdout.trim_end().ends_with(" 24"), "EMFILE: {stdout}");
}

#[test]
fn no_inherited_descriptors_reach_the_program() {
    let Some(sb) = sandbox() else { return };
    // An open file in this process must not be visible inside.
    let _held = std::fs::File::open("/etc/hostname")
        .or_else(|_| std::fs::File::open("/etc/passwd"))
        .ok();
    let out = run(sb, Job::new(["/bin/ls", "/proc/self/fd"]));
    // 0, 1, 2 and the descriptor ls itself opened to read the directory.
    assert_eq!(
        text(&out.stdout).split_whitespace().count(),
        4,
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn the_network_is_unreachable_even_on_loopback() {
    let Some(sb) = sandbox() else { return };
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let code = format!(
        "import socket\nfor addr in [('127.0.0.1', {port}), ('1.1.1.1', 53)]:\n    try:\n        socket.create_connection(addr, timeout=2); print('CONNECTED', addr)\n    except OSError as e:\n        print('refused', e.errno)"
    );
    let out = run(sb, Job::new(["/usr/bin/python3", "-I", "-S", "-c", &code]));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("CONNECTED"), "{stdout}");
    assert_eq!(
        stdout.matches("refused").count(),
        2,
        "{stdout} {}",
        text(&out.stderr)
    );
}

#[test]
fn orphans_die_with_the_program() {
    let Some(sb) = sandbox() else { return };
    // A double-forked sleeper outlives its parent shell; the namespace's
    // teardown must take it too (`run` asserts no stray processes).
    let out = run(
        sb,
        sh("(sleep 1000 &) ; (setsid sleep 1000 &) ; echo forked"),
    );
    assert_eq!(out.status, Status::Exited(0));
    assert_eq!(out.stdout, b"forked\n");
}

#[test]
fn escape_system_calls_are_refused() {
    let Some(sb) = sandbox() else { return };
    // Called through ctypes so no tool's own uid check answers first. An
    // unprivileged user may normally create a user namespace and trace
    // itself; only the filter refuses those two.
    let calls = [
        (
            "unshare(CLONE_NEWUSER)",
            format!("{}, 0x10000000", libc::SYS_unshare),
        ),
        (
            "unshare(CLONE_NEWNET)",
            format!("{}, 0x40000000", libc::SYS_unshare),
        ),
        (
            "ptrace(TRACEME)",
            format!("{}, 0, 0, 0, 0", libc::SYS_ptrace),
        ),
        (
            "mount",
            format!("{}, b'none', b'/work', b'tmpfs', 0, None", libc::SYS_mount),
        ),
        ("chroot", format!("{}, b'/'", libc::SYS_chroot)),
        ("bpf", format!("{}, 0, None, 0", libc::SYS_bpf)),
        (
            "io_uring_setup",
            format!("{}, 8, None", libc::SYS_io_uring_setup),
        ),
        (
            "perf_event_open",
            format!("{}, None, 0, -1, -1, 0", libc::SYS_perf_event_open),
        ),
    ];
    let mut code = String::from("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n");
    for (name, args) in &calls {
        code.push_str(&format!(
            "r = libc.syscall({args}); print({name:?}, r, ctypes.get_errno())\n"
        ));
    }
    let out = run(sb, Job::new(["/usr/bin/python3", "-I", "-S", "-c", &code]));
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout.lines().count(),
        calls.len(),
        "{stdout} {}",
        text(&out.stderr)
    );
    for line in stdout.lines() {
        assert!(line.ends_with(" -1 1"), "expected -1 with EPERM: {line}");
    }
    // clone3 says ENOSYS so libc falls back to clone, whose flags the filter reads.
    let out = run(
        sb,
        Job::new([
            "/usr/bin/python3",
            "-I",
            "-S",
            "-c",
            &format!(
                "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nprint(libc.syscall({}, None, 0), ctypes.get_errno())",
                libc::SYS_clone3
            ),
        ]),
    );
    assert_eq!(text(&out.stdout), "-1 38\n");
}

#[test]
fn slots_run_as_distinct_unprivileged_uids() {
    // Its own two slots: the shared sandbox's are busy with other tests.
    if sandbox().is_none() {
        return;
    }
    let sb = &Sandbox::new(SandboxConfig {
        slots: 2,
        ..SandboxConfig::default()
    })
    .expect("sandbox");
    let uids: Vec<u32> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| s.spawn(|| run(sb, sh("sleep 0.3; id -u")).stdout))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                text(&h.join().expect("thread"))
                    .trim()
                    .parse()
                    .expect("uid")
            })
            .collect()
    });
    assert_ne!(uids[0], uids[1]);
    assert!(
        uids.iter()
            .all(|&u| u != 0 && (u == sb.slot_uid(0) || u == sb.slot_uid(1))),
        "{uids:?}"
    );
}

#[test]
fn a_fork_bomb_stays_inside_its_slot() {
    let Some(sb) = confirmed() else { return };
    let limits = Limits {
        wall: Duration::from_secs(3),
        processes: 32,
        ..Limits::default()
    };
    let out = run(
        sb,
        sh("bomb() { bomb | bomb & }; bomb; sleep 5").limits(limits),
    );
    assert_ne!(out.status, Status::Exited(0));
    // The host still forks.
    assert!(
        std::process::Command::new("true")
            .status()
            .expect("fork")
            .success()
    );
}

#[test]
fn kill_everything_kills_only_the_sandbox() {
    let Some(sb) = confirmed() else { return };
    std::thread::scope(|s| {
        // A neighbour in the other slot must finish untouched.
        let neighbour = s.spawn(|| run(sb, sh("sleep 0.5; echo alive")));
        std::thread::sleep(Duration::from_millis(100));
        let out = run(sb, sh("kill -9 -1; kill -9 0; echo after"));
        assert!(
            out.status != Status::Exited(0) || out.stdout == b"after\n",
            "{out:?}"
        );
        let n = neighbour.join().expect("thread");
        assert_eq!(n.stdout, b"alive\n");
    });
    // And this process is still here to say so.
    writeln!(std::io::stderr(), "still alive").expect("stderr");
}

#[test]
fn bad_jobs_are_errors_not_outcomes() {
    let Some(sb) = sandbox() else { return };
    assert!(matches!(
        sb.run(&Job::new(Vec::<String>::new())),
        Err(Error::InvalidJob(_))
    ));
    assert!(matches!(
        sb.run(&Job::new(["python3"])),
        Err(Error::InvalidJob(_))
    ));
    assert!(matches!(
        sb.run(&sh("true").file("../x", "")),
        Err(Error::InvalidJob(_))
    ));
    assert!(matches!(
        sb.run(&Job::new(["/bin/true\0"])),
        Err(Error::InvalidJob(_))
    ));
    match sb.run(&Job::new(["/no/such/program"])) {
        Err(Error::Setup { step, error }) => {
            assert_eq!(step, "executing the program");
            assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_probe_confirms_isolation() {
    let Some(sb) = sandbox() else { return };
    let v = sb.verify().expect("probe");
    v.confirmed().expect("confirmed");
    let report = plaudit_sandbox::probe();
    assert!(
        report.root && report.namespaces.is_ok() && report.seccomp,
        "{report:?}"
    );
}
