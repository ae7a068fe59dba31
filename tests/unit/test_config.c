/* The configuration: every key, a bad value for each, and the file-level errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/config.h"
#include "../../common/log.h"

static char path[64];

static void
write_conf(const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int
load(const char *text, struct gwe_config *cfg, char *err, size_t errlen)
{
	write_conf(text);
	config_defaults(cfg);
	return config_load(path, cfg, err, errlen);
}

static int
setup(void **state)
{
	int fd;

	(void)state;
	strcpy(path, "/tmp/gwe-conf.XXXXXX");
	fd = mkstemp(path);
	if (fd == -1)
		return -1;
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/* Each [limits] number: its default, and the value every_key below sets. */
#define LIM(f, d, v) { #f, offsetof(struct gwe_config, limits.f), d, v }
static const struct {
	const char	*name;
	size_t		 off;
	uint64_t	 def, set;
} limits_want[] = {
	LIM(max_tarball_bytes, 256ULL << 20, 1000), LIM(max_unpacked_bytes, 1ULL << 30, 2000),
	LIM(max_entry_bytes, 512ULL << 20, 3000), LIM(max_entries, 50000, 40),
	LIM(max_ratio, 100, 50), LIM(max_order_bytes, 65536, 600),
	LIM(max_sig_bytes, 16384, 700), LIM(install_timeout, 600, 8),
	LIM(output_cap, 65536, 900),
};

static void
assert_limits(const struct gwe_config *c, int set)
{
	uint64_t v, want;
	size_t i;

	for (i = 0; i < sizeof(limits_want) / sizeof(limits_want[0]); i++) {
		memcpy(&v, (const char *)c + limits_want[i].off, sizeof(v));
		want = set ? limits_want[i].set : limits_want[i].def;
		if (v != want)
			fail_msg("limits.%s is %llu, want %llu", limits_want[i].name,
			    (unsigned long long)v, (unsigned long long)want);
	}
}

static void
test_defaults(void **state)
{
	struct gwe_config c;

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.host, "https://m2.exosite.com");
	assert_int_equal(c.update_interval, 43200);
	assert_int_equal(c.require_signature, 1);
	assert_int_equal(c.allow_downgrade, 0);
	assert_limits(&c, 0);
	assert_int_equal(c.limits.keep_staging, 0);
	assert_string_equal(c.state_dir, "/var/lib/gwe");
	assert_string_equal(c.run_dir, "/run/gwe");
	assert_string_equal(c.user_agent, "gwe/" GWE_VERSION);
}

static const char *every_key =
    "; comment\n"
    "[device]\n"
    "cik = 0123456789abcdef0123456789abcdef01234567\n"
    "vendor = acme\n"
    "model = gw100\n"
    "uuid = SN-0001\n"
    "iface = eth0\n"
    "[engine]\n"
    "host = https://127.0.0.1:8443\n"
    "update_interval = 30\n"
    "act_retry_interval = 5\n"
    "debug_level = debug\n"
    "user_agent = test-agent/1\n"
    "long_poll = true\n"
    "ca_file = /tmp/ca.pem\n"
    "[security]\n"
    "keys_dir = /tmp/keys\n"
    "require_signature = no\n"
    "allow_downgrade = yes\n"
    "net_user = 61001\n"
    "verify_user = gwe-verify\n"
    "[limits]\n"
    "max_tarball_bytes = 1000\n"
    "max_unpacked_bytes = 2000\n"
    "max_entry_bytes = 3000\n"
    "max_entries = 40\n"
    "max_ratio = 50\n"
    "max_order_bytes = 600\n"
    "max_sig_bytes = 700\n"
    "install_timeout = 8\n"
    "output_cap = 900\n"
    "keep_staging = on\n"
    "[paths]\n"
    "state_dir = /tmp/state\n"
    "run_dir = /tmp/run\n"
    "[supervisord]\n"
    "anything = goes here\n";

