/*
 * plfs: a FUSE filesystem that keeps only what was made durable, for
 * make check-powerloss (docs/testing.md, "Power cuts").  Not linked into
 * any program of the engine.
 *
 *   plfs MOUNTPOINT CTLDIR CGROUP
 *
 * Everything lives in memory, twice: what processes see (live) and what a
 * disk would still hold after a power cut (durable).
 *   - fsync/fdatasync of a file: its data and attributes become durable
 *     (under whatever names are durable; an inode no durable name reaches
 *     is lost at a cut all the same)
 *   - fsync of a directory: its entries (create, rename, unlink, mkdir,
 *     rmdir done in it) and its own attributes become durable; an inode
 *     first reached this way is durable with its attributes but no data
 * A cut writes 1 to CGROUP/cgroup.kill (every process of the engine dies at
 * once), then throws away everything not durable; until the filesystem is
 * unmounted every request fails with EIO.  plfs then mounts it again, from
 * what was durable, until SIGTERM.
 *
 * Control, by looking up names at the root (they never appear in a listing):
 *   .pl-alive  exists while plfs is mounted
 *   .pl-cut    a cut now
 *   .pl-arm    reads CTLDIR/arm, "N LABEL": a cut just before the N-th
 *              durable step named LABEL from now (an empty file disarms)
 *   .pl-sync   everything durable, as a full journal commit would
 * Each durable step (fsync, fsyncdir, rename) is one line of CTLDIR/trace:
 * "SEQ LABEL PATH", LABEL being "COMM OP PATH" with digit runs as N and the
 * random tail of a safe_write temporary as X.  Each cut is one line of
 * CTLDIR/cuts: "cut SEQ armed|now LABEL".
 */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct node;
struct ent {
	char		*name;
	struct node	*n;
};
struct ents {
	struct ent	*v;
	size_t		 n, cap;
};
struct attrs {
	mode_t		 mode;
	uid_t		 uid;
	gid_t		 gid;
	struct timespec	 atime, mtime, ctime;
};
struct node {
	struct attrs	 a, da;		/* live, durable */
	char		*data, *ddata;	/* regular files and symlinks */
	size_t		 size, cap, dsize;
	struct ents	 ents, dents;	/* directories */
	int		 synced;	/* da, ddata, dents hold something */
	int		 mark, dead;
	unsigned long	 ino;
	struct node	*next;		/* every node */
};

static struct node *root, *all;
static struct fuse *g_fuse;
static unsigned long next_ino = 1;
static const char *ctldir, *cgroup;
static volatile sig_atomic_t quit;
static int dead;
static unsigned long seq;
static char arm_label[PATH_MAX + 64];
static unsigned long arm_n, arm_seen;

static void *
xalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (p == NULL)
		abort();
	return p;
}

static char *
xdup(const char *s, size_t n)
{
	char *p = xalloc(n + 1);

	memcpy(p, s, n);
	return p;
}

static struct node *
node_new(mode_t mode)
{
	struct fuse_context *c = g_fuse != NULL ? fuse_get_context() : NULL;
	struct node *n = xalloc(sizeof(*n));

	n->a.mode = mode;
	n->a.uid = c != NULL ? c->uid : 0;
	n->a.gid = c != NULL ? c->gid : 0;
	clock_gettime(CLOCK_REALTIME, &n->a.mtime);
	n->a.atime = n->a.ctime = n->a.mtime;
	n->ino = next_ino++;
	n->next = all;
	all = n;
	return n;
}

/* ---- directories: entries as arrays, live and durable ----------------- */

static struct ent *
ents_find(struct ents *e, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strlen(e->v[i].name) == len && memcmp(e->v[i].name, name, len) == 0)
			return &e->v[i];
	return NULL;
}

static void
ents_add(struct ents *e, const char *name, struct node *n)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 8;
		if ((e->v = realloc(e->v, e->cap * sizeof(*e->v))) == NULL)
			abort();
	}
	e->v[e->n].name = xdup(name, strlen(name));
	e->v[e->n++].n = n;
}

static void
ents_del(struct ents *e, struct ent *x)
{
	free(x->name);
	*x = e->v[--e->n];
}

static void
ents_free(struct ents *e)
{
	while (e->n > 0)
		ents_del(e, &e->v[e->n - 1]);
	free(e->v);
	e->v = NULL;
	e->cap = 0;
}

static void
ents_copy(struct ents *to, const struct ents *from)
{
	size_t i;

	ents_free(to);
	for (i = 0; i < from->n; i++)
		ents_add(to, from->v[i].name, from->v[i].n);
}

