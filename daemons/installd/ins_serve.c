/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * The whole protocol: what the verifier may send, in the one state there is
 * (an install runs to its end before the next message is read).
 */
#include "installd.h"

static struct ipc_msg out;		/* large: kept off the stack */

struct walk {			/* what ins_each() hands to send_app() */
	struct ins_ctx	*ctx;
	uint32_t	 seq, n;
};

/*
 * The request passed ins_check().  On disk, in this order: the result as
 * "interrupted" and the marker, before the archive is touched; once
 * install.sh is done, the record, the final result, no marker.  A crash
 * anywhere leaves a true result and a record that is never ahead of it.
 */
static void
install(struct ins_ctx *ctx, const struct ipc_install_req *r, int fd,
    struct ipc_result *res)
{
	static struct ins_job j;
	char reason[IPC_TEXT_LEN];
	int rc;

	memset(&j, 0, sizeof(j));
	j.job = r->job;
	memcpy(j.app, r->app, sizeof(j.app));
	memcpy(j.version, r->version, sizeof(j.version));
	ins_result_text(res, IPC_ST_INTERRUPTED, r->name,
	    "install interrupted by an installer restart");
	ins_result_save(ctx, res);
	if (ins_staging_new(ctx, r->app, j.staging, sizeof(j.staging)) == -1 ||
	    ins_marker(ctx, &j) == -1) {
		log_warn("cannot prepare the install job=%llu", (unsigned long long)r->job);
		ins_result_text(res, IPC_ST_ERROR, r->name, "cannot prepare the install");
	} else if (ins_extract(ctx, fd, r->size, j.staging, reason, sizeof(reason)) == -1)
		ins_result_text(res, IPC_ST_REFUSED, r->name, reason);
	else if ((rc = ins_run(ctx, &j, res)) != 0) {
		log_warn("cannot start install.sh job=%llu", (unsigned long long)r->job);
		ins_result_text(res, IPC_ST_ERROR, r->name, rc == -1 ? "cannot start install.sh" :
		    "install.sh not run: its group could not be written to the marker");
	} else if (ins_app_update(ctx, r, res) == -1)
		fatal("cannot update the installed-apps record");
	ins_result_save(ctx, res);
	if (!ctx->cfg.limits.keep_staging)
		ins_rmtree(j.staging);
	if (ins_marker(ctx, NULL) == -1)
		fatal("cannot remove the marker");
}

static int
h_install(void *arg, struct ipc_msg *m)
{
	const struct ipc_install_req *r = &m->u.install;
	struct ipc_result *res = &out.u.result;
	struct ins_ctx *ctx = arg;
	char reason[IPC_TEXT_LEN];

	ipc_init(&out, IPC_RESULT, m->hdr.seq);
	/* netd hands a job over again when it lost our answer: send the kept one. */
	if (ins_result_load(ctx, r->job, res) == 0) {
		close(m->fd);
		log_info("install repeated job=%llu: kept result sent again",
		    (unsigned long long)r->job);
		return ipc_send(ctx->conn, &out);
	}
	res->job = r->job;
	res->origin = r->origin;
	if (ins_check(ctx, r, m->fd, reason, sizeof(reason)) == 0)
		install(ctx, r, m->fd, res);
	else {
		ins_result_text(res, IPC_ST_REFUSED, r->name, reason);
		ins_result_save(ctx, res);
	}
	close(m->fd);
	/* "done", not "installed": operators' scripts and the tests grep for it. */
	if (res->status == IPC_ST_INSTALLED || res->status == IPC_ST_FAILED)
		log_info("install %s app=%s version=%s exit=%d secs=%.1f signal=%d "
		    "truncated=%u job=%llu", res->status == IPC_ST_FAILED ? "failed" : "done",
		    r->app, r->version, (int)res->exit_code, (double)res->duration_ms / 1000.0,
		    (int)res->signal, res->truncated, (unsigned long long)r->job);
	else	/* the reason, without "gwe: <name>: " and the newline */
		log_warnx("install %s name=%s reason=\"%.*s\" job=%llu",
		    ipc_status_name(res->status), res->name, (int)(res->output_len -
		    strlen(res->name) - 8), res->output + strlen(res->name) + 7,
		    (unsigned long long)r->job);
	return ipc_send(ctx->conn, &out);
}

static int
h_ack(void *arg, struct ipc_msg *m)
{
	if (ins_result_forget(arg, m->u.ack.job) == -1)
		log_warnx("ack for no kept result job=%llu", (unsigned long long)m->u.ack.job);
	return 0;
}

static int
send_result(const char *name, void *arg)
{
	struct ins_ctx *ctx = arg;
	uint64_t job;

	if (gwe_parse_u64(name, 0, UINT64_MAX, &job) == -1 ||
	    ins_result_load(ctx, job, &out.u.result) == -1) {
		log_warnx("result file does not parse, not sent file=%s", name);
		return 0;
	}
	return ipc_send(ctx->conn, &out);
}

static int
h_unacked(void *arg, struct ipc_msg *m)
{
	ipc_init(&out, IPC_RESULT, m->hdr.seq);
	return ins_each(((struct ins_ctx *)arg)->results_dir, send_result, arg);
}

static int
send_app(const char *name, void *arg)
{
	struct walk *w = arg;

	ipc_init(&out, IPC_APP_ENTRY, w->seq);
	if (ins_app_get(w->ctx, name, &out.u.app) != 1)
		return 0;
	w->n++;
	return ipc_send(w->ctx->conn, &out);
}

static int
h_apps(void *arg, struct ipc_msg *m)
{
	struct walk w = { arg, m->hdr.seq, 0 };

	if (ins_each(w.ctx->apps_dir, send_app, &w) == -1)
		return -1;
	ipc_init(&out, IPC_APPS_END, m->hdr.seq);
	out.u.apps_end.count = w.n;
	return ipc_send(w.ctx->conn, &out);
}

const struct ipc_handler ins_handlers[] = {
	{ PEER_VERIFYD, IPC_INSTALL_REQ,	h_install },
	{ PEER_VERIFYD, IPC_ACK,		h_ack },
	{ PEER_VERIFYD, IPC_UNACKED_QUERY,	h_unacked },
	{ PEER_VERIFYD, IPC_APPS_QUERY,		h_apps },
};
const size_t ins_nhandlers = sizeof(ins_handlers) / sizeof(ins_handlers[0]);
