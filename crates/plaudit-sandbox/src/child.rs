//! What the sandboxed child does between `clone3` and `execve`.
//!
//! The child is a fork of a multi-threaded process: it owns a copy of every
//! lock another thread may have held, so from here to `execve` it makes
//! only system calls (thin libc wrappers, or raw `syscall` where libc's
//! wrapper does more) on memory the parent prepared (the [`Plan`]): no
//! allocation, no formatting, no panics. A failing step writes its number
//! and `errno` to the report pipe and exits; a successful `execve` closes
//! the report pipe (it is close-on-exec), which is how the parent knows.
#![allow(unsafe_code)]

use std::ffi::{CStr, CString};

use libc::c_char;

/// One preparation step of the new root, in order, with every path already
/// joined under the staging directory.
#[derive(Debug)]
pub(crate) enum MountOp {
    /// A directory (an existing one is fine).
    Mkdir(CString),
    /// An empty file to bind a file onto.
    Touch(CString),
    /// `path` → `target`, a symbolic link such as `/bin` → `usr/bin`.
    Symlink { target: CString, path: CString },
    /// A read-only, nosuid, nodev bind mount of a host path.
    BindRo { src: CString, dst: CString },
    /// A writable bind of a device node (`/dev/null`…).
    BindDev { src: CString, dst: CString },
    /// A fresh procfs for the new PID namespace.
    Proc(CString),
}

/// Everything the child needs, prepared by the parent before `clone3`.
#[derive(Debug)]
pub(crate) struct Plan<'a> {
    pub sync_fd: i32,
    pub report_fd: i32,
    pub stdin_fd: i32,
    pub stdout_fd: i32,
    pub stderr_fd: i32,
    pub root: &'a CStr,
    pub root_opts: &'a CStr,
    pub ops: &'a [MountOp],
    pub work: &'a CStr,
    pub work_opts: &'a CStr,
    pub files: &'a [(CString, &'a [u8], u32)],
    pub hostname: &'a [u8],
    pub uid: u32,
    pub gid: u32,
    pub rlimits: &'a [(u32, u64, u64)],
    pub program: &'a CStr,
    pub argv: &'a [*const c_char],
    pub envp: &'a [*const c_char],
    pub filter: &'a [libc::sock_filter],
}

/// Declares [`Step`] from one list: each step of the child's setup, in
/// order, with what it does in words, so that the variants, their codes
/// and their descriptions cannot drift apart.
macro_rules! steps {
    ($($step:ident => $what:literal,)+) => {
        /// The step that failed, as reported to the parent.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Step {
            $($step,)+
        }

        impl Step {
            const ALL: &[Step] = &[$(Step::$step,)+];

            /// What the step does, for the error the parent reports.
            pub(crate) fn describe(self) -> &'static str {
                match self {
                    $(Step::$step => $what,)+
                }
            }
        }
    };
}

steps! {
    Sync => "waiting for the parent",
    Fds => "setting up standard streams",
    Session => "starting a session",
    Hostname => "setting the hostname",
    PrivateMounts => "making mounts private",
    RootTmpfs => "mounting the root tmpfs",
    Mount => "mounting the runtime",
    WorkTmpfs => "mounting the work tmpfs",
    Files => "writing the job's files",
    RootReadOnly => "making the root read-only",
    PivotRoot => "pivoting into the new root",
    Chdir => "entering the work directory",
    Fork => "starting the program under the namespace's init",
    Rlimit => "setting resource limits",
    DropCaps => "dropping capabilities",
    SetUid => "switching to the slot's uid",
    NoNewPrivs => "setting no_new_privs",
    Seccomp => "installing the seccomp filter",
    Exec => "executing the program",
}

impl Step {
    /// The step's code on the report pipe: 1 for the first step (0 is never
    /// sent).
    fn code(self) -> u32 {
        self as u32 + 1
    }

