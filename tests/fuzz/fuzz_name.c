/*
 * libFuzzer target: the bytes up to the first NUL or LF as a tarball
 * name for vfy_name_parse; split on the first LF, the two halves as
 * versions for vfy_version_cmp, which must be a consistent order.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../verify/vfy_name.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
sgn(int v)
{
	return (v > 0) - (v < 0);
}

/* A parsed name has valid parts that rebuild it exactly. */
static void
check_name(const char *name)
{
	char app[VFY_APP_MAX + 1], ver[VFY_VERSION_MAX + 1];
	char why[VFY_REASON_MAX], again[VFY_NAME_MAX + 1];

	why[0] = '\0';
	if (vfy_name_parse(name, app, ver, why, sizeof(why)) == -1) {
		if (why[0] == '\0')
			abort();
		return;
	}
	if (!vfy_app_valid(app) || !vfy_version_valid(ver))
		abort();
	snprintf(again, sizeof(again), "%s.v%s.tar.gz", app, ver);
	if (strcmp(again, name) != 0 || strchr(name, '/') != NULL)
		abort();
}

static void
check_cmp(const char *a, const char *b)
{
	if (!vfy_version_valid(a) || !vfy_version_valid(b))
		return;
	if (vfy_version_cmp(a, a) != 0 || vfy_version_cmp(b, b) != 0)
		abort();
	if (sgn(vfy_version_cmp(a, b)) != -sgn(vfy_version_cmp(b, a)))
		abort();
	if (strcmp(a, b) == 0 && vfy_version_cmp(a, b) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *nl, *b;

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	nl = strchr(buf, '\n');
	if (nl != NULL)
		*nl = '\0';
	b = nl != NULL ? nl + 1 : buf + strlen(buf);
	check_name(buf);
	check_cmp(buf, b);
	free(buf);
	return 0;
}
