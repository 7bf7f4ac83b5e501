//! The run family, fork, enter, wait and kill, over `Jail::spawn`,
//! `Jail::fork`, `Jail::enter` and `JailedProcess`.

use std::ffi::{c_char, OsStr};
use std::os::fd::{FromRawFd, IntoRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use jail::{Command, LaunchError, PreloadMode, Stdio};

use crate::{c_bytes, die, guard, jail_mut, jail_ref, Child, Minijail};

/// One call of the run family.
struct RunConfig<'a> {
    program: Program<'a>,
    argv: *const *const c_char,
    envp: *const *const c_char,
    use_preload: bool,
    pchild_pid: *mut libc::pid_t,
    pstdin_fd: *mut i32,
    pstdout_fd: *mut i32,
    pstderr_fd: *mut i32,
}

enum Program<'a> {
    Path(&'a [u8]),
    Fd(i32),
}

/// A NULL-terminated array of C strings.
///
/// # Safety
///
/// `list` is NULL or a NULL-terminated array of NUL-terminated strings.
unsafe fn c_list<'a>(list: *const *const c_char) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    if list.is_null() {
        return out;
    }
    let mut i = 0;
    loop {
        // SAFETY: the array is NULL-terminated, so every index up to the
        // terminator is in bounds.
        let p = unsafe { *list.add(i) };
        // SAFETY: each entry is a NUL-terminated string.
        match unsafe { c_bytes(p) } {
            Some(s) => out.push(s),
            None => return out,
        }
        i += 1;
    }
}

/// The negative errno for a launch error found before anything started:
/// the failed call's own, else what kind of failure it is.
fn errno_of(e: &LaunchError) -> i32 {
    match e {
        LaunchError::PreloadNotFound(_) => -libc::ENOENT,
        LaunchError::Protocol(_) => -libc::EPROTO,
        LaunchError::Os { .. } | LaunchError::Refused { .. } => -e.errno().unwrap_or(libc::EINVAL),
        LaunchError::Program(jail::program::ProgramError::Read { .. }) => {
            -e.errno().unwrap_or(libc::EIO)
        }
        LaunchError::Cgroup(jail::cgroup::CgroupError::NotDelegated { .. }) => -libc::EPERM,
        LaunchError::Cgroup(jail::cgroup::CgroupError::ControllerMissing { .. }) => -libc::ENODEV,
        LaunchError::AltSyscall(_) => -libc::ENOSYS,
        _ => -libc::EINVAL,
    }
}

/// A stand-in for a program that could not be started: a child that exits
/// at once with `status`, so the caller has a real pid to wait for.
fn stand_in(status: i32) -> Result<libc::pid_t, i32> {
    // SAFETY: fork; the child only calls _exit, which is async-signal-safe
    // even when the caller has other threads.
    match unsafe { libc::fork() } {
        -1 => Err(-std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EAGAIN)),
        // SAFETY: ending the stand-in child without running atexit code.
        0 => unsafe { libc::_exit(status) },
        pid => Ok(pid),
    }
}

/// A pipe for a requested std stream of a program that never ran: the
/// caller's end, with the other end already closed.
fn dead_pipe(caller_reads: bool) -> i32 {
    let mut fds = [-1; 2];
    // SAFETY: pipe2 fills two fds.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return -1;
    }
    let (keep, close) = if caller_reads {
        (fds[0], fds[1])
    } else {
        (fds[1], fds[0])
    };
    // SAFETY: closing the end this function created and does not return.
    unsafe { libc::close(close) };
    keep
}

/// Write `value` through `out` when the caller asked for it.
fn put<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: non-null output pointers point at writable storage per
        // the C API contract.
        unsafe { out.write(value) };
    }
}

/// Upstream's checks of the combination, which it answers with abort().
fn check_misuse(m: &Minijail, use_preload: bool, exec: bool) {
    if use_preload && exec && !m.jail.hooks().is_empty() {
        die("Minijail hooks are not supported with LD_PRELOAD");
    }
    if !use_preload && m.jail.caps().is_some_and(|c| !c.is_empty()) && !m.jail.ambient_caps() {
        die("non-empty, non-ambient capabilities are not supported without LD_PRELOAD");
    }
}

