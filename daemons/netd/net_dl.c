/*
 * Content Area downloads.  The .part file grows only with bytes of the
 * right content: an .info file beside it records the size and timestamp
 * the platform announced, and a change starts the download over.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/safefile.h"
#include "net_dl.h"

#define NET_DL_INFO_MAX		4096
#define NET_DL_TRIES		3
/*
 * A download must average this rate over the announced size, on top of
 * the low-speed window: a body trickled just above the low-speed floor
 * would otherwise hold the whole loop for days.
 */
#define NET_DL_MIN_RATE		4096	/* bytes/s */

struct dl_sink {
	struct netd	*nd;
	int		 fd;
	uint64_t	 off;		/* where the next byte goes */
	uint64_t	 start;		/* offset the request asked for */
	uint64_t	 max;		/* limit for the whole file */
	uint64_t	 expect;	/* announced size */
	const struct net_resp *rs;	/* the answer's headers */
	int		 checked;	/* status looked at */
	int		 restart;	/* a 206 of other bytes: start over from 0 */
	int		 discard;	/* not a 2xx body: count and drop */
	uint64_t	 discarded;
	long		 status;	/* of the discarded answer */
	char		 why[128];
};

static int
dl_paths(struct netd *nd, const char *id, char *part, char *info, size_t len)
{
	if ((size_t)snprintf(part, len, "%s/dl/%s.part", nd->dir, id) >= len ||
	    (size_t)snprintf(info, len, "%s/dl/%s.info", nd->dir, id) >= len)
		return -1;
	return 0;
}

void
net_dl_forget(struct netd *nd, const char *id)
{
	char part[CONF_PATH_MAX + 256], info[CONF_PATH_MAX + 256];

	if (dl_paths(nd, id, part, info, sizeof(part)) == -1)
		return;
	(void)unlink(part);
	(void)unlink(info);
}

/* Does a 206 hold the rest of the file we started, and no more than the cap? */
static int
range_ok(struct dl_sink *s, const struct net_resp *rs)
{
	char why[NET_REASON_MAX];
	uint64_t a, b, t;

	if (net_content_range_parse(rs->content_range, &a, &b, &t, why, sizeof(why)) == -1 ||
	    a != s->start || (t != UINT64_MAX && t != s->expect)) {
		snprintf(s->why, sizeof(s->why), "bad Content-Range \"%.64s\"", rs->content_range);
		s->restart = 1;
		return 0;
	}
	if (rs->content_length > 0 && (uint64_t)rs->content_length > s->max - s->start) {
		snprintf(s->why, sizeof(s->why), "Content-Length %" PRId64 " over the limit",
		    rs->content_length);
		return 0;
	}
	return 1;
}

/*
 * The first bytes of an answer: is it the body we want, and from where?
 * Decided from the headers, before a byte of it is written.
 */
static int
sink_check(struct dl_sink *s)
{
	long status = 0;

	curl_easy_getinfo(s->nd->http.curl, CURLINFO_RESPONSE_CODE, &status);
	s->checked = 1;
	if (status == 200 && s->start > 0) {
		/* The server ignored our Range: start over. */
		if (ftruncate(s->fd, 0) == -1)
			return -1;
		s->off = 0;
		log_info("download restarted from 0 reason=\"range ignored\"");
	} else if (status == 206 && !range_ok(s, s->rs))
		return -1;
	else if (status != 200 && status != 206) {
		s->discard = 1;
		s->status = status;
	}
	return 0;
}

