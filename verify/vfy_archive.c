/*
 * The archive policy (docs/design.md section 6): stream a gzip'd tar through
 * libarchive, look at every entry and every byte, extract nothing.
 *
 * Two libarchive readers are stacked:
 *
 *   outer: gzip filter + "raw" format.  Its client callbacks read the fd
 *          with pread() only, from offset 0 to size, with their own offset
 *          counter (the memfd's file offset is shared with another process,
 *          so read() and lseek() are never used).  It yields the decompressed
 *          stream.
 *   inner: tar format, no filter.  Its read callback pulls the decompressed
 *          stream out of the outer reader.
 *
 * Doing it this way means this file sees every decompressed byte, so it can
 * (1) check that nothing but zeros follows the tar end-of-archive marker in
 * the decompressed stream (the tar reader itself stops at the marker and
 * never looks further), and (2) count the whole decompressed stream, not just
 * the file data, against the limits.
 *
 * End of the gzip stream.  libarchive's gzip reader accepts concatenated gzip
 * members (as gzip -d does) and, after the last member, silently ignores
 * anything that does not look like a gzip header.  We accept concatenated
 * members (they decompress to one stream, which is checked as a whole: this
 * is also exactly what libarchive in the installer will extract), and once
 * the outer reader reports the end of the decompressed stream we take the
 * number of raw bytes the gzip reader consumed (archive_filter_bytes(outer,
 * -1): header + deflate data + trailer of every member, without the failed
 * peek at what follows) and pread every remaining byte up to size: each must
 * be zero.  So "member, zeros, another member" is refused too (the installer
 * would silently drop the second member).  Note that libarchive (3.6) does
 * not verify the gzip trailer's CRC-32 and ISIZE; neither does this file:
 * integrity is the signature's job, and it was checked before we run.
 *
 * Names: bytes 0x01-0x1f and 0x7f are refused in entry names and symlink
 * targets (they serve only to confuse logs, terminals and install.sh);
 * bytes >= 0x80 (UTF-8) are allowed.  NUL cannot occur: libarchive hands out
 * names as C strings.  A libarchive warning (for instance a name that cannot
 * be converted to the current locale, or a malformed pax record) is a
 * refusal too: pax names are UTF-8, and the daemons run in a UTF-8 locale
 * (vfy_utf8_locale()), where valid UTF-8 passes unchanged and only broken
 * UTF-8 not marked hdrcharset=BINARY warns.
 *
 * Also refused, beyond the letter of docs/design.md section 6 ("everything else is
 * refused"): sparse entries (their holes unpack to zeros nobody stored),
 * xattrs in the security., trusted. and system. namespaces (security.capability
 * is as good as a setuid bit), a non-directory entry for the top ("./"),
 * a global pax header ('g') that sets path, linkpath or size (libarchive ignores
 * global headers, POSIX and GNU tar apply them: two tools, two archives; so
 * the headers before each entry are walked here too, from a copy of the last
 * bytes of the stream), more than 1 MiB of headers before one entry,
 * a path going through an earlier regular file, a non-directory entry where
 * earlier entries implied a directory, a ".." in a symlink target that
 * climbs out of something not known to be a directory (it could later
 * become a symlink, e.g. "a -> d/..", then "d -> ."), a symlink whose
 * resolution exceeds 4096 bytes or takes more than 40 symlink hops, a tar
 * without an end-of-archive marker (libarchive would take it; a zero block
 * is required, one is enough), more than 64 MiB of path bookkeeping (only
 * reachable with thousands of deep, distinct paths).
 *
 * Limits on the decompressed stream besides the file data: the tar headers,
 * padding and trailing zeros ("overhead") may not exceed 1 MiB + 4 KiB per
 * allowed entry, and once the overhead alone passes LIM_RATIO_GRACE_BYTES
 * the whole stream is held to max_ratio as well (a bomb made of zeros after
 * the end-of-archive marker).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "vfy_archive.h"
#include "vfy_name.h"

#define CHUNK			(64 * 1024)	/* pread and archive_read_data size */
#define MAX_PATH_BYTES		1024
#define MAX_COMPONENT_BYTES	255
#define MAX_RESOLVED_BYTES	4096
#define MAX_RESOLVED_DEPTH	(MAX_RESOLVED_BYTES / 2 + 2)
#define MAX_SYMLINK_HOPS	40
#define MAX_TABLE_BYTES		(64 * GWE_MIB)
#define OVERHEAD_BASE		GWE_MIB
#define OVERHEAD_PER_ENTRY	4096
#define NAME_SHOWN		200	/* bytes of a name quoted in a reason */
#define HDRS_MAX		GWE_MIB	/* tar headers before one entry */
#define RING			(HDRS_MAX + 4 * CHUNK)	/* the stream's last bytes kept */

enum ntype { N_ROOT, N_IMPLICIT_DIR, N_DIR, N_FILE, N_SYMLINK };

#define NONE	UINT32_MAX

struct node {
	uint32_t parent;
	uint32_t hnext;		/* hash chain */
	uint32_t namelen;
	uint8_t type;
	char *name;
	char *res;		/* symlinks: canonical resolution from the top */
};

struct ctx {
	int fd;
	uint64_t size;
	uint64_t off;			/* own offset into the fd */
	unsigned char *rbuf;
	unsigned char *dbuf;
	unsigned char *ring;		/* stream byte at offset o: ring[o % RING] */
	const struct gwe_limits *lim;
	struct vfy_archive_stats *st;
	char *reason;
	size_t reasonlen;
	int refused;

	struct archive *outer;
	struct archive *inner;
	int outer_eof;
	uint64_t stream_bytes;		/* decompressed bytes handed to the tar reader */
	uint64_t nonzero_end;		/* 1 + offset of the last non-zero byte handed */
	uint64_t overhead_max;
	uint64_t entries_end;		/* decompressed offset where the last entry ends */

