/*
 * The buildfile (cli_build.h): -x writes one, -w checks one, and
 * cli_buildfile_load() reads one for -y (cli_pack.c).  The keys are
 * Gateway Engine's; the checks are those the gateway will apply to the
 * tarball's name, and that every include stays inside the buildfile's
 * directory, so a problem shows before anything is built.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/util.h"
#include "cli_build.h"
#include "cli_out.h"

#define DEFAULT_APP	"my_app"	/* Gateway Engine's defaults */
#define DEFAULT_VERSION	"1"

/* The problems found so far, each printed as it is found. */
struct probs {
	FILE		*out;
	const char	*prefix, *path;
	int		 n;
};

static void
prob(struct probs *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
prob(struct probs *p, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(p->out, "%s%s: ", p->prefix, p->path);
	cli_text_str(p->out, msg, strlen(msg));	/* values may hold anything */
	fputc('\n', p->out);
	p->n++;
}

/* ---- -x ------------------------------------------------------------------ */

static json_object *
new_buildfile(const char *name, const char *version)
{
	json_object *o = json_object_new_object(), *inc = json_object_new_array();

	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "version", json_object_new_string(version));
	json_object_array_add(inc, json_object_new_string("install.sh"));
	json_object_object_add(o, "includes", inc);
	json_object_object_add(o, "excludes", json_object_new_array());
	json_object_object_add(o, "pre_build_cmds", json_object_new_array());
	json_object_object_add(o, "post_build_cmds", json_object_new_array());
	return o;
}

/* The current directory's name when it is a valid app name, else my_app. */
static void
default_name(char *buf, size_t len)
{
	char cwd[PATH_MAX], *base;

	gwe_strlcpy(buf, DEFAULT_APP, len);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return;
	base = strrchr(cwd, '/');
	base = base != NULL ? base + 1 : cwd;
	if (vfy_app_valid(base) && strlen(base) < len)
		gwe_strlcpy(buf, base, len);
}

static int
write_new(const char *text)
{
	char cwd[PATH_MAX];
	int fd;

	fd = open(CLI_BUILDFILE, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0666);
	if (fd == -1) {
		fprintf(stderr, "gwe: %s: %s\n", CLI_BUILDFILE, errno == EEXIST ?
		    "exists already; not overwritten" : strerror(errno));
		return errno == EEXIST ? 1 : 2;
	}
	if (gwe_write_full(fd, text, strlen(text)) == -1 ||
	    gwe_write_full(fd, "\n", 1) == -1 || close(fd) == -1) {
		fprintf(stderr, "gwe: %s: %s\n", CLI_BUILDFILE, strerror(errno));
		unlink(CLI_BUILDFILE);
		return 2;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		printf("%s\n", CLI_BUILDFILE);
	else
		printf("%s/%s\n", strcmp(cwd, "/") == 0 ? "" : cwd, CLI_BUILDFILE);
	return 0;
}

int
cli_build_create(const struct cli_build_opts *o)
{
	char name[VFY_APP_MAX + 1];
	const char *version = o->version != NULL ? o->version : DEFAULT_VERSION;
	json_object *bf;
	int rc;

	if (o->name != NULL)
		gwe_strlcpy(name, o->name, sizeof(name));
	else
		default_name(name, sizeof(name));
	if (o->name != NULL && !vfy_app_valid(o->name)) {
		fprintf(stderr, "gwe: --app-name '%s': 1 to %d characters of A-Z a-z "
		    "0-9 _ -\n", o->name, VFY_APP_MAX);
		return 2;
	}
	if (!vfy_version_valid(version)) {
		fprintf(stderr, "gwe: --app-version '%s': 1 to %d characters of A-Z a-z "
		    "0-9 . _ -, starting with a digit, without ..\n", version,
		    VFY_VERSION_MAX);
		return 2;
	}
	bf = new_buildfile(name, version);
	rc = write_new(json_object_to_json_string_ext(bf, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(bf);
	return rc;
}

/* ---- reading and checking ------------------------------------------------------ */

static json_object *
parse_json(const char *text, size_t len, struct probs *p)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;
	size_t end;

	if (tok == NULL) {
		prob(p, "out of memory");
		return NULL;
	}
	o = json_tokener_parse_ex(tok, text, (int)len);
	end = (size_t)json_tokener_get_parse_end(tok);
	if (o == NULL)
		prob(p, "not valid JSON: %s", json_tokener_get_error(tok) ==
		    json_tokener_continue ? "it ends too soon" :
		    json_tokener_error_desc(json_tokener_get_error(tok)));
	else
		while (end < len && strchr(" \t\r\n", text[end]) != NULL)
			end++;
	if (o != NULL && end != len) {
		prob(p, "not valid JSON: something after the object");
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* A pattern that could name a file outside the buildfile's directory. */
static const char *
pattern_leaves(const char *pat)
{
	const char *c = pat;

	if (pat[0] == '/')
		return "is an absolute path";
	while ((c = strstr(c, "..")) != NULL) {
		if ((c == pat || c[-1] == '/') && (c[2] == '\0' || c[2] == '/'))
			return "leaves the build directory (a '..' component)";
		c += 2;
	}
	return NULL;
}

/* An optional list of non-empty strings; includes must also stay inside. */
static json_object *
check_list(json_object *root, const char *key, int globs, struct probs *p)
{
	json_object *a, *e;
	const char *why;
	size_t i, n;

	if (!json_object_object_get_ex(root, key, &a) || json_object_is_type(a, json_type_null))
		return NULL;
	if (!json_object_is_type(a, json_type_array)) {
		prob(p, "%s: not a list", key);
		return NULL;
	}
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_string) ||
		    json_object_get_string_len(e) == 0)
			prob(p, "%s: entry %zu is not a non-empty string", key, i + 1);
		else if (strlen(json_object_get_string(e)) !=
		    (size_t)json_object_get_string_len(e))
			prob(p, "%s: entry %zu has a NUL character", key, i + 1);
		else if (globs && (why = pattern_leaves(json_object_get_string(e))) != NULL)
			prob(p, "%s: '%s' %s", key, json_object_get_string(e), why);
	}
	return a;
}

/* name or version: a string (a version may be a whole number) that passes ok(). */
static void
check_part(json_object *root, const char *key, int (*ok)(const char *), char *out,
    size_t outlen, const char *rule, struct probs *p)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(root, key, &v)) {
		prob(p, "%s: missing", key);
		return;
	}
	if (!json_object_is_type(v, json_type_string) &&
	    !(json_object_is_type(v, json_type_int) && strcmp(key, "version") == 0)) {
		prob(p, "%s: not a string", key);
		return;
	}
	s = json_object_get_string(v);
	if (!ok(s) || strlen(s) >= outlen) {
		prob(p, "%s: '%s' %s", key, s, rule);
		return;
	}
	gwe_strlcpy(out, s, outlen);
}

