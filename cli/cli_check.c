/*
 * gwe --check-tarball FILE [--sig SIG] [--pubkey KEY] (docs/design.md section 9).
 *
 * The check is the daemon's own (vfy_check) in the daemon's own sandbox
 * (vfy_sandbox_apply): a forked child opens the tarball, reads the
 * signature and the keys, enters the sandbox, and only then lets the
 * archive parser near the bytes.  It reports a fixed-size verdict over a
 * pipe; the parent, which never parses anything, prints it.
 *
 * Run by a user other than root, the child cannot chroot, change uid or
 * make a network namespace; it still forks and applies the rlimits,
 * no_new_privs and the same seccomp filter before parsing, so a hostile
 * archive meets the same system-call wall (vfy_sandbox_apply_unprivileged).
 * Root is the normal case.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "../common/config.h"
#include "../common/daemon.h"
#include "../common/limits.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../verify/vfy_sig.h"
#include "../verify/vfy_sig_file.h"
#include "../verify/vfy_check.h"
#include "../verify/vfy_sandbox.h"
#include "cli_check.h"
#include "cli_conf.h"
#include "cli_out.h"

#define NOBODY_UID	65534	/* when verify_user does not resolve */

/* What the child tells the parent: fixed size, no pointers. */
struct verdict {
	int32_t	code;		/* 0 accepted, 1 refused, 2 error */
	int32_t	unsigned_ok;
	char	msg[512];	/* the reason or the error */
};

struct check_ctx {
	const struct cli_check_opts *o;
	struct gwe_config	 cfg;
	uid_t			 uid;
	gid_t			 gid;
	char			 root[64];	/* empty chroot, root only */
	int			 loaded;	/* a configuration file was read */
};

