/*
 * gwe's configuration edits (cli/cli_conf.c): every --set flag's
 * key, byte-for-byte keeping of everything else, refusals that leave the
 * file alone, the file's mode, -P, -t and netd's stored interval, -g, -C,
 * and -a '' removing the key so the default applies again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/config.h"
#include "../../common/log.h"
#include "../../common/util.h"
#include "../../cli/cli_conf.h"
#include "testutil.h"

#define CIK_A	"0123456789abcdef0123456789abcdef01234567"
#define CIK_B	"fedcba9876543210fedcba9876543210fedcba98"

static char dir[64];
static char conf[PATH_MAX];
static char err[CONF_ERR_MAX];

/* A file an operator might have: comments everywhere, sections we do not own. */
#define BASE_HEAD \
    "; gwe on gateway 17 -- edited by hand, keep these notes\n" \
    "# hash comments too\n" \
    "\n" \
    "[program:gwe]\n" \
    "command=/usr/local/sbin/gwe-netd -F ; not ours\n" \
    "environment=A=\"1\",\n" \
    "    B=\"2\"\n" \
    "\n" \
    "[device]\n"
#define BASE_DEVICE(cik, vendor) \
    "  cik = " cik "   ; from the factory\n" \
    "vendor=" vendor "\n" \
    "; model is set below by the installer\n"
#define BASE_ENGINE \
    "\n" \
    "; the engine's own settings\n" \
    "[engine]\n"
#define BASE_TAIL \
    "\n" \
    "[custom]\n" \
    "weird key = with ; stuff = here\n" \
    "cik = not-ours\n"

static const char base[] =
    BASE_HEAD
    BASE_DEVICE(CIK_A, "acme")
    BASE_ENGINE
    "update_interval: 600\n"
    BASE_TAIL;

static void
assert_text(const char *p, const char *want)
{
	char *got = tu_read_file(p, NULL);

	assert_string_equal(got, want);
	free(got);
}

static void
load_ok(struct gwe_config *cfg)
{
	config_defaults(cfg);
	if (config_load(conf, cfg, err, sizeof(err)) == -1)
		fail_msg("config_load: %s", err);
}

static int
setup(void **state)
{
	(void)state;
	if (tu_mkdtemp(dir, sizeof(dir), "gwe-cliconf") == -1)
		return -1;
	tu_path(conf, sizeof(conf), dir, "gwe.conf");
	err[0] = '\0';
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return tu_rmtree(dir);
}

static int
set(const char *section, const char *key, const char *value)
{
	int rc = cli_conf_set(conf, section, key, value, err, sizeof(err));

	if (rc == -1)
		print_message("# %s\n", err);
	return rc;
}

/* ---- every --set flag ------------------------------------------------- */

static void
test_every_flag(void **state)
{
	char text[PATH_MAX + 64], want[PATH_MAX + 512];
	struct gwe_config c;

	(void)state;
	/* state_dir in the temp dir: -t removes state_dir/netd/update_interval */
	snprintf(text, sizeof(text), "[paths]\nstate_dir = %s\n", dir);
	tu_write_file(conf, text);
	assert_int_equal(set("device", "cik", CIK_B), 0);		/* -c */
	assert_int_equal(set("device", "vendor", "acme"), 0);		/* -r */
	assert_int_equal(set("device", "model", "gw-7"), 0);		/* -m */
	assert_int_equal(set("device", "uuid", "SN-0042"), 0);		/* -u */
	assert_int_equal(set("device", "iface", "eth1"), 0);		/* -i */
	assert_int_equal(set("engine", "act_retry_interval", "30"), 0);	/* -l */
	assert_int_equal(set("engine", "debug_level", "debug"), 0);	/* -d */
	assert_int_equal(cli_conf_set_interval(conf, "900", err, sizeof(err)), 0); /* -t */
	assert_int_equal(set("engine", "user_agent", "acme-gw/2.0 (X11; Linux)"), 0); /* -a */
	load_ok(&c);
	assert_string_equal(c.cik, CIK_B);
	assert_string_equal(c.vendor, "acme");
	assert_string_equal(c.model, "gw-7");
	assert_string_equal(c.uuid, "SN-0042");
	assert_string_equal(c.iface, "eth1");
	assert_int_equal(c.act_retry_interval, 30);
	assert_int_equal(c.debug_level, LOG_LVL_DEBUG);
	assert_int_equal(c.update_interval, 900);
	assert_string_equal(c.user_agent, "acme-gw/2.0 (X11; Linux)");
	snprintf(want, sizeof(want), "%s"
	    "\n"
	    "[device]\n"
	    "cik = " CIK_B "\n"
	    "vendor = acme\n"
	    "model = gw-7\n"
	    "uuid = SN-0042\n"
	    "iface = eth1\n"
	    "\n"
	    "[engine]\n"
	    "act_retry_interval = 30\n"
	    "debug_level = debug\n"
	    "update_interval = 900\n"
	    "user_agent = acme-gw/2.0 (X11; Linux)\n", text);
	assert_text(conf, want);
}

