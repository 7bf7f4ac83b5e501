//! `jail doctor`: what this host offers a jail, probed without changing
//! the host, one [`Finding`] per need with the concrete fix. The same
//! explanations ([`cause`]) name the host's cause in launch errors.
//!
//! [`for_jail`] checks what one jail's settings need; [`whole_host`]
//! checks everything a jail can ask for.

pub mod cause;
pub mod probe;

use std::fmt;
use std::path::Path;

use crate::config::{Jail, Namespace, Propagation};
use cause::Cause;

pub use cause::State;

/// One line of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Whether the host offers it.
    pub state: State,
    /// What is needed ("mount namespace", "Landlock ABI 2").
    pub need: String,
    /// What the probe saw ("unshare(CLONE_NEWNS) works", "ABI 3").
    pub detail: String,
    /// What makes it work, when it does not.
    pub fix: Option<String>,
    /// Counted for the exit status (only informational lines are not).
    pub needed: bool,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<10} {}: {}",
            self.state.word(),
            self.need,
            self.detail
        )?;
        if !self.needed {
            write!(f, " (informational)")?;
        }
        if let Some(fix) = &self.fix {
            write!(f, "; fix: {fix}")?;
        }
        Ok(())
    }
}

/// All findings, in order.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// One finding per need, in the order they were probed.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Everything needed is there.
    pub fn all_ok(&self) -> bool {
        self.findings
            .iter()
            .all(|f| f.state == State::Ok || !f.needed)
    }

    fn ok(&mut self, need: impl Into<String>, detail: impl Into<String>) {
        self.push(State::Ok, need, detail.into(), None);
    }

    fn cause(&mut self, need: impl Into<String>, c: Cause) {
        self.push(c.state, need, c.why, Some(c.fix));
    }

    fn push(&mut self, state: State, need: impl Into<String>, detail: String, fix: Option<String>) {
        self.findings.push(Finding {
            state,
            need: need.into(),
            detail,
            fix,
            needed: true,
        });
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in &self.findings {
            writeln!(f, "{finding}")?;
        }
        Ok(())
    }
}

/// Every kind but the user namespace.
const OTHER_KINDS: &[Namespace] = cause::KINDS.split_at(1).1;

/// What `jail`'s settings need of this host.
pub fn for_jail(jail: &Jail) -> Report {
    let mut r = Report::default();
    let userns = jail.has_namespace(Namespace::User);
    if userns {
        user_namespace(&mut r);
    }
    for kind in OTHER_KINDS
        .iter()
        .copied()
        .filter(|k| jail.has_namespace(*k))
    {
        namespace(&mut r, kind, userns);
    }
    if jail.has_namespace(Namespace::Mount) {
        propagation(&mut r, jail.propagation == Propagation::Unchanged);
    }
    if userns && (jail.uid_map.is_some() || jail.gid_map.is_some()) {
        id_maps(&mut r, jail);
    }
    for root in [&jail.pivot_root, &jail.chroot].into_iter().flatten() {
        new_root(&mut r, root);
    }
    if !jail.fs_rules.is_empty() {
        landlock(&mut r, jail.landlock_abi, jail.landlock_best_effort);
    }
    if jail.seccomp.is_some() || jail.seccomp_strict {
        seccomp(&mut r, &seccomp_actions(jail));
    }
    if jail.no_new_privs {
        no_new_privs(&mut r);
    }
    for cgroup in &jail.cgroups {
        cgroup_writable(&mut r, cgroup);
    }
    preload(&mut r, jail.preload_path.as_deref());
    r
}

/// Everything a jail can ask of this host.
pub fn whole_host() -> Report {
    let mut r = Report::default();
    user_namespace(&mut r);
    for &kind in OTHER_KINDS {
        namespace(&mut r, kind, false);
    }
    for &kind in OTHER_KINDS {
        namespace(&mut r, kind, true);
    }
    propagation(&mut r, false);
    new_root(&mut r, Path::new(crate::config::DEFAULT_PIVOT_ROOT));
    landlock(&mut r, 1, false);
    use crate::seccomp::policy::ret;
    seccomp(&mut r, &[ret::LOG, ret::USER_NOTIF, ret::KILL_PROCESS]);
    no_new_privs(&mut r);
    cgroup2(&mut r);
    subordinate_ids(&mut r);
    preload(&mut r, None);
    r
}

fn user_namespace(r: &mut Report) {
    let need = "user namespace";
    match probe::try_namespaces(true, 0) {
        Ok(()) => {
            let limit = probe::sysctl("user.max_user_namespaces")
                .map(|n| format!(" (user.max_user_namespaces = {n})"))
                .unwrap_or_default();
            r.ok(need, format!("this caller can create one{limit}"))
        }
        Err((_, errno)) => r.cause(need, cause::user_namespace(errno)),
    }
}

