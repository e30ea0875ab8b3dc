//! Runs one untrusted program in a fresh Linux sandbox, without Docker.
//!
//! Each [`Sandbox::run`] forks a child with `clone3` into new mount, PID,
//! network, IPC and UTS namespaces. Before it executes the program the
//! child:
//!
//! 1. mounts a small tmpfs as its new root and binds the runtime into it
//!    read-only, nosuid and nodev (`/usr`, the `/bin` and `/lib` links, the
//!    loader cache, plus [`SandboxConfig::ro_binds`]); gives it `/dev/null`,
//!    `/dev/zero`, `/dev/full`, `/dev/random`, `/dev/urandom`, a procfs of
//!    its own PID namespace, and a size- and inode-limited tmpfs at `/work`
//!    (also reachable as `/tmp`) holding the job's files;
//! 2. makes the root read-only and pivots into it, detaching the host's tree;
//! 3. sets the rlimits of [`Limits`] (CPU, address space, file size, open
//!    files, processes, no core dumps);
//! 4. empties the capability bounding and ambient sets and switches to the
//!    slot's own unprivileged uid and gid (every slot has its own, so the
//!    process limit counts only that slot, and no sandbox can signal another);
//! 5. sets `PR_SET_PDEATHSIG` (the sandbox dies with its parent) and
//!    `no_new_privs`, installs the [`seccomp`] filter, clears the
//!    environment to [`Job::env`] and keeps only descriptors 0, 1 and 2.
//!
//! The parent puts the child in the slot's memory and pids cgroup (v2 or
//! v1, when the host has one; otherwise the rlimits stand alone and
//! [`Sandbox::report`] says so), feeds stdin, drains stdout and stderr
//! concurrently up to [`Limits::output_bytes`], and kills the child at the
//! wall-clock deadline. The program runs as PID 1 of its namespace, so one
//! kill ends everything it started: the kernel tears the namespace down
//! with its init, double-forked orphans included.
//!
//! Needs root (to create the namespaces and switch uids); [`probe`]
//! reports what the host offers and why something is missing.
//!
//! ```no_run
//! use plaudit_sandbox::{Job, Sandbox, SandboxConfig};
//! let sandbox = Sandbox::new(SandboxConfig::default())?;
//! let out = sandbox.run(&Job::new(["/usr/bin/python3", "-c", "print(6 * 7)"]))?;
//! assert_eq!(out.stdout, b"42\n");
//! # Ok::<(), plaudit_sandbox::Error>(())
//! ```
#![deny(missing_docs)]

mod cgroup;
mod child;
pub mod seccomp;
mod sys;

use std::ffi::CString;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

pub use cgroup::CgroupVersion;
use child::{MountOp, Plan};

/// Resource limits of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time, enforced by the parent with a kill.
    pub wall: Duration,
    /// CPU time (`RLIMIT_CPU`, whole seconds, rounded up).
    pub cpu: Duration,
    /// Address space per process (`RLIMIT_AS`) and the slot's cgroup memory limit.
    pub memory_bytes: u64,
    /// Largest file the program may write (`RLIMIT_FSIZE`).
    pub file_size_bytes: u64,
    /// Open descriptors per process (`RLIMIT_NOFILE`).
    pub open_files: u64,
    /// Processes and threads of the slot's uid (`RLIMIT_NPROC`, and the pids cgroup).
    pub processes: u64,
    /// Bytes kept of stdout and of stderr each; more kills the run.
    pub output_bytes: usize,
    /// Size of the `/work` tmpfs.
    pub work_bytes: u64,
    /// Files and directories the `/work` tmpfs may hold.
    pub work_inodes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            wall: Duration::from_secs(10),
            cpu: Duration::from_secs(10),
            memory_bytes: 512 << 20,
            file_size_bytes: 16 << 20,
            open_files: 64,
            processes: 32,
            output_bytes: 1 << 20,
            work_bytes: 32 << 20,
            work_inodes: 1024,
        }
    }
}

/// A file written into `/work` before the program starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFile {
    /// A plain name (no `/`, not `.` or `..`).
    pub name: String,
    /// Its contents.
    pub contents: Vec<u8>,
    /// Mode 0755 instead of 0644.
    pub executable: bool,
}

/// One program to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The program (an absolute path inside the sandbox) and its arguments.
    pub argv: Vec<String>,
    /// The whole environment; nothing is inherited.
    pub env: Vec<(String, String)>,
    /// Bytes fed to stdin, then end of file.
    pub stdin: Vec<u8>,
    /// Files placed in `/work`, owned by the slot's uid.
    pub files: Vec<JobFile>,
    /// Its limits.
    pub limits: Limits,
}

