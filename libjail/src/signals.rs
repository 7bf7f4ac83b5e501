//! Forwarding the launcher's signals to the jailed program, as minijail0
//! (and upstream's `minijail_forward_signals`) does: Ctrl-C or a service
//! manager's SIGTERM reach the program instead of killing only the launcher.

use std::sync::atomic::{AtomicI32, Ordering};

/// The signals forwarded: the ones a terminal, a shell or a service manager
/// sends to stop, reload or notify a program.
pub const FORWARDED: [libc::c_int; 8] = [
    libc::SIGHUP,
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGTERM,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGALRM,
    libc::SIGWINCH,
];

/// The pid signals go to (0: none yet).
static TARGET: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(sig: libc::c_int) {
    // Only an atomic load and kill(2): both async-signal-safe, no allocation.
    let pid = TARGET.load(Ordering::Relaxed);
    if pid > 0 {
        // SAFETY: kill has no memory-safety preconditions.
        unsafe { libc::kill(pid, sig) };
    }
}

/// From now on, send the [`FORWARDED`] signals this process receives to
/// `pid`. Handlers use SA_RESTART so a `waitpid` in progress carries on.
pub fn forward_to(pid: libc::pid_t) -> std::io::Result<()> {
    TARGET.store(pid, Ordering::Relaxed);
    for sig in FORWARDED {
        // SAFETY: an all-zero sigaction is valid; we fill in the handler,
        // an empty mask and flags before passing it to sigaction.
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        action.sa_sigaction = forward as extern "C" fn(libc::c_int) as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        // SAFETY: sa_mask is a valid sigset_t inside `action`.
        unsafe { libc::sigemptyset(&mut action.sa_mask) };
        // SAFETY: `action` is initialised; the old action is not wanted.
        if unsafe { libc::sigaction(sig, &action, std::ptr::null_mut()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Stop forwarding (signals then take their default action again).
pub fn stop_forwarding() {
    TARGET.store(0, Ordering::Relaxed);
    for sig in FORWARDED {
        // SAFETY: restoring the default disposition of a catchable signal.
        unsafe { libc::signal(sig, libc::SIG_DFL) };
    }
}
