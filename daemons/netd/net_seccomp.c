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

#include "../../common/gwe_seccomp.h"
#include "net_seccomp.h"

static const int netd_allowed[] = {
	/* memory */
	SCMP_SYS(brk),
	SCMP_SYS(mmap),
	SCMP_SYS(munmap),
	SCMP_SYS(mremap),
	SCMP_SYS(mprotect),
	SCMP_SYS(madvise),
	SCMP_SYS(membarrier),
	/* files: reads anywhere, writes where Landlock allows */
	SCMP_SYS(read),
	SCMP_SYS(write),
	SCMP_SYS(readv),
	SCMP_SYS(writev),
	SCMP_SYS(pread64),
	SCMP_SYS(pwrite64),
	SCMP_SYS(lseek),
	SCMP_SYS(close),
	SCMP_SYS(openat),
	SCMP_SYS(open),
	SCMP_SYS(fstat),
	SCMP_SYS(stat),
	SCMP_SYS(lstat),
	SCMP_SYS(newfstatat),
	SCMP_SYS(statx),
	SCMP_SYS(statfs),
	SCMP_SYS(fstatfs),
	SCMP_SYS(access),
	SCMP_SYS(faccessat),
	SCMP_SYS(faccessat2),
	SCMP_SYS(readlink),
	SCMP_SYS(readlinkat),
	SCMP_SYS(getdents64),
	SCMP_SYS(fsync),
	SCMP_SYS(fdatasync),
	SCMP_SYS(ftruncate),
	SCMP_SYS(fchmod),
	SCMP_SYS(rename),
	SCMP_SYS(renameat),
	SCMP_SYS(renameat2),
	SCMP_SYS(unlink),
	SCMP_SYS(unlinkat),
	SCMP_SYS(mkdir),
	SCMP_SYS(mkdirat),
	SCMP_SYS(umask),
	SCMP_SYS(fcntl),
	SCMP_SYS(dup),
	SCMP_SYS(dup2),
	SCMP_SYS(dup3),
	SCMP_SYS(pipe),
	SCMP_SYS(pipe2),
	SCMP_SYS(eventfd2),
	SCMP_SYS(memfd_create),
	SCMP_SYS(getcwd),
	SCMP_SYS(close_range),
	/* waiting and time */
	SCMP_SYS(poll),
	SCMP_SYS(ppoll),
	SCMP_SYS(select),
	SCMP_SYS(pselect6),
	SCMP_SYS(epoll_create1),
	SCMP_SYS(epoll_ctl),
	SCMP_SYS(epoll_wait),
	SCMP_SYS(epoll_pwait),
	SCMP_SYS(nanosleep),
	SCMP_SYS(clock_nanosleep),
	SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_getres),
	SCMP_SYS(gettimeofday),
	SCMP_SYS(time),
	SCMP_SYS(futex),
	SCMP_SYS(sched_yield),
	SCMP_SYS(sched_getaffinity),
	SCMP_SYS(restart_syscall),
	/* network: socket() itself is checked below */
	SCMP_SYS(connect),
	SCMP_SYS(bind),
	SCMP_SYS(getsockname),
	SCMP_SYS(getpeername),
	SCMP_SYS(setsockopt),
	SCMP_SYS(getsockopt),
	SCMP_SYS(sendto),
	SCMP_SYS(recvfrom),
	SCMP_SYS(sendmsg),
	SCMP_SYS(recvmsg),
	SCMP_SYS(sendmmsg),
	SCMP_SYS(recvmmsg),
	SCMP_SYS(shutdown),
	SCMP_SYS(socketpair),
	SCMP_SYS(accept4),
	SCMP_SYS(accept),
	/* threads (libcurl's resolver), signals, identity */
	SCMP_SYS(set_robust_list),
	SCMP_SYS(rseq),
	SCMP_SYS(set_tid_address),
	SCMP_SYS(exit),
	SCMP_SYS(exit_group),
	SCMP_SYS(gettid),
	SCMP_SYS(getpid),
	SCMP_SYS(getppid),
	SCMP_SYS(tgkill),
	SCMP_SYS(rt_sigaction),
	SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn),
	SCMP_SYS(sigaltstack),
	SCMP_SYS(getuid),
	SCMP_SYS(geteuid),
	SCMP_SYS(getgid),
	SCMP_SYS(getegid),
	SCMP_SYS(getresuid),
	SCMP_SYS(getresgid),
	SCMP_SYS(getgroups),
	SCMP_SYS(getrandom),
	SCMP_SYS(uname),
	SCMP_SYS(sysinfo),
	SCMP_SYS(prlimit64),
	SCMP_SYS(getrlimit),
	SCMP_SYS(getrusage),
};

static const int netd_domains[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };
static const unsigned long netd_ioctls[] = { FIONREAD, FIONBIO, TCGETS };

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* One rule with one argument comparison. */
static int
rule1(scmp_filter_ctx ctx, uint32_t action, int nr, struct scmp_arg_cmp cmp, char *err,
    size_t errlen)
{
	return gwe_seccomp_rule(ctx, action, nr, 1, &cmp, err, errlen);
}

static int
add_rules(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	size_t i;

	if (gwe_seccomp_allow(ctx, netd_allowed, NELEM(netd_allowed), err, errlen) == -1)
		return -1;
	for (i = 0; i < NELEM(netd_domains); i++)
		if (rule1(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket),
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)netd_domains[i]), err, errlen) == -1)
			return -1;
	for (i = 0; i < NELEM(netd_ioctls); i++)
		if (rule1(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl),
		    SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)netd_ioctls[i]), err, errlen) == -1)
			return -1;
	/* Threads only: a clone without CLONE_THREAD (a fork) is killed. */
	if (rule1(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone),
	    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD), err, errlen) == -1)
		return -1;
	/* clone3's flags sit in memory we cannot inspect: glibc falls back to clone. */
	if (gwe_seccomp_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0, NULL,
	    err, errlen) == -1)
		return -1;
	/* ipc_memfd_copy tries it first; failed, it copies with pread and write as before. */
	return gwe_seccomp_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(copy_file_range), 0,
	    NULL, err, errlen);
}

int
net_seccomp_apply(int relaxed, char *err, size_t errlen)
{
	scmp_filter_ctx ctx;

	if ((ctx = gwe_seccomp_init(relaxed ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS, err,
	    errlen)) == NULL)
		return -1;
	if (add_rules(ctx, err, errlen) == -1) {
		seccomp_release(ctx);
		return -1;
	}
	return gwe_seccomp_load(ctx, err, errlen);
}
