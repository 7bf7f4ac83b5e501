//! Seccomp: minijail's policy language compiled to classic BPF.
//!
//! - [`parser`] reads policy files (both upstream dialects) into a
//!   [`Policy`] resolved for one [`Arch`];
//! - [`compile`] turns a policy into a BPF program (arch check, a weighted
//!   search tree over syscall numbers, 64-bit argument comparisons);
//! - [`interp`] runs a program on a [`SeccompData`] and counts instructions;
//! - [`disasm`] prints a program with syscall names;
//! - [`install`] hands a program to the kernel through seccompiler.
//!
//! ```
//! use jail::seccomp::{compile_str, Arch, CompileOptions, SeccompData, Action};
//! let opts = CompileOptions::new(Arch::X86_64);
//! let prog = compile_str("read: 1\nwrite: arg0 == 1\n", "inline.policy", &opts).unwrap();
//! let data = SeccompData::new(Arch::X86_64, 1, [2, 0, 0, 0, 0, 0]);
//! assert_eq!(prog.run(&data).unwrap().0, Action::KillThread);
//! ```

pub mod compile;
mod constants_x86_64;
pub mod disasm;
pub mod explain;
pub mod generate;
pub mod interp;
pub mod lexer;
pub mod lint;
pub mod oracle;
pub mod parser;
pub mod policy;
#[doc(hidden)]
pub mod selfcheck;
pub mod strace;
pub mod tables;

use std::fmt;
use std::path::{Path, PathBuf};

pub use compile::{CompileError, BPF_MAXINSNS};
pub use interp::{InterpError, Verdict};
pub use parser::{FsLoader, Loader, ParseError, ParseOptions};
pub use policy::{
    Action, ActionParseError, Atom, Decision, Filter, Op, Origin, Policy, Reason, Rule, SeccompData,
};
pub use seccompiler::{sock_filter, BpfProgram};
pub use tables::{syscall_name, syscall_number, Arch, TableError};

/// Whether the kernel offers SECCOMP_RET_LOG.
pub fn ret_log_available() -> bool {
    std::fs::read_to_string("/proc/sys/kernel/seccomp/actions_avail")
        .map(|s| s.split_whitespace().any(|a| a == "log"))
        .unwrap_or(false)
}

/// How to compile a policy.
#[derive(Clone, Debug)]
pub struct CompileOptions {
    /// Target architecture (names and numbers resolve for it).
    pub arch: Arch,
    /// The action for syscalls the policy does not list and for argument
    /// filters that do not match. `None`: the policy's `@default`, else
    /// `Log` when `log_failures`, else `kill_action`.
    pub default_action: Option<Action>,
    /// What `kill` means, and the action for a foreign architecture or an
    /// x32 syscall. Upstream's default is kill-thread
    /// (`SECCOMP_RET_KILL_THREAD`); `--use-kill-process` picks kill-process.
    pub kill_action: Action,
    /// `(install prefix, folder)`: `@include /usr/share/policy/crosvm/x.policy`
    /// reads `folder/x.policy` when the prefix is `/usr/share/policy/crosvm`.
    pub include_prefixes: Vec<(PathBuf, PathBuf)>,
    /// minijail0 `-L`: unlisted syscalls are logged and allowed
    /// (`SECCOMP_RET_LOG`) unless `default_action` says otherwise (use
    /// `Some(Action::Trap)` on kernels without `SECCOMP_RET_LOG`, with a
    /// SIGSYS handler that reports [`syscall_name`]).
    pub log_failures: bool,
    /// How deep `@include`s may nest.
    pub include_depth_limit: usize,
    /// Compile an `@denylist` policy (unlisted syscalls allowed).
    pub denylist: bool,
    /// Read `expr; return N` as the C runtime parser does ("allow if expr,
    /// else fail with N") rather than as the Python compiler does ("if expr,
    /// fail with N").
    pub c_return_semantics: bool,
}

impl CompileOptions {
    /// Defaults for `arch`, as upstream's compiler: kill-thread, include depth
    /// 10, no prefix mapping.
    pub fn new(arch: Arch) -> Self {
        CompileOptions {
            arch,
            default_action: None,
            kill_action: Action::KillThread,
            include_prefixes: Vec::new(),
            log_failures: false,
            include_depth_limit: 10,
            denylist: false,
            c_return_semantics: false,
        }
    }

