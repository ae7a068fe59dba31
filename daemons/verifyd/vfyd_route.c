/*
 * gwe-verifyd's handlers: what each message from netd or the installer
 * does (the routes are in docs/protocol.md).  See verifyd.c for who keeps
 * which result; the ring of refused jobs lets an ACK for a refusal made
 * here stop here.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/text.h"
#include "../../verify/vfy_check.h"
#include "vfyd.h"
#include "../../ipc/ipc_send.h"

#define LOGSAFE_MAX		(IPC_NAME_LEN + VFY_REASON_MAX)

/* Messages are up to ~80 KB: keep them off the stack. */
static struct ipc_msg outmsg;

static void
refused_remember(struct vfyd *d, uint64_t job)
{
	d->refused[d->nrefused++ % VFYD_REFUSED_RING] = job;
}

/* Was job refused here?  Then forget it and say so. */
static int
refused_forget(struct vfyd *d, uint64_t job)
{
	unsigned i;

	for (i = 0; i < VFYD_REFUSED_RING && i < d->nrefused; i++)
		if (d->refused[i] == job) {
			d->refused[i] = UINT64_MAX;
			return 1;
		}
	return 0;
}

void
vfyd_netd_close(struct vfyd *d, const char *why)
{
	if (d->nfd == -1)
		return;
	log_info("netd disconnected reason=\"%s\"", why);
	close(d->nfd);
	d->nfd = -1;
}

static void
installd_send(struct vfyd *d, const struct ipc_msg *m)
{
	if (ipc_send(d->ifd, m) == -1)
		fatal("installd send failed type=%s", ipc_type_name(m->hdr.type));
}

static void
send_refusal(struct vfyd *d, const struct ipc_msg *m, const char *reason, double secs)
{
	const struct ipc_verify_req *v = &m->u.verify;
	struct ipc_result *r = &outmsg.u.result;
	char n[LOGSAFE_MAX], why[LOGSAFE_MAX];
	int len;

	/*
	 * The name (refused, so perhaps not a valid one) and the reason (it
	 * may quote an archive entry) go into key="value" and into the result
	 * line netd reports: no control byte, no quote, ASCII only.
	 */
	gwe_text_clean(n, sizeof(n), v->name, sizeof(v->name), GWE_TEXT_VALUE, NULL);
	gwe_text_clean(why, sizeof(why), reason, strlen(reason), GWE_TEXT_VALUE, NULL);
	log_warnx("verify refused name=%s job=%llu reason=\"%s\"", n,
	    (unsigned long long)v->job, why);
	ipc_init(&outmsg, IPC_RESULT, m->hdr.seq);
	r->job = v->job;
	r->origin = v->origin;
	r->status = IPC_ST_REFUSED;
	r->exit_code = -1;
	r->duration_ms = (uint64_t)(secs * 1000);
	r->finished_at = (uint64_t)time(NULL);
	memcpy(r->name, v->name, sizeof(r->name));
	len = snprintf(r->output, sizeof(r->output), "gwe: %s: %s", n, why);
	r->output_len = (uint32_t)(len < 0 ? 0 : len);
	r->output_total = r->output_len;
	refused_remember(d, v->job);
	if (d->nfd != -1 && ipc_send(d->nfd, &outmsg) == -1)
		log_warn("refusal not delivered job=%llu", (unsigned long long)v->job);
}

static void
forward_install(struct vfyd *d, const struct ipc_msg *m, const struct vfy_check_res *res)
{
	const struct ipc_verify_req *v = &m->u.verify;
	struct ipc_install_req *i = &outmsg.u.install;

	ipc_init(&outmsg, IPC_INSTALL_REQ, m->hdr.seq);
	i->job = v->job;
	i->size = v->size;
	i->origin = v->origin;
	memcpy(i->name, v->name, sizeof(i->name));
	if (ipc_setstr(i->app, sizeof(i->app), res->app) == -1 ||
	    ipc_setstr(i->version, sizeof(i->version), res->version) == -1)
		fatalx("app or version does not fit a message");
	memcpy(i->digest, res->digest, sizeof(i->digest));
	i->sig_len = v->sig_len;
	memcpy(i->sig, v->sig, v->sig_len);
	outmsg.fd = m->fd;
	installd_send(d, &outmsg);
}

