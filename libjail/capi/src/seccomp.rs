//! Seccomp: compile policies with `jail::seccomp`, take compiled programs,
//! and hand the filter to the Jail at launch with upstream's options.

use std::ffi::{c_char, CString};
use std::os::fd::FromRawFd;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jail::seccomp::CompileOptions;
use jail::{Jail, SeccompFilter, SockFilter};

use crate::{c_path, die, guard, jail_mut, Minijail, SeccompState};

/// `struct sock_fprog`.
#[repr(C)]
pub struct SockFprog {
    pub len: libc::c_ushort,
    pub filter: *const SockFilter,
}

/// Upstream's runtime compile options (see `CompileOptions::minijail_runtime`).
fn options(state: &SeccompState) -> CompileOptions {
    CompileOptions::minijail_runtime(state.log_failures, state.tsync)
}

fn store(m: &mut Minijail, program: &jail::seccomp::Program, label: String) {
    let s = &m.seccomp;
    let filter =
        SeccompFilter::from_program(program, &options(s), s.tsync, s.allow_speculation, label);
    m.seccomp.program = Some(filter.program);
    m.seccomp.policy_path = Some(filter.label.clone());
    m.seccomp.label = filter.label;
}

fn must_precede_filter(m: &Minijail, what: &str) {
    if m.seccomp.program.is_some() {
        die(&format!(
            "{what}() must be called before minijail_parse_seccomp_filters()"
        ));
    }
}

/// Hand the filter to `jail` as upstream would install it.
pub(crate) fn apply(state: &SeccompState, jail: &mut Jail) -> Result<(), String> {
    match (&state.program, state.use_filter) {
        (Some(program), true) => {
            jail.seccomp_filter(SeccompFilter {
                program: program.clone(),
                tsync: state.tsync,
                allow_speculation: state.allow_speculation,
                log_failures: options(state).traps_for_logging(),
                logging: state.log_failures,
                label: state.label.clone(),
                policy_path: state.policy_path.clone(),
            });
            Ok(())
        }
        (None, true) => Err(
            "minijail_use_seccomp_filter() was called but no filter was set (minijail_parse_seccomp_filters or minijail_set_seccomp_filters)"
                .into(),
        ),
        (Some(_), false) => {
            jail::log::info(
                "a seccomp filter was set but minijail_use_seccomp_filter() was not called: it is not installed",
            );
            Ok(())
        }
        (None, false) => Ok(()),
    }
}

/// `minijail_use_seccomp_filter`.
#[no_mangle]
pub unsafe extern "C" fn minijail_use_seccomp_filter(j: *mut Minijail) {
    guard("minijail_use_seccomp_filter", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        unsafe { jail_mut(j, "minijail_use_seccomp_filter") }
            .seccomp
            .use_filter = true;
    })
}

/// `minijail_set_seccomp_filter_tsync`.
#[no_mangle]
pub unsafe extern "C" fn minijail_set_seccomp_filter_tsync(j: *mut Minijail) {
    guard("minijail_set_seccomp_filter_tsync", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        let m = unsafe { jail_mut(j, "minijail_set_seccomp_filter_tsync") };
        must_precede_filter(m, "minijail_set_seccomp_filter_tsync");
        if m.seccomp.log_failures && !jail::seccomp::ret_log_available() {
            die("SECCOMP_RET_LOG not available, cannot use logging with thread sync at the same time");
        }
        m.seccomp.tsync = true;
    })
}

/// `minijail_set_seccomp_filter_allow_speculation`.
#[no_mangle]
pub unsafe extern "C" fn minijail_set_seccomp_filter_allow_speculation(j: *mut Minijail) {
    guard("minijail_set_seccomp_filter_allow_speculation", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        let m = unsafe { jail_mut(j, "minijail_set_seccomp_filter_allow_speculation") };
        must_precede_filter(m, "minijail_set_seccomp_filter_allow_speculation");
        m.seccomp.allow_speculation = true;
    })
}

/// `minijail_log_seccomp_filter_failures`.
#[no_mangle]
pub unsafe extern "C" fn minijail_log_seccomp_filter_failures(j: *mut Minijail) {
    guard("minijail_log_seccomp_filter_failures", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        let m = unsafe { jail_mut(j, "minijail_log_seccomp_filter_failures") };
        must_precede_filter(m, "minijail_log_seccomp_filter_failures");
        if m.seccomp.tsync && !jail::seccomp::ret_log_available() {
            die("SECCOMP_RET_LOG not available, cannot use thread sync with logging at the same time");
        }
        m.seccomp.log_failures = true;
    })
}

