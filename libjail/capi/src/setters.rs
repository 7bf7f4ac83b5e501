//! The setters: each maps onto a `jail::Jail` setter, with upstream's
//! argument checks and return values.

use std::ffi::{c_char, c_ulong, c_void};
use std::path::Path;

use jail::hook::HookEvent;
use jail::{Namespace, Propagation};

use crate::{c_path, c_string, die, guard, jail_mut, jail_ref, Minijail, Unapplicable};

/// Most setters: guard, fetch the jail, apply.
macro_rules! setter {
    ($(#[$m:meta])* fn $name:ident($($arg:ident: $ty:ty),*) $body:expr) => {
        $(#[$m])*
        #[no_mangle]
        pub unsafe extern "C" fn $name(j: *mut Minijail $(, $arg: $ty)*) {
            guard(stringify!($name), || {
                // SAFETY: j is valid per the C API contract (NULL aborts).
                let m = unsafe { jail_mut(j, stringify!($name)) };
                #[allow(clippy::redundant_closure_call)]
                ($body)(m)
            })
        }
    };
}

/// A path argument of an int setter, or -EINVAL for NULL.
macro_rules! path_arg {
    ($p:expr) => {
        // SAFETY: a NUL-terminated string per the C API contract.
        match unsafe { c_path($p) } {
            Some(p) => p,
            None => return -libc::EINVAL,
        }
    };
}

/// A string argument of an int setter, or -EINVAL for NULL.
macro_rules! str_arg {
    ($p:expr) => {
        // SAFETY: a NUL-terminated string per the C API contract.
        match unsafe { c_string($p) } {
            Some(s) => s,
            None => return -libc::EINVAL,
        }
    };
}

fn id_error(e: &jail::ids::IdError) -> i32 {
    match e {
        jail::ids::IdError::NoSuchUser(_) | jail::ids::IdError::NoSuchGroup(_) => -libc::ENOENT,
        jail::ids::IdError::OutOfRange { .. } => -libc::EINVAL,
        jail::ids::IdError::Lookup { errno, .. } | jail::ids::IdError::GroupList(_, errno) => {
            -(*errno as i32)
        }
    }
}

fn set_uid(m: &mut Minijail, uid: u32) {
    if uid == 0 {
        die("useless change to uid 0");
    }
    m.jail.change_uid(uid);
}

fn set_gid(m: &mut Minijail, gid: u32) {
    if gid == 0 {
        die("useless change to gid 0");
    }
    m.jail.change_gid(gid);
}

// --- identity ---

setter!(fn minijail_change_uid(uid: libc::uid_t) |m: &mut Minijail| set_uid(m, uid));
setter!(fn minijail_change_gid(gid: libc::gid_t) |m: &mut Minijail| set_gid(m, gid));

setter!(fn minijail_set_supplementary_gids(size: usize, list: *const libc::gid_t) |m: &mut Minijail| {
    // Upstream's immediate check (the core's rule); any other pair of
    // modes is refused at launch by the core.
    if let Some(why) = m.jail.set_supplementary_gids_refusal() {
        die(why);
    }
    let gids: &[libc::gid_t] = if size == 0 {
        &[]
    } else if list.is_null() {
        die("minijail_set_supplementary_gids: NULL list")
    } else {
        // SAFETY: the caller passes `size` gids at `list`.
        unsafe { std::slice::from_raw_parts(list, size) }
    };
    m.jail.set_supplementary_gids(gids);
});

setter!(fn minijail_keep_supplementary_gids() |m: &mut Minijail| {
    m.jail.keep_supplementary_gids();
});

int_setter!(fn minijail_change_user(user: *const c_char) |m: &mut Minijail| {
    let name = str_arg!(user);
    let ids = match jail::ids::user_by_name(&name) {
        Ok(ids) => ids,
        Err(e) => return id_error(&e),
    };
    if ids.uid == 0 {
        die("useless change to uid 0");
    }
    match m.jail.change_user(&name) {
        Ok(_) => {
                    0
        }
        Err(e) => id_error(&e),
    }
});

int_setter!(fn minijail_change_group(group: *const c_char) |m: &mut Minijail| {
    let name = str_arg!(group);
    match jail::ids::group_by_name(&name) {
        Ok(gid) => {
            set_gid(m, gid);
            0
        }
        Err(e) => id_error(&e),
    }
});

setter!(fn minijail_inherit_usergroups() |m: &mut Minijail| {
    m.jail.inherit_usergroups();
});

// --- seccomp strict mode and no_new_privs ---

setter!(fn minijail_use_seccomp() |m: &mut Minijail| {
    m.jail.seccomp_strict();
});
setter!(fn minijail_no_new_privs() |m: &mut Minijail| {
    m.jail.no_new_privs();
});

// --- capabilities ---

setter!(fn minijail_use_caps(capmask: u64) |m: &mut Minijail| {
    if m.jail.bounding_set_kept().is_some() {
        jail::log::warn("overriding bounding set configuration");
        m.jail.capbset_drop(u64::MAX);
    }
    m.jail.use_caps(capmask);
});

setter!(fn minijail_capbset_drop(capmask: u64) |m: &mut Minijail| {
    if m.jail.caps().is_some() {
        die("runtime capabilities already configured, can't drop bounding set separately");
    }
    m.jail.capbset_drop(capmask);
});

setter!(fn minijail_set_ambient_caps() |m: &mut Minijail| {
    m.jail.set_ambient_caps();
});

setter!(fn minijail_skip_setting_securebits(mask: u64) |m: &mut Minijail| {
    m.jail.skip_setting_securebits(mask);
});

// --- signals, sessions, fds ---

setter!(fn minijail_reset_signal_mask() |m: &mut Minijail| {
    m.jail.reset_signal_mask(true);
});
setter!(fn minijail_reset_signal_handlers() |m: &mut Minijail| {
    m.jail.reset_signal_handlers(true);
});
setter!(fn minijail_close_open_fds() |m: &mut Minijail| {
    m.jail.close_open_fds(true);
});
int_setter!(fn minijail_forward_signals() |m: &mut Minijail| {
    m.jail.forward_signals(true);
    0
});
int_setter!(fn minijail_create_session() |m: &mut Minijail| {
    m.jail.create_session();
    0
});
setter!(fn minijail_set_enable_new_sessions(enable: bool) |m: &mut Minijail| {
    m.jail.new_session(enable);
});

/// Upstream's limit on preserved fds.
const MAX_PRESERVED_FDS: usize = 128;

int_setter!(fn minijail_preserve_fd(parent_fd: i32, child_fd: i32) |m: &mut Minijail| {
    if parent_fd < 0 || child_fd < 0 {
        return -libc::EINVAL;
    }
    if m.jail.preserved_fds().len() >= MAX_PRESERVED_FDS {
        return -libc::ENOMEM;
    }
    m.jail.preserve_fd(parent_fd, child_fd);
    0
});

// --- namespaces ---

setter!(fn minijail_namespace_vfs() |m: &mut Minijail| {
    m.jail.namespace(Namespace::Mount);
});

/// Check a namespace path the way upstream does when it is given: it must
/// open, else abort.
fn check_ns_path(name: &str, path: *const c_char) -> std::path::PathBuf {
    // SAFETY: a NUL-terminated string per the C API contract.
    let Some(p) = (unsafe { c_path(path) }) else {
        die(&format!("{name}: NULL namespace path"));
    };
    if let Err(e) = std::fs::File::open(p) {
        die(&format!("failed to open namespace '{}': {e}", p.display()));
    }
    p.to_owned()
}

setter!(fn minijail_namespace_enter_vfs(ns_path: *const c_char) |m: &mut Minijail| {
    let p = check_ns_path("minijail_namespace_enter_vfs", ns_path);
    m.jail.join_namespace(Namespace::Mount, &p);
});
setter!(fn minijail_new_session_keyring() |m: &mut Minijail| {
    m.jail.new_session_keyring();
});
setter!(fn minijail_skip_remount_private() |m: &mut Minijail| {
    m.jail.remount_mode(Propagation::Unchanged);
});

/// The propagation an MS_* flag names (0: unchanged).
fn propagation(mode: c_ulong) -> Option<Propagation> {
    Some(match mode {
        0 => Propagation::Unchanged,
        libc::MS_PRIVATE => Propagation::Private,
        libc::MS_SLAVE => Propagation::Slave,
        libc::MS_SHARED => Propagation::Shared,
        libc::MS_UNBINDABLE => Propagation::Unbindable,
        _ => return None,
    })
}

setter!(fn minijail_remount_mode(mode: c_ulong) |m: &mut Minijail| {
    let p = match propagation(mode) {
        Some(p) => p,
        None => {
            m.unsupported.push(Unapplicable::Invalid(format!(
                "minijail_remount_mode({mode:#x}): not a propagation mode (MS_PRIVATE, MS_SLAVE, MS_SHARED or MS_UNBINDABLE)"
            )));
            return;
        }
    };
    m.jail.remount_mode(p);
});
setter!(fn minijail_namespace_ipc() |m: &mut Minijail| {
    m.jail.namespace(Namespace::Ipc);
});
setter!(fn minijail_namespace_uts() |m: &mut Minijail| {
    m.jail.namespace(Namespace::Uts);
});
int_setter!(fn minijail_namespace_set_hostname(name: *const c_char) |m: &mut Minijail| {
    let name = str_arg!(name);
    if m.jail.hostname().is_some() {
        return -libc::EINVAL;
    }
    m.jail.set_hostname(&name);
    0
});
setter!(fn minijail_namespace_net_loopback(enable_loopback: bool) |m: &mut Minijail| {
    m.jail.namespace(Namespace::Net).set_net_loopback(enable_loopback);
});
setter!(fn minijail_namespace_net() |m: &mut Minijail| {
    m.jail.namespace(Namespace::Net).set_net_loopback(true);
});
setter!(fn minijail_namespace_enter_net(ns_path: *const c_char) |m: &mut Minijail| {
    let p = check_ns_path("minijail_namespace_enter_net", ns_path);
    m.jail.join_namespace(Namespace::Net, &p);
});
setter!(fn minijail_namespace_cgroups() |m: &mut Minijail| {
    m.jail.namespace(Namespace::Cgroup);
});
setter!(fn minijail_namespace_pids() |m: &mut Minijail| {
    m.jail.namespace(Namespace::Pid).remount_proc_readonly();
});
setter!(fn minijail_namespace_pids_rw_proc() |m: &mut Minijail| {
    m.jail.namespace_pids_rw_proc();
});
setter!(fn minijail_namespace_user() |m: &mut Minijail| {
    // As upstream: only the maps given (minijail_uidmap/gidmap) are
    // written (Minijail::new asks for no default maps).
    m.jail.namespace(Namespace::User);
});
setter!(fn minijail_namespace_user_disable_setgroups() |m: &mut Minijail| {
    m.jail.deny_setgroups();
});
int_setter!(fn minijail_uidmap(uidmap: *const c_char) |m: &mut Minijail| {
    // Written only if a user namespace is asked for, as upstream (the
    // core's rule).
    m.jail.set_uid_map(&str_arg!(uidmap));
    0
});
int_setter!(fn minijail_gidmap(gidmap: *const c_char) |m: &mut Minijail| {
    m.jail.set_gid_map(&str_arg!(gidmap));
    0
});
setter!(fn minijail_run_as_init() |m: &mut Minijail| {
    // Only with a pid namespace, as upstream (the core's rule).
    m.jail.set_run_as_init(true);
});

// --- filesystem ---

setter!(fn minijail_remount_proc_readonly() |m: &mut Minijail| {
    m.jail.remount_proc_readonly();
});

int_setter!(fn minijail_enter_chroot(dir: *const c_char) |m: &mut Minijail| {
    let dir = path_arg!(dir);
    if m.jail.root_dir().is_some() {
        return -libc::EINVAL;
    }
    m.jail.enter_chroot(dir);
    0
});

int_setter!(fn minijail_enter_pivot_root(dir: *const c_char) |m: &mut Minijail| {
    let dir = path_arg!(dir);
    if m.jail.root_dir().is_some() {
        return -libc::EINVAL;
    }
    m.jail.enter_pivot_root(dir);
    0
});

/// The path outside the jail of `inside`: through the mount whose
/// destination holds it, else under the root, else itself.
fn original_path(m: &Minijail, inside: &[u8]) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    for mount in m.jail.mounts() {
        let dest = mount.dest.as_os_str().as_bytes();
        if let Some(rest) = inside.strip_prefix(dest) {
            let mut out = mount.source.as_os_str().as_bytes().to_vec();
            if !rest.is_empty() {
                if !out.ends_with(b"/") && !rest.starts_with(b"/") {
                    out.push(b'/');
                }
                out.extend_from_slice(rest);
            }
            return out;
        }
    }
    match m.jail.root_dir() {
        Some(root) => {
            let mut out = root.as_os_str().as_bytes().to_vec();
            if !out.ends_with(b"/") && !inside.starts_with(b"/") {
                out.push(b'/');
            }
            out.extend_from_slice(inside);
            out
        }
        None => inside.to_vec(),
    }
}

/// `minijail_get_original_path`: a malloc'd string the caller frees.
#[no_mangle]
pub unsafe extern "C" fn minijail_get_original_path(
    j: *mut Minijail,
    chroot_path: *const c_char,
) -> *mut c_char {
    guard("minijail_get_original_path", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        let m = unsafe { jail_mut(j, "minijail_get_original_path") };
        // SAFETY: a NUL-terminated string per the C API contract.
        let Some(inside) = (unsafe { crate::c_bytes(chroot_path) }) else {
            return std::ptr::null_mut();
        };
        let out = original_path(m, inside);
        // SAFETY: malloc of len+1 bytes, filled and NUL-terminated below;
        // the caller frees it with free() as upstream's API says.
        unsafe {
            let p = libc::malloc(out.len() + 1).cast::<u8>();
            if p.is_null() {
                return std::ptr::null_mut();
            }
            std::ptr::copy_nonoverlapping(out.as_ptr(), p, out.len());
            *p.add(out.len()) = 0;
            p.cast()
        }
    })
}

