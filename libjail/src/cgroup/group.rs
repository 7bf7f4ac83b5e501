//! One jail's cgroup: a directory in each hierarchy it needs, created
//! before fork, joined by the child while it waits on the launcher,
//! emptied and removed when the jail ends.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::control_files::{read_file, Stats};
use super::hierarchy::{self, Hierarchy, Version};
use super::{v1, v2, CgroupError, Controller, Settings};

/// The directory jail cgroups go in beneath the launcher's own cgroup.
pub const SLICE: &str = "jail.slice";
/// Every jail cgroup's name starts so: `jail-PID-STARTTIME-SEQ`.
const PREFIX: &str = "jail-";

/// Kills every process of one jail's cgroup; holds only paths, so it
/// can outlive the cgroup (writing to a removed one does nothing, and a
/// jail cgroup's name is never reused).
#[derive(Clone, Debug)]
pub struct KillSwitch {
    /// The v2 node, for cgroup.kill.
    v2: Option<PathBuf>,
    /// Any node, to list the processes.
    any: PathBuf,
}

impl KillSwitch {
    fn pids(&self) -> Vec<libc::pid_t> {
        read_file(&self.any, "cgroup.procs")
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    }

    /// SIGKILL every process in the cgroup. True when it was done at once
    /// (v2 cgroup.kill); otherwise each listed process was signalled, and
    /// one forked meanwhile needs another round (a killed process forks
    /// nothing, so rounds end).
    pub fn fire(&self) -> bool {
        if self.v2.as_ref().is_some_and(|d| v2::kill(d)) {
            return true;
        }
        for pid in self.pids() {
            // SAFETY: SIGKILL to a process of the jail's own cgroup.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        false
    }
}

/// One directory of the jail's cgroup.
#[derive(Debug)]
struct Node {
    version: Version,
    dir: PathBuf,
    /// The `jail.slice` it is in, when the launcher's own cgroup is the parent.
    slice: Option<PathBuf>,
}

/// A cgroup made for one jail. Dropping it kills what is left in it (when
/// armed) and removes it.
#[derive(Debug)]
pub struct JailCgroup {
    nodes: Vec<Node>,
    kill_on_drop: bool,
    /// Each node's cgroup.procs, open for writing until the child joined.
    procs: Vec<std::os::fd::OwnedFd>,
}

/// `PID-STARTTIME` of this process: start time (clock ticks since boot)
/// tells a reused pid from the launcher that made a cgroup.
fn owner_tag() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| {
        let pid = std::process::id();
        format!("{pid}-{}", start_time(pid).unwrap_or(0))
    })
}

fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Field 22; the name (field 2) may hold spaces and parentheses.
    let after = &stat[stat.rfind(')')? + 2..];
    after.split(' ').nth(19)?.parse().ok()
}

/// Whether the launcher that named a cgroup `jail-PID-START-SEQ` is gone.
fn owner_gone(name: &str) -> bool {
    let mut parts = name.strip_prefix(PREFIX).unwrap_or("").split('-');
    let (Some(pid), Some(start)) = (parts.next(), parts.next()) else {
        return false;
    };
    let (Ok(pid), Ok(start)) = (pid.parse::<u32>(), start.parse::<u64>()) else {
        return false;
    };
    start_time(pid) != Some(start)
}

/// Remove the empty jail cgroups in `base` whose launcher is gone and
/// that this user made; populated ones are left (rmdir refuses them).
pub fn remove_stale(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !name.starts_with(PREFIX) || !owner_gone(&name) {
            continue;
        }
        let path = entry.path();
        if std::fs::metadata(&path).is_ok_and(|m| m.is_dir() && (uid == 0 || m.uid() == uid)) {
            let _ = std::fs::remove_dir(&path);
        }
    }
}

fn mkdir_error(dir: &Path, source: std::io::Error) -> CgroupError {
    match source.raw_os_error() {
        Some(libc::EACCES | libc::EPERM | libc::EROFS) => CgroupError::NotDelegated {
            dir: dir.to_owned(),
            // SAFETY: geteuid has no preconditions.
            uid: unsafe { libc::geteuid() },
            source,
        },
        _ => CgroupError::Io {
            what: "creating the jail's cgroup in",
            path: dir.to_owned(),
            source,
        },
    }
}

