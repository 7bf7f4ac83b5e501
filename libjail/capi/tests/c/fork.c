/* minijail_fork: the jail applied in the child, which returns. */
#include "check.h"
#include <sys/prctl.h>

int main(void)
{
	int root = getuid() == 0;
	struct minijail *j = minijail_new();
	minijail_no_new_privs(j);
	if (root) {
		minijail_change_uid(j, 65534);
		minijail_change_gid(j, 65534);
		minijail_use_caps(j, 0);
	}
	pid_t pid = minijail_fork(j);
	if (pid == 0) {
		int bad = 0;
		if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
			bad |= 1;
		if (root && (getuid() != 65534 || getgid() != 65534))
			bad |= 2;
		_exit(bad);
	}
	CHECK(pid > 0);
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);

	/* A child that exits with a status and one killed by a signal. */
	j = minijail_new();
	pid = minijail_fork(j);
	if (pid == 0)
		_exit(42);
	CHECK_EQ(minijail_wait(j), 42);
	pid = minijail_fork(j);
	if (pid == 0) {
		raise(SIGKILL);
		_exit(0);
	}
	CHECK_EQ(minijail_wait(j), MINIJAIL_ERR_SIG_BASE + SIGKILL);
	minijail_destroy(j);

	/* Copies: the same settings, a separate process. */
	struct minijail *templ = minijail_new();
	minijail_no_new_privs(templ);
	struct minijail *copy = minijail_new();
	CHECK_EQ(minijail_copy_jail(templ, copy), 0);
	pid = minijail_fork(copy);
	if (pid == 0)
		_exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1);
	CHECK_EQ(minijail_wait(copy), 0);
	CHECK_EQ(minijail_wait(templ), -ECHILD);
	minijail_destroy(copy);
	minijail_destroy(templ);
	return finish("fork");
}
