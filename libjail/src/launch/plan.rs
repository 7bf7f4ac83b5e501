//! The launch plan: every string, array, fd and byte the child will need,
//! built and validated before fork so the child only makes syscalls.

use std::ffi::{CString, OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use jail_enter::{Caps, Groups, Landlock, LandlockRule, Prepared, Seccomp, Stage2};

use super::command::{Command, Environment, Stdio};
use super::error::{Conflict, FdProblem, LaunchError};
use super::idmap;
use crate::config::{Jail, Namespace, PreloadMode, Propagation, SupplementaryGroups};
use crate::program::{self, Linkage};
use crate::sys;

/// How stage 2 is delivered for this launch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Nothing to apply after execve.
    None,
    /// Through the preload library and the handoff pipe.
    Preload,
    /// Applied in the child just before execve.
    BeforeExec,
}

use super::mountplan::MountOp;

/// A std stream set-up for the child: the fd to dup onto 0, 1 or 2.
#[derive(Debug, Clone, Copy)]
pub struct FdMove {
    pub source: libc::c_int,
    pub target: libc::c_int,
}

/// Everything the child and the parent-side setup need.
#[derive(Debug)]
pub struct Plan {
    pub program: CString,
    _argv: Vec<CString>,
    pub argv_ptrs: Vec<*const libc::c_char>,
    _envp: Vec<CString>,
    pub envp_ptrs: Vec<*const libc::c_char>,

    pub clone_flags: libc::c_int,
    pub unshare_flags: libc::c_int,
    pub userns: bool,
    pub root_in_userns: bool,
    pub uid_map: Option<String>,
    pub gid_map: Option<String>,
    pub deny_setgroups: bool,
    /// Namespaces to join: (CLONE_NEW* type, fd opened before fork).
    pub join: Vec<(libc::c_int, libc::c_int)>,
    pub hostname: Option<CString>,
    pub net_loopback: bool,
    pub session_keyring: bool,

    pub new_mount_ns: bool,
    pub propagation: libc::c_ulong,
    /// Subtrees (host paths) and the MS_* propagation flag each gets after
    /// the whole tree; empty when propagation is left unchanged.
    pub remounts: Vec<(CString, libc::c_ulong)>,
    pub root: CString,
    /// Enter the root in the child (no-preload mode); with the preload,
    /// stage 2 enters it after the loader (see [`jail_enter::NewRoot`]).
    pub chroot: bool,
    pub pivot_root: bool,
    /// The preload library, opened by the child just before execve in the
    /// view the loader will have: the loader only warns about an entry it
    /// cannot open and runs the program unjailed.
    pub preload_check: Option<CString>,
    /// The preload library's own path, for messages.
    pub preload_path: Option<PathBuf>,
    /// The preload library handed over as an fd, when its path cannot go
    /// into LD_PRELOAD as it is ([`super::preload_library::loader_entry`]):
    /// the open library and the fd number the program gets it at.
    pub preload_fd: Option<(std::os::fd::OwnedFd, libc::c_int)>,
    pub mount_dev: bool,
    pub mounts: Vec<MountOp>,
    /// Scratch for the child: detached mount trees, one slot per mount.
    pub mount_trees: Vec<libc::c_int>,
    pub tmp_data: Option<CString>,
    /// Mount a fresh /proc: Some(true) read-only.
    pub remount_proc: Option<bool>,

    pub rlimits: Vec<crate::config::Rlimit>,
    pub cgroups: Vec<PathBuf>,
    /// The jail's own cgroup, made before fork; removed if the launch fails.
    pub jail_cgroup: Option<crate::cgroup::JailCgroup>,
    /// Its cgroup.procs files, open for the child to write "0" into (it
    /// moves itself, so it needs no round trip through the launcher).
    pub cgroup_procs: Vec<libc::c_int>,
    pub pid_file: Option<PathBuf>,
    /// Fork an init (new pid namespace without run-as-init, joined pid or
    /// new time namespace: those only apply to children).
    pub inner_fork: bool,
    pub pdeathsig: Option<i32>,
    pub parent_pid: libc::pid_t,
    pub setsid: bool,
    pub reset_signal_mask: bool,
    pub reset_signal_handlers: bool,

    /// Moves onto fixed fd numbers (stdio, preserved fds, handoff).
    pub fd_moves: Vec<FdMove>,
    /// Scratch for the child: the temporaries the moves go through.
    pub fd_scratch: Vec<libc::c_int>,
    /// Lowest fd number free of every target.
    pub fd_base: libc::c_int,
    /// Sorted fds that survive the close-everything step.
    pub keep_fds: Vec<libc::c_int>,
    pub close_open_fds: bool,

    pub delivery: Delivery,
    pub stage2_bytes: Vec<u8>,
    pub stage2_prepared: Option<Prepared>,
    /// The fd number the handoff read end gets in the program.
    pub handoff_target: libc::c_int,
    /// The supervised seccomp filter's report socket: which calls go to
    /// the launcher, and the number the socket gets in the program.
    pub supervision: Option<(jail_enter::supervise::Notify, libc::c_int)>,
    /// Which of `fd_moves` carries the report socket (its source is set
    /// at launch, when the socket is made).
    pub report_move: Option<usize>,
    /// The fd number of the acknowledgement channel's write end in the
    /// program (stage 2 writes [`jail_enter::APPLIED`] and closes it), or
    /// -1 when the launcher does not wait for it.
    pub ack_target: libc::c_int,
    pub seccomp_label: Option<String>,
    /// What the pid namespace's init prints when the program dies of
    /// SIGSYS (the launcher only sees init's exit status then).
    /// Empty with a supervisor: the launcher explains a seccomp kill
    /// itself. Still a C string: it is one of jail-init's arguments.
    pub sigsys_note: CString,
    /// The texts jail-init builds a signal death's line from, when the
    /// launch forks an init (see [`crate::death::InitDeathText`]).
    pub init_death_text: Option<&'static crate::death::InitDeathText>,
    /// The memfd holding jail-init's image when the launch forks an init
    /// (see init.rs), else -1. Closed in the parent with the plan.
    pub init_image: libc::c_int,
    /// Stdio pipe ends (parent side, child side), for Stdio::Piped.
    pub stdio_pipes: [Option<(libc::c_int, libc::c_int)>; 3],
    /// fds to close in the parent once the child has them.
    pub close_in_parent: Vec<libc::c_int>,
    /// Caller hooks run in the child (no-preload and fork modes only).
    pub hooks: Vec<crate::hook::Hook>,
    /// The child shares the parent's memory (CLONE_VM; see
    /// `choose_child_mode`), vfork-style unless it waits for the parent.
    pub shared_memory_child: bool,
    /// The child waits on the sync pipe until the launcher has done its
    /// part (uid/gid maps, cgroups, pid file). With none of those to do the
    /// child goes straight on: no round trip through the launcher.
    pub wait_for_parent: bool,
    /// Make the launcher undumpable before the clone: the program could
    /// reach it otherwise (see [`Jail::keep_launcher_dumpable`]).
    pub undumpable_launcher: bool,
    /// The child makes itself dumpable and says so before the launcher
    /// writes its uid/gid maps: set at clone time when the launcher is
    /// undumpable and a new user namespace needs maps.
    pub announce_dumpable: bool,
    /// The new user namespace is made in a holder before the clone (see
    /// userns_holder.rs): an unprivileged, undumpable launcher whose
    /// child shares its memory. A new pid namespace is then cloned by a
    /// relay inside it (clone.rs).
    pub userns_holder: bool,
    /// The new user namespace the holder made, its maps written, for the
    /// child to join; -1 when the child makes its own.
    pub userns_fd: libc::c_int,
    /// The launching thread's signal mask, saved while all signals are
    /// blocked around clone; the child restores it unless resetting.
    pub saved_sigmask: libc::sigset_t,
    /// The pty's master, for the launcher's relay (`Jail::pty`).
    pub pty_master: Option<std::os::fd::OwnedFd>,
    /// The pty's slave: the program's std fds, and a pid namespace's init's.
    pub pty_slave: libc::c_int,
}

