/*
 * The wire protocol: every type round-trips; every malformed message is
 * refused with a reason; fds are checked at the socket; peer uids are
 * checked; a client connecting through ipc_connect_as shows its service
 * uid to the server.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../ipc/ipc.h"
#include "../../ipc/ipc_send.h"

static uint8_t buf[IPC_MSG_MAX + 64];
static struct ipc_msg in, out;

/* Fill every field of a type with recognisable values. */
static void
fill(struct ipc_msg *m, uint16_t type)
{
	const struct ipc_def *d = ipc_def(type);
	uint8_t *st = (uint8_t *)&m->u;
	size_t i;

	ipc_init(m, type, 0x01020304);
	for (i = 0; i < d->nfields; i++) {
		const struct ipc_field *f = &d->fields[i];
		uint64_t v = 0x1122334455667788ULL + i;
		uint32_t v32 = (uint32_t)(0xA0B0C0D0u + i), len = 37;

		switch (f->kind) {
		case IK_U32:
		case IK_I32:
			memcpy(st + f->off, &v32, 4);
			break;
		case IK_U64:
			memcpy(st + f->off, &v, 8);
			break;
		case IK_STR:
			snprintf((char *)st + f->off, f->width, "%s-%zu", f->name, i);
			break;
		case IK_BYTES:
			memset(st + f->off, 0xAB, f->width);
			break;
		case IK_VAR:
			memcpy(st + f->len_off, &len, 4);
			memset(st + f->off, 'v', len);
			break;
		}
	}
	if (d->has_fd)
		m->fd = 0;	/* any valid number; not sent in the codec tests */
}

static ssize_t
encode(const struct ipc_msg *m)
{
	char err[256];
	ssize_t n = ipc_encode(m, buf, sizeof(buf), err, sizeof(err));

	if (n < 0)
		fail_msg("encode: %s", err);
	return n;
}

static void
test_table_consistent(void **state)
{
	uint16_t t;
	size_t i;

	(void)state;
	for (t = 1; t < IPC_TYPE_MAX; t++) {
		const struct ipc_def *d = ipc_def(t);
		uint32_t sum = 0;
		int nvar = 0;

		assert_non_null(d);
		assert_int_equal(d->type, t);
		for (i = 0; i < d->nfields; i++) {
			if (d->fields[i].kind == IK_VAR) {
				nvar++;
				assert_int_equal(i, d->nfields - 1);	/* always last */
				assert_int_equal(d->fields[i].width, d->var_max);
				sum += 4;
			} else
				sum += d->fields[i].width;
		}
		assert_int_equal(sum, d->fixed_len);
		assert_int_equal(nvar, d->var_max != 0);
		assert_true(d->routes != 0);
		assert_true(IPC_HDR_LEN + d->fixed_len + d->var_max <= IPC_MSG_MAX);
	}
	assert_null(ipc_def(0));
	assert_null(ipc_def(IPC_TYPE_MAX));
}

static void
test_roundtrip_all(void **state)
{
	char err[256];
	uint16_t t;
	ssize_t n;

	(void)state;
	for (t = 1; t < IPC_TYPE_MAX; t++) {
		const struct ipc_def *d = ipc_def(t);

		fill(&out, t);
		n = encode(&out);
		assert_int_equal(n, IPC_HDR_LEN + d->fixed_len + (d->var_max ? 37 : 0));
		if (ipc_decode(buf, (size_t)n, d->has_fd, &in, err, sizeof(err)) != 0)
			fail_msg("%s: %s", d->name, err);
		assert_int_equal(in.hdr.type, t);
		assert_int_equal(in.hdr.seq, 0x01020304);
		assert_int_equal(in.hdr.version, IPC_VERSION);
		assert_memory_equal(&in.u, &out.u, sizeof(in.u));
	}
}