static const char *const known_keys[] = {
	"name", "version", "includes", "excludes", "pre_build_cmds", "post_build_cmds",
};

static void
check_root(json_object *root, struct cli_buildfile *bf, struct probs *p)
{
	char app[VFY_APP_MAX + 1], ver[VFY_VERSION_MAX + 1], why[VFY_REASON_MAX];
	size_t i;

	json_object_object_foreach(root, key, val) {
		(void)val;
		for (i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
			if (strcmp(key, known_keys[i]) == 0)
				break;
		if (i == sizeof(known_keys) / sizeof(known_keys[0]))
			prob(p, "unknown key '%s'", key);
	}
	check_part(root, "name", vfy_app_valid, bf->name, sizeof(bf->name),
	    "is not an app name: 1 to 64 characters of A-Z a-z 0-9 _ -", p);
	check_part(root, "version", vfy_version_valid, bf->version, sizeof(bf->version),
	    "is not a version: 1 to 32 characters of A-Z a-z 0-9 . _ -, starting "
	    "with a digit, without ..", p);
	if (!json_object_object_get_ex(root, "includes", NULL))
		prob(p, "includes: missing (list install.sh at least)");
	bf->includes = check_list(root, "includes", 1, p);
	if (bf->includes != NULL && json_object_array_length(bf->includes) == 0)
		prob(p, "includes: empty (list install.sh at least)");
	bf->excludes = check_list(root, "excludes", 1, p);
	bf->pre = check_list(root, "pre_build_cmds", 0, p);
	bf->post = check_list(root, "post_build_cmds", 0, p);
	if (bf->name[0] == '\0' || bf->version[0] == '\0')
		return;
	snprintf(bf->tarball, sizeof(bf->tarball), "%s.v%s.tar.gz", bf->name,
	    bf->version);
	if (strlen(bf->name) + strlen(bf->version) + 9 > VFY_NAME_MAX ||
	    vfy_name_parse(bf->tarball, app, ver, why, sizeof(why)) == -1)
		prob(p, "the tarball's name %s.v%s.tar.gz would be refused: %s",
		    bf->name, bf->version, why);
}

int
cli_buildfile_load(const char *path, struct cli_buildfile *bf, FILE *out,
    const char *prefix)
{
	struct probs p = { out, prefix, path, 0 };
	json_object *root;
	char *text;
	size_t len;

	memset(bf, 0, sizeof(*bf));
	if (gwe_read_file(path, CLI_BUILDFILE_MAX, &text, &len) == -1) {
		fprintf(stderr, "gwe: %s: %s\n", path, errno == EFBIG ?
		    "larger than 1 MiB" : errno == EINVAL ? "not a regular file" :
		    strerror(errno));
		return -1;
	}
	root = parse_json(text, len, &p);
	free(text);
	if (root != NULL && !json_object_is_type(root, json_type_object))
		prob(&p, "not a JSON object");
	else if (root != NULL)
		check_root(root, bf, &p);
	if (p.n > 0) {
		json_object_put(root);
		memset(bf, 0, sizeof(*bf));
		return p.n;
	}
	bf->root = root;
	return 0;
}

void
cli_buildfile_free(struct cli_buildfile *bf)
{
	json_object_put(bf->root);
	memset(bf, 0, sizeof(*bf));
}

int
cli_build_check(const struct cli_build_opts *o)
{
	struct cli_buildfile bf;
	int n;

	if ((n = cli_buildfile_load(o->file, &bf, stdout, "")) == -1)
		return 2;
	if (n == 0)
		printf("[PASS]\n");
	cli_buildfile_free(&bf);
	return n == 0 ? 0 : 1;
}
