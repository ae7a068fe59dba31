/* Unit tests for gwe-netd's parsers, with hostile inputs (cmocka). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../common/text.h"
#include "../../daemons/netd/net_parse.h"

static char reason[NET_REASON_MAX];

/* ---- form ---------------------------------------------------------------- */

static struct net_form_field ff[2];

static int
form(const char *body, size_t max)
{
	size_t unknown;

	ff[0].name = "engine_fetch";
	ff[1].name = "update_interval";
	reason[0] = '\0';
	return net_form_parse(body, strlen(body), ff, 2, max, &unknown, reason,
	    sizeof(reason));
}

static void
test_form_basic(void **state)
{
	(void)state;
	assert_int_equal(form("engine_fetch=%7B%22a%22%7D&update_interval=60", 1000), 0);
	assert_true(ff[0].present);
	assert_string_equal(ff[0].value, "{\"a\"}");
	assert_string_equal(ff[1].value, "60");
	net_form_free(ff, 2);
}

static void
test_form_plus_and_empty(void **state)
{
	(void)state;
	assert_int_equal(form("engine_fetch=a+b&update_interval=", 1000), 0);
	assert_string_equal(ff[0].value, "a b");
	assert_true(ff[1].present);
	assert_int_equal(ff[1].len, 0);
	net_form_free(ff, 2);
	assert_int_equal(form("update_interval", 1000), 0);
	assert_true(ff[1].present);
	assert_false(ff[0].present);
	net_form_free(ff, 2);
	assert_int_equal(form("", 1000), 0);
	assert_false(ff[0].present);
	assert_int_equal(form("&&&", 1000), 0);
	assert_false(ff[1].present);
}

static void
test_form_unknown_and_dup(void **state)
{
	size_t unknown;

	(void)state;
	ff[0].name = "engine_fetch";
	ff[1].name = "update_interval";
	assert_int_equal(net_form_parse("x=1&y=2&update_interval=5", 25, ff, 2, 100,
	    &unknown, reason, sizeof(reason)), 0);
	assert_int_equal(unknown, 2);
	assert_string_equal(ff[1].value, "5");
	net_form_free(ff, 2);
	assert_int_equal(form("update_interval=5&update_interval=6", 1000), -1);
	assert_non_null(strstr(reason, "duplicate"));
	assert_null(ff[1].value);
	/* An encoded name is the same alias. */
	assert_int_equal(form("update%5finterval=5&update_interval=6", 1000), -1);
	/* A name with an embedded NUL is not the alias. */
	assert_int_equal(form("update_interval%00=5", 1000), 0);
	assert_false(ff[1].present);
}

static void
test_form_too_long(void **state)
{
	(void)state;
	assert_int_equal(form("engine_fetch=0123456789&update_interval=1", 5), 0);
	assert_true(ff[0].too_long);
	assert_null(ff[0].value);
	assert_string_equal(ff[1].value, "1");
	net_form_free(ff, 2);
}

static void
test_form_bad_percent(void **state)
{
	(void)state;
	assert_int_equal(form("engine_fetch=%G1", 1000), -1);
	assert_non_null(strstr(reason, "percent"));
	assert_int_equal(form("engine_fetch=%", 1000), -1);
	assert_int_equal(form("engine_fetch=%4", 1000), -1);
	assert_int_equal(form("engine_fetch=ab%", 1000), -1);
	assert_int_equal(form("%zz=1", 1000), -1);
	assert_int_equal(form("=1", 1000), -1);
	assert_int_equal(form("engine_fetch=%41%42", 1000), 0);
	assert_string_equal(ff[0].value, "AB");
	net_form_free(ff, 2);
}

