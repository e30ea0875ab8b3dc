//! A memory and pids cgroup per slot, on cgroup v2 or v1, when the host
//! lets us make one.
//!
//! The rlimits already bound each process; the cgroup bounds the slot as a
//! whole (a fork bomb's children together, the page cache of a disk fill),
//! and it tells an out-of-memory kill apart from other deaths. Without a
//! writable hierarchy the sandbox runs on rlimits alone and says so in
//! [`crate::HostReport`].

use std::collections::HashMap;
use std::fs::{self, File};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const ROOT: &str = "/sys/fs/cgroup";

/// Which cgroup hierarchy the slots live in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupVersion {
    /// The unified hierarchy (`cgroup2`), memory and pids controllers.
    V2,
    /// The legacy per-controller hierarchies (`memory`, `pids`).
    V1,
}

/// One slot's cgroup directories.
#[derive(Debug)]
struct Slot {
    memory: Option<PathBuf>,
    pids: Option<PathBuf>,
    /// Open control files and the limits last written: a run usually has
    /// the limits of the one before, and each open of a cgroup file costs
    /// a path walk, so files stay open and unchanged limits are not rewritten.
    cache: Mutex<SlotCache>,
}

#[derive(Debug, Default)]
struct SlotCache {
    files: HashMap<PathBuf, File>,
    memory_bytes: Option<u64>,
    pids: Option<u64>,
    oom_kills: u64,
}

impl SlotCache {
    fn file(&mut self, path: PathBuf, write: bool) -> io::Result<&File> {
        use std::collections::hash_map::Entry;
        match self.files.entry(path) {
            Entry::Occupied(e) => Ok(e.into_mut()),
            Entry::Vacant(e) => {
                let file = fs::OpenOptions::new()
                    .read(!write)
                    .write(write)
                    .open(e.key())
                    .map_err(|err| {
                        io::Error::new(err.kind(), format!("{}: {err}", e.key().display()))
                    })?;
                Ok(e.insert(file))
            }
        }
    }

    fn write(&mut self, path: PathBuf, value: &str) -> io::Result<()> {
        let shown = path.display().to_string();
        self.file(path, true)?
            .write_at(value.as_bytes(), 0)
            .map(drop)
            .map_err(|e| io::Error::new(e.kind(), format!("{shown}: {e}")))
    }

    fn read(&mut self, path: PathBuf) -> Option<String> {
        let file = self.file(path, false).ok()?;
        let mut buf = vec![0u8; 4096];
        let mut len = 0;
        loop {
            let n = file.read_at(&mut buf[len..], len as u64).ok()?;
            if n == 0 {
                break;
            }
            len += n;
            if len == buf.len() {
                buf.resize(buf.len() * 2, 0);
            }
        }
        buf.truncate(len);
        String::from_utf8(buf).ok()
    }
}

/// The slots' cgroups; removed on drop.
#[derive(Debug)]
pub(crate) struct Cgroups {
    pub version: CgroupVersion,
    /// Instance directories to remove last (children first).
    instance: Vec<PathBuf>,
    slots: Vec<Slot>,
}

/// What a slot's cgroup saw during one run.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Usage {
    pub peak_bytes: Option<u64>,
    pub oom_killed: bool,
}

