/*
 * The one growing buffer (common/buf.h): netd's form bodies and HTTP
 * bodies, the CLI's configuration edits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

int
gwe_buf_add(struct gwe_buf *b, const void *p, size_t n)
{
	size_t need, ncap;
	char *np;

	if (b->err)
		return -1;
	/* len + n + 1, and its doubling below, must not wrap. */
	if (n >= SIZE_MAX / 4 - b->len || (b->max != 0 && b->len + n + 1 > b->max))
		goto fail;
	need = b->len + n + 1;
	if (need > b->cap) {
		for (ncap = b->cap ? b->cap : 256; ncap < need; ncap *= 2)
			;
		if ((np = realloc(b->p, ncap)) == NULL)
			goto fail;
		b->p = np;
		b->cap = ncap;
	}
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
fail:
	b->err = 1;
	return -1;
}

void
gwe_buf_free(struct gwe_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}
