//! How the child tells the parent how setup went, on a close-on-exec pipe:
//! one [`SETUP_DONE`] byte once stage 1 is through, and a fixed record
//! for a step that failed. The byte and then end of file mean execve
//! succeeded (or, in fork mode, that the child returned to the caller);
//! end of file with nothing means the child died during setup.

use crate::sys;

/// Declares [`ChildStep`] and its words for error lines from one table,
/// with the list of all steps that decoding a record needs.
macro_rules! child_steps {
    ($first:ident => $first_text:literal, $($step:ident => $text:literal,)*) => {
        /// A stage-1 step in the child.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u32)]
        pub enum ChildStep {
            #[doc = $first_text]
            $first = 1,
            $(#[doc = $text] $step,)*
        }

        impl ChildStep {
            const ALL: &'static [ChildStep] = &[ChildStep::$first, $(ChildStep::$step,)*];

            /// What the step does, in the words of an error line.
            pub fn describe(self) -> &'static str {
                match self {
                    ChildStep::$first => $first_text,
                    $(ChildStep::$step => $text,)*
                }
            }
        }
    };
}

child_steps! {
    ParentSync => "waiting for the launcher's setup",
    ParentDeathSignal => "setting the parent-death signal",
    SignalReset => "resetting signal mask and handlers",
    Dumpable => "setting whether the process is dumpable (PR_SET_DUMPABLE)",
    UserNamespaceIds => "becoming root in the new user namespace",
    JoinNamespace => "joining a namespace (setns)",
    Unshare => "creating namespaces",
    Hostname => "setting the hostname",
    Loopback => "bringing up loopback in the new net namespace",
    SessionKeyring => "joining a new session keyring",
    Propagation => "setting mount propagation",
    MountDev => "building the minimal /dev",
    Mount => "mounting",
    MountDestination => "resolving a mount destination inside the root",
    Chroot => "chroot",
    PivotRoot => "pivot_root",
    MountTmp => "mounting tmpfs on /tmp",
    RemountProc => "remounting /proc read-only",
    Rlimit => "setting a resource limit",
    InitFork => "forking the program from the pid namespace's init",
    Setsid => "starting a new session (setsid)",
    Fds => "setting up file descriptors",
    ControllingTerminal => "making the pty the controlling terminal (TIOCSCTTY)",
    Stage2 => "applying ids, capabilities and filters (no-preload mode)",
    Preload => "opening the preload library in the program's view (the loader would skip it and run the program unjailed)",
    Exec => "execve",
    Hook => "running a caller hook (minijail_add_hook)",
    InitExec => "starting the pid namespace's init (jail-init from a memfd)",
    JoinCgroup => "moving itself into the jail's own cgroup",
    JoinUserNamespace => "joining the new user namespace made before the clone (setns)",
}

impl ChildStep {
    /// The step of a record's number; None for a number no step has.
    pub(crate) fn from_u32(v: u32) -> Option<ChildStep> {
        Self::ALL.iter().copied().find(|s| *s as u32 == v)
    }

    /// minijail's exit status for a child that failed at this step.
    pub fn exit_status(self, errno: i32) -> i32 {
        use ChildStep::*;
        match self {
            Propagation | MountDev | Mount | MountDestination | Chroot | PivotRoot | MountTmp
            | RemountProc => crate::status::MOUNT_FAILED,
            InitFork | InitExec => crate::status::INIT_FAILED,
            Preload => crate::status::PRELOAD_FAILED,
            Exec if errno == libc::ENOENT => crate::status::NO_COMMAND,
            Exec => crate::status::NO_ACCESS,
            _ => crate::status::JAIL_FAILED,
        }
    }
}

/// A failed step, its errno and which item (mount index, rlimit index,
/// stage-2 sub-step) it was.
pub type StepError = (ChildStep, sys::Errno, u64);

/// The record the child writes: step, errno, and a detail (which mount,
/// which rlimit, which stage-2 sub-step) for the parent's message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChildFailure {
    /// The step that failed.
    pub step: ChildStep,
    /// The errno of the failing syscall (or a hook's negated return).
    pub errno: i32,
    /// Which item of the step: the index of the mount, rlimit, joined
    /// namespace or hook, the remount (1-based; 0 is `/`), or the stage-2
    /// sub-step; 0 where the step has one item.
    pub detail: u64,
}

pub const RECORD_LEN: usize = 16;

impl ChildFailure {
    /// The record as written to the status pipe (native byte order).
    pub(crate) fn encode(&self) -> [u8; RECORD_LEN] {
        let mut out = [0u8; RECORD_LEN];
        out[..4].copy_from_slice(&(self.step as u32).to_ne_bytes());
        out[4..8].copy_from_slice(&self.errno.to_ne_bytes());
        out[8..].copy_from_slice(&self.detail.to_ne_bytes());
        out
    }

