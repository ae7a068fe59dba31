/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * The installer's state, under state_dir/installd (root, 0700), every file written
 * with safe_write so a crash leaves the old file or the new one.  Each is
 * "key=value" lines, the keys of one table below in its order:
 *
 *   apps/APP     one app's record (app_fields): version and digest of the
 *                last install that exited 0, status of the last that ran
 *   results/JOB  a result until netd acknowledges it (result_fields), then
 *                exactly output_len bytes of output
 *   installing   the install in progress (job_fields); pgid, start 0 until
 *                install.sh runs
 *
 * status is ipc.h's IPC_ST_*: 1 installed, 2 failed, 3 refused,
 * 4 interrupted, 5 error.  Parsing is strict: every key, in order.
 */
#include <dirent.h>
#include <stddef.h>
#include <sodium.h>

#include "../../common/daemon.h"
#include "../../common/safefile.h"
#include "installd.h"

#define FILE_MAX	(IPC_OUTPUT_MAX + 4096)	/* the largest file: a result */

enum kind { K_NUM, K_STR, K_HEX };

struct field {
	const char	*key;
	enum kind	 kind;
	size_t		 off, size;
	uint64_t	 max;			/* K_NUM */
	int		 alt;			/* also "-1" (K_NUM) or "" (K_STR) */
	int		(*ok)(const char *);	/* K_STR */
};

/* A tarball name as ins_result_text() lets it through: harmless bytes only. */
static int
valid_name(const char *s)
{
	return s[0] != '\0' && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
	    "nopqrstuvwxyz0123456789._-?") == strlen(s);
}

