//! Launching a jailed program: plan before fork, stage 1 in the child,
//! parent-side setup, then the handoff of stage 2.

mod child;
mod command;
mod enter_self;
mod error;
mod fs;
mod idmap;
mod init;
mod mountplan;
mod parent;
mod plan;
pub mod preload;
mod report;
pub mod signals;

pub use command::{Command, Environment, Stdio};
pub use error::LaunchError;
pub use idmap::{parse as parse_id_map, IdRange};
pub use parent::cgroup_procs_file;
pub use plan::Delivery;
pub use report::{ChildFailure, ChildStep};

use std::fs::File;
use std::os::fd::FromRawFd;

use crate::config::Jail;
use crate::process::JailedProcess;
use crate::sys;
use child::ChildFds;
use plan::Plan;
use report::RECORD_LEN;

/// Pipes of one launch; closes whatever is still open when dropped.
struct LaunchPipes {
    sync: (libc::c_int, libc::c_int),
    status: (libc::c_int, libc::c_int),
    handoff: (libc::c_int, libc::c_int),
}

impl LaunchPipes {
    /// The status pipe always; the sync pipe when the child waits for the
    /// launcher's setup; the handoff pipe in preload mode. All numbered
    /// `min_fd` or above, clear of the fds the child hands the program.
    fn new(
        with_sync: bool,
        with_handoff: bool,
        min_fd: libc::c_int,
    ) -> Result<LaunchPipes, LaunchError> {
        let mut p = LaunchPipes {
            sync: (-1, -1),
            status: (-1, -1),
            handoff: (-1, -1),
        };
        if with_sync {
            p.sync = sys::pipe_at_or_above(min_fd).map_err(|e| LaunchError::os("pipe", e))?;
        }
        p.status = sys::pipe_at_or_above(min_fd).map_err(|e| LaunchError::os("pipe", e))?;
        if with_handoff {
            p.handoff = sys::pipe_at_or_above(min_fd).map_err(|e| LaunchError::os("pipe", e))?;
        }
        Ok(p)
    }

    fn take(fd: &mut libc::c_int) -> libc::c_int {
        std::mem::replace(fd, -1)
    }
}

impl Drop for LaunchPipes {
    fn drop(&mut self) {
        for fd in [
            self.sync.0,
            self.sync.1,
            self.status.0,
            self.status.1,
            self.handoff.0,
            self.handoff.1,
        ] {
            sys::close(fd);
        }
    }
}

/// Kill and reap a child whose launch failed, so no zombie is left.
fn abandon(pid: libc::pid_t) {
    // SAFETY: signalling and reaping our own child.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
        let mut st = 0;
        while libc::waitpid(pid, &mut st, 0) < 0 && sys::errno() == libc::EINTR {}
    }
}

/// Reap a child that reported failure and build the error.
fn child_failed(jail: &Jail, pid: libc::pid_t, failure: ChildFailure) -> LaunchError {
    let mut st = 0;
    // SAFETY: reaping our own child, which is exiting.
    while unsafe { libc::waitpid(pid, &mut st, 0) } < 0 && sys::errno() == libc::EINTR {}
    LaunchError::Child {
        failure,
        detail: describe_detail(jail, &failure),
        status: crate::status::from_wait_status(st),
    }
}

fn describe_detail(jail: &Jail, f: &ChildFailure) -> String {
    let index = f.detail as usize;
    match f.step {
        ChildStep::Mount | ChildStep::MountDestination => jail
            .mounts
            .get(index)
            .map(|m| format!(" ({} on {})", m.source.display(), m.dest.display()))
            .unwrap_or_default(),
        ChildStep::Rlimit => jail
            .rlimits
            .get(index)
            .map(|r| {
                format!(
                    " ({} = {} {})",
                    crate::rlimit::name(r.resource),
                    r.cur,
                    r.max
                )
            })
            .unwrap_or_default(),
        ChildStep::JoinNamespace => jail
            .join_ns
            .get(index)
            .map(|(_, p)| format!(" ({})", p.display()))
            .unwrap_or_default(),
        ChildStep::Stage2 => format!(" (step {})", f.detail),
        ChildStep::Propagation => match index.checked_sub(1) {
            None => " (/)".to_owned(),
            Some(i) => jail
                .remounts
                .get(i)
                .map(|(path, _)| format!(" ({})", path.display()))
                .unwrap_or_default(),
        },
        _ => String::new(),
    }
}

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

