//! The one table of minijail0's options: parsing, `-h`, the man page, the
//! shell completions, `--config` keys and `--gen-config` all read it.
//!
//! Spellings, argument kinds and sections follow upstream minijail0; the
//! descriptions are ours.

/// Every option, by meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Opt {
    User,
    Group,
    InheritUsergroups,
    KeepSupplGids,
    AddSupplGroup,
    Bind,
    Mount,
    RemountMode,
    RemountProcRo,
    MountDev,
    Tmpfs,
    Chroot,
    PivotRoot,
    NsCgroup,
    NsIpc,
    NsMount,
    EnterMountNs,
    NsNet,
    NsPid,
    RunAsInit,
    NsUser,
    UidMap,
    GidMap,
    Uts,
    SeccompPolicy,
    SeccompBpfBinary,
    SeccompLog,
    SeccompTsync,
    AltSyscall,
    SeccompStrict,
    Config,
    GenConfig,
    Profile,
    NoNewPrivs,
    Caps,
    Ambient,
    SecurebitsSkip,
    PidFile,
    Background,
    NoForwardSignals,
    Rlimit,
    ElfType,
    SessionKeyring,
    EnvReset,
    EnvAdd,
    AllowSpeculation,
    EnableProfileFsRestrictions,
    FsDefaultPaths,
    FsPathRx,
    FsPathRo,
    FsPathRw,
    LandlockAbi,
    FsPathAdvancedRw,
    NoFsRestrictions,
    NoDefaultRuntime,
    NoNewSessions,
    Pty,
    PreserveFd,
    PreloadLibrary,
    Logging,
    NewCgroup,
    CgroupParent,
    MemLimit,
    MemHigh,
    SwapLimit,
    PidsLimit,
    CpuLimit,
    CpuWeight,
    IoWeight,
    TimeLimit,
    Usage,
    UsageJson,
    Help,
    SyscallHelp,
}

/// Whether an option takes an argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    None,
    /// Glued (`-t64M`, `--uts=name`) or the next word (`-u user`, `--mount x`).
    Required,
    /// Only when glued: `-K` alone takes none, `-Kslave` takes `slave`.
    Optional,
}

/// What an argument names, for completions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    None,
    File,
    Dir,
    User,
    Group,
    /// One of a fixed list.
    Choice(&'static [&'static str]),
    /// Free text.
    Text,
}

/// The help sections, in upstream's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Account,
    Mount,
    Namespace,
    Seccomp,
    Other,
    Resources,
    Uncommon,
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::Account,
        Section::Mount,
        Section::Namespace,
        Section::Seccomp,
        Section::Other,
        Section::Resources,
        Section::Uncommon,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::Account => "Account (user/group) options",
            Section::Mount => "Mount/path options",
            Section::Namespace => "Namespace options",
            Section::Seccomp => "Seccomp options",
            Section::Other => "Other options",
            Section::Resources => {
                "Resource control options (jail's own, not in upstream minijail0)"
            }
            Section::Uncommon => "Uncommon options",
        }
    }
}

/// One option.
#[derive(Debug)]
pub struct OptSpec {
    pub opt: Opt,
    pub short: Option<char>,
    pub long: Option<&'static str>,
    pub arg: Arg,
    /// The argument's name in help (`user`, `src[,dst[,writable]]`).
    pub metavar: &'static str,
    pub value: Value,
    pub section: Section,
    /// One or two lines for `-h`.
    pub help: &'static str,
    /// More for the man page (appended to `help`), may be empty.
    pub more: &'static str,
    /// Written by `--gen-config` (everything but --config, --gen-config, -h, -H).
    pub in_config: bool,
}

impl OptSpec {
    /// The name a user sees in messages: `-u`, or `--add-suppl-group`.
    pub fn display(&self) -> String {
        match (self.short, self.long) {
            (Some(c), _) => format!("-{c}"),
            (None, Some(l)) => format!("--{l}"),
            (None, None) => unreachable!("every option has a name"),
        }
    }

