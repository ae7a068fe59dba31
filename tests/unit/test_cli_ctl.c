/*
 * The output helpers of gwe status / --install-apps (cli/cli_out.c):
 * JSON strings that any parser takes (escapes, UTF-8 kept, invalid bytes
 * replaced), terminal text with control characters defused, ISO-8601 times;
 * the status names they print (ipc_status_name).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/log.h"
#include "../../cli/cli_out.h"
#include "../../ipc/ipc.h"

/* What print(f, s, len) writes. */
static char *
printed(void (*print)(FILE *, const char *, size_t), const char *s, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	print(f, s, len);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static char *
json_of(const char *s, size_t len)
{
	return printed(cli_json_str, s, len);
}

static char *
text_of(const char *s, size_t len)
{
	return printed(cli_text_str, s, len);
}

/* The JSON text parses as a string equal to want. */
static void
json_roundtrip(const char *in, size_t len, const char *want)
{
	char *j = json_of(in, len);
	json_object *o = json_tokener_parse(j);

	assert_non_null(o);
	assert_true(json_object_is_type(o, json_type_string));
	assert_string_equal(json_object_get_string(o), want);
	json_object_put(o);
	free(j);
}

static void
test_json_escapes(void **state)
{
	char *j;

	(void)state;
	j = json_of("a\"b\\c\nd\te\r\x01\x1f\x7f", 13);
	assert_string_equal(j, "\"a\\\"b\\\\c\\nd\\te\\r\\u0001\\u001f\\u007f\"");
	free(j);
	json_roundtrip("a\"b\\c\nd", 7, "a\"b\\c\nd");
	json_roundtrip("", 0, "");
	/* stops at a NUL, and at len */
	json_roundtrip("ab\0cd", 5, "ab");
	json_roundtrip("abcdef", 3, "abc");
}

static void
test_json_utf8(void **state)
{
	char *j;

	(void)state;
	/* valid UTF-8 kept as is: 2, 3 and 4 bytes */
	json_roundtrip("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* invalid: lone continuation, overlong, surrogate, > U+10FFFF, cut short */
	j = json_of("\x80|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xe2\x82", 16);
	assert_null(strchr(j, 0x80));
	json_roundtrip("\x80", 1, "\xef\xbf\xbd");
	json_roundtrip("\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd");
	json_roundtrip("\xe2\x82", 2, "\xef\xbf\xbd\xef\xbf\xbd");
	free(j);
}

static void
test_text_defused(void **state)
{
	char *t;

	(void)state;
	t = text_of("ok\tline\nESC\x1b[31m red\\ \x7f", 25);
	assert_string_equal(t, "ok\tline\nESC\\x1b[31m red\\\\ \\x7f");
	free(t);
	/* UTF-8 kept, C1 controls (U+009B is a CSI) and bad bytes escaped */
	t = text_of("\xc3\xa9\xc2\x9b\xff", 5);
	assert_string_equal(t, "\xc3\xa9\\xc2\\x9b\\xff");
	free(t);
	t = text_of("ab\0cd", 5);
	assert_string_equal(t, "ab");
	free(t);
}

/* unit repeated n times after lead bytes of "x", each as written, cleaned: want */
static void
text_long(const char *unit, const char *want, size_t lead, size_t n)
{
	size_t ul = strlen(unit), wl = strlen(want), i;
	char *in = malloc(lead + ul * n + 1), *exp = malloc(lead + wl * n + 1), *t;

	assert_non_null(in);
	assert_non_null(exp);
	memset(in, 'x', lead);
	memset(exp, 'x', lead);
	for (i = 0; i < n; i++) {
		memcpy(in + lead + i * ul, unit, ul);
		memcpy(exp + lead + i * wl, want, wl);
	}
	exp[lead + wl * n] = '\0';
	t = text_of(in, lead + ul * n);
	assert_string_equal(t, exp);
	free(t);
	free(in);
	free(exp);
}

static void
test_text_long(void **state)
{
	size_t lead;

	(void)state;
	/* longer than the piece cleaned at a time: no character is cut in two */
	for (lead = 0; lead < 4; lead++) {
		text_long("\xe2\x82\xac", "\xe2\x82\xac", lead, 1500);
		text_long("\xf0\x9f\x98\x80" "a", "\xf0\x9f\x98\x80" "a", lead, 900);
		text_long("a\xc3\xa9\x1b\xc2\x9b", "a\xc3\xa9\\x1b\\xc2\\x9b", lead, 700);
		text_long("\x80", "\\x80", lead, 3000);
		text_long("\xe2\x82", "\\xe2\\x82", lead, 1500);
	}
}

static void
test_iso_time(void **state)
{
	char buf[64];

	(void)state;
	cli_iso_time(0, buf, sizeof(buf));
	assert_string_equal(buf, "never");
	cli_iso_time(1, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:01Z");
	cli_iso_time(1795786385, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-27T13:33:05Z");
	cli_iso_time(UINT64_MAX, buf, sizeof(buf));
	assert_string_equal(buf, "@18446744073709551615");
}

static void
test_status_names(void **state)
{
	(void)state;
	assert_string_equal(ipc_status_name(IPC_ST_INSTALLED), "installed");
	assert_string_equal(ipc_status_name(IPC_ST_FAILED), "failed");
	assert_string_equal(ipc_status_name(IPC_ST_REFUSED), "refused");
	assert_string_equal(ipc_status_name(IPC_ST_INTERRUPTED), "interrupted");
	assert_string_equal(ipc_status_name(IPC_ST_ERROR), "error");
	assert_string_equal(ipc_status_name(0), "unknown");
	assert_string_equal(ipc_status_name(99), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_json_utf8),
		cmocka_unit_test(test_text_defused),
		cmocka_unit_test(test_text_long),
		cmocka_unit_test(test_iso_time),
		cmocka_unit_test(test_status_names),
	};

	log_init("test_cli_ctl", 1, LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
