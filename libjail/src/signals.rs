//! Forwarding the launcher's signals to its jailed programs, as minijail0
//! does: every signal but SIGCHLD (and the uncatchable ones) that another
//! process or the terminal sends to the launcher goes to each jailed
//! program registered here, instead of acting on the launcher.
//!
//! A SIGPIPE the kernel raises for the launcher's own write to a closed pipe,
//! faults (SIGSEGV, ...) and any signal while no program
//! is registered get the disposition the launcher had before: ignored,
//! default, or its own handler.

use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::Once;

const SLOTS: usize = 64;
const NSIG: usize = 65;

/// Pids to forward to; 0 is a free slot.
static TARGETS: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];

/// The dispositions replaced by ours, read by the handler. Written once,
/// before the handlers go in, and never again.
static mut PREVIOUS: [Option<libc::sigaction>; NSIG] = [None; NSIG];

static INSTALL: Once = Once::new();

/// Bit N: signal N was forwarded to a jailed program.
static FORWARDED: AtomicU64 = AtomicU64::new(0);

/// Whether the launcher has forwarded `sig` to a jailed program, so a
/// death by it can be told as the launcher's doing.
pub fn was_forwarded(sig: libc::c_int) -> bool {
    (0..64).contains(&sig) && FORWARDED.load(Ordering::Relaxed) & (1 << sig) != 0
}

fn forwardable(sig: libc::c_int) -> bool {
    !matches!(sig, libc::SIGKILL | libc::SIGSTOP | libc::SIGCHLD)
}

/// Faults the kernel raises in the thread that caused them: never forwarded.
fn synchronous_fault(sig: libc::c_int, code: libc::c_int) -> bool {
    code > 0
        && matches!(
            sig,
            libc::SIGSEGV
                | libc::SIGBUS
                | libc::SIGILL
                | libc::SIGFPE
                | libc::SIGTRAP
                | libc::SIGSYS
        )
}

extern "C" fn handler(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler.
    let (code, sender) = unsafe { ((*info).si_code, (*info).si_pid()) };
    // SAFETY: getpid is async-signal-safe.
    // A SIGPIPE the kernel raised for the launcher's own write to a closed
    // pipe looks like one the launcher sent itself; that one stays here.
    // Other signals the launcher sends itself are forwarded, as upstream does.
    let own = sig == libc::SIGPIPE && sender == unsafe { libc::getpid() } && code == libc::SI_USER;
    let mut forwarded = false;
    if !own && !synchronous_fault(sig, code) {
        for slot in &TARGETS {
            let pid = slot.load(Ordering::Relaxed);
            if pid > 0 {
                // SAFETY: kill is async-signal-safe.
                unsafe { libc::kill(pid, sig) };
                forwarded = true;
                if (0..64).contains(&sig) {
                    FORWARDED.fetch_or(1 << sig, Ordering::Relaxed);
                }
            }
        }
    }
    if !forwarded {
        previous_action(sig, info, ctx);
    }
}

/// Act on `sig` as the launcher would have without us.
fn previous_action(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: PREVIOUS is only written before the handlers are installed.
    let prev = unsafe {
        (*std::ptr::addr_of!(PREVIOUS))
            .get(sig as usize)
            .copied()
            .flatten()
    };
    let Some(prev) = prev else { return };
    match prev.sa_sigaction {
        libc::SIG_IGN => {}
        libc::SIG_DFL => {
            if matches!(sig, libc::SIGCONT | libc::SIGURG | libc::SIGWINCH) {
                return; // ignored by default
            }
            // Take the default action: restore it and raise again (a fault
            // re-raises itself when the handler returns).
            // SAFETY: signal/raise/sigprocmask are async-signal-safe.
            unsafe {
                libc::signal(sig, libc::SIG_DFL);
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigaddset(&mut set, sig);
                libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
                libc::raise(sig);
            }
        }
        f if prev.sa_flags & libc::SA_SIGINFO != 0 => {
            // SAFETY: the caller's own SA_SIGINFO handler, with our arguments.
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                unsafe { std::mem::transmute(f) };
            f(sig, info, ctx);
        }
        f => {
            // SAFETY: the caller's own plain handler.
            let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(f) };
            f(sig);
        }
    }
}

fn install() {
    INSTALL.call_once(|| {
        // SAFETY: all-zero is a valid sigaction (SIG_DFL, empty mask).
        let mut act: libc::sigaction = unsafe { std::mem::zeroed() };
        let handler: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) = handler;
        act.sa_sigaction = handler as usize;
        act.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
        // SAFETY: sigfillset initialises a sigset_t we own.
        unsafe { libc::sigfillset(&mut act.sa_mask) };
        // SAFETY: the PREVIOUS table is written here only, before any of
        // our handlers can run (see each branch).
        let table = unsafe { &mut *std::ptr::addr_of_mut!(PREVIOUS) };
        // An unanswered question counts as "other threads": two passes.
        if jail_enter::single_threaded().unwrap_or(false) {
            // With every signal blocked in the only thread, no handler of
            // ours runs before its table entry is in: swap in one call per
            // signal (minijail0's case: half the syscalls).
            // SAFETY: all-zero sigset_t values are valid (empty) sets.
            let (mut all, mut old): (libc::sigset_t, libc::sigset_t) =
                unsafe { (std::mem::zeroed(), std::mem::zeroed()) };
            // SAFETY: valid sets; the old mask is restored below.
            unsafe {
                libc::sigfillset(&mut all);
                libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
            }
            for sig in (1..NSIG as libc::c_int).filter(|&s| forwardable(s)) {
                // SAFETY: all-zero is a valid sigaction out-buffer.
                let mut previous: libc::sigaction = unsafe { std::mem::zeroed() };
                // SAFETY: valid structures; numbers the C library reserves
                // are refused and stay unhandled.
                if unsafe { libc::sigaction(sig, &act, &mut previous) } == 0 {
                    table[sig as usize] = Some(previous);
                }
            }
            // SAFETY: restoring the mask saved above.
            unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
        } else {
            // Another thread could take a signal at any moment: record
            // every previous disposition first, then install.
            for sig in (1..NSIG as libc::c_int).filter(|&s| forwardable(s)) {
                // SAFETY: all-zero is a valid sigaction out-buffer.
                let mut previous: libc::sigaction = unsafe { std::mem::zeroed() };
                // SAFETY: a query with a valid out-structure.
                if unsafe { libc::sigaction(sig, std::ptr::null(), &mut previous) } == 0 {
                    table[sig as usize] = Some(previous);
                }
            }
            for sig in 1..NSIG as libc::c_int {
                if forwardable(sig) && table[sig as usize].is_some() {
                    // SAFETY: installing a valid sigaction.
                    unsafe { libc::sigaction(sig, &act, std::ptr::null_mut()) };
                }
            }
        }
    });
}

/// Forward the launcher's signals to `pid` until [`unregister`].
pub fn register(pid: libc::pid_t) {
    install();
    for slot in &TARGETS {
        if slot
            .compare_exchange(0, pid, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
    }
    crate::log::info(&format!(
        "more than {SLOTS} jailed programs at once: signals are not forwarded to {pid}"
    ));
}

/// Stop forwarding to `pid` (it has exited).
pub fn unregister(pid: libc::pid_t) {
    for slot in &TARGETS {
        let _ = slot.compare_exchange(pid, 0, Ordering::SeqCst, Ordering::SeqCst);
    }
}
