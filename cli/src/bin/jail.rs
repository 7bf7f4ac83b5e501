//! `jail`: the newer command-line tools of the jail crate.
//!
//! - `jail policy compile POLICY -o OUT.bpf`: compile a minijail policy to
//!   the raw `struct sock_filter` array `minijail0 --seccomp-bpf-binary`
//!   reads (native byte order);
//! - `jail policy dump POLICY|FILE.bpf`: a readable listing;
//! - `jail policy check POLICY SYSCALL [ARGS...]`: the verdict for one call
//!   and the rule that decided it (the same words a killed program's
//!   explanation uses);
//! - `jail policy record -o FILE [minijail0 options] -- PROGRAM [ARGS...]`:
//!   run the program in that jail, recording every syscall, and write a
//!   policy for it (with `FILE.frequency`);
//! - `jail policy generate STRACE_LOG...`: a policy from `strace -f` logs,
//!   as upstream's generate_seccomp_policy.py;
//! - `jail policy lint POLICY`: the rules that defeat the filter (the
//!   warnings `minijail0 -S` prints);
//! - `jail doctor [MINIJAIL0 OPTIONS]`: what this host offers the jail those
//!   options make (all of the host without options), one line per need.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use jail::seccomp::{self, tables, Action, Arch, CompileOptions, Program, SeccompData};

#[derive(Parser)]
#[command(name = "jail", version, about = "Tools of the jail sandbox")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Seccomp policies: compile, inspect, try.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Check this host for what the given minijail0 options need (without
    /// options: everything); exit 0 only when all of it is there.
    Doctor {
        /// minijail0 options, as for a launch (a program after them is ignored).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        options: Vec<std::ffi::OsString>,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Warn about rules that defeat the filter (io_uring, clone3 beside a
    /// filtered clone, ptrace, PROT_EXEC, ...); exit 1 if there is any.
    Lint {
        /// The policy file.
        policy: PathBuf,
        /// The filter goes on before execve (minijail0 -T static): the
        /// policy must then allow execve, which is no warning.
        #[arg(long)]
        no_preload: bool,
        #[command(flatten)]
        opts: PolicyOpts,
    },
    /// Compile a policy to a raw BPF program.
    Compile {
        /// The policy file.
        policy: PathBuf,
        /// Where to write the program.
        #[arg(short, long)]
        output: PathBuf,
        #[command(flatten)]
        opts: PolicyOpts,
    },
    /// Print a policy's compiled program, or a .bpf file, with syscall names.
    Dump {
        /// A policy, or a raw program (`.bpf`).
        file: PathBuf,
        #[command(flatten)]
        opts: PolicyOpts,
    },
    /// What a policy does with one syscall.
    Check {
        /// The policy file.
        policy: PathBuf,
        /// Syscall name or number.
        syscall: String,
        /// Arguments: numbers (0x.., 0.., -N) or constant names (A|B).
        args: Vec<String>,
        #[command(flatten)]
        opts: PolicyOpts,
    },
    /// Run a program in a jail (minijail0's options) and write a policy
    /// covering every syscall it made.
    Record {
        /// Where to write the policy (FILE.frequency goes beside it).
        #[arg(short, long)]
        output: PathBuf,
        /// Merge with the policy already in FILE, widening its filters.
        #[arg(long)]
        append: bool,
        /// Kill the program after this many seconds; what it did so far is
        /// still written, marked incomplete.
        #[arg(long, value_name = "SECONDS")]
        timeout: Option<f64>,
        /// minijail0 options, then `--`, the program and its arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        args: Vec<std::ffi::OsString>,
    },
    /// Write a policy from `strace -f` logs (upstream's generate_seccomp_policy.py).
    Generate {
        /// strace logs.
        #[arg(required = true)]
        logs: Vec<PathBuf>,
        /// Write the policy here instead of to stdout.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Also write the frequency file here (the policy is then sorted by name).
        #[arg(long)]
        frequency: Option<PathBuf>,
        /// The traces' architecture (default: this machine's).
        #[arg(long)]
        arch: Option<Arch>,
    },
}

