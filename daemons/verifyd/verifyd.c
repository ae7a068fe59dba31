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
 * Messages are routed by one table of (peer, type) -> handler; anything
 * else from a peer ends that peer's connection.  The installer is our
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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../common/config.h"
#include "../../common/daemon.h"
#include "../../common/log.h"
#include "../../verify/vfy_sig.h"
#include "../../ipc/ipc.h"
#include "../../verify/vfy_check.h"
#include "../../verify/vfy_sandbox.h"

#define VFYD_SOCK		"verifyd.sock"
#define INSD_SOCK		"installd.sock"
#define VFYD_EMPTY		"empty"		/* run_dir/empty: the chroot */
#define CONNECT_TRIES_MS	10000		/* give the installer ~10 s to appear */
#define REFUSED_RING		32
#define LOGSAFE_MAX		(IPC_NAME_LEN + VFY_REASON_MAX)

struct vfyd {
	struct gwe_config	 cfg;
	struct vfy_keyring	 keys;
	uid_t			 net_uid, vfy_uid;
	gid_t			 net_gid, vfy_gid;
	int			 lfd;		/* verifyd.sock */
	int			 nfd;		/* gwe-netd, or -1 */
	int			 ifd;		/* gwe-installd */
	uint64_t		 refused[REFUSED_RING];	/* jobs refused here, ACK not yet seen */
	unsigned		 nrefused;
};

static struct vfyd env;
/* Messages are up to ~80 KB: keep them off the stack. */
static struct ipc_msg inmsg, outmsg;

static int	h_verify(struct ipc_msg *);
static int	h_to_installd(struct ipc_msg *);
static int	h_to_netd(struct ipc_msg *);

struct handler {
	enum ipc_peer	 from;
	uint16_t	 type;
	int		(*fn)(struct ipc_msg *);	/* -1: close that connection */
};

static const struct handler handlers[] = {
	{ PEER_NETD,	 IPC_VERIFY_REQ,	h_verify },
	{ PEER_NETD,	 IPC_ACK,		h_to_installd },
	{ PEER_NETD,	 IPC_UNACKED_QUERY,	h_to_installd },
	{ PEER_NETD,	 IPC_APPS_QUERY,	h_to_installd },
	{ PEER_INSTALLD, IPC_RESULT,		h_to_netd },
	{ PEER_INSTALLD, IPC_APP_ENTRY,		h_to_netd },
	{ PEER_INSTALLD, IPC_APPS_END,		h_to_netd },
	{ PEER_INSTALLD, IPC_ERROR,		h_to_netd },
};

/* ---- small helpers ------------------------------------------------------- */

/*
 * Untrusted text (a name from netd, a reason naming an archive entry)
 * goes into one log line or one fetch_status line: no control bytes,
 * and no quote that would end a key="value".
 */
static const char *
safe(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = (char)((c < 0x20 || c >= 0x7f || c == '"' || c == '\\') ? '?' : c);
	}
	buf[i] = '\0';
	return buf;
}

static void
refused_remember(uint64_t job)
{
	env.refused[env.nrefused++ % REFUSED_RING] = job;
}

/* Was job refused here?  Then forget it and say so. */
static int
refused_forget(uint64_t job)
{
	unsigned i;

	for (i = 0; i < REFUSED_RING && i < env.nrefused; i++)
		if (env.refused[i] == job) {
			env.refused[i] = UINT64_MAX;
			return 1;
		}
	return 0;
}

static void
netd_close(const char *why)
{
	if (env.nfd == -1)
		return;
	log_info("netd disconnected reason=\"%s\"", why);
	close(env.nfd);
	env.nfd = -1;
}

static void
installd_send(const struct ipc_msg *m)
{
	if (ipc_send(env.ifd, m) == -1)
		fatal("installd send failed type=%s", ipc_type_name(m->hdr.type));
}

/* ---- handlers -------------------------------------------------------------- */

static void
send_refusal(const struct ipc_msg *m, const char *reason, double secs)
{
	const struct ipc_verify_req *v = &m->u.verify;
	struct ipc_result *r = &outmsg.u.result;
	char n[LOGSAFE_MAX], why[LOGSAFE_MAX];
	int len;

	safe(v->name, n, sizeof(n));
	safe(reason, why, sizeof(why));
	log_warnx("verify refused name=%s job=%llu reason=\"%s\"", n,
	    (unsigned long long)v->job, why);
	ipc_init(&outmsg, IPC_RESULT, m->hdr.seq);
	r->job = v->job;
	r->origin = v->origin;
	r->status = IPC_ST_REFUSED;
	r->exit_code = -1;
	r->duration_ms = (uint64_t)(secs * 1000);
	r->finished_at = (uint64_t)time(NULL);
	memcpy(r->name, v->name, sizeof(r->name));
	len = snprintf(r->output, sizeof(r->output), "gwe: %s: %s", n, why);
	r->output_len = (uint32_t)(len < 0 ? 0 : len);
	r->output_total = r->output_len;
	refused_remember(v->job);
	if (env.nfd != -1 && ipc_send(env.nfd, &outmsg) == -1)
		log_warn("refusal not delivered job=%llu", (unsigned long long)v->job);
}

static void
forward_install(const struct ipc_msg *m, const struct vfy_check_res *res)
{
	const struct ipc_verify_req *v = &m->u.verify;
	struct ipc_install_req *i = &outmsg.u.install;

	ipc_init(&outmsg, IPC_INSTALL_REQ, m->hdr.seq);
	i->job = v->job;
	i->size = v->size;
	i->origin = v->origin;
	memcpy(i->name, v->name, sizeof(i->name));
	if (ipc_setstr(i->app, sizeof(i->app), res->app) == -1 ||
	    ipc_setstr(i->version, sizeof(i->version), res->version) == -1)
		fatalx("app or version does not fit a message");
	memcpy(i->digest, res->digest, sizeof(i->digest));
	i->sig_len = v->sig_len;
	memcpy(i->sig, v->sig, v->sig_len);
	outmsg.fd = m->fd;
	installd_send(&outmsg);
}

