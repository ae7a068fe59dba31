/*
 * gwe-verifyd's state and its message routes.  The handler table lives in
 * vfyd_route.c, outside the file with main(), so the unit tests can check
 * it (ipc_handlers_check) from libgwe.a.
 */
#ifndef GWE_VFYD_H
#define GWE_VFYD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../common/config.h"
#include "../../ipc/ipc.h"
#include "../../verify/vfy_sig.h"

#define VFYD_REFUSED_RING	32

/* The handlers' context (ctx of struct ipc_handler). */
struct vfyd {
	struct gwe_config	 cfg;
	struct vfy_keyring	 keys;
	uid_t			 net_uid, vfy_uid;
	gid_t			 net_gid, vfy_gid;
	int			 lfd;		/* verifyd.sock */
	int			 nfd;		/* gwe-netd, or -1 */
	int			 ifd;		/* gwe-installd */
	uint64_t		 refused[VFYD_REFUSED_RING];	/* refused here, ACK not yet seen */
	unsigned		 nrefused;
};

/* (peer, type) -> handler, for ipc_handler_find(); ctx is a struct vfyd. */
extern const struct ipc_handler	vfyd_handlers[];
extern const size_t		vfyd_nhandlers;

/* Close the netd connection, if any, logging why. */
void	vfyd_netd_close(struct vfyd *d, const char *why);

#endif
