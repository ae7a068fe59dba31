/* libFuzzer target: form-urlencoded alias bodies, and encode/decode round trips. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemons/netd/net_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net_form_field f[3] = {
		{ .name = "engine_fetch" }, { .name = "update_interval" }, { .name = "a" }
	};
	struct net_form_field g[1] = { { .name = "v" } };
	char reason[NET_REASON_MAX];
	struct gwe_buf b = NET_FORM_BUF_INIT;
	size_t unknown, i;

	if (net_form_parse((const char *)data, size, f, 3, 4096, &unknown, reason,
	    sizeof(reason)) == 0) {
		for (i = 0; i < 3; i++)
			if (f[i].value != NULL && (f[i].len > 4096 ||
			    f[i].value[f[i].len] != '\0'))
				abort();
		net_form_free(f, 3);
	}
	/* Whatever bytes we write must read back the same. */
	if (net_form_add(&b, "v", (const char *)data, size) == 0) {
		if (net_form_parse(b.p, b.len, g, 1, SIZE_MAX, NULL, reason,
		    sizeof(reason)) != 0 || g[0].len != size ||
		    (size > 0 && memcmp(g[0].value, data, size) != 0))
			abort();
		net_form_free(g, 1);
	}
	gwe_buf_free(&b);
	return 0;
}
