/*
 * gwe-netd's seccomp allow-list: what libcurl (threaded resolver), OpenSSL,
 * glibc's resolver and netd itself need, and nothing that starts programs,
 * debugs processes or changes mounts.  Default: kill the process.
 */
#ifndef GWE_SECCOMP_NETD_H
#define GWE_SECCOMP_NETD_H

#include <stddef.h>

/*
 * Load the filter (no_new_privs must already be set).  relaxed: log
 * instead of kill (only under a sanitizer, whose runtime needs more).
 * Returns 0 or -1 with the reason in err.
 */
int	net_seccomp_apply(int relaxed, char *err, size_t errlen);

#endif