static void
test_little_endian(void **state)
{
	(void)state;
	ipc_init(&out, IPC_ACK, 0xAABBCCDD);
	out.u.ack.job = 0x0102030405060708ULL;
	assert_int_equal(encode(&out), IPC_HDR_LEN + 8);
	/* header: version 1, type ACK, flags 0, len 8, seq */
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[1], 0);
	assert_int_equal(buf[2], IPC_ACK);
	assert_int_equal(buf[8], 8);
	assert_int_equal(buf[12], 0xDD);
	assert_int_equal(buf[15], 0xAA);
	assert_int_equal(buf[16], 0x08);
	assert_int_equal(buf[23], 0x01);
}

/* Decode must fail and name the cause. */
static void
refused(size_t len, int nfds, const char *want)
{
	char err[256] = "";

	assert_int_equal(ipc_decode(buf, len, nfds, &in, err, sizeof(err)), -1);
	if (strstr(err, want) == NULL)
		fail_msg("reason \"%s\" does not mention \"%s\"", err, want);
}

/* An ACK encoded into buf; its length. */
static ssize_t
encoded_ack(void)
{
	fill(&out, IPC_ACK);
	return encode(&out);
}

static void
test_refuse_short_long_trailing(void **state)
{
	ssize_t n;

	(void)state;
	n = encoded_ack();
	refused(5, 0, "shorter than a header");
	refused((size_t)n - 1, 0, "header says");
	/* trailing byte, header unchanged */
	buf[n] = 0;
	refused((size_t)n + 1, 0, "header says");
	/* header and body agree, but the type's length is fixed */
	buf[8] = 9;
	refused((size_t)n + 1, 0, "must be 8");
	buf[8] = 7;
	refused((size_t)n - 1, 0, "must be 8");
	refused(IPC_MSG_MAX + 1, 0, "too long");
}

static void
test_refuse_version_type_flags(void **state)
{
	ssize_t n;

	(void)state;
	n = encoded_ack();
	buf[0] = 2;
	refused((size_t)n, 0, "protocol version 2");
	buf[0] = 1;
	buf[2] = 0;
	refused((size_t)n, 0, "unknown message type 0");
	buf[2] = IPC_TYPE_MAX;
	refused((size_t)n, 0, "unknown message type");
	buf[2] = 0xff;
	buf[3] = 0xff;
	refused((size_t)n, 0, "unknown message type 65535");
	buf[2] = IPC_ACK;
	buf[3] = 0;
	buf[4] = 0x80;
	refused((size_t)n, 0, "unknown flags");
}

static void
test_refuse_fd_rules(void **state)
{
	ssize_t n;

	(void)state;
	fill(&out, IPC_ACK);
	n = encode(&out);
	refused((size_t)n, 1, "fd where none belongs");
	buf[4] = IPC_F_FD;
	refused((size_t)n, 0, "fd where none belongs");
	fill(&out, IPC_VERIFY_REQ);
	n = encode(&out);
	refused((size_t)n, 0, "missing its fd");
	refused((size_t)n, 2, "at most one");
	buf[4] = 0;
	refused((size_t)n, 1, "missing its fd");
}

static void
test_refuse_var_lengths(void **state)
{
	const struct ipc_def *d = ipc_def(IPC_RESULT);
	ssize_t n;
	uint32_t v;

	(void)state;
	fill(&out, IPC_RESULT);
	n = encode(&out);
	/* stated variable length one more than present */
	v = 38;
	memcpy(buf + IPC_HDR_LEN + d->fixed_len - 4, &v, 4);
	refused((size_t)n, 0, "must be");
	/* over the maximum */
	v = IPC_OUTPUT_MAX + 1;
	memcpy(buf + IPC_HDR_LEN + d->fixed_len - 4, &v, 4);
	refused((size_t)n, 0, "exceeds");
	/* payload shorter than the fixed part */
	buf[8] = 10; buf[9] = 0; buf[10] = 0; buf[11] = 0;
	refused(IPC_HDR_LEN + 10, 0, "shorter than");
	/* encoder refuses an over-long variable part */
	fill(&out, IPC_RESULT);
	out.u.result.output_len = IPC_OUTPUT_MAX + 1;
	{
		char err[256];

		assert_int_equal(ipc_encode(&out, buf, sizeof(buf), err, sizeof(err)), -1);
		assert_non_null(strstr(err, "output"));
	}
}