impl Drop for Plan {
    fn drop(&mut self) {
        for fd in self.close_in_parent.drain(..) {
            sys::close(fd);
        }
        for (_, fd) in self.join.drain(..) {
            sys::close(fd);
        }
        for (parent_end, child_end) in self.stdio_pipes.iter_mut().filter_map(Option::take) {
            sys::close(parent_end);
            sys::close(child_end);
        }
    }
}

fn cstring(what: &'static str, bytes: &[u8]) -> Result<CString, LaunchError> {
    CString::new(bytes).map_err(|_| LaunchError::NulByte {
        what,
        value: String::from_utf8_lossy(bytes).into_owned(),
    })
}

fn optional_cstring(
    what: &'static str,
    bytes: Option<&[u8]>,
) -> Result<Option<CString>, LaunchError> {
    bytes.map(|b| cstring(what, b)).transpose()
}

/// The pointer array execve takes: each string, then a null.
fn null_terminated(strings: &[CString]) -> Vec<*const libc::c_char> {
    strings
        .iter()
        .map(|s| s.as_ptr())
        .chain([std::ptr::null()])
        .collect()
}

fn path_cstring(what: &'static str, p: &Path) -> Result<CString, LaunchError> {
    cstring(what, p.as_os_str().as_bytes())
}

/// Open a namespace file and check it is a namespace of the expected kind.
fn open_namespace(ns: Namespace, path: &Path) -> Result<libc::c_int, LaunchError> {
    let c = path_cstring("namespace path", path)?;
    let fd = sys::open(&c, libc::O_RDONLY).map_err(|e| {
        LaunchError::path(
            "namespace path",
            path,
            std::io::Error::from_raw_os_error(e).to_string(),
        )
    })?;
    if sys::namespace_type(fd) != Ok(ns.clone_flag()) {
        sys::close(fd);
        return Err(LaunchError::path(
            "namespace path",
            path,
            format!(
                "is not a {} namespace (expected a file like /proc/PID/ns/{})",
                ns.proc_name(),
                ns.proc_name()
            ),
        ));
    }
    Ok(fd)
}

/// The environment the program starts with, before our own entries.
fn base_env(cmd: &Command) -> Vec<OsString> {
    let mut env: Vec<OsString> = match &cmd.env {
        Environment::Inherit => std::env::vars_os()
            .map(|(k, v)| {
                let mut e = k;
                e.push("=");
                e.push(v);
                e
            })
            .collect(),
        Environment::Exactly(list) => list.clone(),
    };
    for (name, value) in &cmd.env_add {
        set_env(&mut env, name, value);
    }
    env.retain(|e| env_name(e) != UPSTREAM_LOGGING_ENV);
    env
}

/// Upstream's launcher-to-preload logging variable: its preload removes it
/// from every program it enters, so ours never passes it on either.
const UPSTREAM_LOGGING_ENV: &[u8] = b"__MINIJAIL_LOGGING";

fn env_name(entry: &OsStr) -> &[u8] {
    let b = entry.as_bytes();
    b.split(|&c| c == b'=').next().unwrap_or(b)
}

fn set_env(env: &mut Vec<OsString>, name: &OsStr, value: &OsStr) {
    env.retain(|e| env_name(e) != name.as_bytes());
    let mut entry = name.to_owned();
    entry.push("=");
    entry.push(value);
    env.push(entry);
}

fn get_env<'a>(env: &'a [OsString], name: &str) -> Option<&'a [u8]> {
    env.iter()
        .find(|e| env_name(e) == name.as_bytes())
        .map(|e| &e.as_bytes()[name.len() + 1..])
}

/// Whether planning makes what only a launch needs: the jail's own
/// cgroup, the pty pair, the init's memfd.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Making {
    /// A launch follows.
    Everything,
    /// Only the checks ([`Jail::check_launch`]).
    Nothing,
}

impl Plan {
    /// Validate `jail` for `cmd` and prepare everything.
    pub fn build(jail: &Jail, cmd: &Command, fork_only: bool) -> Result<Plan, LaunchError> {
        Plan::build_making(jail, cmd, fork_only, Making::Everything)
    }

    /// [`Plan::build`], making only what `making` says. The steps, in
    /// order: check the settings, find the program and how stage 2
    /// reaches it, then plan namespaces, id maps, mounts, fd numbers, the
    /// preload, the environment and the supervisor, and last make what
    /// only a launch needs.
    pub fn build_making(
        jail: &Jail,
        cmd: &Command,
        fork_only: bool,
        making: Making,
    ) -> Result<Plan, LaunchError> {
        validate(jail)?;
        if making == Making::Everything {
            warn_once_per_launch(jail);
        }
        let root_dir = jail.chroot.as_deref().or(jail.pivot_root.as_deref());
        check_landlock_paths(jail, root_dir)?;
        let program = resolve_program(jail, cmd, fork_only, root_dir)?;
        let delivery = choose_delivery(jail, cmd, fork_only, &program, root_dir)?;
        // With the preload, the program is exec'd from the caller's
        // filesystem and stage 2 enters the new root first, as upstream.
        let root_in_stage2 = delivery == Delivery::Preload && root_dir.is_some();
        debug_assert!(root_dir.is_none() || program.from_caller == root_in_stage2);
        let mut stage2 = plan_stage2(
            jail,
            delivery,
            fork_only,
            root_dir.filter(|_| root_in_stage2),
        )?;
        let namespaces = plan_namespaces(jail)?;
        let maps = plan_id_maps(jail, namespaces.userns, delivery, &mut stage2)?;
        let root = root_dir.unwrap_or(Path::new("/"));
        let mounts = super::mountplan::plan(jail, root)?;
        let fds = FdNumbers::choose(jail, cmd, delivery);
        stage2.ack_fd = fds.ack;
        let preload = plan_preload(jail, delivery, &fds)?;
        let env = program_env(jail, cmd, &preload, fds.handoff);
        let undumpable_launcher = !jail.keep_launcher_dumpable && program_reaches_launcher(jail);
        let supervision = plan_supervision(
            jail,
            fork_only,
            delivery,
            undumpable_launcher,
            fds.above_preload(&preload),
        )?;
        if let (Some(s), Some((notify, report_fd))) = (stage2.seccomp.as_mut(), supervision) {
            s.supervise = Some(jail_enter::Supervise { report_fd, notify });
        }
        let (stage2_bytes, stage2_prepared) =
            encode_stage2(stage2, delivery, preload.entry.clone())?;
        let mut plan = Plan::assemble(
            jail,
            cmd,
            Parts {
                program,
                delivery,
                namespaces,
                maps,
                root,
                root_in_stage2,
                mounts,
                env,
                preload,
                fds,
                supervision,
                stage2_bytes,
                stage2_prepared,
                undumpable_launcher,
            },
        )?;
        plan.finish(jail, cmd, fork_only, making)?;
        Ok(plan)
    }