setter!(fn minijail_mount_tmp() |m: &mut Minijail| {
    m.jail.mount_tmp(64 * 1024 * 1024);
});
setter!(fn minijail_mount_tmp_size(size: usize) |m: &mut Minijail| {
    m.jail.mount_tmp(size as u64);
});
setter!(fn minijail_mount_dev() |m: &mut Minijail| {
    m.jail.mount_dev();
});

/// A mount as upstream records it; what the flags mean is the core's
/// (`Jail::mount`).
fn add_mount(
    m: &mut Minijail,
    src: &Path,
    dest: &Path,
    fstype: String,
    flags: c_ulong,
    data: Option<String>,
) -> i32 {
    if !dest.is_absolute() {
        return -libc::EINVAL;
    }
    m.jail.mount(src, dest, &fstype, flags, data.as_deref());
    0
}

/// `minijail_mount_with_data`.
#[no_mangle]
pub unsafe extern "C" fn minijail_mount_with_data(
    j: *mut Minijail,
    src: *const c_char,
    dest: *const c_char,
    fstype: *const c_char,
    flags: c_ulong,
    data: *const c_char,
) -> i32 {
    guard("minijail_mount_with_data", || {
        if j.is_null() {
            return -libc::EINVAL;
        }
        // SAFETY: valid per the C API contract.
        let m = unsafe { jail_mut(j, "minijail_mount_with_data") };
        let src = path_arg!(src);
        let dest = path_arg!(dest);
        let fstype = str_arg!(fstype);
        // SAFETY: NULL or a NUL-terminated string per the C API contract.
        let data = unsafe { c_string(data) };
        add_mount(m, src, dest, fstype, flags, data)
    })
}

