//! Applying stage 2: groups, gid, uid, capabilities, securebits,
//! no_new_privs, Landlock, seccomp, in upstream minijail's order.
//!
//! [`Prepared::new`] does everything that allocates (C strings, the filter
//! program); [`Prepared::apply`] only makes syscalls, so the no-preload path
//! can call it in a forked child of a multithreaded parent.

use std::ffi::CString;

use crate::config::{Caps, Groups, SockFilter, Stage2};
use crate::error::{EnterError, Step};
use crate::landlock::PreparedLandlock;

const CAP_SETPCAP: u32 = 8;
const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;

// Securebits (linux/securebits.h): the bits, then their locks.
const SECBIT_NOROOT: u64 = 1 << 0;
const SECBIT_NOROOT_LOCKED: u64 = 1 << 1;
const SECBIT_NO_SETUID_FIXUP: u64 = 1 << 2;
const SECBIT_NO_SETUID_FIXUP_LOCKED: u64 = 1 << 3;
const SECBIT_KEEP_CAPS: u64 = 1 << 4;
const SECBIT_KEEP_CAPS_LOCKED: u64 = 1 << 5;

/// What upstream locks: every bit and lock except the ambient-raise pair,
/// which the permitted and inheritable sets already govern.
const SECUREBITS_TO_LOCK: u64 = SECBIT_NOROOT
    | SECBIT_NOROOT_LOCKED
    | SECBIT_NO_SETUID_FIXUP
    | SECBIT_NO_SETUID_FIXUP_LOCKED
    | SECBIT_KEEP_CAPS
    | SECBIT_KEEP_CAPS_LOCKED;

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const SockFilter,
}

/// Stage 2 with everything allocated up front.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The new root to enter first, and whether by pivot_root.
    new_root: Option<(CString, bool)>,
    /// Where to acknowledge [`crate::APPLIED`] to the launcher.
    ack_fd: Option<libc::c_int>,
    groups: Groups,
    gid: Option<u32>,
    uid: Option<u32>,
    caps: Option<Caps>,
    capbset_keep: Option<u64>,
    last_cap: u32,
    no_new_privs: bool,
    landlock: Option<PreparedLandlock>,
    /// The filter and its seccomp(2) flags.
    seccomp: Option<(Vec<SockFilter>, u32)>,
    /// The same filter supervised by the launcher, when it asked for that.
    supervised: Option<crate::supervise::Supervised>,
    sigsys_log: bool,
    seccomp_strict: bool,
    parent_death_signal: Option<i32>,
}

/// Why a [`Stage2`] cannot be prepared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrepareError {
    /// A Landlock path holds a NUL byte.
    NulInPath(String),
    /// The filter is longer than the kernel's BPF_MAXINSNS.
    FilterTooLong(usize),
    /// An empty filter would install nothing while claiming a jail.
    EmptyFilter,
    /// The new root's path holds a NUL byte.
    NulInRoot(String),
}

impl std::fmt::Display for PrepareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PrepareError::NulInPath(p) => write!(f, "Landlock path {p:?} contains a NUL byte"),
            PrepareError::FilterTooLong(n) => write!(
                f,
                "seccomp filter has {n} instructions, over the kernel's limit of 4096"
            ),
            PrepareError::EmptyFilter => write!(f, "seccomp filter is empty"),
            PrepareError::NulInRoot(p) => write!(f, "new root {p:?} contains a NUL byte"),
        }
    }
}

impl std::error::Error for PrepareError {}

/// The highest capability number the kernel knows.
pub fn last_cap() -> u32 {
    std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(40)
}