    /// The plan from what [`Plan::build_making`]'s steps worked out and the
    /// settings the child takes as they are; the fds, the child's mode and
    /// what only a launch makes are left for [`Plan::finish`].
    fn assemble(jail: &Jail, cmd: &Command, parts: Parts<'_>) -> Result<Plan, LaunchError> {
        let envp: Vec<CString> = parts
            .env
            .into_iter()
            .map(|e| cstring("environment entry", &e.into_vec()))
            .collect::<Result<_, _>>()?;
        let argv = argv(cmd)?;
        let inner_fork = (jail.has_namespace(Namespace::Pid) && !jail.program_is_pid1())
            || parts.namespaces.joins_pid_ns
            || jail.has_namespace(Namespace::Time);
        Ok(Plan {
            program: path_cstring("program", &parts.program.path)?,
            argv_ptrs: null_terminated(&argv),
            _argv: argv,
            envp_ptrs: null_terminated(&envp),
            _envp: envp,
            clone_flags: parts.namespaces.clone_flags,
            unshare_flags: parts.namespaces.unshare_flags,
            userns: parts.namespaces.userns,
            root_in_userns: parts.maps.root_inside,
            uid_map: parts.maps.uid_map,
            gid_map: parts.maps.gid_map,
            deny_setgroups: parts.maps.deny_setgroups,
            join: parts.namespaces.join,
            hostname: optional_cstring("hostname", jail.hostname.as_deref().map(str::as_bytes))?,
            net_loopback: jail.namespaces_to_create().any(|ns| ns == Namespace::Net)
                && jail.net_loopback,
            session_keyring: jail.new_session_keyring,
            new_mount_ns: jail.has_namespace(Namespace::Mount),
            propagation: if jail.has_namespace(Namespace::Mount) {
                jail.propagation.ms_flag()
            } else {
                0
            },
            remounts: remounts(jail)?,
            root: path_cstring("root", parts.root)?,
            chroot: jail.chroot.is_some() && !parts.root_in_stage2,
            pivot_root: jail.pivot_root.is_some() && !parts.root_in_stage2,
            preload_check: parts.preload.check,
            preload_path: parts.preload.library,
            preload_fd: parts.preload.fd,
            mount_dev: jail.mount_dev,
            mount_trees: vec![-1; parts.mounts.len()],
            mounts: parts.mounts,
            tmp_data: optional_cstring(
                "tmpfs size",
                jail.mount_tmp
                    .map(|size| format!("size={size},mode=1777").into_bytes())
                    .as_deref(),
            )?,
            remount_proc: jail.proc_mount(),
            rlimits: jail.rlimits.clone(),
            cgroups: jail.cgroups.clone(),
            jail_cgroup: None,
            cgroup_procs: Vec::new(),
            pid_file: jail.pid_file.clone(),
            inner_fork,
            pdeathsig: jail.pdeathsig,
            parent_pid: sys::getpid(),
            setsid: false,
            // A program on its own pty is interactive: Ctrl-C must reach
            // it whatever the caller ignored or blocked.
            reset_signal_mask: jail.reset_signal_mask || jail.pty,
            reset_signal_handlers: jail.reset_signal_handlers || jail.pty,
            fd_moves: Vec::new(),
            fd_scratch: Vec::new(),
            fd_base: 0,
            keep_fds: Vec::new(),
            close_open_fds: jail.close_open_fds,
            delivery: parts.delivery,
            stage2_bytes: parts.stage2_bytes,
            stage2_prepared: parts.stage2_prepared,
            handoff_target: parts.fds.handoff,
            supervision: parts.supervision,
            report_move: None,
            ack_target: parts.fds.ack.unwrap_or(-1),
            seccomp_label: jail.seccomp.as_ref().map(|s| s.label.clone()),
            sigsys_note: sigsys_note(jail, parts.supervision.is_some()),
            init_death_text: inner_fork
                .then(|| crate::death::InitDeathText::get(jail.seccomp_strict)),
            init_image: -1,
            stdio_pipes: [None; 3],
            close_in_parent: Vec::new(),
            hooks: jail.hooks.clone(),
            shared_memory_child: false,
            wait_for_parent: true,
            undumpable_launcher: parts.undumpable_launcher,
            announce_dumpable: false,
            userns_holder: false,
            userns_fd: -1,
            saved_sigmask: sys::empty_sigset(),
            pty_master: None,
            pty_slave: -1,
        })
    }

    /// The last steps of planning: the pty, which fd goes where, the
    /// jail's own cgroup, how the child runs, and the init's image (the
    /// pty, the cgroup and the image only when `making` a launch).
    fn finish(
        &mut self,
        jail: &Jail,
        cmd: &Command,
        fork_only: bool,
        making: Making,
    ) -> Result<(), LaunchError> {
        if making == Making::Everything {
            if let Some(pair) = super::pty_plan::plan(jail, cmd, fork_only)? {
                self.attach_pty(pair);
            }
        }
        self.plan_fds(jail, cmd)?;
        self.check_fd_limit()?;
        if making == Making::Everything
            && jail
                .resources
                .wants_cgroup(jail.has_namespace(Namespace::Pid))
        {
            let own = crate::cgroup::JailCgroup::create(&jail.resources)?;
            self.cgroup_procs = own.procs_fds();
            self.jail_cgroup = Some(own);
        }
        self.choose_child_mode(jail, fork_only);
        if making == Making::Everything && self.inner_fork {
            self.init_image = super::init_image::image_fd()
                .map_err(|e| LaunchError::os("making the memfd for the pid namespace's init", e))?;
            self.close_in_parent.push(self.init_image);
        }
        Ok(())
    }

    /// How the child runs: sharing the launcher's memory when it needs
    /// nothing from it, waiting for it only when it has something to do,
    /// in a new session when it should.
    fn choose_child_mode(&mut self, jail: &Jail, fork_only: bool) {
        // Every launch that ends in execve shares the launcher's memory
        // (no page tables copied: the cost does not grow with the caller's
        // size), unless caller hooks run in the child: they are the
        // caller's code and may count on a private copy, as upstream's do.
        self.shared_memory_child = !fork_only && self.hooks.is_empty();
        self.userns_holder = self.shared_memory_child
            && self.userns
            && sys::effective_ids().0 != 0
            && (self.undumpable_launcher || !sys::is_dumpable());
        // The child moves itself into the jail's own cgroup: no wait for it.
        let maps_to_write = self.userns && !self.userns_holder;
        // A child cloned by the relay (a pid namespace in the holder's user
        // namespace) runs beside the launcher once the relay is gone: it
        // waits for the release, as a child that shares our memory must.
        let relayed = self.userns_holder && self.clone_flags & libc::CLONE_NEWPID != 0;
        self.wait_for_parent =
            maps_to_write || relayed || !self.cgroups.is_empty() || self.pid_file.is_some();
        // A new session keeps the program from pushing input into the
        // caller's terminal (TIOCSTI) when any of its std fds is one.
        self.setsid = self.pty_slave >= 0
            || jail.setsid_always
            || jail.new_session
                && (0..3).any(|target| {
                    let source = self
                        .fd_moves
                        .iter()
                        .rev()
                        .find(|m| m.target == target)
                        .map_or(target, |m| m.source);
                    sys::is_tty(source)
                });
    }