#define F(s, f, k, max, alt, ok) /* NOLINTNEXTLINE(bugprone-macro-parentheses): s is a type */ \
	{ #f, k, offsetof(s, f), sizeof(((s *)0)->f), max, alt, ok }
#define NF(t)	(sizeof(t) / sizeof((t)[0]))

static const struct field app_fields[] = {
	F(struct ipc_app_entry, app, K_STR, 0, 0, vfy_app_valid),
	F(struct ipc_app_entry, version, K_STR, 0, 1, vfy_version_valid),
	F(struct ipc_app_entry, status, K_NUM, IPC_ST_MAX, 0, NULL),
	F(struct ipc_app_entry, exit_code, K_NUM, 255, 1, NULL),
	F(struct ipc_app_entry, installed_at, K_NUM, UINT64_MAX, 0, NULL),
	F(struct ipc_app_entry, digest, K_HEX, 0, 0, NULL),
};
static const struct field result_fields[] = {
	F(struct ipc_result, job, K_NUM, UINT64_MAX, 0, NULL),
	F(struct ipc_result, origin, K_NUM, UINT32_MAX, 0, NULL),
	F(struct ipc_result, status, K_NUM, IPC_ST_MAX, 0, NULL),
	F(struct ipc_result, exit_code, K_NUM, 255, 1, NULL),
	F(struct ipc_result, signal, K_NUM, 64, 0, NULL),
	F(struct ipc_result, truncated, K_NUM, 1, 0, NULL),
	F(struct ipc_result, output_total, K_NUM, UINT64_MAX, 0, NULL),
	F(struct ipc_result, duration_ms, K_NUM, UINT64_MAX, 0, NULL),
	F(struct ipc_result, finished_at, K_NUM, UINT64_MAX, 0, NULL),
	F(struct ipc_result, name, K_STR, 0, 0, valid_name),
	F(struct ipc_result, output_len, K_NUM, IPC_OUTPUT_MAX, 0, NULL),
};
static const struct field job_fields[] = {
	F(struct ins_job, job, K_NUM, UINT64_MAX, 0, NULL),
	F(struct ins_job, app, K_STR, 0, 0, vfy_app_valid),
	F(struct ins_job, version, K_STR, 0, 0, vfy_version_valid),
	F(struct ins_job, pgid, K_NUM, INT32_MAX, 0, NULL),
	F(struct ins_job, start, K_NUM, UINT64_MAX, 0, NULL),
};

/* ---- the codec: the tables above, both directions ------------------------ */

static int
put_field(char *buf, size_t len, const struct field *f, const char *rec)
{
	const unsigned char *d = (const unsigned char *)rec + f->off;
	char hex[2 * IPC_DIGEST_LEN + 1] = "";
	uint32_t v32;
	uint64_t v = 0;

	if (f->kind == K_NUM)
		memcpy(f->size == 4 ? (void *)&v32 : (void *)&v, d, f->size);
	if (f->kind == K_NUM && f->size == 4)
		v = v32;
	if (f->kind == K_NUM && f->alt && v == UINT32_MAX)
		return snprintf(buf, len, "%s=-1\n", f->key);
	if (f->kind == K_NUM)
		return snprintf(buf, len, "%s=%llu\n", f->key, (unsigned long long)v);
	if (f->kind == K_HEX && !sodium_is_zero(d, f->size))
		sodium_bin2hex(hex, sizeof(hex), d, f->size);
	return snprintf(buf, len, "%s=%s\n", f->key, f->kind == K_STR ? rec + f->off : hex);
}

static int
get_field(const struct field *f, char *rec, const char *v)
{
	size_t len = strlen(v);
	const char *stop;
	uint32_t v32;
	uint64_t n;

	if (f->kind == K_STR) {
		if (len >= f->size || !((f->alt && len == 0) || f->ok(v)))
			return -1;
		memcpy(rec + f->off, v, len + 1);
		return 0;
	}
	if (f->kind == K_HEX)
		return len == 0 || (sodium_hex2bin((unsigned char *)rec + f->off, f->size,
		    v, len, NULL, &len, &stop) == 0 && len == f->size && *stop == '\0') ? 0 : -1;
	if (f->alt && strcmp(v, "-1") == 0)
		n = UINT64_MAX;
	else if (gwe_parse_u64(v, 0, f->max, &n) == -1)
		return -1;
	v32 = (uint32_t)n;
	memcpy(rec + f->off, f->size == 4 ? (void *)&v32 : (void *)&n, f->size);
	return 0;
}

/* Write the fields of rec, then tail, to path. */
static int
save(const char *path, const struct field *f, size_t nf, const void *rec,
    const char *tail, size_t taillen)
{
	static char buf[FILE_MAX];
	size_t i, len = 0;
	int n;

	for (i = 0; i < nf; i++, len += (size_t)n)
		if ((n = put_field(buf + len, sizeof(buf) - len, &f[i], rec)) < 0 ||
		    (size_t)n >= sizeof(buf) - len)
			return -1;
	if (taillen > sizeof(buf) - len)
		return -1;
	memcpy(buf + len, tail, taillen);
	return safe_write(path, buf, len + taillen, 0600);
}

/* Read rec (zeroed first) and what follows into tail (NULL: nothing may). */
static int
load(const char *path, const struct field *f, size_t nf, void *rec, size_t recsize,
    char *tail, size_t *taillen)
{
	char *data, *cur, *nl;
	size_t len, i, kl;
	int rc = -1;

	memset(rec, 0, recsize);
	if (gwe_read_file(path, FILE_MAX, &data, &len) == -1)
		return errno == ENOENT ? 0 : (log_warn("state file unreadable path=%s", path), -1);
	for (i = 0, cur = data; i < nf; i++, cur = nl + 1) {
		kl = strlen(f[i].key);
		if ((nl = memchr(cur, '\n', (size_t)(data + len - cur))) == NULL ||
		    (size_t)(nl - cur) <= kl || memcmp(cur, f[i].key, kl) != 0 ||
		    cur[kl] != '=' || memchr(cur, '\0', (size_t)(nl - cur)) != NULL)
			goto out;
		*nl = '\0';
		if (get_field(&f[i], rec, cur + kl + 1) == -1)
			goto out;
	}
	if (tail == NULL ? cur == data + len : data + len - cur <= IPC_OUTPUT_MAX) {
		if (tail != NULL) {
			*taillen = (size_t)(data + len - cur);
			memcpy(tail, cur, *taillen);
		}
		rc = 1;
	}
out:
	free(data);
	if (rc == -1)
		log_warnx("malformed state file path=%s line=%zu", path, i + 1);
	return rc;
}

static const char *
path_of(const char *dir, const char *name, uint64_t job)
{
	static char path[PATH_MAX];

	if ((name != NULL ? snprintf(path, sizeof(path), "%s/%s", dir, name) :
	    snprintf(path, sizeof(path), "%s/%llu", dir, (unsigned long long)job)) >=
	    (int)sizeof(path))
		fatalx("path too long dir=%s", dir);
	return path;
}

/* Call fn for each entry of dir, in version order (job 9 before job 10). */
int
ins_each(const char *dir, int (*fn)(const char *, void *), void *arg)
{
	struct dirent **list;
	int i, n, rc = 0;

	if ((n = scandir(dir, &list, NULL, versionsort)) == -1)
		return (log_warn("state directory unreadable dir=%s", dir), -1);
	for (i = 0; i < n; i++) {
		if (rc == 0 && list[i]->d_name[0] != '.')
			rc = fn(list[i]->d_name, arg);
		free(list[i]);
	}
	free(list);
	return rc;
}

/*
 * state_dir is shared by the daemons (root, 0755); ours is state_dir/installd
 * (root, 0700).  Anyone else able to write on the way could swap our state.
 */
void
ins_state_init(struct ins_ctx *ctx)
{
	char top[PATH_MAX], err[PATH_MAX + 64], *dirs[] = { ctx->cfg.state_dir, top,
	    ctx->apps_dir, ctx->results_dir, ctx->staging_dir };
	size_t i;

	gwe_strlcpy(top, path_of(ctx->cfg.state_dir, "installd", 0), PATH_MAX);
	gwe_strlcpy(ctx->apps_dir, path_of(top, "apps", 0), PATH_MAX);
	gwe_strlcpy(ctx->results_dir, path_of(top, "results", 0), PATH_MAX);
	gwe_strlcpy(ctx->staging_dir, path_of(top, "staging", 0), PATH_MAX);
	gwe_strlcpy(ctx->marker_path, path_of(top, "installing", 0), PATH_MAX);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		mode_t mode = i == 0 ? 0755 : 0700;

		/* chmod: our umask would lock netd out; the parent's fsync: a power cut. */
		if (mkdir(dirs[i], mode) == 0 ? chmod(dirs[i], mode) == -1 ||
		    safe_sync_parent(dirs[i]) == -1 : errno != EEXIST)
			fatal("mkdir %s", dirs[i]);
		if (daemon_dir_safe(dirs[i], err, sizeof(err)) == -1)
			fatalx("%s", err);
	}
}

