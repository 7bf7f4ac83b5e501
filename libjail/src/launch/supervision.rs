//! The launch's hooks for the seccomp supervisor ([`crate::supervise`]):
//! the report socket made before clone, and what the launcher keeps to
//! explain the program's death.

use std::os::fd::{AsRawFd, OwnedFd};

use super::error::LaunchError;
use super::plan::Plan;
use crate::config::Jail;
use crate::process::DeathWatch;
use crate::supervise::Supervisor;
use crate::sys;

/// Make the report socket of a supervised seccomp filter, put its child
/// end into the plan's fd moves, and start the supervisor on the other.
/// The child end is returned for the launcher to close after clone.
pub fn start(
    jail: &Jail,
    plan: &mut Plan,
) -> Result<(Option<OwnedFd>, Option<Supervisor>), LaunchError> {
    let (Some((notify, _)), Some(index), Some(filter)) =
        (plan.supervision, plan.report_move, jail.seccomp())
    else {
        return Ok((None, None));
    };
    let (ours, theirs) =
        sys::socketpair_seqpacket().map_err(|e| LaunchError::os("socketpair", e))?;
    plan.fd_moves[index].source = theirs.as_raw_fd();
    let supervisor = Supervisor::start(ours, notify, filter.policy.clone(), &filter.program)
        .map_err(|e| {
            LaunchError::os(
                "starting the seccomp supervisor thread",
                e.raw_os_error().unwrap_or(0),
            )
        })?;
    Ok((Some(theirs), Some(supervisor)))
}

/// What the jailed process keeps for explaining its death.
pub fn death_watch(jail: &Jail, plan: &Plan, supervisor: Option<Supervisor>) -> DeathWatch {
    DeathWatch {
        seccomp_label: plan.seccomp_label.clone(),
        supervisor,
        init: plan.inner_fork,
        strict: jail.seccomp_strict,
        log_summary: plan
            .supervision
            .is_some_and(|(n, _)| n == jail_enter::supervise::Notify::KillsAndLogs),
        before_exec: plan.delivery == super::plan::Delivery::BeforeExec,
    }
}