static void
log_accepted(const struct ipc_msg *m, const struct vfy_check_res *res)
{
	/* The name passed vfy_name_parse: nothing in it to clean. */
	const char *n = m->u.verify.name;

	if (res->unsigned_ok)
		log_warnx("verify unsigned name=%s require_signature=false", n);
	log_info("verify accepted name=%s job=%llu app=%s version=%s bytes=%llu "
	    "entries=%llu unpacked=%llu secs=%.3f", n,
	    (unsigned long long)m->u.verify.job, res->app, res->version,
	    (unsigned long long)m->u.verify.size,
	    (unsigned long long)res->stats.entries,
	    (unsigned long long)res->stats.unpacked_bytes, res->secs);
}

/* VERIFY_REQ from netd: check the fd, then the tarball; refuse here or pass it on. */
static int
h_verify(void *ctx, struct ipc_msg *m)
{
	struct vfyd *d = ctx;
	const struct ipc_verify_req *v = &m->u.verify;
	struct vfy_check_req req;
	static struct vfy_check_res res;
	char why[VFY_REASON_MAX + 8], fdwhy[VFY_REASON_MAX];
	uint64_t size;

	if (m->fd < 0)
		return -1;	/* the codec should have caught it */
	if (ipc_memfd_check(m->fd, v->size, &size, fdwhy, sizeof(fdwhy)) == -1) {
		snprintf(why, sizeof(why), "fd: %s", fdwhy);
		send_refusal(d, m, why, 0);
		goto done;
	}
	memset(&req, 0, sizeof(req));
	req.fd = m->fd;
	req.size = size;
	req.name = v->name;
	req.sig = v->sig;
	req.sig_len = v->sig_len;
	req.keys = &d->keys;
	req.limits = &d->cfg.limits;
	req.require_signature = d->cfg.require_signature;
	req.now = time(NULL);
	if (vfy_check(&req, &res) == -1) {
		send_refusal(d, m, res.reason, res.secs);
		goto done;
	}
	log_accepted(m, &res);
	forward_install(d, m, &res);
done:
	close(m->fd);
	m->fd = -1;
	return 0;
}

/* ACK, UNACKED_QUERY, APPS_QUERY from netd: the installer answers them. */
static int
h_to_installd(void *ctx, struct ipc_msg *m)
{
	struct vfyd *d = ctx;

	if (m->hdr.type == IPC_ACK && refused_forget(d, m->u.ack.job)) {
		log_debug("ack of a refusal job=%llu", (unsigned long long)m->u.ack.job);
		return 0;
	}
	installd_send(d, m);
	return 0;
}

/* RESULT, APP_ENTRY, APPS_END, ERROR from the installer: pass them to netd. */
static int
h_to_netd(void *ctx, struct ipc_msg *m)
{
	struct vfyd *d = ctx;

	if (m->hdr.type == IPC_RESULT)
		log_info("install result job=%llu status=%u exit=%d",
		    (unsigned long long)m->u.result.job, m->u.result.status,
		    m->u.result.exit_code);
	if (d->nfd == -1) {
		/* The installer keeps results until acked; netd will ask again. */
		log_info("relay dropped type=%s reason=\"netd not connected\"",
		    ipc_type_name(m->hdr.type));
		return 0;
	}
	if (ipc_send(d->nfd, m) == -1) {
		log_warn("relay to netd failed type=%s", ipc_type_name(m->hdr.type));
		vfyd_netd_close(d, "send failed");
	}
	return 0;
}

const struct ipc_handler vfyd_handlers[] = {
	{ PEER_NETD,	 IPC_VERIFY_REQ,	h_verify },
	{ PEER_NETD,	 IPC_ACK,		h_to_installd },
	{ PEER_NETD,	 IPC_UNACKED_QUERY,	h_to_installd },
	{ PEER_NETD,	 IPC_APPS_QUERY,	h_to_installd },
	{ PEER_INSTALLD, IPC_RESULT,		h_to_netd },
	{ PEER_INSTALLD, IPC_APP_ENTRY,		h_to_netd },
	{ PEER_INSTALLD, IPC_APPS_END,		h_to_netd },
	{ PEER_INSTALLD, IPC_ERROR,		h_to_netd },
};
const size_t vfyd_nhandlers = sizeof(vfyd_handlers) / sizeof(vfyd_handlers[0]);
