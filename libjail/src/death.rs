//! How a jailed program ended, as data ([`Death`]) and as the one line the
//! launcher prints for any death but a plain exit: a seccomp kill names
//! the syscall and the policy line; a signal death names the signal, the
//! core dump and, when known, who sent it (the launcher forwarding its own
//! signal, the pid namespace's teardown, seccomp strict mode).

use std::ffi::CString;

use crate::supervise::SeccompKill;

/// The signal's name (`SIGSEGV`), or `SIGRTMIN+N`, or `signal N`.
pub fn signal_name(sig: i32) -> String {
    const NAMES: [&str; 32] = [
        "",
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    match usize::try_from(sig) {
        Ok(i) if (1..32).contains(&i) => NAMES[i].to_owned(),
        Ok(i) if (32..65).contains(&i) => format!("SIGRTMIN+{}", i - 32),
        _ => format!("signal {sig}"),
    }
}

/// Who or what sent a fatal signal, when the launcher can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignalCause {
    /// Nothing known.
    Unknown,
    /// The launcher forwarded a signal it received to the program.
    Forwarded,
    /// The pid namespace's init forwarded a signal it received.
    ForwardedByInit,
    /// Seccomp strict mode (`-s`) kills with SIGKILL on any other syscall.
    StrictMode,
    /// The pid namespace's init was killed, and the kernel then killed
    /// every process in the namespace.
    InitTeardown,
}

/// How a jailed program ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Death {
    /// It exited with this status (or, under a pid namespace's init, the
    /// init exited with it and has said why, if it was a signal).
    Exited(i32),
    /// The seccomp filter blocked a call. With the launcher's supervisor,
    /// which call and why; without, only that it was SIGSYS.
    Seccomp {
        /// The call, the deciding rule and the suggested line, when the
        /// supervisor saw it.
        kill: Option<Box<SeccompKill>>,
        /// The policy's label (its file, as minijail0 was given it).
        policy: Option<String>,
    },
    /// A signal ended it.
    Signaled {
        /// The signal number.
        signal: i32,
        /// Whether the kernel wrote a core dump.
        core_dumped: bool,
        /// Who sent it, when the launcher can tell.
        cause: SignalCause,
    },
}

impl Death {
    /// The status minijail reports: the exit code, 253 for a seccomp
    /// kill, 128+N for signal N.
    pub fn status(&self) -> i32 {
        match self {
            Death::Exited(code) => *code,
            Death::Seccomp { .. } => crate::status::JAIL_FAILED,
            Death::Signaled { signal, .. } => crate::status::SIGNAL_BASE + signal,
        }
    }

    /// The line to tell the user, if there is one (`who`: "jailed process 12").
    pub fn describe(&self, who: &str) -> Option<String> {
        match self {
            Death::Exited(_) => None,
            Death::Seccomp {
                kill: Some(kill),
                policy,
            } => Some(format!(
                "{who} was killed by the seccomp policy {}: {}{}",
                policy.as_deref().unwrap_or("(unlabelled)"),
                kill.explanation,
                if kill.signal == libc::SIGKILL {
                    " (it had taken SIGSYS over, so SIGKILL ended it)"
                } else {
                    ""
                }
            )),
            Death::Seccomp { kill: None, policy } => Some(format!(
                "{who} was killed by SIGSYS: a syscall was blocked by the seccomp policy {}",
                policy.as_deref().unwrap_or("(unlabelled)")
            )),
            Death::Signaled {
                signal,
                core_dumped,
                cause,
            } => Some(signal_line(who, *signal, *core_dumped, *cause)),
        }
    }
}

/// What a core dump adds to a signal death's line.
const CORE_DUMPED: &str = ", core dumped";

/// `SIGSEGV (signal 11)`.
fn signal_with_number(signal: i32) -> String {
    format!("{} (signal {signal})", signal_name(signal))
}

/// What a cause adds to a signal death's line.
fn cause_text(cause: SignalCause) -> &'static str {
    match cause {
        SignalCause::Unknown => "",
        SignalCause::Forwarded => ", which the launcher received and forwarded",
        SignalCause::ForwardedByInit => {
            ", which the pid namespace's init received and forwarded"
        }
        SignalCause::StrictMode => {
            ": seccomp strict mode (-s) allows only read, write, _exit and sigreturn, and kills on any other syscall"
        }
        SignalCause::InitTeardown => {
            ": the pid namespace's init was killed, so the kernel killed every process in the namespace"
        }
    }
}

/// `WHO was killed by SIGSEGV (signal 11), core dumped` and the cause.
pub fn signal_line(who: &str, signal: i32, core_dumped: bool, cause: SignalCause) -> String {
    let core = if core_dumped { CORE_DUMPED } else { "" };
    format!(
        "{who} was killed by {}{core}{}",
        signal_with_number(signal),
        cause_text(cause)
    )
}

