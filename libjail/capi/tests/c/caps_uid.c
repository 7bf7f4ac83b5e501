/* uid, gid, groups and capabilities through the preload (as root). */
#include "check.h"
#include <linux/capability.h>

static const char *helper;

static void output_of(struct minijail *j, char *const argv[], char *buf,
		      size_t size, int (*run)(struct minijail *, const char *,
					      char *const[], pid_t *, int *,
					      int *, int *))
{
	int out = -1;
	CHECK_EQ(run(j, helper, argv, NULL, NULL, &out, NULL), 0);
	read_all(out, buf, size);
	CHECK_EQ(minijail_wait(j), 0);
}

static void uid0(void)
{
	minijail_change_uid(minijail_new(), 0);
}
static void gid0(void)
{
	minijail_change_gid(minijail_new(), 0);
}
static void caps_after_bset(void)
{
	struct minijail *j = minijail_new();
	minijail_use_caps(j, 0);
	minijail_capbset_drop(j, 0);
}
static void caps_without_preload(void)
{
	struct minijail *j = minijail_new();
	minijail_change_uid(j, 65534);
	minijail_use_caps(j, 1ULL << CAP_NET_BIND_SERVICE);
	char *argv[] = {"true", NULL};
	minijail_run_no_preload(j, "/bin/true", argv);
}
static void inherit_then_set(void)
{
	struct minijail *j = minijail_new();
	gid_t g = 1;
	minijail_inherit_usergroups(j);
	minijail_set_supplementary_gids(j, 1, &g);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	helper = argv[1];
	char buf[256];
	char *ids_caps[] = {"helper", "ids", "caps", "nnp", NULL};

	/* Drop to nobody keeping CAP_NET_BIND_SERVICE (preload mode). */
	struct minijail *j = minijail_new();
	minijail_change_uid(j, 65534);
	minijail_change_gid(j, 65534);
	minijail_use_caps(j, 1ULL << CAP_NET_BIND_SERVICE);
	minijail_no_new_privs(j);
	output_of(j, ids_caps, buf, sizeof buf, minijail_run_pid_pipes);
	CHECK_STR(buf, "65534 65534\n0000000000000400\n1\n");
	minijail_destroy(j);

	/* All capabilities dropped, by user and group name. */
	j = minijail_new();
	CHECK_EQ(minijail_change_user(j, "nobody"), 0);
	CHECK_EQ(minijail_change_group(j, "nogroup") == 0 ||
		     minijail_change_group(j, "nobody") == 0,
		 1);
	minijail_use_caps(j, 0);
	output_of(j, ids_caps, buf, sizeof buf, minijail_run_pid_pipes);
	CHECK_STR(buf, "65534 65534\n0000000000000000\n0\n");
	minijail_destroy(j);
	j = minijail_new();
	CHECK_EQ(minijail_change_user(j, "no-such-user-here"), -ENOENT);
	CHECK_EQ(minijail_change_group(j, "no-such-group-here"), -ENOENT);
	minijail_destroy(j);

	/* Ambient caps in no-preload mode. */
	j = minijail_new();
	minijail_change_uid(j, 65534);
	minijail_change_gid(j, 65534);
	minijail_use_caps(j, 1ULL << CAP_NET_BIND_SERVICE);
	minijail_set_ambient_caps(j);
	char *caps[] = {"helper", "ids", "caps", NULL};
	output_of(j, caps, buf, sizeof buf, minijail_run_pid_pipes_no_preload);
	CHECK_STR(buf, "65534 65534\n0000000000000400\n");
	minijail_destroy(j);

	/* Supplementary groups. */
	j = minijail_new();
	gid_t groups[] = {65534, 100};
	minijail_change_uid(j, 65534);
	minijail_change_gid(j, 65534);
	minijail_set_supplementary_gids(j, 2, groups);
	char *gr[] = {"id", "-G", NULL};
	int out;
	CHECK_EQ(minijail_run_pid_pipes(j, "/usr/bin/id", gr, NULL, NULL, &out, NULL), 0);
	read_all(out, buf, sizeof buf);
	CHECK_STR(buf, "65534 100\n");
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);

	/* Bounding set only: root keeps its ids. */
	j = minijail_new();
	minijail_capbset_drop(j, 0);
	char *bnd[] = {"sh", "-c", "grep CapBnd /proc/self/status | cut -f2", NULL};
	CHECK_EQ(minijail_run_pid_pipes(j, "/bin/sh", bnd, NULL, NULL, &out, NULL), 0);
	read_all(out, buf, sizeof buf);
	CHECK_STR(buf, "0000000000000000\n");
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);

	expect_abort("change_uid(0)", uid0);
	expect_abort("change_gid(0)", gid0);
	expect_abort("capbset_drop after use_caps", caps_after_bset);
	expect_abort("non-ambient caps without preload", caps_without_preload);
	expect_abort("inherit and set groups", inherit_then_set);
	return finish("caps_uid");
}
