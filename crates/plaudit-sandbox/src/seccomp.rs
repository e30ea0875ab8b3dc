//! The seccomp filter: a deny list of system calls a test program never
//! needs and a sandbox escape usually does.
//!
//! The namespaces, the uid switch and the empty capability sets already
//! make most of these fail with `EPERM`; the filter is the second wall, for
//! the day a kernel bug makes one of them reachable. Denied calls return
//! `EPERM` (a program that probes them gets an error, not a kill);
//! `clone3` returns `ENOSYS` because its flags live in memory the filter
//! cannot read, and libc then falls back to `clone`, whose flags it can:
//! any namespace flag is refused. A foreign architecture (32-bit entry on a
//! 64-bit kernel) kills the process, since syscall numbers differ there.

use libc::sock_filter;

const BPF_LD: u16 = 0x00;
const BPF_W: u16 = 0x00;
const BPF_ABS: u16 = 0x20;
const BPF_JMP: u16 = 0x05;
const BPF_JEQ: u16 = 0x10;
const BPF_JGE: u16 = 0x30;
const BPF_JSET: u16 = 0x40;
const BPF_K: u16 = 0x00;
const BPF_RET: u16 = 0x06;

// Offsets into `struct seccomp_data`.
const DATA_NR: u32 = 0;
const DATA_ARCH: u32 = 4;
const DATA_ARG0_LOW: u32 = 16;

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xC000_003E;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xC000_00B7;

const RET_ALLOW: u32 = 0x7fff_0000;
const RET_KILL_PROCESS: u32 = 0x8000_0000;
const RET_ERRNO: u32 = 0x0005_0000;

/// Every namespace flag `clone` accepts.
const NAMESPACE_FLAGS: u32 = (libc::CLONE_NEWNS
    | libc::CLONE_NEWCGROUP
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUSER
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET
    | 0x80/* CLONE_NEWTIME */) as u32;

/// The denied system calls, by name for the docs and the tests.
pub const DENIED: &[(&str, libc::c_long)] = &[
    ("mount", libc::SYS_mount),
    ("umount2", libc::SYS_umount2),
    ("pivot_root", libc::SYS_pivot_root),
    ("chroot", libc::SYS_chroot),
    ("unshare", libc::SYS_unshare),
    ("setns", libc::SYS_setns),
    ("ptrace", libc::SYS_ptrace),
    ("process_vm_readv", libc::SYS_process_vm_readv),
    ("process_vm_writev", libc::SYS_process_vm_writev),
    ("pidfd_getfd", libc::SYS_pidfd_getfd),
    ("kcmp", libc::SYS_kcmp),
    ("bpf", libc::SYS_bpf),
    ("perf_event_open", libc::SYS_perf_event_open),
    ("userfaultfd", libc::SYS_userfaultfd),
    ("io_uring_setup", libc::SYS_io_uring_setup),
    ("io_uring_enter", libc::SYS_io_uring_enter),
    ("io_uring_register", libc::SYS_io_uring_register),
    ("keyctl", libc::SYS_keyctl),
    ("add_key", libc::SYS_add_key),
    ("request_key", libc::SYS_request_key),
    ("init_module", libc::SYS_init_module),
    ("finit_module", libc::SYS_finit_module),
    ("delete_module", libc::SYS_delete_module),
    ("kexec_load", libc::SYS_kexec_load),
    ("kexec_file_load", libc::SYS_kexec_file_load),
    ("reboot", libc::SYS_reboot),
    ("swapon", libc::SYS_swapon),
    ("swapoff", libc::SYS_swapoff),
    ("acct", libc::SYS_acct),
    ("quotactl", libc::SYS_quotactl),
    ("syslog", libc::SYS_syslog),
    ("settimeofday", libc::SYS_settimeofday),
    ("clock_settime", libc::SYS_clock_settime),
    ("clock_adjtime", libc::SYS_clock_adjtime),
    ("adjtimex", libc::SYS_adjtimex),
    ("open_by_handle_at", libc::SYS_open_by_handle_at),
    ("name_to_handle_at", libc::SYS_name_to_handle_at),
    ("fanotify_init", libc::SYS_fanotify_init),
    ("fsopen", libc::SYS_fsopen),
    ("fsmount", libc::SYS_fsmount),
    ("fsconfig", libc::SYS_fsconfig),
    ("fspick", libc::SYS_fspick),
    ("move_mount", libc::SYS_move_mount),
    ("open_tree", libc::SYS_open_tree),
    ("mount_setattr", libc::SYS_mount_setattr),
    ("move_pages", libc::SYS_move_pages),
    ("migrate_pages", libc::SYS_migrate_pages),
    ("vhangup", libc::SYS_vhangup),
    ("personality", libc::SYS_personality),
    #[cfg(target_arch = "x86_64")]
    ("iopl", libc::SYS_iopl),
    #[cfg(target_arch = "x86_64")]
    ("ioperm", libc::SYS_ioperm),
];

