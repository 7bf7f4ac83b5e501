//! Resource control: a cgroup of the jail's own with memory, pids and CPU
//! limits (on this hybrid host they live on v1), the v2 mechanics on the
//! unified hierarchy (create, move, cgroup.kill, cgroup.events, removal),
//! the wall-clock limit, the usage report, and nothing left behind after a
//! normal end, a failed launch or a SIGKILLed launcher. The unprivileged
//! half runs in a cgroup delegated (chowned) to uid 65534.
//!
//! Limits are small and programs bounded in time: the machine is shared.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jail::cgroup::hierarchy::{self, Version};
use jail::cgroup::{ByteSize, Controller, Cpus, Ending, JailCgroup, Settings, Usage};
use jail::{Command, Jail, Namespace, Stdio};
use jail_tests::support::*;

/// What a watched run saw: its output, the usage report, and the cgroup
/// directories the jail had while it ran.
struct Watched {
    status: i32,
    stdout: String,
    stderr: String,
    usage: Usage,
    dirs: Vec<PathBuf>,
}

/// Spawn, note the cgroup directories, collect the output, wait; assert
/// the directories existed during the run and are gone after it.
fn run_watched(jail: &Jail, program: &str, args: &[&str]) -> Watched {
    let mut cmd = Command::new(program);
    cmd.args(args).stdout(Stdio::Piped).stderr(Stdio::Piped);
    let mut child = jail
        .spawn(&cmd)
        .unwrap_or_else(|e| panic!("launching {program}: {e}"));
    let dirs = child.cgroup_dirs();
    for d in &dirs {
        assert!(d.is_dir(), "{} exists while the jail runs", d.display());
    }
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        err.read_to_string(&mut s).ok();
        s
    });
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .ok();
    let status = child.wait().expect("wait").minijail_status();
    let stderr = reader.join().unwrap();
    for d in &dirs {
        assert!(!d.exists(), "{} is removed when the jail ends", d.display());
    }
    let usage = child.usage().expect("a usage report after wait").clone();
    Watched {
        status,
        stdout,
        stderr,
        usage,
        dirs,
    }
}

/// Whether `pid` runs: it exists and is not a zombie (a killed orphan
/// waits for whichever subreaper adopted it).
fn alive(pid: libc::pid_t) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(") ").map(|(_, rest)| !rest.starts_with('Z')))
        .unwrap_or(false)
}

fn skip(test: &str, why: &str) {
    jail_testkit::skip(test, why);
}

/// True (after the SKIP line) when not root: making cgroups needs it.
fn lacks_root(test: &str) -> bool {
    let lacks = !is_root();
    if lacks {
        skip(test, "needs root to make cgroups");
    }
    lacks
}

/// The hierarchy holding `controller`, if the host has one.
fn hierarchy_of(controller: Controller) -> Option<hierarchy::Hierarchy> {
    let hs = hierarchy::discover().ok()?;
    let at = |v: Version| {
        hs.iter()
            .find(|h| h.version == v && h.has(controller))
            .cloned()
    };
    at(Version::V2).or_else(|| at(Version::V1))
}

fn unified() -> Option<hierarchy::Hierarchy> {
    hierarchy::discover()
        .ok()?
        .into_iter()
        .find(|h| h.version == Version::V2)
}

/// A parent cgroup for one test, beneath this process's own cgroup in the
/// hierarchies of `controllers` (and the unified one), removed on drop.
struct TestParent {
    /// The path inside each hierarchy (`/own/jail-test-...`): the same in
    /// all, as `cgroup_parent` wants it, so the own cgroups must agree.
    path: PathBuf,
    dirs: Vec<PathBuf>,
}

