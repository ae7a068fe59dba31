/*
 * The libcurl side of gwe-netd.  One easy handle and one multi handle live
 * as long as the process; curl_easy_reset() between requests keeps the TLS
 * session cache and the multi handle keeps the connections, so a check-in
 * reuses the connection of the last one.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../common/log.h"
#include "../../common/util.h"
#include "net_http.h"

#define NET_CONNECT_TIMEOUT	30
#define NET_LOW_SPEED_LIMIT	256	/* bytes/s */
#define NET_LOW_SPEED_TIME	60	/* s */
#define NET_MAX_REDIRS		3
#define NET_KEEPALIVE_IDLE	60	/* s */
#define NET_CA_MAX		(4 * 1024 * 1024)

static const char *kind_names[NK_MAX] = {
	"activate", "checkin", "status", "download", "longpoll"
};

const char *
net_kind_name(enum net_kind k)
{
	return (unsigned)k < NK_MAX ? kind_names[k] : "unknown";
}

int
net_http_init(struct net_http *h, const struct gwe_config *cfg)
{
	const char *e;
	uint64_t v;

	memset(h, 0, sizeof(*h));
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	if ((h->curl = curl_easy_init()) == NULL || (h->multi = curl_multi_init()) == NULL)
		return -1;
	gwe_strlcpy(h->base, cfg->host, sizeof(h->base));
	gwe_strlcpy(h->user_agent, cfg->user_agent, sizeof(h->user_agent));
	gwe_strlcpy(h->ca_file, cfg->ca_file, sizeof(h->ca_file));
	h->connect_timeout = NET_CONNECT_TIMEOUT;
	h->low_speed_limit = NET_LOW_SPEED_LIMIT;
	h->low_speed_time = NET_LOW_SPEED_TIME;
	/* Tests shorten the low-speed window; production never sets this. */
	if ((e = getenv("GWE_NETD_LOW_SPEED_TIME")) != NULL &&
	    gwe_parse_u64(e, 1, LONG_MAX, &v) == 0)
		h->low_speed_time = (long)v;
	h->verbose = cfg->debug_level >= LOG_LVL_DEBUG;
	if (h->ca_file[0] != '\0' &&
	    gwe_read_file(h->ca_file, NET_CA_MAX, &h->ca_pem, &h->ca_len) == -1) {
		log_warn("ca_file unreadable path=%s", h->ca_file);
		return -1;
	}
	return 0;
}

void
net_http_free(struct net_http *h)
{
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	if (h->multi != NULL)
		curl_multi_cleanup(h->multi);
	h->curl = NULL;
	h->multi = NULL;
	free(h->ca_pem);
	h->ca_pem = NULL;
	explicit_bzero(h->cik, sizeof(h->cik));
}

void
net_resp_free(struct net_resp *rs)
{
	gwe_buf_free(&rs->body);
}

const char *
net_resp_body(const struct net_resp *rs)
{
	return rs->body.p != NULL ? rs->body.p : "";
}

int
net_http_escape(struct net_http *h, const char *s, char *out, size_t outlen)
{
	char *e;
	size_t n;

	if ((e = curl_easy_escape(h->curl, s, 0)) == NULL)
		return -1;
	n = gwe_strlcpy(out, e, outlen);
	curl_free(e);
	return n < outlen ? 0 : -1;
}

struct xfer {
	struct net_http		*h;
	const struct net_req	*rq;
	struct net_resp		*rs;
	long			 cur_status;	/* of the response whose headers we read */
};

static size_t
write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;

	if (x->rq->sink != NULL) {
		if (x->rq->sink(x->rq->sink_arg, p, n) == -1) {
			x->rs->sink_failed = 1;
			return 0;
		}
		return n;
	}
	if (x->rs->body.len + n > x->rq->body_max) {
		x->rs->overflow = 1;
		return 0;
	}
	if (gwe_buf_add(&x->rs->body, p, n) == -1) {
		x->rs->overflow = 1;
		return 0;
	}
	return n;
}

