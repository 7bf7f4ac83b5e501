/* enter, rlimits, pid file, signal forwarding, logging, syscall names and
 * argument checks. */
#include "check.h"
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

static const char *helper;

static void enter_pids(void)
{
	struct minijail *j = minijail_new();
	minijail_namespace_pids(j);
	minijail_enter(j);
}
static void enter_userns(void)
{
	struct minijail *j = minijail_new();
	minijail_namespace_user(j);
	minijail_enter(j);
}

static void test_enter(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct sock_filter insns[] = {
		    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
		    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = {.len = 4, .filter = insns};
		struct minijail *j = minijail_new();
		int root = getuid() == 0;
		if (root) {
			minijail_change_uid(j, 65534);
			minijail_change_gid(j, 65534);
			minijail_use_caps(j, 0);
		}
		minijail_no_new_privs(j);
		minijail_set_seccomp_filters(j, &prog);
		minijail_use_seccomp_filter(j);
		minijail_enter(j);
		minijail_destroy(j);
		int bad = 0;
		if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
			bad |= 1;
		if (root && getuid() != 65534)
			bad |= 2;
		if (syscall(SYS_getppid) != -1 || errno != EPERM)
			bad |= 4;
		_exit(bad);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	expect_abort("enter with a pid namespace", enter_pids);
	expect_abort("enter with a user namespace", enter_userns);
}

static void test_rlimit_pidfile(const char *dir)
{
	struct minijail *j = minijail_new();
	CHECK_EQ(minijail_rlimit(j, RLIMIT_NOFILE, 64, 64), 0);
	CHECK_EQ(minijail_rlimit(j, RLIMIT_NOFILE, 32, 32), -EEXIST);
	char path[4096];
	snprintf(path, sizeof path, "%s/pid", dir);
	CHECK_EQ(minijail_write_pid_file(j, path), 0);
	char *argv[] = {"sh", "-c", "ulimit -n", NULL};
	int out;
	pid_t pid;
	CHECK_EQ(minijail_run_pid_pipes(j, "/bin/sh", argv, &pid, NULL, &out, NULL), 0);
	char buf[64];
	read_all(out, buf, sizeof buf);
	CHECK_STR(buf, "64\n");
	CHECK_EQ(minijail_wait(j), 0);
	FILE *f = fopen(path, "r");
	int written = -1;
	CHECK(f != NULL);
	if (f) {
		CHECK_EQ(fscanf(f, "%d", &written), 1);
		fclose(f);
	}
	CHECK_EQ(written, pid);
	minijail_destroy(j);
}

static void test_forward_signals(void)
{
	struct minijail *j = minijail_new();
	CHECK_EQ(minijail_forward_signals(j), 0);
	char *argv[] = {"helper", "pid", "sleep", NULL};
	int out;
	CHECK_EQ(minijail_run_pid_pipes(j, helper, argv, NULL, NULL, &out, NULL), 0);
	/* Wait until the helper runs, then signal ourselves: it is forwarded. */
	char buf[8];
	read(out, buf, sizeof buf);
	close(out);
	usleep(100 * 1000);
	kill(getpid(), SIGUSR2);
	CHECK_EQ(minijail_wait(j), MINIJAIL_ERR_SIG_BASE + SIGUSR2);
	signal(SIGUSR2, SIG_DFL);
	minijail_destroy(j);
}

static void test_logging(void)
{
	int p[2];
	CHECK_EQ(pipe(p), 0);
	minijail_log_to_fd(p[1], 6 /* LOG_INFO */);
	struct minijail *j = minijail_new();
	char *argv[] = {"missing", NULL};
	CHECK_EQ(minijail_run(j, "/nonexistent", argv), 0);
	CHECK_EQ(minijail_wait(j), MINIJAIL_ERR_NO_COMMAND);
	minijail_destroy(j);
	minijail_log_to_fd(2, 6);
	close(p[1]);
	char buf[4096];
	read_all(p[0], buf, sizeof buf);
	CHECK(strstr(buf, "/nonexistent") != NULL);
}

static void test_small_things(void)
{
	CHECK_STR(minijail_syscall_name(NULL, __NR_read), "read");
	CHECK_STR(minijail_syscall_name(NULL, __NR_getppid), "getppid");
	CHECK(minijail_syscall_name(NULL, 100000) == NULL);
	CHECK(minijail_syscall_name(NULL, -1) == NULL);

	struct minijail *j = minijail_new();
	CHECK_EQ(minijail_set_preload_path(j, "/x/libjailpreload.so"), 0);
	CHECK_EQ(minijail_set_preload_path(j, "/y"), -EINVAL);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(minijail_add_to_cgroup(j, "/sys/fs/cgroup/x"), 0);
	CHECK_EQ(minijail_add_to_cgroup(j, "/sys/fs/cgroup/x"), -ENOMEM);
	CHECK(minijail_get_enable_default_runtime(j));
	minijail_set_enable_default_runtime(j, false);
	CHECK(!minijail_get_enable_default_runtime(j));
	CHECK_EQ(minijail_use_alt_syscall(j, "android"), 0);
	CHECK(strstr(minijail_syscall_name(j, 0), "alt_syscall") != NULL);
	minijail_destroy(j);

	/* A preload path that does not exist: the run fails before fork. */
	j = minijail_new();
	minijail_no_new_privs(j);
	minijail_set_preload_path(j, "/nonexistent/libjailpreload.so");
	char *argv[] = {"true", NULL};
	CHECK(minijail_run(j, "/bin/true", argv) < 0);
	minijail_destroy(j);

	/* A pid namespace without a new session: refused before fork, the
	 * caller lives on (upstream's child dies of it after fork). */
	j = minijail_new();
	minijail_namespace_pids(j);
	minijail_set_enable_new_sessions(j, false);
	CHECK_EQ(minijail_run(j, "/bin/true", argv), -EINVAL);
	minijail_destroy(j);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	helper = argv[1];
	test_enter();
	test_rlimit_pidfile(argv[2]);
	test_forward_signals();
	test_logging();
	test_small_things();
	return finish("misc");
}