	const char *cur_name;		/* entry being checked, for reasons */
	int have_install;

	struct node *nodes;
	uint32_t nnodes, capnodes;
	uint32_t *buckets;
	uint32_t nbuckets;
	uint64_t table_bytes;
	int root_explicit;
};

/* ---- reasons ------------------------------------------------------------ */

/* Quote a name for a reason: control and non-ASCII bytes as \xNN, cut short. */
static void
quote(const char *s, char *out, size_t outlen)
{
	size_t o = 0, i;

	for (i = 0; s[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (o + 8 >= outlen || i >= NAME_SHOWN) {
			snprintf(out + o, outlen - o, "...");
			return;
		}
		if (ch < 0x20 || ch >= 0x7f || ch == '\\' || ch == '\'')
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
}

/* Record the first reason only; with_entry prefixes the entry's quoted name. */
__attribute__((format(printf, 3, 4)))
static int
refuse_at(struct ctx *c, int with_entry, const char *fmt, ...)
{
	char msg[512], name[NAME_SHOWN * 4 + 8];
	va_list ap;

	if (c->refused)
		return -1;
	c->refused = 1;
	if (c->reason == NULL || c->reasonlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (with_entry && c->cur_name != NULL) {
		quote(c->cur_name, name, sizeof(name));
		snprintf(c->reason, c->reasonlen, "entry '%s': %s", name, msg);
	} else
		snprintf(c->reason, c->reasonlen, "%s", msg);
	return -1;
}

#define refuse(c, ...)		refuse_at((c), 0, __VA_ARGS__)
#define refuse_entry(c, ...)	refuse_at((c), 1, __VA_ARGS__)

static const char *
aerr(struct archive *a)
{
	const char *s = archive_error_string(a);

	return s != NULL ? s : "libarchive gave no reason";
}

/* ---- limits ----------------------------------------------------------- */

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static uint64_t
sat_mul(uint64_t a, uint64_t b)
{
	return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

static uint64_t
ratio_of(uint64_t unpacked, uint64_t compressed)
{
	return compressed == 0 ? UINT64_MAX : unpacked / compressed;
}

/* File data: max_unpacked_bytes and max_ratio, after every chunk. */
static int
check_data_limits(struct ctx *c)
{
	uint64_t u = c->st->unpacked_bytes, r;

	if (u > c->lim->max_unpacked_bytes)
		return refuse_entry(c, "unpacked %" PRIu64 " bytes: exceeds max_unpacked_bytes %"
		    PRIu64, u, c->lim->max_unpacked_bytes);
	if (u > LIM_RATIO_GRACE_BYTES) {
		r = ratio_of(u, c->st->compressed_bytes);
		if (r > c->lim->max_ratio)
			return refuse_entry(c, "unpacked %" PRIu64 " bytes: ratio %" PRIu64
			    " exceeds max_ratio %" PRIu64, u, r, c->lim->max_ratio);
	}
	return 0;
}

/* The decompressed stream beyond the file data (headers, padding, zeros). */
static int
check_stream_limits(struct ctx *c)
{
	uint64_t over, r;

	over = c->stream_bytes > c->st->unpacked_bytes ?
	    c->stream_bytes - c->st->unpacked_bytes : 0;
	if (over > c->overhead_max)
		return refuse(c, "decompressed %" PRIu64 " bytes, %" PRIu64 " of them tar headers, "
		    "padding or trailing zeros: over the allowance of %" PRIu64 " bytes",
		    c->stream_bytes, over, c->overhead_max);
	if (over > LIM_RATIO_GRACE_BYTES) {
		r = ratio_of(c->stream_bytes, c->st->compressed_bytes);
		if (r > c->lim->max_ratio)
			return refuse(c, "decompressed %" PRIu64 " bytes (%" PRIu64 " of them tar "
			    "headers, padding or trailing zeros): ratio %" PRIu64
			    " exceeds max_ratio %" PRIu64, c->stream_bytes, over, r,
			    c->lim->max_ratio);
	}
	return 0;
}

/* ---- libarchive callbacks -------------------------------------------- */

static la_ssize_t
outer_read(struct archive *a, void *p, const void **buf)
{
	struct ctx *c = p;
	size_t want;
	ssize_t n;

	*buf = c->rbuf;
	if (c->off >= c->size)
		return 0;
	want = c->size - c->off < CHUNK ? (size_t)(c->size - c->off) : CHUNK;
	do
		n = pread(c->fd, c->rbuf, want, (off_t)c->off);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "pread at %" PRIu64 ": %s", c->off, strerror(errno));
		return ARCHIVE_FATAL;
	}
	if (n == 0) {
		archive_set_error(a, EIO, "the fd ends at %" PRIu64 ", before its size %" PRIu64,
		    c->off, c->size);
		return ARCHIVE_FATAL;
	}
	c->off += (uint64_t)n;
	c->st->compressed_bytes += (uint64_t)n;
	return n;
}

static la_int64_t
outer_skip(struct archive *a, void *p, la_int64_t req)
{
	struct ctx *c = p;
	uint64_t left = c->size - c->off;

	(void)a;
	if (req <= 0)
		return 0;
	if ((uint64_t)req > left)
		req = (la_int64_t)left;
	c->off += (uint64_t)req;
	return req;
}

static la_int64_t
outer_seek(struct archive *a, void *p, la_int64_t offset, int whence)
{
	struct ctx *c = p;
	int64_t base;

	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = (int64_t)c->off; break;
	case SEEK_END: base = (int64_t)c->size; break;
	default:
		archive_set_error(a, EINVAL, "bad whence");
		return ARCHIVE_FATAL;
	}
	if ((offset < 0 && -offset > base) || (offset > 0 && (uint64_t)offset > c->size - (uint64_t)base)) {
		archive_set_error(a, EINVAL, "seek out of range");
		return ARCHIVE_FATAL;
	}
	c->off = (uint64_t)(base + offset);
	return (la_int64_t)c->off;
}

/* 1 + index of the last non-zero byte, 0 if all zero. */
static size_t
nonzero_tail(const unsigned char *b, size_t n)
{
	while (n > 0 && b[n - 1] == 0)
		n--;
	return n;
}

/* The first non-zero byte; NULL if none. */
static const unsigned char *
nonzero_head(const void *b, size_t n)
{
	const unsigned char *p = b, *end = p + n;

	while (p < end && *p == 0)
		p++;
	return p < end ? p : NULL;
}

/* Copy n bytes between buf and the ring at stream offset at (put: into the ring). */
static void
ring_copy(struct ctx *c, uint64_t at, unsigned char *buf, size_t n, int put)
{
	size_t o, k;

	for (; n > 0; at += k, buf += k, n -= k) {
		o = (size_t)(at % RING);
		k = RING - o < n ? RING - o : n;
		memcpy(put ? c->ring + o : buf, put ? buf : c->ring + o, k);
	}
}

static la_ssize_t
inner_read(struct archive *a, void *p, const void **buf)
{
	struct ctx *c = p;
	const void *b;
	size_t n, nz;
	la_int64_t o;
	int r, spins = 0;

	*buf = NULL;
	while (!c->outer_eof) {
		r = archive_read_data_block(c->outer, &b, &n, &o);
		if (r == ARCHIVE_EOF) {
			c->outer_eof = 1;
			break;
		}
		if (r != ARCHIVE_OK) {
			refuse(c, "gzip stream: %s", aerr(c->outer));
			archive_set_error(a, EIO, "gzip stream failed");
			return ARCHIVE_FATAL;
		}
		if (o < 0 || (uint64_t)o != c->stream_bytes) {
			refuse(c, "gzip stream: unexpected offset %" PRId64, (int64_t)o);
			archive_set_error(a, EIO, "gzip stream failed");
			return ARCHIVE_FATAL;
		}
		if (n == 0) {
			if (++spins > 1000) {
				refuse(c, "gzip stream: no progress");
				archive_set_error(a, EIO, "gzip stream failed");
				return ARCHIVE_FATAL;
			}
			continue;
		}
		nz = nonzero_tail(b, n);
		if (nz > 0)
			c->nonzero_end = c->stream_bytes + nz;
		ring_copy(c, c->stream_bytes, (unsigned char *)(uintptr_t)b, n, 1);
		c->stream_bytes += n;
		if (check_stream_limits(c) < 0) {
			archive_set_error(a, EIO, "limit exceeded");
			return ARCHIVE_FATAL;
		}
		*buf = b;
		return (la_ssize_t)n;
	}
	return 0;
}

/* ---- the path table ---------------------------------------------------- */

static uint32_t
hash_key(uint32_t parent, const char *name, size_t len)
{
	uint32_t h = 2166136261u ^ parent;
	size_t i;

	h *= 16777619u;
	for (i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= 16777619u;
	}
	return h;
}

static uint32_t
lookup(struct ctx *c, uint32_t parent, const char *name, size_t len)
{
	uint32_t i;

	if (parent == NONE)
		return NONE;
	for (i = c->buckets[hash_key(parent, name, len) & (c->nbuckets - 1)]; i != NONE;
	    i = c->nodes[i].hnext)
		if (c->nodes[i].parent == parent && c->nodes[i].namelen == len &&
		    memcmp(c->nodes[i].name, name, len) == 0)
			return i;
	return NONE;
}

static int
table_charge(struct ctx *c, uint64_t bytes)
{
	c->table_bytes += bytes;
	if (c->table_bytes > MAX_TABLE_BYTES)
		return refuse_entry(c, "the table of paths exceeds %" PRIu64 " bytes",
		    (uint64_t)MAX_TABLE_BYTES);
	return 0;
}

static int
rehash(struct ctx *c, uint32_t nb)
{
	uint32_t *b, i, h;

	if (nb == 0)	/* nbuckets * 2 wrapped */
		return refuse(c, "too many entries");
	if (table_charge(c, (uint64_t)nb * sizeof(*b)) < 0)
		return -1;
	b = malloc((size_t)nb * sizeof(*b));
	if (b == NULL)
		return refuse(c, "out of memory");
	memset(b, 0xff, (size_t)nb * sizeof(*b));
	for (i = 0; i < c->nnodes; i++) {
		h = hash_key(c->nodes[i].parent, c->nodes[i].name, c->nodes[i].namelen) & (nb - 1);
		c->nodes[i].hnext = b[h];
		b[h] = i;
	}
	free(c->buckets);
	c->buckets = b;
	c->nbuckets = nb;
	return 0;
}

static uint32_t
add_node(struct ctx *c, uint32_t parent, const char *name, size_t len, enum ntype type)
{
	struct node *n;
	uint32_t h;

	if (table_charge(c, sizeof(*n) + len + 1) < 0)
		return NONE;
	if (c->nnodes == c->capnodes) {
		uint32_t cap = c->capnodes ? c->capnodes * 2 : 256;

		n = realloc(c->nodes, (size_t)cap * sizeof(*n));
		if (n == NULL) {
			refuse(c, "out of memory");
			return NONE;
		}
		c->nodes = n;
		c->capnodes = cap;
	}
	if (c->nnodes >= c->nbuckets && rehash(c, c->nbuckets * 2) < 0)
		return NONE;
	n = &c->nodes[c->nnodes];
	memset(n, 0, sizeof(*n));
	n->name = malloc(len + 1);
	if (n->name == NULL) {
		refuse(c, "out of memory");
		return NONE;
	}
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	n->namelen = (uint32_t)len;
	n->parent = parent;
	n->type = (uint8_t)type;
	h = hash_key(parent, name, len) & (c->nbuckets - 1);
	n->hnext = c->buckets[h];
	c->buckets[h] = c->nnodes;
	return c->nnodes++;
}

static int
table_init(struct ctx *c)
{
	c->nbuckets = 1024;
	c->buckets = malloc((size_t)c->nbuckets * sizeof(*c->buckets));
	if (c->buckets == NULL)
		return refuse(c, "out of memory");
	memset(c->buckets, 0xff, (size_t)c->nbuckets * sizeof(*c->buckets));
	if (add_node(c, NONE, "", 0, N_ROOT) != 0)
		return refuse(c, "out of memory");
	return 0;
}

static void
table_free(struct ctx *c)
{
	uint32_t i;

	for (i = 0; i < c->nnodes; i++) {
		free(c->nodes[i].name);
		free(c->nodes[i].res);
	}
	free(c->nodes);
	free(c->buckets);
}

static int
is_dir(const struct ctx *c, uint32_t n)
{
	return n != NONE && (c->nodes[n].type == N_ROOT || c->nodes[n].type == N_DIR ||
	    c->nodes[n].type == N_IMPLICIT_DIR);
}

/*
 * The next component of the path at *p that is neither empty nor ".":
 * returns its start with its length in *len and moves *p past it; NULL
 * at the end of the path.
 */
static const char *
next_comp(const char **p, size_t *len)
{
	const char *s = *p;

	for (;;) {
		s += strspn(s, "/");
		*len = strcspn(s, "/");
		*p = s + *len;
		if (*len == 0)
			return NULL;
		if (!(*len == 1 && s[0] == '.'))
			return s;
		s = *p;
	}
}

/* ---- symlink resolution -------------------------------------------------- */

struct rstate {
	char path[MAX_RESOLVED_BYTES + 1];
	size_t len;
	int depth;
	int hops;
	uint32_t node[MAX_RESOLVED_DEPTH];	/* NONE: not (yet) in the table */
	size_t off[MAX_RESOLVED_DEPTH];		/* len before pushing this level */
};

static void
rs_root(struct rstate *rs)
{
	rs->len = 0;
	rs->path[0] = '\0';
	rs->depth = 0;
	rs->node[0] = 0;
}

/*
 * Walk a relative path from the current state, following symlinks known so
 * far.  "quoted" is the target as written, for reasons.
 */
static int
rs_walk(struct ctx *c, struct rstate *rs, const char *path, const char *quoted)
{
	const char *s;
	size_t len;
	uint32_t child;
	char q[NAME_SHOWN * 4 + 8], where[NAME_SHOWN * 4 + 8];

	quote(quoted, q, sizeof(q));
	while ((s = next_comp(&path, &len)) != NULL) {
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			if (rs->depth == 0)
				return refuse_entry(c, "symlink target '%s' climbs out of the tree", q);
			if (!is_dir(c, rs->node[rs->depth])) {
				quote(rs->path, where, sizeof(where));
				return refuse_entry(c, "symlink target '%s' climbs out of '%s', which "
				    "is not a known directory", q, where);
			}
			rs->len = rs->off[rs->depth];
			rs->path[rs->len] = '\0';
			rs->depth--;
			continue;
		}
		if (len > MAX_COMPONENT_BYTES)
			return refuse_entry(c, "symlink target '%s' has a component longer than %d "
			    "bytes", q, MAX_COMPONENT_BYTES);
		child = lookup(c, rs->node[rs->depth], s, len);
		if (child != NONE && c->nodes[child].type == N_SYMLINK) {
			if (++rs->hops > MAX_SYMLINK_HOPS)
				return refuse_entry(c, "symlink target '%s': more than %d levels of "
				    "symlinks", q, MAX_SYMLINK_HOPS);
			rs_root(rs);
			if (rs_walk(c, rs, c->nodes[child].res, quoted) < 0)
				return -1;
			continue;
		}
		if (rs->len + 1 + len > MAX_RESOLVED_BYTES || rs->depth + 1 >= MAX_RESOLVED_DEPTH)
			return refuse_entry(c, "symlink target '%s' resolves to a path longer than "
			    "%d bytes", q, MAX_RESOLVED_BYTES);
		rs->depth++;
		rs->off[rs->depth] = rs->len;
		rs->node[rs->depth] = child;
		if (rs->len > 0)
			rs->path[rs->len++] = '/';
		memcpy(rs->path + rs->len, s, len);
		rs->len += len;
		rs->path[rs->len] = '\0';
	}
	return 0;
}

