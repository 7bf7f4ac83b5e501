/* preserve_fd and close_open_fds: exactly the fds asked for reach the
 * program, nothing of the launch leaks. */
#include "check.h"

static const char *helper;

static void fds_of(struct minijail *j, char *buf, size_t size)
{
	char *argv[] = {"helper", "fds", NULL};
	int out = -1;
	CHECK_EQ(minijail_run_pid_pipes(j, helper, argv, NULL, NULL, &out, NULL), 0);
	read_all(out, buf, size);
	CHECK_EQ(minijail_wait(j), 0);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	helper = argv[1];
	char buf[1024];

	/* An inheritable fd that is neither preserved nor closed. */
	int stray = open("/dev/null", O_RDONLY);
	CHECK(stray >= 0);
	int p[2];
	CHECK_EQ(pipe(p), 0); /* inheritable too */

	/* Upstream's default: other fds are left open. */
	struct minijail *j = minijail_new();
	minijail_no_new_privs(j); /* goes through the preload */
	fds_of(j, buf, sizeof buf);
	char want[64];
	snprintf(want, sizeof want, " %d ", stray);
	char padded[1100];
	snprintf(padded, sizeof padded, " %s", buf);
	CHECK(strstr(padded, want) != NULL);
	minijail_destroy(j);

	/* close_open_fds: only stdio and the preserved fd (moved to 9). */
	j = minijail_new();
	minijail_no_new_privs(j);
	minijail_close_open_fds(j);
	CHECK_EQ(minijail_preserve_fd(j, p[1], 9), 0);
	fds_of(j, buf, sizeof buf);
	CHECK_STR(buf, "0 1 2 9 \n");
	minijail_destroy(j);

	/* Same without the preload (no_new_privs off: nothing for stage 2). */
	j = minijail_new();
	minijail_close_open_fds(j);
	CHECK_EQ(minijail_preserve_fd(j, stray, stray), 0);
	fds_of(j, buf, sizeof buf);
	snprintf(want, sizeof want, "0 1 2 %d \n", stray);
	CHECK_STR(buf, want);
	minijail_destroy(j);

	/* The preserved fd works: the program writes to our pipe. */
	j = minijail_new();
	minijail_close_open_fds(j);
	CHECK_EQ(minijail_preserve_fd(j, p[1], 5), 0);
	char *sh[] = {"sh", "-c", "echo through-5 >&5", NULL};
	CHECK_EQ(minijail_run(j, "/bin/sh", sh), 0);
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);
	close(p[1]);
	read_all(p[0], buf, sizeof buf);
	CHECK_STR(buf, "through-5\n");

	/* A preserved fd onto 1 and a stdout pipe: the pipe wins, as
	 * upstream (preserved fds first, the pipes last). */
	j = minijail_new();
	minijail_close_open_fds(j);
	CHECK_EQ(minijail_preserve_fd(j, stray, 1), 0);
	char *echo[] = {"sh", "-c", "echo to-the-pipe", NULL};
	int out = -1;
	CHECK_EQ(minijail_run_pid_pipes(j, "/bin/sh", echo, NULL, NULL, &out, NULL), 0);
	read_all(out, buf, sizeof buf);
	CHECK_STR(buf, "to-the-pipe\n");
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);

	/* The program's fd is also a preserved fd's target: it is moved out
	 * of the way, as upstream, and both work. */
	int q[2];
	CHECK_EQ(pipe(q), 0);
	int elf = open("/bin/sh", O_RDONLY | O_CLOEXEC);
	CHECK(elf >= 0);
	j = minijail_new();
	minijail_close_open_fds(j);
	CHECK_EQ(minijail_preserve_fd(j, q[1], elf), 0);
	char script[64];
	snprintf(script, sizeof script, "echo on-%d >&%d", elf, elf);
	char *moved[] = {"sh", "-c", script, NULL};
	char *no_env[] = {NULL};
	pid_t pid;
	CHECK_EQ(minijail_run_fd_env_pid_pipes(j, elf, moved, no_env, &pid, NULL,
					       NULL, NULL),
		 0);
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);
	close(q[1]);
	close(elf);
	read_all(q[0], buf, sizeof buf);
	snprintf(want, sizeof want, "on-%d\n", elf);
	CHECK_STR(buf, want);

	/* Argument checks. */
	j = minijail_new();
	CHECK_EQ(minijail_preserve_fd(j, -1, 3), -EINVAL);
	CHECK_EQ(minijail_preserve_fd(j, 3, -1), -EINVAL);
	minijail_destroy(j);

	/* Nothing leaked into this process either: the launches closed
	 * everything they opened. */
	int next = open("/dev/null", O_RDONLY);
	CHECK_EQ(next, p[0]);
	return finish("fds");
}
