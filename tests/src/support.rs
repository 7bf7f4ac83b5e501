//! Running jailed programs and reading what they report.

use std::path::{Path, PathBuf};

use jail::{Command, Jail, Stdio};

/// What a jailed program did: how it ended, stdout, stderr.
#[derive(Debug)]
pub struct Outcome {
    /// The status as minijail reports it (see [`Outcome::exit`]).
    pub status: i32,
    /// How it ended: exit code, signal, seccomp kill.
    pub exit: jail::ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// The value of `key=` in `key=value` lines.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.stdout
            .lines()
            .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
    }
}

/// Run `cmd` in `jail` with piped stdout and stderr and wait for it:
/// [`jail::JailCommand::output`] for a prepared [`Command`].
pub fn run(jail: &Jail, cmd: &mut Command) -> Result<Outcome, jail::LaunchError> {
    cmd.stdout(Stdio::Piped).stderr(Stdio::Piped);
    let out = jail.spawn(cmd)?.wait_with_output().expect("wait");
    Ok(Outcome {
        status: out.status.minijail_status(),
        exit: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Run `program args...` in `jail` and wait.
pub fn run_program(jail: &Jail, program: &str, args: &[&str]) -> Outcome {
    let mut cmd = Command::new(program);
    cmd.args(args);
    run(jail, &mut cmd).unwrap_or_else(|e| panic!("launching {program}: {e}"))
}

/// The workspace's target directory for this profile: test binaries run
/// from `target/<profile>/deps`, next to which cargo puts the probe binary
/// and the preload library.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe.parent().expect("exe dir");
    if dir.ends_with("deps") {
        dir.parent().expect("profile dir").to_owned()
    } else {
        dir.to_owned()
    }
}

/// The probe program built with the tests.
pub fn probe() -> String {
    target_dir().join("probe").to_string_lossy().into_owned()
}

/// Run the probe in `jail` with `args`.
pub fn run_probe(jail: &Jail, args: &[&str]) -> Outcome {
    run_program(jail, &probe(), args)
}

/// This process's children, running or zombie, over all its threads.
pub fn child_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .flatten()
        .map(|t| {
            std::fs::read_to_string(t.path().join("children"))
                .unwrap_or_default()
                .split_whitespace()
                .count()
        })
        .sum()
}

/// The preload library of this build.
pub fn preload_library() -> PathBuf {
    target_dir().join("libjailpreload.so")
}

pub use jail_testkit::{is_root, require_root, skip, skip_part, TempDir};

/// Number of open fds in this process.
pub fn open_fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// The marker that tells a test binary re-run under `setpriv` to do the
/// unprivileged half of a test.
pub const AS_USER_ENV: &str = "JAIL_TEST_AS_USER";

/// Whether this process is the unprivileged re-run of a test.
pub fn in_unprivileged_rerun() -> bool {
    std::env::var_os(AS_USER_ENV).is_some()
}

/// Re-run test `name` of the current test binary as uid/gid 65534 and
/// return its (success, combined output). The binary and the probe must be
/// reachable by that user: tests live under a world-readable target dir.
pub fn rerun_unprivileged(name: &str) -> (bool, String) {
    let exe = std::env::current_exe().expect("current exe");
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(exe)
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(AS_USER_ENV, "1")
        .output()
        .expect("setpriv");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success() && text.contains("1 passed"), text)
}

/// Make every directory from `path` up to `/` traversable by others, so an
/// unprivileged re-run can reach the test binaries.
pub fn make_reachable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut p = Some(path);
    while let Some(dir) = p {
        if let Ok(meta) = std::fs::metadata(dir) {
            let mut perm = meta.permissions();
            perm.set_mode(perm.mode() | 0o711);
            let _ = std::fs::set_permissions(dir, perm);
        }
        p = dir.parent();
    }
}