static void
log_accepted(const struct ipc_msg *m, const struct vfy_check_res *res)
{
	char n[LOGSAFE_MAX];

	safe(m->u.verify.name, n, sizeof(n));
	if (res->unsigned_ok)
		log_warnx("verify unsigned name=%s require_signature=false", n);
	log_info("verify accepted name=%s job=%llu app=%s version=%s bytes=%llu "
	    "entries=%llu unpacked=%llu secs=%.3f", n,
	    (unsigned long long)m->u.verify.job, res->app, res->version,
	    (unsigned long long)m->u.verify.size,
	    (unsigned long long)res->stats.entries,
	    (unsigned long long)res->stats.unpacked_bytes, res->secs);
}

/* VERIFY_REQ from netd: check the fd, then the tarball; refuse here or pass it on. */
static int
h_verify(struct ipc_msg *m)
{
	const struct ipc_verify_req *v = &m->u.verify;
	struct vfy_check_req req;
	static struct vfy_check_res res;
	char why[VFY_REASON_MAX + 8], fdwhy[VFY_REASON_MAX];
	uint64_t size;

	if (m->fd < 0)
		return -1;	/* the codec should have caught it */
	if (ipc_memfd_check(m->fd, v->size, &size, fdwhy, sizeof(fdwhy)) == -1) {
		snprintf(why, sizeof(why), "fd: %s", fdwhy);
		send_refusal(m, why, 0);
		goto done;
	}
	memset(&req, 0, sizeof(req));
	req.fd = m->fd;
	req.size = size;
	req.name = v->name;
	req.sig = v->sig;
	req.sig_len = v->sig_len;
	req.keys = &env.keys;
	req.limits = &env.cfg.limits;
	req.require_signature = env.cfg.require_signature;
	req.now = time(NULL);
	if (vfy_check(&req, &res) == -1) {
		send_refusal(m, res.reason, res.secs);
		goto done;
	}
	log_accepted(m, &res);
	forward_install(m, &res);
done:
	close(m->fd);
	m->fd = -1;
	return 0;
}

/* ACK, UNACKED_QUERY, APPS_QUERY from netd: the installer answers them. */
static int
h_to_installd(struct ipc_msg *m)
{
	if (m->hdr.type == IPC_ACK && refused_forget(m->u.ack.job)) {
		log_debug("ack of a refusal job=%llu", (unsigned long long)m->u.ack.job);
		return 0;
	}
	installd_send(m);
	return 0;
}

/* RESULT, APP_ENTRY, APPS_END, ERROR from the installer: pass them to netd. */
static int
h_to_netd(struct ipc_msg *m)
{
	if (m->hdr.type == IPC_RESULT)
		log_info("install result job=%llu status=%u exit=%d",
		    (unsigned long long)m->u.result.job, m->u.result.status,
		    m->u.result.exit_code);
	if (env.nfd == -1) {
		/* The installer keeps results until acked; netd will ask again. */
		log_info("relay dropped type=%s reason=\"netd not connected\"",
		    ipc_type_name(m->hdr.type));
		return 0;
	}
	if (ipc_send(env.nfd, m) == -1) {
		log_warn("relay to netd failed type=%s", ipc_type_name(m->hdr.type));
		netd_close("send failed");
	}
	return 0;
}

/* ---- the event loop --------------------------------------------------------- */

static const struct handler *
handler_find(enum ipc_peer from, uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (handlers[i].from == from && handlers[i].type == type)
			return &handlers[i];
	return NULL;
}

/* Read and dispatch one message; returns -1 when the connection must end. */
static int
peer_read(int fd, enum ipc_peer from, const char **why)
{
	static char err[256];
	const struct handler *h;
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
	if ((h = handler_find(from, inmsg.hdr.type)) == NULL) {
		log_warnx("message refused peer=%s type=%s reason=\"no handler\"",
		    ipc_peer_name(from), ipc_type_name(inmsg.hdr.type));
		if (inmsg.fd >= 0)
			close(inmsg.fd);
		*why = "unexpected message";
		return -1;
	}
	if (h->fn(&inmsg) == -1) {
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
		netd_close("replaced");
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
			netd_close(why);
		if (pfd[0].revents != 0)
			netd_accept();
	}
}

/* ---- start-up, as root ------------------------------------------------------- */

static void
load_keys(void)
{
	char err[512];

	if (vfy_keyring_load_dir(&env.keys, env.cfg.keys_dir, err, sizeof(err)) == -1) {
		if (env.cfg.require_signature)
			fatalx("keys not loaded dir=%s reason=\"%s\"", env.cfg.keys_dir, err);
		log_warnx("keys not loaded dir=%s reason=\"%s\"", env.cfg.keys_dir, err);
	}
	if (env.cfg.require_signature && env.keys.n == 0)
		fatalx("no trusted key dir=%s require_signature=true", env.cfg.keys_dir);
	if (!env.cfg.require_signature)
		log_warnx("require_signature is false: unsigned tarballs will be accepted");
	log_info("keys loaded count=%zu dir=%s", env.keys.n, env.cfg.keys_dir);
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
	load_keys();
	open_sockets();
	if (!o.foreground && daemon(0, 0) == -1)
		fatal("daemon");
	enter_sandbox();
	log_info("verifyd ready version=%s", GWE_VERSION);
	serve();
}
