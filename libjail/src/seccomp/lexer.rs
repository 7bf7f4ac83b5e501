//! Tokenizer for the minijail policy language.
//!
//! A policy is a sequence of logical lines: physical lines joined where one
//! ends in `\`. `#` starts a comment that runs to the end of the physical
//! line. Tokens carry the physical line and column they start at.

use std::fmt;

/// The kind of a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `@default`
    Default,
    /// `@include`
    Include,
    /// `@frequency`
    Frequency,
    /// `@denylist`
    Denylist,
    /// A path: `/...` or `./...`
    Path,
    /// A decimal, hex (`0x`), octal (`0`, `0o`) literal, possibly negative.
    Number,
    /// `:`
    Colon,
    /// `;`
    Semicolon,
    /// `,`
    Comma,
    /// `~`
    Complement,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `||`
    Or,
    /// `&&`
    And,
    /// `|`
    BitOr,
    /// A comparison: `&`, `in`, `==`, `!=`, `<`, `<=`, `>`, `>=`
    Op,
    /// `=` (metadata)
    Equal,
    /// `argN`
    Argument,
    /// `return`
    Return,
    /// `allow`, `kill`, `kill-process`, `kill-thread`, `trap`, `trace`, `log`, `user-notify`
    Action,
    /// Any other name: syscalls, constants, metadata keys.
    Identifier,
}

/// A token with its position (1-based line and column) in its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: Kind,
    /// Its text.
    pub text: String,
    /// 1-based physical line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
}

/// A logical line: its tokens, and where it starts.
#[derive(Clone, Debug)]
pub struct Line {
    /// Tokens, comments and whitespace removed.
    pub tokens: Vec<Token>,
    /// 1-based first physical line.
    pub first_line: u32,
    /// The source text of the logical line, continuations joined with a space.
    pub text: String,
}

/// A character the tokenizer did not understand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid token `{text}`")]
pub struct LexError {
    /// The offending text.
    pub text: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

const ACTIONS: &[&str] = &[
    "allow",
    "kill",
    "kill-process",
    "kill-thread",
    "trap",
    "trace",
    "log",
    "user-notify",
];

fn is_word_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '@'
}

fn classify_word(word: &str) -> Kind {
    if ACTIONS.contains(&word) {
        return Kind::Action;
    }
    match word {
        "return" => return Kind::Return,
        "in" => return Kind::Op,
        _ => {}
    }
    if let Some(digits) = word.strip_prefix("arg") {
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return Kind::Argument;
        }
    }
    Kind::Identifier
}

/// Length in bytes of a numeric literal at the start of `s` (which starts
/// with a digit or `-` followed by a digit).
fn number_len(s: &[u8]) -> usize {
    let mut i = usize::from(s[0] == b'-');
    if s.len() > i + 1 && s[i] == b'0' && matches!(s[i + 1], b'x' | b'X' | b'o' | b'O') {
        let hex = matches!(s[i + 1], b'x' | b'X');
        let start = i + 2;
        let mut j = start;
        while j < s.len()
            && (if hex {
                s[j].is_ascii_hexdigit()
            } else {
                (b'0'..=b'7').contains(&s[j])
            })
        {
            j += 1;
        }
        if j > start {
            return j;
        }
    }
    while i < s.len() && s[i].is_ascii_digit() {
        i += 1;
    }
    i
}

/// Tokenize one physical line, appending to `out`. Returns whether the line
/// ends in a continuation.
fn tokenize_line(line: &str, line_no: u32, out: &mut Vec<Token>) -> Result<bool, LexError> {
    let bytes = line.as_bytes();
    let mut i = 0;
    // Columns count chars; counted on from the previous token (tokens come
    // in order), so a long line costs its length once, not once per token.
    let mut counted = (0usize, 1u32);
    let mut col_of = |i: usize| {
        counted.1 += line[counted.0..i].chars().count() as u32;
        counted.0 = i;
        counted.1
    };
    while i < bytes.len() {
        let c = line[i..].chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        if c == '#' {
            return Ok(false);
        }
        if c == '\\' && line[i + 1..].trim().is_empty() {
            return Ok(true);
        }
        let start = i;
        let rest = &line[i..];
        let (kind, len) = if let Some(word) = rest.strip_prefix('@') {
            let n = word.find(|c: char| !is_word_char(c)).unwrap_or(word.len());
            let kind = match &word[..n] {
                "default" => Kind::Default,
                "include" => Kind::Include,
                "frequency" => Kind::Frequency,
                "denylist" => Kind::Denylist,
                _ => {
                    return Err(LexError {
                        text: rest[..n + 1].to_string(),
                        line: line_no,
                        column: col_of(start),
                    })
                }
            };
            (kind, n + 1)
        } else if rest.starts_with('/') || rest.starts_with("./") || rest.starts_with("../") {
            let n = rest.find(char::is_whitespace).unwrap_or(rest.len());
            (Kind::Path, n)
        } else if c.is_ascii_digit()
            || (c == '-' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            (Kind::Number, number_len(&bytes[i..]))
        } else if is_word_start(c) {
            let n = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
            (classify_word(&rest[..n]), n)
        } else {
            let two = rest.get(..2).unwrap_or("");
            match two {
                "||" => (Kind::Or, 2),
                "&&" => (Kind::And, 2),
                "==" | "!=" | "<=" | ">=" => (Kind::Op, 2),
                _ => match c {
                    ':' => (Kind::Colon, 1),
                    ';' => (Kind::Semicolon, 1),
                    ',' => (Kind::Comma, 1),
                    '~' => (Kind::Complement, 1),
                    '(' => (Kind::LParen, 1),
                    ')' => (Kind::RParen, 1),
                    '{' => (Kind::LBrace, 1),
                    '}' => (Kind::RBrace, 1),
                    '[' => (Kind::LBracket, 1),
                    ']' => (Kind::RBracket, 1),
                    '|' => (Kind::BitOr, 1),
                    '&' | '<' | '>' => (Kind::Op, 1),
                    '=' => (Kind::Equal, 1),
                    _ => {
                        let n = rest.find(char::is_whitespace).unwrap_or(rest.len());
                        return Err(LexError {
                            text: rest[..n].to_string(),
                            line: line_no,
                            column: col_of(start),
                        });
                    }
                },
            }
        };
        out.push(Token {
            kind,
            text: rest[..len].to_string(),
            line: line_no,
            column: col_of(start),
        });
        i += len;
    }
    Ok(false)
}

