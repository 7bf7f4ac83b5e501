//! minijail0 run as a program: the common service recipes, exit statuses,
//! usage errors that start nothing, -i, signal forwarding, config files.
//!
//! Needs the preload library next to the binary (`cargo build -p
//! jail-preload`, or `cargo build --workspace`). Tests that need root
//! (uid changes, namespaces) say so and pass as no-ops otherwise.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The minijail0 under test: this build's, or an installed one named by
/// `JAIL_TEST_MINIJAIL0` (scripts/check-install.sh runs these tests against
/// the static release binary it installs).
fn bin() -> PathBuf {
    std::env::var_os("JAIL_TEST_MINIJAIL0")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_minijail0")))
}

fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn preload_built() {
    let bin = bin();
    let next_to = bin.with_file_name("libjailpreload.so");
    let installed = bin
        .parent()
        .and_then(Path::parent)
        .map(|prefix| prefix.join("lib/libjailpreload.so"));
    let lib = installed.filter(|p| p.is_file()).unwrap_or(next_to);
    assert!(
        lib.is_file(),
        "{} is missing: run `cargo build -p jail-preload` (or `cargo build --workspace`) before these tests",
        lib.display()
    );
}

use jail_testkit::{require_root, TempDir};

fn minijail0(args: &[&str]) -> Output {
    preload_built();
    Command::new(bin())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("minijail0 runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn exit_status_is_the_programs() {
    let o = minijail0(&["--", "/bin/sh", "-c", "exit 7"]);
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    let o = minijail0(&["/bin/sh", "-c", "kill -USR1 $$"]);
    assert_eq!(o.status.code(), Some(128 + libc::SIGUSR1), "{}", stderr(&o));
    let o = minijail0(&["/nonexistent/program"]);
    assert_eq!(o.status.code(), Some(127), "{}", stderr(&o));
}

#[test]
fn user_group_nnp_and_policy_recipe() {
    require_root!();
    let policy = data("echo.policy");
    // -u -g -n -S policy -- prog
    let o = minijail0(&[
        "-u",
        "nobody",
        "-g",
        "nogroup",
        "-n",
        "-S",
        &policy,
        "--",
        "/bin/echo",
        "ok",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "ok\n");
    // The same with the filter's speculation flag: installed, and quiet.
    let o = minijail0(&[
        "-n",
        "--allow-speculative-execution",
        "-S",
        &policy,
        "--",
        "/bin/echo",
        "ok",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!((stdout(&o).as_str(), stderr(&o).as_str()), ("ok\n", ""));
    // A syscall outside the policy: killed by SIGSYS, status 253.
    let o = minijail0(&[
        "-u",
        "nobody",
        "-g",
        "nogroup",
        "-n",
        "-S",
        &policy,
        "--",
        "/bin/uname",
    ]);
    assert_eq!(o.status.code(), Some(253), "{}", stderr(&o));
    // The ids and no_new_privs, seen from inside.
    let o = minijail0(&[
        "-u",
        "nobody",
        "-g",
        "nogroup",
        "-n",
        "--",
        "/bin/grep",
        "-E",
        "^(Uid|Gid|Groups|NoNewPrivs):",
        "/proc/self/status",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Uid:\t65534\t65534\t65534\t65534"), "{out}");
    assert!(out.contains("Gid:\t65534\t65534\t65534\t65534"), "{out}");
    assert!(out.contains("NoNewPrivs:\t1"), "{out}");
}

#[test]
fn caps_with_ambient_recipe() {
    require_root!();
    let o = minijail0(&[
        "-u",
        "nobody",
        "-g",
        "nogroup",
        "-c",
        "cap_net_raw,cap_net_bind_service+eip",
        "--ambient",
        "--",
        "/bin/sh",
        "-c",
        "grep -E '^Cap(Eff|Amb|Bnd):' /proc/self/status",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    // The shell's child grep keeps them: that is what ambient is for.
    for line in [
        "CapEff:\t0000000000002400",
        "CapAmb:\t0000000000002400",
        "CapBnd:\t0000000000002400",
    ] {
        assert!(out.contains(line), "{line} not in {out}");
    }
    // A hex mask works the same.
    let o = minijail0(&[
        "-u",
        "nobody",
        "-c",
        "0x2000",
        "--ambient",
        "--",
        "/bin/grep",
        "CapAmb",
        "/proc/self/status",
    ]);
    assert!(
        stdout(&o).contains("0000000000002000"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
}

#[test]
fn minimalistic_mountns_profile_recipe() {
    require_root!();
    // The profile's new root, as on most distributions.
    std::fs::create_dir_all(jail::config::DEFAULT_PIVOT_ROOT).unwrap();
    let o = minijail0(&[
        "--profile", "minimalistic-mountns", "-p", "--", "/bin/sh", "-c",
        "echo pid=$$; touch /tmp/x && echo tmp-writable; touch /etc/jail-e2e 2>/dev/null || echo etc-readonly; ls /dev/null",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("pid=2\n"), "{out}");
    assert!(out.contains("tmp-writable\n"), "{out}");
    assert!(out.contains("etc-readonly\n"), "{out}");
    assert!(out.contains("/dev/null\n"), "{out}");
    assert!(!Path::new("/etc/jail-e2e").exists());
    let o = minijail0(&[
        "--profile",
        "minimalistic-mountns-nodev",
        "--",
        "/bin/sh",
        "-c",
        "exit 3",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
}

/// What a shell in the jail sees, with builtins only (a new root may hold
/// no programs at all).
const SEEN_FROM_INSIDE: &str = "while read l; do case $l in Uid*|CapEff*|NoNewPrivs*) echo $l;; esac; done < /proc/self/status; echo *";

#[test]
fn a_new_root_without_the_program_or_the_preload_keeps_the_whole_jail() {
    require_root!();
    // As upstream: the program starts from the caller's filesystem and the
    // preload enters the root, so an empty root with a /proc is enough.
    let tmp = TempDir::new("empty-root");
    std::fs::create_dir_all(tmp.path().join("proc")).unwrap();
    let root = tmp.path().to_str().unwrap();
    for switch in ["-C", "-P"] {
        let o = minijail0(&[
            "-p",
            switch,
            root,
            "-u",
            "65534",
            "-g",
            "65534",
            "-c",
            "0",
            "-n",
            "--",
            "/bin/sh",
            "-c",
            SEEN_FROM_INSIDE,
        ]);
        assert_eq!(o.status.code(), Some(0), "{switch}: {}", stderr(&o));
        assert_eq!(
            stdout(&o),
            "Uid: 65534 65534 65534 65534\nCapEff: 0000000000000000\nNoNewPrivs: 1\nproc\n",
            "{switch}: {}",
            stderr(&o)
        );
        assert_eq!(stderr(&o), "", "{switch}");
    }
}

#[test]
fn a_user_name_without_a_group_keeps_gid_0_and_warns_once() {
    require_root!();
    // As upstream: -u NAME changes the uid only.
    let o = minijail0(&["-u", "nobody", "--", "/bin/sh", "-c", "id -u; id -g"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "65534\n0\n");
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("user 'nobody' runs with gid 0") && err.contains("-g 65534"),
        "{err}"
    );
    // With the group given: its gid, and no warning.
    let o = minijail0(&[
        "-u", "nobody", "-g", "65534", "--", "/bin/sh", "-c", "id -g",
    ]);
    assert_eq!(stdout(&o), "65534\n");
    assert_eq!(stderr(&o), "");
}

#[test]
fn static_mode_with_no_capabilities_is_accepted() {
    require_root!();
    // -c 0 keeps no capability, so nothing has to survive execve.
    let o = minijail0(&[
        "-T",
        "static",
        "-c",
        "0",
        "-u",
        "65534",
        "-g",
        "65534",
        "--",
        "/bin/sh",
        "-c",
        "grep -E '^Cap(Prm|Eff|Bnd)' /proc/self/status",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t0000000000000000\n"
    );
    // Keeping one still needs --ambient there.
    let o = minijail0(&["-T", "static", "-c", "0x1", "--", "/bin/true"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn a_preload_the_loader_skips_is_an_error_not_an_unjailed_program() {
    let libc = ["/lib/x86_64-linux-gnu/libc.so.6", "/lib64/libc.so.6"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("a libc.so.6");
    // A library that loads but is not the preload: nothing acknowledges.
    let o = minijail0(&[
        &format!("--preload-library={libc}"),
        "-n",
        "--",
        "/bin/true",
    ]);
    assert_eq!(o.status.code(), Some(252), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("started without acknowledging its jail"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    // Not a library at all: refused before execve.
    let o = minijail0(&["--preload-library=/etc/passwd", "-n", "--", "/bin/true"]);
    assert_eq!(o.status.code(), Some(252), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("opening the preload library") && stderr(&o).contains("/etc/passwd"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn usage_errors_start_nothing() {
    let tmp = TempDir::new("e2e");
    let marker = tmp.join("marker");
    let script = format!("touch {}", marker.display());
    let cases: &[(&[&str], &str)] = &[
        (&["-R", "NOFLIE,1,1"], "minijail0: -R: unknown resource 'NOFLIE'; did you mean NOFILE?\n"),
        (&["--profle", "x"], "minijail0: unknown option '--profle'; did you mean --profile?\n"),
        (&["-C", "/", "-P", "/"], "minijail0: -P: cannot pivot_root: -C (chroot) was given; use one of -C or -P/--profile\n"),
        (&["-G", "-y"], "minijail0: -y: cannot be combined with -G: pick one\n"),
        (&["-L", "--seccomp-bpf-binary", "/x"], "minijail0: --seccomp-bpf-binary: cannot be combined with -L: a precompiled program cannot be recompiled to log\n"),
        (&["-S", "/nonexistent.policy"], "minijail0: -S: "),
        (&["-a", "t"], "minijail0: -a: cannot use alternate syscall table 't'"),
    ];
    for (args, want) in cases {
        let mut all = args.to_vec();
        all.extend(["--", "/bin/sh", "-c", &script]);
        let o = minijail0(&all);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.starts_with(want),
            "{args:?}: got {err:?}, wanted {want:?}"
        );
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(o.stdout.is_empty());
        assert!(!marker.exists(), "{args:?} started the program");
    }
    let o = minijail0(&[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).starts_with("minijail0: no program given"));
}

#[test]
fn help_and_syscall_list() {
    let o = minijail0(&["-h"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with("Usage: minijail0 [options] [--] <program> [args...]"));
    let o = minijail0(&["-H"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    #[cfg(target_arch = "x86_64")]
    assert!(
        out.contains("  read [0]\n") && out.contains("  openat [257]\n"),
        "{out}"
    );
    assert!(out.lines().count() > 300);
}

#[test]
fn background_exits_once_started() {
    let tmp = TempDir::new("e2e");
    let marker = tmp.join("bg");
    // The program outlives minijail0 by seconds, a margin no load erases.
    let script = format!("sleep 3; touch {}", marker.display());
    preload_built();
    let start = Instant::now();
    // Not output(): the program keeps the pipes open after minijail0 exits.
    let status = Command::new(bin())
        .args(["-i", "--", "/bin/sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(
        start.elapsed() < Duration::from_millis(2500),
        "{:?}",
        start.elapsed()
    );
    assert!(!marker.exists());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !marker.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(marker.exists(), "the backgrounded program did not run");
}

fn wait_for(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !path.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(path.exists(), "{} never appeared", path.display());
}

#[test]
fn signals_are_forwarded_unless_z() {
    let tmp = TempDir::new("e2e");
    preload_built();
    let ready = tmp.join("ready");
    let script = format!(
        "trap 'exit 42' TERM; touch {}; while :; do sleep 0.05; done",
        ready.display()
    );
    let mut child = Command::new(bin())
        .args(["--", "/bin/sh", "-c", &script])
        .spawn()
        .unwrap();
    wait_for(&ready);
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(42), "{status:?}");

    // -z: minijail0 itself dies of the signal; the program is not told.
    let ready = tmp.join("ready-z");
    let done = tmp.join("done-z");
    let script = format!(
        "trap 'exit 42' TERM; touch {}; sleep 1; touch {}",
        ready.display(),
        done.display()
    );
    let mut child = Command::new(bin())
        .args(["-z", "--", "/bin/sh", "-c", &script])
        .spawn()
        .unwrap();
    wait_for(&ready);
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(libc::SIGTERM), "{status:?}");
    wait_for(&done);
}

/// A `Sig*` mask of /proc/self/status in the program's output.
fn status_mask(out: &str, field: &str) -> u64 {
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .unwrap_or_else(|| panic!("no {field} in {out}"));
    u64::from_str_radix(line.trim(), 16).unwrap()
}

#[test]
fn the_callers_ignored_and_blocked_signals_reach_the_program_as_upstream() {
    use std::os::unix::process::CommandExt;
    preload_built();
    let mut cmd = Command::new(bin());
    cmd.args([
        "--",
        "/bin/grep",
        "-E",
        "^Sig(Ign|Blk)",
        "/proc/self/status",
    ]);
    // As `nohup` and a caller that blocks a signal leave them.
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGHUP, libc::SIG_IGN);
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGUSR1);
            libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            Ok(())
        });
    }
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // Upstream's minijail0 resets neither (a nohup'd jailed daemon keeps
    // ignoring the hangup).
    let bit = |sig: i32| 1u64 << (sig - 1);
    assert_ne!(
        status_mask(&text, "SigIgn:") & bit(libc::SIGHUP),
        0,
        "{text}"
    );
    assert_ne!(
        status_mask(&text, "SigBlk:") & bit(libc::SIGUSR1),
        0,
        "{text}"
    );
}

#[test]
fn environment_flags() {
    let o = minijail0(&["--env-reset", "--env-add", "A=b=c", "--", "/usr/bin/env"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "A=b=c\n");
}

#[test]
fn gen_config_then_config_runs_the_same_jail() {
    let tmp = TempDir::new("e2e");
    require_root!();
    let conf = tmp.join("svc.conf");
    let o = minijail0(&[
        &format!("--gen-config={}", conf.display()),
        "-u",
        "nobody",
        "-g",
        "nogroup",
        "-n",
        "-S",
        &data("echo.policy"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&conf).unwrap();
    assert!(
        text.starts_with("% minijail-config-file v0\n\nu = nobody\ng = nogroup\nn\nS = "),
        "{text}"
    );
    let o = minijail0(&[
        "--config",
        conf.to_str().unwrap(),
        "--",
        "/bin/echo",
        "from-config",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "from-config\n");
    let o = minijail0(&["--config", conf.to_str().unwrap(), "--", "/bin/uname"]);
    assert_eq!(o.status.code(), Some(253), "{}", stderr(&o));
    // The file exists now: refused.
    let o = minijail0(&[&format!("--gen-config={}", conf.display()), "-n"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn unprivileged_user_namespace_with_ids_changed_keeps_the_groups() {
    require_root!();
    preload_built();
    // As nobody, -M must deny setgroups; changing ids inside then leaves
    // the supplementary groups alone, as upstream, instead of dying (253).
    let o = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(bin())
        .args([
            "-U", "-m", "-M", "-u", "0", "-g", "0", "--", "/bin/sh", "-c",
        ])
        .arg("cat /proc/self/setgroups; id -u; id -g")
        .stdin(Stdio::null())
        .output()
        .expect("setpriv runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "deny\n0\n0\n", "{}", stderr(&o));
}

#[test]
fn logging_seccomp_failures_says_so_as_upstream() {
    // -n: a filter without no_new_privs needs CAP_SYS_ADMIN, which an
    // ordinary user lacks.
    let o = minijail0(&[
        "-n",
        "-L",
        "-S",
        &data("echo.policy"),
        "--",
        "/bin/echo",
        "hi",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "hi\n");
    assert!(
        stderr(&o).contains("logging seccomp filter failures"),
        "{}",
        stderr(&o)
    );
    // Without -L, no such line.
    let o = minijail0(&["-n", "-S", &data("echo.policy"), "--", "/bin/echo", "hi"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("logging seccomp"), "{}", stderr(&o));
}

#[test]
fn unprivileged_multi_range_maps_fall_back_to_newuidmap() {
    require_root!();
    preload_built();
    if !Path::new("/usr/bin/newuidmap").exists() || !Path::new("/usr/bin/newgidmap").exists() {
        jail_testkit::skip!("newuidmap/newgidmap are not installed (package uidmap)");
    }
    // nobody is granted 100000-100009 in a private view of /etc/subuid and
    // /etc/subgid; the kernel refuses the two-range map from it (EPERM),
    // and minijail0 falls back to the helpers, as upstream.
    let tmp = TempDir::new("subid");
    let grant = tmp.path().join("subid");
    std::fs::write(&grant, "65534:100000:10\n").unwrap();
    let map = "0 65534 1,1 100000 10";
    let script = format!(
        "mount --bind {g} /etc/subuid && mount --bind {g} /etc/subgid && exec setpriv --reuid=65534 --regid=65534 --clear-groups {bin} -U -m'{map}' -M'{map}' -- /bin/cat /proc/self/uid_map /proc/self/gid_map",
        g = grant.display(),
        bin = bin().display(),
    );
    let o = in_private_mount_namespace(&script);
    let ranges: Vec<Vec<String>> = stdout(&o)
        .lines()
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect();
    let want = vec![
        vec!["0".to_owned(), "65534".into(), "1".into()],
        vec!["1".to_owned(), "100000".into(), "10".into()],
    ];
    assert_eq!(ranges, [want.clone(), want].concat(), "{}", stderr(&o));
}

#[test]
fn logging_syslog_sends_the_librarys_messages_to_dev_log() {
    require_root!();
    preload_built();
    // A private /dev whose log is a socket this test reads.
    let tmp = TempDir::new("syslog");
    let socket_path = tmp.path().join("log");
    let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let script = format!(
        "mount -t tmpfs none /dev && touch /dev/log && mount --bind {s} /dev/log && exec {bin} --logging=syslog -L -S {policy} -- /bin/echo hi",
        s = socket_path.display(),
        bin = bin().display(),
        policy = data("echo.policy"),
    );
    let o = in_private_mount_namespace(&script);
    assert_eq!(stdout(&o), "hi\n");
    assert!(!stderr(&o).contains("logging seccomp"), "{}", stderr(&o));
    let mut buf = [0u8; 1024];
    let n = socket.recv(&mut buf).expect("a message on /dev/log");
    let message = String::from_utf8_lossy(&buf[..n]);
    // Facility user, priority warning, as syslog(3) sends it.
    assert!(
        message.starts_with("<12>jail[") && message.ends_with("]: logging seccomp filter failures"),
        "{message}"
    );
}

/// Run the shell `script` as root in a private mount namespace of its own
/// (what it mounts stays there); its output, after checking it exited 0.
fn in_private_mount_namespace(script: &str) -> Output {
    let o = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", script])
        .stdin(Stdio::null())
        .output()
        .expect("unshare runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    o
}