impl Prepared {
    /// Refuse what [`Prepared::new`] would refuse, without allocating or
    /// touching any state: the launcher calls this before fork, so a bad
    /// setting is an error for the caller, not a program dying in the
    /// preload with status 252.
    pub fn check(stage2: &Stage2) -> Result<(), PrepareError> {
        if let Some(root) = &stage2.new_root {
            if root.path.contains(&0) {
                return Err(PrepareError::NulInRoot(
                    String::from_utf8_lossy(&root.path).into_owned(),
                ));
            }
        }
        if let Some(l) = &stage2.landlock {
            if let Some(r) = l.rules.iter().find(|r| r.path.contains('\0')) {
                return Err(PrepareError::NulInPath(r.path.clone()));
            }
        }
        match &stage2.seccomp {
            Some(s) if s.program.is_empty() => Err(PrepareError::EmptyFilter),
            Some(s) if s.program.len() > 4096 => Err(PrepareError::FilterTooLong(s.program.len())),
            _ => Ok(()),
        }
    }

    /// Allocate what [`Prepared::apply`] needs. Reads cap_last_cap from /proc
    /// now, because /proc may be gone by the time caps are dropped.
    pub fn new(stage2: &Stage2) -> Result<Prepared, PrepareError> {
        Prepared::check(stage2)?;
        let landlock = match &stage2.landlock {
            None => None,
            Some(l) => Some(PreparedLandlock {
                abi: l.abi,
                best_effort: l.best_effort,
                rules: l
                    .rules
                    .iter()
                    .map(|r| {
                        CString::new(r.path.as_str())
                            .map(|c| (c, r.access))
                            .map_err(|_| PrepareError::NulInPath(r.path.clone()))
                    })
                    .collect::<Result<_, _>>()?,
            }),
        };
        let seccomp = match &stage2.seccomp {
            None => None,
            Some(s) if s.program.is_empty() => return Err(PrepareError::EmptyFilter),
            Some(s) if s.program.len() > 4096 => {
                return Err(PrepareError::FilterTooLong(s.program.len()))
            }
            Some(s) => Some((s.program.clone(), filter_flags(s))),
        };
        let supervised = stage2.seccomp.as_ref().and_then(|s| {
            let sup = s.supervise.as_ref()?;
            let program = crate::supervise::supervised_program(&s.program, sup.notify)?;
            Some(crate::supervise::Supervised::new(program, sup.report_fd))
        });
        let sigsys_log = match stage2.seccomp.as_ref().and_then(|s| s.log_names.as_ref()) {
            Some(names) => {
                crate::sigsys::set_names(names.clone());
                true
            }
            None => false,
        };
        let new_root = match &stage2.new_root {
            None => None,
            Some(root) => Some((
                CString::new(root.path.clone()).map_err(|_| {
                    PrepareError::NulInRoot(String::from_utf8_lossy(&root.path).into_owned())
                })?,
                root.pivot,
            )),
        };
        Ok(Prepared {
            new_root,
            ack_fd: stage2.ack_fd,
            groups: stage2.groups.clone(),
            gid: stage2.gid,
            uid: stage2.uid,
            caps: stage2.caps,
            capbset_keep: stage2.capbset_keep,
            last_cap: if stage2.caps.is_some() || stage2.capbset_keep.is_some() {
                last_cap()
            } else {
                0
            },
            no_new_privs: stage2.no_new_privs,
            landlock,
            seccomp,
            supervised,
            sigsys_log,
            seccomp_strict: stage2.seccomp_strict,
            parent_death_signal: stage2.parent_death_signal,
        })
    }