/* The node at path (live), and the directory holding it with the last name. */
static struct node *
resolve(const char *path, struct node **dir, const char **last)
{
	struct node *cur = root, *parent = root;
	const char *p = path, *name = "";
	struct ent *e;
	size_t len;

	while (*p == '/')
		p++;
	while (*p != '\0') {
		len = strcspn(p, "/");
		if (cur == NULL || !S_ISDIR(cur->a.mode))
			return (errno = ENOTDIR, NULL);
		parent = cur;
		name = p;
		e = ents_find(&cur->ents, p, len);
		cur = e != NULL ? e->n : NULL;
		p += len;
		while (*p == '/')
			p++;
		if (cur == NULL && *p != '\0')
			return (errno = ENOENT, NULL);
	}
	if (dir != NULL)
		*dir = parent;
	if (last != NULL)
		*last = name;
	if (cur == NULL)
		errno = ENOENT;
	return cur;
}

static unsigned
nlink_of(struct node *n)
{
	unsigned k = 2;
	size_t i;

	if (!S_ISDIR(n->a.mode))
		return 1;
	for (i = 0; i < n->ents.n; i++)
		if (S_ISDIR(n->ents.v[i].n->a.mode))
			k++;
	return k;
}

/* ---- durability ------------------------------------------------------------ */

static void
sync_attrs(struct node *n)
{
	n->da = n->a;
	n->synced = 1;
}

static void
sync_data(struct node *n)
{
	free(n->ddata);
	n->ddata = xdup(n->data != NULL ? n->data : "", n->size);
	n->dsize = n->size;
	sync_attrs(n);
}

/* fsync of a directory: its entries; an inode first named durably here has no data. */
static void
sync_dir(struct node *d)
{
	size_t i;

	ents_copy(&d->dents, &d->ents);
	sync_attrs(d);
	for (i = 0; i < d->ents.n; i++)
		if (!d->ents.v[i].n->synced)
			sync_attrs(d->ents.v[i].n);
}

static void
mark(struct node *n)
{
	size_t i;

	if (n->mark)
		return;
	n->mark = 1;
	for (i = 0; i < n->dents.n; i++)
		mark(n->dents.v[i].n);
}

/* The power cut: live state becomes what is durable; the rest is gone. */
static void
drop(void)
{
	struct node *n;

	for (n = all; n != NULL; n = n->next)
		n->mark = 0;
	mark(root);
	for (n = all; n != NULL; n = n->next) {
		free(n->data);
		n->data = NULL;
		n->size = n->cap = 0;
		if (!n->mark) {
			n->dead = 1;
			ents_free(&n->ents);
			ents_free(&n->dents);
			free(n->ddata);
			n->ddata = NULL;
			continue;
		}
		n->a = n->da;
		n->data = xdup(n->ddata != NULL ? n->ddata : "", n->dsize);
		n->size = n->cap = n->dsize;
		ents_copy(&n->ents, &n->dents);
	}
}

static void
sync_all(struct node *n)
{
	size_t i;

	if (S_ISDIR(n->a.mode)) {
		sync_dir(n);
		for (i = 0; i < n->ents.n; i++)
			sync_all(n->ents.v[i].n);
	} else
		sync_data(n);
}

static void
ctl_line(const char *file, const char *line)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", ctldir, file);
	if ((f = fopen(p, "a")) != NULL) {
		fprintf(f, "%s\n", line);
		fclose(f);
	}
}

static void
cut(const char *why, const char *label)
{
	char p[PATH_MAX], line[PATH_MAX + 128];
	int fd;

	snprintf(p, sizeof(p), "%s/cgroup.kill", cgroup);
	if ((fd = open(p, O_WRONLY)) == -1 || write(fd, "1", 1) != 1)
		fprintf(stderr, "plfs: cannot kill cgroup=%s: %s\n", cgroup, strerror(errno));
	if (fd != -1)
		close(fd);
	drop();
	dead = 1;
	arm_n = 0;
	snprintf(line, sizeof(line), "cut %lu %s %s", seq, why, label);
	ctl_line("cuts", line);
}

