//! minijail's exit statuses, shared by the launcher, init, the C ABI and the CLI.

/// The program could not be executed (permission).
pub const NO_ACCESS: i32 = 126;
/// The program does not exist.
pub const NO_COMMAND: i32 = 127;
/// Added to a signal number for a program killed by that signal.
pub const SIGNAL_BASE: i32 = 128;
/// A mount failed in the child.
pub const MOUNT_FAILED: i32 = 251;
/// The preload library could not apply stage 2.
pub const PRELOAD_FAILED: i32 = jail_enter::EXIT_PRELOAD_FAILED;
/// The jail could not be applied, or the program was killed by SIGSYS (seccomp).
pub const JAIL_FAILED: i32 = jail_enter::EXIT_JAIL_FAILED;
/// The pid namespace's init failed.
pub const INIT_FAILED: i32 = 254;

/// A wait status as minijail reports it: the exit code, 253 for SIGSYS,
/// 128+N for any other signal N.
pub fn from_wait_status(status: libc::c_int) -> i32 {
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        match libc::WTERMSIG(status) {
            libc::SIGSYS => JAIL_FAILED,
            sig => SIGNAL_BASE + sig,
        }
    } else {
        JAIL_FAILED
    }
}
