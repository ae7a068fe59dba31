/*
 * gwe -y/--build-app-tarball BUILDFILE (cli_build.h): the build, in the
 * buildfile's directory, as the user who runs it.
 *
 * The pre-build commands run first; then the includes minus the excludes
 * (each a glob(3) pattern; a directory brings its whole tree) are
 * collected, refusing anything that is not inside that directory by its
 * real path (so no symbolic link on the way out, and no link whose target
 * leaves it); then <name>.v<version>.tar.gz is written with libarchive:
 * install.sh first and executable, the rest sorted, modes masked to 0755
 * as the gateway would, owners root; then the post-build commands; then
 * the gateway's own checks (vfy_check, the signature aside: signing comes
 * after).  Only the tarball's path goes to stdout, so that
 * `scp $(gwe --build-app FILE) ...` works; the commands' output goes to
 * stderr.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/config.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../verify/vfy_check.h"
#include "cli_build.h"
#include "cli_conf.h"

#define INSTALL_SH	"install.sh"
#define MODE_MASK	0755		/* what the gateway applies when it unpacks */

struct plist {
	char	**v;
	size_t	 n, cap;
};

struct pack {
	const struct cli_buildfile *bf;
	char		 top[PATH_MAX];		/* the buildfile's directory, real path */
	struct plist	 ents, excl;
};

static int
plist_add(struct plist *l, const char *s)
{
	char **nv;

	if (l->n == l->cap) {
		if ((nv = reallocarray(l->v, l->cap ? l->cap * 2 : 64, sizeof(*nv))) == NULL)
			return -1;
		l->v = nv;
		l->cap = l->cap ? l->cap * 2 : 64;
	}
	if ((l->v[l->n] = strdup(s)) == NULL)
		return -1;
	l->n++;
	return 0;
}

static void
plist_free(struct plist *l)
{
	while (l->n > 0)
		free(l->v[--l->n]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int
refuse(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "gwe: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return -1;
}

/* ---- the commands ---------------------------------------------------------------- */

static int
run_one(const char *cmd, const char *when)
{
	pid_t pid;
	int status, nul;

	log_debug("build run when=%s cmd=\"%s\"", when, cmd);
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1)
		return refuse("%s: fork: %s", when, strerror(errno));
	if (pid == 0) {
		/* stdout is the tarball's path alone: the command's goes to stderr. */
		if ((nul = open("/dev/null", O_RDONLY)) == -1 || dup2(nul, 0) == -1 ||
		    dup2(STDERR_FILENO, STDOUT_FILENO) == -1)
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return refuse("%s: waitpid: %s", when, strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	fprintf(stderr, "gwe: %s command failed (%s %d): %s\n", when,
	    WIFEXITED(status) ? "exit" : "signal",
	    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), cmd);
	return -1;
}

static int
run_cmds(json_object *cmds, const char *when)
{
	size_t i;

	for (i = 0; cmds != NULL && i < json_object_array_length(cmds); i++)
		if (run_one(json_object_get_string(json_object_array_get_idx(cmds, i)),
		    when) == -1)
			return -1;
	return 0;
}

/* ---- collecting the files --------------------------------------------------------- */

/*
 * A glob match as a clean relative path: no "." or empty components;
 * "" is the directory itself.  -1 for a ".." component.
 */
static int
clean_path(const char *match, char *out, size_t outlen)
{
	char buf[PATH_MAX], *save = NULL, *c;
	size_t n = 0;

	if (gwe_strlcpy(buf, match, sizeof(buf)) >= sizeof(buf))
		return -1;
	out[0] = '\0';
	for (c = strtok_r(buf, "/", &save); c != NULL; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0)
			return -1;
		n = (size_t)snprintf(out + n, outlen - n, "%s%s", n ? "/" : "", c) + n;
		if (n >= outlen)
			return -1;
	}
	return 0;
}

/* Whether rel's real path is top/rel, that is, no symbolic link on the way. */
static int
real_is(const struct pack *pk, const char *rel, int follow_last)
{
	char want[PATH_MAX * 2], real[PATH_MAX], dir[PATH_MAX];
	const char *p = rel;

	if (!follow_last) {	/* a link itself: its directory must be real */
		gwe_strlcpy(dir, rel, sizeof(dir));
		p = strchr(dir, '/') != NULL ? dirname(dir) : "";
	}
	if (realpath(p[0] != '\0' ? p : ".", real) == NULL)
		return 0;
	snprintf(want, sizeof(want), "%s%s%s", pk->top, p[0] != '\0' ? "/" : "", p);
	return strcmp(real, want) == 0;
}

/* Whether a symbolic link's target, resolved, is inside the build directory. */
static int
link_stays(const struct pack *pk, const char *rel)
{
	char real[PATH_MAX];
	size_t tl = strlen(pk->top);

	if (realpath(rel, real) == NULL)
		return 0;
	return strcmp(pk->top, "/") == 0 || strcmp(real, pk->top) == 0 ||
	    (strncmp(real, pk->top, tl) == 0 && real[tl] == '/');
}

static int
excluded(const struct pack *pk, const char *rel)
{
	size_t i, n;

	for (i = 0; i < pk->excl.n; i++) {
		n = strlen(pk->excl.v[i]);
		if (strncmp(rel, pk->excl.v[i], n) == 0 && (rel[n] == '\0' || rel[n] == '/'))
			return 1;
	}
	return strncmp(rel, pk->bf->tarball, strlen(pk->bf->tarball)) == 0 &&
	    (rel[strlen(pk->bf->tarball)] == '\0' ||
	    strcmp(rel + strlen(pk->bf->tarball), ".minisig") == 0);
}

static int add_tree(struct pack *pk, const char *rel);

static int
add_dir(struct pack *pk, const char *rel)
{
	char child[PATH_MAX];
	struct dirent *d;
	DIR *dp;
	int rc = 0;

	if ((dp = opendir(rel[0] != '\0' ? rel : ".")) == NULL)
		return refuse("'%s': %s", rel, strerror(errno));
	while (rc == 0 && (d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s%s%s", rel,
		    rel[0] != '\0' ? "/" : "", d->d_name) >= sizeof(child))
			rc = refuse("'%s/%s': path too long", rel, d->d_name);
		else
			rc = add_tree(pk, child);
	}
	closedir(dp);
	return rc;
}