    /// The key `--gen-config` writes: the long name if there is one (as
    /// upstream), else the letter.
    pub fn config_key(&self) -> String {
        match (self.long, self.short) {
            (Some(l), _) => l.to_owned(),
            (None, Some(c)) => c.to_string(),
            (None, None) => unreachable!("every option has a name"),
        }
    }
}

const PROFILES: &[&str] = &["minimalistic-mountns", "minimalistic-mountns-nodev"];
const REMOUNT_MODES: &[&str] = &["shared", "private", "slave", "unbindable"];
const ELF_TYPES: &[&str] = &["static", "dynamic"];
const LOGGING: &[&str] = &["auto", "syslog", "stderr"];

macro_rules! opt {
    ($opt:ident, $short:expr, $long:expr, $arg:ident, $metavar:expr, $value:expr, $section:ident, $help:expr, $more:expr) => {
        OptSpec {
            opt: Opt::$opt,
            short: $short,
            long: $long,
            arg: Arg::$arg,
            metavar: $metavar,
            value: $value,
            section: Section::$section,
            help: $help,
            more: $more,
            in_config: true,
        }
    };
}

/// All options, in help order.
pub static OPTIONS: &[OptSpec] = &[
    // Account.
    opt!(User, Some('u'), None, Required, "user", Value::User, Account,
        "Change uid to <user> (a name or a number).",
        "The gid does not change unless -g is given, as upstream: -u NAME alone leaves the program in the launcher's group (root's, as root), with a warning. May be given once."),
    opt!(Group, Some('g'), None, Required, "group", Value::Group, Account,
        "Change gid to <group> (a name or a number).",
        "May be given once."),
    opt!(InheritUsergroups, Some('G'), None, None, "", Value::None, Account,
        "Inherit the supplementary groups of the -u user.\nIncompatible with -y or --add-suppl-group.",
        "Needs a user name (not a number) given to -u."),
    opt!(KeepSupplGids, Some('y'), None, None, "", Value::None, Account,
        "Keep the caller's supplementary groups.\nIncompatible with -G or --add-suppl-group.",
        ""),
    opt!(AddSupplGroup, None, Some("add-suppl-group"), Required, "group", Value::Group, Account,
        "Add <group> to the supplementary groups; may be repeated.\nIncompatible with -y or -G.",
        "The listed groups become the whole supplementary group list."),
    // Mount.
    opt!(Bind, Some('b'), Some("bind-mount"), Required, "src[,dst[,writable]]", Value::File, Mount,
        "Bind <src> to <dst> (default: <src>), read-only unless\n<writable> is 1.",
        "Needs -v, -C, -P or --profile."),
    opt!(Mount, Some('k'), Some("mount"), Required, "src,dst,fstype[,flags[,data]]", Value::Text, Mount,
        "Mount <src> of type <fstype> at <dst>; <flags> are MS_* names\nor numbers joined by |, <data> goes to mount(2). May be repeated.",
        "With no flags, MS_NODEV|MS_NOEXEC|MS_NOSUID is used; a tmpfs with no data gets mode=0755,size=10M. A mount with MS_BIND takes no data."),
    opt!(RemountMode, Some('K'), None, Optional, "mode", Value::Choice(REMOUNT_MODES), Mount,
        "-K: leave the propagation of existing mounts as it is.\n-K<mode>: mark them <mode> (shared, private, slave, unbindable).",
        "Only meaningful with -v, which otherwise marks them slave."),
    opt!(RemountProcRo, Some('r'), None, None, "", Value::None, Mount,
        "Remount /proc read-only (implies -v).", ""),
    opt!(MountDev, Some('d'), Some("mount-dev"), None, "", Value::None, Mount,
        "Make a new /dev with a minimal set of nodes (implies -v).",
        "The nodes are full, null, tty, urandom and zero, with the fd, ptmx, stdin, stdout and stderr links and a shm directory."),
    opt!(Tmpfs, Some('t'), None, Optional, "size", Value::Text, Mount,
        "Mount a tmpfs on /tmp (implies -v); the glued size\ndefaults to 64M.",
        "Sizes take K, M, G, T, P or E suffixes. /tmp must exist in the new root."),
    opt!(Chroot, Some('C'), None, Required, "dir", Value::Dir, Mount,
        "chroot(2) to <dir>. Incompatible with -P.", ""),
    opt!(PivotRoot, Some('P'), None, Required, "dir", Value::Dir, Mount,
        "pivot_root(2) to <dir> (implies -v). Incompatible with -C.", ""),
    // Namespaces.
    opt!(NsCgroup, Some('N'), None, None, "", Value::None, Namespace,
        "Enter a new cgroup namespace.", ""),
    opt!(NsIpc, Some('l'), None, None, "", Value::None, Namespace,
        "Enter a new IPC namespace.", ""),
    opt!(NsMount, Some('v'), Some("ns-mount"), None, "", Value::None, Namespace,
        "Enter a new mount namespace; existing mounts are marked slave.", ""),
    opt!(EnterMountNs, Some('V'), None, Required, "file", Value::File, Namespace,
        "Enter the mount namespace <file>.", ""),
    opt!(NsNet, Some('e'), None, Optional, "file", Value::File, Namespace,
        "Enter a new network namespace, or the existing one <file>\nwhen glued (-e/run/netns/x).",
        "A new network namespace has its loopback interface brought up."),
    opt!(NsPid, Some('p'), None, None, "", Value::None, Namespace,
        "Enter a new pid namespace (implies -v -r).", ""),
    opt!(RunAsInit, Some('I'), None, None, "", Value::None, Namespace,
        "Run the program as init (pid 1) of a new pid namespace\n(implies -p).", ""),
    opt!(NsUser, Some('U'), None, None, "", Value::None, Namespace,
        "Enter a new user namespace (implies -p).", ""),
    opt!(UidMap, Some('m'), None, Optional, "uid loweruid count[,...]", Value::Text, Namespace,
        "Set the uid map of the user namespace (implies -U -p);\nglued, comma-separated ranges as newuidmap(1). Alone: map the\ncurrent uid to the -u uid (default 0).", ""),
    opt!(GidMap, Some('M'), None, Optional, "gid lowergid count[,...]", Value::Text, Namespace,
        "Set the gid map of the user namespace (implies -U -p);\nglued, as newgidmap(1). Alone: map the current gid to the -g gid.",
        "Without CAP_SETGID, setgroups(2) is denied in the namespace so the map can be written."),
    opt!(Uts, None, Some("uts"), Optional, "hostname", Value::Text, Namespace,
        "Enter a new UTS namespace; --uts=<hostname> also sets\nthe hostname.", ""),
    // Seccomp.
    opt!(SeccompPolicy, Some('S'), None, Required, "file", Value::File, Seccomp,
        "Compile the seccomp policy <file> and install it.\nRequires -n when not running as root.", ""),
    opt!(SeccompBpfBinary, None, Some("seccomp-bpf-binary"), Required, "file", Value::File, Seccomp,
        "Install the compiled seccomp program <file> (raw BPF).\nRequires -n when not running as root.",
        "The file must be built for this architecture; incompatible with -L."),
    opt!(SeccompLog, Some('L'), None, None, "", Value::None, Seccomp,
        "Log blocked syscalls (SECCOMP_RET_LOG) instead of killing.", ""),
    opt!(SeccompTsync, Some('Y'), None, None, "", Value::None, Seccomp,
        "Synchronize the filter across the thread group; a blocked\nsyscall then kills the whole process.", ""),
    opt!(AltSyscall, Some('a'), None, Required, "table", Value::Text, Seccomp,
        "Use the alternate syscall table <table> (PR_ALT_SYSCALL).",
        "Mainline kernels lack PR_ALT_SYSCALL: the option is parsed, and refused when the program is started."),
    opt!(SeccompStrict, Some('s'), None, None, "", Value::None, Seccomp,
        "Use seccomp mode 1 (strict; not the same as -S).", ""),
    // Other.
    opt!(Config, None, Some("config"), Required, "file", Value::File, Other,
        "Read options from the minijail config file <file>,\nat this point of the command line.",
        "The first line is exactly '% minijail-config-file v0'; then one 'key' or 'key = value' per line, keys being long names or single letters; a trailing \\ continues a line; lines starting with # are comments. A config file cannot load another."),
    opt!(GenConfig, None, Some("gen-config"), Required, "file", Value::File, Other,
        "Write the other options as a config file to <file> (which\nmust not exist), then exit without running anything.", ""),
    opt!(Profile, None, Some("profile"), Required, "profile", Value::Choice(PROFILES), Other,
        "Use a sandboxing profile (see PROFILES in minijail0(1)).", ""),
    opt!(NoNewPrivs, Some('n'), None, None, "", Value::None, Other,
        "Set no_new_privs (see prctl(2)).", ""),
    opt!(Caps, Some('c'), None, Required, "caps", Value::Text, Other,
        "Keep only <caps>: a hex mask or cap_from_text(3) text\n(e.g. cap_net_raw,cap_net_bind_service+eip).",
        "The effective set of the text is used as the permitted, effective and inheritable sets, and the bounding set is cut to it."),
    opt!(Ambient, None, Some("ambient"), None, "", Value::None, Other,
        "Raise the -c capabilities in the ambient set too. Requires -c.", ""),
    opt!(SecurebitsSkip, Some('B'), None, Required, "mask", Value::Text, Other,
        "Do not set the securebits in hex <mask> when cutting\ncapabilities with -c.", ""),
    opt!(PidFile, Some('f'), None, Required, "file", Value::File, Other,
        "Write the jailed program's pid to <file>.", ""),
    opt!(Background, Some('i'), None, None, "", Value::None, Other,
        "Exit as soon as the program is started (background it).", ""),
    opt!(NoForwardSignals, Some('z'), None, None, "", Value::None, Other,
        "Do not forward the signals minijail0 receives to the program.", ""),
    opt!(Rlimit, Some('R'), None, Required, "type,cur,max", Value::Text, Other,
        "Set a resource limit; <type> is RLIMIT_NAME, NAME or a number,\nlimits are numbers or 'unlimited'. May be repeated.", ""),
    opt!(ElfType, Some('T'), None, Required, "type", Value::Choice(ELF_TYPES), Other,
        "Treat the program as a 'static' or 'dynamic' ELF binary;\n'static' applies the jail before execve (no preload).", ""),
    opt!(SessionKeyring, Some('w'), None, None, "", Value::None, Other,
        "Create and join a new anonymous session keyring.", ""),
    opt!(EnvReset, None, Some("env-reset"), None, "", Value::None, Other,
        "Start the program with an empty environment.", ""),
    opt!(EnvAdd, None, Some("env-add"), Required, "NAME=value", Value::Text, Other,
        "Set NAME=value in the program's environment; may be repeated.", ""),
    // Resources.
    opt!(NewCgroup, None, Some("new-cgroup"), None, "", Value::None, Resources,
        "Run the jail in a fresh cgroup of its own (implied by the\nlimits below); every process of it is killed when the program ends.",
        "The cgroup is made beneath minijail0's own cgroup, in a jail.slice directory (or beneath --cgroup-parent), in each hierarchy a limit needs (cgroup v2, or v1 where the controller lives there), and removed when the jail ends. The program is moved in before it runs. An ordinary user needs a cgroup delegated to it. Cgroups a killed minijail0 left behind are removed by the next run once empty."),
    opt!(CgroupParent, None, Some("cgroup-parent"), Required, "path", Value::Dir, Resources,
        "Make the jail's cgroup beneath <path> (a cgroup path such as\n/jobs, or a directory under a cgroup mount).",
        "On a host with v1 and v2 hierarchies the same path is used in each hierarchy the jail needs, and must exist in each."),
    opt!(MemLimit, None, Some("mem-limit"), Required, "size", Value::Text, Resources,
        "Limit the jail's memory to <size> (512M, 2G): memory.max; the\nOOM killer acts above it, and the kill is reported as such.", ""),
    opt!(MemHigh, None, Some("mem-high"), Required, "size", Value::Text, Resources,
        "Throttle and reclaim the jail's memory above <size> (memory.high,\ncgroup v2 only).", ""),
    opt!(SwapLimit, None, Some("swap-limit"), Required, "size", Value::Text, Resources,
        "Limit the jail's swap to <size> (memory.swap.max; on v1 with\n--mem-limit, as memory.memsw.limit_in_bytes).", ""),
    opt!(PidsLimit, None, Some("pids-limit"), Required, "n", Value::Text, Resources,
        "Allow at most <n> processes and threads at once (pids.max).", ""),
    opt!(CpuLimit, None, Some("cpu-limit"), Required, "cpus", Value::Text, Resources,
        "Allow at most <cpus> CPUs' worth of time (0.5, 2, or 50% of the\nonline CPUs): cpu.max.", ""),
    opt!(CpuWeight, None, Some("cpu-weight"), Required, "weight", Value::Text, Resources,
        "Relative CPU share, 1 to 10000, default 100 (cpu.weight).", ""),
    opt!(IoWeight, None, Some("io-weight"), Required, "weight", Value::Text, Resources,
        "Relative I/O share, 1 to 10000, default 100 (io.weight), where\nthe I/O controller exists.", ""),
    opt!(TimeLimit, None, Some("time-limit"), Required, "seconds", Value::Text, Resources,
        "Kill the whole jail after <seconds> of wall-clock time; one\nline says so (status 137). Unlike -R RLIMIT_CPU, which counts CPU\ntime per process, this counts real time, so a sleeping program\nis stopped too.",
        "Every process of the jail is killed: its cgroup (made for the purpose) or its new pid namespace. Incompatible with -i."),
    opt!(Usage, None, Some("usage"), None, "", Value::None, Resources,
        "When the jail ends, print how it ended and what it used to\nstderr (wall, user and system time, peak memory, OOM kills).",
        "How it ended is one of: exited, killed by a signal, killed by seccomp, OOM-killed, failed at the pids limit, killed at the time limit. With a cgroup of the jail's own (--new-cgroup or any limit) the figures are the cgroup's; without one, from the kernel's rusage of the waited-for processes. Incompatible with -i."),
    opt!(UsageJson, None, Some("usage-json"), Required, "file", Value::File, Resources,
        "Like --usage, but write one JSON object to <file>.",
        "Keys: ended, status, exit_code, signal, wall_time_s, user_cpu_s, system_cpu_s, peak_memory_bytes, peak_memory_source, peak_processes, oom_kills, pids_limit_hits, time_limit_s, cgroup."),
    // Uncommon.
    opt!(AllowSpeculation, None, Some("allow-speculative-execution"), None, "", Value::None, Uncommon,
        "Allow speculative execution (disable the seccomp mitigations).",
        "The filter goes in with SECCOMP_FILTER_FLAG_SPEC_ALLOW: the kernel does not force speculation mitigations on for the program."),
    opt!(EnableProfileFsRestrictions, None, Some("enable-profile-fs-restrictions"), None, "", Value::None, Uncommon,
        "Limit paths with Landlock when using a minimalistic-mountns\nprofile (the default).", ""),
    opt!(FsDefaultPaths, None, Some("fs-default-paths"), None, "", Value::None, Uncommon,
        "Allow the usual program and library paths (read, execute)\nand reading /etc/passwd and /etc/group.", ""),
    opt!(FsPathRx, None, Some("fs-path-rx"), Required, "path", Value::File, Uncommon,
        "Allow reading and executing beneath <path> (Landlock).", ""),
    opt!(FsPathRo, None, Some("fs-path-ro"), Required, "path", Value::File, Uncommon,
        "Allow reading beneath <path> (Landlock).", ""),
    opt!(FsPathRw, None, Some("fs-path-rw"), Required, "path", Value::File, Uncommon,
        "Allow reading, writing, creating and removing beneath <path>\n(Landlock).", ""),
    opt!(FsPathAdvancedRw, None, Some("fs-path-advanced-rw"), Required, "path", Value::File, Uncommon,
        "Allow everything Landlock's ABI has beneath <path>.", ""),
    opt!(LandlockAbi, None, Some("landlock-abi"), Required, "version", Value::Text, Uncommon,
        "Take the --fs-path-* rights from Landlock ABI <version>\n(default 2; 3 adds truncate, 5 device ioctls).", ""),
    opt!(NoFsRestrictions, None, Some("no-fs-restrictions"), None, "", Value::None, Uncommon,
        "Turn off path-based (Landlock) restrictions.", ""),
    opt!(NoDefaultRuntime, None, Some("no-default-runtime-environment"), None, "", Value::None, Uncommon,
        "Do not apply the default runtime environment (no_new_privs,\nand /etc/security/minijail/v0.bin when present).", ""),
    opt!(NoNewSessions, None, Some("no-new-sessions"), None, "", Value::None, Uncommon,
        "Do not call setsid(); for programs that need the controlling\nterminal.", ""),
    opt!(Pty, None, Some("pty"), None, "", Value::None, Uncommon,
        "Run the program on its own pseudo-terminal, relayed by\nminijail0 (not in upstream).",
        "The program gets a new pty's slave as its stdin, stdout, stderr and controlling terminal in a new session; minijail0 relays between its own std fds and the pty, with the caller's terminal in raw mode until the program exits, and the window size passed on. Job control works inside, and the caller's terminal never reaches the program (no TIOCSTI into it). SIGTERM, SIGINT or SIGHUP to minijail0 restores the terminal, is passed on, and hangs up the pty. Conflicts with -i and --no-new-sessions."),
    opt!(PreserveFd, None, Some("preserve-fd"), Required, "fd", Value::Text, Uncommon,
        "Keep fd <fd> open, with the same number, in the program.", ""),
    opt!(PreloadLibrary, None, Some("preload-library"), Required, "file", Value::File, Uncommon,
        "Use <file> as the preload library (default: next to\nminijail0, then the install path).", ""),
    opt!(Logging, None, Some("logging"), Required, "output", Value::Choice(LOGGING), Uncommon,
        "Log to 'auto' (stderr if stdin is a terminal, else syslog),\n'syslog' or 'stderr'.", ""),
    OptSpec {
        in_config: false,
        ..opt!(Help, Some('h'), Some("help"), None, "", Value::None, Uncommon,
            "Print this help and exit.", "")
    },
    OptSpec {
        in_config: false,
        ..opt!(SyscallHelp, Some('H'), None, None, "", Value::None, Uncommon,
            "Print the syscall names and numbers of this architecture.", "")
    },
];

