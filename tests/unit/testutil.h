/*
 * What unit tests repeat: a temporary directory, a path in it, writing and
 * reading a whole file.  Include after <cmocka.h>; the file helpers fail
 * the running test on error.
 */
#ifndef GWE_TESTUTIL_H
#define GWE_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/util.h"

/* A new directory /tmp/<prefix>.XXXXXX in dir[len]; 0 or -1 (for a setup). */
static inline int
tu_mkdtemp(char *dir, size_t len, const char *prefix)
{
	if ((size_t)snprintf(dir, len, "/tmp/%s.XXXXXX", prefix) >= len)
		return -1;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

/* rm -rf dir; 0 or -1 (for a teardown). */
static inline int
tu_rmtree(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* dir/name into out[len]; returns out. */
static inline char *
tu_path(char *out, size_t len, const char *dir, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
	return out;
}

/* Create or truncate path with text. */
static inline void
tu_write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

/* The whole file (at most 1 MiB), NUL-terminated; free() it. */
static inline char *
tu_read_file(const char *path, size_t *lenp)
{
	char *buf = NULL;
	size_t len;

	assert_int_equal(gwe_read_file(path, 1 << 20, &buf, &len), 0);
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

#endif
