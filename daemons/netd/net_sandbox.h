/*
 * gwe-netd's sandbox, applied once its sockets, files and syslog are
 * open: Landlock (writes only beneath state_dir/netd), the privilege
 * drop to net_user, no_new_privs, and the seccomp filter.
 */
#ifndef GWE_NET_SANDBOX_H
#define GWE_NET_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

/* Landlock: best effort; returns the ABI used, 0 when unavailable, -1 on error. */
int	net_landlock(const char *writable, char *err, size_t errlen);
/* Everything, in order.  Fatal on any failure except a missing Landlock. */
void	net_sandbox(const char *writable, uid_t uid, gid_t gid);

#endif
