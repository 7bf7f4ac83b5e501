//! Applying a jail to the calling process itself (`minijail_enter`):
//! the same plan and the same steps as the forked child, minus what only
//! a new process can get.

use super::child;
use super::command::Command;
use super::error::LaunchError;
use super::plan::Plan;
use super::report::ChildStep;
use crate::config::{Jail, Namespace};
use crate::hook::HookEvent;

/// Why a step failed, for [`Jail::enter`]'s error.
fn step_failed(step: ChildStep, errno: i32, detail: u64) -> LaunchError {
    LaunchError::os(format!("{} (detail {detail})", step.describe()), errno)
}

impl Jail {
    /// Apply this jail to the calling process: join and create namespaces,
    /// mounts, chroot/pivot_root, rlimits, then ids, capabilities,
    /// no_new_privs, Landlock and seccomp.
    ///
    /// Settings that only a new process can get are refused before anything
    /// is applied: new pid or user namespaces, joining a pid namespace,
    /// uid/gid maps, cgroups, a pid file (use [`Jail::spawn`] or
    /// [`Jail::fork`]).
    ///
    /// An error after the first step leaves the process partly jailed: the
    /// caller must exit, never run on (the C API aborts).
    pub fn enter(&self) -> Result<(), LaunchError> {
        let refuse = |what: &str| {
            Err(LaunchError::Invalid(format!(
                "{what} cannot be applied to the running process; run a program in the jail instead (minijail_run / minijail_fork)"
            )))
        };
        if self.has_namespace(Namespace::Pid)
            || self.join_ns.iter().any(|(n, _)| *n == Namespace::Pid)
        {
            return refuse("a pid namespace");
        }
        if self.has_namespace(Namespace::User) || self.uid_map.is_some() || self.gid_map.is_some() {
            return refuse("a new user namespace");
        }
        if self.has_namespace(Namespace::Time) {
            return refuse("a new time namespace");
        }
        if !self.cgroups.is_empty() {
            return refuse("joining a cgroup");
        }
        if self.resources.is_set() {
            return refuse("a cgroup of its own, resource limits or a time limit");
        }
        if self.pid_file.is_some() {
            return refuse("a pid file");
        }
        let cmd = Command::new("");
        let mut plan = Plan::build(self, &cmd, true)?;

        child::isolate(&mut plan).map_err(|(s, e, d)| step_failed(s, e, d))?;
        child::apply_rlimits(&plan).map_err(|(s, e, d)| step_failed(s, e, d))?;
        crate::hook::run(&plan.hooks, HookEvent::PreDropCaps)
            .map_err(|(e, i)| step_failed(ChildStep::Hook, e, i))?;
        if let Some(prepared) = &plan.stage2_prepared {
            prepared
                .apply()
                .map_err(|e| step_failed(ChildStep::Stage2, e.errno, e.step as u64))?;
        }
        Ok(())
    }
}