static int
dl_write(void *arg, const char *p, size_t n)
{
	struct dl_sink *s = arg;
	ssize_t w;

	if (!s->checked && sink_check(s) == -1)
		return -1;
	if (s->discard) {
		s->discarded += n;
		return s->discarded > 65536 ? -1 : 0;
	}
	if (s->off + n > s->max || s->off + n > s->expect) {
		snprintf(s->why, sizeof(s->why), "more than %" PRIu64 " bytes",
		    s->max < s->expect ? s->max : s->expect);
		return -1;
	}
	while (n > 0) {
		if ((w = pwrite(s->fd, p, n, (off_t)s->off)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(s->why, sizeof(s->why), "write: %s", strerror(errno));
			return -1;
		}
		s->off += (uint64_t)w;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
dl_url(struct netd *nd, const char *id, int info, char *url, size_t len)
{
	char v[CONF_STR_MAX * 3], m[CONF_STR_MAX * 3], i[VFY_NAME_MAX * 3 + 32];

	if (net_http_escape(&nd->http, nd->cfg->vendor, v, sizeof(v)) == -1 ||
	    net_http_escape(&nd->http, nd->cfg->model, m, sizeof(m)) == -1 ||
	    net_http_escape(&nd->http, id, i, sizeof(i)) == -1)
		return -1;
	if ((size_t)snprintf(url, len, "/provision/download?vendor=%s&model=%s&id=%s%s",
	    v, m, i, info ? "&info=true" : "") >= len)
		return -1;
	return 0;
}

static int
status_class(long status, char *reason, size_t reasonlen)
{
	snprintf(reason, reasonlen, "HTTP status %ld", status);
	if (status == 404)
		return NET_DL_NOTFOUND;
	if (status >= 500 || status == 429 || status == 408)
		return NET_DL_TRANSIENT;
	return NET_DL_FAILED;
}

/*
 * The one set of rules for a request that got no whole answer: for good
 * (the server, its certificate or its size is wrong, or it is too slow),
 * or try again later (the network).  why: our own reason to stop, if any.
 */
static int
transfer_error(const struct net_resp *rs, const char *why, const char *what, char *reason,
    size_t reasonlen)
{
	if (why != NULL && why[0] != '\0') {
		snprintf(reason, reasonlen, "%s%s", what, why);
		return NET_DL_FAILED;
	}
	if (rs->overflow) {
		if (rs->content_length >= 0)
			snprintf(reason, reasonlen, "%sContent-Length %" PRId64 " over the limit",
			    what, rs->content_length);
		else
			snprintf(reason, reasonlen, "%s%s", what, rs->error);
		return NET_DL_FAILED;
	}
	snprintf(reason, reasonlen, "%s%s", what, rs->error);
	switch (rs->cc) {
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(reason, reasonlen, "%stoo slow: %s", what, rs->error);
		return NET_DL_FAILED;
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_PEER_FAILED_VERIFICATION:
		return NET_DL_FAILED;
	default:
		return NET_DL_TRANSIENT;
	}
}

/* Content info: size and timestamp, checked against max. */
static int
dl_info(struct netd *nd, const char *id, uint64_t max, const char *what, uint64_t *size,
    uint64_t *updated, char *reason, size_t reasonlen)
{
	struct net_req rq = { .kind = NK_DOWNLOAD, .method = "GET", .with_cik = 1,
	    .body_max = NET_DL_INFO_MAX, .timeout = 120 };
	struct net_resp rs;
	char url[2048];
	int rc;

	if (dl_url(nd, id, 1, url, sizeof(url)) == -1) {
		snprintf(reason, reasonlen, "URL too long");
		return NET_DL_FAILED;
	}
	rq.path = url;
	if (net_http_do(&nd->http, &rq, &rs) == -1) {
		rc = transfer_error(&rs, NULL, "content info: ", reason, reasonlen);
		net_resp_free(&rs);
		return rc;
	}
	if (rs.status != 200) {
		rc = status_class(rs.status, reason, reasonlen);
		net_resp_free(&rs);
		return rc;
	}
	rc = net_content_info_parse(net_resp_body(&rs), rs.body.len, size,
	    updated, reason, reasonlen);
	net_resp_free(&rs);
	if (rc == -1)
		return NET_DL_FAILED;
	if (*size > max) {
		snprintf(reason, reasonlen, "%" PRIu64 " bytes, larger than %s %" PRIu64,
		    *size, what, max);
		return NET_DL_FAILED;
	}
	return NET_DL_OK;
}

/* Open the .part, starting over when it belongs to other content. */
static int
dl_open_part(const char *part, const char *info, uint64_t size, uint64_t updated,
    uint64_t *off)
{
	char line[128];
	uint64_t osize = 0, oupd = 0;
	struct stat st;
	int fd, same;

	same = net_kv_read(info, "size", &osize) == 0 &&
	    net_kv_read(info, "updated", &oupd) == 0 && osize == size && oupd == updated;
	if ((fd = open(part, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		goto fail;
	*off = (uint64_t)st.st_size;
	if (!same || *off > size) {
		if (ftruncate(fd, 0) == -1)
			goto fail;
		*off = 0;
		snprintf(line, sizeof(line), "size=%" PRIu64 "\nupdated=%" PRIu64 "\n",
		    size, updated);
		if (safe_write(info, line, strlen(line), 0600) == -1)
			goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* Give up on this answer's bytes: they are not the rest of our file. */
static int
dl_restart(const char *id, struct dl_sink *s, char *reason, size_t reasonlen)
{
	snprintf(reason, reasonlen, "%s", s->why[0] ? s->why : "bad Content-Range");
	if (ftruncate(s->fd, 0) == -1)
		log_warn("truncate id=%s", id);
	s->off = 0;
	return NET_DL_TRANSIENT;
}

/*
 * One GET of the rest of the file.  The answer may be a 200 of the whole
 * file (a server that ignores Range), so that is what the size cap allows;
 * a 206 is held to the rest in sink_check.  The deadline: the low-speed
 * window plus the announced size at NET_DL_MIN_RATE.
 */
static int
dl_get(struct netd *nd, const char *id, struct dl_sink *s, char *reason, size_t reasonlen)
{
	struct net_req rq = { .kind = NK_DOWNLOAD, .method = "GET", .with_cik = 1 };
	struct net_resp rs;
	char url[2048];
	int rc = NET_DL_OK;

	if (dl_url(nd, id, 0, url, sizeof(url)) == -1) {
		snprintf(reason, reasonlen, "URL too long");
		return NET_DL_FAILED;
	}
	rq.path = url;
	rq.range_from = s->off;
	rq.max_length = s->max;
	rq.timeout = nd->http.low_speed_time + (long)(s->expect / NET_DL_MIN_RATE);
	rq.sink = dl_write;
	rq.sink_arg = s;
	s->start = s->off;
	s->rs = &rs;
	s->checked = s->discard = s->restart = 0;
	s->discarded = 0;
	s->status = 0;
	s->why[0] = '\0';
	if (s->start > 0)
		log_info("download resumed id=%s from=%" PRIu64, id, s->start);
	if (net_http_do(&nd->http, &rq, &rs) == -1) {
		/* An error page cut short by dl_write: the status says it all. */
		if (s->discard)
			rc = status_class(s->status, reason, reasonlen);
		else if (s->restart)
			rc = dl_restart(id, s, reason, reasonlen);
		else
			rc = transfer_error(&rs, s->why, "", reason, reasonlen);
	} else if (rs.status != 200 && rs.status != 206)
		rc = status_class(rs.status, reason, reasonlen);
	else if (rs.status == 206 && !s->checked && !range_ok(s, &rs))
		/* No body came, so the headers were not looked at yet. */
		rc = s->restart ? dl_restart(id, s, reason, reasonlen) :
		    transfer_error(&rs, s->why, "", reason, reasonlen);
	net_resp_free(&rs);
	return rc;
}

int
net_dl_fetch(struct netd *nd, const char *id, uint64_t max, const char *what, int *fd,
    uint64_t *size, char *reason, size_t reasonlen)
{
	char part[CONF_PATH_MAX + 256], info[CONF_PATH_MAX + 256];
	struct dl_sink s = { .nd = nd, .max = max };
	uint64_t updated;
	int rc, tries;

	if (dl_paths(nd, id, part, info, sizeof(part)) == -1) {
		snprintf(reason, reasonlen, "path too long");
		return NET_DL_FAILED;
	}
	if ((rc = dl_info(nd, id, max, what, size, &updated, reason, reasonlen)) != NET_DL_OK)
		return rc;
	s.expect = *size;
	if ((s.fd = dl_open_part(part, info, *size, updated, &s.off)) == -1) {
		snprintf(reason, reasonlen, "%s: %s", part, strerror(errno));
		return NET_DL_FAILED;
	}
	for (tries = 0, rc = NET_DL_OK; s.off < *size && tries < NET_DL_TRIES; tries++) {
		if ((rc = dl_get(nd, id, &s, reason, reasonlen)) != NET_DL_TRANSIENT)
			break;
		log_warnx("download interrupted id=%s have=%" PRIu64 " of=%" PRIu64
		    " reason=\"%s\"", id, s.off, *size, reason);
		sleep(1);
	}
	if (rc == NET_DL_OK && s.off != *size) {
		snprintf(reason, reasonlen, "got %" PRIu64 " of %" PRIu64 " bytes", s.off, *size);
		rc = NET_DL_TRANSIENT;
	}
	if (rc == NET_DL_FAILED)
		net_dl_forget(nd, id);
	if (rc != NET_DL_OK) {
		close(s.fd);
		return rc;
	}
	log_info("download done id=%s bytes=%" PRIu64, id, *size);
	*fd = s.fd;
	return NET_DL_OK;
}
