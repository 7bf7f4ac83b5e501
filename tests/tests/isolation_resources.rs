//! Resources: rlimits seen in /proc/self/limits, cgroup membership (v1
//! `tasks`, v2 `cgroup.procs`, several at once), the pid file.

use std::path::{Path, PathBuf};

use jail::{Jail, Namespace};
use jail_tests::iso::*;
use jail_tests::support::*;

/// The (soft, hard) of a limit as /proc/self/limits prints it.
fn limit(limits: &str, title: &str) -> (String, String) {
    let line = limits
        .lines()
        .find(|l| l.starts_with(title))
        .unwrap_or_else(|| panic!("{title} in {limits}"));
    let fields: Vec<&str> = line[25..].split_whitespace().collect();
    (fields[0].to_owned(), fields[1].to_owned())
}

#[test]
fn rlimits_by_name_number_and_unlimited() {
    let mut jail = Jail::new();
    jail.rlimit_by_name("RLIMIT_NOFILE", "64", "128")
        .unwrap()
        .rlimit_by_name("core", "0", "unlimited")
        .unwrap()
        .rlimit_by_name(&(libc::RLIMIT_NPROC as i32).to_string(), "0x100", "0x200")
        .unwrap();
    let limits = sh_ok(&jail, "cat /proc/self/limits; ulimit -n");
    assert_eq!(
        limit(&limits, "Max open files"),
        ("64".into(), "128".into()),
        "{limits}"
    );
    assert_eq!(
        limit(&limits, "Max core file size"),
        ("0".into(), "unlimited".into())
    );
    assert_eq!(
        limit(&limits, "Max processes"),
        ("256".into(), "512".into())
    );
    assert!(limits.ends_with("64\n"), "the shell sees it too: {limits}");
}

/// Each typed resource, with its title in /proc/self/limits and a
/// (soft, hard) to set that no default has.
const TYPED: [(jail::Resource, &str, u64, u64); 16] = {
    use jail::Resource::*;
    [
        (Cpu, "Max cpu time", 1000, 2000),
        (FileSize, "Max file size", 1 << 30, 1 << 31),
        (Data, "Max data size", 1 << 34, 1 << 35),
        (Stack, "Max stack size", 6 << 20, 12 << 20),
        (Core, "Max core file size", 4096, 8192),
        (Rss, "Max resident set", 1 << 33, 1 << 34),
        (NProc, "Max processes", 3000, 3001),
        (NoFile, "Max open files", 64, 128),
        (MemLock, "Max locked memory", 16384, 32768),
        (As, "Max address space", 1 << 40, 1 << 41),
        (Locks, "Max file locks", 1000, 2000),
        (SigPending, "Max pending signals", 100, 200),
        (MsgQueue, "Max msgqueue size", 4096, 8192),
        (Nice, "Max nice priority", 5, 10),
        (RtPrio, "Max realtime priority", 3, 6),
        (RtTime, "Max realtime timeout", 1_000_000, 2_000_000),
    ]
};

/// Every [`jail::Resource`] is the limit the program sees under that
/// resource's title, in the resource's unit: not another resource's.
/// Limits are lowered to the launcher's own hard limit, which only
/// CAP_SYS_RESOURCE may raise (a container's root may lack it).
#[test]
fn each_typed_resource_is_the_limit_the_program_sees() {
    let mut jail = Jail::new();
    let mut expected = Vec::new();
    for (resource, title, soft, hard) in TYPED {
        let mut own = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes one rlimit into `own`.
        assert_eq!(unsafe { libc::getrlimit(resource.raw() as _, &mut own) }, 0);
        let (soft, hard) = (soft.min(own.rlim_max), hard.min(own.rlim_max));
        jail.rlimit(resource, soft, hard);
        expected.push((title, soft.to_string(), hard.to_string()));
    }
    let limits = sh_ok(&jail, "cat /proc/self/limits");
    for (title, soft, hard) in expected {
        assert_eq!(limit(&limits, title), (soft, hard), "{title}: {limits}");
    }
}

#[test]
fn rlimits_apply_in_a_pid_namespace_too() {
    require_root!();
    let mut jail = Jail::new();
    jail.namespace(Namespace::Pid)
        .rlimit(jail::Resource::NoFile, 32, 32);
    let limits = sh_ok(&jail, "cat /proc/self/limits");
    assert_eq!(limit(&limits, "Max open files"), ("32".into(), "32".into()));
}

