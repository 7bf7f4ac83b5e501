//! The jail's settings: a builder, validated piecewise as settings are made
//! and as a whole before fork ([`crate::launch`]).
//!
//! Names follow upstream minijail's setters so the C ABI and the CLI map
//! onto them one to one.

use std::path::{Path, PathBuf};

use crate::caps::CapSet;

pub use jail_enter::SockFilter;

/// The new root of the minimalistic-mountns profile, as upstream.
pub const DEFAULT_PIVOT_ROOT: &str = "/var/empty";

/// The size of /tmp when none is given (`-t` without a size), as upstream.
pub const DEFAULT_TMP_SIZE: u64 = 64 * 1024 * 1024;

/// The flags a mount given none gets, as upstream: no devices, no
/// execution, no setuid.
pub const SECURE_MOUNT_FLAGS: libc::c_ulong = libc::MS_NODEV | libc::MS_NOEXEC | libc::MS_NOSUID;

/// The data of a tmpfs mounted without any, as upstream.
pub const DEFAULT_TMPFS_DATA: &str = "mode=0755,size=10M";

/// Program and library directories the default Landlock rules allow to
/// read and execute (upstream's `--fs-default-paths`).
pub const DEFAULT_FS_EXEC_PATHS: [&str; 8] = [
    "/lib",
    "/lib64",
    "/usr/lib",
    "/usr/lib64",
    "/bin",
    "/sbin",
    "/usr/sbin",
    "/usr/bin",
];

/// Files the default Landlock rules allow to read.
pub const DEFAULT_FS_READ_PATHS: [&str; 2] = ["/etc/group", "/etc/passwd"];

/// [`Jail::keep_supplementary_gids`] was asked.
const GROUPS_KEEP: u8 = 1;
/// [`Jail::inherit_usergroups`] was asked.
const GROUPS_INHERIT: u8 = 2;
/// [`Jail::set_supplementary_gids`] was asked.
const GROUPS_SET: u8 = 4;

/// Namespace kinds, for joining by path and for the "new namespace" set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Namespace {
    /// Mount namespace (CLONE_NEWNS; minijail0 `-v`, `minijail_namespace_vfs`).
    Mount,
    /// Pid namespace (CLONE_NEWPID; `-p`, `minijail_namespace_pids`): the
    /// program, or jail's init with `-I` off, is pid 1 in it.
    Pid,
    /// IPC namespace (CLONE_NEWIPC; `-l`, `minijail_namespace_ipc`).
    Ipc,
    /// UTS namespace, own hostname (CLONE_NEWUTS; `--uts`, `minijail_namespace_uts`).
    Uts,
    /// Network namespace, only loopback (CLONE_NEWNET; `-e`, `minijail_namespace_net`).
    Net,
    /// Cgroup namespace (CLONE_NEWCGROUP; `-N`, `minijail_namespace_cgroups`).
    Cgroup,
    /// User namespace (CLONE_NEWUSER; `-U`, `minijail_namespace_user`).
    User,
    /// Time namespace (CLONE_NEWTIME, Linux 5.6); upstream has no flag for it.
    Time,
}

impl Namespace {
    /// The CLONE_NEW* flag of this kind.
    pub fn clone_flag(self) -> libc::c_int {
        match self {
            Namespace::Mount => libc::CLONE_NEWNS,
            Namespace::Pid => libc::CLONE_NEWPID,
            Namespace::Ipc => libc::CLONE_NEWIPC,
            Namespace::Uts => libc::CLONE_NEWUTS,
            Namespace::Net => libc::CLONE_NEWNET,
            Namespace::Cgroup => libc::CLONE_NEWCGROUP,
            Namespace::User => libc::CLONE_NEWUSER,
            Namespace::Time => 0x80, // CLONE_NEWTIME
        }
    }

    /// The name under /proc/PID/ns/.
    pub fn proc_name(self) -> &'static str {
        match self {
            Namespace::Mount => "mnt",
            Namespace::Pid => "pid",
            Namespace::Ipc => "ipc",
            Namespace::Uts => "uts",
            Namespace::Net => "net",
            Namespace::Cgroup => "cgroup",
            Namespace::User => "user",
            Namespace::Time => "time",
        }
    }

    /// The order runc's nsexec joins in: user first, so the rest are
    /// joined with the capabilities the new user namespace grants.
    pub const JOIN_ORDER: [Namespace; 8] = [
        Namespace::User,
        Namespace::Ipc,
        Namespace::Uts,
        Namespace::Net,
        Namespace::Pid,
        Namespace::Cgroup,
        Namespace::Time,
        Namespace::Mount,
    ];
}

/// Mount propagation applied to the whole tree of a new mount namespace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Propagation {
    /// MS_PRIVATE, the default: no mount events cross in either direction.
    #[default]
    Private,
    /// MS_SLAVE (`-Kslave`): the host's new mounts appear in the jail, not
    /// the other way round.
    Slave,
    /// MS_SHARED (`-Kshared`): mount events cross both ways.
    Shared,
    /// MS_UNBINDABLE (`-Kunbindable`): private, and cannot be bind-mounted.
    Unbindable,
    /// Leave propagation as inherited (`-K` with no argument).
    Unchanged,
}

impl Propagation {
    /// The MS_* flag mount(2) takes for this mode; 0 for `Unchanged`.
    pub fn ms_flag(self) -> libc::c_ulong {
        match self {
            Propagation::Private => libc::MS_PRIVATE,
            Propagation::Slave => libc::MS_SLAVE,
            Propagation::Shared => libc::MS_SHARED,
            Propagation::Unbindable => libc::MS_UNBINDABLE,
            Propagation::Unchanged => 0,
        }
    }
}

/// One mount to make inside the jail, before chroot/pivot_root. `dest` is
/// relative to the new root when one is set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountSpec {
    /// What to mount: a host path for a bind mount, else the device or a
    /// name such as `none` or `proc`, as mount(2)'s `source`.
    pub source: PathBuf,
    /// Where, inside the jail.
    pub dest: PathBuf,
    /// `None` for a bind mount.
    pub fstype: Option<String>,
    /// mount(2)'s MS_* flags (MS_RDONLY, MS_NOSUID, ...); a bind mount's
    /// include MS_BIND, and MS_RDONLY unless it is writable.
    pub flags: libc::c_ulong,
    /// mount(2)'s filesystem-specific data (`mode=0755,size=10M`).
    pub data: Option<String>,
}

impl MountSpec {
    /// Whether this is a bind mount (`-b`, `minijail_bind`) rather than a
    /// mount of a filesystem type (`-k`, `minijail_mount_with_data`).
    pub fn is_bind(&self) -> bool {
        self.fstype.is_none()
    }
}

/// A resource limit to set before the program runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rlimit {
    /// The RLIMIT_* number (`libc::RLIMIT_NOFILE`, ...).
    pub resource: i32,
    /// The soft limit, in the resource's unit (`u64::MAX`: unlimited).
    pub cur: u64,
    /// The hard limit, the ceiling of the soft one (`u64::MAX`: unlimited).
    pub max: u64,
}

