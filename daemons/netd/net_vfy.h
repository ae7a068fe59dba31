/*
 * gwe-netd's side of run_dir/verifyd.sock: hand a sealed memfd to the
 * verifier, wait for its RESULT, acknowledge it once it is on disk, and
 * relay the installed-apps query.
 */
#ifndef GWE_NET_VFY_H
#define GWE_NET_VFY_H

#include <stdint.h>

#include "../../ipc/ipc.h"
#include "net_report.h"
#include "net_state.h"

#define NET_VFY_APPS_TIMEOUT_MS	5000

/*
 * What the verifier may send us, one row per type (context: the wait in
 * progress); checked against ipc_msg.c's routes by the unit tests.
 */
extern const struct ipc_handler net_vfy_handlers[];
extern const size_t net_vfy_nhandlers;

/* Connect when not connected (and ask for unacknowledged results). */
int	net_vfy_connect(struct netd *nd);
void	net_vfy_close(struct netd *nd);
int	net_vfy_apps(struct netd *nd, struct net_apps *apps);
/*
 * Send VERIFY_REQ with fd and wait for the RESULT of job (up to
 * timeout_ms).  Results of other jobs that arrive meanwhile (after a
 * restart) are queued and acknowledged.  Returns 0 with *res, -1 when
 * the verifier is gone or said ERROR (why in err).
 */
int	net_vfy_submit(struct netd *nd, uint64_t job, uint32_t origin, const char *name,
	    int fd, uint64_t size, const char *sig, size_t siglen,
	    struct ipc_result *res, int timeout_ms, char *err, size_t errlen);
/* net_vfy_submit in two steps: send (-1: nothing handed over), then wait. */
int	net_vfy_send(struct netd *nd, uint64_t job, uint32_t origin, const char *name,
	    int fd, uint64_t size, const char *sig, size_t siglen, char *err,
	    size_t errlen);
int	net_vfy_result(struct netd *nd, uint64_t job, struct ipc_result *res,
	    int timeout_ms, char *err, size_t errlen);
/* Wait for the RESULT of a job sent before a restart. 0 found, -1 not. */
int	net_vfy_await(struct netd *nd, uint64_t job, struct ipc_result *res, int timeout_ms);
int	net_vfy_ack(struct netd *nd, uint64_t job);
/* The fetch_status text of a result (install.sh output, or a "gwe:" line). */
size_t	net_result_text(const struct ipc_result *res, char *out, size_t outlen);

#endif
