/*
 * gwe-verifyd: the verifier (docs/design.md section 2).
 *
 * Starts as root only to open what it will need: the trusted keys, its
 * listening socket (run_dir/verifyd.sock, 0600, owned by net_user, so
 * only gwe-netd can connect, and SO_PEERCRED checked on every accept),
 * and its connection to the installer (run_dir/installd.sock, made with
 * verify_user as the effective uid so the installer sees that uid).
 * Then it enters the sandbox for good: empty root, no network, its own
 * uid, seccomp.  From there it serves one gwe-netd connection at a time.
 *
 * Messages are routed by one table of (peer, type) -> handler
 * (vfyd_route.c); anything else from a peer ends that peer's connection.  The installer is our
 * upstream: if its connection drops we exit 1 and let the supervisor
 * start us again (crash-only; we cannot reconnect from inside the chroot).
 *
 * Netd connections: a new one replaces the old one.  Only net_user can
 * connect at all, and a netd that restarted must not be locked out by a
 * dead connection its previous life left behind.
 *
 * Who keeps which result (docs/design.md section 3): results of installs are kept
 * by the installer until netd's ACK, relayed through here.  A refusal made
 * here is sent to netd at once and not kept: if netd goes away before it
 * reads it, netd still has the order entry in its journal and sends the
 * same VERIFY_REQ again after it reconnects, which refuses it again.  So
 * nothing is lost and the verifier keeps no state.  ACKs for refusals we
 * made are recognised (a small ring of recent job ids) and not passed on.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/config.h"
#include "../../common/daemon.h"
#include "../../common/log.h"
#include "../../verify/vfy_sig.h"
#include "../../ipc/ipc.h"
#include "../../verify/vfy_sandbox.h"
#include "vfyd.h"
#include "../../ipc/ipc_send.h"

#define VFYD_SOCK		"verifyd.sock"
#define INSD_SOCK		"installd.sock"
#define VFYD_EMPTY		"empty"		/* run_dir/empty: the chroot */
#define CONNECT_TRIES_MS	10000		/* give the installer ~10 s to appear */

static struct vfyd env;
/* Messages are up to ~80 KB: keep them off the stack. */
static struct ipc_msg inmsg;

/* ---- the event loop --------------------------------------------------------- */

/* Read and dispatch one message; returns -1 when the connection must end. */
static int
peer_read(int fd, enum ipc_peer from, const char **why)
{
	static char err[256];
	const struct ipc_handler *h;
	int rc;

	rc = ipc_recv_from(fd, PEER_VERIFYD, from, &inmsg, 0, err, sizeof(err));
	if (rc == -2)
		return 0;	/* nothing after all */
	if (rc == 0) {
		*why = "closed by peer";
		return -1;
	}
	if (rc == -1) {
		log_warnx("message refused peer=%s reason=\"%s\"",
		    ipc_peer_name(from), err);
		*why = "protocol error";
		return -1;
	}
	if ((h = ipc_handler_find(vfyd_handlers, vfyd_nhandlers, from,
	    inmsg.hdr.type)) == NULL) {
		log_warnx("message refused peer=%s type=%s reason=\"no handler\"",
		    ipc_peer_name(from), ipc_type_name(inmsg.hdr.type));
		if (inmsg.fd >= 0)
			close(inmsg.fd);
		*why = "unexpected message";
		return -1;
	}
	if (h->fn(&env, &inmsg) == -1) {
		*why = "handler refused the message";
		return -1;
	}
	return 0;
}

static void
netd_accept(void)
{
	pid_t pid;
	int fd, refused;

	/* ipc_accept logs a refused peer uid itself. */
	if ((fd = ipc_accept(env.lfd, env.net_uid, &pid, &refused)) == -1) {
		if (!refused && errno != EAGAIN && errno != EINTR)
			log_warn("accept failed");
		return;
	}
	if (env.nfd != -1) {
		log_info("netd connection replaced by a new one");
		vfyd_netd_close(&env, "replaced");
	}
	env.nfd = fd;
	log_info("netd connected pid=%d", (int)pid);
}

