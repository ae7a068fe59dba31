/*
 * The control socket run_dir/netd.sock (root peers only): gwe status,
 * gwe --once, gwe --install-apps and the installed-apps query.
 */
#ifndef GWE_NET_CTL_H
#define GWE_NET_CTL_H

#include "net_state.h"

#define NET_CTL_CLIENTS	4

struct net_ctl {
	int	lfd;
	int	cfd[NET_CTL_CLIENTS];
	int	checkin_now;	/* a CTL_CHECKIN ran a check-in: reschedule */
	int	checkin_rc;	/* and its outcome, 0 or -1, for the backoff */
	int	serving;	/* client whose request is running, or -1 */
};

int	net_ctl_open(struct net_ctl *c, const struct gwe_config *cfg, char *err, size_t errlen);
/* Accept a connection waiting on lfd. */
void	net_ctl_accept(struct net_ctl *c);
/* Serve one message from client i; closes it on error or EOF. */
void	net_ctl_serve(struct netd *nd, struct net_ctl *c, int i);
/*
 * While a check-in, download or install is under way: accept clients,
 * answer CTL_STATUS, answer anything else with ERROR busy.  Never blocks.
 */
void	net_ctl_busy(struct netd *nd, struct net_ctl *c);

#endif
