/*
 * Control requests from the root CLI.  One handler per message type,
 * found through a table; anything else ends the connection.
 */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/util.h"
#include "../../verify/vfy_name.h"
#include "net_checkin.h"
#include "net_ctl.h"
#include "net_report.h"
#include "net_vfy.h"

int
net_ctl_open(struct net_ctl *c, const struct gwe_config *cfg, char *err, size_t errlen)
{
	char p[CONF_PATH_MAX + 32];
	int i;

	for (i = 0; i < NET_CTL_CLIENTS; i++)
		c->cfd[i] = -1;
	c->checkin_now = 0;
	c->serving = c->held = -1;
	if ((size_t)snprintf(p, sizeof(p), "%s/netd.sock", cfg->run_dir) >= sizeof(p)) {
		snprintf(err, errlen, "run_dir too long");
		return -1;
	}
	c->lfd = ipc_listen(p, 0600, 0, 0, err, errlen);
	return c->lfd == -1 ? -1 : 0;
}

void
net_ctl_accept(struct net_ctl *c)
{
	int fd, i, refused;
	pid_t pid;

	if ((fd = ipc_accept(c->lfd, 0, &pid, &refused)) == -1)
		return;
	for (i = 0; i < NET_CTL_CLIENTS; i++)
		if (c->cfd[i] == -1) {
			c->cfd[i] = fd;
			log_debug("control client connected pid=%d", (int)pid);
			return;
		}
	log_warnx("control client refused reason=\"too many clients\" pid=%d", (int)pid);
	close(fd);
}

static int
ctl_error(int fd, uint32_t seq, uint32_t code, const char *msg)
{
	struct ipc_msg m;

	ipc_init(&m, IPC_ERROR, seq);
	m.u.error.code = code;
	gwe_strlcpy(m.u.error.message, msg, sizeof(m.u.error.message));
	return ipc_send(fd, &m);
}

/* The handlers' context: who asked, on which connection. */
struct ctl_call {
	struct netd	*nd;
	struct net_ctl	*c;
	int		 fd;
};

static int
on_status(void *ctx, struct ipc_msg *req)
{
	static struct ipc_msg m;
	struct ctl_call *cc = ctx;
	struct netd *nd = cc->nd;
	size_t n = strlen(nd->last_status);

	ipc_init(&m, IPC_CTL_STATUS_ANSWER, req->hdr.seq);
	m.u.status.last_checkin = (uint64_t)nd->last_checkin;
	m.u.status.last_ok = (uint64_t)nd->last_ok;
	m.u.status.next_checkin = (uint64_t)nd->next_checkin;
	m.u.status.update_interval = nd->interval;
	m.u.status.queued = net_queue_count(nd);
	m.u.status.verifyd_up = nd->vfd != -1 || (!nd->in_busy && net_vfy_connect(nd) == 0);
	gwe_strlcpy(m.u.status.last_error, nd->last_error, sizeof(m.u.status.last_error));
	memcpy(m.u.status.fetch_status, nd->last_status, n);
	m.u.status.fetch_status_len = (uint32_t)n;
	return ipc_send(cc->fd, &m);
}

static int
on_checkin(void *ctx, struct ipc_msg *req)
{
	struct ctl_call *cc = ctx;
	struct netd *nd = cc->nd;
	struct ipc_msg m;
	int rc;

	log_info("check-in requested by the control socket");
	rc = net_ensure_cik(nd) == -1 ? -1 : net_checkin(nd);
	cc->c->checkin_now = 1;
	cc->c->checkin_rc = rc;
	ipc_init(&m, IPC_CTL_DONE, req->hdr.seq);
	m.u.done.ok = rc == 0;
	gwe_strlcpy(m.u.done.message, rc == 0 ? "check-in done" : nd->last_error[0] ?
	    nd->last_error : "check-in failed", sizeof(m.u.done.message));
	return ipc_send(cc->fd, &m);
}

