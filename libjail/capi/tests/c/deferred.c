/* Settings upstream stores without asking for what they apply to: an id
 * map is written only with a user namespace (in either order), run-as-init
 * only matters with a pid namespace, a seccomp filter only once it is put
 * in force, and only one supplementary-groups mode can be asked. */
#include "check.h"
#include <linux/filter.h>
#include <linux/seccomp.h>

static const char *helper;

/* The helper's output for `action` in j (which is destroyed). */
static int output_of(struct minijail *j, const char *action, char *buf,
		     size_t size)
{
	char *argv[] = {"helper", (char *)action, NULL};
	int out = -1;
	int rc = minijail_run_pid_pipes(j, helper, argv, NULL, NULL, &out, NULL);
	CHECK_EQ(rc, 0);
	if (rc == 0) {
		read_all(out, buf, size);
		rc = minijail_wait(j);
	}
	minijail_destroy(j);
	return rc;
}

static void test_maps(void)
{
	char map[64], gmap[64], want[64], buf[256];
	snprintf(map, sizeof map, "5 %d 1", (int)getuid());
	snprintf(gmap, sizeof gmap, "5 %d 1", (int)getgid());

	/* Maps alone: no user namespace, the caller's ids. */
	struct minijail *j = minijail_new();
	CHECK_EQ(minijail_uidmap(j, map), 0);
	CHECK_EQ(minijail_gidmap(j, gmap), 0);
	CHECK_EQ(output_of(j, "ids", buf, sizeof buf), 0);
	snprintf(want, sizeof want, "%d %d\n", (int)getuid(), (int)getgid());
	CHECK_STR(buf, want);

	/* Maps first, the namespace after: written. */
	j = minijail_new();
	CHECK_EQ(minijail_uidmap(j, map), 0);
	CHECK_EQ(minijail_gidmap(j, gmap), 0);
	minijail_namespace_user_disable_setgroups(j);
	minijail_namespace_user(j);
	CHECK_EQ(output_of(j, "ids", buf, sizeof buf), 0);
	CHECK_STR(buf, "5 5\n");
}

static void test_run_as_init(void)
{
	char buf[256];
	/* Without a pid namespace: the program is not pid 1. */
	struct minijail *j = minijail_new();
	minijail_run_as_init(j);
	CHECK_EQ(output_of(j, "pid", buf, sizeof buf), 0);
	CHECK(atoi(buf) > 1);
	if (getuid() != 0)
		return;
	/* Before the pid namespace: the program is its pid 1. */
	j = minijail_new();
	minijail_run_as_init(j);
	minijail_namespace_pids(j);
	CHECK_EQ(output_of(j, "pid", buf, sizeof buf), 0);
	CHECK_STR(buf, "1\n");
}

static void test_seccomp_in_force(void)
{
	/* A filter that kills everything: not installed without
	 * minijail_use_seccomp_filter, so the program runs. */
	struct sock_filter kill_all[] = {
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL),
	};
	struct sock_fprog prog = {.len = 1, .filter = kill_all};
	char buf[256];
	struct minijail *j = minijail_new();
	minijail_no_new_privs(j);
	minijail_set_seccomp_filters(j, &prog);
	CHECK_EQ(output_of(j, "pid", buf, sizeof buf), 0);
	CHECK(atoi(buf) > 1);

	/* Put in force before it is set: installed. */
	j = minijail_new();
	minijail_no_new_privs(j);
	minijail_use_seccomp_filter(j);
	minijail_set_seccomp_filters(j, &prog);
	char *argv[] = {"helper", "pid", NULL};
	CHECK_EQ(minijail_run_no_preload(j, helper, argv), 0);
	CHECK_EQ(minijail_wait(j), 253);
	minijail_destroy(j);

	/* In force without a filter: refused. */
	j = minijail_new();
	minijail_use_seccomp_filter(j);
	CHECK_EQ(minijail_run(j, helper, argv), -EINVAL);
	minijail_destroy(j);
}

static void keep_then_set(void)
{
	struct minijail *j = minijail_new();
	gid_t g = 1;
	minijail_keep_supplementary_gids(j);
	minijail_set_supplementary_gids(j, 1, &g);
}

static void test_group_modes(void)
{
	/* Keep and inherit: refused at launch, nothing runs. */
	struct minijail *j = minijail_new();
	CHECK_EQ(minijail_change_user(j, "nobody"), 0);
	minijail_keep_supplementary_gids(j);
	minijail_inherit_usergroups(j);
	char *argv[] = {"helper", "pid", NULL};
	CHECK_EQ(minijail_run(j, helper, argv), -EINVAL);
	minijail_destroy(j);
	/* Set after keep: upstream aborts at once. */
	expect_abort("keep and set groups", keep_then_set);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	helper = argv[1];
	test_maps();
	test_run_as_init();
	test_seccomp_in_force();
	test_group_modes();
	return finish("deferred");
}
