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

/// The six syscall arguments from the interrupted context.
fn syscall_args(ctx: *mut libc::c_void) -> [u64; 6] {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: for SA_SIGINFO handlers the third argument is a ucontext_t.
        let g = unsafe { &(*(ctx as *const libc::ucontext_t)).uc_mcontext.gregs };
        [
            libc::REG_RDI,
            libc::REG_RSI,
            libc::REG_RDX,
            libc::REG_R10,
            libc::REG_R8,
            libc::REG_R9,
        ]
        .map(|r| g[r as usize] as u64)
    }
    #[cfg(target_arch = "aarch64")]
    {
        // SAFETY: for SA_SIGINFO handlers the third argument is a ucontext_t.
        let r = unsafe { &(*(ctx as *const libc::ucontext_t)).uc_mcontext.regs };
        [r[0], r[1], r[2], r[3], r[4], r[5]]
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        let _ = ctx;
        [0; 6]
    }
}

extern "C" fn handle_sigsys(_sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // The seccomp fields of siginfo (si_syscall, si_call_addr) sit after
    // si_code in the union; libc does not expose them, so read by layout:
    // _sigsys { void *call_addr; int syscall; unsigned arch; } at offset 16.
    // SAFETY: the kernel hands a valid siginfo for SIGSYS from seccomp.
    let nr = unsafe { *((info as *const u8).add(16 + std::mem::size_of::<usize>()) as *const i32) };
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
    line.push(b") args");
    for arg in syscall_args(ctx) {
        line.push(b" 0x");
        line.push_num(arg, 16);
    }
    line.push(b"\n");
    // SAFETY: write(2) is async-signal-safe; the buffer is live.
    unsafe { libc::write(2, line.bytes.as_ptr().cast(), line.len) };
    // Re-issue the blocked call: the filter traps again while SIGSYS is
    // blocked in this handler, so the kernel resets it to the default and
    // the process dies of SIGSYS, exactly as without logging.
    // SAFETY: the filter stops this call before it runs.
    unsafe { libc::syscall(nr as libc::c_long, 0, 0, 0, 0, 0, 0) };
    // SAFETY: last resort if the filter somehow let it through.
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