static int
on_install(void *ctx, struct ipc_msg *req)
{
	static struct ipc_result res;
	static struct ipc_msg m;
	struct ctl_call *cc = ctx;
	struct netd *nd = cc->nd;
	struct ipc_ctl_install *ci = &req->u.ctl_install;
	char app[VFY_APP_MAX + 1], ver[VFY_VERSION_MAX + 1], why[IPC_TEXT_LEN + 64];
	uint64_t size, job;
	int rc;

	if (vfy_name_parse(ci->name, app, ver, why, sizeof(why)) == -1 ||
	    ipc_memfd_check(req->fd, ci->size, &size, why, sizeof(why)) == -1) {
		log_warnx("local install refused name=\"%s\" reason=\"%s\"", ci->name, why);
		return ctl_error(cc->fd, req->hdr.seq, IPC_E_REFUSED, why);
	}
	if ((job = net_jobseq_next(nd)) == 0)
		return ctl_error(cc->fd, req->hdr.seq, IPC_E_UNAVAILABLE,
		    "cannot record a job id (state directory full?)");
	log_info("local install job=%" PRIu64 " name=%s size=%" PRIu64, job, ci->name, size);
	rc = net_vfy_submit(nd, job, IPC_ORIGIN_LOCAL, ci->name, req->fd, size, ci->sig,
	    ci->sig_len, &res, (int)(nd->cfg->limits.install_timeout + 300) * 1000,
	    why, sizeof(why));
	if (rc == -1)
		return ctl_error(cc->fd, req->hdr.seq, IPC_E_UNAVAILABLE, why);
	ipc_init(&m, IPC_RESULT, req->hdr.seq);
	m.u.result = res;
	rc = ipc_send(cc->fd, &m);
	(void)net_vfy_ack(nd, job);
	return rc;
}

static int
on_apps(void *ctx, struct ipc_msg *req)
{
	static struct net_apps apps;
	struct ctl_call *cc = ctx;
	struct ipc_msg m;
	size_t i;

	if (net_vfy_apps(cc->nd, &apps) == -1)
		return ctl_error(cc->fd, req->hdr.seq, IPC_E_UNAVAILABLE, "verifier unavailable");
	for (i = 0; i < apps.n; i++) {
		ipc_init(&m, IPC_APP_ENTRY, req->hdr.seq);
		m.u.app = apps.e[i];
		if (ipc_send(cc->fd, &m) == -1)
			return -1;
	}
	ipc_init(&m, IPC_APPS_END, req->hdr.seq);
	m.u.apps_end.count = (uint32_t)apps.n;
	return ipc_send(cc->fd, &m);
}

const struct ipc_handler net_ctl_handlers[] = {
	{ PEER_CLI, IPC_CTL_STATUS, on_status },
	{ PEER_CLI, IPC_CTL_CHECKIN, on_checkin },
	{ PEER_CLI, IPC_CTL_INSTALL, on_install },
	{ PEER_CLI, IPC_APPS_QUERY, on_apps },
};
const size_t net_ctl_nhandlers = sizeof(net_ctl_handlers) / sizeof(net_ctl_handlers[0]);

/* The request read during a long-poll (one at most: the long-poll then ends). */
static struct ipc_msg held_msg;

void
net_ctl_pollfds(const struct net_ctl *c, struct pollfd pfd[1 + NET_CTL_CLIENTS])
{
	int i;

	pfd[0].fd = c->lfd;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	for (i = 0; i < NET_CTL_CLIENTS; i++) {
		pfd[1 + i].fd = i == c->serving || i == c->held ? -1 : c->cfd[i];
		pfd[1 + i].events = POLLIN;
		pfd[1 + i].revents = 0;
	}
}

static void
drop(struct net_ctl *c, int i)
{
	close(c->cfd[i]);
	c->cfd[i] = -1;
}

