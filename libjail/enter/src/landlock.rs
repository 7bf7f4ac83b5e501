//! Landlock filesystem rules through the raw syscalls.
//!
//! Raw rather than the `landlock` crate: the same code must run between fork
//! and execve (no-preload mode), where nothing may allocate, and it is a
//! hundred lines. Paths are opened when the rules are applied, so they
//! resolve inside the jail's root.

use std::ffi::CString;

use crate::error::{EnterError, Step};

/// LANDLOCK_ACCESS_FS_EXECUTE: Execute a file (ABI 1).
pub const ACCESS_FS_EXECUTE: u64 = 1 << 0;
/// LANDLOCK_ACCESS_FS_WRITE_FILE: Open a file for writing (ABI 1).
pub const ACCESS_FS_WRITE_FILE: u64 = 1 << 1;
/// LANDLOCK_ACCESS_FS_READ_FILE: Open a file for reading (ABI 1).
pub const ACCESS_FS_READ_FILE: u64 = 1 << 2;
/// LANDLOCK_ACCESS_FS_READ_DIR: List a directory (ABI 1).
pub const ACCESS_FS_READ_DIR: u64 = 1 << 3;
/// LANDLOCK_ACCESS_FS_REMOVE_DIR: Remove an empty directory or rename one (ABI 1).
pub const ACCESS_FS_REMOVE_DIR: u64 = 1 << 4;
/// LANDLOCK_ACCESS_FS_REMOVE_FILE: Unlink or rename a file (ABI 1).
pub const ACCESS_FS_REMOVE_FILE: u64 = 1 << 5;
/// LANDLOCK_ACCESS_FS_MAKE_CHAR: Create a character device (ABI 1).
pub const ACCESS_FS_MAKE_CHAR: u64 = 1 << 6;
/// LANDLOCK_ACCESS_FS_MAKE_DIR: Create a directory (ABI 1).
pub const ACCESS_FS_MAKE_DIR: u64 = 1 << 7;
/// LANDLOCK_ACCESS_FS_MAKE_REG: Create a regular file (ABI 1).
pub const ACCESS_FS_MAKE_REG: u64 = 1 << 8;
/// LANDLOCK_ACCESS_FS_MAKE_SOCK: Create a Unix socket file (ABI 1).
pub const ACCESS_FS_MAKE_SOCK: u64 = 1 << 9;
/// LANDLOCK_ACCESS_FS_MAKE_FIFO: Create a FIFO (ABI 1).
pub const ACCESS_FS_MAKE_FIFO: u64 = 1 << 10;
/// LANDLOCK_ACCESS_FS_MAKE_BLOCK: Create a block device (ABI 1).
pub const ACCESS_FS_MAKE_BLOCK: u64 = 1 << 11;
/// LANDLOCK_ACCESS_FS_MAKE_SYM: Create a symbolic link (ABI 1).
pub const ACCESS_FS_MAKE_SYM: u64 = 1 << 12;
/// LANDLOCK_ACCESS_FS_REFER: link or rename a file into another
/// directory (ABI 2).
pub const ACCESS_FS_REFER: u64 = 1 << 13;
/// LANDLOCK_ACCESS_FS_TRUNCATE: truncate a file (ABI 3).
pub const ACCESS_FS_TRUNCATE: u64 = 1 << 14;
/// LANDLOCK_ACCESS_FS_IOCTL_DEV: ioctl on a character or block device
/// (ABI 5).
pub const ACCESS_FS_IOCTL_DEV: u64 = 1 << 15;

