/*
 * Message helpers gwe-installd does without: filling a string field before
 * a send, and the start-up check of a dispatch table.
 */
#include <stdio.h>
#include <string.h>

#include "../common/util.h"
#include "ipc.h"
#include "ipc_send.h"

int
ipc_setstr(char *field, size_t width, const char *s)
{
	size_t n = strlen(s);

	if (n >= width)
		return -1;
	memset(field, 0, width);
	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): n < width and the memset above put the NUL */
	memcpy(field, s, n);
	return 0;
}

int
ipc_handlers_check(const struct ipc_handler *t, size_t n, enum ipc_peer self, char *err,
    size_t errlen)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (t[i].fn == NULL || !ipc_route_ok(t[i].type, t[i].from, self))
			return gwe_errf(err, errlen, "row %zu: %s from %s to %s is not a route",
			    i, ipc_type_name(t[i].type), ipc_peer_name(t[i].from),
			    ipc_peer_name(self));
		if (ipc_handler_find(t, i, t[i].from, t[i].type) != NULL)
			return gwe_errf(err, errlen, "row %zu: %s from %s twice", i,
			    ipc_type_name(t[i].type), ipc_peer_name(t[i].from));
	}
	return 0;
}
