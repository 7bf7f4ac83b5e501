//! Making the child process: fork, clone with namespace flags, or a
//! vfork-style clone sharing the launcher's memory, with every signal
//! blocked around it.

use super::channel::ChildFds;
use super::child;
use super::error::LaunchError;
use super::plan::Plan;
use crate::sys;

/// All signals blocked in the calling thread; the old mask is restored on drop.
struct SignalsBlocked {
    old: libc::sigset_t,
}

impl SignalsBlocked {
    fn new(save: &mut libc::sigset_t) -> SignalsBlocked {
        // SAFETY: sigfillset initialises `all`; pthread_sigmask writes the
        // old mask into a valid sigset_t.
        unsafe {
            let mut all: libc::sigset_t = std::mem::zeroed();
            libc::sigfillset(&mut all);
            libc::pthread_sigmask(libc::SIG_SETMASK, &all, save);
        }
        SignalsBlocked { old: *save }
    }
}

impl Drop for SignalsBlocked {
    fn drop(&mut self) {
        // SAFETY: restoring a mask saved by pthread_sigmask.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &self.old, std::ptr::null_mut()) };
    }
}

/// What the shared-memory child gets: pointers into the parent's frame,
/// valid because the parent is suspended until the child execs or exits.
struct SharedChild {
    plan: *mut Plan,
    fds: *const ChildFds,
}

extern "C" fn shared_child_main(arg: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `arg` is the SharedChild the parent passed; the parent is
    // suspended (CLONE_VFORK) so nothing else touches the plan.
    let shared = unsafe { &*(arg as *const SharedChild) };
    // SAFETY: as above.
    unsafe { child::run(&mut *shared.plan, &*shared.fds) }
}

/// Clone a child that shares our memory and suspends us until it execs or
/// exits (what posix_spawn does): no page tables are copied, which is most
/// of a plain fork's cost.
fn clone_sharing_memory(plan: &mut Plan, fds: &ChildFds) -> Result<libc::pid_t, sys::Errno> {
    let mut shared = SharedChild { plan, fds };
    // SAFETY: `shared` outlives the child's use of it (clone_vfork returns
    // only after execve or exit); the child only makes syscalls on the plan
    // and never returns into our frames (child::run execs or exits).
    unsafe { sys::clone_vfork(shared_child_main, (&mut shared as *mut SharedChild).cast()) }
}

/// Make the child: its pid in the launcher, 0 in a child that must go on
/// with [`child::run`] or [`child::setup`]. A shared-memory child has
/// already exec'd or failed when this returns.
pub fn clone_child(
    plan: &mut Plan,
    fds: &ChildFds,
    exec: bool,
) -> Result<libc::pid_t, LaunchError> {
    if plan.undumpable_launcher {
        super::make_launcher_undumpable()?;
    }
    plan.announce_dumpable = plan.userns && !sys::is_dumpable();
    // Block every signal around clone so no handler of the caller's runs
    // in the child before it resets them; the child restores the mask.
    let blocked = SignalsBlocked::new(&mut plan.saved_sigmask);
    let cloned = if plan.shared_memory_child {
        clone_sharing_memory(plan, fds)
    } else if !exec && plan.clone_flags == 0 {
        // Fork mode returns into the caller's code, which may use libc
        // functions that trust glibc's cached thread id (raise, recursive
        // mutexes): fork(3) keeps that cache right, raw clone does not.
        // SAFETY: fork has no memory-safety preconditions; the child only
        // makes syscalls until it returns to the caller, as documented.
        sys::check(unsafe { libc::fork() }.into()).map(|pid| pid as libc::pid_t)
    } else {
        sys::clone_process(plan.clone_flags)
    };
    if cloned == Ok(0) {
        // A fork-like child keeps every signal blocked through its setup
        // (and a pid namespace's init for good); it sets the program's
        // mask itself at the end.
        std::mem::forget(blocked);
    } else {
        drop(blocked);
    }
    let flags = plan.clone_flags;
    cloned.map_err(|e| LaunchError::Refused {
        call: format!(
            "clone({}) (creating the jailed process)",
            crate::doctor::cause::flag_names(flags)
        ),
        source: std::io::Error::from_raw_os_error(e),
        hint: crate::doctor::clone_failure_hint(flags, e),
    })
}
