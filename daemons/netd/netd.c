/*
 * gwe-netd: the unprivileged network process (docs/design.md sections 2 and 3).
 * Start as root, open what is needed, drop into the sandbox, then loop:
 * check in every update_interval seconds (backing off on errors) and
 * serve the control socket in between.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../common/daemon.h"
#include "../../common/log.h"
#include "net_backoff.h"
#include "net_checkin.h"
#include "net_ctl.h"
#include "net_order.h"
#include "net_sandbox.h"
#include "net_state.h"
#include "net_vfy.h"

#define NET_BACKLOG_GAP		2	/* s to the next check-in while results wait */

static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void
signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Exponential backoff with jitter, never longer than the interval. */
static uint64_t
backoff(const struct netd *nd)
{
	return net_backoff(nd->failures, nd->interval);
}

/* When the next check-in is due after one with outcome rc (0 or -1). */
static time_t
schedule(struct netd *nd, int rc)
{
	uint64_t d;

	if (rc == 0) {
		nd->failures = 0;
		/* A fetch_status backlog goes on at the next check-in, soon. */
		d = nd->backlog && nd->interval > NET_BACKLOG_GAP ? NET_BACKLOG_GAP : nd->interval;
	} else {
		nd->failures++;
		d = backoff(nd);
	}
	log_info("next check-in in secs=%" PRIu64 " failures=%u", d, nd->failures);
	return time(NULL) + (time_t)d;
}

static time_t
cycle(struct netd *nd)
{
	time_t now = time(NULL);
	int rc;

	if (net_ensure_cik(nd) == -1) {
		nd->failures++;
		log_info("activation retry in secs=%" PRIu64, nd->cfg->act_retry_interval);
		return now + (time_t)nd->cfg->act_retry_interval;
	}
	rc = net_checkin(nd);
	return schedule(nd, rc);
}

static int
run_once(struct netd *nd)
{
	int rc;

	if (net_ensure_cik(nd) == -1)
		return 1;
	rc = net_checkin(nd);
	/* A backlog of results: more check-ins, each reading engine_fetch too. */
	while (rc == 0 && nd->backlog && !quit)
		rc = net_checkin(nd);
	return rc == -1 && nd->last_ok == 0 ? 1 : 0;
}

/* The control socket's turn during long work. */
static struct {
	struct netd	*nd;
	struct net_ctl	*c;
} busy_ctx;

/* Serve the control socket until next (and extra_ms more), or a request came. */
static void
serve(struct netd *nd, struct net_ctl *c, time_t next, int extra_ms)
{
	struct pollfd pfd[1 + NET_CTL_CLIENTS];
	time_t now = time(NULL);
	int i, timeout;

	if (c->held != -1) {
		/* Read during the long-poll, which gave way to it. */
		net_ctl_serve(nd, c, c->held);
		return;
	}
	net_ctl_pollfds(c, pfd);
	timeout = next > now ? (int)((next - now) > 3600 ? 3600 : (next - now)) * 1000 : 0;
	if (timeout > 0)
		timeout += extra_ms;
	if (poll(pfd, 1 + NET_CTL_CLIENTS, timeout) <= 0)
		return;
	if (pfd[0].revents & POLLIN)
		net_ctl_accept(c);
	for (i = 0; i < NET_CTL_CLIENTS; i++)
		if (c->cfd[i] != -1 && pfd[1 + i].fd == c->cfd[i] &&
		    (pfd[1 + i].revents & (POLLIN | POLLHUP | POLLERR)))
			net_ctl_serve(nd, c, i);
}

/* During a long-poll: answer what can be answered, give way to the rest. */
static int
ctl_waiting(void *arg)
{
	struct net_ctl *c = arg;

	return quit || net_ctl_idle(busy_ctx.nd, c);
}

/* No long-poll starts within a second of the last one, whatever came of it. */
#define NET_LONGPOLL_FLOOR	1

/*
 * Pace the next long-poll after one that began at t0 came to rc.  An
 * answer before its time (a platform or proxy that ignores
 * Request-Timeout), an error, or an order the check-in then did not find
 * is backed off like a failed check-in, with jitter; a long-poll held for
 * its time ends that.  One early answer that emptied engine_fetch (our
 * own clear, seen) waits the floor only.
 */
static void
longpoll_pace(struct netd *nd, int rc, time_t t0)
{
	nd->lp_not_before = t0 + NET_LONGPOLL_FLOOR;
	if (rc == NET_LP_HELD && nd->lp_early > 0 && time(NULL) - t0 > NET_LONGPOLL_FLOOR)
		nd->lp_early = 0;
	if (rc == NET_LP_ORDER) {
		nd->lp_said_order = 1;
		nd->lp_orders = nd->orders_read;
		return;
	}
	if (rc == NET_LP_CHANGED && nd->lp_early++ == 0)
		return;
	if (rc == NET_LP_EARLY || rc == NET_LP_ERROR || rc == NET_LP_CHANGED) {
		if (rc != NET_LP_CHANGED)
			nd->lp_early++;
		nd->lp_not_before = time(NULL) + (time_t)net_longpoll_backoff(nd->lp_early,
		    nd->interval);
		log_info("next long-poll in secs=%lld early=%u",
		    (long long)(nd->lp_not_before - time(NULL)), nd->lp_early);
	}
}

/* After an order the long-poll said was there: did the check-in find one? */
static void
longpoll_checked(struct netd *nd)
{
	if (!nd->lp_said_order)
		return;
	nd->lp_said_order = 0;
	if (nd->orders_read == nd->lp_orders) {
		log_warnx("long-poll said engine_fetch was written, the check-in found no order");
		longpoll_pace(nd, NET_LP_EARLY, time(NULL));
	} else
		nd->lp_early = 0;
}

