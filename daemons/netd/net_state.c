/*
 * gwe-netd's files.  Every write goes through safe_write, so a crash
 * leaves the old content or the new, and a queue entry is on disk before
 * anyone is told it is.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/safefile.h"
#include "../../common/text.h"
#include "../../common/util.h"
#include "net_state.h"

int
net_state_init(struct netd *nd, const struct gwe_config *cfg)
{
	memset(nd, 0, sizeof(*nd));
	nd->cfg = cfg;
	nd->vfd = -1;
	nd->interval = cfg->update_interval;
	if ((size_t)snprintf(nd->dir, sizeof(nd->dir), "%s/netd", cfg->state_dir) >=
	    sizeof(nd->dir))
		return -1;
	return 0;
}

int
net_path(const struct netd *nd, const char *name, char *out, size_t outlen)
{
	if ((size_t)snprintf(out, outlen, "%s/%s", nd->dir, name) >= outlen)
		return -1;
	return 0;
}

/*
 * A directory made here is fsynced in its parent once its owner and mode
 * are set: a power cut after the first boot must not take the CIK with it.
 */
static int
mkdir_owned(const char *path, uid_t uid, gid_t gid)
{
	struct stat st;
	int made = mkdir(path, 0700) == 0;

	if (!made && errno != EEXIST)
		return -1;
	if (lstat(path, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	if ((st.st_uid != uid || st.st_gid != gid) && chown(path, uid, gid) == -1)
		return -1;
	if (chmod(path, 0700) == -1)
		return -1;
	return made ? safe_sync_parent(path) : 0;
}

int
net_state_mkdirs(const struct netd *nd, uid_t uid, gid_t gid)
{
	char p[CONF_PATH_MAX + 16];

	if (mkdir(nd->cfg->state_dir, 0755) == 0 ? safe_sync_parent(nd->cfg->state_dir) == -1 :
	    errno != EEXIST)
		return -1;
	if (mkdir_owned(nd->dir, uid, gid) == -1)
		return -1;
	if (net_path(nd, "queue", p, sizeof(p)) == -1 || mkdir_owned(p, uid, gid) == -1)
		return -1;
	if (net_path(nd, "dl", p, sizeof(p)) == -1 || mkdir_owned(p, uid, gid) == -1)
		return -1;
	if (net_path(nd, "failed", p, sizeof(p)) == -1 || mkdir_owned(p, uid, gid) == -1)
		return -1;
	return 0;
}

int
net_cik_load(struct netd *nd)
{
	char p[CONF_PATH_MAX + 16], reason[NET_REASON_MAX], *buf;
	size_t len;

	if (net_path(nd, "cik", p, sizeof(p)) == 0 &&
	    gwe_read_file(p, 256, &buf, &len) == 0) {
		if (net_cik_parse(buf, len, nd->http.cik, reason, sizeof(reason)) == 0) {
			explicit_bzero(buf, len);
			free(buf);
			return 0;
		}
		log_warnx("stored cik ignored path=%s reason=\"%s\"", p, reason);
		free(buf);
	}
	if (nd->cfg->cik[0] != '\0') {
		gwe_strlcpy(nd->http.cik, nd->cfg->cik, sizeof(nd->http.cik));
		return 0;
	}
	nd->http.cik[0] = '\0';
	return -1;
}

int
net_cik_store(struct netd *nd, const char *cik)
{
	char p[CONF_PATH_MAX + 16], line[NET_CIK_LEN + 2];

	if (net_path(nd, "cik", p, sizeof(p)) == -1)
		return -1;
	snprintf(line, sizeof(line), "%s\n", cik);
	if (safe_write(p, line, strlen(line), 0600) == -1)
		return -1;
	gwe_strlcpy(nd->http.cik, cik, sizeof(nd->http.cik));
	return 0;
}

int
net_interval_load(struct netd *nd)
{
	char p[CONF_PATH_MAX + 16], reason[NET_REASON_MAX], *buf;
	size_t len;
	uint64_t v;

	if (net_path(nd, "update_interval", p, sizeof(p)) == -1 ||
	    gwe_read_file(p, 64, &buf, &len) == -1)
		return -1;
	while (len > 0 && buf[len - 1] == '\n')
		len--;
	if (net_interval_parse(buf, len, &v, reason, sizeof(reason)) == 0)
		nd->interval = v;
	else
		log_warnx("stored update_interval ignored reason=\"%s\"", reason);
	free(buf);
	return 0;
}

int
net_interval_store(struct netd *nd, uint64_t v)
{
	char p[CONF_PATH_MAX + 16], line[32];

	if (net_path(nd, "update_interval", p, sizeof(p)) == -1)
		return -1;
	snprintf(line, sizeof(line), "%" PRIu64 "\n", v);
	if (safe_write(p, line, strlen(line), 0600) == -1)
		return -1;
	nd->interval = v;
	return 0;
}

int
net_kv_load(const char *path, const char *key, uint64_t *v)
{
	char *buf, *line, *save = NULL;
	size_t len, kl = strlen(key);
	int rc = NET_KV_BAD;

	if (gwe_read_file(path, 4096, &buf, &len) == -1)
		return errno == ENOENT ? NET_KV_MISSING : NET_KV_BAD;
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, key, kl) == 0 && line[kl] == '=') {
			/* A key twice, or not a number: the file is not ours as written. */
			if (rc == 0 || gwe_parse_u64(line + kl + 1, 0, UINT64_MAX, v) == -1) {
				rc = NET_KV_BAD;
				break;
			}
			rc = 0;
		}
	free(buf);
	return rc;
}