/* rel and, for a directory, everything under it; -1 refused (printed). */
static int
add_tree(struct pack *pk, const char *rel)
{
	struct stat st;

	if (excluded(pk, rel))
		return 0;
	if (lstat(rel[0] != '\0' ? rel : ".", &st) == -1)
		return refuse("'%s': %s", rel, strerror(errno));
	if (!real_is(pk, rel, !S_ISLNK(st.st_mode)))
		return refuse("'%s' leaves the build directory%s", rel,
		    " through a symbolic link");
	if (S_ISLNK(st.st_mode) && !link_stays(pk, rel))
		return refuse("'%s' is a symbolic link that leaves the build "
		    "directory or points nowhere%s", rel, "");
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))
		return refuse("'%s': not a regular file, directory or symbolic link%s",
		    rel, "");
	log_debug("build add path=%s", rel[0] != '\0' ? rel : ".");
	if (rel[0] != '\0' && plist_add(&pk->ents, rel) == -1)
		return refuse("%s%s", "out of memory", "");
	return S_ISDIR(st.st_mode) ? add_dir(pk, rel) : 0;
}

/* The directories above rel, as entries of their own (as tar(1) would list them). */
static int
add_parents(struct pack *pk, const char *rel)
{
	char dir[PATH_MAX];
	char *slash = dir;

	gwe_strlcpy(dir, rel, sizeof(dir));
	while ((slash = strchr(slash, '/')) != NULL) {
		*slash = '\0';
		if (plist_add(&pk->ents, dir) == -1)
			return refuse("%s%s", "out of memory", "");
		*slash++ = '/';
	}
	return 0;
}

/* Each match of pat, cleaned; -1 refused.  Wildcards' "." and ".." are dropped. */
static int
each_match(struct pack *pk, const char *pat, int incl)
{
	char rel[PATH_MAX];
	const char *base;
	glob_t g;
	size_t i;
	int rc = 0;

	memset(&g, 0, sizeof(g));
	if ((rc = glob(pat, GLOB_ERR, NULL, &g)) != 0) {
		globfree(&g);
		if (rc == GLOB_NOMATCH && !incl)
			return 0;
		return refuse("include '%s' %s", pat, rc == GLOB_NOMATCH ?
		    "matches no file" : "could not be read");
	}
	for (i = 0; rc == 0 && i < g.gl_pathc; i++) {
		base = strrchr(g.gl_pathv[i], '/');
		base = base != NULL ? base + 1 : g.gl_pathv[i];
		if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
			if (strpbrk(pat, "*?[") != NULL)
				continue;
		if (clean_path(g.gl_pathv[i], rel, sizeof(rel)) == -1)
			rc = refuse("'%s' (from '%s') leaves the build directory",
			    g.gl_pathv[i], pat);
		else if (incl && !excluded(pk, rel))
			rc = add_parents(pk, rel) == -1 ? -1 : add_tree(pk, rel);
		else if (plist_add(&pk->excl, rel) == -1)
			rc = refuse("%s%s", "out of memory", "");
	}
	globfree(&g);
	return rc;
}

