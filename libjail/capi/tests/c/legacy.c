/*
 * A legacy caller in the style of upstream's examples: drop root to an
 * unprivileged user with no capabilities and run a helper under a seccomp
 * policy, then report how it ended.
 *
 *   legacy HELPER SCRATCH_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libminijail.h>

int main(int argc, char *argv[])
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s HELPER DIR\n", argv[0]);
		return 2;
	}
	char policy_path[4096];
	snprintf(policy_path, sizeof(policy_path), "%s/legacy.policy", argv[2]);
	FILE *policy = fopen(policy_path, "w");
	if (!policy)
		return 2;
	fprintf(policy,
		"read: 1\nwrite: 1\nclose: 1\nfstat: 1\nnewfstatat: 1\n"
		"brk: 1\nmmap: 1\nmunmap: 1\nexit_group: 1\nrt_sigreturn: 1\n"
		"getuid: 1\ngetgid: 1\n");
	fclose(policy);

	struct minijail *j = minijail_new();
	if (!j)
		return 1;
	if (getuid() == 0) {
		if (minijail_change_user(j, "nobody"))
			return 1;
		minijail_change_gid(j, 65534);
		minijail_use_caps(j, 0);
	}
	minijail_no_new_privs(j);
	minijail_use_seccomp_filter(j);
	minijail_parse_seccomp_filters(j, policy_path);

	char *const helper_argv[] = {argv[1], "ids", NULL};
	int rc = minijail_run(j, argv[1], helper_argv);
	if (rc) {
		fprintf(stderr, "minijail_run failed: %d\n", rc);
		minijail_destroy(j);
		return 1;
	}
	int status = minijail_wait(j);
	minijail_destroy(j);
	if (status != 0) {
		fprintf(stderr, "helper exited with %d\n", status);
		return 1;
	}
	printf("legacy: ok\n");
	return 0;
}
