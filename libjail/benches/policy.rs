//! Instructions executed by compiled corpus policies, beside seccompiler's
//! linear program for the same policy, and compile times.
//!
//! `cargo bench -p jail --bench policy`
//!
//! For every policy of the corpus ($JAIL_POLICY_CORPUS/crosvm-x86_64, or
//! jail's own test policies without it): the mean and the
//! maximum number of BPF instructions executed for each listed syscall
//! (arguments all zero), the mean for the unlisted syscalls of x86_64, the
//! same means for seccompiler's program where seccompiler can express the
//! policy (one match action), and the time to parse and compile.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jail::seccomp::{
    compile_policy, interp, oracle, parse_file, parse_str, sock_filter, tables, Arch,
    CompileOptions, Policy, SeccompData,
};

/// The crosvm corpus when `JAIL_POLICY_CORPUS` names one, else jail's own
/// test policies, with the install prefix their `@include`s use.
fn corpus() -> (PathBuf, &'static str) {
    match std::env::var_os("JAIL_POLICY_CORPUS") {
        Some(dir) => (
            PathBuf::from(dir).join("crosvm-x86_64"),
            "/usr/share/policy/crosvm",
        ),
        None => {
            eprintln!("JAIL_POLICY_CORPUS is not set: measuring jail's own test policies only");
            (
                PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/policies")),
                "/usr/share/policy/jail",
            )
        }
    }
}

fn executed(prog: &[sock_filter], arch: Arch, nr: i64) -> usize {
    interp::run(prog, &SeccompData::new(arch, nr, [0; 6]))
        .expect("runs")
        .executed
}

/// (mean, max) over listed syscalls, mean over unlisted ones.
fn costs(prog: &[sock_filter], policy: &Policy) -> (f64, usize, f64) {
    let listed: Vec<usize> = policy
        .rules
        .iter()
        .map(|r| executed(prog, policy.arch, r.nr))
        .collect();
    let unlisted: Vec<usize> = tables::syscalls(policy.arch)
        .into_iter()
        .filter(|(_, nr)| policy.rule(*nr).is_none())
        .map(|(_, nr)| executed(prog, policy.arch, nr))
        .collect();
    let mean = |v: &[usize]| v.iter().sum::<usize>() as f64 / v.len().max(1) as f64;
    (
        mean(&listed),
        listed.iter().copied().max().unwrap_or(0),
        mean(&unlisted),
    )
}

fn time<T>(mut f: impl FnMut() -> T) -> Duration {
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < Duration::from_millis(100) || n < 5 {
        std::hint::black_box(f());
        n += 1;
    }
    start.elapsed() / n
}

fn main() {
    let (dir, prefix) = corpus();
    let mut opts = CompileOptions::new(Arch::X86_64);
    opts.include_prefixes.push((prefix.into(), dir.clone()));
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "policy"))
        .collect();
    paths.sort();

    println!(
        "{:<36} {:>5} {:>5} {:>6} {:>4} {:>6} | {:>6} {:>6} | {:>9}",
        "policy", "rules", "insns", "mean", "max", "unlst", "lin", "lin-un", "compile"
    );
    let (mut sum_mean, mut n, mut worse) = (0.0, 0, 0);
    for path in &paths {
        let policy = parse_file(path, &opts).expect("parses");
        let prog = compile_policy(&policy, path).expect("compiles");
        let (mean, max, unl) = costs(prog.instructions(), &policy);
        let lin = match oracle::program(&policy) {
            Ok(p) => {
                let (lmean, _, lunl) = costs(&p, &policy);
                if mean > lmean {
                    worse += 1;
                }
                format!("{lmean:>6.2} {lunl:>6.2}")
            }
            Err(_) => format!("{:>6} {:>6}", "n/a", "n/a"),
        };
        let t = time(|| compile_policy(&parse_file(path, &opts).unwrap(), path).unwrap());
        let name = path.file_name().unwrap().to_string_lossy();
        println!(
            "{name:<36} {:>5} {:>5} {mean:>6.2} {max:>4} {unl:>6.2} | {lin} | {:>7.0}us",
            policy.rules.len(),
            prog.len(),
            t.as_secs_f64() * 1e6
        );
        sum_mean += mean;
        n += 1;
    }
    println!(
        "\ncorpus: mean instructions per listed syscall, averaged over {n} policies: {:.2} (target <= 12)",
        sum_mean / f64::from(n)
    );
    println!("policies where we execute more than seccompiler's linear program: {worse}");

    // A synthetic 150-rule policy: 110 plain, 40 with argument filters.
    let names: Vec<&str> = tables::syscalls(Arch::X86_64)
        .into_iter()
        .map(|(n, _)| n)
        .take(150)
        .collect();
    let mut text = String::new();
    for (i, name) in names.iter().enumerate() {
        if i % 4 == 0 && i < 160 {
            text.push_str(&format!(
                "{name}: arg0 == {i} || arg1 & 0x{:x} || arg2 in ~PROT_EXEC\n",
                1 << (i % 30)
            ));
        } else {
            text.push_str(&format!("{name}: 1\n"));
        }
    }
    let origin = Path::new("synthetic-150.policy");
    let parsed = parse_str(&text, origin, &opts).unwrap();
    let prog = compile_policy(&parsed, origin).unwrap();
    let t_parse = time(|| parse_str(&text, origin, &opts).unwrap());
    let t_compile = time(|| compile_policy(&parsed, origin).unwrap());
    println!(
        "synthetic 150-rule policy: {} instructions; parse {:.0}us, codegen {:.0}us (target < 1000us)",
        prog.len(),
        t_parse.as_secs_f64() * 1e6,
        t_compile.as_secs_f64() * 1e6
    );
}
