//! `--pty`: whether a jail can run on a pty, checked before fork, and the
//! pair it runs on.

use super::command::{Command, Stdio};
use super::error::{Conflict, FdProblem, LaunchError};
use crate::config::Jail;
use crate::pty::Pair;
use crate::sys;

/// Check that `jail` and `cmd` can run on a pty and open the pair, before
/// fork. None when the jail has no pty.
pub(super) fn plan(
    jail: &Jail,
    cmd: &Command,
    fork_only: bool,
) -> Result<Option<Pair>, LaunchError> {
    if !jail.pty {
        return Ok(None);
    }
    if fork_only {
        return Err(Conflict::PtyInForkMode.into());
    }
    if [cmd.stdin, cmd.stdout, cmd.stderr] != [Stdio::Inherit; 3] {
        return Err(Conflict::PtyWithRedirectedStdio.into());
    }
    if let Some(&(parent, child)) = jail.preserved_fds.iter().find(|(fd, _)| sys::is_tty(*fd)) {
        return Err(LaunchError::PreserveFd {
            parent,
            child,
            problem: FdProblem::TerminalWithPty,
        });
    }
    crate::pty::open_pair().map(Some).map_err(|e| {
        LaunchError::os(
            "opening a pty (posix_openpt, TIOCGPTPEER)",
            e.raw_os_error().unwrap_or(0),
        )
    })
}
