//! Launching a jailed program: plan before fork, stage 1 in the child,
//! parent-side setup, then the handoff of stage 2.

// The kernel-facing modules: the child's syscalls, clone, the parent's
// pipes and reaping, signal handlers, the loader query, the user
// namespace's holder. The rest (planning, errors, parsing) has no unsafe
// code.
mod channel;
#[allow(unsafe_code)]
mod child;
#[allow(unsafe_code)]
mod clone;
mod command;
mod enter;
mod error;
#[allow(unsafe_code)]
mod fs;
mod idmap;
mod idmap_write;
#[allow(unsafe_code)]
mod init;
#[allow(unsafe_code)]
mod init_image;
mod jail_command;
mod mountplan;
#[allow(unsafe_code)]
mod parent;
#[allow(unsafe_code)]
mod parent_death;
mod plan;
#[allow(unsafe_code)]
pub(crate) mod preload_library;
mod pty_plan;
mod report;
mod supervision;
mod userns_check;
#[allow(unsafe_code)]
mod userns_holder;

pub use command::{Command, Environment, Stdio};
pub use error::{Conflict, FdProblem, LaunchError, Protocol};
pub use idmap::{parse as parse_id_map, IdMapError, IdRange};
pub use jail_command::JailCommand;
pub(crate) use parent::cgroup_procs_file;
pub use report::{ChildFailure, ChildStep};
pub use userns_check::UsernsRefusal;

use crate::config::Jail;
use crate::process::JailedProcess;
use parent::launch;
use plan::Plan;

impl Jail {
    /// Run `cmd` in this jail; returns once the program has been exec'd.
    pub fn spawn(&self, cmd: &Command) -> Result<JailedProcess, LaunchError> {
        let plan = Plan::build(self, cmd, false)?;
        Ok(launch(self, plan, true)?.expect("the parent always gets a process"))
    }

    /// Everything [`Jail::spawn`] checks and prepares for `cmd` before it
    /// clones, without making the process or what only a launch makes
    /// (the jail's own cgroup, a pty, the pid namespace's init): Ok means
    /// the settings are consistent and the host looked right for them
    /// just now. For a dry run, and for fuzzing the planning.
    pub fn check_launch(&self, cmd: &Command) -> Result<(), LaunchError> {
        Plan::build_making(self, cmd, false, plan::Making::Nothing).map(drop)
    }

    /// Run `program` with `args` (argv\[1..\]) and the launcher's
    /// environment, as `jail.command(program).args(args).spawn()`; `args`
    /// is anything [`Command::args`] takes.
    ///
    /// ```no_run
    /// let jail = jail::Jail::new();
    /// let status = jail.run("/bin/echo", ["hello", "world"])?.wait()?;
    /// assert!(status.success());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run<I, S>(
        &self,
        program: impl AsRef<std::path::Path>,
        args: I,
    ) -> Result<JailedProcess, LaunchError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = Command::new(program);
        cmd.args(args);
        self.spawn(&cmd)
    }

    /// Like [`Jail::run`], but apply stage 2 in the child before execve
    /// (for static programs; the policy must then allow execve).
    pub fn run_no_preload<I, S>(
        &self,
        program: impl AsRef<std::path::Path>,
        args: I,
    ) -> Result<JailedProcess, LaunchError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = Command::new(program);
        cmd.args(args).preload_mode(crate::PreloadMode::Never);
        self.spawn(&cmd)
    }

    /// Like [`Jail::run`], with exactly the environment `env` (`NAME=value`
    /// entries, as [`Command::env_exactly`] takes them).
    pub fn run_env<I, S, E, V>(
        &self,
        program: impl AsRef<std::path::Path>,
        args: I,
        env: E,
    ) -> Result<JailedProcess, LaunchError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
        E: IntoIterator<Item = V>,
        V: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = Command::new(program);
        cmd.args(args).env_exactly(env);
        self.spawn(&cmd)
    }

    /// Fork a jailed child that returns from this call (`Ok(None)`), with
    /// the whole jail applied in it; the parent gets `Ok(Some(process))`.
    ///
    /// # Safety
    ///
    /// As with `fork(2)` in a multithreaded program: the child may only
    /// call async-signal-safe functions until it execs or exits if the
    /// caller has other threads (no allocation, no locks). With a new pid
    /// or user namespace the child is made by raw clone(2), as upstream's
    /// `minijail_fork` does, and glibc's cached thread id in it is the
    /// parent's: avoid `raise` and pthread calls there (use `kill(getpid())`).
    #[allow(unsafe_code)] // fork(2)'s contract is the caller's.
    pub unsafe fn fork(&self) -> Result<Option<JailedProcess>, LaunchError> {
        let mut cmd = Command::new("");
        cmd.preload_mode(crate::PreloadMode::Auto);
        let plan = Plan::build(self, &cmd, true)?;
        launch(self, plan, false)
    }
}

/// Make this process undumpable for the rest of its life (PR_SET_DUMPABLE
/// 0), so no program it launches can ptrace it or read its /proc/PID/
/// environ, fd or mem, whatever the jail. [`Jail::spawn`] and the other
/// launches do it themselves when the program could reach the launcher
/// (see [`Jail::keep_launcher_dumpable`]); a caller that keeps secrets in
/// its environment or fds and starts programs some other way calls this.
pub fn make_launcher_undumpable() -> Result<(), LaunchError> {
    crate::sys::set_dumpable(false)
        .map_err(|e| LaunchError::os("making the launcher undumpable (PR_SET_DUMPABLE)", e))
}