/* "COMM OP PATH": digit runs become N, the random tail of a ".tmp." name X. */
static void
label_of(const char *op, const char *path, char *out, size_t outlen)
{
	struct fuse_context *c = fuse_get_context();
	char comm[64] = "?", p[64];
	size_t o, i;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/comm", c != NULL ? (int)c->pid : 0);
	if ((f = fopen(p, "r")) != NULL) {
		if (fgets(comm, sizeof(comm), f) != NULL)
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	o = (size_t)snprintf(out, outlen, "%s %s ", comm, op);
	for (i = 0; path[i] != '\0' && o + 2 < outlen; i++) {
		if (strncmp(path + i, ".tmp.", 5) == 0 && strchr(path + i + 5, '/') == NULL) {
			o += (size_t)snprintf(out + o, outlen - o, ".tmp.X");
			break;
		}
		if (path[i] >= '0' && path[i] <= '9') {
			while (path[i + 1] >= '0' && path[i + 1] <= '9')
				i++;
			out[o++] = 'N';
		} else
			out[o++] = path[i];
	}
	out[o < outlen ? o : outlen - 1] = '\0';
}

/* A durable step: traced, and the armed cut happens just before it. 1: cut. */
static int
step(const char *op, const char *path)
{
	char label[PATH_MAX + 64], line[2 * PATH_MAX + 128];

	label_of(op, path != NULL ? path : "-", label, sizeof(label));
	seq++;
	snprintf(line, sizeof(line), "%lu %s\t%s", seq, label, path != NULL ? path : "-");
	ctl_line("trace", line);
	if (arm_n > 0 && strcmp(label, arm_label) == 0 && ++arm_seen == arm_n) {
		cut("armed", label);
		return 1;
	}
	return 0;
}

static void
arm(void)
{
	char p[PATH_MAX], line[sizeof(arm_label) + 32];
	FILE *f;

	arm_n = arm_seen = 0;
	snprintf(p, sizeof(p), "%s/arm", ctldir);
	if ((f = fopen(p, "r")) == NULL)
		return;
	if (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%lu", &arm_n) == 1 && strchr(line, ' ') != NULL)
			snprintf(arm_label, sizeof(arm_label), "%s", strchr(line, ' ') + 1);
		else
			arm_n = 0;
	}
	fclose(f);
}

/* ---- the operations ---------------------------------------------------------- */

#define LIVE()	do { if (dead) return -EIO; } while (0)

static int
control(const char *path, struct stat *st)
{
	if (strcmp(path, "/.pl-alive") == 0) {
		memset(st, 0, sizeof(*st));
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		return 0;
	}
	if (strcmp(path, "/.pl-cut") == 0 && !dead)
		cut("now", "-");
	else if (strcmp(path, "/.pl-arm") == 0)
		arm();
	else if (strcmp(path, "/.pl-sync") == 0 && !dead)
		sync_all(root);
	return -ENOENT;
}

static void
fill_stat(const struct node *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_mode = n->a.mode;
	st->st_nlink = nlink_of((struct node *)n);
	st->st_uid = n->a.uid;
	st->st_gid = n->a.gid;
	st->st_size = S_ISDIR(n->a.mode) ? 4096 : (off_t)n->size;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)((n->size + 511) / 512);
	st->st_atim = n->a.atime;
	st->st_mtim = n->a.mtime;
	st->st_ctim = n->a.ctime;
}

static int
pl_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct node *n;

	if (strncmp(path, "/.pl-", 5) == 0 && strchr(path + 1, '/') == NULL)
		return control(path, st);
	LIVE();
	n = fi != NULL && fi->fh != 0 ? (struct node *)fi->fh : resolve(path, NULL, NULL);
	if (n == NULL || n->dead)
		return -ENOENT;
	fill_stat(n, st);
	return 0;
}

static void
touch(struct node *n)
{
	clock_gettime(CLOCK_REALTIME, &n->a.mtime);
	n->a.ctime = n->a.mtime;
}

/* A new name in its directory: -errno, or 0 with *out the new node. */
static int
add(const char *path, mode_t mode, struct node **out)
{
	struct node *d, *n;
	const char *name;

	LIVE();
	if ((n = resolve(path, &d, &name)) != NULL)
		return -EEXIST;
	if (errno != ENOENT)
		return -errno;
	if (strlen(name) > 255)
		return -ENAMETOOLONG;
	n = node_new(mode);
	ents_add(&d->ents, name, n);
	touch(d);
	*out = n;
	return 0;
}

static int
pl_mkdir(const char *path, mode_t mode)
{
	struct node *n;

	return add(path, S_IFDIR | (mode & 07777), &n);
}

static int
pl_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct node *n;
	int rc = add(path, S_IFREG | (mode & 07777), &n);

	if (rc == 0)
		fi->fh = (uint64_t)(uintptr_t)n;
	return rc;
}

static int
pl_symlink(const char *target, const char *path)
{
	struct node *n;
	int rc = add(path, S_IFLNK | 0777, &n);

	if (rc == 0) {
		n->data = xdup(target, strlen(target));
		n->size = n->cap = strlen(target);
	}
	return rc;
}

