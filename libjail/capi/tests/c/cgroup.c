/* jail_cgroup_*: a cgroup of the jail's own with limits, the time limit,
 * and the usage report after minijail_wait. Run as root (the cgroups are
 * made beneath the caller's own). */
#include "check.h"

static struct jail_cgroup_usage run_and_report(struct minijail *j, char *const argv[], int want_status)
{
	struct jail_cgroup_usage u;
	memset(&u, 0xff, sizeof(u));
	CHECK_EQ(jail_cgroup_usage(j, &u), -ECHILD);
	CHECK_EQ(minijail_run(j, argv[0], argv), 0);
	CHECK_EQ(minijail_wait(j), want_status);
	CHECK_EQ(jail_cgroup_usage(j, &u), 0);
	return u;
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t bytes = 0;
	double cpus = 0;
	CHECK_EQ(jail_cgroup_parse_size("512M", &bytes), 0);
	CHECK_EQ(bytes, 512ull << 20);
	CHECK_EQ(jail_cgroup_parse_size("2G", &bytes), 0);
	CHECK_EQ(bytes, 2ull << 30);
	CHECK_EQ(jail_cgroup_parse_size("lots", &bytes), -EINVAL);
	CHECK_EQ(jail_cgroup_parse_cpus("0.5", &cpus), 0);
	CHECK(cpus == 0.5);
	CHECK_EQ(jail_cgroup_parse_cpus("0", &cpus), -EINVAL);

	struct minijail *j = minijail_new();
	CHECK_EQ(jail_cgroup_pids_max(j, 0), -EINVAL);
	CHECK_EQ(jail_cgroup_cpu_max(j, 0.001), -EINVAL);
	CHECK_EQ(jail_cgroup_cpu_weight(j, 0), -EINVAL);
	CHECK_EQ(jail_cgroup_io_weight(j, 10001), -EINVAL);
	CHECK_EQ(jail_cgroup_time_limit_ms(j, 0), -EINVAL);

	/* A sleeper and its child, killed together at the time limit. */
	CHECK_EQ(jail_cgroup_time_limit_ms(j, 300), 0);
	char *const sleeper[] = {"/bin/sh", "-c", "sleep 30 & sleep 30", NULL};
	struct jail_cgroup_usage u = run_and_report(j, sleeper, 128 + SIGKILL);
	CHECK_EQ(u.ended, JAIL_ENDED_TIME_LIMIT);
	CHECK_EQ(u.signal, SIGKILL);
	CHECK(u.wall_us >= 300000 && u.wall_us < 10000000);
	char json[1024];
	int len = jail_cgroup_usage_json(j, json, sizeof(json));
	CHECK(len > 0 && len < (int)sizeof(json));
	CHECK(strstr(json, "\"ended\":\"time_limit\"") != NULL);
	char small[8];
	CHECK_EQ(jail_cgroup_usage_json(j, small, sizeof(small)), len);
	CHECK_EQ(strlen(small), sizeof(small) - 1);
	minijail_destroy(j);

	/* A memory hog, OOM-killed at 32 MiB and reported as such. */
	j = minijail_new();
	CHECK_EQ(jail_cgroup_memory_max(j, 32ull << 20), 0);
	CHECK_EQ(jail_cgroup_pids_max(j, 16), 0);
	char *const hog[] = {"/bin/sh", "-c", "x=$(head -c 300000000 /dev/zero | tr '\\0' a); echo ${#x}", NULL};
	u = run_and_report(j, hog, 128 + SIGKILL);
	CHECK_EQ(u.ended, JAIL_ENDED_OOM_KILL);
	CHECK(u.oom_kills >= 1);
	CHECK(u.peak_memory_bytes > (16ull << 20) && u.peak_memory_bytes <= (33ull << 20));
	minijail_destroy(j);

	/* Forks beyond pids.max fail (the shell gives up with 2); the report
	 * says why. */
	j = minijail_new();
	CHECK_EQ(jail_cgroup_pids_max(j, 4), 0);
	char *const forks[] = {"/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; wait; exit 0", NULL};
	u = run_and_report(j, forks, 2);
	CHECK_EQ(u.ended, JAIL_ENDED_PIDS_LIMIT);
	CHECK(u.pids_limit_hits >= 1);
	CHECK(u.peak_processes >= 1 && u.peak_processes <= 4);
	minijail_destroy(j);
	return finish("cgroup");
}
