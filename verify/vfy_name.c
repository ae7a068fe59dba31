/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * Tarball names and versions (docs/design.md section 6).
 *
 *   <APP>.v<VERSION>.tar.gz
 *
 * APP has no '.', so the first '.' of a name ends the app and must be
 * followed by 'v'; the version runs from there to the ".tar.gz" suffix.
 */
#include <locale.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../common/log.h"
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

/* A part ends at '.' or NUL, where strspn() stops too. */
static int
all_digits(const char *s, size_t len)
{
	return len > 0 && strspn(s, "0123456789") == len;
}

/* One part: numbers (of any length: leading zeros off, then the longer wins) before words. */
static int
cmp_part(const char *a, size_t alen, const char *b, size_t blen)
{
	int an = all_digits(a, alen), bn = all_digits(b, blen), r;

	if (an != bn)
		return an ? -1 : 1;
	for (; an && alen > 1 && *a == '0'; a++, alen--)
		;
	for (; bn && blen > 1 && *b == '0'; b++, blen--)
		;
	if (an && alen != blen)
		return alen < blen ? -1 : 1;
	if ((r = memcmp(a, b, alen < blen ? alen : blen)) != 0)
		return r < 0 ? -1 : 1;
	return alen == blen ? 0 : alen < blen ? -1 : 1;
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

void
vfy_utf8_locale(void)
{
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		log_warnx("no C.UTF-8 locale: pax names beyond ASCII will be refused");
}
