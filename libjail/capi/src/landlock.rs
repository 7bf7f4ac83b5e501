//! Landlock filesystem restrictions: upstream's named access sets, turned
//! into `jail::Jail::add_fs_rule` at launch. These calls return 1 on
//! success and 0 on failure, as upstream's do.

use std::ffi::c_char;
use std::path::Path;

use jail::landlock::kernel_abi;
use jail::FsAccess;

use crate::{c_path, guard, jail_mut, jail_ref, Minijail};

fn add(m: &mut Minijail, path: &Path, access: u64) {
    m.fs_rules.push((path.to_owned(), access));
}

/// The rights of upstream's named set `access` as the jail's Landlock ABI
/// defines them now (the core's meaning).
fn rights(m: &Minijail, access: FsAccess) -> u64 {
    access.rights(m.jail.effective_landlock_abi())
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
                add(m, path, rights(m, $access));
                1
            })
        }
    };
}

fs_rule!(minijail_add_fs_restriction_rx, FsAccess::ReadExecute);
fs_rule!(minijail_add_fs_restriction_ro, FsAccess::ReadOnly);
fs_rule!(minijail_add_fs_restriction_rw, FsAccess::ReadWrite);
fs_rule!(
    minijail_add_fs_restriction_advanced_rw,
    FsAccess::AdvancedReadWrite
);
fs_rule!(minijail_add_fs_restriction_edit, FsAccess::Edit);

/// `minijail_set_landlock_abi`: the Landlock ABI whose rights the
/// restrictions added after it take (default 2), as upstream.
#[no_mangle]
pub unsafe extern "C" fn minijail_set_landlock_abi(j: *mut Minijail, abi: i32) {
    guard("minijail_set_landlock_abi", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        let m = unsafe { jail_mut(j, "minijail_set_landlock_abi") };
        // Upstream: a negative ABI means the default.
        m.jail.set_landlock_abi(u32::try_from(abi).unwrap_or(2));
    })
}

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
        add(m, Path::new(dir), rights(m, FsAccess::ReadExecute));
    }
    for file in jail::config::DEFAULT_FS_READ_PATHS {
        add(m, Path::new(file), rights(m, FsAccess::ReadOnly));
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
            add(m, &mt.dest, rights(m, FsAccess::ReadExecute));
            let read_only = mt.flags & libc::MS_RDONLY != 0;
            let events = mt.flags & (libc::MS_SHARED | libc::MS_SLAVE) != 0;
            if !read_only || events {
                add(m, &mt.dest, rights(m, FsAccess::AdvancedReadWrite));
            }
        }
        default_rules(m);
        add(m, Path::new("/dev"), rights(m, FsAccess::Edit));
        add(m, Path::new("/proc"), rights(m, FsAccess::ReadOnly));
        if m.jail.has_namespace(jail::Namespace::Mount) {
            add(m, Path::new("/tmp"), rights(m, FsAccess::ReadWrite));
        }
    })
}
