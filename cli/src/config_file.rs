//! minijail config files (`--config`, `--gen-config`), upstream's v0 format:
//!
//! ```text
//! % minijail-config-file v0
//! # a comment
//! u = nobody
//! n
//! bind-mount = /dev/log,/dev/log
//! ```
//!
//! The first line is exactly the directive; then `key` or `key = value`
//! per line (split at the first `=`, both sides trimmed), a trailing `\`
//! joins the next line with a space between (as upstream: inside a
//! comma-separated value the space becomes part of a field), blank lines
//! and lines starting with `#` are skipped.

use crate::entry::Entry;

/// The first line of every config file.
pub const DIRECTIVE: &str = "% minijail-config-file v0";

/// One `key [= value]` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// 1-based number of the line the entry starts on.
    pub line: usize,
    pub key: String,
    pub value: Option<String>,
}

/// A malformed config file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("not a minijail config file: the first line must be exactly '{DIRECTIVE}'")]
    Directive,
    #[error("line {0}: empty key (expected 'key' or 'key = value')")]
    EmptyKey(usize),
    #[error(
        "line {0}: '{1} =' has an empty value (write '{1}' alone for an option without a value)"
    )]
    EmptyValue(usize, String),
    #[error("line {0}: the file ends after a '\\' continuation")]
    DanglingContinuation(usize),
}

/// Parse a config file's text.
pub fn parse(text: &str) -> Result<Vec<Line>, ConfigError> {
    let mut lines = text.split('\n').enumerate().map(|(i, l)| (i + 1, l));
    match lines.next() {
        Some((_, first)) if first == DIRECTIVE => {}
        _ => return Err(ConfigError::Directive),
    }
    let mut out = Vec::new();
    while let Some((start, raw)) = lines.next() {
        let mut logical = raw.to_owned();
        while logical.ends_with('\\') {
            logical.pop();
            match lines.next() {
                // Joined with a space, as upstream's getmultiline.
                Some((_, next)) => {
                    logical.push(' ');
                    logical.push_str(next);
                }
                None => return Err(ConfigError::DanglingContinuation(start)),
            }
        }
        let stripped = logical.trim();
        if stripped.is_empty() || stripped.starts_with('#') {
            continue;
        }
        let (key, value) = match stripped.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (stripped, None),
        };
        if key.is_empty() {
            return Err(ConfigError::EmptyKey(start));
        }
        if value == Some("") {
            return Err(ConfigError::EmptyValue(start, key.to_owned()));
        }
        out.push(Line {
            line: start,
            key: key.to_owned(),
            value: value.map(str::to_owned),
        });
    }
    Ok(out)
}

/// The config file for these entries (as `--gen-config` writes it): the
/// directive, a blank line, then one line per option in order, leaving
/// out --config, --gen-config and the help options.
pub fn generate(entries: &[Entry]) -> String {
    let mut out = format!("{DIRECTIVE}\n\n");
    for e in entries {
        let spec = e.spec();
        if !spec.in_config || matches!(e.opt, crate::table::Opt::GenConfig) {
            continue;
        }
        match &e.arg {
            None => out.push_str(&format!("{}\n", spec.config_key())),
            Some(v) => out.push_str(&format!("{} = {v}\n", spec.config_key())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_values_comments_and_continuations() {
        let text = "% minijail-config-file v0\n\n# comment\n  n  \nu = nobody\nbind-mount = /a,\\\n/b\nmount=none,/x,tmpfs,,a=b\n";
        let lines = parse(text).unwrap();
        let kv: Vec<(usize, &str, Option<&str>)> = lines
            .iter()
            .map(|l| (l.line, l.key.as_str(), l.value.as_deref()))
            .collect();
        assert_eq!(
            kv,
            vec![
                (4, "n", None),
                (5, "u", Some("nobody")),
                (6, "bind-mount", Some("/a, /b")),
                (8, "mount", Some("none,/x,tmpfs,,a=b")),
            ]
        );
    }

    #[test]
    fn refuses_bad_files() {
        assert_eq!(parse("n\n"), Err(ConfigError::Directive));
        assert_eq!(
            parse("% minijail-config-file v1\n"),
            Err(ConfigError::Directive)
        );
        assert_eq!(
            parse("% minijail-config-file v0\n = x\n"),
            Err(ConfigError::EmptyKey(2))
        );
        assert_eq!(
            parse("% minijail-config-file v0\nu =\n"),
            Err(ConfigError::EmptyValue(2, "u".into()))
        );
        assert_eq!(
            parse("% minijail-config-file v0\nu = \\"),
            Err(ConfigError::DanglingContinuation(2))
        );
    }
}
