/*
 * One check-in: write what changed, read engine_fetch and update_interval
 * in the same request, act on them, send the fetch_status queue.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/safefile.h"
#include "../../common/util.h"
#include "net_checkin.h"
#include "net_order.h"
#include "net_report.h"
#include "net_vfy.h"

#define NET_SMALL_BODY		4096
#define NET_NREPORTS		3

static void set_error(struct netd *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_error(struct netd *nd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(nd->last_error, sizeof(nd->last_error), fmt, ap);
	va_end(ap);
}

int
net_serial(const struct gwe_config *cfg, char *out, size_t outlen)
{
	char p[CONF_STR_MAX + 32], *buf;
	size_t len, i;

	if (cfg->uuid[0] != '\0') {
		gwe_strlcpy(out, cfg->uuid, outlen);
		return 0;
	}
	if (cfg->iface[0] == '\0')
		return -1;
	snprintf(p, sizeof(p), "/sys/class/net/%s/address", cfg->iface);
	if ((buf = net_read_virtual(p, 128)) == NULL)
		return -1;
	len = strlen(buf);
	while (len > 0 && isspace((unsigned char)buf[len - 1]))
		buf[--len] = '\0';
	for (i = 0; i < len; i++)
		buf[i] = (char)toupper((unsigned char)buf[i]);
	if (len != 17 || len >= outlen) {
		free(buf);
		return -1;
	}
	memcpy(out, buf, len + 1);
	free(buf);
	return 0;
}

int
net_activate(struct netd *nd)
{
	struct net_req rq = { .kind = NK_ACTIVATE, .method = "POST",
	    .path = "/provision/activate", .body_max = NET_SMALL_BODY, .timeout = 120 };
	struct gwe_buf body = NET_FORM_BUF_INIT;
	struct net_resp rs;
	char sn[CONF_STR_MAX], cik[NET_CIK_LEN + 1], reason[NET_REASON_MAX];
	int rc = -1;

	if (net_serial(nd->cfg, sn, sizeof(sn)) == -1) {
		log_warnx("activation impossible reason=\"no uuid and no MAC for iface\" iface=%s",
		    nd->cfg->iface);
		return -1;
	}
	if (net_form_add(&body, "vendor", nd->cfg->vendor, strlen(nd->cfg->vendor)) == -1 ||
	    net_form_add(&body, "model", nd->cfg->model, strlen(nd->cfg->model)) == -1 ||
	    net_form_add(&body, "sn", sn, strlen(sn)) == -1)
		fatalx("out of memory");
	rq.body = body.p;
	rq.bodylen = body.len;
	if (net_http_do(&nd->http, &rq, &rs) == -1) {
		log_warnx("activation failed sn=%s reason=\"%s\"", sn, rs.error);
		set_error(nd, "activation: %s", rs.error);
	} else if (rs.status != 200) {
		log_warnx("activation refused sn=%s status=%ld%s", sn, rs.status,
		    rs.status == 409 ? " reason=\"not enabled or already activated\"" :
		    rs.status == 404 ? " reason=\"unknown vendor, model or serial\"" : "");
		set_error(nd, "activation: status %ld", rs.status);
	} else if (net_cik_parse(net_resp_body(&rs), rs.body.len, cik,
	    reason, sizeof(reason)) == -1) {
		log_warnx("activation answer refused reason=\"%s\"", reason);
		set_error(nd, "activation: %s", reason);
	} else if (net_cik_store(nd, cik) == -1)
		log_warn("cik not stored");
	else {
		log_info("activated sn=%s", sn);
		rc = 0;
	}
	explicit_bzero(cik, sizeof(cik));
	if (rs.body.p != NULL)
		explicit_bzero(rs.body.p, rs.body.len);
	net_resp_free(&rs);
	gwe_buf_free(&body);
	return rc;
}

int
net_ensure_cik(struct netd *nd)
{
	if (nd->http.cik[0] != '\0')
		return 0;
	return net_activate(nd);
}

/* ---- reports --------------------------------------------------------- */

struct reports {
	struct net_report r[NET_NREPORTS];
	size_t n;
};

