/*
 * Unit tests for verify/vfy_sig.c: minisign keys and signatures, made
 * with Debian's minisign CLI in a temporary directory, plus hand-made
 * texts (libsodium) for the malformed and corner cases.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "../../common/log.h"
#include "../../verify/vfy_sig.h"
#include "../../verify/vfy_sig_file.h"

#define FILE_NAME	"app.v1.2.tar.gz"
#define FILE_SIZE	(200 * 1024 + 17)	/* several 64 KiB chunks */

/* A key pair of our own, for hand-made signatures. */
struct ownkey {
	uint8_t	keyid[VFY_KEYID_LEN];
	uint8_t	pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t	sk[crypto_sign_SECRETKEYBYTES];
};

struct fx {
	char		dir[64];
	char		file[128];	/* dir/FILE_NAME */
	uint8_t		*data;		/* its bytes */
	size_t		size;
	struct vfy_keyring ring;	/* dir/keys: k1 and k2 */
	struct ownkey	own;
	struct vfy_keyring ownring;	/* own only */
};

static struct fx *F;

/* ---- helpers --------------------------------------------------------------- */

static char *
pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A path in a small static ring of buffers. */
static char *
pathf(const char *fmt, ...)
{
	static char bufs[8][256];
	static int next;
	char *b = bufs[next++ % 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(bufs[0]), fmt, ap);
	va_end(ap);
	return b;
}

/* Run argv with stdout/stderr to /dev/null; returns the exit status. */
static int
run(const char *const argv[])
{
	pid_t pid;
	int st, fd;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
writefile(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* The file's bytes in a buffer of exactly its length (for ASan). */
static uint8_t *
slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *p;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	assert_int_equal(fstat(fileno(f), &st), 0);
	*len = (size_t)st.st_size;
	p = malloc(*len > 0 ? *len : 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, *len, f), *len);
	fclose(f);
	return p;
}

/* Sign path with minisign: key is "k1" etc.; tc NULL for the default comment. */
static void
msign(const char *key, const char *path, const char *sigpath, const char *tc,
    int legacy)
{
	const char *argv[16];
	int n = 0;

	argv[n++] = "minisign";
	argv[n++] = "-S";
	if (legacy)
		argv[n++] = "-l";
	argv[n++] = "-s";
	argv[n++] = pathf("%s/%s.key", F->dir, key);
	argv[n++] = "-m";
	argv[n++] = path;
	argv[n++] = "-x";
	argv[n++] = sigpath;
	if (tc != NULL) {
		argv[n++] = "-t";
		argv[n++] = tc;
	}
	argv[n] = NULL;
	if (run(argv) != 0)
		fail_msg("minisign -S %s failed", path);
}

/* Parse a signature (sig) or a key (pk) given as bytes in an exact-length copy. */
static int
parse_copy(const void *text, size_t len, struct vfy_minisig *sig, struct vfy_pubkey *pk,
    char *why)
{
	char *copy = malloc(len > 0 ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, text, len);
	why[0] = '\0';
	r = sig != NULL ? vfy_minisig_parse(copy, len, sig, why, VFY_REASON_MAX) :
	    vfy_pubkey_parse(copy, len, pk, why, VFY_REASON_MAX);
	free(copy);
	return r;
}

static int
parse_sig(const void *text, size_t len, struct vfy_minisig *sig, char *why)
{
	return parse_copy(text, len, sig, NULL, why);
}

static int
parse_pub(const void *text, size_t len, struct vfy_pubkey *pk, char *why)
{
	return parse_copy(text, len, NULL, pk, why);
}

static void
load_sig(const char *sigpath, struct vfy_minisig *sig)
{
	char why[VFY_REASON_MAX];
	uint8_t *t;
	size_t len;

	if ((t = slurp(sigpath, &len)) == NULL)
		fail_msg("cannot read %s", sigpath);
	if (parse_sig(t, len, sig, why) != 0)
		fail_msg("%s: %s", sigpath, why);
	free(t);
}

/* Check path (as name) against sig with ring; size -1 means the file's size. */
static int
check_path(const char *path, const char *name, const struct vfy_minisig *sig,
    const struct vfy_keyring *kr, time_t now, uint8_t *digest, char *why,
    int64_t size)
{
	uint8_t d[VFY_DIGEST_LEN];
	struct stat st;
	int fd, r;

	if ((fd = open(path, O_RDONLY)) == -1)
		fail_msg("open %s", path);
	assert_int_equal(fstat(fd, &st), 0);
	why[0] = '\0';
	r = vfy_sig_check_fd(fd, size < 0 ? (uint64_t)st.st_size :
	    (uint64_t)size, name, sig, kr, now, digest ? digest : d, why,
	    VFY_REASON_MAX);
	close(fd);
	return r;
}

static void
expect_reason(int r, const char *why, const char *want)
{
	if (r != -1)
		fail_msg("accepted, wanted refusal \"%s\"", want);
	if (strstr(why, want) == NULL)
		fail_msg("reason \"%s\" lacks \"%s\"", why, want);
}

static void
expect_ok(int r, const char *why)
{
	if (r != 0)
		fail_msg("refused: %s", why);
}

