//! One fuzzing step, shared by the cargo-fuzz target and the tests that run
//! it on the seeds: parse and compile arbitrary bytes as a policy, and when
//! that succeeds, check that the compiled program decides like the policy
//! on a sample of syscalls and arguments. Panics on a disagreement or on a
//! malformed program; errors in the input are fine.

use std::io;
use std::path::Path;

use super::parser::{self, Loader, ParseOptions};
use super::policy::{Action, SeccompData};
use super::tables::Arch;
use super::{compile, interp};

/// Serves every `.policy` path a small policy (which includes
/// `./nested.policy`, a one-liner) and every other path a frequency file, so `@include` and `@frequency` are exercised without
/// touching the file system.
struct FuzzLoader;

impl Loader for FuzzLoader {
    fn load(&self, path: &Path) -> io::Result<String> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("policy") if path.ends_with("nested.policy") => Ok("exit_group: 1\n".into()),
            Some("policy") => {
                Ok("read: 1\nwrite: arg0 == 1 || arg0 == 2\n@include ./nested.policy\n".into())
            }
            Some("frequency") => Ok("read: 100\nwrite: 0x20\n".into()),
            _ => Err(io::Error::from(io::ErrorKind::NotFound)),
        }
    }
}

/// Run one input. The first byte picks the architecture and options.
pub fn policy_bytes(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let arch = Arch::ALL[usize::from(sel % 3)];
    let mut opts = ParseOptions::new(arch);
    opts.c_return_semantics = sel & 0x04 != 0;
    opts.denylist = sel & 0x08 != 0;
    if sel & 0x10 != 0 {
        opts.kill_action = Action::KillProcess;
    }
    if sel & 0x20 != 0 {
        opts.default_action = Some(Action::Log);
    }
    opts.include_depth_limit = 4;
    let text = String::from_utf8_lossy(rest);
    let Ok(policy) = parser::parse(&text, Path::new("/fuzz/input.policy"), &opts, &FuzzLoader)
    else {
        return;
    };
    let Ok(prog) = compile::compile(&policy) else {
        return;
    };
    assert!(prog.len() <= compile::BPF_MAXINSNS);
    // Sample: each listed syscall and a few others, with argument values
    // taken from the policy's constants.
    let mut values = vec![0u64, 1, u64::MAX, 1 << 32];
    for r in &policy.rules {
        for f in &r.filters {
            for a in f.expr.iter().flatten().flatten() {
                values.extend([
                    a.value,
                    a.value.wrapping_add(1),
                    a.value.wrapping_sub(1),
                    !a.value,
                ]);
            }
        }
    }
    values.sort_unstable();
    values.dedup();
    values.truncate(64);
    let nrs: Vec<i64> = policy
        .rules
        .iter()
        .map(|r| r.nr)
        .chain([0, 1, 5000, 0x4000_0000])
        .collect();
    for nr in nrs {
        for (i, &v) in values.iter().enumerate() {
            let args = [v, values[(i + 1) % values.len()], v, v ^ 1, 0, u64::MAX];
            let d = SeccompData::new(arch, nr, args);
            let want = policy.evaluate(&d).action.to_ret();
            let got = interp::run(&prog, &d).expect("compiled programs run to a return");
            assert_eq!(got.ret, want, "nr {nr} args {args:x?}\n{text}");
        }
    }
}