/* install.sh first, then byte order (a directory before what is in it). */
static int
ent_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int xi = strcmp(x, INSTALL_SH) == 0, yi = strcmp(y, INSTALL_SH) == 0;

	if (xi != yi)
		return yi - xi;
	return strcmp(x, y);
}

static int
collect(struct pack *pk)
{
	json_object *l;
	size_t i, j, k;

	for (k = 0; k < 2; k++) {	/* the excludes first: they prune the walk */
		l = k == 0 ? pk->bf->excludes : pk->bf->includes;
		for (i = 0; l != NULL && i < json_object_array_length(l); i++)
			if (each_match(pk, json_object_get_string(
			    json_object_array_get_idx(l, i)), k == 1) == -1)
				return -1;
	}
	qsort(pk->ents.v, pk->ents.n, sizeof(*pk->ents.v), ent_cmp);
	for (i = j = 0; i < pk->ents.n; i++) {	/* the same file from two patterns */
		if (j > 0 && strcmp(pk->ents.v[j - 1], pk->ents.v[i]) == 0)
			free(pk->ents.v[i]);
		else
			pk->ents.v[j++] = pk->ents.v[i];
	}
	pk->ents.n = j;
	if (pk->ents.n == 0 || strcmp(pk->ents.v[0], INSTALL_SH) != 0)
		return refuse("%s: no %s among the includes, at the top of the build "
		    "directory", pk->bf->tarball, INSTALL_SH);
	return 0;
}

/* ---- writing the tarball ------------------------------------------------------------ */

/* A regular file's bytes, exactly the size its header announced. */
static int
copy_data(struct archive *a, int fd, const char *rel, off_t size)
{
	char buf[65536];
	ssize_t n;

	while (size > 0) {
		n = read(fd, buf, (size_t)(size < (off_t)sizeof(buf) ? size : (off_t)sizeof(buf)));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return refuse("'%s': %s", rel, n == 0 ? "changed while it was read" :
			    strerror(errno));
		if (archive_write_data(a, buf, (size_t)n) != n)
			return refuse("'%s': %s", rel, archive_error_string(a));
		size -= n;
	}
	return 0;
}

