/*
 * gwe's configuration edits (docs/design.md sections 8 and 9).
 *
 * The file is edited as text, not rewritten from a parsed form, so an
 * operator's comments, blank lines, key order and foreign sections (a
 * supervisord [program:x], a vendor's [custom]) survive byte for byte.
 * The scanner below classifies each line exactly as inih does (comments,
 * inline "; comments", multi-line continuations, "=" or ":"), and every
 * edit is proven before it is written: the new text must load with
 * config_load() -- the daemons' own code -- and the edited key must read
 * back as the exact value given.
 *
 * Where a new key goes: in the first [section] of that name, after its
 * last line that is neither blank nor part of a comment block directly
 * above the next section header (such a block describes that section);
 * right after the header when there is no such line.  A missing section
 * is appended to the file, after one blank line (so is a key whose new
 * line would turn an indented header below it into a continuation).
 * Replacing a value keeps the line's indentation, the spacing around the
 * separator and any inline comment.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/buf.h"
#include "../common/config.h"
#include "../common/log.h"
#include "../common/safefile.h"
#include "../common/util.h"
#include "cli_conf.h"

#define CONF_FILE_MAX	(1024 * 1024)
/* inih reads lines into 200 bytes; a longer line is split in two. */
#define CONF_LINE_MAX	198

enum lkind { L_BLANK, L_COMMENT, L_CONT, L_SECTION, L_KEY, L_BAD };

struct cline {
	size_t		off;		/* start of the line */
	size_t		cend;		/* end of its content, at "\n" or EOF */
	size_t		end;		/* after its "\n" */
	enum lkind	kind;
	size_t		noff, nlen;	/* section or key name */
	size_t		sep;		/* L_KEY: the '=' or ':' */
	size_t		voff, vend;	/* L_KEY: the value, stripped */
};

struct ctext {
	const char	*b;
	size_t		 len;
	struct cline	*l;
	size_t		 n;
};

struct conf_edit {
	const char	*section, *key, *value;
};

/* ---- the new text ------------------------------------------------------ */

/*
 * The edited text grows in a gwe_buf; a failed add shows in its err,
 * checked once the text is complete (conf_edit_text).
 */
static void
sb_str(struct gwe_buf *sb, const char *s)
{
	gwe_buf_add(sb, s, strlen(s));
}

/* ---- the scanner: inih's reading of each line -------------------------- */

static int
is_sp(char c)
{
	return isspace((unsigned char)c);
}

/* First of chars, or an inline ';' comment (a ';' after white space). */
static size_t
find_or_comment(const char *b, size_t i, size_t e, const char *chars)
{
	int was_space = 0;

	for (; i < e; i++) {
		if (chars != NULL && strchr(chars, b[i]) != NULL)
			break;
		if (was_space && b[i] == ';')
			break;
		was_space = is_sp(b[i]);
	}
	return i;
}

static void
scan_key(const char *b, struct cline *l, size_t s, size_t e)
{
	size_t q, v, ve, ne;

	q = find_or_comment(b, s, e, "=:");
	if (q == e || (b[q] != '=' && b[q] != ':')) {
		l->kind = L_BAD;
		return;
	}
	for (ne = q; ne > s && is_sp(b[ne - 1]); ne--)
		;
	v = q + 1;
	ve = find_or_comment(b, v, e, NULL);
	while (v < ve && is_sp(b[v]))
		v++;
	while (ve > v && is_sp(b[ve - 1]))
		ve--;
	l->kind = L_KEY;
	l->noff = s;
	l->nlen = ne - s;
	l->sep = q;
	l->voff = v;
	l->vend = ve;
}

