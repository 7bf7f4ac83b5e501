//! The pid namespace's init image (libjail/init/jail_init.c, built by
//! build.rs) in a sealed memfd, made by the parent before the clone so
//! the child ([`super::init`]) only execs it. Apart from init.rs so that
//! planning does not depend on the child's side.

use crate::sys::{self, Errno};

/// The init's static image, built by build.rs.
static IMAGE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/jail-init"));

/// A sealed, close-on-exec memfd holding the init's image, made before
/// the clone (the child only execs it).
pub fn image_fd() -> Result<libc::c_int, Errno> {
    const MFD_EXEC: libc::c_uint = 0x10;
    let name = c"jail-init";
    let base = libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING;
    // SAFETY: a NUL-terminated name and flag bits. MFD_EXEC (Linux 6.3)
    // keeps a vm.memfd_noexec=1 system from sealing it non-executable;
    // older kernels refuse the flag and get none.
    let mut fd = unsafe { libc::memfd_create(name.as_ptr(), base | MFD_EXEC) };
    if fd < 0 && sys::errno() == libc::EINVAL {
        // SAFETY: as above.
        fd = unsafe { libc::memfd_create(name.as_ptr(), base) };
    }
    let fd = sys::check(fd.into())? as libc::c_int;
    let sealed = sys::write_all(fd, IMAGE).and_then(|()| {
        let seals =
            libc::F_SEAL_SEAL | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE;
        // SAFETY: adding seals to our own memfd.
        sys::check(unsafe { libc::fcntl(fd, libc::F_ADD_SEALS, seals) }.into()).map(drop)
    });
    match sealed {
        Ok(()) => Ok(fd),
        Err(e) => {
            sys::close(fd);
            Err(e)
        }
    }
}
