//! The launcher's side of a launch, as a sequence of named steps:
//!
//! 1. [`open_pipes`], and [`send_handoff_early`] when the pipe can hold it;
//! 2. [`super::userns_holder::prepare`] a new user namespace when the
//!    child cannot have its maps written (unprivileged, undumpable);
//!    clone the child ([`super::clone::clone_child`]), which runs stage 1;
//! 3. forward signals, close the child's pipe ends, keep the stdio ends;
//! 4. [`setup_child`] (uid/gid maps, cgroups, pid file) while the child
//!    waits, then [`release_child`];
//! 5. [`await_exec`]: the child's report, execve or the step that failed;
//! 6. [`send_handoff_late`] when it did not fit before;
//! 7. [`await_acknowledgement`] when the caller waits for the jail.

use std::fs::File;
use std::io::Write;
use std::os::fd::FromRawFd;
use std::path::{Path, PathBuf};

use super::channel::LaunchPipes;
use super::child;
use super::clone::clone_child;
use super::error::{describe_detail, LaunchError, Protocol};
use super::plan::{Delivery, Plan};
use super::report::{self, ChildFailure, ChildStep, Report};
use crate::config::Jail;
use crate::process::JailedProcess;
use crate::signals;
use crate::sys;

/// Fork the child and run the launch protocol. `exec` false is fork mode:
/// Ok(None) is returned in the jailed child.
pub fn launch(
    jail: &Jail,
    mut plan: Plan,
    exec: bool,
) -> Result<Option<JailedProcess>, LaunchError> {
    let mut pipes = open_pipes(&plan)?;
    let handoff_sent = send_handoff_early(&plan, &mut pipes)?;
    // Before clone: a no-preload child meets the supervisor before execve.
    let (report_child_end, supervisor) = super::supervision::start(jail, &mut plan)?;
    if plan.userns_holder {
        super::userns_holder::prepare(&mut plan)?;
    }
    let mut fds = pipes.child_fds(&plan);
    let (pid, mut life) = clone_child(&mut plan, &mut fds, exec)?;
    if pid == 0 {
        if exec {
            child::run(&mut plan, &fds);
        }
        child::setup(&mut plan, &fds);
        sys::close(fds.status_write);
        // The fds are the program's now (or closed by the setup).
        std::mem::forget(pipes);
        std::mem::forget(plan);
        return Ok(None);
    }

    // Forward signals from now on (the guard stops it if the launch fails).
    let forwarding = jail.forward_signals.then(|| Forwarding::start(pid));
    pipes.close_child_ends();
    drop(report_child_end);
    let [stdin, stdout, stderr] = take_stdio(&mut plan);

    // A child with uid/gid maps, cgroups or a pid file to wait for waits
    // for this release (one sharing our memory runs beside us: it makes no
    // call until released, and after it this thread only reads the status
    // pipe). Any other has exec'd or failed by now (vfork), or goes on.
    if plan.announce_dumpable {
        await_dumpable(jail, &plan, &mut pipes, pid)?;
    }
    if plan.wait_for_parent {
        if let Err(e) = setup_child(&plan, pid) {
            abandon(pid);
            return Err(e);
        }
        release_child(&plan, &mut pipes, pid)?;
    }
    await_exec(jail, &plan, &mut pipes, pid)?;
    life.execed();
    if plan.delivery == Delivery::Preload && !handoff_sent {
        send_handoff_late(&plan, &mut pipes, pid)?;
    }
    if plan.ack_target >= 0 {
        await_acknowledgement(&plan, &mut pipes, pid)?;
    }
    // The program runs: forwarding now ends when it is waited for.
    std::mem::forget(forwarding);
    let death_watch = super::supervision::death_watch(jail, &plan, supervisor);
    let watch = crate::cgroup::usage::Watch::new(pid, plan.jail_cgroup.take(), &jail.resources);
    let process = JailedProcess::new(pid, stdin, stdout, stderr, death_watch).watched(watch);
    Ok(Some(match plan.pty_master.take() {
        Some(master) => process.with_pty(crate::pty::Relay::new(master)),
        None => process,
    }))
}

