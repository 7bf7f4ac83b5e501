/* Landlock rules through minijail_add_fs_restriction_*. */
#include "check.h"
#include <sys/stat.h>

static const char *helper;

static void mk(const char *dir, const char *sub, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", dir, sub);
	mkdir(out, 0755);
}

static void touch(const char *dir, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", dir, name);
	int fd = open(out, O_WRONLY | O_CREAT, 0644);
	close(fd);
}

static struct minijail *base_jail(const char *helper_dir)
{
	struct minijail *j = minijail_new();
	minijail_no_new_privs(j);
	const char *rx[] = {"/usr", "/lib", "/lib64", "/bin", "/etc"};
	for (size_t i = 0; i < sizeof rx / sizeof rx[0]; i++)
		if (access(rx[i], F_OK) == 0)
			CHECK_EQ(minijail_add_fs_restriction_rx(j, rx[i]), 1);
	CHECK_EQ(minijail_add_fs_restriction_rx(j, helper_dir), 1);
	return j;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	helper = argv[1];
	if (!minijail_is_fs_restriction_available()) {
		printf("landlock: skipped (no Landlock in this kernel)\n");
		return 0;
	}
	char helper_dir[4096];
	snprintf(helper_dir, sizeof helper_dir, "%s", helper);
	*strrchr(helper_dir, '/') = '\0';
	char allowed[4096], denied[4096], rw[4096], a_file[4096], d_file[4096],
	    w_file[4096], arg1[4200], arg2[4200], arg3[4200];
	mk(argv[2], "allowed", allowed, sizeof allowed);
	mk(argv[2], "denied", denied, sizeof denied);
	mk(argv[2], "rw", rw, sizeof rw);
	touch(allowed, "f", a_file, sizeof a_file);
	touch(denied, "f", d_file, sizeof d_file);
	snprintf(w_file, sizeof w_file, "%s/new", rw);

	struct minijail *j = base_jail(helper_dir);
	CHECK(!minijail_is_fs_restriction_ruleset_initialized(j) ||
	      minijail_is_fs_restriction_available());
	CHECK_EQ(minijail_add_fs_restriction_ro(j, allowed), 1);
	CHECK_EQ(minijail_add_fs_restriction_rw(j, rw), 1);
	CHECK(minijail_is_fs_restriction_ruleset_initialized(j));
	snprintf(arg1, sizeof arg1, "read:%s", a_file);
	snprintf(arg2, sizeof arg2, "noread:%s", d_file);
	snprintf(arg3, sizeof arg3, "write:%s", w_file);
	char *ok[] = {"helper", arg1, arg2, arg3, NULL};
	CHECK_EQ(minijail_run(j, helper, ok), 0);
	CHECK_EQ(minijail_wait(j), 0);
	CHECK_EQ(access(w_file, F_OK), 0);

	/* Writing under a read-only rule fails. */
	snprintf(arg1, sizeof arg1, "write:%s/new", allowed);
	char *no[] = {"helper", arg1, NULL};
	CHECK_EQ(minijail_run(j, helper, no), 0);
	CHECK_EQ(minijail_wait(j), 11);
	minijail_destroy(j);

	/* Access rights given as Landlock bits (read file + read dir). */
	j = base_jail(helper_dir);
	CHECK_EQ(minijail_add_fs_restriction_access_rights(j, allowed, (1 << 2) | (1 << 3)), 1);
	snprintf(arg1, sizeof arg1, "read:%s", a_file);
	char *bits[] = {"helper", arg1, arg2, NULL};
	CHECK_EQ(minijail_run(j, helper, bits), 0);
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);

	/* Disabled rules are not applied. */
	j = base_jail(helper_dir);
	minijail_disable_fs_restrictions(j);
	snprintf(arg1, sizeof arg1, "read:%s", d_file);
	char *open_all[] = {"helper", arg1, NULL};
	CHECK_EQ(minijail_run(j, helper, open_all), 0);
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);

	/* The default set: library and binary folders; /etc/passwd only. */
	j = minijail_new();
	minijail_no_new_privs(j);
	minijail_enable_default_fs_restrictions(j);
	CHECK_EQ(minijail_add_fs_restriction_rx(j, helper_dir), 1);
	char *def[] = {"helper", "read:/etc/passwd", "noread:/etc/hostname", NULL};
	CHECK_EQ(minijail_run(j, helper, def), 0);
	CHECK_EQ(minijail_wait(j), 0);
	minijail_destroy(j);
	return finish("landlock");
}
