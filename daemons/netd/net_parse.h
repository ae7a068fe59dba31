/*
 * gwe-netd's parsers for what the platform sends (docs/design.md sections 3-5).
 * Pure functions: no I/O, no globals, every input treated as hostile.
 * Each returns 0 on success or -1 with a short reason ("bad percent-encoding
 * at byte 12") that the caller logs or writes to fetch_status.
 */
#ifndef GWE_NET_PARSE_H
#define GWE_NET_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../../common/buf.h"
#include "../../verify/vfy_name.h"

#define NET_REASON_MAX		256
#define NET_CIK_LEN		40
#define NET_ORDER_MAX_ENTRIES	64	/* entries in one install order */
#define NET_ORDER_MAX_DEPTH	8	/* JSON nesting */
#define NET_FORM_MAX_BYTES	(4 * 1024 * 1024)	/* a whole form body */

/* One alias we want out of a form body. */
struct net_form_field {
	const char	*name;		/* in: the alias */
	char		*value;		/* out: decoded, NUL-terminated (malloc'd) */
	size_t		 len;		/* out: decoded length (may hold NULs) */
	int		 present;	/* out: the alias was in the body */
	int		 too_long;	/* out: value longer than max_value, dropped */
};

/*
 * Parse "a=v1&b=v2" (application/x-www-form-urlencoded: '+' is a space,
 * %XX a byte).  Aliases not in fields are skipped and counted in
 * *unknown; a duplicate alias or a bad %-escape refuses the whole body.
 * A value longer than max_value decoded bytes is not kept: too_long is
 * set instead, so the caller can clear and report it.  On error nothing
 * stays allocated.
 */
int	net_form_parse(const char *body, size_t len, struct net_form_field *fields,
	    size_t nfields, size_t max_value, size_t *unknown,
	    char *reason, size_t reasonlen);
void	net_form_free(struct net_form_field *fields, size_t nfields);
/*
 * Append "name=value" (percent-encoded, '&' between pairs) to a growing
 * buffer.  Returns 0 or -1 (out of memory, or over the buffer's max: a
 * form body starts as NET_FORM_BUF_INIT, bounded by NET_FORM_MAX_BYTES).
 */
#define NET_FORM_BUF_INIT	{ .max = NET_FORM_MAX_BYTES }
int	net_form_add(struct gwe_buf *b, const char *name, const char *value, size_t vlen);

/* An install order: {"install":[{"name":"app.v1.tar.gz"}, ...]}. */
struct net_order {
	size_t	n;
	char	names[NET_ORDER_MAX_ENTRIES][VFY_NAME_MAX + 1];
};

/*
 * Parse an engine_fetch value strictly: at most max_bytes, JSON nesting
 * at most NET_ORDER_MAX_DEPTH, nothing after the object, an object with
 * an array "install" of 1..NET_ORDER_MAX_ENTRIES objects, each with a
 * string "name" that passes vfy_name_parse.  Other keys are ignored.
 */
int	net_order_parse(const char *buf, size_t len, size_t max_bytes,
	    struct net_order *o, char *reason, size_t reasonlen);

/* update_interval: a whole number of seconds in [1, 31536000]. */
#define NET_INTERVAL_MAX	31536000
int	net_interval_parse(const char *buf, size_t len, uint64_t *out,
	    char *reason, size_t reasonlen);

/* "bytes a-b/total" (total may be "*": *total = UINT64_MAX). */
int	net_content_range_parse(const char *value, uint64_t *first, uint64_t *last,
	    uint64_t *total, char *reason, size_t reasonlen);

/* The activation answer: 40 hex digits, optionally followed by CR/LF. */
int	net_cik_parse(const char *buf, size_t len, char cik[NET_CIK_LEN + 1],
	    char *reason, size_t reasonlen);

/* Content info: "content-type,size,updated-timestamp,meta". */
int	net_content_info_parse(const char *buf, size_t len, uint64_t *size,
	    uint64_t *updated, char *reason, size_t reasonlen);

#endif
