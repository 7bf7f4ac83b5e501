//! Capabilities: the typed [`Capability`] and [`CapSet`] for the builder,
//! and the names `-c` and the C API spell them with.

/// Declares [`Capability`] and [`NAMES`] from one table.
macro_rules! capabilities {
    ($($(#[$doc:meta])* $variant:ident = $number:literal, $name:literal;)*) => {
        /// A Linux capability (capabilities(7)), numbered as in
        /// linux/capability.h.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        #[repr(u32)]
        pub enum Capability {
            $($(#[$doc])* $variant = $number,)*
        }

        impl Capability {
            /// Every capability this library knows, in number order.
            pub const ALL: &'static [Capability] = &[$(Capability::$variant,)*];
        }

        /// Capability names by number, lower case without `cap_`.
        pub const NAMES: &[&str] = &[$($name,)*];
    };
}

capabilities! {
    /// CAP_CHOWN: change any file's owner and group.
    Chown = 0, "chown";
    /// CAP_DAC_OVERRIDE: bypass file read, write and execute permission checks.
    DacOverride = 1, "dac_override";
    /// CAP_DAC_READ_SEARCH: bypass file read and directory search checks.
    DacReadSearch = 2, "dac_read_search";
    /// CAP_FOWNER: act as the owner of any file (chmod, utime, ...).
    Fowner = 3, "fowner";
    /// CAP_FSETID: keep setuid/setgid bits when modifying a file.
    Fsetid = 4, "fsetid";
    /// CAP_KILL: send signals to any process.
    Kill = 5, "kill";
    /// CAP_SETGID: change gids and supplementary groups, write gid maps.
    Setgid = 6, "setgid";
    /// CAP_SETUID: change uids, write uid maps.
    Setuid = 7, "setuid";
    /// CAP_SETPCAP: change the bounding set and securebits.
    Setpcap = 8, "setpcap";
    /// CAP_LINUX_IMMUTABLE: set the immutable and append-only file flags.
    LinuxImmutable = 9, "linux_immutable";
    /// CAP_NET_BIND_SERVICE: bind ports below 1024.
    NetBindService = 10, "net_bind_service";
    /// CAP_NET_BROADCAST: broadcast and listen to multicast (unused).
    NetBroadcast = 11, "net_broadcast";
    /// CAP_NET_ADMIN: configure interfaces, routes, firewall rules.
    NetAdmin = 12, "net_admin";
    /// CAP_NET_RAW: raw and packet sockets.
    NetRaw = 13, "net_raw";
    /// CAP_IPC_LOCK: lock memory (mlock, SHM_LOCK) beyond RLIMIT_MEMLOCK.
    IpcLock = 14, "ipc_lock";
    /// CAP_IPC_OWNER: bypass System V IPC permission checks.
    IpcOwner = 15, "ipc_owner";
    /// CAP_SYS_MODULE: load and unload kernel modules.
    SysModule = 16, "sys_module";
    /// CAP_SYS_RAWIO: I/O ports, /dev/mem, raw block I/O.
    SysRawio = 17, "sys_rawio";
    /// CAP_SYS_CHROOT: chroot.
    SysChroot = 18, "sys_chroot";
    /// CAP_SYS_PTRACE: ptrace any process.
    SysPtrace = 19, "sys_ptrace";
    /// CAP_SYS_PACCT: process accounting (acct).
    SysPacct = 20, "sys_pacct";
    /// CAP_SYS_ADMIN: mounts, namespaces and much else.
    SysAdmin = 21, "sys_admin";
    /// CAP_SYS_BOOT: reboot and kexec.
    SysBoot = 22, "sys_boot";
    /// CAP_SYS_NICE: raise priorities, set other processes' scheduling.
    SysNice = 23, "sys_nice";
    /// CAP_SYS_RESOURCE: raise hard rlimits, exceed quotas.
    SysResource = 24, "sys_resource";
    /// CAP_SYS_TIME: set the system clock.
    SysTime = 25, "sys_time";
    /// CAP_SYS_TTY_CONFIG: vhangup and privileged tty ioctls.
    SysTtyConfig = 26, "sys_tty_config";
    /// CAP_MKNOD: create device files.
    Mknod = 27, "mknod";
    /// CAP_LEASE: take leases on any file.
    Lease = 28, "lease";
    /// CAP_AUDIT_WRITE: write to the kernel audit log.
    AuditWrite = 29, "audit_write";
    /// CAP_AUDIT_CONTROL: configure auditing.
    AuditControl = 30, "audit_control";
    /// CAP_SETFCAP: set file capabilities, map uid 0 in a user namespace.
    Setfcap = 31, "setfcap";
    /// CAP_MAC_OVERRIDE: override mandatory access control (Smack).
    MacOverride = 32, "mac_override";
    /// CAP_MAC_ADMIN: configure mandatory access control.
    MacAdmin = 33, "mac_admin";
    /// CAP_SYSLOG: privileged syslog operations, read kernel addresses.
    Syslog = 34, "syslog";
    /// CAP_WAKE_ALARM: set alarms that wake the system.
    WakeAlarm = 35, "wake_alarm";
    /// CAP_BLOCK_SUSPEND: block system suspend (epoll EPOLLWAKEUP).
    BlockSuspend = 36, "block_suspend";
    /// CAP_AUDIT_READ: read the audit log over netlink.
    AuditRead = 37, "audit_read";
    /// CAP_PERFMON: performance monitoring (perf_event_open) (Linux 5.8).
    Perfmon = 38, "perfmon";
    /// CAP_BPF: privileged BPF operations (Linux 5.8).
    Bpf = 39, "bpf";
    /// CAP_CHECKPOINT_RESTORE: checkpoint/restore operations (Linux 5.9).
    CheckpointRestore = 40, "checkpoint_restore";
}

impl Capability {
    /// The capability's number, its bit in a capability mask.
    pub fn number(self) -> u32 {
        self as u32
    }

    /// The capability of number `n`; None beyond those this library knows.
    pub fn from_number(n: u32) -> Option<Capability> {
        Capability::ALL.get(n as usize).copied()
    }

    /// The name as `CAP_NAME`.
    pub fn name(self) -> String {
        format!("CAP_{}", NAMES[self as usize].to_ascii_uppercase())
    }
}

impl std::fmt::Display for Capability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// A name that is no capability.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown capability '{0}': give a name such as CAP_NET_RAW or net_raw")]
pub struct UnknownCapability(pub String);

impl std::str::FromStr for Capability {
    type Err = UnknownCapability;

    /// `CAP_NET_RAW`, `cap_net_raw` or `net_raw`.
    fn from_str(name: &str) -> Result<Capability, UnknownCapability> {
        by_name(name)
            .and_then(Capability::from_number)
            .ok_or_else(|| UnknownCapability(name.to_owned()))
    }
}

/// A set of capabilities: bit N of [`CapSet::bits`] is capability N, as
/// `-c`, `minijail_use_caps` and /proc/PID/status's `CapEff` write it.
///
/// ```
/// use jail::{CapSet, Capability};
/// let set: CapSet = [Capability::NetBindService, Capability::NetRaw].into_iter().collect();
/// assert_eq!(set.bits(), 1 << 10 | 1 << 13);
/// assert!(set.contains(Capability::NetRaw));
/// assert_eq!(CapSet::from_bits(0x400).iter().collect::<Vec<_>>(), [Capability::NetBindService]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CapSet(u64);

impl CapSet {
    /// No capability.
    pub const EMPTY: CapSet = CapSet(0);

    /// The set of mask `bits` (bit N: capability N), bits beyond the known
    /// capabilities included.
    pub fn from_bits(bits: u64) -> CapSet {
        CapSet(bits)
    }

    /// The mask.
    pub fn bits(self) -> u64 {
        self.0
    }

    /// Whether the set holds no capability.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether `cap` is in the set.
    pub fn contains(self, cap: Capability) -> bool {
        self.0 & (1 << cap.number()) != 0
    }

    /// Add `cap`.
    pub fn insert(&mut self, cap: Capability) -> &mut Self {
        self.0 |= 1 << cap.number();
        self
    }

    /// Take `cap` out.
    pub fn remove(&mut self, cap: Capability) -> &mut Self {
        self.0 &= !(1 << cap.number());
        self
    }

    /// The known capabilities in the set, in number order.
    pub fn iter(self) -> impl Iterator<Item = Capability> {
        Capability::ALL
            .iter()
            .copied()
            .filter(move |c| self.contains(*c))
    }
}

impl FromIterator<Capability> for CapSet {
    fn from_iter<I: IntoIterator<Item = Capability>>(caps: I) -> CapSet {
        let mut set = CapSet::EMPTY;
        set.extend(caps);
        set
    }
}

impl Extend<Capability> for CapSet {
    fn extend<I: IntoIterator<Item = Capability>>(&mut self, caps: I) {
        for cap in caps {
            self.insert(cap);
        }
    }
}

impl IntoIterator for CapSet {
    type Item = Capability;
    type IntoIter = Box<dyn Iterator<Item = Capability>>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl From<Capability> for CapSet {
    fn from(cap: Capability) -> CapSet {
        CapSet(1 << cap.number())
    }
}

/// Capabilities on the builder, typed; [`Jail::use_caps`](crate::Jail::use_caps)
/// and [`Jail::capbset_drop`](crate::Jail::capbset_drop) take the raw mask.
impl crate::Jail {
    /// Keep exactly `caps` in the permitted, effective and inheritable
    /// sets and drop every other capability from the bounding set too
    /// (`-c`, `minijail_use_caps`); an empty set drops them all.
    ///
    /// ```no_run
    /// use jail::{Capability, Jail};
    /// let mut jail = Jail::new();
    /// jail.change_uid(65534).change_gid(65534).capabilities([Capability::NetBindService]);
    /// ```
    pub fn capabilities(&mut self, caps: impl IntoIterator<Item = Capability>) -> &mut Self {
        self.use_caps(caps.into_iter().collect::<CapSet>().bits())
    }

    /// Drop every capability outside `keep` from the bounding set only,
    /// leaving the other sets as they are (`minijail_capbset_drop`).
    pub fn bounding_set(&mut self, keep: impl IntoIterator<Item = Capability>) -> &mut Self {
        self.capbset_drop(keep.into_iter().collect::<CapSet>().bits())
    }
}

/// A capability by name (`CAP_NET_RAW`, `cap_net_raw` or `net_raw`).
pub fn by_name(name: &str) -> Option<u32> {
    let lower = name.to_ascii_lowercase();
    let bare = lower.strip_prefix("cap_").unwrap_or(&lower);
    NAMES.iter().position(|n| *n == bare).map(|i| i as u32)
}

/// The name of capability `cap`, as `CAP_NAME`.
pub fn name(cap: u32) -> Option<String> {
    Capability::from_number(cap).map(Capability::name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(by_name("CAP_NET_BIND_SERVICE"), Some(10));
        assert_eq!(by_name("sys_admin"), Some(21));
        assert_eq!(name(40).as_deref(), Some("CAP_CHECKPOINT_RESTORE"));
        assert_eq!(by_name("CAP_NOPE"), None);
    }

    #[test]
    fn every_capability_has_its_kernel_number() {
        assert_eq!(Capability::ALL.len(), NAMES.len());
        for (i, cap) in Capability::ALL.iter().enumerate() {
            assert_eq!(cap.number(), i as u32);
            assert_eq!(cap.name().parse::<Capability>(), Ok(*cap));
        }
        assert_eq!(Capability::SysAdmin.number(), 21);
        assert_eq!(Capability::Setfcap.number(), 31);
        assert_eq!(Capability::CheckpointRestore.number(), 40);
        assert_eq!(Capability::from_number(41), None);
        assert!("net_rwa".parse::<Capability>().is_err());
    }

    #[test]
    fn a_set_is_its_mask() {
        let mut set = CapSet::from(Capability::Chown);
        set.insert(Capability::Bpf).insert(Capability::Kill);
        assert_eq!(set.bits(), 1 | 1 << 5 | 1 << 39);
        set.remove(Capability::Chown);
        let caps: Vec<Capability> = set.into_iter().collect();
        assert_eq!(caps, [Capability::Kill, Capability::Bpf]);
        assert_eq!(CapSet::from_bits(set.bits()), set);
    }
}
