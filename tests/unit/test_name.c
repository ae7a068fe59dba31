/* Unit tests for verify/vfy_name.c: the tarball name grammar and versions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../verify/vfy_name.h"

struct good {
	const char	*name;
	const char	*app;
	const char	*version;
};

static void
test_good_names(void **state)
{
	static const struct good g[] = {
		{ "app.v1.tar.gz", "app", "1" },
		{ "my-app_2.v1.2.3.tar.gz", "my-app_2", "1.2.3" },
		{ "A.v0.tar.gz", "A", "0" },
		{ "x.v1.0-rc1_b.tar.gz", "x", "1.0-rc1_b" },
		{ "x.v1.tar.tar.gz", "x", "1.tar" },
		/* 64-byte app, 32-byte version: the longest name */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  ".v123456789012345678901234567890.2.tar.gz",
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "123456789012345678901234567890.2" },
	};
	char app[VFY_APP_MAX + 1], ver[VFY_VERSION_MAX + 1], why[VFY_REASON_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		why[0] = '\0';
		if (vfy_name_parse(g[i].name, app, ver, why, sizeof(why)) != 0)
			fail_msg("%s refused: %s", g[i].name, why);
		assert_string_equal(app, g[i].app);
		assert_string_equal(ver, g[i].version);
		assert_true(vfy_app_valid(app));
		assert_true(vfy_version_valid(ver));
	}
}

static void
test_longest_name(void **state)
{
	char name[VFY_NAME_MAX + 2], app[VFY_APP_MAX + 1];
	char ver[VFY_VERSION_MAX + 1], why[VFY_REASON_MAX];
	char a[VFY_APP_MAX + 1], v[VFY_VERSION_MAX + 1];

	(void)state;
	memset(a, 'a', VFY_APP_MAX);
	a[VFY_APP_MAX] = '\0';
	memset(v, '9', VFY_VERSION_MAX);
	v[VFY_VERSION_MAX] = '\0';
	snprintf(name, sizeof(name), "%s.v%s.tar.gz", a, v);
	assert_int_equal(strlen(name), VFY_NAME_MAX);
	if (vfy_name_parse(name, app, ver, why, sizeof(why)) != 0)
		fail_msg("refused: %s", why);
	assert_string_equal(app, a);
	assert_string_equal(ver, v);
}

struct bad {
	const char	*name;
	const char	*reason;	/* substring of the reason */
};

static void
test_bad_names(void **state)
{
	static const struct bad b[] = {
		{ "", "empty" },
		{ "app.v1.tar", "does not end in .tar.gz" },
		{ "app.v1.tgz", "does not end in .tar.gz" },
		{ "app.v1.tar.gz.sig", "does not end in .tar.gz" },
		{ ".tar.gz", "no .v<version>" },
		{ "app.tar.gz", "no .v<version>" },
		{ "app.x1.tar.gz", "no .v<version>" },
		{ "app.v.tar.gz", "version is empty" },
		{ ".v1.tar.gz", "app is empty" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  ".v1.tar.gz", "more than 64" },
		{ "ap p.v1.tar.gz", "app has bad byte 0x20" },
		{ "ap+p.v1.tar.gz", "app has bad byte 0x2b" },
		{ "\xc3\xa9.v1.tar.gz", "app has bad byte 0xc3" },
		{ "app.vx1.tar.gz", "does not start with a digit" },
		{ "app.v.1.tar.gz", "does not start with a digit" },
		{ "app.v-1.tar.gz", "does not start with a digit" },
		{ "app.v1..2.tar.gz", "\"..\"" },
		{ "app.v1...tar.gz", "\"..\"" },
		{ "app.v123456789012345678901234567890123.tar.gz",
		  "more than 32" },
		{ "app.v1 2.tar.gz", "version has bad byte 0x20" },
		{ "app.v1\n.tar.gz", "version has bad byte 0x0a" },
		{ "/app.v1.tar.gz", "'/'" },
		{ "a/pp.v1.tar.gz", "'/'" },
		{ "app.v1/.tar.gz", "'/'" },
		{ "app.v1.tar.gz/", "'/'" },
		{ "../x.v1.tar.gz", "'/'" },
	};
	char app[VFY_APP_MAX + 1], ver[VFY_VERSION_MAX + 1], why[VFY_REASON_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		why[0] = '\0';
		if (vfy_name_parse(b[i].name, app, ver, why, sizeof(why)) != -1)
			fail_msg("accepted: \"%s\"", b[i].name);
		if (strstr(why, b[i].reason) == NULL)
			fail_msg("\"%s\": reason \"%s\" lacks \"%s\"",
			    b[i].name, why, b[i].reason);
	}
}

