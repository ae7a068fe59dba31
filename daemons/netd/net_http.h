/*
 * gwe-netd's HTTP client: one libcurl easy handle reused for every request
 * (so connections are reused), HTTPS only, TLS verified, bounded in size
 * and speed, with the bytes of each kind of request counted.  Transfers
 * run in a multi handle whose wait also watches the control socket, so a
 * control client is answered at once, not at the next progress tick.
 */
#ifndef GWE_NET_HTTP_H
#define GWE_NET_HTTP_H

#include <curl/curl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../../common/config.h"
#include "net_parse.h"

enum net_kind {
	NK_ACTIVATE,
	NK_CHECKIN,	/* the alias read/write of a check-in */
	NK_STATUS,	/* fetch_status writes and alias clears */
	NK_DOWNLOAD,	/* content info and downloads */
	NK_LONGPOLL,
	NK_MAX
};

struct net_usage {
	uint64_t requests[NK_MAX];
	uint64_t sent[NK_MAX];		/* header + body bytes, inside TLS */
	uint64_t received[NK_MAX];
};

#define NET_WATCH_MAX	8

struct net_http {
	CURL		*curl;
	CURLM		*multi;
	char		 base[CONF_STR_MAX];	/* https://host[:port] */
	char		 user_agent[CONF_STR_MAX];
	char		 ca_file[CONF_PATH_MAX];
	char		*ca_pem;		/* ca_file, read before the drop */
	size_t		 ca_len;
	char		 cik[NET_CIK_LEN + 1];
	long		 connect_timeout;	/* seconds */
	long		 low_speed_limit;	/* bytes/s ... */
	long		 low_speed_time;	/* ... for this many seconds */
	int		 verbose;
	volatile sig_atomic_t *stop;		/* set by a signal: abandon transfers */
	/* fds to wait on beside the transfer (at most NET_WATCH_MAX) */
	unsigned	(*watch)(void *, struct curl_waitfd *, unsigned);
	void		(*busy)(void *);	/* one of them is ready */
	void		*busy_arg;		/* for both */
	struct net_usage usage;
};

/* Where a body goes: into memory (capped) or through a sink. */
typedef int (*net_sink_fn)(void *arg, const char *p, size_t n);

struct net_req {
	enum net_kind	 kind;
	const char	*method;	/* "GET" or "POST" */
	const char	*path;		/* absolute path and query, already escaped */
	const char	*body;		/* POST body (form) */
	size_t		 bodylen;
	int		 with_cik;
	const char	*accept;
	uint64_t	 range_from;	/* > 0: Range: bytes=X- */
	long		 request_timeout_ms;	/* > 0: long-poll Request-Timeout */
	long		 timeout;	/* seconds for the whole request, 0 none */
	/* > 0: this request's low-speed window instead of the handle's (a long-poll) */
	long		 low_speed_time;
	uint64_t	 max_length;	/* refuse a 2xx Content-Length above this */
	size_t		 body_max;	/* memory capture: stop past this many bytes */
	net_sink_fn	 sink;		/* NULL: capture to memory */
	void		*sink_arg;
	time_t		 if_modified_since;	/* > 0: If-Modified-Since */
	/* Instead of busy when a watched fd is ready: 1 abandons the request. */
	int		(*interrupt)(void *);
	void		*interrupt_arg;
};

struct net_resp {
	long		 status;	/* 0 when no answer arrived */
	CURLcode	 cc;
	char		 error[CURL_ERROR_SIZE + 64];
	struct gwe_buf	 body;	/* at most NET_FORM_MAX_BYTES */
	int		 overflow;	/* body over body_max / max_length */
	int		 sink_failed;	/* the sink refused (it says why) */
	int		 interrupted;	/* rq->interrupt asked to stop */
	char		 why[128];	/* why we stopped the transfer ourselves */
	time_t		 last_modified;	/* -1 unknown */
	int64_t		 content_length;	/* -1 unknown */
	char		 content_range[128];
	uint64_t	 sent, received;
};

/* Read ca_file now, so the sandboxed process needs no access to it. */
int	net_http_init(struct net_http *h, const struct gwe_config *cfg);
void	net_http_free(struct net_http *h);
/*
 * Do one request.  Returns 0 when an HTTP answer arrived and was read
 * whole (any status; see rs->status), -1 otherwise (rs->error says why:
 * network, TLS, size, speed).  Call net_resp_free afterwards.
 */
int	net_http_do(struct net_http *h, const struct net_req *rq, struct net_resp *rs);
void	net_resp_free(struct net_resp *rs);
/* The body read into memory, "" when there is none. */
const char *net_resp_body(const struct net_resp *rs);
const char *net_kind_name(enum net_kind);
/* Escape s for a URL query (curl_easy_escape into out). -1 if it does not fit. */
int	net_http_escape(struct net_http *h, const char *s, char *out, size_t outlen);

#endif
