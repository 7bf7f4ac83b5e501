//! Helpers for the isolation tests: jailed shells, host snapshots, and the
//! checks that a test left nothing behind on the host.

use std::path::Path;

use jail::{Command, Jail, LaunchError};

use crate::support::{run, Outcome};

/// Run `/bin/sh -c script` in `jail` with piped stdout/stderr and wait.
pub fn try_sh(jail: &Jail, script: &str) -> Result<Outcome, LaunchError> {
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", script]);
    run(jail, &mut cmd)
}

/// Like [`try_sh`], panicking if the jail could not be launched.
pub fn sh(jail: &Jail, script: &str) -> Outcome {
    try_sh(jail, script).unwrap_or_else(|e| panic!("launching sh -c {script:?}: {e}"))
}

/// Like [`sh`], and the shell must exit 0; returns its stdout.
pub fn sh_ok(jail: &Jail, script: &str) -> String {
    let out = sh(jail, script);
    assert_eq!(out.status, 0, "sh -c {script:?} failed: {out:?}");
    out.stdout
}

/// The namespace link of this (test) process, e.g. `net:[4026531840]`.
pub fn host_ns(kind: &str) -> String {
    std::fs::read_link(format!("/proc/self/ns/{kind}"))
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// This process's mountinfo.
pub fn mountinfo() -> String {
    std::fs::read_to_string("/proc/self/mountinfo").expect("read mountinfo")
}

/// Mount points (field 5) of mountinfo text, in order.
pub fn mount_points(mountinfo: &str) -> Vec<String> {
    mountinfo
        .lines()
        .filter_map(|l| l.split(' ').nth(4).map(str::to_owned))
        .collect()
}

/// One parsed mountinfo line.
#[derive(Debug, Clone)]
pub struct MountLine {
    pub mount_point: String,
    /// Per-mount options (ro/rw, nosuid, ...).
    pub options: Vec<String>,
    /// Optional fields (shared:N, master:N, unbindable).
    pub propagation: Vec<String>,
    pub fstype: String,
    pub source: String,
    pub super_options: String,
    pub root: String,
}

impl MountLine {
    pub fn has_option(&self, opt: &str) -> bool {
        self.options.iter().any(|o| o == opt)
    }

    pub fn is_private(&self) -> bool {
        self.propagation.is_empty()
    }
}

/// Parse mountinfo text.
pub fn parse_mountinfo(text: &str) -> Vec<MountLine> {
    text.lines()
        .filter_map(|l| {
            let fields: Vec<&str> = l.split(' ').collect();
            let sep = fields.iter().position(|f| *f == "-")?;
            Some(MountLine {
                root: fields.get(3)?.to_string(),
                mount_point: fields.get(4)?.to_string(),
                options: fields.get(5)?.split(',').map(str::to_owned).collect(),
                propagation: fields[6..sep].iter().map(|s| s.to_string()).collect(),
                fstype: fields.get(sep + 1)?.to_string(),
                source: fields.get(sep + 2)?.to_string(),
                super_options: fields.get(sep + 3).unwrap_or(&"").to_string(),
            })
        })
        .collect()
}

/// The last (topmost) mount at `point` in parsed mountinfo.
pub fn mount_at<'a>(mounts: &'a [MountLine], point: &str) -> Option<&'a MountLine> {
    mounts.iter().rev().find(|m| m.mount_point == point)
}

/// A snapshot of what the host (this test process) looks like: its mounts
/// and namespaces. [`HostSnapshot::assert_unchanged`] checks a test left
/// no mount or namespace behind.
pub struct HostSnapshot {
    mounts: Vec<String>,
    ns: Vec<String>,
}

const NS_KINDS: [&str; 8] = ["mnt", "pid", "ipc", "uts", "net", "cgroup", "user", "time"];

impl HostSnapshot {
    pub fn take() -> HostSnapshot {
        HostSnapshot {
            mounts: mount_lines_without_ids(&mountinfo()),
            ns: NS_KINDS.iter().map(|k| host_ns(k)).collect(),
        }
    }

    pub fn assert_unchanged(&self) {
        let now = HostSnapshot::take();
        assert_eq!(self.ns, now.ns, "the test process's namespaces changed");
        let added: Vec<_> = now
            .mounts
            .iter()
            .filter(|m| !self.mounts.contains(m))
            .collect();
        let removed: Vec<_> = self
            .mounts
            .iter()
            .filter(|m| !now.mounts.contains(m))
            .collect();
        assert!(
            added.is_empty() && removed.is_empty(),
            "the host's mounts changed: added {added:#?}, removed {removed:#?}"
        );
    }
}

fn mount_lines_without_ids(text: &str) -> Vec<String> {
    // Mount ids can be reused; the rest of the line identifies a mount.
    text.lines()
        .map(|l| l.splitn(3, ' ').nth(2).unwrap_or("").to_owned())
        .collect()
}

/// Whether a process exists (and is not a zombie we own).
pub fn process_exists(pid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks for existence.
    unsafe { libc::kill(pid, 0) == 0 }
}

/// Build a small root under `dir` with /bin, /lib, /lib64, /usr, /proc,
/// /dev, /tmp as empty directories (mount points for the jail's binds).
pub fn make_root(dir: &Path) {
    for d in ["bin", "lib", "lib64", "sbin"] {
        let host = Path::new("/").join(d);
        match std::fs::read_link(&host) {
            Ok(target) => std::os::unix::fs::symlink(target, dir.join(d)).expect("symlink in root"),
            Err(_) => std::fs::create_dir_all(dir.join(d)).expect("mkdir in root"),
        }
    }
    for d in ["usr", "proc", "dev", "tmp", "etc", "work"] {
        std::fs::create_dir_all(dir.join(d)).expect("mkdir in root");
    }
}

/// Bind the system's program directories read-only into `root` through
/// the jail, so a shell runs there.
pub fn bind_system(jail: &mut Jail, root: &Path) {
    let _ = root;
    for d in ["/bin", "/lib", "/lib64", "/usr", "/sbin"] {
        if Path::new(d).exists()
            && !std::fs::symlink_metadata(d)
                .unwrap()
                .file_type()
                .is_symlink()
        {
            jail.bind(Path::new(d), Path::new(d), false);
        }
    }
}
