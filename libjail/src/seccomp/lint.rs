//! Rules that defeat the filter they are part of, in the spirit of
//! upstream's `seccomp_policy_lint`, but decided on the parsed policy
//! (what it does for a call), not on the spelling of its lines.

use std::fmt;

use super::policy::{Origin, Policy, Reason, SeccompData};
use super::tables;
use crate::log::Escaped;

/// A rule that weakens the filter, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The syscall the warning is about.
    pub syscall: &'static str,
    /// Where the rule that allows it is written; `None` when it is the
    /// policy's default action.
    pub origin: Option<Origin>,
    /// What the rule lets the program do, and what to write instead.
    pub message: &'static str,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            Some(o) => write!(f, "{}:{}: ", Escaped(&*o.file), o.line)?,
            None => f.write_str("default action: ")?,
        }
        write!(f, "{} {}", self.syscall, self.message)
    }
}

/// How the filter will be installed: in preload mode after the program's
/// own execve, which it then need not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Installed {
    /// By the preload library, after execve.
    AfterExec,
    /// Before execve (no-preload mode).
    BeforeExec,
}

const PROT_READ: u64 = 1;
const PROT_EXEC: u64 = 4;
const MAP_PRIVATE_ANONYMOUS: u64 = 0x22;

/// Where the policy lets syscall `name` run for `args`, if it does.
fn allows_with(policy: &Policy, name: &str, args: [u64; 6]) -> Option<Option<Origin>> {
    let nr = tables::syscall_number(policy.arch, name)?;
    let decision = policy.evaluate(&SeccompData::new(policy.arch, nr, args));
    decision.action.allows().then(|| match decision.reason {
        Reason::Filter(_, filter) => filter.origin.clone(),
        _ => None,
    })
}

/// Where the policy lets `name` run for some arguments, if it does: the
/// first filter that allows, or the default action for an unlisted call.
fn allows_some(policy: &Policy, name: &str) -> Option<Option<Origin>> {
    let nr = tables::syscall_number(policy.arch, name)?;
    match policy.rule(nr) {
        Some(rule) => rule
            .filters
            .iter()
            .find(|f| f.action.allows())
            .map(|f| f.origin.clone()),
        None => policy.default_action.allows().then_some(None),
    }
}

/// Where the policy lets `name` run whatever its arguments, if it does:
/// a rule with no condition that allows, or an unlisted call the default
/// action allows.
fn allows_all(policy: &Policy, name: &str) -> Option<Option<Origin>> {
    let nr = tables::syscall_number(policy.arch, name)?;
    match policy.rule(nr) {
        Some(rule) if rule.filters.iter().all(|f| f.expr.is_none()) => rule
            .filters
            .first()
            .filter(|f| f.action.allows())
            .map(|f| f.origin.clone()),
        Some(_) => None,
        None => policy.default_action.allows().then_some(None),
    }
}

/// Whether `name` has a rule that looks at its arguments.
fn argument_filtered(policy: &Policy, name: &str) -> bool {
    tables::syscall_number(policy.arch, name)
        .and_then(|nr| policy.rule(nr))
        .is_some_and(|rule| rule.filters.iter().any(|f| f.expr.is_some()))
}

