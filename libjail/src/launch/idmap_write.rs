//! Writing a new user namespace's uid_map and gid_map from the parent:
//! directly, or through newuidmap/newgidmap when the kernel refuses an
//! unprivileged caller. Apart from the parsing in idmap.rs, which the
//! launch errors build on, so neither depends on the other's side.

use super::error::LaunchError;

/// Where upstream looks for the shadow-utils helpers.
const NEWUIDMAP: &str = "/usr/bin/newuidmap";
const NEWGIDMAP: &str = "/usr/bin/newgidmap";

/// The maps of process `pid`'s new user namespace, in the order the kernel
/// needs: uid map, `setgroups` denied (before any gid map), gid map.
pub fn write_maps(
    pid: libc::pid_t,
    uid_map: Option<&str>,
    deny_setgroups: bool,
    gid_map: Option<&str>,
) -> Result<(), LaunchError> {
    if let Some(map) = uid_map {
        write_map(pid, false, map)?;
    }
    if deny_setgroups {
        let path = std::path::PathBuf::from(format!("/proc/{pid}/setgroups"));
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"deny"))
            .map_err(|e| LaunchError::path("setgroups", &path, e.to_string()))?;
    }
    if let Some(map) = gid_map {
        write_map(pid, true, map)?;
    }
    Ok(())
}

/// Write `map` (kernel text) as the uid map (`gid` false) or gid map of
/// process `pid`. As upstream, when the kernel refuses the direct write
/// (EPERM: an unprivileged caller asking for more than its own id), fall
/// back to newuidmap/newgidmap, which allow the ranges /etc/subuid and
/// /etc/subgid grant the caller.
pub fn write_map(pid: libc::pid_t, gid: bool, map: &str) -> Result<(), LaunchError> {
    let (name, helper) = if gid {
        ("gid_map", NEWGIDMAP)
    } else {
        ("uid_map", NEWUIDMAP)
    };
    let path = std::path::PathBuf::from(format!("/proc/{pid}/{name}"));
    let direct = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, map.as_bytes()));
    match direct {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => run_helper(pid, name, helper, map),
        Err(e) => Err(LaunchError::path(name, &path, e.to_string())),
    }
}

fn run_helper(
    pid: libc::pid_t,
    name: &'static str,
    helper: &str,
    map: &str,
) -> Result<(), LaunchError> {
    let path = std::path::Path::new(helper);
    let fail = |why: String| {
        LaunchError::path(
            name,
            path,
            format!("the kernel refused the map (EPERM) and the fallback failed: {why}"),
        )
    };
    let out = std::process::Command::new(helper)
        .arg(pid.to_string())
        .args(map.split_whitespace())
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| {
            fail(format!(
                "{e}; install it (package uidmap) and grant the ranges in /etc/subuid and /etc/subgid"
            ))
        })?;
    if out.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&out.stderr);
    Err(fail(format!(
        "{} ({}); the ranges must be granted to this user in /etc/subuid and /etc/subgid",
        said.trim(),
        out.status
    )))
}