fn namespace(r: &mut Report, kind: Namespace, in_userns: bool) {
    let need = format!(
        "{} namespace{}",
        cause::kind_name(kind),
        if in_userns {
            " (in a user namespace, -U)"
        } else {
            ""
        }
    );
    match probe::try_namespaces(in_userns, kind.clone_flag()) {
        Ok(()) => r.ok(need, "this caller can create one"),
        Err((true, errno)) => r.cause(need, cause::user_namespace(errno)),
        Err((false, errno)) => r.cause(need, cause::namespaces(&[kind], in_userns, errno)),
    }
}

fn propagation(r: &mut Report, kept: bool) {
    let need = "mount propagation of /";
    match probe::root_propagation() {
        Some("shared") if kept => r.push(
            State::Restricted,
            need,
            "/ is shared and the jail keeps propagation as it is (-K): its mounts would reach the host".into(),
            Some("use -Kslave or -Kprivate, or leave -K out (the jail then makes its copy private)".into()),
        ),
        Some(p) => r.ok(need, format!("/ is {p}; the jail's copy is made private unless -K says otherwise")),
        None => r.push(
            State::Missing,
            need,
            "/proc/self/mountinfo cannot be read".into(),
            Some("mount /proc".into()),
        ),
    }
}

fn id_maps(r: &mut Report, jail: &Jail) {
    // SAFETY: getuid/getgid have no preconditions.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    for (name, map, own, cap) in [
        ("uid map", &jail.uid_map, uid, probe::CAP_SETUID),
        ("gid map", &jail.gid_map, gid, probe::CAP_SETGID),
    ] {
        let Some(map) = map else { continue };
        let only_own = crate::launch::parse_id_map(name, map)
            .map(|ranges| ranges.len() == 1 && ranges[0].outside == own && ranges[0].count == 1)
            .unwrap_or(false);
        if only_own || probe::has_cap(cap) {
            r.ok(name, format!("'{map}' can be written by this caller"));
        } else {
            r.push(
                State::Missing,
                name,
                format!("'{map}' maps ids other than your own ({own}), which needs CAP_SETUID/CAP_SETGID (jail writes maps itself; it does not call newuidmap)"),
                Some(format!("run as root, or map only your own id: '0 {own} 1'")),
            );
        }
    }
}

fn new_root(r: &mut Report, root: &Path) {
    let need = format!("new root {}", root.display());
    if root.is_dir() {
        r.ok(need, "an existing directory");
    } else {
        r.cause(need, cause::missing_root(root));
    }
}

fn landlock(r: &mut Report, abi: u32, best_effort: bool) {
    let need = format!("Landlock (ABI {abi} or later)");
    match jail_enter::landlock::kernel_abi() {
        Ok(have) if have >= abi => r.ok(need, format!("the kernel offers ABI {have}")),
        _ if best_effort => r.ok(need, "not offered; these rules are best effort and are skipped"),
        Ok(have) => r.push(
            State::Missing,
            need,
            format!("the kernel offers ABI {have} only"),
            Some(format!("use a kernel with Landlock ABI {abi} (Linux 5.19 for ABI 2, 6.2 for 3)")),
        ),
        Err(libc::EOPNOTSUPP) => r.push(
            State::Restricted,
            need,
            "Landlock is built in but not enabled".into(),
            Some("add landlock to the lsm= kernel parameter (e.g. lsm=landlock,lockdown,yama,apparmor,bpf) and reboot".into()),
        ),
        Err(_) => r.push(
            State::Missing,
            need,
            "this kernel has no Landlock".into(),
            Some("use a kernel built with CONFIG_SECURITY_LANDLOCK=y, or drop the --fs-path-* rules".into()),
        ),
    }
}

fn action_name(action: u32) -> &'static str {
    use crate::seccomp::policy::ret;
    match action {
        ret::LOG => "log (SECCOMP_RET_LOG)",
        ret::USER_NOTIF => "user-notify (SECCOMP_RET_USER_NOTIF)",
        ret::KILL_PROCESS => "kill-process (SECCOMP_RET_KILL_PROCESS)",
        ret::TRACE => "trace (SECCOMP_RET_TRACE)",
        _ => "seccomp action",
    }
}

/// The return actions of the jail's filter that not every kernel has.
fn seccomp_actions(jail: &Jail) -> Vec<u32> {
    use crate::seccomp::policy::ret;
    let mut out = Vec::new();
    for insn in jail.seccomp.iter().flat_map(|s| &s.program) {
        let action = insn.k & ret::ACTION_FULL;
        if insn.code == (libc::BPF_RET | libc::BPF_K) as u16
            && [ret::LOG, ret::USER_NOTIF, ret::KILL_PROCESS, ret::TRACE].contains(&action)
            && !out.contains(&action)
        {
            out.push(action);
        }
    }
    out
}

