//! The forked child: stage 1, then execve. Only syscalls on memory the
//! plan prepared before fork; failures go to the parent as a record on the
//! status pipe and end the child with minijail's exit status.

use super::channel::ChildFds;
use super::fs;
use super::init;
use super::parent_death::arm_pdeathsig;
use super::plan::{Delivery, Plan};
use super::report::{self, fail, ChildStep, StepError};
use crate::hook::HookEvent;
use crate::sys::{self, Errno};

/// Signal dispositions and mask for the program. Caught signals always go
/// back to SIG_DFL first: the parent's handlers must never run in the child
/// (which may share the parent's memory), and execve would reset them
/// anyway. Ignored ones are reset when asked. The mask was fully blocked by
/// the launcher around clone; it becomes empty, or the caller's again.
fn reset_signals(plan: &Plan) -> Result<(), Errno> {
    // SAFETY: all-zero sigactions are valid; the kernel fills `old`.
    let mut dfl: libc::sigaction = unsafe { std::mem::zeroed() };
    dfl.sa_sigaction = libc::SIG_DFL;
    for sig in 1..65 {
        if sig == libc::SIGKILL || sig == libc::SIGSTOP {
            continue;
        }
        // SAFETY: as above.
        let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
        // SAFETY: querying a disposition; invalid numbers just fail.
        if unsafe { libc::sigaction(sig, std::ptr::null(), &mut old) } != 0 {
            continue;
        }
        let caught = old.sa_sigaction != libc::SIG_DFL && old.sa_sigaction != libc::SIG_IGN;
        let ignored = old.sa_sigaction == libc::SIG_IGN;
        if caught || (ignored && plan.reset_signal_handlers) {
            // SAFETY: setting SIG_DFL.
            unsafe { libc::sigaction(sig, &dfl, std::ptr::null_mut()) };
        }
    }
    Ok(())
}

/// Unblock signals just before they are needed: the program's mask.
fn restore_signal_mask(plan: &Plan) -> Result<(), Errno> {
    // SAFETY: sets built by sigemptyset or saved by the launcher.
    unsafe {
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        let mask = if plan.reset_signal_mask {
            &empty
        } else {
            &plan.saved_sigmask
        };
        sys::check(libc::sigprocmask(libc::SIG_SETMASK, mask, std::ptr::null_mut()).into())?;
    }
    Ok(())
}

pub(crate) fn bring_up_loopback() -> Result<(), Errno> {
    // SAFETY: socket/ioctl/close with valid arguments; ifreq is zeroed and
    // holds a NUL-terminated interface name.
    unsafe {
        let sock = sys::check(
            libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0).into(),
        )? as libc::c_int;
        let mut ifr: libc::ifreq = std::mem::zeroed();
        ifr.ifr_name[0] = b'l' as libc::c_char;
        ifr.ifr_name[1] = b'o' as libc::c_char;
        let result = (|| {
            sys::check(libc::ioctl(sock, libc::SIOCGIFFLAGS as _, &mut ifr).into())?;
            ifr.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
            sys::check(libc::ioctl(sock, libc::SIOCSIFFLAGS as _, &ifr).into())?;
            Ok(())
        })();
        libc::close(sock);
        result
    }
}

/// Close [*next, keep) and move past `keep`.
fn close_below(next: &mut u32, keep: u32) -> Result<(), Errno> {
    if keep >= *next {
        if keep > *next {
            sys::close_range(*next, keep - 1)?;
        }
        *next = keep + 1;
    }
    Ok(())
}