static void
test_form_roundtrip(void **state)
{
	struct gwe_buf b = NET_FORM_BUF_INIT;
	const char v[] = "a b&c=d%\xff\n{}";

	(void)state;
	assert_int_equal(net_form_add(&b, "fetch_status", v, sizeof(v) - 1), 0);
	assert_int_equal(net_form_add(&b, "engine_fetch", "", 0), 0);
	ff[0].name = "fetch_status";
	ff[1].name = "engine_fetch";
	assert_int_equal(net_form_parse(b.p, b.len, ff, 2, 100, NULL, reason,
	    sizeof(reason)), 0);
	assert_int_equal(ff[0].len, sizeof(v) - 1);
	assert_memory_equal(ff[0].value, v, sizeof(v) - 1);
	assert_true(ff[1].present);
	assert_int_equal(ff[1].len, 0);
	net_form_free(ff, 2);
	gwe_buf_free(&b);
}

/* ---- order ----------------------------------------------------------------- */

static struct net_order order;

static int
ord(const char *s)
{
	reason[0] = '\0';
	return net_order_parse(s, strlen(s), 65536, &order, reason, sizeof(reason));
}

static void
test_order_good(void **state)
{
	(void)state;
	assert_int_equal(ord("{\"install\": [{\"name\": \"modbus_bridge.v1.4.2.tar.gz\"}]}"), 0);
	assert_int_equal(order.n, 1);
	assert_string_equal(order.names[0], "modbus_bridge.v1.4.2.tar.gz");
	assert_int_equal(ord(" {\"install\":[{\"name\":\"a.v1.tar.gz\",\"x\":1},"
	    "{\"name\":\"b-c.v2.0.tar.gz\"}],\"other\":true} \n"), 0);
	assert_int_equal(order.n, 2);
	assert_string_equal(order.names[1], "b-c.v2.0.tar.gz");
}

/*
 * Orders refused, each with a piece of the reason it must give (NULL:
 * any), in groups: one test each.
 */
enum { NOT_JSON, WRONG_SHAPE };
static const struct {
	int		 group;
	const char	*order, *why;
} refusals[] = {
	{ NOT_JSON, "hello", "not JSON" },
	{ NOT_JSON, "{\"install\": [", "not JSON" },
	{ NOT_JSON, "", NULL },
	{ NOT_JSON, "   ", NULL },
	{ NOT_JSON, "{\"install\":[{\"name\":\"a.v1.tar.gz\"}]} {}", "not JSON" },
	{ WRONG_SHAPE, "\"install\"", NULL },
	{ WRONG_SHAPE, "{}", "no \"install\"" },
	{ WRONG_SHAPE, "{\"install\": {\"name\": \"a.v1.tar.gz\"}}", "not an array" },
	{ WRONG_SHAPE, "{\"install\": []}", "empty" },
	{ WRONG_SHAPE, "{\"install\": [\"a.v1.tar.gz\"]}", "install[0] is not an object" },
	{ WRONG_SHAPE, "{\"install\": [{\"nam\": \"a.v1.tar.gz\"}]}", "has no name" },
	{ WRONG_SHAPE, "{\"install\": [{\"name\": 12}]}", "not a string" },
	{ WRONG_SHAPE, "{\"install\": [{\"name\": \"a.v1.tar.gz\"}, null]}", "install[1]" },
};

static void
refused(int group)
{
	size_t i;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		if (refusals[i].group != group)
			continue;
		assert_int_equal(ord(refusals[i].order), -1);
		if (refusals[i].why != NULL)
			assert_non_null(strstr(reason, refusals[i].why));
	}
}

static void
test_order_not_json(void **state)
{
	(void)state;
	refused(NOT_JSON);
	assert_int_equal(net_order_parse("{\"install\":[]}\0x", 16, 100, &order, reason,
	    sizeof(reason)), -1);
	assert_non_null(strstr(reason, "NUL"));
}

static void
test_order_wrong_shape(void **state)
{
	(void)state;
	assert_int_equal(ord("[1,2]"), -1);
	assert_string_equal(reason, "not a JSON object");
	refused(WRONG_SHAPE);
	assert_int_equal(order.n, 0);
}