/* ---- the tar headers before an entry -------------------------------------- */

/* Typeflags libarchive (3.6) reads as headers of the next entry: a body of size bytes, 'V' none. */
static int
ext_header(unsigned char t)
{
	return t != '\0' && strchr("xXgLKAV", t) != NULL;
}

/* A header's size field as libarchive reads an octal one; -1 for any other kind. */
static int64_t
hdr_size(const unsigned char *h)
{
	int64_t v = 0;
	int i = 124;

	while (i < 136 && (h[i] == ' ' || h[i] == '\t'))
		i++;
	if ((h[124] & 0x80) != 0 || (i < 136 && h[i] == '-'))
		return -1;
	for (; i < 136 && h[i] >= '0' && h[i] <= '7'; i++)
		v = v * 8 + (h[i] - '0');
	return v;
}

/* The records of a global pax header ("LEN key=value\n"): path, linkpath, size refused. */
static int
check_global(struct ctx *c, uint64_t at, size_t size)
{
	static const char *const keys[] = { "path", "linkpath", "size" };
	char *body = malloc(size + 1), *p, *k, *eq;
	size_t len, i;
	int rc = 0;

	if (body == NULL)
		return refuse(c, "out of memory");
	ring_copy(c, at, (unsigned char *)body, size, 0);
	for (p = body; rc == 0 && p < body + size; p += len) {
		for (len = 0, k = p; k < body + size && *k >= '0' && *k <= '9' && len < size; k++)
			len = len * 10 + (size_t)(*k - '0');
		if (k == p || k >= body + size || *k != ' ' || len == 0 ||
		    len > (size_t)(body + size - p) || p[len - 1] != '\n' ||
		    (eq = memchr(k, '=', (size_t)(p + len - k))) == NULL) {
			rc = refuse_entry(c, "a global pax header (typeflag g) is malformed");
			break;
		}
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if ((size_t)(eq - k - 1) == strlen(keys[i]) && memcmp(k + 1, keys[i],
			    strlen(keys[i])) == 0)
				rc = refuse_entry(c, "a global pax header (typeflag g) sets %s, "
				    "which libarchive ignores and other tar tools apply", keys[i]);
	}
	free(body);
	return rc;
}