/* Keep a report that was built (rc 0) if it is due, else let it go. */
static void
report_keep(struct netd *nd, struct reports *rp, int rc, struct net_report *r, time_t now)
{
	if (rc != 0)
		return;
	if (net_report_due(nd, r, now))
		rp->r[rp->n++] = *r;
	else
		net_report_free(r);
}

static void
reports_collect(struct netd *nd, struct reports *rp, time_t now)
{
	static struct net_apps apps;
	struct net_report r;

	rp->n = 0;
	if (net_vfy_apps(nd, &apps) == 0)
		report_keep(nd, rp, net_report_engine(nd, &apps, &r), &r, now);
	report_keep(nd, rp, net_report_device_info(nd, &r), &r, now);
	report_keep(nd, rp, net_report_usage(nd, &r), &r, now);
}

static void
reports_free(struct reports *rp)
{
	size_t i;

	for (i = 0; i < rp->n; i++)
		net_report_free(&rp->r[i]);
	rp->n = 0;
}

/* ---- alias writes ----------------------------------------------------- */

/* Writes to one alias faster than once a second are undefined: keep a margin. */
#define NET_WRITE_GAP_MS	1050

static long long
ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (now.tv_sec - t->tv_sec) * 1000LL + (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* May the alias last written (or read) at t be written now? */
static int
spaced(const struct timespec *t)
{
	return t->tv_sec == 0 || ms_since(t) >= NET_WRITE_GAP_MS;
}

/* Wait until it may.  A clock step (over 2 s to go) does not make us wait. */
static void
space_after(const struct timespec *t)
{
	long long left_ms;

	while (!spaced(t)) {
		left_ms = NET_WRITE_GAP_MS - ms_since(t);
		if (left_ms > 2000)
			return;
		usleep((useconds_t)left_ms * 1000);
	}
}

/* POST a form body to the alias endpoint; 0 on 2xx.  *status: the answer's, 0 none. */
static int
alias_write_status(struct netd *nd, enum net_kind kind, const struct gwe_buf *b,
    const char *what, long *status)
{
	struct net_req rq = { .kind = kind, .method = "POST", .path = NET_ALIAS_PATH,
	    .with_cik = 1, .body = b->p, .bodylen = b->len,
	    .body_max = NET_SMALL_BODY, .timeout = 120 };
	struct net_resp rs;
	int rc = -1;

	*status = 0;
	if (net_http_do(&nd->http, &rq, &rs) == -1)
		log_warnx("write failed what=%s reason=\"%s\"", what, rs.error);
	else if ((*status = rs.status) / 100 != 2)
		log_warnx("write refused what=%s status=%ld", what, rs.status);
	else
		rc = 0;
	net_resp_free(&rs);
	return rc;
}

static int
alias_write(struct netd *nd, enum net_kind kind, const struct gwe_buf *b, const char *what)
{
	long status;

	return alias_write_status(nd, kind, b, what, &status);
}

/* ---- the read -------------------------------------------------------------- */

enum { F_FETCH, F_INTERVAL, F_N };

struct readout {
	struct net_form_field	f[F_N];
	struct timespec		answered;	/* when the read came back */
	int			fetch_oversize;	/* engine_fetch over the cap */
};

static size_t
read_cap(const struct netd *nd)
{
	/* Percent-encoding can triple the order; room for update_interval too. */
	return (size_t)nd->cfg->limits.max_order_bytes * 3 + NET_SMALL_BODY;
}

/* One alias read request (with an optional write body). */
static int
alias_read(struct netd *nd, const char *query, const struct gwe_buf *wbody,
    struct net_resp *rs)
{
	char path[256];
	struct net_req rq = { .kind = NK_CHECKIN, .with_cik = 1, .accept = NET_FORM_ACCEPT,
	    .timeout = 120 };

	snprintf(path, sizeof(path), "%s?%s", NET_ALIAS_PATH, query);
	rq.path = path;
	rq.body_max = read_cap(nd);
	rq.method = wbody != NULL && wbody->len > 0 ? "POST" : "GET";
	if (wbody != NULL && wbody->len > 0) {
		rq.body = wbody->p;
		rq.bodylen = wbody->len;
	}
	return net_http_do(&nd->http, &rq, rs);
}

static int
readout_parse(struct netd *nd, const struct net_resp *rs, struct readout *ro)
{
	char reason[NET_REASON_MAX];
	size_t unknown;

	if (rs->status == 204)
		return 0;
	if (net_form_parse(net_resp_body(rs), rs->body.len, ro->f, F_N,
	    nd->cfg->limits.max_order_bytes, &unknown, reason, sizeof(reason)) == -1) {
		log_warnx("alias read refused reason=\"%s\"", reason);
		return -1;
	}
	if (unknown > 0)
		log_info("alias read ignored unknown=%zu", unknown);
	if (ro->f[F_FETCH].too_long)
		ro->fetch_oversize = 1;
	return 0;
}

/* Read one alias alone into ro->f[i]; an answer over the cap marks it too long. */
static int
read_one(struct netd *nd, struct readout *ro, int i)
{
	struct net_form_field *f = &ro->f[i];
	char reason[NET_REASON_MAX];
	struct net_resp rs;
	int rc = 0;

	if (alias_read(nd, f->name, NULL, &rs) == -1) {
		if (rs.overflow) {
			f->present = f->too_long = 1;
			f->len = rs.body.len;
		} else {
			log_warnx("alias read failed alias=%s reason=\"%s\"", f->name, rs.error);
			rc = -1;
		}
	} else if (rs.status == 200) {
		if (net_form_parse(net_resp_body(&rs), rs.body.len, f, 1,
		    nd->cfg->limits.max_order_bytes, NULL, reason, sizeof(reason)) == -1) {
			log_warnx("alias read refused alias=%s reason=\"%s\"", f->name, reason);
			rc = -1;
		}
	} else if (rs.status != 204) {
		log_warnx("alias read refused alias=%s status=%ld", f->name, rs.status);
		rc = -1;
	}
	net_resp_free(&rs);
	return rc;
}

/* An answer over the cap: one of the aliases is huge.  Read each alone. */
static int
read_oversize(struct netd *nd, struct readout *ro, int with_fetch)
{
	log_warnx("alias read over the limit bytes=%zu: reading each alias alone",
	    read_cap(nd));
	if (with_fetch && read_one(nd, ro, F_FETCH) == -1)
		return -1;
	ro->fetch_oversize = ro->f[F_FETCH].too_long;
	return read_one(nd, ro, F_INTERVAL);
}

/* ---- acting on what was read ----------------------------------------------- */

static void
handle_interval(struct netd *nd, struct readout *ro)
{
	struct net_form_field *f = &ro->f[F_INTERVAL];
	char reason[NET_REASON_MAX];
	uint64_t v;

	if (!f->present || (f->len == 0 && !f->too_long))
		return;
	if (f->too_long)
		log_warnx("update_interval refused reason=\"too long\" bytes=%zu", f->len);
	else if (net_interval_parse(f->value, f->len, &v, reason, sizeof(reason)) == -1)
		log_warnx("update_interval refused reason=\"%s\"", reason);
	else if (net_interval_store(nd, v) == -1)
		log_warn("update_interval not stored");
	else
		log_info("update_interval applied seconds=%" PRIu64, v);
	nd->clear_interval = 1;
}

static int
handle_fetch(struct netd *nd, struct readout *ro)
{
	struct net_form_field *f = &ro->f[F_FETCH];
	char text[128];
	uint64_t fp, old;
	int n;

	if (ro->fetch_oversize || (f->present && f->len > 0))
		nd->orders_read++;	/* what a long-poll's "written" is checked against */
	if (ro->fetch_oversize) {
		n = snprintf(text, sizeof(text),
		    "gwe: order: larger than max_order_bytes %" PRIu64,
		    nd->cfg->limits.max_order_bytes);
		log_warnx("order refused reason=\"larger than max_order_bytes\"");
		if (net_queue_push(nd, text, (size_t)n, 0, 0) == -1)
			return -1;
		nd->clear_fetch = NET_CLEAR_ALWAYS;
		return 0;
	}
	if (!f->present || f->len == 0)
		return 0;
	fp = net_fnv1a(f->value, f->len, 0);
	if (net_uncleared_get(nd, &old) == 0 && old == fp)
		/* Journaled already; only the clear failed last time. */
		log_info("order seen again before its clear went through: clearing only");
	else {
		/* On disk before anything else: the alias is cleared only after this. */
		if (net_order_journal(nd, f->value, f->len) == -1)
			return -1;
		net_uncleared_set(nd, fp, 0);
	}
	nd->clear_fetch = NET_CLEAR_IF_SAME;
	nd->clear_fp = fp;
	return 0;
}

/* Does engine_fetch still hold the order fp?  1 yes, 0 no (changed or empty), -1 unknown. */
static int
fetch_holds(struct netd *nd, uint64_t fp)
{
	struct readout ro;
	struct net_form_field *f = &ro.f[F_FETCH];
	int rc;

	memset(&ro, 0, sizeof(ro));
	f->name = "engine_fetch";
	if (read_one(nd, &ro, F_FETCH) == -1)
		return -1;
	rc = f->present && !f->too_long && net_fnv1a(f->value, f->len, 0) == fp;
	net_form_free(ro.f, F_N);
	return rc;
}

/*
 * Written when due at a handover, else just before the check-in's first
 * fetch_status write (net_status_flush), in a request of its own: a
 * dashboard that reads both aliases must never see an order's result while
 * engine_fetch still holds the order.  For a quick install the 1 s
 * spacing thus delays its report, never the install.  An order written in the
 * meantime replaced ours: it stays for the next check-in rather than
 * being cleared unseen.
 */
static void
clear_write(struct netd *nd, int wait)
{
	struct gwe_buf b = NET_FORM_BUF_INIT;
	int fetch = nd->clear_fetch, interval = nd->clear_interval, holds;

	if ((!interval && fetch == NET_CLEAR_NONE) || (!wait && !spaced(&nd->clear_after)))
		return;
	nd->clear_interval = 0;
	nd->clear_fetch = NET_CLEAR_NONE;
	if (nd->http.stop != NULL && *nd->http.stop)
		return;		/* order.uncleared has it for after the restart */
	space_after(&nd->clear_after);
	if (fetch == NET_CLEAR_IF_SAME && (holds = fetch_holds(nd, nd->clear_fp)) != 1) {
		if (holds == 0) {
			log_info("engine_fetch changed since it was read: left for the next check-in");
			net_uncleared_set(nd, nd->clear_fp, 1);
		} else
			log_warnx("engine_fetch not cleared reason=\"it could not be read again\"");
		fetch = NET_CLEAR_NONE;
	}
	if ((interval && net_form_add(&b, "update_interval", "", 0) == -1) ||
	    (fetch != NET_CLEAR_NONE && net_form_add(&b, "engine_fetch", "", 0) == -1))
		fatalx("out of memory");
	if (b.len > 0 && alias_write(nd, NK_STATUS, &b, "clear") == -1)
		log_warnx("alias clear failed body=\"%s\"", b.p);
	else if (fetch != NET_CLEAR_NONE)
		net_uncleared_set(nd, nd->clear_fp, 1);
	gwe_buf_free(&b);
}

void
net_clear_due(struct netd *nd)
{
	clear_write(nd, 0);
}

static int
read_and_act(struct netd *nd, struct gwe_buf *wbody, struct reports *rp, time_t now)
{
	struct readout ro;
	struct net_resp rs;
	int rc = -1, pending = net_order_pending(nd);
	const char *q = pending ? "update_interval" : "engine_fetch&update_interval";
	size_t i;

	memset(&ro, 0, sizeof(ro));
	ro.f[F_FETCH].name = "engine_fetch";
	ro.f[F_INTERVAL].name = "update_interval";
	nd->clear_interval = 0;
	nd->clear_fetch = NET_CLEAR_NONE;
	if (alias_read(nd, q, wbody, &rs) == -1 && !rs.overflow) {
		log_warnx("check-in failed reason=\"%s\"", rs.error);
		set_error(nd, "check-in: %s", rs.error);
		net_resp_free(&rs);
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &ro.answered);
	if (rs.status == 401 || rs.status == 403) {
		log_warnx("check-in refused status=%ld reason=\"CIK not accepted\"", rs.status);
		set_error(nd, "check-in: status %ld (CIK not accepted)", rs.status);
		goto out;
	}
	if (rs.status != 200 && rs.status != 204) {
		log_warnx("check-in refused status=%ld", rs.status);
		set_error(nd, "check-in: status %ld", rs.status);
		goto out;
	}
	/* The write part of the request went through. */
	for (i = 0; i < rp->n; i++)
		net_report_written(nd, &rp->r[i], now);
	if (rs.overflow ? read_oversize(nd, &ro, !pending) == -1 :
	    readout_parse(nd, &rs, &ro) == -1)
		goto out;
	handle_interval(nd, &ro);
	if (handle_fetch(nd, &ro) == -1)
		goto out;
	nd->clear_after = ro.answered;
	rc = 0;
out:
	net_form_free(ro.f, F_N);
	net_resp_free(&rs);
	return rc;
}

#define NET_LONGPOLL_MAX_MS	300000
#define NET_LONGPOLL_GRACE	30	/* s past Request-Timeout for the answer */
#define NET_LONGPOLL_SLACK_MS	1000	/* an answer this close to its time was held */

static long long
mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* A 200: an order (NET_LP_ORDER), or an early answer that moved on or not. */
static int
longpoll_200(struct netd *nd, const struct net_resp *rs)
{
	struct net_form_field f = { .name = "engine_fetch" };
	char reason[NET_REASON_MAX];
	int rc;

	if (net_form_parse(net_resp_body(rs), rs->body.len, &f, 1,
	    nd->cfg->limits.max_order_bytes, NULL, reason, sizeof(reason)) == -1) {
		log_warnx("long-poll answer refused reason=\"%s\"", reason);
		rc = NET_LP_EARLY;
	} else if (f.len > 0 || f.too_long)
		rc = NET_LP_ORDER;
	else if (rs->last_modified > nd->lp_since)
		rc = NET_LP_CHANGED;
	else
		rc = NET_LP_EARLY;
	if (rs->last_modified > 0)
		nd->lp_since = rs->last_modified;
	net_form_free(&f, 1);
	if (rc == NET_LP_ORDER)
		log_info("long-poll: engine_fetch written, checking in");
	return rc;
}

int
net_longpoll(struct netd *nd, time_t until, int (*interrupt)(void *), void *arg)
{
	struct net_req rq = { .kind = NK_LONGPOLL, .method = "GET", .with_cik = 1,
	    .accept = NET_FORM_ACCEPT, .path = NET_ALIAS_PATH "?engine_fetch",
	    .interrupt = interrupt, .interrupt_arg = arg };
	struct net_resp rs;
	long long ms = ((long long)until - (long long)time(NULL)) * 1000, t0;
	int rc = NET_LP_ERROR;

	if (ms < 1000)
		return NET_LP_HELD;
	rq.request_timeout_ms = ms > NET_LONGPOLL_MAX_MS ? NET_LONGPOLL_MAX_MS : (long)ms;
	rq.timeout = rq.request_timeout_ms / 1000 + 60;
	rq.low_speed_time = rq.request_timeout_ms / 1000 + NET_LONGPOLL_GRACE;
	rq.body_max = read_cap(nd);
	rq.if_modified_since = nd->lp_since;
	log_debug("long-poll start ms=%ld since=%lld", rq.request_timeout_ms,
	    (long long)nd->lp_since);
	t0 = mono_ms();
	if (net_http_do(&nd->http, &rq, &rs) == -1) {
		if (rs.interrupted)
			rc = NET_LP_HELD;
		else if (rs.overflow)
			rc = NET_LP_ORDER;	/* a huge order: the check-in reports it */
		else
			log_warnx("long-poll failed reason=\"%s\"", rs.error);
	} else if (rs.status == 304 || rs.status == 204)
		rc = NET_LP_HELD;
	else if (rs.status == 200)
		rc = longpoll_200(nd, &rs);
	else
		log_warnx("long-poll refused status=%ld", rs.status);
	/* A platform (or proxy) that does not hold the request must not make us spin. */
	t0 = mono_ms() - t0;
	if (rc == NET_LP_HELD && !rs.interrupted &&
	    t0 < rq.request_timeout_ms - NET_LONGPOLL_SLACK_MS)
		rc = NET_LP_EARLY;
	if (rc == NET_LP_EARLY || rc == NET_LP_CHANGED)
		log_info("long-poll answered early status=%ld ms=%lld of=%ld", rs.status, t0,
		    rq.request_timeout_ms);
	net_resp_free(&rs);
	return rc;
}

int
net_checkin(struct netd *nd)
{
	struct reports rp;
	struct gwe_buf wbody = NET_FORM_BUF_INIT;
	time_t now = time(NULL);
	size_t i;
	int rc;

	nd->last_checkin = now;
	if (nd->lp_since < now - 1)
		nd->lp_since = now - 1;
	reports_collect(nd, &rp, now);
	for (i = 0; i < rp.n; i++)
		if (net_form_add(&wbody, rp.r[i].alias, rp.r[i].json,
		    strlen(rp.r[i].json)) == -1)
			fatalx("out of memory");
	rc = read_and_act(nd, &wbody, &rp, now);
	log_info("check-in %s wrote=%zu bytes_sent=%" PRIu64 " bytes_received=%" PRIu64,
	    rc == 0 ? "done" : "failed", rp.n, nd->http.usage.sent[NK_CHECKIN],
	    nd->http.usage.received[NK_CHECKIN]);
	reports_free(&rp);
	gwe_buf_free(&wbody);
	if (rc == -1) {
		net_usage_store(nd);
		return -1;
	}
	nd->last_ok = now;
	nd->last_error[0] = '\0';
	if (net_order_run(nd) == -1)
		rc = -1;
	if (net_status_flush(nd) == -1)	/* the clear first, if no handover made it */
		rc = -1;
	net_usage_store(nd);
	return rc;
}

/* ---- fetch_status ------------------------------------------------------- */

/*
 * A 4xx that no retry can change: the text itself was refused.  401 (the
 * CIK), 408 and 429 (time, load) are about the moment, not the text.
 */
static int
status_permanent(long status)
{
	return status >= 400 && status < 500 && status != 401 && status != 408 &&
	    status != 429;
}

/* Send one queue entry.  0 sent, 1 refused for good (set aside), -1 retry later. */
static int
status_send(struct netd *nd, const char *name, const char *text, size_t len)
{
	struct gwe_buf b = NET_FORM_BUF_INIT;
	long status;
	int rc;

	space_after(&nd->last_status_write);
	if (net_form_add(&b, "fetch_status", text, len) == -1)
		return -1;
	rc = alias_write_status(nd, NK_STATUS, &b, "fetch_status", &status);
	gwe_buf_free(&b);
	if (status != 0)
		clock_gettime(CLOCK_REALTIME, &nd->last_status_write);
	if (rc == 0 || !status_permanent(status))
		return rc;
	if (net_queue_setaside(nd, name) == -1) {
		log_warn("fetch_status refused and not set aside entry=%s status=%ld",
		    name, status);
		return -1;
	}
	log_warnx("fetch_status refused for good entry=%s status=%ld bytes=%zu "
	    "set_aside=done", name, status, len);
	return 1;
}

int
net_status_flush(struct netd *nd)
{
	char name[64], *text;
	size_t len, n;
	unsigned sent = 0;
	int rc;

	/* engine_fetch emptied before any result of its order is written. */
	clear_write(nd, 1);
	nd->backlog = 0;
	while (net_queue_oldest(nd, name, sizeof(name), &text, &len) == 0) {
		if (sent++ == NET_FLUSH_MAX) {
			free(text);
			nd->backlog = 1;
			log_info("fetch_status backlog left for the next check-in queued=%u",
			    net_queue_count(nd));
			break;
		}
		n = len < sizeof(nd->last_status) - 1 ? len : sizeof(nd->last_status) - 1;
		memcpy(nd->last_status, text, n);
		nd->last_status[n] = '\0';
		rc = status_send(nd, name, text, len);
		free(text);
		if (rc == -1)
			return -1;
		if (rc == 1)
			continue;
		if (net_queue_remove(nd, name) == -1)
			log_warn("queue entry not removed name=%s", name);
		log_info("fetch_status written entry=%s bytes=%zu", name, len);
	}
	return 0;
}
