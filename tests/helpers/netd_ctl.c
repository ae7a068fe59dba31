/*
 * A minimal control client for gwe-netd's integration tests.
 *   netd_ctl SOCKET [-u UID] status | checkin | apps | install FILE NAME [SIGFILE]
 * -u UID connects with that effective uid (to check that netd refuses it).
 * Prints the answer as key=value lines; exit 0 when an answer came, 1 if
 * the connection was refused or closed, 2 on usage errors.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/util.h"
#include "../../ipc/ipc.h"
#include "../../ipc/ipc_send.h"

static struct ipc_msg m;

static int
recv_one(int fd)
{
	char err[256];
	int rc = ipc_recv_from(fd, PEER_CLI, PEER_NETD, &m, 120000, err, sizeof(err));

	if (rc != 1) {
		printf("closed rc=%d err=\"%s\"\n", rc, rc == -1 ? err : "");
		return -1;
	}
	return 0;
}

static void
print_status(const struct ipc_status_answer *st)
{
	printf("last_checkin=%" PRIu64 "\nlast_ok=%" PRIu64 "\nnext=%" PRIu64 "\ninterval=%" PRIu64
	    "\nqueued=%u\nverifyd_up=%u\nlast_error=%s\nfetch_status=%.*s\n",
	    st->last_checkin, st->last_ok, st->next_checkin, st->update_interval, st->queued,
	    st->verifyd_up, st->last_error, (int)st->fetch_status_len, st->fetch_status);
}

/* Print one message of the answer: 1 when more follow (apps), 0 at its end, -1 unexpected. */
static int
print_one(const struct ipc_msg *a)
{
	switch (a->hdr.type) {
	case IPC_CTL_STATUS_ANSWER:
		print_status(&a->u.status);
		break;
	case IPC_APP_ENTRY:
		printf("app %s %s status=%u\n", a->u.app.app, a->u.app.version, a->u.app.status);
		return 1;
	case IPC_APPS_END:
		printf("apps count=%u\n", a->u.apps_end.count);
		break;
	case IPC_CTL_DONE:
		printf("done ok=%u message=%s\n", a->u.done.ok, a->u.done.message);
		break;
	case IPC_RESULT:
		printf("result status=%u job=%" PRIu64 " origin=%u output=%.*s\n",
		    a->u.result.status, a->u.result.job, a->u.result.origin,
		    (int)a->u.result.output_len, a->u.result.output);
		break;
	case IPC_ERROR:
		printf("error code=%u message=%s\n", a->u.error.code, a->u.error.message);
		break;
	default:
		printf("unexpected type=%s\n", ipc_type_name(a->hdr.type));
		return -1;
	}
	return 0;
}

static int
print_answer(int fd)
{
	int rc;

	do {
		if (recv_one(fd) == -1)
			return 1;
	} while ((rc = print_one(&m)) == 1);
	return rc == 0 ? 0 : 1;
}

static int
make_install(int argc, char **argv, int i)
{
	char *data, *sig = NULL;
	size_t len, slen = 0;
	int fd;

	if (i + 1 >= argc)
		return -1;
	if (gwe_read_file(argv[i], 1 << 28, &data, &len) == -1)
		return -1;
	if (i + 2 < argc && gwe_read_file(argv[i + 2], IPC_SIG_MAX, &sig, &slen) == -1)
		return -1;
	if ((fd = ipc_memfd_create("netd_ctl")) == -1 || write(fd, data, len) != (ssize_t)len ||
	    ipc_memfd_seal(fd) == -1)
		return -1;
	ipc_init(&m, IPC_CTL_INSTALL, 1);
	m.hdr.flags = IPC_F_FD;
	m.fd = fd;
	m.u.ctl_install.size = len;
	gwe_strlcpy(m.u.ctl_install.name, argv[i + 1], sizeof(m.u.ctl_install.name));
	if (sig != NULL)
		memcpy(m.u.ctl_install.sig, sig, slen);
	m.u.ctl_install.sig_len = (uint32_t)slen;
	free(data);
	free(sig);
	return 0;
}

int
main(int argc, char **argv)
{
	uid_t uid = 0;
	int fd, i = 2;

	log_init("netd_ctl", 1, LOG_LVL_INFO);
	if (argc < 3)
		goto usage;
	if (strcmp(argv[i], "-u") == 0 && argc > 4) {
		uid = (uid_t)strtoul(argv[i + 1], NULL, 10);
		i += 2;
	}
	if (strcmp(argv[i], "status") == 0)
		ipc_init(&m, IPC_CTL_STATUS, 1);
	else if (strcmp(argv[i], "checkin") == 0)
		ipc_init(&m, IPC_CTL_CHECKIN, 1);
	else if (strcmp(argv[i], "apps") == 0)
		ipc_init(&m, IPC_APPS_QUERY, 1);
	else if (strcmp(argv[i], "install") == 0 && argc > i + 2) {
		if (make_install(argc, argv, i + 1) == -1) {
			perror("install");
			return 2;
		}
	} else
		goto usage;
	if ((fd = ipc_connect_as(argv[1], uid, (gid_t)uid)) == -1) {
		perror("connect");
		return 1;
	}
	if (ipc_send(fd, &m) == -1) {
		printf("closed send failed\n");
		return 1;
	}
	return print_answer(fd);
usage:
	fprintf(stderr, "usage: netd_ctl SOCKET [-u UID] status|checkin|apps|install FILE NAME [SIG]\n");
	return 2;
}
