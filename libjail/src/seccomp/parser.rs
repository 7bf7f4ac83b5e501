//! Parser: policy text to a [`Policy`] resolved for one architecture.
//!
//! The language is the union of upstream minijail's two dialects (the C
//! runtime parser and the Python compiler):
//!
//! ```text
//! statement  = syscalls ':' filters | '@include' PATH | '@frequency' PATH
//!            | '@default' action | '@denylist'
//! syscalls   = descriptor | '{' descriptor {',' descriptor} '}'
//! descriptor = NAME ['[' 'arch' '=' NAME {',' NAME} ']']
//! filters    = single | '{' single {',' single} '}'
//! single     = action | expr [';' action]
//! expr       = clause {'||' clause};  clause = atom {'&&' atom}
//! atom       = 'argN' OP value;       OP = == != < <= > >= & in
//! value      = const {'|' const};     const = ['~'] ('(' value ')' | NUMBER | NAME)
//! action     = 'allow' | '1' | 'kill' | 'kill-process' | 'kill-thread' | 'trap'
//!            | 'trace' | 'log' | 'user-notify' | 'return' (NUMBER | NAME)
//! ```
//!
//! Semantics follow the Python compiler: a syscall named in several
//! statements (also across `@include`s) gets their filters concatenated in
//! order; a filter after an unconditional one is an error; a list that does
//! not end unconditionally gets the default action appended. `expr; return N`
//! means "if expr, fail with N" (Python); the C runtime parser reads it as
//! "allow if expr, else fail with N" — [`ParseOptions::c_return_semantics`]
//! selects that reading for policies written for the C runtime.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::lexer::{self, Kind, Line, Token};
use super::policy::{Action, Atom, Filter, Op, Origin, Policy, Rule};
use super::tables::{self, Arch};
use crate::log::{escape, Escaped};

/// How deeply parentheses may nest in a constant expression: far more than
/// any policy writes (upstream's Python compiler stops near its recursion
/// limit of 1000), and little stack.
pub const MAX_PAREN_DEPTH: usize = 64;

/// Reads policy and frequency files. Tests and fuzzing use in-memory loaders.
pub trait Loader {
    /// The contents of `path`.
    fn load(&self, path: &Path) -> io::Result<String>;
}

/// Reads from the file system.
#[derive(Clone, Copy, Debug, Default)]
pub struct FsLoader;

impl Loader for FsLoader {
    fn load(&self, path: &Path) -> io::Result<String> {
        // Regular files only, bounded: an `@include /dev/zero` must not
        // read forever.
        Ok(crate::input_file::read_to_string(path)?)
    }
}

/// Options of the parser.
#[derive(Clone, Debug)]
pub struct ParseOptions {
    /// Architecture the names resolve for.
    pub arch: Arch,
    /// What `kill` means, and the action for a foreign architecture.
    pub kill_action: Action,
    /// Overrides `@default` and the built-in default.
    pub default_action: Option<Action>,
    /// `(prefix, folder)`: an absolute `@include`/`@frequency` path under
    /// `prefix` is read from `folder` instead.
    pub include_prefixes: Vec<(PathBuf, PathBuf)>,
    /// How deep `@include`s may nest (upstream: 10).
    pub include_depth_limit: usize,
    /// Accept (and require) an `@denylist` policy.
    pub denylist: bool,
    /// Read `expr; return N` as the C runtime does.
    pub c_return_semantics: bool,
}