fn seccomp(r: &mut Report, actions: &[u32]) {
    match probe::seccomp_filters() {
        Ok(()) => r.ok("seccomp filter", "supported"),
        Err(_) => r.push(
            State::Missing,
            "seccomp filter",
            "this kernel has no seccomp (CONFIG_SECCOMP_FILTER)".into(),
            Some("use a kernel built with CONFIG_SECCOMP_FILTER=y".into()),
        ),
    }
    for &action in actions {
        let need = format!("seccomp action {}", action_name(action));
        match probe::seccomp_action_available(action) {
            Ok(()) => r.ok(need, "offered by this kernel"),
            Err(_) => r.push(
                State::Missing,
                need,
                "this kernel does not offer it".into(),
                Some("use a newer kernel (log: 4.14, kill-process: 4.14, user-notify: 5.0), or a policy without it (-L needs log)".into()),
            ),
        }
    }
}

fn no_new_privs(r: &mut Report) {
    match probe::no_new_privs() {
        Ok(()) => r.ok("no_new_privs", "supported"),
        Err(_) => r.push(
            State::Missing,
            "no_new_privs",
            "PR_SET_NO_NEW_PRIVS is not supported (Linux 3.5)".into(),
            Some("use a newer kernel".into()),
        ),
    }
}

fn cgroup_writable(r: &mut Report, cgroup: &Path) {
    let need = format!("cgroup {}", cgroup.display());
    let procs = crate::launch::cgroup_procs_file(cgroup);
    if probe::writable(&procs) {
        r.ok(need, format!("{} is writable", procs.display()));
    } else if !procs.exists() {
        r.push(
            State::Missing,
            need,
            format!("{} does not exist", procs.display()),
            Some(format!(
                "create the cgroup first: mkdir {}",
                cgroup.display()
            )),
        );
    } else {
        r.push(
            State::Restricted,
            need,
            format!(
                "{} is not writable by this caller: the cgroup is not delegated",
                procs.display()
            ),
            Some(format!(
                "as root: chown -R {} {} (or ask systemd: systemd-run --user -p Delegate=yes ...)",
                caller_name(),
                cgroup.display()
            )),
        );
    }
}

fn caller_name() -> String {
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    probe::user_name(uid).unwrap_or_else(|| uid.to_string())
}

fn cgroup2(r: &mut Report) {
    let Some(mount) = probe::cgroup2_mount() else {
        r.push(
            State::Missing,
            "cgroup v2",
            "no cgroup2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified".into(),
            Some("as root: mount -t cgroup2 none /sys/fs/cgroup/unified (or boot with systemd.unified_cgroup_hierarchy=1)".into()),
        );
        return;
    };
    let controllers = std::fs::read_to_string(mount.join("cgroup.controllers")).unwrap_or_default();
    r.ok(
        "cgroup v2",
        format!(
            "mounted at {} (controllers: {})",
            mount.display(),
            controllers.trim()
        ),
    );
    let Some(own) = probe::own_cgroup2(&mount) else {
        return;
    };
    let need = "cgroup v2 delegation";
    if probe::writable(&own.join("cgroup.procs"))
        && probe::writable(&own.join("cgroup.subtree_control"))
    {
        r.ok(need, format!("this caller may manage {}", own.display()));
    } else {
        r.push(
            State::Restricted,
            need,
            format!("{} is not delegated to this caller", own.display()),
            Some(if own == mount {
                // Never hand out the root cgroup: make one to delegate.
                let mine = mount.join(format!("jail-{}", caller_name()));
                format!(
                    "as root: mkdir {d} && chown -R {u} {d}, then name it with --cgroup-parent {d} (or use a systemd unit with Delegate=yes)",
                    d = mine.display(),
                    u = caller_name()
                )
            } else {
                format!(
                    "as root: chown {u} {d} {d}/cgroup.procs {d}/cgroup.subtree_control (or use a systemd unit with Delegate=yes)",
                    u = caller_name(),
                    d = own.display()
                )
            }),
        );
    }
}

fn subordinate_ids(r: &mut Report) {
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    let name = probe::user_name(uid);
    for (helper, file) in [("newuidmap", "/etc/subuid"), ("newgidmap", "/etc/subgid")] {
        let mut f = match probe::find_helper(helper) {
            Some(p) => Finding {
                state: State::Ok,
                need: helper.into(),
                detail: format!("{}", p.display()),
                fix: None,
                needed: false,
            },
            None => Finding {
                state: State::Missing,
                need: helper.into(),
                detail: "not installed; jail writes id maps itself and does not need it".into(),
                fix: Some("install the uidmap package for other tools".into()),
                needed: false,
            },
        };
        let ranges = probe::subid_ranges(file, name.as_deref(), uid);
        f.detail += &if ranges.is_empty() {
            format!(
                "; no range for {} in {file}",
                name.as_deref().unwrap_or("this user")
            )
        } else {
            format!("; {file}: {}", ranges.join(", "))
        };
        r.findings.push(f);
    }
}

fn preload(r: &mut Report, explicit: Option<&Path>) {
    let need = "preload library";
    match crate::launch::preload_library::locate(explicit) {
        Ok(p) => r.ok(need, format!("{}", p.display())),
        Err(e) => r.push(
            State::Missing,
            need,
            e.to_string(),
            Some("install it (scripts/install.sh PREFIX puts it in PREFIX/lib) or give its path with --preload-library".into()),
        ),
    }
}
