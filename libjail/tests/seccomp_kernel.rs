//! Kernel tests: compiled filters installed for real, in a forked child
//! (fork, install, make the call, report through the exit status).

#![cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]

use std::path::Path;

use jail::seccomp::{self, Arch, CompileOptions, Program};

mod common;

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Exited(i32),
    Signaled(i32),
}

const INSTALL_FAILED: i32 = 100;

/// Fork; in the child install `prog` and exit with `call()`'s result.
fn in_child(prog: &Program, all_threads: bool, call: fn() -> i32) -> Outcome {
    // SAFETY: the child only makes raw syscalls (prctl, seccomp, the call
    // under test, exit_group): no allocation, no lock, async-signal-safe.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        let code = match seccomp::install(prog, all_threads) {
            Ok(()) => call(),
            Err(_) => INSTALL_FAILED,
        };
        // SAFETY: _exit is async-signal-safe and never returns.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waiting for our own child, with a valid status pointer.
    let r = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(r, pid, "waitpid: {}", std::io::Error::last_os_error());
    if libc::WIFEXITED(status) {
        let code = libc::WEXITSTATUS(status);
        assert_ne!(
            code, INSTALL_FAILED,
            "installing the seccomp filter failed in the child"
        );
        Outcome::Exited(code)
    } else {
        Outcome::Signaled(libc::WTERMSIG(status))
    }
}

/// A syscall whose arguments are plain integers (no memory is passed).
fn sys(nr: libc::c_long, a: u64, b: u64) -> i64 {
    // SAFETY: callers only pass syscalls that take integer arguments.
    unsafe { libc::syscall(nr, a, b) }
}

fn errno() -> i32 {
    // SAFETY: reading this thread's errno.
    unsafe { *libc::__errno_location() }
}

fn compile(text: &str, default: Option<seccomp::Action>) -> Program {
    let mut o = CompileOptions::new(Arch::native());
    o.default_action = default;
    o.kill_action = seccomp::Action::KillProcess;
    seccomp::compile_str(text, Path::new("kernel-test.policy"), &o)
        .unwrap_or_else(|e| panic!("{e}"))
}

const POLICY: &str = "\
exit_group: 1
getpid: 1
getppid: return EPERM
fcntl: arg1 == F_GETFD || arg1 == F_SETFD
";

#[test]
fn allowed_call_succeeds() {
    let prog = compile(POLICY, None);
    let out = in_child(&prog, false, || i32::from(sys(libc::SYS_getpid, 0, 0) <= 0));
    assert_eq!(out, Outcome::Exited(0));
}

#[test]
fn return_gives_the_errno() {
    let prog = compile(POLICY, None);
    let out = in_child(&prog, false, || {
        let r = sys(libc::SYS_getppid, 0, 0);
        if r == -1 && errno() == libc::EPERM {
            0
        } else {
            1
        }
    });
    assert_eq!(out, Outcome::Exited(0));
}

#[test]
fn denied_call_kills_with_sigsys() {
    let prog = compile(POLICY, None);
    let out = in_child(&prog, false, || sys(libc::SYS_getuid, 0, 0) as i32);
    assert_eq!(out, Outcome::Signaled(libc::SIGSYS));
}

#[test]
fn argument_filters_are_enforced() {
    let prog = compile(POLICY, None);
    let ok = in_child(&prog, false, || {
        i32::from(sys(libc::SYS_fcntl, 0, libc::F_GETFD as u64) < 0)
    });
    assert_eq!(ok, Outcome::Exited(0));
    let bad = in_child(&prog, false, || {
        sys(libc::SYS_fcntl, 0, libc::F_GETFL as u64) as i32
    });
    assert_eq!(bad, Outcome::Signaled(libc::SIGSYS));
    // The high half of the argument counts: F_GETFD with bit 32 set is not
    // F_GETFD for the filter (the kernel would truncate it, the filter must
    // not).
    let high = in_child(&prog, false, || {
        sys(libc::SYS_fcntl, 0, (1 << 32) | libc::F_GETFD as u64) as i32
    });
    assert_eq!(high, Outcome::Signaled(libc::SIGSYS));
}

#[test]
fn default_errno_and_tsync() {
    let prog = compile(POLICY, Some(seccomp::Action::Errno(libc::ENOSYS as u16)));
    let out = in_child(&prog, true, || {
        let r = sys(libc::SYS_getuid, 0, 0);
        i32::from(!(r == -1 && errno() == libc::ENOSYS))
    });
    assert_eq!(out, Outcome::Exited(0));
}

#[cfg(target_arch = "x86_64")]
#[test]
fn corpus_policy_in_the_kernel() {
    let crosvm = require_crosvm!();
    // getpid is allowed by common_device.policy, getuid is not.
    file_policy_in_the_kernel(&crosvm, "common_device.policy", libc::SYS_getuid);
}

#[cfg(target_arch = "x86_64")]
#[test]
fn own_policy_in_the_kernel() {
    // device.policy includes common.policy (getpid); it lists no getuid.
    file_policy_in_the_kernel(&common::own(), "device.policy", libc::SYS_getuid);
}

/// Install `file` of `corpus`: getpid works, `denied` is killed.
#[cfg(target_arch = "x86_64")]
fn file_policy_in_the_kernel(corpus: &common::Corpus, file: &str, denied: libc::c_long) {
    let prog = seccomp::compile_file(corpus.dir.join(file), &corpus.options()).unwrap();
    let ok = in_child(&prog, false, || i32::from(sys(libc::SYS_getpid, 0, 0) <= 0));
    assert_eq!(ok, Outcome::Exited(0));
    static DENIED: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    DENIED.store(denied, std::sync::atomic::Ordering::Relaxed);
    let bad = in_child(&prog, false, || {
        sys(DENIED.load(std::sync::atomic::Ordering::Relaxed), 0, 0) as i32
    });
    assert_eq!(bad, Outcome::Signaled(libc::SIGSYS));
}