int
net_kv_read(const char *path, const char *key, uint64_t *v)
{
	int rc = net_kv_load(path, key, v);

	if (rc == NET_KV_BAD)
		log_warnx("state file damaged path=%s key=%s", path, key);
	return rc;
}

uint64_t
net_jobseq_next(struct netd *nd)
{
	char p[CONF_PATH_MAX + 16], line[48];
	uint64_t v = 0;

	if (net_path(nd, "jobseq", p, sizeof(p)) == -1)
		fatalx("state path too long");
	/* Only a missing file starts afresh: a reused job id gets an old result. */
	if (net_kv_load(p, "job", &v) == NET_KV_BAD) {
		log_warnx("job id unknown, jobseq unreadable path=%s", p);
		return 0;
	}
	v++;
	snprintf(line, sizeof(line), "job=%" PRIu64 "\n", v);
	/* A full disk is not fatal: the caller postpones, nothing is lost. */
	if (safe_write(p, line, strlen(line), 0600) == -1) {
		log_warn("job id not recorded path=%s", p);
		return 0;
	}
	return v;
}

/* ---- the fetch_status queue ------------------------------------------ */

/* Queue entries are named by a 16-digit sequence number first, so names sort by age. */
static int
queue_entry_name(const char *n)
{
	size_t i;

	for (i = 0; i < 16; i++)
		if (n[i] < '0' || n[i] > '9')
			return 0;
	return n[16] == '\0' || n[16] == '-';
}

/* The entry index in a name's "-ORDER-ENTRY" tail, when ORDER is order_id; else -1. */
static long
queue_entry_of(const char *tail, uint64_t order_id)
{
	const char *dash;
	uint64_t oid, ent;

	if (tail[0] != '-' || (dash = strchr(tail + 1, '-')) == NULL ||
	    gwe_parse_u64n(tail + 1, (size_t)(dash - tail - 1), 0, UINT64_MAX, &oid) == -1 ||
	    gwe_parse_u64(dash + 1, 0, LONG_MAX, &ent) == -1 || oid != order_id)
		return -1;
	return (long)ent;
}

struct queue_scan {
	char		oldest[64];
	uint64_t	max_seq;
	unsigned	count;
	long		max_entry;
	uint64_t	order_id;
};

static int
queue_scan(struct netd *nd, struct queue_scan *qs)
{
	char p[CONF_PATH_MAX + 16];
	struct dirent *de;
	uint64_t seq;
	long ent;
	DIR *d;

	qs->oldest[0] = '\0';
	qs->max_seq = 0;
	qs->count = 0;
	qs->max_entry = -1;
	if (net_path(nd, "queue", p, sizeof(p)) == -1 || (d = opendir(p)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) >= sizeof(qs->oldest) || !queue_entry_name(de->d_name))
			continue;
		qs->count++;
		/* queue_entry_name saw 16 digits. */
		if (gwe_parse_u64n(de->d_name, 16, 0, UINT64_MAX, &seq) == 0 && seq > qs->max_seq)
			qs->max_seq = seq;
		if (qs->oldest[0] == '\0' || strcmp(de->d_name, qs->oldest) < 0)
			gwe_strlcpy(qs->oldest, de->d_name, sizeof(qs->oldest));
		if ((ent = queue_entry_of(de->d_name + 16, qs->order_id)) > qs->max_entry)
			qs->max_entry = ent;
	}
	closedir(d);
	return 0;
}

