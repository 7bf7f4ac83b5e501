//! Why a policy decides what it does about one syscall, in a user's words:
//! the call with its arguments decoded (`ioctl(3, TCGETS)`), the rule that
//! decided and where it is written, and a policy line that would allow it.
//!
//! [`explain`] is the one place that decides which rule applies: the kill
//! explanation of a jailed program and `jail policy check` both call it, so
//! they always name the same rule for the same call. The argument rules
//! (which arguments matter for which syscall, and how they are named) are
//! also what policy recording writes filters on.

use std::fmt;
use std::path::PathBuf;

use super::policy::{Action, Origin, Policy, Reason, SeccompData};
use super::tables::{self, Arch};

/// How one argument is shown and filtered on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// A file descriptor, in decimal.
    Fd,
    /// One value named by a constant with one of these prefixes (`ioctl`'s
    /// request, `socket`'s family, `prctl`'s option). Filtered with `==`.
    Named(&'static [&'static str]),
    /// Bits named by constants with one of these prefixes. Filtered with
    /// `in` (a mask of every bit seen).
    Flags(&'static [&'static str]),
}

/// The arguments that matter for `syscall`: (index, kind). The first
/// `Named` or `Flags` one is what a filter constrains.
pub fn arg_kinds(syscall: &str) -> &'static [(usize, ArgKind)] {
    use ArgKind::*;
    const IOCTL: &[&str] = &[""];
    match syscall {
        "ioctl" => &[(0, Fd), (1, Named(IOCTL))],
        "socket" | "socketpair" => &[(0, Named(&["AF_"])), (1, Flags(&["SOCK_"]))],
        "mmap" | "mmap2" => &[(2, Flags(&["PROT_"])), (3, Flags(&["MAP_"]))],
        "mprotect" | "pkey_mprotect" => &[(2, Flags(&["PROT_"]))],
        "prctl" => &[(0, Named(&["PR_"]))],
        "fcntl" | "fcntl64" => &[(0, Fd), (1, Named(&["F_"]))],
        "clone" => &[(0, Flags(&["CLONE_", "CSIGNAL"]))],
        "openat" => &[(0, Fd), (2, Flags(&["O_"]))],
        "open" => &[(1, Flags(&["O_"]))],
        _ => &[],
    }
}

/// Prefixes that never name an ioctl request.
const NOT_IOCTL: &[&str] = &[
    "AF_", "PF_", "SOCK_", "PROT_", "MAP_", "PR_", "F_", "CLONE_", "O_", "E", "SIG", "S_", "AT_",
    "MS_", "MNT_", "SOL_", "SO_", "IP", "MSG_", "POLL", "SECCOMP", "CAP_", "RLIMIT_", "FUTEX_",
    "MADV_", "SEEK_", "CLOCK_", "SA_", "FD_", "LOCK_", "NETLINK_", "ARCH_", "X_OK", "R_OK", "W_OK",
    "MREMAP_", "GRND_", "P_", "W",
];

fn has_prefix(name: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| name.starts_with(p))
}

/// The constant named for `value` among names with one of `prefixes`
/// (`[""]`: an ioctl request, any name outside the other families).
pub fn name_of(arch: Arch, value: u64, prefixes: &[&str]) -> Option<&'static str> {
    let ioctl = prefixes == [""];
    tables::constant_names(arch)
        .filter(|n| {
            if ioctl {
                !has_prefix(n, NOT_IOCTL)
            } else {
                has_prefix(n, prefixes)
            }
        })
        .filter(|n| tables::constant(arch, n).map(|v| arch.truncate(v.into())) == Some(value))
        // Not an alias, then the shortest, then the first alphabetically.
        .min_by_key(|n| (ALIASES.contains(n), n.len(), *n))
}

/// Aliases shown only when nothing else names the value (AF_NETLINK
/// over AF_ROUTE, FIONREAD over TIOCINQ and SIOCINQ).
const ALIASES: &[&str] = &[
    "AF_ROUTE", "AF_FILE", "AF_LOCAL", "TIOCINQ", "SIOCINQ", "SIOCOUTQ", "PF_ROUTE", "PF_FILE",
    "PF_LOCAL", "O_NDELAY", "O_FSYNC", "O_RSYNC",
];

