/* The least a preload library can do for the launch benchmark's floor:
 * read the handoff pipe to its end, close it, set no_new_privs. It applies
 * no jail; only scripts/bench.sh builds and uses it. */
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

__attribute__((constructor)) static void minimal_preload(void)
{
	const char *fd_text = getenv("__JAIL_HANDOFF_FD");
	char buf[4096];
	if (!fd_text)
		_exit(252);
	int fd = atoi(fd_text);
	while (read(fd, buf, sizeof buf) > 0)
		;
	close(fd);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}
