//! Landlock filesystem restrictions: upstream's named access sets and the
//! minimalistic-mountns profile's rules, each the core's definition. The
//! rule calls return 1 on success and 0 on failure, as upstream's do.

use std::ffi::c_char;
use std::path::Path;

use jail::landlock::kernel_abi;
use jail::FsAccess;

use crate::{c_path, guard, jail_mut, jail_ref, Minijail};

/// Add a rule. Upstream: without Landlock in the kernel the rules have no
/// effect (documented in libminijail.h), so they are best effort.
fn add(m: &mut Minijail, path: &Path, access: FsAccess) {
    m.jail
        .add_fs_restriction(path, access)
        .landlock_best_effort();
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
        add(m, path, FsAccess::Rights(u64::from(landlock_flags)));
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
        !m.jail.fs_rules().is_empty() && kernel_abi().is_ok()
    })
}

/// `minijail_disable_fs_restrictions`.
#[no_mangle]
pub unsafe extern "C" fn minijail_disable_fs_restrictions(j: *mut Minijail) {
    guard("minijail_disable_fs_restrictions", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        unsafe { jail_mut(j, "minijail_disable_fs_restrictions") }
            .jail
            .disable_fs_restrictions();
    })
}

/// `minijail_enable_default_fs_restrictions`.
#[no_mangle]
pub unsafe extern "C" fn minijail_enable_default_fs_restrictions(j: *mut Minijail) {
    guard("minijail_enable_default_fs_restrictions", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        unsafe { jail_mut(j, "minijail_enable_default_fs_restrictions") }
            .jail
            .enable_default_fs_restrictions()
            .landlock_best_effort();
    })
}

/// `minijail_set_using_minimalistic_mountns`.
#[no_mangle]
pub unsafe extern "C" fn minijail_set_using_minimalistic_mountns(j: *mut Minijail) {
    guard("minijail_set_using_minimalistic_mountns", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        unsafe { jail_mut(j, "minijail_set_using_minimalistic_mountns") }
            .jail
            .set_using_minimalistic_mountns();
    })
}

/// `minijail_set_enable_profile_fs_restrictions`.
#[no_mangle]
pub unsafe extern "C" fn minijail_set_enable_profile_fs_restrictions(j: *mut Minijail) {
    guard("minijail_set_enable_profile_fs_restrictions", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        unsafe { jail_mut(j, "minijail_set_enable_profile_fs_restrictions") }
            .jail
            .set_enable_profile_fs_restrictions(true);
    })
}

/// `minijail_add_minimalistic_mountns_fs_rules`: the profile's rules,
/// from the mounts made so far.
#[no_mangle]
pub unsafe extern "C" fn minijail_add_minimalistic_mountns_fs_rules(j: *mut Minijail) {
    guard("minijail_add_minimalistic_mountns_fs_rules", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        unsafe { jail_mut(j, "minijail_add_minimalistic_mountns_fs_rules") }
            .jail
            .add_minimalistic_mountns_fs_rules();
    })
}