/* Count one more text dropped by a cap in state_dir/netd/dropped (key queue or failed). */
static uint64_t
dropped_count(struct netd *nd, const char *key)
{
	const char *keys[2] = { "queue", "failed" };
	char p[CONF_PATH_MAX + 16], buf[96];
	uint64_t n[2] = { 0, 0 };
	int i;

	if (net_path(nd, "dropped", p, sizeof(p)) == -1)
		return 0;
	for (i = 0; i < 2; i++) {
		(void)net_kv_read(p, keys[i], &n[i]);
		if (strcmp(key, keys[i]) == 0)
			n[i]++;
	}
	snprintf(buf, sizeof(buf), "queue=%" PRIu64 "\nfailed=%" PRIu64 "\n", n[0], n[1]);
	if (safe_write(p, buf, strlen(buf), 0600) == -1)
		log_warn("drop count not saved path=%s", p);
	return strcmp(key, "queue") == 0 ? n[0] : n[1];
}

/*
 * The queue is full (the platform has refused writes for long): make room
 * by dropping the oldest texts, so that the newest results are the ones kept.
 */
static int
queue_trim(struct netd *nd, struct queue_scan *qs)
{
	while (qs->count >= NET_QUEUE_MAX && qs->oldest[0] != '\0') {
		if (net_queue_remove(nd, qs->oldest) == -1)
			return -1;
		log_warnx("fetch_status dropped entry=%s reason=\"queue full\" max=%d dropped=%"
		    PRIu64, qs->oldest, NET_QUEUE_MAX, dropped_count(nd, "queue"));
		if (queue_scan(nd, qs) == -1)
			return -1;
	}
	return 0;
}

/*
 * Queue a fetch_status text.  The platform takes only UTF-8, so anything
 * else (install.sh may print any bytes) is repaired here, before the text
 * is on disk: an entry the platform cannot accept must never be queued.
 */
int
net_queue_push(struct netd *nd, const char *text, size_t len, uint64_t order_id,
    long entry)
{
	struct queue_scan qs = { .order_id = 0 };
	char p[CONF_PATH_MAX + 96], *clean;
	size_t cap = len * 3 < IPC_OUTPUT_MAX ? len * 3 : IPC_OUTPUT_MAX;
	size_t n, repl;
	int rc;

	if (queue_scan(nd, &qs) == -1)
		return -1;
	if (qs.count >= NET_QUEUE_MAX && queue_trim(nd, &qs) == -1)
		return -1;
	if (order_id != 0)
		snprintf(p, sizeof(p), "%s/queue/%016" PRIu64 "-%" PRIu64 "-%ld",
		    nd->dir, qs.max_seq + 1, order_id, entry);
	else
		snprintf(p, sizeof(p), "%s/queue/%016" PRIu64, nd->dir, qs.max_seq + 1);
	if ((clean = malloc(cap + 1)) == NULL)
		return -1;
	/* Each NUL and each maximal ill-formed part becomes U+FFFD; cap bytes and the NUL. */
	n = gwe_text_clean(clean, cap + 1, text, len, GWE_TEXT_UTF8, &repl);
	if (repl > 0 || n < len)
		log_info("fetch_status text repaired replaced=%zu bytes_in=%zu bytes_out=%zu",
		    repl, len, n);
	rc = safe_write(p, clean, n, 0600);
	free(clean);
	if (rc == -1)
		return -1;
	log_info("fetch_status queued seq=%" PRIu64 " bytes=%zu", qs.max_seq + 1, n);
	return 0;
}

int
net_queue_oldest(struct netd *nd, char *name, size_t namelen, char **text, size_t *len)
{
	struct queue_scan qs;
	char p[CONF_PATH_MAX + 96];

	for (;;) {
		memset(&qs, 0, sizeof(qs));
		if (queue_scan(nd, &qs) == -1 || qs.oldest[0] == '\0')
			return -1;
		gwe_strlcpy(name, qs.oldest, namelen);
		snprintf(p, sizeof(p), "%s/queue/%s", nd->dir, qs.oldest);
		if (gwe_read_file(p, IPC_OUTPUT_MAX + 1024, text, len) == 0)
			return 0;
		/* Unreadable, it would hold back every entry after it. */
		log_warn("fetch_status entry unreadable, set aside path=%s", p);
		if (net_queue_setaside(nd, qs.oldest) == -1)
			return -1;
	}
}

int
net_queue_remove(struct netd *nd, const char *name)
{
	char p[CONF_PATH_MAX + 96];

	snprintf(p, sizeof(p), "%s/queue/%s", nd->dir, name);
	return safe_unlink(p);
}