/// Fork the child and run the launch protocol. `exec` false is fork mode:
/// Ok(None) is returned in the jailed child.
fn launch(jail: &Jail, mut plan: Plan, exec: bool) -> Result<Option<JailedProcess>, LaunchError> {
    let preload = plan.delivery == plan::Delivery::Preload;
    let mut pipes = LaunchPipes::new(plan.wait_for_parent, preload, plan.fd_base)?;
    let handoff_sent = preload && parent::write_handoff_early(pipes.handoff.1, &plan.stage2_bytes)?;
    if handoff_sent {
        sys::close(LaunchPipes::take(&mut pipes.handoff.1));
    }
    let stdio_parent: Vec<libc::c_int> = plan.stdio_pipes.iter().flatten().map(|p| p.0).collect();
    let mut parent_ends = [-1; 6];
    parent_ends[0] = pipes.sync.1;
    parent_ends[1] = pipes.status.0;
    parent_ends[2] = pipes.handoff.1;
    for (slot, fd) in parent_ends[3..].iter_mut().zip(&stdio_parent) {
        *slot = *fd;
    }
    let fds = ChildFds {
        sync_read: pipes.sync.0,
        status_write: pipes.status.1,
        handoff_read: pipes.handoff.0,
        parent_ends,
    };

    // Block every signal around clone so no handler of the caller's runs
    // in the child before it resets them; the child restores the mask.
    let blocked = SignalsBlocked::new(&mut plan.saved_sigmask);
    let cloned = if plan.shared_memory_child {
        clone_sharing_memory(&mut plan, &fds)
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
    let pid = cloned.map_err(|e| LaunchError::clone_failed(e, plan.clone_flags))?;
    if pid == 0 {
        if exec {
            child::run(&mut plan, &fds);
        }
        child::setup(&mut plan, &fds);
        sys::close(fds.status_write);
        std::mem::forget(pipes);
        std::mem::forget(plan);
        return Ok(None);
    }

    // Parent: forward signals from now on (the guard stops it if the
    // launch fails), then drop the child's ends.
    struct Forwarding(libc::pid_t);
    impl Drop for Forwarding {
        fn drop(&mut self) {
            signals::unregister(self.0);
        }
    }
    let forwarding = jail.forward_signals.then(|| {
        signals::register(pid);
        Forwarding(pid)
    });
    // Parent: drop the child's ends.
    for fd in [
        LaunchPipes::take(&mut pipes.sync.0),
        LaunchPipes::take(&mut pipes.status.1),
        LaunchPipes::take(&mut pipes.handoff.0),
    ] {
        sys::close(fd);
    }
    let mut stdio = [None, None, None];
    for (i, p) in plan.stdio_pipes.iter_mut().enumerate() {
        if let Some((parent_end, child_end)) = p.take() {
            sys::close(child_end);
            // SAFETY: parent_end is a pipe end this launch created and owns.
            stdio[i] = Some(unsafe { File::from_raw_fd(parent_end) });
        }
    }

    // A shared-memory child has already exec'd (or failed) by now and
    // waits for nothing, nor does a child the launcher has nothing to set
    // up for; any other child waits for this release.
    if plan.wait_for_parent {
        if let Err(e) = parent::setup_child(&plan, pid) {
            abandon(pid);
            return Err(e);
        }
        let sync_w = LaunchPipes::take(&mut pipes.sync.1);
        let released = parent::write_no_sigpipe(sync_w, &[1]);
        sys::close(sync_w);
        if let Err(e) = released {
            abandon(pid);
            return Err(LaunchError::os("releasing the jailed child", e));
        }
    }

    // The status pipe: the setup-done byte, then a failure record or end
    // of file at execve (or, in fork mode, when the child returns).
    let status_r = LaunchPipes::take(&mut pipes.status.0);
    let mut report = [0u8; 1 + RECORD_LEN];
    let got = sys::read_full(status_r, &mut report);
    sys::close(status_r);
    let done = report[0] == report::SETUP_DONE;
    let record = match got {
        Ok(1) if done => None,
        Ok(RECORD_LEN) => Some(&report[..RECORD_LEN]),
        Ok(n) if n == 1 + RECORD_LEN && done => Some(&report[1..]),
        Ok(0) => {
            // Died during setup, before it could say how far it got.
            let mut st = 0;
            // SAFETY: reaping our own child, which has exited.
            while unsafe { libc::waitpid(pid, &mut st, 0) } < 0 && sys::errno() == libc::EINTR {}
            return Err(LaunchError::ChildDied(crate::status::from_wait_status(st)));
        }
        Ok(_) | Err(_) => {
            abandon(pid);
            return Err(LaunchError::Invalid(
                "the jailed child sent a malformed status report".into(),
            ));
        }
    };
    if let Some(record) = record {
        let record: &[u8; RECORD_LEN] = record.try_into().expect("RECORD_LEN bytes");
        match ChildFailure::decode(record) {
            Some(failure) => return Err(child_failed(jail, pid, failure)),
            None => {
                abandon(pid);
                return Err(LaunchError::Invalid(
                    "the jailed child sent a malformed status record".into(),
                ));
            }
        }
    }

    if preload && !handoff_sent {
        let handoff_w = LaunchPipes::take(&mut pipes.handoff.1);
        let written = parent::write_no_sigpipe(handoff_w, &plan.stage2_bytes)
            .map_err(|e| LaunchError::os("writing the handoff to the jailed program", e));
        sys::close(handoff_w);
        // A program that died before reading shows its fate in wait();
        // any other write failure means the jail may not be applied.
        if let Err(e) = written {
            if !matches!(&e, LaunchError::Os { source, .. } if source.raw_os_error() == Some(libc::EPIPE))
            {
                abandon(pid);
                return Err(e);
            }
        }
    }
    // The program runs: forwarding now ends when it is waited for.
    std::mem::forget(forwarding);
    let [stdin, stdout, stderr] = stdio;
    Ok(Some(JailedProcess::new(
        pid,
        stdin,
        stdout,
        stderr,
        plan.seccomp_label.clone(),
    )))
}

impl Jail {
    /// Run `cmd` in this jail; returns once the program has been exec'd.
    pub fn spawn(&self, cmd: &Command) -> Result<JailedProcess, LaunchError> {
        let plan = Plan::build(self, cmd, false)?;
        Ok(launch(self, plan, true)?.expect("the parent always gets a process"))
    }

    /// Run `program` with `args` (argv[1..]) and the launcher's environment.
    pub fn run<S: AsRef<std::ffi::OsStr>>(
        &self,
        program: impl AsRef<std::path::Path>,
        args: &[S],
    ) -> Result<JailedProcess, LaunchError> {
        let mut cmd = Command::new(program);
        cmd.args(args);
        self.spawn(&cmd)
    }

    /// Like [`Jail::run`], but apply stage 2 in the child before execve
    /// (for static programs; the policy must then allow execve).
    pub fn run_no_preload<S: AsRef<std::ffi::OsStr>>(
        &self,
        program: impl AsRef<std::path::Path>,
        args: &[S],
    ) -> Result<JailedProcess, LaunchError> {
        let mut cmd = Command::new(program);
        cmd.args(args).preload_mode(crate::PreloadMode::Never);
        self.spawn(&cmd)
    }

    /// Like [`Jail::run`], with exactly the environment `env` (`NAME=value`).
    pub fn run_env<S: AsRef<std::ffi::OsStr>, E: AsRef<std::ffi::OsStr>>(
        &self,
        program: impl AsRef<std::path::Path>,
        args: &[S],
        env: &[E],
    ) -> Result<JailedProcess, LaunchError> {
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
    pub unsafe fn fork(&self) -> Result<Option<JailedProcess>, LaunchError> {
        let mut cmd = Command::new("");
        cmd.preload_mode(crate::PreloadMode::Auto);
        let plan = Plan::build(self, &cmd, true)?;
        launch(self, plan, false)
    }
}

/// Run a program in a jail and wait for it: the exit status minijail
/// would report.
pub fn run_and_wait(jail: &Jail, cmd: &Command) -> Result<i32, LaunchError> {
    let mut child = jail.spawn(cmd)?;
    child.wait().map_err(|e| {
        LaunchError::os(
            "waiting for the jailed program",
            e.raw_os_error().unwrap_or(0),
        )
    })
}
