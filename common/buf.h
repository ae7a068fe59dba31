/*
 * The one growing buffer (common/buf.c; not in gwe-installd): p stays
 * NUL-terminated after len bytes.  max, when not 0, bounds len + 1; the
 * first failure (ENOMEM, over max) sets err, and every later add fails
 * until gwe_buf_free().  A zeroed struct is an empty buffer.
 */
#ifndef GWE_BUF_H
#define GWE_BUF_H

#include <stddef.h>

struct gwe_buf {
	char	*p;
	size_t	 len, cap, max;
	int	 err;
};
int	gwe_buf_add(struct gwe_buf *b, const void *p, size_t n);	/* 0 or -1 */
void	gwe_buf_free(struct gwe_buf *b);

#endif
