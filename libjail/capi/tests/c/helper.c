/* A small program the tests run inside jails. Each argument is an action;
 * the first failing action sets the exit status (its position + 10).
 *   ids          print "uid gid" (real ids)
 *   caps         print the effective capability mask in hex
 *   nnp          print no_new_privs (0 or 1)
 *   getppid      call getppid and print its result or -errno
 *   read:PATH    read PATH (fails if it cannot)
 *   noread:PATH  expect reading PATH to fail with EACCES
 *   write:PATH   create/write PATH
 *   fds          print the open fds, space-separated
 *   env:NAME     print the value of NAME or "(unset)"
 *   pid          print getpid()
 *   hostname     print the hostname
 *   exit:N       exit with N now
 *   sleep        sleep for a long time
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int ok = 1;
		if (!strcmp(a, "ids")) {
			printf("%d %d\n", (int)getuid(), (int)getgid());
		} else if (!strcmp(a, "caps")) {
			FILE *f = fopen("/proc/self/status", "r");
			char line[256];
			while (f && fgets(line, sizeof line, f))
				if (!strncmp(line, "CapEff:", 7))
					printf("%s", line + 8);
			if (f)
				fclose(f);
		} else if (!strcmp(a, "nnp")) {
			printf("%d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
		} else if (!strcmp(a, "getppid")) {
			long r = syscall(SYS_getppid);
			printf("%ld\n", r < 0 ? -(long)errno : r);
		} else if (!strncmp(a, "read:", 5)) {
			int fd = open(a + 5, O_RDONLY);
			ok = fd >= 0;
			if (fd >= 0)
				close(fd);
		} else if (!strncmp(a, "noread:", 7)) {
			int fd = open(a + 7, O_RDONLY);
			ok = fd < 0 && errno == EACCES;
			if (fd >= 0)
				close(fd);
		} else if (!strncmp(a, "write:", 6)) {
			int fd = open(a + 6, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			ok = fd >= 0 && write(fd, "x", 1) == 1;
			if (fd >= 0)
				close(fd);
		} else if (!strcmp(a, "fds")) {
			DIR *d = opendir("/proc/self/fd");
			struct dirent *e;
			int self = dirfd(d);
			char out[1024] = "";
			while ((e = readdir(d)) != NULL) {
				if (e->d_name[0] == '.' || atoi(e->d_name) == self)
					continue;
				strcat(out, e->d_name);
				strcat(out, " ");
			}
			closedir(d);
			printf("%s\n", out);
		} else if (!strncmp(a, "env:", 4)) {
			const char *v = getenv(a + 4);
			printf("%s\n", v ? v : "(unset)");
		} else if (!strcmp(a, "pid")) {
			printf("%d\n", (int)getpid());
		} else if (!strcmp(a, "hostname")) {
			char h[256];
			gethostname(h, sizeof h);
			printf("%s\n", h);
		} else if (!strncmp(a, "exit:", 5)) {
			fflush(stdout);
			_exit(atoi(a + 5));
		} else if (!strcmp(a, "sleep")) {
			fflush(stdout);
			sleep(1000);
		} else {
			fprintf(stderr, "helper: unknown action %s\n", a);
			return 2;
		}
		fflush(stdout);
		if (!ok)
			return 10 + i;
	}
	return 0;
}
