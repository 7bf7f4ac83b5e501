//! The init of a new pid namespace: forks the program, forwards signals to
//! it, reaps every orphan, and exits with the program's status.
//!
//! Runs in the forked child of a possibly multithreaded launcher, so it
//! only makes syscalls. It installs no handlers: every signal stays
//! blocked and init takes them one by one with sigwaitinfo (a blocked
//! signal is queued even for a namespace's init, which the kernel
//! otherwise spares the signals it has no handler for).

use super::channel::ChildFds;
use super::parent_death::arm_pdeathsig;
use super::plan::Plan;
use crate::status;
use crate::sys::{self, Errno};

/// What the program's process runs, once forked: the rest of the setup
/// and execve. Never returns.
pub type ProgramMain = fn(&mut Plan, &ChildFds) -> !;

/// What the program's process gets when it shares init's memory.
struct ProgramStart {
    plan: *mut Plan,
    fds: *const ChildFds,
    main: ProgramMain,
}

extern "C" fn program_entry(arg: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `arg` is the ProgramStart fork_init passed; init is suspended
    // (CLONE_VFORK) until this process execs or exits, so nothing else
    // touches the plan.
    let start = unsafe { &*(arg as *const ProgramStart) };
    // fork cleared the parent-death signal: the program dies with its
    // init (which dies with the launcher, or forwards its signal).
    // SAFETY: as above.
    let (plan, fds) = unsafe { (&mut *start.plan, &*start.fds) };
    arm_pdeathsig(plan, fds.status_write);
    (start.main)(plan, fds)
}

/// Fork the program; the parent becomes init and never returns.
///
/// With `program` (the launch execs), the program's process shares init's
/// memory and runs `program` on its own stack while init is suspended
/// until it execs or exits (vfork): no page tables are copied for a
/// process that is about to exec. Without it (fork mode, which returns
/// into the caller's code), or with caller hooks (which might count on a
/// private copy of memory), it is a plain fork and Ok is returned in the
/// program's process.
pub fn fork_init(
    plan: &mut Plan,
    fds: &ChildFds,
    program: Option<ProgramMain>,
) -> Result<(), Errno> {
    // Init is a copy of the launcher (its environment, its memory) that
    // never execs, and the program's parent: undumpable before the program
    // exists, so a program of the same uid cannot ptrace it (and make it
    // run anything outside the jail's stage 2) or read its
    // /proc/1/{environ,fd,mem}. The program's process inherits the flag
    // until its execve resets it.
    sys::set_dumpable(false)?;
    // Every signal is still blocked here (the launcher blocks them around
    // clone and the program's process unblocks them only at the end of
    // its setup), so init, as pid 1 of the namespace, cannot lose one sent
    // from outside: it stays pending until init takes it.
    let pid = match program {
        Some(main) if plan.hooks.is_empty() => {
            let mut start = ProgramStart {
                plan: &mut *plan,
                fds,
                main,
            };
            // SAFETY: program_entry only makes syscalls on the plan and then
            // execs or exits; `start` outlives it (vfork semantics).
            unsafe { sys::clone_vfork(program_entry, (&mut start as *mut ProgramStart).cast())? }
        }
        _ => {
            let pid = sys::clone_process(0)?;
            if pid == 0 {
                // fork cleared the parent-death signal: the program dies
                // with its init (which dies with the launcher, or forwards
                // its signal).
                arm_pdeathsig(plan, fds.status_write);
                return Ok(());
            }
            pid
        }
    };
    run_init(plan, fds, pid)
}

/// Init's life once the program is forked: forward, reap, exit.
fn run_init(plan: &Plan, fds: &ChildFds, pid: libc::pid_t) -> ! {
    // Init keeps nothing of the launch: the program holds the status and
    // handoff pipes, and init holding them would hide its end of file.
    sys::close(fds.status_write);
    sys::close(fds.handoff_read);
    sys::close(fds.ack_write);
    if plan.pty_slave >= 0 {
        // With a pty, init leaves the caller's session and terminal too:
        // a program that reached into init must not find them there.
        // SAFETY: setsid and dup2 on fds init holds.
        unsafe {
            libc::setsid();
            for fd in 0..3 {
                libc::dup2(plan.pty_slave, fd);
            }
        }
    }
    let _ = sys::close_range(3, u32::MAX);
    // Every signal the C library lets a program handle (all but its own
    // two), blocked and taken in turn.
    // SAFETY: sigfillset initialises the set; sigprocmask takes a valid set.
    let all = unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::sigprocmask(libc::SIG_SETMASK, &all, std::ptr::null_mut());
        all
    };
    let mut program_status = None;
    'reaping: loop {
        // SAFETY: waiting on a valid set, without siginfo.
        let sig = unsafe { libc::sigwaitinfo(&all, std::ptr::null_mut()) };
        if sig < 0 {
            continue; // EINTR (a stop and continue).
        }
        if sig != libc::SIGCHLD {
            // SAFETY: kill with a valid pid and signal number.
            unsafe { libc::kill(pid, sig) };
            continue;
        }
        loop {
            let mut wstatus = 0;
            // SAFETY: reap any child with a valid out-pointer, without waiting.
            let reaped = unsafe { libc::waitpid(-1, &mut wstatus, libc::WNOHANG) };
            if reaped == 0 {
                break; // Children remain, none exited yet.
            }
            if reaped < 0 {
                match sys::errno() {
                    libc::EINTR => continue,
                    _ => break 'reaping, // ECHILD: nothing left in the namespace.
                }
            }
            if reaped == pid {
                program_status = Some(wstatus);
            }
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
    // Init ends here, skipping the launcher's atexit handlers.
    sys::exit_now(code)
}
