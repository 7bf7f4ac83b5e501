//! Launch overhead of minijail0 against a bare fork+execve, in one run.
//!
//! Run with `scripts/bench.sh`: it builds the release, installs it into a
//! scratch prefix (a static musl minijail0 when the target is available)
//! and names that binary in `JAIL_BENCH_MINIJAIL0`. Every case runs once
//! per round, rounds interleaved, so drift in the machine's speed hits all
//! cases alike. Prints, per case, the mean and median wall time per
//! launch and the ratio and overhead against bare `/bin/true` from the same
//! rounds, then the preload library's stripped size and the constructor's
//! own work (decode, prepare, apply) timed in-process.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const ROUNDS: usize = 400;
const WARMUP: usize = 20;

struct Case {
    name: String,
    program: PathBuf,
    args: Vec<String>,
    samples: Vec<Duration>,
}

fn launch(case: &Case) -> Duration {
    let t = Instant::now();
    let status = Command::new(&case.program)
        .args(&case.args)
        .status()
        .expect("spawn");
    let elapsed = t.elapsed();
    assert!(status.success(), "{} failed: {status}", case.name);
    elapsed
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let built = PathBuf::from(env!("CARGO_BIN_EXE_minijail0"));
    let installed = std::env::var_os("JAIL_BENCH_MINIJAIL0").map(PathBuf::from);
    let preload = built.with_file_name("libjailpreload.so");
    assert!(
        preload.exists(),
        "build the preload first: cargo build --release -p jail-preload"
    );
    let mut launchers = vec![("cargo build", built)];
    if let Some(path) = &installed {
        launchers.insert(0, ("installed", path.clone()));
    }
    let mut cases = cases(installed.as_deref(), &launchers);
    for (label, path) in &launchers {
        println!("{label} minijail0: {} ({})", path.display(), linkage(path));
    }
    run_interleaved(&mut cases);
    print_table(&mut cases);
    print_preload_size(&preload);
    time_constructor();
}

fn case(name: String, program: &Path, args: &[&str]) -> Case {
    Case {
        name,
        program: program.to_owned(),
        args: args.iter().map(|a| a.to_string()).collect(),
        samples: vec![],
    }
}

/// Bare /bin/true first (the ratios' base), the floors and the reference
/// that this machine provides, then each recipe under each launcher.
fn cases(installed: Option<&Path>, launchers: &[(&str, PathBuf)]) -> Vec<Case> {
    let mut cases = vec![case(
        "bare fork+execve /bin/true".into(),
        Path::new("/bin/true"),
        &[],
    )];
    // Floors, when scripts/bench.sh provides them: what any launcher
    // costs, and what any preload costs on top of this minijail0.
    if let Some(floor) = std::env::var_os("JAIL_BENCH_FLOOR") {
        cases.push(case(
            "floor: spawn_and_wait /bin/true (no jail)".into(),
            Path::new(&floor),
            &["/bin/true"],
        ));
    }
    if let (Some(path), Some(minimal)) = (installed, std::env::var_os("JAIL_BENCH_MINIMAL_PRELOAD"))
    {
        let minimal = minimal.to_string_lossy().into_owned();
        cases.push(case(
            "floor: installed minijail0, minimal C preload".into(),
            path,
            &["--preload-library", &minimal, "--", "/bin/true"],
        ));
    }
    if let Some(ns_floor) = std::env::var_os("JAIL_BENCH_NS_FLOOR") {
        cases.push(case(
            "floor: the namespaced case's kernel work, from C".into(),
            Path::new(&ns_floor),
            &["/bin/true"],
        ));
    }
    // A reference for the namespaced case: util-linux's unshare making the
    // same namespaces and a fresh /proc (where it runs: root, util-linux).
    let unshare_args = ["-fpmiun", "--mount-proc", "/bin/true"];
    let unshare = Path::new("/usr/bin/unshare");
    if Command::new(unshare)
        .args(unshare_args)
        .status()
        .is_ok_and(|s| s.success())
    {
        cases.push(case(
            "reference: unshare -fpmiun --mount-proc /bin/true".into(),
            unshare,
            &unshare_args,
        ));
    }
    let recipes: [(&str, &[&str]); 4] = [
        ("-- /bin/true (preload)", &["--", "/bin/true"]),
        (
            "-T static -- /bin/true",
            &["-T", "static", "--", "/bin/true"],
        ),
        (
            "-n -c 0 -u 65534 -- /bin/true",
            &["-n", "-c", "0", "-u", "65534", "--", "/bin/true"],
        ),
        (
            "-p -v -r -l -e --uts -- /bin/true",
            &["-p", "-v", "-r", "-l", "-e", "--uts", "--", "/bin/true"],
        ),
    ];
    for (label, path) in launchers {
        for (recipe, args) in recipes {
            cases.push(case(format!("{label}: minijail0 {recipe}"), path, args));
        }
    }
    cases
}

/// Every case once per round, rounds interleaved; the warm-up rounds are
/// not kept.
fn run_interleaved(cases: &mut [Case]) {
    for round in 0..WARMUP + ROUNDS {
        for case in cases.iter_mut() {
            let elapsed = launch(case);
            if round >= WARMUP {
                case.samples.push(elapsed);
            }
        }
    }
}

/// Mean and median of a case's samples (sorting them).
fn stats(case: &mut Case) -> (Duration, Duration) {
    case.samples.sort_unstable();
    let mean = case.samples.iter().sum::<Duration>() / case.samples.len() as u32;
    (mean, case.samples[case.samples.len() / 2])
}

/// Per case: mean, median, and ratio and overhead against the first (bare) case.
fn print_table(cases: &mut [Case]) {
    let (bare, _) = stats(&mut cases[0]);
    println!(
        "{:<58} {:>8} {:>8} {:>6} {:>11}",
        "case", "mean ms", "median", "ratio", "overhead ms"
    );
    for case in cases.iter_mut() {
        let (mean, median) = stats(case);
        println!(
            "{:<58} {:>8.3} {:>8.3} {:>6.2} {:>11.3}",
            case.name,
            ms(mean),
            ms(median),
            mean.as_secs_f64() / bare.as_secs_f64(),
            ms(mean) - ms(bare)
        );
    }
}

/// Stripped size of the preload library.
fn print_preload_size(preload: &Path) {
    let stripped =
        std::env::temp_dir().join(format!("libjailpreload-stripped-{}.so", std::process::id()));
    let ok = Command::new("strip")
        .arg("-o")
        .arg(&stripped)
        .arg(preload)
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
}

/// The constructor's own work for a typical config (no_new_privs):
/// decode, prepare, apply. Applying is idempotent here, so it can be
/// repeated in-process.
fn time_constructor() {
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

/// "static" or "dynamic", from the ELF program headers (PT_INTERP).
fn linkage(path: &Path) -> &'static str {
    use jail::program::{inspect, HostView, Linkage};
    match inspect(path, &HostView::host()).map(|info| info.linkage) {
        Ok(Linkage::Static) => "static",
        Ok(Linkage::Dynamic) => "dynamic",
        _ => "unknown linkage",
    }
}