#[derive(Args)]
struct PolicyOpts {
    /// Target architecture: x86_64, aarch64, i386 (default: this machine's).
    #[arg(long)]
    arch: Option<Arch>,
    /// Read absolute @include paths under PREFIX from DIR (repeatable),
    /// e.g. /usr/share/policy/crosvm=./policies.
    #[arg(long = "include-prefix", value_name = "PREFIX=DIR", value_parser = parse_prefix)]
    include_prefix: Vec<(PathBuf, PathBuf)>,
    /// Action for unlisted syscalls and unmatched filters (overrides
    /// @default): kill, kill-process, trap, log, user-notify, "return EPERM", ...
    #[arg(long, value_name = "ACTION")]
    default_action: Option<Action>,
    /// `kill` and a foreign architecture kill the process, not the thread.
    #[arg(long)]
    use_kill_process: bool,
    /// Log and allow unlisted syscalls (minijail0 -L).
    #[arg(long)]
    log_failures: bool,
    /// Compile an @denylist policy.
    #[arg(long)]
    denylist: bool,
    /// Read `expr; return N` as minijail's C runtime parser does (allow if
    /// expr, else fail with N) instead of as its Python compiler does.
    #[arg(long)]
    c_return_semantics: bool,
}

fn parse_prefix(s: &str) -> Result<(PathBuf, PathBuf), String> {
    let (p, d) = s
        .split_once('=')
        .ok_or_else(|| format!("expected PREFIX=DIR, got `{s}`"))?;
    Ok((PathBuf::from(p), PathBuf::from(d)))
}

impl PolicyOpts {
    fn compile_options(&self) -> Result<CompileOptions, String> {
        let arch = match self.arch {
            Some(a) => a,
            None => Arch::try_native().map_err(|e| e.to_string())?,
        };
        let mut o = CompileOptions::new(arch);
        o.include_prefixes = self.include_prefix.clone();
        o.default_action = self.default_action;
        o.log_failures = self.log_failures;
        o.denylist = self.denylist;
        o.c_return_semantics = self.c_return_semantics;
        if self.use_kill_process {
            o.kill_action = Action::KillProcess;
        }
        Ok(o)
    }
}

/// A failure of a `jail` command: one line, and the policy excerpt for a
/// parse error.
struct Failure {
    message: String,
    excerpt: Option<[String; 2]>,
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure {
            message,
            excerpt: None,
        }
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Failure {
        Failure::from(message.to_owned())
    }
}

impl From<seccomp::PolicyError> for Failure {
    fn from(e: seccomp::PolicyError) -> Failure {
        Failure {
            message: e.to_string(),
            excerpt: e.excerpt(),
        }
    }
}

/// `jail doctor`: the report on stdout; Ok(false) when something needed
/// is missing or restricted. The probes are the library's.
fn doctor(options: &[std::ffi::OsString]) -> Result<bool, String> {
    let report = if options.is_empty() {
        jail::doctor::whole_host()
    } else {
        let (o, _program) =
            jail_cli::options::parse_options(options).map_err(|e| format!("doctor: {e}"))?;
        let j = jail_cli::apply::build_jail(&o).map_err(|e| format!("doctor: {e}"))?;
        jail::doctor::for_jail(&j)
    };
    print!("{report}");
    Ok(report.all_ok())
}

fn run(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::Policy(cmd) => policy(cmd),
        Command::Doctor { options } => match doctor(&options)? {
            true => Ok(0),
            false => {
                Err("doctor: this host lacks something the jail needs (see the lines above)".into())
            }
        },
    }
}

/// `jail policy ...`: the exit status (the recorded program's, for `record`).
fn policy(cmd: PolicyCommand) -> Result<u8, Failure> {
    match cmd {
        PolicyCommand::Record {
            output,
            append,
            timeout,
            args,
        } => return record(&output, append, timeout, &args),
        PolicyCommand::Generate {
            logs,
            policy,
            frequency,
            arch,
        } => {
            let arch = match arch {
                Some(a) => a,
                None => Arch::try_native().map_err(|e| e.to_string())?,
            };
            jail_cli::record::generate(&logs, policy.as_deref(), frequency.as_deref(), arch)?;
        }
        PolicyCommand::Lint {
            policy,
            no_preload,
            opts,
        } => lint(&policy, no_preload, &opts)?,
        PolicyCommand::Compile {
            policy,
            output,
            opts,
        } => compile(&policy, &output, &opts)?,
        PolicyCommand::Dump { file, opts } => dump(&file, &opts)?,
        PolicyCommand::Check {
            policy,
            syscall,
            args,
            opts,
        } => check(&policy, &syscall, &args, &opts)?,
    }
    Ok(0)
}

/// `jail policy record`: the recorded program's exit status.
fn record(
    output: &std::path::Path,
    append: bool,
    timeout: Option<f64>,
    args: &[std::ffi::OsString],
) -> Result<u8, Failure> {
    let timeout = timeout
        .map(|t| {
            std::time::Duration::try_from_secs_f64(t)
                .map_err(|_| format!("--timeout {t}: give a positive number of seconds"))
        })
        .transpose()?;
    let status = jail_cli::record::record(output, append, timeout, args)?;
    Ok(status.clamp(0, 255) as u8)
}

