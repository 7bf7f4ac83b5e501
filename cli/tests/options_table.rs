//! Command lines → resulting settings, for every option, implication and
//! conflict (in the spirit of upstream's minijail0_cli_unittest.cc), plus
//! the mapping of every resolved setting onto a `jail::Jail`.

use std::ffi::OsString;
use std::path::PathBuf;

use jail::{PreloadMode, Propagation};
use jail_cli::options::{
    self, Action, Logging, MountEntry, Options, Profile, Seccomp, Suppl, User, DEFAULT_PIVOT_ROOT,
    DEFAULT_TMP_SIZE,
};
use jail_cli::table::{Opt, OPTIONS};

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// Parse `args` followed by a program; the resolved options.
fn parse_ok(args: &[&str]) -> Options {
    let mut all = args.to_vec();
    all.push("/bin/true");
    match options::parse(&os(&all)) {
        Ok(Action::Run { options, program }) => {
            assert_eq!(program, os(&["/bin/true"]), "{args:?}");
            *options
        }
        other => panic!("{args:?}: expected a run, got {other:?}"),
    }
}

fn parse_err(args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.push("/bin/true");
    match options::parse(&os(&all)) {
        Err(e) => e.to_string(),
        Ok(a) => panic!("{args:?}: expected an error, got {a:?}"),
    }
}

/// What no flag at all gives: the default runtime sets no_new_privs.
fn base() -> Options {
    Options {
        no_new_privs: true,
        ..Options::default()
    }
}

fn pid_ns(o: &mut Options) {
    o.ns.pid = true;
    o.ns.mount = true;
    o.remount_proc_ro = true;
}

fn rlimit(name: &str) -> i32 {
    jail::rlimit::parse(name).unwrap()
}

type Case = (&'static [&'static str], fn(&mut Options));

