//! Faults during setup: the launcher or the child killed mid-launch, the
//! handoff pipe closed early, a full disk or a missing /proc under the
//! pid-file, cgroup and uid-map writes. Each must end in a clear error (or
//! the program's death), never in a program running half-jailed, and leave
//! no process behind.
//!
//! This test binary makes itself a child subreaper, so processes orphaned
//! by a killed launcher are reparented here and can be checked and reaped;
//! the tests run one at a time (SERIAL) so `waitpid(-1)` sees only theirs.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use jail::Jail;
use jail_tests::support::*;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn bin(name: &str) -> PathBuf {
    target_dir().join(name)
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// The children of every thread of `pid`.
fn children_of(pid: u32) -> Vec<i32> {
    let mut out = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let text = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        out.extend(
            text.split_whitespace()
                .filter_map(|p| p.parse::<i32>().ok()),
        );
    }
    out
}

fn wait_until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Wait (up to 10 s) for `pid`, an orphan reparented to this subreaper.
fn reap(pid: i32) -> i32 {
    wait_until(&format!("pid {pid} to end"), || {
        let mut st = 0;
        // SAFETY: waitpid with a valid out-pointer.
        let r = unsafe { libc::waitpid(pid, &mut st, libc::WNOHANG) };
        assert!(
            r >= 0,
            "pid {pid} is not our child: {}",
            std::io::Error::last_os_error()
        );
        (r == pid).then_some(st)
    })
}

/// No child of this process is left, zombie or running.
fn assert_no_children_left() {
    let mut st = 0;
    // SAFETY: waitpid with a valid out-pointer.
    let r = unsafe { libc::waitpid(-1, &mut st, libc::WNOHANG) };
    assert!(r < 0, "a process was left behind (pid {r}, status {st:#x})");
    let kids = children_of(std::process::id());
    assert!(kids.is_empty(), "processes left running: {kids:?}");
}

