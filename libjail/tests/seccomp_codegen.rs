//! Code generation properties beyond the corpus: long programs (jumps past
//! 255 instructions), @frequency shaping the search tree, the x32 and
//! foreign-architecture checks, and the syscall tables against upstream's
//! constants.json.

use std::path::Path;

use jail::seccomp::{
    self, interp, tables, Action, Arch, CompileOptions, Policy, Program, SeccompData,
};

mod common;

fn build(text: &str, arch: Arch) -> (Policy, Program) {
    let o = CompileOptions::new(arch);
    let policy =
        seccomp::parse_str(text, Path::new("t.policy"), &o).unwrap_or_else(|e| panic!("{e}"));
    let prog =
        seccomp::compile_policy(&policy, Path::new("t.policy")).unwrap_or_else(|e| panic!("{e}"));
    (policy, prog)
}

fn agree(policy: &Policy, prog: &Program, d: &SeccompData) -> usize {
    let v = interp::run(prog.instructions(), d).unwrap();
    assert_eq!(
        v.ret,
        policy.evaluate(d).action.to_ret(),
        "nr {} args {:x?}",
        d.nr,
        d.args
    );
    v.executed
}

#[test]
fn long_programs_jump_correctly() {
    // 30 syscalls, each with a distinct 6-clause filter and its own errno:
    // well over 255 instructions, so some jumps need trampolines or copies.
    let names: Vec<&str> = tables::syscalls(Arch::X86_64)
        .into_iter()
        .map(|(n, _)| n)
        .step_by(3)
        .take(30)
        .collect();
    let mut text = String::new();
    for (i, n) in names.iter().enumerate() {
        let clauses: Vec<String> = (0..6)
            .map(|j| {
                format!(
                    "arg0 > {} && arg1 < {}",
                    i * 100 + j * 7,
                    0x1_0000_0000u64 + j as u64
                )
            })
            .collect();
        text.push_str(&format!(
            "{n}: {}; return {}\n",
            clauses.join(" || "),
            i + 1
        ));
    }
    let (policy, prog) = build(&text, Arch::X86_64);
    assert!(prog.len() > 600, "only {} instructions", prog.len());
    let listing = prog.listing(Arch::X86_64);
    let far = listing.lines().filter(|l| l.contains(": ja ")).count();
    eprintln!("{} instructions, {far} trampolines", prog.len());
    assert!(far > 0, "expected long jumps in\n{listing}");
    for r in &policy.rules {
        for a0 in [0u64, 5, 99, 100, 101, 150, 1000, 6000, u64::MAX] {
            for a1 in [0u64, 0xffff_ffff, 0x1_0000_0003, 0x1_0000_0008, u64::MAX] {
                agree(
                    &policy,
                    &prog,
                    &SeccompData::new(Arch::X86_64, r.nr, [a0, a1, 0, 0, 0, 0]),
                );
            }
        }
    }
    for nr in 0..400 {
        agree(&policy, &prog, &SeccompData::new(Arch::X86_64, nr, [0; 6]));
    }
}

#[test]
fn frequency_puts_hot_syscalls_higher() {
    let names: Vec<&str> = tables::syscalls(Arch::X86_64)
        .into_iter()
        .map(|(n, _)| n)
        .step_by(2)
        .take(64)
        .collect();
    let plain: String = names.iter().map(|n| format!("{n}: 1\n")).collect();
    let hot = names[37];
    let dir = jail_testkit::TempDir::new("seccomp-freq");
    let dir = dir.path();
    std::fs::write(dir.join("f.frequency"), format!("{hot}: 1000000\n")).unwrap();
    std::fs::write(
        dir.join("p.policy"),
        format!("@frequency ./f.frequency\n{plain}"),
    )
    .unwrap();
    let o = CompileOptions::new(Arch::X86_64);
    let weighted = seccomp::compile_file(dir.join("p.policy"), &o).unwrap();
    let uniform = seccomp::compile_str(&plain, Path::new("u.policy"), &o).unwrap();
    let nr = seccomp::syscall_number(Arch::X86_64, hot).unwrap();
    let d = SeccompData::new(Arch::X86_64, nr, [0; 6]);
    let w = interp::run(weighted.instructions(), &d).unwrap().executed;
    let u = interp::run(uniform.instructions(), &d).unwrap().executed;
    assert!(
        w < u,
        "hot syscall: {w} instructions with @frequency, {u} without"
    );
    assert!(w <= 6, "hot syscall takes {w} instructions");
}

