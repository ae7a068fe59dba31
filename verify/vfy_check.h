/*
 * The one verification entry point, shared by gwe-verifyd and
 * `gwe --check-tarball`: name grammar, then signature (over the exact
 * bytes, before anything parses them), then the archive policy.  Meant
 * to run inside the sandbox (vfy_sandbox.h); it only preads the fd.
 */
#ifndef GWE_VFY_CHECK_H
#define GWE_VFY_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "vfy_name.h"
#include "vfy_sig.h"
#include "../common/limits.h"
#include "vfy_archive.h"

struct vfy_check_req {
	int			 fd;		/* sealed memfd or regular file; pread only */
	uint64_t		 size;		/* bytes [0,size) are the tarball */
	const char		*name;		/* the tarball's name, untrusted */
	const char		*sig;		/* .minisig text, not NUL-terminated */
	size_t			 sig_len;	/* 0: no signature */
	const struct vfy_keyring *keys;
	const struct gwe_limits	*limits;
	int			 require_signature;
	time_t			 now;		/* for expires: */
};

struct vfy_check_res {
	int	 accepted;
	int	 unsigned_ok;	/* accepted without a signature (require_signature = false) */
	char	 reason[VFY_REASON_MAX];	/* first reason: "name: ...", "signature: ...", "archive: ..." */
	char	 app[VFY_APP_MAX + 1];
	char	 version[VFY_VERSION_MAX + 1];
	int	 have_digest;
	uint8_t	 digest[VFY_DIGEST_LEN];	/* BLAKE2b-512 of the bytes */
	struct vfy_archive_stats stats;
	double	 secs;		/* wall time of the whole check */
};

/* Returns 0 accepted, -1 refused (res->reason says why).  res is always filled. */
int	vfy_check(const struct vfy_check_req *req, struct vfy_check_res *res);

#endif
