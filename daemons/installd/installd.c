/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 *
 * gwe-installd: the small root-owned installer (docs/design.md section 2).  It
 * serves the verifier's uid only, one connection and one install at a
 * time: an install runs to its end before the next message is read, so
 * every message arrives in the one idle state and the handler table is
 * the whole protocol.  Anything else ends the connection.
 *
 * It stays root (installing system-wide is its job) without no_new_privs or
 * seccomp, which install.sh and all it starts would inherit: they would break
 * su, sudo and LSM transitions, for nothing against a process holding every
 * capability.  Its protection is its size and strict inputs (trusted-surface.md).
 */
#include <poll.h>

#include "../../common/daemon.h"
#include "installd.h"

static struct ins_ctx ctx;
static struct ipc_msg in, out;		/* large: kept off the stack */
static int conn = -1;			/* the verifier's connection */

/*
 * The request passed ins_check().  On disk, in this order: the result as
 * "interrupted" and the marker, before the archive is touched; once
 * install.sh is done, the record, the final result, no marker.  A crash
 * anywhere leaves a true result and a record that is never ahead of it.
 */
static void
install(const struct ipc_install_req *r, int fd, struct ipc_result *res)
{
	static struct ins_job j;
	char reason[IPC_TEXT_LEN];

	memset(&j, 0, sizeof(j));
	j.job = r->job;
	memcpy(j.app, r->app, sizeof(j.app));
	memcpy(j.version, r->version, sizeof(j.version));
	ins_result_text(res, IPC_ST_INTERRUPTED, r->name,
	    "install interrupted by an installer restart");
	ins_result_save(&ctx, res);
	if (ins_staging_new(&ctx, r->app, j.staging, sizeof(j.staging)) == -1 ||
	    ins_marker(&ctx, &j) == -1) {
		log_warn("cannot prepare the install job=%llu", (unsigned long long)r->job);
		ins_result_text(res, IPC_ST_ERROR, r->name, "cannot prepare the install");
	} else if (ins_extract(&ctx, fd, r->size, j.staging, reason, sizeof(reason)) == -1)
		ins_result_text(res, IPC_ST_REFUSED, r->name, reason);
	else if (ins_run(&ctx, &j, res) == -1) {
		log_warn("cannot start install.sh job=%llu", (unsigned long long)r->job);
		ins_result_text(res, IPC_ST_ERROR, r->name, "cannot start install.sh");
	} else if (ins_app_update(&ctx, r, res) == -1)
		fatal("cannot update the installed-apps record");
	ins_result_save(&ctx, res);
	if (!ctx.cfg.limits.keep_staging)
		ins_rmtree(j.staging);
	if (ins_marker(&ctx, NULL) == -1)
		fatal("cannot remove the marker");
}

static int
h_install(struct ipc_msg *m)
{
	static const char *st[] = { "?", "done", "failed", "refused", "interrupted", "error" };
	const struct ipc_install_req *r = &m->u.install;
	struct ipc_result *res = &out.u.result;
	char reason[IPC_TEXT_LEN];

	ipc_init(&out, IPC_RESULT, m->hdr.seq);
	/* netd hands a job over again when it lost our answer: send the kept one. */
	if (ins_result_load(&ctx, r->job, res) == 0) {
		close(m->fd);
		log_info("install repeated job=%llu: kept result sent again",
		    (unsigned long long)r->job);
		return ipc_send(conn, &out);
	}
	res->job = r->job;
	res->origin = r->origin;
	if (ins_check(&ctx, r, m->fd, reason, sizeof(reason)) == 0)
		install(r, m->fd, res);
	else {
		ins_result_text(res, IPC_ST_REFUSED, r->name, reason);
		ins_result_save(&ctx, res);
	}
	close(m->fd);
	if (res->status == IPC_ST_INSTALLED || res->status == IPC_ST_FAILED)
		log_info("install %s app=%s version=%s exit=%d secs=%.1f signal=%d "
		    "truncated=%u job=%llu", st[res->status], r->app, r->version,
		    (int)res->exit_code, (double)res->duration_ms / 1000.0,
		    (int)res->signal, res->truncated, (unsigned long long)r->job);
	else	/* the reason, without "gwe: <name>: " and the newline */
		log_warnx("install %s name=%s reason=\"%.*s\" job=%llu",
		    st[res->status], res->name, (int)(res->output_len -
		    strlen(res->name) - 8), res->output + strlen(res->name) + 7,
		    (unsigned long long)r->job);
	return ipc_send(conn, &out);
}

static int
h_ack(struct ipc_msg *m)
{
	if (ins_result_forget(&ctx, m->u.ack.job) == -1)
		log_warnx("ack for no kept result job=%llu", (unsigned long long)m->u.ack.job);
	return 0;
}

static int
send_result(const char *name, void *arg)
{
	uint64_t job;

	(void)arg;
	if (gwe_parse_u64(name, 0, UINT64_MAX, &job) == -1 ||
	    ins_result_load(&ctx, job, &out.u.result) == -1) {
		log_warnx("result file does not parse, not sent file=%s", name);
		return 0;
	}
	return ipc_send(conn, &out);
}

