/*
 * The archive policy (docs/design.md section 6), applied by streaming the archive
 * through libarchive without extracting anything.  Run only after the
 * signature checked out, and only inside the verifier's sandbox.
 */
#ifndef GWE_VFY_ARCHIVE_H
#define GWE_VFY_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/limits.h"

struct vfy_archive_stats {
	uint64_t entries;		/* entries read */
	uint64_t unpacked_bytes;	/* data bytes read out of the archive */
	uint64_t compressed_bytes;	/* bytes consumed from the fd */
};

/*
 * Check the gzip'd tar behind fd ([0,size), pread only).  Returns 0
 * accepted, -1 refused with the first reason in reason (which names the
 * entry where there is one, e.g. "entry 'a/../b': path has a .. component").
 * stats is filled in either case, so a bomb's refusal can say how much was read.
 */
int	vfy_archive_check_fd(int fd, uint64_t size, const struct gwe_limits *lim,
	    struct vfy_archive_stats *stats, char *reason, size_t reasonlen);

#endif