static void
test_every_key(void **state)
{
	struct gwe_config c;
	char err[CONF_ERR_MAX] = "";

	(void)state;
	if (load(every_key, &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(c.cik, "0123456789abcdef0123456789abcdef01234567");
	assert_string_equal(c.vendor, "acme");
	assert_string_equal(c.model, "gw100");
	assert_string_equal(c.uuid, "SN-0001");
	assert_string_equal(c.iface, "eth0");
	assert_string_equal(c.host, "https://127.0.0.1:8443");
	assert_int_equal(c.update_interval, 30);
	assert_int_equal(c.act_retry_interval, 5);
	assert_int_equal(c.debug_level, LOG_LVL_DEBUG);
	assert_string_equal(c.user_agent, "test-agent/1");
	assert_int_equal(c.long_poll, 1);
	assert_string_equal(c.ca_file, "/tmp/ca.pem");
	assert_string_equal(c.keys_dir, "/tmp/keys");
	assert_int_equal(c.require_signature, 0);
	assert_int_equal(c.allow_downgrade, 1);
	assert_string_equal(c.net_user, "61001");
	assert_string_equal(c.verify_user, "gwe-verify");
	assert_limits(&c, 1);
	assert_int_equal(c.limits.keep_staging, 1);
	assert_string_equal(c.state_dir, "/tmp/state");
	assert_string_equal(c.run_dir, "/tmp/run");
}

/* One bad value per key, and the words the error must carry. */
static const struct {
	const char *section, *line, *want;
} bad[] = {
	{ "device", "cik = 1234", "[device] cik: must be 40 hexadecimal digits" },
	{ "device", "cik = 0123456789abcdef0123456789abcdef0123456z", "[device] cik" },
	{ "device", "vendor = \x01" "bad", "[device] vendor: has a control character" },
	{ "device", "model = \x7f", "[device] model: has a control character" },
	{ "device", "uuid = \x02", "[device] uuid" },
	{ "device", "iface = eth0/../x", "[device] iface" },
	{ "device", "iface = averyveryverylongname", "[device] iface: is longer than 15" },
	{ "engine", "host = http://plain.example", "[engine] host: must start with https://" },
	{ "engine", "host = https://", "[engine] host: has no host name" },
	{ "engine", "host = https://a b", "[engine] host" },
	{ "engine", "update_interval = 0", "[engine] update_interval: '0' is not a whole number" },
	{ "engine", "update_interval = 12s", "[engine] update_interval" },
	{ "engine", "update_interval = -5", "[engine] update_interval" },
	{ "engine", "update_interval = 99999999999999999999999", "[engine] update_interval" },
	{ "engine", "act_retry_interval = x", "[engine] act_retry_interval" },
	{ "engine", "debug_level = loud", "[engine] debug_level: is not a level" },
	{ "engine", "user_agent = \x03", "[engine] user_agent" },
	{ "engine", "long_poll = maybe", "[engine] long_poll: is not a boolean" },
	{ "engine", "ca_file = relative/ca.pem", "[engine] ca_file: must be empty or an absolute path" },
	{ "security", "keys_dir = keys", "[security] keys_dir: must be an absolute path" },
	{ "security", "require_signature = 2", "[security] require_signature: is not a boolean" },
	{ "security", "allow_downgrade = sure", "[security] allow_downgrade" },
	{ "security", "net_user = bad user", "[security] net_user" },
	{ "security", "verify_user = a/b", "[security] verify_user" },
	{ "limits", "max_tarball_bytes = 0", "[limits] max_tarball_bytes" },
	{ "limits", "max_unpacked_bytes = lots", "[limits] max_unpacked_bytes" },
	{ "limits", "max_entry_bytes = 0", "[limits] max_entry_bytes" },
	{ "limits", "max_entries = 0", "[limits] max_entries" },
	{ "limits", "max_ratio = 0", "[limits] max_ratio" },
	{ "limits", "max_order_bytes = 99999999", "[limits] max_order_bytes" },
	{ "limits", "max_sig_bytes = 16385", "[limits] max_sig_bytes: '16385' is not a whole number from 64 to 16384" },
	{ "limits", "install_timeout = 0", "[limits] install_timeout" },
	{ "limits", "output_cap = 65537", "[limits] output_cap" },
	{ "limits", "keep_staging = 7", "[limits] keep_staging" },
	{ "paths", "state_dir = var/lib/gwe", "[paths] state_dir" },
	{ "paths", "run_dir = ", "[paths] run_dir" },
};

static void
test_bad_value_per_key(void **state)
{
	struct gwe_config c;
	char text[512], err[CONF_ERR_MAX], want[600];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "# line 1\n[%s]\n%s\n", bad[i].section, bad[i].line);
		err[0] = '\0';
		if (load(text, &c, err, sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i].line);
		/* names the file and the line */
		snprintf(want, sizeof(want), "%s:3: %s", path, bad[i].want);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("for '%s' got \"%s\", want \"%s\"", bad[i].line, err, want);
	}
}