/* Sign F->file with key and comment tc, then check it as name at now. */
static int
sign_check(const char *key, const char *tc, const char *name, time_t now,
    char *why)
{
	struct vfy_minisig sig;
	const char *sp = pathf("%s/tmp.minisig", F->dir);

	msign(key, F->file, sp, tc, 0);
	load_sig(sp, &sig);
	return check_path(F->file, name, &sig, &F->ring, now, NULL, why, -1);
}

static char *
b64(const void *p, size_t len)
{
	size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(n);

	assert_non_null(s);
	sodium_bin2base64(s, n, p, len, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

/*
 * A hand-made signature text of data by our own key: alg "ED" (prehashed)
 * or "Ed" (legacy), trusted comment tc (clen bytes).
 */
static char *
craft(const char *alg, const uint8_t *data, size_t len, const char *tc,
    size_t clen)
{
	uint8_t bin[2 + VFY_KEYID_LEN + VFY_SIG_LEN], dig[VFY_DIGEST_LEN];
	uint8_t gsig[VFY_SIG_LEN], *msg;
	char *l2, *l4, *out;
	size_t outlen;

	memcpy(bin, alg, 2);
	memcpy(bin + 2, F->own.keyid, VFY_KEYID_LEN);
	if (strcmp(alg, "Ed") == 0) {
		crypto_sign_detached(bin + 2 + VFY_KEYID_LEN, NULL, data, len,
		    F->own.sk);
	} else {
		crypto_generichash(dig, sizeof(dig), data, len, NULL, 0);
		crypto_sign_detached(bin + 2 + VFY_KEYID_LEN, NULL, dig,
		    sizeof(dig), F->own.sk);
	}
	msg = malloc(VFY_SIG_LEN + clen);
	assert_non_null(msg);
	memcpy(msg, bin + 2 + VFY_KEYID_LEN, VFY_SIG_LEN);
	memcpy(msg + VFY_SIG_LEN, tc, clen);
	crypto_sign_detached(gsig, NULL, msg, VFY_SIG_LEN + clen, F->own.sk);
	free(msg);
	l2 = b64(bin, sizeof(bin));
	l4 = b64(gsig, sizeof(gsig));
	outlen = 64 + strlen(l2) + clen + strlen(l4);
	out = malloc(outlen + 1);
	assert_non_null(out);
	snprintf(out, outlen + 1, "untrusted comment: crafted\n%s\n"
	    "trusted comment: %.*s\n%s\n", l2, (int)clen, tc, l4);
	free(l2);
	free(l4);
	return out;
}

/* ---- fixture --------------------------------------------------------------- */

static void
genkey(const char *name)
{
	const char *argv[] = { "minisign", "-G", "-W",
	    "-p", pathf("%s/%s.pub", F->dir, name),
	    "-s", pathf("%s/%s.key", F->dir, name), NULL };

	if (run(argv) != 0)
		fail_msg("minisign -G %s failed", name);
}

static void
copyfile(const char *from, const char *to)
{
	uint8_t *p;
	size_t len;

	assert_non_null(p = slurp(from, &len));
	writefile(to, p, len);
	free(p);
}

static int
group_setup(void **state)
{
	char why[VFY_REASON_MAX];
	size_t i;

	(void)state;
	if (sodium_init() < 0)
		return -1;
	F = calloc(1, sizeof(*F));
	assert_non_null(F);
	strcpy(F->dir, "/tmp/gwe-test-sig.XXXXXX");
	assert_non_null(mkdtemp(F->dir));
	snprintf(F->file, sizeof(F->file), "%s/%s", F->dir, FILE_NAME);
	F->size = FILE_SIZE;
	assert_non_null(F->data = malloc(F->size));
	for (i = 0; i < F->size; i++)
		F->data[i] = (uint8_t)(i * 7 + (i >> 9));
	writefile(F->file, F->data, F->size);
	genkey("k1");
	genkey("k2");
	genkey("k3");
	assert_int_equal(mkdir(pathf("%s/keys", F->dir), 0700), 0);
	copyfile(pathf("%s/k1.pub", F->dir), pathf("%s/keys/k1.pub", F->dir));
	copyfile(pathf("%s/k2.pub", F->dir), pathf("%s/keys/k2.pub", F->dir));
	if (vfy_keyring_load_dir(&F->ring, pathf("%s/keys", F->dir), why,
	    sizeof(why)) != 0)
		fail_msg("load keys: %s", why);
	crypto_sign_keypair(F->own.pk, F->own.sk);
	randombytes_buf(F->own.keyid, sizeof(F->own.keyid));
	memcpy(F->ownring.keys[0].keyid, F->own.keyid, VFY_KEYID_LEN);
	memcpy(F->ownring.keys[0].pk, F->own.pk, VFY_PK_LEN);
	F->ownring.n = 1;
	return 0;
}

static int
group_teardown(void **state)
{
	const char *argv[] = { "rm", "-rf", NULL, NULL };

	(void)state;
	if (F == NULL)
		return 0;
	argv[2] = F->dir;
	run(argv);
	free(F->data);
	free(F);
	F = NULL;
	return 0;
}

/* ---- tests --------------------------------------------------------------- */

static void
test_good(void **state)
{
	uint8_t digest[VFY_DIGEST_LEN], want[VFY_DIGEST_LEN];
	char why[VFY_REASON_MAX];
	struct vfy_minisig sig;
	const char *sp = pathf("%s/good.minisig", F->dir);
	struct stat st;
	int fd;

	(void)state;
	assert_int_equal(F->ring.n, 2);
	msign("k1", F->file, sp, NULL, 0);
	load_sig(sp, &sig);
	assert_non_null(strstr(sig.trusted_comment, "file:" FILE_NAME));
	crypto_generichash(want, sizeof(want), F->data, F->size, NULL, 0);

	/* pread only: the fd's offset is left alone */
	assert_int_not_equal(fd = open(F->file, O_RDONLY), -1);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(lseek(fd, 7, SEEK_SET), 7);
	expect_ok(vfy_sig_check_fd(fd, (uint64_t)st.st_size, FILE_NAME, &sig,
	    &F->ring, time(NULL), digest, why, sizeof(why)), why);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 7);
	close(fd);
	assert_memory_equal(digest, want, sizeof(want));
}

static void
test_unsigned(void **state)
{
	static const char one[] = "untrusted comment: x\n";
	char why[VFY_REASON_MAX];
	struct vfy_minisig sig;
	size_t len;

	(void)state;
	expect_reason(parse_sig("", 0, &sig, why), why, "signature: empty");
	expect_reason(parse_sig(one, strlen(one), &sig, why), why,
	    "missing line 2");
	assert_null(slurp(pathf("%s/nothing.minisig", F->dir), &len));
}

static void
test_wrong_key(void **state)
{
	char why[VFY_REASON_MAX], idhex[17];
	const char *p;
	uint8_t *pub;
	size_t len;

	(void)state;
	expect_reason(sign_check("k3", NULL, FILE_NAME, time(NULL), why), why,
	    "matches no trusted key");
	/* the reason names the key id as minisign prints it */
	assert_non_null(pub = slurp(pathf("%s/k3.pub", F->dir), &len));
	p = memmem(pub, len, "public key ", 11);
	assert_non_null(p);
	/* minisign prints it without leading zeros: up to the end of the line */
	len = strcspn(p + 11, "\n");
	assert_true(len >= 1 && len <= 16);
	memcpy(idhex, p + 11, len);
	idhex[len] = '\0';
	free(pub);
	assert_non_null(strstr(why, idhex));
	/* and as a whole word: "key id <id> matches" */
	assert_non_null(strstr(why, "key id "));
	assert_string_equal(strstr(why, "key id ") + 7 + len, " matches no trusted key");
}

static void
test_two_keys(void **state)
{
	char why[VFY_REASON_MAX];
	struct vfy_keyring kr;
	char kd[256];

	(void)state;
	snprintf(kd, sizeof(kd), "%s/keys2", F->dir);
	expect_ok(sign_check("k1", NULL, FILE_NAME, time(NULL), why), why);
	expect_ok(sign_check("k2", NULL, FILE_NAME, time(NULL), why), why);

	/* duplicates kept once, sorted; non-*.pub, dirs, links, dot files skipped */
	assert_int_equal(mkdir(kd, 0700), 0);
	copyfile(pathf("%s/k2.pub", F->dir), pathf("%s/b.pub", kd));
	copyfile(pathf("%s/k1.pub", F->dir), pathf("%s/a.pub", kd));
	copyfile(pathf("%s/k1.pub", F->dir), pathf("%s/c.pub", kd));
	copyfile(pathf("%s/k3.pub", F->dir), pathf("%s/k3.pub.old", kd));
	writefile(pathf("%s/.hidden.pub", kd), "junk", 4);
	writefile(pathf("%s/README", kd), "junk", 4);
	assert_int_equal(mkdir(pathf("%s/d.pub", kd), 0700), 0);
	assert_int_equal(symlink(pathf("%s/k3.pub", F->dir),
	    pathf("%s/e.pub", kd)), 0);
	expect_ok(vfy_keyring_load_dir(&kr, kd, why, sizeof(why)), why);
	assert_int_equal(kr.n, 2);
	assert_string_equal(kr.keys[0].source, pathf("%s/a.pub", kd));
	assert_string_equal(kr.keys[1].source, pathf("%s/b.pub", kd));
	assert_memory_equal(kr.keys[0].keyid, F->ring.keys[0].keyid,
	    VFY_KEYID_LEN);
	assert_memory_equal(kr.keys[1].keyid, F->ring.keys[1].keyid,
	    VFY_KEYID_LEN);
}

static void
test_tampered(void **state)
{
	size_t offs[] = { 0, FILE_SIZE / 2, FILE_SIZE - 1 };
	uint8_t digest[VFY_DIGEST_LEN], good[VFY_DIGEST_LEN];
	char why[VFY_REASON_MAX];
	struct vfy_minisig sig;
	char sp[256], tp[256];
	uint8_t *copy;
	size_t i;

	(void)state;
	snprintf(sp, sizeof(sp), "%s/tamper.minisig", F->dir);
	snprintf(tp, sizeof(tp), "%s/t/%s", F->dir, FILE_NAME);
	msign("k1", F->file, sp, NULL, 0);
	load_sig(sp, &sig);
	crypto_generichash(good, sizeof(good), F->data, F->size, NULL, 0);
	assert_int_equal(mkdir(pathf("%s/t", F->dir), 0700), 0);
	assert_non_null(copy = malloc(F->size));
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		memcpy(copy, F->data, F->size);
		copy[offs[i]] ^= 0x01;
		writefile(tp, copy, F->size);
		expect_reason(check_path(tp, FILE_NAME, &sig, &F->ring,
		    time(NULL), digest, why, -1), why,
		    "signature: does not verify");
		/* the digest is still filled, and is not the good one */
		assert_memory_not_equal(digest, good, sizeof(good));
	}
	free(copy);
	/* one byte short, one byte appended */
	expect_reason(check_path(F->file, FILE_NAME, &sig, &F->ring,
	    time(NULL), NULL, why, FILE_SIZE - 1), why, "does not verify");
	writefile(tp, F->data, F->size);
	{
		FILE *f = fopen(tp, "ab");

		assert_non_null(f);
		fputc(0, f);
		fclose(f);
	}
	expect_reason(check_path(tp, FILE_NAME, &sig, &F->ring, time(NULL),
	    NULL, why, -1), why, "does not verify");
	/* a size beyond the end of the file */
	expect_reason(check_path(F->file, FILE_NAME, &sig, &F->ring,
	    time(NULL), NULL, why, FILE_SIZE + 1), why, "is shorter than");
	/* a bad fd */
	why[0] = '\0';
	expect_reason(vfy_sig_check_fd(-1, 1, FILE_NAME, &sig, &F->ring,
	    time(NULL), digest, why, sizeof(why)), why, "cannot read");
}

