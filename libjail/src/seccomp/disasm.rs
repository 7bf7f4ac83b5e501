//! A readable listing of a BPF program: one line per instruction, absolute
//! jump targets, field names for loads, syscall names where the accumulator
//! holds the syscall number, and actions for returns.

use std::fmt::Write;

use super::policy::Action;
use super::tables::{self, Arch};
use seccompiler::sock_filter;

fn field(offset: u32) -> String {
    match offset {
        0 => "nr".into(),
        4 => "arch".into(),
        8 => "instruction_pointer".into(),
        12 => "instruction_pointer.hi".into(),
        16..=63 if offset & 3 == 0 => {
            let arg = (offset - 16) / 8;
            if offset & 7 == 0 {
                format!("arg{arg}.lo")
            } else {
                format!("arg{arg}.hi")
            }
        }
        _ => format!("{offset}"),
    }
}

fn arch_name(v: u32) -> Option<&'static str> {
    Arch::ALL
        .iter()
        .find(|a| a.audit_arch() == v)
        .map(|a| a.name())
}

/// What the accumulator holds at each instruction: the offset loaded, when
/// every path agrees.
fn loads(program: &[sock_filter]) -> Vec<Option<u32>> {
    // None: unreached yet; Some(None): unknown; Some(Some(o)): offset o.
    let mut st: Vec<Option<Option<u32>>> = vec![None; program.len() + 1];
    if !program.is_empty() {
        st[0] = Some(None);
    }
    let merge = |slot: &mut Option<Option<u32>>, v: Option<u32>| {
        *slot = match *slot {
            None => Some(v),
            Some(old) if old == v => Some(v),
            Some(_) => Some(None),
        }
    };
    for (pc, ins) in program.iter().enumerate() {
        let Some(cur) = st[pc] else { continue };
        let class = ins.code & 0x07;
        let after = if ins.code == super::compile::op::LD_W_ABS {
            Some(ins.k)
        } else if class == 0x00 || class == 0x04 || ins.code == 0x87 {
            None
        } else {
            cur
        };
        let mut succ = |t: usize| {
            if t < st.len() {
                merge(&mut st[t], after);
            }
        };
        match class {
            0x05 if ins.code & 0xf0 == 0 => succ(pc + 1 + ins.k as usize),
            0x05 => {
                succ(pc + 1 + usize::from(ins.jt));
                succ(pc + 1 + usize::from(ins.jf));
            }
            0x06 => {}
            _ => succ(pc + 1),
        }
    }
    st.into_iter().map(|s| s.flatten()).collect()
}

/// The listing of `program`, with syscall names of `arch`.
pub fn listing(program: &[sock_filter], arch: Arch) -> String {
    let width = program.len().saturating_sub(1).to_string().len();
    let a_holds = loads(program);
    let mut out = String::new();
    for (pc, ins) in program.iter().enumerate() {
        let k = ins.k;
        let name_of = |k: u32| -> String {
            match a_holds[pc] {
                Some(0) => tables::syscall_name(arch, i64::from(k))
                    .map(|n| format!("  ; {n}"))
                    .unwrap_or_default(),
                Some(4) => arch_name(k)
                    .map(|n| format!("  ; AUDIT_ARCH {n}"))
                    .unwrap_or_default(),
                _ => String::new(),
            }
        };
        let text = match ins.code {
            0x20 => format!("ld   [{}]", field(k)),
            0x00 => format!("ld   #{k:#x}"),
            0x01 => format!("ldx  #{k:#x}"),
            0x60 => format!("ld   M[{k}]"),
            0x61 => format!("ldx  M[{k}]"),
            0x80 => "ld   #len".into(),
            0x02 => format!("st   M[{k}]"),
            0x03 => format!("stx  M[{k}]"),
            0x05 => format!("ja   {}", pc + 1 + k as usize),
            0x15 | 0x25 | 0x35 | 0x45 => {
                let m = match ins.code {
                    0x15 => "jeq ",
                    0x25 => "jgt ",
                    0x35 => "jge ",
                    _ => "jset",
                };
                let (t, f) = (pc + 1 + usize::from(ins.jt), pc + 1 + usize::from(ins.jf));
                format!("{m} #{k:#x}  -> {t}, {f}{}", name_of(k))
            }
            0x06 => match Action::from_ret(k) {
                Some(a) => format!("ret  {a}"),
                None => format!("ret  #{k:#x}"),
            },
            0x16 => "ret  a".into(),
            0x07 => "tax".into(),
            0x87 => "txa".into(),
            c => format!(".insn code={c:#06x} jt={} jf={} k={k:#x}", ins.jt, ins.jf),
        };
        let _ = writeln!(out, "{pc:>width$}: {text}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seccomp::compile::op;

    #[test]
    fn names_syscalls_and_actions() {
        let prog = [
            sock_filter {
                code: op::LD_W_ABS,
                jt: 0,
                jf: 0,
                k: 4,
            },
            sock_filter {
                code: op::JEQ_K,
                jt: 0,
                jf: 3,
                k: Arch::X86_64.audit_arch(),
            },
            sock_filter {
                code: op::LD_W_ABS,
                jt: 0,
                jf: 0,
                k: 0,
            },
            sock_filter {
                code: op::JEQ_K,
                jt: 1,
                jf: 0,
                k: 39,
            },
            sock_filter {
                code: op::RET_K,
                jt: 0,
                jf: 0,
                k: 0,
            },
            sock_filter {
                code: op::RET_K,
                jt: 0,
                jf: 0,
                k: 0x7fff_0000,
            },
        ];
        let l = listing(&prog, Arch::X86_64);
        assert!(
            l.contains("1: jeq  #0xc000003e  -> 2, 5  ; AUDIT_ARCH x86_64"),
            "{l}"
        );
        assert!(l.contains("3: jeq  #0x27  -> 5, 4  ; getpid"), "{l}");
        assert!(l.contains("5: ret  allow"), "{l}");
        assert!(l.contains("2: ld   [nr]"), "{l}");
    }
}
