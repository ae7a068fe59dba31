/*
 * libFuzzer target for vfy_archive_check_fd: the input bytes go into a
 * sealed memfd, as the real pipeline hands them over, and are checked with
 * small limits (so a bomb is cut short quickly).  The result does not
 * matter; crashes, leaks, sanitizer reports and hangs do.
 *
 * The first input byte picks the mode: even, the rest of the bytes are the
 * tarball as they are; odd, the rest is an uncompressed tar stream that is
 * gzipped here first (with libarchive's writer), so the fuzzer can reach the
 * tar and path checks without having to get deflate right.
 * A useful seed corpus: "\0" + any small .tar.gz with an install.sh, and
 * "\1" + the same .tar uncompressed.
 */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../verify/vfy_archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* gzip [data, data+size) into a malloc'd buffer; NULL if libarchive fails. */
static unsigned char *
gzip_mem(const uint8_t *data, size_t size, size_t *outlen)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	size_t cap = size + size / 2 + 4096;
	unsigned char *out = malloc(cap);
	int ok = 0;

	if (a == NULL || e == NULL || out == NULL)
		abort();
	if (archive_write_set_format_raw(a) == ARCHIVE_OK &&
	    archive_write_add_filter_gzip(a) == ARCHIVE_OK &&
	    archive_write_set_filter_option(a, "gzip", "compression-level", "1") == ARCHIVE_OK &&
	    archive_write_set_bytes_in_last_block(a, 1) == ARCHIVE_OK &&
	    archive_write_open_memory(a, out, cap, outlen) == ARCHIVE_OK) {
		archive_entry_set_pathname(e, "data");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_size(e, (la_int64_t)size);
		ok = archive_write_header(a, e) == ARCHIVE_OK &&
		    (size == 0 || archive_write_data(a, data, size) == (la_ssize_t)size) &&
		    archive_write_close(a) == ARCHIVE_OK;
	}
	archive_entry_free(e);
	if (archive_write_free(a) != ARCHIVE_OK)
		ok = 0;
	if (!ok) {
		free(out);
		return NULL;
	}
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct gwe_limits lim = {
		.max_tarball_bytes = 1 << 20,
		.max_unpacked_bytes = 4 << 20,
		.max_entry_bytes = 1 << 20,
		.max_entries = 1000,
		.max_ratio = 100,
		.max_order_bytes = LIM_MAX_ORDER_BYTES,
		.max_sig_bytes = LIM_MAX_SIG_BYTES,
		.install_timeout = LIM_INSTALL_TIMEOUT,
		.output_cap = LIM_OUTPUT_CAP,
		.keep_staging = 0,
	};
	struct vfy_archive_stats st;
	char reason[256];
	unsigned char *gz = NULL;
	size_t off = 0, gzlen = 0;
	ssize_t n;
	int fd, r;

	if (size == 0)
		return 0;
	if (data[0] & 1) {
		gz = gzip_mem(data + 1, size - 1, &gzlen);
		if (gz == NULL)
			return 0;
		data = gz;
		size = gzlen;
	} else {
		data++;
		size--;
	}
	fd = memfd_create("fuzz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		abort();
	while (off < size) {
		n = pwrite(fd, data + off, size - off, (off_t)off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		abort();
	r = vfy_archive_check_fd(fd, size, &lim, &st, reason, sizeof(reason));
	/* The contract: a verdict, a reason on refusal, stats within bounds. */
	if (r != 0 && r != -1)
		abort();
	if (r == -1 && (reason[0] == '\0' || memchr(reason, '\0', sizeof(reason)) == NULL))
		abort();
	if (st.compressed_bytes > size || st.entries > lim.max_entries + 1)
		abort();
	if (r == 0 && (st.unpacked_bytes > lim.max_unpacked_bytes || size > lim.max_tarball_bytes))
		abort();
	close(fd);
	free(gz);
	return 0;
}
