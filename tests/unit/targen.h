/*
 * targen: build test tarballs in memfds, header-only so each test program
 * can include it (the Makefile links every tests/unit/test_*.c alone).
 *
 *   int fd = tg_memfd("t");
 *   struct archive *a = tg_open(fd, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, 6);
 *   tg_file(a, "install.sh", 0755, "#!/bin/sh\n", 10);
 *   tg_dir(a, "d", 0755);
 *   tg_symlink(a, "l", "d");
 *   tg_close(a);
 *   tg_seal(fd);                 (as the real pipeline does)
 *   ... vfy_archive_check_fd(fd, tg_size(fd), ...)
 *
 * tg_gzip_bytes() gzips arbitrary bytes (libarchive's "raw" writer), for
 * hand-made tar streams; tg_tar_mem() builds an uncompressed tar in memory
 * to be doctored before that.  tg_ustar_header(), tg_pax_record() and
 * tg_ext_header() make the blocks of such a stream: an entry's header, a pax
 * record, a header with a body ('x', 'g', 'L', ...).  Every function returns -1 (or NULL) on
 * failure, with a message on stderr.
 */
#ifndef GWE_TESTS_TARGEN_H
#define GWE_TESTS_TARGEN_H

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

#define TG_SEALS	(F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

static inline int
tg_memfd(const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		perror("targen: memfd_create");
	return fd;
}

static inline int
tg_seal(int fd)
{
	if (fcntl(fd, F_ADD_SEALS, TG_SEALS) < 0) {
		perror("targen: F_ADD_SEALS");
		return -1;
	}
	return 0;
}

static inline uint64_t
tg_size(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		perror("targen: fstat");
		return 0;
	}
	return (uint64_t)st.st_size;
}

/* Append bytes at the end of the memfd (pwrite, the offset is left alone). */
static inline int
tg_append(int fd, const void *buf, size_t len)
{
	off_t at = (off_t)tg_size(fd);
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = pwrite(fd, p, len, at);
		if (n <= 0) {
			perror("targen: pwrite");
			return -1;
		}
		p += n;
		at += n;
		len -= (size_t)n;
	}
	return 0;
}

static inline int
tg_fail(struct archive *a, const char *what)
{
	fprintf(stderr, "targen: %s: %s\n", what,
	    archive_error_string(a) ? archive_error_string(a) : "?");
	return -1;
}

/*
 * A tar writer on fd (written at the end of what is there, through the
 * fd's offset).  format: ARCHIVE_FORMAT_TAR_USTAR, _PAX_RESTRICTED,
 * _PAX_INTERCHANGE, _GNUTAR.  level: gzip level 1-9, or 0 for no gzip.
 */
static inline struct archive *
tg_open(int fd, int format, int level)
{
	struct archive *a = archive_write_new();
	char lv[12];

	if (a == NULL)
		return NULL;
	if (lseek(fd, 0, SEEK_END) < 0)
		goto fail;
	if (archive_write_set_format(a, format) != ARCHIVE_OK)
		goto fail;
	if (level > 0) {
		snprintf(lv, sizeof(lv), "%d", level);
		if (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
		    archive_write_set_filter_option(a, "gzip", "compression-level", lv) != ARCHIVE_OK)
			goto fail;
	}
	if (archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK)
		goto fail;
	return a;
fail:
	tg_fail(a, "tg_open");
	archive_write_free(a);
	return NULL;
}

static inline int
tg_close(struct archive *a)
{
	int r = archive_write_close(a);

	if (r != ARCHIVE_OK)
		tg_fail(a, "archive_write_close");
	if (archive_write_free(a) != ARCHIVE_OK || r != ARCHIVE_OK)
		return -1;
	return 0;
}

/* A new entry with the fields every entry has; NULL when out of memory. */
static inline struct archive_entry *
tg_entry_new(const char *path, unsigned type, unsigned perm, uint64_t size)
{
	struct archive_entry *e = archive_entry_new();

	if (e == NULL)
		return NULL;
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_size(e, (la_int64_t)size);
	return e;
}

static inline int
tg_header(struct archive *a, struct archive_entry *e)
{
	if (archive_write_header(a, e) != ARCHIVE_OK)
		return tg_fail(a, "archive_write_header");
	return 0;
}

/* All len bytes of the current entry's data. */
static inline int
tg_data(struct archive *a, const void *data, size_t len)
{
	la_ssize_t n = archive_write_data(a, data, len);

	if (n < 0 || (size_t)n != len)
		return tg_fail(a, "archive_write_data");
	return 0;
}

/*
 * The general entry: type is AE_IFREG etc., perm the permission bits
 * (setuid etc. included), link the symlink target (AE_IFLNK) or, with
 * hardlink set, the hard link target.  data/len for regular files.
 */
