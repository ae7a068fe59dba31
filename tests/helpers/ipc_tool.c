/*
 * ipc_tool: a scriptable IPC client for tests (plays gwe-netd).
 *
 *   ipc_tool verify SOCK UID FILE SIGFILE|- [--no-seal] [--job N] [--name NAME] [--no-ack]
 *       send FILE in a sealed memfd (or an unsealed one) as a VERIFY_REQ,
 *       wait for the RESULT, print "status=N exit=N job=N output=...",
 *       then ACK it.  Exit 0 when a RESULT came, 1 otherwise.
 *   ipc_tool connect SOCK UID
 *       connect and wait up to 5 s: print "closed" (exit 0) when the
 *       server hangs up, "open" (exit 1) when it does not.
 *   ipc_tool apps SOCK UID
 *       APPS_QUERY; print each APP_ENTRY and the APPS_END count.
 *   ipc_tool badtype SOCK UID
 *       send a well-formed message the server must not accept from us
 *       (an APPS_END); print "closed" (exit 0) when it hangs up.
 * The connection is made with UID as the effective uid (ipc_connect_as).
 * Exit 2: usage, connect or I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/util.h"
#include "../../ipc/ipc.h"
#include "../../verify/vfy_sig_file.h"
#include "../../ipc/ipc_send.h"

#define WAIT_MS	30000

static struct ipc_msg msg;

static int
usage(void)
{
	fprintf(stderr, "usage: ipc_tool verify SOCK UID FILE SIGFILE|- [--no-seal] "
	    "[--job N] [--name NAME] [--no-ack]\n"
	    "       ipc_tool connect SOCK UID\n"
	    "       ipc_tool apps SOCK UID\n"
	    "       ipc_tool badtype SOCK UID\n");
	return 2;
}

static int
connect_to(const char *sock, const char *uidstr)
{
	uint64_t uid;
	int fd;

	if (gwe_parse_u64(uidstr, 0, 0x7fffffff, &uid) == -1) {
		fprintf(stderr, "ipc_tool: bad uid %s\n", uidstr);
		return -1;
	}
	if ((fd = ipc_connect_as(sock, (uid_t)uid, (gid_t)uid)) == -1)
		fprintf(stderr, "ipc_tool: connect %s: %s\n", sock, strerror(errno));
	return fd;
}

/* The tarball in a memfd, sealed unless told otherwise. */
static int
make_memfd(const char *path, int seal, uint64_t *size)
{
	char *data;
	size_t len, off = 0;
	ssize_t n;
	int fd;

	if (gwe_read_file(path, (size_t)1 << 30, &data, &len) == -1) {
		fprintf(stderr, "ipc_tool: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((fd = ipc_memfd_create("tarball")) == -1)
		goto fail;
	while (off < len) {
		if ((n = write(fd, data + off, len - off)) <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (seal && ipc_memfd_seal(fd) == -1)
		goto fail;
	free(data);
	*size = len;
	return fd;
fail:
	fprintf(stderr, "ipc_tool: memfd: %s\n", strerror(errno));
	free(data);
	return -1;
}

static int
read_sig(const char *path, struct ipc_verify_req *v)
{
	static char buf[IPC_SIG_MAX + 1];
	char err[512];
	size_t len;

	if (strcmp(path, "-") == 0)
		return 0;
	if (vfy_sig_read_file(path, IPC_SIG_MAX, buf, sizeof(buf), &len, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "ipc_tool: %s\n", err);
		return -1;
	}
	memcpy(v->sig, buf, len);
	v->sig_len = (uint32_t)len;
	return 0;
}

static int
wait_result(int fd, uint64_t job, int ack)
{
	char err[256];
	int rc;

	for (;;) {
		rc = ipc_recv(fd, &msg, WAIT_MS, err, sizeof(err));
		if (rc == -2) {
			printf("timeout\n");
			return 1;
		}
		if (rc == 0) {
			printf("closed\n");
			return 1;
		}
		if (rc < 0) {
			printf("error: %s\n", err);
			return 1;
		}
		if (msg.hdr.type == IPC_RESULT && msg.u.result.job == job)
			break;
		printf("other type=%s\n", ipc_type_name(msg.hdr.type));
	}
	printf("status=%u exit=%d job=%llu output=%.*s\n", msg.u.result.status,
	    msg.u.result.exit_code, (unsigned long long)msg.u.result.job,
	    (int)msg.u.result.output_len, msg.u.result.output);
	if (ack) {
		ipc_init(&msg, IPC_ACK, 2);
		msg.u.ack.job = job;
		if (ipc_send(fd, &msg) == -1)
			return 1;
		usleep(100000);	/* let it arrive before we hang up */
	}
	return 0;
}

static int
cmd_verify(int argc, char **argv)
{
	struct ipc_verify_req *v = &msg.u.verify;
	const char *name;
	uint64_t job = 1, size;
	int i, seal = 1, ack = 1, fd, mfd, rc;

	if (argc < 6)
		return usage();
	name = strrchr(argv[4], '/') != NULL ? strrchr(argv[4], '/') + 1 : argv[4];
	for (i = 6; i < argc; i++) {
		if (strcmp(argv[i], "--no-seal") == 0)
			seal = 0;
		else if (strcmp(argv[i], "--no-ack") == 0)
			ack = 0;
		else if (strcmp(argv[i], "--job") == 0 && i + 1 < argc)
			gwe_parse_u64(argv[++i], 0, UINT64_MAX, &job);
		else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			name = argv[++i];
		else
			return usage();
	}
	ipc_init(&msg, IPC_VERIFY_REQ, 1);
	if (read_sig(argv[5], v) == -1 || ipc_setstr(v->name, sizeof(v->name), name) == -1)
		return 2;
	if ((mfd = make_memfd(argv[4], seal, &size)) == -1)
		return 2;
	if ((fd = connect_to(argv[2], argv[3])) == -1)
		return 2;
	v->job = job;
	v->size = size;
	v->origin = IPC_ORIGIN_OTA;
	msg.fd = mfd;
	if (ipc_send(fd, &msg) == -1) {
		fprintf(stderr, "ipc_tool: send: %s\n", strerror(errno));
		return 2;
	}
	close(mfd);
	rc = wait_result(fd, job, ack);
	close(fd);
	return rc;
}

/* Wait up to 5 s for the server to hang up, then close: ipc_recv's answer. */
static int
hangup_wait(int fd)
{
	char err[256];
	int rc = ipc_recv(fd, &msg, 5000, err, sizeof(err));

	close(fd);
	return rc;
}

static int
cmd_connect(char **argv)
{
	int fd;

	if ((fd = connect_to(argv[2], argv[3])) == -1)
		return 2;
	if (hangup_wait(fd) == -2) {
		printf("open\n");
		return 1;
	}
	printf("closed\n");
	return 0;
}

static int
cmd_apps(char **argv)
{
	char err[256];
	int fd;

	if ((fd = connect_to(argv[2], argv[3])) == -1)
		return 2;
	ipc_init(&msg, IPC_APPS_QUERY, 1);
	if (ipc_send(fd, &msg) == -1)
		return 2;
	for (;;) {
		if (ipc_recv(fd, &msg, WAIT_MS, err, sizeof(err)) != 1) {
			printf("no answer\n");
			return 1;
		}
		if (msg.hdr.type == IPC_APPS_END) {
			printf("apps_end count=%u\n", msg.u.apps_end.count);
			return 0;
		}
		if (msg.hdr.type == IPC_APP_ENTRY)
			printf("app %s %s status=%u exit=%d\n", msg.u.app.app,
			    msg.u.app.version, msg.u.app.status, msg.u.app.exit_code);
	}
}

static int
cmd_badtype(char **argv)
{
	int fd, rc;

	if ((fd = connect_to(argv[2], argv[3])) == -1)
		return 2;
	ipc_init(&msg, IPC_APPS_END, 1);
	if (ipc_send(fd, &msg) == -1)
		return 2;
	rc = hangup_wait(fd);
	if (rc == 0 || rc == -1) {
		printf("closed\n");
		return 0;
	}
	printf(rc == -2 ? "open\n" : "answered\n");
	return 1;
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init("ipc_tool", 1, LOG_LVL_WARN);
	if (argc < 4)
		return usage();
	if (strcmp(argv[1], "verify") == 0)
		return cmd_verify(argc, argv);
	if (strcmp(argv[1], "connect") == 0 && argc == 4)
		return cmd_connect(argv);
	if (strcmp(argv[1], "apps") == 0 && argc == 4)
		return cmd_apps(argv);
	if (strcmp(argv[1], "badtype") == 0 && argc == 4)
		return cmd_badtype(argv);
	return usage();
}