    /// The step a code names.
    pub(crate) fn from_u32(n: u32) -> Option<Step> {
        Self::ALL.get((n as usize).checked_sub(1)?).copied()
    }
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Reports `step` and the current errno on `fd`, then exits.
fn fail(fd: i32, step: Step) -> ! {
    let mut msg = [0u8; 12];
    msg[..4].copy_from_slice(&SETUP_FAILED.to_ne_bytes());
    msg[4..8].copy_from_slice(&step.code().to_ne_bytes());
    msg[8..].copy_from_slice(&errno().to_ne_bytes());
    // SAFETY: writes a local buffer, then exits without running destructors
    // (which could touch locks copied from other threads).
    unsafe {
        libc::write(fd, msg.as_ptr().cast(), msg.len());
        libc::_exit(126)
    }
}

fn check(rc: libc::c_int, fd: i32, step: Step) {
    if rc < 0 {
        fail(fd, step);
    }
}

fn null() -> *const c_char {
    std::ptr::null()
}

/// The namespace's init: waits for the program, reaping everything else,
/// then reports the program's wait status and leaves.
unsafe fn init(program: libc::pid_t, report: i32) -> ! {
    // SAFETY: closing our own standard streams and waiting for our own
    // children; the report is a local buffer.
    unsafe {
        for fd in 0..3 {
            libc::close(fd);
        }
        loop {
            let mut status = 0;
            let pid = libc::wait4(-1, &mut status, libc::__WALL, std::ptr::null_mut());
            if pid == program {
                let mut msg = [0u8; 12];
                msg[..4].copy_from_slice(&STATUS_MESSAGE.to_ne_bytes());
                msg[8..].copy_from_slice(&status.to_ne_bytes());
                libc::write(report, msg.as_ptr().cast(), msg.len());
                libc::_exit(0);
            }
            if pid < 0 && errno() != libc::EINTR {
                libc::_exit(0);
            }
        }
    }
}

/// Writes this process's OOM score adjustment (best effort: a kernel
/// without it leaves the default).
fn set_oom_score_adj(value: &[u8]) {
    // SAFETY: opens a procfs file by a static path, writes a local buffer.
    unsafe {
        let fd = libc::open(
            c"/proc/self/oom_score_adj".as_ptr(),
            libc::O_WRONLY | libc::O_CLOEXEC,
        );
        if fd >= 0 {
            libc::write(fd, value.as_ptr().cast(), value.len());
            libc::close(fd);
        }
    }
}

/// Message kinds on the report pipe: 12 bytes each, `[kind, a, b]`.
pub(crate) const SETUP_FAILED: u32 = 1;
pub(crate) const STATUS_MESSAGE: u32 = 2;

/// Runs in the child: sets up the sandbox and execs the program.
pub(crate) fn run(plan: &Plan<'_>) -> ! {
    // SAFETY (for the whole block): raw system calls on descriptors the
    // parent created for this child and on NUL-terminated strings and
    // buffers the parent prepared and keeps alive (the child has its own
    // copy of them). Nothing here allocates or takes a lock.
    unsafe {
        let mut report = plan.report_fd;

        // Wait until the parent has put us in our cgroups. End of file means
        // the parent is gone: leave without running anything.
        let mut byte = [0u8; 1];
        loop {
            let n = libc::read(plan.sync_fd, byte.as_mut_ptr().cast(), 1);
            if n == 1 {
                break;
            }
            if n < 0 && errno() == libc::EINTR {
                continue;
            }
            libc::_exit(125);
        }

        check(libc::setsid(), report, Step::Session);

        // Move every descriptor we keep above 10 first, so that no dup2
        // below can clobber one not yet moved.
        let high = |fd: i32, cmd: i32| {
            let moved = libc::fcntl(fd, cmd, 10);
            if moved < 0 {
                fail(report, Step::Fds);
            }
            moved
        };
        let stdin = high(plan.stdin_fd, libc::F_DUPFD);
        let stdout = high(plan.stdout_fd, libc::F_DUPFD);
        let stderr = high(plan.stderr_fd, libc::F_DUPFD);
        let moved_report = high(report, libc::F_DUPFD_CLOEXEC);
        report = moved_report;
        check(libc::dup2(stdin, 0), report, Step::Fds);
        check(libc::dup2(stdout, 1), report, Step::Fds);
        check(libc::dup2(stderr, 2), report, Step::Fds);
        check(
            libc::dup3(moved_report, 3, libc::O_CLOEXEC),
            report,
            Step::Fds,
        );
        report = 3;
        // No inherited descriptors: everything but 0–3 goes (3 closes at exec).
        if libc::syscall(libc::SYS_close_range, 4u32, u32::MAX, 0u32) < 0 {
            for fd in 4..4096 {
                libc::close(fd);
            }
        }

        check(
            libc::sethostname(plan.hostname.as_ptr().cast(), plan.hostname.len()),
            report,
            Step::Hostname,
        );

        // Nothing mounted from here on propagates back to the host.
        check(
            libc::mount(
                null(),
                c"/".as_ptr(),
                null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ),
            report,
            Step::PrivateMounts,
        );
        check(
            libc::mount(
                c"tmpfs".as_ptr(),
                plan.root.as_ptr(),
                c"tmpfs".as_ptr(),
                libc::MS_NOSUID | libc::MS_NODEV,
                plan.root_opts.as_ptr().cast(),
            ),
            report,
            Step::RootTmpfs,
        );
        for op in plan.ops {
            let rc = match op {
                MountOp::Mkdir(path) => {
                    let rc = libc::mkdir(path.as_ptr(), 0o755);
                    if rc < 0 && errno() == libc::EEXIST {
                        0
                    } else {
                        rc
                    }
                }
                MountOp::Touch(path) => {
                    let fd = libc::open(
                        path.as_ptr(),
                        libc::O_CREAT | libc::O_WRONLY | libc::O_CLOEXEC,
                        0o644,
                    );
                    if fd >= 0 { libc::close(fd) } else { fd }
                }
                MountOp::Symlink { target, path } => libc::symlink(target.as_ptr(), path.as_ptr()),
                MountOp::BindRo { src, dst } => {
                    let rc = libc::mount(
                        src.as_ptr(),
                        dst.as_ptr(),
                        null(),
                        libc::MS_BIND | libc::MS_REC,
                        std::ptr::null(),
                    );
                    if rc < 0 {
                        rc
                    } else {
                        libc::mount(
                            null(),
                            dst.as_ptr(),
                            null(),
                            libc::MS_REMOUNT
                                | libc::MS_BIND
                                | libc::MS_RDONLY
                                | libc::MS_NOSUID
                                | libc::MS_NODEV,
                            std::ptr::null(),
                        )
                    }
                }
                MountOp::BindDev { src, dst } => libc::mount(
                    src.as_ptr(),
                    dst.as_ptr(),
                    null(),
                    libc::MS_BIND,
                    std::ptr::null(),
                ),
                MountOp::Proc(dst) => libc::mount(
                    c"proc".as_ptr(),
                    dst.as_ptr(),
                    c"proc".as_ptr(),
                    libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                    std::ptr::null(),
                ),
            };
            check(rc, report, Step::Mount);
        }
        check(
            libc::mount(
                c"tmpfs".as_ptr(),
                plan.work.as_ptr(),
                c"tmpfs".as_ptr(),
                libc::MS_NOSUID | libc::MS_NODEV,
                plan.work_opts.as_ptr().cast(),
            ),
            report,
            Step::WorkTmpfs,
        );
        for (path, contents, mode) in plan.files {
            let fd = libc::open(
                path.as_ptr(),
                libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                *mode,
            );
            check(fd, report, Step::Files);
            let mut rest: &[u8] = contents;
            while !rest.is_empty() {
                let n = libc::write(fd, rest.as_ptr().cast(), rest.len());
                if n < 0 {
                    if errno() == libc::EINTR {
                        continue;
                    }
                    fail(report, Step::Files);
                }
                rest = &rest[n as usize..];
            }
            check(libc::fchown(fd, plan.uid, plan.gid), report, Step::Files);
            check(libc::fchmod(fd, *mode), report, Step::Files);
            libc::close(fd);
        }
        check(
            libc::mount(
                null(),
                plan.root.as_ptr(),
                null(),
                libc::MS_REMOUNT | libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV,
                std::ptr::null(),
            ),
            report,
            Step::RootReadOnly,
        );
        // pivot_root(".", ".") stacks the old root under the new one; the
        // lazy unmount then detaches it, so the host's tree is unreachable.
        check(libc::chdir(plan.root.as_ptr()), report, Step::PivotRoot);
        check(
            libc::syscall(libc::SYS_pivot_root, c".".as_ptr(), c".".as_ptr()) as libc::c_int,
            report,
            Step::PivotRoot,
        );
        check(
            libc::umount2(c".".as_ptr(), libc::MNT_DETACH),
            report,
            Step::PivotRoot,
        );
        check(libc::chdir(c"/work".as_ptr()), report, Step::Chdir);

        // The init shares the slot's memory cgroup with the program; the OOM
        // killer must pick the program, never the init that reports on it.
        set_oom_score_adj(b"-1000");

        // This process stays behind as the namespace's init: PID 1 is
        // immune to signals it has no handler for, including the ones its
        // own rlimits send, so the program must not be PID 1. The init reaps
        // orphans, reports the program's wait status and exits, which makes
        // the kernel kill everything else in the namespace.
        let program = libc::syscall(libc::SYS_clone, libc::SIGCHLD as libc::c_long, 0, 0, 0, 0);
        if program < 0 {
            fail(report, Step::Fork);
        }
        if program > 0 {
            init(program as libc::pid_t, report);
        }
        // The program is the OOM killer's first choice (it has not dropped
        // privileges yet, so it may raise its own score).
        set_oom_score_adj(b"1000");

        for &(resource, soft, hard) in plan.rlimits {
            let limit = libc::rlimit {
                rlim_cur: soft,
                rlim_max: hard,
            };
            check(libc::setrlimit(resource as _, &limit), report, Step::Rlimit);
        }

        // Empty the bounding and ambient sets while we still may; the uid
        // switch below then clears the permitted and effective sets.
        for cap in 0..64 {
            if libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno() != libc::EINVAL {
                fail(report, Step::DropCaps);
            }
        }
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL,
            0,
            0,
            0,
        );
        // Raw system calls, not libc's wrappers: glibc makes set*id apply to
        // every thread by signalling the threads it knows of and waiting for
        // them, and this child's copy of that list names the parent's
        // threads (and may hold its lock): the wrapper can block forever.
        let setid = |nr: libc::c_long, a: u32| libc::syscall(nr, a, a, a) as libc::c_int;
        check(
            libc::syscall(libc::SYS_setgroups, 0, std::ptr::null::<libc::gid_t>()) as libc::c_int,
            report,
            Step::SetUid,
        );
        check(setid(libc::SYS_setresgid, plan.gid), report, Step::SetUid);
        check(setid(libc::SYS_setresuid, plan.uid), report, Step::SetUid);

        // After the credential change (which clears it): if the parent dies,
        // so does the sandbox, and with its init the whole PID namespace.
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
        check(
            libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0),
            report,
            Step::NoNewPrivs,
        );
        if !plan.filter.is_empty() {
            let prog = libc::sock_fprog {
                len: plan.filter.len() as u16,
                filter: plan.filter.as_ptr() as *mut libc::sock_filter,
            };
            check(
                libc::prctl(
                    libc::PR_SET_SECCOMP,
                    libc::SECCOMP_MODE_FILTER,
                    &prog as *const libc::sock_fprog,
                ),
                report,
                Step::Seccomp,
            );
        }
        libc::execve(
            plan.program.as_ptr(),
            plan.argv.as_ptr(),
            plan.envp.as_ptr(),
        );
        fail(report, Step::Exec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_codes_round_trip_and_zero_names_no_step() {
        for &step in Step::ALL {
            assert_eq!(Step::from_u32(step.code()), Some(step));
            assert!(!step.describe().is_empty());
        }
        assert_eq!(Step::from_u32(0), None);
        assert_eq!(Step::from_u32(Step::ALL.len() as u32 + 1), None);
        assert_eq!(Step::Sync.code(), 1);
        assert_eq!(Step::Exec.describe(), "executing the program");
    }
}
