//! Applying a jail to the calling process itself (`minijail_enter`):
//! the same plan and the same steps as the forked child, minus what only
//! a new process can get.

use super::child;
use super::command::Command;
use super::error::{describe_detail, LaunchError};
use super::plan::Plan;
use super::report::{ChildFailure, ChildStep};
use crate::config::{Jail, Namespace};
use crate::hook::HookEvent;

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
    /// A process with more than one thread is refused: ids and capabilities
    /// change per thread, so the other threads would keep their privileges.
    ///
    /// An error after the first step leaves the process partly jailed: the
    /// caller must exit, never run on (the C API aborts).
    pub fn enter(&self) -> Result<(), LaunchError> {
        let refuse = |what| Err(LaunchError::NeedsNewProcess(what));
        // Why a step failed, naming its item (the mount, the rlimit) as
        // spawn does.
        let step_failed = |step, errno, detail| {
            let failure = ChildFailure {
                step,
                errno,
                detail,
            };
            LaunchError::Enter {
                detail: describe_detail(self, &failure),
                failure,
            }
        };
        if self.has_namespace(Namespace::Pid)
            || self.join_ns.iter().any(|(n, _)| *n == Namespace::Pid)
        {
            return refuse("a pid namespace");
        }
        if self.has_namespace(Namespace::User) {
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
        // Ids and capabilities are per thread (the stage-2 syscalls are raw,
        // without glibc's broadcast to every thread): with other threads
        // running, only this one would drop its privileges.
        match jail_enter::single_threaded() {
            Ok(true) => {}
            Ok(false) => return Err(LaunchError::MultiThreaded),
            Err(e) => {
                return Err(LaunchError::os(
                    "counting this process's threads",
                    e.raw_os_error().unwrap_or(0),
                ))
            }
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
