/*
 * Connecting to a daemon's socket: netd, gwe-verifyd and gwe connect;
 * gwe-installd only listens (docs/trusted-surface.md).
 */
#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/log.h"
#include "ipc.h"
#include "ipc_send.h"

int
ipc_connect_as(const char *path, uid_t euid, gid_t egid)
{
	struct sockaddr_un sun;
	int fd, rc, saved, switched = 0;

	if (ipc_sockaddr(path, &sun) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	/*
	 * The kernel records the credentials at connect(): while still root,
	 * take on the service identity for that one call (docs/design.md invariant 3).
	 */
	if (geteuid() == 0 && euid != 0) {
		if (setegid(egid) == -1 || seteuid(euid) == -1) {
			saved = errno;
			if (seteuid(0) == -1 || setegid(0) == -1)
				fatal("could not restore ids after a failed switch");
			close(fd);
			errno = saved;
			return -1;
		}
		switched = 1;
	}
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	saved = errno;
	if (switched && (seteuid(0) == -1 || setegid(0) == -1))
		fatal("could not restore ids after connect");
	if (rc == -1) {
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}
