//! One-line error reports to stderr that never panic, even with fd 2 closed.

/// Write `prefix: message\n` to stderr, ignoring failures: the caller is
/// about to `_exit` and has nowhere else to say it.
pub fn line(prefix: &str, message: &str) {
    let text = format!("{prefix}: {message}\n");
    let _ = crate::fd::write_all(2, text.as_bytes());
}
