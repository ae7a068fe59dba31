/*
 * fake_installd RUN_DIR VFY_UID: a stand-in for gwe-installd in tests.
 * Listens on RUN_DIR/installd.sock (0600, owned by VFY_UID, peer uid
 * checked), and for each INSTALL_REQ checks what the real installer
 * relies on (all four seals, size, digest recomputed with pread, name
 * agreeing with app and version), prints one line about it and answers
 * RESULT installed "fake install ok".  ACK, UNACKED_QUERY and APPS_QUERY
 * get minimal answers.  Runs until killed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/util.h"
#include "../../verify/vfy_name.h"
#include "../../verify/vfy_sig.h"
#include "../../ipc/ipc.h"

static struct ipc_msg in, out;

static void
on_install(int cfd)
{
	const struct ipc_install_req *r = &in.u.install;
	char err[256], app[VFY_APP_MAX + 1], ver[VFY_VERSION_MAX + 1], why[VFY_REASON_MAX];
	uint8_t d[VFY_DIGEST_LEN];
	const char *seals = "ok", *digest = "bad", *fields = "bad";
	struct ipc_result *res = &out.u.result;
	uint64_t size;

	if (ipc_memfd_check(in.fd, r->size, &size, err, sizeof(err)) == -1)
		seals = err;
	else if (vfy_digest_fd(in.fd, size, d) == 0 && memcmp(d, r->digest, sizeof(d)) == 0)
		digest = "ok";
	if (vfy_name_parse(r->name, app, ver, why, sizeof(why)) == 0 &&
	    strcmp(app, r->app) == 0 && strcmp(ver, r->version) == 0)
		fields = "ok";
	printf("install_req job=%llu name=%s app=%s version=%s size=%llu origin=%u "
	    "sig_len=%u seals=%s digest=%s fields=%s\n", (unsigned long long)r->job,
	    r->name, r->app, r->version, (unsigned long long)r->size, r->origin,
	    r->sig_len, seals, digest, fields);
	close(in.fd);
	ipc_init(&out, IPC_RESULT, in.hdr.seq);
	res->job = r->job;
	res->origin = r->origin;
	res->status = IPC_ST_INSTALLED;
	res->exit_code = 0;
	res->finished_at = (uint64_t)time(NULL);
	memcpy(res->name, r->name, sizeof(res->name));
	res->output_len = (uint32_t)snprintf(res->output, sizeof(res->output),
	    "fake install ok");
	res->output_total = res->output_len;
	if (ipc_send(cfd, &out) == -1)
		printf("send result failed: %s\n", strerror(errno));
}

static void
serve(int cfd)
{
	char err[256];
	int rc;

	for (;;) {
		rc = ipc_recv_from(cfd, PEER_INSTALLD, PEER_VERIFYD, &in, -1, err, sizeof(err));
		if (rc == 0) {
			printf("verifyd closed\n");
			return;
		}
		if (rc < 0) {
			printf("recv error: %s\n", err);
			return;
		}
		switch (in.hdr.type) {
		case IPC_INSTALL_REQ:
			on_install(cfd);
			break;
		case IPC_ACK:
			printf("ack job=%llu\n", (unsigned long long)in.u.ack.job);
			break;
		case IPC_UNACKED_QUERY:
			printf("unacked_query\n");
			break;
		case IPC_APPS_QUERY:
			printf("apps_query\n");
			ipc_init(&out, IPC_APPS_END, in.hdr.seq);
			out.u.apps_end.count = 0;
			(void)ipc_send(cfd, &out);
			break;
		default:
			printf("unexpected type=%s\n", ipc_type_name(in.hdr.type));
			return;
		}
	}
}

int
main(int argc, char **argv)
{
	char path[1100], err[256];
	uint64_t uid;
	int lfd, cfd, refused;

	if (argc != 3 || gwe_parse_u64(argv[2], 1, 0x7fffffff, &uid) == -1) {
		fprintf(stderr, "usage: fake_installd RUN_DIR VFY_UID\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	log_init("fake_installd", 1, LOG_LVL_INFO);
	snprintf(path, sizeof(path), "%s/installd.sock", argv[1]);
	if ((lfd = ipc_listen(path, 0600, (uid_t)uid, (gid_t)uid, err, sizeof(err))) == -1) {
		fprintf(stderr, "fake_installd: %s\n", err);
		return 1;
	}
	printf("listening path=%s\n", path);
	for (;;) {
		if ((cfd = ipc_accept(lfd, (uid_t)uid, NULL, &refused)) == -1) {
			if (refused)
				printf("refused a peer\n");
			continue;
		}
		printf("verifyd connected\n");
		serve(cfd);
		close(cfd);
	}
}
