//! Small hand-written seccomp programs for tests that need a filter
//! without the policy compiler in the way.

use jail::{SeccompFilter, SockFilter};

pub const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
pub const RET_KILL_PROCESS: u32 = 0x8000_0000;
pub const RET_TRAP: u32 = 0x0003_0000;
pub const RET_ERRNO: u32 = 0x0005_0000;
pub const RET_ALLOW: u32 = 0x7fff_0000;

/// `BPF_LD | BPF_W | BPF_ABS`: load the 32-bit word at `offset` of
/// `struct seccomp_data` (0: syscall number, 4: architecture).
pub fn load(offset: u32) -> SockFilter {
    SockFilter {
        code: 0x20,
        jt: 0,
        jf: 0,
        k: offset,
    }
}

/// `BPF_JMP | BPF_JEQ | BPF_K`.
pub fn jump_if_equal(k: u32, jt: u8, jf: u8) -> SockFilter {
    SockFilter {
        code: 0x15,
        jt,
        jf,
        k,
    }
}

/// `BPF_RET | BPF_K`.
pub fn ret(action: u32) -> SockFilter {
    SockFilter {
        code: 0x06,
        jt: 0,
        jf: 0,
        k: action,
    }
}

/// A filter that returns `action` for the syscalls `numbers`, kills a
/// foreign architecture and allows everything else.
pub fn on_syscalls(numbers: &[libc::c_long], action: u32, label: &str) -> SeccompFilter {
    let count = numbers.len() as u8;
    let mut program = vec![
        load(4),
        jump_if_equal(AUDIT_ARCH_X86_64, 1, 0),
        ret(RET_KILL_PROCESS),
        load(0),
    ];
    for (i, &nr) in numbers.iter().enumerate() {
        // A match jumps over the remaining tests and the allow.
        program.push(jump_if_equal(nr as u32, count - i as u8, 0));
    }
    program.extend([ret(RET_ALLOW), ret(action)]);
    SeccompFilter {
        program,
        label: label.into(),
        ..SeccompFilter::default()
    }
}

/// mkdir and mkdirat fail with EPERM; everything else is allowed.
pub fn deny_mkdir(tsync: bool) -> SeccompFilter {
    SeccompFilter {
        tsync,
        ..on_syscalls(
            &[libc::SYS_mkdir, libc::SYS_mkdirat],
            RET_ERRNO | libc::EPERM as u32,
            "deny-mkdir",
        )
    }
}