/// Each command line, and how it changes [`base`].
const CASES: &[Case] = &[
    (&[], |_| {}),
    // Account.
    (&["-u", "1000"], |o| {
        o.user = Some(User {
            uid: 1000,
            name: None,
            gid: None,
        })
    }),
    (&["-unobody"], |o| {
        o.user = Some(User {
            uid: 65534,
            name: Some("nobody".into()),
            gid: Some(65534),
        })
    }),
    (&["-g", "100"], |o| o.group = Some(100)),
    (&["-g", "users"], |o| o.group = Some(100)),
    (&["-u", "nobody", "-G"], |o| {
        o.user = Some(User {
            uid: 65534,
            name: Some("nobody".into()),
            gid: Some(65534),
        });
        o.suppl = Suppl::InheritUser;
    }),
    (&["-y"], |o| o.suppl = Suppl::KeepCurrent),
    (
        &["--add-suppl-group", "users", "--add-suppl-group=1"],
        |o| o.add_groups = vec![100, 1],
    ),
    // Mounts.
    (&["-v", "-b", "/"], |o| {
        o.ns.mount = true;
        o.propagation = Some(Propagation::Slave);
        o.mounts = vec![MountEntry::Bind {
            src: "/".into(),
            dest: "/".into(),
            writable: false,
        }];
    }),
    (&["-v", "--bind-mount=/tmp,/mnt,1", "-b", "/usr,,0"], |o| {
        o.ns.mount = true;
        o.propagation = Some(Propagation::Slave);
        o.mounts = vec![
            MountEntry::Bind {
                src: "/tmp".into(),
                dest: "/mnt".into(),
                writable: true,
            },
            MountEntry::Bind {
                src: "/usr".into(),
                dest: "/usr".into(),
                writable: false,
            },
        ];
    }),
    (&["-C", "/", "-b", "/tmp"], |o| {
        o.chroot = Some("/".into());
        o.mounts = vec![MountEntry::Bind {
            src: "/tmp".into(),
            dest: "/tmp".into(),
            writable: false,
        }];
    }),
    (&["-k", "none,/run,tmpfs"], |o| {
        o.ns.mount = true;
        o.mounts = vec![MountEntry::Mount {
            src: "none".into(),
            dest: "/run".into(),
            fstype: "tmpfs".into(),
            // Flags 0 and no data: the core's Jail::mount gives upstream's defaults.
            flags: 0,
            data: None,
        }];
    }),
    (
        &["--mount", "proc,/proc,proc,MS_NODEV|0x2,hidepid=2,gid=3"],
        |o| {
            o.ns.mount = true;
            o.mounts = vec![MountEntry::Mount {
                src: "proc".into(),
                dest: "/proc".into(),
                fstype: "proc".into(),
                flags: libc::MS_NODEV | 0x2,
                data: Some("hidepid=2,gid=3".into()),
            }];
        },
    ),
    (&["-k", "/a,/b,none,MS_BIND|MS_REC"], |o| {
        o.ns.mount = true;
        o.mounts = vec![MountEntry::Mount {
            src: "/a".into(),
            dest: "/b".into(),
            fstype: "none".into(),
            flags: libc::MS_BIND | libc::MS_REC,
            data: None,
        }];
    }),
    (&["-v", "-K"], |o| {
        o.ns.mount = true;
        o.propagation = Some(Propagation::Unchanged);
    }),
    (&["-Kslave", "-v"], |o| {
        o.ns.mount = true;
        o.propagation = Some(Propagation::Slave);
    }),
    (&["-v", "-Kprivate"], |o| {
        o.ns.mount = true;
        o.propagation = Some(Propagation::Private);
    }),
    (&["-v", "-Kshared"], |o| {
        o.ns.mount = true;
        o.propagation = Some(Propagation::Shared);
    }),
    (&["-v", "-Kunbindable"], |o| {
        o.ns.mount = true;
        o.propagation = Some(Propagation::Unbindable);
    }),
    (&["-r"], |o| {
        o.ns.mount = true;
        o.remount_proc_ro = true;
    }),
    (&["-d"], |o| {
        o.ns.mount = true;
        o.mount_dev = true;
    }),
    (&["--mount-dev"], |o| {
        o.ns.mount = true;
        o.mount_dev = true;
    }),
    (&["-t"], |o| {
        o.ns.mount = true;
        o.tmp_size = Some(DEFAULT_TMP_SIZE);
    }),
    (&["-t16M"], |o| {
        o.ns.mount = true;
        o.tmp_size = Some(16 << 20);
    }),
    (&["-C", "/srv"], |o| o.chroot = Some("/srv".into())),
    (&["-P", "/srv"], |o| {
        o.ns.mount = true;
        o.pivot_root = Some("/srv".into());
    }),
    // Namespaces.
    (&["-N"], |o| o.ns.cgroup = true),
    (&["-l"], |o| o.ns.ipc = true),
    (&["-v"], |o| {
        o.ns.mount = true;
        o.propagation = Some(Propagation::Slave);
    }),
    (&["--ns-mount"], |o| {
        o.ns.mount = true;
        o.propagation = Some(Propagation::Slave);
    }),
    (&["-V", "/proc/1/ns/mnt"], |o| {
        o.join_mount = Some("/proc/1/ns/mnt".into())
    }),
    (&["-e"], |o| o.ns.net = true),
    (&["-e/run/netns/x"], |o| {
        o.join_net = Some("/run/netns/x".into())
    }),
    (&["-p"], pid_ns),
    (&["-I"], |o| {
        pid_ns(o);
        o.run_as_init = true;
    }),
    (&["-U"], |o| {
        pid_ns(o);
        o.ns.user = true;
    }),
    (&["-m0 1000 1"], |o| {
        pid_ns(o);
        o.ns.user = true;
        o.uid_map = Some("0 1000 1".into());
    }),
    (&["-M0 1000 1,1 100000 10"], |o| {
        pid_ns(o);
        o.ns.user = true;
        o.gid_map = Some("0 1000 1,1 100000 10".into());
        // Without CAP_SETGID the kernel takes a gid map only with
        // setgroups denied, as upstream does it.
        o.deny_setgroups = !jail_testkit::is_root();
    }),
    (&["-u", "5", "-m"], |o| {
        pid_ns(o);
        o.ns.user = true;
        o.user = Some(User {
            uid: 5,
            name: None,
            gid: None,
        });
        // SAFETY: getuid has no preconditions.
        o.uid_map = Some(format!("5 {} 1", unsafe { libc::getuid() }));
    }),
    (&["--uts"], |o| o.ns.uts = true),
    (&["--uts=box"], |o| {
        o.ns.uts = true;
        o.hostname = Some("box".into());
    }),
    // Seccomp.
    (&["-S", "/p.policy"], |o| {
        o.seccomp = Seccomp::Policy("/p.policy".into());
        o.no_new_privs = false;
    }),
    (&["--seccomp-bpf-binary=/p.bpf"], |o| {
        o.seccomp = Seccomp::Binary("/p.bpf".into());
        o.no_new_privs = false;
    }),
    (&["-n", "-S", "/p.policy", "-L", "-Y"], |o| {
        o.seccomp = Seccomp::Policy("/p.policy".into());
        o.seccomp_log = true;
        o.seccomp_tsync = true;
    }),
    (&["-a", "tbl"], |o| o.alt_syscall = Some("tbl".into())),
    (&["-s"], |o| o.seccomp = Seccomp::Strict),
    // Other.
    (&["-n"], |_| {}),
    (&["-c", "0x3000"], |o| o.caps = Some(0x3000)),
    (
        &["-c", "cap_net_raw,cap_net_bind_service+eip", "--ambient"],
        |o| {
            o.caps = Some(1 << 13 | 1 << 10);
            o.ambient = true;
        },
    ),
    (&["-B", "0x2f"], |o| o.securebits_skip = Some(0x2f)),
    (&["-f", "/run/x.pid"], |o| {
        o.pid_file = Some("/run/x.pid".into())
    }),
    (&["-i"], |o| o.background = true),
    (&["-z"], |o| o.forward_signals = false),
    (
        &[
            "-R",
            "RLIMIT_NOFILE,1024,0x1000",
            "-R",
            "as,unlimited,unlimited",
        ],
        |o| {
            o.rlimits = vec![
                (rlimit("NOFILE"), 1024, 4096),
                (rlimit("AS"), libc::RLIM_INFINITY, libc::RLIM_INFINITY),
            ]
        },
    ),
    (&["-T", "static"], |o| o.elf_type = Some(PreloadMode::Never)),
    (&["-Tdynamic"], |o| o.elf_type = Some(PreloadMode::Always)),
    (&["-w"], |o| o.session_keyring = true),
    (&["--env-add", "A=b", "--env-add", "b=C=D"], |o| {
        o.env_add = vec![("A".into(), "b".into()), ("b".into(), "C=D".into())]
    }),
    (&["--env-add", "A=b", "--env-reset"], |o| o.env_reset = true),
    (&["--env-reset", "--env-add", "A=b"], |o| {
        o.env_reset = true;
        o.env_add = vec![("A".into(), "b".into())];
    }),
    // Resources.
    (&["--new-cgroup", "--cgroup-parent", "/jobs"], |o| {
        o.resources.fresh = true;
        o.resources.parent = Some("/jobs".into());
    }),
    (
        &[
            "--mem-limit",
            "512M",
            "--mem-high=256M",
            "--swap-limit",
            "1G",
            "--pids-limit",
            "64",
        ],
        |o| {
            let l = &mut o.resources.limits;
            l.memory_max = Some(jail::ByteSize::mib(512));
            l.memory_high = Some(jail::ByteSize::mib(256));
            l.memory_swap_max = Some(jail::ByteSize::mib(1024));
            l.pids_max = Some(64);
        },
    ),
    (
        &[
            "--cpu-limit",
            "0.5",
            "--cpu-weight",
            "50",
            "--io-weight=200",
        ],
        |o| {
            let l = &mut o.resources.limits;
            l.cpu_max = jail::Cpus::new(0.5);
            l.cpu_weight = Some(50);
            l.io_weight = Some(200);
        },
    ),
    (
        &[
            "--time-limit",
            "2.5",
            "--usage",
            "--usage-json",
            "/tmp/u.json",
        ],
        |o| {
            o.resources.time_limit = Some(std::time::Duration::from_millis(2500));
            o.usage = true;
            o.usage_json = Some("/tmp/u.json".into());
        },
    ),
    // Uncommon.
    (&["--allow-speculative-execution"], |o| {
        o.allow_speculation = true
    }),
    (&["--enable-profile-fs-restrictions"], |_| {}),
    (&["--fs-default-paths"], |o| o.fs_default_paths = true),
    (&["--landlock-abi=3"], |o| o.landlock_abi = Some(3)),
    (
        &[
            "--fs-path-rx=/a",
            "--fs-path-ro=/b",
            "--fs-path-rw=/c",
            "--fs-path-advanced-rw=/d",
        ],
        |o| {
            o.fs_rules = vec![
                ("/a".into(), jail::FsAccess::ReadExecute),
                ("/b".into(), jail::FsAccess::ReadOnly),
                ("/c".into(), jail::FsAccess::ReadWrite),
                ("/d".into(), jail::FsAccess::AdvancedReadWrite),
            ]
        },
    ),
    (&["--no-fs-restrictions"], |o| o.fs_restrictions_off = true),
    (&["--no-default-runtime-environment"], |o| {
        o.default_runtime = false;
        o.no_new_privs = false;
    }),
    (&["--no-new-sessions"], |o| o.new_sessions = false),
    (&["--pty"], |o| o.pty = true),
    (&["--preserve-fd", "2", "--preserve-fd=1"], |o| {
        o.preserve_fds = vec![2, 1]
    }),
    (&["--preload-library", "/x.so"], |o| {
        o.preload_library = Some("/x.so".into())
    }),
    (&["--logging=stderr"], |o| o.logging = Logging::Stderr),
    (&["--logging", "syslog"], |o| o.logging = Logging::Syslog),
    (&["--logging=auto"], |o| o.logging = Logging::Auto),
    // Clusters, prefixes and `--`.
    (&["-vpn"], |o| {
        pid_ns(o);
        o.propagation = Some(Propagation::Slave);
    }),
    (&["--amb", "-c0"], |o| {
        o.caps = Some(0);
        o.ambient = true;
    }),
    (&["-n", "--"], |_| {}),
];

