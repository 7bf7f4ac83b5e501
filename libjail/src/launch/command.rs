//! What to run: program, arguments, environment, stdio, preload mode.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use crate::config::PreloadMode;

/// Where a std stream of the jailed program goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Stdio {
    /// The launcher's own stream.
    #[default]
    Inherit,
    /// A pipe whose other end is handed back in [`crate::JailedProcess`].
    Piped,
    /// /dev/null.
    Null,
}

/// The program's environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Environment {
    /// The launcher's environment (read, never modified).
    #[default]
    Inherit,
    /// Exactly these `NAME=value` entries.
    Exactly(Vec<OsString>),
}

/// A program to run in a jail.
#[derive(Clone, Debug)]
pub struct Command {
    pub(crate) program: PathBuf,
    pub(crate) argv0: Option<OsString>,
    pub(crate) args: Vec<OsString>,
    pub(crate) env: Environment,
    pub(crate) env_add: Vec<(OsString, OsString)>,
    pub(crate) stdin: Stdio,
    pub(crate) stdout: Stdio,
    pub(crate) stderr: Stdio,
    pub(crate) preload: PreloadMode,
    pub(crate) wait_until_jailed: bool,
}

impl Command {
    /// Run `program`; a name without `/` is looked up in PATH.
    pub fn new(program: impl AsRef<Path>) -> Command {
        Command {
            program: program.as_ref().to_owned(),
            argv0: None,
            args: Vec::new(),
            env: Environment::Inherit,
            env_add: Vec::new(),
            stdin: Stdio::Inherit,
            stdout: Stdio::Inherit,
            stderr: Stdio::Inherit,
            preload: PreloadMode::Auto,
            wait_until_jailed: false,
        }
    }

    /// Append one argument (after `argv[0]`), passed as it is: no shell,
    /// no splitting.
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Append several arguments, in order, as [`Command::arg`] does.
    pub fn args<I, S>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// `argv[0]` as the program sees it (default: the program path).
    pub fn argv0(&mut self, argv0: impl AsRef<OsStr>) -> &mut Self {
        self.argv0 = Some(argv0.as_ref().to_owned());
        self
    }

    /// Start from an empty environment (`--env-reset`).
    pub fn env_clear(&mut self) -> &mut Self {
        self.env = Environment::Exactly(Vec::new());
        self
    }

    /// Use exactly these `NAME=value` entries.
    pub fn env_exactly<I, S>(&mut self, entries: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.env =
            Environment::Exactly(entries.into_iter().map(|e| e.as_ref().to_owned()).collect());
        self
    }

    /// Set one variable (`--env-add NAME=value`), replacing an inherited one.
    pub fn env(&mut self, name: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Self {
        self.env_add
            .push((name.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Where the program's standard input comes from (default: inherited).
    pub fn stdin(&mut self, s: Stdio) -> &mut Self {
        self.stdin = s;
        self
    }

    /// Where its standard output goes (default: inherited; `output()`
    /// pipes it).
    pub fn stdout(&mut self, s: Stdio) -> &mut Self {
        self.stdout = s;
        self
    }

    /// Where its standard error goes (default: inherited; `output()`
    /// pipes it).
    pub fn stderr(&mut self, s: Stdio) -> &mut Self {
        self.stderr = s;
        self
    }

    /// How stage 2 reaches the program (`-T static|dynamic`).
    pub fn preload_mode(&mut self, mode: PreloadMode) -> &mut Self {
        self.preload = mode;
        self
    }

    /// Return from `spawn` only once the whole jail is in force: in preload
    /// mode, once the preload has acknowledged stage 2 (it does so just
    /// before installing the seccomp filter, its last step). A program that
    /// runs without that acknowledgement (the loader skipped the preload)
    /// is killed as soon as the launcher learns of it, and `spawn` returns
    /// [`LaunchError::FailOpen`](crate::LaunchError::FailOpen). In
    /// no-preload mode the jail is in force at execve anyway.
    pub fn wait_until_jailed(&mut self, wait: bool) -> &mut Self {
        self.wait_until_jailed = wait;
        self
    }

    /// The program as given to [`Command::new`] (before the PATH lookup).
    pub fn program(&self) -> &Path {
        &self.program
    }
}