/* Header value after "Name:", trimmed, into out. */
static int
header_value(const char *line, size_t n, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name), i, j;

	if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return 0;
	for (i = nl + 1; i < n && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	for (j = n; j > i && isspace((unsigned char)line[j - 1]); j--)
		;
	if (j - i >= outlen)
		j = i + outlen - 1;
	memcpy(out, line + i, j - i);
	out[j - i] = '\0';
	return 1;
}

/* Does a Location stay on base (https://host[:port])? Relative paths do. */
static int
same_origin(const char *base, const char *loc)
{
	size_t n = strlen(base);

	if (loc[0] == '/' && loc[1] != '/')
		return 1;
	if (strncasecmp(loc, base, n) != 0)
		return 0;
	return loc[n] == '\0' || loc[n] == '/' || loc[n] == '?';
}

/* The status in "HTTP/1.1 200 OK" (n bytes, not terminated); 0 when there is none. */
static long
status_of(const char *p, size_t n)
{
	const char *sp = memchr(p, ' ', n);
	size_t i, len = 0;
	uint64_t st;

	if (sp == NULL)
		return 0;
	for (i = (size_t)(sp - p) + 1; i + len < n && isdigit((unsigned char)p[i + len]); len++)
		;
	return gwe_parse_u64n(p + i, len, 0, LONG_MAX, &st) == 0 ? (long)st : 0;
}

static size_t
header_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;
	char v[256];
	uint64_t len;

	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		x->cur_status = status_of(p, n);
		x->rs->content_length = -1;
		x->rs->last_modified = -1;
		x->rs->content_range[0] = '\0';
		return n;
	}
	if (x->cur_status / 100 == 3 && header_value(p, n, "Location", v, sizeof(v)) &&
	    !same_origin(x->h->base, v)) {
		/* Our headers (the CIK) would follow the redirect: refuse it. */
		snprintf(x->rs->why, sizeof(x->rs->why), "redirect to another origin refused");
		log_warnx("redirect refused location=\"%.128s\"", v);
		return 0;
	}
	if (header_value(p, n, "Content-Length", v, sizeof(v))) {
		if (gwe_parse_u64(v, 0, INT64_MAX, &len) == 0) {
			x->rs->content_length = (int64_t)len;
			if (x->cur_status / 100 == 2 && x->rq->max_length > 0 &&
			    len > x->rq->max_length) {
				x->rs->overflow = 1;
				return 0;
			}
		}
	} else if (header_value(p, n, "Last-Modified", v, sizeof(v)))
		x->rs->last_modified = curl_getdate(v, NULL);
	else if (header_value(p, n, "Content-Range", v, sizeof(v)))
		gwe_strlcpy(x->rs->content_range, v, sizeof(x->rs->content_range));
	return n;
}

/* Debug output through our log, with the CIK cut out. */
static int
debug_cb(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
	char line[512], *cut;
	size_t n;

	(void)c;
	(void)arg;
	if (type != CURLINFO_TEXT && type != CURLINFO_HEADER_IN &&
	    type != CURLINFO_HEADER_OUT)
		return 0;
	n = size < sizeof(line) - 1 ? size : sizeof(line) - 1;
	memcpy(line, data, n);
	line[n] = '\0';
	if ((cut = strcasestr(line, "X-Exosite-CIK:")) != NULL) {
		cut += 14;
		while (*cut != '\0' && *cut != '\r' && *cut != '\n')
			*cut++ = 'x';
	}
	log_debug("curl %s \"%s\"", type == CURLINFO_TEXT ? "info" :
	    type == CURLINFO_HEADER_IN ? "in" : "out", line);
	return 0;
}

