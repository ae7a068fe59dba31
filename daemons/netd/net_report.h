/*
 * The reports gwe-netd writes (docs/design.md section 5): device_info, usage_report
 * and engine_report, built without running any program.  Each comes with
 * a fingerprint of the part that matters, so an unchanged report is not
 * written again until a day has passed.
 */
#ifndef GWE_NET_REPORT_H
#define GWE_NET_REPORT_H

#include <net/if.h>
#include <stdint.h>

#include "../../ipc/ipc.h"
#include "net_state.h"

#define NET_REPORT_MAX_AGE	86400	/* write at least daily */
#define NET_APPS_MAX		256
/* The most each report can take, whatever it holds (tests/unit/test_net_report.c). */
#define NET_USAGE_JSON_MAX	12288
#define NET_ENGINE_JSON_MAX	65536

struct net_report {
	const char	*alias;
	char		*json;		/* malloc'd */
	uint64_t	 fp;
};

struct net_apps {
	size_t			n;
	struct ipc_app_entry	e[NET_APPS_MAX];
};

/*
 * usage_report's rows (docs/design.md section 5): the counters at the last
 * build, and the most they grew between two builds (one check-in
 * interval) since gwe-netd started.
 */
#define NET_USAGE_IFACES_MAX	32	/* interfaces reported, in /proc/net/dev order */
#define NET_USAGE_ROW		"gwe"	/* the row of the engine's total */

struct net_peak {
	uint64_t	 last_rx, last_tx, max_rx, max_tx;
	int		 seen;
};

struct net_usage_peaks {
	struct net_peak	 kind[NK_MAX + 1];	/* each kind, then their total */
	size_t		 nif;
	struct {
		char		 name[IF_NAMESIZE + 1];
		struct net_peak	 p;
	}		 ifs[NET_USAGE_IFACES_MAX];
};

int	net_report_device_info(const struct netd *nd, struct net_report *r);
int	net_report_usage(const struct netd *nd, struct net_report *r);
/* usage_report from u and the text of /proc/net/dev (NULL: none); moves pk on. */
int	net_usage_build(const struct net_usage *u, char *netdev, struct net_usage_peaks *pk,
	    struct net_report *r);
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
