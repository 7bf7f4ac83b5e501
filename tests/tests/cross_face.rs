//! The three faces hold one jail: for each family of settings the same
//! jail is built through the Rust API, through the C ABI (a C program,
//! `tests/c/cross_face.c`, against our libminijail.so) and through
//! minijail0, the probe's `view` is run in each, and what it sees from
//! inside (ids, Cap* lines, NoNewPrivs, Seccomp, mountinfo, ns links,
//! limits, env, fds, /dev, what it may read and write) must be the same.
//! Each family also checks one thing it is about, so three equally wrong
//! faces do not pass.

use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::OnceLock;

use jail::{Command, Jail, Namespace, Propagation, SeccompFilter};
use jail_tests::support::{probe, require_root, run, target_dir};

const POLICY_SYSCALLS: &[&str] = &[
    "access",
    "arch_prctl",
    "brk",
    "close",
    "exit_group",
    "fcntl",
    "futex",
    "getcwd",
    "getdents64",
    "getegid",
    "geteuid",
    "getgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getrandom",
    "getsid",
    "gettid",
    "getuid",
    "ioctl",
    "lseek",
    "madvise",
    "mmap",
    "mprotect",
    "mremap",
    "munmap",
    "newfstatat",
    "fstat",
    "openat",
    "poll",
    "prctl",
    "pread64",
    "prlimit64",
    "read",
    "readlink",
    "rseq",
    "rt_sigaction",
    "rt_sigprocmask",
    "sched_getaffinity",
    "set_robust_list",
    "set_tid_address",
    "sigaltstack",
    "statx",
    "uname",
    "unlink",
    "write",
];

/// The family's scratch directory: the same path for all three faces,
/// made afresh before each, so a face that creates a mount point does it
/// itself.
fn scratch(family: &str) -> PathBuf {
    let dir = target_dir().join(format!("cross-face-{family}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // What `probe view` calls after the preload's constructor.
    let policy: String = POLICY_SYSCALLS
        .iter()
        .map(|s| format!("{s}: 1\n"))
        .collect();
    std::fs::write(dir.join("policy"), policy).unwrap();
    std::fs::write(dir.join("file"), "x").unwrap();
    dir
}

/// The C face's program, compiled once against our libminijail.so, in a
/// folder of its own with the library and the preload beside it.
fn c_program() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let profile = target_dir();
        let lib = profile.join("libminijail.so");
        if !lib.exists() {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let ok = Process::new(cargo)
                .args(["build", "-p", "minijail-capi", "-p", "jail-preload"])
                .status()
                .expect("cargo build")
                .success();
            assert!(ok, "building libminijail.so failed");
        }
        let dir = profile.join(format!("cross-face-c-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["libminijail.so", "libjailpreload.so"] {
            std::fs::copy(profile.join(name), dir.join(name)).unwrap();
        }
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let out = dir.join("cross_face");
        let result = Process::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
            .args(["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O1", "-o"])
            .arg(&out)
            .arg(manifest.join("c/cross_face.c"))
            .arg("-I")
            .arg(manifest.join("../libjail/capi/include"))
            .arg("-L")
            .arg(&dir)
            .args(["-lminijail", "-Wl,-rpath,$ORIGIN"])
            .output()
            .expect("running cc");
        assert!(
            result.status.success(),
            "compiling cross_face.c:\n{}",
            String::from_utf8_lossy(&result.stderr)
        );
        out
    })
}

