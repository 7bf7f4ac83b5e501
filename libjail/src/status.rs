//! minijail's exit statuses, shared by the launcher, init, the C ABI and the CLI.

/// The program could not be executed (permission).
pub const NO_ACCESS: i32 = 126;
/// The program does not exist.
pub const NO_COMMAND: i32 = 127;
/// Added to a signal number for a program killed by that signal.
pub const SIGNAL_BASE: i32 = 128;
/// A mount failed in the child.
pub const MOUNT_FAILED: i32 = 251;
/// The preload library could not apply stage 2.
pub const PRELOAD_FAILED: i32 = jail_enter::EXIT_PRELOAD_FAILED;
/// The jail could not be applied, or the program was killed by SIGSYS (seccomp).
pub const JAIL_FAILED: i32 = jail_enter::EXIT_JAIL_FAILED;
/// The pid namespace's init failed.
pub const INIT_FAILED: i32 = 254;

/// A wait status as minijail reports it: the exit code, 253 for SIGSYS,
/// 128+N for any other signal N.
pub fn from_wait_status(status: libc::c_int) -> i32 {
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        match libc::WTERMSIG(status) {
            libc::SIGSYS => JAIL_FAILED,
            sig => SIGNAL_BASE + sig,
        }
    } else {
        JAIL_FAILED
    }
}

/// A failure of the jail itself, before the program's `main`, told by
/// minijail's reserved exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JailFailure {
    /// 251: a mount failed in the child.
    Mount,
    /// 252: the preload library could not apply stage 2.
    Preload,
    /// 253: the jail could not be applied.
    Jail,
    /// 254: the pid namespace's init failed.
    Init,
}

/// How a jailed program ended: like [`std::process::ExitStatus`], with
/// minijail's meanings on top (a seccomp kill, a failure of the jail).
///
/// ```no_run
/// let jail = jail::Jail::new();
/// let status = jail.command("/bin/false").status()?;
/// assert_eq!(status.code(), Some(1));
/// assert!(!status.seccomp_killed());
/// assert_eq!(status.minijail_status(), 1);
/// # Ok::<(), jail::LaunchError>(())
/// ```
///
/// In a new pid namespace the launcher waits for the namespace's init,
/// which exits with the program's status as minijail codes it: a program
/// killed by signal N shows there as exit code 128+N.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExitStatus {
    wait_status: libc::c_int,
}

impl ExitStatus {
    /// From a wait(2) status.
    pub fn from_raw(wait_status: libc::c_int) -> ExitStatus {
        ExitStatus { wait_status }
    }

    /// The wait(2) status.
    pub fn into_raw(self) -> libc::c_int {
        self.wait_status
    }

    /// Whether the program exited with 0.
    pub fn success(&self) -> bool {
        self.code() == Some(0)
    }

    /// The exit code, if the program exited (rather than being killed).
    pub fn code(&self) -> Option<i32> {
        libc::WIFEXITED(self.wait_status).then(|| libc::WEXITSTATUS(self.wait_status))
    }

    /// The signal that killed the program, if one did.
    pub fn signal(&self) -> Option<i32> {
        libc::WIFSIGNALED(self.wait_status).then(|| libc::WTERMSIG(self.wait_status))
    }

    /// Whether the seccomp filter killed the program (SIGSYS).
    pub fn seccomp_killed(&self) -> bool {
        self.signal() == Some(libc::SIGSYS)
    }

    /// Which part of the jail failed, when the exit code is one minijail
    /// reserves for that (a program could exit with it too).
    pub fn jail_failure(&self) -> Option<JailFailure> {
        match self.code()? {
            MOUNT_FAILED => Some(JailFailure::Mount),
            PRELOAD_FAILED => Some(JailFailure::Preload),
            JAIL_FAILED => Some(JailFailure::Jail),
            INIT_FAILED => Some(JailFailure::Init),
            _ => None,
        }
    }

    /// The status as minijail reports it (`minijail_wait`, minijail0's
    /// exit status): the exit code, 128+N for signal N, 253 for SIGSYS.
    pub fn minijail_status(&self) -> i32 {
        from_wait_status(self.wait_status)
    }
}

impl std::fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.code(), self.signal()) {
            (Some(code), _) => write!(f, "exit status: {code}"),
            (_, Some(libc::SIGSYS)) => f.write_str("killed by the seccomp filter (SIGSYS)"),
            (_, Some(sig)) => write!(f, "killed by signal {sig}"),
            _ => write!(f, "wait status {:#x}", self.wait_status),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_signals_and_seccomp_kills_are_told_apart() {
        let exited = ExitStatus::from_raw(253 << 8);
        assert_eq!((exited.code(), exited.signal()), (Some(253), None));
        assert_eq!(exited.jail_failure(), Some(JailFailure::Jail));
        assert!(!exited.seccomp_killed());
        let sigsys = ExitStatus::from_raw(libc::SIGSYS);
        assert_eq!((sigsys.code(), sigsys.signal()), (None, Some(libc::SIGSYS)));
        assert!(sigsys.seccomp_killed());
        assert_eq!(sigsys.jail_failure(), None);
        // Both are 253 to minijail.
        assert_eq!(exited.minijail_status(), sigsys.minijail_status());
        let term = ExitStatus::from_raw(libc::SIGTERM);
        assert_eq!(term.minijail_status(), 128 + libc::SIGTERM);
        assert!(ExitStatus::from_raw(0).success());
    }
}
