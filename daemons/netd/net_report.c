/*
 * Reports, built from system calls and /proc instead of uname, df and free,
 * since gwe-netd may not exec.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/safefile.h"
#include "../../common/util.h"
#include "net_report.h"

uint64_t
net_fnv1a(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;
	size_t i;

	if (h == 0)
		h = UINT64_C(0xcbf29ce484222325);
	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

void
net_report_free(struct net_report *r)
{
	free(r->json);
	r->json = NULL;
}

static int
report_take(struct net_report *r, const char *alias, struct json_object *o, uint64_t fp)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);

	r->alias = alias;
	r->fp = fp;
	r->json = s != NULL ? strdup(s) : NULL;
	json_object_put(o);
	return r->json != NULL ? 0 : -1;
}

static int
net_text_uname(char *out, size_t outlen)
{
	struct utsname u;

	if (uname(&u) == -1)
		return -1;
	snprintf(out, outlen, "%s %s %s %s %s", u.sysname, u.nodename, u.release,
	    u.version, u.machine);
	return 0;
}

static uint64_t
meminfo_kb(const char *mi, const char *key)
{
	const char *p = mi;
	size_t kl = strlen(key);
	uint64_t v;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, kl) == 0 && p[kl] == ':') {
			/* "Key:   1234 kB": the digits after the blanks. */
			p += kl + 1 + strspn(p + kl + 1, " \t");
			return gwe_parse_u64n(p, strspn(p, "0123456789"), 0, UINT64_MAX, &v) == 0 ?
			    v : 0;
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return 0;
}

/* The shape of free(1)'s default output, in KiB. */
int
net_text_free(const char *mi, char *out, size_t outlen)
{
	uint64_t total = meminfo_kb(mi, "MemTotal"), mfree = meminfo_kb(mi, "MemFree");
	uint64_t avail = meminfo_kb(mi, "MemAvailable"), shmem = meminfo_kb(mi, "Shmem");
	uint64_t cache = meminfo_kb(mi, "Buffers") + meminfo_kb(mi, "Cached") +
	    meminfo_kb(mi, "SReclaimable");
	uint64_t st = meminfo_kb(mi, "SwapTotal"), sf = meminfo_kb(mi, "SwapFree");
	uint64_t used = total > mfree + cache ? total - mfree - cache : 0;

	if (total == 0)
		return -1;
	snprintf(out, outlen,
	    "%15s%12s%12s%12s%12s%12s\n"
	    "Mem:%11" PRIu64 "%12" PRIu64 "%12" PRIu64 "%12" PRIu64 "%12" PRIu64 "%12" PRIu64 "\n"
	    "Swap:%10" PRIu64 "%12" PRIu64 "%12" PRIu64,
	    "total", "used", "free", "shared", "buff/cache", "available",
	    total, used, mfree, shmem, cache, avail, st, st - (sf < st ? sf : st), sf);
	return 0;
}

/* The shape of df -k for the given mount points. */
static int
net_text_df(const char *const *paths, size_t n, char *out, size_t outlen)
{
	struct statvfs sv;
	uint64_t bs, total, avail, used;
	size_t i, off;

	off = (size_t)snprintf(out, outlen, "%-20s %12s %12s %12s %4s %s",
	    "Filesystem", "1K-blocks", "Used", "Available", "Use%", "Mounted on");
	for (i = 0; i < n && off < outlen; i++) {
		if (statvfs(paths[i], &sv) == -1)
			continue;
		bs = sv.f_frsize ? sv.f_frsize : sv.f_bsize;
		total = (uint64_t)sv.f_blocks * bs / 1024;
		avail = (uint64_t)sv.f_bavail * bs / 1024;
		used = (uint64_t)(sv.f_blocks - sv.f_bfree) * bs / 1024;
		off += (size_t)snprintf(out + off, outlen - off,
		    "\n%-20s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %3" PRIu64 "%% %s",
		    "-", total, used, avail,
		    used + avail > 0 ? (used * 100 + used + avail - 1) / (used + avail) : 0,
		    paths[i]);
	}
	return 0;
}

static struct json_object *
ipaddrs(uint64_t *fp)
{
	struct json_object *a = json_object_new_array();
	struct ifaddrs *ifa, *i;
	char addr[INET6_ADDRSTRLEN], line[IF_NAMESIZE + INET6_ADDRSTRLEN + 4];
	const void *src;

	if (getifaddrs(&ifa) == -1)
		return a;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || (i->ifa_flags & IFF_LOOPBACK))
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			src = &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
		else if (i->ifa_addr->sa_family == AF_INET6)
			src = &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(i->ifa_addr->sa_family, src, addr, sizeof(addr)) == NULL)
			continue;
		snprintf(line, sizeof(line), "%s %s", i->ifa_name, addr);
		*fp = net_fnv1a(line, strlen(line) + 1, *fp);
		json_object_array_add(a, json_object_new_string(line));
	}
	freeifaddrs(ifa);
	return a;
}

