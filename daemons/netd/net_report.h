/*
 * The reports gwe-netd writes (docs/design.md section 5): device_info, usage_report
 * and engine_report, built without running any program.  Each comes with
 * a fingerprint of the part that matters, so an unchanged report is not
 * written again until a day has passed.
 */
#ifndef GWE_NET_REPORT_H
#define GWE_NET_REPORT_H

#include <stdint.h>

#include "../../ipc/ipc.h"
#include "net_state.h"

#define NET_REPORT_MAX_AGE	86400	/* write at least daily */
#define NET_APPS_MAX		256

struct net_report {
	const char	*alias;
	char		*json;		/* malloc'd */
	uint64_t	 fp;
};

struct net_apps {
	size_t			n;
	struct ipc_app_entry	e[NET_APPS_MAX];
};

int	net_report_device_info(const struct netd *nd, struct net_report *r);
int	net_report_usage(const struct netd *nd, struct net_report *r);
int	net_report_engine(const struct netd *nd, const struct net_apps *apps,
	    struct net_report *r);
void	net_report_free(struct net_report *r);
/* Should r be written now (changed, or older than a day)? */
int	net_report_due(const struct netd *nd, const struct net_report *r, time_t now);
/* Remember that r was written at now. */
void	net_report_written(const struct netd *nd, const struct net_report *r, time_t now);
uint64_t net_fnv1a(const void *p, size_t n, uint64_t h);

/* A piece, exposed for the unit tests. */
int	net_text_free(const char *meminfo, char *out, size_t outlen);

#endif
