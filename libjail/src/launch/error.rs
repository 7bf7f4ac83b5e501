//! Errors from launching a jailed program.

use std::path::PathBuf;

use super::report::ChildFailure;
use crate::log::Escaped;

/// Why a jailed program was not started.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error(transparent)]
    Program(#[from] crate::program::ProgramError),
    #[error(transparent)]
    Id(#[from] crate::ids::IdError),
    #[error("program '{}' is setuid, setgid or has file capabilities: the loader would ignore LD_PRELOAD and the jail would not apply; use no-preload mode (-T static) or run another program", Escaped(.0))]
    PrivilegedProgram(PathBuf),
    #[error("program '{}' is not a dynamically linked program of this architecture, so the preload library cannot reach it; use no-preload mode (-T static)", Escaped(.0))]
    PreloadUnreachable(PathBuf),
    #[error("capabilities for uid {0} in no-preload mode need ambient capabilities (--ambient): execve clears them for a non-root uid")]
    CapsNeedAmbient(u32),
    #[error("the preload library was not found (looked in: {0}); build it (cargo build) or set its path (--preload-library / minijail_set_preload_path)")]
    PreloadNotFound(String),
    #[error("invalid setting: {}", Escaped(.0))]
    Invalid(String),
    #[error("{what} '{}': {}", Escaped(.path), Escaped(.reason))]
    Path {
        what: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error(transparent)]
    Cgroup(#[from] crate::cgroup::CgroupError),
    #[error("stage 2 cannot be prepared: {0}")]
    Stage2(#[from] jail_enter::PrepareError),
    #[error("handoff: {0}")]
    Wire(#[from] jail_enter::WireError),
    #[error("{what} failed: {source}")]
    Os {
        what: String,
        source: std::io::Error,
    },
    #[error("the jailed child failed while {}{}: {} (exit status {status})", .failure.step.describe(), .detail, std::io::Error::from_raw_os_error(.failure.errno))]
    Child {
        failure: ChildFailure,
        detail: String,
        status: i32,
    },
    #[error("the jailed child died during setup with status {0} before reporting")]
    ChildDied(i32),
}

impl LaunchError {
    pub(crate) fn os(what: impl Into<String>, errno: i32) -> LaunchError {
        LaunchError::Os {
            what: what.into(),
            source: std::io::Error::from_raw_os_error(errno),
        }
    }

    /// clone(2) of the jailed process failed: say what the errno means
    /// for the namespaces asked (`flags`).
    pub(crate) fn clone_failed(errno: i32, flags: libc::c_int) -> LaunchError {
        let new_ns = flags & (libc::CLONE_NEWUSER | libc::CLONE_NEWPID) != 0;
        let why = match errno {
            libc::EAGAIN => "the process limit is reached (RLIMIT_NPROC of this uid, or a pids cgroup): wait for processes to end or raise the limit",
            libc::ENOMEM => "out of memory",
            libc::ENOSPC => "the limit on nested or total namespaces is reached (/proc/sys/user/max_*_namespaces)",
            libc::EPERM | libc::EINVAL if new_ns => "creating a pid namespace needs CAP_SYS_ADMIN unless a new user namespace is made too (-U); user namespaces may be disabled for unprivileged users",
            libc::EUSERS => "the user namespace nesting limit is reached",
            _ => "",
        };
        let what = if why.is_empty() {
            "clone (creating the jailed process)".to_owned()
        } else {
            format!("clone (creating the jailed process: {why})")
        };
        LaunchError::os(what, errno)
    }

    pub(crate) fn path(
        what: &'static str,
        path: impl Into<PathBuf>,
        reason: impl Into<String>,
    ) -> LaunchError {
        LaunchError::Path {
            what,
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// The exit status minijail would report for this failure, so a CLI can
    /// exit with it (1 for errors found before fork).
    pub fn exit_status(&self) -> i32 {
        match self {
            LaunchError::Child { status, .. } | LaunchError::ChildDied(status) => *status,
            LaunchError::Program(crate::program::ProgramError::NotFound(_))
            | LaunchError::Program(crate::program::ProgramError::NotInPath(_)) => {
                crate::status::NO_COMMAND
            }
            LaunchError::Program(
                crate::program::ProgramError::NotExecutable(_)
                | crate::program::ProgramError::NotAFile(..),
            ) => crate::status::NO_ACCESS,
            _ => 1,
        }
    }
}
