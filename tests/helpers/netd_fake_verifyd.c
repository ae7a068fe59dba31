/*
 * A stand-in for gwe-verifyd in gwe-netd's integration tests.
 *   netd_fake_verifyd SOCKET PEER_UID [DELAY_SECS]
 * Listens on SOCKET (owned by PEER_UID, mode 0600), accepts only PEER_UID,
 * and answers VERIFY_REQ after checking the memfd's seals and size: a
 * tarball whose bytes begin with "FAIL" is refused, anything else is
 * "installed".  Results stay until ACKed and are sent again on
 * UNACKED_QUERY.  Prints one line per event on stdout for the test.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/util.h"
#include "../../ipc/ipc.h"
#include "../../ipc/ipc_send.h"

#define MAXR 64

static struct ipc_result unacked[MAXR];
static int nunacked;
static struct ipc_app_entry apps[MAXR];
static int napps;
static unsigned delay;
static uint64_t installed_jobs[MAXR];
static int ninstalled;

/* A job installed before: resend its kept result instead of installing again. */
static int
seen_job(int fd, uint64_t job)
{
	static struct ipc_msg r;
	int i;

	for (i = 0; i < ninstalled; i++)
		if (installed_jobs[i] == job)
			break;
	if (i == ninstalled)
		return 0;
	printf("verify_req duplicate job=%" PRIu64 "\n", job);
	fflush(stdout);
	for (i = 0; i < nunacked; i++)
		if (unacked[i].job == job) {
			ipc_init(&r, IPC_RESULT, 0);
			r.u.result = unacked[i];
			(void)ipc_send(fd, &r);
		}
	return 1;
}

static void
emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
emit(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void
on_verify(int fd, struct ipc_msg *m)
{
	static struct ipc_msg r;
	char err[256], head[4] = { 0 };
	struct ipc_result *res = &r.u.result;
	uint64_t size;
	int ok;

	if (seen_job(fd, m->u.verify.job)) {
		close(m->fd);
		return;
	}
	if (ipc_memfd_check(m->fd, m->u.verify.size, &size, err, sizeof(err)) == -1) {
		emit("verify_req name=%s refused=\"%s\"", m->u.verify.name, err);
		ok = -1;
	} else {
		(void)ipc_pread_full(m->fd, head, size < 4 ? (size_t)size : 4, 0);
		ok = memcmp(head, "FAIL", 4) != 0;
		emit("verify_req job=%" PRIu64 " name=%s size=%" PRIu64 " sig_len=%u origin=%u",
		    m->u.verify.job, m->u.verify.name, size, m->u.verify.sig_len,
		    m->u.verify.origin);
	}
	close(m->fd);
	if (delay)
		sleep(delay);
	ipc_init(&r, IPC_RESULT, m->hdr.seq);
	res->job = m->u.verify.job;
	res->origin = m->u.verify.origin;
	res->status = ok == 1 ? IPC_ST_INSTALLED : IPC_ST_REFUSED;
	res->exit_code = ok == 1 ? 0 : -1;
	res->finished_at = (uint64_t)time(NULL);
	gwe_strlcpy(res->name, m->u.verify.name, sizeof(res->name));
	res->output_len = (uint32_t)snprintf(res->output, sizeof(res->output),
	    ok == 1 ? "fake install of %s: ok size=%" PRIu64 " sig=%u" :
	    "gwe: %s: refused by the fake verifier size=%" PRIu64 " sig=%u",
	    res->name, size, m->u.verify.sig_len);
	if (ok == 1 && nunacked < MAXR)
		unacked[nunacked++] = *res;
	if (ok == 1 && ninstalled < MAXR)
		installed_jobs[ninstalled++] = res->job;
	if (ok == 1 && napps < MAXR) {
		char *v = strstr(res->name, ".v");

		memset(&apps[napps], 0, sizeof(apps[napps]));
		if (v != NULL) {
			memcpy(apps[napps].app, res->name, (size_t)(v - res->name));
			gwe_strlcpy(apps[napps].version, v + 2, sizeof(apps[napps].version));
			apps[napps].version[strlen(apps[napps].version) - 7] = '\0';
		}
		apps[napps].status = IPC_ST_INSTALLED;
		apps[napps].installed_at = res->finished_at;
		napps++;
	}
	if (ipc_send(fd, &r) == -1)
		emit("result send failed job=%" PRIu64, res->job);
}

static void
on_ack(struct ipc_msg *m)
{
	int i;

	emit("ack job=%" PRIu64, m->u.ack.job);
	for (i = 0; i < nunacked; i++)
		if (unacked[i].job == m->u.ack.job) {
			unacked[i] = unacked[--nunacked];
			return;
		}
}

static void
on_unacked(int fd, struct ipc_msg *m)
{
	static struct ipc_msg r;
	int i;

	emit("unacked_query pending=%d", nunacked);
	for (i = 0; i < nunacked; i++) {
		ipc_init(&r, IPC_RESULT, m->hdr.seq);
		r.u.result = unacked[i];
		(void)ipc_send(fd, &r);
	}
}

static void
on_apps(int fd, struct ipc_msg *m)
{
	struct ipc_msg r;
	int i;

	emit("apps_query");
	for (i = 0; i < napps; i++) {
		ipc_init(&r, IPC_APP_ENTRY, m->hdr.seq);
		r.u.app = apps[i];
		(void)ipc_send(fd, &r);
	}
	ipc_init(&r, IPC_APPS_END, m->hdr.seq);
	r.u.apps_end.count = (uint32_t)napps;
	(void)ipc_send(fd, &r);
}

static void
serve(int fd)
{
	static struct ipc_msg m;
	char err[256];
	int rc;

	while ((rc = ipc_recv_from(fd, PEER_VERIFYD, PEER_NETD, &m, -1, err, sizeof(err))) == 1) {
		switch (m.hdr.type) {
		case IPC_VERIFY_REQ:	on_verify(fd, &m); break;
		case IPC_ACK:		on_ack(&m); break;
		case IPC_UNACKED_QUERY:	on_unacked(fd, &m); break;
		case IPC_APPS_QUERY:	on_apps(fd, &m); break;
		default:		emit("unexpected type=%u", m.hdr.type); break;
		}
	}
	emit("disconnected rc=%d%s%s", rc, rc == -1 ? " err=" : "", rc == -1 ? err : "");
	close(fd);
}

int
main(int argc, char **argv)
{
	char err[256];
	uid_t uid;
	int lfd, fd, refused;

	if (argc < 3) {
		fprintf(stderr, "usage: netd_fake_verifyd SOCKET PEER_UID [DELAY]\n");
		return 2;
	}
	log_init("netd_fake_verifyd", 1, LOG_LVL_INFO);
	uid = (uid_t)strtoul(argv[2], NULL, 10);
	delay = argc > 3 ? (unsigned)atoi(argv[3]) : 0;
	if ((lfd = ipc_listen(argv[1], 0600, uid, (gid_t)uid, err, sizeof(err))) == -1) {
		fprintf(stderr, "listen: %s\n", err);
		return 1;
	}
	emit("listening path=%s", argv[1]);
	for (;;) {
		if ((fd = ipc_accept(lfd, uid, NULL, &refused)) == -1)
			continue;
		emit("connected");
		serve(fd);
	}
}