    /// In preload mode the dynamic loader must open the preload library
    /// (and the program's libraries) with the fds the program starts with
    /// already open: a RLIMIT_NOFILE soft limit that leaves it no free
    /// number would make it skip the preload ("cannot be preloaded ...
    /// ignored") and run the program unjailed, or fail it at 127.
    fn check_fd_limit(&self) -> Result<(), LaunchError> {
        if self.delivery != Delivery::Preload {
            return Ok(());
        }
        let Some(limit) = self
            .rlimits
            .iter()
            .find(|r| r.resource == libc::RLIMIT_NOFILE as i32)
        else {
            return Ok(());
        };
        let mut open: Vec<libc::c_int> = (0..3).chain(self.keep_fds.iter().copied()).collect();
        open.sort_unstable();
        open.dedup();
        let lowest_free = (0..).find(|n| !open.contains(n)).unwrap_or(0) as u64;
        if limit.cur > lowest_free {
            return Ok(());
        }
        Err(LaunchError::FdLimitTooLow {
            limit: limit.cur,
            lowest_free,
        })
    }

    /// The pty's slave becomes the program's std fds (the caller's are
    /// replaced, every other fd closed); the master stays for the relay.
    fn attach_pty(&mut self, pair: crate::pty::Pair) {
        use std::os::fd::IntoRawFd;
        let slave = pair.slave.into_raw_fd();
        self.close_in_parent.push(slave);
        self.pty_slave = slave;
        self.pty_master = Some(pair.master);
        self.close_open_fds = true;
        for target in 0..3 {
            self.fd_moves.push(FdMove {
                source: slave,
                target,
            });
        }
    }

    /// Decide which fd goes where, and what survives.
    fn plan_fds(&mut self, jail: &Jail, cmd: &Command) -> Result<(), LaunchError> {
        let mut targets = vec![0, 1, 2];
        // The std fds' moves come after the preserved fds', so a pipe or
        // /dev/null asked for wins over a preserved fd onto 0-2, as
        // upstream (it moves the preserved fds first, the pipes last).
        let mut stdio_moves = self.open_stdio(cmd)?;
        self.move_preserved_fds(jail, &mut targets)?;
        self.fd_moves.append(&mut stdio_moves);
        self.move_launch_fds(&mut targets);
        targets.sort_unstable();
        targets.dedup();
        self.fd_base = targets.last().copied().unwrap_or(2) + 1;
        self.keep_fds = targets;
        // One slot per move (the report socket's included), plus the
        // handoff and acknowledgement pipes added at spawn time.
        self.fd_scratch = vec![-1; self.fd_moves.len() + 2];
        Ok(())
    }

    /// Open what the std fds get (/dev/null, a pipe), and the moves onto them.
    fn open_stdio(&mut self, cmd: &Command) -> Result<Vec<FdMove>, LaunchError> {
        let mut moves = Vec::new();
        for (i, spec) in [cmd.stdin, cmd.stdout, cmd.stderr].into_iter().enumerate() {
            let fd = i as libc::c_int;
            match spec {
                Stdio::Inherit => {}
                Stdio::Null => {
                    let flags = if i == 0 {
                        libc::O_RDONLY
                    } else {
                        libc::O_WRONLY
                    };
                    let null = sys::open(c"/dev/null", flags)
                        .map_err(|e| LaunchError::os("opening /dev/null", e))?;
                    self.close_in_parent.push(null);
                    moves.push(FdMove {
                        source: null,
                        target: fd,
                    });
                }
                Stdio::Piped => {
                    let (r, w) = sys::pipe().map_err(|e| LaunchError::os("pipe", e))?;
                    let (parent_end, child_end) = if i == 0 { (w, r) } else { (r, w) };
                    self.stdio_pipes[i] = Some((parent_end, child_end));
                    moves.push(FdMove {
                        source: child_end,
                        target: fd,
                    });
                }
            }
        }
        Ok(moves)
    }

    /// The caller's preserved fds onto their numbers, each checked.
    fn move_preserved_fds(
        &mut self,
        jail: &Jail,
        targets: &mut Vec<libc::c_int>,
    ) -> Result<(), LaunchError> {
        for &(parent_fd, child_fd) in &jail.preserved_fds {
            let refuse = |problem| {
                Err(LaunchError::PreserveFd {
                    parent: parent_fd,
                    child: child_fd,
                    problem,
                })
            };
            if parent_fd < 0 || child_fd < 0 {
                return refuse(FdProblem::Negative);
            }
            if !sys::fd_is_open(parent_fd) {
                return refuse(FdProblem::NotOpen);
            }
            if targets.contains(&child_fd) && child_fd > 2 {
                return refuse(FdProblem::TargetTwice);
            }
            self.fd_moves.push(FdMove {
                source: parent_fd,
                target: child_fd,
            });
            targets.push(child_fd);
        }
        Ok(())
    }

    /// The launch's own fds in the program: the handoff, the report
    /// socket, the acknowledgement channel, the preload library.
    fn move_launch_fds(&mut self, targets: &mut Vec<libc::c_int>) {
        if self.delivery == Delivery::Preload {
            targets.push(self.handoff_target);
        }
        if let Some((_, report_fd)) = self.supervision {
            self.report_move = Some(self.fd_moves.len());
            self.fd_moves.push(FdMove {
                source: -1,
                target: report_fd,
            });
            targets.push(report_fd);
        }
        if self.ack_target >= 0 {
            targets.push(self.ack_target);
        }
        if let Some((fd, target)) = &self.preload_fd {
            let source = std::os::fd::AsRawFd::as_raw_fd(fd);
            self.fd_moves.push(FdMove {
                source,
                target: *target,
            });
            targets.push(*target);
        }
    }
}

/// What the steps of [`Plan::build_making`] worked out, for [`Plan::assemble`].
struct Parts<'a> {
    program: Program,
    delivery: Delivery,
    namespaces: Namespaces,
    maps: IdMaps,
    root: &'a Path,
    root_in_stage2: bool,
    mounts: Vec<MountOp>,
    env: Vec<OsString>,
    preload: PreloadPlan,
    fds: FdNumbers,
    supervision: Option<(jail_enter::supervise::Notify, libc::c_int)>,
    stage2_bytes: Vec<u8>,
    stage2_prepared: Option<Prepared>,
    undumpable_launcher: bool,
}

/// Upstream's warnings, once per launch (not for a dry run).
fn warn_once_per_launch(jail: &Jail) {
    warn_user_without_group(jail);
    if jail.seccomp.as_ref().is_some_and(|s| s.logging) {
        // Upstream's line when it installs a logging filter.
        crate::log::warn("logging seccomp filter failures");
    }
}

