//! Property tests: on random policies, the interpreter running the compiled
//! program decides exactly as a direct evaluation of the parsed policy.

use std::path::Path;

use jail::seccomp::{self, interp, Arch, CompileOptions, SeccompData};
use proptest::prelude::*;

const SYSCALLS: &[&str] = &[
    "read",
    "write",
    "close",
    "ioctl",
    "mmap",
    "fcntl",
    "socket",
    "getpid",
    "exit_group",
    "futex",
    "openat",
    "prctl",
    "clone",
    "madvise",
];

/// A constant as written in a policy; 64-bit numbers are cut to 32 bits on
/// i386.
#[derive(Clone, Debug)]
enum Value {
    Num(u64),
    Neg(u16),
    Text(&'static str),
}

impl Value {
    fn render(&self, arch: Arch) -> String {
        match self {
            Value::Num(v) if arch.bits() == 32 => format!("{:#x}", v & 0xffff_ffff),
            Value::Num(v) => format!("{v:#x}"),
            Value::Neg(v) => format!("-{v}"),
            Value::Text(t) => t.to_string(),
        }
    }
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0u64..8).prop_map(Value::Num),
        any::<u32>().prop_map(|v| Value::Num(v.into())),
        any::<u64>().prop_map(Value::Num),
        (1u16..1000).prop_map(Value::Neg),
        Just(Value::Num(1 << 32)),
        Just(Value::Num(0xffff_ffff_0000_0000)),
        prop::sample::select(vec![
            "PROT_EXEC",
            "~PROT_WRITE",
            "O_RDONLY|O_CLOEXEC|O_NONBLOCK",
            "~(PROT_READ|PROT_WRITE)",
            "(1|2)|0x10",
        ])
        .prop_map(Value::Text),
    ]
}

#[derive(Clone, Debug)]
struct AtomT(u8, &'static str, Value);

fn atom() -> impl Strategy<Value = AtomT> {
    let ops = prop::sample::select(vec!["==", "!=", "<", "<=", ">", ">=", "&", "in"]);
    (0u8..3, ops, value()).prop_map(|(a, op, v)| AtomT(a, op, v))
}

type Dnf = Vec<Vec<AtomT>>;

fn expr() -> impl Strategy<Value = Dnf> {
    prop::collection::vec(prop::collection::vec(atom(), 1..3), 1..5)
}

fn action() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("allow".to_string()),
        Just("1".to_string()),
        Just("kill-process".to_string()),
        Just("kill-thread".to_string()),
        Just("kill".to_string()),
        Just("trap".to_string()),
        Just("log".to_string()),
        Just("trace".to_string()),
        Just("user-notify".to_string()),
        (0u16..200).prop_map(|e| format!("return {e}")),
        Just("return EPERM".to_string()),
    ]
}

/// `(condition, action)`: at least one is present.
type Single = (Option<Dnf>, Option<String>);

fn single() -> impl Strategy<Value = Single> {
    prop_oneof![
        action().prop_map(|a| (None, Some(a))),
        expr().prop_map(|e| (Some(e), None)),
        (expr(), action()).prop_map(|(e, a)| (Some(e), Some(a))),
    ]
}

fn conditional() -> impl Strategy<Value = Single> {
    (expr(), prop::option::of(action())).prop_map(|(e, a)| (Some(e), a))
}