static int
set_common(struct net_http *h, const struct net_req *rq, struct xfer *x)
{
	CURL *c = h->curl;
	int rc = 0;

	rc |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	rc |= curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	rc |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	rc |= curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)NET_MAX_REDIRS);
	rc |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	rc |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->ca_pem != NULL) {
		struct curl_blob blob = { h->ca_pem, h->ca_len, CURL_BLOB_NOCOPY };

		rc |= curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
	}
	rc |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, h->connect_timeout);
	rc |= curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, h->low_speed_limit);
	rc |= curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
	    rq->low_speed_time > 0 ? rq->low_speed_time : h->low_speed_time);
	/* A connection held open (a long-poll) whose peer vanished is found by keepalive. */
	rc |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	rc |= curl_easy_setopt(c, CURLOPT_TCP_KEEPIDLE, (long)NET_KEEPALIVE_IDLE);
	rc |= curl_easy_setopt(c, CURLOPT_TCP_KEEPINTVL, (long)NET_KEEPALIVE_IDLE / 2);
	if (rq->timeout > 0)
		rc |= curl_easy_setopt(c, CURLOPT_TIMEOUT, rq->timeout);
	rc |= curl_easy_setopt(c, CURLOPT_USERAGENT, h->user_agent);
	rc |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	rc |= curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	rc |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	rc |= curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	rc |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->rs->error);
	rc |= curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, NULL);
	if (rq->if_modified_since > 0) {
		rc |= curl_easy_setopt(c, CURLOPT_TIMECONDITION, (long)CURL_TIMECOND_IFMODSINCE);
		rc |= curl_easy_setopt(c, CURLOPT_TIMEVALUE_LARGE,
		    (curl_off_t)rq->if_modified_since);
	}
	if (h->verbose) {
		rc |= curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, debug_cb);
		rc |= curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	}
	return rc;
}

static struct curl_slist *
make_headers(struct net_http *h, const struct net_req *rq)
{
	struct curl_slist *l = NULL, *t;
	char line[128];

	/* Send no "Expect: 100-continue": it costs a round trip. */
	if ((l = curl_slist_append(l, "Expect:")) == NULL)
		return NULL;
#define ADD(s) do { if ((t = curl_slist_append(l, (s))) == NULL) goto fail; l = t; } while (0)
	if (rq->with_cik) {
		snprintf(line, sizeof(line), "X-Exosite-CIK: %s", h->cik);
		ADD(line);
		explicit_bzero(line, sizeof(line));
	}
	if (rq->accept != NULL) {
		snprintf(line, sizeof(line), "Accept: %s", rq->accept);
		ADD(line);
	}
	if (rq->body != NULL)
		ADD("Content-Type: application/x-www-form-urlencoded; charset=utf-8");
	if (rq->request_timeout_ms > 0) {
		snprintf(line, sizeof(line), "Request-Timeout: %ld", rq->request_timeout_ms);
		ADD(line);
	}
	if (rq->range_from > 0) {
		snprintf(line, sizeof(line), "Range: bytes=%llu-",
		    (unsigned long long)rq->range_from);
		ADD(line);
	}
#undef ADD
	return l;
fail:
	curl_slist_free_all(l);
	return NULL;
}

static void
account(struct net_http *h, const struct net_req *rq, struct net_resp *rs)
{
	curl_off_t up = 0, down = 0;
	long reqsize = 0, hdrsize = 0;

	curl_easy_getinfo(h->curl, CURLINFO_SIZE_UPLOAD_T, &up);
	curl_easy_getinfo(h->curl, CURLINFO_SIZE_DOWNLOAD_T, &down);
	curl_easy_getinfo(h->curl, CURLINFO_REQUEST_SIZE, &reqsize);
	curl_easy_getinfo(h->curl, CURLINFO_HEADER_SIZE, &hdrsize);
	/* A small body goes out with the headers and is counted in the request size. */
	rs->sent = (uint64_t)reqsize >= (uint64_t)up ? (uint64_t)reqsize :
	    (uint64_t)reqsize + (uint64_t)up;
	rs->received = (uint64_t)down + (uint64_t)hdrsize;
	h->usage.requests[rq->kind]++;
	h->usage.sent[rq->kind] += rs->sent;
	h->usage.received[rq->kind] += rs->received;
}

/* Is any watched fd ready? */
static int
watched_ready(const struct curl_waitfd *w, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (w[i].revents != 0)
			return 1;
	return 0;
}

/*
 * Run the transfer in the multi handle.  Between steps: a signal stops it;
 * a ready control fd goes to rq->interrupt (which may abandon it) or busy.
 * Poll wakes on either; the 1 s cap only bounds the wait for a signal.
 */