impl ParseOptions {
    /// Defaults for `arch`: kill-thread, depth 10, no prefixes.
    pub fn new(arch: Arch) -> Self {
        ParseOptions {
            arch,
            kill_action: Action::KillThread,
            default_action: None,
            include_prefixes: Vec::new(),
            include_depth_limit: 10,
            denylist: false,
            c_return_semantics: false,
        }
    }
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    /// The tokenizer stopped.
    #[error("invalid token")]
    InvalidToken,
    /// A syscall name unknown on the architecture.
    #[error("unknown syscall on {0}")]
    UnknownSyscall(Arch),
    /// A constant name unknown on the architecture.
    #[error("unknown constant on {0}")]
    UnknownConstant(Arch),
    /// A number that does not parse.
    #[error("invalid number")]
    InvalidNumber,
    /// A number above the argument width.
    #[error("unsigned overflow: larger than {0:#x}")]
    UnsignedOverflow(u64),
    /// A number below the signed minimum.
    #[error("signed underflow")]
    SignedUnderflow,
    /// An errno above 0xffff.
    #[error("errno out of range (0 to 65535)")]
    ErrnoRange,
    /// Something else was expected here.
    #[error("expected {0}")]
    Expected(&'static str),
    /// `~~x`.
    #[error("invalid double complement")]
    DoubleComplement,
    /// `(` without `)`.
    #[error("unclosed parenthesis")]
    UnclosedParen,
    /// Parentheses nested deeper than [`MAX_PAREN_DEPTH`].
    #[error("parentheses nested deeper than {MAX_PAREN_DEPTH}: write the constant with fewer")]
    ParenTooDeep,
    /// `{` without `}`.
    #[error("unclosed brace")]
    UnclosedBrace,
    /// `[` without `]`.
    #[error("unclosed bracket")]
    UnclosedBracket,
    /// `argN` with N > 5.
    #[error("invalid argument index (arg0 to arg5)")]
    InvalidArgument,
    /// Tokens after a complete statement.
    #[error("unexpected extra tokens")]
    ExtraTokens,
    /// An action that is not valid where it is (e.g. `0`).
    #[error("invalid action")]
    InvalidAction,
    /// An invalid `@default` action.
    #[error("invalid default action (kill, kill-process, kill-thread, trap, log, user-notify)")]
    InvalidDefaultAction,
    /// Unknown metadata key.
    #[error("unknown metadata key (only `arch` is known)")]
    UnknownMetadata,
    /// `name@group` syscall groups are not supported.
    #[error("syscall groups (name@namespace) are not supported")]
    SyscallGroup,
    /// An included or frequency file could not be read.
    #[error("cannot read `{path}`: {source}{hint}")]
    Read {
        /// The path read.
        path: PathBuf,
        /// The error.
        source: io::Error,
        /// A hint about prefixes.
        hint: String,
    },
    /// A file includes itself, directly or not.
    #[error("@include cycle: {0}")]
    IncludeCycle(String),
    /// Too many nested includes.
    #[error("@include nested deeper than {0}")]
    IncludeTooDeep(usize),
    /// A filter after an unconditional action.
    #[error("syscall `{name}` (number {nr}) already had an unconditional action at {previous}")]
    AfterUnconditional {
        /// Syscall name.
        name: String,
        /// Its number.
        nr: i64,
        /// Where the unconditional action was.
        previous: String,
    },
    /// `@denylist` without denylist mode, or the reverse.
    #[error("{0}")]
    Denylist(&'static str),
    /// A denylist rule that allows.
    #[error("a denylist policy can only deny: use `return <errno>` or a kill/trap action")]
    DenylistAllow,
}

/// A located error of a policy: file, line, column, offending text and,
/// where a name is a near miss, a suggestion.
#[derive(Debug)]
pub struct ParseError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// The file.
    pub file: PathBuf,
    /// 1-based line (0: the file as a whole).
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// The offending text.
    pub text: String,
    /// The physical source line.
    pub source_line: String,
    /// A near-miss name.
    pub suggestion: Option<String>,
}

/// One line naming file, line, column, what is wrong and the offending
/// text, control characters escaped. The alternate form (`{:#}`) adds the
/// [`ParseError::excerpt`] lines, indented.
impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = Escaped(&self.file);
        if self.line == 0 {
            return write!(f, "{file}: {}", self.kind);
        }
        write!(f, "{file}:{}:{}: {}", self.line, self.column, self.kind)?;
        if !self.text.is_empty() {
            write!(f, ": `{}`", Escaped(&self.text))?;
        }
        if let Some(s) = &self.suggestion {
            write!(f, "; did you mean `{}`?", Escaped(s))?;
        }
        if f.alternate() {
            if let Some([source, carets]) = self.excerpt() {
                write!(f, "\n    {source}\n    {carets}")?;
            }
        }
        Ok(())
    }
}

impl ParseError {
    /// The source line, escaped, and a line of carets under the offending
    /// text; None for an error about the file as a whole.
    pub fn excerpt(&self) -> Option<[String; 2]> {
        if self.source_line.is_empty() {
            return None;
        }
        let before: String = self
            .source_line
            .chars()
            .take(self.column.saturating_sub(1) as usize)
            .collect();
        let pad: String = escape(&before)
            .chars()
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let carets = "^".repeat(escape(&self.text).chars().count().max(1));
        Some([
            escape(&self.source_line).into_owned(),
            format!("{pad}{carets}"),
        ])
    }

    fn new(
        kind: ErrorKind,
        file: &Path,
        line: u32,
        column: u32,
        text: &str,
        source_line: &str,
    ) -> Box<Self> {
        Box::new(ParseError {
            kind,
            file: file.to_path_buf(),
            line,
            column,
            text: text.to_string(),
            source_line: source_line.to_string(),
            suggestion: None,
        })
    }

    /// An error about a file as a whole.
    fn whole(kind: ErrorKind, file: &Path) -> Box<Self> {
        Self::new(kind, file, 0, 0, "", "")
    }

    /// An error at the statement written at `o`.
    fn at_origin(kind: ErrorKind, o: &Origin, text: &str) -> Box<Self> {
        Self::new(kind, &o.file, o.line, o.column, text, &o.text)
    }
}

impl std::error::Error for ParseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A statement before merging: syscalls, filters and the position of its
/// colon (for diagnostics).
struct Statement {
    syscalls: Vec<(String, i64)>,
    filters: Vec<Filter>,
    origin: Origin,
}

struct FileState {
    path: Arc<Path>,
    source: Arc<str>,
}

struct Parser<'a> {
    opts: &'a ParseOptions,
    loader: &'a dyn Loader,
    stack: Vec<FileState>,
    statements: Vec<Statement>,
    frequency: HashMap<i64, u64>,
    default_action: Option<Action>,
    saw_denylist: bool,
}

type Result<T> = std::result::Result<T, Box<ParseError>>;