/// Stage 2's settings, entering `new_root` when stage 2 does (the preload
/// with a new root), checked against how they reach the program.
fn plan_stage2(
    jail: &Jail,
    delivery: Delivery,
    fork_only: bool,
    new_root: Option<&Path>,
) -> Result<Stage2, LaunchError> {
    let mut stage2 = build_stage2(jail)?;
    stage2.new_root = new_root.map(|dir| jail_enter::NewRoot {
        path: dir.as_os_str().as_bytes().to_vec(),
        pivot: jail.pivot_root.is_some(),
    });
    check_caps_delivery(&stage2, delivery, fork_only)?;
    Ok(stage2)
}

/// The uid and gid maps a new user namespace gets.
struct IdMaps {
    uid_map: Option<String>,
    gid_map: Option<String>,
    deny_setgroups: bool,
    /// Both maps make someone root inside.
    root_inside: bool,
}

/// The id maps of a new user namespace (none without one), with stage 2
/// adjusted to what the namespace allows and checked against it.
fn plan_id_maps(
    jail: &Jail,
    userns: bool,
    delivery: Delivery,
    stage2: &mut Stage2,
) -> Result<IdMaps, LaunchError> {
    if !userns {
        return Ok(IdMaps {
            uid_map: None,
            gid_map: None,
            deny_setgroups: false,
            root_inside: false,
        });
    }
    let (uid_map, gid_map, deny_setgroups) = idmap::maps_for(jail)?;
    // As upstream: with setgroups denied in the user namespace, the
    // supplementary groups are not cleared (the kernel would refuse).
    if deny_setgroups && matches!(stage2.groups, Groups::ClearOnIdChange) {
        stage2.groups = Groups::Keep;
    }
    let root_inside = uid_map.as_deref().is_some_and(idmap::maps_inside_zero)
        && gid_map.as_deref().is_some_and(idmap::maps_inside_zero);
    let ns = super::userns_check::Namespace {
        uid_map: uid_map.as_deref(),
        gid_map: gid_map.as_deref(),
        deny_setgroups,
        root_inside,
        after_exec: delivery == Delivery::Preload,
        launcher_ids: sys::effective_ids(),
    };
    super::userns_check::check(stage2, &ns)?;
    Ok(IdMaps {
        uid_map,
        gid_map,
        deny_setgroups,
        root_inside,
    })
}

/// The fd numbers the program gets the handoff and the acknowledgement
/// channel at.
struct FdNumbers {
    handoff: libc::c_int,
    /// The channel on which stage 2 acknowledges it is applied, when the
    /// caller waits for that.
    ack: Option<libc::c_int>,
}

impl FdNumbers {
    fn choose(jail: &Jail, cmd: &Command, delivery: Delivery) -> FdNumbers {
        let handoff = handoff_target(jail);
        let ack = (delivery == Delivery::Preload && cmd.wait_until_jailed)
            .then(|| next_free_fd(jail, handoff + 1));
        FdNumbers { handoff, ack }
    }

    /// The lowest number above both.
    fn above(&self) -> libc::c_int {
        self.handoff.max(self.ack.unwrap_or(-1)) + 1
    }

    /// The lowest number above both and the preload library's fd, when
    /// it goes as one.
    fn above_preload(&self, preload: &PreloadPlan) -> libc::c_int {
        match &preload.fd {
            Some((_, target)) => self.above().max(target + 1),
            None => self.above(),
        }
    }
}

/// The preload library and how the loader reaches it; all none when
/// stage 2 does not go through it.
#[derive(Default)]
struct PreloadPlan {
    /// The library's own path, for messages.
    library: Option<PathBuf>,
    /// The LD_PRELOAD entry (see [`super::preload_library::LoaderEntry`]).
    entry: Option<PathBuf>,
    /// The entry, for the child's check just before execve.
    check: Option<CString>,
    /// The library handed over as an fd, and the number the program gets.
    fd: Option<(std::os::fd::OwnedFd, libc::c_int)>,
}

fn plan_preload(
    jail: &Jail,
    delivery: Delivery,
    fds: &FdNumbers,
) -> Result<PreloadPlan, LaunchError> {
    if delivery != Delivery::Preload {
        return Ok(PreloadPlan::default());
    }
    let library = super::preload_library::locate(jail.preload_path.as_deref())?;
    let loader = super::preload_library::loader_entry(&library, next_free_fd(jail, fds.above()))?;
    Ok(PreloadPlan {
        check: Some(path_cstring("preload library path", &loader.entry)?),
        library: Some(library),
        entry: Some(loader.entry),
        fd: loader.fd,
    })
}

/// The program's environment: the command's, the policy's path, and the
/// preload's variables.
fn program_env(
    jail: &Jail,
    cmd: &Command,
    preload: &PreloadPlan,
    handoff_target: libc::c_int,
) -> Vec<OsString> {
    let mut env = base_env(cmd);
    if let Some(path) = jail.seccomp.as_ref().and_then(|s| s.policy_path.as_ref()) {
        // As upstream: for the program's logging; it changes nothing enforced.
        set_env(
            &mut env,
            OsStr::new("SECCOMP_POLICY_PATH"),
            OsStr::new(path),
        );
    }
    if let Some(entry) = &preload.entry {
        add_preload_env(&mut env, entry, handoff_target);
    }
    env
}

/// The seccomp supervisor, if the launch has one, and the fd number (the
/// first free from `lowest`) its report socket gets in the program.
/// Recording needs one.
fn plan_supervision(
    jail: &Jail,
    fork_only: bool,
    delivery: Delivery,
    undumpable_launcher: bool,
    lowest: libc::c_int,
) -> Result<Option<(jail_enter::supervise::Notify, libc::c_int)>, LaunchError> {
    let supervision = supervision(jail, fork_only, delivery, undumpable_launcher)
        .map(|notify| (notify, next_free_fd(jail, lowest)));
    if jail.seccomp.as_ref().is_some_and(|s| s.record) && supervision.is_none() {
        return Err(LaunchError::CannotRecord);
    }
    Ok(supervision)
}

/// What the pid namespace's init prints when the program dies of SIGSYS:
/// nothing with a supervisor, which explains a seccomp kill itself.
fn sigsys_note(jail: &Jail, supervised: bool) -> CString {
    if supervised {
        return CString::default();
    }
    CString::new(crate::process::sigsys_note(
        "the jailed program",
        jail.seccomp.as_ref().map(|s| s.label.as_str()),
    ))
    .unwrap_or_default()
}

/// The program to exec, as the jail will see it.
struct Program {
    path: PathBuf,
    linkage: Linkage,
    /// setuid, setgid or file capabilities.
    privileged: bool,
    /// Exec'd from the caller's filesystem, with a new root to enter in
    /// stage 2.
    from_caller: bool,
}

/// Find and inspect the program through the jail's mounts and root
/// (nothing in fork mode, which execs nothing).
fn resolve_program(
    jail: &Jail,
    cmd: &Command,
    fork_only: bool,
    root_dir: Option<&Path>,
) -> Result<Program, LaunchError> {
    if fork_only {
        return Ok(Program {
            path: PathBuf::new(),
            linkage: Linkage::Unknown,
            privileged: false,
            from_caller: false,
        });
    }
    let (info, from_caller) = choose_program(jail, cmd, root_dir)?;
    Ok(Program {
        path: info.path,
        linkage: info.linkage,
        privileged: info.privileged,
        from_caller,
    })
}

