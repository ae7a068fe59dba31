/* Unit tests for gwe-netd's state files, queue, reports and helpers (cmocka). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../common/config.h"
#include "../../common/log.h"
#include "../../daemons/netd/net_checkin.h"
#include "../../daemons/netd/net_report.h"
#include "../../daemons/netd/net_state.h"
#include "../../daemons/netd/net_vfy.h"
#include "testutil.h"
#include "../../ipc/ipc_send.h"

static struct gwe_config cfg;
static struct netd nd;
static char dir[64];

static int
setup(void **state)
{
	(void)state;
	if (tu_mkdtemp(dir, sizeof(dir), "gwe-netd-unit") == -1)
		return -1;
	config_defaults(&cfg);
	snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s", dir);
	return net_state_init(&nd, &cfg) == -1 ||
	    net_state_mkdirs(&nd, getuid(), getgid()) == -1 ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	return tu_rmtree(dir);
}

static void
test_dirs(void **state)
{
	char p[256];
	struct stat st;

	(void)state;
	snprintf(p, sizeof(p), "%s/netd/queue", dir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* Again, over the existing tree. */
	assert_int_equal(net_state_mkdirs(&nd, getuid(), getgid()), 0);
}

static void
test_queue_order(void **state)
{
	char name[64], *text;
	size_t len;

	(void)state;
	assert_int_equal(net_queue_count(&nd), 0);
	assert_int_equal(net_queue_oldest(&nd, name, sizeof(name), &text, &len), -1);
	assert_int_equal(net_queue_push(&nd, "first", 5, 7, 0), 0);
	assert_int_equal(net_queue_push(&nd, "second", 6, 7, 1), 0);
	assert_int_equal(net_queue_push(&nd, "third", 5, 0, 0), 0);
	assert_int_equal(net_queue_count(&nd), 3);
	assert_int_equal(net_queue_max_entry(&nd, 7), 1);
	assert_int_equal(net_queue_max_entry(&nd, 8), -1);
	assert_int_equal(net_queue_oldest(&nd, name, sizeof(name), &text, &len), 0);
	assert_string_equal(text, "first");
	assert_string_equal(name, "0000000000000001-7-0");
	free(text);
	assert_int_equal(net_queue_remove(&nd, name), 0);
	assert_int_equal(net_queue_oldest(&nd, name, sizeof(name), &text, &len), 0);
	assert_string_equal(text, "second");
	free(text);
	assert_int_equal(net_queue_remove(&nd, name), 0);
	/* Sequence numbers keep growing, so age order holds. */
	assert_int_equal(net_queue_push(&nd, "fourth", 6, 0, 0), 0);
	assert_int_equal(net_queue_oldest(&nd, name, sizeof(name), &text, &len), 0);
	assert_string_equal(text, "third");
	free(text);
	assert_int_equal(net_queue_remove(&nd, name), 0);
	assert_int_equal(net_queue_oldest(&nd, name, sizeof(name), &text, &len), 0);
	assert_string_equal(text, "fourth");
	assert_string_equal(name, "0000000000000004");
	free(text);
	assert_int_equal(net_queue_remove(&nd, name), 0);
	assert_int_equal(net_queue_count(&nd), 0);
}

static void
test_queue_ignores_strangers(void **state)
{
	char p[256], name[64], *text;
	size_t len;

	(void)state;
	tu_write_file(tu_path(p, sizeof(p), dir, "netd/queue/.tmp-junk"), "");
	tu_write_file(tu_path(p, sizeof(p), dir, "netd/queue/12x"), "");
	assert_int_equal(net_queue_count(&nd), 0);
	assert_int_equal(net_queue_oldest(&nd, name, sizeof(name), &text, &len), -1);
}