int
net_report_device_info(const struct netd *nd, struct net_report *r)
{
	const char *paths[] = { "/", nd->cfg->state_dir };
	char un[1024], fr[512], df[1024], *mi = NULL;
	struct json_object *o = json_object_new_object();
	uint64_t fp = 0;

	un[0] = fr[0] = df[0] = '\0';
	(void)net_text_uname(un, sizeof(un));
	if ((mi = net_read_virtual("/proc/meminfo", 64 * 1024)) != NULL) {
		(void)net_text_free(mi, fr, sizeof(fr));
		free(mi);
	}
	(void)net_text_df(paths, 2, df, sizeof(df));
	/* What counts as a change: the system and its addresses, not free memory. */
	fp = net_fnv1a(un, strlen(un), fp);
	json_object_object_add(o, "uname", json_object_new_string(un));
	json_object_object_add(o, "df", json_object_new_string(df));
	json_object_object_add(o, "free", json_object_new_string(fr));
	json_object_object_add(o, "ipaddrs", ipaddrs(&fp));
	return report_take(r, "device_info", o, fp);
}

/*
 * usage_report is nested the way the dashboards written for Gateway Engine
 * read it (docs/design.md section 5): source, then group, then one row per
 * name longer than two characters, each row an object of five numbers.
 */
static void
peak_take(struct net_peak *p, uint64_t rx, uint64_t tx)
{
	/* A counter that went back (an interface made again) grew by what it holds. */
	uint64_t grx = rx >= p->last_rx ? rx - p->last_rx : rx;
	uint64_t gtx = tx >= p->last_tx ? tx - p->last_tx : tx;

	if (p->seen) {
		p->max_rx = grx > p->max_rx ? grx : p->max_rx;
		p->max_tx = gtx > p->max_tx ? gtx : p->max_tx;
	}
	p->last_rx = rx;
	p->last_tx = tx;
	p->seen = 1;
}

static struct json_object *
usage_row(struct net_peak *p, uint64_t rx, uint64_t tx, uint64_t num)
{
	struct json_object *e = json_object_new_object();

	peak_take(p, rx, tx);
	json_object_object_add(e, "tot_rx", json_object_new_uint64(rx));
	json_object_object_add(e, "max_rx", json_object_new_uint64(p->max_rx));
	json_object_object_add(e, "tot_tx", json_object_new_uint64(tx));
	json_object_object_add(e, "max_tx", json_object_new_uint64(p->max_tx));
	json_object_object_add(e, "num", json_object_new_uint64(num));
	return e;
}

/* The peaks of the interface name had at the last build, or fresh ones. */
static struct net_peak
iface_peak(const struct net_usage_peaks *pk, const char *name)
{
	struct net_peak none = { 0 };
	size_t i;

	for (i = 0; i < pk->nif; i++)
		if (strcmp(pk->ifs[i].name, name) == 0)
			return pk->ifs[i].p;
	return none;
}

