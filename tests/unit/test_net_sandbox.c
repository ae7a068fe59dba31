/*
 * gwe-netd's sandbox pieces, each tried in a child: the seccomp filter
 * kills execve, fork and odd socket families but lets threads, sockets
 * and files work; Landlock confines writes to the state directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../common/priv.h"
#include "../../daemons/netd/net_sandbox.h"
#include "../../daemons/netd/net_seccomp.h"

/* Run fn in a child under the filter; return its wait status. */
static int
in_filter(int (*fn)(void))
{
	char err[256];
	pid_t pid;
	int st;

	if ((pid = fork()) == 0) {
		if (priv_no_new_privs() == -1 || net_seccomp_apply(0, err, sizeof(err)) == -1)
			_exit(100);
		_exit(fn());
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static int
do_exec(void)
{
	char *argv[] = { "/bin/true", NULL };

	execv("/bin/true", argv);
	return 3;
}

static int
do_fork(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	return 4;
}

static int
do_packet(void)
{
	(void)socket(AF_PACKET, SOCK_RAW, 0);
	return 5;
}

static void *
thread_fn(void *arg)
{
	return arg;
}

static int
do_allowed(void)
{
	pthread_t t;
	void *ret = NULL;
	int fd;

	if (pthread_create(&t, NULL, thread_fn, (void *)7) != 0 || pthread_join(t, &ret) != 0 ||
	    ret != (void *)7)
		return 10;
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return 11;
	close(fd);
	if ((fd = socket(AF_NETLINK, SOCK_RAW, 0)) == -1)
		return 12;
	close(fd);
	if ((fd = open("/etc/hostname", O_RDONLY)) == -1 && errno != ENOENT)
		return 13;
	if (fd >= 0)
		close(fd);
	return 0;
}

static void
test_exec_killed(void **state)
{
	int st;

	(void)state;
	st = in_filter(do_exec);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

static void
test_fork_killed(void **state)
{
	int st;

	(void)state;
	st = in_filter(do_fork);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

static void
test_packet_socket_killed(void **state)
{
	int st;

	(void)state;
	st = in_filter(do_packet);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

static void
test_threads_sockets_files_allowed(void **state)
{
	int st;

	(void)state;
	st = in_filter(do_allowed);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void
test_landlock_confines_writes(void **state)
{
	char dir[] = "/tmp/gwe-netd-ll.XXXXXX", in[64], out[64], err[256], cmd[160];
	pid_t pid;
	int st, abi, fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(in, sizeof(in), "%s/inside", dir);
	snprintf(out, sizeof(out), "%s.outside", dir);
	if ((pid = fork()) == 0) {
		if (priv_no_new_privs() == -1)
			_exit(100);
		if ((abi = net_landlock(dir, err, sizeof(err))) == -1)
			_exit(101);
		if (abi == 0)
			_exit(0);	/* no Landlock here: nothing to test */
		if ((fd = open(in, O_WRONLY | O_CREAT, 0600)) == -1)
			_exit(102);
		close(fd);
		if (rename(in, out) != -1 || open(out, O_WRONLY | O_CREAT, 0600) != -1 ||
		    errno != EACCES)
			_exit(103);
		if (mkdir("/tmp/gwe-netd-ll-nope", 0700) != -1)
			_exit(104);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", dir, out);
	assert_int_equal(system(cmd), 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_killed),
		cmocka_unit_test(test_fork_killed),
		cmocka_unit_test(test_packet_socket_killed),
		cmocka_unit_test(test_threads_sockets_files_allowed),
		cmocka_unit_test(test_landlock_confines_writes),
	};

	return cmocka_run_group_tests_name("net_sandbox", tests, NULL, NULL);
}