static void
test_moved(void **state)
{
	char why[VFY_REASON_MAX];
	struct vfy_minisig sig;
	const char *sp = pathf("%s/moved.minisig", F->dir);
	const char *other = pathf("%s/app.v1.3.tar.gz", F->dir);

	(void)state;
	msign("k1", F->file, sp, NULL, 0);
	load_sig(sp, &sig);
	copyfile(F->file, other);
	expect_reason(check_path(other, "app.v1.3.tar.gz", &sig, &F->ring,
	    time(NULL), NULL, why, -1), why,
	    "signature: file:" FILE_NAME " does not match app.v1.3.tar.gz");
	expect_reason(check_path(other, "other.v1.2.tar.gz", &sig, &F->ring,
	    time(NULL), NULL, why, -1), why, "does not match");
}

static void
test_comment_file(void **state)
{
	char why[VFY_REASON_MAX];
	time_t now = time(NULL);

	(void)state;
	expect_reason(sign_check("k1", "timestamp:1\thashed", FILE_NAME, now,
	    why), why, "signature: trusted comment has no file: token");
	expect_reason(sign_check("k1", "xfile:" FILE_NAME, FILE_NAME, now,
	    why), why, "has no file: token");
	expect_reason(sign_check("k1", "file: " FILE_NAME, FILE_NAME, now,
	    why), why, "does not match");
	expect_reason(sign_check("k1", "file:" FILE_NAME " x", FILE_NAME, now,
	    why), why, "does not match");
	expect_reason(sign_check("k1", "file:" FILE_NAME "\tfile:" FILE_NAME,
	    FILE_NAME, now, why), why, "more than one file:");
	expect_ok(sign_check("k1", "file:" FILE_NAME, FILE_NAME, now, why),
	    why);
	expect_ok(sign_check("k1", "vendor:acme\tfile:" FILE_NAME "\tnote",
	    FILE_NAME, now, why), why);
}