/* Between check-ins: long-poll engine_fetch, or just serve the control socket. */
static time_t
wait_next(struct netd *nd, struct net_ctl *c, time_t next)
{
	time_t now = time(NULL), t0;
	int rc;

	longpoll_checked(nd);
	/* A request held when the long-poll ended on its own is served first. */
	if (c->held != -1 || !nd->cfg->long_poll || nd->http.cik[0] == '\0' ||
	    nd->failures > 0 || net_order_pending(nd) || nd->backlog || next - now < 2) {
		serve(nd, c, next, 0);
		return next;
	}
	if (nd->lp_not_before > now) {
		/* Paced: wait it out, serving the control socket.  The extra ms
		 * move each retry off the instant the whole fleet failed at. */
		serve(nd, c, nd->lp_not_before < next ? nd->lp_not_before : next,
		    (int)net_backoff_ms());
		return next;
	}
	t0 = now;
	rc = net_longpoll(nd, next, ctl_waiting, c);
	longpoll_pace(nd, rc, t0);
	if (rc == NET_LP_ORDER)
		return time(NULL);
	serve(nd, c, time(NULL), 0);
	return next;
}

static void
loop(struct netd *nd, struct net_ctl *c)
{
	time_t next = time(NULL);

	while (!quit) {
		if (time(NULL) >= next) {
			next = cycle(nd);
			nd->next_checkin = next;
		}
		if (quit)
			break;
		next = wait_next(nd, c, next);
		if (c->checkin_now) {
			/* A check-in from the control socket counts like our own. */
			c->checkin_now = 0;
			next = schedule(nd, c->checkin_rc);
			nd->next_checkin = next;
		}
	}
	log_info("exiting reason=signal");
}

static void
on_busy(void *arg)
{
	(void)arg;
	net_ctl_busy(busy_ctx.nd, busy_ctx.c);
}

/* During a transfer, when a control fd is ready: through the re-entry guard. */
static void
on_busy_http(void *arg)
{
	(void)arg;
	net_busy(busy_ctx.nd);
}

_Static_assert(1 + NET_CTL_CLIENTS <= NET_WATCH_MAX, "the control fds fit the watch");

/* What a transfer waits on beside its connection: the control socket. */
static unsigned
watch_ctl(void *arg, struct curl_waitfd *w, unsigned max)
{
	struct pollfd pfd[1 + NET_CTL_CLIENTS];
	unsigned i, n = 0;

	(void)arg;
	net_ctl_pollfds(busy_ctx.c, pfd);
	for (i = 0; i < 1 + NET_CTL_CLIENTS && n < max; i++)
		if (pfd[i].fd != -1) {
			w[n].fd = pfd[i].fd;
			w[n].events = CURL_WAIT_POLLIN;
			w[n++].revents = 0;
		}
	return n;
}

static void
setup_dirs(struct netd *nd, const struct gwe_config *cfg)
{
	uid_t u = geteuid() == 0 ? nd->net_uid : geteuid();
	gid_t g = geteuid() == 0 ? nd->net_gid : getegid();
	char err[CONF_PATH_MAX + 64];

	if (mkdir(cfg->run_dir, 0755) == -1 && errno != EEXIST)
		fatal("mkdir %s", cfg->run_dir);
	/* Our control socket lives there: nobody but root may swap it. */
	if (daemon_dir_safe(cfg->run_dir, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (net_state_mkdirs(nd, u, g) == -1)
		fatal("state directory %s", nd->dir);
}

int
main(int argc, char **argv)
{
	static struct gwe_config cfg;
	static struct netd nd;
	struct daemon_opts o;
	struct net_ctl c;
	char err[CONF_ERR_MAX];

	daemon_close_fds();
	daemon_args(argc, argv, "gwe-netd", NULL, 1, &o);
	log_init("gwe-netd", o.foreground || o.once, LOG_LVL_INFO);
	daemon_config(&o, &cfg);
	if (cfg.vendor[0] == '\0' || cfg.model[0] == '\0')
		fatalx("configuration error: [device] vendor and model must be set");
	if (net_state_init(&nd, &cfg) == -1)
		fatalx("state_dir too long");
	nd.stray_result = net_order_stray;
	nd.handed_over = net_clear_due;
	daemon_user("net_user", cfg.net_user, &nd.net_uid, &nd.net_gid);
	nd.once = o.once;
	net_backoff_init();
	signals();
	setup_dirs(&nd, &cfg);
	if (!o.once && net_ctl_open(&c, &cfg, err, sizeof(err)) == -1)
		fatalx("control socket: %s", err);
	if (net_http_init(&nd.http, &cfg) == -1)
		fatalx("libcurl initialisation failed");
	nd.http.stop = &quit;
	(void)net_cik_load(&nd);
	(void)net_interval_load(&nd);
	net_usage_load(&nd);
	(void)net_vfy_connect(&nd);
	log_info("starting host=%s interval=%" PRIu64 " cik=%s order_pending=%d once=%d",
	    cfg.host, nd.interval, nd.http.cik[0] ? "yes" : "no", net_order_pending(&nd),
	    o.once);
	net_sandbox(nd.dir, nd.net_uid, nd.net_gid);
	if (o.once)
		return run_once(&nd);
	busy_ctx.nd = &nd;
	busy_ctx.c = &c;
	nd.busy = on_busy;
	nd.http.busy = on_busy_http;
	nd.http.watch = watch_ctl;
	loop(&nd, &c);
	net_vfy_close(&nd);
	net_http_free(&nd.http);
	return 0;
}
