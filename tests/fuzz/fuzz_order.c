/* libFuzzer target: engine_fetch orders, interval, Content-Range, CIK, content info. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemons/netd/net_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct net_order o;
	char reason[NET_REASON_MAX], cik[NET_CIK_LEN + 1], *s;
	uint64_t a, b, c;
	size_t i;

	if (net_order_parse((const char *)data, size, 65536, &o, reason,
	    sizeof(reason)) == 0) {
		/* Every accepted name is a bounded, NUL-terminated string. */
		for (i = 0; i < o.n; i++)
			if (strlen(o.names[i]) > VFY_NAME_MAX || strchr(o.names[i], '/'))
				abort();
	}
	(void)net_interval_parse((const char *)data, size, &a, reason, sizeof(reason));
	(void)net_cik_parse((const char *)data, size, cik, reason, sizeof(reason));
	(void)net_content_info_parse((const char *)data, size, &a, &b, reason,
	    sizeof(reason));
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (net_content_range_parse(s, &a, &b, &c, reason, sizeof(reason)) == 0 &&
	    (a > b || (c != UINT64_MAX && b >= c)))
		abort();
	free(s);
	return 0;
}
