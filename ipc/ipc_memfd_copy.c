/*
 * A file's bytes into a sealed memfd, for the senders of a tarball (netd
 * after a download, gwe --install-apps).  Not in gwe-installd, which only
 * receives memfds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../common/util.h"
#include "ipc.h"
#include "ipc_send.h"

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
ipc_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	if (gwe_read_at(fd, buf, len, (off_t)off) == len)
		return 0;
	if (errno == 0)
		errno = EIO;
	return -1;
}

/* Bytes copied at [off, off+n) by the kernel: >0, 0 at EOF, or -1 (errno). */
static ssize_t
copy_chunk(int src, int dst, uint64_t off, size_t n, int *fallback)
{
	static char buf[65536];
	loff_t in = (loff_t)off, out = (loff_t)off;
	ssize_t r;

	if (!*fallback) {
		r = copy_file_range(src, &in, dst, &out, n, 0);
		if (r >= 0 || errno == EINTR)
			return r;
		/* Another file system, an old kernel, a filter's ENOSYS: copy by hand. */
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS &&
		    errno != EOPNOTSUPP && errno != EPERM && errno != EBADF)
			return -1;
		*fallback = 1;
	}
	if ((r = pread(src, buf, n < sizeof(buf) ? n : sizeof(buf), (off_t)off)) <= 0)
		return r;
	/* A short write is no error: the rest is read again from off + written. */
	return pwrite(dst, buf, (size_t)r, (off_t)off);
}

int
ipc_memfd_copy(int srcfd, uint64_t size, const char *name, char *err, size_t errlen)
{
	uint64_t off = 0;
	ssize_t n;
	int fd, fallback = 0, saved;

	if ((fd = ipc_memfd_create(name)) == -1)
		return gwe_errf(err, errlen, "memfd: %s", strerror(errno));
	while (off < size) {
		n = copy_chunk(srcfd, fd, off, size - off < (1U << 30) ? (size_t)(size - off) :
		    (1U << 30), &fallback);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0) {
			saved = EIO;
			gwe_errf(err, errlen, "source ends after %llu of %llu bytes",
			    (unsigned long long)off, (unsigned long long)size);
			goto fail;
		}
		if (n == -1) {
			saved = errno;
			gwe_errf(err, errlen, "copy: %s", strerror(saved));
			goto fail;
		}
		off += (uint64_t)n;
	}
	if (ipc_memfd_seal(fd) == -1) {
		saved = errno;
		gwe_errf(err, errlen, "memfd seal: %s", strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	errno = saved;
	return -1;
}
