//! Real policies compile as they are (jail's own in tests/data, and the
//! shared crosvm corpus when `JAIL_POLICY_CORPUS` names it), and the
//! compiled programs decide exactly as the policies say (direct evaluation)
//! and as seccompiler's own programs for the policies it can express.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use jail::seccomp::{
    self, compile_policy, interp, oracle, parse_file, syscall_name, Arch, CompileOptions, Policy,
    Program, SeccompData,
};

/// Every policy of every corpus here, with its compile options.
fn corpus() -> Vec<(PathBuf, CompileOptions)> {
    common::all()
        .iter()
        .flat_map(|c| c.policies().into_iter().map(|p| (p, c.options())))
        .collect()
}

/// Argument values worth trying for `policy`: every constant it compares
/// with, minus one, plus one, with and without the high half set.
fn interesting_values(policy: &Policy) -> Vec<u64> {
    let mut set = BTreeSet::from([0u64, 1, u64::MAX, 0xffff_ffff, 1 << 32]);
    for r in &policy.rules {
        for f in &r.filters {
            for clause in f.expr.iter().flatten() {
                for a in clause {
                    for c in [a.value, !a.value] {
                        for v in [c.wrapping_sub(1), c, c.wrapping_add(1)] {
                            set.insert(v);
                            set.insert(v | 0xffff_ffff_0000_0000);
                            set.insert(v & 0xffff_ffff);
                        }
                    }
                }
            }
        }
    }
    set.into_iter().collect()
}

/// For every syscall number (and a few beyond), and for listed syscalls every
/// interesting value in each argument position, `check` the decision.
fn sweep(policy: &Policy, mut check: impl FnMut(&SeccompData)) {
    let arch = policy.arch;
    let values = interesting_values(policy);
    let nrs: Vec<i64> = (0..600)
        .chain([0x4000_0000, 0x4000_0001, 0x7fff_ffff, -1])
        .collect();
    for nr in nrs {
        check(&SeccompData::new(arch, nr, [0; 6]));
        let Some(rule) = policy.rule(nr) else {
            continue;
        };
        let args: BTreeSet<u8> = rule
            .filters
            .iter()
            .flat_map(|f| f.expr.iter().flatten().flatten().map(|a| a.arg))
            .collect();
        for &arg in &args {
            for &v in &values {
                let mut a = [0u64; 6];
                a[arg as usize] = v;
                check(&SeccompData::new(arch, nr, a));
                // The other arguments at extreme values too.
                let mut b = [u64::MAX; 6];
                b[arg as usize] = v;
                check(&SeccompData::new(arch, nr, b));
            }
        }
    }
    // A foreign architecture.
    check(&SeccompData {
        arch: Arch::I386.audit_arch(),
        ..SeccompData::new(arch, 0, [0; 6])
    });
}

#[test]
fn every_corpus_policy_compiles() {
    for (path, opts) in corpus() {
        let prog = seccomp::compile_file(&path, &opts).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            prog.len() > 4 && prog.len() <= seccomp::BPF_MAXINSNS,
            "{}: {}",
            path.display(),
            prog.len()
        );
        // The raw form round-trips.
        assert_eq!(Program::from_bytes(&prog.to_bytes()).unwrap(), prog);
    }
}

#[test]
fn compiled_programs_match_direct_evaluation() {
    for (path, opts) in corpus() {
        let policy = parse_file(&path, &opts).unwrap();
        let prog = compile_policy(&policy, &path).unwrap();
        sweep(&policy, |d| {
            let want = policy.evaluate(d).action.to_ret();
            let got = interp::run(prog.instructions(), d)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(
                got.ret,
                want,
                "{}: nr {} ({:?}) args {:x?}",
                path.display(),
                d.nr,
                syscall_name(policy.arch, d.nr.into()),
                d.args
            );
        });
    }
}

#[test]
fn compiled_programs_match_seccompiler() {
    let mut compared = 0;
    for (path, opts) in corpus() {
        let mut o = opts;
        // seccompiler's arch check kills the process; use the same action.
        o.kill_action = seccomp::Action::KillProcess;
        let policy = parse_file(&path, &o).unwrap();
        let Ok(theirs) = oracle::program(&policy) else {
            continue;
        };
        let ours = compile_policy(&policy, &path).unwrap();
        compared += 1;
        sweep(&policy, |d| {
            // seccompiler does not deny x32 syscalls: compare regular numbers.
            if (d.nr as u32) >= 0x4000_0000 {
                return;
            }
            let a = interp::run(ours.instructions(), d).unwrap();
            let b = interp::run(&theirs, d).unwrap();
            assert_eq!(
                a.ret,
                b.ret,
                "{}: nr {} args {:x?}",
                path.display(),
                d.nr,
                d.args
            );
        });
    }
    // Our own common and device policies, and ten or more of crosvm's.
    let expected = 2 + if common::crosvm().is_some() { 10 } else { 0 };
    assert!(
        compared >= expected,
        "only {compared} policies were expressible in seccompiler"
    );
}

#[test]
fn aarch64_and_i386_compile_a_portable_policy() {
    let text = "read: 1\nwrite: 1\nopenat: arg2 in O_RDONLY|O_CLOEXEC|O_DIRECTORY\nexit_group: 1\n";
    for arch in [Arch::Aarch64, Arch::I386] {
        let o = CompileOptions::new(arch);
        let policy = seccomp::parse_str(text, Path::new("p.policy"), &o).unwrap();
        let prog = compile_policy(&policy, Path::new("p.policy")).unwrap();
        sweep(&policy, |d| {
            assert_eq!(
                interp::run(prog.instructions(), d).unwrap().ret,
                policy.evaluate(d).action.to_ret()
            );
        });
    }
}

#[test]
fn error_messages_point_at_the_problem() {
    let e = seccomp::compile_str(
        "read: 1\nioctl: arg1 == TCGEST\n",
        Path::new("/x/y.policy"),
        &CompileOptions::new(Arch::X86_64),
    )
    .unwrap_err();
    let e = format!("{e:#}");
    assert!(
        e.starts_with(
            "/x/y.policy:2:16: unknown constant on x86_64: `TCGEST`; did you mean `TCGETS`?"
        ),
        "{e}"
    );
    assert!(
        e.contains("\n    ioctl: arg1 == TCGEST\n                   ^^^^^^"),
        "{e}"
    );
}

#[test]
fn too_many_instructions_is_a_clear_error() {
    let mut text = String::from("read: ");
    let clauses: Vec<String> = (0..3000)
        .map(|i| format!("arg0 > {} && arg1 < {}", i * 7, i * 3))
        .collect();
    text.push_str(&clauses.join(" || "));
    let e = seccomp::compile_str(
        &text,
        Path::new("big.policy"),
        &CompileOptions::new(Arch::X86_64),
    )
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("big.policy: the compiled program has"), "{e}");
    assert!(e.contains("limit of 4096"), "{e}");
}

#[test]
fn why_seccompiler_cannot_express_the_others() {
    for (path, opts) in corpus() {
        let policy = parse_file(&path, &opts).unwrap();
        if let Err(e) = oracle::program(&policy) {
            // Only multiple actions keep a corpus policy out of seccompiler.
            assert!(
                matches!(e, oracle::OracleError::Actions(..)),
                "{}: {e}",
                path.display()
            );
        }
    }
}