static void
test_expires(void **state)
{
	char why[VFY_REASON_MAX], tc[128];
	time_t now = time(NULL), t = now + 3600;

	(void)state;
	expect_reason(sign_check("k1", "file:" FILE_NAME "\texpires:1000",
	    FILE_NAME, now, why), why, "signature: expired at 1000");
	snprintf(tc, sizeof(tc), "expires:%lld\tfile:%s", (long long)t,
	    FILE_NAME);
	expect_ok(sign_check("k1", tc, FILE_NAME, now, why), why);
	expect_ok(sign_check("k1", tc, FILE_NAME, t - 1, why), why);
	expect_reason(sign_check("k1", tc, FILE_NAME, t, why), why,
	    "expired at");
	expect_reason(sign_check("k1", tc, FILE_NAME, t + 1, why), why,
	    "expired at");
}

static void
test_expires_malformed(void **state)
{
	static const char *bad[] = {
		"expires:", "expires:12x", "expires:-5", "expires: 5",
		"expires:+5", "expires:0x10", "expires:99999999999999999999",
		"expires:9223372036854775808",
	};
	char why[VFY_REASON_MAX], tc[128];
	struct vfy_minisig sig;
	size_t i;
	char *t;

	(void)state;
	/* hand-made with our own key, to keep minisign runs few */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(tc, sizeof(tc), "file:%s\t%s", FILE_NAME, bad[i]);
		t = craft("ED", F->data, F->size, tc, strlen(tc));
		expect_ok(parse_sig(t, strlen(t), &sig, why), why);
		free(t);
		expect_reason(check_path(F->file, FILE_NAME, &sig, &F->ownring,
		    1, NULL, why, -1), why, "malformed expires");
	}
	snprintf(tc, sizeof(tc), "file:%s\texpires:9223372036854775807",
	    FILE_NAME);
	t = craft("ED", F->data, F->size, tc, strlen(tc));
	expect_ok(parse_sig(t, strlen(t), &sig, why), why);
	free(t);
	expect_ok(check_path(F->file, FILE_NAME, &sig, &F->ownring, time(NULL),
	    NULL, why, -1), why);
	snprintf(tc, sizeof(tc), "file:%s\texpires:5\texpires:9999999999",
	    FILE_NAME);
	t = craft("ED", F->data, F->size, tc, strlen(tc));
	expect_ok(parse_sig(t, strlen(t), &sig, why), why);
	free(t);
	expect_reason(check_path(F->file, FILE_NAME, &sig, &F->ownring, 1,
	    NULL, why, -1), why, "more than one expires:");
}

