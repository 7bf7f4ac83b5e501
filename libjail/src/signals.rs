//! Forwarding the launcher's signals to the jailed program, as minijail0
//! and upstream's `minijail_forward_signals` do: Ctrl-C or a service
//! manager's SIGTERM reach the program instead of killing only the launcher.

use std::sync::atomic::{AtomicI32, Ordering};

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

/// Every signal but SIGCHLD (the launcher needs it to wait), those that
/// cannot be caught, and faults raised by the launcher's own code.
pub fn is_forwarded(sig: libc::c_int) -> bool {
    !matches!(
        sig,
        libc::SIGCHLD
            | libc::SIGKILL
            | libc::SIGSTOP
            | libc::SIGSEGV
            | libc::SIGBUS
            | libc::SIGILL
            | libc::SIGFPE
            | libc::SIGTRAP
            | libc::SIGSYS
    )
}

fn forwarded_signals() -> impl Iterator<Item = libc::c_int> {
    (1..=libc::SIGRTMAX()).filter(|&s| is_forwarded(s))
}

/// From now on, send the signals this process receives to `pid` (one target
/// per process: a later call replaces it). Handlers use SA_RESTART so a
/// `waitpid` in progress carries on.
pub fn forward_to(pid: libc::pid_t) -> std::io::Result<()> {
    TARGET.store(pid, Ordering::Relaxed);
    // SAFETY: an all-zero sigaction is valid; we fill in the handler, an
    // empty mask and flags before passing it to sigaction.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    let handler: extern "C" fn(libc::c_int) = forward;
    action.sa_sigaction = handler as libc::sighandler_t;
    action.sa_flags = libc::SA_RESTART;
    // SAFETY: sa_mask is a valid sigset_t inside `action`.
    unsafe { libc::sigemptyset(&mut action.sa_mask) };
    for sig in forwarded_signals() {
        // SAFETY: `action` is initialised. Real-time signals reserved by
        // libc are refused with EINVAL, which is expected and skipped.
        if unsafe { libc::sigaction(sig, &action, std::ptr::null_mut()) } != 0
            && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINVAL)
        {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Stop forwarding (signals then take their default action again).
pub fn stop_forwarding() {
    TARGET.store(0, Ordering::Relaxed);
    for sig in forwarded_signals() {
        // SAFETY: restoring the default disposition of a catchable signal.
        unsafe { libc::signal(sig, libc::SIG_DFL) };
    }
}