/// A resource limit that cannot be set.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RlimitError {
    /// The resource is no RLIMIT_* name or number.
    #[error(transparent)]
    Resource(#[from] crate::rlimit::UnknownResource),
    /// A limit is neither a number nor `unlimited`.
    #[error("rlimit {resource}: {which} limit '{text}' is not a number or 'unlimited'")]
    Value {
        /// "soft" or "hard".
        which: &'static str,
        /// The resource as given.
        resource: String,
        /// The limit as given.
        text: String,
    },
    /// The soft limit is above the hard one, which setrlimit refuses.
    #[error("rlimit {resource}: soft limit {cur} is above hard limit {max}; lower the soft limit")]
    SoftAboveHard {
        /// The resource as given.
        resource: String,
        /// The soft limit.
        cur: u64,
        /// The hard limit.
        max: u64,
    },
}

/// What to do with the supplementary groups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SupplementaryGroups {
    /// Clear them when the uid or gid changes.
    #[default]
    Default,
    /// Keep the caller's (`-y`).
    Keep,
    /// The user's groups from the group database (`-G`).
    InheritFromUser,
    /// Exactly this list.
    Set(Vec<u32>),
}

/// A compiled seccomp filter and how to install it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeccompFilter {
    /// The classic-BPF program seccomp(2) installs.
    pub program: Vec<SockFilter>,
    /// Install with SECCOMP_FILTER_FLAG_TSYNC, so every thread of the
    /// program gets the filter (`-Y`, `minijail_set_seccomp_filter_tsync`).
    pub tsync: bool,
    /// Install with SECCOMP_FILTER_FLAG_SPEC_ALLOW: the kernel then leaves
    /// speculative-execution mitigations as they are rather than forcing
    /// them on (upstream's `minijail_set_seccomp_filter_allow_speculation`,
    /// minijail0's --allow-speculative-execution).
    pub allow_speculation: bool,
    /// Install the preload's SIGSYS reporter, which names a trapped syscall
    /// on stderr before the program dies (-L on a kernel without
    /// SECCOMP_RET_LOG). Only useful with a program that traps
    /// (`CompileOptions::traps_for_logging`).
    pub log_failures: bool,
    /// The filter logs failures (-L, `minijail_log_seccomp_filter_failures`):
    /// the launch says so on the log, as upstream's "logging seccomp filter
    /// failures" line.
    pub logging: bool,
    /// Where the filter came from, for the message when a program dies of SIGSYS.
    pub label: String,
    /// The policy the program was compiled from, when there is one: a
    /// blocked call is then explained with the line that decided.
    pub policy: Option<std::sync::Arc<crate::seccomp::Policy>>,
    /// Record every syscall instead of judging (see [`crate::record`]).
    pub record: bool,
    /// The policy file it was compiled from: the program gets it in
    /// `SECCOMP_POLICY_PATH`, as upstream (for logging; it changes nothing
    /// enforced). None for a precompiled program.
    pub policy_path: Option<String>,
}

impl SeccompFilter {
    /// A compiled program as minijail's runtime installs it: with thread
    /// sync and the SIGSYS reporter as `opts` ask
    /// ([`crate::seccomp::CompileOptions::minijail_runtime`]). `label`
    /// names it in the message when the program dies of SIGSYS.
    pub fn from_program(
        program: &crate::seccomp::Program,
        opts: &crate::seccomp::CompileOptions,
        tsync: bool,
        allow_speculation: bool,
        label: String,
    ) -> SeccompFilter {
        SeccompFilter {
            program: program
                .instructions()
                .iter()
                .map(|i| SockFilter {
                    code: i.code,
                    jt: i.jt,
                    jf: i.jf,
                    k: i.k,
                })
                .collect(),
            tsync,
            allow_speculation,
            log_failures: opts.traps_for_logging(),
            logging: opts.log_failures,
            label,
            policy: None,
            record: false,
            policy_path: None,
        }
    }

    /// Compile the policy file at `path` as minijail's runtime does
    /// (`minijail0 -S`, `minijail_parse_seccomp_filters`), keeping the
    /// parsed policy so a blocked call is explained with the line that
    /// decided.
    pub fn from_policy_file(
        path: impl AsRef<Path>,
        log_failures: bool,
        tsync: bool,
    ) -> Result<SeccompFilter, crate::seccomp::PolicyError> {
        let path = path.as_ref();
        let opts = crate::seccomp::CompileOptions::minijail_runtime(log_failures, tsync);
        let policy = crate::seccomp::parse_file(path, &opts)?;
        let program = crate::seccomp::compile_policy(&policy, path)?;
        let mut filter =
            SeccompFilter::from_program(&program, &opts, tsync, false, path.display().to_string());
        filter.policy = Some(std::sync::Arc::new(policy));
        filter.policy_path = Some(path.display().to_string());
        Ok(filter)
    }
}

/// How stage 2 reaches the program.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PreloadMode {
    /// Preload for dynamic programs, no-preload for static ones.
    #[default]
    Auto,
    /// Always through LD_PRELOAD (`-T dynamic`); static programs are refused.
    Always,
    /// Stage 2 in the child just before execve (`-T static`).
    Never,
}

/// Upstream's named sets of Landlock rights; what each holds depends on
/// the Landlock ABI ([`FsAccess::rights`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsAccess {
    /// Read and execute (`--fs-path-rx`).
    ReadExecute,
    /// Read (`--fs-path-ro`).
    ReadOnly,
    /// Read, write, create and remove (`--fs-path-rw`).
    ReadWrite,
    /// Everything the ABI has (`--fs-path-advanced-rw`).
    AdvancedReadWrite,
    /// Read, write and remove, create nothing (`minijail_add_fs_restriction_edit`).
    Edit,
    /// Exactly these LANDLOCK_ACCESS_FS_* bits.
    Rights(u64),
}

impl FsAccess {
    /// The LANDLOCK_ACCESS_FS_* bits of this set at Landlock ABI `abi`.
    pub fn rights(self, abi: u32) -> u64 {
        use jail_enter::landlock as ll;
        match self {
            FsAccess::ReadExecute => ll::ROUGHLY_READ_EXECUTE,
            FsAccess::ReadOnly => ll::ROUGHLY_READ,
            FsAccess::ReadWrite => ll::rw_rights(abi),
            FsAccess::AdvancedReadWrite => ll::advanced_rw_rights(abi),
            FsAccess::Edit => ll::edit_rights(abi),
            FsAccess::Rights(bits) => bits,
        }
    }
}

/// A Landlock filesystem rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FsRule {
    /// The file or directory (and everything beneath it) the rule opens.
    pub path: PathBuf,
    /// The LANDLOCK_ACCESS_FS_* rights allowed there.
    pub access: u64,
}