static void
test_legacy(void **state)
{
	char why[VFY_REASON_MAX];
	struct vfy_minisig sig;
	const char *sp = pathf("%s/legacy.minisig", F->dir);
	uint8_t *t;
	size_t len;
	char *c;

	(void)state;
	msign("k1", F->file, sp, NULL, 1);
	assert_non_null(t = slurp(sp, &len));
	expect_reason(parse_sig(t, len, &sig, why), why,
	    "signature: legacy Ed signatures are refused");
	free(t);
	c = craft("Ed", F->data, F->size, "file:" FILE_NAME,
	    strlen("file:" FILE_NAME));
	expect_reason(parse_sig(c, strlen(c), &sig, why), why,
	    "legacy Ed signatures are refused");
	free(c);
	c = craft("XY", F->data, F->size, "file:" FILE_NAME,
	    strlen("file:" FILE_NAME));
	expect_reason(parse_sig(c, strlen(c), &sig, why), why,
	    "unknown algorithm");
	free(c);
	/* the crafted ED twin is fine */
	c = craft("ED", F->data, F->size, "file:" FILE_NAME,
	    strlen("file:" FILE_NAME));
	expect_ok(parse_sig(c, strlen(c), &sig, why), why);
	free(c);
	expect_ok(check_path(F->file, FILE_NAME, &sig, &F->ownring, time(NULL),
	    NULL, why, -1), why);
}

static void
test_global_sig(void **state)
{
	char why[VFY_REASON_MAX];
	struct vfy_minisig sig, other;
	const char *sp = pathf("%s/global.minisig", F->dir);
	const char *sp2 = pathf("%s/global2.minisig", F->dir);
	uint8_t *t;
	size_t len;
	char *p;

	(void)state;
	msign("k1", F->file, sp, "file:" FILE_NAME, 0);
	assert_non_null(t = slurp(sp, &len));
	/* the same length, another version: the comment no longer verifies */
	assert_non_null(p = memmem(t, len, "file:app.v1.2", 13));
	p[12] = '3';
	expect_ok(parse_sig(t, len, &sig, why), why);
	free(t);
	expect_reason(check_path(F->file, "app.v1.3.tar.gz", &sig, &F->ring,
	    time(NULL), NULL, why, -1), why,
	    "signature: global signature does not verify");
	/* the global signature of another signature */
	load_sig(sp, &sig);
	msign("k1", F->file, sp2, "file:" FILE_NAME "\tx:1", 0);
	load_sig(sp2, &other);
	memcpy(sig.global_sig, other.global_sig, VFY_SIG_LEN);
	expect_reason(check_path(F->file, FILE_NAME, &sig, &F->ring,
	    time(NULL), NULL, why, -1), why, "global signature does not verify");
	/* a comment without its NUL in the structure */
	load_sig(sp, &sig);
	memset(sig.trusted_comment, 'a', sizeof(sig.trusted_comment));
	expect_reason(check_path(F->file, FILE_NAME, &sig, &F->ring,
	    time(NULL), NULL, why, -1), why, "not terminated");
	/* no keys at all */
	load_sig(sp, &sig);
	{
		struct vfy_keyring empty;

		memset(&empty, 0, sizeof(empty));
		expect_reason(check_path(F->file, FILE_NAME, &sig, &empty,
		    time(NULL), NULL, why, -1), why, "matches no trusted key");
	}
}

/* Replace line n (1-based) of the good text with repl; returns a new text. */
static char *
with_line(const char *text, int n, const char *repl)
{
	const char *s = text, *e;
	char *out;
	size_t outlen;
	int i;

	for (i = 1; i < n; i++)
		s = strchr(s, '\n') + 1;
	e = strchr(s, '\n');
	outlen = strlen(text) + strlen(repl) + 1;
	assert_non_null(out = malloc(outlen));
	snprintf(out, outlen, "%.*s%s%s", (int)(s - text), text, repl, e);
	return out;
}

struct malformed {
	int		 line;		/* 0: whole text given */
	const char	*repl;
	const char	*want;
};