static int
entry_head(struct archive *a, struct archive_entry *e, const char *rel, int *fd)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;

	*fd = -1;
	if (lstat(rel, &st) == -1)
		return refuse("'%s': %s", rel, strerror(errno));
	if (S_ISREG(st.st_mode)) {
		/* Opened, not followed: what is read is what was checked. */
		if ((*fd = open(rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
		    fstat(*fd, &st) == -1 || !S_ISREG(st.st_mode))
			return refuse("'%s': %s", rel, "changed while it was read");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_size(e, st.st_size);
	} else if (S_ISLNK(st.st_mode)) {
		if ((n = readlink(rel, target, sizeof(target) - 1)) == -1)
			return refuse("'%s': %s", rel, strerror(errno));
		target[n] = '\0';
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_symlink(e, target);
	} else
		archive_entry_set_filetype(e, AE_IFDIR);
	archive_entry_set_pathname(e, rel);
	/* install.sh must be executable; the rest as the gateway will unpack it */
	archive_entry_set_perm(e, strcmp(rel, INSTALL_SH) == 0 ? 0755 :
	    S_ISLNK(st.st_mode) ? 0777 : st.st_mode & MODE_MASK);
	archive_entry_set_mtime(e, st.st_mtime, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_uname(e, "root");
	archive_entry_set_gname(e, "root");
	if (archive_write_header(a, e) != ARCHIVE_OK)
		return refuse("'%s': %s", rel, archive_error_string(a));
	return S_ISREG(st.st_mode) ? copy_data(a, *fd, rel, st.st_size) : 0;
}

static int
write_entries(const struct pack *pk, int outfd)
{
	struct archive *a;
	struct archive_entry *e;
	size_t i;
	int rc = 0, fd = -1;

	if ((a = archive_write_new()) == NULL)
		return refuse("%s%s", "out of memory", "");
	if (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_open_fd(a, outfd) != ARCHIVE_OK)
		rc = refuse("%s: %s", pk->bf->tarball, archive_error_string(a));
	for (i = 0; rc == 0 && i < pk->ents.n; i++) {
		fd = -1;
		if ((e = archive_entry_new()) == NULL)
			rc = refuse("%s%s", "out of memory", "");
		else
			rc = entry_head(a, e, pk->ents.v[i], &fd);
		if (fd != -1)
			close(fd);
		archive_entry_free(e);
	}
	if (rc == 0 && archive_write_close(a) != ARCHIVE_OK)
		rc = refuse("%s: %s", pk->bf->tarball, archive_error_string(a));
	archive_write_free(a);
	return rc;
}

/* Into a temporary file beside it, then renamed: a failed build leaves no half tarball. */
static int
build_tarball(const struct pack *pk)
{
	char tmp[VFY_NAME_MAX + 16];
	mode_t mask;
	int fd, rc;

	snprintf(tmp, sizeof(tmp), ".%s.XXXXXX", pk->bf->tarball);
	if ((fd = mkstemp(tmp)) == -1)
		return refuse("%s: %s", pk->bf->tarball, strerror(errno));
	mask = umask(0);
	umask(mask);
	rc = write_entries(pk, fd);
	if (rc == 0 && (fchmod(fd, 0666 & ~mask) == -1 || fsync(fd) == -1))
		rc = refuse("%s: %s", tmp, strerror(errno));
	if (close(fd) == -1 && rc == 0)
		rc = refuse("%s: %s", tmp, strerror(errno));
	if (rc == 0 && rename(tmp, pk->bf->tarball) == -1)
		rc = refuse("%s: %s", pk->bf->tarball, strerror(errno));
	if (rc != 0)
		unlink(tmp);
	return rc;
}

/* ---- the gateway's checks, then the path --------------------------------------------- */

static int
check_result(const struct pack *pk, const struct gwe_config *cfg)
{
	static struct vfy_keyring none;
	static struct vfy_check_res res;
	struct vfy_check_req req;
	struct stat st;
	int fd, rc;

	if ((fd = open(pk->bf->tarball, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		fprintf(stderr, "gwe: %s: %s\n", pk->bf->tarball, strerror(errno));
		if (fd != -1)
			close(fd);
		return 2;
	}
	memset(&req, 0, sizeof(req));
	req.fd = fd;
	req.size = (uint64_t)st.st_size;
	req.name = pk->bf->tarball;
	req.keys = &none;
	req.limits = &cfg->limits;
	req.require_signature = 0;	/* not signed yet: minisign comes next */
	req.now = time(NULL);
	rc = vfy_check(&req, &res);
	close(fd);
	if (rc == -1) {
		fprintf(stderr, "gwe: %s/%s: built, but the gateway would refuse it: %s\n",
		    pk->top, pk->bf->tarball, res.reason);
		return 1;
	}
	printf("%s%s%s\n", pk->top, strcmp(pk->top, "/") == 0 ? "" : "/",
	    pk->bf->tarball);
	return fflush(stdout) == EOF ? 2 : 0;
}

/* The buildfile's directory, real path, made the working directory. */
static int
enter_top(struct pack *pk, const char *file)
{
	char real[PATH_MAX];

	if (realpath(file, real) == NULL) {
		fprintf(stderr, "gwe: %s: %s\n", file, strerror(errno));
		return -1;
	}
	gwe_strlcpy(pk->top, dirname(real), sizeof(pk->top));
	if (chdir(pk->top) == -1) {
		fprintf(stderr, "gwe: %s: %s\n", pk->top, strerror(errno));
		return -1;
	}
	return 0;
}

int
cli_build_app(const struct cli_build_opts *o)
{
	struct cli_buildfile bf;
	struct gwe_config cfg;
	struct pack pk;
	int n, rc = 1;

	memset(&pk, 0, sizeof(pk));
	config_defaults(&cfg);	/* the gateway's default limits, or -f's */
	if (o->conf_given && cli_conf_load(o->conf, 0, &cfg) == -1)
		return 2;
	if ((n = cli_buildfile_load(o->file, &bf, stderr, "gwe: ")) != 0)
		return n == -1 ? 2 : 1;
	pk.bf = &bf;
	if (enter_top(&pk, o->file) == -1)
		rc = 2;
	else if (run_cmds(bf.pre, "pre-build") == 0 && collect(&pk) == 0 &&
	    build_tarball(&pk) == 0 && run_cmds(bf.post, "post-build") == 0)
		rc = check_result(&pk, &cfg);
	plist_free(&pk.ents);
	plist_free(&pk.excl);
	cli_buildfile_free(&bf);
	return rc;
}
