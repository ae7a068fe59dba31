/*
 * The check-in cycle (docs/design.md section 3): activation, reports, the alias
 * read, update_interval, engine_fetch, and the fetch_status queue.
 */
#ifndef GWE_NET_CHECKIN_H
#define GWE_NET_CHECKIN_H

#include "net_state.h"

#define NET_ALIAS_PATH	"/onep:v1/stack/alias"
#define NET_FORM_ACCEPT	"application/x-www-form-urlencoded; charset=utf-8"

/* The serial: uuid, else the MAC of iface in upper case. 0 or -1. */
int	net_serial(const struct gwe_config *cfg, char *out, size_t outlen);
/* Activate.  0: a CIK is stored; -1: not now (retry after act_retry_interval). */
int	net_activate(struct netd *nd);
/* Activate if there is no CIK yet (the loop and gwe --once alike); 0 when there is one. */
int	net_ensure_cik(struct netd *nd);
/* One check-in.  0: the platform answered it; -1: an error (backoff). */
int	net_checkin(struct netd *nd);
/* What a long-poll came to. */
enum {
	NET_LP_ERROR = -1,	/* no answer, or a refusal */
	NET_LP_HELD = 0,	/* held its time (304), or interrupt said stop */
	NET_LP_ORDER = 1,	/* engine_fetch was written: check in now */
	NET_LP_EARLY = 2,	/* answered before its time, nothing new */
	NET_LP_CHANGED = 3	/* answered before its time: emptied (a clear) */
};
/*
 * Long-poll engine_fetch until `until` (at most 300 s a request), with a
 * low-speed window of its own: nothing flows while the platform holds it.
 * Returns one of NET_LP_*; the caller paces the next one.
 */
int	net_longpoll(struct netd *nd, time_t until, int (*interrupt)(void *), void *arg);
enum { NET_CLEAR_NONE, NET_CLEAR_ALWAYS, NET_CLEAR_IF_SAME };
/*
 * Write the alias clears the last check-in decided on, if any, but only
 * if a little over 1 s has passed since the read (nd->handed_over; the
 * check-in itself waits for it at its end).  engine_fetch is cleared only
 * while it still holds the journaled order (NET_CLEAR_IF_SAME).
 */
void	net_clear_due(struct netd *nd);
/*
 * Write the clears the check-in decided on and no handover wrote (waiting
 * until a little over 1 s after the read), then send what is queued for
 * fetch_status, oldest first, >= 1 s apart, at most NET_FLUSH_MAX a
 * check-in: a backlog (nd->backlog) is sent over the next check-ins, so
 * that it does not keep a new order unread.
 */
#define NET_FLUSH_MAX	8
int	net_status_flush(struct netd *nd);

#endif
