//! The init of a new pid namespace (or the relay of a joined one): the
//! launcher's child forks the program, then execs `jail-init`
//! (libjail/init/jail_init.c) from a memfd. That image forwards signals to
//! the program, reaps every orphan and exits with the program's status.
//!
//! Exec'ing it is what keeps the launch's cost independent of the caller's
//! size: the child shares the caller's memory (or, with hooks and in fork
//! mode, has a copy of it) and must not keep it for the program's
//! lifetime, nor copy it to fork. Until that exec, everything here runs in
//! the launcher's child, so it only makes syscalls on memory prepared
//! before the clone.

use std::ffi::CStr;

use super::channel::ChildFds;
use super::parent_death::arm_pdeathsig;
use super::plan::Plan;
use super::report::{fail, ChildStep};
use crate::sys::{self, Errno};

/// What the program's process runs, once forked: the rest of the setup
/// and execve. Never returns.
pub type ProgramMain = fn(&mut Plan, &ChildFds) -> !;

/// What the program's process gets when it shares init's memory.
#[derive(Clone, Copy)]
struct ProgramStart {
    plan: *mut Plan,
    fds: *const ChildFds,
    main: ProgramMain,
    restore_ignored_sigchld: bool,
    gate: Gate,
}

extern "C" fn program_entry(arg: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `arg` is the ProgramStart in fork_init's frame, which stays
    // as it is (that process only goes deeper, into exec_init) until the
    // exec; the launcher keeps that stack mapped until both have exec'd.
    let start = unsafe { *(arg as *const ProgramStart) };
    // Nothing of the plan is touched before init has exec'd: until then
    // init reads it, and shares this process's errno.
    start.gate.wait();
    // SAFETY: the plan and fds outlive this process's use of them (the
    // launcher keeps them until end of file on the status pipe), and init,
    // exec'd now, no longer touches them.
    let (plan, fds) = unsafe { (&mut *start.plan, &*start.fds) };
    program_starts(plan, fds, start.restore_ignored_sigchld);
    (start.main)(plan, fds)
}

/// The program's process waits until init has exec'd jail-init: before
/// that, init is a copy of the launcher, or shares its memory, and a
/// program of init's uid and capabilities that traced it there would
/// reach the launcher's memory. A close-on-exec pipe whose write end only
/// init holds: end of file when it execs (or dies).
#[derive(Clone, Copy)]
struct Gate {
    read: libc::c_int,
    write: libc::c_int,
}

impl Gate {
    fn new() -> Result<Gate, Errno> {
        let (read, write) = sys::pipe()?;
        Ok(Gate { read, write })
    }

    /// In the program's process: drop its copy of the write end, wait for
    /// end of file.
    fn wait(self) {
        sys::close(self.write);
        let mut byte = [0u8; 1];
        // Every signal is blocked here: nothing interrupts the read.
        let _ = sys::read_full(self.read, &mut byte);
        sys::close(self.read);
    }
}

/// First steps in the program's process, however it was forked.
fn program_starts(plan: &Plan, fds: &ChildFds, restore_ignored_sigchld: bool) {
    if restore_ignored_sigchld {
        set_sigchld(libc::SIG_IGN);
    }
    // fork cleared the parent-death signal: the program dies with its
    // init (which dies with the launcher, or forwards its signal).
    arm_pdeathsig(plan, fds.status_write);
}

/// Set SIGCHLD's disposition; returns whether it was ignored.
fn set_sigchld(action: libc::sighandler_t) -> bool {
    // SAFETY: all-zero sigactions are valid; sigaction fills `old`.
    let (mut new, mut old): (libc::sigaction, libc::sigaction) =
        unsafe { (std::mem::zeroed(), std::mem::zeroed()) };
    new.sa_sigaction = action;
    // SAFETY: valid structures for a valid signal number.
    unsafe { libc::sigaction(libc::SIGCHLD, &new, &mut old) };
    old.sa_sigaction == libc::SIG_IGN
}

