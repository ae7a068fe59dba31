/* Runs as root: compiled into gwe-installd (docs/trusted-surface.md). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#undef gwe_errf		/* the analyzer-only model in util.h */

size_t
gwe_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size > 0) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

int
gwe_parse_u64n(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0, d;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
gwe_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	return s == NULL ? -1 : gwe_parse_u64n(s, strlen(s), min, max, out);
}

int
gwe_parse_bool(const char *s, int *out)
{
	static const char *yes[] = { "true", "yes", "on", "1" };
	static const char *no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

size_t
gwe_read_at(int fd, void *buf, size_t len, off_t off)
{
	char *p = buf;
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = off < 0 ? read(fd, p + got, len - got) :
		    pread(fd, p + got, len - got, off + (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0)
			errno = 0;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

size_t
gwe_read_full(int fd, char *buf, size_t max)
{
	return gwe_read_at(fd, buf, max, -1);
}

int
gwe_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
gwe_read_fd(int fd, size_t max, char **out, size_t *len)
{
	struct stat st;
	char *buf;
	size_t got;

	if (fstat(fd, &st) == -1)
		return -1;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		return -1;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		return -1;
	got = gwe_read_full(fd, buf, (size_t)st.st_size);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

int
gwe_read_file(const char *path, size_t max, char **out, size_t *len)
{
	int fd, rc, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	rc = gwe_read_fd(fd, max, out, len);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
gwe_errf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf != NULL && len > 0) {
		va_start(ap, fmt);
		vsnprintf(buf, len, fmt, ap);
		va_end(ap);
	}
	return -1;
}