/// What changes from run to run, normalised: namespace inodes become
/// host/new, host pids N, the preload's path its name.
fn normalise(view: &str) -> Vec<String> {
    let host_ns = |kind: &str| {
        std::fs::read_link(format!("/proc/self/ns/{kind}"))
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    };
    view.lines()
        // The launcher's own ignored and blocked signals pass through, as
        // upstream; the three launchers (this test, a C program, minijail0)
        // differ there.
        .filter(|line| !line.starts_with("status SigIgn") && !line.starts_with("status SigBlk"))
        .map(|line| {
            let words: Vec<&str> = line.splitn(3, ' ').collect();
            match words.as_slice() {
                ["ns", kind, link] => {
                    let same = *link == host_ns(kind);
                    format!("ns {kind} {}", if same { "host" } else { "new" })
                }
                ["misc", "pid" | "ppid", n] if n.parse::<u32>().is_ok_and(|n| n > 20) => {
                    format!("misc {} N", words[1])
                }
                ["env", ..] if line.starts_with("env LD_PRELOAD=") => {
                    let value = &line["env LD_PRELOAD=".len()..];
                    let names: Vec<&str> = value
                        .split(':')
                        .map(|p| p.rsplit('/').next().unwrap_or(p))
                        .collect();
                    format!("env LD_PRELOAD={}", names.join(":"))
                }
                _ => line.to_owned(),
            }
        })
        .collect()
}

fn view_args(paths: &[String]) -> Vec<String> {
    let mut args = vec!["view".to_owned()];
    args.extend(paths.iter().cloned());
    args
}

fn through_rust(jail: &Jail, cmd: &mut Command) -> String {
    let out = run(jail, cmd).expect("launching through the Rust API");
    assert_eq!(out.status, 0, "Rust face: {}", out.stderr);
    out.stdout
}