fn launcher(args: &[&str]) -> Child {
    Command::new(bin("battery-launcher"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("battery-launcher")
}

fn kill(pid: i32, sig: i32) {
    // SAFETY: signalling a process this test started.
    unsafe { libc::kill(pid, sig) };
}

// --- the launcher killed ---

/// The launcher blocks writing its pid file into a FIFO nobody reads,
/// while the child waits for it; then the launcher is killed.
fn kill_launcher_during_setup(extra: &[&str]) {
    let _g = serial();
    let dir = TempDir::new("fault-launcher");
    let fifo = dir.path().join("pid");
    mkfifo(&fifo);
    let marker = dir.path().join("ran");
    let mut args: Vec<&str> = extra.to_vec();
    args.extend([
        "--pid-file",
        fifo.to_str().unwrap(),
        "--",
        "/bin/touch",
        marker.to_str().unwrap(),
    ]);
    let mut l = launcher(&args);
    let child = wait_until("the jailed child", || children_of(l.id()).first().copied());
    std::thread::sleep(Duration::from_millis(100));
    let state = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
    assert!(
        state.contains(") S "),
        "the child should be waiting for its launcher: {state}"
    );
    l.kill().unwrap();
    l.wait().unwrap();
    // The orphan is ours now: it must end by itself, without running.
    let st = reap(child);
    assert!(
        libc::WIFEXITED(st) && libc::WEXITSTATUS(st) != 0 || libc::WIFSIGNALED(st),
        "status {st:#x}"
    );
    assert!(!marker.exists(), "the program ran after its launcher died");
    assert_no_children_left();
}

#[test]
fn launcher_killed_during_setup_runs_nothing() {
    require_root!();
    kill_launcher_during_setup(&[]);
}

#[test]
fn launcher_killed_during_setup_of_a_pid_namespace_runs_nothing() {
    require_root!();
    kill_launcher_during_setup(&["--pidns", "--pdeathsig"]);
}

/// Start `probe sleep 60` under the launcher, then kill the launcher.
/// Returns the program's pid and whether it was still alive 300 ms later.
fn kill_launcher_after_start(extra: &[&str]) -> (i32, bool) {
    let mut args: Vec<&str> = extra.to_vec();
    let p = probe();
    args.extend(["--nnp", "--", &p, "sleep", "60"]);
    let mut l = launcher(&args);
    let mut out = BufReader::new(l.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let pid: i32 = line
        .trim()
        .strip_prefix("launched pid=")
        .unwrap_or_else(|| panic!("launcher said {line:?}"))
        .parse()
        .unwrap();
    l.kill().unwrap();
    l.wait().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let mut st = 0;
    // SAFETY: waitpid with a valid out-pointer.
    let done = unsafe { libc::waitpid(pid, &mut st, libc::WNOHANG) } == pid;
    if done {
        assert!(
            libc::WIFSIGNALED(st) && libc::WTERMSIG(st) == libc::SIGKILL,
            "status {st:#x}"
        );
    }
    (pid, !done)
}

#[test]
fn launcher_killed_after_start_takes_the_program_with_it_when_asked() {
    require_root!();
    let _g = serial();
    let (_, alive) = kill_launcher_after_start(&["--pdeathsig"]);
    assert!(!alive, "the program outlived its launcher");
    // In a pid namespace the launcher's child is the jail's init; its
    // death ends every process of the namespace.
    let (_, alive) = kill_launcher_after_start(&["--pdeathsig", "--pidns"]);
    assert!(!alive, "the pid namespace outlived its launcher");
    // Control: not asked, the program keeps running (fully jailed).
    let (pid, alive) = kill_launcher_after_start(&[]);
    assert!(alive, "the control program died with its launcher");
    kill(pid, libc::SIGKILL);
    reap(pid);
    assert_no_children_left();
}

/// The kernel clears the parent-death signal when the uid changes; stage 2
/// arms it again, so a program running as another user still dies with
/// its launcher.
#[test]
fn the_parent_death_signal_survives_the_uid_change() {
    require_root!();
    let _g = serial();
    // What the program sees, in preload and no-preload mode.
    for mode in [jail::PreloadMode::Auto, jail::PreloadMode::Never] {
        let mut jail = Jail::new();
        jail.change_uid(65534)
            .change_gid(65534)
            .no_new_privs()
            .parent_death_signal(libc::SIGKILL);
        let mut cmd = jail::Command::new(probe());
        cmd.arg("status").preload_mode(mode);
        let out = run(&jail, &mut cmd).unwrap();
        assert_eq!(out.field("uid"), Some("65534"), "{out:?}");
        assert_eq!(out.field("pdeathsig"), Some("9"), "{mode:?}: {out:?}");
    }
    let (_, alive) = kill_launcher_after_start(&["--pdeathsig", "--uid", "65534"]);
    assert!(!alive, "the program running as 65534 outlived its launcher");
    // Control: not asked, it keeps running under the new uid.
    let (pid, alive) = kill_launcher_after_start(&["--uid", "65534"]);
    assert!(alive, "the control program died with its launcher");
    kill(pid, libc::SIGKILL);
    reap(pid);
    assert_no_children_left();
}

// --- the child killed ---

#[test]
fn child_killed_during_setup_gives_an_error_and_no_zombie() {
    let _g = serial();
    for _ in 0..20 {
        kill_child_during_setup();
    }
}

fn kill_child_during_setup() {
    let dir = TempDir::new("fault-child");
    let fifo = dir.path().join("pid");
    mkfifo(&fifo);
    let marker = dir.path().join("ran");
    let (tx, rx) = std::sync::mpsc::channel();
    let (f, m) = (fifo.clone(), marker.clone());
    let spawner = std::thread::spawn(move || {
        // SAFETY: gettid has no preconditions.
        tx.send(unsafe { libc::gettid() }).unwrap();
        let mut jail = Jail::new();
        jail.no_new_privs().write_pid_file(&f);
        jail.run("/bin/touch", &[m]).map(|mut c| c.wait())
    });
    let tid = rx.recv().unwrap();
    let child = wait_until("the jailed child", || {
        std::fs::read_to_string(format!("/proc/self/task/{tid}/children"))
            .ok()?
            .split_whitespace()
            .next()?
            .parse::<i32>()
            .ok()
    });
    kill(child, libc::SIGKILL);
    // Let the launcher's pid-file write through.
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: open a FIFO for reading without blocking.
    let reader = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_NONBLOCK) };
    assert!(reader >= 0);
    let result = spawner.join().unwrap();
    // SAFETY: closing the fd opened above.
    unsafe { libc::close(reader) };
    let err = result.expect_err("the launch of a killed child succeeded");
    // Depending on when the kernel has closed the dead child's fds, the
    // release fails or the launcher sees the status pipe end without an
    // execve; both are errors.
    let text = err.to_string();
    assert!(
        text == "releasing the jailed child failed: Broken pipe (os error 32)"
            || text == "the jailed child died during setup with status 137 before reporting",
        "{text}"
    );
    assert!(
        !Path::new(&format!("/proc/{child}")).exists(),
        "the killed child was left as a zombie"
    );
    assert!(!marker.exists());
    assert_no_children_left();
}

// --- the handoff pipe closed early ---

/// The probe under the preload with a handoff pipe whose write end this
/// test holds: it must wait in the constructor, then fail closed.
fn handoff_closed_after(bytes: &[u8]) -> std::process::Output {
    let mut fds = [0; 2];
    // SAFETY: fds is a valid out array; the read end is inheritable.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: we own both ends.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: the write end must not leak into the probe.
    unsafe { libc::fcntl(w.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) };
    let mut child = Command::new(probe())
        .arg("status")
        .env("LD_PRELOAD", preload_library())
        .env(jail_enter::HANDOFF_FD_ENV, r.as_raw_fd().to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(r);
    let mut w = std::fs::File::from(w);
    w.write_all(bytes).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the program did not wait for its handoff"
    );
    drop(w);
    child.wait_with_output().unwrap()
}

#[test]
fn handoff_pipe_closed_early_fails_closed() {
    let _g = serial();
    let out = handoff_closed_after(b"");
    assert_eq!(out.status.code(), Some(252), "{out:?}");
    assert!(out.stdout.is_empty(), "main ran: {out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "libjailpreload: handoff truncated: expected 16 bytes, got 0\n"
    );
    let frame = jail_enter::encode(&jail_enter::Stage2 {
        no_new_privs: true,
        ..Default::default()
    })
    .unwrap();
    let out = handoff_closed_after(&frame[..20]);
    assert_eq!(out.status.code(), Some(252), "{out:?}");
    assert!(out.stdout.is_empty(), "main ran: {out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "libjailpreload: handoff truncated: expected {} bytes, got 4\n",
            frame.len() - 16
        )
    );
}