/// The program to exec and whether it is exec'd from the caller's
/// filesystem rather than inside the new root. With a new root and the
/// preload the program starts from the caller's filesystem and stage 2
/// enters the root after the loader, as upstream minijail does (so the
/// root need not hold the program, its libraries or the preload). A static
/// program there, or one only inside the root, runs in no-preload mode,
/// exec'd inside the root.
fn choose_program(
    jail: &Jail,
    cmd: &Command,
    root_dir: Option<&Path>,
) -> Result<(program::ProgramInfo, bool), LaunchError> {
    let in_root = || -> Result<program::ProgramInfo, LaunchError> {
        let view = super::mountplan::host_view(jail, root_dir);
        let path = program::resolve(&cmd.program, &view)?;
        Ok(program::inspect(&path, &view)?)
    };
    let Some(root) = root_dir.filter(|_| cmd.preload != PreloadMode::Never) else {
        return Ok((in_root()?, false));
    };
    let caller = program::HostView::host();
    let found = program::resolve(&cmd.program, &caller).and_then(|p| program::inspect(&p, &caller));
    match found {
        Ok(info) if info.linkage.loads_preload() || cmd.preload == PreloadMode::Always => {
            Ok((info, true))
        }
        Ok(_)
        | Err(program::ProgramError::NotFound(_))
        | Err(program::ProgramError::NotInPath(_)) => {
            let info = in_root()?;
            if info.linkage.loads_preload() && !info.privileged {
                return Err(LaunchError::ProgramOnlyInRoot {
                    program: cmd.program.clone(),
                    root: root.to_owned(),
                });
            }
            Ok((info, false))
        }
        Err(e) => Err(e.into()),
    }
}

/// How stage 2 reaches the program: through the preload, before execve,
/// or not at all.
fn choose_delivery(
    jail: &Jail,
    cmd: &Command,
    fork_only: bool,
    program: &Program,
    root_dir: Option<&Path>,
) -> Result<Delivery, LaunchError> {
    let linkage = &program.linkage;
    // A new root is entered by stage 2 in preload mode, so it needs one
    // even when nothing else does: the program must see the same files
    // whatever else the jail sets.
    let delivery = if !jail.needs_stage2() && root_dir.is_none() {
        Delivery::None
    } else if fork_only {
        if cmd.preload == PreloadMode::Always {
            return Err(Conflict::PreloadInForkMode.into());
        }
        Delivery::BeforeExec
    } else {
        match cmd.preload {
            PreloadMode::Never => Delivery::BeforeExec,
            PreloadMode::Always | PreloadMode::Auto if program.privileged => {
                return Err(LaunchError::PrivilegedProgram(program.path.clone()));
            }
            PreloadMode::Always if !linkage.loads_preload() => {
                return Err(LaunchError::PreloadUnreachable(program.path.clone()));
            }
            PreloadMode::Auto if !linkage.loads_preload() => {
                crate::log::info(&format!(
                    "{} is not dynamically linked for this architecture ({linkage:?}): applying the jail before execve (no-preload mode)",
                    program.path.display()
                ));
                Delivery::BeforeExec
            }
            _ => Delivery::Preload,
        }
    };
    if !jail.hooks.is_empty() && delivery == Delivery::Preload {
        return Err(Conflict::HooksNeedNoPreload.into());
    }
    Ok(delivery)
}

/// Capabilities for a non-root uid survive execve only as ambient ones.
fn check_caps_delivery(
    stage2: &Stage2,
    delivery: Delivery,
    fork_only: bool,
) -> Result<(), LaunchError> {
    if delivery == Delivery::BeforeExec {
        if let (Some(caps), Some(uid)) = (&stage2.caps, stage2.uid) {
            if caps.mask != 0 && uid != 0 && !caps.ambient && !fork_only {
                return Err(LaunchError::CapsNeedAmbient(uid));
            }
        }
    }
    Ok(())
}

/// The namespaces to create (by clone or unshare) and to join.
struct Namespaces {
    clone_flags: libc::c_int,
    unshare_flags: libc::c_int,
    userns: bool,
    /// (CLONE_NEW* type, fd opened here), in join order.
    join: Vec<(libc::c_int, libc::c_int)>,
    joins_pid_ns: bool,
}

fn plan_namespaces(jail: &Jail) -> Result<Namespaces, LaunchError> {
    let mut clone_flags = 0;
    let mut unshare_flags = 0;
    for ns in jail.namespaces_to_create() {
        match ns {
            Namespace::User | Namespace::Pid => clone_flags |= ns.clone_flag(),
            other => unshare_flags |= other.clone_flag(),
        }
    }
    let mut join = Vec::new();
    let mut joins_pid_ns = false;
    for ns in Namespace::JOIN_ORDER {
        for (kind, path) in jail.join_ns.iter().filter(|(k, _)| *k == ns) {
            let fd = open_namespace(*kind, path);
            match fd {
                Ok(fd) => join.push((kind.clone_flag(), fd)),
                Err(e) => {
                    join.into_iter().for_each(|(_, fd)| sys::close(fd));
                    return Err(e);
                }
            }
            joins_pid_ns |= *kind == Namespace::Pid;
        }
    }
    Ok(Namespaces {
        clone_flags,
        unshare_flags,
        userns: jail.has_namespace(Namespace::User),
        join,
        joins_pid_ns,
    })
}

/// The fd number the handoff gets in the program: above every preserved
/// fd and, when the program inherits fds, above every open one.
fn handoff_target(jail: &Jail) -> libc::c_int {
    let lowest = jail
        .preserved_fds
        .iter()
        .map(|&(_, child)| child)
        .max()
        .unwrap_or(2)
        .max(2)
        + 1;
    next_free_fd(jail, lowest)
}

/// `fd` or the first number above it free of the fds the program
/// inherits (close_open_fds off), which keep their numbers.
fn next_free_fd(jail: &Jail, mut fd: libc::c_int) -> libc::c_int {
    while !jail.close_open_fds && sys::fd_is_open(fd) {
        fd += 1;
    }
    fd
}

/// LD_PRELOAD (the preload first, the caller's entries after) and the
/// handoff fd's variable.
fn add_preload_env(env: &mut Vec<OsString>, preload: &Path, handoff_target: libc::c_int) {
    let mut value = preload.as_os_str().as_bytes().to_vec();
    if let Some(existing) = get_env(env, "LD_PRELOAD").filter(|v| !v.is_empty()) {
        value.push(b':');
        value.extend_from_slice(existing);
    }
    set_env(env, OsStr::new("LD_PRELOAD"), OsStr::from_bytes(&value));
    set_env(
        env,
        OsStr::new(jail_enter::HANDOFF_FD_ENV),
        OsStr::new(&handoff_target.to_string()),
    );
}