/// All of a jail's settings. Build with the setters, launch with
/// [`Jail::run`](crate::Jail::run) and friends.
#[derive(Clone, Debug)]
pub struct Jail {
    // Identity.
    pub(crate) uid: Option<u32>,
    pub(crate) gid: Option<u32>,
    pub(crate) user_name: Option<String>,
    pub(crate) user_gid: Option<u32>,
    pub(crate) groups: SupplementaryGroups,
    /// Every supplementary-groups mode asked for (`GROUPS_*` bits), as
    /// upstream's three flags: more than one is refused at launch.
    pub(crate) groups_modes: u8,
    pub(crate) extra_groups: Vec<u32>,
    // Capabilities.
    pub(crate) caps: Option<u64>,
    pub(crate) ambient_caps: bool,
    pub(crate) securebits_skip_mask: u64,
    pub(crate) capbset_drop: Option<u64>,
    // Kernel restrictions.
    pub(crate) no_new_privs: bool,
    pub(crate) seccomp: Option<SeccompFilter>,
    pub(crate) seccomp_strict: bool,
    /// `minijail_use_alt_syscall`, `-a`: refused at launch (no kernel
    /// here has PR_ALT_SYSCALL).
    pub(crate) alt_syscall: Option<String>,
    /// Upstream's "default runtime environment" flag, which only
    /// minijail0 acts on.
    pub(crate) default_runtime: bool,
    /// Kill blocked calls in the kernel, unexplained, rather than through
    /// the launcher's supervisor.
    pub(crate) seccomp_unsupervised: bool,
    pub(crate) fs_rules: Vec<FsRule>,
    pub(crate) landlock_abi: u32,
    pub(crate) landlock_best_effort: bool,
    /// `minijail_disable_fs_restrictions`: no rule is kept from now on.
    pub(crate) fs_restrictions_off: bool,
    /// The jail is upstream's minimalistic-mountns profile (its Landlock
    /// rules follow from its mounts, [`Jail::add_minimalistic_mountns_fs_rules`]).
    pub(crate) minimalistic_mountns: bool,
    /// `--enable-profile-fs-restrictions` turned off (upstream has it on).
    pub(crate) profile_fs_restrictions_off: bool,
    // Namespaces.
    pub(crate) new_ns: Vec<Namespace>,
    pub(crate) join_ns: Vec<(Namespace, PathBuf)>,
    pub(crate) hostname: Option<String>,
    pub(crate) uid_map: Option<String>,
    pub(crate) gid_map: Option<String>,
    pub(crate) deny_setgroups: bool,
    /// Map the caller to root when no map is given (the Rust API's
    /// default; upstream writes no map).
    pub(crate) default_id_maps: bool,
    pub(crate) net_loopback: bool,
    pub(crate) run_as_init: bool,
    pub(crate) new_session_keyring: bool,
    // Filesystem.
    pub(crate) propagation: Propagation,
    /// Subtrees given their own propagation after the whole tree's.
    pub(crate) remounts: Vec<(PathBuf, Propagation)>,
    pub(crate) mounts: Vec<MountSpec>,
    pub(crate) mount_dev: bool,
    pub(crate) mount_tmp: Option<u64>,
    /// Mount a fresh /proc (for the new pid namespace): Some(true) read-only.
    pub(crate) remount_proc: Option<bool>,
    pub(crate) chroot: Option<PathBuf>,
    pub(crate) pivot_root: Option<PathBuf>,
    // Resources and process.
    pub(crate) rlimits: Vec<Rlimit>,
    pub(crate) cgroups: Vec<PathBuf>,
    /// A cgroup of the jail's own, its limits, the time limit.
    pub(crate) resources: crate::cgroup::Settings,
    pub(crate) pid_file: Option<PathBuf>,
    pub(crate) forward_signals: bool,
    pub(crate) pdeathsig: Option<i32>,
    pub(crate) new_session: bool,
    pub(crate) reset_signal_mask: bool,
    pub(crate) reset_signal_handlers: bool,
    pub(crate) preserved_fds: Vec<(i32, i32)>,
    pub(crate) close_open_fds: bool,
    pub(crate) preload_path: Option<PathBuf>,
    pub(crate) setsid_always: bool,
    pub(crate) pty: bool,
    pub(crate) hooks: Vec<crate::hook::Hook>,
    pub(crate) keep_launcher_dumpable: bool,
}

impl Jail {
    /// A jail that changes nothing until told to: like `minijail_new`, but
    /// with the safe defaults of the Rust API (other fds closed, signal mask
    /// and handlers reset, a new session when a std fd is a terminal).
    pub fn new() -> Jail {
        // Every field named, so a new setting must choose its default here
        // (Default is this too: a derived one would keep the caller's fds).
        Jail {
            uid: Default::default(),
            gid: Default::default(),
            user_name: Default::default(),
            user_gid: Default::default(),
            groups: Default::default(),
            groups_modes: 0,
            extra_groups: Default::default(),
            caps: Default::default(),
            ambient_caps: Default::default(),
            securebits_skip_mask: Default::default(),
            capbset_drop: Default::default(),
            no_new_privs: Default::default(),
            seccomp: Default::default(),
            seccomp_strict: Default::default(),
            alt_syscall: None,
            default_runtime: true,
            seccomp_unsupervised: false,
            fs_rules: Default::default(),
            landlock_abi: 2,
            landlock_best_effort: Default::default(),
            fs_restrictions_off: false,
            minimalistic_mountns: false,
            profile_fs_restrictions_off: false,
            new_ns: Default::default(),
            join_ns: Default::default(),
            hostname: Default::default(),
            uid_map: Default::default(),
            gid_map: Default::default(),
            deny_setgroups: Default::default(),
            default_id_maps: true,
            net_loopback: true,
            run_as_init: Default::default(),
            new_session_keyring: Default::default(),
            propagation: Default::default(),
            remounts: Default::default(),
            mounts: Default::default(),
            mount_dev: Default::default(),
            mount_tmp: Default::default(),
            remount_proc: Default::default(),
            chroot: Default::default(),
            pivot_root: Default::default(),
            rlimits: Default::default(),
            cgroups: Default::default(),
            resources: Default::default(),
            pid_file: Default::default(),
            forward_signals: Default::default(),
            pdeathsig: Default::default(),
            new_session: true,
            reset_signal_mask: true,
            reset_signal_handlers: true,
            preserved_fds: Default::default(),
            close_open_fds: true,
            preload_path: Default::default(),
            setsid_always: Default::default(),
            pty: Default::default(),
            hooks: Default::default(),
            keep_launcher_dumpable: false,
        }
    }
}

impl Default for Jail {
    /// The same jail as [`Jail::new`].
    fn default() -> Jail {
        Jail::new()
    }
}

impl Jail {
    // --- identity ---

    /// Run as this uid (`-u 1000`).
    pub fn change_uid(&mut self, uid: u32) -> &mut Self {
        self.uid = Some(uid);
        self
    }

    /// Run as this gid (`-g 1000`).
    pub fn change_gid(&mut self, gid: u32) -> &mut Self {
        self.gid = Some(gid);
        self
    }