impl Job {
    /// A job with the default environment, no stdin, no files and default limits.
    pub fn new<I, S>(argv: I) -> Job
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Job {
            argv: argv.into_iter().map(Into::into).collect(),
            env: default_env(),
            stdin: Vec::new(),
            files: Vec::new(),
            limits: Limits::default(),
        }
    }

    /// Adds a file to `/work`.
    pub fn file(mut self, name: impl Into<String>, contents: impl Into<Vec<u8>>) -> Job {
        self.files.push(JobFile {
            name: name.into(),
            contents: contents.into(),
            executable: false,
        });
        self
    }

    /// Sets stdin.
    pub fn stdin(mut self, stdin: impl Into<Vec<u8>>) -> Job {
        self.stdin = stdin.into();
        self
    }

    /// Sets the limits.
    pub fn limits(mut self, limits: Limits) -> Job {
        self.limits = limits;
        self
    }
}

/// The environment every job starts from.
pub fn default_env() -> Vec<(String, String)> {
    [
        ("PATH", "/usr/local/bin:/usr/bin:/bin"),
        ("HOME", "/work"),
        ("TMPDIR", "/work"),
        ("LANG", "C.UTF-8"),
        ("PYTHONDONTWRITEBYTECODE", "1"),
        ("PYTHONHASHSEED", "0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The program exited with this code.
    Exited(i32),
    /// The program was killed by this signal (and not by one of our limits).
    Signaled(i32),
    /// The wall-clock deadline passed; the sandbox was killed.
    TimedOut,
    /// `RLIMIT_CPU` was reached.
    CpuLimit,
    /// The cgroup's OOM killer ended it.
    MemoryLimit,
    /// It wrote more than [`Limits::output_bytes`] to stdout or stderr; the sandbox was killed.
    OutputLimit,
}

impl Status {
    /// Exit code 0.
    pub fn success(self) -> bool {
        self == Status::Exited(0)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Exited(code) => write!(f, "exited with {code}"),
            Status::Signaled(sig) => write!(f, "killed by signal {sig}"),
            Status::TimedOut => f.write_str("timed out"),
            Status::CpuLimit => f.write_str("CPU time limit"),
            Status::MemoryLimit => f.write_str("memory limit"),
            Status::OutputLimit => f.write_str("output limit"),
        }
    }
}

/// What one run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutput {
    /// How it ended.
    pub status: Status,
    /// Stdout, at most [`Limits::output_bytes`].
    pub stdout: Vec<u8>,
    /// Stderr, at most [`Limits::output_bytes`].
    pub stderr: Vec<u8>,
    /// Wall-clock time from fork to reaping.
    pub wall: Duration,
    /// CPU time of the program and the children it waited for.
    pub cpu: Duration,
    /// Peak memory: the slot cgroup's peak when there is one, else the
    /// largest process's peak resident size.
    pub peak_memory_bytes: Option<u64>,
    /// The slot uid it ran as.
    pub uid: u32,
    /// Processes of this run found alive after it ended (and then killed):
    /// always empty unless the namespace teardown failed. Tests assert it.
    pub leftover_processes: Vec<i32>,
}

/// Why a run could not happen: infrastructure, never the program's fault.
#[derive(Debug)]
pub enum Error {
    /// This host cannot run the sandbox (not root, no namespaces…).
    Unavailable(String),
    /// The job itself is malformed (a bad file name, an empty argv, a NUL byte).
    InvalidJob(String),
    /// A setup step in the child failed.
    Setup {
        /// What the child was doing.
        step: &'static str,
        /// The OS error.
        error: io::Error,
    },
    /// A system call in the parent failed.
    Io(io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unavailable(why) => write!(f, "sandbox unavailable: {why}"),
            Error::InvalidJob(why) => write!(f, "invalid sandbox job: {why}"),
            Error::Setup { step, error } => write!(f, "sandbox setup failed while {step}: {error}"),
            Error::Io(e) => write!(f, "sandbox: {e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

/// How the sandbox is built.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Runs at once; each slot has its own uid and cgroup.
    pub slots: usize,
    /// Slot `i` runs as uid and gid `base_uid + i`. The default is a block
    /// far above real accounts (from 2,000,000,000), offset by this
    /// process's id and by the sandboxes it made before, so that neither two
    /// plaudit processes nor two sandboxes of one process share uids.
    pub base_uid: Option<u32>,
    /// Extra host paths bound read-only at the same place (an interpreter
    /// installed outside `/usr`, say).
    pub ro_binds: Vec<PathBuf>,
    /// Install the seccomp filter (on by default).
    pub seccomp: bool,
    /// Use per-slot cgroups when the host has a writable hierarchy (on by default).
    pub cgroups: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            slots: std::thread::available_parallelism().map_or(2, |n| n.get()),
            base_uid: None,
            ro_binds: Vec::new(),
            seccomp: true,
            cgroups: true,
        }
    }
}