/// Read and execute (`--fs-path-rx`).
pub const RX: u64 = ACCESS_FS_EXECUTE | ACCESS_FS_READ_FILE | ACCESS_FS_READ_DIR;
/// Read only (`--fs-path-ro`).
pub const RO: u64 = ACCESS_FS_READ_FILE | ACCESS_FS_READ_DIR;
/// Read and write files and directories (`--fs-path-rw`).
pub const RW: u64 = RO | ACCESS_FS_WRITE_FILE | ACCESS_FS_TRUNCATE;
/// Everything but device nodes (`--fs-path-advanced-rw`).
pub const ADVANCED_RW: u64 = RW
    | ACCESS_FS_REMOVE_DIR
    | ACCESS_FS_REMOVE_FILE
    | ACCESS_FS_MAKE_DIR
    | ACCESS_FS_MAKE_REG
    | ACCESS_FS_MAKE_SOCK
    | ACCESS_FS_MAKE_FIFO
    | ACCESS_FS_MAKE_SYM
    | ACCESS_FS_REFER;

/// Upstream's "roughly read": read files, list directories.
pub const ROUGHLY_READ: u64 = ACCESS_FS_READ_FILE | ACCESS_FS_READ_DIR;
/// Upstream's "roughly read-execute".
pub const ROUGHLY_READ_EXECUTE: u64 = ACCESS_FS_EXECUTE | ROUGHLY_READ;
/// Upstream's "roughly basic write": write files, create and remove
/// files and directories.
pub const ROUGHLY_BASIC_WRITE: u64 = ACCESS_FS_WRITE_FILE
    | ACCESS_FS_REMOVE_DIR
    | ACCESS_FS_REMOVE_FILE
    | ACCESS_FS_MAKE_DIR
    | ACCESS_FS_MAKE_REG;
/// Upstream's "roughly edit": write and remove, create nothing.
pub const ROUGHLY_EDIT: u64 = ACCESS_FS_WRITE_FILE | ACCESS_FS_REMOVE_DIR | ACCESS_FS_REMOVE_FILE;
/// Upstream's "roughly full write": everything but refer, truncate, ioctl.
pub const ROUGHLY_FULL_WRITE: u64 = ROUGHLY_BASIC_WRITE
    | ACCESS_FS_MAKE_CHAR
    | ACCESS_FS_MAKE_SOCK
    | ACCESS_FS_MAKE_FIFO
    | ACCESS_FS_MAKE_BLOCK
    | ACCESS_FS_MAKE_SYM;

/// Upstream's read-write set at Landlock ABI `abi` (`--fs-path-rw`,
/// `minijail_add_fs_restriction_rw`).
pub fn rw_rights(abi: u32) -> u64 {
    let mut rights = ROUGHLY_READ | ROUGHLY_BASIC_WRITE;
    if abi >= 3 {
        rights |= ACCESS_FS_TRUNCATE;
    }
    rights
}

/// Upstream's advanced read-write set at ABI `abi`
/// (`--fs-path-advanced-rw`, `minijail_add_fs_restriction_advanced_rw`).
pub fn advanced_rw_rights(abi: u32) -> u64 {
    let mut rights = ROUGHLY_READ | ROUGHLY_FULL_WRITE;
    if abi >= 2 {
        rights |= ACCESS_FS_REFER;
    }
    if abi >= 3 {
        rights |= ACCESS_FS_TRUNCATE;
    }
    if abi >= 5 {
        rights |= ACCESS_FS_IOCTL_DEV;
    }
    rights
}

/// Upstream's edit set at ABI `abi` (`minijail_add_fs_restriction_edit`).
pub fn edit_rights(abi: u32) -> u64 {
    let mut rights = ROUGHLY_READ | ROUGHLY_EDIT;
    if abi >= 3 {
        rights |= ACCESS_FS_TRUNCATE;
    }
    rights
}

/// The filesystem access rights an ABI version can handle.
pub fn handled_access(abi: u32) -> u64 {
    let mut all = (1 << 13) - 1;
    if abi >= 2 {
        all |= ACCESS_FS_REFER;
    }
    if abi >= 3 {
        all |= ACCESS_FS_TRUNCATE;
    }
    if abi >= 5 {
        all |= ACCESS_FS_IOCTL_DEV;
    }
    all
}