#[test]
fn foreign_arch_and_x32_are_denied() {
    let (policy, prog) = build("@default log\nread: 1\n", Arch::X86_64);
    let run = |d: SeccompData| {
        Action::from_ret(interp::run(prog.instructions(), &d).unwrap().ret).unwrap()
    };
    assert_eq!(
        run(SeccompData::new(Arch::X86_64, 0, [0; 6])),
        Action::Allow
    );
    assert_eq!(run(SeccompData::new(Arch::X86_64, 1, [0; 6])), Action::Log);
    // x32 read (0x40000000 | 0) and a foreign arch get the kill action even
    // though the default is permissive.
    assert_eq!(
        run(SeccompData::new(Arch::X86_64, 0x4000_0000, [0; 6])),
        Action::KillThread
    );
    assert_eq!(
        run(SeccompData::new(Arch::I386, 3, [0; 6])),
        Action::KillThread
    );
    assert_eq!(
        run(SeccompData::new(Arch::Aarch64, 63, [0; 6])),
        Action::KillThread
    );
    let d = SeccompData::new(Arch::I386, 3, [0; 6]);
    assert_eq!(policy.evaluate(&d).action, Action::KillThread);
}

#[test]
fn i386_compares_only_the_low_word() {
    let (policy, prog) = build("read: arg0 == 5 || arg1 in ~PROT_EXEC\n", Arch::I386);
    for a0 in [4u64, 5, 6, 0xffff_ffff] {
        for a1 in [0u64, 4, 3, 0xffff_fffb] {
            agree(
                &policy,
                &prog,
                &SeccompData::new(Arch::I386, 3, [a0, a1, 0, 0, 0, 0]),
            );
        }
    }
    assert!(!prog.listing(Arch::I386).contains(".hi]"));
}

#[test]
fn x86_64_table_matches_upstream_constants_json() {
    let crosvm = require_crosvm!();
    let json = std::fs::read_to_string(crosvm.dir.join("constants.json")).unwrap();
    let start = json.find("\"syscalls\": {").expect("syscalls section");
    let body = &json[start + 13..];
    let body = &body[..body.find('}').unwrap()];
    let mut n = 0;
    for line in body.lines() {
        let Some((name, nr)) = line.trim().trim_end_matches(',').split_once(':') else {
            continue;
        };
        let name = name.trim().trim_matches('"');
        let nr: i64 = nr.trim().parse().unwrap();
        assert_eq!(
            seccomp::syscall_number(Arch::X86_64, name),
            Some(nr),
            "{name}"
        );
        n += 1;
    }
    assert!(n > 300, "{n}");
}

#[test]
fn log_failures_logs_unlisted_syscalls() {
    let mut o = CompileOptions::new(Arch::X86_64);
    o.log_failures = true;
    let prog =
        seccomp::compile_str("read: 1\nwrite: arg0 == 1\n", Path::new("l.policy"), &o).unwrap();
    let act = |nr, a0| {
        prog.run(&SeccompData::new(Arch::X86_64, nr, [a0, 0, 0, 0, 0, 0]))
            .unwrap()
            .0
    };
    assert_eq!(act(0, 0), Action::Allow);
    assert_eq!(act(1, 2), Action::Log);
    assert_eq!(act(39, 0), Action::Log);
    // An explicit default wins (Trap for kernels without SECCOMP_RET_LOG).
    o.default_action = Some(Action::Trap);
    let prog = seccomp::compile_str("read: 1\n", Path::new("l.policy"), &o).unwrap();
    assert_eq!(
        prog.run(&SeccompData::new(Arch::X86_64, 39, [0; 6]))
            .unwrap()
            .0,
        Action::Trap
    );
}