static int
pl_readlink(const char *path, char *buf, size_t len)
{
	struct node *n;

	LIVE();
	if ((n = resolve(path, NULL, NULL)) == NULL)
		return -errno;
	if (!S_ISLNK(n->a.mode))
		return -EINVAL;
	snprintf(buf, len, "%.*s", (int)n->size, n->data);
	return 0;
}

static int
del(const char *path, int isdir)
{
	struct node *d, *n;
	const char *name;

	LIVE();
	if ((n = resolve(path, &d, &name)) == NULL)
		return -errno;
	if (isdir && !S_ISDIR(n->a.mode))
		return -ENOTDIR;
	if (!isdir && S_ISDIR(n->a.mode))
		return -EISDIR;
	if (isdir && n->ents.n > 0)
		return -ENOTEMPTY;
	ents_del(&d->ents, ents_find(&d->ents, name, strlen(name)));
	touch(d);
	return 0;
}

static int
pl_unlink(const char *path)
{
	return del(path, 0);
}

static int
pl_rmdir(const char *path)
{
	return del(path, 1);
}

static int
pl_rename(const char *from, const char *to, unsigned int flags)
{
	struct node *fd, *td, *n, *t;
	const char *fname, *tname;
	struct ent *e;

	LIVE();
	if (flags & ~RENAME_NOREPLACE)
		return -EINVAL;
	if ((n = resolve(from, &fd, &fname)) == NULL)
		return -errno;
	if ((t = resolve(to, &td, &tname)) == NULL && errno != ENOENT)
		return -errno;
	if (t != NULL && (flags & RENAME_NOREPLACE))
		return -EEXIST;
	if (t == n)
		return 0;
	if (t != NULL && S_ISDIR(t->a.mode) && (!S_ISDIR(n->a.mode) || t->ents.n > 0))
		return S_ISDIR(n->a.mode) ? -ENOTEMPTY : -EISDIR;
	if (t != NULL && !S_ISDIR(t->a.mode) && S_ISDIR(n->a.mode))
		return -ENOTDIR;
	if (step("rename", from))
		return -EIO;
	if (t != NULL)
		ents_find(&td->ents, tname, strlen(tname))->n = n;
	else
		ents_add(&td->ents, tname, n);
	e = ents_find(&fd->ents, fname, strlen(fname));
	ents_del(&fd->ents, e);
	touch(fd);
	touch(td);
	return 0;
}

static int
pl_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct node *n;

	LIVE();
	n = fi != NULL && fi->fh != 0 ? (struct node *)fi->fh : resolve(path, NULL, NULL);
	if (n == NULL)
		return -ENOENT;
	n->a.mode = (n->a.mode & S_IFMT) | (mode & 07777);
	clock_gettime(CLOCK_REALTIME, &n->a.ctime);
	return 0;
}

static int
pl_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	struct node *n;

	LIVE();
	n = fi != NULL && fi->fh != 0 ? (struct node *)fi->fh : resolve(path, NULL, NULL);
	if (n == NULL)
		return -ENOENT;
	if (uid != (uid_t)-1)
		n->a.uid = uid;
	if (gid != (gid_t)-1)
		n->a.gid = gid;
	clock_gettime(CLOCK_REALTIME, &n->a.ctime);
	return 0;
}

static int
pl_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	struct timespec now;
	struct node *n;

	LIVE();
	n = fi != NULL && fi->fh != 0 ? (struct node *)fi->fh : resolve(path, NULL, NULL);
	if (n == NULL)
		return -ENOENT;
	clock_gettime(CLOCK_REALTIME, &now);
	if (tv == NULL || tv[0].tv_nsec != UTIME_OMIT)
		n->a.atime = tv == NULL || tv[0].tv_nsec == UTIME_NOW ? now : tv[0];
	if (tv == NULL || tv[1].tv_nsec != UTIME_OMIT)
		n->a.mtime = tv == NULL || tv[1].tv_nsec == UTIME_NOW ? now : tv[1];
	n->a.ctime = now;
	return 0;
}

static void
resize(struct node *n, size_t size)
{
	if (size > n->cap) {
		n->cap = size > 2 * n->cap ? size : 2 * n->cap;
		if ((n->data = realloc(n->data, n->cap)) == NULL)
			abort();
	}
	if (size > n->size)
		memset(n->data + n->size, 0, size - n->size);
	n->size = size;
}

static int
pl_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct node *n;

	LIVE();
	n = fi != NULL && fi->fh != 0 ? (struct node *)fi->fh : resolve(path, NULL, NULL);
	if (n == NULL)
		return -ENOENT;
	if (S_ISDIR(n->a.mode))
		return -EISDIR;
	resize(n, (size_t)size);
	touch(n);
	return 0;
}