const LANDLOCK_CREATE_RULESET_VERSION: u32 = 1;
const LANDLOCK_RULE_PATH_BENEATH: libc::c_int = 1;

#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
}

#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: i32,
}

/// The ABI version the running kernel offers; an error when it has none.
pub fn kernel_abi() -> Result<u32, i32> {
    // SAFETY: the version query takes no attribute pointer.
    let v = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<RulesetAttr>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    if v < 0 {
        Err(crate::fd::errno())
    } else {
        Ok(v as u32)
    }
}

/// Rules ready to apply: paths as C strings.
#[derive(Debug, Clone)]
pub struct PreparedLandlock {
    pub(crate) abi: u32,
    pub(crate) rules: Vec<(CString, u64)>,
    pub(crate) best_effort: bool,
}

impl PreparedLandlock {
    /// Build the ruleset and restrict the calling thread. Allocation-free.
    pub fn apply(&self) -> Result<(), EnterError> {
        let kernel = match kernel_abi() {
            Ok(v) => v,
            Err(_) if self.best_effort => return Ok(()),
            Err(errno) => return Err(EnterError::new(Step::LandlockCreate, errno, None)),
        };
        // Handle what both the requested ABI and the kernel know; asking
        // for more would make the kernel refuse the ruleset.
        let handled = handled_access(self.abi.min(kernel));
        let attr = RulesetAttr {
            handled_access_fs: handled,
        };
        // SAFETY: attr is a valid ruleset attribute of the given size.
        let ruleset = unsafe {
            libc::syscall(
                libc::SYS_landlock_create_ruleset,
                &attr as *const RulesetAttr,
                std::mem::size_of::<RulesetAttr>(),
                0u32,
            )
        };
        if ruleset < 0 {
            return Err(EnterError::last(Step::LandlockCreate, None));
        }
        let ruleset = crate::fd::Fd(ruleset as libc::c_int);
        for (index, (path, access)) in self.rules.iter().enumerate() {
            // SAFETY: path is a NUL-terminated string that outlives the call.
            let fd = unsafe { libc::open(path.as_ptr(), libc::O_PATH | libc::O_CLOEXEC) };
            if fd < 0 {
                return Err(EnterError::last(Step::LandlockOpenPath, Some(index as u64)));
            }
            let fd = crate::fd::Fd(fd);
            let mut allowed = access & handled;
            // Directory-only rights on a file make the kernel refuse the rule.
            if !is_dir(fd.0) {
                allowed &= ACCESS_FS_EXECUTE
                    | ACCESS_FS_WRITE_FILE
                    | ACCESS_FS_READ_FILE
                    | ACCESS_FS_TRUNCATE
                    | ACCESS_FS_IOCTL_DEV;
            }
            let beneath = PathBeneathAttr {
                allowed_access: allowed,
                parent_fd: fd.0,
            };
            // SAFETY: beneath is a valid path-beneath attribute; both fds are open.
            let rc = unsafe {
                libc::syscall(
                    libc::SYS_landlock_add_rule,
                    ruleset.0,
                    LANDLOCK_RULE_PATH_BENEATH,
                    &beneath as *const PathBeneathAttr,
                    0u32,
                )
            };
            if rc != 0 {
                return Err(EnterError::last(Step::LandlockAddRule, Some(index as u64)));
            }
        }
        // SAFETY: restricting the calling thread with a ruleset fd it owns.
        if unsafe { libc::syscall(libc::SYS_landlock_restrict_self, ruleset.0, 0u32) } != 0 {
            return Err(EnterError::last(Step::LandlockRestrict, None));
        }
        Ok(())
    }
}

fn is_dir(fd: libc::c_int) -> bool {
    // SAFETY: an all-zero stat is a valid out-buffer for fstat.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fd is open and st is a valid out-pointer.
    unsafe { libc::fstat(fd, &mut st) == 0 && (st.st_mode & libc::S_IFMT) == libc::S_IFDIR }
}
