/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * The one cleaner of untrusted text (docs/design.md section 10).  log.c
 * runs every line it emits through it (GWE_TEXT_LOG), so a caller need not
 * clean what it logs, except a value it puts inside key="...": log.c cannot
 * tell the caller's quotes from the value's, so clean that value with
 * GWE_TEXT_VALUE first.  Terminal output: GWE_TEXT_TTY (| GWE_TEXT_NOLF
 * for one line); text for the platform: GWE_TEXT_UTF8.
 */
#ifndef GWE_TEXT_H
#define GWE_TEXT_H

#include <stddef.h>

#define GWE_TEXT_KEEPNL	0x01	/* '\n' and '\t' are kept */
#define GWE_TEXT_NOLF	0x02	/* ... but not '\n' */
#define GWE_TEXT_FOLD	0x04	/* '\n' and '\r' become ' ' (one line) */
#define GWE_TEXT_QUOTE	0x08	/* '"' and '\\' are refused */
#define GWE_TEXT_ASCII	0x10	/* every byte over 0x7e is refused */
#define GWE_TEXT_ESCAPE	0x20	/* a refused byte is written \xNN, '\\' as "\\\\" */
#define GWE_TEXT_REPAIR	0x40	/* only NUL, ill-formed UTF-8 refused: U+FFFD each */

#define GWE_TEXT_LOG	GWE_TEXT_FOLD			/* a log line */
#define GWE_TEXT_VALUE	(GWE_TEXT_QUOTE | GWE_TEXT_ASCII)	/* in key="value" */
#define GWE_TEXT_TTY	(GWE_TEXT_KEEPNL | GWE_TEXT_ESCAPE)	/* cli_text_str */
#define GWE_TEXT_UTF8	GWE_TEXT_REPAIR			/* fetch_status text */

/*
 * Copy src (srclen bytes, up to a NUL unless REPAIR) into dst, NUL-ended,
 * each refused byte made '?' (or as flags say): C0, DEL, C1 and ill-formed
 * UTF-8 always, unless REPAIR (each maximal ill-formed part one U+FFFD).
 * Whole characters only: stops before the first that does not fit.  The
 * length written; *changed (if not NULL) counts replacements.  dst needs
 * 4 * srclen + 1 bytes for ESCAPE, 3 * srclen + 1 for REPAIR.
 */
size_t	gwe_text_clean(char *dst, size_t dstlen, const char *src, size_t srclen,
	    unsigned flags, size_t *changed);

#endif