int_setter!(fn minijail_mount(src: *const c_char, dest: *const c_char, fstype: *const c_char, flags: c_ulong) |m: &mut Minijail| {
    let src = path_arg!(src);
    let dest = path_arg!(dest);
    let fstype = str_arg!(fstype);
    add_mount(m, src, dest, fstype, flags, None)
});

int_setter!(fn minijail_bind(src: *const c_char, dest: *const c_char, writeable: i32) |m: &mut Minijail| {
    let src = path_arg!(src);
    let dest = path_arg!(dest);
    if !dest.is_absolute() {
        return -libc::EINVAL;
    }
    m.jail.bind(src, dest, writeable != 0);
    0
});

int_setter!(fn minijail_add_remount(mount_name: *const c_char, remount_mode: c_ulong) |m: &mut Minijail| {
    let name = path_arg!(mount_name);
    let Some(mode) = propagation(remount_mode).filter(|_| name.is_absolute()) else {
        return -libc::EINVAL;
    };
    m.jail.remount(name, mode);
    0
});

// --- resources ---

/// Upstream's limits.
const MAX_RLIMITS: usize = 32;
const MAX_CGROUPS: usize = 10;

int_setter!(fn minijail_rlimit(kind: i32, cur: libc::rlim_t, max: libc::rlim_t) |m: &mut Minijail| {
    if m.jail.rlimits().len() >= MAX_RLIMITS {
        return -libc::ENOMEM;
    }
    if m.jail.rlimits().iter().any(|r| r.resource == kind) {
        return -libc::EEXIST;
    }
    m.jail.rlimit_raw(kind, cur, max);
    0
});