/// Lexically normalize a path (`a/./b/../c` to `a/c`), like `os.path.normpath`.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Parse `text` (read from `origin`) into a policy.
pub fn parse(
    text: &str,
    origin: &Path,
    opts: &ParseOptions,
    loader: &dyn Loader,
) -> Result<Policy> {
    let mut p = Parser {
        opts,
        loader,
        stack: Vec::new(),
        statements: Vec::new(),
        frequency: HashMap::new(),
        default_action: None,
        saw_denylist: false,
    };
    p.parse_file(origin, text)?;
    p.finish(origin)
}

/// Read `path` with `loader` and parse it.
pub fn parse_file(path: &Path, opts: &ParseOptions, loader: &dyn Loader) -> Result<Policy> {
    let text = loader.load(path).map_err(|source| {
        let hint = String::new();
        let kind = ErrorKind::Read {
            path: path.to_path_buf(),
            source,
            hint,
        };
        ParseError::whole(kind, path)
    })?;
    parse(&text, path, opts, loader)
}

impl Parser<'_> {
    fn state(&self) -> &FileState {
        self.stack.last().expect("a file is being parsed")
    }

    fn error_at(&self, kind: ErrorKind, line: u32, column: u32, text: &str) -> Box<ParseError> {
        let st = self.state();
        let source_line = if line == 0 {
            String::new()
        } else {
            st.source
                .lines()
                .nth(line as usize - 1)
                .unwrap_or("")
                .to_string()
        };
        ParseError::new(kind, &st.path, line, column, text, &source_line)
    }

    fn error(&self, kind: ErrorKind, tok: &Token) -> Box<ParseError> {
        self.error_at(kind, tok.line, tok.column, &tok.text)
    }

    /// An error at the end of `line` (something missing).
    fn error_eol(&self, kind: ErrorKind, line: &Line) -> Box<ParseError> {
        let last = line.tokens.last().expect("lines are non-empty");
        let col = last.column + last.text.chars().count() as u32;
        self.error_at(kind, last.line, col, "")
    }

    /// Tokenize `text` (the contents of `path`) and hand its lines to `each`
    /// with `path` as the current file.
    fn with_file(
        &mut self,
        path: &Path,
        text: &str,
        each: fn(&mut Self, &Line, Cursor<'_>) -> Result<()>,
    ) -> Result<()> {
        self.stack.push(FileState {
            path: Arc::from(path),
            source: Arc::from(text),
        });
        let r = lexer::tokenize(text)
            .map_err(|e| self.error_at(ErrorKind::InvalidToken, e.line, e.column, &e.text))
            .and_then(|lines| {
                lines.iter().try_for_each(|line| {
                    let cur = Cursor {
                        toks: &line.tokens,
                        pos: 0,
                    };
                    each(self, line, cur)
                })
            });
        self.stack.pop();
        r
    }

    fn parse_file(&mut self, path: &Path, text: &str) -> Result<()> {
        self.with_file(path, text, Self::policy_line)
    }

    fn policy_line(&mut self, line: &Line, mut cur: Cursor<'_>) -> Result<()> {
        {
            let first = &line.tokens[0];
            match first.kind {
                Kind::Include => {
                    cur.pos += 1;
                    let path = self.expect(&mut cur, Kind::Path, "a path after @include", line)?;
                    self.end(&cur)?;
                    self.include(path)?;
                }
                Kind::Frequency => {
                    cur.pos += 1;
                    let path =
                        self.expect(&mut cur, Kind::Path, "a path after @frequency", line)?;
                    self.end(&cur)?;
                    self.frequency_file(path)?;
                }
                Kind::Default => {
                    cur.pos += 1;
                    let Some(tok) = cur.next() else {
                        return Err(
                            self.error_eol(ErrorKind::Expected("an action after @default"), line)
                        );
                    };
                    let action = match (tok.kind, tok.text.as_str()) {
                        (Kind::Action, "kill") => self.opts.kill_action,
                        (Kind::Action, "kill-process") => Action::KillProcess,
                        (Kind::Action, "kill-thread") => Action::KillThread,
                        (Kind::Action, "trap") => Action::Trap,
                        (Kind::Action, "log") => Action::Log,
                        (Kind::Action, "user-notify") => Action::UserNotify,
                        _ => return Err(self.error(ErrorKind::InvalidDefaultAction, tok)),
                    };
                    self.end(&cur)?;
                    self.default_action = Some(action);
                }
                Kind::Denylist => {
                    if !self.opts.denylist {
                        return Err(self.error(
                            ErrorKind::Denylist("policy is a denylist (@denylist) but denylist mode was not requested"),
                            first,
                        ));
                    }
                    self.saw_denylist = true;
                    cur.pos += 1;
                    self.end(&cur)?;
                }
                _ => {
                    let st = self.statement(&mut cur, line)?;
                    self.end(&cur)?;
                    if let Some(st) = st {
                        self.statements.push(st);
                    }
                }
            }
        }
        Ok(())
    }

    fn expect<'t>(
        &self,
        cur: &mut Cursor<'t>,
        kind: Kind,
        what: &'static str,
        line: &Line,
    ) -> Result<&'t Token> {
        match cur.next() {
            Some(t) if t.kind == kind => Ok(t),
            Some(t) => Err(self.error(ErrorKind::Expected(what), t)),
            None => Err(self.error_eol(ErrorKind::Expected(what), line)),
        }
    }

    fn end(&self, cur: &Cursor<'_>) -> Result<()> {
        match cur.peek() {
            None => Ok(()),
            Some(t) => Err(self.error(ErrorKind::ExtraTokens, t)),
        }
    }

    fn resolve_path(&self, tok: &Token) -> PathBuf {
        let raw = Path::new(&tok.text);
        if raw.is_absolute() {
            let raw = normalize(raw);
            let best = self
                .opts
                .include_prefixes
                .iter()
                .filter(|(prefix, _)| raw.starts_with(prefix))
                .max_by_key(|(prefix, _)| prefix.components().count());
            if let Some((prefix, dir)) = best {
                let rest = raw.strip_prefix(prefix).expect("checked by starts_with");
                return normalize(&dir.join(rest));
            }
            return raw;
        }
        let base = self
            .state()
            .path
            .parent()
            .unwrap_or(Path::new(""))
            .to_path_buf();
        normalize(&base.join(raw))
    }

    fn read(&self, tok: &Token, path: &Path) -> Result<String> {
        self.loader.load(path).map_err(|source| {
            // The prefix hint only helps a file that is not there.
            let hint = if source.kind() == io::ErrorKind::NotFound
                && Path::new(&tok.text).is_absolute()
                && !self
                    .opts
                    .include_prefixes
                    .iter()
                    .any(|(p, _)| path.starts_with(p))
            {
                let dir = Path::new(&tok.text).parent().unwrap_or(Path::new("/"));
                format!(
                    " (map the install prefix to a folder, e.g. --include-prefix {}=DIR)",
                    dir.display()
                )
            } else {
                String::new()
            };
            self.error(
                ErrorKind::Read {
                    path: path.to_path_buf(),
                    source,
                    hint,
                },
                tok,
            )
        })
    }

    fn include(&mut self, tok: &Token) -> Result<()> {
        let path = self.resolve_path(tok);
        if let Some(i) = self.stack.iter().position(|s| *s.path == *path) {
            let mut chain: Vec<String> = self.stack[i..]
                .iter()
                .map(|s| s.path.display().to_string())
                .collect();
            chain.push(path.display().to_string());
            return Err(self.error(ErrorKind::IncludeCycle(chain.join(" -> ")), tok));
        }
        if self.stack.len() >= self.opts.include_depth_limit {
            return Err(self.error(
                ErrorKind::IncludeTooDeep(self.opts.include_depth_limit),
                tok,
            ));
        }
        let text = self.read(tok, &path)?;
        self.parse_file(&path, &text)
    }

    fn frequency_file(&mut self, tok: &Token) -> Result<()> {
        let path = self.resolve_path(tok);
        let text = self.read(tok, &path)?;
        self.with_file(&path, &text, Self::frequency_line)
    }

    fn frequency_line(&mut self, line: &Line, mut cur: Cursor<'_>) -> Result<()> {
        {
            let syscalls = self.descriptor(&mut cur, line)?;
            self.expect(&mut cur, Kind::Colon, "`:`", line)?;
            let num = self.expect(&mut cur, Kind::Number, "a count", line)?;
            let count = self.number(num)?;
            if num.text.starts_with('-') {
                return Err(self.error(ErrorKind::InvalidNumber, num));
            }
            self.end(&cur)?;
            for (_, nr) in syscalls {
                let e = self.frequency.entry(nr).or_insert(0);
                *e = e.saturating_add(count);
            }
        }
        Ok(())
    }

    /// A syscall descriptor; empty when its metadata excludes this arch.
    fn descriptor(&self, cur: &mut Cursor<'_>, line: &Line) -> Result<Vec<(String, i64)>> {
        let Some(tok) = cur.next() else {
            return Err(self.error_eol(ErrorKind::Expected("a syscall name"), line));
        };
        let is_name =
            tok.kind == Kind::Identifier || (tok.kind == Kind::Action && tok.text == "kill");
        if !is_name {
            return Err(self.error(ErrorKind::Expected("a syscall name"), tok));
        }
        let mut wanted = true;
        if cur.peek().is_some_and(|t| t.kind == Kind::LBracket) {
            let open = cur.next().expect("peeked");
            loop {
                let key = self.expect(cur, Kind::Identifier, "a metadata key", line)?;
                if key.text != "arch" {
                    return Err(self.error(ErrorKind::UnknownMetadata, key));
                }
                self.expect(cur, Kind::Equal, "`=`", line)?;
                let mut archs = Vec::new();
                loop {
                    let v = self.expect(cur, Kind::Identifier, "an architecture name", line)?;
                    archs.push(v.text.as_str());
                    if cur.peek().is_some_and(|t| t.kind == Kind::Comma) {
                        cur.pos += 1;
                    } else {
                        break;
                    }
                }
                wanted = archs
                    .iter()
                    .any(|a| a.parse::<Arch>().ok() == Some(self.opts.arch));
                if cur.peek().is_some_and(|t| t.kind == Kind::Semicolon) {
                    cur.pos += 1;
                    continue;
                }
                break;
            }
            match cur.next() {
                Some(t) if t.kind == Kind::RBracket => {}
                _ => return Err(self.error(ErrorKind::UnclosedBracket, open)),
            }
        }
        if tok.text.contains('@') {
            return Err(self.error(ErrorKind::SyscallGroup, tok));
        }
        if !wanted {
            return Ok(Vec::new());
        }
        match tables::syscall_number(self.opts.arch, &tok.text) {
            Some(nr) => Ok(vec![(tok.text.clone(), nr)]),
            None => {
                let mut e = self.error(ErrorKind::UnknownSyscall(self.opts.arch), tok);
                let names = tables::syscalls(self.opts.arch);
                e.suggestion =
                    tables::nearest(&tok.text, names.iter().map(|(n, _)| *n)).map(str::to_string);
                Err(e)
            }
        }
    }

    fn statement(&mut self, cur: &mut Cursor<'_>, line: &Line) -> Result<Option<Statement>> {
        let mut syscalls = Vec::new();
        if cur.peek().is_some_and(|t| t.kind == Kind::LBrace) {
            let open = cur.next().expect("peeked");
            loop {
                syscalls.extend(self.descriptor(cur, line)?);
                match cur.peek() {
                    Some(t) if t.kind == Kind::Comma => cur.pos += 1,
                    Some(t) if t.kind == Kind::RBrace => {
                        cur.pos += 1;
                        break;
                    }
                    _ => return Err(self.error(ErrorKind::UnclosedBrace, open)),
                }
            }
        } else {
            syscalls.extend(self.descriptor(cur, line)?);
        }
        self.expect(cur, Kind::Colon, "`:` after the syscall name", line)?;
        let origin = Origin {
            file: self.state().path.clone(),
            line: line.first_line,
            column: line.tokens[0].column,
            text: Arc::from(line.text.as_str()),
        };
        let filters = self.filters(cur, line, &origin)?;
        if syscalls.is_empty() {
            return Ok(None);
        }
        Ok(Some(Statement {
            syscalls,
            filters,
            origin,
        }))
    }

    fn filters(&self, cur: &mut Cursor<'_>, line: &Line, origin: &Origin) -> Result<Vec<Filter>> {
        let Some(first) = cur.peek() else {
            return Err(self.error_eol(ErrorKind::Expected("a filter or an action"), line));
        };
        if first.kind != Kind::LBrace {
            let (expr, action, explicit) = self.single(cur, line)?;
            if self.opts.c_return_semantics
                && expr.is_some()
                && explicit
                && matches!(action, Action::Errno(_))
            {
                // C runtime: allow when the expression holds, else fail.
                return Ok(vec![
                    Filter {
                        expr,
                        action: Action::Allow,
                        origin: Some(origin.clone()),
                    },
                    Filter {
                        expr: None,
                        action,
                        origin: Some(origin.clone()),
                    },
                ]);
            }
            return Ok(vec![Filter {
                expr,
                action,
                origin: Some(origin.clone()),
            }]);
        }
        let open = cur.next().expect("peeked");
        let mut out = Vec::new();
        loop {
            let (expr, action, _) = self.single(cur, line)?;
            out.push(Filter {
                expr,
                action,
                origin: Some(origin.clone()),
            });
            match cur.peek() {
                Some(t) if t.kind == Kind::Comma => cur.pos += 1,
                Some(t) if t.kind == Kind::RBrace => {
                    cur.pos += 1;
                    return Ok(out);
                }
                _ => return Err(self.error(ErrorKind::UnclosedBrace, open)),
            }
        }
    }

    /// `action | expr [';' action]`; the bool says whether the action was
    /// written out.
    #[allow(clippy::type_complexity)]
    fn single(
        &self,
        cur: &mut Cursor<'_>,
        line: &Line,
    ) -> Result<(Option<Vec<Vec<Atom>>>, Action, bool)> {
        let Some(first) = cur.peek() else {
            return Err(self.error_eol(ErrorKind::Expected("a filter or an action"), line));
        };
        if first.kind != Kind::Argument {
            let action = self.action(cur, line)?;
            return Ok((None, action, true));
        }
        let mut dnf = Vec::new();
        loop {
            let mut clause = Vec::new();
            loop {
                clause.push(self.atom(cur, line)?);
                if cur.peek().is_some_and(|t| t.kind == Kind::And) {
                    cur.pos += 1;
                } else {
                    break;
                }
            }
            dnf.push(clause);
            if cur.peek().is_some_and(|t| t.kind == Kind::Or) {
                cur.pos += 1;
            } else {
                break;
            }
        }
        if cur.peek().is_some_and(|t| t.kind == Kind::Semicolon) {
            cur.pos += 1;
            let action = self.action(cur, line)?;
            return Ok((Some(dnf), action, true));
        }
        Ok((Some(dnf), Action::Allow, false))
    }

    fn action(&self, cur: &mut Cursor<'_>, line: &Line) -> Result<Action> {
        let Some(tok) = cur.next() else {
            return Err(self.error_eol(ErrorKind::Expected("an action"), line));
        };
        let action = match (tok.kind, tok.text.as_str()) {
            (Kind::Action, "allow") => Action::Allow,
            (Kind::Action, "kill") => self.opts.kill_action,
            (Kind::Action, "kill-process") => Action::KillProcess,
            (Kind::Action, "kill-thread") => Action::KillThread,
            (Kind::Action, "trap") => Action::Trap,
            (Kind::Action, "trace") => Action::Trace(0),
            (Kind::Action, "log") => Action::Log,
            (Kind::Action, "user-notify") => Action::UserNotify,
            (Kind::Number, _) if self.number(tok)? == 1 => Action::Allow,
            (Kind::Return, _) => {
                let Some(v) = cur.next() else {
                    return Err(
                        self.error_eol(ErrorKind::Expected("an errno after `return`"), line)
                    );
                };
                let value = self.single_constant(v)?;
                let e = u16::try_from(value).map_err(|_| self.error(ErrorKind::ErrnoRange, v))?;
                Action::Errno(e)
            }
            _ => return Err(self.error(ErrorKind::InvalidAction, tok)),
        };
        if self.opts.denylist && action == Action::Allow {
            return Err(self.error(ErrorKind::DenylistAllow, tok));
        }
        Ok(action)
    }

    fn atom(&self, cur: &mut Cursor<'_>, line: &Line) -> Result<Atom> {
        let arg = self.expect(cur, Kind::Argument, "an argument (arg0 to arg5)", line)?;
        let index: u8 = arg.text[3..].parse().unwrap_or(u8::MAX);
        if index > 5 {
            return Err(self.error(ErrorKind::InvalidArgument, arg));
        }
        let op_tok = self.expect(cur, Kind::Op, "a comparison (== != < <= > >= & in)", line)?;
        let op = match op_tok.text.as_str() {
            "==" => Op::Eq,
            "!=" => Op::Ne,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "&" => Op::AnyBits,
            _ => Op::In,
        };
        let value = self.value(cur, line, 0)?;
        Ok(Atom {
            arg: index,
            op,
            value,
        })
    }

    /// `const {'|' const}`, inside `depth` parentheses.
    fn value(&self, cur: &mut Cursor<'_>, line: &Line, depth: usize) -> Result<u64> {
        let mut v = 0;
        loop {
            v |= self.constant(cur, line, depth)?;
            if cur.peek().is_some_and(|t| t.kind == Kind::BitOr) {
                cur.pos += 1;
            } else {
                return Ok(v);
            }
        }
    }

    /// `['~'] ('(' value ')' | single)`
    fn constant(&self, cur: &mut Cursor<'_>, line: &Line, depth: usize) -> Result<u64> {
        let Some(mut tok) = cur.next() else {
            return Err(self.error_eol(ErrorKind::Expected("a constant"), line));
        };
        let mut negate = false;
        if tok.kind == Kind::Complement {
            negate = true;
            tok = match cur.next() {
                Some(t) if t.kind == Kind::Complement => {
                    return Err(self.error(ErrorKind::DoubleComplement, t))
                }
                Some(t) => t,
                None => {
                    return Err(self.error_eol(ErrorKind::Expected("a constant after `~`"), line))
                }
            };
        }
        let v = if tok.kind == Kind::LParen {
            // Each level is a frame of this recursion: bounded, so a
            // hostile policy gets an error, not a stack overflow.
            if depth == MAX_PAREN_DEPTH {
                return Err(self.error(ErrorKind::ParenTooDeep, tok));
            }
            let v = self.value(cur, line, depth + 1)?;
            match cur.next() {
                Some(t) if t.kind == Kind::RParen => v,
                _ => return Err(self.error(ErrorKind::UnclosedParen, tok)),
            }
        } else {
            self.single_constant(tok)?
        };
        Ok(if negate {
            !v & self.opts.arch.max_unsigned()
        } else {
            v
        })
    }

    fn single_constant(&self, tok: &Token) -> Result<u64> {
        match tok.kind {
            Kind::Number => self.number(tok),
            Kind::Identifier => match tables::constant(self.opts.arch, &tok.text) {
                Some(v) => Ok(self.opts.arch.truncate(i128::from(v))),
                None => {
                    let mut e = self.error(ErrorKind::UnknownConstant(self.opts.arch), tok);
                    e.suggestion =
                        tables::nearest(&tok.text, tables::constant_names(self.opts.arch))
                            .map(str::to_string);
                    Err(e)
                }
            },
            _ => Err(self.error(ErrorKind::Expected("a number or a constant name"), tok)),
        }
    }

    /// A numeric literal, range-checked and truncated to the argument width.
    fn number(&self, tok: &Token) -> Result<u64> {
        let text = tok.text.as_str();
        let (neg, digits) = match text.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, text),
        };
        let parsed = if let Some(h) = digits
            .strip_prefix("0x")
            .or_else(|| digits.strip_prefix("0X"))
        {
            u128::from_str_radix(h, 16)
        } else if let Some(o) = digits
            .strip_prefix("0o")
            .or_else(|| digits.strip_prefix("0O"))
        {
            u128::from_str_radix(o, 8)
        } else if digits.len() > 1 && digits.starts_with('0') {
            u128::from_str_radix(&digits[1..], 8)
        } else {
            digits.parse::<u128>()
        };
        let magnitude = parsed.map_err(|_| self.error(ErrorKind::InvalidNumber, tok))?;
        let arch = self.opts.arch;
        if neg {
            let min = 1u128 << (arch.bits() - 1);
            if magnitude > min {
                return Err(self.error(ErrorKind::SignedUnderflow, tok));
            }
            Ok(arch.truncate(-(magnitude as i128)))
        } else {
            if magnitude > u128::from(arch.max_unsigned()) {
                return Err(self.error(ErrorKind::UnsignedOverflow(arch.max_unsigned()), tok));
            }
            Ok(magnitude as u64)
        }
    }

    /// Merge statements into one rule per syscall.
    fn finish(self, origin: &Path) -> Result<Policy> {
        if self.opts.denylist && !self.saw_denylist {
            let msg = "denylist mode was requested but the policy has no @denylist line";
            return Err(ParseError::whole(ErrorKind::Denylist(msg), origin));
        }
        let default_action =
            self.opts
                .default_action
                .or(self.default_action)
                .unwrap_or(if self.opts.denylist {
                    Action::Allow
                } else {
                    self.opts.kill_action
                });
        let mut rules: Vec<Rule> = Vec::new();
        // Per rule, where its first unconditional filter is: looked up, not
        // searched for, so many statements of one syscall merge in linear
        // time.
        let mut unconditional: Vec<Option<usize>> = Vec::new();
        let mut index: HashMap<i64, usize> = HashMap::new();
        for st in self.statements {
            for (name, nr) in &st.syscalls {
                let i = *index.entry(*nr).or_insert_with(|| {
                    rules.push(Rule {
                        name: name.clone(),
                        nr: *nr,
                        frequency: self.frequency.get(nr).copied().unwrap_or(1),
                        filters: Vec::new(),
                    });
                    unconditional.push(None);
                    rules.len() - 1
                });
                let rule = &mut rules[i];
                if let Some(prev) = unconditional[i].map(|u| &rule.filters[u]) {
                    let prev = prev
                        .origin
                        .as_ref()
                        .map(|o| o.to_string())
                        .unwrap_or_default();
                    let kind = ErrorKind::AfterUnconditional {
                        name: name.clone(),
                        nr: *nr,
                        previous: prev,
                    };
                    return Err(ParseError::at_origin(kind, &st.origin, name));
                }
                let first_unconditional = st.filters.iter().position(|f| f.expr.is_none());
                unconditional[i] = first_unconditional.map(|u| rule.filters.len() + u);
                rule.filters.extend(st.filters.iter().cloned());
            }
        }
        for rule in &mut rules {
            if let Some(pos) = rule.filters.iter().position(|f| f.expr.is_none()) {
                if pos + 1 != rule.filters.len() {
                    let o = rule.filters[pos + 1]
                        .origin
                        .clone()
                        .expect("parsed filters have origins");
                    let prev = rule.filters[pos]
                        .origin
                        .as_ref()
                        .map(|o| o.to_string())
                        .unwrap_or_default();
                    let kind = ErrorKind::AfterUnconditional {
                        name: rule.name.clone(),
                        nr: rule.nr,
                        previous: prev,
                    };
                    return Err(ParseError::at_origin(kind, &o, &rule.name));
                }
            } else {
                rule.filters.push(Filter {
                    expr: None,
                    action: default_action,
                    origin: None,
                });
            }
        }
        Ok(Policy {
            arch: self.opts.arch,
            default_action,
            bad_arch_action: self.opts.kill_action,
            rules,
        })
    }
}