fn run(m: &mut Minijail, cfg: RunConfig<'_>) -> i32 {
    check_misuse(m, cfg.use_preload, true);
    let mut jail = match m.effective() {
        Ok(j) => j,
        Err(why) => {
            jail::log::warn(&format!("cannot run the jail: {why}"));
            return why.errno();
        }
    };
    // The copy is kept open until the launch returns.
    let (program, shown, _program_copy) = match program_path(&mut jail, &cfg) {
        Ok(resolved) => resolved,
        Err(errno) => return errno,
    };
    let cmd = command(&program, &cfg);
    match jail.spawn(&cmd) {
        Ok(process) => started(m, &cfg, process),
        Err(e) => not_started(m, &cfg, &e, &shown),
    }
}

/// The path the launcher checks and the program is executed from, the
/// name shown in messages, and the copy of a program fd moved out of the
/// way (kept open until the launch returns).
fn program_path(
    jail: &mut jail::Jail,
    cfg: &RunConfig<'_>,
) -> Result<(PathBuf, Vec<u8>, Option<OwnedFd>), i32> {
    let fd = match cfg.program {
        // execve(2) semantics: a name without a slash is relative to the
        // working directory, never looked up in PATH.
        Program::Path(p) if !p.contains(&b'/') => {
            let mut rel = b"./".to_vec();
            rel.extend_from_slice(p);
            return Ok((PathBuf::from(OsStr::from_bytes(&rel)), p.to_vec(), None));
        }
        Program::Path(p) => return Ok((PathBuf::from(OsStr::from_bytes(p)), p.to_vec(), None)),
        Program::Fd(fd) => fd,
    };
    // fexecve(3): the open file, kept open in the child to execute, on its
    // own number unless a preserved fd or a std pipe goes there: then moved
    // out of the way, as upstream, onto a copy above every target (the
    // same number in the launcher, where the path is checked, and in the
    // program).
    let pipes = [cfg.pstdin_fd, cfg.pstdout_fd, cfg.pstderr_fd];
    let piped = (0..3).filter(|&n| !pipes[n as usize].is_null());
    let taken: Vec<i32> = jail
        .preserved_fds()
        .iter()
        .map(|&(_, target)| target)
        .chain(piped)
        .collect();
    let mut program_copy = None;
    let target = if taken.contains(&fd) {
        let above = taken.iter().copied().max().unwrap_or(2) + 1;
        // SAFETY: F_DUPFD_CLOEXEC on the caller's fd; the copy is owned
        // here and closed when the launch returns.
        let copy = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, above) };
        if copy < 0 {
            return Err(-std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EBADF));
        }
        // SAFETY: a fresh fd nothing else owns.
        program_copy = Some(unsafe { OwnedFd::from_raw_fd(copy) });
        copy
    } else {
        fd
    };
    jail.preserve_fd(target, target);
    let path = format!("/proc/self/fd/{target}");
    Ok((PathBuf::from(&path), path.into_bytes(), program_copy))
}

/// The command the run family asked for: argv, envp, std pipes, preload.
fn command(program: &Path, cfg: &RunConfig<'_>) -> Command {
    let mut cmd = Command::new(program);
    // A program the preload missed is killed, not returned as started.
    cmd.wait_until_jailed(true);
    // SAFETY: NULL-terminated arrays of C strings per the C API contract.
    let argv = unsafe { c_list(cfg.argv) };
    if let Some((argv0, rest)) = argv.split_first() {
        cmd.argv0(OsStr::from_bytes(argv0));
        cmd.args(rest.iter().map(|a| OsStr::from_bytes(a)));
    }
    if !cfg.envp.is_null() {
        // SAFETY: as above.
        let envp = unsafe { c_list(cfg.envp) };
        cmd.env_exactly(envp.iter().map(|e| OsStr::from_bytes(e)));
    }
    let piped = |p: *mut i32| {
        if p.is_null() {
            Stdio::Inherit
        } else {
            Stdio::Piped
        }
    };
    cmd.stdin(piped(cfg.pstdin_fd))
        .stdout(piped(cfg.pstdout_fd))
        .stderr(piped(cfg.pstderr_fd));
    if !cfg.use_preload {
        cmd.preload_mode(PreloadMode::Never);
    }
    cmd
}

