/*
 * Downloads from the Content Area into state_dir/netd/dl/<name>.part,
 * bounded before (content info, Content-Length) and during (bytes counted
 * as they arrive) the transfer, resumed with Range after a dropped
 * connection or a restart.
 */
#ifndef GWE_NET_DL_H
#define GWE_NET_DL_H

#include <stdint.h>

#include "net_state.h"

#define NET_DL_OK		0
#define NET_DL_FAILED		(-1)	/* for good: report it and go on */
#define NET_DL_TRANSIENT	(-2)	/* network trouble: try again later */
#define NET_DL_NOTFOUND		(-3)	/* 404 */

/*
 * Fetch content id (a checked tarball name, or that name + ".minisig")
 * of at most max bytes.  On NET_DL_OK, *fd is open read-only on the
 * complete file of *size bytes.  Otherwise reason says why.
 */
int	net_dl_fetch(struct netd *nd, const char *id, uint64_t max, const char *what,
	    int *fd, uint64_t *size, char *reason, size_t reasonlen);
/* Forget the partial download of id. */
void	net_dl_forget(struct netd *nd, const char *id);

#endif
