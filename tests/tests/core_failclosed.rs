//! The preload fails closed: any bad handoff means exit 252, one line on
//! stderr, and the program's main never runs.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::Command;

use jail_enter::{encode, Stage2, HANDOFF_FD_ENV, MAX_PAYLOAD};
use jail_tests::support::*;

/// A pipe whose read end is inheritable, holding `bytes`, then closed.
fn pipe_with(bytes: &[u8]) -> OwnedFd {
    let mut fds = [0; 2];
    // SAFETY: fds is a valid out array; no CLOEXEC so the child inherits it.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: we own both ends.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let mut w = std::fs::File::from(w);
    std::io::Write::write_all(&mut w, bytes).unwrap();
    drop(w);
    r
}

/// Run the probe with the preload and `env` as the handoff variable.
fn run_preloaded(fd_var: Option<String>) -> std::process::Output {
    let mut cmd = Command::new(probe());
    cmd.arg("status").env("LD_PRELOAD", preload_library());
    match fd_var {
        Some(v) => cmd.env(HANDOFF_FD_ENV, v),
        None => cmd.env_remove(HANDOFF_FD_ENV),
    };
    cmd.output().expect("spawn probe")
}

fn assert_refused(out: &std::process::Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(252), "{out:?}");
    assert!(out.stdout.is_empty(), "main must not run: {out:?}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains(needle),
        "{stderr:?} should mention {needle:?}"
    );
}

fn with_handoff(bytes: &[u8], needle: &str) {
    let r = pipe_with(bytes);
    let out = run_preloaded(Some(r.as_raw_fd().to_string()));
    assert_refused(&out, needle);
}

fn good_frame() -> Vec<u8> {
    encode(&Stage2 {
        no_new_privs: true,
        ..Stage2::default()
    })
    .unwrap()
}

#[test]
fn a_good_frame_runs_the_program() {
    let r = pipe_with(&good_frame());
    let out = run_preloaded(Some(r.as_raw_fd().to_string()));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("NoNewPrivs=1"));
}

#[test]
fn no_fd_variable() {
    assert_refused(&run_preloaded(None), HANDOFF_FD_ENV);
}

#[test]
fn fd_variable_not_a_number() {
    assert_refused(
        &run_preloaded(Some("three".into())),
        "not a handoff fd number",
    );
}

#[test]
fn fd_not_open() {
    assert_refused(&run_preloaded(Some("987".into())), "not open");
}

#[test]
fn fd_not_a_pipe() {
    let file = std::fs::File::open("/etc/passwd").unwrap();
    let fd = file.as_raw_fd();
    // SAFETY: clearing close-on-exec on an fd we own.
    unsafe { libc::fcntl(fd, libc::F_SETFD, 0) };
    assert_refused(&run_preloaded(Some(fd.to_string())), "not a pipe");
}

#[test]
fn wrong_magic() {
    let mut f = good_frame();
    f[0] = b'X';
    with_handoff(&f, "wrong magic");
}

#[test]
fn wrong_version() {
    let mut f = good_frame();
    f[8..12].copy_from_slice(&7u32.to_le_bytes());
    with_handoff(&f, "version 7");
}

#[test]
fn truncated_payload() {
    let f = good_frame();
    with_handoff(&f[..f.len() - 1], "truncated");
    with_handoff(&f[..10], "truncated");
    with_handoff(&[], "truncated");
}

#[test]
fn length_over_the_cap() {
    let mut f = good_frame()[..16].to_vec();
    f[12..16].copy_from_slice(&(MAX_PAYLOAD + 1).to_le_bytes());
    with_handoff(&f, "over the");
}

#[test]
fn garbage_payload() {
    let mut f = good_frame()[..16].to_vec();
    f[12..16].copy_from_slice(&32u32.to_le_bytes());
    f.extend([0xff; 32]);
    with_handoff(&f, "does not decode");
}

#[test]
fn trailing_bytes() {
    let mut f = good_frame();
    f.push(0);
    with_handoff(&f, "after its payload");
}

/// A program whose library constructor starts a thread before the
/// preload's constructor runs: ids and caps would change in one thread
/// only, so the preload refuses and main never runs. The same program
/// unjailed prints from main, so the refusal is the preload's doing.
/// A program whose library constructor starts a thread before the
/// preload's runs, built in `dir`.
fn threaded_program(dir: &TempDir) -> std::path::PathBuf {
    let lib_src = dir.path().join("spawner.c");
    std::fs::write(
        &lib_src,
        "#include <pthread.h>\n#include <unistd.h>\n\
         static void *idle(void *a) { (void)a; pause(); return 0; }\n\
         __attribute__((constructor)) static void start(void) {\n\
         pthread_t t; pthread_create(&t, 0, idle, 0); }\n",
    )
    .unwrap();
    let main_src = dir.path().join("main.c");
    std::fs::write(
        &main_src,
        "#include <stdio.h>\nint main(void) { puts(\"main ran\"); return 0; }\n",
    )
    .unwrap();
    let lib = dir.path().join("libspawner.so");
    let prog = dir.path().join("threaded");
    let cc = |args: &[&std::ffi::OsStr]| {
        let status = Command::new("cc").args(args).status().expect("cc");
        assert!(status.success(), "cc {args:?}");
    };
    cc(&[
        "-shared".as_ref(),
        "-fPIC".as_ref(),
        "-pthread".as_ref(),
        "-o".as_ref(),
        lib.as_os_str(),
        lib_src.as_os_str(),
    ]);
    let rpath = format!("-Wl,-rpath,{}", dir.path().display());
    cc(&[
        "-o".as_ref(),
        prog.as_os_str(),
        main_src.as_os_str(),
        "-Wl,--no-as-needed".as_ref(),
        lib.as_os_str(),
        rpath.as_ref(),
    ]);
    make_reachable(dir.path());
    prog
}

#[test]
fn a_thread_started_before_the_preload_is_refused() {
    let dir = TempDir::new("threads");
    let prog = threaded_program(&dir);

    let unjailed = Command::new(&prog).output().expect("run unjailed");
    assert_eq!(String::from_utf8_lossy(&unjailed.stdout), "main ran\n");

    let mut jail = jail::Jail::new();
    jail.no_new_privs();
    let out = run_program(&jail, prog.to_str().unwrap(), &[]);
    assert_eq!(out.status, 252, "{out:?}");
    assert!(out.stdout.is_empty(), "main must not run: {out:?}");
    assert!(
        out.stderr.contains("more than one thread"),
        "{:?}",
        out.stderr
    );
}

/// A preload that fails after reading the handoff tells a launcher that
/// waits for the acknowledgement, which then reports the preload's own
/// status (252), not a program it killed as fail-open: every time, also
/// through a pid namespace's init.
#[test]
fn a_failing_preload_is_reported_as_such_to_a_waiting_launcher() {
    require_root!();
    let dir = TempDir::new("threads-wait");
    let prog = threaded_program(&dir);
    let minijail0 = target_dir().join("battery-minijail0");
    for args in [&["-n"][..], &["-p", "-n"]] {
        for _ in 0..5 {
            let out = Command::new(&minijail0)
                .args(args)
                .arg("--")
                .arg(&prog)
                .output()
                .expect("run minijail0");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(252), "{args:?}: {stderr}");
            assert!(out.stdout.is_empty(), "main must not run: {stderr}");
            assert!(
                stderr.contains("more than one thread")
                    && stderr.contains("could not apply the jail (exit status 252)")
                    && !stderr.contains("without acknowledging"),
                "{args:?}: {stderr}"
            );
        }
    }
}
