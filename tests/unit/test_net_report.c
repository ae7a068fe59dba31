/*
 * Unit tests for usage_report and engine_report (cmocka), read the way the
 * dashboards written for Gateway Engine read them (docs/design.md section 5):
 * usage_report three levels down to rows of five numbers, engine_report
 * "apps" as a list of one-key objects.  Both bounded in size.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "../../daemons/netd/net_report.h"
#include "../../daemons/netd/net_state.h"

#define ROWS_MAX	64

static const char *leaf_keys[] = { "tot_rx", "max_rx", "tot_tx", "max_tx", "num" };

/* A /proc/net/dev of three interfaces, with the two header lines. */
static void
netdev3(char *out, size_t len, unsigned long long eth_rx, unsigned long long eth_tx)
{
	snprintf(out, len,
	    "Inter-|   Receive                            |  Transmit\n"
	    " face |bytes    packets errs drop fifo frame compressed multicast|bytes packets\n"
	    "    lo: 500 5 0 0 0 0 0 0 500 5 0 0 0 0 0 0\n"
	    "  eth0: %llu 10 0 0 0 0 0 0 %llu 7 0 0 0 0 0 0\n"
	    " wwan0: 9 1 0 0 0 0 0 0 8 2 0 0 0 0 0 0\n", eth_rx, eth_tx);
}

static struct json_object *
build(const struct net_usage *u, const char *netdev, struct net_usage_peaks *pk)
{
	struct net_report r;
	struct json_object *o;
	char *copy = netdev != NULL ? strdup(netdev) : NULL;

	assert_int_equal(net_usage_build(u, copy, pk, &r), 0);
	free(copy);
	assert_string_equal(r.alias, "usage_report");
	assert_true(strlen(r.json) <= NET_USAGE_JSON_MAX);
	o = json_tokener_parse(r.json);
	assert_non_null(o);
	net_report_free(&r);
	return o;
}

/*
 * The dashboards' walk: each key of the top, each key under it, each key
 * under that longer than two characters names a row whose value has numeric
 * tot_rx, max_rx, tot_tx, max_tx and num.  The rows' names, in order.
 */
static size_t
dashboard_rows(struct json_object *top, char rows[][32])
{
	size_t n = 0, i;

	assert_true(json_object_is_type(top, json_type_object));
	json_object_object_foreach(top, k1, l1) {
		(void)k1;
		assert_true(json_object_is_type(l1, json_type_object));
		json_object_object_foreach(l1, k2, l2) {
			(void)k2;
			assert_true(json_object_is_type(l2, json_type_object));
			json_object_object_foreach(l2, k3, leaf) {
				if (strlen(k3) <= 2)
					continue;
				assert_true(json_object_is_type(leaf, json_type_object));
				for (i = 0; i < 5; i++) {
					struct json_object *v;

					assert_true(json_object_object_get_ex(leaf, leaf_keys[i], &v));
					assert_true(json_object_is_type(v, json_type_int));
				}
				assert_true(n < ROWS_MAX);
				snprintf(rows[n++], 32, "%s", k3);
			}
		}
	}
	return n;
}

/* The number at top.l1.l2.row.key. */
static uint64_t
at(struct json_object *top, const char *l1, const char *l2, const char *row, const char *key)
{
	struct json_object *a, *b, *c, *d;

	assert_true(json_object_object_get_ex(top, l1, &a));
	assert_true(json_object_object_get_ex(a, l2, &b));
	assert_true(json_object_object_get_ex(b, row, &c));
	assert_true(json_object_object_get_ex(c, key, &d));
	return json_object_get_uint64(d);
}

