/*
 * The verifier's sandbox (docs/design.md section 2): no network (a fresh network
 * namespace with nothing in it), no filesystem (chroot to an empty
 * root-owned directory), no root (priv_drop), tight rlimits, and a
 * seccomp allow-list that kills on anything else.  The order matters:
 * the namespace and chroot need root, so they come before the drop; the
 * filter comes last so that the setup calls need not be in it.
 *
 * Sanitizers: LeakSanitizer's end-of-process scan stops the world with
 * ptrace from a cloned thread, which the filter kills (and which the drop
 * to a non-dumpable process would break anyway).  So, under a sanitizer,
 * we run the leak check once now, before any confinement:
 * __lsan_do_leak_check() reports what has leaked so far and disables the
 * check at exit.  RLIMIT_AS is skipped because ASan reserves terabytes
 * of shadow address space.
 */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/priv.h"
#include "vfy_seccomp.h"
#include "vfy_sandbox.h"

/* Present only in sanitizer runtimes. */
/* NOLINTNEXTLINE(bugprone-reserved-identifier): LeakSanitizer's own interface name */
extern void __lsan_do_leak_check(void) __attribute__((weak));

static int
sb_fail(char *err, size_t errlen, const char *what, const char *detail)
{
	snprintf(err, errlen, "sandbox: %s: %s", what, detail);
	return -1;
}

static void
sb_sanitizer_prep(void)
{
	if (!vfy_seccomp_sanitized())
		return;
	if (__lsan_do_leak_check != NULL) {
		__lsan_do_leak_check();
		log_debug("sandbox leak check done early; exit-time leak check off");
	}
}

/* Lazy library setup that would open files once the root is empty. */
static int
sb_warm_up(char *err, size_t errlen)
{
	if (sodium_init() < 0)
		return sb_fail(err, errlen, "sodium_init", "failed");
	tzset();
	return 0;
}

static int
sb_dir_empty(const char *path)
{
	struct dirent *de;
	DIR *d;
	int empty = 1;

	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

/* The root must be ours alone: a directory, owned by root, writable by no one else, empty. */
static int
sb_root_ready(const char *root, char *err, size_t errlen)
{
	struct stat st;

	if (root == NULL || root[0] != '/')
		return sb_fail(err, errlen, "root", "must be an absolute path");
	if (mkdir(root, 0755) == 0) {
		if (chmod(root, 0755) == -1)
			return sb_fail(err, errlen, root, strerror(errno));
	} else if (errno != EEXIST)
		return sb_fail(err, errlen, root, strerror(errno));
	if (lstat(root, &st) == -1)
		return sb_fail(err, errlen, root, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return sb_fail(err, errlen, root, "not a directory");
	if (st.st_uid != 0)
		return sb_fail(err, errlen, root, "not owned by root");
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return sb_fail(err, errlen, root, "writable by group or others");
	switch (sb_dir_empty(root)) {
	case 1:
		return 0;
	case 0:
		return sb_fail(err, errlen, root, "not empty");
	default:
		return sb_fail(err, errlen, root, strerror(errno));
	}
}

static int
sb_setlimit(int res, rlim_t v, const char *name, char *err, size_t errlen)
{
	struct rlimit rl = { v, v };

	if (setrlimit(res, &rl) == -1)
		return sb_fail(err, errlen, name, strerror(errno));
	return 0;
}

/* Is fd 2 a regular file?  Then RLIMIT_FSIZE 0 would kill us at the next log line. */
static int
sb_stderr_is_file(void)
{
	struct stat st;

	return fstat(STDERR_FILENO, &st) == 0 && S_ISREG(st.st_mode);
}

static int
sb_rlimits(char *err, size_t errlen)
{
	if (sb_setlimit(RLIMIT_NOFILE, VFY_SANDBOX_NOFILE, "RLIMIT_NOFILE", err, errlen) == -1 ||
	    sb_setlimit(RLIMIT_CORE, 0, "RLIMIT_CORE", err, errlen) == -1)
		return -1;
	if (sb_stderr_is_file())
		log_info("sandbox rlimit_fsize skipped reason=\"stderr is a regular file\"");
	else if (sb_setlimit(RLIMIT_FSIZE, 0, "RLIMIT_FSIZE", err, errlen) == -1)
		return -1;
	if (vfy_seccomp_sanitized())
		log_info("sandbox rlimit_as skipped reason=sanitizer");
	else if (sb_setlimit(RLIMIT_AS, (rlim_t)VFY_SANDBOX_AS, "RLIMIT_AS", err, errlen) == -1)
		return -1;
	return 0;
}

int
vfy_sandbox_apply(uid_t uid, gid_t gid, const char *empty_root, char *err,
    size_t errlen)
{
	char why[256];

	if (geteuid() != 0)
		return sb_fail(err, errlen, "apply", "needs root");
	sb_sanitizer_prep();
	if (sb_warm_up(err, errlen) == -1 ||
	    sb_root_ready(empty_root, err, errlen) == -1)
		return -1;
	if (unshare(CLONE_NEWNET) == -1)
		return sb_fail(err, errlen, "unshare(CLONE_NEWNET)", strerror(errno));
	if (chroot(empty_root) == -1)
		return sb_fail(err, errlen, "chroot", strerror(errno));
	if (chdir("/") == -1)
		return sb_fail(err, errlen, "chdir /", strerror(errno));
	if (sb_rlimits(err, errlen) == -1)
		return -1;
	if (priv_drop(uid, gid, why, sizeof(why)) == -1)
		return sb_fail(err, errlen, "priv_drop", why);
	/* Only now: as root RLIMIT_NPROC is not enforced, and no fork is needed after. */
	if (sb_setlimit(RLIMIT_NPROC, 0, "RLIMIT_NPROC", err, errlen) == -1)
		return -1;
	if (vfy_seccomp_apply(why, sizeof(why)) == -1)
		return sb_fail(err, errlen, "filter", why);
	log_debug("sandbox on uid=%u gid=%u root=%s netns=new seccomp=on",
	    (unsigned)uid, (unsigned)gid, empty_root);
	return 0;
}

int
vfy_sandbox_apply_unprivileged(char *err, size_t errlen)
{
	char why[256];

	sb_sanitizer_prep();
	if (sb_warm_up(err, errlen) == -1 || sb_rlimits(err, errlen) == -1)
		return -1;
	if (priv_no_new_privs() == -1)
		return sb_fail(err, errlen, "no_new_privs", strerror(errno));
	if (vfy_seccomp_apply(why, sizeof(why)) == -1)
		return sb_fail(err, errlen, "filter", why);
	log_debug("sandbox on unprivileged=1 seccomp=on");
	return 0;
}