/// Stage 2 in the form its delivery needs: encoded for the preload, or
/// prepared for the child to apply.
fn encode_stage2(
    mut stage2: Stage2,
    delivery: Delivery,
    preload: Option<PathBuf>,
) -> Result<(Vec<u8>, Option<Prepared>), LaunchError> {
    Ok(match delivery {
        Delivery::None => (Vec::new(), None),
        Delivery::Preload => {
            // What the preload would refuse is refused here, before fork.
            Prepared::check(&stage2)?;
            stage2.preload_entry = preload.map(|p| p.to_string_lossy().into_owned());
            (jail_enter::encode(&stage2)?, None)
        }
        Delivery::BeforeExec => (Vec::new(), Some(Prepared::new(&stage2)?)),
    })
}

/// argv: argv[0] (the program unless set), then the arguments.
fn argv(cmd: &Command) -> Result<Vec<CString>, LaunchError> {
    let argv0 = cmd
        .argv0
        .clone()
        .unwrap_or_else(|| cmd.program.clone().into_os_string());
    std::iter::once(&argv0)
        .chain(cmd.args.iter())
        .map(|a| cstring("argument", a.as_bytes()))
        .collect()
}

/// A user by name without a group keeps the launcher's gid, as upstream
/// (root's group when run as root): say so once, naming the fix.
fn warn_user_without_group(jail: &Jail) {
    let (Some(name), Some(user_gid), None) = (&jail.user_name, jail.user_gid, jail.gid) else {
        return;
    };
    let (_, gid) = sys::effective_ids();
    if gid != user_gid {
        crate::log::warn(&format!(
            "user '{name}' runs with gid {gid}, not its group {user_gid}: a user name does not change the gid (as upstream minijail); give the group too (-g {user_gid}, minijail_change_gid, Jail::change_gid)"
        ));
    }
}

/// Whether the program could ptrace its launcher, or open its /proc files,
/// if the launcher stays dumpable: it runs as the launcher's uid, sees the
/// launcher's pids, and is not in a new user namespace (whose capabilities
/// give nothing over a process outside it).
fn program_reaches_launcher(jail: &Jail) -> bool {
    if jail.has_namespace(Namespace::Pid) || jail.has_namespace(Namespace::User) {
        return false;
    }
    let (ruid, euid) = sys::uids();
    jail.uid.is_none_or(|uid| uid == ruid || uid == euid)
}

/// Namespace settings that contradict each other.
fn validate_namespaces(jail: &Jail) -> Result<(), LaunchError> {
    for (kind, path) in &jail.join_ns {
        // A mount namespace is joined and then a new one made inside it;
        // a joined net namespace replaces the new one (both as upstream).
        if jail.has_namespace(*kind) && !matches!(kind, Namespace::Mount | Namespace::Net) {
            return Err(Conflict::NewAndJoined {
                namespace: *kind,
                path: path.clone(),
            }
            .into());
        }
        if jail.join_ns.iter().filter(|(k, _)| k == kind).count() > 1 {
            return Err(Conflict::JoinedTwice(*kind).into());
        }
    }
    if jail.hostname.is_some() && jail.join_ns.iter().any(|(k, _)| *k == Namespace::Uts) {
        return Err(Conflict::HostnameInJoinedUts.into());
    }
    if jail.program_is_pid1() && jail.join_ns.iter().any(|(k, _)| *k == Namespace::Pid) {
        return Err(Conflict::RunAsInitInJoinedPid.into());
    }
    Ok(())
}

/// Without no_new_privs the kernel takes a seccomp filter only from a
/// process with CAP_SYS_ADMIN in its user namespace. Outside a new or
/// joined user namespace that is this process's: refuse here rather than
/// fail in the program's preload with 252.
fn validate_filter_privilege(jail: &Jail) -> Result<(), LaunchError> {
    let in_user_ns = jail.has_namespace(Namespace::User)
        || jail.join_ns.iter().any(|(k, _)| *k == Namespace::User);
    if jail.seccomp.is_none() || jail.no_new_privs || in_user_ns {
        return Ok(());
    }
    const CAP_SYS_ADMIN: u32 = 21;
    let sys_admin = jail_enter::apply::current_caps()
        .map(|(effective, _, _)| effective & (1 << CAP_SYS_ADMIN) != 0)
        .unwrap_or(true);
    if sys_admin {
        return Ok(());
    }
    Err(Conflict::FilterNeedsPrivilege.into())
}

/// Checks of the whole configuration that no single setter can make.
fn validate(jail: &Jail) -> Result<(), LaunchError> {
    validate_namespaces(jail)?;
    validate_filter_privilege(jail)?;
    for (what, dir) in [
        ("chroot directory (-C)", &jail.chroot),
        ("pivot_root directory (-P)", &jail.pivot_root),
    ] {
        if let Some(dir) = dir {
            if !dir.is_dir() {
                let fix = crate::doctor::cause::missing_root(dir).fix;
                return Err(LaunchError::path(
                    what,
                    dir,
                    format!("is not an existing directory; {fix}"),
                ));
            }
        }
    }
    if jail.chroot.is_some() && jail.pivot_root.is_some() {
        return Err(Conflict::ChrootAndPivotRoot.into());
    }
    if let Some(h) = &jail.hostname {
        if h.is_empty() || h.len() > 64 {
            return Err(LaunchError::Hostname(h.clone()));
        }
    }
    for r in &jail.rlimits {
        if r.cur > r.max {
            return Err(crate::config::RlimitError::SoftAboveHard {
                resource: crate::rlimit::name(r.resource),
                cur: r.cur,
                max: r.max,
            }
            .into());
        }
    }
    for c in &jail.cgroups {
        if !c.exists() {
            return Err(LaunchError::path(
                "cgroup",
                c,
                "does not exist; create the cgroup first",
            ));
        }
    }
    if jail.groups == SupplementaryGroups::InheritFromUser && jail.user_name.is_none() {
        return Err(Conflict::InheritGroupsNeedsUser.into());
    }
    if matches!(jail.groups, SupplementaryGroups::Keep) && !jail.extra_groups.is_empty() {
        return Err(Conflict::KeepGroupsWithAdded.into());
    }
    if jail.groups_modes_conflict() {
        return Err(Conflict::SupplementaryGroupsModes.into());
    }
    if let Some(why) = jail.alt_syscall_refusal() {
        return Err(LaunchError::AltSyscall(why));
    }
    if jail.has_namespace(Namespace::Time) && jail.program_is_pid1() {
        return Err(Conflict::TimeNamespaceWithRunAsInit.into());
    }
    if jail.has_namespace(Namespace::Pid) && !jail.new_session {
        return Err(Conflict::PidNamespaceNeedsNewSession.into());
    }
    if jail.propagation == Propagation::Unchanged && !jail.mounts.is_empty() {
        // Allowed, as upstream: the caller chose to keep propagation.
    }
    Ok(())
}

