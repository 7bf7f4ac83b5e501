//! The library's few messages to the user (info lines, SIGSYS reports).
//!
//! They go to stderr unless [`log_to_fd`] (`minijail_log_to_fd`) sends
//! them elsewhere, or [`log_to_syslog`] (`minijail0 --logging=syslog`) to
//! the system log.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

pub use jail_enter::report::escape;

/// A message for the user as the command-line faces print it:
/// `prefix: message`, then the lines of a policy excerpt indented, each
/// part escaped, ending in a newline.
pub fn user_message(prefix: &str, message: &str, excerpt: Option<&[String; 2]>) -> String {
    let mut text = format!("{prefix}: {}\n", escape(message));
    for line in excerpt.into_iter().flatten() {
        text.push_str(&format!("    {}\n", escape(line)));
    }
    text
}

/// Displays a string (or path) through [`escape`].
pub struct Escaped<T>(pub T);

impl<T: AsRef<std::ffi::OsStr>> fmt::Display for Escaped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape(&self.0.as_ref().to_string_lossy()))
    }
}

/// syslog priority of warnings (a setting that will not do what it
/// seems to, a Landlock rule skipped).
pub(crate) const LOG_WARNING: i32 = 4;
/// syslog priority of informational lines (a fallback the launch took).
pub(crate) const LOG_INFO: i32 = 6;

static LOG_FD: AtomicI32 = AtomicI32::new(libc::STDERR_FILENO);
static MIN_PRIORITY: AtomicI32 = AtomicI32::new(7);

/// Send the messages to `fd`, dropping those less urgent than
/// `min_priority` (a syslog priority: 0 emergency .. 7 debug).
pub fn log_to_fd(fd: libc::c_int, min_priority: i32) {
    LOG_FD.store(fd, Ordering::Relaxed);
    MIN_PRIORITY.store(min_priority, Ordering::Relaxed);
}

static TO_SYSLOG: AtomicBool = AtomicBool::new(false);

/// The system log's socket.
const SYSLOG_SOCKET: &str = "/dev/log";

/// Send the messages to the system log (facility user), as upstream's
/// syslog logging. A message the log cannot take (no /dev/log, as in
/// many containers) goes to the fd instead, so nothing is lost.
pub fn log_to_syslog() {
    TO_SYSLOG.store(true, Ordering::Relaxed);
}

/// `<priority>jail[pid]: message` to /dev/log, as syslog(3) sends it.
fn to_syslog(priority: i32, message: &str) -> bool {
    const LOG_USER: i32 = 1 << 3;
    let Ok(socket) = std::os::unix::net::UnixDatagram::unbound() else {
        return false;
    };
    let text = format!(
        "<{}>jail[{}]: {}",
        LOG_USER | priority,
        std::process::id(),
        escape(message)
    );
    socket.send_to(text.as_bytes(), SYSLOG_SOCKET).is_ok()
}

fn emit(priority: i32, message: &str) {
    if TO_SYSLOG.load(Ordering::Relaxed) && to_syslog(priority, message) {
        return;
    }
    write_text(priority, &format!("jail: {}\n", escape(message)));
}

/// Lines without the prefix (a policy fragment to append), each escaped;
/// to the system log one message a line.
pub fn lines(priority: i32, text: &str) {
    let rest: String = text
        .lines()
        .filter(|l| !(TO_SYSLOG.load(Ordering::Relaxed) && to_syslog(priority, l)))
        .map(|l| format!("{}\n", escape(l)))
        .collect();
    write_text(priority, &rest);
}

fn write_text(priority: i32, line: &str) {
    if priority > MIN_PRIORITY.load(Ordering::Relaxed) {
        return;
    }
    let fd = LOG_FD.load(Ordering::Relaxed);
    let _ = jail_enter::fd::write_all(fd, line.as_bytes());
}

/// An informational line, prefixed with the library's name.
pub fn info(message: &str) {
    emit(LOG_INFO, message);
}

/// A warning line.
pub fn warn(message: &str) {
    emit(LOG_WARNING, message);
}

/// Syscall names indexed by number for the native architecture, for the
/// preload's SIGSYS handler (-L on kernels without SECCOMP_RET_LOG).
pub(crate) fn syscall_names() -> Vec<String> {
    let mut names = Vec::new();
    for nr in 0..512 {
        names.push(crate::syscall_name(nr).unwrap_or_default().to_owned());
    }
    while names.last().is_some_and(String::is_empty) {
        names.pop();
    }
    names
}