    /// Apply every setting, in upstream's order. Allocation-free. On error
    /// the process is partly jailed: the caller must `_exit`, never run on.
    pub fn apply(&self) -> Result<(), EnterError> {
        // First the new root, while every privilege is still held.
        if let Some((root, pivot)) = &self.new_root {
            crate::root::switch(root, *pivot)?;
        }
        if let Some(keep) = self.capbset_keep {
            self.drop_bounding_set(keep)?;
        }
        if let Some(caps) = &self.caps {
            // Keep caps across the uid change. As upstream, ambient caps
            // carry them anyway, so then a KEEP_CAPS already locked off
            // (a nested jail) is left off instead of failing.
            let mut bits = SECUREBITS_TO_LOCK & !caps.securebits_skip_mask;
            if caps.ambient {
                // SAFETY: PR_GET_SECUREBITS takes no pointers.
                let current = unsafe { libc::prctl(libc::PR_GET_SECUREBITS) };
                let current = u64::try_from(current).unwrap_or(0);
                if current & SECBIT_KEEP_CAPS_LOCKED != 0 && current & SECBIT_KEEP_CAPS == 0 {
                    bits &= !SECBIT_KEEP_CAPS;
                }
            }
            prctl(libc::PR_SET_SECUREBITS, bits, Step::Securebits, Some(bits))?;
        }
        // SAFETY: getppid has no preconditions.
        let parent = unsafe { libc::getppid() };
        if self.no_new_privs {
            // Privileges go first so the filter need not allow setuid & co.
            self.drop_ids()?;
            self.drop_caps()?;
            self.rearm_parent_death_signal(parent)?;
            prctl(libc::PR_SET_NO_NEW_PRIVS, 1, Step::NoNewPrivs, None)?;
            self.apply_landlock()?;
            self.acknowledge();
            self.install_seccomp()?;
        } else {
            // Without no_new_privs the filter goes on while we still hold
            // CAP_SYS_ADMIN; the policy must then allow the id and cap calls.
            self.apply_landlock()?;
            self.acknowledge();
            self.install_seccomp()?;
            self.drop_ids()?;
            self.drop_caps()?;
            // The policy must allow prctl here, as it must allow the id calls.
            self.rearm_parent_death_signal(parent)?;
        }
        if self.seccomp_strict {
            prctl(
                libc::PR_SET_SECCOMP,
                libc::SECCOMP_MODE_STRICT as u64,
                Step::SeccompStrict,
                None,
            )?;
        }
        Ok(())
    }

    /// The new root this applies first, if any (for error lines).
    pub fn new_root(&self) -> Option<&std::ffi::CStr> {
        self.new_root.as_ref().map(|(path, _)| path.as_c_str())
    }

