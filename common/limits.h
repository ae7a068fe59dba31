/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * Default limits for untrusted input (docs/design.md section 6).  Every value here
 * can be overridden in the [limits] section of the configuration; these are
 * the values an operator gets without writing anything.
 */
#ifndef GWE_POLICY_LIMITS_H
#define GWE_POLICY_LIMITS_H

#include <stdint.h>

#define GWE_MIB			(UINT64_C(1) << 20)
#define GWE_GIB			(UINT64_C(1) << 30)

#define LIM_MAX_TARBALL_BYTES	(256 * GWE_MIB)
#define LIM_MAX_UNPACKED_BYTES	(1 * GWE_GIB)
#define LIM_MAX_ENTRY_BYTES	(512 * GWE_MIB)
#define LIM_MAX_ENTRIES		50000
#define LIM_MAX_RATIO		100
/* The ratio is only meaningful once enough has been unpacked. */
#define LIM_RATIO_GRACE_BYTES	(16 * GWE_MIB)
#define LIM_MAX_ORDER_BYTES	(64 * 1024)
#define LIM_MAX_SIG_BYTES	(16 * 1024)
#define LIM_INSTALL_TIMEOUT	600
#define LIM_OUTPUT_CAP		(64 * 1024)

/* Hard ceilings: a configuration may lower a limit freely, raise it only to here. */
#define LIM_CEIL_SIG_BYTES	(16 * 1024)	/* one IPC message carries the .minisig */
#define LIM_CEIL_OUTPUT_CAP	(64 * 1024)	/* one IPC message carries the output */
#define LIM_CEIL_ORDER_BYTES	(1024 * 1024)

struct gwe_limits {
	uint64_t max_tarball_bytes;
	uint64_t max_unpacked_bytes;
	uint64_t max_entry_bytes;
	uint64_t max_entries;
	uint64_t max_ratio;
	uint64_t max_order_bytes;
	uint64_t max_sig_bytes;
	uint64_t install_timeout;
	uint64_t output_cap;
	int keep_staging;
};

#endif
