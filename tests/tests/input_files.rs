//! Configuration inputs are regular files of bounded size: `/dev/zero`,
//! `/dev/urandom` and a FIFO given as a policy, config file, `@include`,
//! `@frequency` file or compiled BPF are refused at once with one clear
//! line. Every run has a timeout and a memory cap, so a regression (a read
//! that never ends) fails the test instead of hanging or exhausting CI.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::time::{Duration, Instant};

use jail_tests::support::{target_dir, TempDir};

const TIMEOUT: Duration = Duration::from_secs(20);

/// Run minijail0 with `args` in `dir`: (exit status, stderr), or panic
/// after [`TIMEOUT`].
fn minijail0(dir: &Path, args: &[&str]) -> (i32, String) {
    let mut cmd = std::process::Command::new(target_dir().join("battery-minijail0"));
    cmd.args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; nothing else runs here.
    unsafe {
        cmd.pre_exec(|| {
            let cap = libc::rlimit {
                rlim_cur: 2 << 30,
                rlim_max: 2 << 30,
            };
            libc::setrlimit(libc::RLIMIT_AS, &cap);
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("run minijail0");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("minijail0 {args:?} still running after {TIMEOUT:?}: an unbounded read");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    (status.code().unwrap_or(-1), err)
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// (what it is given as, the file, the words the refusal must have)
fn cases(dir: &Path) -> Vec<(Vec<String>, String)> {
    let fifo = dir.join("fifo");
    mkfifo(&fifo);
    let fifo = fifo.to_str().unwrap().to_owned();
    let mut cases = Vec::new();
    for (bad, kind) in [
        ("/dev/zero", "a character device"),
        ("/dev/urandom", "a character device"),
        (fifo.as_str(), "a FIFO"),
    ] {
        let refusal =
            format!("{bad}`: it is {kind}, not a regular file: give the path of a regular file");
        let policy = |name: &str, text: String| {
            let p = dir.join(name);
            std::fs::write(&p, text).unwrap();
            p.to_str().unwrap().to_owned()
        };
        let tag = bad.replace('/', "_");
        let include = policy(&format!("include{tag}.policy"), format!("@include {bad}\n"));
        let frequency = policy(
            &format!("frequency{tag}.policy"),
            format!("@frequency {bad}\nread: 1\n"),
        );
        for args in [
            vec!["-n", "-S", bad],
            vec!["--config", bad],
            vec!["-n", "-S", &include],
            vec!["-n", "-S", &frequency],
            vec!["-n", "--seccomp-bpf-binary", bad],
        ] {
            let mut args: Vec<String> = args.into_iter().map(str::to_owned).collect();
            args.extend(["--".into(), "/bin/true".into()]);
            cases.push((args, refusal.clone()));
        }
    }
    cases
}

#[test]
fn devices_and_fifos_are_refused_as_configuration_files() {
    let dir = TempDir::new("bounded-reads");
    for (args, refusal) in cases(dir.path()) {
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let (status, err) = minijail0(dir.path(), &argv);
        assert_eq!(status, 1, "{args:?}: {err}");
        let first = err.lines().next().unwrap_or("").replace('\'', "`");
        assert!(
            first.starts_with("minijail0: ") && first.contains(&refusal),
            "{args:?}: {err}"
        );
        // The prefix hint is for include files that are missing, not for
        // ones that are there but of the wrong kind.
        assert!(!first.contains("--include-prefix"), "{args:?}: {err}");
    }
}

#[test]
fn a_policy_over_the_size_cap_is_refused() {
    let dir = TempDir::new("bounded-size");
    let big = dir.path().join("big.policy");
    let line = "# a comment line that pads the policy past the cap\n";
    let text = line.repeat((jail::input_file::MAX_BYTES as usize) / line.len() + 1);
    std::fs::write(&big, format!("{text}read: 1\n")).unwrap();
    let b = big.to_str().unwrap();
    for args in [
        vec!["-n", "-S", b, "--", "/bin/true"],
        vec!["--config", b, "--", "/bin/true"],
    ] {
        let (status, err) = minijail0(dir.path(), &args);
        assert_eq!(status, 1, "{args:?}: {err}");
        assert!(
            err.replace('\'', "`").contains(&format!(
                "{b}`: it is larger than 1048576 bytes, the limit for configuration files"
            )),
            "{args:?}: {err}"
        );
    }
    // Control: a policy under the cap, including a regular file, runs.
    let id_policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/policies/id.policy");
    let ok = dir.path().join("ok.policy");
    std::fs::write(&ok, format!("@include {}\n", id_policy.display())).unwrap();
    let (status, err) = minijail0(
        dir.path(),
        &["-n", "-S", ok.to_str().unwrap(), "--", "/usr/bin/id"],
    );
    assert_eq!(status, 0, "{err}");
}

#[test]
fn control_characters_in_inputs_are_escaped_in_messages() {
    let dir = TempDir::new("escape");
    let forged = "p\njail: all is well\x1b[2J.policy";
    let path = dir.path().join(forged);
    std::fs::write(&path, "read: 1\nbogus_call: 1\n").unwrap();
    let p = path.to_str().unwrap();
    for args in [
        vec!["-n", "-S", p, "--", "/bin/true"],
        vec!["--config", p, "--", "/bin/true"],
        vec!["-n", "--", p],
    ] {
        let (status, err) = minijail0(dir.path(), &args);
        assert_ne!(status, 0, "{args:?}: {err}");
        assert!(
            err.contains("p\\njail: all is well\\x1b[2J.policy"),
            "{args:?}: {err}"
        );
        assert!(!err.contains('\x1b'), "{args:?}: {err:?}");
        assert!(
            !err.lines().any(|l| l.starts_with("jail: all is well")),
            "a forged line: {err}"
        );
    }
}

#[test]
fn a_directory_as_the_program_is_named_as_such() {
    let dir = TempDir::new("dir-program");
    let d = dir.path().to_str().unwrap();
    let (status, err) = minijail0(dir.path(), &["--", d]);
    assert_eq!(status, 126, "{err}");
    assert_eq!(
        err.lines().next().unwrap_or(""),
        format!("minijail0: program '{d}' is a directory, not a program: give the path of an executable file")
    );
}
