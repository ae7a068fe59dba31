/*
 * The verifier's sandbox: the one function gwe-verifyd, the child of
 * `gwe --check-tarball` and the sandbox test program call.  Everything
 * that needs root (keys, sockets, syslog with LOG_NDELAY, the tarball's
 * fd) must be opened before it; after it the process has no network, an
 * empty read-only root, no root and a seccomp allow-list.
 */
#ifndef GWE_VFY_SANDBOX_H
#define GWE_VFY_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

#define VFY_SANDBOX_NOFILE	32	/* listening socket, two peers, a memfd, syslog, stdio */
#define VFY_SANDBOX_AS		(UINT64_C(1) << 30)	/* address space, skipped under ASan */

/*
 * As root: new network namespace, chroot to empty_root (created 0755 if
 * missing; it must be a root-owned directory nobody else can write, and
 * empty), rlimits, priv_drop(uid, gid), seccomp.  Returns 0, or -1 with
 * the reason in err; the caller must treat -1 as fatal (the process is
 * then in an unknown half-confined state).
 */
int	vfy_sandbox_apply(uid_t uid, gid_t gid, const char *empty_root,
	    char *err, size_t errlen);
/*
 * Without root (gwe --check-tarball run by a user): only the rlimits,
 * no_new_privs and the same seccomp filter.  No chroot, no uid change,
 * no network namespace: those need root.
 */
int	vfy_sandbox_apply_unprivileged(char *err, size_t errlen);

#endif