/* ---- records, results, the marker ------------------------------------------ */

/* 1 found, 0 none, -1 unreadable. */
int
ins_app_get(struct ins_ctx *ctx, const char *app, struct ipc_app_entry *a)
{
	int rc = load(path_of(ctx->apps_dir, app, 0), app_fields, NF(app_fields), a,
	    sizeof(*a), NULL, NULL);

	return rc == 1 && strcmp(a->app, app) != 0 ? -1 : rc;
}

/* Only an install.sh that ran changes the record; only exit 0 the version. */
int
ins_app_update(struct ins_ctx *ctx, const struct ipc_install_req *r,
    const struct ipc_result *res)
{
	struct ipc_app_entry a;

	if (ins_app_get(ctx, r->app, &a) == -1)
		return -1;
	/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): r != NULL */
	memcpy(a.app, r->app, sizeof(a.app));
	a.status = res->status;
	a.exit_code = res->exit_code;
	a.installed_at = res->finished_at;
	if (res->status == IPC_ST_INSTALLED) {
		memcpy(a.version, r->version, sizeof(a.version));
		memcpy(a.digest, r->digest, sizeof(a.digest));
	}
	return save(path_of(ctx->apps_dir, r->app, 0), app_fields, NF(app_fields), &a,
	    "", 0);
}

