//! The fd helpers the launcher and the preload share: the errno, a
//! write-all loop, and a guard that closes. None allocates, so all are
//! fit for the child between fork and execve.

/// An errno value.
pub type Errno = i32;

/// The errno of the last failed libc call.
pub fn errno() -> Errno {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// close(2), its result ignored: the fd is ours and done with.
pub fn close_fd(fd: libc::c_int) {
    // SAFETY: closing an fd this process owns.
    unsafe { libc::close(fd) };
}

/// Write all of `buf` to `fd`, retrying on EINTR and short writes. A
/// write that takes nothing ends it with EIO rather than spinning.
pub fn write_all(fd: libc::c_int, mut buf: &[u8]) -> Result<(), Errno> {
    while !buf.is_empty() {
        // SAFETY: buf is a live slice of the given length.
        let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
        match n {
            n if n > 0 => buf = &buf[n as usize..],
            0 => return Err(libc::EIO),
            _ => match errno() {
                libc::EINTR => continue,
                e => return Err(e),
            },
        }
    }
    Ok(())
}

/// An fd closed when dropped; a negative number holds nothing.
#[derive(Debug)]
pub struct Fd(pub libc::c_int);

impl Drop for Fd {
    fn drop(&mut self) {
        if self.0 >= 0 {
            // SAFETY: closing an fd this guard owns.
            unsafe { libc::close(self.0) };
        }
    }
}
