//! Where the cgroup hierarchies are mounted, which controllers each one
//! holds, and which cgroup this process is in, from /proc/self/mountinfo
//! and /proc/self/cgroup. A hybrid host has both kinds: controllers bound
//! to v1 hierarchies are missing from the v2 one, so each controller is
//! looked up where it really lives.

use std::path::{Path, PathBuf};

use super::{CgroupError, Controller};

/// A cgroup hierarchy's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// Legacy: one hierarchy per controller (or group of them).
    V1,
    /// Unified.
    V2,
}

/// One mounted hierarchy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hierarchy {
    /// Whether it is a v1 (per-controller) or the v2 (unified) hierarchy.
    pub version: Version,
    /// Where it is mounted.
    pub mount: PathBuf,
    /// The cgroup at the mount point, as a path inside the hierarchy.
    pub mount_root: PathBuf,
    /// v1: the controllers bound to it; v2: those its root offers.
    pub controllers: Vec<String>,
    /// The launcher's own cgroup in it, as a path inside the hierarchy.
    pub own: Option<PathBuf>,
}

impl Hierarchy {
    /// Whether `c` lives here.
    pub fn has(&self, c: Controller) -> bool {
        let name = match self.version {
            Version::V1 => c.v1_name(),
            Version::V2 => c.v2_name(),
        };
        self.controllers.iter().any(|n| n == name)
    }

    /// The directory of cgroup `path` (a path inside the hierarchy), if
    /// it lies beneath the mount.
    pub fn dir_of(&self, path: &Path) -> Option<PathBuf> {
        let rel = path.strip_prefix(&self.mount_root).ok()?;
        Some(self.mount.join(rel))
    }

    /// The launcher's own cgroup directory.
    pub fn own_dir(&self) -> Option<PathBuf> {
        self.dir_of(self.own.as_deref()?)
    }
}

/// The v1 controllers (the rest of a v1 mount's options are flags).
const V1_CONTROLLERS: &[&str] = &[
    "blkio",
    "cpu",
    "cpuacct",
    "cpuset",
    "devices",
    "freezer",
    "hugetlb",
    "memory",
    "misc",
    "net_cls",
    "net_prio",
    "perf_event",
    "pids",
    "rdma",
];

/// Every cgroup hierarchy this process can see.
pub fn discover() -> Result<Vec<Hierarchy>, CgroupError> {
    let read = |p: &str| {
        std::fs::read_to_string(p).map_err(|e| CgroupError::Io {
            what: "reading",
            path: p.into(),
            source: e,
        })
    };
    let mountinfo = read("/proc/self/mountinfo")?;
    let membership = read("/proc/self/cgroup")?;
    Ok(parse(&mountinfo, &membership, |mount| {
        std::fs::read_to_string(mount.join("cgroup.controllers")).unwrap_or_default()
    }))
}

