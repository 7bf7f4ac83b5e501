//! Finding the preload library: explicit path, next to the code that is
//! running (the launcher binary or libminijail.so), then the install prefix.

use std::path::{Path, PathBuf};

use super::error::LaunchError;

/// The file name cargo gives the preload cdylib.
pub const PRELOAD_NAME: &str = "libjailpreload.so";

/// Where an installed preload lives, set at build time with
/// `JAIL_PRELOAD_PATH`, else under /usr/local/lib.
pub const INSTALLED: &str = match option_env!("JAIL_PRELOAD_PATH") {
    Some(p) => p,
    None => "/usr/local/lib/libjailpreload.so",
};

/// The file holding this code: the executable, or the shared library
/// (libminijail.so) this crate is linked into.
fn containing_object() -> Option<PathBuf> {
    // SAFETY: an all-zero Dl_info is a valid out-buffer.
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    let addr = containing_object as *const () as *const libc::c_void;
    // SAFETY: dladdr reads the loader's tables for an address in our own code.
    if unsafe { libc::dladdr(addr, &mut info) } == 0 || info.dli_fname.is_null() {
        return None;
    }
    // SAFETY: dli_fname is a NUL-terminated string owned by the loader.
    let name = unsafe { std::ffi::CStr::from_ptr(info.dli_fname) };
    let path = PathBuf::from(std::ffi::OsStr::new(name.to_str().ok()?));
    std::fs::canonicalize(path).ok()
}

/// The candidates, in order.
pub fn candidates(explicit: Option<&Path>) -> Vec<PathBuf> {
    if let Some(p) = explicit {
        return vec![p.to_owned()];
    }
    let mut dirs = Vec::new();
    for object in [containing_object(), std::env::current_exe().ok()]
        .into_iter()
        .flatten()
    {
        if let Some(dir) = object.parent() {
            dirs.push(dir.to_owned());
            // Test binaries live in target/<profile>/deps; installs put
            // binaries in bin/ and libraries in lib/.
            if let Some(up) = dir.parent() {
                dirs.push(up.to_owned());
                dirs.push(up.join("lib"));
            }
        }
    }
    let mut out: Vec<PathBuf> = dirs.into_iter().map(|d| d.join(PRELOAD_NAME)).collect();
    out.push(PathBuf::from(INSTALLED));
    out.dedup();
    out
}

/// The preload library to use.
pub fn locate(explicit: Option<&Path>) -> Result<PathBuf, LaunchError> {
    let all = candidates(explicit);
    match all.iter().find(|p| p.is_file()) {
        Some(found) => Ok(found.clone()),
        None => Err(LaunchError::PreloadNotFound(all)),
    }
}