static void
test_refuse_bad_strings(void **state)
{
	const struct ipc_def *d = ipc_def(IPC_ERROR);
	char err[256];
	ssize_t n;

	(void)state;
	fill(&out, IPC_ERROR);
	n = encode(&out);
	/* no NUL anywhere in the field */
	memset(buf + IPC_HDR_LEN + 4, 'x', IPC_TEXT_LEN);
	refused((size_t)n, 0, "ERROR.message");
	/* a NUL, then a non-zero byte: padding must be zeros */
	fill(&out, IPC_ERROR);
	n = encode(&out);
	buf[IPC_HDR_LEN + d->fixed_len - 1] = 'y';
	refused((size_t)n, 0, "zero-padded");
	/* the encoder refuses a string filling its field */
	fill(&out, IPC_ERROR);
	memset(out.u.error.message, 'z', IPC_TEXT_LEN);
	assert_int_equal(ipc_encode(&out, buf, sizeof(buf), err, sizeof(err)), -1);
	assert_int_equal(ipc_setstr(out.u.error.message, IPC_TEXT_LEN, "fits"), 0);
	{
		char big[IPC_TEXT_LEN + 1];

		memset(big, 'q', IPC_TEXT_LEN);
		big[IPC_TEXT_LEN] = '\0';
		assert_int_equal(ipc_setstr(out.u.error.message, IPC_TEXT_LEN, big), -1);
	}
}

static void
test_routes(void **state)
{
	(void)state;
	assert_true(ipc_route_ok(IPC_VERIFY_REQ, PEER_NETD, PEER_VERIFYD));
	assert_false(ipc_route_ok(IPC_VERIFY_REQ, PEER_CLI, PEER_VERIFYD));
	assert_false(ipc_route_ok(IPC_INSTALL_REQ, PEER_NETD, PEER_INSTALLD));
	assert_true(ipc_route_ok(IPC_INSTALL_REQ, PEER_VERIFYD, PEER_INSTALLD));
	assert_true(ipc_route_ok(IPC_RESULT, PEER_INSTALLD, PEER_VERIFYD));
	assert_false(ipc_route_ok(IPC_RESULT, PEER_VERIFYD, PEER_INSTALLD));
	assert_false(ipc_route_ok(IPC_CTL_INSTALL, PEER_VERIFYD, PEER_NETD));
	assert_false(ipc_route_ok(0, PEER_NETD, PEER_VERIFYD));
	assert_false(ipc_route_ok(IPC_ACK, PEER_COUNT, PEER_VERIFYD));
}

/* ---- over a real socket pair ---------------------------------------------- */

static int sv[2];

static int
setup_pair(void **state)
{
	(void)state;
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
}