/// Octal escapes (`\040`) in mountinfo paths.
fn unescape(field: &str) -> String {
    let b = field.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The parsing behind [`discover`]; `v2_controllers` reads a v2 mount's
/// `cgroup.controllers`.
pub fn parse(
    mountinfo: &str,
    membership: &str,
    v2_controllers: impl Fn(&Path) -> String,
) -> Vec<Hierarchy> {
    let mut out: Vec<Hierarchy> = Vec::new();
    for line in mountinfo.lines() {
        let Some((pre, post)) = line.split_once(" - ") else {
            continue;
        };
        let pre: Vec<&str> = pre.split(' ').collect();
        let post: Vec<&str> = post.split(' ').collect();
        if pre.len() < 5 || post.len() < 3 {
            continue;
        }
        let (root, mount) = (
            PathBuf::from(unescape(pre[3])),
            PathBuf::from(unescape(pre[4])),
        );
        let version = match post[0] {
            "cgroup" => Version::V1,
            "cgroup2" => Version::V2,
            _ => continue,
        };
        let controllers: Vec<String> = match version {
            Version::V1 => post[2]
                .split(',')
                .filter(|o| V1_CONTROLLERS.contains(o))
                .map(str::to_owned)
                .collect(),
            Version::V2 => v2_controllers(&mount)
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        };
        // The same hierarchy mounted twice: keep the first mount.
        if out
            .iter()
            .any(|h| h.version == version && h.controllers == controllers && version == Version::V1)
            || (version == Version::V2 && out.iter().any(|h| h.version == Version::V2))
        {
            continue;
        }
        // A named v1 hierarchy without controllers (name=systemd) holds
        // nothing a jail can use.
        if version == Version::V1 && controllers.is_empty() {
            continue;
        }
        let own = own_path(membership, version, &controllers);
        out.push(Hierarchy {
            version,
            mount,
            mount_root: root,
            controllers,
            own,
        });
    }
    out
}

/// This process's cgroup in a hierarchy, from /proc/self/cgroup lines
/// `ID:controllers:path` (v2: `0::path`).
fn own_path(membership: &str, version: Version, controllers: &[String]) -> Option<PathBuf> {
    membership.lines().find_map(|line| {
        let mut parts = line.splitn(3, ':');
        let (_, names, path) = (parts.next()?, parts.next()?, parts.next()?);
        let matches = match version {
            Version::V2 => names.is_empty(),
            Version::V1 => {
                let mut listed: Vec<&str> = names
                    .split(',')
                    .filter(|n| !n.starts_with("name="))
                    .collect();
                let mut wanted: Vec<&str> = controllers.iter().map(String::as_str).collect();
                listed.sort_unstable();
                wanted.sort_unstable();
                !names.is_empty() && listed == wanted
            }
        };
        matches.then(|| PathBuf::from(path))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID_MOUNTS: &str = "\
30 24 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw
32 30 0:28 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd
33 30 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
34 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
35 30 0:31 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
";
    const HYBRID_CGROUP: &str = "\
5:pids:/
4:cpu,cpuacct:/user.slice
3:memory:/process_api/abc
1:name=systemd:/
0::/init.scope
";

    #[test]
    fn hybrid_hosts_give_each_controller_its_hierarchy() {
        let hs = parse(HYBRID_MOUNTS, HYBRID_CGROUP, |_| "hugetlb\n".into());
        assert_eq!(hs.len(), 4, "{hs:?}");
        let v2 = &hs[0];
        assert_eq!(v2.version, Version::V2);
        assert_eq!(v2.controllers, ["hugetlb"]);
        assert_eq!(
            v2.own_dir().unwrap(),
            Path::new("/sys/fs/cgroup/unified/init.scope")
        );
        let memory = hs.iter().find(|h| h.has(Controller::Memory)).unwrap();
        assert_eq!(memory.version, Version::V1);
        assert_eq!(
            memory.own_dir().unwrap(),
            Path::new("/sys/fs/cgroup/memory/process_api/abc")
        );
        let cpu = hs.iter().find(|h| h.has(Controller::Cpu)).unwrap();
        assert_eq!(cpu.own.as_deref(), Some(Path::new("/user.slice")));
        assert!(!hs.iter().any(|h| h.has(Controller::Io)));
    }

    #[test]
    fn a_cgroup_namespace_mount_maps_paths_below_its_root() {
        let mounts = "40 1 0:27 /lxc/c1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
        let hs = parse(mounts, "0::/lxc/c1/app\n", |_| {
            "memory pids cpu io\n".into()
        });
        assert_eq!(hs.len(), 1);
        assert!(hs[0].has(Controller::Memory) && hs[0].has(Controller::Io));
        assert_eq!(hs[0].own_dir().unwrap(), Path::new("/sys/fs/cgroup/app"));
        assert_eq!(hs[0].dir_of(Path::new("/elsewhere")), None);
    }

    #[test]
    fn escaped_mount_points_are_decoded() {
        assert_eq!(unescape("/a\\040b"), "/a b");
        assert_eq!(unescape("/plain"), "/plain");
    }
}