/* Names vfy_name_parse refuses, each alone in an order, and a piece of the reason. */
static const struct {
	const char	*name, *why;
} bad_names[] = {
	{ "../etc/passwd", "install[0].name" },
	{ "a/b.v1.tar.gz", NULL },
	{ "a.v1..2.tar.gz", NULL },
	{ "a.v1.tar.gz\\u0000x", "NUL" },
	{ "", NULL },
	{ "a.v1.zip", NULL },
};

static void
test_order_bad_names(void **state)
{
	char o[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		snprintf(o, sizeof(o), "{\"install\": [{\"name\": \"%s\"}]}", bad_names[i].name);
		assert_int_equal(ord(o), -1);
		if (bad_names[i].why != NULL)
			assert_non_null(strstr(reason, bad_names[i].why));
	}
}

static void
test_order_too_big(void **state)
{
	size_t n = 1024 * 1024, i;
	char *big = malloc(n + 1);

	(void)state;
	assert_non_null(big);
	memcpy(big, "{\"install\":[{\"name\":\"", 21);
	for (i = 21; i < n; i++)
		big[i] = 'a';
	big[n] = '\0';
	assert_int_equal(net_order_parse(big, n, 65536, &order, reason, sizeof(reason)), -1);
	assert_non_null(strstr(reason, "max_order_bytes"));
	/* Even with a cap above it, an unterminated 1 MB string is refused. */
	assert_int_equal(net_order_parse(big, n, 2 * n, &order, reason, sizeof(reason)), -1);
	free(big);
}

static void
test_order_many_entries(void **state)
{
	struct gwe_buf b = NET_FORM_BUF_INIT;
	int i;

	(void)state;
	gwe_buf_add(&b, "{\"install\":[", 12);
	for (i = 0; i < NET_ORDER_MAX_ENTRIES + 1; i++) {
		if (i)
			gwe_buf_add(&b, ",", 1);
		gwe_buf_add(&b, "{\"name\":\"a.v1.tar.gz\"}", 22);
	}
	gwe_buf_add(&b, "]}", 2);
	assert_int_equal(net_order_parse(b.p, b.len, 65536, &order, reason,
	    sizeof(reason)), -1);
	assert_non_null(strstr(reason, "entries"));
	gwe_buf_free(&b);
}

static void
test_order_deep(void **state)
{
	size_t depth = 10000, i;
	char *s = malloc(2 * depth + 1);

	(void)state;
	assert_non_null(s);
	for (i = 0; i < depth; i++) {
		s[i] = '[';
		s[depth + i] = ']';
	}
	s[2 * depth] = '\0';
	assert_int_equal(net_order_parse(s, 2 * depth, 65536, &order, reason,
	    sizeof(reason)), -1);
	assert_non_null(strstr(reason, "deeper"));
	for (i = 0; i < depth; i++)
		s[i] = '{';
	assert_int_equal(net_order_parse(s, depth, 65536, &order, reason,
	    sizeof(reason)), -1);
	free(s);
	/* Depth 8 is allowed, 9 is not. */
	assert_int_equal(ord("{\"install\":[{\"name\":\"a.v1.tar.gz\",\"x\":[[[[[1]]]]]}]}"), 0);
	assert_int_equal(ord("{\"install\":[{\"name\":\"a.v1.tar.gz\",\"x\":[[[[[[1]]]]]]}]}"), -1);
}

/* ---- small values ---------------------------------------------------------- */