/// Hand the started program's pid and pipes to the caller.
fn started(m: &mut Minijail, cfg: &RunConfig<'_>, mut process: jail::JailedProcess) -> i32 {
    put(cfg.pchild_pid, process.pid());
    let raw = |f: Option<std::fs::File>| f.map_or(-1, |f| f.into_raw_fd());
    put(cfg.pstdin_fd, raw(process.stdin.take()));
    put(cfg.pstdout_fd, raw(process.stdout.take()));
    put(cfg.pstderr_fd, raw(process.stderr.take()));
    m.child = Child::Running(Box::new(process));
    0
}

/// A launch that failed: an errno for a setting or the launcher's own
/// failure; for a program that was "launched" and failed, as upstream's
/// child would, a stand-in child that exits with the status, reported
/// through minijail_wait, and pipes whose other end is closed.
fn not_started(m: &mut Minijail, cfg: &RunConfig<'_>, e: &LaunchError, shown: &[u8]) -> i32 {
    let shown = String::from_utf8_lossy(shown);
    let status = match e {
        LaunchError::Child { status, .. } | LaunchError::ChildDied(status) => *status,
        LaunchError::Program(
            jail::program::ProgramError::NotFound(_)
            | jail::program::ProgramError::NotInPath(_)
            | jail::program::ProgramError::NotExecutable(_)
            | jail::program::ProgramError::NotAFile(..),
        ) => e.exit_status(),
        _ => {
            jail::log::warn(&format!("cannot run '{shown}': {e}"));
            return errno_of(e);
        }
    };
    jail::log::warn(&format!("'{shown}' did not start: {e}"));
    let pid = match stand_in(status) {
        Ok(pid) => pid,
        Err(errno) => return errno,
    };
    put(cfg.pchild_pid, pid);
    let dead = |p: *mut i32, caller_reads: bool| {
        if p.is_null() {
            -1
        } else {
            dead_pipe(caller_reads)
        }
    };
    put(cfg.pstdin_fd, dead(cfg.pstdin_fd, false));
    put(cfg.pstdout_fd, dead(cfg.pstdout_fd, true));
    put(cfg.pstderr_fd, dead(cfg.pstderr_fd, true));
    m.child = Child::Failed { pid };
    0
}

/// The run family's common body.
///
/// # Safety
///
/// Pointers as the C API documents them.
#[allow(clippy::too_many_arguments)]
unsafe fn run_c(
    name: &str,
    j: *mut Minijail,
    filename: *const c_char,
    argv: *const *const c_char,
    envp: *const *const c_char,
    use_preload: bool,
    pchild_pid: *mut libc::pid_t,
    pstdin_fd: *mut i32,
    pstdout_fd: *mut i32,
    pstderr_fd: *mut i32,
) -> i32 {
    guard(name, || {
        if j.is_null() {
            return -libc::EINVAL;
        }
        // SAFETY: valid per the C API contract.
        let m = unsafe { jail_mut(j, name) };
        // SAFETY: a NUL-terminated string per the C API contract.
        let Some(filename) = (unsafe { c_bytes(filename) }) else {
            return -libc::EINVAL;
        };
        run(
            m,
            RunConfig {
                program: Program::Path(filename),
                argv,
                envp,
                use_preload,
                pchild_pid,
                pstdin_fd,
                pstdout_fd,
                pstderr_fd,
            },
        )
    })
}

type Argv = *const *const c_char;
const NO_FD: *mut i32 = std::ptr::null_mut();
const NO_PID: *mut libc::pid_t = std::ptr::null_mut();
const NO_ENV: Argv = std::ptr::null();

/// Declares one entry point of the run family over [`run_c`]: its extra C
/// parameters (after `j`, `filename`, `argv`), then what it passes for the
/// environment, the preload choice, the pid out-pointer and the three pipe
/// out-pointers.
macro_rules! run_entry {
    ($name:ident($($param:ident: $ty:ty),*) =>
        env: $env:expr, preload: $preload:expr, pid: $pid:expr, pipes: [$stdin:expr, $stdout:expr, $stderr:expr]) => {
        #[doc = concat!("`", stringify!($name), "`.")]
        #[no_mangle]
        pub unsafe extern "C" fn $name(
            j: *mut Minijail,
            filename: *const c_char,
            argv: Argv,
            $($param: $ty),*
        ) -> i32 {
            // SAFETY: forwarded C API contract.
            unsafe {
                run_c(
                    stringify!($name),
                    j,
                    filename,
                    argv,
                    $env,
                    $preload,
                    $pid,
                    $stdin,
                    $stdout,
                    $stderr,
                )
            }
        }
    };
}