/* Invalid UTF-8 is repaired before it is queued; a refused entry goes to failed/. */
static void
test_queue_utf8_and_setaside(void **state)
{
	char p[256], name[64], *text;
	size_t len;
	struct stat st;

	(void)state;
	assert_int_equal(net_queue_push(&nd, "a\xff\0b", 4, 0, 0), 0);
	assert_int_equal(net_queue_oldest(&nd, name, sizeof(name), &text, &len), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(text, "a\xef\xbf\xbd\xef\xbf\xbd" "b", 8);
	free(text);
	assert_int_equal(net_queue_setaside(&nd, name), 0);
	assert_int_equal(net_queue_count(&nd), 0);
	snprintf(p, sizeof(p), "%s/netd/failed/%s.%lld", dir, name, (long long)time(NULL));
	if (stat(p, &st) == -1) {	/* the second may have turned */
		snprintf(p, sizeof(p), "%s/netd/failed/%s.%lld", dir, name,
		    (long long)time(NULL) - 1);
		assert_int_equal(stat(p, &st), 0);
	}
	assert_int_equal(st.st_size, 8);
	assert_int_equal(net_queue_setaside(&nd, name), -1);
}

/* What earlier tests set aside. */
static void
empty_failed(void)
{
	char p[256], f[512];
	struct dirent *de;
	DIR *d;

	tu_path(p, sizeof(p), dir, "netd/failed");
	assert_non_null(d = opendir(p));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.') {
			snprintf(f, sizeof(f), "%s/%s", p, de->d_name);
			assert_int_equal(unlink(f), 0);
		}
	closedir(d);
}