    /// Run as this user, by name. As upstream's `minijail_change_user`, the
    /// gid does not change: without [`Jail::change_gid`] or
    /// [`Jail::change_group`] the program keeps the launcher's group (root's,
    /// when run as root), and the launch warns once. The user's primary
    /// group is used for its supplementary groups ([`Jail::inherit_usergroups`]).
    pub fn change_user(&mut self, name: &str) -> Result<&mut Self, crate::ids::IdError> {
        let user = crate::ids::user_by_name(name)?;
        self.uid = Some(user.uid);
        self.user_name = Some(name.to_owned());
        self.user_gid = Some(user.gid);
        Ok(self)
    }

    /// Run with this group, by name.
    pub fn change_group(&mut self, name: &str) -> Result<&mut Self, crate::ids::IdError> {
        self.gid = Some(crate::ids::group_by_name(name)?);
        Ok(self)
    }

    /// Keep the caller's supplementary groups (`-y`).
    pub fn keep_supplementary_gids(&mut self) -> &mut Self {
        self.groups = SupplementaryGroups::Keep;
        self.groups_modes |= GROUPS_KEEP;
        self
    }

    /// Take the user's supplementary groups from the group database (`-G`).
    /// Needs [`Jail::change_user`].
    pub fn inherit_usergroups(&mut self) -> &mut Self {
        self.groups = SupplementaryGroups::InheritFromUser;
        self.groups_modes |= GROUPS_INHERIT;
        self
    }

    /// Set exactly these supplementary groups (`minijail_set_supplementary_gids`):
    /// any iterator of gids or of references to them.
    ///
    /// ```
    /// let mut jail = jail::Jail::new();
    /// jail.set_supplementary_gids([5, 6]);
    /// let from_config: Vec<u32> = vec![5, 6];
    /// jail.set_supplementary_gids(&from_config);
    /// assert_eq!(jail.supplementary_groups(), &jail::SupplementaryGroups::Set(vec![5, 6]));
    /// ```
    pub fn set_supplementary_gids<I>(&mut self, gids: I) -> &mut Self
    where
        I: IntoIterator,
        I::Item: std::borrow::Borrow<u32>,
    {
        use std::borrow::Borrow;
        self.groups = SupplementaryGroups::Set(gids.into_iter().map(|g| *g.borrow()).collect());
        self.groups_modes |= GROUPS_SET;
        self
    }

    /// Add one supplementary group (`--add-suppl-group`).
    pub fn add_supplementary_gid(&mut self, gid: u32) -> &mut Self {
        self.extra_groups.push(gid);
        self
    }

    // --- capabilities ---

    /// Keep exactly these capabilities (bit N = capability N) in the
    /// permitted, effective and inheritable sets; drop the rest from the
    /// bounding set too (`-c`).
    pub fn use_caps(&mut self, mask: u64) -> &mut Self {
        self.caps = Some(mask);
        self
    }

    /// Raise the kept capabilities in the ambient set too (`--ambient`).
    pub fn set_ambient_caps(&mut self) -> &mut Self {
        self.ambient_caps = true;
        self
    }

    /// Drop capabilities outside `keep_mask` from the bounding set only,
    /// leaving the other sets alone (`minijail_capbset_drop`).
    pub fn capbset_drop(&mut self, keep_mask: u64) -> &mut Self {
        self.capbset_drop = Some(keep_mask);
        self
    }

    /// Securebits not to lock when capabilities are restricted (`-B`).
    pub fn skip_setting_securebits(&mut self, mask: u64) -> &mut Self {
        self.securebits_skip_mask = mask;
        self
    }

    // --- restrictions ---

    /// Set no_new_privs (`-n`).
    pub fn no_new_privs(&mut self) -> &mut Self {
        self.no_new_privs = true;
        self
    }

    /// Whether the launcher supervises the seccomp filter (the default):
    /// a blocked syscall is then named, with the policy line that decided,
    /// before the launcher kills the program (see [`crate::supervise`]).
    /// Off, the kernel kills at once and the death says only SIGSYS; a
    /// launcher that will not wait for the program should turn it off.
    pub fn supervise_seccomp(&mut self, on: bool) -> &mut Self {
        self.seccomp_unsupervised = !on;
        self
    }

    /// Install this compiled seccomp filter.
    pub fn seccomp_filter(&mut self, filter: SeccompFilter) -> &mut Self {
        self.seccomp = Some(filter);
        self
    }

    /// Seccomp strict mode (`-s`).
    pub fn seccomp_strict(&mut self) -> &mut Self {
        self.seccomp_strict = true;
        self
    }

    /// Add a Landlock rule allowing `access` beneath `path`.
    pub fn add_fs_rule(&mut self, path: impl AsRef<Path>, access: u64) -> &mut Self {
        if self.fs_restrictions_off {
            return self;
        }
        self.fs_rules.push(FsRule {
            path: path.as_ref().to_owned(),
            access,
        });
        self
    }

    /// Allow upstream's named set of rights `access` beneath `path`, as
    /// the Landlock ABI in effect now defines it (the lower of
    /// [`Jail::set_landlock_abi`]'s and the kernel's, as upstream; set the
    /// ABI first).
    pub fn add_fs_restriction(&mut self, path: impl AsRef<Path>, access: FsAccess) -> &mut Self {
        let rights = access.rights(self.effective_landlock_abi());
        self.add_fs_rule(path, rights)
    }

    /// The Landlock ABI rights are taken from: the lower of the one asked
    /// for and the kernel's (0 without Landlock).
    pub fn effective_landlock_abi(&self) -> u32 {
        let kernel = jail_enter::landlock::kernel_abi().unwrap_or(0);
        self.landlock_abi.min(kernel)
    }

    /// Allow reading and executing beneath `path` (`--fs-path-rx`).
    pub fn add_fs_restriction_rx(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.add_fs_restriction(path, FsAccess::ReadExecute)
    }

    /// Allow reading beneath `path` (`--fs-path-ro`).
    pub fn add_fs_restriction_ro(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.add_fs_restriction(path, FsAccess::ReadOnly)
    }

    /// Allow reading, writing, creating and removing files and
    /// directories beneath `path` (`--fs-path-rw`).
    pub fn add_fs_restriction_rw(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.add_fs_restriction(path, FsAccess::ReadWrite)
    }

    /// Allow everything but device ioctls before ABI 5 beneath `path`
    /// (`--fs-path-advanced-rw`).
    pub fn add_fs_restriction_advanced_rw(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.add_fs_restriction(path, FsAccess::AdvancedReadWrite)
    }

    /// The default system paths (`--fs-default-paths`), as upstream:
    /// read-execute on the library and program directories, read-only on
    /// /etc/passwd and /etc/group. Those this system lacks are left out.
    pub fn enable_default_fs_restrictions(&mut self) -> &mut Self {
        for p in DEFAULT_FS_EXEC_PATHS {
            if Path::new(p).exists() {
                self.add_fs_restriction_rx(Path::new(p));
            }
        }
        for p in DEFAULT_FS_READ_PATHS {
            if Path::new(p).exists() {
                self.add_fs_restriction_ro(Path::new(p));
            }
        }
        self
    }