static void
test_usage_dashboard(void **state)
{
	static const char *want[] = { "activate", "checkin", "status", "download", "longpoll",
	    NET_USAGE_ROW, "eth0", "wwan0" };
	struct net_usage_peaks pk;
	struct net_usage u;
	struct json_object *o;
	char netdev[1024], rows[ROWS_MAX][32];
	size_t n, i;

	(void)state;
	memset(&pk, 0, sizeof(pk));
	memset(&u, 0, sizeof(u));
	u.requests[NK_CHECKIN] = 3;
	u.sent[NK_CHECKIN] = 300;
	u.received[NK_CHECKIN] = 900;
	u.requests[NK_DOWNLOAD] = 1;
	u.received[NK_DOWNLOAD] = 5000;
	netdev3(netdev, sizeof(netdev), 123456, 654321);
	o = build(&u, netdev, &pk);
	n = dashboard_rows(o, rows);
	/* lo is two characters: the dashboards skip it, the report keeps it. */
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < n; i++)
		assert_string_equal(rows[i], want[i]);
	assert_int_equal(at(o, "interfaces", "by_interface", "lo", "num"), 10);
	assert_int_equal(at(o, "engine", "by_kind", "checkin", "tot_tx"), 300);
	assert_int_equal(at(o, "engine", "by_kind", "checkin", "tot_rx"), 900);
	assert_int_equal(at(o, "engine", "by_kind", "checkin", "num"), 3);
	assert_int_equal(at(o, "engine", "total", NET_USAGE_ROW, "tot_rx"), 5900);
	assert_int_equal(at(o, "engine", "total", NET_USAGE_ROW, "tot_tx"), 300);
	assert_int_equal(at(o, "engine", "total", NET_USAGE_ROW, "num"), 4);
	assert_int_equal(at(o, "interfaces", "by_interface", "eth0", "tot_rx"), 123456);
	assert_int_equal(at(o, "interfaces", "by_interface", "eth0", "tot_tx"), 654321);
	assert_int_equal(at(o, "interfaces", "by_interface", "eth0", "num"), 17);
	/* Nothing measured yet: one build has no interval behind it. */
	assert_int_equal(at(o, "engine", "by_kind", "checkin", "max_rx"), 0);
	assert_int_equal(at(o, "interfaces", "by_interface", "eth0", "max_tx"), 0);
	json_object_put(o);
	/* Without /proc/net/dev: the engine's rows, an empty group of interfaces. */
	o = build(&u, NULL, &pk);
	assert_int_equal(dashboard_rows(o, rows), 6);
	json_object_put(o);
}

/* max_*: the most a counter grew between two builds, since the first. */
static void
test_usage_peaks(void **state)
{
	struct net_usage_peaks pk;
	struct net_usage u;
	struct json_object *o;
	char netdev[1024];

	(void)state;
	memset(&pk, 0, sizeof(pk));
	memset(&u, 0, sizeof(u));
	u.received[NK_CHECKIN] = 1000;
	netdev3(netdev, sizeof(netdev), 10000, 20000);
	json_object_put(build(&u, netdev, &pk));
	u.received[NK_CHECKIN] += 700;
	u.sent[NK_CHECKIN] += 50;
	netdev3(netdev, sizeof(netdev), 15000, 20100);
	json_object_put(build(&u, netdev, &pk));
	u.received[NK_CHECKIN] += 200;
	netdev3(netdev, sizeof(netdev), 400, 20200);	/* eth0 made again: from 0 */
	o = build(&u, netdev, &pk);
	assert_int_equal(at(o, "engine", "by_kind", "checkin", "tot_rx"), 1900);
	assert_int_equal(at(o, "engine", "by_kind", "checkin", "max_rx"), 700);
	assert_int_equal(at(o, "engine", "by_kind", "checkin", "max_tx"), 50);
	assert_int_equal(at(o, "engine", "total", NET_USAGE_ROW, "max_rx"), 700);
	assert_int_equal(at(o, "interfaces", "by_interface", "eth0", "max_rx"), 5000);
	assert_int_equal(at(o, "interfaces", "by_interface", "eth0", "max_tx"), 100);
	json_object_put(o);
	netdev3(netdev, sizeof(netdev), 9400, 20200);
	o = build(&u, netdev, &pk);
	assert_int_equal(at(o, "interfaces", "by_interface", "eth0", "max_rx"), 9000);
	json_object_put(o);
}

/* NET_USAGE_IFACES_MAX + 8 interfaces of 16-byte names JSON must escape, counters at v. */
static void
netdev_many(char *out, size_t len, unsigned long long v)
{
	size_t off = 0;
	int i;

	for (i = 0; i < NET_USAGE_IFACES_MAX + 8 && off < len; i++)
		off += (size_t)snprintf(out + off, len - off,
		    "\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0e\x0f\x10\x11\x12%02d: "
		    "%llu %llu 0 0 0 0 0 0 %llu %llu 0 0 0 0 0 0\n", i, v, v, v, v);
}