/// Move every planned fd onto its number, then close the rest.
fn setup_fds(
    plan: &mut Plan,
    handoff_read: libc::c_int,
    ack_write: libc::c_int,
    status_write: libc::c_int,
) -> Result<(), Errno> {
    let moves = plan.fd_moves.len();
    // The planned moves, then the handoff and acknowledgement pipes.
    let source_of = |plan: &Plan, i: usize| match i.checked_sub(moves) {
        None => plan.fd_moves[i].source,
        Some(0) => handoff_read,
        Some(_) => ack_write,
    };
    let target_of = |plan: &Plan, i: usize| match i.checked_sub(moves) {
        None => plan.fd_moves[i].target,
        Some(0) => plan.handoff_target,
        Some(_) => plan.ack_target,
    };
    // First lift every source above all targets, so no dup2 below can
    // clobber a source that another move still needs.
    for i in 0..moves + 2 {
        let source = source_of(plan, i);
        if source < 0 {
            plan.fd_scratch[i] = -1;
            continue;
        }
        // SAFETY: F_DUPFD_CLOEXEC on an fd we hold.
        let lifted = unsafe { libc::fcntl(source, libc::F_DUPFD_CLOEXEC, plan.fd_base) };
        plan.fd_scratch[i] = sys::check(lifted.into())? as libc::c_int;
    }
    for i in 0..moves + 2 {
        let target = target_of(plan, i);
        let lifted = plan.fd_scratch[i];
        if lifted < 0 {
            continue;
        }
        // SAFETY: dup2 between fds we hold; it clears close-on-exec on target.
        sys::check(unsafe { libc::dup2(lifted, target) }.into())?;
    }
    if plan.close_open_fds {
        // The status pipe stays until execve closes it (close-on-exec), so
        // a failed execve can still be reported.
        let mut next: u32 = 3;
        let mut status_pending = status_write >= 3;
        for &keep in &plan.keep_fds {
            if status_pending && status_write < keep {
                close_below(&mut next, status_write as u32)?;
                status_pending = false;
            }
            close_below(&mut next, keep as u32)?;
        }
        if status_pending {
            close_below(&mut next, status_write as u32)?;
        }
        sys::close_range(next, u32::MAX)?;
    }
    Ok(())
}

/// Stage 1 (and stage 2 in no-preload mode), up to but not including
/// execve. Returns only in the process that becomes the program; any
/// failure reports to the parent and exits. (Fork mode: the program's
/// process returns into the caller's code.)
pub fn setup(plan: &mut Plan, fds: &ChildFds) {
    prepare(plan, fds);
    if plan.inner_fork {
        // Returns only in the program's process; the init never returns.
        if let Err(e) = init::fork_init(plan, fds, None) {
            fail(fds.status_write, ChildStep::InitFork, e, 0);
        }
    }
    finish(plan, fds);
}

/// The setup up to the fork of a pid namespace's init: namespaces,
/// mounts, root.
fn prepare(plan: &mut Plan, fds: &ChildFds) {
    let status = fds.status_write;
    let step = |step: ChildStep, r: Result<(), Errno>| {
        if let Err(e) = r {
            fail(status, step, e, 0);
        }
    };
    for &fd in &fds.parent_ends {
        sys::close(fd);
    }
    // An undumpable launcher (so an earlier program cannot ptrace it)
    // passed that on to this copy of itself; but an unprivileged launcher
    // can write a new user namespace's uid/gid maps only into a dumpable
    // child's /proc files. Dumpable just for the wait, said first thing so
    // the launcher waits for it. Only in a child with memory of its own
    // (clone_child never shares it then): the flag belongs to the address
    // space, so a child sharing the launcher's must never change it.
    if plan.announce_dumpable {
        step(ChildStep::Dumpable, sys::set_dumpable(true));
        report::dumpable(status);
    }
    // Wait for the launcher first: uid/gid maps, cgroups, pid file. A
    // child sharing the launcher's memory also shares its thread's errno,
    // so it makes no call that could fail (and set errno) while the
    // launcher may be working; after the release the launcher only waits.
    if plan.wait_for_parent {
        let mut go = [0u8; 1];
        match sys::read_full(fds.sync_read, &mut go) {
            Ok(1) => {}
            Ok(_) => fail(status, ChildStep::ParentSync, libc::EPIPE, 0),
            Err(e) => fail(status, ChildStep::ParentSync, e, 0),
        }
    }
    sys::close(fds.sync_read);
    // The maps are written: this copy of the launcher's memory is
    // undumpable again until execve (a pid namespace's init, jail-init,
    // makes itself undumpable).
    if plan.announce_dumpable {
        step(ChildStep::Dumpable, sys::set_dumpable(false));
    }
    // Where the clone would have made it: the user namespace made before
    // the clone (an unprivileged, undumpable launcher's; see
    // userns_holder.rs). After the release: this child shares the
    // launcher's errno.
    // (With a new pid namespace the relay that cloned us joined it.)
    if plan.userns_fd >= 0 && plan.clone_flags & libc::CLONE_NEWPID == 0 {
        // SAFETY: setns on an fd the launcher opened before the clone.
        let joined = unsafe { libc::setns(plan.userns_fd, libc::CLONE_NEWUSER) };
        if joined != 0 {
            fail(status, ChildStep::JoinUserNamespace, sys::errno(), 0);
        }
    }
    // Into the jail's own cgroup before any other step: the init, the
    // program and a new cgroup namespace are all inside it.
    for (index, &fd) in plan.cgroup_procs.iter().enumerate() {
        if let Err(e) = sys::write_all(fd, b"0") {
            fail(status, ChildStep::JoinCgroup, e, index as u64);
        }
    }
    step(ChildStep::SignalReset, reset_signals(plan));
    arm_pdeathsig(plan, status);

    if plan.root_in_userns {
        // Raw syscalls, not the C library's wrappers: in a process cloned
        // from a multithreaded launcher, glibc still believes it has the
        // other threads and its set*id wrappers lock its thread list and
        // signal them all (a lock another thread may have held at clone
        // time: the child would hang forever).
        // SAFETY: plain syscalls on integers.
        let ok = unsafe {
            libc::syscall(libc::SYS_setresgid, 0, 0, 0) == 0
                && libc::syscall(libc::SYS_setresuid, 0, 0, 0) == 0
        };
        if !ok {
            fail(status, ChildStep::UserNamespaceIds, sys::errno(), 0);
        }
    }
    // A change of credentials clears the parent-death signal: arm it again.
    if plan.root_in_userns {
        arm_pdeathsig(plan, status);
    }
    if let Err((s, e, detail)) = isolate(plan) {
        fail(status, s, e, detail);
    }
}