/// Every Landlock rule's path must exist as the jailed program will see
/// it (inside the new root, through the binds): stage 2 opens each one
/// and would fail closed after fork, exit 252. Paths under a fresh mount
/// (tmpfs, proc, a new /dev) cannot be looked at yet and are left to it.
fn check_landlock_paths(jail: &Jail, root: Option<&Path>) -> Result<(), LaunchError> {
    // Best effort on a kernel without Landlock: stage 2 opens nothing.
    let skipped = jail.landlock_best_effort && jail_enter::landlock::kernel_abi().is_err();
    if jail.fs_rules.is_empty() || skipped {
        return Ok(());
    }
    let view = super::mountplan::host_view(jail, root);
    let fresh = super::mountplan::fresh_mount_points(jail);
    for rule in &jail.fs_rules {
        // A NUL byte is refused when stage 2 is prepared, with its own words.
        if rule.path.as_os_str().as_bytes().contains(&0)
            || fresh.iter().any(|point| rule.path.starts_with(point))
        {
            continue;
        }
        let host = view.host_path(&rule.path);
        if let Err(e) = std::fs::metadata(&host) {
            return Err(LaunchError::LandlockPath {
                path: rule.path.clone(),
                host: (host != rule.path).then_some(host),
                errno: e,
            });
        }
    }
    Ok(())
}

/// The per-subtree propagation changes, checked: absolute paths, a mount
/// namespace to make them in. As upstream, none is made when the tree's
/// propagation is left unchanged, and one left unchanged (flag 0) does
/// nothing.
fn remounts(jail: &Jail) -> Result<Vec<(CString, libc::c_ulong)>, LaunchError> {
    if jail.remounts.is_empty() {
        return Ok(Vec::new());
    }
    if !jail.has_namespace(Namespace::Mount) {
        return Err(Conflict::RemountNeedsMountNamespace(jail.remounts[0].0.clone()).into());
    }
    if jail.propagation == Propagation::Unchanged {
        return Ok(Vec::new());
    }
    // Kept one for one with the settings (flag 0 for Unchanged), so a
    // failure's index names the setting.
    jail.remounts
        .iter()
        .map(|(path, mode)| {
            if !path.is_absolute() {
                return Err(Conflict::RemountNotAbsolute(path.clone()).into());
            }
            Ok((path_cstring("remount path", path)?, mode.ms_flag()))
        })
        .collect()
}

/// Which calls of the filter the launcher supervises, if it does: not in
/// fork mode (the caller's child returns instead of waiting), not with the
/// SIGSYS reporter, not for a program that notifies already, and not when
/// the launcher itself runs under a filter (a jail in a jail), whose
/// listener, if it has one, would make the kernel refuse a second.
fn supervision(
    jail: &Jail,
    fork_only: bool,
    delivery: Delivery,
    undumpable_launcher: bool,
) -> Option<jail_enter::supervise::Notify> {
    use jail_enter::supervise::Notify;
    let s = jail.seccomp.as_ref()?;
    if jail.seccomp_unsupervised || fork_only || s.log_failures || delivery == Delivery::None {
        return None;
    }
    if sys::seccomp_mode() != 0 || !may_take_fds() {
        return None;
    }
    // Before execve the child still has the launcher's memory (shared, or
    // a copy) and so its dumpable flag; only CAP_SYS_PTRACE takes an fd
    // from an undumpable process, and the child must not make the memory
    // dumpable (it is the launcher's, or a copy of it).
    if delivery == Delivery::BeforeExec
        && (undumpable_launcher || !sys::is_dumpable())
        && !has_cap_sys_ptrace()
    {
        return None;
    }
    let logs = s
        .program
        .iter()
        .any(|i| i.code == 0x06 && i.k == crate::seccomp::policy::ret::LOG);
    let notify = if s.record {
        Notify::Everything
    } else if logs {
        Notify::KillsAndLogs
    } else {
        Notify::Kills
    };
    jail_enter::supervise::supervised_program(&s.program, notify).map(|_| notify)
}

/// Whether Yama lets this process take an fd from its jailed child
/// (pidfd_getfd needs ptrace access): scope 0 or 1 (descendants) always,
/// scope 2 with CAP_SYS_PTRACE, scope 3 never.
fn may_take_fds() -> bool {
    let scope = std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope")
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .unwrap_or(0);
    match scope {
        0 | 1 => true,
        2 => has_cap_sys_ptrace(),
        _ => false,
    }
}

/// Whether this process has CAP_SYS_PTRACE in effect.
fn has_cap_sys_ptrace() -> bool {
    jail_enter::apply::current_caps().is_ok_and(|(eff, _, _)| eff & (1 << 19) != 0)
}

/// The Landlock rules stage 2 adds. As upstream, a rule none of whose
/// rights the ABI in effect handles is skipped with a warning (the kernel
/// would refuse it), not fatal.
fn landlock_rules(jail: &Jail) -> Vec<LandlockRule> {
    let abi = jail.effective_landlock_abi();
    let handled = jail_enter::landlock::handled_access(abi);
    jail.fs_rules
        .iter()
        .filter(|r| {
            let kept = r.access & handled != 0 || abi == 0;
            if !kept {
                crate::log::warn(&format!(
                    "Landlock rule for {}: none of its rights ({:#x}) exist in Landlock ABI {abi}; skipped",
                    r.path.display(),
                    r.access
                ));
            }
            kept
        })
        .map(|r| LandlockRule {
            path: r.path.to_string_lossy().into_owned(),
            access: r.access,
        })
        .collect()
}

pub(crate) fn build_stage2(jail: &Jail) -> Result<Stage2, LaunchError> {
    let gid = jail.gid;
    let groups = match &jail.groups {
        SupplementaryGroups::Default if jail.extra_groups.is_empty() => Groups::ClearOnIdChange,
        SupplementaryGroups::Default => Groups::Set(jail.extra_groups.clone()),
        SupplementaryGroups::Keep => Groups::Keep,
        SupplementaryGroups::Set(list) => {
            let mut all = list.clone();
            all.extend(&jail.extra_groups);
            Groups::Set(all)
        }
        SupplementaryGroups::InheritFromUser => {
            let name = jail.user_name.as_deref().unwrap_or_default();
            let primary = gid.or(jail.user_gid).unwrap_or(0);
            let mut all = crate::ids::user_groups(name, primary)?;
            all.extend(&jail.extra_groups);
            Groups::Set(all)
        }
    };
    let landlock = (!jail.fs_rules.is_empty()).then(|| Landlock {
        abi: jail.landlock_abi,
        best_effort: jail.landlock_best_effort,
        rules: landlock_rules(jail),
    });
    if let Some(Landlock {
        best_effort: false, ..
    }) = &landlock
    {
        if let Err(errno) = jail_enter::landlock::kernel_abi() {
            return Err(Conflict::NoLandlock(errno).into());
        }
    }
    Ok(Stage2 {
        groups,
        gid,
        uid: jail.uid,
        caps: jail.caps.map(|mask| Caps {
            mask,
            ambient: jail.ambient_caps,
            securebits_skip_mask: jail.securebits_skip_mask,
        }),
        capbset_keep: jail.capbset_drop,
        no_new_privs: jail.no_new_privs,
        landlock,
        seccomp: jail.seccomp.as_ref().map(|s| Seccomp {
            program: s.program.clone(),
            tsync: s.tsync,
            allow_speculation: s.allow_speculation,
            log_names: s.log_failures.then(crate::log::syscall_names),
            supervise: None,
        }),
        seccomp_strict: jail.seccomp_strict,
        // Only an id change clears it; stage 1 armed it already.
        parent_death_signal: jail
            .pdeathsig
            .filter(|_| jail.uid.is_some() || gid.is_some()),
        preload_entry: None,
        new_root: None,
        ack_fd: None,
    })
}
