//! The init of a new pid namespace: forks the program, forwards signals to
//! it, reaps every orphan, and exits with the program's status.
//!
//! Runs in the forked child of a possibly multithreaded launcher, so it
//! only makes syscalls; the forwarding target is a static atomic the
//! signal handler reads.

use std::sync::atomic::{AtomicI32, Ordering};

use super::child::ChildFds;
use super::plan::Plan;
use crate::status;
use crate::sys::{self, Errno};

static PROGRAM_PID: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(sig: libc::c_int) {
    let pid = PROGRAM_PID.load(Ordering::Relaxed);
    if pid > 0 {
        // SAFETY: kill is async-signal-safe.
        unsafe { libc::kill(pid, sig) };
    }
}

/// Fork; the child returns Ok to become the program, the parent becomes
/// init and never returns.
pub fn fork_init(plan: &Plan, fds: &ChildFds) -> Result<(), Errno> {
    // Every signal is still blocked here (the launcher blocks them around
    // clone and the child unblocks them only at the end of its setup), so
    // init, as pid 1 of the namespace, cannot lose one sent from outside
    // before its handlers are in: it stays pending until init unblocks.
    let pid = sys::clone_process(0)?;
    if pid == 0 {
        // fork cleared the parent-death signal: the program dies with its
        // init (which dies with the launcher, or forwards its signal).
        super::child::arm_pdeathsig(plan, fds.status_write);
        return Ok(());
    }
    PROGRAM_PID.store(pid, Ordering::Relaxed);
    // Init keeps nothing of the launch: the program holds the status and
    // handoff pipes, and init holding them would hide its end of file.
    sys::close(fds.status_write);
    sys::close(fds.handoff_read);
    let _ = sys::close_range(3, u32::MAX);
    // SAFETY: an all-zero sigaction with our handler and SA_RESTART is valid.
    let mut act: libc::sigaction = unsafe { std::mem::zeroed() };
    let handler: extern "C" fn(libc::c_int) = forward;
    act.sa_sigaction = handler as usize;
    act.sa_flags = libc::SA_RESTART;
    for sig in 1..65 {
        if sig == libc::SIGCHLD || sig == libc::SIGKILL || sig == libc::SIGSTOP {
            continue;
        }
        // SAFETY: installing a handler; numbers the kernel refuses just fail.
        unsafe { libc::sigaction(sig, &act, std::ptr::null_mut()) };
    }
    // The launcher blocked every signal around clone; init forwards them.
    // SAFETY: an empty set built by sigemptyset.
    unsafe {
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
    }
    let mut program_status = None;
    loop {
        let mut wstatus = 0;
        // SAFETY: wait for any child with a valid out-pointer.
        let reaped = unsafe { libc::waitpid(-1, &mut wstatus, 0) };
        if reaped < 0 {
            match sys::errno() {
                libc::EINTR => continue,
                _ => break, // ECHILD: nothing left in the namespace.
            }
        }
        if reaped == pid {
            program_status = Some(wstatus);
        }
    }
    let code = match program_status {
        Some(ws) => {
            if libc::WIFSIGNALED(ws) && libc::WTERMSIG(ws) == libc::SIGSYS {
                let _ = sys::write_all(2, &plan.sigsys_note);
            }
            status::from_wait_status(ws)
        }
        None => status::INIT_FAILED,
    };
    // SAFETY: init ends here; _exit skips the launcher's atexit handlers.
    unsafe { libc::_exit(code) }
}