#[test]
fn every_case_gives_its_settings() {
    for (args, change) in CASES {
        let mut want = base();
        change(&mut want);
        assert_eq!(parse_ok(args), want, "command line {args:?}");
    }
}

#[test]
fn every_option_is_covered_by_a_case() {
    let mut covered = std::collections::HashSet::new();
    for (args, _) in CASES {
        for a in *args {
            let name = a.split('=').next().unwrap();
            for s in OPTIONS {
                let short = s.short.map(|c| format!("-{c}"));
                let long = s.long.map(|l| format!("--{l}"));
                let hit = long.as_deref() == Some(name)
                    || long
                        .as_deref()
                        .is_some_and(|l| l.starts_with(name) && name.len() > 4)
                    || short
                        .as_deref()
                        .is_some_and(|sh| name.starts_with(sh) && !name.starts_with("--"))
                    || (name.starts_with('-')
                        && !name.starts_with("--")
                        && s.short.is_some_and(|c| name[1..].contains(c))
                        && a.len() <= 5);
                if hit {
                    covered.insert(s.opt);
                }
            }
        }
    }
    // Tested in their own tests below.
    for o in [
        Opt::Config,
        Opt::GenConfig,
        Opt::Profile,
        Opt::Help,
        Opt::SyscallHelp,
    ] {
        covered.insert(o);
    }
    let missing: Vec<_> = OPTIONS
        .iter()
        .filter(|s| !covered.contains(&s.opt))
        .map(|s| s.display())
        .collect();
    assert!(missing.is_empty(), "options without a case: {missing:?}");
}

