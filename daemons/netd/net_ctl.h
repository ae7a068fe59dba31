/*
 * The control socket run_dir/netd.sock (root peers only): gwe status,
 * gwe --once, gwe --install-apps and the installed-apps query.
 */
#ifndef GWE_NET_CTL_H
#define GWE_NET_CTL_H

#include <poll.h>

#include "net_state.h"

#define NET_CTL_CLIENTS	4

struct net_ctl {
	int	lfd;
	int	cfd[NET_CTL_CLIENTS];
	int	held;		/* client whose request a long-poll read, or -1 */
	int	checkin_now;	/* a CTL_CHECKIN ran a check-in: reschedule */
	int	checkin_rc;	/* and its outcome, 0 or -1, for the backoff */
	int	serving;	/* client whose request is running, or -1 */
};

/*
 * What a control client may ask, one row per type (context: the client
 * and its connection); checked against ipc_msg.c's routes by the unit tests.
 */
extern const struct ipc_handler net_ctl_handlers[];
extern const size_t net_ctl_nhandlers;

int	net_ctl_open(struct net_ctl *c, const struct gwe_config *cfg, char *err, size_t errlen);
/* Accept a connection waiting on lfd. */
void	net_ctl_accept(struct net_ctl *c);
/* Serve client i's held message, else one it sent; closes it on error or EOF. */
void	net_ctl_serve(struct netd *nd, struct net_ctl *c, int i);
/*
 * pfd[0] the listening socket, pfd[1 + i] client i, or -1 where client i
 * is absent, being served or held (it waits its turn).
 */
void	net_ctl_pollfds(const struct net_ctl *c, struct pollfd pfd[1 + NET_CTL_CLIENTS]);
/*
 * While a check-in, download or install is under way: accept clients,
 * answer CTL_STATUS, answer anything else with ERROR busy.  Never blocks.
 */
void	net_ctl_busy(struct netd *nd, struct net_ctl *c);
/*
 * While idle in a long-poll: accept clients, answer CTL_STATUS and
 * APPS_QUERY, hold anything else.  1 when something is held: the long-poll
 * must give way.  Never blocks.
 */
int	net_ctl_idle(struct netd *nd, struct net_ctl *c);

#endif