fn write(path: &Path, value: &str) -> io::Result<()> {
    fs::write(path, value).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

/// The `oom_kill` counter of a v2 `memory.events` or v1 `memory.oom_control`.
fn oom_kills(text: &str) -> u64 {
    text.lines()
        .find_map(|l| {
            l.strip_prefix("oom_kill ")
                .and_then(|n| n.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The directories under which instances live, per hierarchy.
fn parents(version: CgroupVersion) -> Vec<PathBuf> {
    match version {
        CgroupVersion::V2 => vec![PathBuf::from(ROOT)],
        CgroupVersion::V1 => vec![Path::new(ROOT).join("memory"), Path::new(ROOT).join("pids")],
    }
}

/// When a process started, in clock ticks since boot (`/proc/PID/stat`
/// field 22): with the pid, it names a process for good, even once the pid
/// is reused.
pub(crate) fn start_time(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; fields resume after its ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// This process's `<pid>-<start time>`, the owner part of its instance names.
pub(crate) fn owner_tag() -> String {
    let pid = std::process::id();
    format!("{pid}-{}", start_time(pid).unwrap_or(0))
}

/// Whether `<prefix><pid>-<start time>-…` (a cgroup or a staging directory)
/// belongs to a process that is gone (or to an earlier process that had the
/// same pid). A sandbox kept in a static is never dropped, so every process
/// that used one leaves its instance behind; the next sandbox on the host
/// removes them.
pub(crate) fn owner_is_gone(name: &str, prefix: &str) -> bool {
    let Some(rest) = name.strip_prefix(prefix) else {
        return false;
    };
    let mut parts = rest.split('-');
    let (Some(Ok(pid)), Some(Ok(started))) = (
        parts.next().map(str::parse::<u32>),
        parts.next().map(str::parse::<u64>),
    ) else {
        return false;
    };
    start_time(pid) != Some(started)
}

/// Removes the (empty) instances of processes that are gone.
fn remove_stale(version: CgroupVersion) {
    for parent in parents(version) {
        let Ok(entries) = fs::read_dir(&parent) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if !owner_is_gone(name, "plaudit-") {
                continue;
            }
            let dir = entry.path();
            if let Ok(slots) = fs::read_dir(&dir) {
                for slot in slots.filter_map(Result::ok) {
                    if slot.file_type().is_ok_and(|t| t.is_dir()) {
                        // Fails (and is left) if a process is somehow still inside.
                        let _ = fs::remove_dir(slot.path());
                    }
                }
            }
            let _ = fs::remove_dir(&dir);
        }
    }
}

/// Which hierarchy this host offers us, if any.
pub(crate) fn detect() -> Option<CgroupVersion> {
    let controllers =
        fs::read_to_string(Path::new(ROOT).join("cgroup.controllers")).unwrap_or_default();
    let has = |c: &str| controllers.split_whitespace().any(|x| x == c);
    if has("memory") && has("pids") {
        return Some(CgroupVersion::V2);
    }
    if Path::new(ROOT)
        .join("memory/memory.limit_in_bytes")
        .exists()
        || Path::new(ROOT).join("pids/cgroup.procs").exists()
    {
        return Some(CgroupVersion::V1);
    }
    None
}

impl Cgroups {
    /// Makes `slots` cgroups under a directory named `name`.
    pub(crate) fn create(name: &str, slots: usize) -> io::Result<Cgroups> {
        let version = detect().ok_or_else(|| {
            io::Error::other(
                "no cgroup v2 memory+pids controllers and no v1 memory or pids hierarchy",
            )
        })?;
        remove_stale(version);
        let mut made = Cgroups {
            version,
            instance: Vec::new(),
            slots: Vec::new(),
        };
        match version {
            CgroupVersion::V2 => {
                let root = Path::new(ROOT);
                // The root cgroup may hold processes and still delegate controllers.
                let _ = write(&root.join("cgroup.subtree_control"), "+memory +pids");
                let base = root.join(name);
                fs::create_dir(&base)?;
                made.instance.push(base.clone());
                write(&base.join("cgroup.subtree_control"), "+memory +pids")?;
                for i in 0..slots {
                    let dir = base.join(format!("slot{i}"));
                    fs::create_dir(&dir)?;
                    // No swap: a memory bomb meets the limit instead of the disk.
                    let _ = write(&dir.join("memory.swap.max"), "0");
                    made.slots.push(Slot {
                        memory: Some(dir.clone()),
                        pids: Some(dir),
                        cache: Mutex::default(),
                    });
                }
            }
            CgroupVersion::V1 => {
                let mut base_of = |controller: &str| -> io::Result<Option<PathBuf>> {
                    let top = Path::new(ROOT).join(controller);
                    if !top.join("cgroup.procs").exists() {
                        return Ok(None);
                    }
                    let base = top.join(name);
                    fs::create_dir(&base)?;
                    made.instance.push(base.clone());
                    Ok(Some(base))
                };
                let memory = base_of("memory")?;
                let pids = base_of("pids")?;
                for i in 0..slots {
                    let mut slot = Slot {
                        memory: None,
                        pids: None,
                        cache: Mutex::default(),
                    };
                    if let Some(base) = &memory {
                        let dir = base.join(format!("slot{i}"));
                        fs::create_dir(&dir)?;
                        let _ = write(&dir.join("memory.swappiness"), "0");
                        slot.memory = Some(dir);
                    }
                    if let Some(base) = &pids {
                        let dir = base.join(format!("slot{i}"));
                        fs::create_dir(&dir)?;
                        slot.pids = Some(dir);
                    }
                    made.slots.push(slot);
                }
            }
        }
        Ok(made)
    }

    /// Sets the slot's limits for the next run (when they changed) and
    /// resets its peak.
    pub(crate) fn prepare(&self, slot: usize, memory_bytes: u64, pids: u64) -> io::Result<()> {
        let s = &self.slots[slot];
        let mut cache = s.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(dir) = &s.memory {
            if cache.memory_bytes != Some(memory_bytes) {
                cache.memory_bytes = None;
                let value = memory_bytes.to_string();
                match self.version {
                    CgroupVersion::V2 => cache.write(dir.join("memory.max"), &value)?,
                    CgroupVersion::V1 => {
                        // memsw must stay >= the memory limit: raise it first, lower it last.
                        let memsw = dir.join("memory.memsw.limit_in_bytes");
                        let _ = cache.write(memsw.clone(), "-1");
                        cache.write(dir.join("memory.limit_in_bytes"), &value)?;
                        let _ = cache.write(memsw, &value);
                    }
                }
                cache.memory_bytes = Some(memory_bytes);
            }
            // Writing resets the peak (v2 on kernels 6.12+).
            let peak = match self.version {
                CgroupVersion::V2 => "memory.peak",
                CgroupVersion::V1 => "memory.max_usage_in_bytes",
            };
            let _ = cache.write(dir.join(peak), "0");
        }
        if let Some(dir) = &s.pids
            && cache.pids != Some(pids)
        {
            cache.pids = None;
            cache.write(dir.join("pids.max"), &pids.to_string())?;
            cache.pids = Some(pids);
        }
        Ok(())
    }

    /// Moves `pid` into the slot's cgroups.
    pub(crate) fn add(&self, slot: usize, pid: i32) -> io::Result<()> {
        let s = &self.slots[slot];
        let mut cache = s.cache.lock().unwrap_or_else(|p| p.into_inner());
        let pid = pid.to_string();
        for dir in s.memory.iter().chain(s.pids.iter()) {
            cache.write(dir.join("cgroup.procs"), &pid)?;
            if self.version == CgroupVersion::V2 {
                break;
            }
        }
        Ok(())
    }

    /// The slot's peak memory, and (when the program was killed, the only
    /// case where it is the cause) whether the OOM killer fired during the run.
    pub(crate) fn usage(&self, slot: usize, killed: bool) -> Usage {
        let s = &self.slots[slot];
        let Some(dir) = &s.memory else {
            return Usage::default();
        };
        let mut cache = s.cache.lock().unwrap_or_else(|p| p.into_inner());
        let (peak, events) = match self.version {
            CgroupVersion::V2 => ("memory.peak", "memory.events"),
            CgroupVersion::V1 => ("memory.max_usage_in_bytes", "memory.oom_control"),
        };
        let peak_bytes = cache
            .read(dir.join(peak))
            .and_then(|t| t.trim().parse().ok());
        // Read after every run, so an OOM kill of a child in a run whose
        // program exited normally is not blamed on a later run.
        let kills = cache.read(dir.join(events)).map_or(0, |t| oom_kills(&t));
        let oom_killed = killed && kills > cache.oom_kills;
        cache.oom_kills = kills;
        Usage {
            peak_bytes,
            oom_killed,
        }
    }

    /// The processes still in the slot (none, once the PID namespace is gone).
    pub(crate) fn leftovers(&self, slot: usize) -> Vec<i32> {
        let s = &self.slots[slot];
        let mut cache = s.cache.lock().unwrap_or_else(|p| p.into_inner());
        let mut pids = Vec::new();
        for dir in s.memory.iter().chain(s.pids.iter()) {
            if let Some(text) = cache.read(dir.join("cgroup.procs")) {
                pids.extend(text.lines().filter_map(|l| l.trim().parse::<i32>().ok()));
            }
        }
        pids.sort_unstable();
        pids.dedup();
        pids
    }
}

impl Drop for Cgroups {
    fn drop(&mut self) {
        for slot in &self.slots {
            // Close the control files before removing their directories.
            slot.cache
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .files
                .clear();
            for dir in slot.memory.iter().chain(slot.pids.iter()) {
                let _ = fs::remove_dir(dir);
            }
        }
        for dir in self.instance.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}