    /// What minijail's runtime (`minijail0 -S`, `minijail_parse_seccomp_filters`)
    /// compiles with: the C parser's reading of `expr; return N`, blocked
    /// syscalls kill the thread (the process with thread sync), and with
    /// `log_failures` unlisted syscalls are logged by the kernel, or trapped
    /// and reported by the preload's SIGSYS handler on a kernel without
    /// SECCOMP_RET_LOG.
    pub fn minijail_runtime(log_failures: bool, tsync: bool) -> Self {
        let mut opts = CompileOptions::new(Arch::try_native().unwrap_or(Arch::X86_64));
        opts.c_return_semantics = true;
        if tsync {
            opts.kill_action = Action::KillProcess;
        }
        if log_failures {
            opts.log_failures = true;
            if !ret_log_available() {
                opts.default_action = Some(Action::Trap);
            }
        }
        opts
    }

    /// Whether a blocked syscall traps (and so needs the SIGSYS reporter).
    pub fn traps_for_logging(&self) -> bool {
        self.log_failures && self.default_action == Some(Action::Trap)
    }

    /// The parser's view of these options.
    pub fn parse_options(&self) -> ParseOptions {
        let default_action = self.default_action.or(if self.log_failures {
            Some(Action::Log)
        } else {
            None
        });
        ParseOptions {
            arch: self.arch,
            kill_action: self.kill_action,
            default_action,
            include_prefixes: self.include_prefixes.clone(),
            include_depth_limit: self.include_depth_limit,
            denylist: self.denylist,
            c_return_semantics: self.c_return_semantics,
        }
    }
}

impl Default for CompileOptions {
    fn default() -> Self {
        Self::new(Arch::try_native().unwrap_or(Arch::X86_64))
    }
}

/// Any failure to turn a policy into a program.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The policy text (or an included file) is wrong.
    #[error(transparent)]
    Parse(#[from] Box<ParseError>),
    /// Code generation failed.
    #[error("{}: {error}", crate::log::Escaped(file))]
    Compile {
        /// The top-level policy file.
        file: PathBuf,
        /// What failed.
        error: CompileError,
    },
}

impl PolicyError {
    /// The source excerpt of a parse error (see [`ParseError::excerpt`]).
    pub fn excerpt(&self) -> Option<[String; 2]> {
        match self {
            PolicyError::Parse(e) => e.excerpt(),
            PolicyError::Compile { .. } => None,
        }
    }
}

/// A raw program could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProgramError {
    /// Not a whole number of 8-byte instructions.
    #[error(
        "a BPF program is a sequence of 8-byte instructions, but {0} bytes is not a multiple of 8"
    )]
    Length(usize),
    /// No instruction.
    #[error("the BPF program is empty")]
    Empty,
    /// Too long for the kernel.
    #[error(
        "the BPF program has {0} instructions, more than the kernel's limit of {BPF_MAXINSNS}"
    )]
    TooLong(usize),
}

/// A compiled seccomp program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    insns: Vec<sock_filter>,
}

impl Program {
    /// Wrap instructions.
    pub fn new(insns: Vec<sock_filter>) -> Self {
        Program { insns }
    }

    /// The instructions.
    pub fn instructions(&self) -> &[sock_filter] {
        &self.insns
    }

    /// Number of instructions.
    pub fn len(&self) -> usize {
        self.insns.len()
    }

    /// Whether there is no instruction.
    pub fn is_empty(&self) -> bool {
        self.insns.is_empty()
    }

    /// The raw `struct sock_filter` array in native byte order, as
    /// `minijail0 --seccomp-bpf-binary` reads it.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.insns.len() * 8);
        for i in &self.insns {
            out.extend_from_slice(&i.code.to_ne_bytes());
            out.push(i.jt);
            out.push(i.jf);
            out.extend_from_slice(&i.k.to_ne_bytes());
        }
        out
    }

    /// Read a raw `struct sock_filter` array in native byte order.
    pub fn from_bytes(bytes: &[u8]) -> Result<Program, ProgramError> {
        if bytes.len() & 7 != 0 {
            return Err(ProgramError::Length(bytes.len()));
        }
        if bytes.is_empty() {
            return Err(ProgramError::Empty);
        }
        if bytes.len() / 8 > BPF_MAXINSNS {
            return Err(ProgramError::TooLong(bytes.len() / 8));
        }
        let insns = bytes
            .chunks_exact(8)
            .map(|c| sock_filter {
                code: u16::from_ne_bytes([c[0], c[1]]),
                jt: c[2],
                jf: c[3],
                k: u32::from_ne_bytes([c[4], c[5], c[6], c[7]]),
            })
            .collect();
        Ok(Program { insns })
    }

    /// Run the program in the interpreter: the action (if the return value
    /// is one) and the verdict.
    pub fn run(&self, data: &SeccompData) -> Result<(Action, Verdict), InterpError> {
        let v = interp::run(&self.insns, data)?;
        Ok((Action::from_ret(v.ret).unwrap_or(Action::KillProcess), v))
    }

    /// A readable listing with syscall names of `arch`.
    pub fn listing(&self, arch: Arch) -> String {
        disasm::listing(&self.insns, arch)
    }
}