fn through_process(mut p: Process, face: &str) -> String {
    let out = p
        .output()
        .unwrap_or_else(|e| panic!("running the {face}: {e}"));
    assert!(
        out.status.success(),
        "{face} face ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One family: build it three ways and compare; returns the view.
fn family(
    name: &str,
    paths: &[&str],
    rust: impl Fn(&mut Jail, &mut Command, &Path),
    cli: impl Fn(&Path) -> Vec<String>,
) -> Vec<String> {
    family_with(name, paths, rust, cli, |_, _| {})
}

/// [`family`], with `cli_process` to prepare the minijail0 process (the
/// fds it inherits) beyond its arguments.
fn family_with(
    name: &str,
    paths: &[&str],
    rust: impl Fn(&mut Jail, &mut Command, &Path),
    cli: impl Fn(&Path) -> Vec<String>,
    cli_process: impl Fn(&mut Process, &Path),
) -> Vec<String> {
    let dir = scratch(name);
    let paths: Vec<String> = paths
        .iter()
        .map(|p| p.replace("SCRATCH", dir.to_str().unwrap()))
        .collect();
    let args = view_args(&paths);

    let mut jail = Jail::new();
    // minijail0's default runtime: no_new_privs.
    jail.no_new_privs();
    let mut cmd = Command::new(probe());
    cmd.args(&args);
    rust(&mut jail, &mut cmd, &dir);
    let from_rust = normalise(&through_rust(&jail, &mut cmd));

    let dir = scratch(name);
    let mut c = Process::new(c_program());
    c.arg(name).arg(&dir).arg(probe()).args(&args);
    let from_c = normalise(&through_process(c, "C"));

    let dir = scratch(name);
    let mut m = Process::new(target_dir().join("minijail0"));
    m.args(cli(&dir)).arg("--").arg(probe()).args(&args);
    cli_process(&mut m, &dir);
    let from_cli = normalise(&through_process(m, "minijail0"));
    let _ = std::fs::remove_dir_all(&dir);

    for (face, lines) in [("C ABI", &from_c), ("minijail0", &from_cli)] {
        let only_rust: Vec<_> = from_rust.iter().filter(|l| !lines.contains(l)).collect();
        let only_face: Vec<_> = lines.iter().filter(|l| !from_rust.contains(l)).collect();
        assert!(
            only_rust.is_empty() && only_face.is_empty(),
            "{name}: the Rust API and the {face} differ\n  Rust only: {only_rust:#?}\n  {face} only: {only_face:#?}"
        );
    }
    from_rust
}

fn has(view: &[String], line: &str) -> bool {
    view.iter().any(|l| l == line)
}

fn args(list: &[&str], dir: &Path) -> Vec<String> {
    list.iter()
        .map(|a| a.replace("SCRATCH", dir.to_str().unwrap()))
        .collect()
}

#[test]
fn ids() {
    require_root!();
    let v = family(
        "ids",
        &[],
        |j, _, _| {
            j.change_uid(65534).change_gid(65534);
        },
        |d| args(&["-u", "65534", "-g", "65534"], d),
    );
    assert!(has(&v, "id uid 65534") && has(&v, "id gid 65534"), "{v:#?}");
}

#[test]
fn supplementary_groups() {
    require_root!();
    let v = family(
        "groups",
        &[],
        |j, _, _| {
            j.change_uid(65534)
                .change_gid(65534)
                .set_supplementary_gids([100, 65533]);
        },
        |d| {
            args(
                &[
                    "-u",
                    "65534",
                    "-g",
                    "65534",
                    "--add-suppl-group",
                    "100",
                    "--add-suppl-group",
                    "65533",
                ],
                d,
            )
        },
    );
    assert!(has(&v, "status Groups 100 65533"), "{v:#?}");
    assert!(has(&v, "id gid 65534"), "{v:#?}");
}

#[test]
fn caps() {
    require_root!();
    let v = family(
        "caps",
        &[],
        |j, _, _| {
            j.change_uid(65534)
                .change_gid(65534)
                .use_caps(0x3000)
                .set_ambient_caps();
        },
        |d| {
            args(
                &["-u", "65534", "-g", "65534", "-c", "0x3000", "--ambient"],
                d,
            )
        },
    );
    assert!(has(&v, "status CapAmb 0000000000003000"), "{v:#?}");
    // Every securebit and its lock, KEEP_CAPS too, as upstream (the
    // preload applies them after execve, so KEEP_CAPS is still set).
    assert!(has(&v, "status securebits 63"), "{v:#?}");
}

#[test]
fn namespaces() {
    require_root!();
    let v = family(
        "namespaces",
        &[],
        |j, _, _| {
            for ns in [
                Namespace::Pid,
                Namespace::Ipc,
                Namespace::Net,
                Namespace::Cgroup,
            ] {
                j.namespace(ns);
            }
            j.set_hostname("cross");
        },
        |d| args(&["-p", "-l", "-e", "--uts=cross", "-N"], d),
    );
    for kind in ["pid", "ipc", "net", "uts", "cgroup", "mnt"] {
        assert!(has(&v, &format!("ns {kind} new")), "{kind}: {v:#?}");
    }
    assert!(has(&v, "misc hostname cross"), "{v:#?}");
}

#[test]
fn entering_a_net_namespace_wins_over_a_new_one() {
    require_root!();
    let v = family(
        "net-enter",
        &[],
        |j, _, _| {
            j.namespace(Namespace::Net)
                .join_namespace(Namespace::Net, Path::new("/proc/self/ns/net"));
        },
        |d| args(&["-e", "-e/proc/self/ns/net"], d),
    );
    // As upstream: the launcher's net namespace, entered; none made.
    assert!(has(&v, "ns net host"), "{v:#?}");
}

#[test]
fn chroot_alone_makes_no_mount_namespace() {
    require_root!();
    let v = family(
        "chroot",
        &[],
        |j, _, _| {
            j.enter_chroot(Path::new("/"));
        },
        |d| args(&["-C", "/"], d),
    );
    // As upstream: -C without -v (or mounts) stays in the caller's.
    assert!(has(&v, "ns mnt host"), "{v:#?}");
}

#[test]
fn run_as_init() {
    require_root!();
    let v = family(
        "init",
        &[],
        |j, _, _| {
            j.namespace(Namespace::Pid).run_as_init();
        },
        |d| args(&["-p", "-I"], d),
    );
    assert!(has(&v, "misc pid 1"), "{v:#?}");
    // As upstream, an init mounts its own /proc: the host's is still there.
    assert!(
        v.iter().any(|l| l.starts_with("mount /proc proc proc rw,")),
        "{v:#?}"
    );
}

#[test]
fn user_namespace_without_maps() {
    require_root!();
    let v = family(
        "userns",
        &[],
        |j, _, _| {
            j.namespace(Namespace::User)
                .namespace(Namespace::Pid)
                .no_default_id_maps();
        },
        |d| args(&["-U"], d),
    );
    // No map written, as upstream: the overflow ids, no capabilities.
    assert!(has(&v, "id uid 65534") && has(&v, "ns user new"), "{v:#?}");
    assert!(has(&v, "status CapEff 0000000000000000"), "{v:#?}");
}

#[test]
fn mounts() {
    require_root!();
    let v = family(
        "mounts",
        &[
            "SCRATCH/made/etc/passwd",
            "SCRATCH/rw",
            "SCRATCH/hostname",
            "SCRATCH/tmpfs",
        ],
        |j, _, d| {
            j.remount_mode(Propagation::Slave)
                .bind(Path::new("/etc"), d.join("made/etc"), false)
                .bind(d, d.join("rw"), true)
                .mount(
                    Path::new("/etc/hostname"),
                    d.join("hostname"),
                    "none",
                    libc::MS_BIND,
                    None,
                )
                .mount(Path::new("tmpfs"), d.join("tmpfs"), "tmpfs", 0, None)
                .mount_tmp(jail::config::DEFAULT_TMP_SIZE);
        },
        |d| {
            args(
                &[
                    "-v",
                    "-b",
                    "/etc,SCRATCH/made/etc",
                    "-b",
                    "SCRATCH,SCRATCH/rw,1",
                    "-k",
                    "/etc/hostname,SCRATCH/hostname,none,MS_BIND",
                    "-k",
                    "tmpfs,SCRATCH/tmpfs,tmpfs",
                    "-t",
                ],
                d,
            )
        },
    );
    // Destinations were created, binds are not recursive, a file bind
    // works, and the tmpfs has upstream's default flags and data.
    let dir = target_dir().display().to_string();
    let line = |suffix: &str| {
        v.iter()
            .find(|l| l.starts_with("mount ") && l.contains(suffix))
    };
    assert!(
        v.iter()
            .any(|l| l.starts_with("access ") && l.contains("made/etc/passwd read=ok write=EROFS")),
        "{v:#?}"
    );
    assert!(
        line("/hostname ext4").is_some() || line("/hostname ").is_some(),
        "{v:#?}"
    );
    let tmpfs = line("/tmpfs tmpfs").unwrap_or_else(|| panic!("{v:#?}"));
    assert!(
        tmpfs.contains("nosuid,nodev,noexec") && tmpfs.contains("size=10240k,mode=755"),
        "{tmpfs}"
    );
    assert!(
        !v.iter()
            .any(|l| l.starts_with(&format!("mount {dir}")) && l.contains("/rw/")),
        "{v:#?}"
    );
}

#[test]
fn dev() {
    require_root!();
    let v = family(
        "dev",
        &["/dev/null", "/dev/urandom"],
        |j, _, _| {
            j.remount_mode(Propagation::Slave).mount_dev();
        },
        |d| args(&["-v", "-d"], d),
    );
    assert!(has(&v, "dev urandom 444 c 1:9"), "{v:#?}");
    assert!(has(&v, "access /dev/null read=ok write=ok"), "{v:#?}");
}

#[test]
fn minimalistic_mountns_profile() {
    require_root!();
    let v = family(
        "profile",
        &[
            "/etc/passwd",
            "/tmp",
            "/dev",
            "/dev/null",
            "/proc/self/status",
            "/root",
        ],
        |j, _, _| {
            j.profile_minimalistic_mountns(false)
                .add_minimalistic_mountns_fs_rules();
        },
        |d| args(&["--profile", "minimalistic-mountns"], d),
    );
    // Mount point, type and source; the root's source is the host's.
    let mounts: Vec<String> = v
        .iter()
        .filter(|l| l.starts_with("mount "))
        .map(|l| {
            let words: Vec<&str> = l.split(' ').collect();
            match words[1] {
                "/" | "/dev/log" => format!("mount {}", words[1]),
                _ => words[..4].join(" "),
            }
        })
        .collect();
    // The host's / read-only and not recursive (no /sys, no /dev/pts),
    // upstream's /dev, /tmp (source "none") and a read-only /proc.
    let mut expected = vec!["mount /", "mount /dev tmpfs minijail-devfs"];
    if Path::new("/dev/log").exists() {
        expected.push("mount /dev/log");
    }
    expected.extend(["mount /tmp tmpfs none", "mount /proc proc proc"]);
    assert_eq!(mounts, expected, "{v:#?}");
    assert!(
        v.iter()
            .any(|l| l.starts_with("mount / ") && l.contains(" ro,")),
        "{v:#?}"
    );
    // The profile's Landlock rules, as upstream: / read and run, /tmp
    // read-write, /dev edit (write and remove, create nothing), /proc read.
    for line in [
        "access /etc/passwd read=ok write=EROFS",
        "access /tmp read=ok create=ok",
        "access /dev read=ok create=EACCES",
        "access /dev/null read=ok write=ok",
        "access /proc/self/status read=ok write=EROFS",
        "status NoNewPrivs 1",
    ] {
        assert!(has(&v, line), "{line}: {v:#?}");
    }
}

#[test]
fn minimalistic_mountns_nodev_profile() {
    require_root!();
    let v = family(
        "profile-nodev",
        &["/tmp", "/dev", "/proc/self/status"],
        |j, _, _| {
            j.profile_minimalistic_mountns(true)
                .add_minimalistic_mountns_fs_rules();
        },
        |d| args(&["--profile", "minimalistic-mountns-nodev"], d),
    );
    // No /dev at all: the root's own (empty) directory, not the host's.
    assert!(!v.iter().any(|l| l.starts_with("mount /dev")), "{v:#?}");
    assert!(!v.iter().any(|l| l.starts_with("dev null ")), "{v:#?}");
    for line in [
        "access /tmp read=ok create=ok",
        // The read-only root's own directory.
        "access /dev read=ok create=EROFS",
        "access /proc/self/status read=ok write=EROFS",
    ] {
        assert!(has(&v, line), "{line}: {v:#?}");
    }
}

#[test]
fn rlimits() {
    require_root!();
    let v = family(
        "rlimits",
        &[],
        |j, _, _| {
            j.rlimit(jail::Resource::NoFile, 64, 128)
                .rlimit(jail::Resource::Core, 0, 0);
        },
        |d| args(&["-R", "RLIMIT_NOFILE,64,128", "-R", "RLIMIT_CORE,0,0"], d),
    );
    assert!(has(&v, "limit Max open files 64 128 files"), "{v:#?}");
}

#[test]
fn landlock() {
    require_root!();
    let v = family(
        "landlock",
        &[
            "/etc/passwd",
            "/etc/hostname",
            "SCRATCH",
            "SCRATCH/file",
            "/root",
        ],
        |j, _, d| {
            j.enable_default_fs_restrictions()
                .add_fs_restriction_rw(d)
                .add_fs_restriction_ro(Path::new("/etc"));
        },
        |d| {
            args(
                &[
                    "--fs-default-paths",
                    "--fs-path-rw",
                    "SCRATCH",
                    "--fs-path-ro",
                    "/etc",
                ],
                d,
            )
        },
    );
    assert!(has(&v, "access /root read=EACCES create=EACCES"), "{v:#?}");
    assert!(has(&v, "access /etc/passwd read=ok write=EACCES"), "{v:#?}");
}

#[test]
fn seccomp() {
    require_root!();
    let v = family(
        "seccomp",
        &[],
        |j, _, d| {
            let filter = SeccompFilter::from_policy_file(d.join("policy"), false, false)
                .expect("compiling the policy");
            j.seccomp_filter(filter);
        },
        // minijail0 sets no_new_privs by default only without a filter.
        |d| args(&["-n", "-S", "SCRATCH/policy"], d),
    );
    assert!(has(&v, "status Seccomp 2"), "{v:#?}");
    // As upstream, the program is told which policy file it runs under.
    assert!(
        v.iter()
            .any(|l| l.starts_with("env SECCOMP_POLICY_PATH=") && l.ends_with("/policy")),
        "{v:#?}"
    );
}

#[test]
fn upstream_logging_variable_is_not_passed_on() {
    require_root!();
    // Upstream's preload removes __MINIJAIL_LOGGING from the program's
    // environment; ours never passes it on.
    let jail = Jail::new();
    let mut cmd = Command::new(probe());
    cmd.arg("view").env("__MINIJAIL_LOGGING", "stderr");
    let v = normalise(&through_rust(&jail, &mut cmd));
    assert!(
        !v.iter().any(|l| l.contains("__MINIJAIL_LOGGING")),
        "{v:#?}"
    );
    let out = Process::new(target_dir().join("minijail0"))
        .env("__MINIJAIL_LOGGING", "stderr")
        .arg("--")
        .arg(probe())
        .arg("view")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("__MINIJAIL_LOGGING"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("status NoNewPrivs 1"));
}

#[test]
fn env() {
    require_root!();
    let v = family(
        "env",
        &[],
        |_, cmd, _| {
            cmd.env_clear().env("A", "1");
        },
        |d| args(&["--env-reset", "--env-add", "A=1"], d),
    );
    let env: Vec<_> = v.iter().filter(|l| l.starts_with("env ")).collect();
    assert_eq!(env, ["env A=1"], "{v:#?}");
}

/// The file the fds family opens, as each face sees it.
fn fds_file(dir: &Path) -> std::fs::File {
    std::fs::File::open(dir.join("file")).expect("opening the scratch file")
}

#[test]
fn fds() {
    use std::os::fd::{AsRawFd, OwnedFd};
    use std::os::unix::process::CommandExt;
    require_root!();
    // Held open until the launch returned: the Rust face's fds.
    let held: std::cell::RefCell<Vec<OwnedFd>> = Default::default();
    let v = family_with(
        "fds",
        &["/proc/self/fd/7", "/proc/self/fd/8"],
        |j, _, d| {
            let preserved = fds_file(d);
            j.preserve_fd(preserved.as_raw_fd(), 7);
            // One the launcher could pass on (no close-on-exec), not
            // preserved: closed, as every inherited fd.
            let inherited = fds_file(d);
            // SAFETY: clearing FD_CLOEXEC on an fd this test owns.
            unsafe { libc::fcntl(inherited.as_raw_fd(), libc::F_SETFD, 0) };
            held.borrow_mut()
                .extend([preserved.into(), inherited.into()]);
        },
        |d| args(&["--preserve-fd", "7"], d),
        |m, d| {
            let file = fds_file(d);
            // SAFETY: dup2 is async-signal-safe; `file` outlives the spawn
            // (the closure keeps it), and its copies on 7 and 8 have no
            // close-on-exec, so minijail0 inherits both.
            unsafe {
                m.pre_exec(move || {
                    for target in [7, 8] {
                        if libc::dup2(file.as_raw_fd(), target) < 0 {
                            return Err(std::io::Error::last_os_error());
                        }
                    }
                    Ok(())
                });
            }
        },
    );
    drop(held);
    let file = format!(
        "fd 7 {}/file",
        target_dir()
            .join(format!("cross-face-fds-{}", std::process::id()))
            .display()
    );
    // The preserved fd is there, on the file, and reads; nothing else
    // inherited is.
    assert!(has(&v, &file) && has(&v, "fd 7 reads x"), "{v:#?}");
    let numbers: Vec<&str> = v
        .iter()
        .filter_map(|l| l.strip_prefix("fd "))
        .filter_map(|l| l.split(' ').next())
        .collect();
    assert_eq!(numbers, ["0", "1", "2", "7", "7"], "{v:#?}");
    assert!(
        v.iter()
            .any(|l| l.starts_with("access /proc/self/fd/7 read=ok ")),
        "{v:#?}"
    );
    assert!(
        v.iter()
            .any(|l| l.starts_with("access /proc/self/fd/8 read=ENOENT")),
        "{v:#?}"
    );
}
