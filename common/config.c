/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
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

/* A key is named as its field in struct gwe_config; a macro per section. */
#define KEY(sec, k, f, t, lo, hi) { sec, #k, t, offsetof(struct gwe_config, f), \
	sizeof(((struct gwe_config *)0)->f), lo, hi }
#define DEV(k, t)	KEY("device", k, k, t, 0, 0)
#define ENG(k, t)	KEY("engine", k, k, t, 0, 0)
#define SEC(k, t)	KEY("security", k, k, t, 0, 0)
#define LIM(k, lo, hi)	KEY("limits", k, limits.k, CT_U64, lo, hi)
#define PATHS(k)	KEY("paths", k, k, CT_PATH, 0, 0)

static const struct conf_key conf_keys[] = {
	DEV(cik, CT_CIK),
	DEV(vendor, CT_TEXT),
	DEV(model, CT_TEXT),
	DEV(uuid, CT_TEXT),
	DEV(iface, CT_IFACE),
	ENG(host, CT_URL),
	KEY("engine", update_interval, update_interval, CT_U64, 1, 31536000),
	KEY("engine", act_retry_interval, act_retry_interval, CT_U64, 1, 86400),
	ENG(debug_level, CT_LEVEL),
	ENG(user_agent, CT_TEXT),
	ENG(long_poll, CT_BOOL),
	ENG(ca_file, CT_PATH_OPT),
	SEC(keys_dir, CT_PATH),
	SEC(require_signature, CT_BOOL),
	SEC(allow_downgrade, CT_BOOL),
	SEC(net_user, CT_USER),
	SEC(verify_user, CT_USER),
	LIM(max_tarball_bytes, 1, UINT64_C(1) << 40),
	LIM(max_unpacked_bytes, 1, UINT64_C(1) << 42),
	LIM(max_entry_bytes, 1, UINT64_C(1) << 40),
	LIM(max_entries, 1, 10000000),
	LIM(max_ratio, 1, 1000000),
	LIM(max_order_bytes, 16, LIM_CEIL_ORDER_BYTES),
	LIM(max_sig_bytes, 64, LIM_CEIL_SIG_BYTES),
	LIM(install_timeout, 1, 86400),
	LIM(output_cap, 64, LIM_CEIL_OUTPUT_CAP),
	KEY("limits", keep_staging, limits.keep_staging, CT_BOOL, 0, 0),
	PATHS(state_dir),
	PATHS(run_dir),
};
#define NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

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

	for (i = 0; i < NKEYS; i++)	/* every section we own has keys */
		if (strcmp(section, conf_keys[i].section) == 0)
			return 1;
	return 0;
}

/* The one character-class test: every byte of v passes cls or is in extra. */
static int
chars_ok(const char *v, int (*cls)(int), const char *extra)
{
	for (; *v != '\0'; v++)
		if (!cls((unsigned char)*v) && strchr(extra, *v) == NULL)
			return 0;
	return 1;
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
	if (*v != '\0' && (strlen(v) != 40 || !chars_ok(v, isxdigit, "")))
		return "must be 40 hexadecimal digits";
	return NULL;
}

static const char *
check_url(const char *v)
{
	if (strncmp(v, "https://", 8) != 0)
		return "must start with https://";
	if (v[8] == '\0' || v[8] == '/')
		return "has no host name";
	if (!chars_ok(v + 8, isalnum, ".-:[]/_"))
		return "has a character not allowed in a host name";
	return NULL;
}

static const char *
check_iface(const char *v)
{
	if (strlen(v) > 15)
		return "is longer than 15 characters";
	if (!chars_ok(v, isalnum, "_.:-"))
		return "has a character not allowed in an interface name";
	return NULL;
}

static const char *
check_user(const char *v)
{
	if (*v == '\0')
		return "is empty";
	if (!chars_ok(v, isalnum, "_.-"))
		return "is neither a user name nor a numeric uid";
	return NULL;
}

static int
parse_level(const char *v, int *out)
{
	/* "critical" is Gateway Engine's name for error. */
	static const struct { const char *name; int level; } names[] = {
		{ "error", LOG_LVL_ERR }, { "critical", LOG_LVL_ERR }, { "warning", LOG_LVL_WARN },
		{ "warn", LOG_LVL_WARN }, { "info", LOG_LVL_INFO }, { "debug", LOG_LVL_DEBUG },
	};
	uint64_t n;
	size_t i;

	if (gwe_parse_u64(v, 0, LOG_LVL_DEBUG, &n) == 0) {
		*out = (int)n;
		return 0;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(v, names[i].name) == 0) {
			*out = names[i].level;
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

/* Find and store one key; seen (config_load's) refuses a key given twice. */
static int
conf_set(struct gwe_config *cfg, unsigned char *seen, const char *section, const char *key,
    const char *value, char *err, size_t errlen)
{
	const char *bad;
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(conf_keys[i].section, section) == 0 &&
		    strcmp(conf_keys[i].key, key) == 0)
			break;
	if (i == NKEYS)
		bad = "unknown key";
	else if (seen != NULL && seen[i])
		bad = "duplicate key";
	else {
		if (seen != NULL)
			seen[i] = 1;
		bad = conf_apply(cfg, &conf_keys[i], value);
	}
	if (bad == NULL)
		return 0;
	return gwe_errf(err, errlen, "[%s] %s: %s", section, key, bad);
}

/* inih callback: return 0 to report an error on the current line. */
static int
conf_handler(void *user, const char *section, const char *key, const char *value)
{
	struct conf_ctx *ctx = user;

	if (!conf_own_section(section))
		return 1;	/* a section we do not own: ignored */
	return conf_set(ctx->cfg, ctx->seen, section, key, value, ctx->err, ctx->errlen) == 0;
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
	if ((fp = fopen(path, "re")) == NULL)
		return gwe_errf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
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
	return conf_set(cfg, NULL, section, key, value, err, errlen);
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
	if ((pw = getpwnam(spec)) == NULL)
		return gwe_errf(err, errlen, "user '%s': no such user", spec);
	if (pw->pw_uid == 0)
		return gwe_errf(err, errlen, "user '%s': is root", spec);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}
