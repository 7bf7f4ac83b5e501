//! Forwarding the launcher's signals to a jailed program
//! (`minijail_forward_signals`): handlers in the calling process that send
//! every catchable signal on to the program's pid.

use std::sync::atomic::{AtomicI32, Ordering};

static TARGET: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(sig: libc::c_int) {
    let pid = TARGET.load(Ordering::Relaxed);
    if pid > 0 {
        // SAFETY: kill is async-signal-safe.
        unsafe { libc::kill(pid, sig) };
    }
}

/// Signals not forwarded: SIGCHLD (the launcher needs it to wait), those
/// that cannot be caught, and faults raised by the launcher's own code.
fn forwarded(sig: libc::c_int) -> bool {
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

/// Install handlers in this process that forward signals to `pid`
/// (one target per process: a later call replaces it).
pub fn forward_signals_to(pid: libc::pid_t) {
    TARGET.store(pid, Ordering::Relaxed);
    // SAFETY: an all-zero sigaction with our handler and SA_RESTART is valid.
    let mut act: libc::sigaction = unsafe { std::mem::zeroed() };
    let handler: extern "C" fn(libc::c_int) = forward;
    act.sa_sigaction = handler as usize;
    act.sa_flags = libc::SA_RESTART;
    // SAFETY: act.sa_mask is a valid sigset to clear.
    unsafe { libc::sigemptyset(&mut act.sa_mask) };
    for sig in (1..=libc::SIGRTMAX()).filter(|&s| forwarded(s)) {
        // SAFETY: installing a handler; numbers the kernel or libc refuse
        // (reserved real-time signals) just fail.
        unsafe { libc::sigaction(sig, &act, std::ptr::null_mut()) };
    }
}
