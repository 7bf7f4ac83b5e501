/*
 * libminijail.h: the C interface of jail, a Rust implementation of
 * minijail. Source-compatible with upstream minijail's libminijail.h: the
 * same functions, types, constants and return conventions, so programs
 * written against upstream build and link unchanged with -lminijail.
 *
 * Use:
 *   1. struct minijail *j = minijail_new();
 *   2. add restrictions with the setters below;
 *   3. run a program in it (minijail_run*), fork a jailed child
 *      (minijail_fork), or lock the calling process in (minijail_enter);
 *   4. minijail_wait() for the program, then minijail_destroy(j).
 *
 * Return conventions: functions returning int give 0 on success and a
 * negative errno on failure, except the minijail_add_fs_restriction_*
 * family, which gives 1 on success and 0 on failure, as upstream does.
 * Misuse that upstream reports by aborting (for example changing to uid 0,
 * or combining incompatible seccomp options) aborts here too, after a
 * message on the log (stderr unless minijail_log_to_fd() says otherwise).
 *
 * BSD-3-Clause. Written for this project; see README.md in this folder.
 */

#ifndef _LIBMINIJAIL_H_
#define _LIBMINIJAIL_H_

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#ifdef USE_BINDGEN
#include <linux/filter.h>
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MINIJAIL_ATTRIBUTE_NONNULL(params) __attribute__((__nonnull__ params))
#else
#define MINIJAIL_ATTRIBUTE_NONNULL(params)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Exit statuses minijail_wait() and minijail_kill() report. */
enum {
	/* The program exists but could not be executed. */
	MINIJAIL_ERR_NO_ACCESS = 126,
	/* The program does not exist. */
	MINIJAIL_ERR_NO_COMMAND = 127,
	/* Killed by signal N (other than SIGSYS): MINIJAIL_ERR_SIG_BASE + N. */
	MINIJAIL_ERR_SIG_BASE = 128,
	/* A mount inside the new mount namespace failed. */
	MINIJAIL_ERR_MOUNT = 251,
	/* The preload library could not apply the jail. */
	MINIJAIL_ERR_PRELOAD = 252,
	/* The jail could not be applied, or a seccomp filter killed the program
	 * (SIGSYS). */
	MINIJAIL_ERR_JAIL = 253,
	/* The init of the new pid namespace failed. */
	MINIJAIL_ERR_INIT = 254,
};

struct minijail;
struct sock_fprog;

/*
 * A hook: caller code run in the jailed child during setup. Return 0 to
 * carry on; a non-zero value is taken as a negative errno and ends the
 * child (minijail_wait() then reports MINIJAIL_ERR_JAIL). Hooks run before
 * execve, so they need the jail applied there: minijail_run_no_preload*,
 * or minijail_fork(); minijail_run() with hooks aborts.
 */
typedef int (*minijail_hook_t)(void *context);

/* When a hook runs. */
typedef enum {
	/* Just before ids and capabilities are dropped. */
	MINIJAIL_HOOK_EVENT_PRE_DROP_CAPS,
	/* Just before execve (minijail_fork: before it returns in the child). */
	MINIJAIL_HOOK_EVENT_PRE_EXECVE,
	/* Just before chroot or pivot_root. */
	MINIJAIL_HOOK_EVENT_PRE_CHROOT,
	/* One past the last event; not an event. */
	MINIJAIL_HOOK_EVENT_MAX,
} minijail_hook_event_t;

/* A new jail that restricts nothing yet. NULL if out of memory. */
struct minijail *minijail_new(void);

/* --- identity --- */
void minijail_change_uid(struct minijail *j, uid_t uid)
    MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_change_gid(struct minijail *j, gid_t gid)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* |list| is copied. */
void minijail_set_supplementary_gids(struct minijail *j, size_t size,
				     const gid_t *list)
    MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_keep_supplementary_gids(struct minijail *j)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* Looks |user| up now; -ENOENT if there is no such user. */
