//! `jail policy record` on real programs: the recorded policy runs the same
//! command under `minijail0 -S FILE` with the same output; static programs
//! record from execve on; a timed-out run still writes what it saw, marked
//! incomplete; `--append` merges runs. And `jail policy generate` on an
//! strace log.

mod common;

use std::process::Output;

use common::{run, text};
use jail_testkit::{require_root, TempDir};

/// Record `jail_opts -- program` into `policy`, then run it with and
/// without the policy: both must succeed with the same output.
fn record_then_replay(dir: &TempDir, tag: &str, jail_opts: &[&str], program: &[&str]) -> String {
    let policy = dir.path().join(format!("{tag}.policy"));
    let policy = policy.to_str().unwrap();
    let mut rec = vec!["policy", "record", "--timeout", "60", "-o", policy];
    rec.extend(jail_opts);
    rec.push("--");
    rec.extend(program);
    let recorded = run("jail", &rec);
    assert_eq!(
        recorded.status.code(),
        Some(0),
        "{tag}: {}",
        text(&recorded.stderr)
    );
    let with = |extra: &[&str]| {
        let mut args: Vec<&str> = jail_opts.to_vec();
        args.extend(extra);
        args.push("--");
        args.extend(program);
        run("minijail0", &args)
    };
    let plain = with(&[]);
    let jailed = with(&["-S", policy]);
    assert_eq!(
        jailed.status.code(),
        Some(0),
        "{tag}: {}\n{}",
        text(&jailed.stderr),
        std::fs::read_to_string(policy).unwrap()
    );
    // `ls -la /` shows /proc's link count (one per process) and /tmp's
    // time, which other tests change meanwhile.
    let stable = |o: &Output| -> String {
        text(&o.stdout)
            .lines()
            .filter(|l| !l.ends_with(" proc") && !l.ends_with(" tmp"))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    assert_eq!(stable(&jailed), stable(&plain), "{tag}");
    assert_eq!(stable(&jailed), stable(&recorded), "{tag}");
    let freq = std::fs::read_to_string(format!("{policy}.frequency")).unwrap();
    assert!(
        freq.lines().all(|l| l
            .split_once(": ")
            .is_some_and(|(_, n)| n.parse::<u64>().is_ok())),
        "{freq}"
    );
    std::fs::read_to_string(policy).unwrap()
}

const HTTP: &str = r#"python3 -m http.server -b 127.0.0.1 8765 >/dev/null 2>&1 & s=$!
python3 -c '
import time, urllib.request
time.sleep(0.5)
for i in range(40):
    try:
        print(urllib.request.urlopen("http://127.0.0.1:8765/", timeout=5).status); break
    except OSError:
        time.sleep(0.25)
'
kill $s; echo served"#;

const THREADS: &str = "import threading
r = []
ts = [threading.Thread(target=lambda i=i: r.append(i * i)) for i in range(4)]
[t.start() for t in ts]
[t.join() for t in ts]
print(sorted(r))";

#[test]
fn recorded_policies_run_the_same_programs() {
    require_root!();
    let dir = TempDir::new("record");
    let ls = record_then_replay(&dir, "ls", &["-n"], &["/bin/ls", "-la", "/"]);
    assert!(
        ls.lines()
            .any(|l| l.starts_with("openat: arg2 in O_RDONLY")),
        "{ls}"
    );
    assert!(ls.contains("\nmmap: arg2 in ~PROT_EXEC\n"), "{ls}");
    assert!(ls.contains("\nexit_group: 1\n"), "{ls}");
    record_then_replay(&dir, "id", &["-n"], &["/usr/bin/id"]);
    record_then_replay(&dir, "cat", &["-n"], &["/bin/cat", "/etc/passwd"]);
    record_then_replay(
        &dir,
        "python",
        &["-n"],
        &[
            "/usr/bin/python3",
            "-c",
            "import json, os; print(json.dumps(sorted(os.listdir('/usr'))))",
        ],
    );
    record_then_replay(
        &dir,
        "pipeline",
        &["-n"],
        &["/bin/sh", "-c", "ls /usr | sort -r | head -3; echo done"],
    );
    let threads = record_then_replay(
        &dir,
        "threads",
        &["-n"],
        &["/usr/bin/python3", "-c", THREADS],
    );
    assert!(
        threads.contains("\nclone3: ") || threads.contains("\nclone: "),
        "{threads}"
    );
    let http = record_then_replay(&dir, "http", &["-n", "-e"], &["/bin/sh", "-c", HTTP]);
    let socket = http
        .lines()
        .find(|l| l.starts_with("socket: "))
        .unwrap_or_default();
    assert!(
        socket.contains("arg0 == AF_INET && arg1 in SOCK_STREAM"),
        "{http}"
    );
    // No-preload mode: the filter goes on before execve, so the loader's
    // calls are recorded too, and the policy says so.
    let stat = record_then_replay(&dir, "static", &["-n", "-T", "static"], &["/usr/bin/id"]);
    assert!(stat.contains("from execve on"), "{stat}");
    assert!(stat.contains("\nexecve: 1\n"), "{stat}");
}

#[test]
fn a_timed_out_recording_is_written_and_marked_incomplete() {
    require_root!();
    let dir = TempDir::new("record-timeout");
    let policy = dir.path().join("sleep.policy");
    let policy = policy.to_str().unwrap();
    let o = run(
        "jail",
        &[
            "policy",
            "record",
            "--timeout",
            "0.5",
            "-o",
            policy,
            "-n",
            "--",
            "/bin/sleep",
            "20",
        ],
    );
    assert_eq!(o.status.code(), Some(128 + 9), "{}", text(&o.stderr));
    let text_ = std::fs::read_to_string(policy).unwrap();
    assert!(
        text_.contains("# INCOMPLETE: the program was killed after the 0.5 s timeout"),
        "{text_}"
    );
    assert!(text_.contains("\nclock_nanosleep: 1\n"), "{text_}");
    // Appending a second run widens the policy to cover both programs.
    let merged = dir.path().join("merged.policy");
    let merged = merged.to_str().unwrap();
    for program in [&["/bin/cat", "/etc/hostname"][..], &["/bin/ls", "/usr"][..]] {
        let mut args = vec!["policy", "record", "--append", "-o", merged, "-n", "--"];
        args.extend(program);
        let o = run("jail", &args);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    }
    for program in [&["/bin/cat", "/etc/hostname"][..], &["/bin/ls", "/usr"][..]] {
        let mut args = vec!["-n", "-S", merged, "--"];
        args.extend(program);
        let o = run("minijail0", &args);
        assert_eq!(o.status.code(), Some(0), "{program:?}: {}", text(&o.stderr));
    }
    // Bad input: a program that does not exist gets minijail0's error.
    let o = run(
        "jail",
        &[
            "policy",
            "record",
            "-o",
            policy,
            "-n",
            "--",
            "/no/such/program",
        ],
    );
    assert_ne!(o.status.code(), Some(0));
    assert!(
        text(&o.stderr).contains("/no/such/program"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn generate_reads_strace_logs_as_upstream() {
    let dir = TempDir::new("generate");
    let log = dir.path().join("trace.txt");
    std::fs::write(
        &log,
        "100 openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = 3\n\
         100 ioctl(1, TCGETS, {...}) = 0\n\
         [pid 101] mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f\n\
         100 openat(AT_FDCWD, \"/etc/group\", O_RDONLY) = 4\n",
    )
    .unwrap();
    let o = run("jail", &["policy", "generate", log.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let lines: Vec<&str> = out.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines[0], "openat: 1", "{out}");
    assert!(lines.contains(&"ioctl: arg1 == TCGETS"), "{out}");
    assert!(lines.contains(&"mmap: arg2 in ~PROT_EXEC"), "{out}");
    for basic in [
        "restart_syscall: 1",
        "exit: 1",
        "exit_group: 1",
        "rt_sigreturn: 1",
    ] {
        assert!(lines.contains(&basic), "{out}");
    }
    let freq = dir.path().join("f.frequency");
    let pol = dir.path().join("p.policy");
    let o = run(
        "jail",
        &[
            "policy",
            "generate",
            "--policy",
            pol.to_str().unwrap(),
            "--frequency",
            freq.to_str().unwrap(),
            log.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let f = std::fs::read_to_string(&freq).unwrap();
    assert!(
        f.contains("\nexit: 1\nexit_group: 1\nioctl: 1\nmmap: 1\nopenat: 2\n"),
        "{f}"
    );
    let o = run("jail", &["policy", "generate", "/no/such/log"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(text(&o.stderr).contains("/no/such/log"));
}
