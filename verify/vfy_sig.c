/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * minisign public keys and signatures (docs/design.md section 7).
 *
 * Public key file:
 *	untrusted comment: <text>\n
 *	base64("Ed" || keyid[8] || pk[32])\n?
 * Signature file:
 *	untrusted comment: <text>\n
 *	base64("ED" || keyid[8] || sig[64])\n
 *	trusted comment: <text>\n
 *	base64(global_sig[64])\n?
 *
 * sig is Ed25519 over BLAKE2b-512(file); global_sig is Ed25519 over
 * sig || trusted comment.  Only LF line ends; every length is exact.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "../common/log.h"
#include "../common/util.h"
#include "vfy_sig.h"

#define ALG_LEN		2
#define PUBKEY_BIN_LEN	(ALG_LEN + VFY_KEYID_LEN + VFY_PK_LEN)	/* 42 */
#define SIG_BIN_LEN	(ALG_LEN + VFY_KEYID_LEN + VFY_SIG_LEN)	/* 74 */
#define B64_LINE_MAX	256	/* longest base64 line looked at */
#define KEYFILE_MAX	4096
#define KEYPATH_MAX	256	/* = sizeof(struct vfy_pubkey.source) */
#define KEYDIR_FILES_MAX 1024
#define CHUNK		(64 * 1024)

#define UNTRUSTED_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX	"trusted comment: "

_Static_assert(sizeof(((struct vfy_pubkey *)0)->source) == KEYPATH_MAX,
    "KEYPATH_MAX");

struct line {
	const char	*p;
	size_t		 len;
};

/*
 * Key id as minisign prints it in its comments: the 8 bytes as a
 * little-endian number, upper-case hex, no leading zeros ("%" PRIX64).
 */
static void
keyid_hex(const uint8_t keyid[VFY_KEYID_LEN], char out[2 * VFY_KEYID_LEN + 1])
{
	uint64_t v = 0;
	int i;

	for (i = VFY_KEYID_LEN - 1; i >= 0; i--)
		v = (v << 8) | keyid[i];
	snprintf(out, 2 * VFY_KEYID_LEN + 1, "%" PRIX64, v);
}

/*
 * Take line number lineno (1-based, for reasons) starting at *pos: up to
 * the next LF, or to the end of the text for the last line.  Refuses CR
 * and NUL.  what names the file kind in reasons.
 */
static int
next_line(const char *text, size_t len, size_t *pos, int lineno,
    const char *what, struct line *l, char *reason, size_t reasonlen)
{
	const char *nl;
	size_t rest;

	if (*pos >= len)
		return gwe_errf(reason, reasonlen, "%s: missing line %d", what,
		    lineno);
	rest = len - *pos;
	l->p = text + *pos;
	nl = memchr(l->p, '\n', rest);
	l->len = nl != NULL ? (size_t)(nl - l->p) : rest;
	*pos += l->len + (nl != NULL);
	if (memchr(l->p, '\r', l->len) != NULL)
		return gwe_errf(reason, reasonlen,
		    "%s: carriage return on line %d (only LF line ends)", what,
		    lineno);
	if (memchr(l->p, '\0', l->len) != NULL)
		return gwe_errf(reason, reasonlen, "%s: NUL byte on line %d", what,
		    lineno);
	return 0;
}

/* Line must be "<prefix><at most max bytes>". */
static int
comment_line(const struct line *l, const char *prefix, size_t max,
    int lineno, const char *what, char *reason, size_t reasonlen)
{
	size_t plen = strlen(prefix);

	if (l->len < plen || memcmp(l->p, prefix, plen) != 0)
		return gwe_errf(reason, reasonlen,
		    "%s: line %d does not start with \"%s\"", what, lineno,
		    prefix);
	if (l->len - plen > max)
		return gwe_errf(reason, reasonlen,
		    "%s: comment on line %d is longer than %zu bytes", what,
		    lineno, max);
	return 0;
}

