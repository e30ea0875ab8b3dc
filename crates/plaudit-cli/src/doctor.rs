//! `plaudit doctor`: what this host offers the code sandbox, checked for real.
//!
//! Reads the host's facts (kernel, root, namespaces, cgroups, seccomp), then
//! starts one sandbox and runs the harmless probe inside it: the program's
//! pid, uids, capability sets, `no_new_privs`, seccomp mode and limits, as
//! the program itself sees them. Exit 0 when code rewards can run here, 1
//! when they cannot (and why).

use std::io::{self, Write};
use std::path::Path;

use clap::Args;
use plaudit_sandbox::{Sandbox, SandboxConfig};
use serde_json::json;

#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    /// Print one JSON object instead of the report.
    #[arg(long)]
    json: bool,
}

fn tool(path: &str) -> Option<&str> {
    Path::new(path).exists().then_some(path)
}

pub(crate) fn run(args: DoctorArgs) -> anyhow::Result<()> {
    let host = plaudit_sandbox::probe();
    let sandbox = Sandbox::new(SandboxConfig {
        slots: 1,
        ..SandboxConfig::default()
    });
    let verification = sandbox
        .as_ref()
        .map_err(|e| e.to_string())
        .and_then(|s| s.verify().map_err(|e| e.to_string()));
    let confirmed = verification
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|v| v.confirmed());
    let cgroups = match &sandbox {
        Ok(s) => s.cgroups().map(|v| format!("{v:?}")),
        Err(_) => host.cgroups.clone().map(|v| format!("{v:?}")),
    };
    let python = tool("/usr/bin/python3");
    let cxx = tool("/usr/bin/g++");
    let ok = confirmed.is_ok();
    let mut out = io::stdout().lock();
    if args.json {
        let v = verification.as_ref().ok();
        let report = json!({
            "ok": ok,
            "kernel": host.kernel,
            "root": host.root,
            "namespaces": host.namespaces.as_ref().err(),
            "cgroups": cgroups.as_ref().ok(),
            "cgroups_unavailable": cgroups.as_ref().err(),
            "seccomp": host.seccomp,
            "user_namespaces": host.user_namespaces.as_ref().err().map_or_else(|| "available".to_owned(), |why| format!("unavailable: {why}")),
            "probe": v.map(|v| json!({
                "pid": v.pid,
                "uids": v.uids,
                "capabilities_empty": v.capabilities_empty,
                "no_new_privs": v.no_new_privs,
                "seccomp": v.seccomp_ok,
                "max_processes": v.max_processes,
                "max_address_space": v.max_address_space,
            })),
            "problem": confirmed.as_ref().err(),
            "python3": python,
            "g++": cxx,
        });
        writeln!(out, "{report}")?;
    } else {
        let mark = |good: bool| if good { "ok  " } else { "FAIL" };
        writeln!(out, "plaudit doctor: the code sandbox on this host")?;
        writeln!(out, "  kernel        {}", host.kernel)?;
        writeln!(
            out,
            "  {} root       {}",
            mark(host.root),
            if host.root {
                "yes"
            } else {
                "no: namespaces and per-slot uids need root"
            }
        )?;
        match &host.namespaces {
            Ok(()) => writeln!(out, "  ok   namespaces mount, pid, net, ipc, uts")?,
            Err(why) => writeln!(out, "  FAIL namespaces {why}")?,
        }
        match &cgroups {
            Ok(v) => writeln!(
                out,
                "  ok   cgroups    {v}: a memory and pids cgroup per slot"
            )?,
            Err(why) => writeln!(out, "  warn cgroups    {why}")?,
        }
        writeln!(
            out,
            "  {} seccomp    {}",
            mark(host.seccomp),
            if host.seccomp {
                "filters available"
            } else {
                "unavailable"
            }
        )?;
        match &host.user_namespaces {
            Ok(()) => writeln!(
                out,
                "  info userns     available (not needed: the sandbox runs as root with per-slot uids)"
            )?,
            Err(why) => writeln!(
                out,
                "  info userns     {why} (not needed as root; a rootless launcher would need them)"
            )?,
        }
        match &verification {
            Ok(v) => {
                writeln!(out, "  probe inside a sandbox:")?;
                writeln!(
                    out,
                    "    pid {:?} (2: under the namespace's init), uids {:?}",
                    v.pid, v.uids
                )?;
                writeln!(
                    out,
                    "    capabilities empty: {}, no_new_privs: {}, seccomp filter: {}",
                    v.capabilities_empty, v.no_new_privs, v.seccomp_ok
                )?;
                writeln!(
                    out,
                    "    max processes {:?}, max address space {:?}",
                    v.max_processes, v.max_address_space
                )?;
            }
            Err(why) => writeln!(out, "  FAIL probe      {why}")?,
        }
        writeln!(
            out,
            "  {} python3    {}",
            mark(python.is_some()),
            python.unwrap_or("missing: /usr/bin/python3 runs Python tests")
        )?;
        writeln!(
            out,
            "  {} g++        {}",
            if cxx.is_some() { "ok  " } else { "warn" },
            cxx.unwrap_or("missing: C++ tests need /usr/bin/g++")
        )?;
        match &confirmed {
            Ok(()) => writeln!(out, "code rewards can run here")?,
            Err(why) => writeln!(out, "code rewards cannot run here: {why}")?,
        }
    }
    out.flush()?;
    if ok {
        Ok(())
    } else {
        Err(crate::Exit(1).into())
    }
}
