/* The least a preload library can do for the launch benchmark's floor:
 * read the handoff pipe to its end, close it, acknowledge "applied" on the
 * status channel the launcher expects, set no_new_privs. It applies no
 * jail; only scripts/bench.sh builds and uses it. The channel is the first
 * fd after the handoff's (jail's launch plan puts it there when no fd is
 * preserved, as in the benchmark), and the byte is jail_enter::APPLIED. */
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#define JAIL_APPLIED 0xa5

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
	const unsigned char applied = JAIL_APPLIED;
	if (write(fd + 1, &applied, 1) == 1)
		close(fd + 1);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}
