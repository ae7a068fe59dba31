/*
 * The verifier's system-call allow-list (libseccomp).  Applied last, after
 * the chroot and the privilege drop, by vfy_sandbox_apply(): whatever is
 * not listed kills the whole process (SCMP_ACT_KILL_PROCESS, SIGSYS).
 */
#ifndef GWE_SECCOMP_VERIFYD_H
#define GWE_SECCOMP_VERIFYD_H

#include <stddef.h>

/*
 * Load the filter.  no_new_privs must already be set (priv_drop does it).
 * Returns 0, or -1 with the reason in err.
 */
int	vfy_seccomp_apply(char *err, size_t errlen);
/* 1 when built with or running under AddressSanitizer (the filter is wider). */
int	vfy_seccomp_sanitized(void);

#endif