/// The steps a jail takes in the process that enters it, shared by the
/// forked child and [`Jail::enter`](crate::Jail::enter): join and create
/// namespaces, hostname, loopback, session keyring, mounts and root.
/// Syscalls only.
/// Join the namespaces in runc's order: every other kind first, while the
/// caller's privileges still reach namespaces its user namespace owns;
/// then the user namespace; then, inside it, those refused (EPERM) the
/// first time, being owned by it. Allocates nothing (a bit per join).
fn join_namespaces(plan: &Plan) -> Result<(), StepError> {
    let join = |index: usize, nstype: libc::c_int, fd: libc::c_int| {
        // SAFETY: setns on an fd opened and type-checked before fork.
        if unsafe { libc::setns(fd, nstype) } != 0 {
            Err((ChildStep::JoinNamespace, sys::errno(), index as u64))
        } else {
            Ok(())
        }
    };
    let mut deferred: u64 = 0;
    let is_user = |nstype: libc::c_int| nstype == libc::CLONE_NEWUSER;
    for (index, &(nstype, fd)) in plan.join.iter().enumerate() {
        if is_user(nstype) {
            continue;
        }
        match join(index, nstype, fd) {
            Err((_, libc::EPERM, _))
                if index < 64 && plan.join.iter().any(|&(t, _)| is_user(t)) =>
            {
                deferred |= 1 << index;
            }
            other => other?,
        }
    }
    for (index, &(nstype, fd)) in plan.join.iter().enumerate() {
        if is_user(nstype) {
            join(index, nstype, fd)?;
        }
    }
    for (index, &(nstype, fd)) in plan.join.iter().enumerate() {
        if index < 64 && deferred & (1 << index) != 0 {
            join(index, nstype, fd)?;
        }
    }
    Ok(())
}

pub(crate) fn isolate(plan: &mut Plan) -> Result<(), StepError> {
    let check = |step: ChildStep, rc: libc::c_long| match sys::check(rc) {
        Ok(_) => Ok(()),
        Err(e) => Err((step, e, 0)),
    };
    join_namespaces(plan)?;
    if plan.unshare_flags != 0 {
        // SAFETY: unshare with namespace flags only.
        check(
            ChildStep::Unshare,
            unsafe { libc::unshare(plan.unshare_flags) }.into(),
        )?;
    }
    if let Some(name) = &plan.hostname {
        // SAFETY: name is a live byte string of the given length.
        let rc = unsafe { libc::sethostname(name.as_ptr(), name.as_bytes().len()) };
        check(ChildStep::Hostname, rc.into())?;
    }
    if plan.net_loopback {
        bring_up_loopback().map_err(|e| (ChildStep::Loopback, e, 0))?;
    }
    if plan.session_keyring {
        const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
        // SAFETY: keyctl with a null name joins a new anonymous keyring.
        let rc = unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0usize) };
        check(ChildStep::SessionKeyring, rc)?;
    }
    fs::setup(plan)?;
    Ok(())
}

/// The resource limits, set after every step that needs resources of its
/// own (the init fork, the fd moves, which dup above all targets), so any
/// limit the program itself can live with works: RLIMIT_NOFILE 4, or
/// RLIMIT_NPROC 1 in a pid namespace.
pub(crate) fn apply_rlimits(plan: &Plan) -> Result<(), StepError> {
    for (index, r) in plan.rlimits.iter().enumerate() {
        let lim = libc::rlimit {
            rlim_cur: r.cur,
            rlim_max: r.max,
        };
        // SAFETY: setrlimit with a valid rlimit.
        if unsafe { libc::setrlimit(r.resource as _, &lim) } != 0 {
            return Err((ChildStep::Rlimit, sys::errno(), index as u64));
        }
    }
    Ok(())
}

