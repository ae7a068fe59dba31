/* Unit tests for gwe-netd's check-in backoff (cmocka). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../../daemons/netd/net_backoff.h"

static void
test_backoff_max(void **state)
{
	/* failures, interval, the bound expected */
	static const struct { unsigned f; uint64_t interval, want; } t[] = {
		/* The default interval: 5, 10, 20, ... up to 43200. */
		{ 1, 43200, 5 }, { 2, 43200, 10 }, { 3, 43200, 20 }, { 14, 43200, 40960 },
		{ 15, 43200, 43200 }, { 1000, 43200, 43200 },
		/* A short interval starts lower: 2, 4, 8, 8. */
		{ 1, 8, 2 }, { 2, 8, 4 }, { 3, 8, 8 }, { 4, 8, 8 }, { 1, 1, 1 }, { 9, 1, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(net_backoff_max(t[i].f, t[i].interval), t[i].want);
}

static void
test_backoff_jitter(void **state)
{
	uint64_t a[64], d, m;
	unsigned f, i;

	(void)state;
	net_backoff_seed(42);
	for (i = 0; i < 64; i++) {
		f = i % 20 + 1;
		d = a[i] = net_backoff(f, 600);
		m = net_backoff_max(f, 600);
		assert_true(d >= m / 2 && d <= m && d >= 1);
	}
	/* The same seed, the same sequence. */
	net_backoff_seed(42);
	for (i = 0; i < 64; i++)
		assert_int_equal(net_backoff(i % 20 + 1, 600), a[i]);
	/* Consecutive steps never shrink while under the cap: [d/2, d] then [d, 2d]. */
	net_backoff_seed(7);
	for (i = 0; i < 200; i++) {
		uint64_t x = net_backoff(2, 3600), y = net_backoff(3, 3600);

		assert_true(x <= y);
	}
}

/*
 * A long-poll that keeps failing backs off at most NET_LONGPOLL_BACKOFF_MAX
 * whatever the interval (a fleet back from an outage within that window),
 * and never longer than a shorter interval; the sub-second offset stays
 * under a second.
 */
static void
test_longpoll_cap(void **state)
{
	uint64_t d, most = 0;
	unsigned f;

	(void)state;
	net_backoff_seed(9);
	for (f = 1; f <= 1000; f++) {
		d = net_longpoll_backoff(f, 43200);
		assert_true(d >= 1 && d <= NET_LONGPOLL_BACKOFF_MAX);
		if (d > most)
			most = d;
		assert_true(net_longpoll_backoff(f, 30) <= 30);
		assert_true(net_backoff_ms() < 1000);
	}
	assert_true(most > NET_LONGPOLL_BACKOFF_MAX / 2);	/* it does reach the cap's range */
	assert_int_equal(net_backoff_max(1000, 43200), 43200);	/* check-ins keep theirs */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_max),
		cmocka_unit_test(test_backoff_jitter),
		cmocka_unit_test(test_longpoll_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