int_setter!(fn minijail_add_to_cgroup(path: *const c_char) |m: &mut Minijail| {
    let path = path_arg!(path);
    if m.jail.cgroups().len() >= MAX_CGROUPS {
        return -libc::ENOMEM;
    }
    m.jail.add_to_cgroup(path);
    0
});

int_setter!(fn minijail_write_pid_file(path: *const c_char) |m: &mut Minijail| {
    let path = path_arg!(path);
    m.jail.write_pid_file(path);
    0
});

int_setter!(fn minijail_use_alt_syscall(table: *const c_char) |m: &mut Minijail| {
    let table = str_arg!(table);
    // Refused at launch by the core (-ENOSYS), as no kernel here has it.
    m.jail.use_alt_syscall(&table);
    0
});

// --- hooks and preload ---

/// `minijail_add_hook`.
#[no_mangle]
pub unsafe extern "C" fn minijail_add_hook(
    j: *mut Minijail,
    hook: Option<jail::hook::HookFn>,
    payload: *mut c_void,
    event: u32,
) -> i32 {
    guard("minijail_add_hook", || {
        if j.is_null() {
            return -libc::EINVAL;
        }
        // SAFETY: valid per the C API contract.
        let m = unsafe { jail_mut(j, "minijail_add_hook") };
        let Some(hook) = hook else {
            return -libc::EINVAL;
        };
        let event = match event {
            0 => HookEvent::PreDropCaps,
            1 => HookEvent::PreExecve,
            2 => HookEvent::PreChroot,
            _ => return -libc::EINVAL,
        };
        // SAFETY: the C caller's contract for minijail_add_hook is this one.
        unsafe { m.jail.add_hook(event, hook, payload) };
        0
    })
}

int_setter!(fn minijail_set_preload_path(preload_path: *const c_char) |m: &mut Minijail| {
    let path = path_arg!(preload_path);
    if m.jail.preload_path().is_some() {
        return -libc::EINVAL;
    }
    m.jail.set_preload_path(path);
    0
});

/// `minijail_get_enable_default_runtime`.
#[no_mangle]
pub unsafe extern "C" fn minijail_get_enable_default_runtime(j: *mut Minijail) -> bool {
    guard("minijail_get_enable_default_runtime", || {
        // SAFETY: valid per the C API contract (NULL aborts).
        unsafe { jail_ref(j, "minijail_get_enable_default_runtime") }
            .jail
            .default_runtime_enabled()
    })
}

setter!(fn minijail_set_enable_default_runtime(enable: bool) |m: &mut Minijail| {
    m.jail.set_enable_default_runtime(enable);
});

// --- extensions of this implementation (not in upstream; prefix jail_) ---

int_setter!(
    /// `jail_set_pty`: run the program on its own pty (`Jail::pty`);
    /// `minijail_wait` relays the caller's std fds until it exits.
    fn jail_set_pty() |m: &mut Minijail| {
        m.jail.pty(true);
        0
    }
);