static int
pl_open(const char *path, struct fuse_file_info *fi)
{
	struct node *n;

	LIVE();
	if ((n = resolve(path, NULL, NULL)) == NULL)
		return -errno;
	fi->fh = (uint64_t)(uintptr_t)n;
	return 0;
}

static int
pl_read(const char *path, char *buf, size_t len, off_t off, struct fuse_file_info *fi)
{
	struct node *n = (struct node *)fi->fh;

	(void)path;
	LIVE();
	if ((size_t)off >= n->size)
		return 0;
	if (len > n->size - (size_t)off)
		len = n->size - (size_t)off;
	memcpy(buf, n->data + off, len);
	return (int)len;
}

static int
pl_write(const char *path, const char *buf, size_t len, off_t off,
    struct fuse_file_info *fi)
{
	struct node *n = (struct node *)fi->fh;

	(void)path;
	LIVE();
	if ((size_t)off + len > n->size)
		resize(n, (size_t)off + len);
	memcpy(n->data + off, buf, len);
	touch(n);
	return (int)len;
}

static int
pl_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)datasync;
	LIVE();
	if (step("fsync", path))
		return -EIO;
	sync_data((struct node *)fi->fh);
	return 0;
}

static int
pl_opendir(const char *path, struct fuse_file_info *fi)
{
	struct node *n;

	LIVE();
	if ((n = resolve(path, NULL, NULL)) == NULL)
		return -errno;
	if (!S_ISDIR(n->a.mode))
		return -ENOTDIR;
	fi->fh = (uint64_t)(uintptr_t)n;
	return 0;
}

static int
pl_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
    struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct node *n = (struct node *)fi->fh;
	size_t i;

	(void)path;
	(void)off;
	(void)flags;
	LIVE();
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	for (i = 0; i < n->ents.n; i++)
		fill(buf, n->ents.v[i].name, NULL, 0, 0);
	return 0;
}

static int
pl_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)datasync;
	LIVE();
	if (step("fsyncdir", path))
		return -EIO;
	sync_dir((struct node *)fi->fh);
	return 0;
}

static int
pl_statfs(const char *path, struct statvfs *st)
{
	(void)path;
	memset(st, 0, sizeof(*st));
	st->f_bsize = st->f_frsize = 4096;
	st->f_blocks = 1 << 20;
	st->f_bfree = st->f_bavail = 1 << 19;
	st->f_files = 1 << 20;
	st->f_ffree = st->f_favail = 1 << 19;
	st->f_namemax = 255;
	return 0;
}

static void *
pl_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->hard_remove = 1;
	cfg->nullpath_ok = 0;
	cfg->use_ino = 1;
	return NULL;
}

static const struct fuse_operations ops = {
	.init = pl_init, .getattr = pl_getattr, .mkdir = pl_mkdir,
	.create = pl_create, .symlink = pl_symlink, .readlink = pl_readlink,
	.unlink = pl_unlink, .rmdir = pl_rmdir, .rename = pl_rename,
	.chmod = pl_chmod, .chown = pl_chown, .utimens = pl_utimens,
	.truncate = pl_truncate, .open = pl_open, .read = pl_read,
	.write = pl_write, .fsync = pl_fsync, .opendir = pl_opendir,
	.readdir = pl_readdir, .fsyncdir = pl_fsyncdir, .statfs = pl_statfs,
};

static void
on_term(int sig)
{
	(void)sig;
	quit = 1;
	if (g_fuse != NULL)
		fuse_exit(g_fuse);
}

int
main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };
	char *fargv[] = { argv[0], "-o", "allow_other,default_permissions,fsname=plfs,"
	    "subtype=plfs", NULL };

	if (argc != 4) {
		fprintf(stderr, "usage: plfs MOUNTPOINT CTLDIR CGROUP\n");
		return 2;
	}
	ctldir = argv[2];
	cgroup = argv[3];
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	root = node_new(S_IFDIR | 0755);
	root->a.uid = 0;
	root->a.gid = 0;
	sync_attrs(root);
	while (!quit) {
		struct fuse_args args = FUSE_ARGS_INIT(3, fargv);

		if ((g_fuse = fuse_new(&args, &ops, sizeof(ops), NULL)) == NULL)
			return 1;
		if (fuse_mount(g_fuse, argv[1]) == -1)
			return 1;
		dead = 0;
		fprintf(stderr, "plfs: mounted %s\n", argv[1]);
		fuse_loop(g_fuse);
		fuse_unmount(g_fuse);
		fuse_destroy(g_fuse);
		g_fuse = NULL;
		fuse_opt_free_args(&args);
	}
	return 0;
}
