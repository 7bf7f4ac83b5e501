//! Launching from many threads of a large caller at once: 8 threads each
//! launch 250 jails of every kind that shares the caller's memory (plain,
//! pid namespace with its init, user namespace with parent-written maps,
//! mount namespace, pid file, pipes, no-preload) while the caller holds
//! 2 GiB of touched memory; then the same as uid 65534 with the kinds an
//! ordinary user has (its user namespaces are made before the clone, see
//! libjail/src/launch/userns_holder.rs). Every launch must report its program's own exit
//! status, and afterwards no fd, child (zombie or running) or mount is
//! left. In its own test binary (one test) so nothing else opens fds or
//! starts processes meanwhile. Not timed: the benchmark is
//! scripts/bench-caller-size.sh.

use std::path::Path;

use jail::{Command, Jail, Namespace, Stdio};
use jail_tests::iso::HostSnapshot;
use jail_tests::support::*;

const THREADS: usize = 8;
/// Rounds of every kind: 250 launches per thread as root.
const ROUNDS: usize = 50;
const CALLER_BYTES: usize = 2 << 30;

/// The jails each thread cycles through, with a label for failures.
fn jails(pid_file: &Path) -> Vec<(&'static str, Jail)> {
    let mut plain = Jail::new();
    plain.no_new_privs();
    let mut pid_ns = Jail::new();
    pid_ns
        .namespace(Namespace::Pid)
        .namespace(Namespace::Mount)
        .remount_proc_readonly();
    let mut userns = Jail::new();
    userns
        .namespace(Namespace::User)
        .namespace(Namespace::Pid)
        .uid_map("0 0 1")
        .gid_map("0 0 1");
    let mut mounts = Jail::new();
    mounts
        .namespace(Namespace::Mount)
        .namespace(Namespace::Ipc)
        .mount_tmp(1 << 20);
    let mut pid_file_jail = Jail::new();
    pid_file_jail
        .namespace(Namespace::Pid)
        .write_pid_file(pid_file);
    vec![
        ("plain", plain),
        ("pid namespace", pid_ns),
        ("user namespace with maps", userns),
        ("mount namespace", mounts),
        ("pid file", pid_file_jail),
    ]
}

/// What an ordinary user launches: root inside maps to uid 65534.
fn unprivileged_jails() -> Vec<(&'static str, Jail)> {
    let mut plain = Jail::new();
    plain.no_new_privs();
    let mut userns = Jail::new();
    userns
        .namespace(Namespace::User)
        .uid_map("0 65534 1")
        .gid_map("0 65534 1")
        .no_new_privs();
    let mut userns_pid = Jail::new();
    userns_pid
        .namespace(Namespace::User)
        .namespace(Namespace::Pid)
        .namespace(Namespace::Mount)
        .uid_map("0 65534 1")
        .gid_map("0 65534 1")
        .no_new_privs();
    vec![
        ("plain", plain),
        ("user namespace", userns),
        ("user and pid namespace", userns_pid),
    ]
}

/// Launch `sh -c 'exit N'` with piped stdout; the status it reports.
fn launch(jail: &Jail, code: i32, no_preload: bool) -> i32 {
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", &format!("echo {code}; exit {code}")])
        .stdout(Stdio::Piped);
    if no_preload {
        cmd.preload_mode(jail::PreloadMode::Never);
    }
    let mut child = jail.spawn(&cmd).expect("launch");
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().expect("stdout pipe"), &mut out)
        .expect("read stdout");
    assert_eq!(out.trim(), code.to_string(), "the program's output");
    let status = child.wait().expect("wait");
    status
        .code()
        .unwrap_or_else(|| panic!("the program did not exit: {status:?}"))
}

/// Every thread launches `rounds` of each of its jails; each launch must
/// report its program's own status, and nothing may be left.
fn launch_from_threads(rounds: usize, jails: impl Fn(usize) -> Vec<(&'static str, Jail)> + Sync) {
    // The caller's memory, touched so its page tables are populated.
    let mut ballast = vec![0u8; CALLER_BYTES];
    for page in ballast.chunks_mut(4096) {
        page[0] = 1;
    }
    let host = HostSnapshot::take();
    let fds = open_fd_count();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let jails = &jails;
                s.spawn(move || {
                    let jails = jails(t);
                    for round in 0..rounds {
                        for (i, (what, jail)) in jails.iter().enumerate() {
                            let code = ((t * 31 + round * 7 + i) % 100) as i32;
                            let no_preload = round % 3 == 2;
                            assert_eq!(
                                launch(jail, code, no_preload),
                                code,
                                "{what} launch, thread {t} round {round} (no-preload {no_preload})"
                            );
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().expect("launch thread");
        }
    });
    std::hint::black_box(&ballast);
    assert_eq!(open_fd_count(), fds, "fds leaked");
    assert_eq!(child_count(), 0, "children (zombies or running) left");
    host.assert_unchanged();
}

#[test]
fn eight_threads_launch_concurrently_from_a_large_caller_and_leave_nothing() {
    const NAME: &str = "eight_threads_launch_concurrently_from_a_large_caller_and_leave_nothing";
    if in_unprivileged_rerun() {
        // 3 kinds: 75 launches per thread.
        launch_from_threads(25, |_| unprivileged_jails());
        return;
    }
    require_root!();
    let dir = TempDir::new("concurrent-launch");
    launch_from_threads(ROUNDS, |t| jails(&dir.path().join(format!("pid-{t}"))));
    make_reachable(&target_dir());
    let (ok, text) = rerun_unprivileged(NAME);
    assert!(ok, "as uid 65534: {text}");
}
