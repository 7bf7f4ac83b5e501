//! From scanned options to a resolved [`Options`] value: every argument
//! checked, every implication applied, every conflict refused, in the order
//! upstream minijail0 applies them. Nothing here touches a process; the
//! result maps one to one onto `jail::Jail` setters ([`crate::apply`]).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use jail::{PreloadMode, Propagation};

use crate::error::UsageError;
use crate::getopt::{self, Entry};
use crate::table::{self, Opt};
use crate::values;

/// Where `--profile minimalistic-mountns` pivots to (upstream's DEFAULT_PIVOT_ROOT).
pub use jail::config::DEFAULT_PIVOT_ROOT;

/// The default runtime environment's seccomp program, used when present
/// and no other filter is given.
pub const DEFAULT_POLICY: &str = "/etc/security/minijail/v0.bin";

/// Default size of the /tmp tmpfs (`-t` alone, profiles).
pub use jail::config::DEFAULT_TMP_SIZE;

/// Program and library paths the profile's rules allow to read and run.
pub const DEFAULT_FS_PATHS: &[&str] = &jail::config::DEFAULT_FS_EXEC_PATHS;

/// New namespaces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Namespaces {
    pub mount: bool,
    pub pid: bool,
    pub ipc: bool,
    pub uts: bool,
    pub net: bool,
    pub cgroup: bool,
    pub user: bool,
}

/// The user to run as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub uid: u32,
    /// Set when given by name (needed by -G).
    pub name: Option<String>,
    /// The user's primary group, when given by name.
    pub gid: Option<u32>,
}

/// Supplementary groups.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Suppl {
    /// Cleared when ids change, or exactly `--add-suppl-group`'s list.
    #[default]
    Default,
    /// `-G`: the -u user's groups.
    InheritUser,
    /// `-y`: the caller's groups.
    KeepCurrent,
}

/// Which seccomp mode.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Seccomp {
    #[default]
    None,
    /// `-s`.
    Strict,
    /// `-S file`.
    Policy(PathBuf),
    /// `--seccomp-bpf-binary file` (also the default runtime's program).
    Binary(PathBuf),
}

/// A `-b` or `-k` mount, or the mounts of a `--profile`, in command-line order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MountEntry {
    /// `--profile minimalistic-mountns[-nodev]`: the library's
    /// `Jail::profile_minimalistic_mountns` at this point of the mounts.
    Profile(Profile),
    Bind {
        src: PathBuf,
        dest: PathBuf,
        writable: bool,
    },
    Mount {
        src: PathBuf,
        dest: PathBuf,
        fstype: String,
        flags: u64,
        data: Option<String>,
    },
}

/// `--profile` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    MinimalisticMountns,
    MinimalisticMountnsNodev,
}

/// `--logging` values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Logging {
    #[default]
    Auto,
    Syslog,
    Stderr,
}