/// The controllers each hierarchy carries for this jail: every limited
/// controller where it lives, plus v2 (with none) for cgroup.kill and
/// accounting when nothing else needs it. The bool: the node may be
/// skipped when it cannot be made.
fn placement(
    hs: &[Hierarchy],
    wanted: &[Controller],
) -> Result<Vec<(usize, Vec<Controller>, bool)>, CgroupError> {
    let mut out: Vec<(usize, Vec<Controller>, bool)> = Vec::new();
    for &c in wanted {
        let at = |v: Version| hs.iter().position(|h| h.version == v && h.has(c));
        let idx = at(Version::V2)
            .or_else(|| at(Version::V1))
            .ok_or(CgroupError::ControllerMissing {
            controller: c.v2_name(),
            hint:
                "mount it, or enable it in the parent's cgroup.subtree_control, or drop the limit",
        })?;
        match out.iter_mut().find(|(i, _, _)| *i == idx) {
            Some((_, cs, _)) => cs.push(c),
            None => out.push((idx, vec![c], false)),
        }
    }
    if let Some(v2) = hs.iter().position(|h| h.version == Version::V2) {
        if !out.iter().any(|(i, _, _)| *i == v2) {
            out.push((v2, Vec::new(), !out.is_empty()));
        }
    }
    if out.is_empty() {
        // No v2 and no limits: any v1 hierarchy tracks the processes.
        let track = hs
            .iter()
            .position(|h| h.has(Controller::Pids))
            .or_else(|| (!hs.is_empty()).then_some(0))
            .ok_or(CgroupError::ControllerMissing {
                controller: "any",
                hint: "mount a cgroup hierarchy (cgroup2 on /sys/fs/cgroup)",
            })?;
        out.push((track, Vec::new(), false));
    }
    Ok(out)
}

/// Where a hierarchy's jail cgroups go: (base directory, slice to make).
fn base_dir(
    h: &Hierarchy,
    parent: Option<&Path>,
) -> Result<(PathBuf, Option<PathBuf>), CgroupError> {
    let label = match h.version {
        Version::V2 => "unified (v2)".to_owned(),
        Version::V1 => h.controllers.join(","),
    };
    match parent {
        Some(p) => {
            // A directory under this mount, or a path inside the hierarchy.
            let inside = match p.strip_prefix(&h.mount) {
                Ok(rel) => h.mount_root.join(rel),
                Err(_) => p.to_owned(),
            };
            let dir = h.dir_of(&inside).filter(|d| d.is_dir());
            let dir = dir.ok_or_else(|| {
                CgroupError::NoParent(
                    p.to_owned(),
                    label,
                    h.mount.join(inside.strip_prefix("/").unwrap_or(&inside)),
                )
            })?;
            Ok((dir, None))
        }
        None => {
            let own = h.own_dir().ok_or(CgroupError::NoOwnCgroup(label))?;
            let slice = own.join(SLICE);
            Ok((slice.clone(), Some(slice)))
        }
    }
}

impl JailCgroup {
    /// Make the jail's cgroup with `settings`' limits, beneath the
    /// caller's parent or the launcher's own cgroup.
    pub fn create(settings: &Settings) -> Result<JailCgroup, CgroupError> {
        settings.limits.check()?;
        let hs = hierarchy::discover()?;
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "{PREFIX}{}-{}",
            owner_tag(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let mut group = JailCgroup {
            nodes: Vec::new(),
            kill_on_drop: true,
            procs: Vec::new(),
        };
        for (idx, controllers, optional) in placement(&hs, &settings.limits.controllers())? {
            let h = &hs[idx];
            let node = match Self::make_node(h, settings.parent.as_deref(), &name, &controllers) {
                Ok(node) => node,
                Err(_) if optional => {
                    crate::log::info("no cgroup v2 node for the jail (not delegated here): using the v1 hierarchies alone");
                    continue;
                }
                Err(e) => return Err(e),
            };
            // Owned from here: a failed limit removes it with the rest.
            group.nodes.push(node);
            let dir = &group.nodes.last().expect("just pushed").dir;
            match h.version {
                Version::V2 => v2::apply(dir, &settings.limits, &controllers)?,
                Version::V1 => {
                    for &c in &controllers {
                        v1::apply(dir, &settings.limits, c)?;
                    }
                }
            }
        }
        for node in &group.nodes {
            let path = node.dir.join("cgroup.procs");
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|source| CgroupError::Io {
                    what: "opening",
                    path,
                    source,
                })?;
            group.procs.push(file.into());
        }
        Ok(group)
    }

    /// The open cgroup.procs files: a process writing "0" into each joins
    /// the jail's cgroup (write access was checked when they were opened).
    pub fn procs_fds(&self) -> Vec<libc::c_int> {
        use std::os::fd::AsRawFd;
        self.procs.iter().map(|f| f.as_raw_fd()).collect()
    }

