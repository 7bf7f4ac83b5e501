//! The launcher's side of a launch, after fork: uid/gid maps, cgroups and
//! pid file while the child waits; then the handoff once it has exec'd.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::LaunchError;
use super::plan::Plan;
use crate::sys;

fn write_file(what: &'static str, path: &Path, text: &str) -> Result<(), LaunchError> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| LaunchError::path(what, path, e.to_string()))
}

/// The file to write a pid into to join a cgroup: the path itself if it is
/// a file (v1 `tasks`, v2 `cgroup.procs`), else the right file inside it.
pub fn cgroup_procs_file(path: &Path) -> PathBuf {
    if path.is_dir() {
        let procs = path.join("cgroup.procs");
        if procs.exists() {
            procs
        } else {
            path.join("tasks")
        }
    } else {
        path.to_owned()
    }
}

/// Everything the parent does while the child waits on the sync pipe.
pub fn setup_child(plan: &Plan, pid: libc::pid_t) -> Result<(), LaunchError> {
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    if plan.userns {
        if let Some(map) = &plan.uid_map {
            write_file("uid_map", &proc_dir.join("uid_map"), map)?;
        }
        if plan.deny_setgroups {
            write_file("setgroups", &proc_dir.join("setgroups"), "deny")?;
        }
        if let Some(map) = &plan.gid_map {
            write_file("gid_map", &proc_dir.join("gid_map"), map)?;
        }
    }
    for cgroup in &plan.cgroups {
        write_file("cgroup", &cgroup_procs_file(cgroup), &pid.to_string())?;
    }
    if let Some(path) = &plan.pid_file {
        std::fs::write(path, format!("{pid}\n"))
            .map_err(|e| LaunchError::path("pid file", path, e.to_string()))?;
    }
    Ok(())
}

/// Put the whole handoff into its pipe before the child exists, when the
/// pipe can hold it (grown if need be): the program's constructor then
/// finds it waiting rather than blocking until this process is scheduled
/// again after the child's execve (about 0.15 ms on a 2-core VM). Returns
/// false when it does not fit; the caller then writes it after execve,
/// while the constructor drains it.
pub fn write_handoff_early(fd: libc::c_int, bytes: &[u8]) -> Result<bool, LaunchError> {
    // SAFETY: F_GETPIPE_SZ and F_SETPIPE_SZ only query or resize our pipe.
    let capacity = unsafe { libc::fcntl(fd, libc::F_GETPIPE_SZ) };
    let fits = usize::try_from(capacity).is_ok_and(|c| bytes.len() <= c)
        || libc::c_int::try_from(bytes.len())
            .is_ok_and(|len| unsafe { libc::fcntl(fd, libc::F_SETPIPE_SZ, len) } >= len);
    if !fits {
        return Ok(false);
    }
    // Our own read end is open and the pipe is empty and large enough:
    // this neither blocks nor raises SIGPIPE.
    sys::write_all(fd, bytes)
        .map_err(|e| LaunchError::os("writing the handoff for the jailed program", e))?;
    Ok(true)
}

/// Write to a pipe whose reader may be gone without letting SIGPIPE hit
/// the caller's process: SIGPIPE is blocked in this thread for the write
/// and a pending one is consumed. Returns the errno (EPIPE) instead.
/// `caller_blocks_sigpipe` says whether the caller's own mask blocks it
/// when this thread's mask is not the caller's (every signal blocked
/// around a launch; None: it is): a SIGPIPE it blocked stays pending.
pub fn write_no_sigpipe(
    fd: libc::c_int,
    bytes: &[u8],
    caller_blocks_sigpipe: Option<bool>,
) -> Result<(), sys::Errno> {
    // SAFETY: sigset manipulation on local sets; pthread_sigmask affects
    // only the calling thread.
    unsafe {
        let mut pipe_set: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut pipe_set);
        libc::sigaddset(&mut pipe_set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &pipe_set, &mut old);
        let result = sys::write_all(fd, bytes);
        let blocked_before =
            caller_blocks_sigpipe.unwrap_or_else(|| libc::sigismember(&old, libc::SIGPIPE) == 1);
        if result == Err(libc::EPIPE) && !blocked_before {
            let zero = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            libc::sigtimedwait(&pipe_set, std::ptr::null_mut(), &zero);
        }
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        result
    }
}
