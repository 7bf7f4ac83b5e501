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
/// killed by signal N shows there as exit code 128+N. A seccomp kill the
/// launcher's supervisor explained is told in every case (also under an
/// init, and when the program had taken SIGSYS over and was killed with
/// SIGKILL): [`ExitStatus::seccomp_killed`] and [`ExitStatus::seccomp_call`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExitStatus {
    wait_status: libc::c_int,
    seccomp_call: Option<SeccompCall>,
}

/// The syscall the seccomp filter blocked, as the supervisor saw it.
/// [`crate::JailedProcess::death`] has the whole explanation (the policy
/// line that decided, a line that would allow it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeccompCall {
    /// The calling convention's `AUDIT_ARCH_*` value.
    pub audit_arch: u32,
    /// The syscall number.
    pub nr: i64,
    /// The raw arguments.
    pub args: [u64; 6],
}

impl SeccompCall {
    /// The syscall's name, if the architecture and number are known.
    pub fn name(&self) -> Option<&'static str> {
        let arch = crate::seccomp::explain::arch_of_audit(self.audit_arch)?;
        crate::seccomp::syscall_name(arch, self.nr)
    }
}

impl From<&crate::seccomp::explain::Explanation> for SeccompCall {
    /// The call alone, as [`ExitStatus::seccomp_call`] gives it.
    fn from(e: &crate::seccomp::explain::Explanation) -> SeccompCall {
        SeccompCall {
            audit_arch: e.audit_arch,
            nr: e.nr,
            args: e.args,
        }
    }
}

impl ExitStatus {
    /// From a wait(2) status.
    pub fn from_raw(wait_status: libc::c_int) -> ExitStatus {
        ExitStatus {
            wait_status,
            seccomp_call: None,
        }
    }

    /// The same status, known to be a seccomp kill of `call`.
    pub(crate) fn explained_seccomp_kill(self, call: SeccompCall) -> ExitStatus {
        ExitStatus {
            seccomp_call: Some(call),
            ..self
        }
    }

    /// The wait(2) status.
    pub fn into_raw(self) -> libc::c_int {
        self.wait_status
    }

    /// Whether the program exited with 0.
    pub fn success(&self) -> bool {
        self.code() == Some(0)
    }

    /// The exit code, if the program exited (rather than being killed;
    /// an explained seccomp kill has none, even when an init exited 253).
    pub fn code(&self) -> Option<i32> {
        (self.seccomp_call.is_none() && libc::WIFEXITED(self.wait_status))
            .then(|| libc::WEXITSTATUS(self.wait_status))
    }

    /// The signal that killed the program, if one did.
    pub fn signal(&self) -> Option<i32> {
        libc::WIFSIGNALED(self.wait_status).then(|| libc::WTERMSIG(self.wait_status))
    }

    /// Whether the seccomp filter killed the program: SIGSYS, or a kill
    /// the launcher's supervisor explained.
    pub fn seccomp_killed(&self) -> bool {
        self.seccomp_call.is_some() || self.signal() == Some(libc::SIGSYS)
    }

    /// The syscall that got the program killed, when the launcher's
    /// supervisor saw it (a jail in a jail, fork mode and
    /// `--seccomp-no-supervise` have no supervisor: then only
    /// [`ExitStatus::seccomp_killed`] tells).
    pub fn seccomp_call(&self) -> Option<SeccompCall> {
        self.seccomp_call
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
        match self.seccomp_call {
            Some(_) => JAIL_FAILED,
            None => from_wait_status(self.wait_status),
        }
    }
}

impl std::fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(call) = self.seccomp_call {
            let name = call
                .name()
                .map_or_else(|| format!("syscall {}", call.nr), str::to_owned);
            return write!(f, "killed by the seccomp filter ({name})");
        }
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

    #[test]
    fn an_explained_kill_is_a_seccomp_kill_whatever_the_wait_status() {
        let call = SeccompCall {
            audit_arch: crate::seccomp::Arch::X86_64.audit_arch(),
            nr: 102,
            args: [0; 6],
        };
        // SIGKILL (SIGSYS was caught), or init's exit 253.
        for raw in [libc::SIGKILL, 253 << 8, libc::SIGSYS] {
            let s = ExitStatus::from_raw(raw).explained_seccomp_kill(call);
            assert!(s.seccomp_killed(), "{raw:#x}");
            assert_eq!(s.code(), None);
            assert_eq!(s.minijail_status(), 253);
            assert_eq!(s.jail_failure(), None);
            assert_eq!(s.seccomp_call().and_then(|c| c.name()), Some("getuid"));
            assert_eq!(s.to_string(), "killed by the seccomp filter (getuid)");
        }
    }
}
