/*
 * The seccomp filter of gwe-netd.  Read this list as the answer to "what
 * can a compromised netd do?": talk to the network and to local sockets,
 * read files, write within what Landlock leaves it (its state directory),
 * start threads (libcurl's resolver), and nothing else: no execve, no
 * fork, no ptrace, no mount, no module or key or bpf calls.
 */
#include <errno.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>

#include "net_seccomp.h"

static const int netd_allowed[] = {
	/* memory */
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(mprotect), SCMP_SYS(madvise), SCMP_SYS(membarrier),
	/* files: reads anywhere, writes where Landlock allows */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(lseek), SCMP_SYS(close),
	SCMP_SYS(openat), SCMP_SYS(open), SCMP_SYS(fstat), SCMP_SYS(stat),
	SCMP_SYS(lstat), SCMP_SYS(newfstatat), SCMP_SYS(statx), SCMP_SYS(statfs),
	SCMP_SYS(fstatfs), SCMP_SYS(access), SCMP_SYS(faccessat), SCMP_SYS(faccessat2),
	SCMP_SYS(readlink), SCMP_SYS(readlinkat), SCMP_SYS(getdents64),
	SCMP_SYS(fsync), SCMP_SYS(fdatasync), SCMP_SYS(ftruncate), SCMP_SYS(fchmod),
	SCMP_SYS(rename), SCMP_SYS(renameat), SCMP_SYS(renameat2), SCMP_SYS(unlink),
	SCMP_SYS(unlinkat), SCMP_SYS(mkdir), SCMP_SYS(mkdirat), SCMP_SYS(umask),
	SCMP_SYS(fcntl), SCMP_SYS(dup), SCMP_SYS(dup2), SCMP_SYS(dup3),
	SCMP_SYS(pipe), SCMP_SYS(pipe2), SCMP_SYS(eventfd2), SCMP_SYS(memfd_create),
	SCMP_SYS(getcwd), SCMP_SYS(close_range),
	/* waiting and time */
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(select), SCMP_SYS(pselect6),
	SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_wait),
	SCMP_SYS(epoll_pwait), SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep),
	SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres), SCMP_SYS(gettimeofday),
	SCMP_SYS(time), SCMP_SYS(futex), SCMP_SYS(sched_yield),
	SCMP_SYS(sched_getaffinity), SCMP_SYS(restart_syscall),
	/* network: socket() itself is checked below */
	SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	SCMP_SYS(setsockopt), SCMP_SYS(getsockopt), SCMP_SYS(sendto), SCMP_SYS(recvfrom),
	SCMP_SYS(sendmsg), SCMP_SYS(recvmsg), SCMP_SYS(sendmmsg), SCMP_SYS(recvmmsg),
	SCMP_SYS(shutdown), SCMP_SYS(socketpair), SCMP_SYS(accept4), SCMP_SYS(accept),
	/* threads (libcurl's resolver), signals, identity */
	SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(set_tid_address),
	SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(gettid), SCMP_SYS(getpid),
	SCMP_SYS(getppid), SCMP_SYS(tgkill), SCMP_SYS(rt_sigaction),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn), SCMP_SYS(sigaltstack),
	SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
	SCMP_SYS(getresuid), SCMP_SYS(getresgid), SCMP_SYS(getgroups),
	SCMP_SYS(getrandom), SCMP_SYS(uname), SCMP_SYS(sysinfo), SCMP_SYS(prlimit64),
	SCMP_SYS(getrlimit), SCMP_SYS(getrusage),
};

static const int netd_domains[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };
static const unsigned long netd_ioctls[] = { FIONREAD, FIONBIO, TCGETS };

static int
add_rules(scmp_filter_ctx ctx)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(netd_allowed) / sizeof(netd_allowed[0]); i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, netd_allowed[i], 0);
	for (i = 0; i < sizeof(netd_domains) / sizeof(netd_domains[0]); i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)netd_domains[i]));
	for (i = 0; i < sizeof(netd_ioctls) / sizeof(netd_ioctls[0]); i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
		    SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)netd_ioctls[i]));
	/* Threads only: a clone without CLONE_THREAD (a fork) is killed. */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
	    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	/* clone3's flags sit in memory we cannot inspect: glibc falls back to clone. */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	return rc;
}

int
net_seccomp_apply(int relaxed, char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	int rc;

	if ((ctx = seccomp_init(relaxed ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS)) == NULL) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	if (add_rules(ctx) != 0) {
		seccomp_release(ctx);
		snprintf(err, errlen, "seccomp_rule_add failed");
		return -1;
	}
	if ((rc = seccomp_load(ctx)) != 0) {
		seccomp_release(ctx);
		snprintf(err, errlen, "seccomp_load: %s", strerror(-rc));
		return -1;
	}
	seccomp_release(ctx);
	return 0;
}