/* Line must be the base64 (original alphabet, padded) of exactly want bytes. */
static int
b64_line(const struct line *l, uint8_t *out, size_t want, int lineno,
    const char *what, char *reason, size_t reasonlen)
{
	uint8_t buf[B64_LINE_MAX];
	const char *end = NULL;
	size_t binlen = 0;

	if (l->len == 0)
		return gwe_errf(reason, reasonlen, "%s: line %d is empty", what,
		    lineno);
	if (l->len > B64_LINE_MAX)
		return gwe_errf(reason, reasonlen, "%s: line %d is too long", what,
		    lineno);
	if (sodium_base642bin(buf, sizeof(buf), l->p, l->len, NULL, &binlen,
	    &end, sodium_base64_VARIANT_ORIGINAL) != 0 || end != l->p + l->len)
		return gwe_errf(reason, reasonlen, "%s: bad base64 on line %d",
		    what, lineno);
	if (binlen != want)
		return gwe_errf(reason, reasonlen,
		    "%s: line %d decodes to %zu bytes, not %zu", what, lineno,
		    binlen, want);
	memcpy(out, buf, want);
	sodium_memzero(buf, sizeof(buf));
	return 0;
}

/* After the last line: nothing, or nothing but that line's LF. */
static int
at_end(size_t pos, size_t len, int lineno, const char *what, char *reason,
    size_t reasonlen)
{
	if (pos != len)
		return gwe_errf(reason, reasonlen, "%s: trailing data after line %d",
		    what, lineno);
	return 0;
}

/*
 * The two lines both formats start with: "untrusted comment: ..." and the
 * base64 of exactly binlen bytes.
 */
static int
head_lines(const char *text, size_t len, size_t *pos, const char *what,
    uint8_t *bin, size_t binlen, char *reason, size_t reasonlen)
{
	struct line l;

	if (len == 0)
		return gwe_errf(reason, reasonlen, "%s: empty", what);
	if (next_line(text, len, pos, 1, what, &l, reason, reasonlen) == -1 ||
	    comment_line(&l, UNTRUSTED_PREFIX, VFY_COMMENT_MAX, 1, what,
	    reason, reasonlen) == -1)
		return -1;
	if (next_line(text, len, pos, 2, what, &l, reason, reasonlen) == -1 ||
	    b64_line(&l, bin, binlen, 2, what, reason, reasonlen) == -1)
		return -1;
	return 0;
}

int
vfy_pubkey_parse(const char *text, size_t len, struct vfy_pubkey *out,
    char *reason, size_t reasonlen)
{
	static const char what[] = "public key";
	uint8_t bin[PUBKEY_BIN_LEN];
	size_t pos = 0;

	if (head_lines(text, len, &pos, what, bin, sizeof(bin), reason,
	    reasonlen) == -1)
		return -1;
	if (at_end(pos, len, 2, what, reason, reasonlen) == -1)
		return -1;
	if (memcmp(bin, "Ed", ALG_LEN) != 0)
		return gwe_errf(reason, reasonlen,
		    "%s: unknown algorithm 0x%02x%02x", what, bin[0], bin[1]);
	memset(out, 0, sizeof(*out));
	memcpy(out->keyid, bin + ALG_LEN, VFY_KEYID_LEN);
	memcpy(out->pk, bin + ALG_LEN + VFY_KEYID_LEN, VFY_PK_LEN);
	return 0;
}

static int
sig_alg(const uint8_t *bin, char *reason, size_t reasonlen)
{
	if (memcmp(bin, "ED", ALG_LEN) == 0)
		return 0;
	if (memcmp(bin, "Ed", ALG_LEN) == 0)
		return gwe_errf(reason, reasonlen,
		    "signature: legacy Ed signatures are refused");
	return gwe_errf(reason, reasonlen,
	    "signature: unknown algorithm 0x%02x%02x", bin[0], bin[1]);
}

/*
 * Legacy "Ed" signatures are refused here already, as the parsed
 * structure has no room for the algorithm: everything in it is "ED".
 */
