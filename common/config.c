/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 *
 * The configuration file (docs/design.md section 8).  One table lists every key
 * we own, its type, its range and where it goes; the inih callback looks
 * the key up and refuses anything unknown or out of range with a message
 * naming file, line and key.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <ini.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "log.h"
#include "util.h"

enum conf_type {
	CT_TEXT,	/* printable, no spaces at either end */
	CT_CIK,		/* empty or 40 hex digits */
	CT_URL,		/* https://host[:port] */
	CT_IFACE,	/* a network interface name */
	CT_USER,	/* user name or numeric uid */
	CT_PATH,	/* absolute path */
	CT_PATH_OPT,	/* absolute path or empty */
	CT_U64,
	CT_BOOL,
	CT_LEVEL,	/* debug level by name or number */
};

struct conf_key {
	const char	*section;
	const char	*key;
	enum conf_type	 type;
	size_t		 off;
	size_t		 size;		/* for strings */
	uint64_t	 min, max;	/* for numbers */
};

#define S(sec, k, t, f) { sec, #k, t, offsetof(struct gwe_config, f), \
	sizeof(((struct gwe_config *)0)->f), 0, 0 }
#define N(sec, k, f, lo, hi) { sec, #k, CT_U64, offsetof(struct gwe_config, f), \
	sizeof(uint64_t), lo, hi }
#define B(sec, k, t, f) { sec, #k, t, offsetof(struct gwe_config, f), \
	sizeof(int), 0, 0 }

static const struct conf_key conf_keys[] = {
	S("device", cik, CT_CIK, cik),
	S("device", vendor, CT_TEXT, vendor),
	S("device", model, CT_TEXT, model),
	S("device", uuid, CT_TEXT, uuid),
	S("device", iface, CT_IFACE, iface),
	S("engine", host, CT_URL, host),
	N("engine", update_interval, update_interval, 1, 31536000),
	N("engine", act_retry_interval, act_retry_interval, 1, 86400),
	B("engine", debug_level, CT_LEVEL, debug_level),
	S("engine", user_agent, CT_TEXT, user_agent),
	B("engine", long_poll, CT_BOOL, long_poll),
	S("engine", ca_file, CT_PATH_OPT, ca_file),
	S("security", keys_dir, CT_PATH, keys_dir),
	B("security", require_signature, CT_BOOL, require_signature),
	B("security", allow_downgrade, CT_BOOL, allow_downgrade),
	S("security", net_user, CT_USER, net_user),
	S("security", verify_user, CT_USER, verify_user),
	N("limits", max_tarball_bytes, limits.max_tarball_bytes, 1, UINT64_C(1) << 40),
	N("limits", max_unpacked_bytes, limits.max_unpacked_bytes, 1, UINT64_C(1) << 42),
	N("limits", max_entry_bytes, limits.max_entry_bytes, 1, UINT64_C(1) << 40),
	N("limits", max_entries, limits.max_entries, 1, 10000000),
	N("limits", max_ratio, limits.max_ratio, 1, 1000000),
	N("limits", max_order_bytes, limits.max_order_bytes, 16, LIM_CEIL_ORDER_BYTES),
	N("limits", max_sig_bytes, limits.max_sig_bytes, 64, LIM_CEIL_SIG_BYTES),
	N("limits", install_timeout, limits.install_timeout, 1, 86400),
	N("limits", output_cap, limits.output_cap, 64, LIM_CEIL_OUTPUT_CAP),
	B("limits", keep_staging, CT_BOOL, limits.keep_staging),
	S("paths", state_dir, CT_PATH, state_dir),
	S("paths", run_dir, CT_PATH, run_dir),
};
#define NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

static const char *conf_sections[] = { "device", "engine", "security", "limits", "paths" };

struct conf_ctx {
	struct gwe_config *cfg;
	char		*err;
	size_t		 errlen;
	unsigned char	 seen[NKEYS];
};

