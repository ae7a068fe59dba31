/*
 * Running an install order, one entry at a time, each step journaled so
 * that a restart resumes where it stopped and never loses a result.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/safefile.h"
#include "../../common/util.h"
#include "net_dl.h"
#include "net_order.h"
#include "net_report.h"
#include "net_vfy.h"
#include "../../ipc/ipc_send.h"

#define NET_AWAIT_RESTART_MS	5000	/* for a result from before a restart */

static int
stopping(const struct netd *nd)
{
	return nd->http.stop != NULL && *nd->http.stop;
}

struct ostate {
	uint64_t id, next, job, pending, tries;
};

static int
ostate_path(struct netd *nd, const char *name, char *p, size_t len)
{
	return net_path(nd, name, p, len);
}

/* 0 loaded; NET_KV_MISSING no state file; NET_KV_BAD a damaged one (logged). */
static int
ostate_load(struct netd *nd, struct ostate *s)
{
	char p[CONF_PATH_MAX + 32];
	int rc;

	memset(s, 0, sizeof(*s));
	if (ostate_path(nd, "order.state", p, sizeof(p)) == -1)
		return NET_KV_BAD;
	/* Every key is always written: one unreadable is damage, never a fresh start. */
	if ((rc = net_kv_read(p, "id", &s->id)) != 0 ||
	    (rc = net_kv_read(p, "next", &s->next)) != 0 ||
	    (rc = net_kv_read(p, "job", &s->job)) != 0 ||
	    (rc = net_kv_read(p, "pending", &s->pending)) != 0 ||
	    (rc = net_kv_read(p, "tries", &s->tries)) != 0)
		return rc;
	return 0;
}

static int
ostate_save(struct netd *nd, const struct ostate *s)
{
	char p[CONF_PATH_MAX + 32], buf[256];

	if (ostate_path(nd, "order.state", p, sizeof(p)) == -1)
		return -1;
	snprintf(buf, sizeof(buf), "id=%" PRIu64 "\nnext=%" PRIu64 "\njob=%" PRIu64
	    "\npending=%" PRIu64 "\ntries=%" PRIu64 "\n", s->id, s->next, s->job,
	    s->pending, s->tries);
	if (safe_write(p, buf, strlen(buf), 0600) == -1) {
		log_warn("order state not saved path=%s", p);
		return -1;
	}
	return 0;
}

int
net_order_pending(struct netd *nd)
{
	char p[CONF_PATH_MAX + 32];

	return ostate_path(nd, "order", p, sizeof(p)) == 0 && access(p, F_OK) == 0;
}

int
net_order_journal(struct netd *nd, const char *raw, size_t len)
{
	char p[CONF_PATH_MAX + 32];
	struct ostate s = { 0 };

	s.id = net_jobseq_next(nd);
	/* The state first: an order file without one would be unreadable. */
	if (s.id == 0 || ostate_save(nd, &s) == -1 || ostate_path(nd, "order", p, sizeof(p)) == -1 ||
	    safe_write(p, raw, len, 0600) == -1) {
		log_warn("order not journaled");
		return -1;
	}
	log_info("order journaled id=%" PRIu64 " bytes=%zu", s.id, len);
	return 0;
}

int
net_uncleared_get(struct netd *nd, uint64_t *fp)
{
	char p[CONF_PATH_MAX + 32];

	if (ostate_path(nd, "order.uncleared", p, sizeof(p)) == -1)
		return NET_KV_BAD;
	return net_kv_read(p, "fp", fp);
}

/*
 * While the order is journaled, a clear that went through leaves fp=0 and
 * cleared=FP rather than no file: at a restart, a file that names another
 * order, or none, means the fingerprint never reached the disk (a cut right
 * after the journal).  Removals are durable: one undone by a cut would
 * leave an order's fingerprint to refuse the same order written again.
 */