static void
test_product_sets_both(void **state)
{
	struct gwe_config c;

	(void)state;
	tu_write_file(conf, base);
	assert_int_equal(cli_conf_set_product(conf, "modbus-gw", err, sizeof(err)), 0);
	load_ok(&c);
	assert_string_equal(c.vendor, "modbus-gw");
	assert_string_equal(c.model, "modbus-gw");
	/* a bad product id sets neither */
	assert_int_equal(cli_conf_set_product(conf, "a\tb", err, sizeof(err)), -1);
	load_ok(&c);
	assert_string_equal(c.vendor, "modbus-gw");
}

/* ---- everything else kept byte for byte ------------------------------- */

static void
test_replace_keeps_everything(void **state)
{
	(void)state;
	tu_write_file(conf, base);
	assert_int_equal(set("device", "cik", CIK_B), 0);
	assert_int_equal(set("device", "vendor", "globex"), 0);
	assert_int_equal(set("engine", "update_interval", "1200"), 0);
	assert_text(conf,
	    BASE_HEAD
	    BASE_DEVICE(CIK_B, "globex")
	    BASE_ENGINE
	    "update_interval: 1200\n"
	    BASE_TAIL);
}

static void
test_append_key_to_section(void **state)
{
	(void)state;
	tu_write_file(conf, base);
	/* after the section's last line, before the comment that leads into [engine] */
	assert_int_equal(set("device", "model", "gw-7"), 0);
	assert_int_equal(set("engine", "long_poll", "true"), 0);
	assert_text(conf,
	    BASE_HEAD
	    BASE_DEVICE(CIK_A, "acme")
	    "model = gw-7\n"
	    BASE_ENGINE
	    "update_interval: 600\n"
	    "long_poll = true\n"
	    BASE_TAIL);
}

static void
test_append_section(void **state)
{
	struct gwe_config c;

	(void)state;
	tu_write_file(conf, base);
	assert_int_equal(set("security", "allow_downgrade", "yes"), 0);
	load_ok(&c);
	assert_int_equal(c.allow_downgrade, 1);
	{
		char want[sizeof(base) + 64];

		snprintf(want, sizeof(want), "%s\n[security]\nallow_downgrade = yes\n", base);
		assert_text(conf, want);
	}
	/* no final newline, no blank line: both supplied */
	tu_write_file(conf, "[device]\nvendor = acme");
	assert_int_equal(set("paths", "state_dir", "/data/gwe"), 0);
	assert_text(conf, "[device]\nvendor = acme\n\n[paths]\nstate_dir = /data/gwe\n");
	/* a section with only comments: the key goes after them */
	tu_write_file(conf, "[device]\n; vendor =\n; model =\n\n[engine]\n");
	assert_int_equal(set("device", "model", "m"), 0);
	assert_text(conf, "[device]\n; vendor =\n; model =\nmodel = m\n\n[engine]\n");
	/* a new line there would make the indented header a continuation */
	tu_write_file(conf, "[device]\n; c\n  [custom]\nx = 1\n");
	assert_int_equal(set("device", "uuid", "u"), 0);
	assert_text(conf, "[device]\n; c\n  [custom]\nx = 1\n\n[device]\nuuid = u\n");
}

