/* jail_set_pty: the program's std fds are a pty, minijail_wait relays its
 * output to the caller's stdout and passes its exit status through. */
#include "check.h"

/* Run |argv| on a pty with the caller's stdout a pipe; what it wrote. */
static int run_on_pty(char *const argv[], char *out, size_t size)
{
	int fds[2];
	CHECK(pipe(fds) == 0);
	int saved = dup(1);
	CHECK(dup2(fds[1], 1) == 1);
	close(fds[1]);
	struct minijail *j = minijail_new();
	CHECK_EQ(jail_set_pty(j), 0);
	int status = minijail_run(j, argv[0], argv);
	if (status == 0)
		status = minijail_wait(j);
	minijail_destroy(j);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	ssize_t n = read(fds[0], out, size - 1);
	out[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	return status;
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	char out[4096];
	char *const tty[] = {"/bin/sh", "-c", "tty; test -t 0 -a -t 1 -a -t 2 && echo all-ttys; exit 4", NULL};
	CHECK_EQ(run_on_pty(tty, out, sizeof(out)), 4);
	CHECK(strstr(out, "/dev/pts/") != NULL);
	CHECK(strstr(out, "all-ttys") != NULL);

	/* Pipes and a pty contradict each other: refused, nothing started. */
	struct minijail *j = minijail_new();
	jail_set_pty(j);
	char *const argv_true[] = {"/bin/true", NULL};
	pid_t pid;
	int in_fd, out_fd, err_fd;
	CHECK_EQ(minijail_run_pid_pipes(j, "/bin/true", argv_true, &pid, &in_fd, &out_fd, &err_fd), -EINVAL);
	minijail_destroy(j);
	return finish("pty");
}
