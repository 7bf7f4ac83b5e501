//! One-line error reports to stderr that never panic, even with fd 2 closed.

/// Write `prefix: message\n` to stderr, ignoring failures: the caller is
/// about to `_exit` and has nowhere else to say it.
pub fn line(prefix: &str, message: &str) {
    let text = format!("{prefix}: {message}\n");
    let mut rest = text.as_bytes();
    while !rest.is_empty() {
        // SAFETY: writing a valid, live byte slice to fd 2.
        let n = unsafe { libc::write(2, rest.as_ptr().cast(), rest.len()) };
        if n <= 0 {
            if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        rest = &rest[n as usize..];
    }
}