/// Split `source` into logical lines of tokens. Empty lines are dropped.
pub fn tokenize(source: &str) -> Result<Vec<Line>, LexError> {
    let mut lines = Vec::new();
    let mut tokens = Vec::new();
    let mut text = String::new();
    let mut first_line = 0;
    for (idx, raw) in source.lines().enumerate() {
        let line_no = u32::try_from(idx + 1).unwrap_or(u32::MAX);
        if tokens.is_empty() && text.is_empty() {
            first_line = line_no;
        }
        let continued = tokenize_line(raw, line_no, &mut tokens)?;
        let code = raw.split('#').next().unwrap_or("");
        let code = if continued {
            code.trim_end().trim_end_matches('\\')
        } else {
            code
        };
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(code.trim());
        if continued {
            continue;
        }
        if !tokens.is_empty() {
            lines.push(Line {
                tokens: std::mem::take(&mut tokens),
                first_line,
                text: std::mem::take(&mut text),
            });
        }
        text.clear();
    }
    if !tokens.is_empty() {
        lines.push(Line {
            tokens,
            first_line,
            text,
        });
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<(Kind, String)> {
        tokenize(s)
            .unwrap()
            .into_iter()
            .flat_map(|l| l.tokens)
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn tokens() {
        use Kind::*;
        assert_eq!(
            kinds("read: arg0 in ~0xffff || arg0 & (1|2) && arg0 == 0o755; return ENOSYS # x"),
            vec![
                (Identifier, "read".into()),
                (Colon, ":".into()),
                (Argument, "arg0".into()),
                (Op, "in".into()),
                (Complement, "~".into()),
                (Number, "0xffff".into()),
                (Or, "||".into()),
                (Argument, "arg0".into()),
                (Op, "&".into()),
                (LParen, "(".into()),
                (Number, "1".into()),
                (BitOr, "|".into()),
                (Number, "2".into()),
                (RParen, ")".into()),
                (And, "&&".into()),
                (Argument, "arg0".into()),
                (Op, "==".into()),
                (Number, "0o755".into()),
                (Semicolon, ";".into()),
                (Return, "return".into()),
                (Identifier, "ENOSYS".into()),
            ]
        );
        assert_eq!(
            kinds("inotify_wait return_sys killall trace_sys kill-process"),
            vec![
                (Identifier, "inotify_wait".into()),
                (Identifier, "return_sys".into()),
                (Identifier, "killall".into()),
                (Identifier, "trace_sys".into()),
                (Action, "kill-process".into()),
            ]
        );
        assert_eq!(
            kinds("@include /usr/x.policy")[1],
            (Path, "/usr/x.policy".into())
        );
        assert_eq!(kinds("x: -1")[2], (Number, "-1".into()));
    }

    #[test]
    fn continuation_and_positions() {
        let lines = tokenize("# c\nioctl: arg1 == 1 || \\\n   arg1 == 2\n\nread: 1\n").unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].first_line, 2);
        assert_eq!(lines[0].tokens.len(), 9);
        let last = lines[0].tokens.last().unwrap();
        assert_eq!((last.line, last.column), (3, 12));
        assert_eq!(lines[0].text, "ioctl: arg1 == 1 || arg1 == 2");
        assert_eq!(lines[1].first_line, 5);
    }

    #[test]
    fn invalid() {
        let e = tokenize("read: $foo").unwrap_err();
        assert_eq!((e.line, e.column, e.text.as_str()), (1, 7, "$foo"));
    }
}
