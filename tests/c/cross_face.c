/* The C face of the cross-face test (tests/tests/cross_face.rs): builds
 * the jail of one family of settings with upstream's C API, runs
 * argv[3..] in it and exits with the program's status.
 *   cross_face FAMILY SCRATCH PROGRAM [ARGS...]
 * Each family is the same jail the test builds through the Rust API and
 * minijail0; keep the three in step. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <libminijail.h>

static char path_buf[8][4096];

/* SCRATCH/name, in one of a few static buffers. */
static const char *in_scratch(const char *scratch, const char *name, int slot)
{
	snprintf(path_buf[slot], sizeof path_buf[slot], "%s/%s", scratch, name);
	return path_buf[slot];
}

static void need(int rc, const char *what)
{
	if (rc != 0) {
		fprintf(stderr, "cross_face: %s: %s\n", what,
			rc < 0 ? strerror(-rc) : "failed");
		exit(70);
	}
}

/* What our minijail0 does by default: no_new_privs (its default runtime)
 * and closing inherited fds. */
static void minijail0_defaults(struct minijail *j)
{
	minijail_no_new_privs(j);
	minijail_close_open_fds(j);
}

static int build(struct minijail *j, const char *family, const char *scratch)
{
	minijail0_defaults(j);
	if (!strcmp(family, "ids")) {
		minijail_change_uid(j, 65534);
		minijail_change_gid(j, 65534);
	} else if (!strcmp(family, "caps")) {
		minijail_change_uid(j, 65534);
		minijail_change_gid(j, 65534);
		minijail_use_caps(j, 0x3000);
		minijail_set_ambient_caps(j);
	} else if (!strcmp(family, "namespaces")) {
		minijail_namespace_pids(j);
		minijail_namespace_ipc(j);
		minijail_namespace_net(j);
		need(minijail_namespace_set_hostname(j, "cross"), "hostname");
		minijail_namespace_cgroups(j);
	} else if (!strcmp(family, "net-enter")) {
		/* A new net namespace and one to enter: the enter wins. */
		minijail_namespace_net(j);
		minijail_namespace_enter_net(j, "/proc/self/ns/net");
	} else if (!strcmp(family, "chroot")) {
		need(minijail_enter_chroot(j, "/"), "chroot");
	} else if (!strcmp(family, "init")) {
		minijail_namespace_pids(j);
		minijail_run_as_init(j);
	} else if (!strcmp(family, "userns")) {
		minijail_namespace_user(j);
		minijail_namespace_pids(j);
	} else if (!strcmp(family, "mounts")) {
		minijail_namespace_vfs(j);
		minijail_remount_mode(j, MS_SLAVE);
		need(minijail_bind(j, "/etc", in_scratch(scratch, "made/etc", 0), 0),
		     "bind");
		need(minijail_bind(j, scratch, in_scratch(scratch, "rw", 1), 1),
		     "bind rw");
		need(minijail_mount(j, "/etc/hostname",
				    in_scratch(scratch, "hostname", 2), "none",
				    MS_BIND),
		     "mount MS_BIND file");
		need(minijail_mount_with_data(j, "tmpfs",
					      in_scratch(scratch, "tmpfs", 3),
					      "tmpfs", 0, NULL),
		     "mount tmpfs");
		minijail_mount_tmp(j);
	} else if (!strcmp(family, "dev")) {
		minijail_namespace_vfs(j);
		minijail_remount_mode(j, MS_SLAVE);
		minijail_mount_dev(j);
	} else if (!strcmp(family, "rlimits")) {
		need(minijail_rlimit(j, RLIMIT_NOFILE, 64, 128), "rlimit");
		need(minijail_rlimit(j, RLIMIT_CORE, 0, 0), "rlimit");
	} else if (!strcmp(family, "landlock")) {
		minijail_enable_default_fs_restrictions(j);
		/* These return 1 on success, as upstream's. */
		need(minijail_add_fs_restriction_rw(j, scratch) != 1, "fs rw");
		need(minijail_add_fs_restriction_ro(j, "/etc") != 1, "fs ro");
	} else if (!strncmp(family, "profile", 7)) {
		/* What upstream's minijail0 --profile minimalistic-mountns
		 * (or -nodev) does with the C API (a missing /dev/log is left
		 * out). */
		minijail_namespace_vfs(j);
		need(minijail_bind(j, "/", "/", 0), "bind /");
		need(minijail_bind(j, "/proc", "/proc", 0), "bind /proc");
		if (strcmp(family, "profile-nodev")) {
			if (access("/dev/log", F_OK) == 0)
				need(minijail_bind(j, "/dev/log", "/dev/log",
						   0),
				     "bind /dev/log");
			minijail_mount_dev(j);
		}
		minijail_mount_tmp_size(j, 64 * 1024 * 1024);
		minijail_remount_proc_readonly(j);
		minijail_set_using_minimalistic_mountns(j);
		need(minijail_enter_pivot_root(j, "/var/empty"), "pivot_root");
		minijail_add_minimalistic_mountns_fs_rules(j);
	} else if (!strcmp(family, "seccomp")) {
		minijail_parse_seccomp_filters(j,
					       in_scratch(scratch, "policy", 4));
		minijail_use_seccomp_filter(j);
	} else if (!strcmp(family, "groups")) {
		gid_t groups[] = {100, 65533};
		minijail_change_uid(j, 65534);
		minijail_change_gid(j, 65534);
		minijail_set_supplementary_gids(j, 2, groups);
	} else if (!strcmp(family, "fds")) {
		/* Both opened without O_CLOEXEC: one preserved as fd 7, one
		 * on fd 8 the jail must close. */
		int preserved = open(in_scratch(scratch, "file", 5), O_RDONLY);
		int inherited = open(in_scratch(scratch, "file", 5), O_RDONLY);
		if (preserved < 0 || inherited < 0 || dup2(inherited, 8) != 8)
			need(-errno, "opening the scratch file");
		need(minijail_preserve_fd(j, preserved, 7), "preserve_fd");
	} else if (!strcmp(family, "env")) {
		/* The environment is given to minijail_run_env below. */
	} else {
		fprintf(stderr, "cross_face: unknown family '%s'\n", family);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: cross_face FAMILY SCRATCH PROGRAM [ARGS...]\n");
		return 2;
	}
	const char *family = argv[1];
	struct minijail *j = minijail_new();
	if (build(j, family, argv[2]))
		return 2;
	int rc;
	if (!strcmp(family, "env")) {
		char *envp[] = {"A=1", NULL};
		rc = minijail_run_env(j, argv[3], &argv[3], envp);
	} else {
		rc = minijail_run(j, argv[3], &argv[3]);
	}
	need(rc, "minijail_run");
	int status = minijail_wait(j);
	minijail_destroy(j);
	return status;
}