static void
test_every_key_has_a_bad_case(void **state)
{
	static const char *keys[] = { "cik", "vendor", "model", "uuid", "iface",
	    "host", "update_interval", "act_retry_interval", "debug_level",
	    "user_agent", "long_poll", "ca_file", "keys_dir", "require_signature",
	    "allow_downgrade", "net_user", "verify_user", "max_tarball_bytes",
	    "max_unpacked_bytes", "max_entry_bytes", "max_entries", "max_ratio",
	    "max_order_bytes", "max_sig_bytes", "install_timeout", "output_cap",
	    "keep_staging", "state_dir", "run_dir" };
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		int found = 0;

		for (j = 0; j < sizeof(bad) / sizeof(bad[0]); j++)
			if (strncmp(bad[j].line, keys[i], strlen(keys[i])) == 0 &&
			    bad[j].line[strlen(keys[i])] == ' ')
				found = 1;
		if (!found)
			fail_msg("no bad-value case for %s", keys[i]);
	}
}

static void
test_unknown_key(void **state)
{
	struct gwe_config c;
	char err[CONF_ERR_MAX], want[128];

	(void)state;
	assert_int_equal(load("[engine]\nhost = https://h\nupdate_intervall = 5\n",
	    &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: [engine] update_intervall: unknown key", path);
	assert_string_equal(err, want);
}

static void
test_duplicate_key(void **state)
{
	struct gwe_config c;
	char err[CONF_ERR_MAX];

	(void)state;
	assert_int_equal(load("[engine]\nupdate_interval = 5\nupdate_interval = 6\n",
	    &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":3: [engine] update_interval: duplicate key"));
}

static void
test_syntax_error(void **state)
{
	struct gwe_config c;
	char err[CONF_ERR_MAX];

	(void)state;
	assert_int_equal(load("[engine]\nthis line has no equals sign\n", &c, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: syntax error"));
}

static void
test_missing_file(void **state)
{
	struct gwe_config c;
	char err[CONF_ERR_MAX];

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_load("/nonexistent/gwe.conf", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/gwe.conf: cannot open: No such file or directory");
}

static void
test_foreign_section_ignored(void **state)
{
	struct gwe_config c;
	char err[CONF_ERR_MAX];

	(void)state;
	assert_int_equal(load("[program:gwe]\ncommand = whatever\nunknown = 1\n"
	    "[engine]\nupdate_interval = 77\n[other]\nx=y\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c.update_interval, 77);
}

static void
test_config_set_and_user(void **state)
{
	struct gwe_config c;
	char err[CONF_ERR_MAX];
	uid_t uid;
	gid_t gid;

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "engine", "update_interval", "9", err, sizeof(err)), 0);
	assert_int_equal(c.update_interval, 9);
	assert_int_equal(config_set(&c, "engine", "update_interval", "0", err, sizeof(err)), -1);
	assert_int_equal(config_set(&c, "engine", "nope", "0", err, sizeof(err)), -1);
	assert_int_equal(config_user("61001", &uid, &gid, err, sizeof(err)), 0);
	assert_int_equal(uid, 61001);
	assert_int_equal(config_user("root", &uid, &gid, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is root"));
	assert_int_equal(config_user("no-such-user-gwe", &uid, &gid, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no such user"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test_setup_teardown(test_every_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_value_per_key, setup, teardown),
		cmocka_unit_test(test_every_key_has_a_bad_case),
		cmocka_unit_test_setup_teardown(test_unknown_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_error, setup, teardown),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test_setup_teardown(test_foreign_section_ignored, setup, teardown),
		cmocka_unit_test(test_config_set_and_user),
	};

	log_init("test_config", 0, LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