impl TestParent {
    fn new(tag: &str, controllers: &[Controller]) -> Option<TestParent> {
        let mut hs: Vec<hierarchy::Hierarchy> = controllers
            .iter()
            .filter_map(|&c| hierarchy_of(c))
            .collect();
        hs.extend(unified());
        let name = format!("jail-test-{tag}-{}", std::process::id());
        // One path for all: the deepest common own cgroup is "/" on this
        // host for pids and the unified hierarchy; use the hierarchy root
        // of each when the own cgroups differ.
        let owns: Vec<PathBuf> = hs.iter().filter_map(|h| h.own.clone()).collect();
        let own = if owns.windows(2).all(|w| w[0] == w[1]) {
            owns.first().cloned().unwrap_or_else(|| "/".into())
        } else {
            "/".into()
        };
        let path = own.join(&name);
        let mut dirs = Vec::new();
        for h in &hs {
            let dir = h.dir_of(&path)?;
            if !dirs.contains(&dir) {
                std::fs::create_dir(&dir).ok()?;
                dirs.push(dir);
            }
        }
        Some(TestParent { path, dirs })
    }

    /// The jail cgroups left in it.
    fn children(&self) -> Vec<PathBuf> {
        self.dirs
            .iter()
            .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().flatten())
            .filter(|e| e.path().is_dir())
            .map(|e| e.path())
            .collect()
    }

    /// Give the directories to uid/gid 65534, as a delegation does.
    fn delegate_to_nobody(&self) {
        for d in &self.dirs {
            for f in ["", "cgroup.procs", "cgroup.subtree_control", "tasks"] {
                let p = if f.is_empty() { d.clone() } else { d.join(f) };
                if p.exists() {
                    std::os::unix::fs::chown(&p, Some(65534), Some(65534)).unwrap();
                }
            }
        }
    }
}

