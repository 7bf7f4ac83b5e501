/* minijail_wait and minijail_kill statuses. */
#include "check.h"

static const char *helper;

static int run_status(char *const argv[], const char *program)
{
	struct minijail *j = minijail_new();
	int rc = minijail_run(j, program, argv);
	CHECK_EQ(rc, 0);
	int status = minijail_wait(j);
	minijail_destroy(j);
	return status;
}

static void kill_and_wait(void)
{
	struct minijail *j = minijail_new();
	char *argv[] = {"helper", "sleep", NULL};
	/* Nothing started yet. */
	CHECK_EQ(minijail_wait(j), -ECHILD);
	CHECK_EQ(minijail_kill(j), -ECHILD);
	CHECK_EQ(minijail_run(j, helper, argv), 0);
	CHECK_EQ(minijail_kill(j), MINIJAIL_ERR_SIG_BASE + SIGTERM);
	/* A process is waited for once. */
	CHECK_EQ(minijail_wait(j), -ECHILD);
	CHECK_EQ(minijail_kill(j), -ESRCH);
	minijail_destroy(j);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	helper = argv[1];
	const char *dir = argv[2];

	char *exit3[] = {"sh", "-c", "exit 3", NULL};
	CHECK_EQ(run_status(exit3, "/bin/sh"), 3);

	char *ok[] = {"true", NULL};
	CHECK_EQ(run_status(ok, "/bin/true"), 0);

	char *missing[] = {"missing", NULL};
	CHECK_EQ(run_status(missing, "/nonexistent/program"), MINIJAIL_ERR_NO_COMMAND);

	/* A bare name is not looked up in PATH (execve semantics). */
	char *bare[] = {"true", NULL};
	CHECK_EQ(run_status(bare, "true"), MINIJAIL_ERR_NO_COMMAND);

	char path[4096];
	snprintf(path, sizeof path, "%s/not-executable", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	char *noexec[] = {"not-executable", NULL};
	CHECK_EQ(run_status(noexec, path), MINIJAIL_ERR_NO_ACCESS);

	char *usr1[] = {"sh", "-c", "kill -USR1 $$", NULL};
	CHECK_EQ(run_status(usr1, "/bin/sh"), MINIJAIL_ERR_SIG_BASE + SIGUSR1);

	char *segv[] = {"sh", "-c", "kill -SEGV $$", NULL};
	CHECK_EQ(run_status(segv, "/bin/sh"), MINIJAIL_ERR_SIG_BASE + SIGSEGV);

	/* SIGSYS (a seccomp kill) is MINIJAIL_ERR_JAIL. */
	char *sys[] = {"sh", "-c", "kill -SYS $$", NULL};
	CHECK_EQ(run_status(sys, "/bin/sh"), MINIJAIL_ERR_JAIL);

	/* A missing program through the pid/pipe variant: a real pid, pipes
	 * at end of file, and the status through minijail_wait. */
	struct minijail *j = minijail_new();
	pid_t pid = -1;
	int in = -1, out = -1, err = -1;
	CHECK_EQ(minijail_run_pid_pipes(j, "/nonexistent", missing, &pid, &in, &out, &err), 0);
	CHECK(pid > 0);
	char buf[16];
	CHECK_EQ(read_all(out, buf, sizeof buf), 0);
	CHECK_EQ(read_all(err, buf, sizeof buf), 0);
	close(in);
	CHECK_EQ(minijail_wait(j), MINIJAIL_ERR_NO_COMMAND);
	minijail_destroy(j);

	kill_and_wait();
	return finish("wait_kill");
}