    /// The Landlock ABI whose access rights are handled (default 2).
    pub fn set_landlock_abi(&mut self, abi: u32) -> &mut Self {
        self.landlock_abi = abi;
        self
    }

    /// Carry on without Landlock on a kernel that lacks it.
    pub fn landlock_best_effort(&mut self) -> &mut Self {
        self.landlock_best_effort = true;
        self
    }

    // --- namespaces ---

    /// Create a new namespace of this kind.
    ///
    /// A new pid namespace implies a new mount namespace with /proc
    /// remounted read-only for it, as upstream's `minijail_namespace_pids`
    /// (see [`Jail::namespace_pids_rw_proc`] for a writable one).
    pub fn namespace(&mut self, ns: Namespace) -> &mut Self {
        if !self.new_ns.contains(&ns) {
            self.new_ns.push(ns);
        }
        if ns == Namespace::Pid {
            self.remount_proc.get_or_insert(true);
            self.namespace(Namespace::Mount);
        }
        self
    }

    /// A new pid namespace whose fresh /proc stays writable
    /// (`minijail_namespace_pids_rw_proc`), unless read-only was asked.
    pub fn namespace_pids_rw_proc(&mut self) -> &mut Self {
        self.remount_proc.get_or_insert(false);
        self.namespace(Namespace::Pid)
    }