/*
 * The largest report there can be: every counter and every peak at its
 * maximum, more interfaces than are reported, each name all escapes.
 */
static void
test_usage_bounded(void **state)
{
	static char netdev[64 * 1024];
	struct net_usage_peaks pk;
	struct net_usage u;
	struct net_report r;
	struct json_object *o, *a, *b;

	(void)state;
	memset(&pk, 0, sizeof(pk));
	memset(&u, 0, sizeof(u));
	netdev_many(netdev, sizeof(netdev), 0);
	assert_int_equal(net_usage_build(&u, netdev, &pk, &r), 0);
	net_report_free(&r);
	memset(&u, 0xff, sizeof(u));
	netdev_many(netdev, sizeof(netdev), ~0ULL);
	assert_int_equal(net_usage_build(&u, netdev, &pk, &r), 0);
	print_message("# usage_report at its largest: %zu bytes\n", strlen(r.json));
	assert_true(strlen(r.json) <= NET_USAGE_JSON_MAX);
	o = json_tokener_parse(r.json);
	assert_non_null(o);
	assert_int_equal(at(o, "engine", "by_kind", "checkin", "max_rx"), UINT64_MAX);
	assert_true(json_object_object_get_ex(o, "interfaces", &a));
	assert_true(json_object_object_get_ex(a, "by_interface", &b));
	assert_int_equal(json_object_object_length(b), NET_USAGE_IFACES_MAX);
	json_object_put(o);
	net_report_free(&r);
}

/*
 * engine_report keeps its shape: "apps" a list of one-key objects, each the
 * app's version, status, exitstatus and uptime; the largest within bounds.
 */
static void
test_engine_dashboard(void **state)
{
	static const char *fields[] = { "exitstatus", "status", "uptime", "version" };
	static struct net_apps apps;
	static struct netd nd;
	struct net_report r;
	struct json_object *o, *arr, *v;
	size_t i, j;

	(void)state;
	apps.n = NET_APPS_MAX;
	for (i = 0; i < apps.n; i++) {
		memset(apps.e[i].app, 'a', IPC_APP_LEN - 1);
		snprintf(apps.e[i].app + IPC_APP_LEN - 4, 4, "%03u", (unsigned)(i % 1000));
		memset(apps.e[i].version, '9', IPC_VER_LEN - 1);
		apps.e[i].status = IPC_ST_INSTALLED;
		apps.e[i].exit_code = INT32_MIN;
		apps.e[i].installed_at = 1;
	}
	nd.interval = UINT64_MAX;
	nd.last_ok = INT64_MAX;
	assert_int_equal(net_report_engine(&nd, &apps, &r), 0);
	print_message("# engine_report at its largest: %zu bytes\n", strlen(r.json));
	assert_true(strlen(r.json) <= NET_ENGINE_JSON_MAX);
	o = json_tokener_parse(r.json);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "apps", &arr));
	assert_true(json_object_is_type(arr, json_type_array));
	assert_int_equal(json_object_array_length(arr), NET_APPS_MAX);
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *one = json_object_array_get_idx(arr, i);

		assert_int_equal(json_object_object_length(one), 1);
		json_object_object_foreach(one, name, app) {
			assert_int_equal(strlen(name), IPC_APP_LEN - 1);
			for (j = 0; j < 4; j++)
				assert_true(json_object_object_get_ex(app, fields[j], &v));
		}
	}
	assert_true(json_object_object_get_ex(o, "engine_version", &v));
	assert_true(json_object_object_get_ex(o, "update_interval", &v));
	assert_true(json_object_object_get_ex(o, "last_checkin", &v));
	json_object_put(o);
	net_report_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usage_dashboard),
		cmocka_unit_test(test_usage_peaks),
		cmocka_unit_test(test_usage_bounded),
		cmocka_unit_test(test_engine_dashboard),
	};

	/* Nothing here logs: no log_init. */
	return cmocka_run_group_tests_name("net_report", tests, NULL, NULL);
}