/// `value` as `A|B|0x..` from single-bit constants with one of `prefixes`.
pub fn flag_names(arch: Arch, value: u64, prefixes: &[&str]) -> String {
    let mut rest = value;
    let mut parts: Vec<String> = Vec::new();
    // O_ access modes and SOCK_ types are numbers in the low bits, not flags.
    if prefixes.contains(&"O_") {
        let mode = ["O_RDONLY", "O_WRONLY", "O_RDWR"].get((value & 3) as usize);
        if let Some(m) = mode {
            parts.push((*m).to_owned());
            rest &= !3;
        }
    }
    if prefixes.contains(&"SOCK_") {
        if let Some(t) = name_of(arch, value & 0xf, &["SOCK_"]) {
            parts.push(t.to_owned());
            rest &= !0xf;
        }
    }
    let mut bits: Vec<(&str, u64)> = tables::constant_names(arch)
        .filter(|n| has_prefix(n, prefixes))
        .filter_map(|n| Some((n, arch.truncate(tables::constant(arch, n)?.into()))))
        .filter(|(_, v)| v.is_power_of_two())
        .collect();
    bits.sort_by_key(|(n, v)| (*v, ALIASES.contains(n), n.len(), *n));
    bits.dedup_by_key(|(_, v)| *v);
    for (name, bit) in bits {
        if rest & bit != 0 {
            parts.push(name.to_owned());
            rest &= !bit;
        }
    }
    if rest != 0 || parts.is_empty() {
        parts.push(format!("{rest:#x}"));
    }
    parts.join("|")
}

/// One argument as a user reads it.
pub fn show_arg(arch: Arch, value: u64, kind: ArgKind) -> String {
    match kind {
        ArgKind::Fd => (value as i32).to_string(),
        ArgKind::Named(prefixes) => name_of(arch, value, prefixes)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{value:#x}")),
        ArgKind::Flags(prefixes) => flag_names(arch, value, prefixes),
    }
}

/// `name(arg, ..., arg)` with the arguments that matter decoded and the
/// others shown as `...`.
pub fn show_call(arch: Arch, name: &str, args: &[u64; 6]) -> String {
    let kinds = arg_kinds(name);
    let Some(last) = kinds.iter().map(|(i, _)| *i).max() else {
        return format!("{name}(...)");
    };
    let mut parts: Vec<String> = Vec::new();
    for (i, value) in args.iter().enumerate().take(last + 1) {
        match kinds.iter().find(|(k, _)| *k == i) {
            Some((_, kind)) => parts.push(show_arg(arch, *value, *kind)),
            None if parts.last().map(String::as_str) != Some("...") => parts.push("...".into()),
            None => {}
        }
    }
    parts.push("...".into());
    format!("{name}({})", parts.join(", "))
}

/// The architecture of an `AUDIT_ARCH_*` value.
pub fn arch_of_audit(audit: u32) -> Option<Arch> {
    [Arch::X86_64, Arch::Aarch64, Arch::I386]
        .into_iter()
        .find(|a| a.audit_arch() == audit)
}

/// Which part of the policy decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecidedBy {
    /// No rule for the syscall: the default action of this policy file.
    NotListed {
        /// The policy file, when known.
        policy: Option<PathBuf>,
    },
    /// This line of the policy.
    Rule(Origin),
    /// The syscall has a rule, but no filter of it matched these arguments.
    NoFilterMatched {
        /// Where the syscall's rule is, when known.
        rule: Option<Origin>,
    },
    /// Another architecture (or the x32 ABI) than the policy's.
    ForeignArch,
    /// A compiled program without its policy text (`--seccomp-bpf-binary`).
    ProgramOnly,
}

