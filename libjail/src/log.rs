//! The library's few messages to the user (info lines, SIGSYS reports).

/// An informational line on stderr, prefixed with the launcher's name.
pub fn info(message: &str) {
    eprintln!("jail: {message}");
}

/// Syscall names indexed by number for the native architecture, for the
/// preload's SIGSYS handler (-L on kernels without SECCOMP_RET_LOG).
pub fn syscall_names() -> Vec<String> {
    let mut names = Vec::new();
    for nr in 0..512 {
        names.push(crate::syscall_name(nr).unwrap_or_default().to_owned());
    }
    while names.last().is_some_and(String::is_empty) {
        names.pop();
    }
    names
}