/// The pieces jail-init (libjail/init/jail_init.c) builds its program's
/// signal death line from, in this order after the pid and the SIGSYS
/// note in its argv: `PREFIX NAMES CORE FORWARDED STRICT`. NAMES holds
/// line N = `SIGxxx (signal N)` for N in 0..=64, newline-separated;
/// STRICT is empty without strict mode. The line is `PREFIX NAMES[N]
/// [CORE] [FORWARDED | STRICT for SIGKILL]`, as [`signal_line`] makes it.
/// Made once per process (init may not allocate) and kept for its life.
#[derive(Debug)]
pub(crate) struct InitDeathText {
    /// `jail: the jailed program was killed by `.
    pub prefix: CString,
    /// The signals' names with their numbers, one a line.
    pub names: CString,
    /// What a core dump adds.
    pub core: CString,
    /// What init's forwarding of the signal adds.
    pub forwarded: CString,
    /// What strict mode adds to a SIGKILL, or empty.
    pub strict: CString,
}

impl InitDeathText {
    /// The texts for a jail with or without strict mode.
    pub(crate) fn get(strict: bool) -> &'static InitDeathText {
        static TEXT: std::sync::OnceLock<[InitDeathText; 2]> = std::sync::OnceLock::new();
        let text = TEXT.get_or_init(|| [InitDeathText::new(false), InitDeathText::new(true)]);
        &text[usize::from(strict)]
    }

    fn new(strict: bool) -> InitDeathText {
        let c = |s: &str| CString::new(s).expect("no NUL in the death texts");
        let names: Vec<String> = (0..65).map(signal_with_number).collect();
        InitDeathText {
            prefix: c("jail: the jailed program was killed by "),
            names: c(&names.join("\n")),
            core: c(CORE_DUMPED),
            forwarded: c(cause_text(SignalCause::ForwardedByInit)),
            strict: c(if strict {
                cause_text(SignalCause::StrictMode)
            } else {
                ""
            }),
        }
    }

    /// The line jail-init writes, as it composes it.
    #[cfg(test)]
    fn line(&self, signal: i32, core_dumped: bool, forwarded: bool) -> String {
        let s = |c: &CString| c.to_str().expect("ASCII").to_owned();
        let names = s(&self.names);
        let name = names.split('\n').nth(signal as usize).unwrap_or("");
        let core = if core_dumped {
            s(&self.core)
        } else {
            String::new()
        };
        let why = match (forwarded, signal == libc::SIGKILL) {
            (true, _) => s(&self.forwarded),
            (false, true) => s(&self.strict),
            _ => String::new(),
        };
        format!("{}{name}{core}{why}", s(&self.prefix))
    }
}

/// Classify a wait status of the launcher's own child. `init`: the child
/// is a pid namespace's init (which reports its program's signal deaths
/// itself and exits 128+N).
pub fn classify(
    wstatus: libc::c_int,
    kill: Option<SeccompKill>,
    policy: Option<String>,
    init: bool,
    strict: bool,
) -> Death {
    if let Some(kill) = kill {
        return Death::Seccomp {
            kill: Some(Box::new(kill)),
            policy,
        };
    }
    if libc::WIFEXITED(wstatus) {
        return Death::Exited(libc::WEXITSTATUS(wstatus));
    }
    if !libc::WIFSIGNALED(wstatus) {
        return Death::Exited(crate::status::JAIL_FAILED);
    }
    let signal = libc::WTERMSIG(wstatus);
    if signal == libc::SIGSYS {
        return Death::Seccomp { kill: None, policy };
    }
    let cause = if init {
        SignalCause::InitTeardown
    } else if crate::signals::was_forwarded(signal) {
        SignalCause::Forwarded
    } else if strict && signal == libc::SIGKILL {
        SignalCause::StrictMode
    } else {
        SignalCause::Unknown
    };
    Death::Signaled {
        signal,
        core_dumped: libc::WCOREDUMP(wstatus),
        cause,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_name_the_signal_the_core_and_the_cause() {
        assert_eq!(
            signal_line("jailed process 5", 11, true, SignalCause::Unknown),
            "jailed process 5 was killed by SIGSEGV (signal 11), core dumped"
        );
        assert!(signal_line("p", 15, false, SignalCause::Forwarded).contains("forwarded"));
        assert_eq!(signal_name(34), "SIGRTMIN+2");
        let strict = InitDeathText::get(true).line(9, false, false);
        assert_eq!(
            strict,
            signal_line(
                "jail: the jailed program",
                9,
                false,
                SignalCause::StrictMode
            )
        );
        let forwarded = InitDeathText::get(false).line(15, true, true);
        assert_eq!(
            forwarded,
            signal_line(
                "jail: the jailed program",
                15,
                true,
                SignalCause::ForwardedByInit
            )
        );
        assert_eq!(
            InitDeathText::get(false).line(9, false, false),
            "jail: the jailed program was killed by SIGKILL (signal 9)"
        );
        assert_eq!(Death::Exited(3).status(), 3);
        assert_eq!(
            classify(libc::SIGSYS, None, None, false, false).status(),
            253
        );
    }
}
