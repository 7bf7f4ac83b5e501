//! The launch's pipes and who holds which end. Three channels:
//!
//! - sync, launcher → child: one byte releases a child that waits for the
//!   launcher's setup (uid/gid maps, cgroups, pid file);
//! - status, child → launcher: the child's report ([`super::report`]);
//! - handoff, launcher → program: the encoded stage 2 for the preload;
//! - acknowledgement, program → launcher (when the launcher waits for it):
//!   stage 2's [`jail_enter::APPLIED`] byte once the jail is in force.

use super::error::LaunchError;
use super::plan::Plan;
use crate::sys;

/// The fds the child got from the launch (parent ends are closed first).
pub struct ChildFds {
    pub sync_read: libc::c_int,
    pub status_write: libc::c_int,
    pub handoff_read: libc::c_int,
    /// The acknowledgement pipe's write end, for stage 2 (-1 if none).
    pub ack_write: libc::c_int,
    /// Parent-side ends the child must close (sync write, status read,
    /// handoff write, acknowledgement read, stdio parent ends): holding
    /// them would keep pipes open.
    pub parent_ends: [libc::c_int; 7],
    /// The stack the program's process runs on when a pid namespace's
    /// init forks it sharing memory (set by the clone); null when it is a
    /// plain fork.
    pub program_stack: *const sys::GuardedStack,
}

/// Pipes of one launch; closes whatever is still open when dropped.
pub struct LaunchPipes {
    pub sync: (libc::c_int, libc::c_int),
    pub status: (libc::c_int, libc::c_int),
    pub handoff: (libc::c_int, libc::c_int),
    pub ack: (libc::c_int, libc::c_int),
}

impl LaunchPipes {
    /// The status pipe always; the sync pipe when the child waits for the
    /// launcher's setup; the handoff pipe in preload mode; the
    /// acknowledgement pipe when the launcher waits for stage 2. All
    /// numbered `min_fd` or above, clear of the fds the child hands the
    /// program.
    pub fn new(
        with_sync: bool,
        with_handoff: bool,
        with_ack: bool,
        min_fd: libc::c_int,
    ) -> Result<LaunchPipes, LaunchError> {
        let mut p = LaunchPipes {
            sync: (-1, -1),
            status: (-1, -1),
            handoff: (-1, -1),
            ack: (-1, -1),
        };
        if with_sync {
            p.sync = sys::pipe_at_or_above(min_fd).map_err(|e| LaunchError::os("pipe", e))?;
        }
        p.status = sys::pipe_at_or_above(min_fd).map_err(|e| LaunchError::os("pipe", e))?;
        if with_handoff {
            p.handoff = sys::pipe_at_or_above(min_fd).map_err(|e| LaunchError::os("pipe", e))?;
        }
        if with_ack {
            p.ack = sys::pipe_at_or_above(min_fd).map_err(|e| LaunchError::os("pipe", e))?;
        }
        Ok(p)
    }

    /// Take an fd out, leaving -1 so the drop does not close it.
    pub fn take(fd: &mut libc::c_int) -> libc::c_int {
        std::mem::replace(fd, -1)
    }

    /// The ends the child uses, and the launcher's ends (including the
    /// plan's stdio pipes) that it must close.
    pub fn child_fds(&self, plan: &Plan) -> ChildFds {
        let stdio_parent = plan.stdio_pipes.iter().flatten().map(|p| p.0);
        let mut parent_ends = [-1; 7];
        parent_ends[0] = self.sync.1;
        parent_ends[1] = self.status.0;
        parent_ends[2] = self.handoff.1;
        parent_ends[3] = self.ack.0;
        for (slot, fd) in parent_ends[4..].iter_mut().zip(stdio_parent) {
            *slot = fd;
        }
        ChildFds {
            sync_read: self.sync.0,
            status_write: self.status.1,
            handoff_read: self.handoff.0,
            ack_write: self.ack.1,
            parent_ends,
            program_stack: std::ptr::null(),
        }
    }

    /// In the launcher once the child exists: drop the child's ends.
    pub fn close_child_ends(&mut self) {
        for fd in [
            LaunchPipes::take(&mut self.sync.0),
            LaunchPipes::take(&mut self.status.1),
            LaunchPipes::take(&mut self.handoff.0),
            LaunchPipes::take(&mut self.ack.1),
        ] {
            sys::close(fd);
        }
    }
}

impl Drop for LaunchPipes {
    fn drop(&mut self) {
        for fd in [
            self.sync.0,
            self.sync.1,
            self.status.0,
            self.status.1,
            self.handoff.0,
            self.handoff.1,
            self.ack.0,
            self.ack.1,
        ] {
            sys::close(fd);
        }
    }
}