/// The setup in the program's own process, after the fork of an init:
/// session, fds, rlimits, signal mask, hooks and stage 2 (no-preload mode).
fn finish(plan: &mut Plan, fds: &ChildFds) {
    let status = fds.status_write;
    let step = |step: ChildStep, r: Result<(), Errno>| {
        if let Err(e) = r {
            fail(status, step, e, 0);
        }
    };
    if plan.setsid {
        // SAFETY: setsid has no arguments.
        let rc = unsafe { libc::setsid() };
        step(ChildStep::Setsid, sys::check(rc.into()).map(drop));
    }
    let handoff = if plan.delivery == Delivery::Preload {
        fds.handoff_read
    } else {
        -1
    };
    step(
        ChildStep::Fds,
        setup_fds(plan, handoff, fds.ack_write, status),
    );
    if let Err((s, e, detail)) = apply_rlimits(plan) {
        fail(status, s, e, detail);
    }
    if plan.pty_slave >= 0 {
        // fd 0 is the pty's slave now, and this process a session leader.
        // SAFETY: TIOCSCTTY on an fd we hold, with an integer argument.
        let rc = unsafe { libc::ioctl(0, libc::TIOCSCTTY, 0) };
        step(
            ChildStep::ControllingTerminal,
            sys::check(rc.into()).map(drop),
        );
    }
    // The loader only warns about a preload entry it cannot open and runs
    // the program unjailed: check it opens here, where the program's view
    // (joined or new mount namespace, mounts, inherited fds) is final.
    if let Some(preload) = &plan.preload_check {
        check_preload(preload, status);
    }
    // Before stage 2, so a no-preload filter need not allow sigprocmask.
    step(ChildStep::SignalReset, restore_signal_mask(plan));
    report::setup_done(status);
    run_hooks(plan, HookEvent::PreDropCaps, status);
    if plan.delivery == Delivery::BeforeExec {
        if let Some(prepared) = &plan.stage2_prepared {
            if let Err(e) = prepared.apply() {
                fail(status, ChildStep::Stage2, e.errno, e.step as u64);
            }
        }
    }
    run_hooks(plan, HookEvent::PreExecve, status);
}

/// Open the preload library and check it is an ELF object (anything else
/// the loader skips too), or report the step and exit 252.
fn check_preload(preload: &std::ffi::CStr, status: libc::c_int) {
    // SAFETY: a NUL-terminated path prepared before fork.
    let fd = unsafe { libc::open(preload.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        fail(status, ChildStep::Preload, sys::errno(), 0);
    }
    let mut magic = [0u8; 4];
    let read = sys::read_full(fd, &mut magic);
    sys::close(fd);
    if !matches!(read, Ok(4)) || magic != *b"\x7fELF" {
        fail(status, ChildStep::Preload, libc::ENOEXEC, 0);
    }
}

/// Run the caller's hooks of `event`; a failing hook ends the child.
pub fn run_hooks(plan: &Plan, event: HookEvent, status: libc::c_int) {
    if let Err((errno, index)) = crate::hook::run(&plan.hooks, event) {
        fail(status, ChildStep::Hook, errno, index);
    }
}

/// The child's whole life: [`setup`], then execve. Never returns.
pub fn run(plan: &mut Plan, fds: &ChildFds) -> ! {
    prepare(plan, fds);
    if plan.inner_fork {
        // Returns only if the program's process is a plain fork; the init
        // never returns.
        if let Err(e) = init::fork_init(plan, fds, Some(exec_program)) {
            fail(fds.status_write, ChildStep::InitFork, e, 0);
        }
    }
    exec_program(plan, fds)
}

/// The program's process: the rest of the setup, then execve.
fn exec_program(plan: &mut Plan, fds: &ChildFds) -> ! {
    finish(plan, fds);
    // SAFETY: program, argv and envp are NUL-terminated and the pointer
    // arrays null-terminated, all owned by the plan.
    unsafe {
        libc::execve(
            plan.program.as_ptr(),
            plan.argv_ptrs.as_ptr(),
            plan.envp_ptrs.as_ptr(),
        )
    };
    fail(fds.status_write, ChildStep::Exec, sys::errno(), 0)
}
