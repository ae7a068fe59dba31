/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * Small helpers shared by every process.
 */
#ifndef GWE_UTIL_H
#define GWE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Copy with truncation, always NUL-terminated; returns strlen(src). */
size_t	gwe_strlcpy(char *dst, const char *src, size_t size);
/* Parse a whole decimal number in [min,max]; returns 0 or -1. */
int	gwe_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* The same for the len bytes at s (no NUL needed). */
int	gwe_parse_u64n(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *out);
/* Parse a boolean: true/false/yes/no/on/off/1/0; returns 0 or -1. */
int	gwe_parse_bool(const char *s, int *out);
/*
 * Format a reason into buf (when buf is not NULL) and return -1, so a
 * check can `return gwe_errf(reason, len, "...", ...);`.
 */
int	gwe_errf(char *buf, size_t len, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
#ifdef __clang_analyzer__
/*
 * For make analyze only, which sees one file at a time: gwe_errf() always
 * returns -1, so "error" paths that return 0 are not followed (util.c #undefs it).
 */
#define gwe_errf(...)	(gwe_errf(__VA_ARGS__), -1)
#endif
/* read() (off < 0) or pread() at off up to len bytes, EINTR retried: the bytes read;
 * fewer at EOF (errno 0) or an error.  gwe_read_full(): the same with read(). */
size_t	gwe_read_at(int fd, void *buf, size_t len, off_t off);
size_t	gwe_read_full(int fd, char *buf, size_t max);
/* write() all of buf (EINTR retried); 0, or -1 with errno. */
int	gwe_write_full(int fd, const void *buf, size_t len);
/*
 * Read a whole small regular file (at most max bytes) into a malloc'd
 * NUL-terminated buffer; -1 with errno (EINVAL not a regular file, EFBIG).
 */
int	gwe_read_file(const char *path, size_t max, char **out, size_t *len);
int	gwe_read_fd(int fd, size_t max, char **out, size_t *len);

#endif
