//! Landlock filesystem restrictions: upstream's named access sets, turned
//! into `jail::Jail::add_fs_rule` at launch. These calls return 1 on
//! success and 0 on failure, as upstream's do.

use std::ffi::c_char;
use std::path::Path;

use jail::landlock::*;

use crate::{c_path, guard, jail_mut, jail_ref, Minijail};

/// Upstream's "roughly" access sets.
const ROUGHLY_READ: u64 = ACCESS_FS_READ_FILE | ACCESS_FS_READ_DIR;
const ROUGHLY_READ_EXECUTE: u64 = ACCESS_FS_EXECUTE | ROUGHLY_READ;
const ROUGHLY_BASIC_WRITE: u64 = ACCESS_FS_WRITE_FILE
    | ACCESS_FS_REMOVE_DIR
    | ACCESS_FS_REMOVE_FILE
    | ACCESS_FS_MAKE_DIR
    | ACCESS_FS_MAKE_REG;
const ROUGHLY_EDIT: u64 = ACCESS_FS_WRITE_FILE | ACCESS_FS_REMOVE_DIR | ACCESS_FS_REMOVE_FILE;
const ROUGHLY_FULL_WRITE: u64 = ACCESS_FS_WRITE_FILE
    | ACCESS_FS_REMOVE_DIR
    | ACCESS_FS_REMOVE_FILE
    | ACCESS_FS_MAKE_CHAR
    | ACCESS_FS_MAKE_DIR
    | ACCESS_FS_MAKE_REG
    | ACCESS_FS_MAKE_SOCK
    | ACCESS_FS_MAKE_FIFO
    | ACCESS_FS_MAKE_BLOCK
    | ACCESS_FS_MAKE_SYM;

fn add(m: &mut Minijail, path: &Path, access: u64) {
    m.fs_rules.push((path.to_owned(), access));
}

fn refer_supported() -> bool {
    kernel_abi().is_ok_and(|abi| abi >= 2)
}

macro_rules! fs_rule {
    ($name:ident, $access:expr) => {
        #[doc = concat!("`", stringify!($name), "`: 1 on success, 0 on failure.")]
        #[no_mangle]
        pub unsafe extern "C" fn $name(j: *mut Minijail, path: *const c_char) -> i32 {
            guard(stringify!($name), || {
                if j.is_null() {
                    return 0;
                }
                // SAFETY: valid per the C API contract.
                let m = unsafe { jail_mut(j, stringify!($name)) };
                // SAFETY: a NUL-terminated string per the C API contract.
                let Some(path) = (unsafe { c_path(path) }) else {
                    return 0;
                };
                add(m, path, $access);
                1
            })
        }
    };
}

fs_rule!(minijail_add_fs_restriction_rx, ROUGHLY_READ_EXECUTE);
fs_rule!(minijail_add_fs_restriction_ro, ROUGHLY_READ);
fs_rule!(
    minijail_add_fs_restriction_rw,
    ROUGHLY_READ | ROUGHLY_BASIC_WRITE
);
fs_rule!(
    minijail_add_fs_restriction_advanced_rw,
    ROUGHLY_READ
        | ROUGHLY_FULL_WRITE
        | if refer_supported() {
            ACCESS_FS_REFER
        } else {
            0
        }
);
fs_rule!(
    minijail_add_fs_restriction_edit,
    ROUGHLY_READ | ROUGHLY_EDIT
);

/// `minijail_add_fs_restriction_access_rights`: LANDLOCK_ACCESS_FS_* bits.
#[no_mangle]
pub unsafe extern "C" fn minijail_add_fs_restriction_access_rights(
    j: *mut Minijail,
    path: *const c_char,
    landlock_flags: u16,
) -> i32 {
    guard("minijail_add_fs_restriction_access_rights", || {
        if j.is_null() {
            return 0;
        }
        // SAFETY: valid per the C API contract.
        let m = unsafe { jail_mut(j, "minijail_add_fs_restriction_access_rights") };
        // SAFETY: a NUL-terminated string per the C API contract.
        let Some(path) = (unsafe { c_path(path) }) else {
            return 0;
        };
        add(m, path, u64::from(landlock_flags));
        1
    })
}

