//! The resource-control extension (`jail_cgroup_*`, not in upstream): a
//! cgroup of the jail's own with limits, a time limit, and the usage
//! report of the program `minijail_wait` reaped. Values are the library's
//! types; parsing sizes and CPU amounts is the library's too.

use std::ffi::c_char;
use std::time::Duration;

use jail::{ByteSize, Cpus, Ending};

use crate::{c_path, c_string, guard, jail_mut, jail_ref, Minijail};

fn weight_ok(w: u32) -> bool {
    (1..=10_000).contains(&w)
}

int_setter!(
    /// `jail_cgroup_new`: a cgroup of the jail's own even without limits.
    fn jail_cgroup_new() |m: &mut Minijail| {
        m.jail.new_cgroup();
        0
    }
);

int_setter!(
    /// `jail_cgroup_parent`: make the jail's cgroup beneath `path`.
    fn jail_cgroup_parent(path: *const c_char) |m: &mut Minijail| {
        // SAFETY: a NUL-terminated string per the C API contract.
        match unsafe { c_path(path) } {
            Some(p) => {
                m.jail.cgroup_parent(p);
                0
            }
            None => -libc::EINVAL,
        }
    }
);

int_setter!(
    /// `jail_cgroup_memory_max`: memory.max in bytes.
    fn jail_cgroup_memory_max(bytes: u64) |m: &mut Minijail| {
        if bytes == 0 {
            return -libc::EINVAL;
        }
        m.jail.memory_limit(ByteSize::bytes(bytes));
        0
    }
);

int_setter!(
    /// `jail_cgroup_memory_high`: memory.high in bytes (cgroup v2).
    fn jail_cgroup_memory_high(bytes: u64) |m: &mut Minijail| {
        m.jail.memory_high(ByteSize::bytes(bytes));
        0
    }
);

int_setter!(
    /// `jail_cgroup_swap_max`: memory.swap.max in bytes.
    fn jail_cgroup_swap_max(bytes: u64) |m: &mut Minijail| {
        m.jail.swap_limit(ByteSize::bytes(bytes));
        0
    }
);

int_setter!(
    /// `jail_cgroup_pids_max`: pids.max.
    fn jail_cgroup_pids_max(n: u64) |m: &mut Minijail| {
        if n == 0 {
            return -libc::EINVAL;
        }
        m.jail.pids_limit(n);
        0
    }
);

int_setter!(
    /// `jail_cgroup_cpu_max`: cpu.max as a number of CPUs (0.5: half of one).
    fn jail_cgroup_cpu_max(cpus: f64) |m: &mut Minijail| {
        match Cpus::new(cpus) {
            Some(c) => {
                m.jail.cpu_limit(c);
                0
            }
            None => -libc::EINVAL,
        }
    }
);

int_setter!(
    /// `jail_cgroup_cpu_weight`: cpu.weight, 1 to 10000.
    fn jail_cgroup_cpu_weight(weight: u32) |m: &mut Minijail| {
        if !weight_ok(weight) {
            return -libc::EINVAL;
        }
        m.jail.cpu_weight(weight);
        0
    }
);

int_setter!(
    /// `jail_cgroup_io_weight`: io.weight, 1 to 10000.
    fn jail_cgroup_io_weight(weight: u32) |m: &mut Minijail| {
        if !weight_ok(weight) {
            return -libc::EINVAL;
        }
        m.jail.io_weight(weight);
        0
    }
);

int_setter!(
    /// `jail_cgroup_time_limit_ms`: kill the whole jail after this much
    /// wall-clock time.
    fn jail_cgroup_time_limit_ms(ms: u64) |m: &mut Minijail| {
        if ms == 0 {
            return -libc::EINVAL;
        }
        m.jail.time_limit(Duration::from_millis(ms));
        0
    }
);

/// `jail_cgroup_parse_size`: "512M", "2G", ... into bytes; 0 or -EINVAL.
#[no_mangle]
pub unsafe extern "C" fn jail_cgroup_parse_size(text: *const c_char, out: *mut u64) -> i32 {
    guard("jail_cgroup_parse_size", || {
        // SAFETY: a NUL-terminated string per the C API contract.
        let parsed = unsafe { c_string(text) }.and_then(|t| t.parse::<ByteSize>().ok());
        match parsed {
            Some(size) if !out.is_null() => {
                // SAFETY: out is non-null and points to a u64 per the contract.
                unsafe { *out = size.get() };
                0
            }
            _ => -libc::EINVAL,
        }
    })
}

