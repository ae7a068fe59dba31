/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * Sealed memfds: how a tarball crosses from one process to the next
 * (docs/design.md invariant 1).  A memfd is always opened read-write, so the test
 * of trust is its seals, and it is read only with pread: the file offset
 * is shared with the sender.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/util.h"
#include "ipc.h"

int
ipc_memfd_check(int fd, uint64_t want_size, uint64_t *size, char *err,
    size_t errlen)
{
	struct stat st;
	int seals;

	if ((seals = fcntl(fd, F_GET_SEALS)) == -1)
		return gwe_errf(err, errlen, "fd is not a sealable memfd: %s", strerror(errno));
	if ((seals & IPC_SEALS_ALL) != IPC_SEALS_ALL)
		return gwe_errf(err, errlen, "memfd is not sealed (seals 0x%x, need 0x%x)",
		    (unsigned)seals, (unsigned)IPC_SEALS_ALL);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		return gwe_errf(err, errlen, "memfd: cannot stat a regular file");
	if (want_size != UINT64_MAX && (uint64_t)st.st_size != want_size)
		return gwe_errf(err, errlen, "memfd holds %llu bytes, message says %llu",
		    (unsigned long long)st.st_size, (unsigned long long)want_size);
	if (size != NULL)
		*size = (uint64_t)st.st_size;
	return 0;
}
