/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * Extraction as root, only after the signature was checked again here.
 * Whatever the verifier let through, nothing is written outside a fresh
 * root-only directory: SECURE_* flags; only files, directories and
 * relative symlinks; no owner, ACL, xattr or flags; modes masked to 0755.
 */
#include <archive.h>
#include <archive_entry.h>
#include <ftw.h>

#include "installd.h"

#define EXTRACT_FLAGS	(ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS | \
	ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS)
#define MODE_MASK	0755

struct xstate {
	const struct gwe_limits *lim;
	int	 fd;
	uint64_t off, size, bytes;
	char	 buf[64 * 1024];
};

/* libarchive's read callback: pread at our own offset (invariant 1). */
static la_ssize_t
src_read(struct archive *a, void *arg, const void **buf)
{
	struct xstate *x = arg;
	size_t want = x->size - x->off < sizeof(x->buf) ?
	    (size_t)(x->size - x->off) : sizeof(x->buf);
	ssize_t n;

	if (want == 0)
		return 0;
	if ((n = pread(x->fd, x->buf, want, (off_t)x->off)) <= 0) {
		archive_set_error(a, EIO, "cannot read the memfd");
		return -1;
	}
	x->off += (uint64_t)n;
	*buf = x->buf;
	return n;
}

static int
entry_ok(struct archive_entry *e, char *reason, size_t len)
{
	unsigned type = archive_entry_filetype(e);
	const char *target = archive_entry_symlink(e);

	if (archive_entry_hardlink(e) != NULL ||
	    (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK))
		return gwe_errf(reason, len, "archive: %s: entry type not allowed",
		    archive_entry_pathname(e));
	if (type == AE_IFLNK && (target == NULL || target[0] == '/' || target[0] == '\0'))
		return gwe_errf(reason, len, "archive: %s: symlink target not relative",
		    archive_entry_pathname(e));
	archive_entry_set_perm(e, archive_entry_perm(e) & MODE_MASK);
	return 0;
}

static int
extract_all(struct xstate *x, struct archive *in, struct archive *out,
    char *reason, size_t len)
{
	struct archive_entry *e;
	struct stat st;
	const void *buf;
	size_t size;
	la_int64_t off;
	int rc;

	while ((rc = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		if (entry_ok(e, reason, len) == -1)
			return -1;
		if (archive_write_header(out, e) != ARCHIVE_OK)
			return gwe_errf(reason, len, "extract: %s", archive_error_string(out));
		while ((rc = archive_read_data_block(in, &buf, &size, &off)) == ARCHIVE_OK) {
			/* The verifier enforced the limits; a signed bomb still stops. */
			x->bytes += size;
			if (x->bytes > x->lim->max_unpacked_bytes)
				return gwe_errf(reason, len, "archive: over max_unpacked_bytes");
			if (archive_write_data_block(out, buf, size, off) != ARCHIVE_OK)
				return gwe_errf(reason, len, "extract: %s",
				    archive_error_string(out));
		}
		if (rc != ARCHIVE_EOF)
			break;
		if (archive_write_finish_entry(out) != ARCHIVE_OK)
			return gwe_errf(reason, len, "extract: %s", archive_error_string(out));
	}
	if (rc != ARCHIVE_EOF)
		return gwe_errf(reason, len, "archive: %s", archive_error_string(in));
	if (archive_write_close(out) != ARCHIVE_OK)
		return gwe_errf(reason, len, "extract: %s", archive_error_string(out));
	/* A regular executable file, not a link that could lead anywhere. */
	if (lstat("install.sh", &st) == -1 || !S_ISREG(st.st_mode) ||
	    !VFY_INSTALL_EXEC(st.st_mode))
		return gwe_errf(reason, len, "archive: no executable regular file install.sh");
	return 0;
}

int
ins_extract(struct ins_ctx *ctx, int fd, uint64_t size, const char *dir,
    char *reason, size_t len)
{
	static struct xstate x;
	struct archive *in = archive_read_new(), *out = archive_write_disk_new();
	int rc = -1;

	x.lim = &ctx->cfg.limits;
	x.fd = fd;
	x.size = size;
	x.off = x.bytes = 0;
	/* SECURE_NOABSOLUTEPATHS wants relative names: extract from inside dir. */
	if (chdir(dir) == -1 || in == NULL || out == NULL ||
	    archive_read_support_filter_gzip(in) != ARCHIVE_OK ||
	    archive_read_support_format_tar(in) != ARCHIVE_OK ||
	    archive_write_disk_set_options(out, EXTRACT_FLAGS) != ARCHIVE_OK)
		gwe_errf(reason, len, "extract: cannot set up");
	else if (archive_read_open(in, &x, NULL, src_read, NULL) != ARCHIVE_OK)
		gwe_errf(reason, len, "archive: %s", archive_error_string(in));
	else
		rc = extract_all(&x, in, out, reason, len);
	if (in != NULL && archive_read_free(in) != ARCHIVE_OK && rc == 0)
		rc = gwe_errf(reason, len, "archive: closing failed");
	if (out != NULL && archive_write_free(out) != ARCHIVE_OK && rc == 0)
		rc = gwe_errf(reason, len, "extract: closing failed");
	if (chdir("/") == -1)
		fatal("chdir /");
	return rc;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) == -1)
		log_warn("cannot remove path=%s", path);
	return 0;
}

int
ins_rmtree(const char *dir)
{
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* A fresh 0700 dir for one install; what keep_staging kept or a crash left goes. */
int
ins_staging_new(struct ins_ctx *ctx, const char *app, char *dir, size_t len)
{
	ins_rmtree(ctx->staging_dir);
	if ((mkdir(ctx->staging_dir, 0700) == -1 && errno != EEXIST) ||
	    snprintf(dir, len, "%s/%s.XXXXXX", ctx->staging_dir, app) >= (int)len)
		return -1;
	return mkdtemp(dir) == NULL ? -1 : 0;
}