    /// The namespaces the launch creates: those asked for, except a net
    /// namespace that is also joined (as upstream, entering one wins).
    pub(crate) fn namespaces_to_create(&self) -> impl Iterator<Item = Namespace> + '_ {
        self.new_ns
            .iter()
            .copied()
            .filter(|ns| !(*ns == Namespace::Net && self.join_ns.iter().any(|(k, _)| k == ns)))
    }

    /// True if a new namespace of this kind is requested.
    pub fn has_namespace(&self, ns: Namespace) -> bool {
        self.new_ns.contains(&ns)
    }

    /// Join the namespace at `path` (for example /proc/PID/ns/net or /run/netns/x).
    pub fn join_namespace(&mut self, ns: Namespace, path: impl AsRef<Path>) -> &mut Self {
        self.join_ns.push((ns, path.as_ref().to_owned()));
        self
    }

    /// Set the hostname in the new UTS namespace.
    pub fn set_hostname(&mut self, name: &str) -> &mut Self {
        self.hostname = Some(name.to_owned());
        self.namespace(Namespace::Uts)
    }

    /// uid_map for the new user namespace: `inside outside count`, ranges
    /// separated by commas.
    pub fn uid_map(&mut self, map: &str) -> &mut Self {
        self.set_uid_map(map).namespace(Namespace::User)
    }

    /// gid_map for the new user namespace.
    pub fn gid_map(&mut self, map: &str) -> &mut Self {
        self.set_gid_map(map).namespace(Namespace::User)
    }

    /// Write no uid or gid map that was not given, as upstream's
    /// `minijail0 -U` and `minijail_namespace_user`: the program then runs
    /// as the overflow ids inside. Without this call the Rust API maps
    /// the caller to root when no map is given.
    pub fn no_default_id_maps(&mut self) -> &mut Self {
        self.default_id_maps = false;
        self
    }

    /// Write "deny" to setgroups before the gid_map (needed unprivileged).
    pub fn deny_setgroups(&mut self) -> &mut Self {
        self.deny_setgroups = true;
        self
    }

    /// Run the program as pid 1 of the new pid namespace, with no init
    /// (`-I`; implies the pid namespace).
    pub fn run_as_init(&mut self) -> &mut Self {
        self.set_run_as_init(true).namespace(Namespace::Pid)
    }

    /// Join a new session keyring.
    pub fn new_session_keyring(&mut self) -> &mut Self {
        self.new_session_keyring = true;
        self
    }

    // --- filesystem ---

    /// Mount propagation for the new mount namespace.
    pub fn remount_mode(&mut self, mode: Propagation) -> &mut Self {
        self.propagation = mode;
        self
    }

    /// After the whole tree gets [`Jail::remount_mode`], give the mount at
    /// `path` (a host path, absolute) and everything under it `mode`
    /// instead, as upstream's `minijail_add_remount`. Skipped, like the
    /// tree's, when the mode is [`Propagation::Unchanged`].
    pub fn remount(&mut self, path: impl AsRef<Path>, mode: Propagation) -> &mut Self {
        self.remounts.push((path.as_ref().to_owned(), mode));
        self
    }

    /// Bind `source` to `dest`, read-only unless `writable`. As upstream,
    /// the bind is not recursive: mounts beneath `source` stay out (use
    /// [`Jail::mount`] with `MS_BIND | MS_REC` to take them). A missing
    /// `dest` is created inside the root, as [`Jail::mount`] says.
    pub fn bind(
        &mut self,
        source: impl AsRef<Path>,
        dest: impl AsRef<Path>,
        writable: bool,
    ) -> &mut Self {
        let mut flags = libc::MS_BIND;
        if !writable {
            flags |= libc::MS_RDONLY;
        }
        self.add_mount(MountSpec {
            source: source.as_ref().to_owned(),
            dest: dest.as_ref().to_owned(),
            fstype: None,
            flags,
            data: None,
        })
    }

    /// Mount `source` of type `fstype` on `dest` with `flags` and `data`,
    /// with upstream's meaning (`minijail_mount_with_data`, `-k`):
    /// flags 0 mean [`SECURE_MOUNT_FLAGS`]; a tmpfs without data gets
    /// [`DEFAULT_TMPFS_DATA`]; `MS_BIND` (without `MS_REMOUNT`) makes a
    /// bind of `source`, onto a directory or a file, recursive only with
    /// `MS_REC`, whatever `fstype` says; `MS_REMOUNT` changes the mount
    /// already at `dest` (`source` and `fstype` are passed to the kernel
    /// as they are). A missing `dest` is created inside the root (a
    /// directory, or an empty file for a bind of a file), never through a
    /// symlink. Creates a mount namespace unless one is joined.
    pub fn mount(
        &mut self,
        source: impl AsRef<Path>,
        dest: impl AsRef<Path>,
        fstype: &str,
        flags: libc::c_ulong,
        data: Option<&str>,
    ) -> &mut Self {
        let flags = if flags == 0 {
            SECURE_MOUNT_FLAGS
        } else {
            flags
        };
        let bind = flags & libc::MS_BIND != 0 && flags & libc::MS_REMOUNT == 0;
        let data = match data.filter(|d| !d.is_empty()) {
            None if fstype == "tmpfs" => Some(DEFAULT_TMPFS_DATA.to_owned()),
            d => d.map(str::to_owned),
        };
        self.add_mount(MountSpec {
            source: source.as_ref().to_owned(),
            dest: dest.as_ref().to_owned(),
            fstype: (!bind).then(|| fstype.to_owned()),
            flags,
            data: if bind { None } else { data },
        })
    }

    /// A minimal /dev in the new root (`-d`).
    pub fn mount_dev(&mut self) -> &mut Self {
        self.mount_dev = true;
        self.namespace(Namespace::Mount)
    }

    /// A fresh tmpfs on /tmp of `size` bytes (`-t`).
    pub fn mount_tmp(&mut self, size: u64) -> &mut Self {
        self.mount_tmp = Some(size);
        self.namespace(Namespace::Mount)
    }

    /// Remount /proc read-only (`-r`).
    pub fn remount_proc_readonly(&mut self) -> &mut Self {
        self.remount_proc = Some(true);
        self.namespace(Namespace::Mount)
    }

    /// chroot into `dir` after the mounts (`-C`). As upstream, this alone
    /// makes no mount namespace (mounts, `-v` and `-p` do).
    pub fn enter_chroot(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.chroot = Some(dir.as_ref().to_owned());
        self
    }

    /// pivot_root into `dir` after the mounts (`-P`).
    pub fn enter_pivot_root(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.pivot_root = Some(dir.as_ref().to_owned());
        self.namespace(Namespace::Mount)
    }

    // --- resources and process ---

    /// Limit `resource` to soft limit `cur` and hard limit `max`, in the
    /// resource's unit ([`libc::RLIM_INFINITY`]: unlimited), set with
    /// setrlimit in the child before execve (`-R`, `minijail_rlimit`). A
    /// soft limit above the hard one is refused at launch.
    ///
    /// ```no_run
    /// use jail::{Jail, Resource};
    /// let mut jail = Jail::new();
    /// jail.rlimit(Resource::NoFile, 64, 64).rlimit(Resource::Core, 0, 0);
    /// ```
    pub fn rlimit(&mut self, resource: crate::rlimit::Resource, cur: u64, max: u64) -> &mut Self {
        self.rlimit_raw(resource.raw(), cur, max)
    }

    /// [`Jail::rlimit`] with the resource as its RLIMIT_* number, as
    /// `minijail_rlimit` takes it; a number Linux has no resource for makes
    /// the launch fail when setrlimit refuses it.
    pub fn rlimit_raw(&mut self, resource: i32, cur: u64, max: u64) -> &mut Self {
        self.rlimits.push(Rlimit { resource, cur, max });
        self
    }

    /// Set a resource limit given as text, as `-R` takes it: the resource
    /// by name (`RLIMIT_NOFILE`, `NOFILE`, any case) or number, and each
    /// limit a number (decimal, or hex with 0x) or `unlimited`.
    pub fn rlimit_by_name(
        &mut self,
        resource: &str,
        cur: &str,
        max: &str,
    ) -> Result<&mut Self, RlimitError> {
        let res = crate::rlimit::parse(resource)?;
        let value = |which: &'static str, text: &str| {
            crate::rlimit::parse_value(text).ok_or_else(|| RlimitError::Value {
                which,
                resource: resource.to_owned(),
                text: text.to_owned(),
            })
        };
        let cur = value("soft", cur)?;
        let max = value("hard", max)?;
        if cur > max {
            return Err(RlimitError::SoftAboveHard {
                resource: resource.to_owned(),
                cur,
                max,
            });
        }
        Ok(self.rlimit_raw(res, cur, max))
    }

    /// Add the program to an existing cgroup (its tasks or cgroup.procs file).
    pub fn add_to_cgroup(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.cgroups.push(path.as_ref().to_owned());
        self
    }

    /// Write the jailed process's pid here.
    pub fn write_pid_file(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.pid_file = Some(path.as_ref().to_owned());
        self
    }

    /// Forward the signals this process receives (all but SIGCHLD, the
    /// uncatchable ones and its own faults) to the program while it runs.
    /// Off by default in the library, since it installs process-wide
    /// handlers; minijail0 turns it on (`-z` off), C callers with
    /// `minijail_forward_signals`.
    pub fn forward_signals(&mut self, on: bool) -> &mut Self {
        self.forward_signals = on;
        self
    }

    /// Kill the jailed program with `signal` when the launcher dies.
    pub fn parent_death_signal(&mut self, signal: i32) -> &mut Self {
        self.pdeathsig = Some(signal);
        self
    }

    /// Whether to start a new session when a std fd is a terminal
    /// (`--no-new-sessions` turns it off); it stops TIOCSTI into the caller's tty.
    pub fn new_session(&mut self, on: bool) -> &mut Self {
        self.new_session = on;
        self
    }

    /// Reset the signal mask in the child (on by default; `minijail0`, as
    /// upstream's, leaves the caller's; always reset with [`Jail::pty`]).
    pub fn reset_signal_mask(&mut self, on: bool) -> &mut Self {
        self.reset_signal_mask = on;
        self
    }

    /// Reset ignored signals to their default action in the child (on by
    /// default; `minijail0`, as upstream's, keeps the caller's ignored
    /// signals; always reset with [`Jail::pty`]).
    pub fn reset_signal_handlers(&mut self, on: bool) -> &mut Self {
        self.reset_signal_handlers = on;
        self
    }

    /// Make the caller's `parent_fd` available as `child_fd` in the program.
    pub fn preserve_fd(&mut self, parent_fd: i32, child_fd: i32) -> &mut Self {
        self.preserved_fds.push((parent_fd, child_fd));
        self
    }

    /// The (launcher fd, program fd) pairs of [`Jail::preserve_fd`].
    pub fn preserved_fds(&self) -> &[(i32, i32)] {
        &self.preserved_fds
    }

    /// Close every fd but stdio and preserved ones (default on).
    pub fn close_open_fds(&mut self, on: bool) -> &mut Self {
        self.close_open_fds = on;
        self
    }

    /// Leave the launching process dumpable even when the program could
    /// otherwise reach it (default off). A launch whose program runs as
    /// the launcher's uid, in its pid namespace and without a new user
    /// namespace makes the launcher undumpable (`PR_SET_DUMPABLE` 0) before
    /// the clone, for the rest of its life: else the program could ptrace
    /// it and make it run anything outside the jail, or read its
    /// /proc/PID/environ and reach its fds through /proc/PID/fd. That also
    /// stops core dumps of the launcher and same-uid debuggers; a launcher
    /// that needs those and trusts its programs opts out here.
    pub fn keep_launcher_dumpable(&mut self, on: bool) -> &mut Self {
        self.keep_launcher_dumpable = on;
        self
    }

    /// Use this preload library instead of the one found next to the launcher.
    pub fn set_preload_path(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.preload_path = Some(path.as_ref().to_owned());
        self
    }

    /// Run the program on its own pty (`--pty`, `jail_set_pty`): the slave
    /// is its std fds and controlling terminal in a new session, and
    /// [`JailedProcess::wait`](crate::JailedProcess::wait) relays between
    /// the launcher's std fds and the master (see [`crate::pty`]). Every fd
    /// but the preserved ones is closed, and a preserved terminal is
    /// refused, so the caller's terminal never reaches the program.
    pub fn pty(&mut self, on: bool) -> &mut Self {
        self.pty = on;
        self
    }

    /// Always start a new session (setsid), terminal or not
    /// (`minijail_create_session`).
    pub fn create_session(&mut self) -> &mut Self {
        self.setsid_always = true;
        self
    }

    /// Whether to bring up loopback in a new net namespace (default on).
    pub fn set_net_loopback(&mut self, on: bool) -> &mut Self {
        self.net_loopback = on;
        self
    }

    /// Add a mount as it is (bind when `fstype` is `None`, with any extra
    /// flags applied by a remount); creates a mount namespace unless one
    /// is joined.
    pub fn add_mount(&mut self, spec: MountSpec) -> &mut Self {
        self.mounts.push(spec);
        if self.join_ns.iter().any(|(ns, _)| *ns == Namespace::Mount) {
            self
        } else {
            self.namespace(Namespace::Mount)
        }
    }

    /// Run `func(payload)` in the jailed child at `event` (no-preload and
    /// fork modes only).
    ///
    /// # Safety
    ///
    /// `func` is called with `payload` in the child, between fork and
    /// execve, where it may only make async-signal-safe calls (no
    /// allocation, no locks: the child may share the caller's memory), and
    /// `payload` must stay valid until every launch of this jail returns.
    #[allow(unsafe_code)]
    pub unsafe fn add_hook(
        &mut self,
        event: crate::hook::HookEvent,
        func: crate::hook::HookFn,
        payload: *mut std::ffi::c_void,
    ) -> &mut Self {
        self.hooks.push(crate::hook::Hook {
            event,
            func,
            payload,
        });
        self
    }

    /// The hooks, in the order they were added.
    pub fn hooks(&self) -> &[crate::hook::Hook] {
        &self.hooks
    }
}