static int
teardown_pair(void **state)
{
	(void)state;
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/* Send raw bytes with nfd copies of fd attached. */
static void
send_raw(const void *data, size_t len, int fd, int nfd)
{
	char cbuf[CMSG_SPACE(4 * sizeof(int))];
	struct msghdr msg;
	struct cmsghdr *cm;
	struct iovec iov = { (void *)data, len };
	int fds[4] = { fd, fd, fd, fd };

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfd > 0) {
		memset(cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(nfd * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfd * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfd * sizeof(int));
	}
	assert_int_equal(sendmsg(sv[0], &msg, 0), (ssize_t)len);
}

static int
count_open_fds(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 256; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

static void
test_sock_fd_roundtrip(void **state)
{
	char err[256];
	int mfd;
	uint64_t size;

	(void)state;
	mfd = ipc_memfd_create("test");
	assert_true(mfd >= 0);
	assert_int_equal(write(mfd, "hello", 5), 5);
	assert_int_equal(ipc_memfd_seal(mfd), 0);
	fill(&out, IPC_VERIFY_REQ);
	out.u.verify.size = 5;
	out.fd = mfd;
	assert_int_equal(ipc_send(sv[0], &out), 0);
	assert_int_equal(ipc_recv_from(sv[1], PEER_VERIFYD, PEER_NETD, &in, 1000,
	    err, sizeof(err)), 1);
	assert_true(in.fd >= 0);
	assert_int_not_equal(in.fd, mfd);
	assert_int_equal(ipc_memfd_check(in.fd, 5, &size, err, sizeof(err)), 0);
	assert_int_equal(size, 5);
	assert_int_equal(ipc_memfd_check(in.fd, 6, &size, err, sizeof(err)), -1);
	close(in.fd);
	close(mfd);
}

static void
test_sock_fd_where_none_belongs(void **state)
{
	char err[256];
	int before, fd;
	ssize_t n;

	(void)state;
	fill(&out, IPC_ACK);
	n = encode(&out);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	before = count_open_fds();
	send_raw(buf, (size_t)n, fd, 1);
	assert_int_equal(ipc_recv(sv[1], &in, 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "none belongs"));
	assert_int_equal(count_open_fds(), before);	/* stray fd closed */
	/* two fds with a type that takes one */
	fill(&out, IPC_VERIFY_REQ);
	out.fd = fd;
	n = encode(&out);
	send_raw(buf, (size_t)n, fd, 2);
	assert_int_equal(ipc_recv(sv[1], &in, 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at most one"));
	assert_int_equal(count_open_fds(), before);
	/* missing fd */
	send_raw(buf, (size_t)n, -1, 0);
	assert_int_equal(ipc_recv(sv[1], &in, 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "missing its fd"));
	close(fd);
}

static void
test_sock_too_long_and_timeout(void **state)
{
	static uint8_t big[IPC_MSG_MAX + 100];
	char err[256];

	(void)state;
	assert_int_equal(ipc_recv(sv[1], &in, 50, err, sizeof(err)), -2);
	memset(big, 0, sizeof(big));
	send_raw(big, sizeof(big), -1, 0);
	assert_int_equal(ipc_recv(sv[1], &in, 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "truncated"));
}

static void
test_sock_wrong_route(void **state)
{
	char err[256];

	(void)state;
	fill(&out, IPC_INSTALL_REQ);
	out.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_int_equal(ipc_send(sv[0], &out), 0);
	/* the verifier may not receive an install request from netd */
	assert_int_equal(ipc_recv_from(sv[1], PEER_VERIFYD, PEER_NETD, &in, 1000,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "may not be sent by netd"));
	assert_int_equal(in.fd, -1);
	close(out.fd);
}

static void
test_sock_eof(void **state)
{
	char err[256];

	(void)state;
	close(sv[0]);
	sv[0] = open("/dev/null", O_RDONLY);
	assert_int_equal(ipc_recv(sv[1], &in, 1000, err, sizeof(err)), 0);
}

static void
test_unsealed_memfd_refused(void **state)
{
	char err[256];
	int fd;

	(void)state;
	fd = ipc_memfd_create("x");
	assert_int_equal(write(fd, "abc", 3), 3);
	assert_int_equal(ipc_memfd_check(fd, UINT64_MAX, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not sealed"));
	/* three seals out of four is still not sealed */
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW), 0);
	assert_int_equal(ipc_memfd_check(fd, UINT64_MAX, NULL, err, sizeof(err)), -1);
	close(fd);
	fd = open("/dev/null", O_RDONLY);
	assert_int_equal(ipc_memfd_check(fd, UINT64_MAX, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a sealable memfd"));
	close(fd);
}

/* A file (or a pipe, which copy_file_range refuses) into a sealed memfd. */
static void
test_memfd_copy(void **state)
{
	char path[] = "/tmp/gwe-ipc-copy.XXXXXX", err[256], got[8];
	uint64_t size;
	int src, fd, p[2];

	(void)state;
	assert_true((src = mkstemp(path)) >= 0);
	unlink(path);
	assert_int_equal(write(src, "abcdef", 6), 6);	/* the offset is now 6 */
	assert_true((fd = ipc_memfd_copy(src, 6, "t", err, sizeof(err))) >= 0);
	assert_int_equal(ipc_memfd_check(fd, 6, &size, err, sizeof(err)), 0);
	assert_int_equal(ipc_pread_full(fd, got, 6, 0), 0);
	assert_memory_equal(got, "abcdef", 6);
	close(fd);
	assert_int_equal(lseek(src, 0, SEEK_CUR), 6);	/* untouched */
	/* A source shorter than announced fails. */
	assert_int_equal(ipc_memfd_copy(src, 10, "t", err, sizeof(err)), -1);
	assert_int_equal(errno, EIO);
	assert_non_null(strstr(err, "source ends after 6 of 10 bytes"));
	close(src);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(ipc_memfd_copy(p[0], 1, "t", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "copy: "));
	close(p[0]);
	close(p[1]);
}

/* ---- peer credentials (root only: needs to switch uids) -------------------- */

#define TEST_UID	61001
#define OTHER_UID	61003

static void
test_peer_uid(void **state)
{
	char dir[] = "/tmp/gwe-ipc.XXXXXX", path[128], err[256];
	int lfd, cfd, sfd, refused, status;
	pid_t pid, peer;
	uid_t got;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0755);
	snprintf(path, sizeof(path), "%s/s.sock", dir);
	lfd = ipc_listen(path, 0600, TEST_UID, TEST_UID, err, sizeof(err));
	assert_true(lfd >= 0);
	/* A client connected through the helper shows its service uid, not 0. */
	cfd = ipc_connect_as(path, TEST_UID, TEST_UID);
	assert_true(cfd >= 0);
	assert_int_equal(geteuid(), 0);		/* restored after connect */
	sfd = ipc_accept(lfd, TEST_UID, &peer, &refused);
	assert_true(sfd >= 0);
	assert_int_equal(ipc_peer_check(sfd, TEST_UID, &got, &peer), 0);
	assert_int_equal(got, TEST_UID);
	close(sfd);
	close(cfd);
	/* A root client is refused. */
	cfd = ipc_connect_as(path, 0, 0);
	assert_true(cfd >= 0);
	assert_int_equal(ipc_accept(lfd, TEST_UID, &peer, &refused), -1);
	assert_int_equal(refused, 1);
	close(cfd);
	/* Another uid cannot even connect: the socket file is 0600. */
	pid = fork();
	if (pid == 0) {
		if (setresgid(OTHER_UID, OTHER_UID, OTHER_UID) == -1 ||
		    setresuid(OTHER_UID, OTHER_UID, OTHER_UID) == -1)
			_exit(3);
		_exit(ipc_connect_as(path, OTHER_UID, OTHER_UID) == -1 &&
		    errno == EACCES ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(lfd);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_consistent),
		cmocka_unit_test(test_roundtrip_all),
		cmocka_unit_test(test_little_endian),
		cmocka_unit_test(test_refuse_short_long_trailing),
		cmocka_unit_test(test_refuse_version_type_flags),
		cmocka_unit_test(test_refuse_fd_rules),
		cmocka_unit_test(test_refuse_var_lengths),
		cmocka_unit_test(test_refuse_bad_strings),
		cmocka_unit_test(test_routes),
		cmocka_unit_test_setup_teardown(test_sock_fd_roundtrip, setup_pair, teardown_pair),
		cmocka_unit_test_setup_teardown(test_sock_fd_where_none_belongs, setup_pair, teardown_pair),
		cmocka_unit_test_setup_teardown(test_sock_too_long_and_timeout, setup_pair, teardown_pair),
		cmocka_unit_test_setup_teardown(test_sock_wrong_route, setup_pair, teardown_pair),
		cmocka_unit_test_setup_teardown(test_sock_eof, setup_pair, teardown_pair),
		cmocka_unit_test(test_unsealed_memfd_refused),
		cmocka_unit_test(test_memfd_copy),
		cmocka_unit_test(test_peer_uid),
	};

	log_init("test_ipc", 0, LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
