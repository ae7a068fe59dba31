/*
 * The verifier connection.  Messages from the verifier go through one
 * dispatch table; whatever is waited for (a job's RESULT or an apps
 * answer) is described by struct vwait.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../common/log.h"
#include "net_vfy.h"
#include "../../ipc/ipc_send.h"

/* The handlers' context: what the caller of vfy_wait waits for. */
struct vwait {
	struct netd		*nd;
	uint64_t		 job;		/* RESULT wanted, 0 none */
	struct ipc_result	*res;
	struct net_apps		*apps;		/* apps answer wanted, NULL none */
	int			 done;
	int			 failed;
	char			 err[IPC_TEXT_LEN + 64];
};

static int
vfy_path(struct netd *nd, char *p, size_t plen)
{
	return (size_t)snprintf(p, plen, "%s/verifyd.sock", nd->cfg->run_dir) < plen ? 0 : -1;
}

void
net_vfy_close(struct netd *nd)
{
	if (nd->vfd != -1) {
		close(nd->vfd);
		nd->vfd = -1;
		log_info("verifier disconnected");
	}
}

static int
vfy_send(struct netd *nd, struct ipc_msg *m)
{
	m->hdr.seq = ++nd->vseq;
	if (ipc_send(nd->vfd, m) == -1) {
		log_warn("verifier send failed type=%s", ipc_type_name(m->hdr.type));
		net_vfy_close(nd);
		return -1;
	}
	return 0;
}

int
net_vfy_connect(struct netd *nd)
{
	char p[CONF_PATH_MAX + 32];
	struct ipc_msg m;

	if (nd->vfd != -1)
		return 0;
	if (vfy_path(nd, p, sizeof(p)) == -1)
		return -1;
	if ((nd->vfd = ipc_connect_as(p, nd->net_uid, nd->net_gid)) == -1) {
		log_warn("verifier unreachable path=%s", p);
		return -1;
	}
	log_info("verifier connected path=%s", p);
	ipc_init(&m, IPC_UNACKED_QUERY, 0);
	return vfy_send(nd, &m);
}

/*
 * ipc_status_name's words, except that a failure says what failed: the
 * platform reads "gwe: NAME: install.sh failed" (docs/operator.md).
 */
static const char *
result_status(uint32_t st)
{
	return st == IPC_ST_FAILED ? "install.sh failed" : ipc_status_name(st);
}

size_t
net_result_text(const struct ipc_result *res, char *out, size_t outlen)
{
	size_t n;

	if (res->output_len > 0) {
		n = res->output_len < outlen ? res->output_len : outlen - 1;
		memcpy(out, res->output, n);
		out[n] = '\0';
		return n;
	}
	n = (size_t)snprintf(out, outlen, "gwe: %s: %s", res->name, result_status(res->status));
	return n < outlen ? n : outlen - 1;
}

int
net_vfy_ack(struct netd *nd, uint64_t job)
{
	struct ipc_msg m;

	if (nd->vfd == -1)
		return -1;
	ipc_init(&m, IPC_ACK, 0);
	m.u.ack.job = job;
	return vfy_send(nd, &m);
}

static int
on_result(void *ctx, struct ipc_msg *m)
{
	struct vwait *w = ctx;

	if (w->job != 0 && m->u.result.job == w->job && w->res != NULL) {
		*w->res = m->u.result;
		w->done = 1;
	} else if (w->nd->stray_result != NULL)
		w->nd->stray_result(w->nd, &m->u.result);
	return 0;
}

static int
on_app_entry(void *ctx, struct ipc_msg *m)
{
	struct vwait *w = ctx;

	if (w->apps == NULL) {
		log_warnx("verifier sent an unasked APP_ENTRY");
		return 0;
	}
	if (w->apps->n < NET_APPS_MAX)
		w->apps->e[w->apps->n++] = m->u.app;
	return 0;
}

static int
on_apps_end(void *ctx, struct ipc_msg *m)
{
	struct vwait *w = ctx;

	if (w->apps == NULL)
		return 0;
	/* Past NET_APPS_MAX the list is cut short: say so rather than report less. */
	if (m->u.apps_end.count != w->apps->n)
		log_warnx("installed apps list incomplete announced=%u kept=%zu max=%d",
		    m->u.apps_end.count, w->apps->n, NET_APPS_MAX);
	w->done = 1;
	return 0;
}

static int
on_error(void *ctx, struct ipc_msg *m)
{
	struct vwait *w = ctx;

	log_warnx("verifier answered error code=%u message=\"%s\"", m->u.error.code,
	    m->u.error.message);
	snprintf(w->err, sizeof(w->err), "verifier: %s", m->u.error.message);
	w->failed = 1;
	return 0;
}

const struct ipc_handler net_vfy_handlers[] = {
	{ PEER_VERIFYD, IPC_RESULT, on_result },
	{ PEER_VERIFYD, IPC_APP_ENTRY, on_app_entry },
	{ PEER_VERIFYD, IPC_APPS_END, on_apps_end },
	{ PEER_VERIFYD, IPC_ERROR, on_error },
};
const size_t net_vfy_nhandlers = sizeof(net_vfy_handlers) / sizeof(net_vfy_handlers[0]);