static void
test_nul_and_overlong(void **state)
{
	/* A NUL inside: the name is what comes before it. */
	static const char withnul[] = "app\0.v1.tar.gz";
	char app[VFY_APP_MAX + 1], ver[VFY_VERSION_MAX + 1], why[VFY_REASON_MAX];
	char longname[512];

	(void)state;
	assert_int_equal(vfy_name_parse(withnul, app, ver, why, sizeof(why)),
	    -1);
	assert_non_null(strstr(why, "does not end in .tar.gz"));
	assert_int_equal(vfy_name_parse(NULL, app, ver, why, sizeof(why)), -1);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(vfy_name_parse(longname, app, ver, why, sizeof(why)),
	    -1);
	assert_non_null(strstr(why, "longer than"));
	/* No reason buffer: still refused, nothing written. */
	assert_int_equal(vfy_name_parse("x", app, ver, NULL, 0), -1);
	/* A tiny reason buffer is not overrun. */
	why[1] = 'Z';
	assert_int_equal(vfy_name_parse("x", app, ver, why, 1), -1);
	assert_int_equal(why[0], '\0');
	assert_int_equal(why[1], 'Z');
}

static void
test_parts_valid(void **state)
{
	static const struct {
		const char	*s;
		int		 version, want;	/* vfy_version_valid, else vfy_app_valid */
	} t[] = {
		{ "a", 0, 1 }, { "A-b_9", 0, 1 }, { "", 0, 0 }, { "a.b", 0, 0 }, { "a/b", 0, 0 },
		{ NULL, 0, 0 },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0, 0 },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0, 1 },
		{ "1", 1, 1 }, { "1.2.3-rc_1", 1, 1 }, { "12345678901234567890123456789012", 1, 1 },
		{ "123456789012345678901234567890123", 1, 0 }, { "", 1, 0 }, { "a1", 1, 0 },
		{ "1..2", 1, 0 }, { "1/2", 1, 0 }, { NULL, 1, 0 },
	};
	size_t i;
	int got;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = t[i].version ? vfy_version_valid(t[i].s) : vfy_app_valid(t[i].s);
		if ((got != 0) != t[i].want)
			fail_msg("%s_valid(\"%s\") is %d", t[i].version ? "version" : "app",
			    t[i].s ? t[i].s : "(null)", got);
	}
}

struct vcmp {
	const char	*a;
	const char	*b;
	int		 want;	/* -1, 0, 1 */
};

static int
sgn(int v)
{
	return (v > 0) - (v < 0);
}

static void
test_version_cmp(void **state)
{
	static const struct vcmp t[] = {
		{ "1.2", "1.10", -1 },
		{ "1.2.0", "1.2", 1 },
		{ "2", "1.9.9", 1 },
		{ "1.0a", "1.0b", -1 },
		{ "1.0", "1.0", 0 },
		{ "1.2.3", "1.2.3", 0 },
		{ "10", "9", 1 },
		{ "1.01", "1.1", 0 },		/* numbers, not strings */
		{ "1.0", "1.0a", -1 },		/* numeric before other */
		{ "1.9", "1.a", -1 },
		{ "1.0-rc1", "1.0-rc2", -1 },
		{ "99999999999999999999999", "99999999999999999999998", 1 },
		{ "1.99999999999999999999999999", "1.100", 1 },
		{ "0", "0.0", -1 },
		{ "3.0.0", "3.0.0.1", -1 },
	};
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = sgn(vfy_version_cmp(t[i].a, t[i].b));
		if (r != t[i].want)
			fail_msg("cmp(%s, %s) = %d, want %d", t[i].a, t[i].b,
			    r, t[i].want);
		r = sgn(vfy_version_cmp(t[i].b, t[i].a));
		if (r != -t[i].want)
			fail_msg("cmp(%s, %s) = %d, want %d", t[i].b, t[i].a,
			    r, -t[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_names),
		cmocka_unit_test(test_longest_name),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_nul_and_overlong),
		cmocka_unit_test(test_parts_valid),
		cmocka_unit_test(test_version_cmp),
	};

	return cmocka_run_group_tests_name("vfy_name", tests, NULL, NULL);
}