/// All settings of one minijail0 run, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub user: Option<User>,
    pub group: Option<u32>,
    pub suppl: Suppl,
    pub add_groups: Vec<u32>,
    pub caps: Option<u64>,
    pub ambient: bool,
    pub securebits_skip: Option<u64>,
    pub no_new_privs: bool,
    pub seccomp: Seccomp,
    pub seccomp_log: bool,
    pub seccomp_tsync: bool,
    pub allow_speculation: bool,
    pub alt_syscall: Option<String>,
    pub ns: Namespaces,
    pub join_net: Option<PathBuf>,
    pub join_mount: Option<PathBuf>,
    pub hostname: Option<String>,
    pub uid_map: Option<String>,
    pub gid_map: Option<String>,
    pub deny_setgroups: bool,
    pub run_as_init: bool,
    /// None: the library's default (private).
    pub propagation: Option<Propagation>,
    pub mounts: Vec<MountEntry>,
    pub mount_dev: bool,
    pub remount_proc_ro: bool,
    pub tmp_size: Option<u64>,
    pub chroot: Option<PathBuf>,
    pub pivot_root: Option<PathBuf>,
    pub profile: Option<Profile>,
    /// `--fs-path-*`.
    pub fs_rules: Vec<(PathBuf, jail::FsAccess)>,
    /// `--fs-default-paths`: the core's default set.
    pub fs_default_paths: bool,
    /// `--landlock-abi`.
    pub landlock_abi: Option<u32>,
    /// `--no-fs-restrictions`.
    pub fs_restrictions_off: bool,
    pub rlimits: Vec<(i32, u64, u64)>,
    pub pid_file: Option<PathBuf>,
    pub background: bool,
    pub forward_signals: bool,
    pub session_keyring: bool,
    pub elf_type: Option<PreloadMode>,
    pub new_sessions: bool,
    /// `--pty`: the program on its own pty, relayed.
    pub pty: bool,
    pub preserve_fds: Vec<i32>,
    pub preload_library: Option<PathBuf>,
    pub logging: Logging,
    pub default_runtime: bool,
    pub env_reset: bool,
    pub env_add: Vec<(String, String)>,
    /// The jail's own cgroup, its limits, the time limit.
    pub resources: jail::cgroup::Settings,
    /// `--usage`: print the usage report to stderr.
    pub usage: bool,
    /// `--usage-json FILE`.
    pub usage_json: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            user: None,
            group: None,
            suppl: Suppl::Default,
            add_groups: Vec::new(),
            caps: None,
            ambient: false,
            securebits_skip: None,
            no_new_privs: false,
            seccomp: Seccomp::None,
            seccomp_log: false,
            seccomp_tsync: false,
            allow_speculation: false,
            alt_syscall: None,
            ns: Namespaces::default(),
            join_net: None,
            join_mount: None,
            hostname: None,
            uid_map: None,
            gid_map: None,
            deny_setgroups: false,
            run_as_init: false,
            propagation: None,
            mounts: Vec::new(),
            mount_dev: false,
            remount_proc_ro: false,
            tmp_size: None,
            chroot: None,
            pivot_root: None,
            profile: None,
            fs_rules: Vec::new(),
            fs_default_paths: false,
            landlock_abi: None,
            fs_restrictions_off: false,
            rlimits: Vec::new(),
            pid_file: None,
            background: false,
            forward_signals: true,
            session_keyring: false,
            elf_type: None,
            new_sessions: true,
            pty: false,
            preserve_fds: Vec::new(),
            preload_library: None,
            logging: Logging::Auto,
            default_runtime: true,
            env_reset: false,
            env_add: Vec::new(),
            resources: jail::cgroup::Settings::default(),
            usage: false,
            usage_json: None,
        }
    }
}

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Run `program` with these options.
    Run {
        options: Box<Options>,
        program: Vec<OsString>,
    },
    /// `-h`.
    Help,
    /// `-H`.
    SyscallHelp,
    /// `--gen-config FILE`: write `text` to `path` (which does not exist).
    GenConfig { path: PathBuf, text: String },
}

/// Parse state that does not survive into [`Options`].
#[derive(Default)]
struct State {
    uid_seen: bool,
    gid_seen: bool,
    /// `-v` given (upstream only counts -v for -K and -b).
    explicit_mount_ns: bool,
    have_binds: bool,
    remount: Option<Option<Propagation>>,
    uid_map: Option<Option<String>>,
    gid_map: Option<Option<String>>,
    fs_path_used: bool,
    fs_rules_disabled: bool,
}

/// Parse minijail0's arguments (without `argv[0]`).
pub fn parse(args: &[OsString]) -> Result<Action, UsageError> {
    let scanned = getopt::scan(args)?;
    let gen_config = scanned
        .entries
        .iter()
        .rev()
        .find(|e| e.opt == Opt::GenConfig)
        .and_then(|e| e.arg.clone());
    let mut builder = Builder {
        o: Options::default(),
        st: State::default(),
        lookups: gen_config.is_none(),
    };
    for e in &scanned.entries {
        match e.opt {
            Opt::Help => return Ok(Action::Help),
            Opt::SyscallHelp => return Ok(Action::SyscallHelp),
            _ => builder.apply(e).map_err(|err| err.at(&e.origin))?,
        }
    }
    if let Some(path) = gen_config {
        let path = PathBuf::from(path);
        if path.symlink_metadata().is_ok() {
            return Err(UsageError::new(
                table::spec(Opt::GenConfig),
                format!("'{}' exists; give a new file name", path.display()),
            ));
        }
        // Entries read from a --config are written as themselves.
        let entries: Vec<Entry> = scanned
            .entries
            .into_iter()
            .filter(|e| e.opt != Opt::Config)
            .collect();
        return Ok(Action::GenConfig {
            path,
            text: crate::config_file::generate(&entries),
        });
    }
    builder.finish()?;
    let o = builder.o;
    if scanned.program.is_empty() {
        return Err(UsageError::plain(
            "no program given; usage: minijail0 [options] [--] <program> [args...] (see minijail0 -h)",
        ));
    }
    // As upstream, but -c 0 keeps nothing and so needs nothing to survive
    // execve.
    if o.caps.is_some_and(|mask| mask != 0) && o.elf_type == Some(PreloadMode::Never) && !o.ambient
    {
        return Err(UsageError::new(
            table::spec(Opt::Caps),
            "a program run with -T static keeps capabilities only through ambient capabilities: add --ambient",
        ));
    }
    Ok(Action::Run {
        options: Box::new(o),
        program: scanned.program,
    })
}