static void __attribute__((noreturn))
serve(void)
{
	struct pollfd pfd[3];
	const char *why;

	for (;;) {
		pfd[0].fd = env.lfd;
		pfd[1].fd = env.ifd;
		pfd[2].fd = env.nfd;	/* -1: ignored by poll */
		pfd[0].events = pfd[1].events = pfd[2].events = POLLIN;
		pfd[0].revents = pfd[1].revents = pfd[2].revents = 0;
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[1].revents != 0 && peer_read(env.ifd, PEER_INSTALLD, &why) == -1)
			fatalx("installd connection lost reason=\"%s\"", why);
		if (env.nfd != -1 && pfd[2].revents != 0 &&
		    peer_read(env.nfd, PEER_NETD, &why) == -1)
			vfyd_netd_close(&env, why);
		if (pfd[0].revents != 0)
			netd_accept();
	}
}

/* ---- start-up, as root ------------------------------------------------------- */

static void
load_keys(void)
{
	char err[512];

	if (vfy_keyring_load_policy(&env.keys, env.cfg.keys_dir,
	    env.cfg.require_signature, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (!env.cfg.require_signature)
		log_warnx("require_signature is false: unsigned tarballs will be accepted");
}

static void
path_in_run(char *buf, size_t len, const char *name)
{
	if ((size_t)snprintf(buf, len, "%s/%s", env.cfg.run_dir, name) >= len)
		fatalx("path too long run_dir=%s", env.cfg.run_dir);
}

static void
open_sockets(void)
{
	char path[CONF_PATH_MAX + 32], err[512];
	int waited = 0, step = 100;

	if (mkdir(env.cfg.run_dir, 0755) == -1 && errno != EEXIST)
		fatal("mkdir run_dir=%s", env.cfg.run_dir);
	if (daemon_dir_safe(env.cfg.run_dir, err, sizeof(err)) == -1)
		fatalx("%s", err);
	path_in_run(path, sizeof(path), VFYD_SOCK);
	if ((env.lfd = ipc_listen(path, 0600, env.net_uid, env.net_gid, err,
	    sizeof(err))) == -1)
		fatalx("listen failed reason=\"%s\"", err);
	path_in_run(path, sizeof(path), INSD_SOCK);
	while ((env.ifd = ipc_connect_as(path, env.vfy_uid, env.vfy_gid)) == -1) {
		if (waited >= CONNECT_TRIES_MS)
			fatal("installd unreachable path=%s", path);
		usleep((useconds_t)step * 1000);
		waited += step;
		step = step * 2 > 2000 ? 2000 : step * 2;
	}
	log_info("installd connected path=%s", path);
}

static void
enter_sandbox(void)
{
	char root[CONF_PATH_MAX + 32], err[512];

	path_in_run(root, sizeof(root), VFYD_EMPTY);
	if (vfy_sandbox_apply(env.vfy_uid, env.vfy_gid, root, err, sizeof(err)) == -1)
		fatalx("%s", err);
	log_info("sandbox on uid=%u gid=%u root=%s", (unsigned)env.vfy_uid,
	    (unsigned)env.vfy_gid, root);
}

int
main(int argc, char **argv)
{
	struct daemon_opts o;

	daemon_args(argc, argv, "gwe-verifyd", NULL, 0, &o);
	log_init("gwe-verifyd", o.foreground, LOG_LVL_INFO);
	daemon_config(&o, &env.cfg);
	if (geteuid() != 0)
		fatalx("must be started as root (it drops privileges itself)");
	daemon_user("net_user", env.cfg.net_user, &env.net_uid, &env.net_gid);
	daemon_user("verify_user", env.cfg.verify_user, &env.vfy_uid, &env.vfy_gid);
	env.nfd = -1;
	signal(SIGPIPE, SIG_IGN);
	vfy_utf8_locale();
	load_keys();
	open_sockets();
	if (!o.foreground && daemon(0, 0) == -1)
		fatal("daemon");
	enter_sandbox();
	log_info("verifyd ready version=%s", GWE_VERSION);
	serve();
}
