//! The SIGSYS handler for `-L` on kernels without SECCOMP_RET_LOG: the
//! filter traps instead of killing, and this handler names the blocked
//! syscall on stderr, then lets the process die of SIGSYS as it would have.

use std::sync::OnceLock;

static NAMES: OnceLock<Vec<String>> = OnceLock::new();

/// Syscall names by number, for the message. Set once, before the handler.
pub(crate) fn set_names(names: Vec<String>) {
    let _ = NAMES.set(names);
}

/// A fixed buffer the handler formats into: no allocation in a signal handler.
struct LineBuf {
    bytes: [u8; 256],
    len: usize,
}

impl LineBuf {
    fn push(&mut self, s: &[u8]) {
        let n = s.len().min(self.bytes.len() - self.len);
        self.bytes[self.len..self.len + n].copy_from_slice(&s[..n]);
        self.len += n;
    }

    fn push_num(&mut self, mut v: u64, radix: u64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b"0123456789abcdef"[(v % radix) as usize];
            v /= radix;
            if v == 0 {
                break;
            }
        }
        self.push(&digits[i..]);
    }
}

/// The six syscall arguments from the interrupted context; None where this
/// architecture's registers are not known here.
fn syscall_args(ctx: *mut libc::c_void) -> Option<[u64; 6]> {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: for SA_SIGINFO handlers the third argument is a ucontext_t.
        let g = unsafe { &(*(ctx as *const libc::ucontext_t)).uc_mcontext.gregs };
        Some(
            [
                libc::REG_RDI,
                libc::REG_RSI,
                libc::REG_RDX,
                libc::REG_R10,
                libc::REG_R8,
                libc::REG_R9,
            ]
            .map(|r| g[r as usize] as u64),
        )
    }
    #[cfg(target_arch = "aarch64")]
    {
        // SAFETY: for SA_SIGINFO handlers the third argument is a ucontext_t.
        let r = unsafe { &(*(ctx as *const libc::ucontext_t)).uc_mcontext.regs };
        Some([r[0], r[1], r[2], r[3], r[4], r[5]])
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        let _ = ctx;
        None
    }
}

/// The head of a `siginfo_t` for a seccomp SIGSYS (the kernel's
/// `_sigsys` member of the union), which libc does not expose. As a C
/// struct, the pointer's alignment puts `call_addr` where the union
/// starts on every ABI (offset 16 on 64-bit, 12 on 32-bit).
#[repr(C)]
struct SigsysInfo {
    signo: libc::c_int,
    errno: libc::c_int,
    code: libc::c_int,
    call_addr: *mut libc::c_void,
    syscall: libc::c_int,
    arch: libc::c_uint,
}

const _: () = assert!(std::mem::size_of::<SigsysInfo>() <= std::mem::size_of::<libc::siginfo_t>());

extern "C" fn handle_sigsys(_sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel hands a valid siginfo for SIGSYS from seccomp,
    // larger than SigsysInfo (checked above).
    let nr = unsafe { (*(info as *const SigsysInfo)).syscall };
    let args = syscall_args(ctx);
    let mut line = LineBuf {
        bytes: [0; 256],
        len: 0,
    };
    line.push(b"blocked syscall: ");
    let name = NAMES
        .get()
        .and_then(|n| usize::try_from(nr).ok().and_then(|i| n.get(i)))
        .filter(|s| !s.is_empty());
    line.push(name.map_or(b"unknown".as_slice(), |s| s.as_bytes()));
    line.push(b" (nr ");
    line.push_num(nr as u64, 10);
    line.push(b")");
    if let Some(args) = args {
        line.push(b" args");
        for arg in args {
            line.push(b" 0x");
            line.push_num(arg, 16);
        }
    }
    line.push(b"\n");
    // SAFETY: write(2) is async-signal-safe; the buffer is live.
    unsafe { libc::write(2, line.bytes.as_ptr().cast(), line.len) };
    // Re-issue the blocked call with its own arguments: the filter gives
    // the same verdict (TRAP), and as SIGSYS is blocked in this handler the
    // kernel kills the process with it, exactly as without logging. Other
    // arguments could be ones the policy allows, so without the real ones
    // the call is not re-issued at all.
    if let Some(a) = args {
        // SAFETY: the filter traps this call with these arguments.
        unsafe { libc::syscall(nr as libc::c_long, a[0], a[1], a[2], a[3], a[4], a[5]) };
    }
    // SAFETY: the fallback: the process still ends, with minijail's code.
    unsafe { libc::_exit(crate::EXIT_JAIL_FAILED) };
}

/// Install the handler. Returns the errno on failure.
pub(crate) fn install() -> Result<(), i32> {
    // SAFETY: an all-zero sigaction is valid; we fill handler and flags.
    let mut act: libc::sigaction = unsafe { std::mem::zeroed() };
    let handler: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
        handle_sigsys;
    act.sa_sigaction = handler as usize;
    act.sa_flags = libc::SA_SIGINFO;
    // SAFETY: installing a handler with a valid sigaction.
    if unsafe { libc::sigaction(libc::SIGSYS, &act, std::ptr::null_mut()) } != 0 {
        return Err(crate::fd::errno());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// A filter that traps getpgid unless its argument is 0.
    fn trap_getpgid_unless_zero() -> [libc::sock_filter; 6] {
        let stmt = |code: u32, k: u32| libc::sock_filter {
            code: code as u16,
            jt: 0,
            jf: 0,
            k,
        };
        let jump = |k: u32, jt: u8, jf: u8| libc::sock_filter {
            code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
            jt,
            jf,
            k,
        };
        let load = libc::BPF_LD | libc::BPF_W | libc::BPF_ABS;
        [
            stmt(load, 0),
            jump(libc::SYS_getpgid as u32, 0, 3),
            stmt(load, 16),
            jump(0, 1, 0),
            stmt(libc::BPF_RET | libc::BPF_K, libc::SECCOMP_RET_TRAP),
            stmt(libc::BPF_RET | libc::BPF_K, libc::SECCOMP_RET_ALLOW),
        ]
    }

    #[test]
    fn the_reporter_never_runs_the_call_with_arguments_the_policy_allows() {
        let filter = trap_getpgid_unless_zero();
        let prog = libc::sock_fprog {
            len: filter.len() as u16,
            filter: filter.as_ptr() as *mut libc::sock_filter,
        };
        // SAFETY: the child only makes async-signal-safe syscalls and ends
        // with _exit; the parent reaps it.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork");
        if pid == 0 {
            // SAFETY: prctl and a filter that outlives the call.
            unsafe {
                libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                if super::install().is_err()
                    || libc::prctl(libc::PR_SET_SECCOMP, libc::SECCOMP_MODE_FILTER, &prog) != 0
                {
                    libc::_exit(2);
                }
                // Trapped; re-issued as getpgid(0), it would be allowed.
                libc::syscall(libc::SYS_getpgid, 1);
                libc::_exit(0);
            }
        }
        let mut status = 0;
        // SAFETY: reaping our own child.
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(
            libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGSYS,
            "the trapped program must die of SIGSYS, wait status {status:#x}"
        );
    }
}