static inline int
tg_entry(struct archive *a, const char *path, unsigned type, unsigned perm,
    const void *data, size_t len, const char *link, int hardlink, unsigned rdev)
{
	struct archive_entry *e;
	int r;

	e = tg_entry_new(path, type, perm, type == AE_IFREG && !hardlink ? len : 0);
	if (e == NULL)
		return -1;
	archive_entry_set_mtime(e, 1700000000, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	if (link != NULL && hardlink)
		archive_entry_set_hardlink(e, link);
	else if (link != NULL)
		archive_entry_set_symlink(e, link);
	if (rdev)
		archive_entry_set_rdev(e, rdev);
	r = tg_header(a, e);
	if (r == 0 && data != NULL && len > 0 && !hardlink)
		r = tg_data(a, data, len);
	archive_entry_free(e);
	return r;
}

static inline int
tg_file(struct archive *a, const char *path, unsigned perm, const void *data, size_t len)
{
	return tg_entry(a, path, AE_IFREG, perm, data, len, NULL, 0, 0);
}

static inline int
tg_dir(struct archive *a, const char *path, unsigned perm)
{
	return tg_entry(a, path, AE_IFDIR, perm, NULL, 0, NULL, 0, 0);
}

static inline int
tg_symlink(struct archive *a, const char *path, const char *target)
{
	return tg_entry(a, path, AE_IFLNK, 0777, NULL, 0, target, 0, 0);
}

static inline int
tg_hardlink(struct archive *a, const char *path, const char *target)
{
	return tg_entry(a, path, AE_IFREG, 0644, NULL, 0, target, 1, 0);
}

static inline int
tg_install(struct archive *a)
{
	static const char sh[] = "#!/bin/sh\necho installed\n";

	return tg_file(a, "install.sh", 0755, sh, sizeof(sh) - 1);
}

/*
 * One regular file of size bytes of zeros, written in 1 MiB pieces (for
 * bombs: nothing of that size is ever held in memory).
 */
static inline int
tg_zeros(struct archive *a, const char *path, uint64_t size)
{
	struct archive_entry *e = tg_entry_new(path, AE_IFREG, 0644, size);
	static const char zero[1 << 20];
	uint64_t left;
	size_t k;
	int r;

	if (e == NULL)
		return -1;
	r = tg_header(a, e);
	for (left = size; r == 0 && left > 0; left -= k) {
		k = left < sizeof(zero) ? (size_t)left : sizeof(zero);
		r = tg_data(a, zero, k);
	}
	archive_entry_free(e);
	return r;
}

/* gzip len bytes (one gzip member) onto the end of fd. */
static inline int
tg_gzip_bytes(int fd, const void *buf, size_t len, int level)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	char lv[12];
	la_ssize_t n;
	int r = -1;

	if (a == NULL || e == NULL)
		goto out;
	snprintf(lv, sizeof(lv), "%d", level);
	if (lseek(fd, 0, SEEK_END) < 0 ||
	    archive_write_set_format_raw(a) != ARCHIVE_OK ||
	    archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_filter_option(a, "gzip", "compression-level", lv) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		tg_fail(a, "tg_gzip_bytes setup");
		goto out;
	}
	archive_entry_set_pathname(e, "data");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)len);
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		tg_fail(a, "tg_gzip_bytes header");
		goto out;
	}
	if (len > 0) {
		n = archive_write_data(a, buf, len);
		if (n < 0 || (size_t)n != len) {
			tg_fail(a, "tg_gzip_bytes data");
			goto out;
		}
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		tg_fail(a, "tg_gzip_bytes close");
		goto out;
	}
	r = 0;
out:
	if (e != NULL)
		archive_entry_free(e);
	if (a != NULL && archive_write_free(a) != ARCHIVE_OK)
		r = -1;
	return r;
}

/*
 * Read a whole (small) fd into a malloc'd buffer; *len gets the size.
 * Used to turn a tar written with level 0 into bytes to doctor.
 */
static inline unsigned char *
tg_slurp(int fd, size_t *len)
{
	uint64_t size = tg_size(fd);
	unsigned char *buf = malloc(size + 1);
	size_t got = 0;
	ssize_t n;

	if (buf == NULL)
		return NULL;
	while (got < size) {
		n = pread(fd, buf + got, size - got, (off_t)got);
		if (n <= 0) {
			free(buf);
			return NULL;
		}
		got += (size_t)n;
	}
	*len = (size_t)size;
	return buf;
}

/*
 * A hand-made ustar header, for what libarchive's writer will not produce.
 * name and link are copied as they are (up to 100 bytes); typeflag '0' etc.
 */
static inline void
tg_ustar_header(unsigned char h[512], const char *name, char typeflag, unsigned mode,
    uint64_t size, const char *link)
{
	unsigned sum = 0;
	int i;

	memset(h, 0, 512);
	strncpy((char *)h, name, 100);
	snprintf((char *)h + 100, 8, "%07o", mode & 07777);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)(size & 077777777777ULL));
	snprintf((char *)h + 136, 12, "%011o", 1700000000u);
	h[156] = (unsigned char)typeflag;
	if (link != NULL)
		strncpy((char *)h + 157, link, 100);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
}

/* "LEN key=value\n" (LEN counts itself) appended to out (size outlen, a string). */
static inline void
tg_pax_record(char *out, size_t outlen, const char *key, const char *value)
{
	size_t body = strlen(key) + strlen(value) + 3, len = body + 1;

	while ((size_t)snprintf(NULL, 0, "%zu", len) + body != len)
		len = body + (size_t)snprintf(NULL, 0, "%zu", len);
	snprintf(out + strlen(out), outlen - strlen(out), "%zu %s=%s\n", len, key, value);
}

/* A header of typeflag type ('x', 'g', 'L', ...) at h with body bytes; returns the bytes taken. */
static inline size_t
tg_ext_header(unsigned char *h, char type, const void *body, size_t len)
{
	tg_ustar_header(h, type == 'g' ? "GlobalHead.0" : "PaxHeader/x", type, 0644, len, NULL);
	memcpy(h + 512, body, len);
	return 512 + ((len + 511) & ~(size_t)511);
}

#endif