static void
test_interval(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(net_interval_parse("60", 2, &v, reason, sizeof(reason)), 0);
	assert_int_equal(v, 60);
	assert_int_equal(net_interval_parse("1", 1, &v, reason, sizeof(reason)), 0);
	assert_int_equal(net_interval_parse("0", 1, &v, reason, sizeof(reason)), -1);
	assert_int_equal(net_interval_parse("", 0, &v, reason, sizeof(reason)), -1);
	assert_int_equal(net_interval_parse("-5", 2, &v, reason, sizeof(reason)), -1);
	assert_int_equal(net_interval_parse("1.5", 3, &v, reason, sizeof(reason)), -1);
	assert_int_equal(net_interval_parse(" 60", 3, &v, reason, sizeof(reason)), -1);
	assert_int_equal(net_interval_parse("60s", 3, &v, reason, sizeof(reason)), -1);
	assert_int_equal(net_interval_parse("6\0" "0", 3, &v, reason, sizeof(reason)), -1);
	assert_int_equal(net_interval_parse("99999999999999999999999", 23, &v, reason,
	    sizeof(reason)), -1);
	assert_int_equal(net_interval_parse("31536001", 8, &v, reason, sizeof(reason)), -1);
	assert_int_equal(net_interval_parse("1e3", 3, &v, reason, sizeof(reason)), -1);
}

static void
test_content_range(void **state)
{
	static const char *const bad[] = { "bytes 5-4/10", "bytes 5-10/10", "items 0-1/2",
	    "bytes -1/2", "bytes 0-1", "bytes */10", "bytes 0-99999999999999999999999/1",
	    "bytes 0-1/2x", "" };
	uint64_t a, b, t;
	size_t i;

	(void)state;
	assert_int_equal(net_content_range_parse("bytes 100-199/200", &a, &b, &t, reason,
	    sizeof(reason)), 0);
	assert_int_equal(a, 100);
	assert_int_equal(b, 199);
	assert_int_equal(t, 200);
	assert_int_equal(net_content_range_parse(" bytes 0-0/*\r\n", &a, &b, &t, reason,
	    sizeof(reason)), 0);
	assert_true(t == UINT64_MAX);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(net_content_range_parse(bad[i], &a, &b, &t, reason,
		    sizeof(reason)), -1);
}

static void
test_cik(void **state)
{
	char cik[NET_CIK_LEN + 1];
	const char good[] = "0123456789abcdef0123456789ABCDEF01234567";

	(void)state;
	assert_int_equal(net_cik_parse(good, 40, cik, reason, sizeof(reason)), 0);
	assert_string_equal(cik, good);
	assert_int_equal(net_cik_parse("0123456789abcdef0123456789ABCDEF01234567\r\n", 42,
	    cik, reason, sizeof(reason)), 0);
	assert_int_equal(net_cik_parse(good, 39, cik, reason, sizeof(reason)), -1);
	assert_int_equal(net_cik_parse("0123456789abcdef0123456789ABCDEF0123456g", 40,
	    cik, reason, sizeof(reason)), -1);
	assert_int_equal(net_cik_parse("0123456789abcdef0123456789ABCDEF0123456\0", 40,
	    cik, reason, sizeof(reason)), -1);
	assert_int_equal(net_cik_parse("", 0, cik, reason, sizeof(reason)), -1);
	assert_int_equal(net_cik_parse("<html>", 6, cik, reason, sizeof(reason)), -1);
}

static void
test_content_info(void **state)
{
	uint64_t size, ts;
	const char *s = "application/x-gzip,1234,1700000000,a,b,c\n";

	(void)state;
	assert_int_equal(net_content_info_parse(s, strlen(s), &size, &ts, reason,
	    sizeof(reason)), 0);
	assert_int_equal(size, 1234);
	assert_int_equal(ts, 1700000000);
	s = "x,1,2";
	assert_int_equal(net_content_info_parse(s, strlen(s), &size, &ts, reason,
	    sizeof(reason)), 0);
	s = "x,,2,";
	assert_int_equal(net_content_info_parse(s, strlen(s), &size, &ts, reason,
	    sizeof(reason)), -1);
	s = "x,-1,2,";
	assert_int_equal(net_content_info_parse(s, strlen(s), &size, &ts, reason,
	    sizeof(reason)), -1);
	s = "nothing";
	assert_int_equal(net_content_info_parse(s, strlen(s), &size, &ts, reason,
	    sizeof(reason)), -1);
	assert_int_equal(net_content_info_parse("", 0, &size, &ts, reason,
	    sizeof(reason)), -1);
}

