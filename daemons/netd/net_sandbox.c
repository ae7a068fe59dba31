/*
 * The sandbox of gwe-netd.  Landlock restricts writes to its own state
 * directory (reading stays open: the CA bundle, /etc/resolv.conf, /proc);
 * the uid drop takes root away; seccomp takes exec, fork and the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/priv.h"
#include "net_seccomp.h"
#include "net_sandbox.h"

#ifndef LANDLOCK_ACCESS_FS_MAKE_BLOCK
#define LANDLOCK_ACCESS_FS_MAKE_BLOCK	(1ULL << 11)
#endif
#ifndef LANDLOCK_ACCESS_FS_MAKE_SYM
#define LANDLOCK_ACCESS_FS_MAKE_SYM	(1ULL << 12)
#endif
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER	(1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif

/* Every right that changes the filesystem, for the given ABI. */
static uint64_t
ll_write_rights(int abi)
{
	uint64_t r = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
	    LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
	    LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
	    LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
	    LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
	    LANDLOCK_ACCESS_FS_MAKE_SYM;

	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	return r;
}

int
net_landlock(const char *writable, char *err, size_t errlen)
{
	struct landlock_ruleset_attr ra;
	struct landlock_path_beneath_attr pb;
	int abi, rfd;

	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0)
		return 0;
	memset(&ra, 0, sizeof(ra));
	ra.handled_access_fs = ll_write_rights(abi);
	if ((rfd = (int)syscall(SYS_landlock_create_ruleset, &ra, sizeof(ra.handled_access_fs),
	    0)) == -1) {
		snprintf(err, errlen, "landlock_create_ruleset: %s", strerror(errno));
		return -1;
	}
	memset(&pb, 0, sizeof(pb));
	/* Executing stays forbidden even in the state directory. */
	pb.allowed_access = ll_write_rights(abi) & ~(uint64_t)LANDLOCK_ACCESS_FS_EXECUTE;
	if ((pb.parent_fd = open(writable, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "open %s: %s", writable, strerror(errno));
		close(rfd);
		return -1;
	}
	if (syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) == -1 ||
	    syscall(SYS_landlock_restrict_self, rfd, 0) == -1) {
		snprintf(err, errlen, "landlock: %s", strerror(errno));
		close(pb.parent_fd);
		close(rfd);
		return -1;
	}
	close(pb.parent_fd);
	close(rfd);
	return abi;
}

void
net_sandbox(const char *writable, uid_t uid, gid_t gid)
{
	char err[256];
	int abi;

	if (geteuid() == 0) {
		if (priv_drop(uid, gid, err, sizeof(err)) == -1)
			fatalx("privilege drop failed reason=\"%s\"", err);
	} else {
		log_warnx("not started as root: running as uid=%u without a privilege drop",
		    (unsigned)geteuid());
		if (priv_no_new_privs() == -1)
			fatal("no_new_privs");
	}
	/* Landlock needs no_new_privs (or CAP_SYS_ADMIN), so it comes after the drop. */
	if ((abi = net_landlock(writable, err, sizeof(err))) == -1)
		fatalx("landlock failed reason=\"%s\"", err);
	if (abi == 0)
		log_warnx("landlock unavailable: filesystem writes not confined");
	if (net_seccomp_apply(priv_under_asan(), err, sizeof(err)) == -1)
		fatalx("seccomp failed reason=\"%s\"", err);
	log_info("sandbox on uid=%u gid=%u landlock_abi=%d seccomp=%s writable=%s",
	    (unsigned)uid, (unsigned)gid, abi, priv_under_asan() ? "log" : "kill", writable);
}