impl fmt::Display for DecidedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecidedBy::NotListed { policy: Some(p) } => {
                write!(f, "not listed in {}: default action", p.display())
            }
            DecidedBy::NotListed { policy: None } => {
                f.write_str("not listed in the policy: default action")
            }
            DecidedBy::Rule(o) => write!(f, "{}:{}: `{}`", o.file.display(), o.line, o.text),
            DecidedBy::NoFilterMatched { rule: Some(o) } => write!(
                f,
                "{}:{}: `{}` does not match these arguments: default action",
                o.file.display(),
                o.line,
                o.text
            ),
            DecidedBy::NoFilterMatched { rule: None } => {
                f.write_str("no filter of its rule matches these arguments: default action")
            }
            DecidedBy::ForeignArch => f.write_str("foreign architecture or x32 syscall"),
            DecidedBy::ProgramOnly => f.write_str("the compiled BPF program (no policy text)"),
        }
    }
}

/// Everything said about one syscall and a policy's decision on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// The calling convention's architecture, if it is one we know.
    pub arch: Option<Arch>,
    /// The `AUDIT_ARCH_*` value.
    pub audit_arch: u32,
    /// Syscall number.
    pub nr: i64,
    /// Syscall name, if known.
    pub name: Option<&'static str>,
    /// The raw arguments.
    pub args: [u64; 6],
    /// The call as a user reads it: `ioctl(3, TCGETS, ...)`.
    pub call: String,
    /// What the policy does with it (`None` without a policy).
    pub action: Option<Action>,
    /// Which rule decided.
    pub decided_by: DecidedBy,
    /// A policy line that would allow the call.
    pub suggestion: Option<String>,
}

impl Explanation {
    /// The call, its number and architecture: `ioctl(3, TCGETS, ...) (syscall 16 on x86_64)`.
    pub fn call_line(&self) -> String {
        let arch = self.arch.map_or_else(
            || format!("audit arch {:#x}", self.audit_arch),
            |a| a.to_string(),
        );
        format!("{} (syscall {} on {arch})", self.call, self.nr)
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.call_line(), self.decided_by)?;
        if let Some(s) = &self.suggestion {
            write!(f, "; to allow it, add `{s}`")?;
        }
        Ok(())
    }
}

/// The filter a policy line needs to allow `args` of `name`: `arg1 ==
/// TCGETS`, or None when the syscall's arguments are not filtered on.
pub fn key_filter(arch: Arch, name: &str, args: &[u64; 6]) -> Option<String> {
    let (i, kind) = arg_kinds(name)
        .iter()
        .find(|(_, k)| matches!(k, ArgKind::Named(_)))?;
    Some(format!("arg{i} == {}", show_arg(arch, args[*i], *kind)))
}

fn suggestion(arch: Arch, name: &str, args: &[u64; 6], existing: Option<&Origin>) -> String {
    let key = key_filter(arch, name, args);
    let existing_expr = existing.and_then(|o| {
        let (_, expr) = o.text.split_once(':')?;
        let expr = expr.trim();
        (!expr.contains(';') && !expr.is_empty() && expr != "1").then(|| expr.to_owned())
    });
    match (key, existing_expr) {
        (Some(k), Some(e)) => format!("{name}: {e} || {k}"),
        (Some(k), None) => format!("{name}: {k}"),
        (None, _) => format!("{name}: 1"),
    }
}

/// Explain what `policy` does with `data`: the one function that picks the
/// deciding rule (through [`Policy::evaluate`]).
pub fn explain(policy: &Policy, data: &SeccompData) -> Explanation {
    let decision = policy.evaluate(data);
    let mut e = describe(data);
    e.action = Some(decision.action);
    let first_origin = |rule: &super::Rule| rule.filters.iter().find_map(|f| f.origin.clone());
    e.decided_by = match decision.reason {
        Reason::BadArch => DecidedBy::ForeignArch,
        Reason::NotListed => match policy.rule(data.nr.into()) {
            Some(rule) => DecidedBy::NoFilterMatched {
                rule: first_origin(rule),
            },
            None => DecidedBy::NotListed {
                policy: policy_file(policy),
            },
        },
        Reason::Filter(rule, filter) => match &filter.origin {
            Some(o) => DecidedBy::Rule(o.clone()),
            None => DecidedBy::NoFilterMatched {
                rule: first_origin(rule),
            },
        },
    };
    if decision.action.allows() {
        e.suggestion = None;
    } else if let (Some(name), false) = (e.name, e.decided_by == DecidedBy::ForeignArch) {
        let existing = match &e.decided_by {
            DecidedBy::NoFilterMatched { rule } => rule.as_ref(),
            _ => None,
        };
        e.suggestion = Some(suggestion(policy.arch, name, &data.args, existing));
    }
    e
}

