/*
 * The install order journal (docs/design.md section 3, steps 5 and 6): the order
 * is on disk before the alias is cleared, each entry's result is queued
 * before the next entry starts, and the order leaves the disk only when
 * every entry has a result queued.
 *   order        the raw engine_fetch value
 *   order.state  id=, next= (first entry without a result), job= and
 *                pending= (an entry handed to the verifier), tries=
 */
#ifndef GWE_NET_ORDER_H
#define GWE_NET_ORDER_H

#include <stddef.h>

#include "../../ipc/ipc.h"
#include "net_state.h"

#define NET_ORDER_TRIES		5	/* transient failures before an entry is given up */

/*
 * netd/order.uncleared, fp=: the fingerprint (net_fnv1a) of the order
 * journaled until its clear goes through (or is given up: cleared 1); then
 * fp=0 cleared=FP while the order runs, no file once it is done.
 * get: net_kv_read's answer.
 */
int	net_uncleared_get(struct netd *nd, uint64_t *fp);
void	net_uncleared_set(struct netd *nd, uint64_t fp, int cleared);
/* Is an order journaled? */
int	net_order_pending(struct netd *nd);
/* Journal a new order (raw bytes as read). */
int	net_order_journal(struct netd *nd, const char *raw, size_t len);
/*
 * Work on the journaled order.  Returns 0 when there is none left, -1
 * when it must be tried again later (network or verifier trouble).
 */
int	net_order_run(struct netd *nd);
/*
 * A RESULT that arrived while nobody waited for it (one from before a
 * restart; nd->stray_result): the journal's own is recorded against its
 * entry; an OTA one with no order journaled was queued already; any other
 * OTA one is queued for fetch_status; each is acknowledged.
 */
void	net_order_stray(struct netd *nd, const struct ipc_result *res);

#endif