/// Fork the program; this process then becomes init and never returns.
///
/// With `program` (the launch execs) and no caller hooks, the program's
/// process shares this one's memory and runs `program` on the stack the
/// launcher mapped for it. Without (fork mode, which returns into the
/// caller's code), or with hooks (which may count on a private copy of
/// memory), it is a plain fork and Ok is returned in the program's
/// process. Either way the program's process goes on only once this one
/// has exec'd jail-init ([`Gate`]).
pub fn fork_init(
    plan: &mut Plan,
    fds: &ChildFds,
    program: Option<ProgramMain>,
) -> Result<(), Errno> {
    // An ignored SIGCHLD would let the kernel reap the program before the
    // init can see its status: default here, ignored again in the program.
    let restore_ignored_sigchld = set_sigchld(libc::SIG_DFL);
    let gate = Gate::new()?;
    // Every signal is still blocked here (the launcher blocks them around
    // clone and the program's process unblocks them only at the end of
    // its setup), so init, as pid 1 of the namespace, cannot lose one sent
    // from outside: it stays pending until jail-init takes it.
    let pid = match program {
        Some(main) if plan.hooks.is_empty() && !fds.program_stack.is_null() => {
            let start = ProgramStart {
                plan: &mut *plan,
                fds,
                main,
                restore_ignored_sigchld,
                gate,
            };
            // SAFETY: program_entry copies `start`, waits until this
            // process has exec'd, then only makes syscalls on the plan and
            // execs or exits; `start` stays alive until the exec (see
            // exec_init), and the launcher keeps the stacks mapped until
            // both have exec'd.
            let pid = unsafe {
                sys::clone_vm(
                    0,
                    false,
                    &*fds.program_stack,
                    program_entry,
                    (&start as *const ProgramStart).cast_mut().cast(),
                )
            };
            return match pid {
                Ok(pid) => {
                    sys::close(gate.read);
                    exec_init(plan, fds, pid, Some(&start))
                }
                Err(e) => {
                    sys::close(gate.read);
                    sys::close(gate.write);
                    Err(e)
                }
            };
        }
        _ => {
            let pid = sys::clone_process(0);
            if pid == Ok(0) {
                gate.wait();
                program_starts(plan, fds, restore_ignored_sigchld);
                return Ok(());
            }
            pid
        }
    }
    .inspect_err(|_| {
        sys::close(gate.read);
        sys::close(gate.write);
    })?;
    // The write end goes at the exec (close-on-exec).
    sys::close(gate.read);
    exec_init(plan, fds, pid, None)
}

/// Replace this process with jail-init for the program `pid`. If the
/// image cannot run, the program is killed and the launch fails: an init
/// that kept the launcher's memory would outlive the launch.
/// `start`, the program's start record in a shared-memory fork, is kept
/// alive (its stack slot not reused) until the exec.
fn exec_init(plan: &Plan, fds: &ChildFds, pid: libc::pid_t, start: Option<&ProgramStart>) -> ! {
    // Init keeps nothing of the launch but the status pipe (close-on-exec,
    // so the launcher's end of file comes once jail-init runs): the
    // program holds the handoff and acknowledgement pipes, and init
    // holding them would hide their end of file.
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
    let mut digits = [0u8; 24];
    let pid_arg = decimal(pid as u64, &mut digits);
    let argv = [
        c"jail-init".as_ptr(),
        pid_arg.as_ptr(),
        plan.sigsys_note.as_ptr(),
        std::ptr::null(),
    ];
    let envp = [std::ptr::null::<libc::c_char>()];
    // SAFETY: the image fd was made before the clone; argv and envp are
    // null-terminated arrays of NUL-terminated strings that outlive the call.
    unsafe {
        libc::syscall(
            libc::SYS_execveat,
            plan.init_image,
            c"".as_ptr(),
            argv.as_ptr(),
            envp.as_ptr(),
            libc::AT_EMPTY_PATH,
        )
    };
    let errno = sys::errno();
    std::hint::black_box(start);
    // SAFETY: killing our own child.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    fail(fds.status_write, ChildStep::InitExec, errno, 0)
}

/// `n` in decimal, NUL-terminated, in `buf`.
fn decimal(mut n: u64, buf: &mut [u8; 24]) -> &CStr {
    let mut i = buf.len() - 1;
    buf[i] = 0;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    CStr::from_bytes_with_nul(&buf[i..]).expect("digits and one NUL")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_writes_the_digits() {
        let mut buf = [0u8; 24];
        for n in [0u64, 7, 10, 4_194_304, u64::MAX] {
            assert_eq!(decimal(n, &mut buf).to_str().unwrap(), n.to_string());
        }
    }
}