void
net_uncleared_set(struct netd *nd, uint64_t fp, int cleared)
{
	char p[CONF_PATH_MAX + 32], line[64];

	if (ostate_path(nd, "order.uncleared", p, sizeof(p)) == -1)
		return;
	if (cleared && !net_order_pending(nd)) {
		if (safe_unlink(p) == -1 && errno != ENOENT)
			log_warn("order.uncleared not removed");
		return;
	}
	snprintf(line, sizeof(line), cleared ? "fp=0\ncleared=%" PRIu64 "\n" : "fp=%" PRIu64 "\n",
	    fp);
	if (safe_write(p, line, strlen(line), 0600) == -1)
		log_warn("order.uncleared not written");
}

/*
 * The journaled order without its own order.uncleared: the cut came
 * between the two, so the platform still holds the order uncleared.
 * Written now, or the order would be journaled and run again after this run.
 */
static void
uncleared_keep(struct netd *nd, const char *raw, size_t len)
{
	char p[CONF_PATH_MAX + 32];
	uint64_t fp, done = 0, j = net_fnv1a(raw, len, 0);

	if (net_uncleared_get(nd, &fp) == 0 && (fp == j || (fp == 0 &&
	    ostate_path(nd, "order.uncleared", p, sizeof(p)) == 0 &&
	    net_kv_load(p, "cleared", &done) == 0 && done == j)))
		return;
	log_info("order journaled without its order.uncleared: written now");
	net_uncleared_set(nd, j, 0);
}

static void
order_finish(struct netd *nd, uint64_t id)
{
	char p[CONF_PATH_MAX + 32];
	uint64_t fp;

	if (ostate_path(nd, "order", p, sizeof(p)) == 0 && safe_unlink(p) == -1 &&
	    errno != ENOENT)
		log_warn("order not removed path=%s", p);
	if (ostate_path(nd, "order.state", p, sizeof(p)) == 0)
		(void)safe_unlink(p);
	/* A clear that went through is no longer worth a file. */
	if (net_uncleared_get(nd, &fp) == 0 && fp == 0)
		net_uncleared_set(nd, 0, 1);
	log_info("order done id=%" PRIu64, id);
}

/*
 * Queue one entry's result text and move the journal past it.  Its partial
 * downloads go with it (docs/architecture.md): a result, or a failure for
 * good, ends the need for them.
 */
static int
entry_done(struct netd *nd, struct ostate *s, const char *name, const char *text,
    size_t len)
{
	char sig[VFY_NAME_MAX + 16];

	/* Queued before a cut that the state's save did not outlive: not twice. */
	if (net_queue_max_entry(nd, s->id) >= (long)s->next)
		log_info("result queued already order=%" PRIu64 " entry=%" PRIu64, s->id,
		    s->next);
	else if (net_queue_push(nd, text, len, s->id, (long)s->next) == -1) {
		log_warn("result not queued order=%" PRIu64 " entry=%" PRIu64, s->id, s->next);
		return -1;
	}
	s->next++;
	s->pending = s->job = s->tries = 0;
	(void)ostate_save(nd, s);
	snprintf(sig, sizeof(sig), "%s.minisig", name);
	net_dl_forget(nd, name);
	net_dl_forget(nd, sig);
	return 0;
}

