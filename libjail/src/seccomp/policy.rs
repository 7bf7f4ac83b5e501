//! The parsed form of a policy, resolved for one architecture, and its direct
//! evaluation (the reference semantics the compiled BPF must match).

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use super::tables::{Arch, X32_SYSCALL_BIT};

/// Kernel return values (`SECCOMP_RET_*`).
pub mod ret {
    /// Kill the whole process.
    pub const KILL_PROCESS: u32 = 0x8000_0000;
    /// Kill the calling thread.
    pub const KILL_THREAD: u32 = 0x0000_0000;
    /// Send SIGSYS.
    pub const TRAP: u32 = 0x0003_0000;
    /// Fail with the errno in the low 16 bits.
    pub const ERRNO: u32 = 0x0005_0000;
    /// Ask the user-space notifier.
    pub const USER_NOTIF: u32 = 0x7fc0_0000;
    /// Notify a ptrace tracer.
    pub const TRACE: u32 = 0x7ff0_0000;
    /// Allow after logging.
    pub const LOG: u32 = 0x7ffc_0000;
    /// Allow.
    pub const ALLOW: u32 = 0x7fff_0000;
    /// The action bits.
    pub const ACTION_FULL: u32 = 0xffff_0000;
    /// The data bits.
    pub const DATA: u32 = 0x0000_ffff;
}

/// What the kernel does with a syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Let it run.
    Allow,
    /// Fail it with this errno.
    Errno(u16),
    /// Kill the calling thread (`SECCOMP_RET_KILL_THREAD`, upstream's `kill`).
    KillThread,
    /// Kill the whole process.
    KillProcess,
    /// Send SIGSYS to the thread.
    Trap,
    /// Notify a ptrace tracer, with this data.
    Trace(u16),
    /// Allow and log it.
    Log,
    /// Hand it to a user-space notifier.
    UserNotify,
}

impl Action {
    /// The value a BPF program returns for this action.
    pub fn to_ret(self) -> u32 {
        match self {
            Action::Allow => ret::ALLOW,
            Action::Errno(e) => ret::ERRNO | u32::from(e),
            Action::KillThread => ret::KILL_THREAD,
            Action::KillProcess => ret::KILL_PROCESS,
            Action::Trap => ret::TRAP,
            Action::Trace(d) => ret::TRACE | u32::from(d),
            Action::Log => ret::LOG,
            Action::UserNotify => ret::USER_NOTIF,
        }
    }

    /// The action a BPF return value stands for, if it is one we emit.
    pub fn from_ret(v: u32) -> Option<Action> {
        let data = (v & ret::DATA) as u16;
        Some(match v & ret::ACTION_FULL {
            ret::ALLOW if data == 0 => Action::Allow,
            ret::ERRNO => Action::Errno(data),
            ret::KILL_THREAD if data == 0 => Action::KillThread,
            ret::KILL_PROCESS if data == 0 => Action::KillProcess,
            ret::TRAP if data == 0 => Action::Trap,
            ret::TRACE => Action::Trace(data),
            ret::LOG if data == 0 => Action::Log,
            ret::USER_NOTIF if data == 0 => Action::UserNotify,
            _ => return None,
        })
    }

    /// Whether the syscall runs.
    pub fn allows(self) -> bool {
        matches!(self, Action::Allow | Action::Log)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Allow => f.write_str("allow"),
            Action::Errno(e) => write!(f, "return {e}"),
            Action::KillThread => f.write_str("kill-thread"),
            Action::KillProcess => f.write_str("kill-process"),
            Action::Trap => f.write_str("trap"),
            Action::Trace(0) => f.write_str("trace"),
            Action::Trace(d) => write!(f, "trace {d}"),
            Action::Log => f.write_str("log"),
            Action::UserNotify => f.write_str("user-notify"),
        }
    }
}

/// An action name that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown action `{0}`: expected allow, kill, kill-thread, kill-process, trap, log, \
     user-notify, trace [N] or return <errno>"
)]
pub struct ActionParseError(pub String);

impl std::str::FromStr for Action {
    type Err = ActionParseError;

    /// The policy language's spelling (`kill` is kill-thread), plus
    /// `return N`/`errno N` with a number or an errno name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ActionParseError(s.to_string());
        let words: Vec<&str> = s
            .split(|c: char| c.is_whitespace() || c == ':' || c == '=')
            .filter(|w| !w.is_empty())
            .collect();
        let num = |w: &str| -> Option<u16> {
            super::tables::parse_number(w)
                .or_else(|| super::tables::constant(Arch::X86_64, w))
                .and_then(|v| u16::try_from(v).ok())
        };
        Ok(match words.as_slice() {
            ["allow"] | ["1"] => Action::Allow,
            ["kill"] | ["kill-thread"] => Action::KillThread,
            ["kill-process"] => Action::KillProcess,
            ["trap"] => Action::Trap,
            ["log"] => Action::Log,
            ["user-notify"] => Action::UserNotify,
            ["trace"] => Action::Trace(0),
            ["trace", n] => Action::Trace(num(n).ok_or_else(err)?),
            ["return" | "errno", e] => Action::Errno(num(e).ok_or_else(err)?),
            _ => return Err(err()),
        })
    }
}

/// The input of a seccomp filter (`struct seccomp_data`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeccompData {
    /// Syscall number.
    pub nr: i32,
    /// `AUDIT_ARCH_*` of the calling convention.
    pub arch: u32,
    /// Instruction pointer.
    pub instruction_pointer: u64,
    /// The six arguments.
    pub args: [u64; 6],
}

impl SeccompData {
    /// Size of `struct seccomp_data` in bytes.
    pub const SIZE: usize = 64;

