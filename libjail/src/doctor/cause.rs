//! Why the host refuses something, and what fixes it: one explanation per
//! cause, used by `jail doctor`'s lines and by launch errors alike.

use super::probe;
use crate::config::Namespace;

/// How one need stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// The host offers it.
    Ok,
    /// The host lacks it: a kernel feature, a privilege, a file.
    Missing,
    /// The host has it but a policy (sysctl, LSM, sandbox) holds it back.
    Restricted,
}

impl State {
    pub(crate) fn word(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Missing => "missing",
            State::Restricted => "restricted",
        }
    }
}

/// A host cause: how bad, why, and the fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cause {
    /// Missing (the host lacks it) or restricted (a policy holds it back).
    pub state: State,
    /// What on the host is in the way ("user.max_user_namespaces is 0").
    pub why: String,
    /// What to do about it, as a command or setting to change.
    pub fix: String,
}

/// A sensible limit to suggest when a namespace limit is 0.
const SUGGESTED_LIMIT: u32 = 10000;

const ADD_USERNS: &str = "run as root or add -U for a user namespace";

/// Every namespace kind, the user one first (it is made first).
pub const KINDS: [Namespace; 8] = [
    Namespace::User,
    Namespace::Mount,
    Namespace::Pid,
    Namespace::Ipc,
    Namespace::Uts,
    Namespace::Net,
    Namespace::Cgroup,
    Namespace::Time,
];

/// The CLONE_NEW* names of `flags`, joined with `|`.
pub fn flag_names(flags: libc::c_int) -> String {
    let names: Vec<&str> = KINDS
        .iter()
        .filter(|k| flags & k.clone_flag() != 0)
        .map(|k| flag_name(*k))
        .collect();
    names.join("|")
}

fn flag_name(kind: Namespace) -> &'static str {
    match kind {
        Namespace::Mount => "CLONE_NEWNS",
        Namespace::Pid => "CLONE_NEWPID",
        Namespace::Ipc => "CLONE_NEWIPC",
        Namespace::Uts => "CLONE_NEWUTS",
        Namespace::Net => "CLONE_NEWNET",
        Namespace::Cgroup => "CLONE_NEWCGROUP",
        Namespace::User => "CLONE_NEWUSER",
        Namespace::Time => "CLONE_NEWTIME",
    }
}

/// "mount", "pid", ... as a user says it.
pub fn kind_name(kind: Namespace) -> &'static str {
    match kind {
        Namespace::Mount => "mount",
        other => other.proc_name(),
    }
}

/// "a mount namespace", "mount and net namespaces".
fn kinds_phrase(kinds: &[Namespace]) -> String {
    let names: Vec<&str> = kinds.iter().map(|k| kind_name(*k)).collect();
    match names.as_slice() {
        [one] if one.starts_with('i') => format!("an {one} namespace"),
        [one] => format!("a {one} namespace"),
        [init @ .., last] => format!("{} and {last} namespaces", init.join(", ")),
        [] => "namespaces".to_owned(),
    }
}

/// The per-kind limit sysctl (user.max_*_namespaces).
fn limit_sysctl(kind: Namespace) -> String {
    format!("user.max_{}_namespaces", kind.proc_name())
}

fn limit_cause(kind: Namespace) -> Cause {
    let name = limit_sysctl(kind);
    let why = match probe::sysctl(&name) {
        Some(0) => format!("{name} is 0"),
        Some(n) => format!("the limit {name} ({n}) is reached"),
        None => format!("the limit {name} is reached"),
    };
    Cause {
        state: State::Missing,
        why,
        fix: format!("raise it as root: sysctl -w {name}={SUGGESTED_LIMIT}"),
    }
}

/// Why a user namespace could not be made (`errno` of clone/unshare).
pub fn user_namespace(errno: i32) -> Cause {
    if errno == libc::ENOSPC {
        return limit_cause(Namespace::User);
    }
    if errno == libc::EINVAL {
        return Cause {
            state: State::Missing,
            why: "this kernel has no user namespaces (CONFIG_USER_NS)".into(),
            fix: "use a kernel built with CONFIG_USER_NS, or run as root without -U".into(),
        };
    }
    if probe::sysctl("kernel.unprivileged_userns_clone") == Some(0) {
        return Cause {
            state: State::Missing,
            why: "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0)"
                .into(),
            fix: "as root: sysctl -w kernel.unprivileged_userns_clone=1; or run as root".into(),
        };
    }
    if probe::sysctl("kernel.apparmor_restrict_unprivileged_userns") == Some(1) {
        return apparmor();
    }
    Cause {
        state: State::Restricted,
        why: "this process may not create user namespaces (a seccomp filter, a chroot or a container's policy forbids it)".into(),
        fix: "run outside that sandbox, or as root without -U".into(),
    }
}

