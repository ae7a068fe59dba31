/*
 * gwe --once, gwe --install-apps FILE... (docs/design.md section 9), and
 * the control socket they and gwe status (cli_status.c) talk over:
 * requests to gwe-netd over run_dir/netd.sock, which serves root peers
 * only.  One connection per request, a time-out on every wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/config.h"
#include "../ipc/ipc.h"
#include "../verify/vfy_sig_file.h"
#include "cli_conf.h"
#include "cli_ctl.h"
#include "cli_out.h"
#include "../ipc/ipc_send.h"

#define ERR_LEN		8192

/* One message at a time; struct ipc_msg is large. */
static struct ipc_msg msg;

/* ---- the socket -------------------------------------------------------------- */

int
cli_ctl_connect(const struct gwe_config *cfg, char *err, size_t errlen)
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

int
cli_ctl_recv(int fd, struct ipc_msg *m, uint32_t seq, unsigned timeout_s, char *err,
    size_t errlen)
{
	char why[256];
	int rc;

	rc = ipc_recv_from(fd, PEER_CLI, PEER_NETD, m, (int)timeout_s * 1000, why,
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
	if (m->fd != -1) {	/* no answer to the CLI carries one */
		close(m->fd);
		m->fd = -1;
	}
	if (m->hdr.seq != seq) {
		snprintf(err, errlen, "gwe-netd answered request %u, not %u", m->hdr.seq, seq);
		return -1;
	}
	return 1;
}

/* ---- gwe --once ---------------------------------------------------------- */

/* What netd said of the check-in in msg: the exit status. */
static int
once_answer(void)
{
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

int
cli_ctl_once(const struct cli_ctl_opts *o)
{
	struct gwe_config cfg;
	char err[ERR_LEN];
	unsigned timeout = o->timeout ? o->timeout : CLI_ONCE_TIMEOUT;
	int fd;

	if (cli_conf_load(o->conf, 0, &cfg) == -1)
		return CLI_EXIT_USAGE;
	if ((fd = cli_ctl_connect(&cfg, err, sizeof(err))) == -1) {
		fprintf(stderr, "gwe: gwe-netd down: %s\n", err);
		return CLI_EXIT_USAGE;
	}
	ipc_init(&msg, IPC_CTL_CHECKIN, 1);
	if (ipc_send(fd, &msg) == -1) {
		fprintf(stderr, "gwe: send to gwe-netd: %s\n", strerror(errno));
		close(fd);
		return CLI_EXIT_USAGE;
	}
	if (cli_ctl_recv(fd, &msg, 1, timeout, err, sizeof(err)) == -1) {
		fprintf(stderr, "gwe: %s\n", err);
		close(fd);
		return CLI_EXIT_USAGE;
	}
	close(fd);
	return once_answer();
}

/* ---- gwe --install-apps ---------------------------------------------------- */

/* The tarball opened, a regular file of at most max bytes; fd, or -1 with err set. */
static int
tarball_open(const char *file, uint64_t max, uint64_t *size, char *err, size_t errlen,
    int *refused)
{
	struct stat st;
	int in;

	*refused = 0;
	if ((in = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(in, &st) == -1) {
		snprintf(err, errlen, "fstat: %s", strerror(errno));
		close(in);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		close(in);
		return -1;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(err, errlen, "%" PRIu64 " bytes, larger than [limits] "
		    "max_tarball_bytes %" PRIu64, (uint64_t)st.st_size, max);
		*refused = 1;
		close(in);
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return in;
}

/* The tarball copied into a sealed memfd.  fd, or -1 with err set. */
static int
tarball_memfd(const char *file, const char *name, uint64_t max, uint64_t *size,
    char *err, size_t errlen, int *refused)
{
	int in, mfd;

	if ((in = tarball_open(file, max, size, err, errlen, refused)) == -1)
		return -1;
	mfd = ipc_memfd_copy(in, *size, name, err, errlen);
	close(in);
	return mfd;
}

/* The signature into ci: FILE.minisig unless --sig named one; 0, or -1 with err set. */
static int
read_sig(const char *file, const char *sig, struct ipc_ctl_install *ci, char *err,
    size_t errlen)
{
	static char text[IPC_SIG_MAX + 1];
	char p[4096], why[4096 + 256];
	size_t len;

	if (sig == NULL && (size_t)snprintf(p, sizeof(p), "%s.minisig", file) >= sizeof(p)) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	if (vfy_sig_read_file(sig ? sig : p, IPC_SIG_MAX, text, sizeof(text), &len, why,
	    sizeof(why)) == -1) {
		if (errno == ENOENT && sig == NULL) {
			/* The verifier refuses it unless require_signature = false. */
			fprintf(stderr, "gwe: %s: no %s, sent without a signature\n", file, p);
			ci->sig_len = 0;
			return 0;
		}
		snprintf(err, errlen, "signature %s", why);
		return -1;
	}
	memcpy(ci->sig, text, len);
	ci->sig_len = (uint32_t)len;
	return 0;
}

/*
 * msg made into the CTL_INSTALL of file (name: its base name), with the
 * tarball's memfd: CLI_EXIT_OK, or the exit status with the reason printed.
 */
static int
install_req(const struct cli_ctl_opts *o, const struct gwe_config *cfg, const char *file,
    const char *name)
{
	struct ipc_ctl_install *ci = &msg.u.ctl_install;
	char err[ERR_LEN];
	uint64_t size;
	int mfd, refused;

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
	return CLI_EXIT_OK;
}

/* Send msg, closing its memfd, and wait for the answer into msg. */
static int
install_send(const struct gwe_config *cfg, const char *name, unsigned timeout)
{
	char err[ERR_LEN];
	int fd;

	if ((fd = cli_ctl_connect(cfg, err, sizeof(err))) == -1) {
		close(msg.fd);
		fprintf(stderr, "gwe: %s: gwe-netd down: %s\n", name, err);
		return CLI_EXIT_USAGE;
	}
	if (ipc_send(fd, &msg) == -1) {
		fprintf(stderr, "gwe: %s: send to gwe-netd: %s\n", name, strerror(errno));
		close(msg.fd);
		close(fd);
		return CLI_EXIT_USAGE;
	}
	close(msg.fd);
	if (cli_ctl_recv(fd, &msg, 1, timeout, err, sizeof(err)) == -1) {
		fprintf(stderr, "gwe: %s: %s\n", name, err);
		close(fd);
		return CLI_EXIT_USAGE;
	}
	close(fd);
	return CLI_EXIT_OK;
}

static void
print_result(const char *name, const struct ipc_result *r)
{
	fprintf(stdout, "%s: %s exit=%d", name, ipc_status_name(r->status), r->exit_code);
	if (r->signal != 0)
		fprintf(stdout, " signal=%d", r->signal);
	fprintf(stdout, " secs=%" PRIu64 ".%02" PRIu64 "\n", r->duration_ms / 1000,
	    r->duration_ms % 1000 / 10);
	cli_text_lines(stdout, "    ", r->output, r->output_len);
	if (r->truncated)
		fprintf(stdout, "    [output cut at %u of %" PRIu64 " bytes]\n", r->output_len,
		    r->output_total);
}

/* What netd answered in msg, printed: the exit status. */
static int
install_answer(const char *name)
{
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

static int
install_one(const struct cli_ctl_opts *o, const struct gwe_config *cfg, const char *file)
{
	const char *name = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	unsigned timeout = o->timeout ? o->timeout :
	    (unsigned)(cfg->limits.install_timeout + CLI_INSTALL_SLACK);
	int rc;

	if ((rc = install_req(o, cfg, file, name)) != CLI_EXIT_OK ||
	    (rc = install_send(cfg, name, timeout)) != CLI_EXIT_OK)
		return rc;
	return install_answer(name);
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
	if (cli_conf_load(o->conf, 0, &cfg) == -1)
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
