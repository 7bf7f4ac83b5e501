//! [`Jail::command`]: a program to run in a jail, built and run the way
//! [`std::process::Command`] is.

use std::ffi::OsStr;
use std::path::Path;

use super::command::{Command, Stdio};
use super::error::LaunchError;
use crate::config::{Jail, PreloadMode};
use crate::process::{JailedProcess, Output};
use crate::status::ExitStatus;

/// A program to run in a jail; made by [`Jail::command`].
///
/// ```no_run
/// let mut jail = jail::Jail::new();
/// jail.change_uid(65534).change_gid(65534).no_new_privs();
/// let out = jail.command("/usr/bin/id").arg("-u").output()?;
/// assert!(out.status.success());
/// assert_eq!(out.stdout, b"65534\n");
/// # Ok::<(), jail::LaunchError>(())
/// ```
#[derive(Debug)]
pub struct JailCommand<'a> {
    jail: &'a Jail,
    cmd: Command,
}

impl Jail {
    /// A program to run in this jail, with the launcher's environment and
    /// std fds, like [`std::process::Command::new`].
    pub fn command(&self, program: impl AsRef<Path>) -> JailCommand<'_> {
        JailCommand {
            jail: self,
            cmd: Command::new(program),
        }
    }
}

impl JailCommand<'_> {
    /// Add an argument.
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Self {
        self.cmd.arg(arg);
        self
    }

    /// Add arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Set argv\[0\] (the program's path by default).
    pub fn argv0(&mut self, argv0: impl AsRef<OsStr>) -> &mut Self {
        self.cmd.argv0(argv0);
        self
    }

    /// Set or replace an environment variable.
    pub fn env(&mut self, name: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Self {
        self.cmd.env(name, value);
        self
    }

    /// Start from an empty environment.
    pub fn env_clear(&mut self) -> &mut Self {
        self.cmd.env_clear();
        self
    }

    /// The program's stdin.
    pub fn stdin(&mut self, s: Stdio) -> &mut Self {
        self.cmd.stdin(s);
        self
    }

    /// The program's stdout.
    pub fn stdout(&mut self, s: Stdio) -> &mut Self {
        self.cmd.stdout(s);
        self
    }

    /// The program's stderr.
    pub fn stderr(&mut self, s: Stdio) -> &mut Self {
        self.cmd.stderr(s);
        self
    }

    /// How stage 2 reaches the program (the preload library by default,
    /// before execve for static programs).
    pub fn preload_mode(&mut self, mode: PreloadMode) -> &mut Self {
        self.cmd.preload_mode(mode);
        self
    }

    /// The [`Command`] this runs.
    pub fn as_command(&self) -> &Command {
        &self.cmd
    }

    /// Start the program; returns once it has been exec'd.
    pub fn spawn(&mut self) -> Result<JailedProcess, LaunchError> {
        self.jail.spawn(&self.cmd)
    }

    /// Run the program and wait for it.
    pub fn status(&mut self) -> Result<ExitStatus, LaunchError> {
        let mut child = self.spawn()?;
        child.wait().map_err(waiting)
    }

    /// Run the program with stdout and stderr piped (stdin from
    /// /dev/null unless set) and collect them, as std's `output` does.
    pub fn output(&mut self) -> Result<Output, LaunchError> {
        let mut cmd = self.cmd.clone();
        if cmd.stdin == Stdio::Inherit {
            cmd.stdin(Stdio::Null);
        }
        cmd.stdout(Stdio::Piped).stderr(Stdio::Piped);
        self.jail.spawn(&cmd)?.wait_with_output().map_err(waiting)
    }
}

fn waiting(e: std::io::Error) -> LaunchError {
    LaunchError::os(
        "waiting for the jailed program",
        e.raw_os_error().unwrap_or(0),
    )
}
