/* Namespaces and mounts (as root). Mounts happen in the child's mount
 * namespace only; the test checks nothing is left in ours. */
#include "check.h"
#include <sys/mount.h>
#include <sys/stat.h>

static const char *helper;

static void output_of(struct minijail *j, char *const argv[], const char *prog,
		      char *buf, size_t size, int want_status)
{
	int out = -1;
	CHECK_EQ(minijail_run_pid_pipes(j, prog, argv, NULL, NULL, &out, NULL), 0);
	read_all(out, buf, size);
	CHECK_EQ(minijail_wait(j), want_status);
}

static size_t count_mounts(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	size_t n = 0;
	int c;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	helper = argv[1];
	const char *dir = argv[2];
	char buf[4096], path[4096], want[4096];
	size_t mounts_before = count_mounts();

	/* pid namespace with an init: the program is pid 2; run as init: 1. */
	struct minijail *j = minijail_new();
	minijail_namespace_pids(j);
	char *pid[] = {"helper", "pid", NULL};
	output_of(j, pid, helper, buf, sizeof buf, 0);
	CHECK_STR(buf, "2\n");
	minijail_destroy(j);
	j = minijail_new();
	minijail_namespace_pids(j);
	minijail_run_as_init(j);
	output_of(j, pid, helper, buf, sizeof buf, 0);
	CHECK_STR(buf, "1\n");
	minijail_destroy(j);

	/* UTS namespace with a hostname. */
	j = minijail_new();
	CHECK_EQ(minijail_namespace_set_hostname(j, "jailed-host"), 0);
	CHECK_EQ(minijail_namespace_set_hostname(j, "again"), -EINVAL);
	char *host[] = {"helper", "hostname", NULL};
	output_of(j, host, helper, buf, sizeof buf, 0);
	CHECK_STR(buf, "jailed-host\n");
	minijail_destroy(j);

	/* Net namespace: loopback only, and up. */
	j = minijail_new();
	minijail_namespace_net(j);
	char *ip[] = {"sh", "-c", "cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '", NULL};
	output_of(j, ip, "/bin/sh", buf, sizeof buf, 0);
	CHECK_STR(buf, "lo\n");
	minijail_destroy(j);

	/* IPC and cgroup namespaces differ from ours. */
	j = minijail_new();
	minijail_namespace_ipc(j);
	minijail_namespace_cgroups(j);
	char *ns[] = {"sh", "-c", "readlink /proc/self/ns/ipc /proc/self/ns/cgroup", NULL};
	output_of(j, ns, "/bin/sh", buf, sizeof buf, 0);
	char mine[256], l1[128] = "", l2[128] = "";
	readlink("/proc/self/ns/ipc", l1, sizeof l1 - 1);
	readlink("/proc/self/ns/cgroup", l2, sizeof l2 - 1);
	snprintf(mine, sizeof mine, "%s\n%s\n", l1, l2);
	CHECK(strcmp(buf, mine) != 0);
	CHECK(strstr(buf, "ipc:[") != NULL);
	minijail_destroy(j);

	/* Mounts: a writable bind of dir on /mnt, a tmpfs on /tmp, and a
	 * read-only bind; the writes land in dir. */
	snprintf(path, sizeof path, "%s/ro", dir);
	mkdir(path, 0755);
	j = minijail_new();
	CHECK_EQ(minijail_bind(j, dir, "/mnt", 1), 0);
	minijail_mount_tmp(j);
	CHECK_EQ(minijail_bind(j, path, "/media", 0), 0);
	CHECK_EQ(minijail_mount_with_data(j, "none", "relative", "tmpfs", 0, NULL), -EINVAL);
	char *w[] = {"helper", "write:/mnt/written", "write:/tmp/in-tmpfs", NULL};
	output_of(j, w, helper, buf, sizeof buf, 0);
	snprintf(path, sizeof path, "%s/written", dir);
	CHECK_EQ(access(path, F_OK), 0);
	char *ro[] = {"helper", "write:/media/nope", NULL};
	output_of(j, ro, helper, buf, sizeof buf, 11);
	minijail_destroy(j);

	/* A tmpfs with data, and /proc read-only. */
	j = minijail_new();
	CHECK_EQ(minijail_mount_with_data(j, "none", "/mnt", "tmpfs", 0, "size=1M"), 0);
	minijail_remount_proc_readonly(j);
	char *df[] = {"sh", "-c", "grep ' /mnt ' /proc/self/mounts | cut -d' ' -f3; grep ' /proc ' /proc/self/mounts | cut -d' ' -f4 | cut -d, -f1", NULL};
	output_of(j, df, "/bin/sh", buf, sizeof buf, 0);
	CHECK_STR(buf, "tmpfs\nro\n");
	minijail_destroy(j);

	/* chroot: the path outside of a path inside. */
	j = minijail_new();
	CHECK_EQ(minijail_enter_chroot(j, "/"), 0);
	CHECK_EQ(minijail_enter_chroot(j, "/"), -EINVAL);
	CHECK_EQ(minijail_enter_pivot_root(j, "/"), -EINVAL);
	minijail_destroy(j);
	j = minijail_new();
	CHECK_EQ(minijail_enter_chroot(j, "/srv/root"), 0);
	CHECK_EQ(minijail_bind(j, "/usr/lib", "/lib", 0), 0);
	char *orig = minijail_get_original_path(j, "/lib/x.so");
	CHECK_STR(orig, "/usr/lib/x.so");
	free(orig);
	orig = minijail_get_original_path(j, "/bin/sh");
	CHECK_STR(orig, "/srv/root/bin/sh");
	free(orig);
	minijail_destroy(j);

	/* A mount that fails in the child: MINIJAIL_ERR_MOUNT. */
	j = minijail_new();
	CHECK_EQ(minijail_mount(j, "none", "/mnt", "no-such-fs-type", 0), 0);
	char *t[] = {"true", NULL};
	CHECK_EQ(minijail_run(j, "/bin/true", t), 0);
	CHECK_EQ(minijail_wait(j), MINIJAIL_ERR_MOUNT);
	minijail_destroy(j);

	/* A per-mount remount: the tree is shared, /proc private. The tags
	 * are mountinfo's optional fields (field 7 on; "-" ends them). */
	j = minijail_new();
	minijail_namespace_vfs(j);
	minijail_remount_mode(j, MS_SHARED);
	CHECK_EQ(minijail_add_remount(j, "relative", MS_PRIVATE), -EINVAL);
	CHECK_EQ(minijail_add_remount(j, "/proc", MS_RDONLY), -EINVAL);
	CHECK_EQ(minijail_add_remount(j, "/proc", MS_PRIVATE), 0);
	char *tags[] = {"sh", "-c",
			"awk '$5 == \"/\" || $5 == \"/proc\" { t = \"\"; "
			"for (i = 7; $i != \"-\"; i++) t = t \" \" $i; "
			"print $5 \":\" (t ~ /shared:/ ? \"shared\" : \"private\") }' "
			"/proc/self/mountinfo",
			NULL};
	output_of(j, tags, "/bin/sh", buf, sizeof buf, 0);
	CHECK_STR(buf, "/:shared\n/proc:private\n");
	minijail_destroy(j);

	/* A new root that holds nothing but an empty /proc: the helper is
	 * exec'd from our filesystem and the root is entered by the preload,
	 * so neither needs to be inside it, and the whole jail applies. */
	snprintf(path, sizeof path, "%s/empty-root", dir);
	CHECK_EQ(mkdir(path, 0755), 0);
	snprintf(want, sizeof want, "%s/empty-root/proc", dir);
	CHECK_EQ(mkdir(want, 0755), 0);
	for (int pivot = 0; pivot < 2; pivot++) {
		j = minijail_new();
		minijail_namespace_vfs(j);
		if (pivot)
			CHECK_EQ(minijail_enter_pivot_root(j, path), 0);
		else
			CHECK_EQ(minijail_enter_chroot(j, path), 0);
		minijail_remount_proc_readonly(j);
		minijail_change_uid(j, 65534);
		minijail_change_gid(j, 65534);
		minijail_use_caps(j, 0);
		minijail_no_new_privs(j);
		char *in_root[] = {"helper", "ids", "caps", "nnp", NULL};
		output_of(j, in_root, helper, buf, sizeof buf, 0);
		CHECK_STR(buf, "65534 65534\n0000000000000000\n1\n");
		minijail_destroy(j);
	}
	rmdir(want);
	rmdir(path);

	snprintf(want, sizeof want, "%zu", mounts_before);
	snprintf(buf, sizeof buf, "%zu", count_mounts());
	CHECK_STR(buf, want);
	return finish("ns_mounts");
}