/// Signal forwarding to the child while the launch may still fail.
struct Forwarding(libc::pid_t);

impl Forwarding {
    fn start(pid: libc::pid_t) -> Forwarding {
        signals::register(pid);
        Forwarding(pid)
    }
}

impl Drop for Forwarding {
    fn drop(&mut self) {
        signals::unregister(self.0);
    }
}

/// The pipes this launch needs, numbered clear of the program's fds.
fn open_pipes(plan: &Plan) -> Result<LaunchPipes, LaunchError> {
    let preload = plan.delivery == Delivery::Preload;
    LaunchPipes::new(
        plan.wait_for_parent,
        preload,
        plan.ack_target >= 0,
        plan.fd_base,
    )
}

/// The launcher's ends of the stdio pipes, as files; the child's ends
/// are closed.
fn take_stdio(plan: &mut Plan) -> [Option<File>; 3] {
    let mut stdio = [None, None, None];
    for (i, p) in plan.stdio_pipes.iter_mut().enumerate() {
        if let Some((parent_end, child_end)) = p.take() {
            sys::close(child_end);
            // SAFETY: parent_end is a pipe end this launch created and owns.
            stdio[i] = Some(unsafe { File::from_raw_fd(parent_end) });
        }
    }
    stdio
}

/// Parent → child: the launcher's setup is done, go on.
fn release_child(
    plan: &Plan,
    pipes: &mut LaunchPipes,
    pid: libc::pid_t,
) -> Result<(), LaunchError> {
    // Every signal is blocked in this thread while the child runs; judge
    // a SIGPIPE by the caller's own mask.
    // SAFETY: testing membership in a mask saved by pthread_sigmask.
    let caller_blocks_sigpipe =
        unsafe { libc::sigismember(&plan.saved_sigmask, libc::SIGPIPE) } == 1;
    let sync_w = LaunchPipes::take(&mut pipes.sync.1);
    let released = write_no_sigpipe(sync_w, &[1], Some(caller_blocks_sigpipe));
    sys::close(sync_w);
    released.map_err(|e| {
        abandon(pid);
        LaunchError::os("releasing the jailed child", e)
    })
}

/// Child → parent: read the report and turn a failure into the error.
/// Wait until the child is dumpable, so its uid/gid map files open.
fn await_dumpable(
    jail: &Jail,
    plan: &Plan,
    pipes: &mut LaunchPipes,
    pid: libc::pid_t,
) -> Result<(), LaunchError> {
    match report::await_dumpable(pipes.status.0) {
        Ok(()) => Ok(()),
        Err(report) => {
            sys::close(LaunchPipes::take(&mut pipes.status.0));
            Err(failed(jail, plan, report, pid))
        }
    }
}

fn await_exec(
    jail: &Jail,
    plan: &Plan,
    pipes: &mut LaunchPipes,
    pid: libc::pid_t,
) -> Result<(), LaunchError> {
    match report::receive(LaunchPipes::take(&mut pipes.status.0)) {
        Report::Execed => Ok(()),
        other => Err(failed(jail, plan, other, pid)),
    }
}

/// The error for a child that did not get to exec, reaped.
fn failed(jail: &Jail, plan: &Plan, report: Report, pid: libc::pid_t) -> LaunchError {
    match report {
        Report::Failed(failure) => child_failed(jail, plan, pid, failure),
        // Died during setup, before it could say how far it got.
        Report::Died => LaunchError::ChildDied(reap(pid)),
        Report::Execed | Report::Malformed { .. } => {
            abandon(pid);
            LaunchError::Protocol(if report == (Report::Malformed { bad_record: true }) {
                Protocol::UnknownStep
            } else {
                Protocol::MalformedReport
            })
        }
    }
}