int
vfy_minisig_parse(const char *text, size_t len, struct vfy_minisig *out,
    char *reason, size_t reasonlen)
{
	static const char what[] = "signature";
	uint8_t bin[SIG_BIN_LEN], gsig[VFY_SIG_LEN];
	struct line l, tc;
	size_t pos = 0, plen = strlen(TRUSTED_PREFIX);

	if (head_lines(text, len, &pos, what, bin, sizeof(bin), reason,
	    reasonlen) == -1)
		return -1;
	if (next_line(text, len, &pos, 3, what, &tc, reason, reasonlen) == -1 ||
	    comment_line(&tc, TRUSTED_PREFIX, VFY_COMMENT_MAX, 3, what,
	    reason, reasonlen) == -1)
		return -1;
	if (next_line(text, len, &pos, 4, what, &l, reason, reasonlen) == -1 ||
	    b64_line(&l, gsig, sizeof(gsig), 4, what, reason, reasonlen) == -1)
		return -1;
	if (at_end(pos, len, 4, what, reason, reasonlen) == -1)
		return -1;
	if (sig_alg(bin, reason, reasonlen) == -1)
		return -1;
	memset(out, 0, sizeof(*out));
	memcpy(out->keyid, bin + ALG_LEN, VFY_KEYID_LEN);
	memcpy(out->sig, bin + ALG_LEN + VFY_KEYID_LEN, VFY_SIG_LEN);
	memcpy(out->trusted_comment, tc.p + plen, tc.len - plen);
	memcpy(out->global_sig, gsig, VFY_SIG_LEN);
	return 0;
}

/* ---- key ring ------------------------------------------------------------ */

static const struct vfy_pubkey *
keyring_find(const struct vfy_keyring *kr, const uint8_t keyid[VFY_KEYID_LEN])
{
	size_t i;

	for (i = 0; i < kr->n && i < VFY_MAX_KEYS; i++)
		if (memcmp(kr->keys[i].keyid, keyid, VFY_KEYID_LEN) == 0)
			return &kr->keys[i];
	return NULL;
}

int
vfy_keyring_add_at(struct vfy_keyring *kr, int dirfd, const char *name,
    const char *path, int oflags, char *reason, size_t reasonlen)
{
	char *buf, why[VFY_REASON_MAX];
	struct vfy_pubkey pk;
	size_t len = 0;
	int fd, r, e;

	if (strlen(path) >= sizeof(pk.source))
		return gwe_errf(reason, reasonlen, "keys: path too long: %.64s...",
		    path);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY |
	    oflags);
	if (fd == -1)
		return gwe_errf(reason, reasonlen, "keys: %s: %s", path,
		    strerror(errno));
	r = gwe_read_fd(fd, KEYFILE_MAX, &buf, &len);
	e = errno;
	close(fd);
	if (r == -1 && e == EFBIG)
		return gwe_errf(reason, reasonlen, "keys: %s: larger than %d bytes", path,
		    KEYFILE_MAX);
	if (r == -1)
		return gwe_errf(reason, reasonlen, "keys: %s: %s", path,
		    e == EINVAL ? "not a regular file" : strerror(e));
	r = vfy_pubkey_parse(buf, len, &pk, why, sizeof(why));
	free(buf);
	if (r == -1)
		return gwe_errf(reason, reasonlen, "keys: %s: %s", path, why);
	if (keyring_find(kr, pk.keyid) != NULL)
		return 0;	/* the same key id twice: keep the first */
	if (kr->n >= VFY_MAX_KEYS)
		return gwe_errf(reason, reasonlen, "keys: %s: more than %d keys",
		    path, VFY_MAX_KEYS);
	memcpy(pk.source, path, strlen(path) + 1);
	kr->keys[kr->n++] = pk;
	return 0;
}

static int
is_pub_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 4 && strcmp(name + len - 4, ".pub") == 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

