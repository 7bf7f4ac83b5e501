//! `minijail0 --pty` under a real terminal: each test opens a pty of its
//! own (the harness), runs minijail0 with the harness's slave as its
//! controlling terminal and std fds, types into the harness's master and
//! reads what comes back. Every wait is bounded.

use std::ffi::OsStr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(20);

fn bin() -> PathBuf {
    std::env::var_os("JAIL_TEST_MINIJAIL0")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_minijail0")))
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// A pty the test owns, standing in for the user's terminal.
struct Harness {
    master: OwnedFd,
    slave: OwnedFd,
    child: Option<Child>,
    seen: Vec<u8>,
}

fn check(rc: libc::c_int, what: &str) -> libc::c_int {
    assert!(rc >= 0, "{what}: {}", std::io::Error::last_os_error());
    rc
}

fn set_window(fd: RawFd, rows: u16, cols: u16) {
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ with a valid winsize.
    check(
        unsafe { libc::ioctl(fd, libc::TIOCSWINSZ, &ws) },
        "TIOCSWINSZ",
    );
}

fn termios(fd: RawFd) -> libc::termios {
    // SAFETY: an all-zero termios is a valid out-buffer.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: tcgetattr on a terminal fd we hold.
    check(unsafe { libc::tcgetattr(fd, &mut t) }, "tcgetattr");
    t
}

/// The settings that matter to a user, as one comparable value.
fn settings(t: &libc::termios) -> (u32, u32, u32, u32, Vec<u8>) {
    (t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag, t.c_cc.to_vec())
}

impl Harness {
    fn new(rows: u16, cols: u16) -> Harness {
        let flags = libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC;
        // SAFETY: plain pty calls; each returned fd is owned once.
        let (master, slave) = unsafe {
            let m = check(libc::posix_openpt(flags), "posix_openpt");
            check(libc::unlockpt(m), "unlockpt");
            let s = check(libc::ioctl(m, libc::TIOCGPTPEER, flags), "TIOCGPTPEER");
            (OwnedFd::from_raw_fd(m), OwnedFd::from_raw_fd(s))
        };
        set_window(master.as_raw_fd(), rows, cols);
        Harness {
            master,
            slave,
            child: None,
            seen: Vec::new(),
        }
    }

    /// Start `program` with the harness's slave as controlling terminal.
    fn start<S: AsRef<OsStr>>(&mut self, program: &PathBuf, args: &[S]) {
        let fd = || Stdio::from(self.slave.try_clone().unwrap());
        let mut cmd = Command::new(program);
        cmd.args(args).stdin(fd()).stdout(fd()).stderr(fd());
        // SAFETY: setsid and TIOCSCTTY are async-signal-safe syscalls.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        self.child = Some(cmd.spawn().expect("minijail0 starts"));
    }

    fn minijail0(&mut self, args: &[&str]) {
        self.start(&bin(), args);
    }

    fn send(&self, bytes: &[u8]) {
        // SAFETY: writing from a valid buffer to our master.
        let n = unsafe { libc::write(self.master.as_raw_fd(), bytes.as_ptr().cast(), bytes.len()) };
        assert_eq!(n, bytes.len() as isize, "writing to the harness");
    }

    /// Read until `needle` has appeared (after what earlier calls took);
    /// what was read up to and including it.
    fn expect(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let text = String::from_utf8_lossy(&self.seen).into_owned();
            if let Some(at) = text.find(needle) {
                let upto = at + needle.len();
                self.seen.drain(..upto);
                return text[..upto].to_owned();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {needle:?}; got {text:?}"
            );
            let mut pfd = libc::pollfd {
                fd: self.master.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: poll on one valid pollfd.
            let ready = unsafe { libc::poll(&mut pfd, 1, left.as_millis() as libc::c_int) };
            if ready <= 0 {
                continue;
            }
            let mut buf = [0u8; 4096];
            // SAFETY: reading into a valid buffer.
            let n =
                unsafe { libc::read(self.master.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            assert!(n > 0, "the harness's terminal closed; got {text:?}");
            self.seen.extend_from_slice(&buf[..n as usize]);
        }
    }

    /// minijail0's exit status, within the timeout (killed after it).
    fn wait(&mut self) -> i32 {
        let child = self.child.as_mut().expect("started");
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(st) = child.try_wait().unwrap() {
                use std::os::unix::process::ExitStatusExt;
                return st.code().unwrap_or_else(|| 128 + st.signal().unwrap_or(0));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("minijail0 did not exit in {TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn pid(&self) -> libc::pid_t {
        self.child.as_ref().expect("started").id() as libc::pid_t
    }

    /// The harness slave's device number: the caller's terminal.
    fn rdev(&self) -> u64 {
        // SAFETY: an all-zero stat is a valid out-buffer.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: fstat on an fd we hold.
        check(
            unsafe { libc::fstat(self.slave.as_raw_fd(), &mut st) },
            "fstat",
        );
        st.st_rdev
    }

    /// Bytes waiting to be read on the caller's terminal (typed or pushed).
    fn pending_input(&self) -> libc::c_int {
        let mut n: libc::c_int = 0;
        // SAFETY: FIONREAD into a valid int.
        check(
            unsafe { libc::ioctl(self.slave.as_raw_fd(), libc::FIONREAD, &mut n) },
            "FIONREAD",
        );
        n
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            if c.try_wait().ok().flatten().is_none() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
}

/// Wait for the shell's prompt (`$ ` or `# `) after `marker`.
fn prompt(h: &mut Harness) {
    h.expect(if is_root() { "# " } else { "$ " });
}

#[test]
fn interactive_shell_runs_a_typed_command_and_sees_the_size() {
    let mut h = Harness::new(33, 97);
    let before = settings(&termios(h.slave.as_raw_fd()));
    h.minijail0(&["--pty", "--", "/bin/sh", "-i"]);
    prompt(&mut h);
    // While the program runs, the caller's terminal is raw: no echo of its own.
    let during = termios(h.slave.as_raw_fd());
    assert_eq!(
        during.c_lflag & (libc::ECHO | libc::ICANON),
        0,
        "raw while running"
    );
    h.send(b"echo typed-$((6*7)); stty size; tty\n");
    h.expect("typed-42");
    h.expect("33 97");
    h.expect("/dev/pts/");
    let tty = format!("/dev/pts/{}", h.expect("\n").trim());
    h.send(b"exit 5\n");
    assert_eq!(h.wait(), 5, "the program's exit status passes through");
    assert_eq!(
        settings(&termios(h.slave.as_raw_fd())),
        before,
        "caller's terminal restored"
    );
    // The harness's own terminal is not the program's.
    let harness_name =
        std::fs::read_link(format!("/proc/self/fd/{}", h.slave.as_raw_fd())).unwrap();
    assert_ne!(
        Some(tty.as_str()),
        harness_name.to_str(),
        "the program's tty is its own"
    );
}

#[test]
fn a_resize_reaches_the_program() {
    let mut h = Harness::new(24, 80);
    h.minijail0(&["--pty", "--", "/bin/sh", "-i"]);
    prompt(&mut h);
    h.send(b"stty size\n");
    h.expect("24 80");
    prompt(&mut h);
    // As a terminal emulator does: new size, and SIGWINCH to the foreground.
    set_window(h.master.as_raw_fd(), 51, 132);
    h.send(b"trap 'echo got-winch' WINCH; stty size\n");
    h.expect("51 132");
    prompt(&mut h);
    set_window(h.master.as_raw_fd(), 40, 100);
    // dash runs the trap once its read of the command line returns.
    h.send(b"stty size; exit\n");
    h.expect("got-winch");
    h.expect("40 100");
    assert_eq!(h.wait(), 0);
}

#[test]
fn ctrl_c_interrupts_sleep_not_the_shell_and_ctrl_z_stops_it() {
    let mut h = Harness::new(24, 80);
    let mut args = vec!["--pty"];
    if is_root() {
        args.push("-p"); // the same inside a pid namespace
    }
    args.extend(["--", "/bin/sh", "-i"]);
    h.minijail0(&args);
    prompt(&mut h);
    h.send(b"sleep 60\n");
    std::thread::sleep(Duration::from_millis(300));
    h.send(b"\x03");
    prompt(&mut h);
    h.send(b"echo sleep-status-$?\n");
    h.expect("sleep-status-130");
    h.send(b"sleep 61\n");
    std::thread::sleep(Duration::from_millis(300));
    h.send(b"\x1a");
    h.expect("Stopped");
    // fg resumes it in the foreground, where Ctrl-C reaches it again.
    h.send(b"fg\n");
    h.expect("sleep 61");
    std::thread::sleep(Duration::from_millis(300));
    h.send(b"\x03");
    h.send(b"echo still-here\n");
    h.expect("still-here");
    h.send(b"exit 3\n");
    assert_eq!(h.wait(), 3);
}

/// What the jailed probe reports: the device of each fd it holds, of
/// /dev/tty, and (`all`: in a pid namespace) of every fd of every process
/// it can see, then a TIOCSTI into each terminal it has. (Outside a pid
/// namespace a root program sees the launcher's fds in /proc like any
/// other process's; only a pid namespace hides them.)
const TTY_PROBE: &str = r#"
import os, sys, fcntl, termios
devs = set()
for pid in os.listdir('/proc'):
    if not pid.isdigit(): continue
    if sys.argv[1] != 'all' and pid != str(os.getpid()): continue
    try: fds = os.listdir('/proc/%s/fd' % pid)
    except OSError: continue
    for fd in fds:
        try: devs.add(os.stat('/proc/%s/fd/%s' % (pid, fd)).st_rdev)
        except OSError: pass
try:
    t = os.open('/dev/tty', os.O_RDWR)
    devs.add(os.fstat(t).st_rdev)
except OSError:
    t = -1
for fd in [0, 1, 2, t]:
    if fd >= 0 and os.isatty(fd):
        for c in 'INJ\n':
            try: fcntl.ioctl(fd, termios.TIOCSTI, c)
            except OSError: pass
print('devs=' + ','.join(str(d) for d in sorted(devs)))
"#;

fn probe_devices(h: &mut Harness, args: &[&str]) -> Vec<u64> {
    let mut all: Vec<&str> = args.to_vec();
    let scope = if args.contains(&"-p") { "all" } else { "self" };
    all.extend(["--", "/usr/bin/python3", "-c", TTY_PROBE, scope]);
    h.minijail0(&all);
    h.expect("devs=");
    let line = h.expect("\n");
    assert_eq!(h.wait(), 0);
    line.trim()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect()
}

#[test]
fn the_callers_terminal_never_reaches_the_program() {
    // Without a new session the program holds the caller's terminal, and
    // its TIOCSTI lands in the caller's input: what --pty prevents.
    let mut h = Harness::new(24, 80);
    let devs = probe_devices(&mut h, &["--no-new-sessions"]);
    assert!(
        devs.contains(&h.rdev()),
        "baseline: the probe sees the caller's tty"
    );
    assert!(
        h.pending_input() > 0,
        "baseline: TIOCSTI reached the caller's tty"
    );

    let mut configs: Vec<&[&str]> = vec![&["--pty"]];
    if is_root() {
        configs.push(&["--pty", "-p"]);
    }
    for args in configs {
        let mut h = Harness::new(24, 80);
        let devs = probe_devices(&mut h, args);
        assert!(
            !devs.contains(&h.rdev()),
            "{args:?}: the caller's tty is in the jail: {devs:?}"
        );
        assert_eq!(
            h.pending_input(),
            0,
            "{args:?}: TIOCSTI reached the caller's tty"
        );
    }
}

#[test]
fn killed_program_and_signalled_launcher_restore_the_terminal() {
    // The program dies of a signal: its status, and the terminal back.
    let mut h = Harness::new(24, 80);
    let before = settings(&termios(h.slave.as_raw_fd()));
    h.minijail0(&["--pty", "--", "/bin/sh", "-i"]);
    prompt(&mut h);
    h.send(b"kill -9 $$\n");
    assert_eq!(h.wait(), 128 + libc::SIGKILL);
    assert_eq!(settings(&termios(h.slave.as_raw_fd())), before);

    // A program that takes the signal's default action: its death by the
    // very signal the launcher was sent.
    for sig in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
        let mut h = Harness::new(24, 80);
        let before = settings(&termios(h.slave.as_raw_fd()));
        h.minijail0(&["--pty", "--", "/bin/sh", "-c", "echo ready; exec sleep 100"]);
        h.expect("ready");
        assert_ne!(
            settings(&termios(h.slave.as_raw_fd())),
            before,
            "raw while running"
        );
        // SAFETY: signalling the minijail0 this test started.
        unsafe { libc::kill(h.pid(), sig) };
        assert_eq!(h.wait(), 128 + sig, "signal {sig}");
        assert_eq!(
            settings(&termios(h.slave.as_raw_fd())),
            before,
            "signal {sig}"
        );
    }

    // An interactive sh ignores SIGTERM: the hang-up that follows ends it,
    // by SIGHUP or by its own exit on reading a hung-up terminal (which
    // one comes first is the kernel's race), and the launcher ends too.
    let mut h = Harness::new(24, 80);
    let before = settings(&termios(h.slave.as_raw_fd()));
    h.minijail0(&["--pty", "--", "/bin/sh", "-i"]);
    prompt(&mut h);
    // SAFETY: signalling the minijail0 this test started.
    unsafe { libc::kill(h.pid(), libc::SIGTERM) };
    let status = h.wait();
    assert_ne!(status, 0, "a hung-up shell does not report success");
    assert_eq!(
        settings(&termios(h.slave.as_raw_fd())),
        before,
        "SIGTERM to sh -i"
    );
}

/// Run minijail0 with pipes (no terminal anywhere), bounded.
fn piped(args: &[&str], input: &[u8]) -> (i32, String) {
    use std::io::Write;
    let mut child = Command::new(bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let pid = child.id() as libc::pid_t;
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(TIMEOUT);
        // SAFETY: killing the child this test started if it is still there.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    });
    let out = child.wait_with_output().unwrap();
    drop(watchdog);
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn stdin_not_a_terminal_still_gets_a_pty_and_end_of_file() {
    let (status, out) = piped(
        &["--pty", "--", "/bin/sh"],
        b"tty; echo from-pipe; exit 4\n",
    );
    assert_eq!(status, 4, "{out}");
    assert!(
        out.contains("/dev/pts/"),
        "the program's stdin is a pty: {out}"
    );
    assert!(out.contains("from-pipe"), "{out}");
    // End of file after a line without its newline still reaches cat.
    let (status, out) = piped(
        &["--pty", "--", "/bin/sh", "-c", "cat; echo cat-done"],
        b"abc",
    );
    assert_eq!(status, 0, "{out}");
    assert!(out.contains("cat-done"), "{out}");
}

#[test]
fn pty_conflicts_are_refused_before_anything_starts() {
    for args in [["--pty", "-i"], ["--pty", "--no-new-sessions"]] {
        let (status, out) = piped(&[args[0], args[1], "--", "/bin/true"], b"");
        assert_eq!(status, 1, "{args:?}: {out}");
        assert!(out.contains("--pty"), "{args:?}: {out}");
    }
}

#[test]
fn a_program_on_its_pty_takes_the_signals_its_caller_ignored() {
    // Without --pty, minijail0 passes ignored signals on, as upstream's;
    // on its own pty the program is interactive, so Ctrl-C must reach it.
    let mut h = Harness::new(24, 80);
    let script = format!(
        "trap '' INT QUIT; exec {} --pty -- /bin/grep SigIgn /proc/self/status",
        bin().display()
    );
    h.start(&PathBuf::from("/bin/sh"), &["-c", &script]);
    h.expect("SigIgn:");
    let line = h.expect("\n");
    let mask = u64::from_str_radix(line.trim(), 16).unwrap();
    let bit = |sig: i32| 1u64 << (sig - 1);
    assert_eq!(
        mask & (bit(libc::SIGINT) | bit(libc::SIGQUIT)),
        0,
        "SigIgn {line:?}"
    );
    assert_eq!(h.wait(), 0);
}