/* Run m's handler for client i; -1: the connection must go. */
static int
dispatch(struct netd *nd, struct net_ctl *c, int i, struct ipc_msg *m)
{
	struct ctl_call cc = { nd, c, c->cfd[i] };
	const struct ipc_handler *h;
	int rc, outer = c->serving;	/* a status answered during another's request */

	h = ipc_handler_find(net_ctl_handlers, net_ctl_nhandlers, PEER_CLI, m->hdr.type);
	if (h == NULL) {
		log_warnx("control message refused type=%s", ipc_type_name(m->hdr.type));
		rc = -1;
	} else {
		c->serving = i;
		rc = h->fn(&cc, m);
		c->serving = outer;
	}
	if (m->fd != -1)
		close(m->fd);
	m->fd = -1;
	return rc;
}

/* One message from client i: 1 read, 0 none yet, -1 the client is gone. */
static int
take(struct net_ctl *c, int i, struct ipc_msg *m)
{
	char err[256];
	int rc;

	rc = ipc_recv_from(c->cfd[i], PEER_NETD, PEER_CLI, m, 0, err, sizeof(err));
	if (rc == -2)
		return 0;
	if (rc == 1)
		return 1;
	if (rc == -1)
		log_warnx("control connection dropped reason=\"%s\"", err);
	drop(c, i);
	return -1;
}

void
net_ctl_serve(struct netd *nd, struct net_ctl *c, int i)
{
	static struct ipc_msg m;

	if (c->held == i) {
		m = held_msg;
		c->held = -1;
	} else if (take(c, i, &m) != 1)
		return;
	if (dispatch(nd, c, i, &m) == -1)
		drop(c, i);
}

/* One message while busy: a status answer, or "busy". */
static void
busy_one(struct netd *nd, struct net_ctl *c, int i)
{
	static struct ipc_msg m;
	int rc;

	if (take(c, i, &m) != 1)
		return;
	if (m.hdr.type == IPC_CTL_STATUS)
		rc = dispatch(nd, c, i, &m);
	else {
		log_info("control request deferred type=%s reason=busy",
		    ipc_type_name(m.hdr.type));
		if (m.fd != -1)
			close(m.fd);
		rc = ctl_error(c->cfd[i], m.hdr.seq, IPC_E_BUSY,
		    "busy: a check-in or install is running");
	}
	if (rc == -1)
		drop(c, i);
}

/* One message while idle: a status or apps answer, or held for the main loop. */
static void
idle_one(struct netd *nd, struct net_ctl *c, int i)
{
	static struct ipc_msg m;

	if (take(c, i, &m) != 1)
		return;
	if (m.hdr.type != IPC_CTL_STATUS && m.hdr.type != IPC_APPS_QUERY) {
		held_msg = m;
		c->held = i;
	} else if (dispatch(nd, c, i, &m) == -1)
		drop(c, i);
}

/* Accept, then give each ready client (until one is held) to one(). */
static void
ready_clients(struct netd *nd, struct net_ctl *c,
    void (*one)(struct netd *, struct net_ctl *, int))
{
	struct pollfd pfd[1 + NET_CTL_CLIENTS];
	int i;

	net_ctl_pollfds(c, pfd);
	if (poll(pfd, 1 + NET_CTL_CLIENTS, 0) <= 0)
		return;
	if (pfd[0].revents & POLLIN)
		net_ctl_accept(c);
	for (i = 0; i < NET_CTL_CLIENTS && c->held == -1; i++)
		if (pfd[1 + i].fd != -1 && pfd[1 + i].fd == c->cfd[i] &&
		    (pfd[1 + i].revents & (POLLIN | POLLHUP | POLLERR)))
			one(nd, c, i);
}

void
net_ctl_busy(struct netd *nd, struct net_ctl *c)
{
	ready_clients(nd, c, busy_one);
}

int
net_ctl_idle(struct netd *nd, struct net_ctl *c)
{
	if (c->held == -1)
		ready_clients(nd, c, idle_one);
	return c->held != -1;
}
