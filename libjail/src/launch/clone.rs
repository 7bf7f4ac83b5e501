//! Making the child process: fork, clone with namespace flags, or a
//! vfork-style clone sharing the launcher's memory, with every signal
//! blocked around it.

use super::channel::ChildFds;
use super::child;
use super::error::LaunchError;
use super::plan::Plan;
use crate::sys;

/// All signals blocked in the calling thread; the old mask is restored on drop.
pub(super) struct SignalsBlocked {
    old: libc::sigset_t,
}

impl SignalsBlocked {
    pub(super) fn new(save: &mut libc::sigset_t) -> SignalsBlocked {
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

/// What the shared-memory child gets: pointers into the launcher's frame,
/// valid until the child has exec'd or exited (the launcher waits for
/// that before it returns).
struct SharedChild {
    plan: *mut Plan,
    fds: *const ChildFds,
    /// The relay's clone of the child (see [`relay_main`]): its pid, or
    /// the step and errno that failed; written by the relay before it
    /// exits, read by the launcher after (CLONE_VFORK).
    relayed: Result<libc::pid_t, (&'static str, sys::Errno)>,
    /// The child's stack, for the relay's clone.
    child_stack: *const sys::GuardedStack,
}

extern "C" fn shared_child_main(arg: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `arg` is the SharedChild the launcher passed. The launcher is
    // suspended (CLONE_VFORK), or reads only the plan's parent-side fields
    // (maps, cgroups, pid file) and then waits for this child to exec.
    let shared = unsafe { &*(arg as *const SharedChild) };
    // SAFETY: as above.
    unsafe { child::run(&mut *shared.plan, &*shared.fds) }
}

/// A new pid namespace inside a user namespace made before the clone
/// (userns_holder.rs) must be made by a process in that user namespace:
/// this relay joins it and clones the child with CLONE_NEWPID and
/// CLONE_PARENT (the child is the launcher's, pid 1 of its namespace),
/// says how that went in `relayed`, and exits. The launcher is suspended
/// (CLONE_VFORK) until then; the child waits for its release.
extern "C" fn relay_main(arg: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `arg` is the launcher's SharedChild; the launcher is
    // suspended until this process exits, and the child only reads it.
    let shared = unsafe { &mut *(arg as *mut SharedChild) };
    // SAFETY: the plan outlives the launch (see clone_sharing_memory).
    let (userns, flags) = unsafe { ((*shared.plan).userns_fd, (*shared.plan).clone_flags) };
    // SAFETY: setns on an fd the launcher opened before the clone.
    shared.relayed = if unsafe { libc::setns(userns, libc::CLONE_NEWUSER) } != 0 {
        Err((
            "setns(CLONE_NEWUSER) (joining the new user namespace)",
            sys::errno(),
        ))
    } else {
        // SAFETY: as clone_sharing_memory's clone; the stack is the child's
        // alone, the launcher keeps it until the child has exec'd.
        unsafe {
            sys::clone_vm(
                flags | libc::CLONE_PARENT,
                false,
                &*shared.child_stack,
                shared_child_main,
                arg,
            )
        }
        .map_err(|e| ("clone (creating the jailed process)", e))
    };
    // SAFETY: _exit ends this process only; nothing of ours to unwind.
    unsafe { libc::_exit(0) }
}

/// What must outlive a child that shares the launcher's memory, and the
/// launcher's signal mask while it may run: held by the launcher until
/// the child's report says it exec'd, or until it is reaped.
pub struct ChildLife {
    /// Dropped (the caller's mask restored) by [`ChildLife::execed`].
    blocked: Option<SignalsBlocked>,
    /// The child's stack, and the program's when it forks an init.
    stacks: Vec<sys::GuardedStack>,
    shared: Option<Box<SharedChild>>,
}

impl ChildLife {
    /// The child (and the program it forked) exec'd or died: this
    /// thread's errno and signals are its own again.
    pub fn execed(&mut self) {
        self.blocked = None;
    }
}

/// Clone a child that shares our memory (see [`sys::clone_vm`]): no page
/// tables are copied, which is most of a plain fork's cost and grows with
/// the caller's size. It suspends us until it execs (what posix_spawn
/// does) unless the launcher has setup to do while it waits; then the
/// child makes no call until released, and this thread, whose errno it
/// shares, takes no signal until the child has exec'd.
fn clone_sharing_memory(
    plan: &mut Plan,
    fds: &mut ChildFds,
    life: &mut ChildLife,
) -> Result<libc::pid_t, LaunchError> {
    let stack =
        || sys::GuardedStack::new().map_err(|e| LaunchError::os("mapping the child's stack", e));
    // Every stack first: the child and the relay hold pointers into the vector.
    let relay = plan.userns_fd >= 0 && plan.clone_flags & libc::CLONE_NEWPID != 0;
    let count = 1 + usize::from(plan.inner_fork) + usize::from(relay);
    for _ in 0..count {
        life.stacks.push(stack()?);
    }
    if plan.inner_fork {
        fds.program_stack = &life.stacks[1];
    }
    let (vfork, flags) = (!plan.wait_for_parent, plan.clone_flags);
    let shared = life.shared.insert(Box::new(SharedChild {
        plan,
        fds,
        // Until the relay says otherwise: a relay that ended before its
        // clone must never read as pid 0 (the child's side of a launch).
        relayed: Err(("the relay (joining the new user namespace)", libc::ECHILD)),
        child_stack: &life.stacks[0],
    }));
    let arg = (&mut **shared as *mut SharedChild).cast();
    if relay {
        // SAFETY: as below; the relay only clones the child and exits,
        // and we are suspended until it has.
        let relay_pid = unsafe { sys::clone_vm(0, true, &life.stacks[count - 1], relay_main, arg) }
            .map_err(|e| clone_error(0, e))?;
        sys::wait_for(relay_pid);
        return shared.relayed.map_err(|(call, e)| LaunchError::Refused {
            call: call.to_owned(),
            source: std::io::Error::from_raw_os_error(e),
            hint: crate::doctor::cause::clone_failure_hint(flags, e),
        });
    }
    // SAFETY: `life` keeps the stacks and `shared` alive, and the launcher
    // keeps `plan` and `fds`, until the child and the program it forks
    // have exec'd (end of file on the status pipe) or the child is reaped.
    // The child only makes syscalls on the plan and never returns into
    // our frames (child::run execs or exits).
    unsafe { sys::clone_vm(flags, vfork, &life.stacks[0], shared_child_main, arg) }
        .map_err(|e| clone_error(flags, e))
}

fn clone_error(flags: libc::c_int, e: sys::Errno) -> LaunchError {
    LaunchError::Refused {
        call: format!(
            "clone({}) (creating the jailed process)",
            crate::doctor::cause::flag_names(flags)
        ),
        source: std::io::Error::from_raw_os_error(e),
        hint: crate::doctor::cause::clone_failure_hint(flags, e),
    }
}

/// Make the child: its pid in the launcher, 0 in a child that must go on
/// with [`child::run`] or [`child::setup`]. The launcher keeps the
/// [`ChildLife`] until the child's report is in.
pub fn clone_child(
    plan: &mut Plan,
    fds: &mut ChildFds,
    exec: bool,
) -> Result<(libc::pid_t, ChildLife), LaunchError> {
    if plan.undumpable_launcher {
        super::make_launcher_undumpable()?;
    }
    // An undumpable launcher's children have root-owned /proc files, so an
    // unprivileged launcher cannot write a new user namespace's maps into
    // them. The child then makes itself dumpable for the wait, which it
    // may only do in memory of its own: the flag belongs to the address
    // space, and a child sharing ours would make the launcher dumpable.
    // A root launcher owns those files (the owner is the root of the
    // namespace the memory belongs to), so its child keeps sharing memory
    // and the launch cost does not grow with the caller's size.
    let launcher_is_root = sys::effective_ids().0 == 0;
    plan.announce_dumpable =
        plan.userns && plan.userns_fd < 0 && !sys::is_dumpable() && !launcher_is_root;
    if plan.announce_dumpable {
        plan.shared_memory_child = false;
    }
    // Block every signal around clone so no handler of the caller's runs
    // in the child before it resets them; the child restores the mask.
    let mut life = ChildLife {
        blocked: Some(SignalsBlocked::new(&mut plan.saved_sigmask)),
        stacks: Vec::new(),
        shared: None,
    };
    if exec && plan.shared_memory_child {
        let pid = clone_sharing_memory(plan, fds, &mut life)?;
        return Ok((pid, life));
    }
    let cloned = if !exec && plan.clone_flags == 0 {
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
        std::mem::forget(life.blocked.take());
    } else {
        // A copy shares nothing with us: the caller's mask again.
        life.execed();
    }
    Ok((cloned.map_err(|e| clone_error(plan.clone_flags, e))?, life))
}
