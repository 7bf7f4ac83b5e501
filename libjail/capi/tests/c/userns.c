/* A user namespace with id maps, and mounts inside it: what an
 * unprivileged caller can do. */
#include "check.h"

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	const char *helper = argv[1];
	char map[64];
	snprintf(map, sizeof map, "0 %d 1", (int)getuid());
	char gmap[64];
	snprintf(gmap, sizeof gmap, "0 %d 1", (int)getgid());

	struct minijail *j = minijail_new();
	minijail_namespace_user(j);
	minijail_namespace_user_disable_setgroups(j);
	CHECK_EQ(minijail_uidmap(j, map), 0);
	CHECK_EQ(minijail_gidmap(j, gmap), 0);
	minijail_namespace_vfs(j);
	minijail_mount_tmp(j);
	minijail_namespace_pids(j);
	char *argv2[] = {"helper", "ids", "pid", "write:/tmp/inside", NULL};
	int out;
	CHECK_EQ(minijail_run_pid_pipes(j, helper, argv2, NULL, NULL, &out, NULL), 0);
	char buf[256];
	read_all(out, buf, sizeof buf);
	CHECK_STR(buf, "0 0\n2\n");
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);

	/* Setgroups denied and ids changed: as upstream, the supplementary
	 * groups are left alone instead of the program dying of EPERM. */
	snprintf(map, sizeof map, "1 %d 1", (int)getuid());
	snprintf(gmap, sizeof gmap, "1 %d 1", (int)getgid());
	j = minijail_new();
	minijail_namespace_user(j);
	minijail_namespace_user_disable_setgroups(j);
	CHECK_EQ(minijail_uidmap(j, map), 0);
	CHECK_EQ(minijail_gidmap(j, gmap), 0);
	/* Upstream refuses a "useless" change to uid 0. */
	minijail_change_uid(j, 1);
	minijail_change_gid(j, 1);
	char *argv3[] = {"helper", "ids", NULL};
	CHECK_EQ(minijail_run_pid_pipes(j, helper, argv3, NULL, NULL, &out, NULL), 0);
	read_all(out, buf, sizeof buf);
	CHECK_STR(buf, "1 1\n");
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);
	return finish("userns");
}