/* Bytes and packets of each interface in /proc/net/dev; the table of peaks follows them. */
static struct json_object *
usage_ifaces(char *netdev, struct net_usage_peaks *pk)
{
	struct json_object *o = json_object_new_object();
	struct net_usage_peaks now;
	char *line, *save = NULL;
	unsigned long long rx, rxp, tx, txp, skip;

	now.nif = 0;
	for (line = netdev != NULL ? strtok_r(netdev, "\n", &save) : NULL;
	    line != NULL && now.nif < NET_USAGE_IFACES_MAX; line = strtok_r(NULL, "\n", &save)) {
		char *name = now.ifs[now.nif].name;
		struct net_peak *p = &now.ifs[now.nif].p;

		if (sscanf(line, " %16[^:]: %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		    name, &rx, &rxp, &skip, &skip, &skip, &skip, &skip, &skip, &tx, &txp) != 11)
			continue;
		*p = iface_peak(pk, name);
		json_object_object_add(o, name, usage_row(p, rx, tx, rxp + txp));
		now.nif++;
	}
	memcpy(pk->ifs, now.ifs, sizeof(now.ifs));
	pk->nif = now.nif;
	return o;
}

int
net_usage_build(const struct net_usage *u, char *netdev, struct net_usage_peaks *pk,
    struct net_report *r)
{
	struct json_object *o = json_object_new_object(), *eng, *kinds, *total, *ifs;
	uint64_t ts = 0, tr = 0, tq = 0;
	int k;

	kinds = json_object_new_object();
	for (k = 0; k < NK_MAX; k++) {
		json_object_object_add(kinds, net_kind_name((enum net_kind)k),
		    usage_row(&pk->kind[k], u->received[k], u->sent[k], u->requests[k]));
		ts += u->sent[k];
		tr += u->received[k];
		tq += u->requests[k];
	}
	total = json_object_new_object();
	json_object_object_add(total, NET_USAGE_ROW, usage_row(&pk->kind[NK_MAX], tr, ts, tq));
	eng = json_object_new_object();
	json_object_object_add(eng, "by_kind", kinds);
	json_object_object_add(eng, "total", total);
	ifs = json_object_new_object();
	json_object_object_add(ifs, "by_interface", usage_ifaces(netdev, pk));
	json_object_object_add(o, "engine", eng);
	json_object_object_add(o, "interfaces", ifs);
	/* Counters always move: written daily, not on every change. */
	return report_take(r, "usage_report", o, 1);
}

int
net_report_usage(const struct netd *nd, struct net_report *r)
{
	static struct net_usage_peaks peaks;	/* since gwe-netd started */
	char *netdev = net_read_virtual("/proc/net/dev", 256 * 1024);
	int rc = net_usage_build(&nd->http.usage, netdev, &peaks, r);

	free(netdev);
	return rc;
}

/*
 * engine_report has three states (docs/design.md section 5): ipc_status_name's
 * "installed" and "interrupted", and "failed" for every other outcome.
 */
static const char *
app_status(uint32_t st)
{
	return ipc_status_name(st == IPC_ST_INSTALLED || st == IPC_ST_INTERRUPTED ? st :
	    IPC_ST_FAILED);
}

int
net_report_engine(const struct netd *nd, const struct net_apps *apps, struct net_report *r)
{
	struct json_object *o = json_object_new_object(), *arr, *app, *one;
	time_t now = time(NULL);
	uint64_t fp = 0;
	size_t i;

	arr = json_object_new_array();
	for (i = 0; i < apps->n; i++) {
		const struct ipc_app_entry *e = &apps->e[i];

		app = json_object_new_object();
		json_object_object_add(app, "version", json_object_new_string(e->version));
		json_object_object_add(app, "status", json_object_new_string(app_status(e->status)));
		json_object_object_add(app, "exitstatus", json_object_new_int(e->exit_code));
		json_object_object_add(app, "uptime", json_object_new_int64(
		    (uint64_t)now > e->installed_at ? (int64_t)((uint64_t)now - e->installed_at) : 0));
		one = json_object_new_object();
		json_object_object_add(one, e->app, app);
		json_object_array_add(arr, one);
		fp = net_fnv1a(e, sizeof(*e), fp);
	}
	json_object_object_add(o, "apps", arr);
	json_object_object_add(o, "engine_version", json_object_new_string(GWE_VERSION));
	json_object_object_add(o, "update_interval", json_object_new_uint64(nd->interval));
	json_object_object_add(o, "last_checkin", json_object_new_int64(nd->last_ok));
	fp = net_fnv1a(&nd->interval, sizeof(nd->interval), fp);
	return report_take(r, "engine_report", o, fp);
}

static int
report_path(const struct netd *nd, const struct net_report *r, char *p, size_t plen)
{
	char name[64];

	snprintf(name, sizeof(name), "report.%s", r->alias);
	return net_path(nd, name, p, plen);
}

int
net_report_due(const struct netd *nd, const struct net_report *r, time_t now)
{
	char p[CONF_PATH_MAX + 80];
	uint64_t fp, t;

	if (report_path(nd, r, p, sizeof(p)) == -1 || net_kv_read(p, "fp", &fp) != 0 ||
	    net_kv_read(p, "time", &t) != 0)
		return 1;
	return fp != r->fp || (uint64_t)now >= t + NET_REPORT_MAX_AGE || (uint64_t)now < t;
}

void
net_report_written(const struct netd *nd, const struct net_report *r, time_t now)
{
	char p[CONF_PATH_MAX + 80], line[80];

	if (report_path(nd, r, p, sizeof(p)) == -1)
		return;
	snprintf(line, sizeof(line), "fp=%" PRIu64 "\ntime=%lld\n", r->fp, (long long)now);
	if (safe_write(p, line, strlen(line), 0600) == -1)
		log_warn("report state not saved path=%s", p);
}