/* The queue and failed/ are capped: the oldest go, and the drops are counted. */
static void
test_queue_caps(void **state)
{
	char p[256], name[64], *text;
	uint64_t v;
	size_t len;
	unsigned i;

	(void)state;
	for (i = 0; i < NET_QUEUE_MAX + 4; i++)
		assert_int_equal(net_queue_push(&nd, "t", 1, 0, 0), 0);
	assert_int_equal(net_queue_count(&nd), NET_QUEUE_MAX);
	tu_path(p, sizeof(p), dir, "netd/dropped");
	assert_int_equal(net_kv_load(p, "queue", &v), 0);
	assert_int_equal(v, 4);
	/* The first four went; the fifth is now the oldest. */
	assert_int_equal(net_queue_oldest(&nd, name, sizeof(name), &text, &len), 0);
	free(text);
	assert_string_equal(name, "0000000000000005");
	empty_failed();
	for (i = 0; i < NET_FAILED_MAX + 2; i++) {
		if (i == 200)	/* room for the last ones, below the queue's cap */
			while (net_queue_count(&nd) < NET_FAILED_MAX + 2 - 200)
				assert_int_equal(net_queue_push(&nd, "u", 1, 0, 0), 0);
		assert_int_equal(net_queue_oldest(&nd, name, sizeof(name), &text, &len), 0);
		free(text);
		assert_int_equal(net_queue_setaside(&nd, name), 0);
	}
	assert_int_equal(net_kv_load(p, "failed", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(net_kv_load(p, "queue", &v), 0);
	assert_int_equal(v, 4);
	/* failed/ holds NET_FAILED_MAX: the two oldest set aside went. */
	tu_path(p, sizeof(p), dir, "netd/failed");
	{
		DIR *d = opendir(p);
		struct dirent *de;
		unsigned n = 0, oldest_seen = 0;

		assert_non_null(d);
		while ((de = readdir(d)) != NULL) {
			n += de->d_name[0] != '.';
			oldest_seen |= strncmp(de->d_name, "0000000000000005.", 17) == 0;
		}
		closedir(d);
		assert_int_equal(n, NET_FAILED_MAX);
		assert_int_equal(oldest_seen, 0);
	}
}

/* A missing state file and a damaged one are told apart. */
static void
test_kv_load(void **state)
{
	char p[256];
	uint64_t v = 7;

	(void)state;
	tu_path(p, sizeof(p), dir, "netd/kv");
	assert_int_equal(net_kv_load(p, "a", &v), NET_KV_MISSING);
	tu_write_file(p, "a=1\nb=x2\nc=3\nc=4\n");
	assert_int_equal(net_kv_load(p, "a", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(net_kv_load(p, "b", &v), NET_KV_BAD);
	assert_int_equal(net_kv_load(p, "c", &v), NET_KV_BAD);
	assert_int_equal(net_kv_load(p, "d", &v), NET_KV_BAD);
	assert_int_equal(net_kv_read(p, "b", &v), NET_KV_BAD);
	tu_write_file(p, "");
	assert_int_equal(net_kv_load(p, "a", &v), NET_KV_BAD);
}

static void
test_cik(void **state)
{
	char p[256];

	(void)state;
	assert_int_equal(net_cik_load(&nd), -1);
	strcpy(cfg.cik, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(net_cik_load(&nd), 0);
	assert_string_equal(nd.http.cik, cfg.cik);
	assert_int_equal(net_cik_store(&nd, "0123456789abcdef0123456789abcdef01234567"), 0);
	memset(nd.http.cik, 0, sizeof(nd.http.cik));
	assert_int_equal(net_cik_load(&nd), 0);
	assert_string_equal(nd.http.cik, "0123456789abcdef0123456789abcdef01234567");
	/* A damaged stored CIK falls back to the configuration. */
	tu_write_file(tu_path(p, sizeof(p), dir, "netd/cik"), "<html>");
	assert_int_equal(net_cik_load(&nd), 0);
	assert_string_equal(nd.http.cik, cfg.cik);
	cfg.cik[0] = '\0';
}

static void
test_interval(void **state)
{
	char p[256];

	(void)state;
	nd.interval = 43200;
	assert_int_equal(net_interval_load(&nd), -1);
	assert_int_equal(net_interval_store(&nd, 60), 0);
	nd.interval = 1;
	assert_int_equal(net_interval_load(&nd), 0);
	assert_int_equal(nd.interval, 60);
	tu_write_file(tu_path(p, sizeof(p), dir, "netd/update_interval"), "-3\n");
	assert_int_equal(net_interval_load(&nd), 0);
	assert_int_equal(nd.interval, 60);
}

static void
test_jobseq(void **state)
{
	uint64_t a, b;

	(void)state;
	a = net_jobseq_next(&nd);
	b = net_jobseq_next(&nd);
	assert_true(b == a + 1);
}

static void
test_usage(void **state)
{
	(void)state;
	memset(&nd.http.usage, 0, sizeof(nd.http.usage));
	nd.http.usage.sent[NK_DOWNLOAD] = 12345;
	nd.http.usage.requests[NK_LONGPOLL] = 7;
	net_usage_store(&nd);
	memset(&nd.http.usage, 0, sizeof(nd.http.usage));
	net_usage_load(&nd);
	assert_int_equal(nd.http.usage.sent[NK_DOWNLOAD], 12345);
	assert_int_equal(nd.http.usage.requests[NK_LONGPOLL], 7);
	assert_int_equal(nd.http.usage.received[NK_CHECKIN], 0);
}

static void
test_report_due(void **state)
{
	struct net_report r = { .alias = "device_info", .fp = 42 };
	time_t now = 1700000000;

	(void)state;
	assert_true(net_report_due(&nd, &r, now));
	net_report_written(&nd, &r, now);
	assert_false(net_report_due(&nd, &r, now + 10));
	assert_true(net_report_due(&nd, &r, now + NET_REPORT_MAX_AGE));
	r.fp = 43;
	assert_true(net_report_due(&nd, &r, now + 10));
	/* The clock went backwards: write again rather than wait. */
	r.fp = 42;
	assert_true(net_report_due(&nd, &r, now - 100));
}

static void
test_reports_json(void **state)
{
	static struct net_apps apps;
	struct net_report r;

	(void)state;
	assert_int_equal(net_report_device_info(&nd, &r), 0);
	assert_non_null(strstr(r.json, "\"uname\":\"Linux"));
	assert_non_null(strstr(r.json, "\"ipaddrs\":["));
	assert_non_null(strstr(r.json, "Mem:"));
	assert_non_null(strstr(r.json, "1K-blocks"));
	net_report_free(&r);
	nd.http.usage.requests[NK_CHECKIN] = 3;
	nd.http.usage.sent[NK_CHECKIN] = 300;
	assert_int_equal(net_report_usage(&nd, &r), 0);
	assert_non_null(strstr(r.json, "\"checkin\":{\"tot_rx\":0,\"max_rx\":0,\"tot_tx\":300,"
	    "\"max_tx\":0,\"num\":3}"));
	assert_non_null(strstr(r.json, "\"interfaces\":{\"by_interface\":{"));
	net_report_free(&r);
	apps.n = 1;
	strcpy(apps.e[0].app, "modbus_bridge");
	strcpy(apps.e[0].version, "1.4.2");
	apps.e[0].status = IPC_ST_INSTALLED;
	apps.e[0].installed_at = (uint64_t)time(NULL);
	assert_int_equal(net_report_engine(&nd, &apps, &r), 0);
	assert_non_null(strstr(r.json, "{\"apps\":[{\"modbus_bridge\":{\"version\":\"1.4.2\","
	    "\"status\":\"installed\",\"exitstatus\":0,\"uptime\":"));
	net_report_free(&r);
}

static void
test_text_free(void **state)
{
	const char *mi = "MemTotal:       1000 kB\nMemFree:         100 kB\n"
	    "MemAvailable:    600 kB\nBuffers:          50 kB\nCached:          200 kB\n"
	    "SwapTotal:       10 kB\nSwapFree:         4 kB\nShmem:   7 kB\n";
	char out[512];

	(void)state;
	assert_int_equal(net_text_free(mi, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "Mem:"));
	assert_non_null(strstr(out, " 1000 "));
	assert_non_null(strstr(out, " 650"));	/* used = 1000 - 100 - 250 */
	assert_non_null(strstr(out, "Swap:"));
	assert_int_equal(net_text_free("garbage", out, sizeof(out)), -1);
}

static void
test_result_text(void **state)
{
	static struct ipc_result res;
	char out[128];

	(void)state;
	strcpy(res.name, "a.v1.tar.gz");
	res.status = IPC_ST_REFUSED;
	net_result_text(&res, out, sizeof(out));
	assert_string_equal(out, "gwe: a.v1.tar.gz: refused");
	res.status = 99;
	net_result_text(&res, out, sizeof(out));
	assert_string_equal(out, "gwe: a.v1.tar.gz: unknown");
	memcpy(res.output, "hello", 5);
	res.output_len = 5;
	net_result_text(&res, out, sizeof(out));
	assert_string_equal(out, "hello");
	net_result_text(&res, out, 3);
	assert_string_equal(out, "he");
}

static void
test_memfd(void **state)
{
	char p[256], err[128], buf[6];
	uint64_t size;
	int src, fd;

	(void)state;
	tu_write_file(tu_path(p, sizeof(p), dir, "src"), "abcdef");
	assert_true((src = open(p, O_RDONLY)) >= 0);
	assert_true((fd = ipc_memfd_copy(src, 6, "t", err, sizeof(err))) >= 0);
	assert_int_equal(ipc_memfd_check(fd, 6, &size, err, sizeof(err)), 0);
	assert_int_equal(ipc_pread_full(fd, buf, 6, 0), 0);
	assert_memory_equal(buf, "abcdef", 6);
	close(fd);
	/* A source shorter than announced fails. */
	assert_int_equal(ipc_memfd_copy(src, 10, "t", err, sizeof(err)), -1);
	close(src);
}

static void
test_serial(void **state)
{
	struct gwe_config c;
	char sn[64];

	(void)state;
	config_defaults(&c);
	strcpy(c.uuid, "SN-1");
	assert_int_equal(net_serial(&c, sn, sizeof(sn)), 0);
	assert_string_equal(sn, "SN-1");
	c.uuid[0] = '\0';
	assert_int_equal(net_serial(&c, sn, sizeof(sn)), -1);
	strcpy(c.iface, "no-such-if0");
	assert_int_equal(net_serial(&c, sn, sizeof(sn)), -1);
	strcpy(c.iface, "lo");
	if (access("/sys/class/net/lo/address", R_OK) == 0) {
		assert_int_equal(net_serial(&c, sn, sizeof(sn)), 0);
		assert_string_equal(sn, "00:00:00:00:00:00");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dirs),
		cmocka_unit_test(test_queue_order),
		cmocka_unit_test(test_queue_ignores_strangers),
		cmocka_unit_test(test_queue_utf8_and_setaside),
		cmocka_unit_test(test_queue_caps),
		cmocka_unit_test(test_kv_load),
		cmocka_unit_test(test_cik),
		cmocka_unit_test(test_interval),
		cmocka_unit_test(test_jobseq),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_report_due),
		cmocka_unit_test(test_reports_json),
		cmocka_unit_test(test_text_free),
		cmocka_unit_test(test_result_text),
		cmocka_unit_test(test_memfd),
		cmocka_unit_test(test_serial),
	};

	log_init("test_net_state", 0, LOG_LVL_ERR);
	return cmocka_run_group_tests_name("net_state", tests, setup, teardown);
}
