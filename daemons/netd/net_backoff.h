/*
 * Backoff after failed check-ins (docs/design.md section 3): exponential with
 * jitter, never longer than update_interval.
 */
#ifndef GWE_NET_BACKOFF_H
#define GWE_NET_BACKOFF_H

#include <stdint.h>

#define NET_BACKOFF_BASE	5	/* seconds, doubled per failure */

/*
 * Choose the jitter's random source.  For tests only: with GWE_NETD_SEED
 * set in the environment the jitter is a fixed sequence, so a test can
 * know the gaps.  A fleet must never run with it: identical seeds would
 * make every gateway retry at the same moment, which jitter is there to
 * prevent.  Otherwise (and by default) getrandom(2).  Call at start-up.
 */
void	 net_backoff_init(void);
void	 net_backoff_seed(uint64_t seed);
/*
 * The delay before the next try after `failures` consecutive failures:
 * base * 2^(failures - 1), capped at interval, then a random point
 * between half of it and all of it, at least one second.  The base is
 * NET_BACKOFF_BASE, or interval / 4 when that is smaller, so that a short
 * interval still leaves room to grow.
 */
uint64_t net_backoff(unsigned failures, uint64_t interval);
/* The same without the jitter (the upper bound). */
uint64_t net_backoff_max(unsigned failures, uint64_t interval);
/*
 * 0-999 ms, added to a long-poll's paced wait: the delays above are whole
 * seconds counted from the failure, so a fleet that failed at one instant
 * would otherwise retry at the same fraction of a second for ever.
 */
unsigned net_backoff_ms(void);
/*
 * A failed or early long-poll backs off at most this long, whatever the
 * interval: a fleet whose platform was down for minutes comes back within
 * this window, spread evenly over it, instead of after hours of doubling.
 */
#define NET_LONGPOLL_BACKOFF_MAX	120
/* net_backoff() for the `early`th failed or early long-poll in a row. */
uint64_t net_longpoll_backoff(unsigned early, uint64_t interval);

#endif