static CURLcode
perform(struct net_http *h, const struct net_req *rq, struct net_resp *rs)
{
	struct curl_waitfd w[NET_WATCH_MAX];
	CURLcode cc = CURLE_OK;
	CURLMsg *msg;
	unsigned nw;
	int running = 1, left;

	if (curl_multi_add_handle(h->multi, h->curl) != CURLM_OK)
		return CURLE_FAILED_INIT;
	for (;;) {
		if (curl_multi_perform(h->multi, &running) != CURLM_OK) {
			cc = CURLE_FAILED_INIT;
			break;
		}
		if (running == 0)
			break;
		if (h->stop != NULL && *h->stop) {
			rs->interrupted = 1;
			cc = CURLE_ABORTED_BY_CALLBACK;
			break;
		}
		nw = h->watch != NULL ? h->watch(h->busy_arg, w, NET_WATCH_MAX) : 0;
		if (curl_multi_poll(h->multi, w, nw, 1000, NULL) != CURLM_OK) {
			cc = CURLE_FAILED_INIT;
			break;
		}
		if (!watched_ready(w, nw))
			continue;
		if (rq->interrupt != NULL && rq->interrupt(rq->interrupt_arg)) {
			rs->interrupted = 1;
			cc = CURLE_ABORTED_BY_CALLBACK;
			break;
		}
		if (rq->interrupt == NULL && h->busy != NULL)
			h->busy(h->busy_arg);
	}
	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL)
		if (running == 0 && msg->msg == CURLMSG_DONE && msg->easy_handle == h->curl)
			cc = msg->data.result;
	/* Removed before it is done, the transfer's connection is closed. */
	curl_multi_remove_handle(h->multi, h->curl);
	return cc;
}

int
net_http_do(struct net_http *h, const struct net_req *rq, struct net_resp *rs)
{
	struct curl_slist *hdrs;
	struct xfer x = { h, rq, rs, 0 };
	char url[CONF_STR_MAX + 2048];
	int rc = 0;

	memset(rs, 0, sizeof(*rs));
	rs->body.max = NET_FORM_MAX_BYTES;
	rs->last_modified = -1;
	rs->content_length = -1;
	if ((size_t)snprintf(url, sizeof(url), "%s%s", h->base, rq->path) >= sizeof(url)) {
		snprintf(rs->error, sizeof(rs->error), "URL too long");
		return -1;
	}
	curl_easy_reset(h->curl);
	if ((hdrs = make_headers(h, rq)) == NULL) {
		snprintf(rs->error, sizeof(rs->error), "out of memory");
		return -1;
	}
	rc |= set_common(h, rq, &x);
	rc |= curl_easy_setopt(h->curl, CURLOPT_URL, url);
	rc |= curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
	if (strcmp(rq->method, "POST") == 0) {
		rc |= curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
		rc |= curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS,
		    rq->body != NULL ? rq->body : "");
		rc |= curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)rq->bodylen);
	} else
		rc |= curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
	if (rc != 0) {
		curl_slist_free_all(hdrs);
		snprintf(rs->error, sizeof(rs->error), "curl_easy_setopt failed");
		return -1;
	}
	rs->cc = perform(h, rq, rs);
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &rs->status);
	account(h, rq, rs);
	curl_slist_free_all(hdrs);
	/* No later request may see this one's header list or CIK. */
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	if (rs->cc == CURLE_OK)
		return 0;
	if (rs->why[0] != '\0')
		snprintf(rs->error, sizeof(rs->error), "%s", rs->why);
	else if (rs->overflow)
		snprintf(rs->error, sizeof(rs->error), "answer larger than allowed");
	else if (rs->interrupted)
		snprintf(rs->error, sizeof(rs->error), "abandoned");
	else if (rs->error[0] == '\0')
		/* libcurl says "Out of memory" for a header line over its 100 KB too. */
		snprintf(rs->error, sizeof(rs->error), "%s", rs->cc == CURLE_OUT_OF_MEMORY ?
		    "answer header too large, or out of memory" : curl_easy_strerror(rs->cc));
	return -1;
}
