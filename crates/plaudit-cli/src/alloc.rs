//! The process's allocator, and how `plaudit serve` tunes it and the
//! process's memory.
//!
//! Scoring allocates many small, short-lived values on several threads at
//! once; mimalloc's thread-local free lists serve that far better than
//! glibc's.
//!
//! This is the crate's one module with unsafe code: mimalloc's options are
//! set through its C interface, and huge pages turned off with `prctl`.
#![allow(unsafe_code)]

use std::ffi::c_long;

use libmimalloc_sys::{mi_option_get, mi_option_set, mi_option_t};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay`: its place in v2's `mi_option_e`
/// (libmimalloc-sys names only some of the options).
const PURGE_DELAY: mi_option_t = 15;

/// mimalloc's own purge delay, in milliseconds: what [`PURGE_DELAY`] reads
/// before anything sets it. Reading anything else means the option is not
/// where this module expects it, and it is left alone.
const MIMALLOC_DEFAULT_PURGE_DELAY: c_long = 10;

/// How long freed memory is kept before it goes back to the system, for a
/// server: mimalloc's default of 10 ms returned the pages a request had
/// used between one request and the next, and the next touched them anew
/// (page faults, zeroing). With 1 s, 256-sample OpenRLHF batches were
/// served 2.3–4.6% faster (wrk, alternating runs; single-sample requests
/// unchanged) and resident memory in a saturated soak stopped swinging by
/// several MiB from one second to the next; an idle server still returns
/// its memory within seconds.
const SERVER_PURGE_DELAY_MS: c_long = 1000;

/// Tunes the process for a long-running server. Call it before any thread
/// but the main one has started.
///
/// - mimalloc's purge delay goes to [`SERVER_PURGE_DELAY_MS`], unless the
///   user set one (`MIMALLOC_PURGE_DELAY`).
/// - Transparent huge pages are turned off for the process, unless the
///   user chose mimalloc's setting for them (`MIMALLOC_ALLOW_THP`). The
///   arena mimalloc reserves (before `main`) is marked for huge pages, and
///   under the kernel's default `madvise` policy its khugepaged then
///   promotes the 4 KiB pages the server touched to 2 MiB ones, a few
///   seconds apart: resident memory rose by up to 2 MiB at each step
///   without a byte allocated, and a saturated 60 s soak read as 8–10%
///   growth. Without them resident memory stays flat (see
///   `bench/RESULTS.md`).
pub(crate) fn tune_for_server() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none()
        && purge_delay() == MIMALLOC_DEFAULT_PURGE_DELAY
    {
        // SAFETY: `mi_option_set` writes a plain global without
        // synchronization; the callers run it on the main thread before
        // they start any other thread, so nothing allocates or frees
        // concurrently. The option index was checked above to hold
        // mimalloc's documented default for the purge delay.
        unsafe { mi_option_set(PURGE_DELAY, SERVER_PURGE_DELAY_MS) };
    }
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        disable_huge_pages();
    }
}

/// Turns transparent huge pages off for this process (and the processes it
/// starts). A kernel that refuses (older than 3.15, or a sandbox that
/// forbids `prctl`) leaves them as they were: memory use is all that
/// changes.
#[cfg(target_os = "linux")]
fn disable_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and changes only a
    // flag of this process's memory map; it touches no memory of ours.
    let _ = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
}

#[cfg(not(target_os = "linux"))]
fn disable_huge_pages() {}

/// Whether transparent huge pages are off for this process.
#[cfg(all(test, target_os = "linux"))]
fn huge_pages_disabled() -> bool {
    // SAFETY: as above; PR_GET_THP_DISABLE only reads the flag.
    unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1 }
}

/// The purge delay in effect, in milliseconds.
fn purge_delay() -> c_long {
    // SAFETY: the index is checked against the table's bounds by
    // mimalloc; every option was read from the environment when the
    // process loaded, so this only reads a global nothing else writes
    // (but `tune_for_server`, on the main thread before other threads).
    unsafe { mi_option_get(PURGE_DELAY) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_is_where_this_module_expects_it() {
        // The test process sets nothing, so the option holds mimalloc's
        // default, unless whoever runs the tests chose one.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(purge_delay(), MIMALLOC_DEFAULT_PURGE_DELAY);
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn huge_pages_can_be_turned_off() {
        // The flag belongs to the whole test process; no other test here
        // depends on huge pages.
        disable_huge_pages();
        assert!(huge_pages_disabled());
    }
}