fn stmt(code: u16, k: u32) -> sock_filter {
    sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

/// What the filter does with one system call number.
#[derive(Debug, Clone, Copy)]
enum Action {
    Deny(u32),
    /// `clone`: refused when its flags ask for a namespace.
    CheckCloneFlags,
}

impl Action {
    fn code(self) -> Vec<sock_filter> {
        match self {
            Action::Deny(ret) => vec![stmt(BPF_RET | BPF_K, ret)],
            Action::CheckCloneFlags => vec![
                stmt(BPF_LD | BPF_W | BPF_ABS, DATA_ARG0_LOW),
                jump(BPF_JMP | BPF_JSET | BPF_K, NAMESPACE_FLAGS, 0, 1),
                stmt(BPF_RET | BPF_K, RET_ERRNO | libc::EPERM as u32),
                stmt(BPF_RET | BPF_K, RET_ALLOW),
            ],
        }
    }
}

/// A binary search over the sorted syscall numbers, so an allowed call
/// runs about seven comparisons instead of the whole list, and the kernel's
/// install-time pass over every syscall number (which fills its cache of
/// always-allowed calls) stays short: this runs once per sandboxed program.
fn search(entries: &[(u32, Action)]) -> Vec<sock_filter> {
    if entries.len() <= 3 {
        let mut code = Vec::new();
        for &(nr, action) in entries {
            let body = action.code();
            code.push(jump(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, body.len() as u8));
            code.extend(body);
        }
        code.push(stmt(BPF_RET | BPF_K, RET_ALLOW));
        return code;
    }
    let mid = entries.len() / 2;
    let left = search(&entries[..mid]);
    let right = search(&entries[mid..]);
    let skip = u8::try_from(left.len()).expect("a seccomp subtree fits a BPF jump");
    let mut code = vec![jump(BPF_JMP | BPF_JGE | BPF_K, entries[mid].0, skip, 0)];
    code.extend(left);
    code.extend(right);
    code
}

/// Builds the filter program.
pub(crate) fn filter() -> Vec<sock_filter> {
    let eperm = RET_ERRNO | libc::EPERM as u32;
    let enosys = RET_ERRNO | libc::ENOSYS as u32;
    let mut prog = vec![
        stmt(BPF_LD | BPF_W | BPF_ABS, DATA_ARCH),
        jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH, 1, 0),
        stmt(BPF_RET | BPF_K, RET_KILL_PROCESS),
        stmt(BPF_LD | BPF_W | BPF_ABS, DATA_NR),
    ];
    #[cfg(target_arch = "x86_64")]
    {
        // The x32 ABI reaches the same kernel with numbers above this bit.
        prog.push(jump(BPF_JMP | BPF_JGE | BPF_K, 0x4000_0000, 0, 1));
        prog.push(stmt(BPF_RET | BPF_K, eperm));
    }
    let mut entries: Vec<(u32, Action)> = DENIED
        .iter()
        .map(|&(_, nr)| (nr as u32, Action::Deny(eperm)))
        .collect();
    entries.push((libc::SYS_clone3 as u32, Action::Deny(enosys)));
    entries.push((libc::SYS_clone as u32, Action::CheckCloneFlags));
    entries.sort_by_key(|e| e.0);
    prog.extend(search(&entries));
    prog
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_fits_and_every_jump_lands_inside() {
        let prog = filter();
        assert!(
            prog.len() < 4096,
            "BPF programs are limited to 4096 instructions"
        );
        for (i, ins) in prog.iter().enumerate() {
            if ins.code & 0x07 == BPF_JMP {
                assert!(
                    i + 1 + (ins.jt.max(ins.jf) as usize) < prog.len(),
                    "jump at {i} leaves the program"
                );
            }
        }
        assert_eq!(prog.last().map(|i| i.k), Some(RET_ALLOW));
    }

    /// Runs the program the way the kernel does, on a syscall number and a first argument.
    fn eval(prog: &[sock_filter], arch: u32, nr: u32, arg0: u32) -> u32 {
        let (mut a, mut pc) = (0u32, 0usize);
        loop {
            let ins = prog[pc];
            match ins.code {
                c if c == BPF_LD | BPF_W | BPF_ABS => {
                    a = match ins.k {
                        DATA_NR => nr,
                        DATA_ARCH => arch,
                        DATA_ARG0_LOW => arg0,
                        other => panic!("unexpected load {other}"),
                    };
                    pc += 1;
                }
                c if c == BPF_RET | BPF_K => return ins.k,
                c => {
                    let taken = match c & 0xf0 {
                        BPF_JEQ => a == ins.k,
                        BPF_JGE => a >= ins.k,
                        BPF_JSET => a & ins.k != 0,
                        other => panic!("unexpected jump {other}"),
                    };
                    pc += 1 + usize::from(if taken { ins.jt } else { ins.jf });
                }
            }
        }
    }

    #[test]
    fn the_search_gives_each_call_its_action() {
        let prog = filter();
        let eperm = RET_ERRNO | libc::EPERM as u32;
        for &(name, nr) in DENIED {
            assert_eq!(eval(&prog, AUDIT_ARCH, nr as u32, 0), eperm, "{name}");
        }
        for nr in [
            libc::SYS_read,
            libc::SYS_write,
            libc::SYS_execve,
            libc::SYS_openat,
            libc::SYS_exit_group,
            libc::SYS_wait4,
        ] {
            assert_eq!(eval(&prog, AUDIT_ARCH, nr as u32, 0), RET_ALLOW, "{nr}");
        }
        for nr in 0..500u32 {
            let denied = DENIED.iter().any(|d| d.1 as u32 == nr) || nr == libc::SYS_clone3 as u32;
            assert_eq!(
                eval(&prog, AUDIT_ARCH, nr, 0) != RET_ALLOW,
                denied,
                "syscall {nr}"
            );
        }
        let clone = libc::SYS_clone as u32;
        assert_eq!(
            eval(&prog, AUDIT_ARCH, clone, libc::SIGCHLD as u32),
            RET_ALLOW
        );
        assert_eq!(
            eval(
                &prog,
                AUDIT_ARCH,
                clone,
                libc::CLONE_NEWUSER as u32 | libc::SIGCHLD as u32
            ),
            eperm
        );
        assert_eq!(
            eval(&prog, AUDIT_ARCH, libc::SYS_clone3 as u32, 0),
            RET_ERRNO | libc::ENOSYS as u32
        );
        assert_eq!(
            eval(&prog, 0x4000_0003, libc::SYS_read as u32, 0),
            RET_KILL_PROCESS
        );
    }

    #[test]
    fn the_deny_list_has_no_duplicates() {
        let mut nrs: Vec<_> = DENIED.iter().map(|d| d.1).collect();
        nrs.sort_unstable();
        nrs.dedup();
        assert_eq!(nrs.len(), DENIED.len());
    }
}
