/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * The installer's own checks of an INSTALL_REQ, before any byte of the
 * archive is parsed here (docs/design.md invariants 1, 2): the seals, the name,
 * the signature over the exact bytes in the memfd, the digest the
 * verifier saw, and the downgrade rule.  Nothing the verifier says is
 * taken on trust except what these checks confirm.
 */
#include "../../verify/vfy_name.h"
#include "installd.h"

int
ins_check(struct ins_ctx *ctx, const struct ipc_install_req *r, int fd,
    char *reason, size_t len)
{
	char app[VFY_APP_MAX + 1], version[VFY_VERSION_MAX + 1], err[IPC_TEXT_LEN];
	static struct vfy_minisig sig;
	uint8_t digest[VFY_DIGEST_LEN];
	struct ipc_app_entry a;
	int rc;

	if (ipc_memfd_check(fd, r->size, NULL, err, sizeof(err)) == -1)
		return gwe_errf(reason, len, "tarball: %s", err);
	if (r->size > ctx->cfg.limits.max_tarball_bytes)
		return gwe_errf(reason, len, "tarball: larger than max_tarball_bytes");
	if (vfy_name_parse(r->name, app, version, reason, len) == -1)
		return -1;
	if (strcmp(app, r->app) != 0 || strcmp(version, r->version) != 0)
		return gwe_errf(reason, len, "name: app or version differs from the name");
	/* The signature over the exact bytes; require_signature is our own config's. */
	if (r->sig_len == 0) {
		if (ctx->cfg.require_signature)
			return gwe_errf(reason, len,
			    "signature: none, and require_signature is on");
		log_warnx("WARNING: unsigned install name=%s require_signature=false", r->name);
		if (vfy_digest_fd(fd, r->size, digest) == -1)
			return gwe_errf(reason, len, "tarball: cannot read it");
	} else if (vfy_minisig_parse(r->sig, r->sig_len, &sig, reason, len) == -1 ||
	    vfy_sig_check_fd(fd, r->size, r->name, &sig, &ctx->kr, time(NULL), digest,
	    reason, len) == -1)
		return -1;
	if (memcmp(digest, r->digest, sizeof(digest)) != 0)
		return gwe_errf(reason, len, "tarball: digest differs from the verifier's");
	/* A version lower than the installed one, unless allowed. */
	if ((rc = ins_app_get(ctx, r->app, &a)) == -1)
		return gwe_errf(reason, len, "the installed-apps record is unreadable");
	if (!ctx->cfg.allow_downgrade && rc == 1 && a.version[0] != '\0' &&
	    vfy_version_cmp(r->version, a.version) < 0)
		return gwe_errf(reason, len, "downgrade from %s to %s refused",
		    a.version, r->version);
	return 0;
}
