/* The namespaced launch's floor for the benchmark: the kernel work of
 * `minijail0 -p -v -r -l -e --uts -- PROGRAM` and nothing else. Clone into
 * new pid, mount, ipc, uts and net namespaces; there mark / slave, put a
 * fresh read-only /proc over the old one, bring lo up, and run PROGRAM as
 * pid 2 (vfork), reaping it as init. Static, so it costs what a static
 * launcher does. Built and run (as root) by scripts/bench.sh only. */
#define _GNU_SOURCE
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static char **program;
static char stack[64 * 1024];

static int init(void *arg)
{
	(void)arg;
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) ||
	    umount2("/proc", MNT_DETACH) ||
	    mount("proc", "/proc", "proc",
		  MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL))
		return 251;
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	if (sock < 0 || ioctl(sock, SIOCGIFFLAGS, &ifr))
		return 253;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(sock, SIOCSIFFLAGS, &ifr))
		return 253;
	close(sock);
	pid_t pid = vfork();
	if (pid == 0) {
		execv(program[0], program);
		_exit(127);
	}
	int status = 0;
	while (waitpid(-1, &status, 0) > 0)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	program = argv + 1;
	int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS |
		    CLONE_NEWNET | SIGCHLD;
	pid_t pid = clone(init, stack + sizeof stack, flags, NULL);
	if (pid < 0)
		return 253;
	int status = 0;
	if (waitpid(pid, &status, 0) < 0)
		return 253;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
