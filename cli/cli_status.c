/*
 * gwe status [--json] (docs/design.md section 9): ask gwe-netd, over its
 * control socket (cli_ctl.c), for its state and the installed apps, then
 * print both, as text or as JSON.
 *
 * Which daemons are up, as status reports it:
 *   gwe-netd      its control socket answered CTL_STATUS;
 *   gwe-verifyd   netd's verifyd_up (netd is connected to it, or just
 *                 connected when asked);
 *   gwe-installd  the installed-apps query came back: netd asks the
 *                 verifier, which relays the installer's own answer.
 *                 With the verifier down there is no way to ask, so it
 *                 is "unknown" (the installer accepts only the verifier's
 *                 uid, so the CLI does not knock on its socket).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/config.h"
#include "../ipc/ipc.h"
#include "cli_conf.h"
#include "cli_ctl.h"
#include "cli_out.h"

#define APPS_MAX	4096	/* more entries than this: the answer is refused */
#define ERR_LEN		8192

/* One message at a time; struct ipc_msg is large. */
static struct ipc_msg msg;

enum updown { D_UNKNOWN, D_UP, D_DOWN };

struct status {
	struct gwe_config	 cfg;
	time_t			 now;
	int			 netd_up;
	char			 netd_err[ERR_LEN];
	struct ipc_status_answer sa;
	int			 apps_known;
	char			 apps_err[ERR_LEN];
	struct ipc_app_entry	*apps;
	size_t			 napps;
	enum updown		 verifyd, installd;
};

static const char *
updown_name(enum updown d)
{
	return d == D_UP ? "up" : d == D_DOWN ? "down" : "unknown";
}

/* ---- asking gwe-netd ------------------------------------------------------ */