/* test_malformed_sig, continued: cut, extended and corrupted copies of good. */
static void
malformed_sig_cuts(char *good, size_t len, char *longc, size_t longclen)
{
	struct vfy_minisig sig;
	char why[VFY_REASON_MAX], *t;

	/* missing lines, trailing data, CRLF, NUL, over-long line 1 */
	t = strchr(strchr(good, '\n') + 1, '\n') + 1;
	expect_reason(parse_sig(good, (size_t)(t - good), &sig, why), why,
	    "missing line 3");
	t = strchr(t, '\n') + 1;
	expect_reason(parse_sig(good, (size_t)(t - good), &sig, why), why,
	    "missing line 4");
	assert_non_null(t = malloc(len + 8));
	memcpy(t, good, len);
	memcpy(t + len, "\n", 1);
	expect_reason(parse_sig(t, len + 1, &sig, why), why,
	    "trailing data after line 4");
	memcpy(t + len, "x", 1);
	expect_reason(parse_sig(t, len + 1, &sig, why), why,
	    "trailing data after line 4");
	memcpy(t, good, len);
	t[len - 1] = '\r';
	expect_reason(parse_sig(t, len, &sig, why), why, "carriage return");
	memcpy(t, good, len);
	t[strlen("untrusted comment: ") + 2] = '\0';
	expect_reason(parse_sig(t, len, &sig, why), why, "NUL byte on line 1");
	memcpy(t, good, len);
	*(char *)memmem(t, len, "file:", 5) = '\0';
	expect_reason(parse_sig(t, len, &sig, why), why, "NUL byte on line 3");
	free(t);
	memcpy(longc, "untrusted comment: ", 19);
	memset(longc + 19, 'u', longclen - 20);
	longc[19 + VFY_COMMENT_MAX + 1] = '\0';
	t = with_line("a\nb\n", 1, longc);
	expect_reason(parse_sig(t, strlen(t), &sig, why), why,
	    "comment on line 1 is longer than 1024");
	free(t);
	/* a line 2 far longer than any base64 of 74 bytes */
	t = with_line("untrusted comment: \nb\n", 2, longc + 19);
	expect_reason(parse_sig(t, strlen(t), &sig, why), why,
	    "line 2 is too long");
	free(t);
}

static void
test_malformed_sig(void **state)
{
	uint8_t bin[80];
	char why[VFY_REASON_MAX];
	struct vfy_minisig sig;
	char *good, *t, *b73, *b75, *b63, *b65, longc[VFY_COMMENT_MAX + 40];
	char l2bad[128], l4bad[128];
	size_t len, i;

	(void)state;
	good = craft("ED", F->data, F->size, "file:" FILE_NAME,
	    strlen("file:" FILE_NAME));
	len = strlen(good);
	expect_ok(parse_sig(good, len, &sig, why), why);
	/* without the final LF: fine; every shorter prefix: refused */
	expect_ok(parse_sig(good, len - 1, &sig, why), why);
	for (i = 0; i + 1 < len; i++)
		if (parse_sig(good, i, &sig, why) != -1)
			fail_msg("prefix of %zu bytes accepted", i);

	memset(bin, 0, sizeof(bin));
	memcpy(bin, "ED", 2);
	b73 = b64(bin, 73);
	b75 = b64(bin, 75);
	b63 = b64(bin, 63);
	b65 = b64(bin, 65);
	t = strchr(good, '\n') + 1;
	snprintf(l2bad, sizeof(l2bad), "%.*s", (int)(strchr(t, '\n') - t), t);
	l2bad[10] = '!';
	t = strrchr(good, '\n');
	while (t[-1] != '\n')
		t--;
	snprintf(l4bad, sizeof(l4bad), "%.*s", (int)(strchr(t, '\n') - t), t);
	l4bad[0] = '*';
	memset(longc, 'c', sizeof(longc));
	memcpy(longc, "trusted comment: ", 17);
	longc[17 + VFY_COMMENT_MAX + 1] = '\0';
	{
		const struct malformed m[] = {
			{ 2, l2bad, "signature: bad base64 on line 2" },
			{ 4, l4bad, "signature: bad base64 on line 4" },
			{ 2, b73, "line 2 decodes to 73 bytes" },
			{ 2, b75, "line 2 decodes to 75 bytes" },
			{ 4, b63, "line 4 decodes to 63 bytes" },
			{ 4, b65, "line 4 decodes to 65 bytes" },
			{ 2, "", "line 2 is empty" },
			{ 2, "RUR=", "bad base64 on line 2" },
			{ 3, longc, "longer than 1024" },
			{ 1, "untrusted", "does not start with \"untrusted comment: \"" },
			{ 3, "Trusted comment: x", "line 3 does not start" },
			{ 3, "untrusted comment: x", "line 3 does not start" },
			{ 1, "untrusted comment: x\r", "carriage return on line 1" },
		};

		for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
			t = with_line(good, m[i].line, m[i].repl);
			expect_reason(parse_sig(t, strlen(t), &sig, why), why,
			    m[i].want);
			free(t);
		}
	}
	free(b73);
	free(b75);
	free(b63);
	free(b65);
	malformed_sig_cuts(good, len, longc, sizeof(longc));
	free(good);
}

static void
test_comment_lengths(void **state)
{
	char why[VFY_REASON_MAX], tc[VFY_COMMENT_MAX + 2];
	struct vfy_minisig sig;
	size_t fl = strlen("file:" FILE_NAME "\t");
	char *t;

	(void)state;
	memset(tc, 'x', sizeof(tc));
	memcpy(tc, "file:" FILE_NAME "\t", fl);
	t = craft("ED", F->data, F->size, tc, VFY_COMMENT_MAX);
	expect_ok(parse_sig(t, strlen(t), &sig, why), why);
	free(t);
	assert_int_equal(strlen(sig.trusted_comment), VFY_COMMENT_MAX);
	expect_ok(check_path(F->file, FILE_NAME, &sig, &F->ownring, time(NULL),
	    NULL, why, -1), why);
	t = craft("ED", F->data, F->size, tc, VFY_COMMENT_MAX + 1);
	expect_reason(parse_sig(t, strlen(t), &sig, why), why,
	    "comment on line 3 is longer than 1024");
	free(t);
	/* an empty trusted comment parses, and has no file: */
	t = craft("ED", F->data, F->size, "", 0);
	expect_ok(parse_sig(t, strlen(t), &sig, why), why);
	free(t);
	expect_reason(check_path(F->file, FILE_NAME, &sig, &F->ownring,
	    time(NULL), NULL, why, -1), why, "no file: token");
}