/* The headers in the stream's [at, end) up to the entry's own: libarchive shows none. */
static int
check_headers(struct ctx *c, uint64_t at, uint64_t end)
{
	unsigned char h[512];
	int64_t size;

	if (end < at || end - at > HDRS_MAX || c->stream_bytes - at > RING)
		return refuse_entry(c, "more than %" PRIu64 " bytes of tar headers",
		    (uint64_t)HDRS_MAX);
	for (; at + 512 <= end; at += 512 + (((uint64_t)size + 511) & ~(uint64_t)511)) {
		ring_copy(c, at, h, sizeof(h), 0);
		if (!ext_header(h[156]))
			return 0;
		size = h[156] == 'V' ? 0 : hdr_size(h);
		if (size < 0 || (uint64_t)size > end - at)
			return refuse_entry(c, "a tar header (typeflag %c) with a size field "
			    "not followed here", h[156]);
		if (h[156] == 'g' && check_global(c, at + 512, (size_t)size) < 0)
			return -1;
	}
	return refuse_entry(c, "tar headers not followed here");
}

/* ---- one entry ------------------------------------------------------------ */

/* Where an entry's path leads (entry_walk): the parent and the last component. */
struct epath {
	uint32_t parent;		/* node of the directory holding it */
	const char *last;		/* NULL: the path names the top itself */
	size_t lastlen;
	char canon[MAX_PATH_BYTES + 1];	/* canonical name, last component included */
	size_t clen;
};

