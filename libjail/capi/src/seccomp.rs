//! Seccomp: compile policies with `jail::seccomp`, take compiled programs,
//! and hand the filter to the Jail at launch with upstream's options.

use std::ffi::{c_char, CString};
use std::os::fd::FromRawFd;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jail::seccomp::CompileOptions;
use jail::{Jail, SeccompFilter, SockFilter};

use crate::{c_path, die, guard, jail_mut, Minijail, SeccompSteps};

/// `struct sock_fprog`.
#[repr(C)]
pub struct SockFprog {
    pub len: libc::c_ushort,
    pub filter: *const SockFilter,
}

/// Upstream's runtime compile options (see `CompileOptions::minijail_runtime`).
fn options(state: &SeccompSteps) -> CompileOptions {
    CompileOptions::minijail_runtime(state.log_failures, state.tsync)
}

/// Parse and compile policy text, keeping the parsed policy.
fn compile(
    text: Option<&str>,
    origin: &Path,
    opts: &jail::seccomp::CompileOptions,
) -> Result<(jail::seccomp::Program, jail::seccomp::Policy), jail::seccomp::PolicyError> {
    let policy = match text {
        Some(t) => jail::seccomp::parse_str(t, origin, opts)?,
        None => jail::seccomp::parse_file(origin, opts)?,
    };
    Ok((jail::seccomp::compile_policy(&policy, origin)?, policy))
}

fn store(
    m: &mut Minijail,
    (program, policy): &(jail::seccomp::Program, jail::seccomp::Policy),
    label: String,
) {
    let s = &m.seccomp;
    let mut filter =
        SeccompFilter::from_program(program, &options(s), s.tsync, s.allow_speculation, label);
    filter.policy_path = Some(filter.label.clone());
    filter.policy = Some(std::sync::Arc::new(policy.clone()));
    m.jail.seccomp_filter(filter);
}

fn must_precede_filter(m: &Minijail, what: &str) {
    if m.jail.seccomp().is_some() {
        die(&format!(
            "{what}() must be called before minijail_parse_seccomp_filters()"
        ));
    }
}

/// The filter in force at launch, as upstream: only once
/// `minijail_use_seccomp_filter` was called, and that call needs a filter.
pub(crate) fn apply(steps: SeccompSteps, jail: &mut Jail) -> Result<(), String> {
    match (jail.seccomp().is_some(), steps.use_filter) {
        (true, true) | (false, false) => Ok(()),
        (false, true) => Err(
            "minijail_use_seccomp_filter() was called but no filter was set (minijail_parse_seccomp_filters or minijail_set_seccomp_filters)"
                .into(),
        ),
        (true, false) => {
            jail::log::info(
                "a seccomp filter was set but minijail_use_seccomp_filter() was not called: it is not installed",
            );
            jail.take_seccomp_filter();
            Ok(())
        }
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
        let s = m.seccomp;
        m.jail.seccomp_filter(SeccompFilter {
            program,
            tsync: s.tsync,
            allow_speculation: s.allow_speculation,
            label: "minijail_set_seccomp_filters".into(),
            ..SeccompFilter::default()
        });
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
        match compile(None, path, &options(&m.seccomp)) {
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
        match compile(Some(&text), Path::new(&origin), &options(&m.seccomp)) {
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