static void
test_empty_values_and_crlf(void **state)
{
	struct gwe_config c;

	(void)state;
	tu_write_file(conf, "[device]\r\ncik =\r\nuuid=\r\n");
	assert_int_equal(set("device", "cik", CIK_A), 0);
	assert_int_equal(set("device", "uuid", "u1"), 0);
	assert_int_equal(set("device", "iface", "wlan0"), 0);
	assert_text(conf, "[device]\r\ncik = " CIK_A "\r\nuuid=u1\r\niface = wlan0\r\n");
	/* clearing keeps the inline comment */
	tu_write_file(conf, "[device]\ncik = " CIK_A " ; factory\n");
	assert_int_equal(set("device", "cik", ""), 0);
	assert_text(conf, "[device]\ncik = ; factory\n");
	load_ok(&c);
	assert_string_equal(c.cik, "");
}

/* ---- refusals leave the file alone ------------------------------------ */

struct bad {
	const char *section, *key, *value, *msg;
};

static void
test_bad_values_refused(void **state)
{
	static const struct bad bad[] = {
		{ "device", "cik", "1234", "[device] cik: must be 40 hexadecimal digits" },
		{ "device", "iface", "eth0/x", "[device] iface: has a character not allowed" },
		{ "device", "iface", "averyveryverylongname", "[device] iface: is longer than 15" },
		{ "device", "vendor", "a\nb", "[device] vendor: has a newline" },
		{ "device", "vendor", "a\rb", "[device] vendor: has a newline" },
		{ "device", "uuid", "a\033[2Jb", "[device] uuid: has a control character" },
		{ "device", "uuid", " padded", "[device] uuid: has a space at either end" },
		{ "engine", "user_agent", "ua ;x", "[engine] user_agent: has ';' after a space" },
		{ "engine", "user_agent", ";x", "[engine] user_agent: starts with ';'" },
		{ "engine", "update_interval", "0", "[engine] update_interval: '0' is not a whole number from 1" },
		{ "engine", "update_interval", "-5", "[engine] update_interval: '-5' is not a whole number" },
		{ "engine", "update_interval", "1.5", "[engine] update_interval: '1.5' is not a whole number" },
		{ "engine", "act_retry_interval", "x", "[engine] act_retry_interval: 'x' is not a whole number" },
		{ "engine", "debug_level", "loud", "[engine] debug_level: is not a level" },
		{ "engine", "nosuch", "1", "[engine] nosuch: unknown key" },
	};
	char *before;
	size_t i;

	(void)state;
	tu_write_file(conf, base);
	before = tu_read_file(conf, NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(cli_conf_set(conf, bad[i].section, bad[i].key,
		    bad[i].value, err, sizeof(err)), -1);
		if (strstr(err, bad[i].msg) == NULL || strstr(err, conf) == NULL)
			fail_msg("%s=%s: got \"%s\", want \"%s\"", bad[i].key,
			    bad[i].value, err, bad[i].msg);
		assert_text(conf, before);
	}
	assert_int_equal(cli_conf_set_interval(conf, "0", err, sizeof(err)), -1);
	assert_text(conf, before);
	free(before);
}

static void
test_broken_file_refused(void **state)
{
	static const char broken[] = "[device]\nvendor = a\n[engine]\nbogus = 1\n";
	char want[PATH_MAX + 64];

	(void)state;
	tu_write_file(conf, broken);
	assert_int_equal(set("device", "model", "m"), -1);
	snprintf(want, sizeof(want), "%s:4: [engine] bogus: unknown key", conf);
	if (strstr(err, want) == NULL)
		fail_msg("got \"%s\"", err);
	assert_text(conf, broken);
}

static void
test_long_line_refused(void **state)
{
	char ua[CONF_STR_MAX];

	(void)state;
	tu_write_file(conf, base);
	memset(ua, 'x', 230);
	ua[230] = '\0';
	assert_int_equal(set("engine", "user_agent", ua), -1);
	assert_non_null(strstr(err, "[engine] user_agent: the line would be longer"));
	assert_text(conf, base);
}

/* ---- the file itself --------------------------------------------------- */

