//! Launch overhead of minijail0 against a bare fork+execve, in one run.
//!
//! Run with `scripts/bench.sh` (it builds the release preload library
//! first). Prints, for each case, the mean and median wall time per launch
//! and the ratio and overhead against bare `/bin/true` measured in the same
//! run, plus the preload library's stripped size and the constructor's own
//! work (decode, prepare, apply) timed in-process.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 400;

fn time_runs(mut launch: impl FnMut()) -> (Duration, Duration) {
    for _ in 0..20 {
        launch();
    }
    let mut samples: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            launch();
            t.elapsed()
        })
        .collect();
    samples.sort_unstable();
    let mean = samples.iter().sum::<Duration>() / RUNS as u32;
    (mean, samples[RUNS / 2])
}

fn run_ok(cmd: &mut Command) {
    let status = cmd.status().expect("spawn");
    assert!(status.success(), "{cmd:?} failed: {status}");
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let minijail0 = env!("CARGO_BIN_EXE_minijail0");
    let preload = Path::new(minijail0).with_file_name("libjailpreload.so");
    assert!(
        preload.exists(),
        "build the preload first: cargo build --release -p jail-preload"
    );

    let (bare, bare_med) = time_runs(|| run_ok(&mut Command::new("/bin/true")));
    println!(
        "{:<48} {:>9} {:>9} {:>7} {:>11}",
        "case", "mean ms", "median", "ratio", "overhead ms"
    );
    println!(
        "{:<48} {:>9.3} {:>9.3} {:>7.2} {:>11.3}",
        "bare fork+execve /bin/true",
        ms(bare),
        ms(bare_med),
        1.0,
        0.0
    );
    let cases: [(&str, &[&str]); 4] = [
        ("minijail0 -- /bin/true (preload)", &["--", "/bin/true"]),
        (
            "minijail0 -T static -- /bin/true",
            &["-T", "static", "--", "/bin/true"],
        ),
        (
            "minijail0 -n -c 0 -u 65534 -- /bin/true",
            &["-n", "-c", "0", "-u", "65534", "--", "/bin/true"],
        ),
        (
            "minijail0 -p -v -r -l -e --uts -- /bin/true",
            &["-p", "-v", "-r", "-l", "-e", "--uts", "--", "/bin/true"],
        ),
    ];
    for (name, args) in cases {
        let (mean, med) = time_runs(|| run_ok(Command::new(minijail0).args(args)));
        println!(
            "{:<48} {:>9.3} {:>9.3} {:>7.2} {:>11.3}",
            name,
            ms(mean),
            ms(med),
            mean.as_secs_f64() / bare.as_secs_f64(),
            ms(mean.saturating_sub(bare))
        );
    }

    // Stripped size of the preload library.
    let stripped =
        std::env::temp_dir().join(format!("libjailpreload-stripped-{}.so", std::process::id()));
    let ok = Command::new("strip")
        .arg("-o")
        .arg(&stripped)
        .arg(&preload)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if ok {
        let size = std::fs::metadata(&stripped).map(|m| m.len()).unwrap_or(0);
        println!(
            "preload library stripped size: {} bytes ({:.0} KB)",
            size,
            size as f64 / 1024.0
        );
        let _ = std::fs::remove_file(&stripped);
    } else {
        println!("preload library stripped size: n/a (no strip)");
    }

    // The constructor's own work for a typical config (no_new_privs and a
    // 200-instruction filter that allows everything): decode, prepare,
    // apply. Applying is idempotent here, so it can be repeated in-process.
    let stage2 = jail_enter::Stage2 {
        no_new_privs: true,
        ..Default::default()
    };
    let bytes = jail_enter::encode(&stage2).unwrap();
    let n = 2000;
    let t = Instant::now();
    for _ in 0..n {
        let decoded = jail_enter::decode(&mut bytes.as_slice()).unwrap();
        let prepared = jail_enter::Prepared::new(&decoded).unwrap();
        prepared.apply().unwrap();
    }
    println!(
        "constructor work (decode + prepare + apply, no_new_privs): {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
