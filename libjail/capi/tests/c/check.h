/* Shared helpers of the C tests: CHECK macros and abort expectations.
 * Each test program exits 0 when every check passed. Arguments:
 * argv[1] = the helper program, argv[2] = a scratch directory. */
#ifndef CAPI_TEST_CHECK_H
#define CAPI_TEST_CHECK_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libminijail.h>

static int failures;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
			failures++;                                            \
		}                                                              \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		long long va_ = (long long)(a), vb_ = (long long)(b);          \
		if (va_ != vb_) {                                              \
			fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", \
				__FILE__, __LINE__, #a, va_, #b, vb_);         \
			failures++;                                            \
		}                                                              \
	} while (0)

#define CHECK_STR(got, want)                                                   \
	do {                                                                   \
		if (strcmp((got), (want)) != 0) {                              \
			fprintf(stderr, "%s:%d: got \"%s\", expected \"%s\"\n", \
				__FILE__, __LINE__, (got), (want));            \
			failures++;                                            \
		}                                                              \
	} while (0)

/* Read everything from fd (closed afterwards) into buf, NUL-terminated. */
static inline size_t read_all(int fd, char *buf, size_t size)
{
	size_t got = 0;
	while (got + 1 < size) {
		ssize_t n = read(fd, buf + got, size - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fd);
	return got;
}

/* Run fn in a child and check that it dies of SIGABRT (upstream's die()). */
static inline void expect_abort(const char *what, void (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		/* Keep the expected message out of the test's output. */
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		fn();
		_exit(0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT) {
		fprintf(stderr, "%s: expected an abort, got status %#x\n", what,
			status);
		failures++;
	}
}

static inline int finish(const char *name)
{
	if (failures) {
		fprintf(stderr, "%s: %d check(s) failed\n", name, failures);
		return 1;
	}
	printf("%s: ok\n", name);
	return 0;
}

#endif
