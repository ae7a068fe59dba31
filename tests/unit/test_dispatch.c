/*
 * Every dispatch table against the routes of ipc/ipc_msg.c: each row is a
 * route to its process, and each route to that process from a peer the
 * table serves has exactly one row.  A message type added to the table in
 * ipc_msg.c without a handler, or a handler for a route that does not
 * exist, fails here rather than at run time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../ipc/ipc.h"
#include "../../daemons/installd/installd.h"
#include "../../daemons/netd/net_ctl.h"
#include "../../daemons/netd/net_vfy.h"
#include "../../daemons/verifyd/vfyd.h"
#include "../../ipc/ipc_send.h"

/* Every route from 'from' to 'self' in ipc_msg.c has a row in t. */
static void
assert_covers(const struct ipc_handler *t, size_t n, enum ipc_peer from, enum ipc_peer self)
{
	uint16_t type;

	for (type = 1; type < IPC_TYPE_MAX; type++) {
		if (!ipc_route_ok(type, from, self))
			continue;
		if (ipc_handler_find(t, n, from, type) == NULL)
			fail_msg("%s from %s to %s has no handler", ipc_type_name(type),
			    ipc_peer_name(from), ipc_peer_name(self));
	}
}

static void
assert_table(const struct ipc_handler *t, size_t n, enum ipc_peer self)
{
	char err[128];
	int p;

	assert_true(n > 0);
	if (ipc_handlers_check(t, n, self, err, sizeof(err)) == -1)
		fail_msg("%s: %s", ipc_peer_name(self), err);
	for (p = 0; p < PEER_COUNT; p++) {
		size_t i;

		for (i = 0; i < n && t[i].from != (enum ipc_peer)p; i++)
			;
		if (i < n)
			assert_covers(t, n, (enum ipc_peer)p, self);
	}
}

/* Each process's table, and the process it serves. */
struct table {
	const struct ipc_handler *t;
	const size_t *n;
	enum ipc_peer self;
};
static const struct table installd = { ins_handlers, &ins_nhandlers, PEER_INSTALLD };
static const struct table verifyd = { vfyd_handlers, &vfyd_nhandlers, PEER_VERIFYD };
static const struct table netd_ctl = { net_ctl_handlers, &net_ctl_nhandlers, PEER_NETD };
static const struct table netd_vfy = { net_vfy_handlers, &net_vfy_nhandlers, PEER_NETD };

static void
test_table(void **state)
{
	const struct table *t = *state;

	assert_table(t->t, *t->n, t->self);
}

static int
h_dummy(void *ctx, struct ipc_msg *m)
{
	(void)ctx;
	(void)m;
	return 0;
}

/* The checker itself refuses a row that is not a route, a twice-listed row, a NULL handler. */
static void
test_checker_refuses(void **state)
{
	const struct ipc_handler not_route[] = { { PEER_CLI, IPC_INSTALL_REQ, h_dummy } };
	const struct ipc_handler twice[] = {
		{ PEER_VERIFYD, IPC_ACK, h_dummy }, { PEER_VERIFYD, IPC_ACK, h_dummy },
	};
	const struct ipc_handler null_fn[] = { { PEER_VERIFYD, IPC_ACK, NULL } };
	char err[128];

	(void)state;
	assert_int_equal(ipc_handlers_check(not_route, 1, PEER_INSTALLD, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a route"));
	assert_int_equal(ipc_handlers_check(twice, 2, PEER_INSTALLD, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(ipc_handlers_check(null_fn, 1, PEER_INSTALLD, err, sizeof(err)), -1);
	assert_int_equal(ipc_handlers_check(twice, 1, PEER_INSTALLD, err, sizeof(err)), 0);
	assert_ptr_equal(ipc_handler_find(twice, 2, PEER_VERIFYD, IPC_ACK), &twice[0]);
	assert_null(ipc_handler_find(twice, 2, PEER_NETD, IPC_ACK));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		{ "table_installd", test_table, NULL, NULL, (void *)&installd },
		{ "table_verifyd", test_table, NULL, NULL, (void *)&verifyd },
		{ "table_netd_ctl", test_table, NULL, NULL, (void *)&netd_ctl },
		{ "table_netd_vfy", test_table, NULL, NULL, (void *)&netd_vfy },
		cmocka_unit_test(test_checker_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
