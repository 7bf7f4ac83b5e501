/* Seccomp: a policy file, a policy fd, a compiled program, strict mode,
 * and upstream's aborts on misordered options. Unprivileged callers need
 * no_new_privs, which every case sets. */
#include "check.h"
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/syscall.h>

static const char *helper;
static char policy[4096], errno_policy[4096];

static const char *kBase =
    "# the helper's needs after the preload's constructor\n"
    "read: 1\nwrite: 1\nclose: 1\nfstat: 1\nnewfstatat: 1\nbrk: 1\n"
    "mmap: 1\nmunmap: 1\nmprotect: 1\nlseek: 1\nexit_group: 1\nexit: 1\n"
    "rt_sigreturn: 1\nrt_sigprocmask: 1\nrt_sigaction: 1\nfutex: 1\n";

static void write_file(const char *path, const char *a, const char *b)
{
	FILE *f = fopen(path, "w");
	fputs(a, f);
	fputs(b, f);
	fclose(f);
}

static int run_helper(struct minijail *j, const char *action, char *buf,
		      size_t size)
{
	char *argv[] = {"helper", (char *)action, NULL};
	int out = -1;
	CHECK_EQ(minijail_run_pid_pipes(j, helper, argv, NULL, NULL, &out, NULL), 0);
	read_all(out, buf, size);
	return minijail_wait(j);
}

static void tsync_after_parse(void)
{
	struct minijail *j = minijail_new();
	minijail_parse_seccomp_filters(j, policy);
	minijail_set_seccomp_filter_tsync(j);
}
static void log_after_parse(void)
{
	struct minijail *j = minijail_new();
	minijail_parse_seccomp_filters(j, policy);
	minijail_log_seccomp_filter_failures(j);
}
static void set_filters_after_log(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {.len = 1, .filter = &allow};
	struct minijail *j = minijail_new();
	minijail_log_seccomp_filter_failures(j);
	minijail_set_seccomp_filters(j, &prog);
}
static void bad_policy(void)
{
	struct minijail *j = minijail_new();
	minijail_parse_seccomp_filters(j, "/nonexistent/policy");
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	helper = argv[1];
	char buf[256];
	snprintf(policy, sizeof policy, "%s/helper.policy", argv[2]);
	snprintf(errno_policy, sizeof errno_policy, "%s/errno.policy", argv[2]);
	write_file(policy, kBase, "getpid: 1\n");
	write_file(errno_policy, kBase, "getppid: return 1\n");

	/* Allowed calls run; a call outside the policy kills (SIGSYS). The
	 * same with SECCOMP_FILTER_FLAG_SPEC_ALLOW: the kernel takes the flag
	 * and the filter still kills. */
	struct minijail *j;
	for (int allow_speculation = 0; allow_speculation <= 1; allow_speculation++) {
		j = minijail_new();
		minijail_no_new_privs(j);
		if (allow_speculation)
			minijail_set_seccomp_filter_allow_speculation(j);
		minijail_use_seccomp_filter(j);
		minijail_parse_seccomp_filters(j, policy);
		CHECK_EQ(run_helper(j, "pid", buf, sizeof buf), 0);
		CHECK(atoi(buf) > 0);
		CHECK_EQ(run_helper(j, "getppid", buf, sizeof buf), MINIJAIL_ERR_JAIL);
		minijail_destroy(j);
	}

	/* Logging failures: unlisted calls are logged and allowed (the kernel
	 * has SECCOMP_RET_LOG) or trapped and reported. */
	j = minijail_new();
	minijail_no_new_privs(j);
	minijail_log_seccomp_filter_failures(j);
	minijail_use_seccomp_filter(j);
	minijail_parse_seccomp_filters(j, policy);
	int log[2];
	CHECK_EQ(pipe(log), 0);
	minijail_log_to_fd(log[1], 6 /* LOG_INFO */);
	CHECK_EQ(run_helper(j, "getppid", buf, sizeof buf), 0);
	minijail_log_to_fd(2, 6);
	close(log[1]);
	CHECK(atoi(buf) > 0);
	minijail_destroy(j);
	/* Upstream's line on the log fd. */
	read_all(log[0], buf, sizeof buf);
	CHECK(strstr(buf, "logging seccomp filter failures") != NULL);

	/* Thread sync: the whole process is killed. */
	j = minijail_new();
	minijail_no_new_privs(j);
	minijail_set_seccomp_filter_tsync(j);
	minijail_use_seccomp_filter(j);
	minijail_parse_seccomp_filters(j, policy);
	CHECK_EQ(run_helper(j, "getppid", buf, sizeof buf), MINIJAIL_ERR_JAIL);
	minijail_destroy(j);

	/* An errno action, from an fd (which the library closes). */
	j = minijail_new();
	minijail_no_new_privs(j);
	int fd = open(errno_policy, O_RDONLY);
	minijail_parse_seccomp_filters_from_fd(j, fd);
	CHECK_EQ(fcntl(fd, F_GETFD), -1);
	minijail_use_seccomp_filter(j);
	CHECK_EQ(run_helper(j, "getppid", buf, sizeof buf), 0);
	CHECK_STR(buf, "-1\n");
	minijail_destroy(j);

	/* A compiled program: getppid fails with EACCES, the rest runs. */
	struct sock_filter insns[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = 4, .filter = insns};
	j = minijail_new();
	minijail_no_new_privs(j);
	minijail_set_seccomp_filters(j, &prog);
	insns[2].k = SECCOMP_RET_KILL; /* copied: later changes do not count */
	minijail_use_seccomp_filter(j);
	CHECK_EQ(run_helper(j, "getppid", buf, sizeof buf), 0);
	CHECK_STR(buf, "-13\n");
	minijail_destroy(j);

	/* The same through no-preload mode (the filter must allow execve:
	 * this one allows everything but getppid). */
	insns[2].k = SECCOMP_RET_ERRNO | EACCES;
	j = minijail_new();
	minijail_no_new_privs(j);
	minijail_set_seccomp_filters(j, &prog);
	minijail_use_seccomp_filter(j);
	char *argv2[] = {"helper", "getppid", NULL};
	int out;
	pid_t pid;
	CHECK_EQ(minijail_run_pid_pipes_no_preload(j, helper, argv2, &pid, NULL, &out, NULL), 0);
	read_all(out, buf, sizeof buf);
	CHECK_STR(buf, "-13\n");
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);

	/* Strict mode: exit_group is not among read/write/exit/sigreturn. */
	j = minijail_new();
	minijail_use_seccomp(j);
	CHECK_EQ(run_helper(j, "pid", buf, sizeof buf), MINIJAIL_ERR_SIG_BASE + SIGKILL);
	minijail_destroy(j);

	/* A filter asked for but never given: the jail is not run. */
	j = minijail_new();
	minijail_use_seccomp_filter(j);
	char *t[] = {"true", NULL};
	CHECK(minijail_run(j, "/bin/true", t) < 0);
	minijail_destroy(j);

	expect_abort("tsync after parse", tsync_after_parse);
	expect_abort("log after parse", log_after_parse);
	expect_abort("missing policy", bad_policy);
	expect_abort("compiled filter with logging", set_filters_after_log);
	return finish("seccomp");
}