/* Classify one line; *prev says whether a key line came since the header. */
static void
scan_line(const char *b, struct cline *l, int first, int *prev)
{
	size_t s = l->off, e = l->cend, line = l->off, q;

	if (first && e - s >= 3 && memcmp(b + s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	while (e > s && is_sp(b[e - 1]))
		e--;
	while (s < e && is_sp(b[s]))
		s++;
	if (s == e)
		l->kind = L_BLANK;
	else if (b[s] == ';' || b[s] == '#')
		l->kind = L_COMMENT;
	else if (*prev && s > line)
		l->kind = L_CONT;
	else if (b[s] == '[') {
		q = find_or_comment(b, s + 1, e, "]");
		if (q == e || b[q] != ']') {
			l->kind = L_BAD;
			return;
		}
		l->kind = L_SECTION;
		l->noff = s + 1;
		l->nlen = q - s - 1;
		*prev = 0;
	} else {
		scan_key(b, l, s, e);
		if (l->kind == L_KEY)
			*prev = l->nlen > 0;
	}
}

static int
ctext_scan(struct ctext *t, const char *b, size_t len)
{
	size_t i, n = 1, off = 0;
	const char *nl;
	int prev = 0;

	for (i = 0; i < len; i++)
		if (b[i] == '\n')
			n++;
	if ((t->l = calloc(n, sizeof(*t->l))) == NULL)
		return -1;
	t->b = b;
	t->len = len;
	t->n = 0;
	while (off < len) {
		struct cline *l = &t->l[t->n];

		l->off = off;
		nl = memchr(b + off, '\n', len - off);
		l->cend = nl != NULL ? (size_t)(nl - b) : len;
		l->end = nl != NULL ? l->cend + 1 : len;
		scan_line(b, l, t->n == 0, &prev);
		off = l->end;
		t->n++;
	}
	return 0;
}

static int
name_is(const struct ctext *t, const struct cline *l, const char *name)
{
	return l->nlen == strlen(name) && memcmp(t->b + l->noff, name, l->nlen) == 0;
}

/* ---- one edit on the text ---------------------------------------------- */

static const char *
text_eol(const char *b, size_t len)
{
	const char *nl = memchr(b, '\n', len);

	return nl != NULL && nl > b && nl[-1] == '\r' ? "\r\n" : "\n";
}

/* The line of [section] key, and the first header of [section]; -1 if none. */
static void
find_key(const struct ctext *t, const struct conf_edit *e, long *keyl, long *head)
{
	size_t i;
	int insec = 0;

	*keyl = *head = -1;
	for (i = 0; i < t->n; i++) {
		const struct cline *l = &t->l[i];

		if (l->kind == L_SECTION) {
			insec = name_is(t, l, e->section);
			if (insec && *head == -1)
				*head = (long)i;
		} else if (l->kind == L_KEY && insec && name_is(t, l, e->key))
			*keyl = (long)i;
	}
}

/* The line after which a new key goes, in the section whose header is line h. */
static size_t
insert_after(const struct ctext *t, size_t h)
{
	size_t s, i;

	for (s = h + 1; s < t->n && t->l[s].kind != L_SECTION; s++)
		;
	i = s - 1;
	/* comments that lead into the next header are that header's */
	if (s < t->n)
		while (i > h && t->l[i].kind == L_COMMENT)
			i--;
	while (i > h && t->l[i].kind == L_BLANK)
		i--;
	return i;
}

/*
 * Whether the header after section h is indented: after a new key line
 * inih would read it as that key's continuation, so the key goes into a
 * [section] of its own at the end of the file (inih merges the two).
 */
static int
next_header_indented(const struct ctext *t, size_t h)
{
	size_t s;

	for (s = h + 1; s < t->n && t->l[s].kind != L_SECTION; s++)
		;
	return s < t->n && is_sp(t->b[t->l[s].off]);
}

static void
add_keyline(struct gwe_buf *sb, const struct conf_edit *e, const char *eol)
{
	sb_str(sb, e->key);
	sb_str(sb, e->value[0] != '\0' ? " = " : " =");
	sb_str(sb, e->value);
	sb_str(sb, eol);
}

static size_t
edit_replace(struct gwe_buf *sb, const struct ctext *t, const struct cline *l,
    const char *value)
{
	const char *b = t->b;
	size_t n = strlen(value);

	if (l->voff == l->vend) {	/* was empty: after the separator */
		gwe_buf_add(sb, b, l->sep + 1);
		if (n > 0 && l->sep > l->noff && is_sp(b[l->sep - 1]))
			sb_str(sb, " ");
		gwe_buf_add(sb, value, n);
		gwe_buf_add(sb, b + l->sep + 1, t->len - l->sep - 1);
	} else if (n == 0) {		/* cleared: "key =" and what followed */
		gwe_buf_add(sb, b, l->sep + 1);
		gwe_buf_add(sb, b + l->vend, t->len - l->vend);
	} else {
		gwe_buf_add(sb, b, l->voff);
		gwe_buf_add(sb, value, n);
		gwe_buf_add(sb, b + l->vend, t->len - l->vend);
	}
	return l->off;
}

static size_t
edit_insert(struct gwe_buf *sb, const struct ctext *t, size_t after,
    const struct conf_edit *e)
{
	const struct cline *l = &t->l[after];
	const char *eol = text_eol(t->b, t->len);
	size_t at;

	gwe_buf_add(sb, t->b, l->end);
	if (l->end == l->cend)	/* the last line, without an end of line */
		sb_str(sb, eol);
	at = sb->len;
	add_keyline(sb, e, eol);
	gwe_buf_add(sb, t->b + l->end, t->len - l->end);
	return at;
}

static size_t
edit_append(struct gwe_buf *sb, const struct ctext *t, const struct conf_edit *e)
{
	const char *eol = text_eol(t->b, t->len);
	size_t at;

	gwe_buf_add(sb, t->b, t->len);
	if (t->n > 0) {
		if (t->l[t->n - 1].end == t->l[t->n - 1].cend)
			sb_str(sb, eol);
		if (t->l[t->n - 1].kind != L_BLANK)
			sb_str(sb, eol);
	}
	sb_str(sb, "[");
	sb_str(sb, e->section);
	sb_str(sb, "]");
	sb_str(sb, eol);
	at = sb->len;
	add_keyline(sb, e, eol);
	return at;
}

/* Length of the line that starts at off, without its "\n". */
static size_t
line_len_at(const char *b, size_t len, size_t off)
{
	const char *nl = memchr(b + off, '\n', len - off);

	return nl != NULL ? (size_t)(nl - b) - off : len - off;
}

/* Apply one edit to *text (malloc'd), replacing it. */
static int
conf_edit_text(char **text, size_t *len, const struct conf_edit *e,
    const char *path, char *err, size_t errlen)
{
	struct ctext t;
	struct gwe_buf sb = { NULL, 0, 0, 0, 0 };
	long keyl, head;
	size_t at;

	if (ctext_scan(&t, *text, *len) == -1) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	find_key(&t, e, &keyl, &head);
	if (keyl != -1)
		at = edit_replace(&sb, &t, &t.l[keyl], e->value);
	else if (head != -1 && !next_header_indented(&t, (size_t)head))
		at = edit_insert(&sb, &t, insert_after(&t, (size_t)head), e);
	else
		at = edit_append(&sb, &t, e);
	free(t.l);
	if (sb.err) {
		gwe_buf_free(&sb);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (line_len_at(sb.p, sb.len, at) > CONF_LINE_MAX) {
		gwe_buf_free(&sb);
		snprintf(err, errlen, "%s: [%s] %s: the line would be longer than "
		    "%d bytes, which the INI parser cannot read", path, e->section,
		    e->key, CONF_LINE_MAX);
		return -1;
	}
	free(*text);
	*text = sb.p;
	*len = sb.len;
	return 0;
}

/* ---- checks ------------------------------------------------------------ */

/* What the INI format cannot carry in a value; NULL if fine. */
static const char *
value_unwritable(const char *v)
{
	const unsigned char *p;

	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r')
			return "has a newline";
		if (*p < 0x20 || *p == 0x7f)
			return "has a control character";
		if (*p == ';' && p > (const unsigned char *)v && isspace(p[-1]))
			return "has ';' after a space, which the file format reads "
			    "as a comment";
	}
	if (v[0] == ';')
		return "starts with ';', which the file format reads as a comment";
	if (v[0] != '\0' && (is_sp(v[0]) || is_sp(v[strlen(v) - 1])))
		return "has a space at either end, which the file format drops";
	return NULL;
}

struct readback {
	const struct conf_edit	*e;
	size_t			 n;
	int			 ok[2];
};

static int
readback_handler(void *user, const char *section, const char *key,
    const char *value)
{
	struct readback *rb = user;
	size_t i;

	for (i = 0; i < rb->n; i++)
		if (strcmp(section, rb->e[i].section) == 0 &&
		    strcmp(key, rb->e[i].key) == 0)
			rb->ok[i] = strcmp(value, rb->e[i].value) == 0;
	return 1;
}

/* config_load() the candidate text from a memfd; messages name path. */
static int
verify_loads(const char *path, const char *text, size_t len,
    struct gwe_config *cfg, char *err, size_t errlen)
{
	char fdpath[64], msg[CONF_ERR_MAX];
	size_t n;
	int fd, rc;

	if ((fd = memfd_create("gwe.conf", MFD_CLOEXEC)) == -1 ||
	    gwe_write_full(fd, text, len) == -1) {
		snprintf(err, errlen, "%s: cannot check the edit: %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	n = (size_t)snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	config_defaults(cfg);
	rc = config_load(fdpath, cfg, msg, sizeof(msg));
	close(fd);
	gwe_strlcpy(cfg->path, path, sizeof(cfg->path));
	if (rc == 0)
		return 0;
	snprintf(err, errlen, "%s%s (edit not written)", path,
	    strncmp(msg, fdpath, n) == 0 ? msg + n : msg);
	return -1;
}

static int
verify_edit(const char *path, const char *text, size_t len,
    const struct conf_edit *e, size_t n, struct gwe_config *cfg, char *err,
    size_t errlen)
{
	struct readback rb = { e, n, { 0, 0 } };
	size_t i;

	if (verify_loads(path, text, len, cfg, err, errlen) == -1)
		return -1;
	if (ini_parse_string(text, readback_handler, &rb) < 0)
		rb.ok[0] = 0;
	for (i = 0; i < n; i++)
		if (!rb.ok[i]) {
			snprintf(err, errlen, "%s: [%s] %s: the value would not read "
			    "back unchanged (edit not written)", path, e[i].section,
			    e[i].key);
			return -1;
		}
	return 0;
}

/* ---- the file ------------------------------------------------------------ */

struct conf_file {
	char		path[PATH_MAX];	/* symbolic links resolved */
	int		missing;
	struct stat	st;
	char		*text;
	size_t		len;
	int		dirfd;		/* locked with flock() */
};

static int
file_resolve(struct conf_file *f, const char *path, char *err, size_t errlen)
{
	struct stat lst;

	if (stat(path, &f->st) == 0) {
		if (!S_ISREG(f->st.st_mode)) {
			snprintf(err, errlen, "%s: not a regular file", path);
			return -1;
		}
		if (realpath(path, f->path) == NULL) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (errno != ENOENT || lstat(path, &lst) == 0) {
		snprintf(err, errlen, "%s: %s", path, errno == ENOENT ?
		    "a symbolic link to nothing" : strerror(errno));
		return -1;
	}
	if (gwe_strlcpy(f->path, path, sizeof(f->path)) >= sizeof(f->path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	f->missing = 1;
	return 0;
}

/* Serialise gwe's own edits: a file lock would not survive the rename. */
static int
file_lock(struct conf_file *f, char *err, size_t errlen)
{
	char dir[PATH_MAX];

	gwe_strlcpy(dir, f->path, sizeof(dir));
	f->dirfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dirfd == -1 || flock(f->dirfd, LOCK_EX) == -1) {
		snprintf(err, errlen, "%s: cannot lock its directory: %s", f->path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
file_read(struct conf_file *f, char *err, size_t errlen)
{
	struct gwe_config cfg;

	if (f->missing) {
		f->text = strdup("");
		f->len = 0;
		if (f->text == NULL) {
			snprintf(err, errlen, "%s: out of memory", f->path);
			return -1;
		}
		return 0;
	}
	if (gwe_read_file(f->path, CONF_FILE_MAX, &f->text, &f->len) == -1) {
		snprintf(err, errlen, "%s: cannot read: %s", f->path, strerror(errno));
		return -1;
	}
	if (memchr(f->text, '\0', f->len) != NULL) {
		snprintf(err, errlen, "%s: has a NUL byte; not edited", f->path);
		return -1;
	}
	config_defaults(&cfg);
	if (config_load(f->path, &cfg, err, errlen) == -1) {
		size_t n = strlen(err);

		snprintf(err + n, errlen > n ? errlen - n : 0, " (not edited)");
		return -1;
	}
	return 0;
}

static int
file_write(struct conf_file *f, const char *text, size_t len, char *err,
    size_t errlen)
{
	struct stat st;
	mode_t mode = f->missing ? CLI_CONF_NEW_MODE : f->st.st_mode & 07777;

	if (safe_write(f->path, text, len, mode) == -1) {
		snprintf(err, errlen, "%s: cannot write: %s", f->path, strerror(errno));
		return -1;
	}
	if (f->missing || stat(f->path, &st) == -1)
		return 0;
	if ((st.st_uid != f->st.st_uid || st.st_gid != f->st.st_gid) &&
	    chown(f->path, f->st.st_uid, f->st.st_gid) == -1) {
		snprintf(err, errlen, "%s: written, but its owner could not be kept: %s",
		    f->path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
check_values(const char *path, const struct conf_edit *e, size_t n,
    struct gwe_config *cfg, char *err, size_t errlen)
{
	const char *bad;
	char msg[CONF_ERR_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		if ((bad = value_unwritable(e[i].value)) != NULL) {
			snprintf(err, errlen, "%s: [%s] %s: %s", path, e[i].section,
			    e[i].key, bad);
			return -1;
		}
		if (config_set(cfg, e[i].section, e[i].key, e[i].value, msg,
		    sizeof(msg)) == -1) {
			snprintf(err, errlen, "%s: %s", path, msg);
			return -1;
		}
	}
	return 0;
}

/* Set n keys in one write; cfg (may be NULL) gets the result as loaded. */
static int
conf_apply(const char *path, const struct conf_edit *e, size_t n,
    struct gwe_config *out, char *err, size_t errlen)
{
	struct conf_file f;
	struct gwe_config cfg;
	size_t i;
	int rc = -1;

	memset(&f, 0, sizeof(f));
	f.dirfd = -1;
	config_defaults(&cfg);
	if (check_values(path, e, n, &cfg, err, errlen) == -1 ||
	    file_resolve(&f, path, err, errlen) == -1 ||
	    file_lock(&f, err, errlen) == -1 ||
	    file_read(&f, err, errlen) == -1)
		goto done;
	for (i = 0; i < n; i++)
		if (conf_edit_text(&f.text, &f.len, &e[i], f.path, err, errlen) == -1)
			goto done;
	if (verify_edit(f.path, f.text, f.len, e, n, &cfg, err, errlen) == -1 ||
	    file_write(&f, f.text, f.len, err, errlen) == -1)
		goto done;
	if (out != NULL)
		*out = cfg;
	rc = 0;
done:
	if (f.dirfd != -1)
		close(f.dirfd);
	free(f.text);
	return rc;
}

/* ---- the CLI's entry points ---------------------------------------------- */

int
cli_conf_load(const char *path, int missing_ok, struct gwe_config *cfg)
{
	char err[CONF_ERR_MAX];

	config_defaults(cfg);
	if (missing_ok && access(path, F_OK) == -1 && errno == ENOENT)
		return 0;
	if (config_load(path, cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "gwe: %s\n", err);
		return -1;
	}
	return 1;
}

int
cli_conf_set(const char *path, const char *section, const char *key,
    const char *value, char *err, size_t errlen)
{
	struct conf_edit e = { section, key, value };

	return conf_apply(path, &e, 1, NULL, err, errlen);
}

int
cli_conf_set_product(const char *path, const char *value, char *err,
    size_t errlen)
{
	struct conf_edit e[2] = {
		{ "device", "vendor", value },
		{ "device", "model", value },
	};

	return conf_apply(path, e, 2, NULL, err, errlen);
}

int
cli_conf_set_interval(const char *path, const char *value, char *err,
    size_t errlen)
{
	struct conf_edit e = { "engine", "update_interval", value };
	struct gwe_config cfg;
	char p[PATH_MAX];

	if (conf_apply(path, &e, 1, &cfg, err, errlen) == -1)
		return -1;
	if ((size_t)snprintf(p, sizeof(p), "%s/netd/update_interval",
	    cfg.state_dir) >= sizeof(p)) {
		snprintf(err, errlen, "%s: [paths] state_dir: too long", path);
		return -1;
	}
	if (safe_unlink(p) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "%s: set, but netd's stored interval %s could "
		    "not be removed: %s", path, p, strerror(errno));
		return -1;
	}
	return 0;
}

/* The text without every line of [section] key (and its continuations). */
static int
conf_remove_text(char **text, size_t *len, const char *section, const char *key)
{
	struct ctext t;
	struct gwe_buf sb = { NULL, 0, 0, 0, 0 };
	size_t i;
	int insec = 0, drop = 0;

	if (ctext_scan(&t, *text, *len) == -1)
		return -1;
	for (i = 0; i < t.n; i++) {
		const struct cline *l = &t.l[i];

		if (l->kind == L_SECTION)
			insec = name_is(&t, l, section);
		if (l->kind != L_CONT)
			drop = insec && l->kind == L_KEY && name_is(&t, l, key);
		if (!drop)
			gwe_buf_add(&sb, t.b + l->off, l->end - l->off);
	}
	free(t.l);
	if (sb.err || (sb.p == NULL && gwe_buf_add(&sb, "", 0) == -1)) {
		gwe_buf_free(&sb);
		return -1;
	}
	free(*text);
	*text = sb.p;
	*len = sb.len;
	return 0;
}

static int
key_seen(void *user, const char *section, const char *key, const char *value)
{
	const struct conf_edit *e = user;

	(void)value;
	if (strcmp(section, e->section) == 0 && strcmp(key, e->key) == 0)
		return 0;	/* stops the parse: ini_parse_string() returns the line */
	return 1;
}

int
cli_conf_unset(const char *path, const char *section, const char *key, char *err,
    size_t errlen)
{
	struct conf_edit e = { section, key, NULL };
	struct conf_file f;
	struct gwe_config cfg;
	int rc = -1;

	memset(&f, 0, sizeof(f));
	f.dirfd = -1;
	if (file_resolve(&f, path, err, errlen) == -1 ||
	    file_lock(&f, err, errlen) == -1 || file_read(&f, err, errlen) == -1)
		goto done;
	if (f.missing) {	/* nothing to remove, and no file to create */
		rc = 0;
		goto done;
	}
	if (conf_remove_text(&f.text, &f.len, section, key) == -1) {
		snprintf(err, errlen, "%s: out of memory", f.path);
		goto done;
	}
	if (verify_loads(f.path, f.text, f.len, &cfg, err, errlen) == -1)
		goto done;
	if (ini_parse_string(f.text, key_seen, &e) != 0) {
		snprintf(err, errlen, "%s: [%s] %s: could not be removed (edit not "
		    "written)", f.path, section, key);
		goto done;
	}
	rc = file_write(&f, f.text, f.len, err, errlen);
done:
	if (f.dirfd != -1)
		close(f.dirfd);
	free(f.text);
	return rc;
}

/* Print [section] from its header to where a new key would go. */
static void
print_block(const struct ctext *t, size_t h, FILE *out)
{
	size_t last = insert_after(t, h);

	fwrite(t->b + t->l[h].off, 1, t->l[last].end - t->l[h].off, out);
	if (t->l[last].end == t->l[last].cend)
		fputc('\n', out);
}

int
cli_conf_print_section(const char *path, const char *section, FILE *out,
    char *err, size_t errlen)
{
	struct ctext t;
	char real[PATH_MAX], *text;
	size_t len, i;
	int found = 0;

	if (realpath(path, real) == NULL ||
	    gwe_read_file(real, CONF_FILE_MAX, &text, &len) == -1) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	if (ctext_scan(&t, text, len) == -1) {
		free(text);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	for (i = 0; i < t.n; i++)
		if (t.l[i].kind == L_SECTION && name_is(&t, &t.l[i], section)) {
			print_block(&t, i, out);
			found = 1;
		}
	if (!found)
		fprintf(out, "[%s]\n", section);
	free(t.l);
	free(text);
	if (fflush(out) == EOF || ferror(out)) {
		snprintf(err, errlen, "%s: cannot print: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * netd's cik file: one line of 40 hex digits.  The directory belongs to
 * the unprivileged netd, so root opens nothing there that could block (a
 * fifo) or lead elsewhere (a symbolic link).  1 read, 0 absent, -1 error.
 */
static int
read_stored_cik(const char *p, char *buf, size_t len)
{
	struct stat st;
	ssize_t n;
	int fd, saved;

	if ((fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	saved = 0;
	if (fstat(fd, &st) == -1)
		saved = errno;
	else if (!S_ISREG(st.st_mode))
		saved = EINVAL;
	if (saved != 0) {
		close(fd);
		errno = saved;
		return -1;
	}
	while ((n = read(fd, buf, len - 1)) == -1 && errno == EINTR)
		;
	saved = errno;
	close(fd);
	if (n == -1) {
		errno = saved;
		return -1;
	}
	buf[n] = '\0';
	return 1;
}

/* What netd accepts: 40 hex digits, then only white space. */
static int
stored_cik(const char *text, char *cik, size_t ciklen)
{
	size_t i, len = strlen(text);

	while (len > 0 && is_sp(text[len - 1]))
		len--;
	if (len != 40 || ciklen <= 40)
		return -1;
	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)text[i]))
			return -1;
	memcpy(cik, text, len);
	cik[len] = '\0';
	return 0;
}

int
cli_conf_cik(const struct gwe_config *cfg, FILE *out, char *err, size_t errlen)
{
	char p[PATH_MAX], cik[CONF_STR_MAX], buf[128];
	int rc;

	if ((size_t)snprintf(p, sizeof(p), "%s/netd/cik", cfg->state_dir) >=
	    sizeof(p)) {
		snprintf(err, errlen, "%s: [paths] state_dir: too long", cfg->path);
		return -1;
	}
	gwe_strlcpy(cik, cfg->cik, sizeof(cik));
	if ((rc = read_stored_cik(p, buf, sizeof(buf))) == -1) {
		snprintf(err, errlen, "%s: cannot read: %s", p, strerror(errno));
		return -1;
	}
	if (rc == 1 && stored_cik(buf, cik, sizeof(cik)) == -1) {
		log_warnx("stored cik ignored path=%s reason=\"not 40 "
		    "hexadecimal digits\"", p);
		gwe_strlcpy(cik, cfg->cik, sizeof(cik));
	}
	/* Gateway Engine's way of showing "not activated". */
	fprintf(out, "%s\n", cik[0] != '\0' ? cik : "''");
	if (fflush(out) == EOF || ferror(out)) {
		snprintf(err, errlen, "cannot print: %s", strerror(errno));
		return -1;
	}
	return 0;
}