/// `jail_cgroup_parse_cpus`: "0.5", "50%" (of the online CPUs) into CPUs.
#[no_mangle]
pub unsafe extern "C" fn jail_cgroup_parse_cpus(text: *const c_char, out: *mut f64) -> i32 {
    guard("jail_cgroup_parse_cpus", || {
        // SAFETY: a NUL-terminated string per the C API contract.
        let parsed = unsafe { c_string(text) }.and_then(|t| t.parse::<Cpus>().ok());
        match parsed {
            Some(cpus) if !out.is_null() => {
                // SAFETY: out is non-null and points to a double per the contract.
                unsafe { *out = cpus.get() };
                0
            }
            _ => -libc::EINVAL,
        }
    })
}

/// `struct jail_cgroup_usage` (libminijail.h).
#[repr(C)]
pub struct JailCgroupUsage {
    pub ended: i32,
    pub status: i32,
    pub signal: i32,
    pub wall_us: u64,
    pub user_us: u64,
    pub system_us: u64,
    pub peak_memory_bytes: u64,
    pub peak_processes: i64,
    pub oom_kills: u64,
    pub pids_limit_hits: u64,
}

/// The `JAIL_ENDED_*` value and the signal of an ending.
fn ending_code(e: Ending) -> (i32, i32) {
    match e {
        Ending::Exited(_) => (0, 0),
        Ending::Signaled(s) => (1, s),
        Ending::Seccomp => (2, libc::SIGSYS),
        Ending::OomKilled => (3, libc::SIGKILL),
        Ending::PidsLimit => (4, 0),
        Ending::TimeLimit => (5, libc::SIGKILL),
    }
}

/// `jail_cgroup_usage`: the report of the program `minijail_wait` reaped;
/// -ECHILD before that.
#[no_mangle]
pub unsafe extern "C" fn jail_cgroup_usage(j: *const Minijail, out: *mut JailCgroupUsage) -> i32 {
    guard("jail_cgroup_usage", || {
        if j.is_null() || out.is_null() {
            return -libc::EINVAL;
        }
        // SAFETY: valid per the C API contract.
        let m = unsafe { jail_ref(j, "jail_cgroup_usage") };
        let Some(u) = m.usage.as_deref() else {
            return -libc::ECHILD;
        };
        let (ended, signal) = ending_code(u.ended);
        let us = |d: Duration| d.as_micros() as u64;
        let report = JailCgroupUsage {
            ended,
            status: u.status,
            signal,
            wall_us: us(u.wall_time),
            user_us: us(u.user_cpu),
            system_us: us(u.system_cpu),
            peak_memory_bytes: u.peak_memory,
            peak_processes: u.peak_processes.map_or(-1, |n| n as i64),
            oom_kills: u.oom_kills,
            pids_limit_hits: u.pids_limit_hits,
        };
        // SAFETY: out is non-null and points to the struct per the contract.
        unsafe { out.write(report) };
        0
    })
}

/// `jail_cgroup_usage_json`: the report as the JSON `--usage-json`
/// writes, NUL-terminated into `buf` (`len` bytes); returns its length
/// without the NUL (like snprintf: more than `len - 1` means it was cut),
/// -ECHILD before `minijail_wait`.
#[no_mangle]
pub unsafe extern "C" fn jail_cgroup_usage_json(
    j: *const Minijail,
    buf: *mut c_char,
    len: usize,
) -> i32 {
    guard("jail_cgroup_usage_json", || {
        if j.is_null() || (buf.is_null() && len > 0) {
            return -libc::EINVAL;
        }
        // SAFETY: valid per the C API contract.
        let m = unsafe { jail_ref(j, "jail_cgroup_usage_json") };
        let Some(u) = m.usage.as_deref() else {
            return -libc::ECHILD;
        };
        let json = u.to_json();
        if len > 0 {
            let n = json.len().min(len - 1);
            // SAFETY: buf holds len bytes; n + 1 <= len.
            unsafe {
                std::ptr::copy_nonoverlapping(json.as_ptr(), buf.cast::<u8>(), n);
                *buf.add(n) = 0;
            }
        }
        json.len() as i32
    })
}