fn apparmor() -> Cause {
    Cause {
        state: State::Restricted,
        why: "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1): the new namespace gets no capabilities".into(),
        fix: "as root: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile with `userns,` for the launcher".into(),
    }
}

/// Why namespaces of `kinds` (not the user one) could not be made with
/// `errno`, by a caller that created a user namespace first or not.
pub fn namespaces(kinds: &[Namespace], in_userns: bool, errno: i32) -> Cause {
    match errno {
        libc::ENOSPC => {
            let full = kinds
                .iter()
                .copied()
                .find(|k| probe::sysctl(&limit_sysctl(*k)) == Some(0))
                .or(kinds.first().copied())
                .unwrap_or(Namespace::Mount);
            limit_cause(full)
        }
        libc::EINVAL => Cause {
            state: State::Missing,
            why: format!("this kernel cannot create {}", kinds_phrase(kinds)),
            fix: "use a kernel with these namespaces, or leave the options that ask for them out"
                .into(),
        },
        _ if in_userns => {
            if probe::sysctl("kernel.apparmor_restrict_unprivileged_userns") == Some(1) {
                apparmor()
            } else {
                Cause {
                    state: State::Restricted,
                    why: format!(
                        "creating {} is refused even inside a new user namespace",
                        kinds_phrase(kinds)
                    ),
                    fix: "run as root, outside any sandbox that forbids it".into(),
                }
            }
        }
        _ if probe::has_cap(probe::CAP_SYS_ADMIN) => Cause {
            state: State::Restricted,
            why: format!(
                "creating {} is refused although this process has CAP_SYS_ADMIN (a seccomp filter or a security module forbids it)",
                kinds_phrase(kinds)
            ),
            fix: "run outside that sandbox".into(),
        },
        _ => Cause {
            state: State::Missing,
            why: format!("creating {} needs CAP_SYS_ADMIN", kinds_phrase(kinds)),
            fix: ADD_USERNS.into(),
        },
    }
}

/// Why the clone of the jailed child with new-namespace `flags` failed.
pub fn clone_failure(flags: libc::c_int, errno: i32) -> Cause {
    if flags & libc::CLONE_NEWUSER != 0 {
        return user_namespace(errno);
    }
    namespaces(&kinds_of(flags), false, errno)
}

/// The namespace kinds of `flags`, user excluded.
pub fn kinds_of(flags: libc::c_int) -> Vec<Namespace> {
    KINDS[1..]
        .iter()
        .copied()
        .filter(|k| flags & k.clone_flag() != 0)
        .collect()
}

/// A missing new-root directory (`-P`, `-C`, minimalistic-mountns's
/// /var/empty).
pub fn missing_root(path: &std::path::Path) -> Cause {
    let fix = if path == std::path::Path::new(crate::config::DEFAULT_PIVOT_ROOT) {
        format!(
            "as root: mkdir -p {} (the minimalistic-mountns profile pivots to it; empty and root-owned)",
            path.display()
        )
    } else {
        format!(
            "create the new root first: mkdir -p {} (with what the program needs inside)",
            path.display()
        )
    };
    Cause {
        state: State::Missing,
        why: format!("{} is not an existing directory", path.display()),
        fix,
    }
}

/// The namespaces the child unshares: every new kind but user and pid,
/// which the clone makes.
pub(crate) fn unshared_flags(jail: &crate::config::Jail) -> libc::c_int {
    KINDS[1..]
        .iter()
        .copied()
        .filter(|k| *k != Namespace::Pid && jail.has_namespace(*k))
        .fold(0, |flags, k| flags | k.clone_flag())
}

/// The host cause of the child's failed unshare of `jail`'s namespaces,
/// as the end of its error line (": why; fix").
pub(crate) fn unshare_failure_hint(jail: &crate::config::Jail, errno: i32) -> String {
    let c = namespaces(
        &kinds_of(unshared_flags(jail)),
        jail.has_namespace(Namespace::User),
        errno,
    );
    format!(": {}; {} (see `jail doctor`)", c.why, c.fix)
}

/// The host cause of a failed clone with namespace `flags`, likewise.
pub(crate) fn clone_failure_hint(flags: libc::c_int, errno: i32) -> String {
    if flags == 0 {
        return String::new();
    }
    let c = clone_failure(flags, errno);
    format!(": {}; {} (see `jail doctor`)", c.why, c.fix)
}