static int
entry_fail(struct netd *nd, struct ostate *s, const char *name, const char *reason)
{
	char text[1024];
	int n;

	log_warnx("entry failed name=%s reason=\"%s\"", name, reason);
	n = snprintf(text, sizeof(text), "gwe: %s: %s", name, reason);
	return entry_done(nd, s, name, text,
	    (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
}

static int
result_done(struct netd *nd, struct ostate *s, const char *name, const struct ipc_result *res)
{
	static char text[IPC_OUTPUT_MAX + 1];
	size_t n = net_result_text(res, text, sizeof(text));

	log_info("result name=%s job=%" PRIu64 " status=%u exit=%d", name, res->job,
	    res->status, res->exit_code);
	if (entry_done(nd, s, name, text, n) == -1)
		return -1;
	(void)net_vfy_ack(nd, res->job);
	return 0;
}

/* Read the whole .minisig (small) into sig; absent is allowed (sig_len 0). */
static int
fetch_sig(struct netd *nd, const char *name, char *sig, size_t *siglen, char *reason,
    size_t reasonlen)
{
	char id[VFY_NAME_MAX + 16];
	uint64_t size;
	int fd, rc;

	snprintf(id, sizeof(id), "%s.minisig", name);
	*siglen = 0;
	rc = net_dl_fetch(nd, id, nd->cfg->limits.max_sig_bytes, "max_sig_bytes", &fd,
	    &size, reason, reasonlen);
	if (rc == NET_DL_NOTFOUND) {
		log_info("no signature in the content area name=%s", name);
		return NET_DL_OK;
	}
	if (rc != NET_DL_OK)
		return rc;
	if (size > IPC_SIG_MAX || ipc_pread_full(fd, sig, (size_t)size, 0) == -1) {
		close(fd);
		snprintf(reason, reasonlen, "signature unreadable");
		return NET_DL_FAILED;
	}
	close(fd);
	*siglen = (size_t)size;
	net_dl_forget(nd, id);
	return NET_DL_OK;
}

/* Download both files and build the sealed memfd. */
static int
entry_fetch(struct netd *nd, const char *name, int *mfd, uint64_t *size, char *sig,
    size_t *siglen, char *reason, size_t reasonlen)
{
	char why[NET_REASON_MAX];
	int fd, rc;

	rc = net_dl_fetch(nd, name, nd->cfg->limits.max_tarball_bytes, "max_tarball_bytes",
	    &fd, size, why, sizeof(why));
	if (rc != NET_DL_OK) {
		snprintf(reason, reasonlen, "download: %s%s", rc == NET_DL_NOTFOUND ?
		    "not in the content area: " : "", why);
		return rc == NET_DL_TRANSIENT ? NET_DL_TRANSIENT : NET_DL_FAILED;
	}
	if ((rc = fetch_sig(nd, name, sig, siglen, why, sizeof(why))) != NET_DL_OK) {
		close(fd);
		snprintf(reason, reasonlen, "signature download: %s", why);
		return rc;
	}
	*mfd = ipc_memfd_copy(fd, *size, name, why, sizeof(why));
	close(fd);
	if (*mfd == -1) {
		/* errno, not why: the reason fetch_status gets stays what it was. */
		snprintf(reason, reasonlen, "memfd: %s", strerror(errno));
		return NET_DL_TRANSIENT;
	}
	return NET_DL_OK;
}

/*
 * Fetch the entry (resuming any partial download), hand it to the verifier
 * as job, wait for the result and queue it.
 */
static int
entry_handover(struct netd *nd, struct ostate *s, const char *name, uint64_t job)
{
	static char sig[IPC_SIG_MAX];
	static struct ipc_result res;
	char reason[NET_REASON_MAX + 64], err[IPC_TEXT_LEN + 64];
	uint64_t size;
	size_t siglen;
	int mfd, rc, sent;

	rc = entry_fetch(nd, name, &mfd, &size, sig, &siglen, reason, sizeof(reason));
	if (rc == NET_DL_FAILED)
		return entry_fail(nd, s, name, reason);
	if (rc != NET_DL_OK) {
		log_warnx("entry postponed name=%s reason=\"%s\"", name, reason);
		if (++s->tries >= NET_ORDER_TRIES)
			return entry_fail(nd, s, name, reason);
		(void)ostate_save(nd, s);
		return -1;
	}
	s->job = job != 0 ? job : net_jobseq_next(nd);
	if (s->job == 0) {
		close(mfd);
		log_warnx("entry postponed name=%s reason=\"cannot record a job id\"", name);
		return -1;
	}
	s->pending = s->next + 1;
	(void)ostate_save(nd, s);
	sent = net_vfy_send(nd, s->job, IPC_ORIGIN_OTA, name, mfd, size, sig, siglen, err,
	    sizeof(err));
	rc = sent;
	close(mfd);
	/* The verifier is at work: time for the alias clear, if it is due. */
	if (nd->handed_over != NULL)
		nd->handed_over(nd);
	if (rc == 0)
		rc = net_vfy_result(nd, s->job, &res,
		    (int)(nd->cfg->limits.install_timeout + 300) * 1000, err, sizeof(err));
	if (rc == 0)
		return result_done(nd, s, name, &res);
	if (stopping(nd)) {
		/* Handed over: the result is asked for again after the restart. */
		log_info("entry left pending name=%s job=%" PRIu64 " reason=stopping", name, s->job);
		return -1;
	}
	log_warnx("entry postponed name=%s reason=\"%s\"", name, err);
	if (nd->vfd != -1 || ++s->tries >= NET_ORDER_TRIES)
		return entry_fail(nd, s, name, err);
	/* Not handed over: nothing to ask the verifier for after a restart. */
	if (sent == -1)
		s->pending = s->job = 0;
	(void)ostate_save(nd, s);
	return -1;
}

/*
 * An entry handed over before a restart.  Its result may be held by the
 * installer (it comes back after UNACKED_QUERY); a refusal by the verifier
 * is not kept, so without a result we hand the entry over again under the
 * same job id, which the installer recognises.
 */
static int
entry_recover(struct netd *nd, struct ostate *s, const char *name)
{
	static struct ipc_result res;

	log_info("waiting for a result from before the restart job=%" PRIu64 " name=%s",
	    s->job, name);
	if (net_vfy_await(nd, s->job, &res, NET_AWAIT_RESTART_MS) == 0)
		return result_done(nd, s, name, &res);
	if (nd->vfd == -1 || stopping(nd))
		return -1;	/* verifier away, or we are: ask again later */
	log_info("no result kept: handing over again job=%" PRIu64 " name=%s", s->job, name);
	return entry_handover(nd, s, name, s->job);
}

static int
entry_run(struct netd *nd, struct ostate *s, const char *name)
{
	if (s->pending != 0 && s->pending == s->next + 1 && s->job != 0)
		return entry_recover(nd, s, name);
	log_info("entry start order=%" PRIu64 " entry=%" PRIu64 " name=%s", s->id, s->next, name);
	return entry_handover(nd, s, name, 0);
}

/* Read and parse the journaled order; -1 unreadable, -2 refused (reason set). */
static int
order_load(struct netd *nd, struct net_order *o, char *reason, size_t reasonlen)
{
	char p[CONF_PATH_MAX + 32], *raw;
	size_t len;
	int n;

	if (ostate_path(nd, "order", p, sizeof(p)) == -1 ||
	    gwe_read_file(p, LIM_CEIL_ORDER_BYTES, &raw, &len) == -1) {
		log_warn("journaled order unreadable path=%s", p);
		return -1;
	}
	uncleared_keep(nd, raw, len);
	n = net_order_parse(raw, len, nd->cfg->limits.max_order_bytes, o, reason, reasonlen);
	free(raw);
	return n == -1 ? -2 : 0;
}

/*
 * A RESULT that arrived while nobody waited: if it is the one the journal
 * waits for (sent before a restart), record it.  Returns 1 when taken.
 */
static int
take_result(struct netd *nd, const struct ipc_result *res)
{
	static struct net_order o;
	char reason[NET_REASON_MAX];
	struct ostate s;

	if (!net_order_pending(nd) || ostate_load(nd, &s) != 0 || s.pending == 0 ||
	    s.job != res->job || s.pending != s.next + 1 ||
	    order_load(nd, &o, reason, sizeof(reason)) != 0 || s.next >= o.n)
		return 0;
	log_info("result from before the restart job=%" PRIu64 " name=%s", s.job,
	    o.names[s.next]);
	(void)result_done(nd, &s, o.names[s.next], res);
	return 1;
}

void
net_order_stray(struct netd *nd, const struct ipc_result *res)
{
	if (take_result(nd, res))
		return;
	/*
	 * An update result the journal does not wait for: its entry was done,
	 * and an entry is done only once its result is queued (an order leaves
	 * the disk only once every entry is), so this is one of them again, its
	 * ACK lost to a cut.  Queued twice it would be reported twice.
	 */
	if (res->origin == IPC_ORIGIN_OTA) {
		log_info("result from before the restart queued already job=%" PRIu64
		    " name=%s", res->job, res->name);
		(void)net_vfy_ack(nd, res->job);
		return;
	}
	log_info("result arrived job=%" PRIu64 " name=%s status=%u origin=%u waited=no",
	    res->job, res->name, res->status, res->origin);
	(void)net_vfy_ack(nd, res->job);
}

/* Move a journal file into failed/ under a name no later one takes. */
static void
set_aside(struct netd *nd, const char *name, time_t now)
{
	char from[CONF_PATH_MAX + 32], to[CONF_PATH_MAX + 64];

	if (ostate_path(nd, name, from, sizeof(from)) == -1 ||
	    (size_t)snprintf(to, sizeof(to), "%s/failed/%s.%lld", nd->dir, name,
	    (long long)now) >= sizeof(to))
		return;
	if (rename(from, to) == -1 && errno != ENOENT)
		log_warn("journal file not set aside path=%s", from);
}

/*
 * order.state is there but damaged: where the order got to is unknown, and
 * starting it over could install an entry twice.  Say so in fetch_status,
 * keep both files in failed/ for the operator, and run nothing of it.
 */
static int
order_damaged(struct netd *nd)
{
	static const char text[] = "gwe: order: journal state damaged, order set aside";
	time_t now = time(NULL);

	log_warnx("order set aside reason=\"order.state damaged\" dir=%s/failed", nd->dir);
	if (net_queue_push(nd, text, sizeof(text) - 1, 0, 0) == -1)
		return -1;
	set_aside(nd, "order", now);
	set_aside(nd, "order.state", now);
	return 0;
}

int
net_order_run(struct netd *nd)
{
	static struct net_order o;
	char reason[NET_REASON_MAX], text[NET_REASON_MAX + 16];
	struct ostate s;
	long q;
	int n;

	if (!net_order_pending(nd))
		return 0;
	if ((n = ostate_load(nd, &s)) == NET_KV_BAD)
		return order_damaged(nd);
	if (n == NET_KV_MISSING && (s.id = net_jobseq_next(nd)) == 0)
		return -1;
	if ((n = order_load(nd, &o, reason, sizeof(reason))) == -1) {
		/* Say in fetch_status why the order went nowhere. */
		log_warnx("order dropped id=%" PRIu64 " reason=\"journaled order unreadable\"",
		    s.id);
		n = snprintf(text, sizeof(text), "gwe: order: journaled order unreadable");
		if (net_queue_push(nd, text, (size_t)n, s.id, 0) == -1)
			return -1;
		order_finish(nd, s.id);
		return 0;
	}
	if (n == -2) {
		log_warnx("order refused id=%" PRIu64 " reason=\"%s\"", s.id, reason);
		n = snprintf(text, sizeof(text), "gwe: order: %s", reason);
		if (s.next == 0 && net_queue_push(nd, text, (size_t)n, s.id, 0) == -1)
			return -1;
		order_finish(nd, s.id);
		return 0;
	}
	/* A result queued just before a crash counts, even if the state missed it. */
	if ((q = net_queue_max_entry(nd, s.id)) >= 0 && (uint64_t)q + 1 > s.next) {
		s.next = (uint64_t)q + 1;
		s.pending = s.job = 0;
	}
	log_info("order start id=%" PRIu64 " entries=%zu next=%" PRIu64, s.id, o.n, s.next);
	while (s.next < o.n)
		if (stopping(nd) || entry_run(nd, &s, o.names[s.next]) == -1)
			return -1;
	order_finish(nd, s.id);
	return 0;
}