/// `jail policy compile`: the BPF program to `output`, its size on stderr.
fn compile(
    policy: &std::path::Path,
    output: &std::path::Path,
    opts: &PolicyOpts,
) -> Result<(), Failure> {
    let o = opts.compile_options()?;
    let prog = seccomp::compile_file(policy, &o)?;
    std::fs::write(output, prog.to_bytes())
        .map_err(|e| format!("cannot write {}: {e}", output.display()))?;
    eprintln!(
        "{}: {} instructions for {}",
        output.display(),
        prog.len(),
        o.arch
    );
    Ok(())
}

/// `jail policy dump`: the listing of a policy's program, or of a
/// compiled one (`.bpf`).
fn dump(file: &std::path::Path, opts: &PolicyOpts) -> Result<(), Failure> {
    let o = opts.compile_options()?;
    let prog = if file.extension().is_some_and(|e| e == "bpf") {
        let bytes = jail::input_file::read(file).map_err(|e| e.to_string())?;
        Program::from_bytes(&bytes).map_err(|e| format!("{}: {e}", file.display()))?
    } else {
        seccomp::compile_file(file, &o)?
    };
    print!("{}", prog.listing(o.arch));
    Ok(())
}

/// `jail policy check`: what the policy and its program decide for one
/// call; an error when they disagree.
fn check(
    policy: &std::path::Path,
    syscall: &str,
    args: &[String],
    opts: &PolicyOpts,
) -> Result<(), Failure> {
    let o = opts.compile_options()?;
    let parsed = seccomp::parse_file(policy, &o)?;
    let prog = seccomp::compile_policy(&parsed, policy)?;
    let nr = resolve_syscall(o.arch, syscall)?;
    if args.len() > 6 {
        return Err(format!("a syscall has at most 6 arguments, got {}", args.len()).into());
    }
    let mut a = [0u64; 6];
    for (slot, text) in a.iter_mut().zip(args) {
        *slot = tables::parse_arg(o.arch, text).ok_or_else(|| {
            format!(
                "argument `{text}` is neither a number nor a constant on {}",
                o.arch
            )
        })?;
    }
    let report = seccomp::check(&parsed, &prog, &SeccompData::new(o.arch, nr, a))
        .map_err(|e| e.to_string())?;
    let name = seccomp::syscall_name(o.arch, nr).unwrap_or("?");
    println!("{name}({}) on {}: {report}", args.join(", "), o.arch);
    if !report.consistent() {
        return Err("the compiled program disagrees with the policy: please report this".into());
    }
    Ok(())
}

/// `jail policy lint`: one line per warning on stdout, as `minijail0 -S`
/// prints them; an error when there is any.
fn lint(policy: &std::path::Path, no_preload: bool, opts: &PolicyOpts) -> Result<(), Failure> {
    use jail::seccomp::lint::{self, Installed};
    let o = opts.compile_options()?;
    let parsed = seccomp::parse_file(policy, &o)?;
    let installed = if no_preload {
        Installed::BeforeExec
    } else {
        Installed::AfterExec
    };
    let warnings = lint::lint(&parsed, installed);
    for warning in &warnings {
        println!("{warning}");
    }
    match warnings.len() {
        0 => Ok(()),
        n => Err(format!(
            "{}: {n} rule{} defeat the filter (see above)",
            jail::log::Escaped(policy),
            if n == 1 { "" } else { "s" }
        )
        .into()),
    }
}

fn resolve_syscall(arch: Arch, s: &str) -> Result<i64, String> {
    if let Some(n) = tables::parse_number(s) {
        return Ok(n);
    }
    seccomp::syscall_number(arch, s).ok_or_else(|| {
        let names = tables::syscalls(arch);
        match tables::nearest(s, names.iter().map(|(n, _)| *n)) {
            Some(near) => format!("unknown syscall `{s}` on {arch}; did you mean `{near}`?"),
            None => format!("unknown syscall `{s}` on {arch}"),
        }
    })
}

fn main() -> ExitCode {
    // `jail policy record` runs the program as minijail0 would, passing
    // ignored signals on: undo Rust's start-up SIGPIPE ignore first.
    #[allow(unsafe_code)]
    // SAFETY: setting a signal's disposition to its default.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL)
    };
    let cli = Cli::parse();
    match run(cli) {
        Ok(status) => ExitCode::from(status),
        Err(e) => {
            eprint!(
                "{}",
                jail::log::user_message("jail", &e.message, e.excerpt.as_ref())
            );
            ExitCode::FAILURE
        }
    }
}
