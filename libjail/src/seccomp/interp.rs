//! A classic-BPF interpreter with seccomp's input and rules: runs a program
//! on a [`SeccompData`] and counts the instructions executed.

use super::policy::SeccompData;
use seccompiler::sock_filter;

/// The result of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The returned value (`SECCOMP_RET_*` | data).
    pub ret: u32,
    /// Instructions executed, the return included.
    pub executed: usize,
}

/// Why a program could not run to a return.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterpError {
    /// The program counter left the program.
    #[error("instruction {pc}: execution ran past the end of the {len}-instruction program")]
    OutOfBounds {
        /// Program counter.
        pc: usize,
        /// Program length.
        len: usize,
    },
    /// An opcode seccomp does not accept.
    #[error("instruction {pc}: unsupported opcode {code:#06x}")]
    BadOpcode {
        /// Program counter.
        pc: usize,
        /// The opcode.
        code: u16,
    },
    /// A load outside `seccomp_data` or not 4-byte aligned.
    #[error("instruction {pc}: load at offset {offset} is outside seccomp_data or misaligned")]
    BadLoad {
        /// Program counter.
        pc: usize,
        /// Offset.
        offset: u32,
    },
    /// Scratch memory index out of range.
    #[error("instruction {pc}: scratch memory index {index} out of range")]
    BadScratch {
        /// Program counter.
        pc: usize,
        /// Index.
        index: u32,
    },
    /// Division by a zero X.
    #[error("instruction {pc}: division by zero")]
    DivByZero {
        /// Program counter.
        pc: usize,
    },
    /// An empty program.
    #[error("empty program")]
    Empty,
}

// Instruction classes and fields (linux/bpf_common.h).
const CLASS: u16 = 0x07;
const LD: u16 = 0x00;
const LDX: u16 = 0x01;
const ST: u16 = 0x02;
const STX: u16 = 0x03;
const ALU: u16 = 0x04;
const JMP: u16 = 0x05;
const RET: u16 = 0x06;
const MISC: u16 = 0x07;

const SIZE_MODE: u16 = 0xf8;
const W_ABS: u16 = 0x20;
const W_IMM: u16 = 0x00;
const W_MEM: u16 = 0x60;
const W_LEN: u16 = 0x80;

const SRC_X: u16 = 0x08;
const OPMASK: u16 = 0xf0;

/// Run `program` on `data`.
pub fn run(program: &[sock_filter], data: &SeccompData) -> Result<Verdict, InterpError> {
    if program.is_empty() {
        return Err(InterpError::Empty);
    }
    let (mut a, mut x): (u32, u32) = (0, 0);
    let mut mem = [0u32; 16];
    let mut pc = 0usize;
    let mut executed = 0usize;
    loop {
        let ins = program.get(pc).ok_or(InterpError::OutOfBounds {
            pc,
            len: program.len(),
        })?;
        executed += 1;
        let bad = InterpError::BadOpcode { pc, code: ins.code };
        let k = ins.k;
        let scratch = |i: u32| -> Result<usize, InterpError> {
            if i < 16 {
                Ok(i as usize)
            } else {
                Err(InterpError::BadScratch { pc, index: i })
            }
        };
        match ins.code & CLASS {
            LD => {
                a = match ins.code & SIZE_MODE {
                    W_ABS => data.word(k).ok_or(InterpError::BadLoad { pc, offset: k })?,
                    W_IMM => k,
                    W_MEM => mem[scratch(k)?],
                    W_LEN => SeccompData::SIZE as u32,
                    _ => return Err(bad),
                }
            }
            LDX => {
                x = match ins.code & SIZE_MODE {
                    W_IMM => k,
                    W_MEM => mem[scratch(k)?],
                    W_LEN => SeccompData::SIZE as u32,
                    _ => return Err(bad),
                }
            }
            ST => mem[scratch(k)?] = a,
            STX => mem[scratch(k)?] = x,
            ALU => {
                let src = if ins.code & SRC_X != 0 { x } else { k };
                a = alu(ins.code, a, src, pc)?;
            }
            JMP => {
                let src = if ins.code & SRC_X != 0 { x } else { k };
                let taken = match ins.code & OPMASK {
                    0x00 => {
                        pc = pc + 1 + k as usize;
                        continue;
                    }
                    0x10 => a == src,
                    0x20 => a > src,
                    0x30 => a >= src,
                    0x40 => a & src != 0,
                    _ => return Err(bad),
                };
                pc += 1 + usize::from(if taken { ins.jt } else { ins.jf });
                continue;
            }
            RET => {
                let ret = match ins.code & 0x18 {
                    0x00 => k,
                    0x10 => a,
                    _ => return Err(bad),
                };
                return Ok(Verdict { ret, executed });
            }
            MISC => match ins.code {
                0x07 => x = a, // tax
                0x87 => a = x, // txa
                _ => return Err(bad),
            },
            _ => unreachable!("three-bit class"),
        }
        pc += 1;
    }
}

/// The ALU instruction `code` (at `pc`) on `a` and `src`.
fn alu(code: u16, a: u32, src: u32, pc: usize) -> Result<u32, InterpError> {
    Ok(match code & OPMASK {
        0x00 => a.wrapping_add(src),
        0x10 => a.wrapping_sub(src),
        0x20 => a.wrapping_mul(src),
        0x30 => a.checked_div(src).ok_or(InterpError::DivByZero { pc })?,
        0x40 => a | src,
        0x50 => a & src,
        0x60 => a.checked_shl(src).unwrap_or(0),
        0x70 => a.checked_shr(src).unwrap_or(0),
        0x80 => a.wrapping_neg(),
        0x90 => a.checked_rem(src).ok_or(InterpError::DivByZero { pc })?,
        0xa0 => a ^ src,
        _ => return Err(InterpError::BadOpcode { pc, code }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seccomp::compile::op;

    fn i(code: u16, jt: u8, jf: u8, k: u32) -> sock_filter {
        sock_filter { code, jt, jf, k }
    }

    #[test]
    fn runs_and_counts() {
        let prog = [
            i(op::LD_W_ABS, 0, 0, 0),
            i(op::JEQ_K, 0, 1, 39),
            i(op::RET_K, 0, 0, 0x7fff_0000),
            i(op::RET_K, 0, 0, 0),
        ];
        let d = SeccompData {
            nr: 39,
            ..Default::default()
        };
        assert_eq!(
            run(&prog, &d),
            Ok(Verdict {
                ret: 0x7fff_0000,
                executed: 3
            })
        );
        let d = SeccompData {
            nr: 1,
            ..Default::default()
        };
        assert_eq!(
            run(&prog, &d),
            Ok(Verdict {
                ret: 0,
                executed: 3
            })
        );
    }

    #[test]
    fn errors() {
        assert_eq!(run(&[], &SeccompData::default()), Err(InterpError::Empty));
        let prog = [i(op::LD_W_ABS, 0, 0, 2)];
        assert!(matches!(
            run(&prog, &SeccompData::default()),
            Err(InterpError::BadLoad { .. })
        ));
        let prog = [i(op::LD_W_ABS, 0, 0, 0)];
        assert!(matches!(
            run(&prog, &SeccompData::default()),
            Err(InterpError::OutOfBounds { .. })
        ));
        let prog = [i(op::JA, 0, 0, 7)];
        assert!(matches!(
            run(&prog, &SeccompData::default()),
            Err(InterpError::OutOfBounds { .. })
        ));
    }
}