struct Cursor<'t> {
    toks: &'t [Token],
    pos: usize,
}

impl<'t> Cursor<'t> {
    fn peek(&self) -> Option<&'t Token> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<&'t Token> {
        let t = self.toks.get(self.pos);
        self.pos += 1;
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Mem(Vec<(&'static str, &'static str)>);
    impl Loader for Mem {
        fn load(&self, path: &Path) -> io::Result<String> {
            self.0
                .iter()
                .find(|(p, _)| Path::new(p) == path)
                .map(|(_, t)| t.to_string())
                .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
        }
    }

    fn p(text: &str) -> Result<Policy> {
        parse(
            text,
            Path::new("/p/t.policy"),
            &ParseOptions::new(Arch::X86_64),
            &Mem(vec![]),
        )
    }

    #[test]
    fn basic() {
        let pol = p(
            "read: 1\nwrite: arg0 == 1 || arg0 == 2 && arg1 in ~PROT_EXEC\nopen: return ENOENT\n",
        )
        .unwrap();
        assert_eq!(pol.rules.len(), 3);
        assert_eq!(pol.rules[0].filters.len(), 1);
        assert_eq!(pol.rules[1].filters.len(), 2);
        let w = &pol.rules[1].filters[0];
        let dnf = w.expr.as_ref().unwrap();
        assert_eq!(dnf.len(), 2);
        assert_eq!(
            dnf[1][1],
            Atom {
                arg: 1,
                op: Op::In,
                value: !4u64
            }
        );
        assert_eq!(pol.rules[2].filters[0].action, Action::Errno(2));
        assert_eq!(pol.default_action, Action::KillThread);
    }

    #[test]
    fn numbers() {
        let pol =
            p("read: arg0 == -1 || arg0 == 010 || arg0 == 0o10 || arg0 == 0x10 || arg0 == ~(1|2)")
                .unwrap();
        let vals: Vec<u64> = pol.rules[0].filters[0]
            .expr
            .as_ref()
            .unwrap()
            .iter()
            .map(|c| c[0].value)
            .collect();
        assert_eq!(vals, vec![u64::MAX, 8, 8, 16, !3]);
        assert!(p("read: arg0 == 0x10000000000000000")
            .unwrap_err()
            .to_string()
            .contains("overflow"));
        assert!(p("read: arg0 == -0x8000000000000001")
            .unwrap_err()
            .to_string()
            .contains("underflow"));
        assert!(p("read: arg0 == ~~1")
            .unwrap_err()
            .to_string()
            .contains("double complement"));
        assert!(p("read: arg6 == 1")
            .unwrap_err()
            .to_string()
            .contains("argument index"));
    }

    #[test]
    fn errors_name_location_and_suggest() {
        let e = p("read: 1\nwirte: 1\n").unwrap_err().to_string();
        assert!(
            e.starts_with(
                "/p/t.policy:2:1: unknown syscall on x86_64: `wirte`; did you mean `write`?"
            ),
            "{e}"
        );
        let e = p("mmap: arg2 in ~PROT_EXCE\n").unwrap_err().to_string();
        assert!(
            e.contains("/p/t.policy:1:16:") && e.contains("did you mean `PROT_EXEC`?"),
            "{e}"
        );
        let e = p("read: arg0 ==\n").unwrap_err().to_string();
        assert!(e.contains("expected a constant"), "{e}");
    }

    #[test]
    fn parentheses_nest_only_so_deep() {
        let nested = |n: usize| format!("read: arg0 == {}1{}\n", "(".repeat(n), ")".repeat(n));
        assert!(p(&nested(MAX_PAREN_DEPTH)).is_ok());
        let e = p(&nested(100_000)).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::ParenTooDeep), "{e}");
        assert_eq!(e.column as usize, 15 + MAX_PAREN_DEPTH, "{e}");
    }

    #[test]
    fn duplicates_merge_like_python() {
        let pol = p("read: arg0 == 1\nread: arg0 == 2; return 5\n").unwrap();
        assert_eq!(pol.rules.len(), 1);
        assert_eq!(pol.rules[0].filters.len(), 3);
        let e = p("read: 1\nread: arg0 == 2\n").unwrap_err().to_string();
        assert!(e.contains("already had an unconditional action"), "{e}");
        let e = p("read: {allow, arg0 == 1}\n").unwrap_err().to_string();
        assert!(e.contains("already had an unconditional action"), "{e}");
    }

    #[test]
    fn return_semantics() {
        let pol = p("read: arg0 == 1; return 5").unwrap();
        assert_eq!(pol.rules[0].filters[0].action, Action::Errno(5));
        assert_eq!(pol.rules[0].filters[1].action, Action::KillThread);
        let mut o = ParseOptions::new(Arch::X86_64);
        o.c_return_semantics = true;
        let pol = parse(
            "read: arg0 == 1; return 5",
            Path::new("/t"),
            &o,
            &Mem(vec![]),
        )
        .unwrap();
        assert_eq!(pol.rules[0].filters[0].action, Action::Allow);
        assert_eq!(pol.rules[0].filters[1].action, Action::Errno(5));
    }

    #[test]
    fn includes_frequency_cycles() {
        let mem = Mem(vec![
            (
                "/usr/share/policy/x/a.policy",
                "@include ./b.policy\nread: 1\n",
            ),
            ("/d/b.policy", "write: 1\n"),
            ("/d/f.frequency", "read: 10\nwrite: 0x20\n"),
            ("/d/c1.policy", "@include /d/c2.policy\n"),
            ("/d/c2.policy", "@include /d/c1.policy\n"),
        ]);
        let mut o = ParseOptions::new(Arch::X86_64);
        o.include_prefixes
            .push(("/usr/share/policy/x".into(), "/d".into()));
        let pol = parse(
            "@frequency ./f.frequency\n@include /usr/share/policy/x/b.policy\nread: 1\n@default kill-process\n",
            Path::new("/d/top.policy"),
            &o,
            &mem,
        )
        .unwrap();
        assert_eq!(pol.rules[0].name, "write");
        assert_eq!(pol.rules[0].frequency, 32);
        assert_eq!(pol.rules[1].frequency, 10);
        assert_eq!(pol.default_action, Action::KillProcess);
        let e = parse(
            "@include /d/c1.policy\n",
            Path::new("/d/top.policy"),
            &o,
            &mem,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("cycle") && e.contains("/d/c1.policy -> /d/c2.policy -> /d/c1.policy"),
            "{e}"
        );
        let e = parse(
            "@include /nowhere/z.policy\n",
            Path::new("/d/top.policy"),
            &o,
            &mem,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("--include-prefix /nowhere=DIR"), "{e}");
    }

    #[test]
    fn lists_and_metadata() {
        let pol = p(
            "{read, write}: {arg0 == 0, arg0 == 1; return ENOSYS, trap}\nopen[arch=aarch64]: 1\n",
        )
        .unwrap();
        assert_eq!(pol.rules.len(), 2);
        assert_eq!(pol.rules[1].filters[2].action, Action::Trap);
        assert!(p("kill: 1").is_ok());
        assert!(p("read@foo: 1")
            .unwrap_err()
            .to_string()
            .contains("syscall groups"));
    }
}