/// The runtime every sandbox sees, when the host has it.
const RUNTIME: &[&str] = &[
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib64",
    "/lib32",
    "/libx32",
    "/etc/ld.so.cache",
    "/etc/alternatives",
];

const DEVICES: &[&str] = &["null", "zero", "full", "random", "urandom"];

/// What this host offers the sandbox, without starting one.
#[derive(Debug, Clone)]
pub struct HostReport {
    /// `uname -r`.
    pub kernel: String,
    /// Running as root (needed for namespaces and the uid switch).
    pub root: bool,
    /// Namespace support: `Ok` or why not.
    pub namespaces: Result<(), String>,
    /// The cgroup hierarchy, or why per-slot cgroups are off.
    pub cgroups: Result<CgroupVersion, String>,
    /// Seccomp filters are available.
    pub seccomp: bool,
    /// Unprivileged user namespaces: `Ok` or why not. The sandbox does not
    /// use them (it runs as root and switches to real per-slot uids); they
    /// are reported because a rootless launcher such as bubblewrap needs
    /// them.
    pub user_namespaces: Result<(), String>,
}

fn user_namespaces() -> Result<(), String> {
    let read = |path: &str| {
        std::fs::read_to_string(path)
            .ok()
            .map(|s| s.trim().to_owned())
    };
    if read("/proc/sys/user/max_user_namespaces").as_deref() == Some("0") {
        return Err("user.max_user_namespaces is 0".into());
    }
    if read("/proc/sys/kernel/unprivileged_userns_clone").as_deref() == Some("0") {
        return Err("kernel.unprivileged_userns_clone is 0".into());
    }
    if read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").as_deref() == Some("1") {
        return Err("AppArmor restricts unprivileged user namespaces".into());
    }
    if !Path::new("/proc/self/ns/user").exists() {
        return Err("the kernel has no user namespaces".into());
    }
    Ok(())
}

/// Reads what the host offers. [`Sandbox::verify`] then checks it for real.
pub fn probe() -> HostReport {
    let root = sys::geteuid() == 0;
    let ns = ["mnt", "pid", "net", "ipc", "uts"];
    let missing: Vec<_> = ns
        .iter()
        .filter(|n| !Path::new("/proc/self/ns").join(n).exists())
        .collect();
    let namespaces = if !missing.is_empty() {
        Err(format!("the kernel lacks namespaces {missing:?}"))
    } else if !root {
        Err("not root: creating namespaces and switching to per-slot uids needs root".into())
    } else {
        Ok(())
    };
    let cgroups = match cgroup::detect() {
        Some(v) if root => Ok(v),
        Some(_) => Err("cgroups need root to create".into()),
        None => Err("no cgroup v2 memory+pids controllers and no v1 memory or pids hierarchy; limits rely on rlimits".into()),
    };
    HostReport {
        kernel: sys::kernel_release(),
        root,
        namespaces,
        cgroups,
        seccomp: sys::seccomp_available(),
        user_namespaces: user_namespaces(),
    }
}

/// What [`Sandbox::verify`] saw from inside a sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The program's pid inside: 2, the first child of the namespace's init.
    pub pid: Option<u32>,
    /// Its real, effective, saved and filesystem uids.
    pub uids: Vec<u32>,
    /// The uid the slot should have.
    pub expected_uid: u32,
    /// Every capability set (inheritable, permitted, effective, bounding, ambient) is empty.
    pub capabilities_empty: bool,
    /// `no_new_privs` is set.
    pub no_new_privs: bool,
    /// Seccomp mode 2 (filter) is on, or the filter is off by configuration.
    pub seccomp_ok: bool,
    /// `Max processes` from `/proc/self/limits`.
    pub max_processes: Option<u64>,
    /// `Max address space` from `/proc/self/limits`.
    pub max_address_space: Option<u64>,
    /// The limits the probe ran with.
    pub limits: Limits,
}

impl Verification {
    /// `Ok` when the PID namespace, the uid switch, the capability drop and
    /// the limits are all in force; otherwise what is not.
    pub fn confirmed(&self) -> Result<(), String> {
        let mut bad = Vec::new();
        if self.pid != Some(2) {
            bad.push(format!(
                "not under the init of a new PID namespace (pid {:?})",
                self.pid
            ));
        }
        if self.uids.len() != 4
            || self.uids.iter().any(|&u| u != self.expected_uid)
            || self.expected_uid == 0
        {
            bad.push(format!(
                "uids {:?}, expected {} everywhere",
                self.uids, self.expected_uid
            ));
        }
        if !self.capabilities_empty {
            bad.push("capabilities not empty".into());
        }
        if !self.no_new_privs {
            bad.push("no_new_privs not set".into());
        }
        if !self.seccomp_ok {
            bad.push("seccomp filter not installed".into());
        }
        if self.max_processes != Some(self.limits.processes) {
            bad.push(format!(
                "process limit {:?}, expected {}",
                self.max_processes, self.limits.processes
            ));
        }
        if self.max_address_space != Some(self.limits.memory_bytes) {
            bad.push(format!(
                "address-space limit {:?}, expected {}",
                self.max_address_space, self.limits.memory_bytes
            ));
        }
        if bad.is_empty() {
            Ok(())
        } else {
            Err(bad.join("; "))
        }
    }
}