static int
check_chars(struct ctx *c, const char *s, const char *what)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return refuse_entry(c, "%s has a control character (0x%02x)", what, *p);
	return 0;
}

static int
check_xattrs(struct ctx *c, struct archive_entry *e)
{
	const char *name;
	const void *val;
	size_t sz;
	char q[NAME_SHOWN * 4 + 8];

	if (archive_entry_xattr_reset(e) == 0)
		return 0;
	while (archive_entry_xattr_next(e, &name, &val, &sz) == ARCHIVE_OK) {
		if (name == NULL)
			return refuse_entry(c, "xattr without a name");
		if (strncmp(name, "security.", 9) == 0 || strncmp(name, "trusted.", 8) == 0 ||
		    strncmp(name, "system.", 7) == 0) {
			quote(name, q, sizeof(q));
			return refuse_entry(c, "xattr '%s' is not allowed", q);
		}
	}
	return 0;
}

/* The entry's type: regular files, directories and symlinks only. */
static int
entry_type(struct ctx *c, mode_t type, enum ntype *nt)
{
	switch (type) {
	case AE_IFREG: *nt = N_FILE; return 0;
	case AE_IFDIR: *nt = N_DIR; return 0;
	case AE_IFLNK: *nt = N_SYMLINK; return 0;
	case AE_IFCHR: return refuse_entry(c, "character devices are not allowed");
	case AE_IFBLK: return refuse_entry(c, "block devices are not allowed");
	case AE_IFIFO: return refuse_entry(c, "fifos are not allowed");
	case AE_IFSOCK: return refuse_entry(c, "sockets are not allowed");
	default: return refuse_entry(c, "unknown file type 0%o", (unsigned)type);
	}
}

/* The size in the header, against max_entry_bytes and max_unpacked_bytes. */
static int
check_declared_size(struct ctx *c, struct archive_entry *e)
{
	int64_t sz;

	if (!archive_entry_size_is_set(e))
		return 0;
	sz = archive_entry_size(e);
	if (sz < 0)
		return refuse_entry(c, "negative size");
	if ((uint64_t)sz > c->lim->max_entry_bytes)
		return refuse_entry(c, "declared size %" PRId64 " exceeds max_entry_bytes %"
		    PRIu64, sz, c->lim->max_entry_bytes);
	if (sat_add(c->st->unpacked_bytes, (uint64_t)sz) > c->lim->max_unpacked_bytes)
		return refuse_entry(c, "declared size %" PRId64 " would bring the unpacked "
		    "total to %" PRIu64 ", over max_unpacked_bytes %" PRIu64, sz,
		    sat_add(c->st->unpacked_bytes, (uint64_t)sz),
		    c->lim->max_unpacked_bytes);
	return 0;
}

/* Everything the header says before the path is looked at. */
static int
check_header(struct ctx *c, struct archive_entry *e, enum ntype *nt)
{
	const char *name = archive_entry_pathname(e);
	mode_t mode = archive_entry_mode(e);

	c->cur_name = name;
	if (name == NULL)
		return refuse(c, "entry %" PRIu64 ": its name cannot be read", c->st->entries);
	if (name[0] == '\0')
		return refuse_entry(c, "empty name");
	if (strlen(name) > MAX_PATH_BYTES)
		return refuse_entry(c, "path longer than %d bytes", MAX_PATH_BYTES);
	if (check_chars(c, name, "name") < 0)
		return -1;
	if (archive_entry_hardlink(e) != NULL)
		return refuse_entry(c, "hard links are not allowed");
	if (entry_type(c, archive_entry_filetype(e), nt) < 0)
		return -1;
	if (mode & S_ISUID)
		return refuse_entry(c, "setuid bit set");
	if (mode & S_ISGID)
		return refuse_entry(c, "setgid bit set");
	if (archive_entry_sparse_count(e) > 0)
		return refuse_entry(c, "sparse entries are not allowed");
	if (check_xattrs(c, e) < 0)
		return -1;
	if (check_declared_size(c, e) < 0)
		return -1;
	if (name[0] == '/')
		return refuse_entry(c, "absolute path");
	return 0;
}