/* Crash-only: a result that cannot be kept is fatal, and the marker speaks. */
void
ins_result_save(struct ins_ctx *ctx, const struct ipc_result *r)
{
	if (save(path_of(ctx->results_dir, NULL, r->job), result_fields,
	    NF(result_fields), r, r->output, r->output_len) == -1)
		fatal("cannot save the result job=%llu", (unsigned long long)r->job);
}

/* 0 loaded, -1 missing or malformed. */
int
ins_result_load(struct ins_ctx *ctx, uint64_t job, struct ipc_result *r)
{
	size_t n;

	return load(path_of(ctx->results_dir, NULL, job), result_fields,
	    NF(result_fields), r, sizeof(*r), r->output, &n) == 1 && r->job == job &&
	    n == r->output_len ? 0 : -1;
}

int
ins_result_forget(struct ins_ctx *ctx, uint64_t job)
{
	return safe_unlink(path_of(ctx->results_dir, NULL, job));
}

/* A result that is one line of text: a refusal, an error, an interruption. */
void
ins_result_text(struct ipc_result *r, uint32_t status, const char *name,
    const char *reason)
{
	/* The name may have failed the grammar: then it is not repeated. */
	gwe_strlcpy(r->name, valid_name(name) ? name : "?", sizeof(r->name));
	r->status = status;
	r->exit_code = -1;
	r->finished_at = (uint64_t)time(NULL);
	r->output_len = (uint32_t)snprintf(r->output, IPC_OUTPUT_MAX,
	    "gwe: %s: %s\n", r->name, reason);
}

/* Write the marker of the install in progress, or remove it (j NULL). */
int
ins_marker(struct ins_ctx *ctx, const struct ins_job *j)
{
	if (j != NULL)
		return save(ctx->marker_path, job_fields, NF(job_fields), j, "", 0);
	return safe_unlink(ctx->marker_path) == -1 && errno != ENOENT ? -1 : 0;
}

/* Field 22 of /proc/PID/stat: the start time in clock ticks since boot. */
int
ins_proc_start(pid_t pid, uint64_t *start)
{
	char path[64], buf[1024], *p;
	unsigned long long t;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	buf[gwe_read_full(fd, buf, sizeof(buf) - 1)] = '\0';
	close(fd);
	/* The command name (field 2) may hold anything: start after its last ')'. */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 1, " %*c %*d %*d %*d %*d "
	    "%*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &t) != 1)
		return -1;
	*start = t;
	return 0;
}

/*
 * After a crash.  The job's result was saved as interrupted before its
 * archive was touched and the record changes only after install.sh exits,
 * so what is left is the process group and the staging dir.  The group
 * is killed only if its leader is still the same process.
 */
void
ins_recover(struct ins_ctx *ctx)
{
	static struct ins_job j;
	uint64_t start;
	int rc;

	if ((rc = load(ctx->marker_path, job_fields, NF(job_fields), &j, sizeof(j),
	    NULL, NULL)) == 0)
		return;
	if (rc == -1)
		fatalx("bad marker, check and remove it by hand path=%s", ctx->marker_path);
	/* Leader gone: a group id stays taken while a member lives, so they are ours.
	 * Never kill(-1): a pgid of 0 or 1 in a marker is no group of ours. */
	if (j.pgid > 1 && (ins_proc_start((pid_t)j.pgid, &start) == -1 ||
	    start == j.start) && kill(-(pid_t)j.pgid, SIGKILL) == 0)
		log_warnx("killed what install.sh left after a crash pgid=%llu",
		    (unsigned long long)j.pgid);
	log_warnx("install interrupted app=%s version=%s job=%llu", j.app, j.version,
	    (unsigned long long)j.job);
	ins_rmtree(ctx->staging_dir);
	if (mkdir(ctx->staging_dir, 0700) == -1 || ins_marker(ctx, NULL) == -1)
		fatal("cannot clean up after the interrupted install");
}
