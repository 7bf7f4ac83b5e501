/* Hooks: run in the jailed child at their events, in order; a failing
 * hook stops the launch; hooks with LD_PRELOAD abort (as upstream). */
#include "check.h"

static const char *helper;
static int hook_fd = -1;

static int mark(void *payload)
{
	const char *what = payload;
	return write(hook_fd, what, 1) == 1 ? 0 : -EIO;
}

static int fail_hook(void *payload)
{
	(void)payload;
	return -EPERM;
}

static void run_with_hooks_preload(void)
{
	struct minijail *j = minijail_new();
	minijail_add_hook(j, mark, "x", MINIJAIL_HOOK_EVENT_PRE_EXECVE);
	char *argv[] = {"helper", NULL};
	minijail_run(j, helper, argv);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	helper = argv[1];
	int p[2];
	CHECK_EQ(pipe(p), 0);
	hook_fd = p[1];

	struct minijail *j = minijail_new();
	CHECK_EQ(minijail_add_hook(j, mark, "E", MINIJAIL_HOOK_EVENT_PRE_EXECVE), 0);
	CHECK_EQ(minijail_add_hook(j, mark, "D", MINIJAIL_HOOK_EVENT_PRE_DROP_CAPS), 0);
	CHECK_EQ(minijail_add_hook(j, mark, "C", MINIJAIL_HOOK_EVENT_PRE_CHROOT), 0);
	CHECK_EQ(minijail_add_hook(j, mark, "e", MINIJAIL_HOOK_EVENT_PRE_EXECVE), 0);
	CHECK_EQ(minijail_add_hook(j, mark, "?", MINIJAIL_HOOK_EVENT_MAX), -EINVAL);
	if (getuid() == 0) {
		/* PRE_CHROOT runs only with a chroot or pivot_root. */
		minijail_namespace_vfs(j);
		CHECK_EQ(minijail_enter_chroot(j, "/"), 0);
	}
	char *hargv[] = {"helper", NULL};
	CHECK_EQ(minijail_run_no_preload(j, helper, hargv), 0);
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);
	close(p[1]);
	char buf[16];
	read_all(p[0], buf, sizeof buf);
	CHECK_STR(buf, getuid() == 0 ? "CDEe" : "DEe");

	/* Hooks in fork mode: they run before minijail_fork returns. */
	CHECK_EQ(pipe(p), 0);
	hook_fd = p[1];
	j = minijail_new();
	minijail_add_hook(j, mark, "D", MINIJAIL_HOOK_EVENT_PRE_DROP_CAPS);
	minijail_add_hook(j, mark, "E", MINIJAIL_HOOK_EVENT_PRE_EXECVE);
	pid_t pid = minijail_fork(j);
	if (pid == 0)
		_exit(write(hook_fd, "R", 1) == 1 ? 0 : 1);
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);
	close(p[1]);
	read_all(p[0], buf, sizeof buf);
	CHECK_STR(buf, "DER");

	/* A failing hook: the program never runs. */
	j = minijail_new();
	minijail_add_hook(j, fail_hook, NULL, MINIJAIL_HOOK_EVENT_PRE_EXECVE);
	char *never[] = {"helper", "exit:0", NULL};
	CHECK_EQ(minijail_run_no_preload(j, helper, never), 0);
	CHECK_EQ(minijail_wait(j), MINIJAIL_ERR_JAIL);
	minijail_destroy(j);

	expect_abort("hooks with LD_PRELOAD", run_with_hooks_preload);
	return finish("hooks");
}