/// The call alone, when no policy text is at hand.
pub fn describe(data: &SeccompData) -> Explanation {
    let arch = arch_of_audit(data.arch);
    let nr = i64::from(data.nr);
    let name = arch.and_then(|a| tables::syscall_name(a, nr));
    let call = match (arch, name) {
        (Some(a), Some(n)) => show_call(a, n, &data.args),
        _ => format!("syscall {nr}(...)"),
    };
    let suggestion = name.map(|n| match arch.and_then(|a| key_filter(a, n, &data.args)) {
        Some(k) => format!("{n}: {k}"),
        None => format!("{n}: 1"),
    });
    Explanation {
        arch,
        audit_arch: data.arch,
        nr,
        name,
        args: data.args,
        call,
        action: None,
        decided_by: DecidedBy::ProgramOnly,
        suggestion,
    }
}

/// The top-level file of a policy: where its first rule was written.
fn policy_file(policy: &Policy) -> Option<PathBuf> {
    policy
        .rules
        .iter()
        .flat_map(|r| r.filters.iter())
        .find_map(|f| f.origin.as_ref())
        .map(|o| o.file.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seccomp::{parse_str, CompileOptions};

    fn policy(text: &str) -> Policy {
        parse_str(text, "t.policy", &CompileOptions::new(Arch::X86_64)).unwrap()
    }

    fn data(name: &str, args: [u64; 6]) -> SeccompData {
        SeccompData::new(
            Arch::X86_64,
            tables::syscall_number(Arch::X86_64, name).unwrap(),
            args,
        )
    }

    #[test]
    fn an_unlisted_ioctl_is_named_and_a_line_suggested() {
        let p = policy("read: 1\nioctl: arg1 == TCGETS\n");
        let e = explain(&p, &data("ioctl", [3, 0x541b, 0, 0, 0, 0]));
        assert_eq!(e.call, "ioctl(3, FIONREAD, ...)");
        assert_eq!(e.action, Some(Action::KillThread));
        assert!(
            matches!(&e.decided_by, DecidedBy::NoFilterMatched { rule: Some(o) } if o.line == 2),
            "{e}"
        );
        assert_eq!(
            e.suggestion.as_deref(),
            Some("ioctl: arg1 == TCGETS || arg1 == FIONREAD")
        );
        let e = explain(&p, &data("socket", [16, 3 | 0x80000, 0, 0, 0, 0]));
        assert_eq!(e.call, "socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, ...)");
        assert!(matches!(e.decided_by, DecidedBy::NotListed { .. }));
        assert_eq!(e.suggestion.as_deref(), Some("socket: arg0 == AF_NETLINK"));
    }

    #[test]
    fn flags_and_allowed_calls() {
        let p = policy("mmap: arg2 in ~PROT_EXEC\n");
        let e = explain(&p, &data("mmap", [0, 4096, 5, 2, 0, 0]));
        assert_eq!(e.call, "mmap(..., PROT_READ|PROT_EXEC, MAP_PRIVATE, ...)");
        assert_eq!(e.suggestion.as_deref(), Some("mmap: 1"));
        let e = explain(&p, &data("mmap", [0, 4096, 1, 2, 0, 0]));
        assert_eq!(e.action, Some(Action::Allow));
        assert!(matches!(&e.decided_by, DecidedBy::Rule(o) if o.line == 1));
        assert_eq!(e.suggestion, None);
        assert_eq!(
            show_call(
                Arch::X86_64,
                "openat",
                &[0xffff_ff9c, 0, 0o2000002, 0, 0, 0]
            ),
            "openat(-100, ..., O_RDWR|O_CLOEXEC, ...)"
        );
    }
}