impl From<Program> for BpfProgram {
    fn from(p: Program) -> BpfProgram {
        p.insns
    }
}

/// Parse a policy file.
pub fn parse_file(path: impl AsRef<Path>, opts: &CompileOptions) -> Result<Policy, PolicyError> {
    Ok(parser::parse_file(
        path.as_ref(),
        &opts.parse_options(),
        &FsLoader,
    )?)
}

/// Parse policy text that was read from `origin` (includes resolve relative
/// to it).
pub fn parse_str(
    text: &str,
    origin: impl AsRef<Path>,
    opts: &CompileOptions,
) -> Result<Policy, PolicyError> {
    Ok(parser::parse(
        text,
        origin.as_ref(),
        &opts.parse_options(),
        &FsLoader,
    )?)
}

/// Compile a parsed policy; `file` names it in errors.
pub fn compile_policy(policy: &Policy, file: impl AsRef<Path>) -> Result<Program, PolicyError> {
    compile::compile(policy)
        .map(Program::new)
        .map_err(|error| PolicyError::Compile {
            file: file.as_ref().to_path_buf(),
            error,
        })
}

/// Compile a policy file.
pub fn compile_file(path: impl AsRef<Path>, opts: &CompileOptions) -> Result<Program, PolicyError> {
    let path = path.as_ref();
    compile_policy(&parse_file(path, opts)?, path)
}

/// Compile policy text that was read from `origin`.
pub fn compile_str(
    text: &str,
    origin: impl AsRef<Path>,
    opts: &CompileOptions,
) -> Result<Program, PolicyError> {
    let origin = origin.as_ref();
    compile_policy(&parse_str(text, origin, opts)?, origin)
}

/// The answer to "what does this policy do with this call?".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckReport {
    /// The action, by direct evaluation of the policy.
    pub action: Action,
    /// Which rule decided, and where it is written.
    pub rule: String,
    /// The call decoded, the deciding rule and a suggested line, as a
    /// jailed program's kill explanation gives them.
    pub explanation: explain::Explanation,
    /// What the compiled program returns.
    pub program_ret: u32,
    /// Instructions the program executed.
    pub executed: usize,
}

impl CheckReport {
    /// Whether the compiled program agrees with the policy.
    pub fn consistent(&self) -> bool {
        self.action.to_ret() == self.program_ret
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\n  decided by: {}\n  BPF: {} instructions executed",
            self.action, self.rule, self.executed
        )?;
        if let Some(s) = &self.explanation.suggestion {
            write!(f, "\n  to allow it, add: {s}")?;
        }
        if !self.consistent() {
            write!(
                f,
                "\n  WARNING: the compiled program returns {:#x}, which disagrees",
                self.program_ret
            )?;
        }
        Ok(())
    }
}

/// Evaluate `policy` on `data` and run `program` on it too.
pub fn check(
    policy: &Policy,
    program: &Program,
    data: &SeccompData,
) -> Result<CheckReport, InterpError> {
    let explanation = explain::explain(policy, data);
    let v = interp::run(program.instructions(), data)?;
    Ok(CheckReport {
        action: explanation.action.unwrap_or(policy.default_action),
        rule: explanation.decided_by.to_string(),
        explanation,
        program_ret: v.ret,
        executed: v.executed,
    })
}

/// Install `program` for the calling thread (or, with `all_threads`, for
/// every thread of the process through TSYNC). Sets no_new_privs first.
pub fn install(program: &Program, all_threads: bool) -> Result<(), seccompiler::Error> {
    if all_threads {
        seccompiler::apply_filter_all_threads(program.instructions())
    } else {
        seccompiler::apply_filter(program.instructions())
    }
}