/// The entry for `opt`.
pub fn spec(opt: Opt) -> &'static OptSpec {
    OPTIONS
        .iter()
        .find(|s| s.opt == opt)
        .expect("every Opt has a table entry")
}

/// The option with this letter.
pub fn by_short(c: char) -> Option<&'static OptSpec> {
    OPTIONS.iter().find(|s| s.short == Some(c))
}

/// The option with this exact long name.
pub fn by_long(name: &str) -> Option<&'static OptSpec> {
    OPTIONS.iter().find(|s| s.long == Some(name))
}

/// Long names starting with `prefix` (getopt_long accepts unique prefixes).
pub fn by_long_prefix(prefix: &str) -> Vec<&'static OptSpec> {
    OPTIONS
        .iter()
        .filter(|s| s.long.is_some_and(|l| l.starts_with(prefix)))
        .collect()
}

/// Every spelling, for "did you mean".
pub fn all_spellings() -> Vec<String> {
    let mut out = Vec::new();
    for s in OPTIONS {
        if let Some(c) = s.short {
            out.push(format!("-{c}"));
        }
        if let Some(l) = s.long {
            out.push(format!("--{l}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_opt_has_one_entry() {
        let mut seen = std::collections::HashSet::new();
        for s in all_spellings() {
            assert!(seen.insert(s.clone()), "duplicate spelling {s}");
        }
        for s in OPTIONS {
            assert_eq!(OPTIONS.iter().filter(|t| t.opt == s.opt).count(), 1);
            assert!(s.short.is_some() || s.long.is_some());
        }
    }

    #[test]
    fn short_letters_match_upstream_optstring() {
        // Upstream's getopt string, without the colons and the leading '+'.
        let upstream = "abcdefghiklmnprstuvwyzBCGHIKLMNPRSTUVY";
        let mut ours: Vec<char> = OPTIONS.iter().filter_map(|s| s.short).collect();
        let mut theirs: Vec<char> = upstream.chars().collect();
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs);
    }
}