/// Parent → program: the handoff that did not fit in the pipe before
/// clone, written while the program's constructor drains it.
fn send_handoff_late(
    plan: &Plan,
    pipes: &mut LaunchPipes,
    pid: libc::pid_t,
) -> Result<(), LaunchError> {
    let handoff_w = LaunchPipes::take(&mut pipes.handoff.1);
    let written = write_no_sigpipe(handoff_w, &plan.stage2_bytes, None);
    sys::close(handoff_w);
    match written {
        // A program that died before reading shows its fate in wait();
        // any other write failure means the jail may not be applied.
        Ok(()) | Err(libc::EPIPE) => Ok(()),
        Err(e) => {
            abandon(pid);
            Err(LaunchError::os(
                "writing the handoff to the jailed program",
                e,
            ))
        }
    }
}

/// Wait for our own child, which is exiting; its minijail status.
fn reap(pid: libc::pid_t) -> i32 {
    crate::status::from_wait_status(sys::wait_for(pid))
}

/// Kill and reap a child whose launch failed, so no zombie is left.
fn abandon(pid: libc::pid_t) {
    // SAFETY: signalling our own child.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    reap(pid);
}

/// Program → parent: stage 2's acknowledgement. End of file without it
/// means the program runs (or ran) without its jail, or the preload
/// failed: the program is killed and reaped either way.
fn await_acknowledgement(
    plan: &Plan,
    pipes: &mut LaunchPipes,
    pid: libc::pid_t,
) -> Result<(), LaunchError> {
    let ack_r = LaunchPipes::take(&mut pipes.ack.0);
    let mut byte = [0u8; 1];
    let got = sys::read_full(ack_r, &mut byte);
    sys::close(ack_r);
    if got == Ok(1) && byte[0] == jail_enter::APPLIED {
        return Ok(());
    }
    // A preload that could not apply the jail says so and exits 252:
    // wait for that exit (killing it would replace its status with
    // SIGKILL's), but not for long: a program the loader started unjailed
    // could write the same byte and run on.
    let failed = got == Ok(1) && byte[0] == jail_enter::FAILED;
    if !(failed && exits_within(pid, PRELOAD_EXIT_WAIT_MS)) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    let status = reap(pid);
    if status == crate::status::PRELOAD_FAILED {
        return Err(LaunchError::PreloadFailed(status));
    }
    let preload = plan.preload_path.clone().unwrap_or_default();
    Err(LaunchError::FailOpen { preload, status })
}

/// How long a launcher waits for a preload that reported failure to exit.
const PRELOAD_EXIT_WAIT_MS: libc::c_int = 5000;

/// Whether our child `pid` exits within `ms` milliseconds (left a zombie,
/// for the caller to reap). False when its pidfd cannot be had.
fn exits_within(pid: libc::pid_t, ms: libc::c_int) -> bool {
    // SAFETY: pidfd_open on our own, not yet reaped, child.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let Ok(fd) = sys::check(fd).map(|fd| fd as libc::c_int) else {
        return false;
    };
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let exited = loop {
        // SAFETY: poll on one valid pollfd.
        let n = unsafe { libc::poll(&mut pfd, 1, ms) };
        if n < 0 && sys::errno() == libc::EINTR {
            continue;
        }
        break n == 1 && pfd.revents & libc::POLLIN != 0;
    };
    sys::close(fd);
    exited
}

/// Reap a child that reported failure and build the error.
fn child_failed(jail: &Jail, plan: &Plan, pid: libc::pid_t, failure: ChildFailure) -> LaunchError {
    let status = reap(pid);
    let detail = match (failure.step, &plan.preload_path) {
        (ChildStep::Preload, Some(path)) => format!(" ({})", path.display()),
        _ => describe_detail(jail, &failure),
    };
    LaunchError::Child {
        failure,
        detail,
        hint: match failure.step {
            ChildStep::Unshare => crate::doctor::cause::unshare_failure_hint(jail, failure.errno),
            _ => String::new(),
        },
        status,
    }
}

fn write_file(what: &'static str, path: &Path, text: &str) -> Result<(), LaunchError> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| LaunchError::path(what, path, e.to_string()))
}

