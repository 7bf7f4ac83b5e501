/* A launch the host refuses names the cause and the fix on the log: a
 * mount namespace asked for by a caller without CAP_SYS_ADMIN (root drops
 * to nobody in a child first, so both runs check the same). */
#include "check.h"
#include <sys/syscall.h>

static void refused_mount_namespace(void)
{
	if (getuid() == 0 &&
	    (syscall(SYS_setresgid, 65534, 65534, 65534) != 0 ||
	     syscall(SYS_setresuid, 65534, 65534, 65534) != 0)) {
		fprintf(stderr, "cannot become nobody\n");
		_exit(1);
	}
	int p[2];
	CHECK_EQ(pipe(p), 0);
	minijail_log_to_fd(p[1], 6 /* LOG_INFO */);
	struct minijail *j = minijail_new();
	minijail_namespace_vfs(j);
	char *argv[] = {"/bin/true", NULL};
	int run = minijail_run(j, argv[0], argv);
	if (run == 0)
		CHECK_EQ(minijail_wait(j), MINIJAIL_ERR_JAIL);
	minijail_destroy(j);
	minijail_log_to_fd(2, 6);
	close(p[1]);
	char buf[8192];
	read_all(p[0], buf, sizeof buf);
	CHECK(strstr(buf, "unshare(CLONE_NEWNS)") != NULL);
	CHECK(strstr(buf, "creating a mount namespace needs CAP_SYS_ADMIN; "
			  "run as root or add -U for a user namespace") != NULL);
	if (failures)
		fprintf(stderr, "log was: %s\n", buf);
	_exit(failures ? 1 : 0);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	pid_t pid = fork();
	if (pid == 0)
		refused_mount_namespace();
	int status = 0;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return finish("host_hints");
}