/* Every component: no "..", none too long (before any is entered in the table). */
static int
check_components(struct ctx *c, const char *name)
{
	const char *p = name, *s;
	size_t len;

	while ((s = next_comp(&p, &len)) != NULL) {
		if (len == 2 && s[0] == '.' && s[1] == '.')
			return refuse_entry(c, "path has a '..' component");
		if (len > MAX_COMPONENT_BYTES)
			return refuse_entry(c, "path component longer than %d bytes",
			    MAX_COMPONENT_BYTES);
	}
	return 0;
}

/*
 * Walk the path's directories through the table, entering the ones not
 * seen yet as implied; refuse a way through a symlink or a file.
 */
static int
entry_walk(struct ctx *c, const char *name, struct epath *ep)
{
	const char *p = name, *rest, *s;
	size_t len, nl;
	uint32_t n;
	char q[NAME_SHOWN * 4 + 8];

	ep->parent = 0;
	ep->last = NULL;
	ep->clen = 0;
	while ((s = next_comp(&p, &len)) != NULL) {
		if (ep->clen > 0)
			ep->canon[ep->clen++] = '/';
		memcpy(ep->canon + ep->clen, s, len);
		ep->clen += len;
		ep->canon[ep->clen] = '\0';
		rest = p;
		if (next_comp(&rest, &nl) == NULL) {	/* the entry itself */
			ep->last = s;
			ep->lastlen = len;
			return 0;
		}
		n = lookup(c, ep->parent, s, len);
		if (n == NONE) {
			n = add_node(c, ep->parent, s, len, N_IMPLICIT_DIR);
			if (n == NONE)
				return -1;
		} else if (c->nodes[n].type == N_SYMLINK) {
			quote(ep->canon, q, sizeof(q));
			return refuse_entry(c, "path goes through the symlink '%s'", q);
		} else if (c->nodes[n].type == N_FILE) {
			quote(ep->canon, q, sizeof(q));
			return refuse_entry(c, "path goes through the file '%s'", q);
		}
		ep->parent = n;
	}
	return 0;
}

/* The target as written: not empty, not too long, no control bytes, relative. */
static int
check_link_target(struct ctx *c, const char *target)
{
	char q[NAME_SHOWN * 4 + 8];

	if (target == NULL || target[0] == '\0')
		return refuse_entry(c, "symlink with an empty target");
	if (strlen(target) > MAX_PATH_BYTES)
		return refuse_entry(c, "symlink target longer than %d bytes", MAX_PATH_BYTES);
	if (check_chars(c, target, "symlink target") < 0)
		return -1;
	quote(target, q, sizeof(q));
	if (target[0] == '/')
		return refuse_entry(c, "symlink target '%s' is absolute", q);
	return 0;
}

/* Enter a symlink with its resolution from the top, known symlinks followed. */
static int
add_symlink(struct ctx *c, struct archive_entry *e, struct epath *ep)
{
	const char *target = archive_entry_symlink(e);
	struct rstate *rs;
	uint32_t n;
	int rc = -1;

	if (check_link_target(c, target) < 0)
		return -1;
	rs = malloc(sizeof(*rs));
	if (rs == NULL)
		return refuse(c, "out of memory");
	/* Start in the symlink's directory (no symlink on the way: checked). */
	rs_root(rs);
	rs->hops = 0;
	ep->canon[ep->clen - ep->lastlen] = '\0';
	if (rs_walk(c, rs, ep->canon, target) < 0 ||
	    rs_walk(c, rs, target, target) < 0)
		goto out;
	n = add_node(c, ep->parent, ep->last, ep->lastlen, N_SYMLINK);
	if (n == NONE || table_charge(c, rs->len + 1) < 0)
		goto out;
	if ((c->nodes[n].res = strdup(rs->path)) == NULL)
		refuse(c, "out of memory");
	else
		rc = 0;
out:
	free(rs);
	return rc;
}

/* The rules for the top install.sh; *is_install is set for it. */
static int
check_install(struct ctx *c, const struct epath *ep, enum ntype nt, mode_t mode,
    int *is_install)
{
	if (ep->parent != 0 || ep->lastlen != 10 || memcmp(ep->last, "install.sh", 10) != 0)
		return 0;
	if (nt != N_FILE)
		return refuse_entry(c, "install.sh is %s, not a regular file",
		    nt == N_DIR ? "a directory" : "a symlink");
	if (!VFY_INSTALL_EXEC(mode))
		return refuse_entry(c, "install.sh is not executable by its owner");
	*is_install = 1;
	c->have_install = 1;
	return 0;
}

/* The entry for the top directory itself ("." or "./"). */
static int
check_top(struct ctx *c, enum ntype nt)
{
	if (nt != N_DIR)
		return refuse_entry(c, "the top of the tree is not a directory");
	if (c->root_explicit)
		return refuse_entry(c, "duplicate path");
	c->root_explicit = 1;
	return 0;
}

/*
 * Check the entry's header and enter its path in the table; *is_install
 * is set for the top install.sh, whose data the caller checks.
 */