static int
verdict_set(struct verdict *v, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
verdict_set(struct verdict *v, int code, const char *fmt, ...)
{
	va_list ap;

	v->code = code;
	va_start(ap, fmt);
	vsnprintf(v->msg, sizeof(v->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- in the parent ---------------------------------------------------------- */

/* A missing config at the default path is fine when --pubkey names the key. */
static int
load_config(struct check_ctx *c)
{
	int rc;

	rc = cli_conf_load(c->o->conf, !c->o->conf_given && c->o->pubkey != NULL, &c->cfg);
	if (rc == -1)
		return -1;
	c->loaded = rc == 1;
	return 0;
}

static void
resolve_user(struct check_ctx *c)
{
	char err[CONF_ERR_MAX];

	if (config_user(c->cfg.verify_user, &c->uid, &c->gid, err, sizeof(err)) == 0 &&
	    c->uid != 0 && c->gid != 0)
		return;
	/* Without a configuration file the default user need not exist. */
	if (c->loaded)
		log_warnx("verify_user not usable user=%s fallback_uid=%u",
		    c->cfg.verify_user, NOBODY_UID);
	c->uid = NOBODY_UID;
	c->gid = NOBODY_UID;
}

/* ---- in the child, before the sandbox --------------------------------------- */

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

static int
open_tarball(const char *path, int *fd, uint64_t *size, struct verdict *v)
{
	struct stat st;

	if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return verdict_set(v, 2, "%s: %s", path, strerror(errno));
	if (fstat(*fd, &st) == -1)
		return verdict_set(v, 2, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return verdict_set(v, 2, "%s: not a regular file", path);
	*size = (uint64_t)st.st_size;
	return 0;
}

/* The .minisig: missing is "no signature" unless --sig named it. */
static int
read_sig(const struct check_ctx *c, char *sig, size_t sigsize, size_t *len,
    struct verdict *v)
{
	char def[CONF_PATH_MAX + 16], err[CONF_PATH_MAX + 256];
	const char *path = c->o->sig;

	*len = 0;
	if (path == NULL) {
		/* Truncated, it would be some other file or "no signature". */
		if ((size_t)snprintf(def, sizeof(def), "%s.minisig", c->o->file) >=
		    sizeof(def))
			return verdict_set(v, 2, "%s: path too long", c->o->file);
		path = def;
	}
	if (vfy_sig_read_file(path, c->cfg.limits.max_sig_bytes, sig, sigsize, len, err,
	    sizeof(err)) == 0)
		return 0;
	if (errno == ENOENT && c->o->sig == NULL)
		return 0;
	if (errno == EFBIG)
		return verdict_set(v, 1, "signature: %s is over max_sig_bytes %llu",
		    path, (unsigned long long)c->cfg.limits.max_sig_bytes);
	return verdict_set(v, 2, "%s", err);
}

static int
load_keys(const struct check_ctx *c, struct vfy_keyring *kr, struct verdict *v)
{
	char err[512];
	int rc;

	memset(kr, 0, sizeof(*kr));
	if (c->o->pubkey == NULL) {
		if (vfy_keyring_load_policy(kr, c->cfg.keys_dir, c->cfg.require_signature,
		    err, sizeof(err)) == -1)
			return verdict_set(v, 2, "%s", err);
		return 0;
	}
	rc = vfy_keyring_add_file(kr, c->o->pubkey, err, sizeof(err));
	if (rc == -1 && c->cfg.require_signature)
		return verdict_set(v, 2, "%s", err);
	if (rc == -1)
		log_warnx("keys not loaded reason=\"%s\"", err);
	return 0;
}

static int
confine(const struct check_ctx *c, struct verdict *v)
{
	char err[512];
	int rc;

	if (geteuid() == 0)
		rc = vfy_sandbox_apply(c->uid, c->gid, c->root, err, sizeof(err));
	else
		rc = vfy_sandbox_apply_unprivileged(err, sizeof(err));
	if (rc == -1)
		return verdict_set(v, 2, "%s", err);
	return 0;
}

static void
child_check(const struct check_ctx *c, struct verdict *v)
{
	static struct vfy_keyring kr;
	static struct vfy_check_res res;
	static char sig[LIM_CEIL_SIG_BYTES + 1];
	struct vfy_check_req req;
	size_t siglen = 0;
	uint64_t size = 0;
	int fd = -1;

	if (open_tarball(c->o->file, &fd, &size, v) == -1 ||
	    read_sig(c, sig, sizeof(sig), &siglen, v) == -1 ||
	    load_keys(c, &kr, v) == -1 || confine(c, v) == -1)
		return;
	memset(&req, 0, sizeof(req));
	req.fd = fd;
	req.size = size;
	req.name = base_name(c->o->file);
	req.sig = sig;
	req.sig_len = siglen;
	req.keys = &kr;
	req.limits = &c->cfg.limits;
	req.require_signature = c->cfg.require_signature;
	req.now = time(NULL);
	if (vfy_check(&req, &res) == -1) {
		verdict_set(v, 1, "%s", res.reason);
	} else {
		verdict_set(v, 0, "%s %s", res.app, res.version);
		v->unsigned_ok = res.unsigned_ok;
	}
}

/*
 * Into the sandbox with fds 0 and 2 and the verdict pipe (as stdout) only: an
 * inherited fd (to /, say) would reach past the chroot.  syslog(3) forgets its
 * socket first, or it would take a later fd of ours for it.
 */
static void __attribute__((noreturn))
child_run(const struct check_ctx *c, int wfd)
{
	static struct verdict v;

	memset(&v, 0, sizeof(v));
	closelog();
	if (dup2(wfd, STDOUT_FILENO) == -1)
		_exit(2);
	daemon_close_fds();
	vfy_utf8_locale();
	child_check(c, &v);
	_exit(gwe_write_full(STDOUT_FILENO, &v, sizeof(v)) == 0 ? 0 : 2);
}

/* ---- back in the parent -------------------------------------------------------- */

static int
read_verdict(int rfd, struct verdict *v)
{
	if (gwe_read_full(rfd, (char *)v, sizeof(*v)) != sizeof(*v))
		return -1;
	v->msg[sizeof(v->msg) - 1] = '\0';
	return 0;
}

static int
wait_child(pid_t pid, const struct verdict *v, int got)
{
	int status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			fprintf(stderr, "gwe: waitpid: %s\n", strerror(errno));
			return 2;
		}
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "gwe: the sandboxed check died with signal %d%s\n",
		    WTERMSIG(status),
		    WTERMSIG(status) == SIGSYS ? " (a system call outside the seccomp filter)" : "");
		return 2;
	}
	if (!got || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "gwe: the sandboxed check gave no verdict\n");
		return 2;
	}
	return v->code;
}

static int
report(const struct check_ctx *c, struct verdict *v, int code)
{
	char *nl;

	/* One line a verdict: no newline or tab from the reason starts another. */
	while ((nl = strpbrk(v->msg, "\n\t")) != NULL)
		*nl = '?';
	switch (code) {
	case 0:
		if (v->unsigned_ok)
			fprintf(stderr, "gwe: warning: %s is not signed; accepted only "
			    "because require_signature = false\n", c->o->file);
		printf("accepted\n");
		return 0;
	case 1:
		/* The reason may quote an archive entry name: escape C0, C1, bad UTF-8. */
		fputs("refused: ", stdout);
		cli_text_str(stdout, v->msg, sizeof(v->msg));
		fputc('\n', stdout);
		return 1;
	default:
		if (v->code == 2 && v->msg[0] != '\0') {
			fputs("gwe: ", stderr);
			cli_text_str(stderr, v->msg, sizeof(v->msg));
			fputc('\n', stderr);
		}
		return 2;
	}
}

static int
make_root(struct check_ctx *c)
{
	if (geteuid() != 0)
		return 0;
	gwe_strlcpy(c->root, "/tmp/gwe-check.XXXXXX", sizeof(c->root));
	if (mkdtemp(c->root) == NULL) {
		fprintf(stderr, "gwe: mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int
cli_check_tarball(const struct cli_check_opts *o)
{
	static struct check_ctx c;
	struct verdict v;
	int p[2], got, code;
	pid_t pid;

	memset(&c, 0, sizeof(c));
	memset(&v, 0, sizeof(v));
	c.o = o;
	if (load_config(&c) == -1)
		return 2;
	resolve_user(&c);
	if (make_root(&c) == -1)
		return 2;
	if (pipe2(p, O_CLOEXEC) == -1) {
		fprintf(stderr, "gwe: pipe: %s\n", strerror(errno));
		code = 2;
		goto out;
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		fprintf(stderr, "gwe: fork: %s\n", strerror(errno));
		close(p[0]);
		close(p[1]);
		code = 2;
		goto out;
	}
	if (pid == 0) {
		close(p[0]);
		child_run(&c, p[1]);
	}
	close(p[1]);
	got = read_verdict(p[0], &v) == 0;
	close(p[0]);
	code = report(&c, &v, wait_child(pid, &v, got));
out:
	if (c.root[0] != '\0')
		rmdir(c.root);
	return code;
}