void
config_defaults(struct gwe_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	gwe_strlcpy(cfg->host, "https://m2.exosite.com", sizeof(cfg->host));
	cfg->update_interval = 43200;
	cfg->act_retry_interval = 60;
	cfg->debug_level = LOG_LVL_INFO;
	snprintf(cfg->user_agent, sizeof(cfg->user_agent), "gwe/%s", GWE_VERSION);
	gwe_strlcpy(cfg->keys_dir, "/etc/gwe/keys", sizeof(cfg->keys_dir));
	cfg->require_signature = 1;
	cfg->allow_downgrade = 0;
	gwe_strlcpy(cfg->net_user, "gwe-net", sizeof(cfg->net_user));
	gwe_strlcpy(cfg->verify_user, "gwe-verify", sizeof(cfg->verify_user));
	cfg->limits.max_tarball_bytes = LIM_MAX_TARBALL_BYTES;
	cfg->limits.max_unpacked_bytes = LIM_MAX_UNPACKED_BYTES;
	cfg->limits.max_entry_bytes = LIM_MAX_ENTRY_BYTES;
	cfg->limits.max_entries = LIM_MAX_ENTRIES;
	cfg->limits.max_ratio = LIM_MAX_RATIO;
	cfg->limits.max_order_bytes = LIM_MAX_ORDER_BYTES;
	cfg->limits.max_sig_bytes = LIM_MAX_SIG_BYTES;
	cfg->limits.install_timeout = LIM_INSTALL_TIMEOUT;
	cfg->limits.output_cap = LIM_OUTPUT_CAP;
	cfg->limits.keep_staging = 0;
	gwe_strlcpy(cfg->state_dir, "/var/lib/gwe", sizeof(cfg->state_dir));
	gwe_strlcpy(cfg->run_dir, "/run/gwe", sizeof(cfg->run_dir));
	gwe_strlcpy(cfg->path, GWE_CONF_DEFAULT, sizeof(cfg->path));
}

static int
conf_own_section(const char *section)
{
	size_t i;

	for (i = 0; i < sizeof(conf_sections) / sizeof(conf_sections[0]); i++)
		if (strcmp(section, conf_sections[i]) == 0)
			return 1;
	return 0;
}

static int
text_ok(const char *v)
{
	const unsigned char *p;

	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

static const char *
check_cik(const char *v)
{
	size_t i, n = strlen(v);

	if (n == 0)
		return NULL;
	if (n != 40)
		return "must be 40 hexadecimal digits";
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)v[i]))
			return "must be 40 hexadecimal digits";
	return NULL;
}

static const char *
check_url(const char *v)
{
	const char *h;

	if (strncmp(v, "https://", 8) != 0)
		return "must start with https://";
	h = v + 8;
	if (*h == '\0' || *h == '/')
		return "has no host name";
	for (; *h != '\0'; h++)
		if (!isalnum((unsigned char)*h) && strchr(".-:[]/_", *h) == NULL)
			return "has a character not allowed in a host name";
	return NULL;
}

static const char *
check_iface(const char *v)
{
	const char *p;

	if (strlen(v) > 15)
		return "is longer than 15 characters";
	for (p = v; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("_.:-", *p) == NULL)
			return "has a character not allowed in an interface name";
	return NULL;
}

static const char *
check_user(const char *v)
{
	const char *p;

	if (*v == '\0')
		return "is empty";
	for (p = v; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("_.-", *p) == NULL)
			return "is neither a user name nor a numeric uid";
	return NULL;
}

static int
parse_level(const char *v, int *out)
{
	static const char *names[] = { "error", "warning", "info", "debug" };
	uint64_t n;
	int i;

	if (gwe_parse_u64(v, 0, LOG_LVL_DEBUG, &n) == 0) {
		*out = (int)n;
		return 0;
	}
	if (strcasecmp(v, "critical") == 0) {	/* Gateway Engine's name */
		*out = LOG_LVL_ERR;
		return 0;
	}
	if (strcasecmp(v, "warn") == 0) {
		*out = LOG_LVL_WARN;
		return 0;
	}
	for (i = 0; i < 4; i++)
		if (strcasecmp(v, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return -1;
}

static const char *
check_string(const struct conf_key *k, const char *v)
{
	if (strlen(v) >= k->size)
		return "is too long";
	if (!text_ok(v))
		return "has a control character";
	switch (k->type) {
	case CT_CIK:
		return check_cik(v);
	case CT_URL:
		return check_url(v);
	case CT_IFACE:
		return check_iface(v);
	case CT_USER:
		return check_user(v);
	case CT_PATH:
		if (v[0] != '/')
			return "must be an absolute path";
		return NULL;
	case CT_PATH_OPT:
		if (v[0] != '\0' && v[0] != '/')
			return "must be empty or an absolute path";
		return NULL;
	default:
		return NULL;
	}
}

/* Store one value; returns NULL or what is wrong with it. */
static const char *
conf_apply(struct gwe_config *cfg, const struct conf_key *k, const char *v)
{
	char *base = (char *)cfg + k->off;
	static char why[128];
	const char *bad;
	uint64_t n;
	int b;

	switch (k->type) {
	case CT_U64:
		if (gwe_parse_u64(v, k->min, k->max, &n) == -1) {
			snprintf(why, sizeof(why),
			    "'%s' is not a whole number from %llu to %llu", v,
			    (unsigned long long)k->min, (unsigned long long)k->max);
			return why;
		}
		memcpy(base, &n, sizeof(n));
		return NULL;
	case CT_BOOL:
		if (gwe_parse_bool(v, &b) == -1)
			return "is not a boolean (true/false, yes/no, on/off, 1/0)";
		memcpy(base, &b, sizeof(b));
		return NULL;
	case CT_LEVEL:
		if (parse_level(v, &b) == -1)
			return "is not a level (error, warning, info, debug or 0-3)";
		memcpy(base, &b, sizeof(b));
		return NULL;
	default:
		if ((bad = check_string(k, v)) != NULL)
			return bad;
		gwe_strlcpy(base, v, k->size);
		return NULL;
	}
}

static const struct conf_key *
conf_find(const char *section, const char *key, size_t *idx)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(conf_keys[i].section, section) == 0 &&
		    strcmp(conf_keys[i].key, key) == 0) {
			if (idx != NULL)
				*idx = i;
			return &conf_keys[i];
		}
	return NULL;
}

