/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * gwe-installd's main and loop (docs/design.md section 2): the verifier's uid
 * only, one connection at a time; ins_serve.c's table is the whole protocol
 * and anything else ends the connection.  It stays root, without no_new_privs
 * or seccomp, which install.sh would inherit (docs/trusted-surface.md, "Why no
 * sandbox"): its protection is its size and its strict inputs.
 */
#include <poll.h>

#include "../../common/daemon.h"
#include "installd.h"

static struct ins_ctx ctx = { .conn = -1 };
static struct ipc_msg in;		/* large: kept off the stack */

/* One message from the verifier; -1 ends the connection. */
static int
serve_one(void)
{
	const struct ipc_handler *h;
	char err[IPC_TEXT_LEN];
	int rc;

	rc = ipc_recv_from(ctx.conn, PEER_INSTALLD, PEER_VERIFYD, &in, 0, err, sizeof(err));
	if (rc == -1)
		log_warnx("connection dropped reason=\"%s\"", err);
	if (rc != 1)
		return rc == -2 ? 0 : -1;
	if ((h = ipc_handler_find(ins_handlers, ins_nhandlers, PEER_VERIFYD,
	    in.hdr.type)) != NULL)
		return h->fn(&ctx, &in);
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
		p[1].fd = ctx.conn;
		p[1].events = POLLIN;
		if (poll(p, 2, -1) == -1) {
			if (errno != EINTR)
				fatal("poll");
			continue;
		}
		if (ctx.conn != -1 && p[1].revents != 0 && serve_one() == -1) {
			close(ctx.conn);
			ctx.conn = -1;
		}
		if ((p[0].revents & POLLIN) == 0)
			continue;
		if ((fd = ipc_accept(lfd, vuid, &pid, &refused)) == -1 && !refused)
			log_warn("accept");
		if (fd == -1)
			continue;
		/* One verifier: a new connection means the old one is stale. */
		if (ctx.conn != -1)
			close(ctx.conn);
		ctx.conn = fd;
		log_info("verifier connected peer_pid=%d", (int)pid);
	}
}

int
main(int argc, char **argv)
{
	char path[PATH_MAX], err[CONF_ERR_MAX];
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
	vfy_utf8_locale();
	if (vfy_keyring_load_policy(&ctx.kr, ctx.cfg.keys_dir, ctx.cfg.require_signature,
	    err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (!ctx.cfg.require_signature)
		log_warnx("WARNING: require_signature=false: unsigned tarballs "
		    "will be installed as root keys=%zu", ctx.kr.n);
	ins_state_init(&ctx);
	ins_recover(&ctx);
	/* run_dir is shared with the other daemons: 0755 despite our umask. */
	if (mkdir(ctx.cfg.run_dir, 0755) == 0 && chmod(ctx.cfg.run_dir, 0755) == -1)
		fatal("chmod %s", ctx.cfg.run_dir);
	if (daemon_dir_safe(ctx.cfg.run_dir, err, sizeof(err)) == -1)
		fatalx("%s", err);
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