/// `minijail_is_fs_restriction_available`: whether the kernel has Landlock.
#[no_mangle]
pub extern "C" fn minijail_is_fs_restriction_available() -> bool {
    guard("minijail_is_fs_restriction_available", || {
        kernel_abi().is_ok_and(|abi| abi > 0)
    })
}

/// `minijail_is_fs_restriction_ruleset_initialized`: whether rules exist
/// that the kernel can enforce.
#[no_mangle]
pub unsafe extern "C" fn minijail_is_fs_restriction_ruleset_initialized(
    j: *const Minijail,
) -> bool {
    guard("minijail_is_fs_restriction_ruleset_initialized", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        let m = unsafe { jail_ref(j, "minijail_is_fs_restriction_ruleset_initialized") };
        m.fs_enabled && !m.fs_rules.is_empty() && kernel_abi().is_ok()
    })
}

/// `minijail_disable_fs_restrictions`.
#[no_mangle]
pub unsafe extern "C" fn minijail_disable_fs_restrictions(j: *mut Minijail) {
    guard("minijail_disable_fs_restrictions", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        unsafe { jail_mut(j, "minijail_disable_fs_restrictions") }.fs_enabled = false;
    })
}

fn default_rules(m: &mut Minijail) {
    for dir in jail::config::DEFAULT_FS_EXEC_PATHS {
        add(m, Path::new(dir), ROUGHLY_READ_EXECUTE);
    }
    for file in jail::config::DEFAULT_FS_READ_PATHS {
        add(m, Path::new(file), ROUGHLY_READ);
    }
}

/// `minijail_enable_default_fs_restrictions`.
#[no_mangle]
pub unsafe extern "C" fn minijail_enable_default_fs_restrictions(j: *mut Minijail) {
    guard("minijail_enable_default_fs_restrictions", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        default_rules(unsafe { jail_mut(j, "minijail_enable_default_fs_restrictions") });
    })
}

/// `minijail_set_using_minimalistic_mountns`.
#[no_mangle]
pub unsafe extern "C" fn minijail_set_using_minimalistic_mountns(j: *mut Minijail) {
    guard("minijail_set_using_minimalistic_mountns", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        unsafe { jail_mut(j, "minijail_set_using_minimalistic_mountns") }.minimalistic_mountns =
            true;
    })
}

/// `minijail_set_enable_profile_fs_restrictions`.
#[no_mangle]
pub unsafe extern "C" fn minijail_set_enable_profile_fs_restrictions(j: *mut Minijail) {
    guard("minijail_set_enable_profile_fs_restrictions", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        unsafe { jail_mut(j, "minijail_set_enable_profile_fs_restrictions") }
            .profile_fs_restrictions = true;
    })
}

/// `minijail_add_minimalistic_mountns_fs_rules`: when the mount namespace
/// is made only of bind mounts, allow exactly what they expose.
#[no_mangle]
pub unsafe extern "C" fn minijail_add_minimalistic_mountns_fs_rules(j: *mut Minijail) {
    guard("minijail_add_minimalistic_mountns_fs_rules", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        let m = unsafe { jail_mut(j, "minijail_add_minimalistic_mountns_fs_rules") };
        if !m.minimalistic_mountns || !m.profile_fs_restrictions {
            return;
        }
        let mounts = m.jail.mounts().to_vec();
        if mounts.is_empty() || mounts.iter().any(|mt| !mt.is_bind()) {
            return;
        }
        for mt in &mounts {
            add(m, &mt.dest, ROUGHLY_READ_EXECUTE);
            let read_only = mt.flags & libc::MS_RDONLY != 0;
            let events = mt.flags & (libc::MS_SHARED | libc::MS_SLAVE) != 0;
            if !read_only || events {
                let refer = if refer_supported() {
                    ACCESS_FS_REFER
                } else {
                    0
                };
                add(m, &mt.dest, ROUGHLY_READ | ROUGHLY_FULL_WRITE | refer);
            }
        }
        default_rules(m);
        add(m, Path::new("/dev"), ROUGHLY_READ | ROUGHLY_EDIT);
        add(m, Path::new("/proc"), ROUGHLY_READ);
        if m.jail.has_namespace(jail::Namespace::Mount) {
            add(m, Path::new("/tmp"), ROUGHLY_READ | ROUGHLY_BASIC_WRITE);
        }
    })
}