// --- full disk, missing /proc ---

/// Run `script` under `sh` in a private mount namespace (unshare -m), so
/// the tmpfs and /proc over-mounts it makes never reach the host.
fn in_private_mount_ns(script: &str) -> std::process::Output {
    Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-euc", script])
        .output()
        .expect("unshare (util-linux)")
}

/// A script prefix: a 64 KiB tmpfs on `dir`, with `dir/cg/cgroup.procs`,
/// then filled up.
fn full_tmpfs(dir: &Path) -> String {
    let d = dir.display();
    format!(
        "mount -t tmpfs -o size=64k none {d}; mkdir {d}/cg; : > {d}/cg/cgroup.procs; \
         dd if=/dev/zero of={d}/fill bs=4k 2>/dev/null || true; "
    )
}

#[test]
fn full_disk_under_the_pid_file_and_cgroup_writes() {
    require_root!();
    let _g = serial();
    let dir = TempDir::new("fault-full");
    let d = dir.path().display();
    let marker = dir.path().join("ran");
    let m = marker.display();
    let mj = bin("battery-minijail0");
    let out = in_private_mount_ns(&format!(
        "{} exec {} -f {d}/pid -n /bin/touch {m}",
        full_tmpfs(dir.path()),
        mj.display()
    ));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("minijail0: pid file '{d}/pid': No space left on device (os error 28)\n")
    );
    // Neither the pid file nor --gen-config output is left behind, empty
    // or partial, nor any temporary: the listing after each failure is
    // what the full tmpfs held before.
    let out = in_private_mount_ns(&format!(
        "{} {mj} -f {d}/pid -n /bin/touch {m} || echo status=$?; \
         {mj} --gen-config {d}/gen.conf -n -u 0 -- /bin/true || echo status=$?; ls -A {d}",
        full_tmpfs(dir.path()),
        mj = mj.display()
    ));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout, "status=1\nstatus=1\ncg\nfill\n", "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!(
            "minijail0: --gen-config: cannot write '{d}/gen.conf': No space left on device"
        )),
        "{out:?}"
    );
    let out = in_private_mount_ns(&format!(
        "{} exec {} --nnp --cgroup {d}/cg -- /bin/touch {m}",
        full_tmpfs(dir.path()),
        bin("battery-launcher").display()
    ));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("battery-launcher: cgroup '{d}/cg/cgroup.procs': No space left on device (os error 28)\n")
    );
    assert!(!marker.exists(), "the program ran");
    assert!(
        !std::fs::read_to_string("/proc/self/mountinfo")
            .unwrap()
            .contains(&d.to_string()),
        "the tmpfs leaked onto the host"
    );
    assert_no_children_left();
}

#[test]
fn missing_proc_fails_the_uid_map_write_not_the_preload() {
    require_root!();
    let _g = serial();
    let dir = TempDir::new("fault-proc");
    let marker = dir.path().join("ran");
    let m = marker.display();
    let mj = bin("battery-minijail0");
    let hide_proc = "mount -t tmpfs none /proc; ";
    let out = in_private_mount_ns(&format!(
        "{hide_proc} exec {} -U -m'0 0 1' -M'0 0 1' /bin/touch {m}",
        mj.display()
    ));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("minijail0: uid_map '/proc/")
            && err.ends_with("/uid_map': No such file or directory (os error 2)\n"),
        "{err}"
    );
    // Stage 2 does not need /proc (threads are counted with unshare, the
    // environment block found through the auxiliary vector): it runs.
    let out = in_private_mount_ns(&format!(
        "{hide_proc} exec {} -n /bin/touch {m}",
        mj.display()
    ));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(marker.exists(), "the program did not run: {out:?}");
    assert_no_children_left();
}
