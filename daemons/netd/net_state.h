/*
 * gwe-netd's process state and its files under state_dir/netd:
 *   cik                  the CIK from activation (0600)
 *   update_interval      the interval read from the platform
 *   order, order.state   the journaled install order and how far it got
 *   queue/<seq>[-<order>-<entry>]   fetch_status texts not yet accepted
 *   failed/<queue name>.<time>      texts the platform refused for good
 *   failed/order.<time>, failed/order.state.<time>  an order whose journal was damaged
 *   dropped              how many texts the caps above dropped (queue=, failed=)
 *   dl/<name>.part, dl/<name>.info  partial downloads and what they are of
 *   report.<alias>       fingerprint and time of the last report written
 *   jobseq               the last job id handed to the verifier
 */
#ifndef GWE_NET_STATE_H
#define GWE_NET_STATE_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "../../common/config.h"
#include "../../ipc/ipc.h"
#include "net_http.h"

struct netd {
	const struct gwe_config	*cfg;
	char		 dir[CONF_PATH_MAX];	/* state_dir/netd */
	uid_t		 net_uid;
	gid_t		 net_gid;
	struct net_http	 http;
	uint64_t	 interval;		/* in use now */
	time_t		 last_checkin, last_ok, next_checkin;
	struct timespec	 last_status_write;	/* of fetch_status */
	unsigned	 failures;		/* consecutive, for backoff */
	char		 last_error[IPC_TEXT_LEN];
	char		 last_status[IPC_STATUS_MAX];
	int		 vfd;			/* verifier connection or -1 */
	uint32_t	 vseq;
	int		 once;
	time_t		 lp_since;		/* long-poll If-Modified-Since */
	/* The long-poll's pace (netd.c): no request before lp_not_before. */
	time_t		 lp_not_before;
	unsigned	 lp_early;		/* answered early in a row, for backoff */
	int		 lp_said_order;		/* the last one said engine_fetch changed */
	uint64_t	 lp_orders;		/* orders_read when it said so */
	uint64_t	 orders_read;		/* check-ins that found engine_fetch set */
	int		 backlog;		/* fetch_status texts left for the next check-in */
	/* Alias clears a check-in decided on (net_checkin.c writes them). */
	int		 clear_interval;	/* update_interval */
	int		 clear_fetch;		/* engine_fetch: NET_CLEAR_* */
	uint64_t	 clear_fp;		/* the order it must still hold */
	struct timespec	 clear_after;		/* when the alias read answered */
	/* Called now and then during long work (transfers, installs). */
	void		(*busy)(void *);
	void		*busy_arg;
	int		 in_busy;
	/*
	 * Set by netd.c, so that a lower file reaches a higher one without
	 * calling it (net_vfy -> net_order -> net_checkin stays one way).
	 * stray_result: a RESULT nobody waited for (net_order_stray).
	 * handed_over: an order entry is with the verifier (net_clear_due).
	 */
	void		(*stray_result)(struct netd *, const struct ipc_result *);
	void		(*handed_over)(struct netd *);
};

/* Give the control socket a turn while busy (never re-entered). */
void	net_busy(struct netd *nd);

int	net_state_init(struct netd *nd, const struct gwe_config *cfg);
/* Create state_dir/netd (and queue/, dl/) owned by uid:gid, mode 0700. */
int	net_state_mkdirs(const struct netd *nd, uid_t uid, gid_t gid);
/* Build "dir/name" into out; -1 if it does not fit. */
int	net_path(const struct netd *nd, const char *name, char *out, size_t outlen);

int	net_cik_load(struct netd *nd);		/* state, else config; 0 found */
int	net_cik_store(struct netd *nd, const char *cik);
int	net_interval_load(struct netd *nd);
int	net_interval_store(struct netd *nd, uint64_t v);

/*
 * The fetch_status queue.  While the platform refuses writes it could grow
 * without end: past NET_QUEUE_MAX texts the oldest is dropped to make room,
 * and failed/ keeps at most NET_FAILED_MAX; each drop is logged and counted
 * in state_dir/netd/dropped (queue=, failed=).
 */
#define NET_QUEUE_MAX	256
#define NET_FAILED_MAX	256
int	net_queue_push(struct netd *nd, const char *text, size_t len,
	    uint64_t order_id, long entry);
/* Oldest entry: its file name into name, its text (malloc'd) into *text. */
int	net_queue_oldest(struct netd *nd, char *name, size_t namelen, char **text,
	    size_t *len);
int	net_queue_remove(struct netd *nd, const char *name);
/* Move an entry the platform will never accept to failed/. */
int	net_queue_setaside(struct netd *nd, const char *name);
unsigned net_queue_count(struct netd *nd);
/* The highest entry index queued for order_id, or -1. */
long	net_queue_max_entry(struct netd *nd, uint64_t order_id);

/*
 * A small "key=value" per line state file.  0: *v is the key's value;
 * NET_KV_MISSING: there is no such file; NET_KV_BAD: the file is there
 * but unreadable, or the key is absent, repeated or not a number.
 */
#define NET_KV_MISSING	(-1)
#define NET_KV_BAD	(-2)
int	net_kv_load(const char *path, const char *key, uint64_t *v);
/* The same, with a log line when the file is damaged (NET_KV_BAD). */
int	net_kv_read(const char *path, const char *key, uint64_t *v);

uint64_t net_jobseq_next(struct netd *nd);
/* Byte counters survive restarts in state_dir/netd/usage. */
void	net_usage_load(struct netd *nd);
void	net_usage_store(struct netd *nd);
/*
 * Read a file of /proc or /sys (whose size says nothing) until EOF, at
 * most max bytes; a malloc'd NUL-terminated string, or NULL.
 */
char	*net_read_virtual(const char *path, size_t max);

#endif
