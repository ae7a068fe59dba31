/*
 * libseccomp helpers: see gwe_seccomp.h.  libseccomp returns -errno, so
 * strerror(-rc) is the reason; the failing call is resolved to its name
 * for the native architecture (the only one the filters are built for).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwe_seccomp.h"

scmp_filter_ctx
gwe_seccomp_init(uint32_t def_action, char *err, size_t errlen)
{
	scmp_filter_ctx ctx;

	if ((ctx = seccomp_init(def_action)) == NULL)
		snprintf(err, errlen, "seccomp: init failed");
	return ctx;
}

int
gwe_seccomp_fail(int nr, uint32_t action, int rc, char *err, size_t errlen)
{
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

	snprintf(err, errlen, "seccomp: %s %s: %s",
	    action == SCMP_ACT_ALLOW ? "allow" : "rule",
	    name != NULL ? name : "?", strerror(-rc));
	free(name);
	return -1;
}

int
gwe_seccomp_rule(scmp_filter_ctx ctx, uint32_t action, int nr,
    unsigned int argc, const struct scmp_arg_cmp *args, char *err, size_t errlen)
{
	int rc;

	if ((rc = seccomp_rule_add_array(ctx, action, nr, argc, args)) < 0)
		return gwe_seccomp_fail(nr, action, rc, err, errlen);
	return 0;
}

int
gwe_seccomp_allow(scmp_filter_ctx ctx, const int *nrs, size_t n,
    char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (gwe_seccomp_rule(ctx, SCMP_ACT_ALLOW, nrs[i], 0, NULL,
		    err, errlen) == -1)
			return -1;
	return 0;
}

int
gwe_seccomp_load(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	int rc = seccomp_load(ctx);

	seccomp_release(ctx);
	if (rc < 0) {
		snprintf(err, errlen, "seccomp: load: %s", strerror(-rc));
		return -1;
	}
	return 0;
}
