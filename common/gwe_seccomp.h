/*
 * One way to build a libseccomp filter, shared by gwe-netd and
 * gwe-verifyd (gwe-installd does not link it): every libseccomp return is
 * checked, and a rule that cannot be added is named in err by its system
 * call, so a failure to start reads "seccomp: allow fcntl: Invalid argument"
 * instead of a bare "failed".
 */
#ifndef GWE_SECCOMP_H
#define GWE_SECCOMP_H

#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>

/* seccomp_init(def_action); NULL with the reason in err. */
scmp_filter_ctx	gwe_seccomp_init(uint32_t def_action, char *err, size_t errlen);
/* Allow each of the n system calls in nrs without conditions; 0 or -1 with err. */
int	gwe_seccomp_allow(scmp_filter_ctx ctx, const int *nrs, size_t n,
	    char *err, size_t errlen);
/*
 * One rule: action for system call nr when all argc comparisons in args
 * hold (argc 0: always).  0, or -1 with the call's name in err.
 */
int	gwe_seccomp_rule(scmp_filter_ctx ctx, uint32_t action, int nr,
	    unsigned int argc, const struct scmp_arg_cmp *args,
	    char *err, size_t errlen);
/* The err text for a libseccomp result rc < 0 on system call nr; returns -1. */
int	gwe_seccomp_fail(int nr, uint32_t action, int rc, char *err, size_t errlen);
/* seccomp_load(ctx), then seccomp_release(ctx) either way; 0 or -1 with err. */
int	gwe_seccomp_load(scmp_filter_ctx ctx, char *err, size_t errlen);

#endif
