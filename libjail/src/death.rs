//! How a jailed program ended, as data ([`Death`]) and as the one line the
//! launcher prints for any death but a plain exit: a seccomp kill names
//! the syscall and the policy line; a signal death names the signal, the
//! core dump and, when known, who sent it (the launcher forwarding its own
//! signal, the pid namespace's teardown, seccomp strict mode).

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
        kill: Option<Box<SeccompKill>>,
        policy: Option<String>,
    },
    /// A signal ended it.
    Signaled {
        signal: i32,
        core_dumped: bool,
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
                "{who} was killed by the seccomp policy {}: {}",
                policy.as_deref().unwrap_or("(unlabelled)"),
                kill.explanation
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

/// `WHO was killed by SIGSEGV (signal 11), core dumped` and the cause.
pub fn signal_line(who: &str, signal: i32, core_dumped: bool, cause: SignalCause) -> String {
    let core = if core_dumped { ", core dumped" } else { "" };
    let why = match cause {
        SignalCause::Unknown => "",
        SignalCause::Forwarded => ", which the launcher received and forwarded",
        SignalCause::StrictMode => {
            ": seccomp strict mode (-s) allows only read, write, _exit and sigreturn, and kills on any other syscall"
        }
        SignalCause::InitTeardown => {
            ": the pid namespace's init was killed, so the kernel killed every process in the namespace"
        }
    };
    format!(
        "{who} was killed by {} (signal {signal}){core}{why}",
        signal_name(signal)
    )
}

/// The lines a pid namespace's init prints for its program's signal
/// death, made before fork (init must not allocate): index
/// `signal * 4 + core_dumped + 2 * forwarded`.
pub fn init_lines(strict: bool) -> Vec<Vec<u8>> {
    let mut lines = Vec::with_capacity(65 * 4);
    for signal in 0..65 {
        for variant in 0..4 {
            let core = variant & 1 != 0;
            let cause = match (variant & 2 != 0, strict && signal == libc::SIGKILL) {
                (true, _) => SignalCause::Forwarded,
                (false, true) => SignalCause::StrictMode,
                _ => SignalCause::Unknown,
            };
            let mut line = signal_line("jail: the jailed program", signal, core, cause);
            line.push('\n');
            lines.push(line.into_bytes());
        }
    }
    lines
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
    } else if crate::launch::signals::was_forwarded(signal) {
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
        let lines = init_lines(true);
        let strict = String::from_utf8(lines[9 * 4].clone()).unwrap();
        assert!(
            strict.contains("SIGKILL (signal 9): seccomp strict mode"),
            "{strict}"
        );
        let forwarded = String::from_utf8(lines[15 * 4 + 2].clone()).unwrap();
        assert!(forwarded.contains("SIGTERM") && forwarded.contains("forwarded"));
        assert_eq!(Death::Exited(3).status(), 3);
        assert_eq!(
            classify(libc::SIGSYS, None, None, false, false).status(),
            253
        );
    }
}
