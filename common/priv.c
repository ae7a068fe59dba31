/*
 * Dropping root for good.  The order matters: supplementary groups and the
 * gid go first, while we still may change them; the uid last.  Then we
 * verify, because a drop that silently half-worked is worse than none.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "priv.h"

int
priv_no_new_privs(void)
{
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

int
priv_drop(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (uid == 0 || gid == 0) {
		snprintf(err, errlen, "refusing to drop to uid %u gid %u",
		    (unsigned)uid, (unsigned)gid);
		return -1;
	}
	if (setgroups(0, NULL) == -1) {
		snprintf(err, errlen, "setgroups: %s", strerror(errno));
		return -1;
	}
	if (setresgid(gid, gid, gid) == -1) {
		snprintf(err, errlen, "setresgid %u: %s", (unsigned)gid, strerror(errno));
		return -1;
	}
	if (setresuid(uid, uid, uid) == -1) {
		snprintf(err, errlen, "setresuid %u: %s", (unsigned)uid, strerror(errno));
		return -1;
	}
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    ru != uid || eu != uid || su != uid ||
	    rg != gid || eg != gid || sg != gid) {
		snprintf(err, errlen, "ids did not stick after the drop");
		return -1;
	}
	if (getgroups(0, NULL) != 0) {
		snprintf(err, errlen, "supplementary groups still present");
		return -1;
	}
	/* The drop must be permanent: getting root back has to fail. */
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1) {
		snprintf(err, errlen, "could regain root after the drop");
		return -1;
	}
	if (priv_no_new_privs() == -1) {
		snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Decided when the binary was built, never by the environment: an
 * environment variable must not be able to relax a production sandbox.
 */
#if defined(__SANITIZE_ADDRESS__)
#define PRIV_SANITIZED	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PRIV_SANITIZED	1
#endif
#endif
#ifndef PRIV_SANITIZED
#define PRIV_SANITIZED	0
#endif

int
priv_under_asan(void)
{
	return PRIV_SANITIZED;
}