/* The oldest file of failed/ (by time, then name) and how many there are. */
static unsigned
failed_oldest(const char *dir, char *name, size_t namelen)
{
	struct dirent *de;
	struct stat st;
	time_t t = 0;
	unsigned n = 0;
	DIR *d;

	name[0] = '\0';
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= namelen ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		n++;
		if (name[0] == '\0' || st.st_mtime < t ||
		    (st.st_mtime == t && strcmp(de->d_name, name) < 0)) {
			t = st.st_mtime;
			gwe_strlcpy(name, de->d_name, namelen);
		}
	}
	closedir(d);
	return n;
}

/* Keep failed/ to NET_FAILED_MAX files: the oldest go first, each with a log line. */
static void
failed_trim(struct netd *nd)
{
	char dir[CONF_PATH_MAX + 16], p[CONF_PATH_MAX + 128], name[96];

	if (net_path(nd, "failed", dir, sizeof(dir)) == -1)
		return;
	while (failed_oldest(dir, name, sizeof(name)) > NET_FAILED_MAX) {
		snprintf(p, sizeof(p), "%s/%s", dir, name);
		if (safe_unlink(p) == -1) {
			log_warn("set-aside text not removed path=%s", p);
			return;
		}
		log_warnx("set-aside text dropped name=%s reason=\"failed/ full\" max=%d "
		    "dropped=%" PRIu64, name, NET_FAILED_MAX, dropped_count(nd, "failed"));
	}
}

/*
 * Keep an entry the platform refused for good in failed/, out of the
 * queue, under a name that no later entry can take.
 */
int
net_queue_setaside(struct netd *nd, const char *name)
{
	char from[CONF_PATH_MAX + 96], to[CONF_PATH_MAX + 128];

	snprintf(from, sizeof(from), "%s/queue/%s", nd->dir, name);
	snprintf(to, sizeof(to), "%s/failed/%s.%lld", nd->dir, name, (long long)time(NULL));
	if (rename(from, to) == -1)
		return -1;
	failed_trim(nd);
	return 0;
}

unsigned
net_queue_count(struct netd *nd)
{
	struct queue_scan qs = { .order_id = 0 };

	return queue_scan(nd, &qs) == 0 ? qs.count : 0;
}

long
net_queue_max_entry(struct netd *nd, uint64_t order_id)
{
	struct queue_scan qs = { .order_id = order_id };

	return queue_scan(nd, &qs) == 0 ? qs.max_entry : -1;
}

char *
net_read_virtual(const char *path, size_t max)
{
	char *buf;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if ((buf = malloc(max + 1)) != NULL)
		buf[gwe_read_full(fd, buf, max)] = '\0';
	close(fd);
	return buf;
}


void
net_usage_load(struct netd *nd)
{
	struct net_usage *u = &nd->http.usage;
	uint64_t *slot[3];
	char p[CONF_PATH_MAX + 16], key[64];
	const char *what[3] = { "requests", "sent", "received" };
	int k, i, bad = 0;

	if (net_path(nd, "usage", p, sizeof(p)) == -1)
		return;
	for (k = 0; k < NK_MAX; k++) {
		slot[0] = &u->requests[k];
		slot[1] = &u->sent[k];
		slot[2] = &u->received[k];
		for (i = 0; i < 3; i++) {
			snprintf(key, sizeof(key), "%s.%s", net_kind_name((enum net_kind)k),
			    what[i]);
			if (net_kv_load(p, key, slot[i]) == NET_KV_BAD && bad++ == 0)
				log_warnx("state file damaged path=%s key=%s", p, key);
		}
	}
}

void
net_usage_store(struct netd *nd)
{
	const struct net_usage *u = &nd->http.usage;
	char p[CONF_PATH_MAX + 16], buf[1024];
	size_t off = 0;
	int k;

	if (net_path(nd, "usage", p, sizeof(p)) == -1)
		return;
	for (k = 0; k < NK_MAX && off < sizeof(buf); k++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "%s.requests=%" PRIu64 "\n%s.sent=%" PRIu64 "\n%s.received=%" PRIu64 "\n",
		    net_kind_name((enum net_kind)k), u->requests[k],
		    net_kind_name((enum net_kind)k), u->sent[k],
		    net_kind_name((enum net_kind)k), u->received[k]);
	if (off < sizeof(buf) && safe_write(p, buf, off, 0600) == -1)
		log_warn("usage not saved path=%s", p);
}

void
net_busy(struct netd *nd)
{
	if (nd->busy == NULL || nd->in_busy)
		return;
	nd->in_busy = 1;
	nd->busy(nd->busy_arg);
	nd->in_busy = 0;
}