int minijail_change_user(struct minijail *j, const char *user)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* Looks |group| up now; -ENOENT if there is no such group. */
int minijail_change_group(struct minijail *j, const char *group)
    MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_inherit_usergroups(struct minijail *j)
    MINIJAIL_ATTRIBUTE_NONNULL();

/* --- seccomp and no_new_privs --- */
/* Seccomp strict mode. */
void minijail_use_seccomp(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_no_new_privs(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();
/* Install the filter set by one of the three calls below. */
void minijail_use_seccomp_filter(struct minijail *j)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* Before the filter is set. */
void minijail_set_seccomp_filter_tsync(struct minijail *j)
    MINIJAIL_ATTRIBUTE_NONNULL();
/*
 * Before the filter is set. Asks for SECCOMP_FILTER_FLAG_SPEC_ALLOW; this
 * implementation does not pass that flag (speculation mitigations stay on)
 * and says so on the log.
 */
void minijail_set_seccomp_filter_allow_speculation(struct minijail *j)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* A compiled filter; |filter| is copied. */
void minijail_set_seccomp_filters(struct minijail *j,
				  const struct sock_fprog *filter)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* Compile the policy file at |path|; aborts if it does not compile. */
void minijail_parse_seccomp_filters(struct minijail *j, const char *path)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* Compile the policy read from |fd|, which is closed. */
void minijail_parse_seccomp_filters_from_fd(struct minijail *j, int fd)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* Before the filter is set: log blocked syscalls instead of killing. */
void minijail_log_seccomp_filter_failures(struct minijail *j)
    MINIJAIL_ATTRIBUTE_NONNULL();

/* --- capabilities --- */
/* minijail_use_caps and minijail_capbset_drop exclude each other. */
void minijail_use_caps(struct minijail *j, uint64_t capmask)
    MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_capbset_drop(struct minijail *j, uint64_t capmask)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* Needs minijail_use_caps. */
void minijail_set_ambient_caps(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_skip_setting_securebits(struct minijail *j,
				      uint64_t securebits_skip_mask)
    MINIJAIL_ATTRIBUTE_NONNULL();

/* --- signals, sessions, fds --- */
void minijail_reset_signal_mask(struct minijail *j)
    MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_reset_signal_handlers(struct minijail *j)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* Close every fd of the child but stdio and preserved ones. */
void minijail_close_open_fds(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();
/* Forward the signals this process receives to the jailed program. */
int minijail_forward_signals(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();
/* Always call setsid() in the child. */
int minijail_create_session(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();
/* Whether to setsid() when a std fd is a terminal (default true). */
void minijail_set_enable_new_sessions(struct minijail *j,
				      bool enable_new_sessions)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* Make |parent_fd| available as |child_fd| in the program. */
int minijail_preserve_fd(struct minijail *j, int parent_fd, int child_fd)
    MINIJAIL_ATTRIBUTE_NONNULL();

/* --- namespaces --- */
void minijail_namespace_vfs(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_namespace_enter_vfs(struct minijail *j, const char *ns_path)
    MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_new_session_keyring(struct minijail *j)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* Leave mount propagation as inherited (dangerous). */
void minijail_skip_remount_private(struct minijail *j)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* MS_PRIVATE (default), MS_SLAVE, MS_SHARED or MS_UNBINDABLE. */
void minijail_remount_mode(struct minijail *j, unsigned long mode)
    MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_namespace_ipc(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_namespace_uts(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();
/* -EINVAL if a hostname is already set. */
int minijail_namespace_set_hostname(struct minijail *j, const char *name)
    MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_namespace_net_loopback(struct minijail *j, bool enable_loopback)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* A new net namespace with loopback up. */
void minijail_namespace_net(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_namespace_enter_net(struct minijail *j, const char *ns_path)
    MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_namespace_cgroups(struct minijail *j)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* A new pid namespace; implies a mount namespace and a read-only /proc. */
void minijail_namespace_pids(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();
/* A new pid namespace with /proc left writable. */
void minijail_namespace_pids_rw_proc(struct minijail *j)
    MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_namespace_user(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_namespace_user_disable_setgroups(struct minijail *j)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* "inside outside count" ranges separated by commas. */
int minijail_uidmap(struct minijail *j, const char *uidmap)
    MINIJAIL_ATTRIBUTE_NONNULL();
int minijail_gidmap(struct minijail *j, const char *gidmap)
    MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_run_as_init(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();

/* --- filesystem --- */
void minijail_remount_proc_readonly(struct minijail *j)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* -EINVAL if a root (chroot or pivot_root) is already set. */
int minijail_enter_chroot(struct minijail *j, const char *dir)
    MINIJAIL_ATTRIBUTE_NONNULL();
int minijail_enter_pivot_root(struct minijail *j, const char *dir)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* The path outside the jail of |chroot_path|; free() it. */
char *minijail_get_original_path(struct minijail *j, const char *chroot_path)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* A 64 MiB tmpfs on /tmp. */
void minijail_mount_tmp(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_mount_tmp_size(struct minijail *j, size_t size)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* A minimal /dev. */
void minijail_mount_dev(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();
/*
 * Mount |src| on |dest| (absolute, inside the root) with |flags| and
 * |data|. Flags 0 means MS_NODEV | MS_NOEXEC | MS_NOSUID; a tmpfs with NULL
 * or empty data gets "mode=0755,size=10M". -EINVAL if |dest| is relative.
 */
int minijail_mount_with_data(struct minijail *j, const char *src,
			     const char *dest, const char *type,
			     unsigned long flags, const char *data)
    MINIJAIL_ATTRIBUTE_NONNULL((1, 2, 3, 4));
int minijail_mount(struct minijail *j, const char *src, const char *dest,
		   const char *type, unsigned long flags)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* Bind |src| on |dest|, read-only unless |writeable|. */
int minijail_bind(struct minijail *j, const char *src, const char *dest,
		  int writeable) MINIJAIL_ATTRIBUTE_NONNULL();
/*
 * After the whole tree of the new mount namespace gets minijail_remount_mode,
 * give the mount at |mount_name| (an absolute host path) and everything under
 * it |remount_mode| (MS_PRIVATE, MS_SLAVE, MS_SHARED or MS_UNBINDABLE)
 * instead. Returns 0, or -EINVAL for a relative path or another mode. Skipped
 * with minijail_skip_remount_private, as the tree's remount is.
 */
int minijail_add_remount(struct minijail *j, const char *mount_name,
			 unsigned long remount_mode)
    MINIJAIL_ATTRIBUTE_NONNULL();

/* --- resources --- */
/* -EEXIST if |type| is already limited. */
int minijail_rlimit(struct minijail *j, int type, rlim_t cur, rlim_t max)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* |path|: a cgroup's tasks or cgroup.procs file (or its directory). */
int minijail_add_to_cgroup(struct minijail *j, const char *path)
    MINIJAIL_ATTRIBUTE_NONNULL();
int minijail_write_pid_file(struct minijail *j, const char *path)
    MINIJAIL_ATTRIBUTE_NONNULL();
/*
 * ChromeOS alt-syscall tables. Stored as upstream does; the kernel call
 * only exists on ChromeOS kernels, so a run with it fails (-ENOSYS).
 */
int minijail_use_alt_syscall(struct minijail *j, const char *table)
    MINIJAIL_ATTRIBUTE_NONNULL();

/* --- Landlock filesystem restrictions (1 on success, 0 on failure) --- */
/* Whether the kernel has Landlock. Without it the rules have no effect. */
bool minijail_is_fs_restriction_available(void);
/* The Landlock ABI whose rights the rules added after this take
 * (default 2; 3 adds truncate, 5 device ioctls). */
void minijail_set_landlock_abi(struct minijail *j, int abi)
    MINIJAIL_ATTRIBUTE_NONNULL();
int minijail_add_fs_restriction_rx(struct minijail *j, const char *path)
    MINIJAIL_ATTRIBUTE_NONNULL();
int minijail_add_fs_restriction_ro(struct minijail *j, const char *path)
    MINIJAIL_ATTRIBUTE_NONNULL();
int minijail_add_fs_restriction_rw(struct minijail *j, const char *path)
    MINIJAIL_ATTRIBUTE_NONNULL();
int minijail_add_fs_restriction_advanced_rw(struct minijail *j,
					    const char *path)
    MINIJAIL_ATTRIBUTE_NONNULL();
int minijail_add_fs_restriction_edit(struct minijail *j, const char *path)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* |landlock_flags|: LANDLOCK_ACCESS_FS_* bits. */
int minijail_add_fs_restriction_access_rights(struct minijail *j,
					      const char *path,
					      uint16_t landlock_flags)
    MINIJAIL_ATTRIBUTE_NONNULL();
bool minijail_is_fs_restriction_ruleset_initialized(const struct minijail *j);
/* Do not apply the rules added so far or later. */
void minijail_disable_fs_restrictions(struct minijail *j)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* Read-execute rules for the usual library and binary folders, read-only
 * ones for /etc/passwd and /etc/group. */
void minijail_enable_default_fs_restrictions(struct minijail *j)
    MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_set_using_minimalistic_mountns(struct minijail *j)
    MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_set_enable_profile_fs_restrictions(struct minijail *j)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* Rules derived from the bind mounts of a minimalistic mount namespace. */
void minijail_add_minimalistic_mountns_fs_rules(struct minijail *j)
    MINIJAIL_ATTRIBUTE_NONNULL();
void minijail_set_enable_default_runtime(struct minijail *j,
					 bool enable_default_runtime)
    MINIJAIL_ATTRIBUTE_NONNULL();
bool minijail_get_enable_default_runtime(struct minijail *j)
    MINIJAIL_ATTRIBUTE_NONNULL();

/* --- hooks, preload --- */
/* -EINVAL for an unknown event; the caller keeps |payload| alive. */
int minijail_add_hook(struct minijail *j, minijail_hook_t hook, void *payload,
		      minijail_hook_event_t event)
    MINIJAIL_ATTRIBUTE_NONNULL((1, 2));
/*
 * The preload library (default: libjailpreload.so next to libminijail.so,
 * then the install prefix). -EINVAL if already set.
 */
int minijail_set_preload_path(struct minijail *j, const char *preload_path)
    MINIJAIL_ATTRIBUTE_NONNULL();

/* --- entering and running --- */
/*
 * Lock the calling process into the jail. Cannot fail: aborts if any step
 * fails, and for settings only a new process can get (pid and user
 * namespaces, cgroups, pid file).
 */
void minijail_enter(const struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();

/*
 * The run family: start |filename| with |argv| (argv[0] included,
 * NULL-terminated) in the jail. 0 once the program is launched, a negative
 * errno if the jail is invalid. A program that cannot be started (missing:
 * 127, not executable: 126, jail setup failed: 251-254) still counts as
 * launched: its fate comes from minijail_wait(). |envp|, when given, is
 * the whole environment. The p*_fd outputs, when non-NULL, get pipes to
 * the program's stdin (write end) and stdout/stderr (read ends).
 */
int minijail_run(struct minijail *j, const char *filename, char *const argv[])
    MINIJAIL_ATTRIBUTE_NONNULL();
int minijail_run_env(struct minijail *j, const char *filename,
		     char *const argv[], char *const envp[])
    MINIJAIL_ATTRIBUTE_NONNULL();
/* The jail applied before execve: for static programs. */
int minijail_run_no_preload(struct minijail *j, const char *filename,
			    char *const argv[]) MINIJAIL_ATTRIBUTE_NONNULL();
int minijail_run_pid(struct minijail *j, const char *filename,
		     char *const argv[], pid_t *pchild_pid)
    MINIJAIL_ATTRIBUTE_NONNULL((1, 2, 3));
int minijail_run_pipe(struct minijail *j, const char *filename,
		      char *const argv[], int *pstdin_fd)
    MINIJAIL_ATTRIBUTE_NONNULL((1, 2, 3));
int minijail_run_pid_pipes(struct minijail *j, const char *filename,
			   char *const argv[], pid_t *pchild_pid,
			   int *pstdin_fd, int *pstdout_fd, int *pstderr_fd)
    MINIJAIL_ATTRIBUTE_NONNULL((1, 2, 3));
int minijail_run_env_pid_pipes(struct minijail *j, const char *filename,
			       char *const argv[], char *const envp[],
			       pid_t *pchild_pid, int *pstdin_fd,
			       int *pstdout_fd, int *pstderr_fd)
    MINIJAIL_ATTRIBUTE_NONNULL((1, 2, 3));
/* Execute the open file |elf_fd| (as fexecve does). */
int minijail_run_fd_env_pid_pipes(struct minijail *j, int elf_fd,
				  char *const argv[], char *const envp[],
				  pid_t *pchild_pid, int *pstdin_fd,
				  int *pstdout_fd, int *pstderr_fd)
    MINIJAIL_ATTRIBUTE_NONNULL((1, 3));
int minijail_run_pid_pipes_no_preload(struct minijail *j, const char *filename,
				      char *const argv[], pid_t *pchild_pid,
				      int *pstdin_fd, int *pstdout_fd,
				      int *pstderr_fd)
    MINIJAIL_ATTRIBUTE_NONNULL((1, 2, 3));
int minijail_run_env_pid_pipes_no_preload(
    struct minijail *j, const char *filename, char *const argv[],
    char *const envp[], pid_t *pchild_pid, int *pstdin_fd, int *pstdout_fd,
    int *pstderr_fd) MINIJAIL_ATTRIBUTE_NONNULL((1, 2, 3));

/*
 * fork(2) with the jail applied in the child: the child's pid in the
 * parent, 0 in the jailed child, a negative errno on failure.
 */
pid_t minijail_fork(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();

/*
 * SIGTERM the program and wait for it: minijail_wait()'s status, -ECHILD
 * if nothing was started, -ESRCH if it was already waited for.
 */
int minijail_kill(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();

/*
 * Wait for the program (once): its exit code, MINIJAIL_ERR_SIG_BASE + N if
 * killed by signal N, MINIJAIL_ERR_JAIL if killed by SIGSYS (seccomp),
 * MINIJAIL_ERR_NO_COMMAND / MINIJAIL_ERR_NO_ACCESS if it could not be
 * executed; -ECHILD if nothing was started or it was already waited for.
 */
int minijail_wait(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();

/* Free the jail. A running program is left running. */
void minijail_destroy(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();

/* Make |out| (from minijail_new) a copy of |from|'s settings. */
int minijail_copy_jail(const struct minijail *from, struct minijail *out)
    MINIJAIL_ATTRIBUTE_NONNULL();

/* Send the library's messages to |fd|, those at least as urgent as the
 * syslog priority |min_priority|. */
void minijail_log_to_fd(int fd, int min_priority);

/* The name of syscall |nr| on this architecture, or NULL. |j| may be NULL. */
const char *minijail_syscall_name(const struct minijail *j, long nr);

/*
 * ---- Extensions of this implementation, not in upstream minijail. ----
 * Their names start with jail_ so they never clash with upstream's.
 */

/*
 * Run the program on its own pseudo-terminal: a new pty's slave is its
 * stdin, stdout, stderr and controlling terminal in a new session, and
 * minijail_wait() relays between the caller's std fds and the pty until
 * the program exits, with the caller's terminal in raw mode meanwhile and
 * restored after (also when the caller gets SIGTERM, SIGINT or SIGHUP
 * while waiting). Every other fd is closed in the program, and the caller's
 * terminal never reaches it. Not with minijail_run_*pipes() or
 * minijail_fork() (they fail with -EINVAL). Returns 0.
 */
int jail_set_pty(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();

/*
 * ---- Resource control (extension): a cgroup of the jail's own. ----
 *
 * Any limit below gives the jail a fresh cgroup, made at launch beneath
 * the caller's own cgroup (in a jail.slice directory) or beneath
 * jail_cgroup_parent(), in each cgroup hierarchy a limit needs (v2, or v1
 * where the controller lives there). The program is moved in before it
 * runs; minijail_wait() kills what it left running in the cgroup and
 * removes it. A launch whose cgroup cannot be made fails with a message
 * naming the controller or the missing delegation. Each setter returns 0,
 * or -EINVAL for a value the kernel would refuse.
 */
int jail_cgroup_new(struct minijail *j) MINIJAIL_ATTRIBUTE_NONNULL();
/* |path|: a cgroup path such as "/jobs" or a directory under a cgroup mount. */
int jail_cgroup_parent(struct minijail *j, const char *path)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* memory.max, memory.high (v2 only), memory.swap.max, in bytes. */
int jail_cgroup_memory_max(struct minijail *j, uint64_t bytes)
    MINIJAIL_ATTRIBUTE_NONNULL();
int jail_cgroup_memory_high(struct minijail *j, uint64_t bytes)
    MINIJAIL_ATTRIBUTE_NONNULL();
int jail_cgroup_swap_max(struct minijail *j, uint64_t bytes)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* pids.max: processes and threads at once, at least 1. */
int jail_cgroup_pids_max(struct minijail *j, uint64_t n)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* cpu.max as a number of CPUs (0.5 is half of one), at least 0.01. */
int jail_cgroup_cpu_max(struct minijail *j, double cpus)
    MINIJAIL_ATTRIBUTE_NONNULL();
/* cpu.weight and io.weight: 1 to 10000, default 100. */
int jail_cgroup_cpu_weight(struct minijail *j, uint32_t weight)
    MINIJAIL_ATTRIBUTE_NONNULL();
int jail_cgroup_io_weight(struct minijail *j, uint32_t weight)
    MINIJAIL_ATTRIBUTE_NONNULL();
/*
 * Kill the whole jail (its cgroup, or its new pid namespace) after |ms|
 * milliseconds of wall-clock time, waited for or not. Unlike RLIMIT_CPU
 * (CPU time per process), this counts real time for the whole jail.
 */
int jail_cgroup_time_limit_ms(struct minijail *j, uint64_t ms)
    MINIJAIL_ATTRIBUTE_NONNULL();

/* "512M", "2G", "4096" into bytes; "0.5", "50%" (of the online CPUs) into
 * CPUs. 0, or -EINVAL for text that is not one. */
int jail_cgroup_parse_size(const char *text, uint64_t *bytes);
int jail_cgroup_parse_cpus(const char *text, double *cpus);

/* How the jail ended (jail_cgroup_usage.ended). */
enum jail_cgroup_ending {
	JAIL_ENDED_EXIT = 0,
	JAIL_ENDED_SIGNAL = 1,
	JAIL_ENDED_SECCOMP = 2,
	JAIL_ENDED_OOM_KILL = 3,
	JAIL_ENDED_PIDS_LIMIT = 4,
	JAIL_ENDED_TIME_LIMIT = 5,
};

struct jail_cgroup_usage {
	int ended;      /* enum jail_cgroup_ending */
	int status;     /* as minijail_wait() returned it */
	int signal;     /* the killing signal, or 0 */
	uint64_t wall_us;
	uint64_t user_us;
	uint64_t system_us;
	uint64_t peak_memory_bytes; /* the cgroup's peak, else rusage's */
	int64_t peak_processes;     /* pids.peak, or -1 when not counted */
	uint64_t oom_kills;
	uint64_t pids_limit_hits;   /* forks refused at pids.max */
};

/*
 * The report of the program minijail_wait() reaped last: 0, or -ECHILD
 * before that. jail_cgroup_usage_json() writes it as one JSON object
 * (NUL-terminated, cut to |len|) and returns its full length.
 */
int jail_cgroup_usage(const struct minijail *j, struct jail_cgroup_usage *out)
    MINIJAIL_ATTRIBUTE_NONNULL();
int jail_cgroup_usage_json(const struct minijail *j, char *buf, size_t len)
    MINIJAIL_ATTRIBUTE_NONNULL((1));

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* !_LIBMINIJAIL_H_ */
