/*
 * gwe status [--json], gwe --once, gwe --install-apps FILE... (docs/design.md
 * section 9): requests to gwe-netd over run_dir/netd.sock, which serves
 * root peers only.  One connection per request, a time-out on every wait.
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
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/config.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../ipc/ipc.h"
#include "cli_ctl.h"

#define APPS_MAX	4096	/* more entries than this: the answer is refused */
#define ERR_LEN		8192

/* One message at a time; struct ipc_msg is large. */
static struct ipc_msg msg;

/* ---- output helpers -------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (RFC 3629), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;	/* no overlong forms */
		else if (p[0] == 0xed)
			hi = 0x9f;	/* no surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;	/* <= U+10FFFF */
	} else
		return 0;
	if (n < need || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return need;
}

void
cli_json_str(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	unsigned char c;

	fputc('"', out);
	while (i < len && p[i] != '\0') {
		c = p[i];
		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
			i++;
		} else if (c == '\n') {
			fputs("\\n", out);
			i++;
		} else if (c == '\t') {
			fputs("\\t", out);
			i++;
		} else if (c == '\r') {
			fputs("\\r", out);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			fputc(c, out);
			i++;
		} else if ((n = utf8_len(p + i, len - i)) > 0) {
			fwrite(p + i, 1, n, out);
			i += n;
		} else {
			fputs("\\ufffd", out);
			i++;
		}
	}
	fputc('"', out);
}

void
cli_text_str(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n, k;
	unsigned char c;

	while (i < len && p[i] != '\0') {
		c = p[i];
		if (c == '\\') {
			fputs("\\\\", out);
			i++;
		} else if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f)) {
			fputc(c, out);
			i++;
		} else if (c >= 0x80 && (n = utf8_len(p + i, len - i)) > 0 &&
		    !(c == 0xc2 && p[i + 1] < 0xa0)) {	/* C1 controls escaped */
			fwrite(p + i, 1, n, out);
			i += n;
		} else if (c >= 0x80 && (n = utf8_len(p + i, len - i)) > 0) {
			for (k = 0; k < n; k++)
				fprintf(out, "\\x%02x", p[i + k]);
			i += n;
		} else {
			fprintf(out, "\\x%02x", c);
			i++;
		}
	}
}

void
cli_iso_time(uint64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt;

	if (t == 0) {
		snprintf(buf, len, "never");
		return;
	}
	tt = (time_t)t;
	if (t > (uint64_t)INT64_MAX || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "@%" PRIu64, t);
}

const char *
cli_status_name(uint32_t st)
{
	switch (st) {
	case IPC_ST_INSTALLED:
		return "installed";
	case IPC_ST_FAILED:
		return "failed";
	case IPC_ST_REFUSED:
		return "refused";
	case IPC_ST_INTERRUPTED:
		return "interrupted";
	case IPC_ST_ERROR:
		return "error";
	default:
		return "unknown";
	}
}

/* Each line of s[0..len) after prefix; a missing last newline added. */
static void
print_indented(FILE *out, const char *prefix, const char *s, size_t len)
{
	size_t i = 0, e;

	len = strnlen(s, len);
	while (i < len) {
		for (e = i; e < len && s[e] != '\n'; e++)
			;
		fputs(prefix, out);
		cli_text_str(out, s + i, e - i);
		fputc('\n', out);
		i = e + 1;
	}
}

static void
json_cstr(FILE *out, const char *s)
{
	cli_json_str(out, s, strlen(s));
}

/* ---- the socket -------------------------------------------------------------- */

static int
load_config(const char *path, struct gwe_config *cfg)
{
	char err[CONF_ERR_MAX];

	config_defaults(cfg);
	if (config_load(path, cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "gwe: %s\n", err);
		return -1;
	}
	return 0;
}