/// The file to write a pid into to join a cgroup: the path itself if it is
/// a file (v1 `tasks`, v2 `cgroup.procs`), else the right file inside it.
pub fn cgroup_procs_file(path: &Path) -> PathBuf {
    if path.is_dir() {
        let procs = path.join("cgroup.procs");
        if procs.exists() {
            procs
        } else {
            path.join("tasks")
        }
    } else {
        path.to_owned()
    }
}

/// Everything the parent does while the child waits on the sync pipe.
fn setup_child(plan: &Plan, pid: libc::pid_t) -> Result<(), LaunchError> {
    if plan.userns && plan.userns_fd < 0 {
        super::idmap_write::write_maps(
            pid,
            plan.uid_map.as_deref(),
            plan.deny_setgroups,
            plan.gid_map.as_deref(),
        )?;
    }
    for cgroup in &plan.cgroups {
        write_file("cgroup", &cgroup_procs_file(cgroup), &pid.to_string())?;
    }
    if let Some(path) = &plan.pid_file {
        crate::atomic_file::write(
            path,
            format!("{pid}\n").as_bytes(),
            crate::atomic_file::Existing::Replace,
        )
        .map_err(|e| LaunchError::path("pid file", path, e.to_string()))?;
    }
    Ok(())
}

/// Put the whole handoff into its pipe before the child exists, when the
/// pipe can hold it (grown if need be): the program's constructor then
/// finds it waiting rather than blocking until this process is scheduled
/// again after the child's execve (about 0.15 ms on a 2-core VM). Returns
/// false when it does not fit; the caller then writes it after execve,
/// while the constructor drains it.
fn send_handoff_early(plan: &Plan, pipes: &mut LaunchPipes) -> Result<bool, LaunchError> {
    if plan.delivery != Delivery::Preload {
        return Ok(false);
    }
    let sent = write_handoff_early(pipes.handoff.1, &plan.stage2_bytes)?;
    if sent {
        sys::close(LaunchPipes::take(&mut pipes.handoff.1));
    }
    Ok(sent)
}

fn write_handoff_early(fd: libc::c_int, bytes: &[u8]) -> Result<bool, LaunchError> {
    // SAFETY: F_GETPIPE_SZ and F_SETPIPE_SZ only query or resize our pipe.
    let capacity = unsafe { libc::fcntl(fd, libc::F_GETPIPE_SZ) };
    let fits = usize::try_from(capacity).is_ok_and(|c| bytes.len() <= c)
        || libc::c_int::try_from(bytes.len())
            .is_ok_and(|len| unsafe { libc::fcntl(fd, libc::F_SETPIPE_SZ, len) } >= len);
    if !fits {
        return Ok(false);
    }
    // Our own read end is open and the pipe is empty and large enough:
    // this neither blocks nor raises SIGPIPE.
    sys::write_all(fd, bytes)
        .map_err(|e| LaunchError::os("writing the handoff for the jailed program", e))?;
    Ok(true)
}

/// Write to a pipe whose reader may be gone without letting SIGPIPE hit
/// the caller's process: SIGPIPE is blocked in this thread for the write
/// and a pending one is consumed. Returns the errno (EPIPE) instead.
/// `caller_blocks_sigpipe` says whether the caller's own mask blocks it
/// when this thread's mask is not the caller's (every signal blocked
/// around a launch; None: it is): a SIGPIPE it blocked stays pending.
fn write_no_sigpipe(
    fd: libc::c_int,
    bytes: &[u8],
    caller_blocks_sigpipe: Option<bool>,
) -> Result<(), sys::Errno> {
    // SAFETY: sigset manipulation on local sets; pthread_sigmask affects
    // only the calling thread.
    unsafe {
        let mut pipe_set: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut pipe_set);
        libc::sigaddset(&mut pipe_set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &pipe_set, &mut old);
        let result = sys::write_all(fd, bytes);
        let blocked_before =
            caller_blocks_sigpipe.unwrap_or_else(|| libc::sigismember(&old, libc::SIGPIPE) == 1);
        if result == Err(libc::EPIPE) && !blocked_before {
            let zero = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            libc::sigtimedwait(&pipe_set, std::ptr::null_mut(), &zero);
        }
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        result
    }
}
