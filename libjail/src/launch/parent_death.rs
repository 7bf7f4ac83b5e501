//! The parent-death signal: armed in the child, and armed again wherever
//! it is cleared (a credential change, a fork).

use super::plan::Plan;
use super::report::{fail, ChildStep};
use crate::sys;

/// Whether the launcher has died. In a new pid namespace getppid() is 0
/// while the launcher lives (it is outside the namespace), so ask the
/// status pipe instead: the launcher holds its only read end, and a pipe
/// whose readers are all gone polls as POLLERR.
fn launcher_gone(plan: &Plan, status_write: libc::c_int) -> bool {
    if plan.clone_flags & libc::CLONE_NEWPID == 0 {
        // SAFETY: getppid has no preconditions.
        return unsafe { libc::getppid() } != plan.parent_pid;
    }
    let mut pfd = libc::pollfd {
        fd: status_write,
        events: 0,
        revents: 0,
    };
    // SAFETY: poll on one valid pollfd, without waiting.
    unsafe { libc::poll(&mut pfd, 1, 0) == 1 && pfd.revents & libc::POLLERR != 0 }
}

/// Arm the parent-death signal, if asked, and exit if the launcher died
/// before it was armed (it is re-armed after credentials change, which
/// clears it).
pub fn arm_pdeathsig(plan: &Plan, status: libc::c_int) {
    let Some(sig) = plan.pdeathsig else { return };
    // SAFETY: prctl with integer arguments.
    let armed = unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, sig as libc::c_ulong, 0, 0, 0) };
    if let Err(e) = sys::check(armed.into()) {
        fail(status, ChildStep::ParentDeathSignal, e, 0);
    }
    if launcher_gone(plan, status) {
        sys::exit_now(crate::status::JAIL_FAILED);
    }
}
