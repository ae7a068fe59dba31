/*
 * The check-in cycle (DESIGN section 3): activation, reports, the alias
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
/* One check-in.  0: the platform answered it; -1: an error (backoff). */
int	net_checkin(struct netd *nd);
/*
 * Long-poll engine_fetch until `until` (at most 300 s a request).  Returns
 * 1 when an order arrived (check in now), 0 on time-out or when
 * interrupt said stop, -1 on an error.
 */
int	net_longpoll(struct netd *nd, time_t until, int (*interrupt)(void *), void *arg);
/* Send what is queued for fetch_status, oldest first, >= 1 s apart. */
int	net_status_flush(struct netd *nd);

#endif
