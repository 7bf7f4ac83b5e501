//! minijail0: run a program in a sandbox (upstream-compatible flags).
//!
//! The C `main`, not Rust's: Rust's start-up sets SIGPIPE to ignored, and
//! minijail0 passes the caller's ignored signals on to the program, as
//! upstream's does, so the program must see the caller's SIGPIPE, not
//! ours.
#![no_main]

use std::ffi::{c_char, c_int, CStr, OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

/// minijail0 allocates a few hundred KiB, nearly all before the launch:
/// served from a bump arena without syscalls (see [`jail_cli::arena`]).
#[global_allocator]
static ALLOCATOR: jail_cli::arena::Arena<{ 1 << 20 }> = jail_cli::arena::Arena::new();

#[allow(unsafe_code)]
#[no_mangle]
extern "C" fn main(argc: c_int, argv: *const *const c_char) -> c_int {
    // What Rust's start-up would have done: a closed 0, 1 or 2 is opened on
    // /dev/null, so no pipe or file of ours can take its number and receive
    // what is meant for a std stream.
    for fd in 0..3 {
        // SAFETY: fcntl and open on integers and a NUL-terminated path.
        unsafe {
            if libc::fcntl(fd, libc::F_GETFD) == -1
                && libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) == -1
            {
                libc::abort();
            }
        }
    }
    let args: Vec<OsString> = (1..argc.max(0) as usize)
        .map(|i| {
            // SAFETY: the C runtime passes argc NUL-terminated strings.
            let arg = unsafe { CStr::from_ptr(*argv.add(i)) };
            OsStr::from_bytes(arg.to_bytes()).to_owned()
        })
        .collect();
    std::process::exit(jail_cli::run(&args));
}