#[test]
fn profiles_expand_as_upstream() {
    for (name, profile) in [
        ("minimalistic-mountns", Profile::MinimalisticMountns),
        (
            "minimalistic-mountns-nodev",
            Profile::MinimalisticMountnsNodev,
        ),
    ] {
        let o = parse_ok(&["--profile", name]);
        let full = profile == Profile::MinimalisticMountns;
        assert_eq!(o.profile, Some(profile));
        assert_eq!(o.mounts, vec![MountEntry::Profile(profile)]);
        assert!(o.ns.mount && o.remount_proc_ro);
        assert_eq!(o.mount_dev, full);
        // The library mounts a 64M /tmp unless -t says otherwise.
        assert_eq!(o.tmp_size, None);
        assert_eq!(o.pivot_root, Some(PathBuf::from(DEFAULT_PIVOT_ROOT)));
        // The profile's Landlock rules are the library's
        // (Jail::add_minimalistic_mountns_fs_rules), not the CLI's.
        assert!(o.fs_rules.is_empty() && !o.fs_restrictions_off);
        // --no-fs-restrictions turns them off; a -t size given first is kept.
        let o = parse_ok(&["-t1M", "--profile", name, "--no-fs-restrictions"]);
        assert!(o.fs_restrictions_off);
        assert_eq!(o.tmp_size, Some(1 << 20));
        // -b is allowed under the profile (it pivots).
        parse_ok(&["--profile", name, "-b", "/usr"]);
    }
}