static void
free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The names of the regular *.pub files in d, sorted. */
static int
list_pub(DIR *d, const char *dir, char ***namesp, size_t *np, char *reason,
    size_t reasonlen)
{
	struct dirent *de;
	struct stat st;
	char **names = NULL, **nn;
	size_t n = 0;

	while ((errno = 0, de = readdir(d)) != NULL) {
		if (!is_pub_name(de->d_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode))
			continue;
		if (n >= KEYDIR_FILES_MAX ||
		    (nn = realloc(names, (n + 1) * sizeof(*names))) == NULL) {
			free_names(names, n);
			return gwe_errf(reason, reasonlen,
			    "keys: %s: too many files", dir);
		}
		names = nn;
		if ((names[n] = strdup(de->d_name)) == NULL) {
			free_names(names, n);
			return gwe_errf(reason, reasonlen, "keys: %s: %s", dir,
			    strerror(ENOMEM));
		}
		n++;
	}
	if (errno != 0) {
		free_names(names, n);
		return gwe_errf(reason, reasonlen, "keys: %s: %s", dir,
		    strerror(errno));
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	*namesp = names;
	*np = n;
	return 0;
}

/* kr is emptied first; on error it is left empty. */
int
vfy_keyring_load_dir(struct vfy_keyring *kr, const char *dir, char *reason,
    size_t reasonlen)
{
	char path[KEYPATH_MAX];
	char **names = NULL;
	size_t i, n = 0;
	DIR *d;
	int r = 0;

	memset(kr, 0, sizeof(*kr));
	if ((d = opendir(dir)) == NULL)
		return gwe_errf(reason, reasonlen, "keys: %s: %s", dir,
		    strerror(errno));
	if (list_pub(d, dir, &names, &n, reason, reasonlen) == -1) {
		closedir(d);
		return -1;
	}
	for (i = 0; i < n && r == 0; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    names[i]) >= sizeof(path))
			r = gwe_errf(reason, reasonlen, "keys: %s: path too long",
			    names[i]);
		else
			r = vfy_keyring_add_at(kr, dirfd(d), names[i], path,
			    O_NOFOLLOW, reason, reasonlen);
	}
	free_names(names, n);
	closedir(d);
	if (r == -1)
		memset(kr, 0, sizeof(*kr));
	return r;
}

int
vfy_keyring_load_policy(struct vfy_keyring *kr, const char *keys_dir, int require_signature,
    char *err, size_t errlen)
{
	char why[512];

	if (vfy_keyring_load_dir(kr, keys_dir, why, sizeof(why)) == -1) {
		if (require_signature)
			return gwe_errf(err, errlen, "keys not loaded dir=%s reason=\"%s\"",
			    keys_dir, why);
		log_warnx("keys not loaded dir=%s reason=\"%s\"", keys_dir, why);
	}
	if (require_signature && kr->n == 0)
		return gwe_errf(err, errlen, "no trusted key dir=%s require_signature=true",
		    keys_dir);
	log_info("keys loaded count=%zu dir=%s", kr->n, keys_dir);
	return 0;
}

/* ---- checking -------------------------------------------------------------- */

/* vfy_digest_fd(), but -2 when the file ends before size. */
static int
digest_fd(int fd, uint64_t size, uint8_t digest[VFY_DIGEST_LEN])
{
	crypto_generichash_state st;
	uint8_t buf[CHUNK];
	uint64_t off = 0;
	size_t want;

	if ((uint64_t)(off_t)size != size || (off_t)size < 0) {
		errno = EFBIG;
		return -1;
	}
	/* sodium_init(): 1 when done before, as it is in the sandboxes. */
	if (sodium_init() < 0 || crypto_generichash_init(&st, NULL, 0, VFY_DIGEST_LEN) != 0) {
		errno = EINVAL;
		return -1;
	}
	while (off < size) {
		want = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
		if (gwe_read_at(fd, buf, want, (off_t)off) < want) {
			if (errno != 0)
				return -1;
			errno = EIO;
			return -2;
		}
		crypto_generichash_update(&st, buf, want);
		off += want;
	}
	crypto_generichash_final(&st, digest, VFY_DIGEST_LEN);
	return 0;
}

int
vfy_digest_fd(int fd, uint64_t size, uint8_t digest[VFY_DIGEST_LEN])
{
	return digest_fd(fd, size, digest) == 0 ? 0 : -1;
}

static int
check_global(const struct vfy_minisig *sig, const struct vfy_pubkey *pk,
    char *reason, size_t reasonlen)
{
	uint8_t msg[VFY_SIG_LEN + VFY_COMMENT_MAX];
	size_t clen;

	clen = strnlen(sig->trusted_comment, sizeof(sig->trusted_comment));
	if (clen > VFY_COMMENT_MAX)
		return gwe_errf(reason, reasonlen,
		    "signature: trusted comment is not terminated");
	memcpy(msg, sig->sig, VFY_SIG_LEN);
	memcpy(msg + VFY_SIG_LEN, sig->trusted_comment, clen);
	if (crypto_sign_verify_detached(sig->global_sig, msg,
	    VFY_SIG_LEN + clen, pk->pk) != 0)
		return gwe_errf(reason, reasonlen,
		    "signature: global signature does not verify");
	return 0;
}

