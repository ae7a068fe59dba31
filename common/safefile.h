/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * Crash-safe file writes: a reader sees the old content or the new, never a mix.
 */
#ifndef GWE_SAFEFILE_H
#define GWE_SAFEFILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Write data to a temporary file beside path, fsync it, rename it over
 * path, fsync the directory.  Returns 0 or -1 with errno set; on failure
 * path is unchanged and no temporary file is left.
 */
int	safe_write(const char *path, const void *data, size_t len, mode_t mode);
/* Remove path and fsync its directory, so the removal survives a crash. */
int	safe_unlink(const char *path);
/* fsync the directory holding path: a mkdir of path then survives a power cut. */
int	safe_sync_parent(const char *path);

#endif