/// The options of a command line whose program may be left out (`jail
/// doctor [minijail0 options]`): resolved as for a launch, with the program
/// words, if any, returned as they are.
pub fn parse_options(args: &[OsString]) -> Result<(Options, Vec<OsString>), UsageError> {
    let scanned = getopt::scan(args)?;
    let mut builder = Builder {
        o: Options::default(),
        st: State::default(),
        lookups: true,
    };
    for e in &scanned.entries {
        if matches!(e.opt, Opt::Help | Opt::SyscallHelp | Opt::GenConfig) {
            return Err(bad(e.opt, "is not a jail setting; leave it out here"));
        }
        builder.apply(e).map_err(|err| err.at(&e.origin))?;
    }
    builder.finish()?;
    Ok((builder.o, scanned.program))
}

struct Builder {
    o: Options,
    st: State,
    /// Resolve user and group names (off for --gen-config, as upstream, so
    /// a config can be written for another machine).
    lookups: bool,
}

fn bad(opt: Opt, msg: impl Into<String>) -> UsageError {
    UsageError::new(table::spec(opt), msg)
}

impl Builder {
    fn new_pid_ns(&mut self) {
        // A new pid namespace needs its own /proc: -p implies -v -r.
        self.o.ns.pid = true;
        self.o.ns.mount = true;
        self.o.remount_proc_ro = true;
    }

    fn set_pivot_root(&mut self, opt: Opt, dir: &str) -> Result<(), UsageError> {
        if self.o.chroot.is_some() {
            return Err(bad(
                opt,
                "cannot pivot_root: -C (chroot) was given; use one of -C or -P/--profile",
            ));
        }
        self.o.pivot_root = Some(PathBuf::from(dir));
        self.o.ns.mount = true;
        Ok(())
    }

    fn apply(&mut self, e: &Entry) -> Result<(), UsageError> {
        let opt = e.opt;
        let arg = e.arg.as_deref().unwrap_or("");
        let handled = self.apply_identity(opt, arg, e)?
            || self.apply_mounts(opt, arg, e)?
            || self.apply_namespaces(opt, arg, e)?
            || self.apply_seccomp(opt, arg, e)?
            || self.apply_process(opt, arg, e)?
            || self.apply_resources(opt, arg, e)?;
        debug_assert!(handled, "option {opt:?} has no handler");
        Ok(())
    }