run_entry!(minijail_run() =>
    env: NO_ENV, preload: true, pid: NO_PID, pipes: [NO_FD, NO_FD, NO_FD]);
run_entry!(minijail_run_env(envp: Argv) =>
    env: envp, preload: true, pid: NO_PID, pipes: [NO_FD, NO_FD, NO_FD]);
run_entry!(minijail_run_no_preload() =>
    env: NO_ENV, preload: false, pid: NO_PID, pipes: [NO_FD, NO_FD, NO_FD]);
run_entry!(minijail_run_pid(pchild_pid: *mut libc::pid_t) =>
    env: NO_ENV, preload: true, pid: pchild_pid, pipes: [NO_FD, NO_FD, NO_FD]);
run_entry!(minijail_run_pipe(pstdin_fd: *mut i32) =>
    env: NO_ENV, preload: true, pid: NO_PID, pipes: [pstdin_fd, NO_FD, NO_FD]);
run_entry!(minijail_run_pid_pipes(
        pchild_pid: *mut libc::pid_t,
        pstdin_fd: *mut i32,
        pstdout_fd: *mut i32,
        pstderr_fd: *mut i32
    ) => env: NO_ENV, preload: true, pid: pchild_pid, pipes: [pstdin_fd, pstdout_fd, pstderr_fd]);
run_entry!(minijail_run_env_pid_pipes(
        envp: Argv,
        pchild_pid: *mut libc::pid_t,
        pstdin_fd: *mut i32,
        pstdout_fd: *mut i32,
        pstderr_fd: *mut i32
    ) => env: envp, preload: true, pid: pchild_pid, pipes: [pstdin_fd, pstdout_fd, pstderr_fd]);
run_entry!(minijail_run_pid_pipes_no_preload(
        pchild_pid: *mut libc::pid_t,
        pstdin_fd: *mut i32,
        pstdout_fd: *mut i32,
        pstderr_fd: *mut i32
    ) => env: NO_ENV, preload: false, pid: pchild_pid, pipes: [pstdin_fd, pstdout_fd, pstderr_fd]);
run_entry!(minijail_run_env_pid_pipes_no_preload(
        envp: Argv,
        pchild_pid: *mut libc::pid_t,
        pstdin_fd: *mut i32,
        pstdout_fd: *mut i32,
        pstderr_fd: *mut i32
    ) => env: envp, preload: false, pid: pchild_pid, pipes: [pstdin_fd, pstdout_fd, pstderr_fd]);

/// `minijail_run_fd_env_pid_pipes`: execute an open file.
#[no_mangle]
pub unsafe extern "C" fn minijail_run_fd_env_pid_pipes(
    j: *mut Minijail,
    elf_fd: i32,
    argv: Argv,
    envp: Argv,
    pchild_pid: *mut libc::pid_t,
    pstdin_fd: *mut i32,
    pstdout_fd: *mut i32,
    pstderr_fd: *mut i32,
) -> i32 {
    guard("minijail_run_fd_env_pid_pipes", || {
        if j.is_null() || elf_fd < 0 {
            return -libc::EINVAL;
        }
        // SAFETY: valid per the C API contract.
        let m = unsafe { jail_mut(j, "minijail_run_fd_env_pid_pipes") };
        run(
            m,
            RunConfig {
                program: Program::Fd(elf_fd),
                argv,
                envp,
                use_preload: true,
                pchild_pid,
                pstdin_fd,
                pstdout_fd,
                pstderr_fd,
            },
        )
    })
}