#[test]
fn conflicts_and_bad_values_are_refused_with_one_line() {
    let cases: &[(&[&str], &str)] = &[
        (&["-C", "/", "-P", "/"], "-P: cannot pivot_root: -C (chroot) was given"),
        (&["-P", "/", "-C", "/"], "-C: cannot chroot"),
        (&["-C", "/", "--profile", "minimalistic-mountns"], "--profile: cannot pivot_root"),
        (&["--profile", "minimalistic-mountns", "-C", "/"], "-C: cannot chroot"),
        (&["-G", "-y"], "-y: cannot be combined with -G"),
        (&["-y", "-G"], "-G: cannot be combined with -y"),
        (&["-y", "--add-suppl-group", "1"], "--add-suppl-group: cannot be combined with -G or -y"),
        (&["-u", "nobody", "-G", "--add-suppl-group", "1"], "--add-suppl-group: cannot be combined"),
        (&["-u", "1", "-G"], "-G: needs a user name"),
        (&["-L", "--seccomp-bpf-binary", "x"], "--seccomp-bpf-binary: cannot be combined with -L"),
        (&["--seccomp-bpf-binary", "x", "-L"], "-L: does not work with --seccomp-bpf-binary"),
        (&["-s", "-S", "x"], "-S: cannot be combined with -s"),
        (&["-S", "x", "-s"], "-s: cannot be combined with -S"),
        (&["-S", "x", "--seccomp-bpf-binary", "y"], "--seccomp-bpf-binary: cannot be combined"),
        (&["-u", "1", "-u", "2"], "-u: given more than once"),
        (&["-g", "1", "-g", "2"], "-g: given more than once"),
        (&["-u", ""], "-u: user '' does not exist"),
        (&["-u", "1000x"], "-u: user '1000x' does not exist"),
        (&["-g", "j;lX"], "-g: group 'j;lX' does not exist"),
        (&["--add-suppl-group", "nosuchgroupx"], "--add-suppl-group: group 'nosuchgroupx'"),
        (&["-b", "/"], "-b: bind mounts need a chroot (-C), a pivot_root (-P, --profile) or a new mount namespace (-v)"),
        (&["-v", "-b", ""], "-b: bad bind mount ''"),
        (&["-v", "-b", "/,/,0,what"], "-b: bad bind mount"),
        (&["-v", "-b", "/,,writable"], "-b: bad <writable> 'writable'"),
        (&["-k", "none"], "-k: bad mount 'none'"),
        (&["-k", "none,/"], "-k: bad mount"),
        (&["-k", "none,/,none,MS_WHOOPS"], "-k: unknown mount flag 'MS_WHOOPS'"),
        (&["-k", "none,/,none,MS_BIND,extra"], "-k: bad mount 'none,/,none,MS_BIND,extra': a bind mount (MS_BIND) takes no data"),
        (&["-k", "none,/,none,MS_BIND,"], "takes no data"),
        (&["-k", "none,rel,tmpfs"], "must be an absolute path"),
        (&["-K"], "-K: only applies to a new mount namespace: add -v"),
        (&["-p", "-Kslave"], "-K: only applies to a new mount namespace"),
        (&["-v", "-Kfoo"], "-K: unknown mount propagation mode 'foo'"),
        (&["-tlots"], "-t: invalid tmpfs size 'lots'"),
        (&["-m0 0"], "-m: uid map '0 0' is not 'inside outside count'"),
        (&["--uts="], "--uts: hostname '' must be 1 to 64 bytes long"),
        (&["--ambient"], "--ambient: needs -c"),
        (&["-c", "xja"], "-c: invalid capability set 'xja'"),
        (&["-c", "1", "-T", "static"], "-c: a program run with -T static keeps capabilities only through ambient capabilities"),
        (&["-B", "xja"], "-B: invalid securebits mask 'xja'"),
        (&["-R", "NOFLIE,1,1"], "-R: unknown resource 'NOFLIE'; did you mean NOFILE?"),
        (&["-R", ""], "-R: bad rlimit ''"),
        (&["-R", "0"], "-R: bad rlimit '0'"),
        (&["-R", "0,0"], "-R: bad rlimit"),
        (&["-R", "0,0,0,0"], "-R: bad rlimit"),
        (&["-R", "0,0,invalid-limit"], "-R: bad hard limit 'invalid-limit'"),
        (&["-R", "0,0x1jf,0"], "-R: bad soft limit '0x1jf'"),
        (&["-R", "RLIMIT_GOGOOGOG,0,0"], "-R: unknown resource 'RLIMIT_GOGOOGOG'"),
        (&["-R", "AS,1,1", "-R", "RLIMIT_AS,2,2"], "-R: RLIMIT_AS is set more than once"),
        (&["-T", "elf"], "-T: unknown ELF type 'elf'; expected 'static' or 'dynamic'"),
        (&["--profile", "random-unknown-profile"], "--profile: unknown profile 'random-unknown-profile'"),
        (&["--profile", "minimalistic-mountn"], "did you mean minimalistic-mountns?"),
        (&["--logging", "stdout"], "--logging: unknown logging output 'stdout'; expected auto, syslog or stderr"),
        (&["--logging", ""], "--logging: unknown logging output ''"),
        (&["--env-add", "INVALID"], "--env-add: expected NAME=value"),
        (&["--env-add", "="], "--env-add: expected NAME=value"),
        (&["--env-add", "=foo"], "--env-add: expected NAME=value"),
        (&["--preserve-fd", "x"], "--preserve-fd: 'x' is not an fd number"),
        (&["--fs-path-rx", "/", "--no-fs-restrictions"], "--no-fs-restrictions: cannot be combined with --fs-path-*"),
        (&["--fs-default-paths", "--no-fs-restrictions"], "--no-fs-restrictions: cannot be combined"),
        (&["--no-such-flag"], "unknown option '--no-such-flag'"),
        (&["--profle", "x"], "unknown option '--profle'; did you mean --profile?"),
        (&["-X"], "unknown option '-X'"),
        (&["--env"], "option '--env' is ambiguous: it could be --env-reset, --env-add"),
        (&["-n=1"], "unknown option '-='"),
        (&["--ambient=1"], "--ambient: takes no argument"),
        (&["-u"], "-u: needs an argument: <user>"),
        (&["--mem-limit", "lots"], "--mem-limit: 'lots' is not a size: a number of bytes, optionally with K, M, G or T (e.g. 512M, 2G)"),
        (&["--mem-limit", "0"], "--mem-limit: invalid resource limit: a memory limit of 0"),
        (&["--pids-limit", "-3"], "--pids-limit: '-3' is not a number of processes"),
        (&["--pids-limit", "0"], "--pids-limit: invalid resource limit: a pids limit of 0"),
        (&["--cpu-limit", "0.001"], "--cpu-limit: '0.001' is not a CPU amount"),
        (&["--cpu-limit", "half"], "--cpu-limit: 'half' is not a CPU amount"),
        (&["--cpu-weight", "0"], "--cpu-weight: invalid resource limit: cpu.weight 0 is out of range"),
        (&["--io-weight", "10001"], "--io-weight: invalid resource limit: io.weight 10001 is out of range"),
        (&["--time-limit", "0"], "--time-limit: '0' is not a time in seconds greater than 0"),
        (&["--time-limit", "1", "-i"], "--time-limit: needs minijail0 to wait for the program, so it cannot be combined with -i"),
        (&["-i", "--usage"], "--usage: needs minijail0 to wait"),
    ];
    for (args, want) in cases {
        let mut all = args.to_vec();
        // The missing-argument case must not swallow the program.
        if *args == ["-u"] {
            let err = options::parse(&os(args)).unwrap_err().to_string();
            assert!(err.contains(want), "{args:?}: {err}");
            continue;
        }
        all.truncate(all.len());
        let err = parse_err(&all);
        assert!(err.contains(want), "{args:?}: got '{err}', wanted '{want}'");
        assert!(!err.contains('\n'), "{args:?}: not one line: {err}");
    }
}