/* Read and dispatch messages until w is done or failed, or time runs out. */
static int
vfy_wait(struct netd *nd, struct vwait *w, int timeout_ms)
{
	static struct ipc_msg m;
	const struct ipc_handler *h;
	char err[128];
	struct timespec t0, t1;
	long left;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!w->done && !w->failed) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = timeout_ms - ((t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0) {
			snprintf(w->err, sizeof(w->err), "no answer from the verifier");
			return -1;
		}
		if (nd->http.stop != NULL && *nd->http.stop) {
			snprintf(w->err, sizeof(w->err), "stopping");
			return -1;
		}
		/* In slices, so that signals and control clients get a turn. */
		rc = ipc_recv_from(nd->vfd, PEER_NETD, PEER_VERIFYD, &m,
		    left > 250 ? 250 : (int)left, err, sizeof(err));
		if (rc == -2) {
			net_busy(nd);
			continue;
		}
		if (rc != 1) {
			if (rc == 0)
				snprintf(err, sizeof(err), "closed by the verifier");
			log_warnx("verifier connection lost reason=\"%s\"", err);
			snprintf(w->err, sizeof(w->err), "verifier connection lost: %s", err);
			net_vfy_close(nd);
			return -1;
		}
		h = ipc_handler_find(net_vfy_handlers, net_vfy_nhandlers, PEER_VERIFYD,
		    m.hdr.type);
		if (h == NULL)
			log_warnx("verifier sent unexpected type=%s", ipc_type_name(m.hdr.type));
		if (h == NULL || h->fn(w, &m) == -1) {
			net_vfy_close(nd);
			snprintf(w->err, sizeof(w->err), "verifier protocol error");
			return -1;
		}
	}
	return w->failed ? -1 : 0;
}

int
net_vfy_apps(struct netd *nd, struct net_apps *apps)
{
	struct vwait w = { .nd = nd };
	struct ipc_msg m;

	apps->n = 0;
	if (net_vfy_connect(nd) == -1)
		return -1;
	ipc_init(&m, IPC_APPS_QUERY, 0);
	if (vfy_send(nd, &m) == -1)
		return -1;
	w.apps = apps;
	if (vfy_wait(nd, &w, NET_VFY_APPS_TIMEOUT_MS) == -1) {
		log_warnx("installed apps unknown reason=\"%s\"", w.err);
		return -1;
	}
	return 0;
}

int
net_vfy_send(struct netd *nd, uint64_t job, uint32_t origin, const char *name, int fd,
    uint64_t size, const char *sig, size_t siglen, char *err, size_t errlen)
{
	static struct ipc_msg m;

	if (net_vfy_connect(nd) == -1) {
		snprintf(err, errlen, "verifier unreachable");
		return -1;
	}
	ipc_init(&m, IPC_VERIFY_REQ, 0);
	m.hdr.flags = IPC_F_FD;
	m.fd = fd;
	m.u.verify.job = job;
	m.u.verify.size = size;
	m.u.verify.origin = origin;
	if (ipc_setstr(m.u.verify.name, sizeof(m.u.verify.name), name) == -1 ||
	    siglen > sizeof(m.u.verify.sig)) {
		snprintf(err, errlen, "name or signature too long");
		return -1;
	}
	memcpy(m.u.verify.sig, sig, siglen);
	m.u.verify.sig_len = (uint32_t)siglen;
	if (vfy_send(nd, &m) == -1) {
		snprintf(err, errlen, "verifier send failed");
		return -1;
	}
	log_info("handed to verifier job=%" PRIu64 " name=%s size=%" PRIu64, job, name, size);
	return 0;
}

int
net_vfy_result(struct netd *nd, uint64_t job, struct ipc_result *res, int timeout_ms,
    char *err, size_t errlen)
{
	struct vwait w = { .nd = nd };

	w.job = job;
	w.res = res;
	if (vfy_wait(nd, &w, timeout_ms) == -1) {
		snprintf(err, errlen, "%s", w.err);
		return -1;
	}
	return 0;
}

int
net_vfy_submit(struct netd *nd, uint64_t job, uint32_t origin, const char *name, int fd,
    uint64_t size, const char *sig, size_t siglen, struct ipc_result *res,
    int timeout_ms, char *err, size_t errlen)
{
	if (net_vfy_send(nd, job, origin, name, fd, size, sig, siglen, err, errlen) == -1)
		return -1;
	return net_vfy_result(nd, job, res, timeout_ms, err, errlen);
}

int
net_vfy_await(struct netd *nd, uint64_t job, struct ipc_result *res, int timeout_ms)
{
	char err[IPC_TEXT_LEN + 64];

	if (net_vfy_connect(nd) == -1)
		return -1;
	return net_vfy_result(nd, job, res, timeout_ms, err, sizeof(err));
}
