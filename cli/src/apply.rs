//! Resolved [`Options`] onto `jail::Jail` and `jail::Command`: one setter
//! per setting, no jail logic of its own. Reading files (seccomp policies
//! and programs) happens here, so errors still come before anything starts.

use std::ffi::OsString;
use std::path::Path;

use jail::{Command, Jail, Namespace};

use crate::error::UsageError;
use crate::options::{MountEntry, Options, Profile, Seccomp, Suppl};
use crate::table::{self, Opt};

fn bad(opt: Opt, msg: impl Into<String>) -> UsageError {
    UsageError::new(table::spec(opt), msg)
}

/// The jail these options describe: identity, capabilities and kernel
/// restrictions, namespaces, the filesystem, Landlock, then the process
/// and its resources, in upstream's order.
pub fn build_jail(o: &Options) -> Result<Jail, UsageError> {
    let mut j = Jail::new();
    set_identity(&mut j, o)?;
    set_caps(&mut j, o);
    set_seccomp(&mut j, o)?;
    set_namespaces(&mut j, o);
    set_filesystem(&mut j, o);
    set_landlock(&mut j, o);
    set_process(&mut j, o);
    Ok(j)
}

/// -u, -g, -G, -y and --add-suppl-group.
fn set_identity(j: &mut Jail, o: &Options) -> Result<(), UsageError> {
    if let Some(u) = &o.user {
        match &u.name {
            Some(name) => {
                j.change_user(name)
                    .map_err(|e| bad(Opt::User, e.to_string()))?;
            }
            None => {
                j.change_uid(u.uid);
            }
        }
    }
    if let Some(g) = o.group {
        j.change_gid(g);
    }
    match o.suppl {
        Suppl::Default if !o.add_groups.is_empty() => {
            j.set_supplementary_gids(&o.add_groups);
        }
        Suppl::Default => {}
        Suppl::InheritUser => {
            j.inherit_usergroups();
        }
        Suppl::KeepCurrent => {
            j.keep_supplementary_gids();
        }
    }
    Ok(())
}

/// -c, --ambient, -B and -n.
fn set_caps(j: &mut Jail, o: &Options) {
    if let Some(mask) = o.caps {
        j.use_caps(mask);
    }
    if o.ambient {
        j.set_ambient_caps();
    }
    if let Some(mask) = o.securebits_skip {
        j.skip_setting_securebits(mask);
    }
    if o.no_new_privs {
        j.no_new_privs();
    }
}

/// -s, -S, --seccomp-bpf-binary; -a is refused.
fn set_seccomp(j: &mut Jail, o: &Options) -> Result<(), UsageError> {
    match &o.seccomp {
        Seccomp::None => {}
        Seccomp::Strict => {
            j.seccomp_strict();
        }
        Seccomp::Policy(path) => {
            j.seccomp_filter(compile_policy(o, path)?);
        }
        Seccomp::Binary(path) => {
            j.seccomp_filter(load_binary(o, path)?);
        }
    }
    // With -i nobody waits to explain a seccomp kill: the kernel kills.
    if o.background {
        j.supervise_seccomp(false);
    }
    if let Some(table_name) = &o.alt_syscall {
        j.use_alt_syscall(table_name);
    }
    // Refused before anything starts, by the core's rule.
    if let Some(why) = j.alt_syscall_refusal() {
        return Err(bad(Opt::AltSyscall, why));
    }
    // The default runtime itself is applied while parsing (options.rs),
    // as upstream's minijail0 does; the library only keeps the flag.
    j.set_enable_default_runtime(o.default_runtime);
    Ok(())
}

/// New and joined namespaces, the hostname, id maps, -I.
fn set_namespaces(j: &mut Jail, o: &Options) {
    let ns = &o.ns;
    for (on, kind) in [
        (ns.user, Namespace::User),
        (ns.pid, Namespace::Pid),
        (ns.mount, Namespace::Mount),
        (ns.ipc, Namespace::Ipc),
        (ns.uts, Namespace::Uts),
        (ns.net, Namespace::Net),
        (ns.cgroup, Namespace::Cgroup),
    ] {
        if on {
            j.namespace(kind);
        }
    }
    if ns.user {
        // As upstream: only the maps -m/-M give are written.
        j.no_default_id_maps();
    }
    if let Some(p) = &o.join_net {
        j.join_namespace(Namespace::Net, p);
    }
    if let Some(p) = &o.join_mount {
        j.join_namespace(Namespace::Mount, p);
    }
    if let Some(h) = &o.hostname {
        j.set_hostname(h);
    }
    if let Some(m) = &o.uid_map {
        j.uid_map(m);
    }
    if let Some(m) = &o.gid_map {
        j.gid_map(m);
    }
    if o.deny_setgroups {
        j.deny_setgroups();
    }
    if o.run_as_init {
        j.run_as_init();
    }
}