/// `minijail_set_seccomp_filters`: copy a compiled program.
#[no_mangle]
pub unsafe extern "C" fn minijail_set_seccomp_filters(j: *mut Minijail, filter: *const SockFprog) {
    guard("minijail_set_seccomp_filters", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        let m = unsafe { jail_mut(j, "minijail_set_seccomp_filters") };
        if m.seccomp.log_failures {
            die("minijail_log_seccomp_filter_failures() is incompatible with minijail_set_seccomp_filters()");
        }
        // SAFETY: NULL or a valid sock_fprog per the C API contract.
        let Some(fprog) = (unsafe { filter.as_ref() }) else {
            die("minijail_set_seccomp_filters: NULL filter");
        };
        let program: Vec<SockFilter> = if fprog.len == 0 {
            Vec::new()
        } else if fprog.filter.is_null() {
            die("minijail_set_seccomp_filters: NULL instructions")
        } else {
            // SAFETY: the caller's program holds `len` instructions.
            unsafe { std::slice::from_raw_parts(fprog.filter, usize::from(fprog.len)) }.to_vec()
        };
        m.seccomp.program = Some(program);
        m.seccomp.label = "minijail_set_seccomp_filters".into();
        m.seccomp.policy_path = None;
    })
}

/// `minijail_parse_seccomp_filters`: compile a policy file; abort if it
/// does not compile.
#[no_mangle]
pub unsafe extern "C" fn minijail_parse_seccomp_filters(j: *mut Minijail, path: *const c_char) {
    guard("minijail_parse_seccomp_filters", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        let m = unsafe { jail_mut(j, "minijail_parse_seccomp_filters") };
        // SAFETY: a NUL-terminated string per the C API contract.
        let Some(path) = (unsafe { c_path(path) }) else {
            die("minijail_parse_seccomp_filters: NULL path");
        };
        if let Err(e) = std::fs::metadata(path) {
            die(&format!(
                "failed to open seccomp filter file '{}': {e}",
                path.display()
            ));
        }
        match jail::seccomp::compile_file(path, &options(&m.seccomp)) {
            Ok(program) => store(m, &program, path.display().to_string()),
            Err(e) => die(&format!(
                "failed to compile seccomp filter BPF program in '{}': {e}",
                path.display()
            )),
        }
    })
}

/// `minijail_parse_seccomp_filters_from_fd`: compile the policy read from
/// `fd`, which is closed (as upstream's fdopen/fclose does).
#[no_mangle]
pub unsafe extern "C" fn minijail_parse_seccomp_filters_from_fd(j: *mut Minijail, fd: i32) {
    guard("minijail_parse_seccomp_filters_from_fd", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        let m = unsafe { jail_mut(j, "minijail_parse_seccomp_filters_from_fd") };
        // SAFETY: F_GETFD only queries the fd.
        if fd < 0 || unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
            die(&format!("failed to associate stream with fd {fd}"));
        }
        let origin: PathBuf = std::fs::read_link(format!("/proc/self/fd/{fd}"))
            .unwrap_or_else(|_| PathBuf::from("<fd>"));
        // SAFETY: the caller hands the fd over; it is closed when `file` drops.
        let file = unsafe { std::fs::File::from_raw_fd(fd) };
        let what = format!("seccomp policy from fd {fd}");
        let text = jail::input_file::read_stream(file, &what)
            .map_err(|e| e.to_string())
            .and_then(|b| String::from_utf8(b).map_err(|_| format!("{what}: not UTF-8 text")))
            .unwrap_or_else(|e| die(&format!("failed to read the seccomp policy: {e}")));
        match jail::seccomp::compile_str(&text, Path::new(&origin), &options(&m.seccomp)) {
            Ok(program) => store(m, &program, origin.display().to_string()),
            Err(e) => die(&format!(
                "failed to compile seccomp filter BPF program from fd {fd}: {e}"
            )),
        }
    })
}

/// Syscall names as C strings, built once.
fn names() -> &'static [Option<CString>] {
    static NAMES: OnceLock<Vec<Option<CString>>> = OnceLock::new();
    NAMES.get_or_init(|| {
        (0..1024)
            .map(|nr| jail::syscall_name(nr).and_then(|n| CString::new(n).ok()))
            .collect()
    })
}

/// The name of syscall `nr` as a static C string, or NULL.
pub(crate) fn syscall_name_ptr(nr: libc::c_long) -> *const c_char {
    usize::try_from(nr)
        .ok()
        .and_then(|i| names().get(i))
        .and_then(Option::as_ref)
        .map_or(std::ptr::null(), |c| c.as_ptr())
}