/// Reading the settings back: what each setter stored, typed as the
/// setter takes it. A flag whose setter already has the plain name is read
/// with `_enabled` ([`Jail::no_new_privs`] and [`Jail::no_new_privs_enabled`]).
///
/// ```
/// use jail::{CapSet, Capability, Jail};
/// let mut jail = Jail::new();
/// jail.change_uid(65534).capabilities([Capability::NetRaw]).no_new_privs();
/// assert_eq!(jail.uid(), Some(65534));
/// assert_eq!(jail.gid(), None);
/// assert_eq!(jail.caps(), Some(CapSet::from(Capability::NetRaw)));
/// assert!(jail.no_new_privs_enabled());
/// ```
impl Jail {
    /// The uid the program runs as ([`Jail::change_uid`],
    /// [`Jail::change_user`]), if it changes.
    pub fn uid(&self) -> Option<u32> {
        self.uid
    }

    /// The gid the program runs as ([`Jail::change_gid`],
    /// [`Jail::change_group`]), if it changes.
    pub fn gid(&self) -> Option<u32> {
        self.gid
    }

    /// The user named to [`Jail::change_user`], if any.
    pub fn user_name(&self) -> Option<&str> {
        self.user_name.as_deref()
    }

    /// What happens to the supplementary groups ([`Jail::keep_supplementary_gids`],
    /// [`Jail::inherit_usergroups`], [`Jail::set_supplementary_gids`]).
    pub fn supplementary_groups(&self) -> &SupplementaryGroups {
        &self.groups
    }

    /// The groups added by [`Jail::add_supplementary_gid`], in the order given.
    pub fn added_supplementary_gids(&self) -> &[u32] {
        &self.extra_groups
    }

    /// The capabilities kept ([`Jail::capabilities`], [`Jail::use_caps`]),
    /// if restricted.
    pub fn caps(&self) -> Option<CapSet> {
        self.caps.map(CapSet::from_bits)
    }

    /// Whether the kept capabilities are raised as ambient ones too
    /// ([`Jail::set_ambient_caps`]).
    pub fn ambient_caps(&self) -> bool {
        self.ambient_caps
    }

    /// The bounding set kept ([`Jail::bounding_set`], [`Jail::capbset_drop`]),
    /// if restricted.
    pub fn bounding_set_kept(&self) -> Option<CapSet> {
        self.capbset_drop.map(CapSet::from_bits)
    }

    /// The securebits left unlocked ([`Jail::skip_setting_securebits`]),
    /// SECBIT_* bits; 0 unless set.
    pub fn securebits_skip_mask(&self) -> u64 {
        self.securebits_skip_mask
    }

    /// Whether no_new_privs is set ([`Jail::no_new_privs`]).
    pub fn no_new_privs_enabled(&self) -> bool {
        self.no_new_privs
    }

    /// The mount propagation of the new mount namespace ([`Jail::remount_mode`]).
    pub fn propagation(&self) -> Propagation {
        self.propagation
    }

    /// Whether a minimal /dev is mounted ([`Jail::mount_dev`]).
    pub fn mount_dev_enabled(&self) -> bool {
        self.mount_dev
    }

    /// The size in bytes of the tmpfs on /tmp ([`Jail::mount_tmp`]), if one
    /// is mounted.
    pub fn mount_tmp_size(&self) -> Option<u64> {
        self.mount_tmp
    }

    /// The fresh /proc asked for ([`Jail::remount_proc_readonly`], a new pid
    /// namespace): `Some(true)` read-only, `Some(false)` writable
    /// ([`Jail::namespace_pids_rw_proc`]). As upstream, a program run as
    /// the pid namespace's init mounts its own, so none is mounted for it.
    pub fn remount_proc(&self) -> Option<bool> {
        self.remount_proc
    }

    /// Whether the program is pid 1 of its pid namespace ([`Jail::run_as_init`]).
    pub fn run_as_init_enabled(&self) -> bool {
        self.run_as_init
    }

    /// Whether the program joins a new session keyring ([`Jail::new_session_keyring`]).
    pub fn new_session_keyring_enabled(&self) -> bool {
        self.new_session_keyring
    }

    /// Whether the launcher forwards its signals to the program
    /// ([`Jail::forward_signals`]).
    pub fn forward_signals_enabled(&self) -> bool {
        self.forward_signals
    }

    /// Whether the program gets a new session ([`Jail::new_session`]).
    pub fn new_session_enabled(&self) -> bool {
        self.new_session
    }

    /// Where the jailed process's pid is written ([`Jail::write_pid_file`]), if anywhere.
    pub fn pid_file(&self) -> Option<&Path> {
        self.pid_file.as_deref()
    }

    /// The hostname the new UTS namespace gets, if one is set.
    pub fn hostname(&self) -> Option<&str> {
        self.hostname.as_deref()
    }

    /// The rlimits, in the order given.
    pub fn rlimits(&self) -> &[Rlimit] {
        &self.rlimits
    }