#[test]
fn parsing_stops_at_the_program() {
    let Action::Run { options, program } =
        options::parse(&os(&["-n", "/bin/echo", "-u", "x", "--", "-v"])).unwrap()
    else {
        panic!()
    };
    assert_eq!(program, os(&["/bin/echo", "-u", "x", "--", "-v"]));
    assert!(options.user.is_none());
    let Action::Run { program, .. } = options::parse(&os(&["--", "-weird"])).unwrap() else {
        panic!()
    };
    assert_eq!(program, os(&["-weird"]));
    // An optional argument never takes the next word.
    let Action::Run { options, program } = options::parse(&os(&["-v", "-K", "slave"])).unwrap()
    else {
        panic!()
    };
    assert_eq!(options.propagation, Some(Propagation::Unchanged));
    assert_eq!(program, os(&["slave"]));
    let Action::Run { options, program } = options::parse(&os(&["-e", "/bin/true"])).unwrap()
    else {
        panic!()
    };
    assert!(options.ns.net && options.join_net.is_none());
    assert_eq!(program, os(&["/bin/true"]));
}

#[test]
fn help_and_missing_program() {
    assert_eq!(options::parse(&os(&["-h"])), Ok(Action::Help));
    assert_eq!(options::parse(&os(&["--help"])), Ok(Action::Help));
    assert_eq!(options::parse(&os(&["-n", "-H"])), Ok(Action::SyscallHelp));
    let err = options::parse(&os(&[])).unwrap_err().to_string();
    assert!(err.starts_with("no program given"), "{err}");
    let err = options::parse(&os(&["-n"])).unwrap_err().to_string();
    assert!(err.starts_with("no program given"), "{err}");
}