/* Connect as root, the one peer netd accepts.  fd, or -1 with err set. */
static int
ctl_connect(const struct gwe_config *cfg, char *err, size_t errlen)
{
	char p[CONF_PATH_MAX + 16];
	uid_t uid;
	pid_t pid;
	int fd;

	if ((size_t)snprintf(p, sizeof(p), "%s/netd.sock", cfg->run_dir) >= sizeof(p)) {
		snprintf(err, errlen, "[paths] run_dir too long");
		return -1;
	}
	if ((fd = ipc_connect_as(p, geteuid(), getegid())) == -1) {
		snprintf(err, errlen, "cannot connect to %s: %s%s", p, strerror(errno),
		    errno == EACCES && geteuid() != 0 ? " (gwe-netd serves root only)" : "");
		return -1;
	}
	/*
	 * gwe-netd binds and listens as root before it drops privileges, and
	 * the kernel reports the listener's ids: anything else is not netd,
	 * and gets no tarball.
	 */
	if (ipc_peer_check(fd, 0, &uid, &pid) == -1) {
		snprintf(err, errlen, "%s is served by uid %ld (pid %ld), not root: not "
		    "gwe-netd", p, (long)(int)uid, (long)pid);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Receive netd's answer to request seq.  1 with msg filled, -1 with err
 * set (closed, time-out, protocol error, or an answer to something else).
 */
static int
ctl_recv(int fd, uint32_t seq, unsigned timeout_s, char *err, size_t errlen)
{
	char why[256];
	int rc;

	rc = ipc_recv_from(fd, PEER_CLI, PEER_NETD, &msg, (int)timeout_s * 1000, why,
	    sizeof(why));
	if (rc == -2) {
		snprintf(err, errlen, "no answer from gwe-netd within %u s", timeout_s);
		return -1;
	}
	if (rc == 0) {
		snprintf(err, errlen, "gwe-netd closed the connection");
		return -1;
	}
	if (rc == -1) {
		snprintf(err, errlen, "bad answer from gwe-netd: %s", why);
		return -1;
	}
	if (msg.fd != -1) {	/* no answer to the CLI carries one */
		close(msg.fd);
		msg.fd = -1;
	}
	if (msg.hdr.seq != seq) {
		snprintf(err, errlen, "gwe-netd answered request %u, not %u", msg.hdr.seq, seq);
		return -1;
	}
	return 1;
}

/* ---- gwe status ---------------------------------------------------------- */

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

static int
query_status(struct status *s, int fd, unsigned timeout)
{
	ipc_init(&msg, IPC_CTL_STATUS, 1);
	if (ipc_send(fd, &msg) == -1) {
		snprintf(s->netd_err, sizeof(s->netd_err), "send: %s", strerror(errno));
		return -1;
	}
	if (ctl_recv(fd, 1, timeout, s->netd_err, sizeof(s->netd_err)) == -1)
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

static int
query_apps(struct status *s, int fd, unsigned timeout)
{
	struct ipc_app_entry *np;

	ipc_init(&msg, IPC_APPS_QUERY, 2);
	if (ipc_send(fd, &msg) == -1) {
		snprintf(s->apps_err, sizeof(s->apps_err), "send: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		if (ctl_recv(fd, 2, timeout, s->apps_err, sizeof(s->apps_err)) == -1)
			return -1;
		switch (msg.hdr.type) {
		case IPC_APP_ENTRY:
			if (s->napps == APPS_MAX) {
				snprintf(s->apps_err, sizeof(s->apps_err),
				    "more than %d apps", APPS_MAX);
				return -1;
			}
			if ((np = realloc(s->apps, (s->napps + 1) * sizeof(*np))) == NULL) {
				snprintf(s->apps_err, sizeof(s->apps_err), "out of memory");
				return -1;
			}
			s->apps = np;
			s->apps[s->napps++] = msg.u.app;
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
	if ((fd = ctl_connect(&s->cfg, s->netd_err, sizeof(s->netd_err))) == -1)
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
	if ((fd = ctl_connect(&s->cfg, s->netd_err, sizeof(s->netd_err))) != -1 &&
	    query_status(s, fd, timeout) == 0)
		s->verifyd = s->sa.verifyd_up ? D_UP : D_DOWN;
	if (fd != -1)
		close(fd);
	s->netd_err[0] = '\0';
	/* Up, the verifier would have relayed the installer's answer. */
	s->installd = s->verifyd == D_UP ? D_DOWN : D_UNKNOWN;
}

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
status_text(FILE *out, const struct status *s)
{
	const struct ipc_status_answer *sa = &s->sa;
	const struct ipc_app_entry *a;
	char iso[64], rel[64];
	size_t i;

	fprintf(out, "%-20s%s\n", "configuration:", s->cfg.path[0] ? s->cfg.path : "-");
	fprintf(out, "%-20svendor=", "device:");
	cli_text_str(out, s->cfg.vendor, sizeof(s->cfg.vendor));
	fputs(" model=", out);
	cli_text_str(out, s->cfg.model, sizeof(s->cfg.model));
	fputs(" uuid=", out);
	cli_text_str(out, s->cfg.uuid, sizeof(s->cfg.uuid));
	fputs(" iface=", out);
	cli_text_str(out, s->cfg.iface, sizeof(s->cfg.iface));
	fputc('\n', out);
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
	print_when(out, "last check-in:", s->now, sa->last_checkin, 0);
	fprintf(out, "%-20s%s", "outcome:", checkin_outcome(sa));
	if (sa->last_error[0] != '\0') {
		fputs(": ", out);
		cli_text_str(out, sa->last_error, sizeof(sa->last_error));
	}
	fputc('\n', out);
	print_when(out, "last success:", s->now, sa->last_ok, 0);
	print_when(out, "next check-in:", s->now, sa->next_checkin, 1);
	fprintf(out, "%-20s%" PRIu64 " s\n", "update interval:", sa->update_interval);
	fprintf(out, "%-20s%u\n", "queued results:", sa->queued);
	if (sa->fetch_status_len == 0)
		fprintf(out, "%-20s-\n", "last fetch_status:");
	else {
		fprintf(out, "last fetch_status:\n");
		print_indented(out, "    ", sa->fetch_status, sa->fetch_status_len);
	}
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
		fprintf(out, " %s exit=%d at %s (%s)\n", cli_status_name(a->status),
		    a->exit_code, iso, a->installed_at ? rel : "-");
	}
}

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

static void
status_json(FILE *out, const struct status *s)
{
	const struct ipc_status_answer *sa = &s->sa;
	const struct ipc_app_entry *a;
	char iso[64];
	size_t i, k;

	cli_iso_time((uint64_t)s->now, iso, sizeof(iso));
	fprintf(out, "{\"version\":\"%s\",\"now\":\"%s\",\"configuration\":", GWE_VERSION,
	    iso);
	json_cstr(out, s->cfg.path);
	fputs(",\"device\":{\"vendor\":", out);
	json_cstr(out, s->cfg.vendor);
	fputs(",\"model\":", out);
	json_cstr(out, s->cfg.model);
	fputs(",\"uuid\":", out);
	json_cstr(out, s->cfg.uuid);
	fputs(",\"iface\":", out);
	json_cstr(out, s->cfg.iface);
	fprintf(out, "},\"daemons\":{\"netd\":\"%s\",\"verifyd\":\"%s\",\"installd\":\"%s\"}",
	    s->netd_up ? "up" : "down", updown_name(s->verifyd), updown_name(s->installd));
	fputs(",\"netd_error\":", out);
	if (s->netd_up)
		fputs("null", out);
	else
		json_cstr(out, s->netd_err);
	if (!s->netd_up) {
		fputs(",\"last_checkin\":null,\"outcome\":null,\"last_error\":null,"
		    "\"last_ok\":null,\"next_checkin\":null,\"update_interval\":null,"
		    "\"queued\":null,\"fetch_status\":null,\"apps\":null,"
		    "\"apps_error\":\"netd down\"}\n", out);
		return;
	}
	fputs(",\"last_checkin\":", out);
	json_when(out, s->now, sa->last_checkin, 1);
	fprintf(out, ",\"outcome\":\"%s\",\"last_error\":", checkin_outcome(sa));
	cli_json_str(out, sa->last_error, sizeof(sa->last_error));
	fputs(",\"last_ok\":", out);
	json_when(out, s->now, sa->last_ok, 1);
	fputs(",\"next_checkin\":", out);
	json_when(out, s->now, sa->next_checkin, 0);
	fprintf(out, ",\"update_interval\":%" PRIu64 ",\"queued\":%u,\"fetch_status\":",
	    sa->update_interval, sa->queued);
	cli_json_str(out, sa->fetch_status, sa->fetch_status_len);
	if (!s->apps_known) {
		fputs(",\"apps\":null,\"apps_error\":", out);
		json_cstr(out, s->apps_err);
		fputs("}\n", out);
		return;
	}
	fputs(",\"apps\":[", out);
	for (i = 0; i < s->napps; i++) {
		a = &s->apps[i];
		fputs(i ? ",{\"name\":" : "{\"name\":", out);
		cli_json_str(out, a->app, sizeof(a->app));
		fputs(",\"version\":", out);
		cli_json_str(out, a->version, sizeof(a->version));
		fprintf(out, ",\"status\":\"%s\",\"exitstatus\":%d,\"installed_at\":",
		    cli_status_name(a->status), a->exit_code);
		json_when(out, s->now, a->installed_at, 1);
		fputs(",\"digest\":\"", out);
		for (k = 0; k < sizeof(a->digest); k++)
			fprintf(out, "%02x", a->digest[k]);
		fputs("\"}", out);
	}
	fputs("],\"apps_error\":null}\n", out);
}

int
cli_ctl_status(const struct cli_ctl_opts *o)
{
	static struct status s;
	int rc;

	memset(&s, 0, sizeof(s));
	if (load_config(o->conf, &s.cfg) == -1)
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

/* ---- gwe --once ---------------------------------------------------------- */

int
cli_ctl_once(const struct cli_ctl_opts *o)
{
	struct gwe_config cfg;
	char err[ERR_LEN];
	unsigned timeout = o->timeout ? o->timeout : CLI_ONCE_TIMEOUT;
	int fd;

	if (load_config(o->conf, &cfg) == -1)
		return CLI_EXIT_USAGE;
	if ((fd = ctl_connect(&cfg, err, sizeof(err))) == -1) {
		fprintf(stderr, "gwe: gwe-netd down: %s\n", err);
		return CLI_EXIT_USAGE;
	}
	ipc_init(&msg, IPC_CTL_CHECKIN, 1);
	if (ipc_send(fd, &msg) == -1) {
		fprintf(stderr, "gwe: send to gwe-netd: %s\n", strerror(errno));
		close(fd);
		return CLI_EXIT_USAGE;
	}
	if (ctl_recv(fd, 1, timeout, err, sizeof(err)) == -1) {
		fprintf(stderr, "gwe: %s\n", err);
		close(fd);
		return CLI_EXIT_USAGE;
	}
	close(fd);
	if (msg.hdr.type == IPC_CTL_DONE && msg.u.done.ok) {
		fputs("check-in done: ", stdout);
		cli_text_str(stdout, msg.u.done.message, sizeof(msg.u.done.message));
		fputc('\n', stdout);
		return fflush(stdout) == EOF ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	if (msg.hdr.type == IPC_CTL_DONE || msg.hdr.type == IPC_ERROR) {
		fputs("gwe: check-in did not reach the platform: ", stderr);
		if (msg.hdr.type == IPC_CTL_DONE)
			cli_text_str(stderr, msg.u.done.message, sizeof(msg.u.done.message));
		else
			cli_text_str(stderr, msg.u.error.message, sizeof(msg.u.error.message));
		fputc('\n', stderr);
		return CLI_EXIT_FAIL;
	}
	fprintf(stderr, "gwe: unexpected answer %s\n", ipc_type_name(msg.hdr.type));
	return CLI_EXIT_USAGE;
}

/* ---- gwe --install-apps ---------------------------------------------------- */

/* Copy the tarball into a sealed memfd.  fd, or -1 with err set. */
static int
tarball_memfd(const char *file, const char *name, uint64_t max, uint64_t *size,
    char *err, size_t errlen, int *refused)
{
	static char buf[65536];
	struct stat st;
	ssize_t n;
	uint64_t total = 0;
	int in, mfd = -1;

	*refused = 0;
	if ((in = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(in, &st) == -1) {
		snprintf(err, errlen, "fstat: %s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		goto fail;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(err, errlen, "%" PRIu64 " bytes, larger than [limits] "
		    "max_tarball_bytes %" PRIu64, (uint64_t)st.st_size, max);
		*refused = 1;
		goto fail;
	}
	if ((mfd = ipc_memfd_create(name)) == -1) {
		snprintf(err, errlen, "memfd: %s", strerror(errno));
		goto fail;
	}
	for (;;) {
		if ((n = read(in, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "read: %s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		if ((total += (uint64_t)n) > max) {
			snprintf(err, errlen, "grew past [limits] max_tarball_bytes while read");
			*refused = 1;
			goto fail;
		}
		if (gwe_write_full(mfd, buf, (size_t)n) == -1) {
			snprintf(err, errlen, "memfd write: %s", strerror(errno));
			goto fail;
		}
	}
	if (ipc_memfd_seal(mfd) == -1) {
		snprintf(err, errlen, "memfd seal: %s", strerror(errno));
		goto fail;
	}
	close(in);
	*size = total;
	return mfd;
fail:
	if (mfd != -1)
		close(mfd);
	close(in);
	return -1;
}

/* Read the signature into m; 0, or -1 with err set. */
static int
read_sig(const char *file, const char *sig, struct ipc_ctl_install *ci, char *err,
    size_t errlen)
{
	char p[4096], *text;
	size_t len;

	if (sig == NULL && (size_t)snprintf(p, sizeof(p), "%s.minisig", file) >= sizeof(p)) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	if (gwe_read_file(sig ? sig : p, IPC_SIG_MAX, &text, &len) == -1) {
		if (errno == ENOENT && sig == NULL) {
			/* The verifier refuses it unless require_signature = false. */
			fprintf(stderr, "gwe: %s: no %s, sent without a signature\n", file, p);
			ci->sig_len = 0;
			return 0;
		}
		snprintf(err, errlen, "signature %s: %s", sig ? sig : p,
		    errno == EFBIG ? "larger than 16384 bytes" : strerror(errno));
		return -1;
	}
	memcpy(ci->sig, text, len);
	ci->sig_len = (uint32_t)len;
	free(text);
	return 0;
}

static void
print_result(const char *name, const struct ipc_result *r)
{
	fprintf(stdout, "%s: %s exit=%d", name, cli_status_name(r->status), r->exit_code);
	if (r->signal != 0)
		fprintf(stdout, " signal=%d", r->signal);
	fprintf(stdout, " secs=%" PRIu64 ".%02" PRIu64 "\n", r->duration_ms / 1000,
	    r->duration_ms % 1000 / 10);
	print_indented(stdout, "    ", r->output, r->output_len);
	if (r->truncated)
		fprintf(stdout, "    [output cut at %u of %" PRIu64 " bytes]\n", r->output_len,
		    r->output_total);
}

static int
install_one(const struct cli_ctl_opts *o, const struct gwe_config *cfg, const char *file)
{
	const char *name = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	unsigned timeout = o->timeout ? o->timeout :
	    (unsigned)(cfg->limits.install_timeout + CLI_INSTALL_SLACK);
	struct ipc_ctl_install *ci = &msg.u.ctl_install;
	char err[ERR_LEN];
	uint64_t size;
	int mfd, fd, refused;

	ipc_init(&msg, IPC_CTL_INSTALL, 1);
	if (ipc_setstr(ci->name, sizeof(ci->name), name) == -1 || name[0] == '\0') {
		fprintf(stderr, "gwe: %s: not a tarball name\n", file);
		return CLI_EXIT_USAGE;
	}
	if ((mfd = tarball_memfd(file, name, cfg->limits.max_tarball_bytes, &size, err,
	    sizeof(err), &refused)) == -1) {
		if (refused) {
			fprintf(stdout, "%s: refused\n    gwe: %s: %s\n", name, name, err);
			return CLI_EXIT_FAIL;
		}
		fprintf(stderr, "gwe: %s: %s\n", file, err);
		return CLI_EXIT_USAGE;
	}
	if (read_sig(file, o->sig, ci, err, sizeof(err)) == -1) {
		fprintf(stderr, "gwe: %s: %s\n", file, err);
		close(mfd);
		return CLI_EXIT_USAGE;
	}
	msg.fd = mfd;
	ci->size = size;
	if ((fd = ctl_connect(cfg, err, sizeof(err))) == -1) {
		close(mfd);
		fprintf(stderr, "gwe: %s: gwe-netd down: %s\n", name, err);
		return CLI_EXIT_USAGE;
	}
	if (ipc_send(fd, &msg) == -1) {
		fprintf(stderr, "gwe: %s: send to gwe-netd: %s\n", name, strerror(errno));
		close(mfd);
		close(fd);
		return CLI_EXIT_USAGE;
	}
	close(mfd);
	if (ctl_recv(fd, 1, timeout, err, sizeof(err)) == -1) {
		fprintf(stderr, "gwe: %s: %s\n", name, err);
		close(fd);
		return CLI_EXIT_USAGE;
	}
	close(fd);
	switch (msg.hdr.type) {
	case IPC_RESULT:
		print_result(name, &msg.u.result);
		return msg.u.result.status == IPC_ST_INSTALLED ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	case IPC_ERROR:
		if (msg.u.error.code == IPC_E_REFUSED) {
			fprintf(stdout, "%s: refused\n    gwe: %s: ", name, name);
			cli_text_str(stdout, msg.u.error.message, sizeof(msg.u.error.message));
			fputc('\n', stdout);
			return CLI_EXIT_FAIL;
		}
		fprintf(stderr, "gwe: %s: not installed: ", name);
		cli_text_str(stderr, msg.u.error.message, sizeof(msg.u.error.message));
		fputc('\n', stderr);
		return CLI_EXIT_USAGE;
	default:
		fprintf(stderr, "gwe: %s: unexpected answer %s\n", name,
		    ipc_type_name(msg.hdr.type));
		return CLI_EXIT_USAGE;
	}
}

int
cli_ctl_install(const struct cli_ctl_opts *o)
{
	struct gwe_config cfg;
	int i, rc, worst = CLI_EXIT_OK;

	if (o->nfiles < 1) {
		fprintf(stderr, "gwe: --install-apps needs at least one tarball\n");
		return CLI_EXIT_USAGE;
	}
	if (o->sig != NULL && o->nfiles != 1) {
		fprintf(stderr, "gwe: --sig goes with a single tarball\n");
		return CLI_EXIT_USAGE;
	}
	if (load_config(o->conf, &cfg) == -1)
		return CLI_EXIT_USAGE;
	for (i = 0; i < o->nfiles; i++) {
		rc = install_one(o, &cfg, o->files[i]);
		if (fflush(stdout) == EOF)
			rc = CLI_EXIT_USAGE;
		if (rc > worst)
			worst = rc;
	}
	return worst;
}
