/*
 * Launch cost against the caller's size, through the C API: touch GB
 * gigabytes of heap (so the caller's page tables are populated, as in a
 * large long-running process), then, per launch mode, launch /bin/true
 * in a loop from 1 and from THREADS threads for about SECONDS each, and
 * print "MODE THREADS LAUNCHES ELAPSED_S" lines. Built against ours or
 * upstream's libminijail.so by scripts/bench-caller-size.sh, which turns
 * the lines into ratios. A benchmark, not a test.
 *
 *   caller_size GB THREADS SECONDS [MODE...]
 *
 * Modes beyond the default list: user_ns_no_pid_ns (ours only). The user
 * namespace modes map root inside to the caller's own ids, so they also
 * run as an ordinary user.
 *
 * Environment: JAIL_BENCH_PRELOAD (a preload library path for
 * minijail_set_preload_path), JAIL_BENCH_CGROUP (a cgroup tasks file),
 * JAIL_BENCH_DIR (a scratch directory for pid files).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libminijail.h>

static const char *const all_modes[] = {
	"plain", "no_new_privs", "mount_ns_ro_proc", "pid_ns", "user_ns_maps",
	"cgroup", "pid_file", "pipes", "preserved_fds", "no_preload", "combined",
};

/* "0 ID 1": root inside maps to the caller's own effective id. */
static void map_own_id(struct minijail *j, int gid)
{
	char map[32];
	snprintf(map, sizeof(map), "0 %u 1", gid ? (unsigned)getegid()
						 : (unsigned)geteuid());
	if (gid)
		minijail_gidmap(j, map);
	else
		minijail_uidmap(j, map);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int has(const char *mode, const char *what)
{
	return strcmp(mode, what) == 0 ||
	       (strcmp(mode, "combined") == 0 &&
		(strcmp(what, "pid_ns") == 0 || strcmp(what, "user_ns_maps") == 0 ||
		 strcmp(what, "cgroup") == 0 || strcmp(what, "pid_file") == 0 ||
		 strcmp(what, "pipes") == 0 || strcmp(what, "no_new_privs") == 0 ||
		 strcmp(what, "mount_ns_ro_proc") == 0));
}

/* One launch of /bin/true in MODE, waited for; 0 on success. */
static int launch(const char *mode, int thread)
{
	char *argv[] = {"/bin/true", NULL};
	char pid_file[512];
	struct minijail *j = minijail_new();
	const char *preload = getenv("JAIL_BENCH_PRELOAD");
	const char *cgroup = getenv("JAIL_BENCH_CGROUP");
	const char *dir = getenv("JAIL_BENCH_DIR");
	int null_fd = -1, in = -1, out = -1, err = -1, rc;
	pid_t pid;

	if (!j)
		return -1;
	if (preload)
		minijail_set_preload_path(j, preload);
	if (has(mode, "no_new_privs"))
		minijail_no_new_privs(j);
	if (has(mode, "mount_ns_ro_proc")) {
		minijail_namespace_vfs(j);
		minijail_remount_proc_readonly(j);
	}
	if (has(mode, "pid_ns"))
		minijail_namespace_pids(j);
	if (has(mode, "user_ns_maps")) {
		/* Upstream requires a pid namespace with a user namespace. */
		minijail_namespace_pids(j);
		minijail_namespace_user(j);
		map_own_id(j, 0);
		map_own_id(j, 1);
	}
	if (has(mode, "user_ns_no_pid_ns")) {
		/* Ours only: upstream refuses it. */
		minijail_namespace_user(j);
		map_own_id(j, 0);
		map_own_id(j, 1);
	}
	if (has(mode, "cgroup") && cgroup)
		minijail_add_to_cgroup(j, cgroup);
	if (has(mode, "pid_file")) {
		snprintf(pid_file, sizeof(pid_file), "%s/pid.%d",
			 dir ? dir : "/tmp", thread);
		minijail_write_pid_file(j, pid_file);
	}
	if (has(mode, "preserved_fds")) {
		null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		minijail_preserve_fd(j, null_fd, 5);
		minijail_preserve_fd(j, null_fd, 6);
	}
	if (has(mode, "pipes"))
		rc = minijail_run_pid_pipes(j, argv[0], argv, &pid, &in, &out,
					    &err);
	else if (has(mode, "no_preload"))
		rc = minijail_run_no_preload(j, argv[0], argv);
	else
		rc = minijail_run(j, argv[0], argv);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (err >= 0)
		close(err);
	if (rc == 0)
		rc = minijail_wait(j);
	if (null_fd >= 0)
		close(null_fd);
	minijail_destroy(j);
	return rc;
}

struct run {
	const char *mode;
	int thread;
	double deadline;
	long launches;
	int failed;
};

static void *loop(void *arg)
{
	struct run *r = arg;
	do {
		int rc = launch(r->mode, r->thread);
		if (rc != 0) {
			fprintf(stderr, "%s: launch failed: %d\n", r->mode, rc);
			r->failed = 1;
			break;
		}
		r->launches++;
	} while (now() < r->deadline || r->launches < 2);
	return NULL;
}

static int measure(const char *mode, int threads, double seconds)
{
	pthread_t tid[64];
	struct run runs[64];
	long total = 0;
	int failed = 0;
	double start = now();

	for (int i = 0; i < threads; i++) {
		runs[i] = (struct run){mode, i, start + seconds, 0, 0};
		if (pthread_create(&tid[i], NULL, loop, &runs[i]))
			return -1;
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(tid[i], NULL);
		total += runs[i].launches;
		failed |= runs[i].failed;
	}
	printf("%s %d %ld %.6f\n", mode, threads, total, now() - start);
	fflush(stdout);
	return failed ? -1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s GB THREADS SECONDS [MODE...]\n",
			argv[0]);
		return 2;
	}
	size_t bytes = (size_t)(atof(argv[1]) * (1UL << 30));
	int threads = atoi(argv[2]);
	double seconds = atof(argv[3]);
	if (threads < 1 || threads > 64) {
		fprintf(stderr, "THREADS must be 1 to 64\n");
		return 2;
	}
	char *ballast = bytes ? malloc(bytes) : NULL;
	if (bytes && !ballast) {
		fprintf(stderr, "cannot allocate %zu bytes\n", bytes);
		return 1;
	}
	for (size_t off = 0; off < bytes; off += 4096)
		ballast[off] = 1;

	const char *const *modes = argc > 4 ? (const char *const *)argv + 4
					    : all_modes;
	int count = argc > 4 ? argc - 4
			     : (int)(sizeof(all_modes) / sizeof(all_modes[0]));
	int status = 0;
	for (int m = 0; m < count; m++) {
		/* Warm up: libraries, caches, the first cgroup write. */
		for (int i = 0; i < 3; i++)
			launch(modes[m], 0);
		status |= measure(modes[m], 1, seconds);
		status |= measure(modes[m], threads, seconds);
	}
	if (ballast)
		free(ballast);
	return status ? 1 : 0;
}