/// A pool of sandbox slots. Cheap to share: `run` takes `&self`.
#[derive(Debug)]
pub struct Sandbox {
    staging: PathBuf,
    staging_c: CString,
    ops: Vec<MountOp>,
    filter: Vec<libc::sock_filter>,
    cgroups: Option<cgroup::Cgroups>,
    cgroup_note: Option<String>,
    base_uid: u32,
    free: Mutex<Vec<usize>>,
    freed: Condvar,
    slots: usize,
}

static INSTANCES: AtomicU64 = AtomicU64::new(0);

/// Removes the (empty) staging directories of processes that are gone: a
/// sandbox kept in a static is never dropped.
fn remove_stale_staging() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        if let Some(name) = entry.file_name().to_str()
            && cgroup::owner_is_gone(name, "plaudit-sandbox-")
        {
            let _ = std::fs::remove_dir(entry.path());
        }
    }
}
static NEXT_UID: AtomicU32 = AtomicU32::new(0);

fn cstring(bytes: impl Into<Vec<u8>>) -> Result<CString, Error> {
    CString::new(bytes).map_err(|e| {
        Error::InvalidJob(format!(
            "NUL byte in {:?}",
            String::from_utf8_lossy(&e.into_vec())
        ))
    })
}

fn under(staging: &Path, inside: &Path) -> Result<CString, Error> {
    let rel = inside.strip_prefix("/").unwrap_or(inside);
    cstring(staging.join(rel).as_os_str().as_bytes())
}

/// Appends mkdir operations for every ancestor of `inside` (not itself).
fn mkdir_parents(
    staging: &Path,
    inside: &Path,
    ops: &mut Vec<MountOp>,
    made: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    let mut chain: Vec<&Path> = inside
        .ancestors()
        .skip(1)
        .filter(|p| *p != Path::new("/"))
        .collect();
    chain.reverse();
    for dir in chain {
        if !made.iter().any(|m| m == dir) {
            made.push(dir.to_path_buf());
            ops.push(MountOp::Mkdir(under(staging, dir)?));
        }
    }
    Ok(())
}

fn mount_plan(staging: &Path, binds: &[PathBuf]) -> Result<Vec<MountOp>, Error> {
    let mut ops = Vec::new();
    let mut made: Vec<PathBuf> = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    let runtime = RUNTIME.iter().map(PathBuf::from);
    for path in runtime.chain(binds.iter().cloned()) {
        if !path.is_absolute() {
            return Err(Error::InvalidJob(format!(
                "read-only bind {} is not an absolute path",
                path.display()
            )));
        }
        if seen.contains(&path) || seen.iter().any(|s| path.starts_with(s)) {
            continue;
        }
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        seen.push(path.clone());
        mkdir_parents(staging, &path, &mut ops, &mut made)?;
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path)?;
            ops.push(MountOp::Symlink {
                target: cstring(target.as_os_str().as_bytes())?,
                path: under(staging, &path)?,
            });
        } else if meta.is_dir() {
            made.push(path.clone());
            ops.push(MountOp::Mkdir(under(staging, &path)?));
            ops.push(MountOp::BindRo {
                src: cstring(path.as_os_str().as_bytes())?,
                dst: under(staging, &path)?,
            });
        } else {
            ops.push(MountOp::Touch(under(staging, &path)?));
            ops.push(MountOp::BindRo {
                src: cstring(path.as_os_str().as_bytes())?,
                dst: under(staging, &path)?,
            });
        }
    }
    ops.push(MountOp::Mkdir(under(staging, Path::new("/dev"))?));
    for dev in DEVICES {
        let host = Path::new("/dev").join(dev);
        if host.exists() {
            ops.push(MountOp::Touch(under(staging, &host)?));
            ops.push(MountOp::BindDev {
                src: cstring(host.as_os_str().as_bytes())?,
                dst: under(staging, &host)?,
            });
        }
    }
    for (link, target) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ] {
        ops.push(MountOp::Symlink {
            target: cstring(target)?,
            path: under(staging, &Path::new("/dev").join(link))?,
        });
    }
    ops.push(MountOp::Mkdir(under(staging, Path::new("/proc"))?));
    ops.push(MountOp::Proc(under(staging, Path::new("/proc"))?));
    ops.push(MountOp::Mkdir(under(staging, Path::new("/work"))?));
    ops.push(MountOp::Symlink {
        target: cstring("/work")?,
        path: under(staging, Path::new("/tmp"))?,
    });
    Ok(ops)
}