static int
check_entry(struct ctx *c, struct archive_entry *e, int *is_install)
{
	struct epath ep;
	enum ntype nt = N_FILE;
	uint32_t n;

	*is_install = 0;
	if (check_header(c, e, &nt) < 0 || check_components(c, c->cur_name) < 0 ||
	    entry_walk(c, c->cur_name, &ep) < 0)
		return -1;
	if (ep.last == NULL)
		return check_top(c, nt);
	n = lookup(c, ep.parent, ep.last, ep.lastlen);
	if (n != NONE) {
		if (c->nodes[n].type == N_IMPLICIT_DIR && nt == N_DIR) {
			c->nodes[n].type = N_DIR;
			return 0;
		}
		if (c->nodes[n].type == N_IMPLICIT_DIR)
			return refuse_entry(c, "replaces a directory implied by earlier entries");
		return refuse_entry(c, "duplicate path");
	}
	if (nt == N_SYMLINK) {
		if (add_symlink(c, e, &ep) < 0)
			return -1;
	} else if (add_node(c, ep.parent, ep.last, ep.lastlen, nt) == NONE)
		return -1;
	return check_install(c, &ep, nt, archive_entry_mode(e), is_install);
}

/* Read an entry's data, counting. */
static int
read_entry_data(struct ctx *c, int is_install)
{
	la_ssize_t n;
	uint64_t got = 0;
	unsigned char head[2];
	size_t headlen = 0;

	for (;;) {
		n = archive_read_data(c->inner, c->dbuf, CHUNK);
		if (n == 0)
			break;
		if (n < 0) {
			if (!c->refused)
				refuse_entry(c, "reading the data: %s", aerr(c->inner));
			return -1;
		}
		while (is_install && headlen < 2 && headlen < (size_t)got + (size_t)n) {
			head[headlen] = c->dbuf[headlen - got];
			headlen++;
		}
		got += (uint64_t)n;
		c->st->unpacked_bytes += (uint64_t)n;
		if (got > c->lim->max_entry_bytes)
			return refuse_entry(c, "read %" PRIu64 " bytes: exceeds max_entry_bytes %"
			    PRIu64, got, c->lim->max_entry_bytes);
		if (check_data_limits(c) < 0)
			return -1;
	}
	if (is_install && (headlen < 2 || head[0] != '#' || head[1] != '!'))
		return refuse_entry(c, "install.sh does not begin with #!");
	return 0;
}

/* ---- the whole archive ---------------------------------------------------- */

static int
check_tail(struct ctx *c)
{
	const void *b;
	size_t n, nz;
	la_int64_t o, tar_end, gz_end;
	uint64_t at;
	ssize_t r;
	int rr;

	/* 1. Decompressed bytes already handed to the tar reader, past its end. */
	tar_end = archive_filter_bytes(c->inner, 0);
	if (tar_end < 0 || (uint64_t)tar_end > c->stream_bytes)
		return refuse(c, "cannot tell where the tar ends");
	if ((uint64_t)tar_end < c->entries_end + 512)
		return refuse(c, "no tar end-of-archive marker");
	if (c->nonzero_end > (uint64_t)tar_end)
		return refuse(c, "non-zero data after the tar end-of-archive marker "
		    "(the tar ends at decompressed offset %" PRId64 ")", (int64_t)tar_end);
	if (check_headers(c, c->entries_end, (uint64_t)tar_end) < 0)
		return -1;
	/* 2. The rest of the decompressed stream. */
	while (!c->outer_eof) {
		rr = archive_read_data_block(c->outer, &b, &n, &o);
		if (rr == ARCHIVE_EOF)
			break;
		if (rr != ARCHIVE_OK)
			return refuse(c, "gzip stream: %s", aerr(c->outer));
		nz = nonzero_tail(b, n);
		if (nz > 0)
			return refuse(c, "non-zero data after the tar end-of-archive marker "
			    "(at decompressed offset %" PRIu64 ", the tar ends at %" PRId64 ")",
			    c->stream_bytes + (uint64_t)(nonzero_head(b, n) - (const unsigned char *)b),
			    (int64_t)tar_end);
		c->stream_bytes += n;
		if (check_stream_limits(c) < 0)
			return -1;
	}
	c->outer_eof = 1;
	/* 3. Raw bytes after the end of the (last) gzip member. */
	gz_end = archive_filter_bytes(c->outer, -1);
	if (gz_end <= 0 || (uint64_t)gz_end > c->size)
		return refuse(c, "cannot tell where the gzip stream ends");
	for (at = (uint64_t)gz_end; at < c->size; at += (uint64_t)r) {
		size_t want = c->size - at < CHUNK ? (size_t)(c->size - at) : CHUNK;

		do
			r = pread(c->fd, c->rbuf, want, (off_t)at);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return refuse(c, "pread at %" PRIu64 ": %s", at, strerror(errno));
		if (r == 0)
			return refuse(c, "the fd ends at %" PRIu64 ", before its size %" PRIu64,
			    at, c->size);
		nz = nonzero_tail(c->rbuf, (size_t)r);
		if (nz > 0)
			return refuse(c, "non-zero data after the end of the gzip stream "
			    "(offset %" PRIu64 ", the gzip stream ends at %" PRIu64 ")",
			    at + nz - 1, (uint64_t)gz_end);
	}
	return 0;
}

/* Does the fd begin with the gzip magic and method (1f 8b 08)? */
static int
gzip_magic(struct ctx *c)
{
	unsigned char m[3];
	ssize_t n;

	do
		n = pread(c->fd, m, sizeof(m), 0);
	while (n < 0 && errno == EINTR);
	return n == 3 && m[0] == 0x1f && m[1] == 0x8b && m[2] == 0x08;
}

