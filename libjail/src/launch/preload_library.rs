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

/// How LD_PRELOAD names the preload library to the loader.
///
/// ld.so splits LD_PRELOAD at spaces and colons and knows no escape, so a
/// library whose path holds either would be cut in two, warned about and
/// skipped: the program would run unjailed. Such a library is opened here
/// and handed to the program as an inherited fd, named `/proc/self/fd/N`;
/// the preload closes that fd in its constructor.
#[derive(Debug)]
pub struct LoaderEntry {
    /// The LD_PRELOAD entry: the path itself, or `/proc/self/fd/N`.
    pub entry: PathBuf,
    /// The library, open in the launcher (close-on-exec), and the fd number
    /// the program gets it at; none when the path is used as it is.
    pub fd: Option<(std::os::fd::OwnedFd, libc::c_int)>,
}

/// The entry for `library`; `fd_target` is where the program gets the
/// library's fd when its path cannot be used as it is.
pub fn loader_entry(library: &Path, fd_target: libc::c_int) -> Result<LoaderEntry, LaunchError> {
    use std::os::unix::ffi::OsStrExt;
    if !library
        .as_os_str()
        .as_bytes()
        .iter()
        .any(|b| matches!(b, b' ' | b':'))
    {
        return Ok(LoaderEntry {
            entry: library.to_owned(),
            fd: None,
        });
    }
    let c = std::ffi::CString::new(library.as_os_str().as_bytes()).map_err(|_| {
        LaunchError::os(
            format!("opening the preload library {}", library.display()),
            libc::EINVAL,
        )
    })?;
    // SAFETY: a NUL-terminated path.
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(LaunchError::os(
            format!("opening the preload library {}", library.display()),
            crate::sys::errno(),
        ));
    }
    // SAFETY: a fresh fd that nothing else owns.
    let fd = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    Ok(LoaderEntry {
        entry: PathBuf::from(format!("{}{fd_target}", jail_enter::PRELOAD_FD_PREFIX)),
        fd: Some((fd, fd_target)),
    })
}