    /// Tell the launcher the jail is applied, and close the channel so the
    /// program never holds it. Right before the seccomp filter: after it,
    /// the policy might not allow write or close; a filter that then fails
    /// to install still ends the process before the program's main. A
    /// launcher that has stopped listening is not written to (no SIGPIPE).
    fn acknowledge(&self) {
        let Some(fd) = self.ack_fd else { return };
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLOUT,
            revents: 0,
        };
        // SAFETY: poll on one valid pollfd, without waiting.
        let polled = unsafe { libc::poll(&mut pfd, 1, 0) };
        if polled == 1 && pfd.revents & (libc::POLLERR | libc::POLLHUP) == 0 {
            loop {
                // SAFETY: writing one byte from a live buffer.
                let n = unsafe { libc::write(fd, [crate::APPLIED].as_ptr().cast(), 1) };
                if n >= 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                    break;
                }
            }
        }
        // SAFETY: closing the channel fd this process was handed.
        unsafe { libc::close(fd) };
    }

    /// Raw syscalls, not the libc wrappers: glibc's set*id wrappers signal
    /// every thread it believes exists, and in a child made by raw clone(2)
    /// its thread list is the parent's, so they would wait forever. Raw
    /// calls change only the calling thread, so callers must be
    /// single-threaded (the preload checks; a forked child is).
    /// The kernel clears the parent-death signal when the uid or gid
    /// changes: arm it again, then make sure `parent` did not die before
    /// it was armed (the process would have been reparented).
    fn rearm_parent_death_signal(&self, parent: libc::pid_t) -> Result<(), EnterError> {
        let Some(sig) = self.parent_death_signal else {
            return Ok(());
        };
        prctl(
            libc::PR_SET_PDEATHSIG,
            sig as u64,
            Step::ParentDeathSignal,
            Some(sig as u64),
        )?;
        // SAFETY: getppid has no preconditions.
        if unsafe { libc::getppid() } != parent {
            return Err(EnterError::new(
                Step::ParentDeathSignal,
                libc::ESRCH,
                Some(sig as u64),
            ));
        }
        Ok(())
    }

    fn drop_ids(&self) -> Result<(), EnterError> {
        match &self.groups {
            Groups::Keep => {}
            Groups::Set(list) => {
                // SAFETY: list is a valid gid array of the given length.
                if unsafe { libc::syscall(libc::SYS_setgroups, list.len(), list.as_ptr()) } != 0 {
                    return Err(EnterError::last(Step::SetGroups, None));
                }
            }
            Groups::ClearOnIdChange => {
                if (self.uid.is_some() || self.gid.is_some())
                    // SAFETY: an empty list needs no pointer.
                    && unsafe { libc::syscall(libc::SYS_setgroups, 0usize, std::ptr::null::<u32>()) } != 0
                {
                    return Err(EnterError::last(Step::SetGroups, None));
                }
            }
        }
        if let Some(gid) = self.gid {
            // SAFETY: plain syscall on integers.
            if unsafe { libc::syscall(libc::SYS_setresgid, gid, gid, gid) } != 0 {
                return Err(EnterError::last(Step::SetGid, Some(gid.into())));
            }
        }
        if let Some(uid) = self.uid {
            // SAFETY: plain syscall on integers.
            if unsafe { libc::syscall(libc::SYS_setresuid, uid, uid, uid) } != 0 {
                return Err(EnterError::last(Step::SetUid, Some(uid.into())));
            }
        }
        Ok(())
    }

    fn drop_caps(&self) -> Result<(), EnterError> {
        let Some(caps) = &self.caps else {
            return Ok(());
        };
        let keep = caps.mask & valid_mask(self.last_cap);
        // First keep CAP_SETPCAP too: dropping the bounding set needs it.
        capset(keep | (1 << CAP_SETPCAP))?;
        let noroot_locked = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED;
        // Upstream: a caller who skipped SECURE_NOROOT wants setuid-root
        // programs to regain caps, so the bounding set stays.
        if caps.securebits_skip_mask & noroot_locked == 0 {
            self.drop_bounding_set(keep)?;
        }
        capset(keep)?;
        if caps.ambient {
            prctl5(
                libc::PR_CAP_AMBIENT,
                libc::PR_CAP_AMBIENT_CLEAR_ALL as u64,
                0,
            )
            .map_err(|e| EnterError::new(Step::CapAmbientRaise, e, None))?;
            for cap in 0..=self.last_cap.min(63) {
                if keep & (1 << cap) != 0 {
                    prctl5(
                        libc::PR_CAP_AMBIENT,
                        libc::PR_CAP_AMBIENT_RAISE as u64,
                        cap.into(),
                    )
                    .map_err(|e| EnterError::new(Step::CapAmbientRaise, e, Some(cap.into())))?;
                }
            }
        }
        Ok(())
    }

    fn drop_bounding_set(&self, keep: u64) -> Result<(), EnterError> {
        for cap in 0..=self.last_cap.min(63) {
            if keep & (1 << cap) == 0 {
                prctl(
                    libc::PR_CAPBSET_DROP,
                    cap.into(),
                    Step::CapBoundingDrop,
                    Some(cap.into()),
                )?;
            }
        }
        Ok(())
    }

    fn apply_landlock(&self) -> Result<(), EnterError> {
        match &self.landlock {
            Some(l) => l.apply(),
            None => Ok(()),
        }
    }

    fn install_seccomp(&self) -> Result<(), EnterError> {
        let Some((program, flags)) = &self.seccomp else {
            return Ok(());
        };
        if let Some(supervised) = &self.supervised {
            let _ = program;
            return supervised.install(*flags);
        }
        if self.sigsys_log {
            crate::sigsys::install().map_err(|e| EnterError::new(Step::SigsysHandler, e, None))?;
        }
        install_filter(program, *flags)
    }
}

