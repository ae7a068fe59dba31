/*
 * One verification, in the order docs/design.md invariant 2 demands: the name
 * first (it is about to appear in logs and in the installer's paths),
 * then the signature over the exact bytes, and only then the archive
 * parser.  The first refusal wins and names its stage.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vfy_name.h"
#include "vfy_sig.h"
#include "vfy_archive.h"
#include "vfy_check.h"

/* "stage: detail", unless the library already put the stage in front. */
static int
refuse(struct vfy_check_res *res, const char *stage, const char *detail)
{
	size_t n = strlen(stage);

	res->accepted = 0;
	if (strncmp(detail, stage, n) == 0 && detail[n] == ':')
		snprintf(res->reason, sizeof(res->reason), "%s", detail);
	else
		snprintf(res->reason, sizeof(res->reason), "%s: %s", stage, detail);
	return -1;
}

static int
check_sizes(const struct vfy_check_req *req, struct vfy_check_res *res)
{
	char why[VFY_REASON_MAX];

	if (req->size > req->limits->max_tarball_bytes) {
		snprintf(why, sizeof(why), "tarball is %llu bytes, over max_tarball_bytes %llu",
		    (unsigned long long)req->size,
		    (unsigned long long)req->limits->max_tarball_bytes);
		return refuse(res, "archive", why);
	}
	if (req->sig_len > req->limits->max_sig_bytes) {
		snprintf(why, sizeof(why), ".minisig is %zu bytes, over max_sig_bytes %llu",
		    req->sig_len, (unsigned long long)req->limits->max_sig_bytes);
		return refuse(res, "signature", why);
	}
	return 0;
}

/* No signature at all: fine only when the configuration says so; the digest is still needed. */
static int
check_unsigned(const struct vfy_check_req *req, struct vfy_check_res *res)
{
	if (req->require_signature)
		return refuse(res, "signature", "no signature (.minisig missing or empty)");
	if (vfy_digest_fd(req->fd, req->size, res->digest) == -1)
		return refuse(res, "archive", "cannot read the tarball");
	res->have_digest = 1;
	res->unsigned_ok = 1;
	return 0;
}

static int
check_signature(const struct vfy_check_req *req, struct vfy_check_res *res)
{
	struct vfy_minisig sig;
	char why[VFY_REASON_MAX];

	if (req->sig_len == 0)
		return check_unsigned(req, res);
	if (vfy_minisig_parse(req->sig, req->sig_len, &sig, why, sizeof(why)) == -1)
		return refuse(res, "signature", why);
	/* Fills the digest on most refusals too; only an accepted one is used. */
	if (vfy_sig_check_fd(req->fd, req->size, req->name, &sig, req->keys,
	    req->now, res->digest, why, sizeof(why)) == -1)
		return refuse(res, "signature", why);
	res->have_digest = 1;
	return 0;
}

static double
elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int
check_all(const struct vfy_check_req *req, struct vfy_check_res *res)
{
	char why[VFY_REASON_MAX];

	if (vfy_name_parse(req->name, res->app, res->version, why, sizeof(why)) == -1)
		return refuse(res, "name", why);
	if (check_sizes(req, res) == -1 || check_signature(req, res) == -1)
		return -1;
	if (vfy_archive_check_fd(req->fd, req->size, req->limits, &res->stats,
	    why, sizeof(why)) == -1)
		return refuse(res, "archive", why);
	res->accepted = 1;
	return 0;
}

int
vfy_check(const struct vfy_check_req *req, struct vfy_check_res *res)
{
	struct timespec t0;
	int rc;

	memset(res, 0, sizeof(*res));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = check_all(req, res);
	if (rc == -1) {
		/* A refused tarball has no app or digest anyone may rely on. */
		res->have_digest = 0;
		res->unsigned_ok = 0;
	}
	res->secs = elapsed(&t0);
	return rc;
}
