/* Privilege drop: the one audited function every process calls. */
#ifndef GWE_PRIV_H
#define GWE_PRIV_H

#include <sys/types.h>

/*
 * setgroups(0), setresgid(gid x3), setresuid(uid x3), then check that
 * every id stuck and that regaining root fails; finally no_new_privs.
 * Returns 0, or -1 with a reason in err; callers treat -1 as fatal.
 */
int	priv_drop(uid_t uid, gid_t gid, char *err, size_t errlen);
/* Only no_new_privs (the installer, which stays root). */
int	priv_no_new_privs(void);
/* Built with AddressSanitizer: memory rlimits are skipped, seccomp allows its runtime. */
int	priv_under_asan(void);

#endif
