//! libminijail.so: upstream minijail's C API (`include/libminijail.h`) as a
//! thin translation layer over the [`jail`] crate.
//!
//! Each `struct minijail *` is a boxed [`Minijail`]: a [`jail::Jail`] that
//! holds every setting, and the few C-API-only details no other face has
//! (the order of upstream's seccomp steps, settings taken but refused at
//! launch) and the launched program. No jail logic lives here: what a
//! setting means, launching, stage 1 and stage 2 are the Rust library's.
//!
//! Every exported function catches panics (they must not unwind into C) and
//! checks its pointers; misuse that upstream answers with `abort()` is
//! answered the same way, after a message on the log.

#![allow(clippy::missing_safety_doc)]

/// Setters returning an errno-style int (defined before the modules that
/// use it).
macro_rules! int_setter {
    ($(#[$m:meta])* fn $name:ident($($arg:ident: $ty:ty),*) $body:expr) => {
        $(#[$m])*
        #[no_mangle]
        pub unsafe extern "C" fn $name(j: *mut Minijail $(, $arg: $ty)*) -> i32 {
            guard(stringify!($name), || {
                if j.is_null() {
                    return -libc::EINVAL;
                }
                // SAFETY: j is non-null and valid per the C API contract.
                let m = unsafe { jail_mut(j, stringify!($name)) };
                #[allow(clippy::redundant_closure_call)]
                ($body)(m)
            })
        }
    };
}

mod cgroup;
mod landlock;
mod run;
mod seccomp;
mod setters;

use std::ffi::{c_char, CStr, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use jail::{Jail, JailedProcess};

/// The program a jail launched, as `minijail_wait`/`minijail_kill` see it.
#[derive(Debug, Default)]
pub(crate) enum Child {
    /// Nothing launched yet.
    #[default]
    None,
    /// A jailed program.
    Running(Box<JailedProcess>),
    /// A launch that failed in the jail's setup or at execve: a stand-in
    /// process that exits with minijail's status for the failure, so the
    /// caller sees a real pid and learns the fate through `minijail_wait`,
    /// as with upstream.
    Failed { pid: libc::pid_t },
    /// Already waited for.
    Reaped,
}

/// The seccomp steps of upstream's C API that no other face has, so they
/// live here and not in [`Jail`]: the compile options, which must be set
/// before the filter and shape it when it is parsed (minijail0 takes them
/// in any order and compiles once at the end), and whether
/// `minijail_use_seccomp_filter` was called (a filter set without it is
/// not installed; minijail0's `-S` always installs). The filter itself is
/// the Jail's ([`Jail::seccomp_filter`]), built by the core's
/// [`jail::SeccompFilter::from_program`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SeccompSteps {
    /// `minijail_use_seccomp_filter`: install the filter.
    pub use_filter: bool,
    /// `minijail_set_seccomp_filter_tsync`, for the filter still to come.
    pub tsync: bool,
    /// `minijail_log_seccomp_filter_failures`, for the filter still to come.
    pub log_failures: bool,
    /// `minijail_set_seccomp_filter_allow_speculation`, for the filter
    /// still to come.
    pub allow_speculation: bool,
}

/// `struct minijail`: the [`Jail`] holds every setting, read back through
/// its getters; what is left here is state of upstream's C API alone,
/// which no other face has and so the core has no place for.
#[derive(Debug)]
pub struct Minijail {
    pub(crate) jail: Jail,
    /// The C API's order of seccomp steps (see [`SeccompSteps`]).
    pub(crate) seccomp: SeccompSteps,
    /// Settings this implementation cannot apply (a bad remount mode):
    /// upstream's setters take them without an error to return, so the
    /// refusal waits for the launch, which returns it.
    pub(crate) unsupported: Vec<Unapplicable>,
    /// The launched program, for `minijail_wait`/`minijail_kill`.
    pub(crate) child: Child,
    /// The report of the last program waited for (`jail_cgroup_usage`).
    pub(crate) usage: Option<Box<jail::Usage>>,
}

impl Minijail {
    pub(crate) fn new() -> Minijail {
        let mut jail = Jail::new();
        // Upstream's C defaults: fds, signal mask and handlers are left as
        // they are unless asked; no signal forwarding; only the id maps
        // given are written.
        jail.close_open_fds(false)
            .reset_signal_mask(false)
            .reset_signal_handlers(false)
            .forward_signals(false)
            .new_session(true)
            .no_default_id_maps();
        Minijail {
            jail,
            seccomp: SeccompSteps::default(),
            unsupported: Vec::new(),
            child: Child::None,
            usage: None,
        }
    }

    /// A copy of the settings, without the launched program.
    pub(crate) fn copy_settings(&self) -> Minijail {
        Minijail {
            jail: self.jail.clone(),
            seccomp: self.seccomp,
            unsupported: self.unsupported.clone(),
            child: Child::None,
            usage: None,
        }
    }

    /// The Jail to launch: the settings, with the filter only if it was
    /// put in force. Err: why the jail cannot be applied.
    pub(crate) fn effective(&self) -> Result<Jail, Unapplicable> {
        if let Some(what) = self.unsupported.first() {
            return Err(what.clone());
        }
        let mut jail = self.jail.clone();
        seccomp::apply(self.seccomp, &mut jail).map_err(Unapplicable::Invalid)?;
        Ok(jail)
    }
}

/// A setting taken but not applicable, found when the jail is launched.
#[derive(Clone, Debug)]
pub(crate) enum Unapplicable {
    /// A value or combination upstream refuses too (EINVAL).
    Invalid(String),
}

impl Unapplicable {
    /// The negative errno a launch returns for it.
    pub(crate) fn errno(&self) -> i32 {
        match self {
            Unapplicable::Invalid(_) => -libc::EINVAL,
        }
    }
}

impl std::fmt::Display for Unapplicable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unapplicable::Invalid(why) => f.write_str(why),
        }
    }
}

