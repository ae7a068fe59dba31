/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 *
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

#include "ipc.h"

int
ipc_memfd_create(const char *name)
{
	return memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
}

int
ipc_memfd_seal(int fd)
{
	return fcntl(fd, F_ADD_SEALS, IPC_SEALS_ALL);
}

int
ipc_memfd_check(int fd, uint64_t want_size, uint64_t *size, char *err,
    size_t errlen)
{
	struct stat st;
	int seals;

	if ((seals = fcntl(fd, F_GET_SEALS)) == -1) {
		snprintf(err, errlen, "fd is not a sealable memfd: %s", strerror(errno));
		return -1;
	}
	if ((seals & IPC_SEALS_ALL) != IPC_SEALS_ALL) {
		snprintf(err, errlen, "memfd is not sealed (seals 0x%x, need 0x%x)",
		    (unsigned)seals, (unsigned)IPC_SEALS_ALL);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "memfd: cannot stat a regular file");
		return -1;
	}
	if (want_size != UINT64_MAX && (uint64_t)st.st_size != want_size) {
		snprintf(err, errlen, "memfd holds %llu bytes, message says %llu",
		    (unsigned long long)st.st_size, (unsigned long long)want_size);
		return -1;
	}
	if (size != NULL)
		*size = (uint64_t)st.st_size;
	return 0;
}

int
ipc_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = pread(fd, p, len, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}