/* expires:<decimal unix time>: digits only (at most 19), fits in int64. */
static int
parse_expires(const char *v, size_t len, int64_t *out)
{
	uint64_t t;

	if (len > 19 || gwe_parse_u64n(v, len, 0, INT64_MAX, &t) == -1)
		return -1;
	*out = (int64_t)t;
	return 0;
}

struct tokens {
	const char	*file;
	size_t		 filelen;
	int		 nfile;
	const char	*expires;
	size_t		 expireslen;
	int		 nexpires;
};

/* Split the trusted comment on TAB into key:value tokens; others are ignored. */
static void
scan_tokens(const char *c, struct tokens *t)
{
	const char *end;
	size_t len;

	memset(t, 0, sizeof(*t));
	for (;;) {
		len = strcspn(c, "\t");
		end = c + len;
		if (len >= 5 && memcmp(c, "file:", 5) == 0) {
			t->file = c + 5;
			t->filelen = len - 5;
			t->nfile++;
		} else if (len >= 8 && memcmp(c, "expires:", 8) == 0) {
			t->expires = c + 8;
			t->expireslen = len - 8;
			t->nexpires++;
		}
		if (*end == '\0')
			break;
		c = end + 1;
	}
}

static int
check_comment(const struct vfy_minisig *sig, const char *name, time_t now,
    char *reason, size_t reasonlen)
{
	struct tokens t;
	int64_t exp;

	scan_tokens(sig->trusted_comment, &t);
	if (t.nfile == 0)
		return gwe_errf(reason, reasonlen,
		    "signature: trusted comment has no file: token");
	if (t.nfile > 1)
		return gwe_errf(reason, reasonlen,
		    "signature: trusted comment has more than one file: token");
	if (t.filelen != strlen(name) || memcmp(t.file, name, t.filelen) != 0)
		return gwe_errf(reason, reasonlen,
		    "signature: file:%.*s does not match %s", (int)t.filelen,
		    t.file, name);
	if (t.nexpires == 0)
		return 0;
	if (t.nexpires > 1)
		return gwe_errf(reason, reasonlen,
		    "signature: trusted comment has more than one expires: token");
	if (parse_expires(t.expires, t.expireslen, &exp) == -1)
		return gwe_errf(reason, reasonlen,
		    "signature: malformed expires:%.*s", (int)t.expireslen,
		    t.expires);
	if ((int64_t)now >= exp)
		return gwe_errf(reason, reasonlen, "signature: expired at %lld",
		    (long long)exp);
	return 0;
}

int
vfy_sig_check_fd(int fd, uint64_t size, const char *name,
    const struct vfy_minisig *sig, const struct vfy_keyring *kr, time_t now,
    uint8_t digest[VFY_DIGEST_LEN], char *reason, size_t reasonlen)
{
	const struct vfy_pubkey *pk;
	char idhex[2 * VFY_KEYID_LEN + 1];
	int dr, derr = 0;

	memset(digest, 0, VFY_DIGEST_LEN);
	if (name == NULL || sig == NULL || kr == NULL)
		return gwe_errf(reason, reasonlen, "signature: nothing to check");
	if (sodium_init() < 0)
		return gwe_errf(reason, reasonlen, "signature: sodium_init failed");
	/* The digest first, so it can be logged with any refusal. */
	if ((dr = digest_fd(fd, size, digest)) != 0) {
		derr = errno;
		memset(digest, 0, VFY_DIGEST_LEN);
	}
	/* The algorithm: vfy_minisig_parse() only lets "ED" through. */
	if ((pk = keyring_find(kr, sig->keyid)) == NULL) {
		keyid_hex(sig->keyid, idhex);
		return gwe_errf(reason, reasonlen,
		    "signature: key id %s matches no trusted key", idhex);
	}
	if (check_global(sig, pk, reason, reasonlen) == -1 ||
	    check_comment(sig, name, now, reason, reasonlen) == -1)
		return -1;
	if (dr == -2)
		return gwe_errf(reason, reasonlen,
		    "signature: %s is shorter than %llu bytes", name,
		    (unsigned long long)size);
	if (dr != 0)
		return gwe_errf(reason, reasonlen, "signature: cannot read %s: %s",
		    name, strerror(derr));
	if (crypto_sign_verify_detached(sig->sig, digest, VFY_DIGEST_LEN,
	    pk->pk) != 0)
		return gwe_errf(reason, reasonlen, "signature: does not verify");
	return 0;
}