/* ---- UTF-8 repair (fetch_status texts: gwe_text_clean GWE_TEXT_UTF8) ------- */

/* Repair in (n bytes) and compare with want (a C string). */
static void
utf8_is(const char *in, size_t n, const char *want, size_t nrepl)
{
	char out[256];
	size_t len, r;

	len = gwe_text_clean(out, sizeof(out), in, n, GWE_TEXT_UTF8, &r);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(out, want, len);
	assert_int_equal(r, nrepl);
}

#define R "\xef\xbf\xbd"

static void
test_utf8_sanitize(void **state)
{
	char out[9];	/* 8 bytes of text and the NUL */
	size_t r;

	(void)state;
	utf8_is("plain", 5, "plain", 0);
	utf8_is("", 0, "", 0);
	/* Good multi-byte characters pass: e-acute, euro, U+10FFFF. */
	utf8_is("\xc3\xa9\xe2\x82\xac\xf4\x8f\xbf\xbf", 9,
	    "\xc3\xa9\xe2\x82\xac\xf4\x8f\xbf\xbf", 0);
	/* NUL. */
	utf8_is("a\0b", 3, "a" R "b", 1);
	/* Overlong forms: C0 80, C1 BF, E0 80 80, F0 80 80 80. */
	utf8_is("\xc0\x80", 2, R R, 2);
	utf8_is("\xc1\xbf", 2, R R, 2);
	utf8_is("\xe0\x80\x80", 3, R R R, 3);
	utf8_is("\xf0\x8f\xbf\xbf", 4, R R R R, 4);
	/* Surrogates U+D800, U+DFFF. */
	utf8_is("\xed\xa0\x80", 3, R R R, 3);
	utf8_is("\xed\xbf\xbf", 3, R R R, 3);
	/* Over U+10FFFF: F4 90 80 80, F5.., FF. */
	utf8_is("\xf4\x90\x80\x80", 4, R R R R, 4);
	utf8_is("\xf5\x80\x80\x80", 4, R R R R, 4);
	utf8_is("\xff", 1, R, 1);
	/* Truncated sequences: one U+FFFD for the maximal subpart. */
	utf8_is("\xe2\x82", 2, R, 1);
	utf8_is("\xe2\x82" "A", 3, R "A", 1);
	utf8_is("\xf0\x9f\x98", 3, R, 1);
	utf8_is("x\xc3", 2, "x" R, 1);
	/* A stray continuation byte. */
	utf8_is("\x80z", 2, R "z", 1);
	/* Only whole characters fit: 8 bytes hold "ab" and two U+FFFD. */
	assert_int_equal(gwe_text_clean(out, sizeof(out), "ab\xff\xff\xff", 5, GWE_TEXT_UTF8,
	    &r), 8);
	assert_int_equal(r, 2);
	assert_int_equal(gwe_text_clean(out, 8, "abcdef\xc3\xa9", 8, GWE_TEXT_UTF8, &r), 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_basic),
		cmocka_unit_test(test_form_plus_and_empty),
		cmocka_unit_test(test_form_unknown_and_dup),
		cmocka_unit_test(test_form_bad_percent),
		cmocka_unit_test(test_form_too_long),
		cmocka_unit_test(test_form_roundtrip),
		cmocka_unit_test(test_order_good),
		cmocka_unit_test(test_order_not_json),
		cmocka_unit_test(test_order_wrong_shape),
		cmocka_unit_test(test_order_bad_names),
		cmocka_unit_test(test_order_too_big),
		cmocka_unit_test(test_order_many_entries),
		cmocka_unit_test(test_order_deep),
		cmocka_unit_test(test_interval),
		cmocka_unit_test(test_content_range),
		cmocka_unit_test(test_cik),
		cmocka_unit_test(test_content_info),
		cmocka_unit_test(test_utf8_sanitize),
	};

	return cmocka_run_group_tests_name("net_parse", tests, NULL, NULL);
}