    /// The data for syscall `nr` on `arch` with `args`.
    pub fn new(arch: Arch, nr: i64, args: [u64; 6]) -> Self {
        SeccompData {
            nr: nr as i32,
            arch: arch.audit_arch(),
            instruction_pointer: 0,
            args,
        }
    }

    /// The 32-bit word at byte `offset` as the kernel lays the struct out on
    /// a little-endian machine (all supported architectures are).
    pub fn word(&self, offset: u32) -> Option<u32> {
        if offset & 3 != 0 {
            return None;
        }
        let v = match offset {
            0 => self.nr as u32,
            4 => self.arch,
            8 => self.instruction_pointer as u32,
            12 => (self.instruction_pointer >> 32) as u32,
            16..=63 => {
                let a = self.args[((offset - 16) / 8) as usize];
                if offset & 7 == 0 {
                    a as u32
                } else {
                    (a >> 32) as u32
                }
            }
            _ => return None,
        };
        Some(v)
    }
}

/// A comparison operator of an argument filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `&`: any of the bits set.
    AnyBits,
    /// `in`: no bit outside the mask set.
    In,
}

impl Op {
    /// The policy-language spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::AnyBits => "&",
            Op::In => "in",
        }
    }

    /// Apply the comparison.
    pub fn holds(self, arg: u64, value: u64) -> bool {
        match self {
            Op::Eq => arg == value,
            Op::Ne => arg != value,
            Op::Lt => arg < value,
            Op::Le => arg <= value,
            Op::Gt => arg > value,
            Op::Ge => arg >= value,
            Op::AnyBits => arg & value != 0,
            Op::In => arg & !value == 0,
        }
    }
}

/// `argN op value`, with the value already resolved and truncated to the
/// argument width.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Atom {
    /// Argument index, 0 to 5.
    pub arg: u8,
    /// Comparison.
    pub op: Op,
    /// Constant.
    pub value: u64,
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "arg{} {} {:#x}", self.arg, self.op.as_str(), self.value)
    }
}

/// Where a rule was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The policy file.
    pub file: Arc<Path>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// The statement's text (continuation lines joined).
    pub text: Arc<str>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: `{}`",
            self.file.display(),
            self.line,
            self.column,
            self.text
        )
    }
}

/// One filter of a syscall: an optional condition in disjunctive normal form
/// (an OR of ANDs of atoms) and the action taken when it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    /// `None`: unconditional.
    pub expr: Option<Vec<Vec<Atom>>>,
    /// What happens when the condition holds.
    pub action: Action,
    /// Where it was written; `None` for the default action appended by the
    /// parser.
    pub origin: Option<Origin>,
}

impl Filter {
    /// Whether the condition holds for `args` (masked to the argument width).
    pub fn matches(&self, args: &[u64; 6], mask: u64) -> bool {
        match &self.expr {
            None => true,
            Some(dnf) => dnf.iter().any(|clause| {
                clause
                    .iter()
                    .all(|a| a.op.holds(args[a.arg as usize] & mask, a.value))
            }),
        }
    }
}

/// The filters of one syscall, evaluated in order; the last is unconditional.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Syscall name.
    pub name: String,
    /// Syscall number on the policy's architecture.
    pub nr: i64,
    /// Relative call frequency (from `@frequency`, 1 when not given).
    pub frequency: u64,
    /// The filters.
    pub filters: Vec<Filter>,
}

/// A policy, resolved for one architecture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Its architecture.
    pub arch: Arch,
    /// The action for syscalls without a rule.
    pub default_action: Action,
    /// The action for a foreign architecture or the x32 ABI.
    pub bad_arch_action: Action,
    /// One rule per listed syscall, in the order first listed.
    pub rules: Vec<Rule>,
}

/// The outcome of evaluating a policy on one syscall.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision<'a> {
    /// The action.
    pub action: Action,
    /// Why.
    pub reason: Reason<'a>,
}

/// Which part of the policy decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason<'a> {
    /// The architecture is not the policy's (or the x32 ABI was used).
    BadArch,
    /// No rule for this syscall: the default action.
    NotListed,
    /// This filter of this rule matched.
    Filter(&'a Rule, &'a Filter),
}

impl fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::BadArch => f.write_str("foreign architecture or x32 syscall"),
            Reason::NotListed => f.write_str("syscall not listed in the policy: default action"),
            Reason::Filter(rule, filter) => match &filter.origin {
                Some(o) => write!(f, "rule for `{}` at {o}", rule.name),
                None => write!(
                    f,
                    "no filter of the rule for `{}` matched: default action",
                    rule.name
                ),
            },
        }
    }
}

impl Policy {
    /// The rule for syscall `nr`.
    pub fn rule(&self, nr: i64) -> Option<&Rule> {
        self.rules.iter().find(|r| r.nr == nr)
    }

    /// Evaluate the policy directly on `data`.
    pub fn evaluate(&self, data: &SeccompData) -> Decision<'_> {
        let bad = Decision {
            action: self.bad_arch_action,
            reason: Reason::BadArch,
        };
        if data.arch != self.arch.audit_arch() {
            return bad;
        }
        let nr = data.nr as u32;
        if self.arch == Arch::X86_64 && nr >= X32_SYSCALL_BIT {
            return bad;
        }
        let Some(rule) = self.rule(i64::from(nr)) else {
            return Decision {
                action: self.default_action,
                reason: Reason::NotListed,
            };
        };
        let mask = self.arch.max_unsigned();
        for filter in &rule.filters {
            if filter.matches(&data.args, mask) {
                return Decision {
                    action: filter.action,
                    reason: Reason::Filter(rule, filter),
                };
            }
        }
        // The parser always ends a rule with an unconditional filter.
        Decision {
            action: self.default_action,
            reason: Reason::NotListed,
        }
    }
}
