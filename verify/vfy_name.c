/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * Tarball names and versions (docs/design.md section 6).
 *
 *   <APP>.v<VERSION>.tar.gz
 *
 * APP has no '.', so the first '.' of a name ends the app and must be
 * followed by 'v'; the version runs from there to the ".tar.gz" suffix.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../common/util.h"
#include "vfy_name.h"

#define TGZ_SUFFIX	".tar.gz"
#define TGZ_SUFFIX_LEN	(sizeof(TGZ_SUFFIX) - 1)

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
is_app_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    is_digit(c) || c == '_' || c == '-';
}

/* Check app (version 0) or version (1) bytes [s, s+len); 0 or -1 with reason. */
static int
check_part(const char *s, size_t len, int version, char *reason, size_t reasonlen)
{
	const char *what = version ? "version" : "app";
	size_t i, max = version ? VFY_VERSION_MAX : VFY_APP_MAX;

	if (len == 0)
		return gwe_errf(reason, reasonlen, "name: %s is empty", what);
	if (len > max)
		return gwe_errf(reason, reasonlen, "name: %s is %zu bytes, more than %zu",
		    what, len, max);
	if (version && !is_digit((unsigned char)s[0]))
		return gwe_errf(reason, reasonlen,
		    "name: version does not start with a digit");
	for (i = 0; i < len; i++) {
		if (!is_app_char((unsigned char)s[i]) && !(version && s[i] == '.'))
			return gwe_errf(reason, reasonlen,
			    "name: %s has bad byte 0x%02x at %zu", what,
			    (unsigned char)s[i], i);
		if (version && i > 0 && s[i] == '.' && s[i - 1] == '.')
			return gwe_errf(reason, reasonlen,
			    "name: version contains \"..\"");
	}
	return 0;
}

int
vfy_name_parse(const char *name, char app[VFY_APP_MAX + 1],
    char version[VFY_VERSION_MAX + 1], char *reason, size_t reasonlen)
{
	const char *dot;
	size_t len, applen, vlen;

	if (name == NULL || name[0] == '\0')
		return gwe_errf(reason, reasonlen, "name: empty");
	len = strnlen(name, VFY_NAME_MAX + 1);
	if (len > VFY_NAME_MAX)
		return gwe_errf(reason, reasonlen, "name: longer than %d bytes",
		    VFY_NAME_MAX);
	if (memchr(name, '/', len) != NULL)
		return gwe_errf(reason, reasonlen, "name: contains '/'");
	if (len < TGZ_SUFFIX_LEN ||
	    memcmp(name + len - TGZ_SUFFIX_LEN, TGZ_SUFFIX, TGZ_SUFFIX_LEN) != 0)
		return gwe_errf(reason, reasonlen,
		    "name: does not end in " TGZ_SUFFIX);
	len -= TGZ_SUFFIX_LEN;
	dot = memchr(name, '.', len);
	if (dot == NULL || (size_t)(dot - name) + 1 >= len ||
	    dot[1] != 'v')
		return gwe_errf(reason, reasonlen,
		    "name: no .v<version> after the app");
	applen = (size_t)(dot - name);
	vlen = len - applen - 2;
	if (check_part(name, applen, 0, reason, reasonlen) == -1 ||
	    check_part(dot + 2, vlen, 1, reason, reasonlen) == -1)
		return -1;
	memcpy(app, name, applen);
	app[applen] = '\0';
	memcpy(version, dot + 2, vlen);
	version[vlen] = '\0';
	return 0;
}

/* A NUL-terminated app (version 0) or version (1) alone. */
static int
part_valid(const char *s, int version)
{
	size_t max = version ? VFY_VERSION_MAX : VFY_APP_MAX;

	return s != NULL && check_part(s, strnlen(s, max + 1), version, NULL, 0) == 0;
}

int
vfy_app_valid(const char *app)
{
	return part_valid(app, 0);
}

int
vfy_version_valid(const char *version)
{
	return part_valid(version, 1);
}

static int
all_digits(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!is_digit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
sign_of(int v)
{
	return (v > 0) - (v < 0);
}

/* Numbers of any length, without overflow: skip leading zeros, then length, then bytes. */
static int
cmp_numeric(const char *a, size_t alen, const char *b, size_t blen)
{
	int r;

	while (alen > 1 && *a == '0') {
		a++;
		alen--;
	}
	while (blen > 1 && *b == '0') {
		b++;
		blen--;
	}
	if (alen != blen)
		return alen < blen ? -1 : 1;
	r = memcmp(a, b, alen);
	return sign_of(r);
}

static int
cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	int r;

	r = memcmp(a, b, alen < blen ? alen : blen);
	if (r != 0)
		return sign_of(r);
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return 0;
}

static int
cmp_part(const char *a, size_t alen, const char *b, size_t blen)
{
	int an, bn;

	an = all_digits(a, alen);
	bn = all_digits(b, blen);
	if (an && bn)
		return cmp_numeric(a, alen, b, blen);
	if (an != bn)
		return an ? -1 : 1;
	return cmp_bytes(a, alen, b, blen);
}

int
vfy_version_cmp(const char *a, const char *b)
{
	size_t alen, blen;
	int r;

	for (;;) {
		alen = strcspn(a, ".");
		blen = strcspn(b, ".");
		if ((r = cmp_part(a, alen, b, blen)) != 0)
			return r;
		a += alen;
		b += blen;
		if (*a == '\0' || *b == '\0')
			break;
		a++;
		b++;
	}
	if (*a == *b)
		return 0;
	return *a == '\0' ? -1 : 1;
}
