//! The stage-2 settings, as the parent sends them and the preload reads them.
//!
//! Everything here is already resolved by the parent: user and group names
//! are numbers, the supplementary group list is computed, the seccomp policy
//! is a compiled BPF program. The preload only applies.

use serde::{Deserialize, Serialize};

/// One BPF instruction, laid out as the kernel's `struct sock_filter`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SockFilter {
    /// The opcode: instruction class, size and mode (BPF_LD | BPF_W | BPF_ABS, ...).
    pub code: u16,
    /// Instructions to skip when a conditional jump's test is true.
    pub jt: u8,
    /// Instructions to skip when it is false.
    pub jf: u8,
    /// The operand: an offset into `seccomp_data`, a constant, a return value.
    pub k: u32,
}

/// What to do with the supplementary groups when ids change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Groups {
    /// Clear them if the uid or gid changes (upstream's default).
    #[default]
    ClearOnIdChange,
    /// Leave the caller's as they are (`-y`, `minijail_keep_supplementary_gids`).
    Keep,
    /// Set exactly this list: the user's groups (`-G`, resolved by the
    /// parent with getgrouplist), an explicit list (`minijail_set_supplementary_gids`),
    /// plus any `--add-suppl-group`.
    Set(Vec<u32>),
}

/// Capability settings: keep `mask` in the permitted, effective and
/// inheritable sets and drop everything else from the bounding set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caps {
    /// Capabilities to keep, bit N for capability N.
    pub mask: u64,
    /// Also raise the kept capabilities in the ambient set, so they survive
    /// a later execve by a non-root program.
    pub ambient: bool,
    /// Securebits the caller asked not to lock (`minijail_skip_setting_securebits`).
    pub securebits_skip_mask: u64,
}

/// One Landlock rule: `access` (LANDLOCK_ACCESS_FS_* bits) beneath `path`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LandlockRule {
    /// The file or directory, opened with O_PATH inside the jail's root.
    pub path: String,
    /// The LANDLOCK_ACCESS_FS_* rights allowed beneath it.
    pub access: u64,
}

/// Landlock filesystem restrictions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Landlock {
    /// The ABI version whose access rights are handled (upstream default 2).
    pub abi: u32,
    /// The paths and rights allowed; everything else the ABI handles is denied.
    pub rules: Vec<LandlockRule>,
    /// Apply what the kernel supports and carry on if it has no Landlock.
    pub best_effort: bool,
}

/// A seccomp filter to install.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seccomp {
    /// The compiled classic-BPF program.
    pub program: Vec<SockFilter>,
    /// Synchronize the filter to every thread (SECCOMP_FILTER_FLAG_TSYNC).
    pub tsync: bool,
    /// Leave speculative-execution mitigations as they are
    /// (SECCOMP_FILTER_FLAG_SPEC_ALLOW) instead of letting the kernel force
    /// them on for the filtered process.
    pub allow_speculation: bool,
    /// Install a SIGSYS handler that prints the blocked syscall (-L on a
    /// kernel without SECCOMP_RET_LOG). Index = syscall number.
    pub log_names: Option<Vec<String>>,
    /// Hand blocked calls to the launcher through a user-notify listener
    /// (see `supervise`), which explains and kills, or counts and allows.
    pub supervise: Option<Supervise>,
}

/// How the launcher supervises the filter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supervise {
    /// The program's end of the report socket (a unix socket).
    pub report_fd: i32,
    /// Which calls go to the launcher.
    pub notify: Notify,
}

/// The new root stage 2 enters first (preload mode): the program was
/// exec'd from the caller's filesystem, as upstream minijail does, so the
/// root need not hold the program, its libraries or the preload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRoot {
    /// The directory, as a path in the program's view before the switch.
    pub path: Vec<u8>,
    /// pivot_root (and detach the old root) rather than chroot.
    pub pivot: bool,
}

/// Everything stage 2 applies, in upstream minijail's order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage2 {
    /// Entered before anything else is applied.
    pub new_root: Option<NewRoot>,
    /// The supplementary groups, set (setgroups) before the gid.
    pub groups: Groups,
    /// The gid to change to (setresgid, all three ids); None keeps it.
    pub gid: Option<u32>,
    /// The uid to change to (setresuid, all three ids); None keeps it.
    pub uid: Option<u32>,
    /// The capabilities to keep (`-c`); None leaves them as the id change
    /// left them.
    pub caps: Option<Caps>,
    /// Drop every capability outside this mask from the bounding set only
    /// (`minijail_capbset_drop`).
    pub capbset_keep: Option<u64>,
    /// Set PR_SET_NO_NEW_PRIVS (`-n`): execve grants no privilege after it.
    pub no_new_privs: bool,
    /// Landlock rules, applied after the ids and capabilities change.
    pub landlock: Option<Landlock>,
    /// A seccomp filter, installed last.
    pub seccomp: Option<Seccomp>,
    /// Seccomp strict mode (`-s`): only read, write, _exit and sigreturn.
    pub seccomp_strict: bool,
    /// The parent-death signal to arm again after the uid or gid change,
    /// which clears it.
    pub parent_death_signal: Option<i32>,
    /// The LD_PRELOAD entry the parent added, removed again by the preload
    /// so the program and its children never see it.
    pub preload_entry: Option<String>,
    /// The fd on which to acknowledge [`crate::APPLIED`] to the launcher,
    /// then close; None when the launcher does not wait for it.
    pub ack_fd: Option<i32>,
}

impl Stage2 {
    /// True when applying this changes nothing (the preload then only scrubs).
    pub fn is_empty(&self) -> bool {
        self.new_root.is_none()
            && self.groups == Groups::ClearOnIdChange
            && self.gid.is_none()
            && self.uid.is_none()
            && self.caps.is_none()
            && self.capbset_keep.is_none()
            && !self.no_new_privs
            && self.landlock.is_none()
            && self.seccomp.is_none()
            && !self.seccomp_strict
            && self.parent_death_signal.is_none()
    }
}

/// What the supervised filter hands to the launcher.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Notify {
    /// Calls the policy kills (the launcher explains and kills).
    Kills,
    /// Calls it kills or logs (`-L`: the launcher counts the logged ones
    /// and lets them run).
    KillsAndLogs,
    /// Every call (policy recording: counted, then let run).
    Everything,
}