impl Drop for TestParent {
    fn drop(&mut self) {
        for d in &self.dirs {
            for _ in 0..100 {
                if std::fs::remove_dir(d).is_ok() || !d.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

#[test]
fn a_memory_hog_is_oom_killed_at_the_limit_and_reported_as_such() {
    const TEST: &str = "a_memory_hog_is_oom_killed_at_the_limit_and_reported_as_such";
    if lacks_root(TEST) {
        return;
    }
    let mut jail = Jail::new();
    jail.memory_limit(ByteSize::mib(32));
    // Control: under the limit it runs to the end.
    let small = run_watched(&jail, &probe(), &["hog", "8"]);
    assert_eq!(small.status, 0, "{}", small.stderr);
    assert_eq!(small.stdout.trim(), "allocated=8");
    assert_eq!(small.usage.ended, Ending::Exited(0));
    assert_eq!(small.usage.oom_kills, 0);
    assert!(
        small
            .dirs
            .iter()
            .any(|d| d.starts_with("/sys/fs/cgroup/memory")),
        "{:?}",
        small.dirs
    );

    let big = run_watched(&jail, &probe(), &["hog", "512"]);
    assert_eq!(big.status, 137, "{}", big.stderr);
    assert_eq!(big.stdout, "", "it never finished");
    assert_eq!(big.usage.ended, Ending::OomKilled, "{:?}", big.usage);
    assert!(big.usage.oom_kills >= 1, "{:?}", big.usage);
    assert_eq!(big.usage.peak_memory_source, "cgroup");
    let peak = big.usage.peak_memory;
    assert!(
        (16 << 20..=33 << 20).contains(&peak),
        "peak memory {peak} is about the 32 MiB limit"
    );
}

#[test]
fn a_fork_bomb_stops_at_the_pids_limit_and_the_host_is_unaffected() {
    const TEST: &str = "a_fork_bomb_stops_at_the_pids_limit_and_the_host_is_unaffected";
    if lacks_root(TEST) {
        return;
    }
    let mut jail = Jail::new();
    jail.pids_limit(16);
    let out = run_watched(&jail, &probe(), &["forkbomb", "200"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let started: usize = out
        .stdout
        .trim()
        .strip_prefix("started=")
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", out.stdout));
    // The probe itself is one of the 16.
    assert_eq!(started, 15, "{}", out.stdout);
    assert!(out.stdout.contains("failed=185"), "{}", out.stdout);
    assert!(out.usage.pids_limit_hits >= 185, "{:?}", out.usage);
    assert_eq!(out.usage.peak_processes, Some(16), "{:?}", out.usage);
    // The host still forks.
    let status = std::process::Command::new("/bin/true").status().unwrap();
    assert!(status.success());
}

#[test]
fn a_cpu_limit_of_a_fifth_gives_about_a_fifth_of_a_cpu() {
    const TEST: &str = "a_cpu_limit_of_a_fifth_gives_about_a_fifth_of_a_cpu";
    if lacks_root(TEST) {
        return;
    }
    let cpus = |out: &Watched| -> f64 {
        out.stdout
            .trim()
            .strip_prefix("cpus=")
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{} {}", out.stdout, out.stderr))
    };
    let control = cpus(&run_watched(
        &Jail::new().new_cgroup().clone(),
        &probe(),
        &["spin", "1"],
    ));
    if control < 0.4 {
        return skip(
            TEST,
            &format!(
                "the machine is too busy to measure: an unlimited spinner got {control:.2} CPUs"
            ),
        );
    }
    let mut jail = Jail::new();
    jail.cpu_limit(Cpus::new(0.2).unwrap());
    let limited = cpus(&run_watched(&jail, &probe(), &["spin", "1.5"]));
    assert!(
        (0.1..=0.3).contains(&limited),
        "limited to 0.2 CPUs, it got {limited:.3} (unlimited: {control:.3})"
    );
}

#[test]
fn the_time_limit_kills_a_sleeping_program_and_all_its_children() {
    const TEST: &str = "the_time_limit_kills_a_sleeping_program_and_all_its_children";
    if lacks_root(TEST) {
        return;
    }
    let dir = TempDir::new("timelimit");
    let pids = dir.path().join("pids");
    let mut jail = Jail::new();
    jail.time_limit(Duration::from_millis(700));
    let start = Instant::now();
    let script = format!(
        "sleep 60 & echo $! > {p}; (sleep 60; true) & echo $! >> {p}; sleep 60",
        p = pids.display()
    );
    let out = run_watched(&jail, "/bin/sh", &["-c", &script]);
    let took = start.elapsed();
    assert_eq!(out.status, 137, "{}", out.stderr);
    assert_eq!(out.usage.ended, Ending::TimeLimit);
    assert!(
        took >= Duration::from_millis(700) && took < Duration::from_secs(10),
        "{took:?}"
    );
    assert!(out.usage.wall_time >= Duration::from_millis(700));
    let children: Vec<libc::pid_t> = std::fs::read_to_string(&pids)
        .unwrap()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(children.len(), 2);
    for pid in children {
        assert!(!alive(pid), "child {pid} was killed with the jail");
    }
}

#[test]
fn the_time_limit_kills_a_pid_namespace_without_a_cgroup() {
    const TEST: &str = "the_time_limit_kills_a_pid_namespace_without_a_cgroup";
    if !is_root() {
        return skip(TEST, "needs root for a pid namespace");
    }
    let mut jail = Jail::new();
    jail.namespace(Namespace::Pid)
        .time_limit(Duration::from_millis(300));
    let start = Instant::now();
    let out = run_watched(&jail, "/bin/sh", &["-c", "sleep 60 & sleep 60"]);
    assert!(
        out.dirs.is_empty(),
        "the pid namespace is enough: {:?}",
        out.dirs
    );
    assert_eq!(out.status, 137);
    assert_eq!(out.usage.ended, Ending::TimeLimit);
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_program_under_its_limits_ends_normally_with_a_full_report() {
    const TEST: &str = "a_program_under_its_limits_ends_normally_with_a_full_report";
    if lacks_root(TEST) {
        return;
    }
    let mut jail = Jail::new();
    jail.memory_limit(ByteSize::mib(64))
        .pids_limit(32)
        .cpu_limit(Cpus::new(1.0).unwrap())
        .time_limit(Duration::from_secs(30));
    let out = run_watched(&jail, "/bin/sh", &["-c", "cat /proc/self/cgroup; exit 3"]);
    assert_eq!(out.status, 3);
    assert_eq!(out.usage.ended, Ending::Exited(3));
    // The program was in its cgroup in every hierarchy from the start.
    for h in ["memory", "pids", "cpu"] {
        let line = out
            .stdout
            .lines()
            .find(|l| l.split(':').nth(1) == Some(h))
            .unwrap_or_else(|| panic!("{h} in {}", out.stdout));
        assert!(line.contains("/jail.slice/jail-"), "{line}");
    }
    let v2 = out.stdout.lines().find(|l| l.starts_with("0::")).unwrap();
    assert!(v2.contains("/jail.slice/jail-"), "v2 tracks it too: {v2}");
    let u = &out.usage;
    assert!(u.wall_time < Duration::from_secs(10));
    assert!(u.peak_memory > 0 && u.peak_memory_source == "cgroup");
    assert_eq!(
        u.peak_processes.map(|n| (1..=3).contains(&n)),
        Some(true),
        "{u:?}"
    );
    assert_eq!((u.oom_kills, u.pids_limit_hits), (0, 0));
    let json = u.to_json();
    assert!(
        json.starts_with("{\"ended\":\"exit\",\"status\":3,\"exit_code\":3,"),
        "{json}"
    );
}

#[test]
fn v2_mechanics_on_the_unified_hierarchy() {
    const TEST: &str = "v2_mechanics_on_the_unified_hierarchy";
    if lacks_root(TEST) {
        return;
    }
    let Some(unified) = unified() else {
        return skip(TEST, "no cgroup v2 hierarchy is mounted");
    };
    // A fresh cgroup without limits is made in the unified hierarchy only.
    let group = JailCgroup::create(&Settings {
        fresh: true,
        ..Settings::default()
    })
    .expect("a v2 cgroup");
    let dirs: Vec<PathBuf> = group.dirs().map(Path::to_owned).collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    assert!(dirs[0].starts_with(&unified.mount), "{dirs:?}");
    let events = || std::fs::read_to_string(dirs[0].join("cgroup.events")).unwrap();
    assert!(events().contains("populated 0"));
    // Move a process in: cgroup.events says populated.
    let mut sleeper = std::process::Command::new("/bin/sleep")
        .arg("60")
        .spawn()
        .unwrap();
    group.add(sleeper.id() as libc::pid_t).unwrap();
    let procs = std::fs::read_to_string(dirs[0].join("cgroup.procs")).unwrap();
    assert_eq!(procs.trim(), sleeper.id().to_string());
    assert!(events().contains("populated 1"), "{}", events());
    assert!(group.populated());
    // cgroup.kill ends it.
    group.kill_all();
    let status = sleeper.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(libc::SIGKILL));
    assert!(events().contains("populated 0"));
    // Removal.
    group.finish();
    assert!(!dirs[0].exists());
}

#[test]
fn a_fresh_cgroup_kills_what_the_program_left_running() {
    const TEST: &str = "a_fresh_cgroup_kills_what_the_program_left_running";
    if lacks_root(TEST) {
        return;
    }
    let dir = TempDir::new("leftover");
    let pid_file = dir.path().join("pid");
    let mut jail = Jail::new();
    jail.new_cgroup();
    let script = format!(
        "sleep 60 </dev/null >/dev/null 2>&1 & echo $! > {}",
        pid_file.display()
    );
    let out = run_watched(&jail, "/bin/sh", &["-c", &script]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let pid: libc::pid_t = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        !alive(pid),
        "the background sleep {pid} ended with the jail"
    );
}

#[test]
fn a_failed_launch_leaves_no_cgroup() {
    const TEST: &str = "a_failed_launch_leaves_no_cgroup";
    if lacks_root(TEST) {
        return;
    }
    let Some(parent) = TestParent::new("failed", &[Controller::Pids]) else {
        return skip(TEST, "cannot make a test cgroup in the pids hierarchy");
    };
    // Fails in the child, after the cgroup was made and joined: an
    // RLIMIT_NOFILE above fs.nr_open.
    let mut jail = Jail::new();
    jail.cgroup_parent(&parent.path)
        .pids_limit(8)
        .rlimit(jail::Resource::NoFile, 1 << 40, 1 << 40);
    let err = jail.command("/bin/true").spawn().unwrap_err();
    assert!(err.to_string().contains("RLIMIT_NOFILE"), "{err}");
    assert_eq!(parent.children(), Vec::<PathBuf>::new());
    // Fails while writing the limits: memory.high has no v1 equivalent.
    if hierarchy_of(Controller::Memory).is_some_and(|h| h.version == Version::V1) {
        let mut jail = Jail::new();
        jail.pids_limit(8).memory_high(ByteSize::mib(64));
        let err = jail.command("/bin/true").spawn().unwrap_err();
        assert!(err.to_string().contains("memory.high"), "{err}");
    }
    // Fails before anything is made: a parent that does not exist.
    let mut jail = Jail::new();
    jail.cgroup_parent("/no-such-jail-parent").pids_limit(8);
    let err = jail.command("/bin/true").spawn().unwrap_err().to_string();
    assert!(
        err.contains("cgroup parent '/no-such-jail-parent' does not exist"),
        "{err}"
    );
    assert_eq!(parent.children(), Vec::<PathBuf>::new());
}

#[test]
fn cgroups_of_a_sigkilled_launcher_are_removed_by_the_next_launch() {
    const TEST: &str = "cgroups_of_a_sigkilled_launcher_are_removed_by_the_next_launch";
    if lacks_root(TEST) {
        return;
    }
    let Some(parent) = TestParent::new("sigkill", &[Controller::Pids]) else {
        return skip(TEST, "cannot make a test cgroup in the pids hierarchy");
    };
    let parent_arg = parent.path.to_string_lossy().into_owned();
    let mut launcher = std::process::Command::new(target_dir().join("battery-minijail0"))
        .args([
            "--cgroup-parent",
            &parent_arg,
            "--pids-limit",
            "8",
            "--",
            "/bin/sleep",
            "30",
        ])
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let stale = loop {
        // Joined once cgroup.procs lists the program.
        let joined = parent.children().into_iter().find(|d| {
            std::fs::read_to_string(d.join("cgroup.procs")).is_ok_and(|p| !p.trim().is_empty())
        });
        if let Some(d) = joined {
            break d;
        }
        assert!(
            Instant::now() < deadline,
            "the jail's cgroup never appeared"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    launcher.kill().unwrap();
    launcher.wait().unwrap();
    let left = parent.children();
    assert_eq!(left.len(), parent.dirs.len(), "one per hierarchy: {left:?}");
    // The program outlives its launcher (no parent-death signal asked);
    // end it, then launch again under the same parent.
    let pids = std::fs::read_to_string(stale.join("cgroup.procs")).unwrap();
    for pid in pids.split_whitespace() {
        // SAFETY: killing the orphaned sleep of this test.
        unsafe { libc::kill(pid.parse().unwrap(), libc::SIGKILL) };
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::fs::read_to_string(stale.join("cgroup.procs")).is_ok_and(|p| !p.trim().is_empty()) {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(10));
    }
    let status = std::process::Command::new(target_dir().join("battery-minijail0"))
        .args([
            "--cgroup-parent",
            &parent_arg,
            "--pids-limit",
            "8",
            "--",
            "/bin/true",
        ])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        parent.children(),
        Vec::<PathBuf>::new(),
        "stale {left:?} removed"
    );
}

#[test]
fn joining_an_existing_cgroup_still_works_alongside() {
    const TEST: &str = "joining_an_existing_cgroup_still_works_alongside";
    if lacks_root(TEST) {
        return;
    }
    let Some(pids) = hierarchy_of(Controller::Pids).filter(|h| h.version == Version::V1) else {
        return skip(TEST, "no v1 pids hierarchy to join beside the memory one");
    };
    let Some(memory) = hierarchy_of(Controller::Memory) else {
        return skip(TEST, "no memory controller");
    };
    let joined = pids
        .own_dir()
        .unwrap()
        .join(format!("jail-test-join-{}", std::process::id()));
    std::fs::create_dir(&joined).unwrap();
    let mut jail = Jail::new();
    jail.add_to_cgroup(&joined).memory_limit(ByteSize::mib(64));
    let out = run_watched(&jail, "/bin/cat", &["/proc/self/cgroup"]);
    let _ = std::fs::remove_dir(&joined);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let line = |c: &str| {
        out.stdout
            .lines()
            .find(|l| l.split(':').nth(1) == Some(c))
            .unwrap_or_else(|| panic!("{c}: {}", out.stdout))
            .to_owned()
    };
    assert!(line("pids").ends_with(&format!("/jail-test-join-{}", std::process::id())));
    if memory.version == Version::V1 {
        assert!(
            line("memory").contains("/jail.slice/jail-"),
            "{}",
            out.stdout
        );
    }
}

#[test]
fn minijail0_reports_usage_as_json_and_text() {
    const TEST: &str = "minijail0_reports_usage_as_json_and_text";
    if lacks_root(TEST) {
        return;
    }
    let dir = TempDir::new("usagejson");
    let json = dir.path().join("usage.json");
    let out = std::process::Command::new(target_dir().join("battery-minijail0"))
        .args([
            "--mem-limit",
            "32M",
            "--pids-limit",
            "8",
            "--usage",
            "--usage-json",
        ])
        .arg(&json)
        .arg("--")
        .arg(probe())
        .args(["hog", "512"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(137));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("jail usage: killed by the OOM killer"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(&json).unwrap();
    assert!(
        text.starts_with("{\"ended\":\"oom_kill\",\"status\":137,"),
        "{text}"
    );
    assert!(text.contains("\"peak_memory_source\":\"cgroup\""), "{text}");
}

/// The unprivileged half: a launcher inside a cgroup delegated to it (as
/// systemd's Delegate=yes gives) makes its jails there; without one, the
/// error names the missing delegation.
#[test]
fn an_unprivileged_launcher_uses_a_delegated_cgroup() {
    const TEST: &str = "an_unprivileged_launcher_uses_a_delegated_cgroup";
    if in_unprivileged_rerun() {
        let parent = std::env::var("JAIL_TEST_CGROUP_PARENT").expect("parent");
        let mut jail = Jail::new();
        jail.cgroup_parent(&parent)
            .pids_limit(8)
            .time_limit(Duration::from_secs(20));
        let out = run_watched(&jail, &probe(), &["forkbomb", "50"]);
        assert!(out.stdout.starts_with("started=7 "), "{}", out.stdout);
        assert!(out.usage.pids_limit_hits > 0);
        // Without a delegated cgroup: one line naming the missing delegation.
        let mut jail = Jail::new();
        jail.pids_limit(8);
        let err = jail.command("/bin/true").spawn().unwrap_err().to_string();
        assert!(
            err.contains("cannot create the jail's cgroup in")
                && err.contains("uid 65534 has no cgroup delegated there"),
            "{err}"
        );
        return;
    }
    if !is_root() {
        return skip(TEST, "needs root to delegate a cgroup to uid 65534");
    }
    let Some(parent) = TestParent::new("delegated", &[Controller::Pids]) else {
        return skip(TEST, "cannot make a test cgroup in the pids hierarchy");
    };
    parent.delegate_to_nobody();
    make_reachable(&target_dir());
    // The launcher must be inside the delegated v2 cgroup itself: moving a
    // process needs write access to the common ancestor's cgroup.procs.
    let procs: Vec<std::ffi::CString> = parent
        .dirs
        .iter()
        .filter(|d| d.starts_with(unified().map(|h| h.mount).unwrap_or_default()))
        .map(|d| std::ffi::CString::new(d.join("cgroup.procs").to_str().unwrap()).unwrap())
        .collect();
    let exe = std::env::current_exe().unwrap();
    let mut cmd = std::process::Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(exe)
        .args(["--exact", TEST, "--nocapture", "--test-threads=1"])
        .env(AS_USER_ENV, "1")
        .env("JAIL_TEST_CGROUP_PARENT", &parent.path);
    use std::os::unix::process::CommandExt;
    // SAFETY: the hook only opens, writes and closes prepared paths.
    unsafe {
        cmd.pre_exec(move || {
            for p in &procs {
                let fd = libc::open(p.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                if fd < 0 || libc::write(fd, b"0".as_ptr().cast(), 1) != 1 {
                    return Err(std::io::Error::last_os_error());
                }
                libc::close(fd);
            }
            Ok(())
        })
    };
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success() && text.contains("1 passed"), "{text}");
    assert_eq!(parent.children(), Vec::<PathBuf>::new());
}