/// The limits are set after the child's own fd moves (which dup above
/// every target) and its init fork: a limit the program can live with
/// works. Below that, in preload mode, the loader would have no fd for
/// the preload library: refused before fork.
#[test]
fn a_small_file_limit_works_and_one_the_loader_cannot_live_with_is_refused() {
    for pid_ns in [false, true] {
        if pid_ns && !is_root() {
            skip_part!("pid namespace", "needs root");
            continue;
        }
        let mut jail = Jail::new();
        jail.no_new_privs().rlimit(jail::Resource::NoFile, 5, 5);
        if pid_ns {
            jail.namespace(Namespace::Pid);
        }
        let limits = sh_ok(&jail, "cat /proc/self/limits");
        assert_eq!(limit(&limits, "Max open files"), ("5".into(), "5".into()));
    }
    let mut jail = Jail::new();
    jail.no_new_privs().rlimit(jail::Resource::NoFile, 4, 4);
    let e = try_sh(&jail, "true").unwrap_err().to_string();
    assert_eq!(
        e,
        "RLIMIT_NOFILE soft limit 4: the program starts with fds 0 to 3 open, so the dynamic loader would have no fd left to open the preload library (and would run the program without the jail): raise the limit to at least 5, or use no-preload mode (-T static)"
    );
    // Without a preload (nothing for stage 2) the loader has fd 3.
    let mut plain = Jail::new();
    plain.rlimit(jail::Resource::NoFile, 4, 4);
    let limits = sh_ok(&plain, "cat /proc/self/limits");
    assert_eq!(limit(&limits, "Max open files"), ("4".into(), "4".into()));
}

#[test]
fn bad_rlimits_are_refused() {
    let mut jail = Jail::new();
    let e = jail
        .rlimit_by_name("NOFLIE", "1", "2")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("NOFLIE") && e.contains("did you mean NOFILE"),
        "{e}"
    );
    let e = jail
        .rlimit_by_name("NOFILE", "10", "5")
        .unwrap_err()
        .to_string();
    assert!(e.contains("soft limit 10 is above hard limit 5"), "{e}");
    let e = jail
        .rlimit_by_name("NOFILE", "ten", "5")
        .unwrap_err()
        .to_string();
    assert!(e.contains("'ten'"), "{e}");
    // Through the numeric setter, the check is made before fork.
    let mut jail = Jail::new();
    jail.rlimit(jail::Resource::NoFile, 10, 5);
    let e = try_sh(&jail, "true").unwrap_err();
    assert!(!matches!(e, jail::LaunchError::Child { .. }), "{e}");
    assert!(e.to_string().contains("above hard limit"), "{e}");
}

/// A cgroup made for one test and removed after.
struct TestCgroup(PathBuf);

impl TestCgroup {
    fn new(hierarchy: &str, tag: &str) -> Option<TestCgroup> {
        let base = Path::new("/sys/fs/cgroup").join(hierarchy);
        if !base.is_dir() {
            return None;
        }
        let dir = base.join(format!("jail-test-{tag}-{}", std::process::id()));
        std::fs::create_dir(&dir).ok()?;
        Some(TestCgroup(dir))
    }

    fn relative(&self) -> String {
        let s = self.0.to_string_lossy();
        let rest = s.strip_prefix("/sys/fs/cgroup/").unwrap();
        format!("/{}", rest.split_once('/').unwrap().1)
    }
}

impl Drop for TestCgroup {
    fn drop(&mut self) {
        for _ in 0..50 {
            if std::fs::remove_dir(&self.0).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

#[test]
fn joins_v1_and_v2_cgroups_at_once() {
    require_root!();
    // This machine's layout: v1 controllers and v2 under unified/, or pure v2.
    let (v2_name, v1) = if Path::new("/sys/fs/cgroup/unified").is_dir() {
        ("unified", TestCgroup::new("pids", "v1"))
    } else {
        ("", None)
    };
    let Some(v2) = TestCgroup::new(v2_name, "v2") else {
        skip!("no writable cgroup v2 hierarchy at /sys/fs/cgroup/{v2_name}");
    };
    let mut jail = Jail::new();
    // v2 by directory (cgroup.procs is found), v1 by its tasks file.
    jail.add_to_cgroup(&v2.0);
    if let Some(v1) = &v1 {
        jail.add_to_cgroup(v1.0.join("tasks"));
    }
    let out = sh_ok(&jail, "cat /proc/self/cgroup");
    let v2_line = out.lines().find(|l| l.starts_with("0::")).expect("v2 line");
    assert_eq!(v2_line, format!("0::{}", v2.relative()), "{out}");
    if let Some(v1) = &v1 {
        let pids = out
            .lines()
            .find(|l| l.contains(":pids:"))
            .expect("pids line");
        assert!(pids.ends_with(&format!(":pids:{}", v1.relative())), "{out}");
    }
}

#[test]
fn missing_cgroup_is_refused_before_fork() {
    let mut jail = Jail::new();
    jail.add_to_cgroup(Path::new("/sys/fs/cgroup/no-such-jail-cgroup"));
    let e = try_sh(&jail, "true").unwrap_err().to_string();
    assert!(
        e.contains("no-such-jail-cgroup") && e.contains("does not exist"),
        "{e}"
    );
}

#[test]
fn pid_file_holds_the_jailed_pid() {
    let dir = TempDir::new("pidfile");
    let file = dir.path().join("pid");
    let mut jail = Jail::new();
    jail.write_pid_file(&file);
    let mut cmd = jail::Command::new("/bin/sh");
    cmd.args(["-c", "echo $$"]).stdout(jail::Stdio::Piped);
    let mut child = jail.spawn(&cmd).unwrap();
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(written, format!("{}\n", child.pid()));
    let mut out = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut out).unwrap();
    assert_eq!(
        out.trim(),
        child.pid().to_string(),
        "the shell is that process"
    );
    assert!(child.wait().unwrap().success());
}
