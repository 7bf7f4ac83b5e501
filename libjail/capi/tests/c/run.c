/* The run family: pids, pipes, environment, fexecve-style, no-preload. */
#include "check.h"

static const char *helper;

static void test_run_pid_pipes(void)
{
	struct minijail *j = minijail_new();
	char *argv[] = {"/bin/cat", NULL};
	pid_t pid = -1;
	int in = -1, out = -1, err = -1;
	CHECK_EQ(minijail_run_pid_pipes(j, argv[0], argv, &pid, &in, &out, &err), 0);
	CHECK(pid > 0);
	CHECK(in >= 0 && out >= 0 && err >= 0);
	CHECK_EQ(write(in, "hello\n", 6), 6);
	close(in);
	char buf[64];
	read_all(out, buf, sizeof buf);
	CHECK_STR(buf, "hello\n");
	read_all(err, buf, sizeof buf);
	CHECK_STR(buf, "");
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);
}

static void test_run_env(void)
{
	struct minijail *j = minijail_new();
	char *argv[] = {"helper", "env:GREETING", "env:HOME", NULL};
	char *envp[] = {"GREETING=hi there", NULL};
	int out = -1;
	pid_t pid = -1;
	CHECK_EQ(minijail_run_env_pid_pipes(j, helper, argv, envp, &pid, NULL,
					    &out, NULL),
		 0);
	char buf[256];
	read_all(out, buf, sizeof buf);
	CHECK_STR(buf, "hi there\n(unset)\n");
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);

	/* minijail_run_env: the output goes to our stdout; check the status. */
	j = minijail_new();
	char *argv2[] = {"helper", "exit:7", NULL};
	CHECK_EQ(minijail_run_env(j, helper, argv2, envp), 0);
	CHECK_EQ(minijail_wait(j), 7);
	minijail_destroy(j);

	/* The inherited environment when envp is not given. */
	setenv("CAPI_TEST_VAR", "inherited", 1);
	j = minijail_new();
	char *argv3[] = {"helper", "env:CAPI_TEST_VAR", NULL};
	CHECK_EQ(minijail_run_pid_pipes(j, helper, argv3, NULL, NULL, &out, NULL), 0);
	read_all(out, buf, sizeof buf);
	CHECK_STR(buf, "inherited\n");
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);
}

static void test_run_pipe_and_pid(void)
{
	struct minijail *j = minijail_new();
	char *argv[] = {"/bin/sh", "-c", "read x; test \"$x\" = ping", NULL};
	int in = -1;
	CHECK_EQ(minijail_run_pipe(j, argv[0], argv, &in), 0);
	CHECK_EQ(write(in, "ping\n", 5), 5);
	close(in);
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);

	j = minijail_new();
	char *argv2[] = {"helper", "exit:0", NULL};
	pid_t pid = -1;
	CHECK_EQ(minijail_run_pid(j, helper, argv2, &pid), 0);
	/* The caller may wait for the pid itself, as with upstream. */
	int status = 0;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	minijail_destroy(j);
}

static void test_run_fd(void)
{
	int fd = open(helper, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	struct minijail *j = minijail_new();
	char *argv[] = {"helper", "env:X", NULL};
	char *envp[] = {"X=from-fd", NULL};
	int out = -1;
	pid_t pid = -1;
	CHECK_EQ(minijail_run_fd_env_pid_pipes(j, fd, argv, envp, &pid, NULL,
					       &out, NULL),
		 0);
	char buf[64];
	read_all(out, buf, sizeof buf);
	CHECK_STR(buf, "from-fd\n");
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);
	close(fd);
}

static void test_no_preload(void)
{
	struct minijail *j = minijail_new();
	minijail_no_new_privs(j);
	char *argv[] = {"helper", "nnp", NULL};
	int out = -1;
	pid_t pid;
	CHECK_EQ(minijail_run_pid_pipes_no_preload(j, helper, argv, &pid, NULL,
						   &out, NULL),
		 0);
	char buf[64];
	read_all(out, buf, sizeof buf);
	CHECK_STR(buf, "1\n");
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);

	j = minijail_new();
	minijail_no_new_privs(j);
	char *envp[] = {"A=b", NULL};
	char *argv2[] = {"helper", "env:A", "nnp", NULL};
	CHECK_EQ(minijail_run_env_pid_pipes_no_preload(j, helper, argv2, envp,
						       &pid, NULL, &out, NULL),
		 0);
	read_all(out, buf, sizeof buf);
	CHECK_STR(buf, "b\n1\n");
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);

	j = minijail_new();
	char *argv3[] = {"helper", "exit:4", NULL};
	CHECK_EQ(minijail_run_no_preload(j, helper, argv3), 0);
	CHECK_EQ(minijail_wait(j), 4);
	minijail_destroy(j);
}

static void test_preload_scrubbed(void)
{
	/* Through the preload: the program sees no LD_PRELOAD entry of ours
	 * and no handoff variable. */
	struct minijail *j = minijail_new();
	minijail_no_new_privs(j);
	char *argv[] = {"helper", "nnp", "env:LD_PRELOAD", NULL};
	int out = -1;
	CHECK_EQ(minijail_run_pid_pipes(j, helper, argv, NULL, NULL, &out, NULL), 0);
	char buf[256];
	read_all(out, buf, sizeof buf);
	CHECK_STR(buf, "1\n(unset)\n");
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	helper = argv[1];
	test_run_pid_pipes();
	test_run_env();
	test_run_pipe_and_pid();
	test_run_fd();
	test_no_preload();
	test_preload_scrubbed();
	return finish("run");
}