    /// A record read from the status pipe; None if its step is unknown.
    pub(crate) fn decode(buf: &[u8; RECORD_LEN]) -> Option<ChildFailure> {
        let step = ChildStep::from_u32(u32::from_ne_bytes(buf[..4].try_into().ok()?))?;
        Some(ChildFailure {
            step,
            errno: i32::from_ne_bytes(buf[4..8].try_into().ok()?),
            detail: u64::from_ne_bytes(buf[8..].try_into().ok()?),
        })
    }
}

/// Written once stage 1 is done, before stage 2 (whose seccomp filter,
/// in no-preload mode, need not allow write) and execve.
pub const SETUP_DONE: u8 = 0xd0;

/// Written first by a child that made itself dumpable for the launcher's
/// uid/gid map writes ([`dumpable`]).
pub const CHILD_DUMPABLE: u8 = 0xd1;

/// Tell the parent this child is dumpable now, so its map files open.
pub fn dumpable(status_fd: libc::c_int) {
    let _ = sys::write_all(status_fd, &[CHILD_DUMPABLE]);
}

/// Wait for the child's [`CHILD_DUMPABLE`] byte. Anything else is how the
/// child ended: a failure record, or nothing.
pub fn await_dumpable(status_read: libc::c_int) -> Result<(), Report> {
    let mut first = [0u8; 1];
    match sys::read_full(status_read, &mut first) {
        Ok(1) if first[0] == CHILD_DUMPABLE => return Ok(()),
        Ok(1) => {}
        Ok(_) => return Err(Report::Died),
        Err(_) => return Err(Report::Malformed { bad_record: false }),
    }
    let mut record = [0u8; RECORD_LEN];
    record[0] = first[0];
    match sys::read_full(status_read, &mut record[1..]) {
        Ok(n) if n == RECORD_LEN - 1 => {}
        _ => return Err(Report::Malformed { bad_record: false }),
    }
    Err(match ChildFailure::decode(&record) {
        Some(failure) => Report::Failed(failure),
        None => Report::Malformed { bad_record: true },
    })
}

/// Tell the parent stage 1 is done. Nothing to do if it cannot hear: a
/// launcher that is gone takes the child with it (or the child runs on,
/// as it would have anyway).
pub fn setup_done(status_fd: libc::c_int) {
    let _ = sys::write_all(status_fd, &[SETUP_DONE]);
}

/// Report a failure to the parent and exit with minijail's status for it.
pub fn fail(status_fd: libc::c_int, step: ChildStep, errno: i32, detail: u64) -> ! {
    let record = ChildFailure {
        step,
        errno,
        detail,
    }
    .encode();
    let _ = sys::write_all(status_fd, &record);
    sys::exit_now(step.exit_status(errno))
}

/// What the launcher reads on the status pipe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    /// Stage 1 done, then end of file: execve succeeded (or, in fork mode,
    /// the child returned to the caller).
    Execed,
    /// A step failed; the child is exiting.
    Failed(ChildFailure),
    /// End of file with nothing: the child died during setup.
    Died,
    /// Bytes that are not a report: `true` when they had a record's length
    /// but named no step.
    Malformed { bad_record: bool },
}

/// Read the child's report from the status pipe's read end, then close it.
pub fn receive(status_read: libc::c_int) -> Report {
    let mut report = [0u8; 1 + RECORD_LEN];
    let got = sys::read_full(status_read, &mut report);
    sys::close(status_read);
    let done = report[0] == SETUP_DONE;
    let record = match got {
        Ok(1) if done => return Report::Execed,
        Ok(RECORD_LEN) => &report[..RECORD_LEN],
        Ok(n) if n == 1 + RECORD_LEN && done => &report[1..],
        Ok(0) => return Report::Died,
        Ok(_) | Err(_) => return Report::Malformed { bad_record: false },
    };
    let record: &[u8; RECORD_LEN] = record.try_into().expect("RECORD_LEN bytes");
    match ChildFailure::decode(record) {
        Some(failure) => Report::Failed(failure),
        None => Report::Malformed { bad_record: true },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_survives_the_record() {
        // Numbered 1..=N with no gap, so the decoder's range check holds.
        assert_eq!(ChildStep::ALL.len(), ChildStep::JoinUserNamespace as usize);
        for &step in ChildStep::ALL {
            let failure = ChildFailure {
                step,
                errno: libc::EPERM,
                detail: 7,
            };
            assert_eq!(ChildFailure::decode(&failure.encode()), Some(failure));
        }
        let mut unknown = ChildFailure {
            step: ChildStep::Hook,
            errno: 0,
            detail: 0,
        }
        .encode();
        unknown[..4].copy_from_slice(&0u32.to_ne_bytes());
        assert_eq!(ChildFailure::decode(&unknown), None);
    }
}