    /// Create `name` in hierarchy `h`, making and enabling the slice first;
    /// retried when another launcher removes an empty slice meanwhile.
    fn make_node(
        h: &Hierarchy,
        parent: Option<&Path>,
        name: &str,
        controllers: &[Controller],
    ) -> Result<Node, CgroupError> {
        let (base, slice) = base_dir(h, parent)?;
        let mut attempts = 0;
        loop {
            attempts += 1;
            if let Some(slice) = &slice {
                if let Err(e) = std::fs::create_dir(slice) {
                    if e.kind() != std::io::ErrorKind::AlreadyExists {
                        return Err(mkdir_error(slice.parent().unwrap_or(slice), e));
                    }
                }
            }
            if h.version == Version::V2 && !controllers.is_empty() {
                v2::enable(
                    base.parent().filter(|_| slice.is_some()).unwrap_or(&base),
                    controllers,
                )?;
                if slice.is_some() {
                    v2::enable(&base, controllers)?;
                }
            }
            remove_stale(&base);
            let dir = base.join(name);
            match std::fs::create_dir(&dir) {
                Ok(()) => {
                    return Ok(Node {
                        version: h.version,
                        dir,
                        slice,
                    })
                }
                Err(e)
                    if e.kind() == std::io::ErrorKind::NotFound
                        && slice.is_some()
                        && attempts < 5 => {}
                Err(e) => return Err(mkdir_error(&base, e)),
            }
        }
    }

    /// Move process `pid` (and its future children) into every node.
    pub fn add(&self, pid: libc::pid_t) -> Result<(), CgroupError> {
        for node in &self.nodes {
            let path = node.dir.join("cgroup.procs");
            std::fs::write(&path, pid.to_string()).map_err(|source| CgroupError::Io {
                what: "moving the jailed process into",
                path,
                source,
            })?;
        }
        Ok(())
    }

    /// The jail's cgroup directory: the v2 node's if there is one.
    pub fn path(&self) -> &Path {
        let v2 = self.nodes.iter().find(|n| n.version == Version::V2);
        v2.or(self.nodes.first()).map_or(Path::new(""), |n| &n.dir)
    }

    /// Every directory of the jail's cgroup.
    pub fn dirs(&self) -> impl Iterator<Item = &Path> {
        self.nodes.iter().map(|n| n.dir.as_path())
    }

    /// Whether the kill is left to the caller: a handle that is dropped
    /// while the program runs leaves it running, as std's Child does.
    pub fn disarm(&mut self) {
        self.kill_on_drop = false;
        self.procs.clear();
    }

    /// What kills every process of the jail, for a watchdog thread.
    pub fn kill_switch(&self) -> KillSwitch {
        let v2 = self.nodes.iter().find(|n| n.version == Version::V2);
        KillSwitch {
            v2: v2.map(|n| n.dir.clone()),
            any: self
                .nodes
                .first()
                .map(|n| n.dir.clone())
                .unwrap_or_default(),
        }
    }

    /// Whether any process is left in the jail.
    pub fn populated(&self) -> bool {
        match self.nodes.iter().find(|n| n.version == Version::V2) {
            Some(n) => v2::populated(&n.dir).unwrap_or(false),
            None => !self.kill_switch().pids().is_empty(),
        }
    }

    /// SIGKILL every process in the jail and wait (up to 2 s) until they
    /// are gone.
    pub fn kill_all(&self) {
        let switch = self.kill_switch();
        let at_once = switch.fire();
        let deadline = Instant::now() + Duration::from_secs(2);
        while self.populated() && Instant::now() < deadline {
            if !at_once {
                switch.fire();
            }
            std::thread::sleep(Duration::from_micros(500));
        }
    }

    /// What the nodes accounted.
    pub fn stats(&self) -> Stats {
        let mut stats = Stats::default();
        for node in &self.nodes {
            match node.version {
                Version::V2 => v2::stats(&node.dir, &mut stats),
                Version::V1 => v1::stats(&node.dir, &mut stats),
            }
        }
        stats
    }

    /// Remove every node, and the slices that are left empty.
    fn remove(&mut self) {
        for node in self.nodes.drain(..) {
            // A task just killed leaves its cgroup a moment after it dies.
            for _ in 0..2000 {
                match std::fs::remove_dir(&node.dir) {
                    Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
                        std::thread::sleep(Duration::from_micros(500))
                    }
                    _ => break,
                }
            }
            if let Some(slice) = &node.slice {
                // Fails while other jails are in it, as it should.
                let _ = std::fs::remove_dir(slice);
            }
        }
    }

    /// Kill what is left and remove the cgroup.
    pub fn finish(mut self) {
        if self.populated() {
            self.kill_all();
        }
        self.remove();
    }
}

impl Drop for JailCgroup {
    fn drop(&mut self) {
        if self.nodes.is_empty() {
            return;
        }
        if self.kill_on_drop {
            self.kill_all();
            self.remove();
        } else if !self.populated() {
            self.remove();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_names_are_told_by_their_launcher() {
        assert!(!owner_gone(&format!("{PREFIX}{}-0", owner_tag())));
        assert!(owner_gone("jail-1-1-0") || start_time(1) == Some(1));
        assert!(!owner_gone("jail-notapid"));
        assert!(!owner_gone("other"));
    }
}