static int
check_all(struct ctx *c)
{
	struct archive_entry *e;
	la_int64_t pos;
	int r, is_install;

	c->outer = archive_read_new();
	if (c->outer == NULL)
		return refuse(c, "out of memory");
	if (archive_read_support_filter_gzip(c->outer) != ARCHIVE_OK ||
	    archive_read_support_format_raw(c->outer) != ARCHIVE_OK ||
	    archive_read_set_read_callback(c->outer, outer_read) != ARCHIVE_OK ||
	    archive_read_set_skip_callback(c->outer, outer_skip) != ARCHIVE_OK ||
	    archive_read_set_seek_callback(c->outer, outer_seek) != ARCHIVE_OK ||
	    archive_read_set_callback_data(c->outer, c) != ARCHIVE_OK)
		return refuse(c, "libarchive setup: %s", aerr(c->outer));
	if (archive_read_open1(c->outer) != ARCHIVE_OK) {
		/* libarchive decompresses ahead while opening: say which it was. */
		if (gzip_magic(c))
			return refuse(c, "gzip stream: %s", aerr(c->outer));
		return refuse(c, "not a gzip-compressed tar: %s", aerr(c->outer));
	}
	/* The filters are chosen at open: gzip, then the client's bytes. */
	if (archive_filter_count(c->outer) != 2 ||
	    archive_filter_code(c->outer, 0) != ARCHIVE_FILTER_GZIP)
		return refuse(c, "not a gzip-compressed tar: not gzip-compressed");
	if (archive_read_next_header(c->outer, &e) != ARCHIVE_OK)
		return refuse(c, "gzip stream: %s", aerr(c->outer));

	c->inner = archive_read_new();
	if (c->inner == NULL)
		return refuse(c, "out of memory");
	if (archive_read_support_format_tar(c->inner) != ARCHIVE_OK ||
	    archive_read_set_read_callback(c->inner, inner_read) != ARCHIVE_OK ||
	    archive_read_set_callback_data(c->inner, c) != ARCHIVE_OK)
		return refuse(c, "libarchive setup: %s", aerr(c->inner));
	if (archive_read_open1(c->inner) != ARCHIVE_OK)
		return refuse(c, "not a gzip-compressed tar: %s", aerr(c->inner));

	for (;;) {
		c->cur_name = NULL;
		r = archive_read_next_header(c->inner, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			if (c->st->entries == 0)
				return refuse(c, "not a gzip-compressed tar: %s", aerr(c->inner));
			return refuse(c, "after entry %" PRIu64 ": tar: %s", c->st->entries,
			    aerr(c->inner));
		}
		if (archive_format(c->inner) == 0 ||
		    (archive_format(c->inner) & ARCHIVE_FORMAT_BASE_MASK) != ARCHIVE_FORMAT_TAR)
			return refuse(c, "not a gzip-compressed tar: format %s",
			    archive_format_name(c->inner) ? archive_format_name(c->inner) : "?");
		c->st->entries++;
		if (c->st->entries > c->lim->max_entries)
			return refuse(c, "more than max_entries %" PRIu64 " entries",
			    c->lim->max_entries);
		pos = archive_filter_bytes(c->inner, 0);
		if (check_entry(c, e, &is_install) < 0 ||
		    check_headers(c, c->entries_end, (uint64_t)pos) < 0 ||
		    read_entry_data(c, is_install) < 0)
			return -1;
		/* Its data read, the entry ends at the next 512-byte boundary. */
		pos = archive_filter_bytes(c->inner, 0);
		if (pos < 0)
			return refuse(c, "cannot tell where entry %" PRIu64 " ends", c->st->entries);
		c->entries_end = ((uint64_t)pos + 511) & ~(uint64_t)511;
	}
	c->cur_name = NULL;
	if (!c->have_install)
		return refuse(c, "no install.sh at the top");
	return check_tail(c);
}

int
vfy_archive_check_fd(int fd, uint64_t size, const struct gwe_limits *lim,
    struct vfy_archive_stats *stats, char *reason, size_t reasonlen)
{
	struct ctx c;
	struct vfy_archive_stats dummy;

	memset(&c, 0, sizeof(c));
	if (stats == NULL)
		stats = &dummy;
	memset(stats, 0, sizeof(*stats));
	if (reason != NULL && reasonlen > 0)
		reason[0] = '\0';
	c.fd = fd;
	c.size = size;
	c.lim = lim;
	c.st = stats;
	c.reason = reason;
	c.reasonlen = reasonlen;
	if (lim == NULL)
		return refuse(&c, "no limits");
	c.overhead_max = sat_add(OVERHEAD_BASE, sat_mul(OVERHEAD_PER_ENTRY, lim->max_entries));
	if (fd < 0)
		return refuse(&c, "bad fd");
	if (size > lim->max_tarball_bytes)
		return refuse(&c, "tarball of %" PRIu64 " bytes exceeds max_tarball_bytes %" PRIu64,
		    size, lim->max_tarball_bytes);
	c.rbuf = malloc(CHUNK);
	c.dbuf = malloc(CHUNK);
	c.ring = malloc(RING);
	if (c.rbuf == NULL || c.dbuf == NULL || c.ring == NULL) {
		refuse(&c, "out of memory");
		goto out;
	}
	if (table_init(&c) < 0)
		goto out;
	(void)check_all(&c);
out:
	/* The tar reader pulls from the gzip reader: close it first. */
	if (c.inner != NULL) {
		if (archive_read_close(c.inner) != ARCHIVE_OK)
			refuse(&c, "closing the tar reader: %s", aerr(c.inner));
		if (archive_read_free(c.inner) != ARCHIVE_OK)
			refuse(&c, "freeing the tar reader failed");
	}
	if (c.outer != NULL) {
		if (archive_read_close(c.outer) != ARCHIVE_OK)
			refuse(&c, "closing the gzip reader: %s", aerr(c.outer));
		if (archive_read_free(c.outer) != ARCHIVE_OK)
			refuse(&c, "freeing the gzip reader failed");
	}
	table_free(&c);
	free(c.rbuf);
	free(c.dbuf);
	free(c.ring);
	return c.refused ? -1 : 0;
}
