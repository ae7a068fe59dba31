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
/*
 * Long-poll engine_fetch until `until` (at most 300 s a request).  Returns
 * 1 when an order arrived (check in now), 0 on time-out or when
 * interrupt said stop, -1 on an error.
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
/* Send what is queued for fetch_status, oldest first, >= 1 s apart. */
int	net_status_flush(struct netd *nd);

#endif