/// The rules of `policy` that defeat it.
pub fn lint(policy: &Policy, installed: Installed) -> Vec<Warning> {
    let mut out = Vec::new();
    let mut warn =
        |syscall: &'static str, origin: Option<Option<Origin>>, message: &'static str| {
            if let Some(origin) = origin {
                out.push(Warning {
                    syscall,
                    origin,
                    message,
                });
            }
        };
    for name in ["io_uring_setup", "io_uring_enter", "io_uring_register"] {
        warn(
            name,
            allows_some(policy, name),
            "is allowed: io_uring runs its operations (open, read, write, connect, ...) in the kernel without passing them through the seccomp filter; deny io_uring_setup",
        );
    }
    if argument_filtered(policy, "clone") {
        warn(
            "clone3",
            allows_some(policy, "clone3"),
            "is allowed while clone is filtered by its arguments: clone3 takes its flags in memory, which a filter cannot read, so it undoes clone's filter; write `clone3: return ENOSYS` (the C library then falls back to clone)",
        );
    }
    warn(
        "ptrace",
        allows_some(policy, "ptrace"),
        "is allowed: the program can take over the processes it can reach, change their memory and registers and the calls they make",
    );
    warn(
        "process_vm_writev",
        allows_some(policy, "process_vm_writev"),
        "is allowed: the program can write into the memory of the processes it can reach",
    );
    if installed == Installed::AfterExec {
        for name in ["execve", "execveat"] {
            warn(
                name,
                allows_some(policy, name),
                "is allowed, though in preload mode the filter is installed after the program's own execve and need not allow it: this lets the program run any other program it can reach",
            );
        }
    }
    for name in ["mmap", "mmap2"] {
        let exec_mapping = [
            0,
            4096,
            PROT_READ | PROT_EXEC,
            MAP_PRIVATE_ANONYMOUS,
            u64::MAX,
            0,
        ];
        warn(
            name,
            allows_with(policy, name, exec_mapping),
            "allows PROT_EXEC: the program can map new executable code; write `arg2 in ~PROT_EXEC`",
        );
    }
    warn(
        "mprotect",
        allows_with(
            policy,
            "mprotect",
            [0, 4096, PROT_READ | PROT_EXEC, 0, 0, 0],
        ),
        "allows PROT_EXEC: the program can make its memory executable; write `arg2 in ~PROT_EXEC`",
    );
    warn(
        "prctl",
        allows_all(policy, "prctl"),
        "is allowed with any arguments: prctl changes the dumpable flag, the process name, speculation controls, the seccomp mode and more; allow only the options the program needs (`arg0 == PR_SET_NAME || ...`)",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seccomp::{parse_str, CompileOptions};
    use std::path::Path;

    fn warnings(text: &str, installed: Installed) -> Vec<String> {
        let policy = parse_str(
            text,
            Path::new("/p.policy"),
            &CompileOptions::new(tables::Arch::X86_64),
        )
        .unwrap();
        lint(&policy, installed)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn each_rule_that_defeats_the_filter_is_named_with_its_line() {
        let text = "read: 1\nio_uring_setup: 1\nclone: arg0 & CLONE_NEWUSER; return EPERM\nclone: 1\nclone3: 1\nptrace: 1\nprocess_vm_writev: 1\nexecve: 1\nmmap: 1\nmprotect: arg2 in ~PROT_EXEC\nprctl: 1\n";
        let w = warnings(text, Installed::AfterExec);
        let lines: Vec<&str> = w.iter().map(|l| l.split(' ').next().unwrap()).collect();
        assert_eq!(
            lines,
            [
                "/p.policy:2:",
                "/p.policy:5:",
                "/p.policy:6:",
                "/p.policy:7:",
                "/p.policy:8:",
                "/p.policy:9:",
                "/p.policy:11:"
            ],
            "{w:#?}"
        );
        assert!(
            w[0].contains("io_uring_setup is allowed: io_uring runs its operations"),
            "{w:#?}"
        );
        assert!(
            w[1].contains("clone3 is allowed while clone is filtered"),
            "{w:#?}"
        );
        // No-preload mode needs execve: no warning then.
        let w = warnings(text, Installed::BeforeExec);
        assert!(!w.iter().any(|l| l.contains("execve")), "{w:#?}");
    }

    #[test]
    fn filtered_rules_and_safe_policies_get_no_warning() {
        let text = "read: 1\nclone: 1\nclone3: 1\nmmap: arg2 in ~PROT_EXEC\nmprotect: arg2 in ~PROT_EXEC\nprctl: arg0 == PR_SET_NAME\nio_uring_setup: return ENOSYS\nexit_group: 1\n";
        assert_eq!(warnings(text, Installed::AfterExec), Vec::<String>::new());
    }

    #[test]
    fn a_denylist_default_allow_counts_as_allowing() {
        let text = "@denylist\nmount: return EPERM\n";
        let policy = crate::seccomp::parse_str(text, Path::new("/d.policy"), &{
            let mut o = CompileOptions::new(tables::Arch::X86_64);
            o.denylist = true;
            o
        })
        .unwrap();
        let w: Vec<String> = lint(&policy, Installed::AfterExec)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(w.iter().any(|l| l == &format!("default action: ptrace {}", "is allowed: the program can take over the processes it can reach, change their memory and registers and the calls they make")), "{w:#?}");
    }
}
