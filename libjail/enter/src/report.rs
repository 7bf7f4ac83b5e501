//! One-line error reports to stderr that never panic, even with fd 2 closed.

/// Write `prefix: message\n` to stderr, ignoring failures: the caller is
/// about to `_exit` and has nowhere else to say it.
pub fn line(prefix: &str, message: &str) {
    let text = format!("{prefix}: {}\n", escape(message));
    let _ = crate::fd::write_all(2, text.as_bytes());
}

/// `text` with every control character (C0, DEL, C1) written as a visible
/// escape (`\n`, `\t`, `\x1b`, `\u{85}`), so a path or value from the
/// input cannot forge a second log line or drive the terminal. Every face
/// prints its messages through this. Backslashes are left alone, so
/// escaping twice changes nothing.
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 && c.is_control() => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn control_characters_become_visible_and_escaping_is_idempotent() {
        let forged = "policy.txt\njail: all is well\x1b[2J\u{85}\t";
        let once = escape(forged);
        assert_eq!(once, "policy.txt\\njail: all is well\\x1b[2J\\u{85}\\t");
        assert!(!once.chars().any(char::is_control));
        assert_eq!(escape(&once), once);
        assert!(matches!(escape("plain é"), std::borrow::Cow::Borrowed(_)));
    }
}
