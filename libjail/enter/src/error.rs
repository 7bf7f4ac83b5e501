//! The stage-2 error: which step failed and the errno, nothing allocated.

use std::fmt;

/// A step of stage 2 (or of stage 1 when the same reporting is reused).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// chroot into the new root (preload mode).
    Chroot,
    /// pivot_root into the new root and detach the old one.
    PivotRoot,
    /// setgroups: the supplementary groups.
    SetGroups,
    /// setresgid (`input` is the gid).
    SetGid,
    /// setresuid (`input` is the uid).
    SetUid,
    /// prctl(PR_SET_SECUREBITS): locking the securebits.
    Securebits,
    /// capget: reading the current capability sets.
    CapGet,
    /// capset: keeping only the requested capabilities.
    CapSet,
    /// prctl(PR_CAPBSET_DROP): dropping one capability from the bounding
    /// set (`input` is its number).
    CapBoundingDrop,
    /// prctl(PR_CAP_AMBIENT_RAISE) of one capability (`input`).
    CapAmbientRaise,
    /// prctl(PR_SET_NO_NEW_PRIVS).
    NoNewPrivs,
    /// landlock_create_ruleset.
    LandlockCreate,
    /// Opening a Landlock rule's path (`input` is the rule's index).
    LandlockOpenPath,
    /// landlock_add_rule (`input` is the rule's index).
    LandlockAddRule,
    /// landlock_restrict_self.
    LandlockRestrict,
    /// seccomp(SECCOMP_SET_MODE_FILTER).
    SeccompInstall,
    /// prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT).
    SeccompStrict,
    /// sigaction(SIGSYS) for the -L reporter.
    SigsysHandler,
    /// prctl(PR_SET_PDEATHSIG) after the id change.
    ParentDeathSignal,
}

impl Step {
    /// What the step does, in the words a user reads in an error line.
    pub fn describe(self) -> &'static str {
        match self {
            Step::Chroot => "chroot (entering the new root)",
            Step::PivotRoot => "pivot_root (entering the new root)",
            Step::SetGroups => "setgroups (supplementary groups)",
            Step::SetGid => "setresgid (gid change)",
            Step::SetUid => "setresuid (uid change)",
            Step::Securebits => "prctl(PR_SET_SECUREBITS) (locking securebits)",
            Step::CapGet => "capget",
            Step::CapSet => "capset (keeping the requested capabilities)",
            Step::CapBoundingDrop => "prctl(PR_CAPBSET_DROP) (bounding set)",
            Step::CapAmbientRaise => "prctl(PR_CAP_AMBIENT_RAISE) (ambient capabilities)",
            Step::NoNewPrivs => "prctl(PR_SET_NO_NEW_PRIVS)",
            Step::LandlockCreate => "landlock_create_ruleset",
            Step::LandlockOpenPath => "open (Landlock rule path)",
            Step::LandlockAddRule => "landlock_add_rule",
            Step::LandlockRestrict => "landlock_restrict_self",
            Step::SeccompInstall => "seccomp(SECCOMP_SET_MODE_FILTER)",
            Step::SeccompStrict => "prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT)",
            Step::SigsysHandler => "sigaction(SIGSYS) (seccomp logging handler)",
            Step::ParentDeathSignal => {
                "prctl(PR_SET_PDEATHSIG) (arming the parent-death signal again after the id change)"
            }
        }
    }
}

/// A failed stage-2 step with the errno the kernel gave and, where one
/// input decided it, that input's value (a uid, a capability number, the
/// index of a Landlock rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnterError {
    /// The step that failed.
    pub step: Step,
    /// The errno the kernel returned.
    pub errno: i32,
    /// The input that step was working on, where one decides it.
    pub input: Option<u64>,
}

impl EnterError {
    /// A failure of `step` with `errno`, about `input` if any.
    pub fn new(step: Step, errno: i32, input: Option<u64>) -> Self {
        EnterError { step, errno, input }
    }

    /// The errno of the last failed libc call.
    pub(crate) fn last(step: Step, input: Option<u64>) -> Self {
        EnterError::new(step, crate::fd::errno(), input)
    }
}

impl fmt::Display for EnterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed", self.step.describe())?;
        if let Some(input) = self.input {
            write!(f, " for {input}")?;
        }
        write!(f, ": {}", std::io::Error::from_raw_os_error(self.errno))
    }
}

impl std::error::Error for EnterError {}