/// Syscalls, filters, and whether the filters are a braced list.
type Statement = (Vec<&'static str>, Vec<Single>, bool);

fn statement() -> impl Strategy<Value = Statement> {
    let names = prop::sample::subsequence(SYSCALLS.to_vec(), 1..3);
    let filters = prop_oneof![
        single().prop_map(|s| (vec![s], false)),
        (prop::collection::vec(conditional(), 0..3), single()).prop_map(|(mut v, last)| {
            v.push(last);
            (v, true)
        }),
    ];
    (names, filters).prop_map(|(n, (f, braced))| (n, f, braced))
}

fn render_dnf(dnf: &Dnf, arch: Arch) -> String {
    let clauses: Vec<String> = dnf
        .iter()
        .map(|c| {
            let atoms: Vec<String> = c
                .iter()
                .map(|AtomT(i, op, v)| format!("arg{i} {op} {}", v.render(arch)))
                .collect();
            atoms.join(" && ")
        })
        .collect();
    clauses.join(" || ")
}

/// Render the statements as policy text, dropping those that would add a
/// filter after an unconditional one (an error upstream too).
fn render(
    statements: &[Statement],
    default: Option<&str>,
    arch: Arch,
    c_semantics: bool,
) -> String {
    let mut closed: Vec<&str> = Vec::new();
    let mut out = String::new();
    for (names, filters, braced) in statements {
        if names.iter().any(|n| closed.contains(n)) {
            continue;
        }
        let text: Vec<String> = filters
            .iter()
            .map(|(e, a)| match (e, a) {
                (Some(e), Some(a)) => format!("{}; {a}", render_dnf(e, arch)),
                (Some(e), None) => render_dnf(e, arch),
                (None, Some(a)) => a.clone(),
                (None, None) => unreachable!("generated filters have a part"),
            })
            .collect();
        let (last_expr, last_action) = filters.last().expect("non-empty");
        let c_errno = c_semantics
            && !braced
            && last_expr.is_some()
            && last_action
                .as_deref()
                .is_some_and(|a| a.starts_with("return"));
        if last_expr.is_none() || c_errno {
            closed.extend(names.iter().copied());
        }
        let f = if *braced {
            format!("{{{}}}", text.join(", "))
        } else {
            text.join(", ")
        };
        if names.len() == 1 {
            out.push_str(&format!("{}: {f}\n", names[0]));
        } else {
            out.push_str(&format!("{{{}}}: {f}\n", names.join(", ")));
        }
    }
    if let Some(d) = default {
        out.push_str(&format!("@default {d}\n"));
    }
    out
}

fn args_strategy() -> impl Strategy<Value = [u64; 6]> {
    let v = prop_oneof![
        0u64..8,
        any::<u64>(),
        Just(u64::MAX),
        Just(0xffff_ffff),
        Just(1 << 32),
        Just(!4u64),
        Just(0x8_0000),
        (0u64..8).prop_map(|x| x | 0xffff_ffff_0000_0000),
    ];
    prop::array::uniform6(v)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn program_equals_direct_evaluation(
        statements in prop::collection::vec(statement(), 1..10),
        default in prop::option::of(prop::sample::select(vec!["kill-process", "trap", "log", "user-notify"])),
        arch in prop::sample::select(Arch::ALL.to_vec()),
        c_semantics in any::<bool>(),
        samples in prop::collection::vec((0usize..SYSCALLS.len() + 2, args_strategy()), 1..40),
    ) {
        let text = render(&statements, default, arch, c_semantics);
        let mut opts = CompileOptions::new(arch);
        opts.c_return_semantics = c_semantics;
        let policy = seccomp::parse_str(&text, Path::new("random.policy"), &opts)
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        let prog = seccomp::compile_policy(&policy, Path::new("random.policy")).unwrap();
        for (i, args) in samples {
            let nr = SYSCALLS.get(i).and_then(|n| seccomp::syscall_number(arch, n)).unwrap_or(1000 + i as i64);
            let data = SeccompData::new(arch, nr, args);
            let want = policy.evaluate(&data).action.to_ret();
            let got = interp::run(prog.instructions(), &data).unwrap();
            prop_assert_eq!(got.ret, want, "nr {} args {:x?}\n{}\n{}", nr, args, text, prog.listing(arch));
        }
    }
}

#[test]
fn shapes_of_64_bit_comparisons() {
    // c-1, c, c+1, with and without the high half set, for each operator.
    let c: u64 = 0x1_0000_0005;
    for op in ["==", "!=", "<", "<=", ">", ">=", "&", "in"] {
        let text = format!("read: arg0 {op} {c:#x}\n");
        let opts = CompileOptions::new(Arch::X86_64);
        let policy = seccomp::parse_str(&text, Path::new("t.policy"), &opts).unwrap();
        let prog = seccomp::compile_policy(&policy, Path::new("t.policy")).unwrap();
        for base in [c - 1, c, c + 1, 4, 5, 6] {
            for v in [base, base | 0xffff_ffff_0000_0000, base & 0xffff_ffff] {
                let d = SeccompData::new(Arch::X86_64, 0, [v, 0, 0, 0, 0, 0]);
                let got = interp::run(prog.instructions(), &d).unwrap().ret;
                assert_eq!(got, policy.evaluate(&d).action.to_ret(), "{op} {v:#x}");
            }
        }
    }
}