impl Sandbox {
    /// Prepares `config.slots` slots: the staging directory, the mount
    /// plan, the seccomp filter and (when possible) the cgroups.
    pub fn new(config: SandboxConfig) -> Result<Sandbox, Error> {
        let report = probe();
        if let Err(why) = &report.namespaces {
            return Err(Error::Unavailable(why.clone()));
        }
        let slots = config.slots.clamp(1, 128);
        let instance = INSTANCES.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let base_uid = config.base_uid.unwrap_or_else(|| {
            // 1,024 uids per process, handed out in blocks so that two
            // sandboxes of one process never share a uid (a shared uid would
            // share RLIMIT_NPROC).
            let offset = NEXT_UID.fetch_add(slots as u32, Ordering::Relaxed) % 1024;
            let offset = if offset + slots as u32 > 1024 {
                0
            } else {
                offset
            };
            2_000_000_000 + (pid % 100_000) * 1024 + offset
        });
        remove_stale_staging();
        let owner = cgroup::owner_tag();
        let staging = std::env::temp_dir().join(format!("plaudit-sandbox-{owner}-{instance}"));
        std::fs::create_dir_all(&staging)?;
        let ops = mount_plan(&staging, &config.ro_binds)?;
        let (cgroups, cgroup_note) = if !config.cgroups {
            (
                None,
                Some("cgroups off by configuration; limits rely on rlimits".to_owned()),
            )
        } else {
            match &report.cgroups {
                Err(why) => (None, Some(why.clone())),
                Ok(_) => {
                    match cgroup::Cgroups::create(&format!("plaudit-{owner}-{instance}"), slots) {
                        Ok(c) => (Some(c), None),
                        Err(e) => {
                            // A weaker sandbox than the host allows: say so where
                            // an operator will see it, not only in `cgroups()`.
                            let note =
                                format!("could not create cgroups ({e}); limits rely on rlimits");
                            eprintln!("plaudit-sandbox: warning: {note}");
                            (None, Some(note))
                        }
                    }
                }
            }
        };
        Ok(Sandbox {
            staging_c: cstring(staging.as_os_str().as_bytes())?,
            staging,
            ops,
            filter: if config.seccomp {
                seccomp::filter()
            } else {
                Vec::new()
            },
            cgroups,
            cgroup_note,
            base_uid,
            free: Mutex::new((0..slots).rev().collect()),
            freed: Condvar::new(),
            slots,
        })
    }

    /// How many runs can proceed at once.
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// The cgroup hierarchy in use, or why none is.
    pub fn cgroups(&self) -> Result<CgroupVersion, String> {
        match (&self.cgroups, &self.cgroup_note) {
            (Some(c), _) => Ok(c.version),
            (None, note) => Err(note.clone().unwrap_or_default()),
        }
    }

    /// Whether the seccomp filter is installed in every run.
    pub fn seccomp(&self) -> bool {
        !self.filter.is_empty()
    }

