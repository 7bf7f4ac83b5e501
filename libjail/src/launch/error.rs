//! Errors from launching a jailed program: one variant per kind of
//! failure, each carrying what a caller needs (the setting, the path, the
//! step, the errno), so no face has to read the message text.

use std::path::PathBuf;

use super::report::{ChildFailure, ChildStep};
use crate::config::{Jail, Namespace};
use crate::log::Escaped;

/// Why a jailed program was not started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LaunchError {
    /// Recording needs the launcher to supervise the seccomp filter, which
    /// it cannot here.
    #[error("cannot record syscalls here: the launcher must take the filter's listener, which it cannot in fork mode, under a seccomp filter of its own (a jail in a jail), on an architecture other than x86_64 and aarch64, when Yama forbids it to ptrace its children (kernel.yama.ptrace_scope 2 without CAP_SYS_PTRACE, or 3), or before execve (-T static, a static program) from an undumpable launcher without CAP_SYS_PTRACE (minijail0 always is undumpable: record static programs as root)")]
    CannotRecord,
    /// The recorded program ended before its recording filter was in place.
    #[error("the program ended before its recording filter was in place (it failed in the preload or before execve); nothing was recorded")]
    NothingRecorded,
    /// The program could not be found or inspected.
    #[error(transparent)]
    Program(#[from] crate::program::ProgramError),
    /// A user or group name could not be resolved.
    #[error(transparent)]
    Id(#[from] crate::ids::IdError),
    /// A uid or gid map is malformed.
    #[error(transparent)]
    IdMap(#[from] super::idmap::IdMapError),
    /// A resource limit is malformed or contradicts itself.
    #[error(transparent)]
    Rlimit(#[from] crate::config::RlimitError),
    /// The program is setuid, setgid or has file capabilities.
    #[error("program '{}' is setuid, setgid or has file capabilities: the loader would ignore LD_PRELOAD and the jail would not apply; use no-preload mode (-T static) or run another program", Escaped(.0))]
    PrivilegedProgram(PathBuf),
    /// The program does not load the preload library (static, or another
    /// architecture), and preload mode was asked for.
    #[error("program '{}' is not a dynamically linked program of this architecture, so the preload library cannot reach it; use no-preload mode (-T static)", Escaped(.0))]
    PreloadUnreachable(PathBuf),
    /// A dynamic program that exists only inside the new root: with the
    /// preload it would be started from the caller's filesystem.
    #[error("program '{}' is dynamically linked and exists only inside the new root {}: with the preload the program is started from the caller's filesystem and the root is entered after the loader (as upstream minijail does); install it at that path outside the root too, or use no-preload mode (-T static)", .program.display(), .root.display())]
    ProgramOnlyInRoot {
        /// The program as given.
        program: PathBuf,
        /// The new root.
        root: PathBuf,
    },
    /// A setting a new user namespace cannot honour.
    #[error(transparent)]
    UserNamespace(#[from] super::userns_check::UsernsRefusal),
    /// Capabilities for this uid would be cleared by execve.
    #[error("capabilities for uid {0} in no-preload mode need ambient capabilities (--ambient): execve clears them for a non-root uid")]
    CapsNeedAmbient(u32),
    /// No preload library at any of these places.
    #[error("the preload library was not found (looked in: {}); build it (cargo build) or set its path (--preload-library / minijail_set_preload_path)", .0.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    PreloadNotFound(Vec<PathBuf>),
    /// An alternate syscall table (`-a`, `minijail_use_alt_syscall`),
    /// which needs a ChromeOS kernel.
    #[error("{0}")]
    AltSyscall(String),
    /// Settings that cannot go together, or one this launch cannot apply.
    #[error(transparent)]
    Conflict(#[from] Conflict),
    /// A string setting (`what`) holds a NUL byte.
    #[error("{what} {value:?} contains a NUL byte")]
    NulByte {
        /// Which setting: "argument", "environment entry", "mount source", ...
        what: &'static str,
        /// The value, lossily as text.
        value: String,
    },
    /// The hostname is empty or too long.
    #[error("hostname '{0}' must be 1 to 64 bytes long")]
    Hostname(String),
    /// A preserved fd mapping cannot be made.
    #[error("preserve_fd({parent}, {child}): {}", .problem.describe(*.parent, *.child))]
    PreserveFd {
        /// The fd in the launcher.
        parent: i32,
        /// The number it was to get in the program.
        child: i32,
        /// What is wrong with it.
        problem: FdProblem,
    },
    /// A bind mount's flags include some a bind cannot take.
    #[error("bind of '{}' on '{}': flags {flags:#x} include some that a bind cannot take (only read-only, nosuid, nodev, noexec, nosymfollow and atime flags)", .source_path.display(), .dest.display())]
    BindFlags {
        /// The bind's source.
        source_path: PathBuf,
        /// Its destination inside the jail.
        dest: PathBuf,
        /// The MS_* flags given.
        flags: libc::c_ulong,
    },
    /// A Landlock rule's path does not exist as the program will see it.
    #[error("Landlock path {}{}: {errno}; rules need an existing file or directory", .path.display(), .host.as_ref().map(|h| format!(" (on the host: {})", h.display())).unwrap_or_default())]
    LandlockPath {
        /// The path as the rule gives it.
        path: PathBuf,
        /// Where that is on the host, when a root or binds move it.
        host: Option<PathBuf>,
        /// Why it cannot be used.
        errno: std::io::Error,
    },
    /// A path setting is wrong: `what` names the setting.
    #[error("{what} '{}': {}", Escaped(.path), Escaped(.reason))]
    Path {
        /// The setting: "mount destination", "cgroup", "pid file", ...
        what: &'static str,
        /// The path given.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
    /// In preload mode, a RLIMIT_NOFILE soft limit that leaves the dynamic
    /// loader no free fd: it would skip the preload library and run the
    /// program without the jail.
    #[error("RLIMIT_NOFILE soft limit {limit}: the program starts with fds 0 to {} open, so the dynamic loader would have no fd left to open the preload library (and would run the program without the jail): raise the limit to at least {}, or use no-preload mode (-T static)", .lowest_free - 1, .lowest_free + 1)]
    FdLimitTooLow {
        /// The soft limit asked for.
        limit: u64,
        /// The lowest fd number the program does not start with.
        lowest_free: u64,
    },
    /// The jail's own cgroup cannot be made or limited.
    #[error(transparent)]
    Cgroup(#[from] crate::cgroup::CgroupError),
    /// Stage 2 (ids, capabilities, filters) cannot be prepared.
    #[error("stage 2 cannot be prepared: {0}")]
    Stage2(#[from] jail_enter::PrepareError),
    /// Stage 2 cannot be encoded for the preload.
    #[error("handoff: {0}")]
    Wire(#[from] jail_enter::WireError),
    /// A system call of the launcher failed.
    #[error("{what} failed: {source}")]
    Os {
        /// What the launcher was doing.
        what: String,
        /// The errno.
        source: std::io::Error,
    },
    /// A call the host refused, with the cause when known (": ...").
    #[error("{call}: {source}{hint}")]
    Refused {
        /// The call and what it was for.
        call: String,
        /// The errno.
        source: std::io::Error,
        /// The host's cause and its fix (": ..."), or empty.
        hint: String,
    },
    /// The jailed child reported a failed step and exited.
    #[error("the jailed child failed while {}{}: {}{} (exit status {status})", .failure.step.describe(), .detail, std::io::Error::from_raw_os_error(.failure.errno), .hint)]
    Child {
        /// The step, errno and item.
        failure: ChildFailure,
        /// The item in words (" (/src on /dst)"), or empty.
        detail: String,
        /// The host's cause and its fix (": ..."), or empty.
        hint: String,
        /// minijail's exit status for it.
        status: i32,
    },
    /// The jailed child died during setup before it could report.
    #[error("the jailed child died during setup with status {0} before reporting")]
    ChildDied(i32),
    /// The jailed child broke the launch protocol.
    #[error("the jailed child sent {0}")]
    Protocol(Protocol),
    /// [`Jail::enter`] was asked for something only a new process can get.
    #[error("{0} cannot be applied to the running process; run a program in the jail instead (minijail_run / minijail_fork)")]
    NeedsNewProcess(&'static str),
    /// [`Jail::enter`] in a process with other threads.
    #[error("the jail cannot be entered by a process with more than one thread: ids and capabilities change only in the calling thread; enter it before starting threads, or run a program in the jail (minijail_run / minijail_fork)")]
    MultiThreaded,
    /// A step of [`Jail::enter`] failed; the process is partly jailed.
    #[error("entering the jail failed while {}{}: {}", .failure.step.describe(), .detail, std::io::Error::from_raw_os_error(.failure.errno))]
    Enter {
        /// The step, errno and item.
        failure: ChildFailure,
        /// The item in words, or empty.
        detail: String,
    },
    /// The program ran without stage 2's acknowledgement (the loader
    /// skipped the preload): it was killed.
    #[error("the jailed program started without acknowledging its jail (the dynamic loader skipped the preload library {}): it was killed; fix the preload path (--preload-library / minijail_set_preload_path) or use no-preload mode (-T static)", .preload.display())]
    FailOpen {
        /// The preload path the loader was given.
        preload: PathBuf,
        /// The program's status once killed.
        status: i32,
    },
    /// The preload could not apply the jail and ended the program (252).
    #[error("the preload library could not apply the jail (exit status {0}); the line before this one says why")]
    PreloadFailed(i32),
}

/// Settings that cannot go together, or that this launch cannot apply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Conflict {
    /// Preload mode asked for in fork mode, which never execs.
    #[error("fork mode returns in the child without execve, so nothing can be preloaded: the jail is applied in the child; do not ask for preload mode")]
    PreloadInForkMode,
    /// Hooks with stage 2 delivered by the preload.
    #[error("hooks run in the jailed child before execve, so they need the jail applied there: use no-preload mode (minijail_run_no_preload, -T static) or fork mode")]
    HooksNeedNoPreload,
    /// A namespace both created and joined.
    #[error("both a new {} namespace and joining the one at '{}' were asked: pick one", .namespace.proc_name(), .path.display())]
    NewAndJoined {
        /// The namespace.
        namespace: Namespace,
        /// The one to join.
        path: PathBuf,
    },
    /// Two namespaces of one kind to join.
    #[error("more than one {} namespace to join was given: pick one", .0.proc_name())]
    JoinedTwice(Namespace),
    /// A hostname for a joined UTS namespace.
    #[error("a hostname needs a new UTS namespace, but an existing one is joined: setting it there would change that namespace for everyone in it")]
    HostnameInJoinedUts,
    /// Run-as-init in a joined pid namespace.
    #[error("run-as-init needs a new pid namespace, but an existing one is joined")]
    RunAsInitInJoinedPid,
    /// A new time namespace and run-as-init.
    #[error(
        "a new time namespace applies to children only, so it cannot be combined with run-as-init"
    )]
    TimeNamespaceWithRunAsInit,
    /// A new pid namespace without a new session: its init could not be
    /// a session leader, as upstream requires ("cannot skip setsid()").
    #[error("a new pid namespace needs a new session (upstream: cannot skip setsid() with PID namespace): drop --no-new-sessions (minijail_set_enable_new_sessions(j, true)) or the pid namespace (-p)")]
    PidNamespaceNeedsNewSession,
    /// A seccomp filter without no_new_privs or CAP_SYS_ADMIN.
    #[error("a seccomp filter without no_new_privs needs CAP_SYS_ADMIN, which this process does not have: set no_new_privs (minijail0 -n, minijail_no_new_privs)")]
    FilterNeedsPrivilege,
    /// Both chroot and pivot_root.
    #[error("chroot (-C) and pivot_root (-P) cannot both be used: pick one")]
    ChrootAndPivotRoot,
    /// The user's groups asked for without a user name.
    #[error("inheriting the user's supplementary groups (-G) needs a user name (-u NAME)")]
    InheritGroupsNeedsUser,
    /// Keeping the caller's groups and adding one.
    #[error("keeping the caller's supplementary groups (-y) cannot be combined with adding one (--add-suppl-group)")]
    KeepGroupsWithAdded,
    /// More than one of keeping, inheriting and setting the supplementary
    /// groups, which upstream refuses too.
    #[error("only one of keeping (-y, minijail_keep_supplementary_gids), inheriting (-G, minijail_inherit_usergroups) or setting (--add-suppl-group, minijail_set_supplementary_gids) the supplementary groups can be asked: pick one")]
    SupplementaryGroupsModes,
    /// A per-subtree remount without a new mount namespace.
    #[error("remount {} needs a new mount namespace (Namespace::Mount, minijail_namespace_vfs)", .0.display())]
    RemountNeedsMountNamespace(PathBuf),
    /// A per-subtree remount of a relative path.
    #[error("remount {}: the path must be absolute", .0.display())]
    RemountNotAbsolute(PathBuf),
    /// A pty in fork mode, which launches nothing to relay for.
    #[error("a pty needs a launched program to relay for (spawn/run, minijail_run*), not fork")]
    PtyInForkMode,
    /// A pty with the program's std streams redirected.
    #[error("with a pty the program's stdin, stdout and stderr are the pty: leave them inherited (no pipes, no /dev/null)")]
    PtyWithRedirectedStdio,
    /// Landlock rules on a kernel without Landlock, not best effort.
    #[error("Landlock rules were given but this kernel has no Landlock ({}); pass best-effort to run without it", std::io::Error::from_raw_os_error(*.0))]
    NoLandlock(i32),
}

/// What is wrong with a preserved fd mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FdProblem {
    /// A negative fd number.
    #[error("fd numbers must not be negative")]
    Negative,
    /// The launcher's fd is not open.
    #[error("the launcher's fd is not open")]
    NotOpen,
    /// Two mappings onto one number.
    #[error("the target fd is the target of more than one mapping")]
    TargetTwice,
    /// The caller's terminal, with a pty that must keep it from the program.
    #[error("the fd is a terminal, and with a pty the caller's terminal must not reach the program; do not preserve it")]
    TerminalWithPty,
}

impl FdProblem {
    /// The problem in words naming the fd.
    fn describe(self, parent: i32, child: i32) -> String {
        match self {
            FdProblem::Negative => self.to_string(),
            FdProblem::NotOpen => format!("fd {parent} is not open in the launcher"),
            FdProblem::TargetTwice => format!("fd {child} is the target of more than one mapping"),
            FdProblem::TerminalWithPty => format!(
                "fd {parent} is a terminal, and with a pty the caller's terminal must not reach the program; do not preserve it"
            ),
        }
    }
}

/// How the child broke the launch protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Protocol {
    /// The status pipe held neither the setup byte nor a whole record.
    #[error("a malformed status report (neither the setup-done byte nor a whole failure record)")]
    MalformedReport,
    /// A record of the right length naming no known step.
    #[error("a status record naming no known step")]
    UnknownStep,
}

impl LaunchError {
    pub(crate) fn os(what: impl Into<String>, errno: i32) -> LaunchError {
        LaunchError::Os {
            what: what.into(),
            source: std::io::Error::from_raw_os_error(errno),
        }
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

    /// The errno behind this failure, when there is one: a failed system
    /// call of the launcher or of a step in the child.
    pub fn errno(&self) -> Option<i32> {
        match self {
            LaunchError::Os { source, .. } | LaunchError::Refused { source, .. } => {
                source.raw_os_error()
            }
            LaunchError::Child { failure, .. } | LaunchError::Enter { failure, .. } => {
                Some(failure.errno)
            }
            LaunchError::LandlockPath { errno, .. } => errno.raw_os_error(),
            LaunchError::Program(crate::program::ProgramError::Read { source, .. }) => {
                source.raw_os_error()
            }
            LaunchError::Conflict(Conflict::NoLandlock(errno)) => Some(*errno),
            _ => None,
        }
    }

    /// The exit status minijail would report for this failure, so a CLI can
    /// exit with it (1 for errors found before fork).
    pub fn exit_status(&self) -> i32 {
        match self {
            LaunchError::Child { status, .. } | LaunchError::ChildDied(status) => *status,
            LaunchError::FailOpen { .. } => crate::status::PRELOAD_FAILED,
            LaunchError::PreloadFailed(status) => *status,
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

/// The item a failed step was working on, in words for the error line:
/// which mount, rlimit, namespace, stage-2 sub-step or subtree.
pub(crate) fn describe_detail(jail: &Jail, f: &ChildFailure) -> String {
    let index = f.detail as usize;
    match f.step {
        ChildStep::Mount | ChildStep::MountDestination => jail
            .mounts
            .get(index)
            .map(|m| format!(" ({} on {})", m.source.display(), m.dest.display()))
            .unwrap_or_default(),
        ChildStep::Rlimit => jail
            .rlimits
            .get(index)
            .map(|r| {
                format!(
                    " ({} = {} {})",
                    crate::rlimit::name(r.resource),
                    r.cur,
                    r.max
                )
            })
            .unwrap_or_default(),
        ChildStep::JoinNamespace => jail
            .join_ns
            .get(index)
            .map(|(_, p)| format!(" ({})", p.display()))
            .unwrap_or_default(),
        ChildStep::Stage2 => format!(" (step {})", f.detail),
        ChildStep::JoinCgroup => " (its cgroup.procs)".to_owned(),
        ChildStep::Unshare => format!(
            " (unshare({}))",
            crate::doctor::cause::flag_names(crate::doctor::cause::unshared_flags(jail))
        ),
        ChildStep::Propagation => match index.checked_sub(1) {
            None => " (/)".to_owned(),
            Some(i) => jail
                .remounts
                .get(i)
                .map(|(path, _)| format!(" ({})", path.display()))
                .unwrap_or_default(),
        },
        _ => String::new(),
    }
}
