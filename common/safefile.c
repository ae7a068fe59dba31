/* Runs as root: compiled into gwe-installd (docs/trusted-surface.md). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safefile.h"
#include "util.h"

int
safe_sync_parent(const char *path)
{
	char dir[PATH_MAX];
	int fd, rc, saved;

	if (gwe_strlcpy(dir, path, sizeof(dir)) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
safe_write(const char *path, const void *data, size_t len, mode_t mode)
{
	const char *base = strrchr(path, '/');
	int dirlen = base != NULL ? (int)(base - path + 1) : 0, fd, saved;
	char tmp[PATH_MAX];

	/* A dot name: what a crash leaves behind is skipped by directory scans. */
	if (snprintf(tmp, sizeof(tmp), "%.*s.%s.tmp.XXXXXX", dirlen, path,
	    path + dirlen) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1)
		return -1;
	if (fchmod(fd, mode) == -1 || gwe_write_full(fd, data, len) == -1 ||
	    fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	return safe_sync_parent(path);
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

int
safe_unlink(const char *path)
{
	if (unlink(path) == -1)
		return -1;
	return safe_sync_parent(path);
}
