//! A small dynamically linked program that jailed tests run to look at
//! their jail from inside and to attempt what the jail should forbid.
//!
//! `probe status` prints one `key=value` per line; the other subcommands
//! print `ok` or `denied: <error>` and exit 0 either way, so a test can tell
//! "the attempt failed" from "the probe crashed".

use std::io::Write;

mod view;

fn status_field(name: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix(&format!("{name}:"))
                .map(|v| v.trim().to_owned())
        })
        .unwrap_or_default()
}

fn open_fds() -> Vec<String> {
    let mut fds: Vec<i32> = std::fs::read_dir("/proc/self/fd")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    fds.sort_unstable();
    // The directory handle used to list them is itself an open fd; drop
    // the ones that no longer exist.
    fds.into_iter()
        .filter(|&fd| unsafe { libc::fcntl(fd, libc::F_GETFD) } >= 0)
        .map(|fd| fd.to_string())
        .collect()
}

fn report(result: std::io::Result<()>) {
    match result {
        Ok(()) => println!("ok"),
        Err(e) => println!("denied: {e}"),
    }
}

fn last_error<T>(rc: i64, ok: T) -> std::io::Result<T> {
    if rc < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(ok)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    match arg(0) {
        "status" => {
            // SAFETY: plain id queries.
            let (uid, euid, gid) = unsafe { (libc::getuid(), libc::geteuid(), libc::getgid()) };
            println!("uid={uid}");
            println!("euid={euid}");
            println!("gid={gid}");
            println!("groups={}", status_field("Groups"));
            for f in [
                "CapInh",
                "CapPrm",
                "CapEff",
                "CapBnd",
                "CapAmb",
                "NoNewPrivs",
                "Seccomp",
                "Speculation_Store_Bypass",
                "SigBlk",
                "SigIgn",
            ] {
                println!("{f}={}", status_field(f));
            }
            // SAFETY: PR_GET_SECUREBITS takes no pointer.
            println!("securebits={}", unsafe {
                libc::prctl(libc::PR_GET_SECUREBITS)
            });
            let mut pdeathsig: libc::c_int = 0;
            // SAFETY: PR_GET_PDEATHSIG writes one int through the pointer.
            unsafe { libc::prctl(libc::PR_GET_PDEATHSIG, &mut pdeathsig as *mut libc::c_int) };
            println!("pdeathsig={pdeathsig}");
            println!(
                "LD_PRELOAD={}",
                std::env::var("LD_PRELOAD").unwrap_or_default()
            );
            println!(
                "handoff_var={}",
                std::env::vars().any(|(k, _)| k.contains("JAIL_HANDOFF"))
            );
            println!("fds={}", open_fds().join(","));
            println!("sid={}", unsafe { libc::getsid(0) });
            println!("pid={}", std::process::id());
        }
        "view" => view::print(&args[1..]),
        "env" => {
            for (k, v) in std::env::vars() {
                println!("{k}={v}");
            }
        }
        "bind" => {
            let port: u16 = arg(1).parse().expect("port");
            report(std::net::TcpListener::bind(("127.0.0.1", port)).map(drop));
        }
        "setuid" => {
            let uid: u32 = arg(1).parse().expect("uid");
            // SAFETY: plain syscall.
            report(last_error(
                unsafe { libc::setresuid(uid, uid, uid) }.into(),
                (),
            ));
        }
        "ls" => {
            let mut names: Vec<String> = std::fs::read_dir(arg(1))
                .map(|d| {
                    d.filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned()))
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            println!("{}", names.join(","));
        }
        "mkdir" => report(std::fs::create_dir(arg(1))),
        "write" => report(std::fs::write(arg(1), b"x")),
        "read" => report(std::fs::read(arg(1)).map(drop)),
        "getpid-raw" => {
            // SAFETY: plain syscall.
            report(last_error(unsafe { libc::syscall(libc::SYS_getpid) }, ()));
        }
        "sleep" => std::thread::sleep(std::time::Duration::from_secs(arg(1).parse().unwrap_or(60))),
        "exit" => std::process::exit(arg(1).parse().unwrap_or(0)),
        "kill-self" => {
            let sig: i32 = arg(1).parse().expect("signal");
            // SAFETY: signalling ourselves.
            unsafe { libc::kill(libc::getpid(), sig) };
            std::thread::sleep(std::time::Duration::from_secs(5));
        }
        "echo-stdin" => {
            let mut s = String::new();
            std::io::stdin().read_line(&mut s).ok();
            print!("{s}");
        }
        "fd-open" => {
            let fd: i32 = arg(1).parse().expect("fd");
            // SAFETY: F_GETFD only queries.
            let open = unsafe { libc::fcntl(fd, libc::F_GETFD) } >= 0;
            println!("{}", if open { "open" } else { "closed" });
        }
        "hog" => hog(arg(1).parse().expect("MiB")),
        "spin" => spin(arg(1).parse().expect("seconds")),
        "forkbomb" => forkbomb(arg(1).parse().expect("count")),
        other => {
            eprintln!("probe: unknown command '{other}'");
            std::process::exit(2);
        }
    }
    std::io::stdout().flush().ok();
}

/// Allocate and touch `mib` MiB, 1 MiB at a time; print how much.
fn hog(mib: usize) {
    let mut chunks = Vec::new();
    for _ in 0..mib {
        let mut chunk = vec![0u8; 1 << 20];
        for page in chunk.iter_mut().step_by(4096) {
            *page = 1;
        }
        chunks.push(chunk);
    }
    println!("allocated={mib}");
    std::hint::black_box(&chunks);
}

/// Spin for `secs` of wall time; print the CPU time this process got, in
/// CPUs (CPU seconds per wall second).
fn spin(secs: f64) {
    let start = std::time::Instant::now();
    let mut x = 0u64;
    while start.elapsed().as_secs_f64() < secs {
        for _ in 0..10_000 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
    }
    let wall = start.elapsed().as_secs_f64();
    // SAFETY: an all-zero timespec is a valid out-buffer.
    let mut cpu: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: clock_gettime writes one timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut cpu) };
    let cpu = cpu.tv_sec as f64 + cpu.tv_nsec as f64 / 1e9;
    println!("cpus={:.3}", cpu / wall);
}

/// Try to start `n` children that wait to be killed; print how many
/// started and how many forks failed, then kill and reap them.
fn forkbomb(n: usize) {
    let mut children = Vec::new();
    let mut failed = 0;
    for _ in 0..n {
        // SAFETY: the child only pauses until killed (async-signal-safe).
        match unsafe { libc::fork() } {
            0 => loop {
                // SAFETY: pause has no preconditions.
                unsafe { libc::pause() };
            },
            -1 => failed += 1,
            pid => children.push(pid),
        }
    }
    println!("started={} failed={failed}", children.len());
    std::io::stdout().flush().ok();
    for &pid in &children {
        // SAFETY: killing and reaping our own children.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
            libc::waitpid(pid, std::ptr::null_mut(), 0);
        }
    }
}