    fn acquire(&self) -> usize {
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(slot) = free.pop() {
                return slot;
            }
            free = self.freed.wait(free).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn release(&self, slot: usize) {
        self.free
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(slot);
        self.freed.notify_one();
    }

    /// Runs `job` in a fresh sandbox, blocking until it ends (at the latest
    /// at its wall deadline plus the kill). An `Err` is an infrastructure
    /// failure; anything the program did is in the [`RunOutput`].
    pub fn run(&self, job: &Job) -> Result<RunOutput, Error> {
        let slot = self.acquire();
        let result = self.run_in(slot, job);
        self.release(slot);
        result
    }

    /// Runs a harmless probe inside a sandbox and reports what it saw: the
    /// pid, the uids, the capability sets, `no_new_privs`, seccomp and the
    /// limits. Destructive tests must check [`Verification::confirmed`] first.
    pub fn verify(&self) -> Result<Verification, Error> {
        let limits = Limits {
            processes: 16,
            memory_bytes: 256 << 20,
            ..Limits::default()
        };
        let slot = self.acquire();
        let job =
            Job::new(["/bin/cat", "/proc/self/status", "/proc/self/limits"]).limits(limits.clone());
        let result = self.run_in(slot, &job);
        self.release(slot);
        let out = result?;
        if !out.status.success() {
            return Err(Error::Unavailable(format!(
                "the probe {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .map(str::trim)
        };
        let caps = ["CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:"];
        let limit = |name: &str| {
            text.lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l[name.len()..].split_whitespace().next())
                .and_then(|v| v.parse().ok())
        };
        Ok(Verification {
            pid: field("Pid:").and_then(|p| p.parse().ok()),
            uids: field("Uid:")
                .map(|u| {
                    u.split_whitespace()
                        .filter_map(|x| x.parse().ok())
                        .collect()
                })
                .unwrap_or_default(),
            expected_uid: self.base_uid + slot as u32,
            capabilities_empty: caps
                .iter()
                .all(|c| field(c).is_some_and(|v| v.chars().all(|ch| ch == '0'))),
            no_new_privs: field("NoNewPrivs:") == Some("1"),
            seccomp_ok: if self.filter.is_empty() {
                true
            } else {
                field("Seccomp:") == Some("2")
            },
            max_processes: limit("Max processes"),
            max_address_space: limit("Max address space"),
            limits,
        })
    }

    fn run_in(&self, slot: usize, job: &Job) -> Result<RunOutput, Error> {
        let limits = &job.limits;
        let Some(program) = job.argv.first() else {
            return Err(Error::InvalidJob("empty argv".into()));
        };
        if !program.starts_with('/') {
            return Err(Error::InvalidJob(format!(
                "program {program:?} is not an absolute path"
            )));
        }
        let program = cstring(program.as_bytes())?;
        let argv: Vec<CString> = job
            .argv
            .iter()
            .map(|a| cstring(a.as_bytes()))
            .collect::<Result<_, _>>()?;
        let env: Vec<CString> = job
            .env
            .iter()
            .map(|(k, v)| cstring(format!("{k}={v}")))
            .collect::<Result<_, _>>()?;
        let mut argv_ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
        argv_ptrs.push(std::ptr::null());
        let mut env_ptrs: Vec<*const libc::c_char> = env.iter().map(|a| a.as_ptr()).collect();
        env_ptrs.push(std::ptr::null());
        let mut files = Vec::with_capacity(job.files.len());
        for f in &job.files {
            if f.name.is_empty() || f.name.contains('/') || f.name == "." || f.name == ".." {
                return Err(Error::InvalidJob(format!(
                    "file name {:?} must be a plain name",
                    f.name
                )));
            }
            let mode = if f.executable { 0o755 } else { 0o644 };
            files.push((
                under(&self.staging, &Path::new("/work").join(&f.name))?,
                f.contents.as_slice(),
                mode,
            ));
        }
        let uid = self.base_uid + slot as u32;
        let work = under(&self.staging, Path::new("/work"))?;
        let work_opts = cstring(format!(
            "size={},nr_inodes={},mode=0700,uid={uid},gid={uid}",
            limits.work_bytes.max(4096),
            limits.work_inodes.max(16)
        ))?;
        let cpu_secs = limits.cpu.as_secs() + u64::from(limits.cpu.subsec_nanos() > 0);
        // CPU: SIGXCPU at the soft limit, SIGKILL a second later for a
        // program that handles SIGXCPU.
        let rlimits = [
            (libc::RLIMIT_CPU, cpu_secs.max(1), cpu_secs.max(1) + 1),
            (libc::RLIMIT_AS, limits.memory_bytes, limits.memory_bytes),
            (
                libc::RLIMIT_FSIZE,
                limits.file_size_bytes,
                limits.file_size_bytes,
            ),
            (
                libc::RLIMIT_NOFILE,
                limits.open_files.max(4),
                limits.open_files.max(4),
            ),
            (
                libc::RLIMIT_NPROC,
                limits.processes.max(1),
                limits.processes.max(1),
            ),
            (libc::RLIMIT_CORE, 0, 0),
            (libc::RLIMIT_MEMLOCK, 0, 0),
            (libc::RLIMIT_MSGQUEUE, 0, 0),
        ];

        let (stdin_r, stdin_w) = sys::pipe()?;
        let (stdout_r, stdout_w) = sys::pipe()?;
        let (stderr_r, stderr_w) = sys::pipe()?;
        let (sync_r, sync_w) = sys::pipe()?;
        let (report_r, report_w) = sys::pipe()?;

        if let Some(cg) = &self.cgroups {
            cg.prepare(slot, limits.memory_bytes, limits.processes.max(1))?;
        }
        let plan = Plan {
            sync_fd: sync_r.as_raw_fd(),
            report_fd: report_w.as_raw_fd(),
            stdin_fd: stdin_r.as_raw_fd(),
            stdout_fd: stdout_w.as_raw_fd(),
            stderr_fd: stderr_w.as_raw_fd(),
            root: &self.staging_c,
            root_opts: c"size=1m,nr_inodes=4096,mode=0755",
            ops: &self.ops,
            work: &work,
            work_opts: &work_opts,
            files: &files,
            hostname: b"sandbox",
            uid,
            gid: uid,
            rlimits: &rlimits,
            program: &program,
            argv: &argv_ptrs,
            envp: &env_ptrs,
            filter: &self.filter,
        };
        let flags = (libc::CLONE_NEWNS
            | libc::CLONE_NEWPID
            | libc::CLONE_NEWNET
            | libc::CLONE_NEWIPC
            | libc::CLONE_NEWUTS) as u64;
        let started = Instant::now();
        let child = sys::clone3(flags, None, || child::run(&plan))?;
        drop((stdin_r, stdout_w, stderr_w, sync_r, report_w));

        if let Some(cg) = &self.cgroups
            && let Err(e) = cg.add(slot, child.pid)
        {
            sys::pidfd_kill(child.pidfd.as_fd());
            let _ = sys::wait(child.pid);
            return Err(Error::Io(e));
        }
        // Go. If this fails the child reads end of file and leaves.
        let _ = sys::write(sync_w.as_fd(), b"g");
        drop(sync_w);

        let outcome = supervise(&child, stdin_w, stdout_r, stderr_r, report_r, job, started);
        let reaped = sys::wait(child.pid)?;
        let wall = started.elapsed();
        // Killed by a signal, or no status at all (the init died).
        let killed_by_signal = outcome.as_ref().ok().is_none_or(|o| {
            o.program_status
                .is_none_or(|status| sys::term_signal(status).is_some())
        });
        let usage = self
            .cgroups
            .as_ref()
            .map(|cg| cg.usage(slot, killed_by_signal))
            .unwrap_or_default();
        // The PID namespace died with its init, so nothing of this run may
        // remain; look (the slot is still ours), kill, and report it.
        let leftover_processes = match &self.cgroups {
            Some(cg) => cg.leftovers(slot),
            None => self.processes_of(uid..uid + 1),
        };
        for &pid in &leftover_processes {
            sys::kill(pid);
        }
        let Supervised {
            stdout,
            stderr,
            killed,
            setup_error,
            program_status,
        } = outcome?;
        if let Some((step, errno)) = setup_error {
            let step = child::Step::from_u32(step).map_or("setting up", child::Step::describe);
            return Err(Error::Setup {
                step,
                error: io::Error::from_raw_os_error(errno),
            });
        }
        let status = match (killed, program_status) {
            (Some(status), _) => status,
            // The init itself met the memory limit (the program spread over
            // processes): the program's doing, as a limit, not an error.
            (None, None) if usage.oom_killed => Status::MemoryLimit,
            (None, None) => {
                return Err(Error::Unavailable(format!(
                    "the sandbox's init ended ({:#x}) without reporting the program's status",
                    reaped.status
                )));
            }
            (None, Some(program)) => match (sys::exit_code(program), sys::term_signal(program)) {
                (Some(code), _) => Status::Exited(code),
                (None, Some(_)) if usage.oom_killed => Status::MemoryLimit,
                (None, Some(libc::SIGXCPU)) => Status::CpuLimit,
                (None, Some(libc::SIGKILL))
                    if reaped.cpu >= Duration::from_secs(cpu_secs.max(1)) =>
                {
                    Status::CpuLimit
                }
                (None, Some(sig)) => Status::Signaled(sig),
                (None, None) => Status::Signaled(0),
            },
        };
        let peak_memory_bytes = usage.peak_bytes.or(Some(reaped.max_rss_kib * 1024));
        Ok(RunOutput {
            status,
            stdout,
            stderr,
            wall,
            cpu: reaped.cpu,
            peak_memory_bytes,
            uid,
            leftover_processes,
        })
    }

    /// Host processes running under any of this sandbox's slot uids: none,
    /// unless something escaped the PID namespace's teardown. Tests assert
    /// this after every hostile program.
    pub fn stray_processes(&self) -> Vec<i32> {
        self.processes_of(self.base_uid..self.base_uid + self.slots as u32)
    }

    fn processes_of(&self, range: std::ops::Range<u32>) -> Vec<i32> {
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        dir.filter_map(Result::ok)
            .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
            .filter(|pid| {
                std::fs::read_to_string(format!("/proc/{pid}/status"))
                    .ok()
                    .is_some_and(|s| {
                        s.lines()
                            .find_map(|l| l.strip_prefix("Uid:"))
                            .and_then(|u| u.split_whitespace().next()?.parse::<u32>().ok())
                            .is_some_and(|uid| range.contains(&uid))
                    })
            })
            .collect()
    }

    /// The uid slot `i` runs as.
    pub fn slot_uid(&self, slot: usize) -> u32 {
        self.base_uid + slot as u32
    }

    /// Where the sandbox root is staged on the host (an empty directory).
    pub fn staging_dir(&self) -> &Path {
        &self.staging
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.staging);
    }
}

struct Supervised {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    /// Set when we killed it, and why.
    killed: Option<Status>,
    setup_error: Option<(u32, i32)>,
    /// The program's wait status, as the namespace's init saw it.
    program_status: Option<i32>,
}

/// Feeds stdin, drains stdout and stderr, watches the report pipe and the
/// deadline, until the child has exited and its pipes are closed.
fn supervise(
    child: &sys::Child,
    stdin: OwnedFd,
    stdout: OwnedFd,
    stderr: OwnedFd,
    report: OwnedFd,
    job: &Job,
    started: Instant,
) -> Result<Supervised, Error> {
    let cap = job.limits.output_bytes;
    let deadline = started + job.limits.wall;
    for fd in [&stdin, &stdout, &stderr, &report] {
        sys::set_nonblocking(fd.as_fd())?;
    }
    let mut stdin = (!job.stdin.is_empty()).then_some(stdin);
    let mut fed = 0usize;
    let mut out = Supervised {
        stdout: Vec::new(),
        stderr: Vec::new(),
        killed: None,
        setup_error: None,
        program_status: None,
    };
    let mut open = [Some(stdout), Some(stderr), Some(report)];
    let mut report_buf = Vec::new();
    let mut exited = false;
    let mut buf = vec![0u8; 64 * 1024];
    let kill = |out: &mut Supervised, why: Status| {
        if out.killed.is_none() {
            out.killed = Some(why);
        }
        sys::pidfd_kill(child.pidfd.as_fd());
    };
    loop {
        if exited && open.iter().all(Option::is_none) {
            break;
        }
        let now = Instant::now();
        if now >= deadline && out.killed.is_none() && !exited {
            kill(&mut out, Status::TimedOut);
        }
        // After exit (or a kill) the pipes close within moments; wait a
        // little for the tail, never forever.
        let wait = if exited || out.killed.is_some() {
            Duration::from_millis(100)
        } else {
            deadline
                .saturating_duration_since(now)
                .max(Duration::from_millis(1))
        };
        let mut fds = Vec::with_capacity(5);
        let mut kinds = Vec::with_capacity(5);
        for (i, fd) in open.iter().enumerate() {
            if let Some(fd) = fd {
                fds.push(sys::poll_entry(fd.as_raw_fd(), libc::POLLIN));
                kinds.push(i);
            }
        }
        if let Some(fd) = &stdin {
            fds.push(sys::poll_entry(fd.as_raw_fd(), libc::POLLOUT));
            kinds.push(3);
        }
        if !exited {
            fds.push(sys::poll_entry(child.pidfd.as_raw_fd(), libc::POLLIN));
            kinds.push(4);
        }
        let ready = sys::poll(&mut fds, wait)?;
        if ready == 0 && (exited || out.killed.is_some()) {
            // Quiet after death: whatever still holds a pipe is gone with the namespace.
            if exited {
                break;
            }
        }
        for (entry, &kind) in fds.iter().zip(&kinds) {
            if entry.revents == 0 {
                continue;
            }
            match kind {
                0..=2 => {
                    let Some(fd) = &open[kind] else { continue };
                    match sys::read(fd.as_fd(), &mut buf) {
                        Ok(0) => open[kind] = None,
                        Ok(n) => {
                            let sink = match kind {
                                0 => &mut out.stdout,
                                1 => &mut out.stderr,
                                _ => &mut report_buf,
                            };
                            let room = cap.saturating_sub(sink.len());
                            sink.extend_from_slice(&buf[..n.min(room)]);
                            if n > room && kind < 2 {
                                kill(&mut out, Status::OutputLimit);
                            }
                        }
                        Err(e)
                            if e.kind() == io::ErrorKind::WouldBlock
                                || e.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => open[kind] = None,
                    }
                }
                3 => {
                    let Some(fd) = &stdin else { continue };
                    match sys::write(fd.as_fd(), &job.stdin[fed..]) {
                        Ok(n) => {
                            fed += n;
                            if fed >= job.stdin.len() {
                                stdin = None;
                            }
                        }
                        Err(e)
                            if e.kind() == io::ErrorKind::WouldBlock
                                || e.kind() == io::ErrorKind::Interrupted => {}
                        // The program closed its stdin: fine, it has what it wanted.
                        Err(_) => stdin = None,
                    }
                }
                _ => exited = true,
            }
        }
    }
    for msg in report_buf.chunks_exact(12) {
        let word = |i: usize| u32::from_ne_bytes([msg[i], msg[i + 1], msg[i + 2], msg[i + 3]]);
        match word(0) {
            child::SETUP_FAILED if out.setup_error.is_none() => {
                out.setup_error = Some((word(4), word(8) as i32))
            }
            child::STATUS_MESSAGE => out.program_status = Some(word(8) as i32),
            _ => {}
        }
    }
    Ok(out)
}