/// Propagation, the mounts in order, /dev, /tmp, /proc, the new root.
fn set_filesystem(j: &mut Jail, o: &Options) {
    if let Some(p) = o.propagation {
        j.remount_mode(p);
    }
    for m in &o.mounts {
        match m {
            MountEntry::Profile(p) => {
                j.profile_minimalistic_mountns(*p == Profile::MinimalisticMountnsNodev);
            }
            MountEntry::Bind {
                src,
                dest,
                writable,
            } => {
                j.bind(src, dest, *writable);
            }
            MountEntry::Mount {
                src,
                dest,
                fstype,
                flags,
                data,
            } => {
                j.mount(src, dest, fstype, *flags, data.as_deref());
            }
        }
    }
    if o.mount_dev {
        j.mount_dev();
    }
    if let Some(size) = o.tmp_size {
        j.mount_tmp(size);
    }
    if o.remount_proc_ro {
        j.remount_proc_readonly();
    }
    if let Some(dir) = &o.chroot {
        j.enter_chroot(dir);
    }
    if let Some(dir) = &o.pivot_root {
        j.enter_pivot_root(dir);
    }
}

/// The Landlock ABI and rules; after the mounts, which the profile's
/// rules follow from.
fn set_landlock(j: &mut Jail, o: &Options) {
    // The ABI first: the named sets' rights depend on it.
    if let Some(abi) = o.landlock_abi {
        j.set_landlock_abi(abi);
    }
    if o.fs_restrictions_off {
        j.disable_fs_restrictions();
    }
    if o.fs_default_paths {
        j.enable_default_fs_restrictions();
    }
    for (path, access) in &o.fs_rules {
        j.add_fs_restriction(path, *access);
    }
    // Last, as upstream: the profile's rules follow from every mount.
    j.add_minimalistic_mountns_fs_rules();
}

/// rlimits, the pid file, signals, sessions, fds, the preload, cgroup
/// resources.
fn set_process(j: &mut Jail, o: &Options) {
    for &(resource, cur, max) in &o.rlimits {
        j.rlimit_raw(resource, cur, max);
    }
    if let Some(p) = &o.pid_file {
        j.write_pid_file(p);
    }
    j.forward_signals(o.forward_signals);
    // As upstream's minijail0: the caller's ignored and blocked signals
    // reach the program (a nohup'd daemon keeps ignoring SIGHUP).
    j.reset_signal_mask(false).reset_signal_handlers(false);
    if o.session_keyring {
        j.new_session_keyring();
    }
    j.new_session(o.new_sessions);
    j.pty(o.pty);
    for &fd in &o.preserve_fds {
        j.preserve_fd(fd, fd);
    }
    if let Some(p) = &o.preload_library {
        j.set_preload_path(p);
    }
    j.set_resources(o.resources.clone());
}

/// The command: program, arguments, environment, preload mode.
pub fn build_command(o: &Options, program: &[OsString]) -> Command {
    let mut cmd = Command::new(&program[0]);
    // minijail0 waits for the program anyway: return from the launch only
    // once the jail is in force, so a program the preload missed is killed.
    cmd.args(&program[1..]).wait_until_jailed(true);
    if o.env_reset {
        cmd.env_clear();
    }
    for (name, value) in &o.env_add {
        cmd.env(name, value);
    }
    if let Some(mode) = o.elf_type {
        cmd.preload_mode(mode);
    }
    cmd
}

fn compile_options(o: &Options) -> jail::seccomp::CompileOptions {
    jail::seccomp::CompileOptions::minijail_runtime(o.seccomp_log, o.seccomp_tsync)
}

fn to_filter(
    o: &Options,
    program: &jail::seccomp::Program,
    label: &Path,
    policy: Option<jail::seccomp::Policy>,
) -> jail::SeccompFilter {
    let mut filter = jail::SeccompFilter::from_program(
        program,
        &compile_options(o),
        o.seccomp_tsync,
        o.allow_speculation,
        label.display().to_string(),
    );
    filter.policy = policy.map(std::sync::Arc::new);
    filter
}

fn compile_policy(o: &Options, path: &Path) -> Result<jail::SeccompFilter, UsageError> {
    let policy_error = |e: jail::seccomp::PolicyError| {
        bad(Opt::SeccompPolicy, e.to_string()).with_excerpt(e.excerpt())
    };
    let policy = jail::seccomp::parse_file(path, &compile_options(o)).map_err(policy_error)?;
    // The same warnings as `jail policy lint`, once, before anything runs.
    let installed = if o.elf_type == Some(jail::PreloadMode::Never) {
        jail::seccomp::lint::Installed::BeforeExec
    } else {
        jail::seccomp::lint::Installed::AfterExec
    };
    for warning in jail::seccomp::lint::lint(&policy, installed) {
        eprint!(
            "{}",
            jail::log::user_message(crate::PROG, &format!("warning: {warning}"), None)
        );
    }
    let program = jail::seccomp::compile_policy(&policy, path).map_err(policy_error)?;
    let mut filter = to_filter(o, &program, path, Some(policy));
    filter.policy_path = Some(path.display().to_string());
    Ok(filter)
}

fn load_binary(o: &Options, path: &Path) -> Result<jail::SeccompFilter, UsageError> {
    let bytes =
        jail::input_file::read(path).map_err(|e| bad(Opt::SeccompBpfBinary, e.to_string()))?;
    let program = jail::seccomp::Program::from_bytes(&bytes)
        .map_err(|e| bad(Opt::SeccompBpfBinary, format!("'{}': {e}", path.display())))?;
    Ok(to_filter(o, &program, path, None))
}