/// Print `message` on the log and abort, as upstream's `die()` does.
pub(crate) fn die(message: &str) -> ! {
    jail::log::warn(&format!("libminijail: {message}"));
    std::process::abort()
}

/// Run `f`, turning a panic into an abort: nothing may unwind into C.
pub(crate) fn guard<R>(name: &str, f: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => die(&format!("{name}: internal error (panic)")),
    }
}

/// The jail behind `j`; aborts on NULL (upstream declares it non-null).
///
/// # Safety
///
/// `j` is NULL or a pointer from `minijail_new` not yet destroyed, with no
/// other reference to it alive.
pub(crate) unsafe fn jail_mut<'a>(j: *mut Minijail, name: &str) -> &'a mut Minijail {
    if j.is_null() {
        die(&format!("{name}: NULL struct minijail"));
    }
    // SAFETY: non-null, and valid and unaliased by the caller's contract.
    unsafe { &mut *j }
}

/// Shared-reference twin of [`jail_mut`].
///
/// # Safety
///
/// As [`jail_mut`].
pub(crate) unsafe fn jail_ref<'a>(j: *const Minijail, name: &str) -> &'a Minijail {
    if j.is_null() {
        die(&format!("{name}: NULL struct minijail"));
    }
    // SAFETY: non-null, and valid by the caller's contract.
    unsafe { &*j }
}

/// A C string argument as bytes; None for NULL.
///
/// # Safety
///
/// `p` is NULL or a NUL-terminated string alive for `'a`.
pub(crate) unsafe fn c_bytes<'a>(p: *const c_char) -> Option<&'a [u8]> {
    if p.is_null() {
        None
    } else {
        // SAFETY: non-null and NUL-terminated by the caller's contract.
        Some(unsafe { CStr::from_ptr(p) }.to_bytes())
    }
}

/// A C string argument as a path; None for NULL.
///
/// # Safety
///
/// As [`c_bytes`].
pub(crate) unsafe fn c_path<'a>(p: *const c_char) -> Option<&'a Path> {
    // SAFETY: forwarded contract.
    unsafe { c_bytes(p) }.map(|b| Path::new(OsStr::from_bytes(b)))
}

/// A C string argument as text (lossy for non-UTF-8); None for NULL.
///
/// # Safety
///
/// As [`c_bytes`].
pub(crate) unsafe fn c_string(p: *const c_char) -> Option<String> {
    // SAFETY: forwarded contract.
    unsafe { c_bytes(p) }.map(|b| String::from_utf8_lossy(b).into_owned())
}

/// `minijail_new`: a jail that restricts nothing yet.
#[no_mangle]
pub extern "C" fn minijail_new() -> *mut Minijail {
    guard("minijail_new", || Box::into_raw(Box::new(Minijail::new())))
}

/// `minijail_destroy`: free the jail; a running program keeps running.
#[no_mangle]
pub unsafe extern "C" fn minijail_destroy(j: *mut Minijail) {
    guard("minijail_destroy", || {
        if j.is_null() {
            die("minijail_destroy: NULL struct minijail");
        }
        // SAFETY: j came from Box::into_raw in minijail_new and is not used
        // again by the caller after this call.
        let jail = unsafe { Box::from_raw(j) };
        // A program still running is left alone (upstream does not kill it);
        // its pipes were handed to the caller.
        drop(jail);
    })
}

/// `minijail_copy_jail`: make `out` a copy of `from`'s settings.
#[no_mangle]
pub unsafe extern "C" fn minijail_copy_jail(from: *const Minijail, out: *mut Minijail) -> i32 {
    guard("minijail_copy_jail", || {
        if from.is_null() || out.is_null() {
            return -libc::EINVAL;
        }
        if std::ptr::eq(from, out) {
            return 0;
        }
        // SAFETY: both valid by the caller's contract, and distinct.
        let (from, out) = unsafe { (&*from, &mut *out) };
        *out = from.copy_settings();
        0
    })
}

/// `minijail_log_to_fd`: send the library's messages to `fd`.
#[no_mangle]
pub extern "C" fn minijail_log_to_fd(fd: i32, min_priority: i32) {
    guard("minijail_log_to_fd", || {
        jail::log::log_to_fd(fd, min_priority)
    })
}

/// `minijail_syscall_name`: the name of syscall `nr`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn minijail_syscall_name(
    j: *const Minijail,
    nr: libc::c_long,
) -> *const c_char {
    guard("minijail_syscall_name", || {
        // SAFETY: j is NULL or valid by the caller's contract.
        if let Some(jail) = unsafe { j.as_ref() } {
            if jail.jail.alt_syscall().is_some() {
                return c"<unknown: alt_syscall active>".as_ptr();
            }
        }
        seccomp::syscall_name_ptr(nr)
    })
}