static int
h_unacked(struct ipc_msg *m)
{
	ipc_init(&out, IPC_RESULT, m->hdr.seq);
	return ins_each(ctx.results_dir, send_result, NULL);
}

static int
send_app(const char *name, void *count)
{
	ipc_init(&out, IPC_APP_ENTRY, in.hdr.seq);
	if (ins_app_get(&ctx, name, &out.u.app) != 1)
		return 0;
	(*(uint32_t *)count)++;
	return ipc_send(conn, &out);
}

static int
h_apps(struct ipc_msg *m)
{
	uint32_t n = 0;

	if (ins_each(ctx.apps_dir, send_app, &n) == -1)
		return -1;
	ipc_init(&out, IPC_APPS_END, m->hdr.seq);
	out.u.apps_end.count = n;
	return ipc_send(conn, &out);
}

/* The whole protocol: what the verifier may send, in the one state there is. */
static const struct handler {
	uint16_t type;
	int	(*fn)(struct ipc_msg *);
} handlers[] = {
	{ IPC_INSTALL_REQ,	h_install },
	{ IPC_ACK,		h_ack },
	{ IPC_UNACKED_QUERY,	h_unacked },
	{ IPC_APPS_QUERY,	h_apps },
};

/* One message from the verifier; -1 ends the connection. */
static int
serve_one(void)
{
	char err[IPC_TEXT_LEN];
	size_t i;
	int rc;

	rc = ipc_recv_from(conn, PEER_INSTALLD, PEER_VERIFYD, &in, 0, err, sizeof(err));
	if (rc == -1)
		log_warnx("connection dropped reason=\"%s\"", err);
	if (rc != 1)
		return rc == -2 ? 0 : -1;
	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (handlers[i].type == in.hdr.type)
			return handlers[i].fn(&in);
	log_warnx("connection dropped reason=\"unexpected %s\"", ipc_type_name(in.hdr.type));
	if (in.fd >= 0)
		close(in.fd);
	return -1;
}

static void __attribute__((noreturn))
serve(int lfd, uid_t vuid)
{
	struct pollfd p[2] = { { .fd = lfd, .events = POLLIN }, { .fd = -1 } };
	int fd, refused;
	pid_t pid;

	for (;;) {
		p[1].fd = conn;
		p[1].events = POLLIN;
		if (poll(p, 2, -1) == -1) {
			if (errno != EINTR)
				fatal("poll");
			continue;
		}
		if (conn != -1 && p[1].revents != 0 && serve_one() == -1) {
			close(conn);
			conn = -1;
		}
		if ((p[0].revents & POLLIN) == 0)
			continue;
		if ((fd = ipc_accept(lfd, vuid, &pid, &refused)) == -1 && !refused)
			log_warn("accept");
		if (fd == -1)
			continue;
		/* One verifier: a new connection means the old one is stale. */
		if (conn != -1)
			close(conn);
		conn = fd;
		log_info("verifier connected peer_pid=%d", (int)pid);
	}
}

int
main(int argc, char **argv)
{
	char path[PATH_MAX], err[CONF_ERR_MAX] = "no *.pub file";
	struct daemon_opts o;
	uid_t vuid;
	gid_t vgid;
	int fd;

	daemon_args(argc, argv, "gwe-installd", NULL, 0, &o);
	log_init("gwe-installd", o.foreground, LOG_LVL_INFO);
	daemon_config(&o, &ctx.cfg);
	if (geteuid() != 0)
		fatalx("must run as root");
	/* fds 0-2 must be open, or a pipe could land there and reach install.sh. */
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
	signal(SIGPIPE, SIG_IGN);
	umask(077);
	if (chdir("/") == -1)
		fatal("chdir /");
	daemon_user("verify_user", ctx.cfg.verify_user, &vuid, &vgid);
	if (vfy_keyring_load_dir(&ctx.kr, ctx.cfg.keys_dir, err, sizeof(err)) == -1 ||
	    ctx.kr.n == 0) {
		if (ctx.cfg.require_signature)
			fatalx("no trusted key keys_dir=%s reason=\"%s\"", ctx.cfg.keys_dir, err);
		ctx.kr.n = 0;
	}
	if (!ctx.cfg.require_signature)
		log_warnx("WARNING: require_signature=false: unsigned tarballs "
		    "will be installed as root keys=%zu", ctx.kr.n);
	ins_state_init(&ctx);
	ins_recover(&ctx);
	/* run_dir is shared with the other daemons: 0755 despite our umask. */
	if (mkdir(ctx.cfg.run_dir, 0755) == 0 && chmod(ctx.cfg.run_dir, 0755) == -1)
		fatal("chmod %s", ctx.cfg.run_dir);
	if (snprintf(path, sizeof(path), "%s/installd.sock", ctx.cfg.run_dir) >=
	    (int)sizeof(path))
		fatalx("run_dir too long");
	/* Only the verifier's uid may connect; SO_PEERCRED checks it again. */
	if ((fd = ipc_listen(path, 0600, vuid, vgid, err, sizeof(err))) == -1)
		fatalx("cannot listen: %s", err);
	log_info("started socket=%s verify_uid=%u require_signature=%d", path,
	    (unsigned)vuid, ctx.cfg.require_signature);
	serve(fd, vuid);
}