#[test]
fn every_resolved_setting_maps_onto_a_jail() {
    // A command line using most options at once builds a Jail; the
    // mapping is one setter per setting, so the Jail's getters read each back.
    let o = parse_ok(&[
        "-u",
        "nobody",
        "-g",
        "nogroup",
        "-G",
        "-c",
        "cap_net_raw+e",
        "--ambient",
        "-B",
        "1",
        "-n",
        "-v",
        "-Kprivate",
        "-b",
        "/usr,/usr,1",
        "-k",
        "none,/run,tmpfs",
        "-d",
        "-t8M",
        "-r",
        "-l",
        "-N",
        "-e",
        "--uts=h",
        "-p",
        "-I",
        "-R",
        "NOFILE,10,20",
        "-f",
        "/tmp/pid",
        "-w",
        "--preserve-fd",
        "2",
        "--no-new-sessions",
        "--preload-library",
        "/lib/x.so",
        "-z",
        "--fs-path-ro",
        "/etc",
    ]);
    let jail = jail_cli::apply::build_jail(&o).unwrap();
    assert_eq!(jail.uid(), Some(65534));
    assert_eq!(jail.gid(), Some(65534));
    assert_eq!(jail.user_name(), Some("nobody"));
    assert_eq!(
        jail.supplementary_groups(),
        &jail::SupplementaryGroups::InheritFromUser
    );
    assert_eq!(
        jail.caps(),
        Some(jail::CapSet::from(jail::Capability::NetRaw))
    );
    assert!(jail.ambient_caps());
    assert_eq!(jail.securebits_skip_mask(), 1);
    assert!(jail.no_new_privs_enabled());
    assert_eq!(jail.propagation(), Propagation::Private);
    assert!(jail.mount_dev_enabled());
    assert_eq!(jail.mount_tmp_size(), Some(8 << 20));
    assert_eq!(jail.remount_proc(), Some(true));
    assert_eq!(jail.hostname(), Some("h"));
    assert!(jail.run_as_init_enabled());
    assert!(jail.new_session_keyring_enabled());
    assert!(!jail.forward_signals_enabled());
    assert!(!jail.new_session_enabled());
    assert_eq!(jail.preserved_fds(), [(2, 2)]);
    assert_eq!(jail.pid_file(), Some(std::path::Path::new("/tmp/pid")));
    assert_eq!(jail.preload_path(), Some(std::path::Path::new("/lib/x.so")));
    let rule_paths: Vec<_> = jail.fs_rules().iter().map(|r| r.path.as_path()).collect();
    assert_eq!(rule_paths, [std::path::Path::new("/etc")]);
    assert_eq!(
        jail.rlimits(),
        [jail::Rlimit {
            resource: libc::RLIMIT_NOFILE as i32,
            cur: 10,
            max: 20
        }]
    );
    let mounts: Vec<_> = jail
        .mounts()
        .iter()
        .map(|m| {
            (
                m.source.to_str().unwrap(),
                m.dest.to_str().unwrap(),
                m.fstype.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        mounts,
        [("/usr", "/usr", None), ("none", "/run", Some("tmpfs"))]
    );
    for ns in [
        jail::Namespace::Mount,
        jail::Namespace::Pid,
        jail::Namespace::Ipc,
        jail::Namespace::Uts,
        jail::Namespace::Net,
        jail::Namespace::Cgroup,
    ] {
        assert!(jail.has_namespace(ns), "{ns:?}");
    }
    let cmd = jail_cli::apply::build_command(&o, &os(&["/bin/true", "a"]));
    assert_eq!(cmd.program(), std::path::Path::new("/bin/true"));
}

#[test]
fn alt_syscall_is_refused_before_anything_starts() {
    let o = parse_ok(&["-a", "android"]);
    let err = jail_cli::apply::build_jail(&o).unwrap_err().to_string();
    assert!(
        err.starts_with("-a: cannot use alternate syscall table 'android'"),
        "{err}"
    );
}