/// `minijail_fork`: the child's pid in the parent, 0 in the jailed child.
#[no_mangle]
pub unsafe extern "C" fn minijail_fork(j: *mut Minijail) -> libc::pid_t {
    guard("minijail_fork", || {
        if j.is_null() {
            return -libc::EINVAL;
        }
        // SAFETY: valid per the C API contract.
        let m = unsafe { jail_mut(j, "minijail_fork") };
        check_misuse(m, false, false);
        let jail = match m.effective() {
            Ok(j) => j,
            Err(why) => {
                jail::log::warn(&format!("cannot fork into the jail: {why}"));
                return -libc::EINVAL;
            }
        };
        // SAFETY: the C caller takes fork(2)'s contract: in a multithreaded
        // program the child may only use async-signal-safe calls.
        match unsafe { jail.fork() } {
            Ok(None) => 0,
            Ok(Some(process)) => {
                let pid = process.pid();
                m.child = Child::Running(Box::new(process));
                pid
            }
            Err(e @ (LaunchError::Child { .. } | LaunchError::ChildDied(_))) => {
                jail::log::warn(&format!("the jailed child did not start: {e}"));
                match stand_in(e.exit_status()) {
                    Ok(pid) => {
                        m.child = Child::Failed { pid };
                        pid
                    }
                    Err(errno) => errno,
                }
            }
            Err(e) => {
                jail::log::warn(&format!("cannot fork into the jail: {e}"));
                errno_of(&e)
            }
        }
    })
}

/// `minijail_enter`: lock the calling process in; abort on any failure.
#[no_mangle]
pub unsafe extern "C" fn minijail_enter(j: *const Minijail) {
    guard("minijail_enter", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        let m = unsafe { jail_ref(j, "minijail_enter") };
        if m.jail.has_namespace(jail::Namespace::Pid) {
            die("tried to enter a pid-namespaced jail; try minijail_run()?");
        }
        let jail = m
            .effective()
            .unwrap_or_else(|why| die(&format!("minijail_enter: {why}")));
        if let Err(e) = jail.enter() {
            die(&format!("minijail_enter: {e}"));
        }
    })
}

/// Wait for a plain pid: minijail's status for it.
fn wait_pid(pid: libc::pid_t) -> i32 {
    let mut status = 0;
    loop {
        // SAFETY: waiting for our own child with a valid out-pointer.
        if unsafe { libc::waitpid(pid, &mut status, 0) } >= 0 {
            return jail::status::from_wait_status(status);
        }
        let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
        if errno != libc::EINTR {
            return -errno;
        }
    }
}

fn wait(m: &mut Minijail) -> i32 {
    let result = match &mut m.child {
        Child::None | Child::Reaped => return -libc::ECHILD,
        Child::Running(process) => match process.wait() {
            Ok(status) => {
                m.usage = process.usage().cloned().map(Box::new);
                (process.pid(), status.minijail_status())
            }
            Err(e) => return -e.raw_os_error().unwrap_or(libc::ECHILD),
        },
        Child::Failed { pid } => (*pid, wait_pid(*pid)),
    };
    let (pid, status) = result;
    if status >= 0 {
        m.child = Child::Reaped;
        if status != 0 {
            jail::log::info(&format!("child process {pid} exited with status {status}"));
        }
    }
    status
}

/// `minijail_wait`: the program's status, once.
#[no_mangle]
pub unsafe extern "C" fn minijail_wait(j: *mut Minijail) -> i32 {
    guard("minijail_wait", || {
        if j.is_null() {
            return -libc::EINVAL;
        }
        // SAFETY: valid per the C API contract.
        wait(unsafe { jail_mut(j, "minijail_wait") })
    })
}

/// `minijail_kill`: SIGTERM the program and wait for it.
#[no_mangle]
pub unsafe extern "C" fn minijail_kill(j: *mut Minijail) -> i32 {
    guard("minijail_kill", || {
        if j.is_null() {
            return -libc::EINVAL;
        }
        // SAFETY: valid per the C API contract.
        let m = unsafe { jail_mut(j, "minijail_kill") };
        let pid = match &m.child {
            Child::None => return -libc::ECHILD,
            Child::Reaped => return -libc::ESRCH,
            Child::Running(p) => p.pid(),
            Child::Failed { pid } => *pid,
        };
        // SAFETY: signalling our own, not yet reaped, child.
        if unsafe { libc::kill(pid, libc::SIGTERM) } != 0 {
            return -std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::ESRCH);
        }
        wait(m)
    })
}