static char *
pubtext(const char *alg, size_t binlen, const char *tail)
{
	uint8_t bin[64];
	char *l, *out;
	size_t n;

	memset(bin, 0x5a, sizeof(bin));
	memcpy(bin, alg, 2);
	l = b64(bin, binlen);
	n = strlen(l) + strlen(tail) + 64;
	assert_non_null(out = malloc(n));
	snprintf(out, n, "untrusted comment: k\n%s%s", l, tail);
	free(l);
	return out;
}

static void
test_malformed_pubkey(void **state)
{
	struct {
		const char	*alg;
		size_t		 len;
		const char	*tail;
		const char	*want;	/* NULL: accepted */
	} m[] = {
		{ "Ed", 42, "\n", NULL },
		{ "Ed", 42, "", NULL },
		{ "Ed", 41, "\n", "line 2 decodes to 41 bytes" },
		{ "Ed", 43, "\n", "line 2 decodes to 43 bytes" },
		{ "ED", 42, "\n", "unknown algorithm" },
		{ "Ed", 42, "\n\n", "trailing data after line 2" },
		{ "Ed", 42, "\nmore\n", "trailing data after line 2" },
		{ "Ed", 42, "\r\n", "carriage return" },
		{ "Ed", 42, "=\n", "bad base64" },
	};
	static const char *texts[][2] = {
		{ "", "public key: empty" },
		{ "untrusted comment: k\n", "missing line 2" },
		{ "untrusted comment: k", "missing line 2" },
		{ "RWRvo117OVRtwi+ZovSAoYM388UG6ruOLpP6EU7HMaQ2exVAT5F+fzXv\n",
		  "line 1 does not start" },
		{ "untrusted comment: k\nRWRvo117OVRtwi+ZovSAoYM388UG6ruOLpP6E"
		  "U7HMaQ2exVAT5F+fzX!\n", "bad base64 on line 2" },
		{ "untrusted comment: k\nRWRvo117OVRtwi+ZovSAoYM388UG6ruOLpP6E"
		  "U7HMaQ2exVAT5F+fzX\n", "bad base64 on line 2" },
	};
	char why[VFY_REASON_MAX];
	struct vfy_pubkey pk;
	uint8_t *t;
	size_t i, len;
	char *p;

	(void)state;
	assert_non_null(t = slurp(pathf("%s/k1.pub", F->dir), &len));
	expect_ok(parse_pub(t, len, &pk, why), why);
	assert_memory_equal(pk.pk, F->ring.keys[0].pk, VFY_PK_LEN);
	for (i = 0; i + 1 < len; i++)
		if (parse_pub(t, i, &pk, why) != -1)
			fail_msg("prefix of %zu bytes accepted", i);
	free(t);
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		p = pubtext(m[i].alg, m[i].len, m[i].tail);
		if (m[i].want == NULL)
			expect_ok(parse_pub(p, strlen(p), &pk, why), why);
		else
			expect_reason(parse_pub(p, strlen(p), &pk, why), why,
			    m[i].want);
		free(p);
	}
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		expect_reason(parse_pub(texts[i][0], strlen(texts[i][0]), &pk,
		    why), why, texts[i][1]);
}

static void
test_keyring_errors(void **state)
{
	char why[VFY_REASON_MAX], big[5000];
	struct vfy_keyring kr;
	char kd[256], *p;
	size_t i;

	(void)state;
	snprintf(kd, sizeof(kd), "%s/keys3", F->dir);
	/* empty dir: no keys, not an error */
	assert_int_equal(mkdir(kd, 0700), 0);
	expect_ok(vfy_keyring_load_dir(&kr, kd, why, sizeof(why)), why);
	assert_int_equal(kr.n, 0);
	expect_reason(vfy_keyring_load_dir(&kr, pathf("%s/nope", F->dir), why,
	    sizeof(why)), why, "nope");
	/* a malformed key is an error that names the file */
	copyfile(pathf("%s/k1.pub", F->dir), pathf("%s/a.pub", kd));
	writefile(pathf("%s/b.pub", kd), "untrusted comment: x\nAAAA\n", 26);
	expect_reason(vfy_keyring_load_dir(&kr, kd, why, sizeof(why)), why,
	    "b.pub: public key: line 2 decodes to 3 bytes");
	assert_int_equal(kr.n, 0);
	/* over 4 KiB */
	memset(big, 'x', sizeof(big));
	writefile(pathf("%s/b.pub", kd), big, sizeof(big));
	expect_reason(vfy_keyring_load_dir(&kr, kd, why, sizeof(why)), why,
	    "b.pub: larger than 4096 bytes");
	unlink(pathf("%s/b.pub", kd));
	expect_ok(vfy_keyring_load_dir(&kr, kd, why, sizeof(why)), why);
	assert_int_equal(kr.n, 1);
	/* add_file: missing, a directory, and a good one */
	expect_reason(vfy_keyring_add_file(&kr, pathf("%s/none.pub", kd), why,
	    sizeof(why)), why, "none.pub");
	expect_reason(vfy_keyring_add_file(&kr, kd, why, sizeof(why)), why,
	    "not a regular file");
	expect_ok(vfy_keyring_add_file(&kr, pathf("%s/k2.pub", F->dir), why,
	    sizeof(why)), why);
	assert_int_equal(kr.n, 2);
	/* add_file follows a symlink; the directory scan does not */
	assert_int_equal(symlink(pathf("%s/k3.pub", F->dir),
	    pathf("%s/k3link.pub", F->dir)), 0);
	expect_ok(vfy_keyring_add_file(&kr, pathf("%s/k3link.pub", F->dir),
	    why, sizeof(why)), why);
	assert_int_equal(kr.n, 3);
	/* more than VFY_MAX_KEYS distinct keys */
	for (i = 0; i < VFY_MAX_KEYS + 1; i++) {
		uint8_t bin[42];

		memcpy(bin, "Ed", 2);
		randombytes_buf(bin + 2, sizeof(bin) - 2);
		p = b64(bin, sizeof(bin));
		snprintf(big, sizeof(big), "untrusted comment: k%zu\n%s\n", i,
		    p);
		free(p);
		writefile(pathf("%s/r%02zu.pub", kd, i), big, strlen(big));
	}
	expect_reason(vfy_keyring_load_dir(&kr, kd, why, sizeof(why)), why,
	    "more than 32 keys");
}

