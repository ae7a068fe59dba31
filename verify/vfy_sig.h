/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * minisign signatures (docs/design.md section 7): Ed25519 over the BLAKE2b-512
 * of the file (algorithm "ED"), with a global signature over the
 * signature and the trusted comment.  Legacy "Ed" is refused.  The text
 * formats are parsed here with exact lengths; the crypto is libsodium's.
 * The same code runs in the verifier and again in the installer.
 */
#ifndef GWE_VFY_SIG_H
#define GWE_VFY_SIG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "vfy_name.h"

#define VFY_KEYID_LEN		8
#define VFY_PK_LEN		32
#define VFY_SIG_LEN		64
#define VFY_DIGEST_LEN		64	/* BLAKE2b-512 */
#define VFY_COMMENT_MAX		1024	/* trusted comment, bytes, without NUL */
#define VFY_MAX_KEYS		32

struct vfy_pubkey {
	uint8_t	keyid[VFY_KEYID_LEN];
	uint8_t	pk[VFY_PK_LEN];
	char	source[256];		/* file it came from, for logs */
};

struct vfy_keyring {
	struct vfy_pubkey keys[VFY_MAX_KEYS];
	size_t	n;
};

struct vfy_minisig {
	uint8_t	keyid[VFY_KEYID_LEN];
	uint8_t	sig[VFY_SIG_LEN];
	char	trusted_comment[VFY_COMMENT_MAX + 1];
	uint8_t	global_sig[VFY_SIG_LEN];
};

/*
 * Parse the text of a minisign public key file (comment line + base64 line
 * of "Ed" + key id + key, optional final LF); source is left empty.
 */
int	vfy_pubkey_parse(const char *text, size_t len, struct vfy_pubkey *out,
	    char *reason, size_t reasonlen);
/*
 * Add the public key file name (regular, at most 4 KiB), relative to dirfd
 * (or AT_FDCWD), named path in reasons, opened with oflags added; a key id
 * already there is skipped (the first one is kept).
 */
int	vfy_keyring_add_at(struct vfy_keyring *kr, int dirfd, const char *name,
	    const char *path, int oflags, char *reason, size_t reasonlen);
/*
 * Empty kr, then load every regular *.pub in dir (sorted by name; dot
 * files, symlinks and other non-regular entries are skipped); an
 * unreadable or malformed key is an error naming the file, and leaves kr
 * empty.  An empty dir gives n = 0 and success: the caller decides.
 */
int	vfy_keyring_load_dir(struct vfy_keyring *kr, const char *dir,
	    char *reason, size_t reasonlen);

/*
 * The one key-loading rule (docs/design.md section 7).  -1 (err says why:
 * refuse to go on) when require_signature and keys_dir does not load or
 * holds no key; else 0, a dir that does not load logged and kr empty.
 * Logs "keys loaded count=N dir=D"; a require_signature=false warning is the caller's.
 */
int	vfy_keyring_load_policy(struct vfy_keyring *kr, const char *keys_dir,
	    int require_signature, char *err, size_t errlen);

/*
 * Parse the text of a .minisig file; len is exact (no NUL needed).  Only
 * LF line ends; the trusted comment is at most VFY_COMMENT_MAX bytes.
 * Legacy "Ed" signatures are refused here (the structure holds no
 * algorithm: what parses is "ED").
 */
int	vfy_minisig_parse(const char *text, size_t len, struct vfy_minisig *out,
	    char *reason, size_t reasonlen);

/*
 * Verify fd's bytes [0,size) (pread only) against sig, in this order: key
 * id in the ring, global signature, trusted comment ("file:<name>" once,
 * "expires:<t>" > now when present, at most once), signature over the
 * BLAKE2b-512.  The digest is computed first, so it is filled on every
 * refusal when fd could be read (zeros otherwise).  0 accepted, -1 refused.
 */
int	vfy_sig_check_fd(int fd, uint64_t size, const char *name,
	    const struct vfy_minisig *sig, const struct vfy_keyring *kr,
	    time_t now, uint8_t digest[VFY_DIGEST_LEN],
	    char *reason, size_t reasonlen);

/*
 * BLAKE2b-512 of fd's bytes [0,size) with pread only, in 64 KiB chunks.
 * Returns 0 or -1 (errno set; EIO when the file ends before size).
 */
int	vfy_digest_fd(int fd, uint64_t size, uint8_t digest[VFY_DIGEST_LEN]);

#endif
