//! A memory and pids cgroup per slot, on cgroup v2 or v1, when the host
//! lets us make one.
//!
//! The rlimits already bound each process; the cgroup bounds the slot as a
//! whole (a fork bomb's children together, the page cache of a disk fill),
//! and it tells an out-of-memory kill apart from other deaths. Without a
//! writable hierarchy the sandbox runs on rlimits alone and says so in
//! [`crate::HostReport`].

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

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

fn read_u64(path: &Path) -> Option<u64> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// The `oom_kill` counter of a v2 `memory.events` or v1 `memory.oom_control`.
fn oom_kills(path: &Path) -> u64 {
    let Ok(text) = fs::read_to_string(path) else {
        return 0;
    };
    text.lines()
        .find_map(|l| {
            l.strip_prefix("oom_kill ")
                .and_then(|n| n.trim().parse().ok())
        })
        .unwrap_or(0)
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

    /// Sets the slot's limits for the next run and resets its peak.
    pub(crate) fn prepare(&self, slot: usize, memory_bytes: u64, pids: u64) -> io::Result<u64> {
        let s = &self.slots[slot];
        let mut oom_before = 0;
        if let Some(dir) = &s.memory {
            match self.version {
                CgroupVersion::V2 => {
                    write(&dir.join("memory.max"), &memory_bytes.to_string())?;
                    // Writing resets the peak on kernels that allow it (6.12+).
                    let _ = write(&dir.join("memory.peak"), "0");
                    oom_before = oom_kills(&dir.join("memory.events"));
                }
                CgroupVersion::V1 => {
                    // memsw must stay >= the memory limit: lower it last, raise it first.
                    let memsw = dir.join("memory.memsw.limit_in_bytes");
                    let _ = write(&memsw, "-1");
                    write(
                        &dir.join("memory.limit_in_bytes"),
                        &memory_bytes.to_string(),
                    )?;
                    let _ = write(&memsw, &memory_bytes.to_string());
                    let _ = write(&dir.join("memory.max_usage_in_bytes"), "0");
                    oom_before = oom_kills(&dir.join("memory.oom_control"));
                }
            }
        }
        if let Some(dir) = &s.pids {
            write(&dir.join("pids.max"), &pids.to_string())?;
        }
        Ok(oom_before)
    }

    /// Moves `pid` into the slot's cgroups.
    pub(crate) fn add(&self, slot: usize, pid: i32) -> io::Result<()> {
        let s = &self.slots[slot];
        let pid = pid.to_string();
        for dir in s.memory.iter().chain(s.pids.iter()) {
            write(&dir.join("cgroup.procs"), &pid)?;
            if self.version == CgroupVersion::V2 {
                break;
            }
        }
        Ok(())
    }

    /// The slot's peak memory and whether the OOM killer fired since `oom_before`.
    pub(crate) fn usage(&self, slot: usize, oom_before: u64) -> Usage {
        let s = &self.slots[slot];
        let Some(dir) = &s.memory else {
            return Usage::default();
        };
        match self.version {
            CgroupVersion::V2 => Usage {
                peak_bytes: read_u64(&dir.join("memory.peak")),
                oom_killed: oom_kills(&dir.join("memory.events")) > oom_before,
            },
            CgroupVersion::V1 => Usage {
                peak_bytes: read_u64(&dir.join("memory.max_usage_in_bytes")),
                oom_killed: oom_kills(&dir.join("memory.oom_control")) > oom_before,
            },
        }
    }

    /// The processes still in the slot (none, once the PID namespace is gone).
    pub(crate) fn leftovers(&self, slot: usize) -> Vec<i32> {
        let s = &self.slots[slot];
        let mut pids = Vec::new();
        for dir in s.memory.iter().chain(s.pids.iter()) {
            if let Ok(text) = fs::read_to_string(dir.join("cgroup.procs")) {
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
            for dir in slot.memory.iter().chain(slot.pids.iter()) {
                let _ = fs::remove_dir(dir);
            }
        }
        for dir in self.instance.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}