    /// Ids and groups (-u, -g, -G, -y, --add-suppl-group); false if `opt` is not one of them.
    fn apply_identity(&mut self, opt: Opt, arg: &str, _e: &Entry) -> Result<bool, UsageError> {
        let o = &mut self.o;
        match opt {
            Opt::User => {
                if std::mem::replace(&mut self.st.uid_seen, true) {
                    return Err(bad(opt, "given more than once"));
                }
                if self.lookups {
                    let (uid, name, gid) = values::user(arg).map_err(|m| bad(opt, m))?;
                    o.user = Some(User { uid, name, gid });
                }
            }
            Opt::Group => {
                if std::mem::replace(&mut self.st.gid_seen, true) {
                    return Err(bad(opt, "given more than once"));
                }
                if self.lookups {
                    o.group = Some(values::group(arg).map_err(|m| bad(opt, m))?);
                }
            }
            Opt::InheritUsergroups => {
                if o.suppl == Suppl::KeepCurrent {
                    return Err(bad(opt, "cannot be combined with -y: pick one"));
                }
                o.suppl = Suppl::InheritUser;
            }
            Opt::KeepSupplGids => {
                if o.suppl == Suppl::InheritUser {
                    return Err(bad(opt, "cannot be combined with -G: pick one"));
                }
                o.suppl = Suppl::KeepCurrent;
            }
            Opt::AddSupplGroup => {
                if self.lookups {
                    o.add_groups
                        .push(values::group(arg).map_err(|m| bad(opt, m))?);
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Mounts and the root (-b, -k, -K, -r, -d, -t, -C, -P); false if `opt` is not one of them.
    fn apply_mounts(&mut self, opt: Opt, arg: &str, e: &Entry) -> Result<bool, UsageError> {
        let o = &mut self.o;
        match opt {
            Opt::Bind => {
                let parts: Vec<&str> = arg.split(',').collect();
                if parts.len() > 3 || parts[0].is_empty() {
                    return Err(bad(
                        opt,
                        format!("bad bind mount '{arg}': expected <src>[,<dst>[,<writable>]] with a source"),
                    ));
                }
                let src = parts[0];
                let dest = parts.get(1).filter(|d| !d.is_empty()).unwrap_or(&src);
                let writable = match parts.get(2).copied() {
                    None | Some("") | Some("0") => false,
                    Some("1") => true,
                    Some(w) => {
                        return Err(bad(
                            opt,
                            format!("bad <writable> '{w}' in '{arg}': expected 0 or 1"),
                        ))
                    }
                };
                o.mounts.push(MountEntry::Bind {
                    src: src.into(),
                    dest: (*dest).into(),
                    writable,
                });
                self.st.have_binds = true;
            }
            Opt::Mount => {
                let parts: Vec<&str> = arg.splitn(5, ',').collect();
                if parts.len() < 3 || parts[..3].iter().any(|p| p.is_empty()) {
                    return Err(bad(
                        opt,
                        format!(
                            "bad mount '{arg}': expected <src>,<dst>,<fstype>[,<flags>[,<data>]]"
                        ),
                    ));
                }
                if !parts[1].starts_with('/') {
                    return Err(bad(
                        opt,
                        format!("mount destination '{}' must be an absolute path", parts[1]),
                    ));
                }
                let flags = match parts.get(3).copied() {
                    None | Some("") => 0,
                    Some(f) => values::mount_flags(f).map_err(|m| bad(opt, m))?,
                };
                let data = parts.get(4).copied();
                if flags & libc::MS_BIND != 0 && data.is_some() {
                    return Err(bad(
                        opt,
                        format!("bad mount '{arg}': a bind mount (MS_BIND) takes no data after the flags"),
                    ));
                }
                // The defaults for flags 0 and a tmpfs without data are
                // the core's (jail::Jail::mount).
                let data = data.filter(|d| !d.is_empty()).map(str::to_owned);
                o.mounts.push(MountEntry::Mount {
                    src: parts[0].into(),
                    dest: parts[1].into(),
                    fstype: parts[2].to_owned(),
                    flags,
                    data,
                });
                o.ns.mount = true;
            }
            Opt::RemountMode => {
                let mode = match e.arg.as_deref() {
                    None => None,
                    Some("shared") => Some(Propagation::Shared),
                    Some("private") => Some(Propagation::Private),
                    Some("slave") => Some(Propagation::Slave),
                    Some("unbindable") => Some(Propagation::Unbindable),
                    Some(m) => {
                        return Err(bad(
                            opt,
                            format!("unknown mount propagation mode '{m}'; expected shared, private, slave or unbindable (glued: -Kslave)"),
                        ))
                    }
                };
                self.st.remount = Some(mode);
            }
            Opt::RemountProcRo => {
                o.remount_proc_ro = true;
                o.ns.mount = true;
            }
            Opt::MountDev => {
                o.mount_dev = true;
                o.ns.mount = true;
            }
            Opt::Tmpfs => {
                o.ns.mount = true;
                if o.tmp_size.is_none() {
                    o.tmp_size = Some(DEFAULT_TMP_SIZE);
                }
                if let Some(s) = e.arg.as_deref() {
                    o.tmp_size = Some(values::size(s).ok_or_else(|| {
                        bad(opt, format!("invalid tmpfs size '{s}'; expected a number with an optional K, M, G, T, P or E suffix, glued: -t64M"))
                    })?);
                }
            }
            Opt::Chroot => {
                if o.pivot_root.is_some() {
                    return Err(bad(
                        opt,
                        "cannot chroot: -P (pivot_root) or --profile was given; use one of them",
                    ));
                }
                o.chroot = Some(arg.into());
            }
            Opt::PivotRoot => self.set_pivot_root(opt, arg)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Namespaces (-N, -l, -v, -V, -e, -p, -I, -U, -m, -M, --uts); false if `opt` is not one of them.
    fn apply_namespaces(&mut self, opt: Opt, arg: &str, e: &Entry) -> Result<bool, UsageError> {
        let o = &mut self.o;
        match opt {
            Opt::NsCgroup => o.ns.cgroup = true,
            Opt::NsIpc => o.ns.ipc = true,
            Opt::NsMount => {
                o.ns.mount = true;
                // As upstream's CLI: existing mounts become slaves, so
                // unmounts outside still reach in but nothing leaks out.
                o.propagation = Some(Propagation::Slave);
                self.st.explicit_mount_ns = true;
            }
            Opt::EnterMountNs => o.join_mount = Some(arg.into()),
            Opt::NsNet => match e.arg.as_deref() {
                Some(path) => o.join_net = Some(path.into()),
                None => o.ns.net = true,
            },
            Opt::NsPid => self.new_pid_ns(),
            Opt::RunAsInit => {
                self.new_pid_ns();
                self.o.run_as_init = true;
            }
            Opt::NsUser => {
                o.ns.user = true;
                self.new_pid_ns();
            }
            Opt::UidMap | Opt::GidMap => {
                let which = if opt == Opt::UidMap {
                    "uid map"
                } else {
                    "gid map"
                };
                if let Some(map) = e.arg.as_deref() {
                    jail::launch::parse_id_map(which, map)
                        .map_err(|err| bad(opt, err.to_string()))?;
                }
                let slot = if opt == Opt::UidMap {
                    &mut self.st.uid_map
                } else {
                    &mut self.st.gid_map
                };
                *slot = Some(e.arg.clone());
            }
            Opt::Uts => {
                o.ns.uts = true;
                if let Some(name) = e.arg.as_deref() {
                    if name.is_empty() || name.len() > 64 {
                        return Err(bad(
                            opt,
                            format!("hostname '{name}' must be 1 to 64 bytes long"),
                        ));
                    }
                    o.hostname = Some(name.to_owned());
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Seccomp (-S, --seccomp-bpf-binary, -L, --seccomp-tsync, -a, -s); false if `opt` is not one of them.
    fn apply_seccomp(&mut self, opt: Opt, arg: &str, _e: &Entry) -> Result<bool, UsageError> {
        let o = &mut self.o;
        match opt {
            Opt::SeccompPolicy => {
                if matches!(o.seccomp, Seccomp::Strict | Seccomp::Binary(_)) {
                    return Err(bad(
                        opt,
                        "cannot be combined with -s or --seccomp-bpf-binary: pick one seccomp mode",
                    ));
                }
                o.seccomp = Seccomp::Policy(arg.into());
            }
            Opt::SeccompBpfBinary => {
                if matches!(o.seccomp, Seccomp::Strict | Seccomp::Policy(_)) {
                    return Err(bad(
                        opt,
                        "cannot be combined with -s or -S: pick one seccomp mode",
                    ));
                }
                if o.seccomp_log {
                    return Err(bad(
                        opt,
                        "cannot be combined with -L: a precompiled program cannot be recompiled to log",
                    ));
                }
                o.seccomp = Seccomp::Binary(arg.into());
            }
            Opt::SeccompLog => {
                if matches!(o.seccomp, Seccomp::Binary(_)) {
                    return Err(bad(
                        opt,
                        "does not work with --seccomp-bpf-binary: a precompiled program cannot be recompiled to log",
                    ));
                }
                o.seccomp_log = true;
            }
            Opt::SeccompTsync => o.seccomp_tsync = true,
            Opt::AltSyscall => o.alt_syscall = Some(arg.to_owned()),
            Opt::SeccompStrict => {
                if matches!(o.seccomp, Seccomp::Policy(_) | Seccomp::Binary(_)) {
                    return Err(bad(
                        opt,
                        "cannot be combined with -S or --seccomp-bpf-binary: pick one seccomp mode",
                    ));
                }
                o.seccomp = Seccomp::Strict;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Capabilities, profile, process and environment settings; false if `opt` is not one of them.
    fn apply_process(&mut self, opt: Opt, arg: &str, _e: &Entry) -> Result<bool, UsageError> {
        let o = &mut self.o;
        match opt {
            Opt::Config | Opt::GenConfig | Opt::Help | Opt::SyscallHelp => {}
            Opt::Profile => {
                let profile = match arg {
                    "minimalistic-mountns" => Profile::MinimalisticMountns,
                    "minimalistic-mountns-nodev" => Profile::MinimalisticMountnsNodev,
                    other => {
                        let hint = jail::suggest::closest(
                            other,
                            ["minimalistic-mountns", "minimalistic-mountns-nodev"],
                        )
                        .map(|s| format!("did you mean {s}? "))
                        .unwrap_or_default();
                        return Err(bad(
                            opt,
                            format!("unknown profile '{other}'; {hint}expected minimalistic-mountns or minimalistic-mountns-nodev"),
                        ));
                    }
                };
                self.apply_profile(profile)?;
            }
            Opt::NoNewPrivs => o.no_new_privs = true,
            Opt::Caps => o.caps = Some(values::caps(arg).map_err(|m| bad(opt, m))?),
            Opt::Ambient => o.ambient = true,
            Opt::SecurebitsSkip => {
                o.securebits_skip = Some(values::hex_mask(arg).ok_or_else(|| {
                    bad(
                        opt,
                        format!(
                            "invalid securebits mask '{arg}'; expected a hex number such as 0x2f"
                        ),
                    )
                })?)
            }
            Opt::PidFile => o.pid_file = Some(arg.into()),
            Opt::Background => o.background = true,
            Opt::NoForwardSignals => o.forward_signals = false,
            Opt::Rlimit => {
                let r = parse_rlimit(arg).map_err(|m| bad(opt, m))?;
                if o.rlimits.iter().any(|x| x.0 == r.0) {
                    return Err(bad(
                        opt,
                        format!("{} is set more than once", jail::rlimit::name(r.0)),
                    ));
                }
                o.rlimits.push(r);
            }
            Opt::ElfType => {
                o.elf_type = Some(match arg {
                    "static" => PreloadMode::Never,
                    "dynamic" => PreloadMode::Always,
                    other => {
                        return Err(bad(
                            opt,
                            format!("unknown ELF type '{other}'; expected 'static' or 'dynamic'"),
                        ))
                    }
                })
            }
            Opt::SessionKeyring => o.session_keyring = true,
            Opt::EnvReset => {
                o.env_reset = true;
                o.env_add.clear();
            }
            Opt::EnvAdd => match arg.split_once('=') {
                Some((name, value)) if !name.is_empty() => {
                    o.env_add.retain(|(n, _)| n != name);
                    o.env_add.push((name.to_owned(), value.to_owned()));
                }
                _ => {
                    return Err(bad(
                        opt,
                        format!("expected NAME=value with a non-empty NAME, got '{arg}'"),
                    ))
                }
            },
            Opt::AllowSpeculation => o.allow_speculation = true,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Resources, Landlock, sessions, fds and logging; false if `opt` is not one of them.
    fn apply_resources(&mut self, opt: Opt, arg: &str, _e: &Entry) -> Result<bool, UsageError> {
        let o = &mut self.o;
        match opt {
            Opt::NewCgroup
            | Opt::CgroupParent
            | Opt::MemLimit
            | Opt::MemHigh
            | Opt::SwapLimit
            | Opt::PidsLimit
            | Opt::CpuLimit
            | Opt::CpuWeight
            | Opt::IoWeight
            | Opt::TimeLimit
            | Opt::Usage
            | Opt::UsageJson => resource_option(o, opt, arg).map_err(|m| bad(opt, m))?,
            // On by default, as upstream.
            Opt::EnableProfileFsRestrictions => {}
            Opt::FsDefaultPaths => {
                o.fs_default_paths = true;
                self.st.fs_path_used = true;
            }
            Opt::FsPathRx | Opt::FsPathRo | Opt::FsPathRw | Opt::FsPathAdvancedRw => {
                let access = match opt {
                    Opt::FsPathRx => jail::FsAccess::ReadExecute,
                    Opt::FsPathRo => jail::FsAccess::ReadOnly,
                    Opt::FsPathRw => jail::FsAccess::ReadWrite,
                    _ => jail::FsAccess::AdvancedReadWrite,
                };
                if arg.is_empty() {
                    return Err(bad(opt, "needs a path"));
                }
                o.fs_rules.push((arg.into(), access));
                self.st.fs_path_used = true;
            }
            Opt::LandlockAbi => {
                o.landlock_abi = Some(arg.parse::<u32>().ok().filter(|v| *v >= 1).ok_or_else(|| {
                    bad(
                        opt,
                        format!("'{arg}' is not a Landlock ABI version (a positive integer such as 2, 3 or 5)"),
                    )
                })?);
            }
            Opt::NoFsRestrictions => self.st.fs_rules_disabled = true,
            Opt::NoDefaultRuntime => o.default_runtime = false,
            Opt::NoNewSessions => o.new_sessions = false,
            Opt::Pty => o.pty = true,
            Opt::PreserveFd => {
                let fd = arg
                    .parse::<i32>()
                    .ok()
                    .filter(|fd| *fd >= 0)
                    .ok_or_else(|| {
                        bad(
                            opt,
                            format!("'{arg}' is not an fd number (a non-negative integer)"),
                        )
                    })?;
                if !o.preserve_fds.contains(&fd) {
                    o.preserve_fds.push(fd);
                }
            }
            Opt::PreloadLibrary => o.preload_library = Some(arg.into()),
            Opt::Logging => {
                o.logging = match arg {
                    "auto" => Logging::Auto,
                    "syslog" => Logging::Syslog,
                    "stderr" => Logging::Stderr,
                    other => {
                        return Err(bad(
                            opt,
                            format!(
                                "unknown logging output '{other}'; expected auto, syslog or stderr"
                            ),
                        ))
                    }
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `--profile`: recorded at its place among the mounts (the library
    /// makes them); the settings it implies are shown here too.
    fn apply_profile(&mut self, p: Profile) -> Result<(), UsageError> {
        let o = &mut self.o;
        o.ns.mount = true;
        o.mounts.push(MountEntry::Profile(p));
        if p == Profile::MinimalisticMountns {
            o.mount_dev = true;
        }
        o.remount_proc_ro = true;
        o.profile = Some(p);
        self.set_pivot_root(Opt::Profile, DEFAULT_PIVOT_ROOT)
    }

    /// Checks and settings that need the whole command line.
    fn finish(&mut self) -> Result<(), UsageError> {
        let st = &self.st;
        let o = &mut self.o;
        if st.fs_path_used && st.fs_rules_disabled {
            return Err(bad(
                Opt::NoFsRestrictions,
                "cannot be combined with --fs-path-* or --fs-default-paths",
            ));
        }
        if let Some(map) = &st.uid_map {
            o.ns.user = true;
            o.ns.pid = true;
            o.ns.mount = true;
            o.remount_proc_ro = true;
            // SAFETY: getuid has no preconditions.
            let outside = unsafe { libc::getuid() };
            let inside = o.user.as_ref().map_or(0, |u| u.uid);
            o.uid_map = Some(map.clone().unwrap_or(format!("{inside} {outside} 1")));
        }
        if let Some(map) = &st.gid_map {
            o.ns.user = true;
            o.ns.pid = true;
            o.ns.mount = true;
            o.remount_proc_ro = true;
            // SAFETY: getgid has no preconditions.
            let outside = unsafe { libc::getgid() };
            let inside = o
                .group
                .or_else(|| o.user.as_ref().and_then(|u| u.gid))
                .unwrap_or(0);
            o.gid_map = Some(map.clone().unwrap_or(format!("{inside} {outside} 1")));
            if !has_effective_cap(6 /* CAP_SETGID */) {
                o.deny_setgroups = true;
            }
        }
        refuse_background_waits(o)?;
        if o.pty && o.background {
            return Err(bad(
                Opt::Pty,
                "cannot be combined with -i: minijail0 relays the pty until the program exits",
            ));
        }
        if o.pty && !o.new_sessions {
            return Err(bad(
                Opt::Pty,
                "cannot be combined with --no-new-sessions: the pty is the controlling terminal of a new session",
            ));
        }
        if o.ambient && o.caps.is_none() {
            return Err(bad(
                Opt::Ambient,
                "needs -c: ambient capabilities are raised from the -c set",
            ));
        }
        if st.have_binds && !(o.chroot.is_some() || o.pivot_root.is_some() || st.explicit_mount_ns)
        {
            return Err(bad(
                Opt::Bind,
                "bind mounts need a chroot (-C), a pivot_root (-P, --profile) or a new mount namespace (-v)",
            ));
        }
        if let Some(mode) = st.remount {
            if !st.explicit_mount_ns {
                return Err(bad(
                    Opt::RemountMode,
                    "only applies to a new mount namespace: add -v",
                ));
            }
            o.propagation = Some(mode.unwrap_or(Propagation::Unchanged));
        }
        if !o.add_groups.is_empty() && o.suppl != Suppl::Default {
            return Err(bad(
                Opt::AddSupplGroup,
                "cannot be combined with -G or -y: the added groups replace the supplementary groups",
            ));
        }
        if o.suppl == Suppl::InheritUser
            && self.lookups
            && o.user.as_ref().and_then(|u| u.name.as_ref()).is_none()
        {
            return Err(bad(
                Opt::InheritUsergroups,
                "needs a user name given to -u (not a number) to look up its groups",
            ));
        }
        let filtered = matches!(o.seccomp, Seccomp::Policy(_) | Seccomp::Binary(_));
        if !filtered && o.default_runtime {
            if o.seccomp == Seccomp::None && Path::new(DEFAULT_POLICY).exists() {
                o.seccomp = Seccomp::Binary(DEFAULT_POLICY.into());
            }
            o.no_new_privs = true;
        }
        o.fs_restrictions_off = st.fs_rules_disabled;
        Ok(())
    }
}

/// `-R type,cur,max`.
fn parse_rlimit(arg: &str) -> Result<(i32, u64, u64), String> {
    let parts: Vec<&str> = arg.split(',').collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
        return Err(format!(
            "bad rlimit '{arg}': expected <type>,<cur>,<max> (e.g. RLIMIT_NOFILE,1024,4096)"
        ));
    }
    let resource = jail::rlimit::parse(parts[0]).map_err(|e| e.to_string())?;
    let value = |which: &str, text: &str| {
        if text == "unlimited" {
            Ok(libc::RLIM_INFINITY)
        } else {
            values::c_number(text).ok_or_else(|| {
                format!("bad {which} limit '{text}': expected a number (decimal or 0x hex) or 'unlimited'")
            })
        }
    };
    Ok((resource, value("soft", parts[1])?, value("hard", parts[2])?))
}

/// Whether this process has `cap` in its effective set.
fn has_effective_cap(cap: u32) -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("CapEff:"))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        })
        .is_some_and(|mask| mask & (1 << cap) != 0)
}

/// The resource-control options: values parsed by the library's types.
fn resource_option(o: &mut Options, opt: Opt, arg: &str) -> Result<(), String> {
    use jail::cgroup::{units, ByteSize, Cpus};
    let size = || arg.parse::<ByteSize>().map_err(|e| e.to_string());
    let count = |what: &str| {
        arg.parse::<u64>()
            .map_err(|_| format!("'{arg}' is not {what}"))
    };
    let r = &mut o.resources;
    match opt {
        Opt::NewCgroup => r.fresh = true,
        Opt::CgroupParent => r.parent = Some(arg.into()),
        Opt::MemLimit => r.limits.memory_max = Some(size()?),
        Opt::MemHigh => r.limits.memory_high = Some(size()?),
        Opt::SwapLimit => r.limits.memory_swap_max = Some(size()?),
        Opt::PidsLimit => r.limits.pids_max = Some(count("a number of processes (e.g. 64)")?),
        Opt::CpuLimit => r.limits.cpu_max = Some(arg.parse::<Cpus>().map_err(|e| e.to_string())?),
        Opt::CpuWeight => r.limits.cpu_weight = Some(count("a weight from 1 to 10000")? as u32),
        Opt::IoWeight => r.limits.io_weight = Some(count("a weight from 1 to 10000")? as u32),
        Opt::TimeLimit => {
            r.time_limit = Some(units::parse_seconds(arg).map_err(|e| e.to_string())?)
        }
        Opt::Usage => o.usage = true,
        Opt::UsageJson => o.usage_json = Some(arg.into()),
        _ => unreachable!("only resource options come here"),
    }
    r.limits.check().map_err(|e| e.to_string())
}

/// Options that need minijail0 to wait for the program: not with -i.
fn refuse_background_waits(o: &Options) -> Result<(), UsageError> {
    let waits = [
        (o.resources.time_limit.is_some(), Opt::TimeLimit),
        (o.usage, Opt::Usage),
        (o.usage_json.is_some(), Opt::UsageJson),
    ];
    match waits.into_iter().find(|(set, _)| *set) {
        Some((_, opt)) if o.background => Err(bad(
            opt,
            "needs minijail0 to wait for the program, so it cannot be combined with -i",
        )),
        _ => Ok(()),
    }
}