/* The one key-loading rule, and reading a .minisig file. */
static void
test_keyring_policy(void **state)
{
	char err[VFY_REASON_MAX], kd[256], buf[64];
	struct vfy_keyring kr;
	size_t len;

	(void)state;
	log_init("test_sig", 0, LOG_LVL_INFO);	/* it logs what it loads: not to stderr */
	snprintf(kd, sizeof(kd), "%s/keys4", F->dir);
	assert_int_equal(mkdir(kd, 0700), 0);
	expect_reason(vfy_keyring_load_policy(&kr, kd, 1, err, sizeof(err)), err,
	    "no trusted key dir=");
	expect_ok(vfy_keyring_load_policy(&kr, kd, 0, err, sizeof(err)), err);
	expect_reason(vfy_keyring_load_policy(&kr, pathf("%s/nope", F->dir), 1, err,
	    sizeof(err)), err, "keys not loaded dir=");
	expect_ok(vfy_keyring_load_policy(&kr, pathf("%s/nope", F->dir), 0, err,
	    sizeof(err)), err);
	assert_int_equal(kr.n, 0);
	copyfile(pathf("%s/k1.pub", F->dir), pathf("%s/a.pub", kd));
	expect_ok(vfy_keyring_load_policy(&kr, kd, 1, err, sizeof(err)), err);
	assert_int_equal(kr.n, 1);
	/* vfy_sig_read_file: at most max bytes, less than bufsize */
	writefile(pathf("%s/s.minisig", kd), "0123456789", 10);
	expect_ok(vfy_sig_read_file(pathf("%s/s.minisig", kd), 10, buf, sizeof(buf), &len,
	    err, sizeof(err)), err);
	assert_int_equal(len, 10);
	assert_string_equal(buf, "0123456789");
	expect_reason(vfy_sig_read_file(pathf("%s/s.minisig", kd), 9, buf, sizeof(buf), &len,
	    err, sizeof(err)), err, "larger than 9 bytes");
	assert_int_equal(errno, EFBIG);
	expect_reason(vfy_sig_read_file(pathf("%s/s.minisig", kd), 100, buf, 10, &len,
	    err, sizeof(err)), err, "larger than 9 bytes");
	expect_reason(vfy_sig_read_file(pathf("%s/none", kd), 100, buf, sizeof(buf), &len,
	    err, sizeof(err)), err, "none: No such file");
	assert_int_equal(errno, ENOENT);
}

static void
test_digest_fd(void **state)
{
	uint8_t d[VFY_DIGEST_LEN], want[VFY_DIGEST_LEN];
	int fd;

	(void)state;
	assert_int_not_equal(fd = open(F->file, O_RDONLY), -1);
	assert_int_equal(vfy_digest_fd(fd, F->size, d), 0);
	crypto_generichash(want, sizeof(want), F->data, F->size, NULL, 0);
	assert_memory_equal(d, want, sizeof(want));
	assert_int_equal(vfy_digest_fd(fd, 0, d), 0);
	crypto_generichash(want, sizeof(want), NULL, 0, NULL, 0);
	assert_memory_equal(d, want, sizeof(want));
	errno = 0;
	assert_int_equal(vfy_digest_fd(fd, F->size + 1, d), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(vfy_digest_fd(fd, UINT64_MAX, d), -1);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 0);
	close(fd);
	assert_int_equal(vfy_digest_fd(-1, 1, d), -1);
	assert_int_equal(errno, EBADF);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_two_keys),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_moved),
		cmocka_unit_test(test_comment_file),
		cmocka_unit_test(test_expires),
		cmocka_unit_test(test_expires_malformed),
		cmocka_unit_test(test_legacy),
		cmocka_unit_test(test_global_sig),
		cmocka_unit_test(test_malformed_sig),
		cmocka_unit_test(test_comment_lengths),
		cmocka_unit_test(test_malformed_pubkey),
		cmocka_unit_test(test_keyring_errors),
		cmocka_unit_test(test_keyring_policy),
		cmocka_unit_test(test_digest_fd),
	};

	return cmocka_run_group_tests_name("vfy_sig", tests, group_setup,
	    group_teardown);
}
