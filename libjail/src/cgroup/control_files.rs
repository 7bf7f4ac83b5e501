//! Reading and writing a cgroup's control files, and the figures a jail's
//! nodes accounted: shared by both hierarchy versions.

use std::path::Path;
use std::time::Duration;

use super::CgroupError;

/// Set `field` when the node had the figure.
pub fn fill<T>(field: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *field = value;
    }
}

/// What the jail's cgroup accounted, from whichever node has each figure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// CPU time spent in user mode by every process of the cgroup
    /// (v2 `cpu.stat` `user_usec`; v1 nodes are not read for it).
    pub user_cpu: Option<Duration>,
    /// CPU time spent in the kernel on their behalf (`system_usec`).
    pub system_cpu: Option<Duration>,
    /// The most memory the cgroup held at once, in bytes (`memory.peak`,
    /// v1 `memory.max_usage_in_bytes`).
    pub peak_memory: Option<u64>,
    /// Processes the OOM killer killed (`oom_kill` in `memory.events`,
    /// v1 `memory.oom_control`).
    pub oom_kills: Option<u64>,
    /// The most tasks alive at once (`pids.peak`).
    pub peak_processes: Option<u64>,
    /// Forks refused at `pids.max` (`max` in `pids.events`).
    pub pids_limit_hits: Option<u64>,
}

impl Stats {
    /// The figures of a node: memory's peak and OOM kills (under each
    /// version's file names) and the pids controller's, where present.
    pub fn read(&mut self, dir: &Path, peak_file: &str, oom_file: &str) {
        let figure = |file: &str, key: Option<&str>| {
            let text = read_file(dir, file)?;
            match key {
                Some(k) => keyed(&text, k),
                None => text.trim().parse().ok(),
            }
        };
        fill(&mut self.peak_memory, figure(peak_file, None));
        fill(&mut self.oom_kills, figure(oom_file, Some("oom_kill")));
        fill(&mut self.peak_processes, figure("pids.peak", None));
        fill(
            &mut self.pids_limit_hits,
            figure("pids.events", Some("max")),
        );
    }
}

/// The value of `key` in a flat keyed file (`key value` lines).
pub fn keyed(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok()).flatten()
    })
}

/// The text of control file `name` in cgroup directory `dir`; None when
/// it is missing or unreadable (a controller the kernel lacks).
pub fn read_file(dir: &Path, name: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(name)).ok()
}

/// Write `text` to control file `name` in cgroup directory `dir` (a
/// limit such as `memory.max`); the error names the file.
pub fn write_file(dir: &Path, name: &str, text: &str) -> Result<(), CgroupError> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|source| CgroupError::Io {
        what: "writing the jail's limit to",
        path,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_files_are_read_by_key() {
        let text = "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n";
        assert_eq!(keyed(text, "oom_kill"), Some(3));
        assert_eq!(keyed(text, "under_oom"), Some(0));
        assert_eq!(keyed(text, "missing"), None);
    }
}