/// The seccomp(2) flags a [`Seccomp`] asks for.
fn filter_flags(s: &crate::config::Seccomp) -> u32 {
    let mut flags = 0;
    if s.tsync {
        flags |= libc::SECCOMP_FILTER_FLAG_TSYNC as u32;
    }
    if s.allow_speculation {
        flags |= libc::SECCOMP_FILTER_FLAG_SPEC_ALLOW as u32;
    }
    flags
}

/// Install `program` as a seccomp filter, honouring the caller's choice of
/// no_new_privs. (seccompiler's `apply_filter` always sets no_new_privs,
/// which would change minijail's meaning of a root jail without `-n`.)
/// `flags` are seccomp(2)'s SECCOMP_FILTER_FLAG_* bits.
pub fn install_filter(program: &[SockFilter], flags: u32) -> Result<(), EnterError> {
    let prog = SockFprog {
        len: program.len() as u16,
        filter: program.as_ptr(),
    };
    // SAFETY: prog points at `program`, which outlives the call; the kernel copies it.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            flags,
            &prog as *const SockFprog,
        )
    };
    match rc {
        0 => Ok(()),
        // With TSYNC a positive result is the id of a thread that could not sync.
        tid if tid > 0 => Err(EnterError::new(
            Step::SeccompInstall,
            libc::EBUSY,
            Some(tid as u64),
        )),
        _ => Err(EnterError::last(Step::SeccompInstall, None)),
    }
}

fn valid_mask(last_cap: u32) -> u64 {
    if last_cap >= 63 {
        u64::MAX
    } else {
        (1u64 << (last_cap + 1)) - 1
    }
}

fn capset(mask: u64) -> Result<(), EnterError> {
    let header = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let lo = mask as u32;
    let hi = (mask >> 32) as u32;
    let data = [
        CapData {
            effective: lo,
            permitted: lo,
            inheritable: lo,
        },
        CapData {
            effective: hi,
            permitted: hi,
            inheritable: hi,
        },
    ];
    // SAFETY: header and a two-element data array, as capset v3 expects.
    if unsafe { libc::syscall(libc::SYS_capset, &header as *const CapHeader, data.as_ptr()) } != 0 {
        // The mask names the capabilities the process could not keep.
        return Err(EnterError::last(Step::CapSet, Some(mask)));
    }
    Ok(())
}

fn prctl(option: libc::c_int, arg: u64, step: Step, input: Option<u64>) -> Result<(), EnterError> {
    prctl5(option, arg, 0).map_err(|errno| EnterError::new(step, errno, input))
}

fn prctl5(option: libc::c_int, arg2: u64, arg3: u64) -> Result<(), i32> {
    // SAFETY: prctl with integer arguments only.
    let rc = unsafe { libc::prctl(option, arg2 as libc::c_ulong, arg3 as libc::c_ulong, 0, 0) };
    if rc != 0 {
        Err(crate::fd::errno())
    } else {
        Ok(())
    }
}

/// Read the calling thread's capability sets: (effective, permitted, inheritable).
pub fn current_caps() -> Result<(u64, u64, u64), EnterError> {
    let header = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: header and a two-element out array, as capget v3 expects.
    if unsafe {
        libc::syscall(
            libc::SYS_capget,
            &header as *const CapHeader,
            data.as_mut_ptr(),
        )
    } != 0
    {
        return Err(EnterError::last(Step::CapGet, None));
    }
    let join = |f: fn(&CapData) -> u32| u64::from(f(&data[0])) | (u64::from(f(&data[1])) << 32);
    Ok((
        join(|d| d.effective),
        join(|d| d.permitted),
        join(|d| d.inheritable),
    ))
}
