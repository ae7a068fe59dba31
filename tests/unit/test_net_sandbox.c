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
#include "../../ipc/ipc.h"
#include "../../daemons/netd/net_sandbox.h"
#include "../../daemons/netd/net_seccomp.h"
#include "../../ipc/ipc_send.h"

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

/* A download becomes a sealed memfd (copy_file_range fails, pread and write do it). */
static int
do_memfd_copy(void)
{
	char err[128], buf[3];
	int src, fd;

	if ((src = ipc_memfd_create("src")) == -1 || write(src, "abc", 3) != 3 ||
	    (fd = ipc_memfd_copy(src, 3, "copy", err, sizeof(err))) == -1)
		return 14;
	if (ipc_memfd_check(fd, 3, NULL, err, sizeof(err)) == -1 ||
	    ipc_pread_full(fd, buf, 3, 0) == -1 || memcmp(buf, "abc", 3) != 0)
		return 15;
	close(fd);
	close(src);
	return 0;
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
	return do_memfd_copy();
}

/* The child ended with exit status 0. */
static void
assert_exit0(int st)
{
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* What a probe does under the filter (the test's state). */
struct probe {
	int	(*fn)(void);
};
static struct probe p_exec = { do_exec }, p_fork = { do_fork }, p_packet = { do_packet };

/* The probe in *state is killed by SIGSYS: execve, a fork, a packet socket. */
static void
test_killed(void **state)
{
	const struct probe *p = *state;
	int st;

	st = in_filter(p->fn);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

static void
test_threads_sockets_files_allowed(void **state)
{
	(void)state;
	assert_exit0(in_filter(do_allowed));
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
	assert_exit0(st);
}

/* A test of its own name that runs test_killed on probe p. */
#define KILLED(name, p)	{ #name, test_killed, NULL, NULL, &(p) }

int
main(void)
{
	const struct CMUnitTest tests[] = {
		KILLED(test_exec_killed, p_exec),
		KILLED(test_fork_killed, p_fork),
		KILLED(test_packet_socket_killed, p_packet),
		cmocka_unit_test(test_threads_sockets_files_allowed),
		cmocka_unit_test(test_landlock_confines_writes),
	};

	return cmocka_run_group_tests_name("net_sandbox", tests, NULL, NULL);
}