static void
test_mode_kept_and_new_file(void **state)
{
	struct stat st;
	char p[PATH_MAX];

	(void)state;
	tu_write_file(conf, base);
	assert_int_equal(chmod(conf, 0640), 0);
	assert_int_equal(set("device", "uuid", "u"), 0);
	assert_int_equal(stat(conf, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(chmod(conf, 0604), 0);
	assert_int_equal(set("device", "uuid", "v"), 0);
	assert_int_equal(stat(conf, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0604);
	/* a missing file is created, readable by its owner only */
	tu_path(p, sizeof(p), dir, "new.conf");
	assert_int_equal(cli_conf_set(p, "device", "vendor", "v", err, sizeof(err)), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, CLI_CONF_NEW_MODE);
	assert_text(p, "[device]\nvendor = v\n");
	/* no temporary file left beside it */
	{
		char cmd[PATH_MAX + 64];

		snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | wc -l) -eq 2", dir);
		assert_int_equal(system(cmd), 0);
	}
}

static void
test_symlink_followed(void **state)
{
	char real[PATH_MAX], link[PATH_MAX];
	struct stat st;

	(void)state;
	tu_path(real, sizeof(real), dir, "real.conf");
	tu_path(link, sizeof(link), dir, "link.conf");
	tu_write_file(real, "[device]\n");
	assert_int_equal(symlink(real, link), 0);
	assert_int_equal(cli_conf_set(link, "device", "uuid", "u", err, sizeof(err)), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_text(real, "[device]\nuuid = u\n");
}

/* ---- -t and netd's stored interval ------------------------------------ */

static void
test_interval_drops_stored(void **state)
{
	char text[PATH_MAX + 64], nd[PATH_MAX], iv[PATH_MAX + 32];
	struct gwe_config c;

	(void)state;
	tu_path(nd, sizeof(nd), dir, "state/netd");
	snprintf(text, sizeof(text), "[paths]\nstate_dir = %s/state\n", dir);
	tu_write_file(conf, text);
	snprintf(iv, sizeof(iv), "%s/state", dir);
	assert_int_equal(mkdir(iv, 0700), 0);
	assert_int_equal(mkdir(nd, 0700), 0);
	snprintf(iv, sizeof(iv), "%s/update_interval", nd);
	tu_write_file(iv, "60\n");
	/* refused: the stored value stays */
	assert_int_equal(cli_conf_set_interval(conf, "abc", err, sizeof(err)), -1);
	assert_int_equal(access(iv, F_OK), 0);
	assert_int_equal(cli_conf_set_interval(conf, "3600", err, sizeof(err)), 0);
	assert_int_equal(access(iv, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	load_ok(&c);
	assert_int_equal(c.update_interval, 3600);
	/* nothing stored: fine too */
	assert_int_equal(cli_conf_set_interval(conf, "7200", err, sizeof(err)), 0);
	load_ok(&c);
	assert_int_equal(c.update_interval, 7200);
}

/* ---- -g and -C ---------------------------------------------------------- */

static char *
capture(int (*fn)(FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(fn(fp), 0);
	fclose(fp);
	return buf;
}

static int
print_device(FILE *fp)
{
	return cli_conf_print_section(conf, "device", fp, err, sizeof(err));
}

static void
test_print_device(void **state)
{
	char *out;

	(void)state;
	tu_write_file(conf, base);
	out = capture(print_device);
	assert_string_equal(out,
	    "[device]\n"
	    "  cik = " CIK_A "   ; from the factory\n"
	    "vendor=acme\n"
	    "; model is set below by the installer\n");
	free(out);
	tu_write_file(conf, "[engine]\nlong_poll = yes\n");
	out = capture(print_device);
	assert_string_equal(out, "[device]\n");
	free(out);
	/* through a symbolic link, as the daemons read it */
	{
		char real[PATH_MAX];

		tu_path(real, sizeof(real), dir, "real.conf");
		tu_write_file(real, "[device]\nuuid = u\n\n");
		unlink(conf);
		assert_int_equal(symlink(real, conf), 0);
		out = capture(print_device);
		assert_string_equal(out, "[device]\nuuid = u\n");
		free(out);
	}
	unlink(conf);
	assert_int_equal(cli_conf_print_section(conf, "device", stdout, err,
	    sizeof(err)), -1);
}

static struct gwe_config cik_cfg;

static int
print_cik(FILE *fp)
{
	return cli_conf_cik(&cik_cfg, fp, err, sizeof(err));
}

static void
test_cik_sources(void **state)
{
	char nd[PATH_MAX], p[PATH_MAX + 16];
	char *out;

	(void)state;
	config_defaults(&cik_cfg);
	snprintf(cik_cfg.state_dir, sizeof(cik_cfg.state_dir), "%s", dir);
	/* nothing anywhere: '', as Gateway Engine prints it before activation */
	out = capture(print_cik);
	assert_string_equal(out, "''\n");
	free(out);
	/* the config's */
	gwe_strlcpy(cik_cfg.cik, CIK_A, sizeof(cik_cfg.cik));
	out = capture(print_cik);
	assert_string_equal(out, CIK_A "\n");
	free(out);
	/* netd's state wins */
	tu_path(nd, sizeof(nd), dir, "netd");
	assert_int_equal(mkdir(nd, 0700), 0);
	snprintf(p, sizeof(p), "%s/cik", nd);
	tu_write_file(p, CIK_B "\n");
	out = capture(print_cik);
	assert_string_equal(out, CIK_B "\n");
	free(out);
	/* a stored value netd would ignore: the config's, as netd does */
	tu_write_file(p, "garbage\033[2J\n");
	out = capture(print_cik);
	assert_string_equal(out, CIK_A "\n");
	free(out);
	/* not a regular file: an error, not a silent fallback, and no wait on a fifo */
	unlink(p);
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(cli_conf_cik(&cik_cfg, stdout, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/netd/cik"));
	unlink(p);
	assert_int_equal(symlink("/etc/hostname", p), 0);
	assert_int_equal(cli_conf_cik(&cik_cfg, stdout, err, sizeof(err)), -1);
	unlink(p);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(cli_conf_cik(&cik_cfg, stdout, err, sizeof(err)), -1);
}

/* ---- -a '': the key removed, everything else kept ------------------------ */

static void
test_unset_restores_default(void **state)
{
	struct gwe_config cfg;
	char def[CONF_STR_MAX];
	static const char two[] =
	    "[engine]\n"
	    "user_agent = acme/1 ; the vendor's\n"
	    "update_interval = 600\n"
	    "\n"
	    "[custom]\n"
	    "user_agent = not ours\n"
	    "[engine]\n"
	    "long_poll = true\n";

	(void)state;
	config_defaults(&cfg);
	gwe_strlcpy(def, cfg.user_agent, sizeof(def));
	tu_write_file(conf, two);
	assert_int_equal(cli_conf_unset(conf, "engine", "user_agent", err, sizeof(err)), 0);
	/* the line goes, inline comment and all; a foreign section's key stays */
	assert_text(conf,
	    "[engine]\n"
	    "update_interval = 600\n"
	    "\n"
	    "[custom]\n"
	    "user_agent = not ours\n"
	    "[engine]\n"
	    "long_poll = true\n");
	load_ok(&cfg);
	assert_string_equal(cfg.user_agent, def);
	assert_int_equal(cfg.update_interval, 600);
	/* again: nothing to remove, nothing changed */
	assert_int_equal(cli_conf_unset(conf, "engine", "user_agent", err, sizeof(err)), 0);
	load_ok(&cfg);
	assert_string_equal(cfg.user_agent, def);
	/* a file the daemons refuse is not edited */
	tu_write_file(conf, "[engine]\nuser_agent = a\nbogus = 1\n");
	assert_int_equal(cli_conf_unset(conf, "engine", "user_agent", err, sizeof(err)), -1);
	assert_text(conf, "[engine]\nuser_agent = a\nbogus = 1\n");
	/* a missing file stays missing */
	unlink(conf);
	assert_int_equal(cli_conf_unset(conf, "engine", "user_agent", err, sizeof(err)), 0);
	assert_int_equal(access(conf, F_OK), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_product_sets_both, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_keeps_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_key_to_section, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_section, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_values_and_crlf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_values_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_file_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_line_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode_kept_and_new_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interval_drops_stored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_print_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cik_sources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unset_restores_default, setup, teardown),
	};

	log_init("test_cli_conf", 1, LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