    /// The cgroups to join, in the order given.
    pub fn cgroups(&self) -> &[PathBuf] {
        &self.cgroups
    }

    /// The preload library's path, if one was set.
    pub fn preload_path(&self) -> Option<&Path> {
        self.preload_path.as_deref()
    }

    /// The Landlock rules, in the order given.
    pub fn fs_rules(&self) -> &[FsRule] {
        &self.fs_rules
    }

    /// The mounts, in the order given.
    pub fn mounts(&self) -> &[MountSpec] {
        &self.mounts
    }

    /// The chroot or pivot_root directory, if one is set.
    pub fn root_dir(&self) -> Option<&Path> {
        self.chroot.as_deref().or(self.pivot_root.as_deref())
    }

    /// The seccomp filter, if one is set.
    pub fn seccomp(&self) -> Option<&SeccompFilter> {
        self.seccomp.as_ref()
    }

    /// The /proc the launch mounts (Some(read-only)), if any. As upstream,
    /// a program run as the pid namespace's init (`-I`) mounts its own
    /// /proc: none is mounted for it, even when asked.
    pub(crate) fn proc_mount(&self) -> Option<bool> {
        if self.program_is_pid1() {
            return None;
        }
        self.remount_proc
    }

    /// Whether any setting needs stage 2 (the preload or its no-preload twin).
    pub(crate) fn needs_stage2(&self) -> bool {
        self.uid.is_some()
            || self.gid.is_some()
            || self.groups != SupplementaryGroups::Default
            || !self.extra_groups.is_empty()
            || self.caps.is_some()
            || self.capbset_drop.is_some()
            || self.no_new_privs
            || self.seccomp.is_some()
            || self.seccomp_strict
            || !self.fs_rules.is_empty()
    }
}

/// Settings as upstream's C API stores them: without the implications the
/// builder's setters above add, so the launch combines them as upstream's
/// does (minijail0 asks for the namespaces itself, as upstream's does).
/// The rules live here and in the launch, once for every face.
impl Jail {
    /// The uid map a new user namespace gets, without asking for one: as
    /// upstream's `minijail_uidmap`, it is written only when the jail also
    /// creates a user namespace ([`Jail::namespace`]), in either order,
    /// and is ignored otherwise. [`Jail::uid_map`] asks for the namespace too.
    pub fn set_uid_map(&mut self, map: &str) -> &mut Self {
        self.uid_map = Some(map.to_owned());
        self
    }

    /// The gid map a new user namespace gets, without asking for one
    /// (upstream's `minijail_gidmap`; see [`Jail::set_uid_map`]).
    pub fn set_gid_map(&mut self, map: &str) -> &mut Self {
        self.gid_map = Some(map.to_owned());
        self
    }

    /// The uid map given ([`Jail::uid_map`], [`Jail::set_uid_map`]) as
    /// given, whether or not a user namespace uses it.
    pub fn uid_map_text(&self) -> Option<&str> {
        self.uid_map.as_deref()
    }

    /// The gid map given, as [`Jail::uid_map_text`].
    pub fn gid_map_text(&self) -> Option<&str> {
        self.gid_map.as_deref()
    }

    /// Whether setgroups is denied in the new user namespace
    /// ([`Jail::deny_setgroups`]).
    pub fn deny_setgroups_enabled(&self) -> bool {
        self.deny_setgroups
    }

    /// The program is pid 1 of the new pid namespace, with no init
    /// between, without asking for the namespace: as upstream's
    /// `minijail_run_as_init`, it changes nothing unless the jail creates
    /// a pid namespace. [`Jail::run_as_init`] asks for the namespace too.
    pub fn set_run_as_init(&mut self, on: bool) -> &mut Self {
        self.run_as_init = on;
        self
    }

    /// Whether the program runs as the new pid namespace's init
    /// ([`Jail::set_run_as_init`] with a new pid namespace).
    pub fn program_is_pid1(&self) -> bool {
        self.run_as_init && self.has_namespace(Namespace::Pid)
    }

    /// Whether more than one supplementary-groups mode (keep, inherit,
    /// set) was asked for, in any order: the launch refuses it, as
    /// upstream's ("can only do one of inherit, keep, or set
    /// supplementary groups"); the last one asked is
    /// [`Jail::supplementary_groups`].
    pub fn groups_modes_conflict(&self) -> bool {
        self.groups_modes.count_ones() > 1
    }

    /// Why setting an explicit supplementary-groups list now is refused
    /// at once, as upstream's `minijail_set_supplementary_gids` refuses it
    /// after keeping or inheriting the groups (minijail0's `-y`/`-G` with
    /// `--add-suppl-group`): None when it may be set.
    pub fn set_supplementary_gids_refusal(&self) -> Option<&'static str> {
        if self.groups_modes & GROUPS_INHERIT != 0 {
            Some("cannot inherit *and* set supplementary groups")
        } else if self.groups_modes & GROUPS_KEEP != 0 {
            Some("cannot keep *and* set supplementary groups")
        } else {
            None
        }
    }

    /// Use the alternate syscall table `table` (`-a`,
    /// `minijail_use_alt_syscall`): a ChromeOS kernel extension
    /// (PR_ALT_SYSCALL) no kernel here has, so a launch with it is refused
    /// ([`Jail::alt_syscall_refusal`]) rather than run without it.
    pub fn use_alt_syscall(&mut self, table: &str) -> &mut Self {
        self.alt_syscall = Some(table.to_owned());
        self
    }

    /// The alternate syscall table asked for ([`Jail::use_alt_syscall`]).
    pub fn alt_syscall(&self) -> Option<&str> {
        self.alt_syscall.as_deref()
    }

    /// Why this jail cannot be launched for its alternate syscall table,
    /// if one is asked: every face refuses it before anything starts.
    pub fn alt_syscall_refusal(&self) -> Option<String> {
        self.alt_syscall.as_deref().map(|table| {
            format!("cannot use alternate syscall table '{table}': PR_ALT_SYSCALL is a ChromeOS kernel extension this implementation does not support")
        })
    }

    /// Upstream's default runtime environment flag
    /// (`minijail_set_enable_default_runtime`, minijail0's
    /// `--no-default-runtime-environment` and `-R` turn it off). As
    /// upstream, only minijail0 acts on it (a default seccomp program and
    /// no_new_privs when no filter is given); a launch of the library
    /// ignores it.
    pub fn set_enable_default_runtime(&mut self, on: bool) -> &mut Self {
        self.default_runtime = on;
        self
    }

    /// Whether the default runtime environment is on (default on).
    pub fn default_runtime_enabled(&self) -> bool {
        self.default_runtime
    }

    /// Take the seccomp filter back out ([`Jail::seccomp_filter`]): the
    /// jail then installs none. Upstream's C API keeps a filter that is
    /// set but not put in force (`minijail_use_seccomp_filter`).
    pub fn take_seccomp_filter(&mut self) -> Option<SeccompFilter> {
        self.seccomp.take()
    }
}
