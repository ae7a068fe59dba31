/*
 * The verifier connection.  Messages from the verifier go through one
 * dispatch table; whatever is waited for (a job's RESULT or an apps
 * answer) is described by struct vwait.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/util.h"
#include "net_order.h"
#include "net_vfy.h"

struct vwait {
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

size_t
net_result_text(const struct ipc_result *res, char *out, size_t outlen)
{
	static const char *st[] = { "unknown", "installed", "install.sh failed",
	    "refused", "interrupted", "error" };
	size_t n;

	if (res->output_len > 0) {
		n = res->output_len < outlen ? res->output_len : outlen - 1;
		memcpy(out, res->output, n);
		out[n] = '\0';
		return n;
	}
	n = (size_t)snprintf(out, outlen, "gwe: %s: %s", res->name,
	    res->status <= IPC_ST_MAX ? st[res->status] : st[0]);
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

/* A result nobody waits for: one from before a restart.  Keep and acknowledge it. */
static void
stray_result(struct netd *nd, const struct ipc_result *res)
{
	char text[IPC_OUTPUT_MAX + 1];
	size_t n;

	if (net_order_take_result(nd, res))
		return;
	log_info("result arrived job=%" PRIu64 " name=%s status=%u origin=%u waited=no",
	    res->job, res->name, res->status, res->origin);
	if (res->origin == IPC_ORIGIN_OTA) {
		n = net_result_text(res, text, sizeof(text));
		if (net_queue_push(nd, text, n, 0, 0) == -1) {
			log_warn("result not queued job=%" PRIu64, res->job);
			return;
		}
	}
	(void)net_vfy_ack(nd, res->job);
}

static void
on_result(struct netd *nd, struct ipc_msg *m, struct vwait *w)
{
	if (w->job != 0 && m->u.result.job == w->job && w->res != NULL) {
		*w->res = m->u.result;
		w->done = 1;
		return;
	}
	stray_result(nd, &m->u.result);
}

static void
on_app_entry(struct netd *nd, struct ipc_msg *m, struct vwait *w)
{
	(void)nd;
	if (w->apps == NULL) {
		log_warnx("verifier sent an unasked APP_ENTRY");
		return;
	}
	if (w->apps->n < NET_APPS_MAX)
		w->apps->e[w->apps->n++] = m->u.app;
}

static void
on_apps_end(struct netd *nd, struct ipc_msg *m, struct vwait *w)
{
	(void)nd;
	if (w->apps == NULL)
		return;
	/* Past NET_APPS_MAX the list is cut short: say so rather than report less. */
	if (m->u.apps_end.count != w->apps->n)
		log_warnx("installed apps list incomplete announced=%u kept=%zu max=%d",
		    m->u.apps_end.count, w->apps->n, NET_APPS_MAX);
	w->done = 1;
}

static void
on_error(struct netd *nd, struct ipc_msg *m, struct vwait *w)
{
	(void)nd;
	log_warnx("verifier answered error code=%u message=\"%s\"", m->u.error.code,
	    m->u.error.message);
	snprintf(w->err, sizeof(w->err), "verifier: %s", m->u.error.message);
	w->failed = 1;
}

static const struct {
	uint16_t type;
	void	(*fn)(struct netd *, struct ipc_msg *, struct vwait *);
} vfy_handlers[] = {
	{ IPC_RESULT, on_result },
	{ IPC_APP_ENTRY, on_app_entry },
	{ IPC_APPS_END, on_apps_end },
	{ IPC_ERROR, on_error },
};

/* Read and dispatch messages until w is done or failed, or time runs out. */
static int
vfy_wait(struct netd *nd, struct vwait *w, int timeout_ms)
{
	static struct ipc_msg m;
	char err[128];
	struct timespec t0, t1;
	long left;
	size_t i;
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
		for (i = 0; i < sizeof(vfy_handlers) / sizeof(vfy_handlers[0]); i++)
			if (vfy_handlers[i].type == m.hdr.type)
				break;
		if (i == sizeof(vfy_handlers) / sizeof(vfy_handlers[0])) {
			log_warnx("verifier sent unexpected type=%s", ipc_type_name(m.hdr.type));
			net_vfy_close(nd);
			snprintf(w->err, sizeof(w->err), "verifier protocol error");
			return -1;
		}
		vfy_handlers[i].fn(nd, &m, w);
	}
	return w->failed ? -1 : 0;
}

int
net_vfy_apps(struct netd *nd, struct net_apps *apps)
{
	struct vwait w = { 0 };
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
	struct vwait w = { 0 };

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

int
net_memfd_from(const char *name, int srcfd, uint64_t size)
{
	char buf[65536];
	uint64_t off = 0;
	ssize_t n;
	int fd;

	if ((fd = ipc_memfd_create(name)) == -1)
		return -1;
	while (off < size) {
		n = pread(srcfd, buf, size - off < sizeof(buf) ? (size_t)(size - off) :
		    sizeof(buf), (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 || gwe_write_full(fd, buf, (size_t)n) == -1)
			goto fail;
		off += (uint64_t)n;
	}
	if (ipc_memfd_seal(fd) == -1)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}