/* inih callback: return 0 to report an error on the current line. */
static int
conf_handler(void *user, const char *section, const char *key, const char *value)
{
	struct conf_ctx *ctx = user;
	const struct conf_key *k;
	const char *bad;
	size_t idx;

	if (!conf_own_section(section))
		return 1;	/* a section we do not own: ignored */
	if ((k = conf_find(section, key, &idx)) == NULL) {
		snprintf(ctx->err, ctx->errlen, "[%s] %s: unknown key", section, key);
		return 0;
	}
	if (ctx->seen[idx]) {
		snprintf(ctx->err, ctx->errlen, "[%s] %s: duplicate key", section, key);
		return 0;
	}
	ctx->seen[idx] = 1;
	if ((bad = conf_apply(ctx->cfg, k, value)) != NULL) {
		snprintf(ctx->err, ctx->errlen, "[%s] %s: %s", section, key, bad);
		return 0;
	}
	return 1;
}

int
config_load(const char *path, struct gwe_config *cfg, char *err, size_t errlen)
{
	struct conf_ctx ctx;
	char msg[CONF_ERR_MAX] = "";
	FILE *fp;
	int line;

	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = cfg;
	ctx.err = msg;
	ctx.errlen = sizeof(msg);
	gwe_strlcpy(cfg->path, path, sizeof(cfg->path));
	if ((fp = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	line = ini_parse_file(fp, conf_handler, &ctx);
	fclose(fp);
	if (line == 0)
		return 0;
	if (line < 0)
		snprintf(err, errlen, "%s: cannot read the file", path);
	else if (msg[0] != '\0')
		snprintf(err, errlen, "%s:%d: %s", path, line, msg);
	else
		snprintf(err, errlen, "%s:%d: syntax error", path, line);
	return -1;
}

int
config_set(struct gwe_config *cfg, const char *section, const char *key,
    const char *value, char *err, size_t errlen)
{
	const struct conf_key *k;
	const char *bad;

	if ((k = conf_find(section, key, NULL)) == NULL) {
		snprintf(err, errlen, "[%s] %s: unknown key", section, key);
		return -1;
	}
	if ((bad = conf_apply(cfg, k, value)) != NULL) {
		snprintf(err, errlen, "[%s] %s: %s", section, key, bad);
		return -1;
	}
	return 0;
}

int
config_user(const char *spec, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	struct passwd *pw;
	uint64_t n;

	if (gwe_parse_u64(spec, 1, 0x7fffffff, &n) == 0) {
		/* A numeric uid needs no account: its gid is the same number. */
		if ((pw = getpwuid((uid_t)n)) != NULL) {
			*uid = pw->pw_uid;
			*gid = pw->pw_gid;
		} else {
			*uid = (uid_t)n;
			*gid = (gid_t)n;
		}
		return 0;
	}
	if ((pw = getpwnam(spec)) == NULL) {
		snprintf(err, errlen, "user '%s': no such user", spec);
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "user '%s': is root", spec);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}