/* Send a request of this type, in msg; 0, or -1 with err set. */
static int
request(int fd, uint16_t type, uint32_t seq, char *err, size_t errlen)
{
	ipc_init(&msg, type, seq);
	if (ipc_send(fd, &msg) == -1) {
		snprintf(err, errlen, "send: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
query_status(struct status *s, int fd, unsigned timeout)
{
	if (request(fd, IPC_CTL_STATUS, 1, s->netd_err, sizeof(s->netd_err)) == -1 ||
	    cli_ctl_recv(fd, &msg, 1, timeout, s->netd_err, sizeof(s->netd_err)) == -1)
		return -1;
	if (msg.hdr.type == IPC_ERROR) {
		snprintf(s->netd_err, sizeof(s->netd_err), "gwe-netd: %.*s",
		    (int)sizeof(msg.u.error.message), msg.u.error.message);
		return -1;
	}
	if (msg.hdr.type != IPC_CTL_STATUS_ANSWER) {
		snprintf(s->netd_err, sizeof(s->netd_err), "unexpected answer %s",
		    ipc_type_name(msg.hdr.type));
		return -1;
	}
	s->sa = msg.u.status;
	return 0;
}

/* One APP_ENTRY kept; -1 with apps_err set. */
static int
add_app(struct status *s, const struct ipc_app_entry *a)
{
	struct ipc_app_entry *np;

	if (s->napps == APPS_MAX) {
		snprintf(s->apps_err, sizeof(s->apps_err), "more than %d apps", APPS_MAX);
		return -1;
	}
	if ((np = realloc(s->apps, (s->napps + 1) * sizeof(*np))) == NULL) {
		snprintf(s->apps_err, sizeof(s->apps_err), "out of memory");
		return -1;
	}
	s->apps = np;
	s->apps[s->napps++] = *a;
	return 0;
}

static int
query_apps(struct status *s, int fd, unsigned timeout)
{
	if (request(fd, IPC_APPS_QUERY, 2, s->apps_err, sizeof(s->apps_err)) == -1)
		return -1;
	for (;;) {
		if (cli_ctl_recv(fd, &msg, 2, timeout, s->apps_err, sizeof(s->apps_err)) == -1)
			return -1;
		switch (msg.hdr.type) {
		case IPC_APP_ENTRY:
			if (add_app(s, &msg.u.app) == -1)
				return -1;
			break;
		case IPC_APPS_END:
			if (msg.u.apps_end.count != s->napps) {
				snprintf(s->apps_err, sizeof(s->apps_err),
				    "%zu apps received, %u announced", s->napps,
				    msg.u.apps_end.count);
				return -1;
			}
			return 0;
		case IPC_ERROR:
			snprintf(s->apps_err, sizeof(s->apps_err), "%.*s",
			    (int)sizeof(msg.u.error.message), msg.u.error.message);
			return -1;
		default:
			snprintf(s->apps_err, sizeof(s->apps_err), "unexpected answer %s",
			    ipc_type_name(msg.hdr.type));
			return -1;
		}
	}
}

static void
status_gather(struct status *s, unsigned timeout)
{
	int fd;

	s->verifyd = s->installd = D_UNKNOWN;
	if ((fd = cli_ctl_connect(&s->cfg, s->netd_err, sizeof(s->netd_err))) == -1)
		return;
	if (query_status(s, fd, timeout) == -1) {
		close(fd);
		return;
	}
	s->netd_up = 1;
	s->verifyd = s->sa.verifyd_up ? D_UP : D_DOWN;
	if (query_apps(s, fd, timeout) == 0) {
		s->apps_known = 1;
		s->installd = D_UP;
		/* The installer's answer came through the verifier. */
		s->verifyd = D_UP;
		close(fd);
		return;
	}
	free(s->apps);
	s->apps = NULL;
	s->napps = 0;
	/*
	 * netd may have thought the verifier up on a connection that had
	 * already gone; having tried it, it knows better: ask again (on a new
	 * connection, since a time-out leaves this one out of step).
	 */
	close(fd);
	if ((fd = cli_ctl_connect(&s->cfg, s->netd_err, sizeof(s->netd_err))) != -1 &&
	    query_status(s, fd, timeout) == 0)
		s->verifyd = s->sa.verifyd_up ? D_UP : D_DOWN;
	if (fd != -1)
		close(fd);
	s->netd_err[0] = '\0';
	/* Up, the verifier would have relayed the installer's answer. */
	s->installd = s->verifyd == D_UP ? D_DOWN : D_UNKNOWN;
}

/* ---- as text ------------------------------------------------------------------ */

/* "12 s ago" (past or now), or "in 588 s" / "12 s overdue" (due times). */
static void
rel_time(time_t now, uint64_t t, int due, char *buf, size_t len)
{
	int64_t d = (int64_t)t - (int64_t)now;

	if (!due)
		snprintf(buf, len, "%" PRId64 " s ago", -d);
	else if (d >= 0)
		snprintf(buf, len, "in %" PRId64 " s", d);
	else
		snprintf(buf, len, "%" PRId64 " s overdue", -d);
}

/*
 * netd clears last_error when a check-in succeeds, and last_ok is the
 * time of the last success: two failures in the same second as a success
 * show only in last_error.
 */
static const char *
checkin_outcome(const struct ipc_status_answer *sa)
{
	if (sa->last_checkin == 0)
		return "never";
	if (sa->last_error[0] != '\0' || sa->last_ok < sa->last_checkin)
		return "failed";
	return "ok";
}

static void
print_when(FILE *out, const char *label, time_t now, uint64_t t, int due)
{
	char iso[64], rel[64];

	cli_iso_time(t, iso, sizeof(iso));
	if (t == 0) {
		fprintf(out, "%-20s%s\n", label, iso);
		return;
	}
	rel_time(now, t, due, rel, sizeof(rel));
	fprintf(out, "%-20s%s (%s)\n", label, iso, rel);
}

static void
text_device(FILE *out, const struct gwe_config *cfg)
{
	fprintf(out, "%-20s%s\n", "configuration:", cfg->path[0] ? cfg->path : "-");
	fprintf(out, "%-20svendor=", "device:");
	cli_text_str(out, cfg->vendor, sizeof(cfg->vendor));
	fputs(" model=", out);
	cli_text_str(out, cfg->model, sizeof(cfg->model));
	fputs(" uuid=", out);
	cli_text_str(out, cfg->uuid, sizeof(cfg->uuid));
	fputs(" iface=", out);
	cli_text_str(out, cfg->iface, sizeof(cfg->iface));
	fputc('\n', out);
}

static void
text_daemons(FILE *out, const struct status *s)
{
	if (!s->netd_up) {
		fprintf(out, "%-20sdown (", "netd:");
		cli_text_str(out, s->netd_err, sizeof(s->netd_err));
		fputs(")\n", out);
		fprintf(out, "%-20sunknown (netd down)\n", "verifyd:");
		fprintf(out, "%-20sunknown (netd down)\n", "installd:");
		return;
	}
	fprintf(out, "%-20sup\n", "netd:");
	fprintf(out, "%-20s%s\n", "verifyd:", updown_name(s->verifyd));
	fprintf(out, "%-20s%s", "installd:", updown_name(s->installd));
	if (!s->apps_known) {
		fputs(" (", out);
		cli_text_str(out, s->apps_err, sizeof(s->apps_err));
		fputc(')', out);
	}
	fputc('\n', out);
}

static void
text_checkin(FILE *out, const struct ipc_status_answer *sa, time_t now)
{
	print_when(out, "last check-in:", now, sa->last_checkin, 0);
	fprintf(out, "%-20s%s", "outcome:", checkin_outcome(sa));
	if (sa->last_error[0] != '\0') {
		fputs(": ", out);
		cli_text_str(out, sa->last_error, sizeof(sa->last_error));
	}
	fputc('\n', out);
	print_when(out, "last success:", now, sa->last_ok, 0);
	print_when(out, "next check-in:", now, sa->next_checkin, 1);
	fprintf(out, "%-20s%" PRIu64 " s\n", "update interval:", sa->update_interval);
	fprintf(out, "%-20s%u\n", "queued results:", sa->queued);
	if (sa->fetch_status_len == 0)
		fprintf(out, "%-20s-\n", "last fetch_status:");
	else {
		fprintf(out, "last fetch_status:\n");
		cli_text_lines(out, "    ", sa->fetch_status, sa->fetch_status_len);
	}
}

static void
text_apps(FILE *out, const struct status *s)
{
	const struct ipc_app_entry *a;
	char iso[64], rel[64];
	size_t i;

	if (!s->apps_known) {
		fprintf(out, "%-20sunknown\n", "installed apps:");
		return;
	}
	fprintf(out, "%-20s%zu\n", "installed apps:", s->napps);
	for (i = 0; i < s->napps; i++) {
		a = &s->apps[i];
		fputs("    ", out);
		cli_text_str(out, a->app, sizeof(a->app));
		fputc(' ', out);
		if (a->version[0] == '\0')
			fputc('-', out);
		else
			cli_text_str(out, a->version, sizeof(a->version));
		cli_iso_time(a->installed_at, iso, sizeof(iso));
		rel_time(s->now, a->installed_at, 0, rel, sizeof(rel));
		fprintf(out, " %s exit=%d at %s (%s)\n", ipc_status_name(a->status),
		    a->exit_code, iso, a->installed_at ? rel : "-");
	}
}

static void
status_text(FILE *out, const struct status *s)
{
	text_device(out, &s->cfg);
	text_daemons(out, s);
	if (!s->netd_up)
		return;
	text_checkin(out, &s->sa, s->now);
	text_apps(out, s);
}

/* ---- as JSON ------------------------------------------------------------------ */

static void
json_when(FILE *out, time_t now, uint64_t t, int ago)
{
	char iso[64];

	if (t == 0) {
		fputs("null", out);
		return;
	}
	cli_iso_time(t, iso, sizeof(iso));
	fprintf(out, "{\"time\":\"%s\",\"unix\":%" PRIu64 ",", iso, t);
	if (ago)
		fprintf(out, "\"seconds_ago\":%" PRId64 "}", (int64_t)now - (int64_t)t);
	else
		fprintf(out, "\"seconds_from_now\":%" PRId64 "}", (int64_t)t - (int64_t)now);
}

/* From the opening brace to "netd_error"'s value. */
static void
json_head(FILE *out, const struct status *s)
{
	char iso[64];

	cli_iso_time((uint64_t)s->now, iso, sizeof(iso));
	fprintf(out, "{\"version\":\"%s\",\"now\":\"%s\",\"configuration\":", GWE_VERSION,
	    iso);
	cli_json_cstr(out, s->cfg.path);
	fputs(",\"device\":{\"vendor\":", out);
	cli_json_cstr(out, s->cfg.vendor);
	fputs(",\"model\":", out);
	cli_json_cstr(out, s->cfg.model);
	fputs(",\"uuid\":", out);
	cli_json_cstr(out, s->cfg.uuid);
	fputs(",\"iface\":", out);
	cli_json_cstr(out, s->cfg.iface);
	fprintf(out, "},\"daemons\":{\"netd\":\"%s\",\"verifyd\":\"%s\",\"installd\":\"%s\"}",
	    s->netd_up ? "up" : "down", updown_name(s->verifyd), updown_name(s->installd));
	fputs(",\"netd_error\":", out);
	if (s->netd_up)
		fputs("null", out);
	else
		cli_json_cstr(out, s->netd_err);
}

/* From "last_checkin" to "fetch_status"'s value. */
static void
json_checkin(FILE *out, const struct ipc_status_answer *sa, time_t now)
{
	fputs(",\"last_checkin\":", out);
	json_when(out, now, sa->last_checkin, 1);
	fprintf(out, ",\"outcome\":\"%s\",\"last_error\":", checkin_outcome(sa));
	cli_json_str(out, sa->last_error, sizeof(sa->last_error));
	fputs(",\"last_ok\":", out);
	json_when(out, now, sa->last_ok, 1);
	fputs(",\"next_checkin\":", out);
	json_when(out, now, sa->next_checkin, 0);
	fprintf(out, ",\"update_interval\":%" PRIu64 ",\"queued\":%u,\"fetch_status\":",
	    sa->update_interval, sa->queued);
	cli_json_str(out, sa->fetch_status, sa->fetch_status_len);
}

static void
json_app(FILE *out, const struct ipc_app_entry *a, time_t now)
{
	size_t k;

	fputs("{\"name\":", out);
	cli_json_str(out, a->app, sizeof(a->app));
	fputs(",\"version\":", out);
	cli_json_str(out, a->version, sizeof(a->version));
	fprintf(out, ",\"status\":\"%s\",\"exitstatus\":%d,\"installed_at\":",
	    ipc_status_name(a->status), a->exit_code);
	json_when(out, now, a->installed_at, 1);
	fputs(",\"digest\":\"", out);
	for (k = 0; k < sizeof(a->digest); k++)
		fprintf(out, "%02x", a->digest[k]);
	fputs("\"}", out);
}

/* "apps" and "apps_error", and the closing brace. */
static void
json_apps(FILE *out, const struct status *s)
{
	size_t i;

	if (!s->apps_known) {
		fputs(",\"apps\":null,\"apps_error\":", out);
		cli_json_cstr(out, s->apps_err);
		fputs("}\n", out);
		return;
	}
	fputs(",\"apps\":[", out);
	for (i = 0; i < s->napps; i++) {
		if (i > 0)
			fputc(',', out);
		json_app(out, &s->apps[i], s->now);
	}
	fputs("],\"apps_error\":null}\n", out);
}

static void
status_json(FILE *out, const struct status *s)
{
	json_head(out, s);
	if (!s->netd_up) {
		fputs(",\"last_checkin\":null,\"outcome\":null,\"last_error\":null,"
		    "\"last_ok\":null,\"next_checkin\":null,\"update_interval\":null,"
		    "\"queued\":null,\"fetch_status\":null,\"apps\":null,"
		    "\"apps_error\":\"netd down\"}\n", out);
		return;
	}
	json_checkin(out, &s->sa, s->now);
	json_apps(out, s);
}

/* ---- the command ------------------------------------------------------------ */

int
cli_ctl_status(const struct cli_ctl_opts *o)
{
	static struct status s;
	int rc;

	memset(&s, 0, sizeof(s));
	if (cli_conf_load(o->conf, 0, &s.cfg) == -1)
		return CLI_EXIT_USAGE;
	status_gather(&s, o->timeout ? o->timeout : CLI_STATUS_TIMEOUT);
	s.now = time(NULL);
	if (o->json)
		status_json(stdout, &s);
	else
		status_text(stdout, &s);
	free(s.apps);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "gwe: cannot print: %s\n", strerror(errno));
		return CLI_EXIT_USAGE;
	}
	if (!s.netd_up)
		rc = CLI_EXIT_NETD_DOWN;
	else if (s.verifyd != D_UP || s.installd != D_UP)
		rc = CLI_EXIT_FAIL;
	else
		rc = CLI_EXIT_OK;
	return rc;
}
