//! Load: 1000 sequential and 100 concurrent launches from one process,
//! each checked; afterwards no fd, child, mount or namespace is left and
//! the launcher's memory is flat. In its own test binary (one test) so
//! nothing else opens fds or starts processes meanwhile. Prints the
//! figures (run with --nocapture to see them).

use std::collections::BTreeSet;
use std::time::Instant;

use jail::{Jail, Namespace};
use jail_tests::support::*;

const SEQUENTIAL: usize = 1000;
const CONCURRENT: usize = 100;

/// A typical jail, minus a new net namespace (whose teardown the kernel
/// defers, which would time the kernel's workqueue rather than the jail).
fn jail() -> Jail {
    let mut jail = Jail::new();
    jail.change_uid(65534)
        .change_gid(65534)
        .use_caps(0)
        .no_new_privs()
        .namespace(Namespace::Pid)
        .namespace(Namespace::Ipc)
        .namespace(Namespace::Uts);
    jail
}

/// Launch /bin/true; the status and the namespaces the jail made (read
/// while its init still lives, when it does).
fn launch(jail: &Jail) -> (i32, Vec<String>) {
    let mut child = jail.command("/bin/true").spawn().expect("launch");
    let ns = KINDS
        .iter()
        .filter_map(|k| std::fs::read_link(format!("/proc/{}/ns/{k}", child.pid())).ok())
        .map(|l| l.to_string_lossy().into_owned())
        .collect();
    (child.wait().expect("wait").minijail_status(), ns)
}

const KINDS: [&str; 4] = ["mnt", "pid", "ipc", "uts"];

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        .unwrap_or(0)
}

/// Every namespace a process of ours is in: a jail's init (a clone of this
/// binary) or a descendant of this process. Other processes on the machine
/// may sit in a namespace whose freed inode number one of ours had.
fn namespaces() -> BTreeSet<String> {
    let me = std::process::id().to_string();
    let exe = std::env::current_exe().unwrap();
    let ours = |pid: &str| {
        if std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|e| e == exe) {
            return true;
        }
        let mut pid = pid.to_owned();
        for _ in 0..64 {
            let Some(ppid) = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| Some(s.rsplit_once(')')?.1.split_whitespace().nth(1)?.to_owned()))
            else {
                return false;
            };
            if ppid == me {
                return true;
            }
            if ppid == "0" || ppid == "1" {
                return false;
            }
            pid = ppid;
        }
        false
    };
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        if !ours(pid) {
            continue;
        }
        for kind in KINDS {
            if let Ok(link) = std::fs::read_link(entry.path().join("ns").join(kind)) {
                out.insert(link.to_string_lossy().into_owned());
            }
        }
    }
    out
}

#[test]
fn a_thousand_sequential_and_a_hundred_concurrent_launches_leave_nothing() {
    require_root!();
    let jail = jail();
    // Warm up: the first launches grow the allocator and load caches.
    let host = namespaces();
    let made = std::sync::Mutex::new(BTreeSet::new());
    let observed = std::sync::atomic::AtomicUsize::new(0);
    let check = |i: usize, what: &str| {
        let (status, ns) = launch(&jail);
        assert_eq!(status, 0, "{what} launch {i}");
        if !ns.is_empty() {
            observed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        made.lock()
            .unwrap()
            .extend(ns.into_iter().filter(|n| !host.contains(n)));
    };
    for i in 0..20 {
        check(i, "warm-up");
    }
    let fds = open_fd_count();
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let rss_before = status_kib("VmRSS:");

    let start = Instant::now();
    for i in 0..SEQUENTIAL {
        check(i, "sequential");
    }
    let seq = start.elapsed();
    let rss_after_seq = status_kib("VmRSS:");

    let start = Instant::now();
    let barrier = std::sync::Barrier::new(CONCURRENT);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..CONCURRENT)
            .map(|i| {
                let (check, barrier) = (&check, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    check(i, "concurrent");
                })
            })
            .collect();
        for h in handles {
            h.join().expect("launch thread");
        }
    });
    let conc = start.elapsed();
    let rss_after = status_kib("VmRSS:");

    println!(
        "load: {SEQUENTIAL} sequential launches in {:.2} s ({:.0}/s); {CONCURRENT} concurrent in {:.2} s ({:.0}/s)",
        seq.as_secs_f64(),
        SEQUENTIAL as f64 / seq.as_secs_f64(),
        conc.as_secs_f64(),
        CONCURRENT as f64 / conc.as_secs_f64()
    );
    println!(
        "load: launcher VmRSS {rss_before} KiB before, {rss_after_seq} KiB after the sequential run, {rss_after} KiB after the concurrent run (VmHWM {} KiB)",
        status_kib("VmHWM:")
    );

    assert_eq!(open_fd_count(), fds, "fds leaked");
    assert_eq!(child_count(), 0, "children (zombies or running) left");
    assert_eq!(
        std::fs::read_to_string("/proc/self/mountinfo").unwrap(),
        mounts,
        "the launcher's mounts changed"
    );
    // Every namespace a jail made is gone: no process of ours is in one.
    let made = made.into_inner().unwrap();
    let live: Vec<_> = namespaces().intersection(&made).cloned().collect();
    println!(
        "load: {} namespaces made by the jails, {} still live",
        made.len(),
        live.len()
    );
    // Namespace inode numbers are reused once freed, so count the launches
    // whose namespaces were seen (the program may end before the read).
    let observed = observed.into_inner();
    assert!(
        observed >= 100,
        "the namespaces were not observed: {observed} launches of {}",
        20 + SEQUENTIAL + CONCURRENT
    );
    assert!(
        live.is_empty(),
        "namespaces of our jails still live: {live:?}"
    );
    // Flat memory: the 1000 launches and the 100 threads may not grow the
    // launcher by more than 4 MiB (thread stacks are returned on join).
    assert!(
        rss_after_seq.saturating_sub(rss_before) < 4096,
        "memory grew over the sequential run: {rss_before} -> {rss_after_seq} KiB"
    );
    assert!(
        rss_after.saturating_sub(rss_before) < 8192,
        "memory grew: {rss_before} -> {rss_after} KiB"
    );
}
