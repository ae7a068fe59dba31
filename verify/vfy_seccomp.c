/*
 * gwe-verifyd's seccomp allow-list.  By the time it is loaded the process
 * is chrooted to an empty directory, has no network namespace to speak
 * of and runs as an unprivileged uid; this list is the last wall.  It
 * admits only what reading a sealed memfd, hashing it, walking a gzip'd
 * tar through libarchive's read callbacks, malloc, syslog/stderr and the
 * IPC sockets need.  Everything else kills the process (SIGSYS), so a
 * violation is loud, never a silent EPERM a parser could work around.
 *
 * Under AddressSanitizer the runtime needs more calls at exit and when it
 * reports an error: signal stacks, mprotect, a raw open(2) of /proc files
 * (which fails harmlessly in the empty root), and a pipe that UBSan uses
 * to probe whether memory is readable.  The list was found from the
 * kernel's audit records of SIGSYS kills (dmesg: type=1326 ... syscall=N)
 * while a sandboxed probe made ASan and UBSan report (sandbox_probe
 * overflow).  Those calls are added only when the binary was built
 * with AddressSanitizer (priv_under_asan()), never by the environment
 * and never in a normal build.  Leak detection is handled by vfy_sandbox_apply(), see there.
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/gwe_seccomp.h"
#include "../common/priv.h"
#include "vfy_seccomp.h"

/* Unconditionally allowed: I/O on fds we already hold, memory, time, exit. */
static const int sc_plain[] = {
	SCMP_SYS(read),
	SCMP_SYS(pread64),
	SCMP_SYS(write),	/* stderr and the IPC sockets: no writable file exists */
	SCMP_SYS(writev),
	SCMP_SYS(recvmsg),
	SCMP_SYS(sendmsg),
	SCMP_SYS(poll),
	SCMP_SYS(ppoll),
	SCMP_SYS(close),
	SCMP_SYS(fstat),
	SCMP_SYS(newfstatat),	/* glibc's fstat(); a path lookup finds an empty root */
	SCMP_SYS(munmap),
	SCMP_SYS(mremap),
	SCMP_SYS(brk),
	SCMP_SYS(madvise),
	SCMP_SYS(exit),
	SCMP_SYS(exit_group),
	SCMP_SYS(rt_sigreturn),
	SCMP_SYS(restart_syscall),
	SCMP_SYS(clock_gettime),
	SCMP_SYS(gettimeofday),
	SCMP_SYS(time),
	SCMP_SYS(getpid),
	SCMP_SYS(futex),
	SCMP_SYS(getrandom),	/* libsodium, glibc malloc */
	SCMP_SYS(accept4),	/* netd reconnects after the sandbox is on */
};

/* Only for sanitizer builds: what the ASan/UBSan runtime touches at exit or on a report. */
static const int sc_sanitizer[] = {
	SCMP_SYS(mprotect),
	SCMP_SYS(sigaltstack),
	SCMP_SYS(rt_sigaction),
	SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(sched_yield),
	SCMP_SYS(gettid),
	SCMP_SYS(tgkill),
	SCMP_SYS(prctl),
	SCMP_SYS(readlink),
	SCMP_SYS(readlinkat),
	SCMP_SYS(getrlimit),
	SCMP_SYS(prlimit64),
	SCMP_SYS(ioctl),	/* isatty(2) for coloured reports */
	SCMP_SYS(access),
	SCMP_SYS(faccessat),
	SCMP_SYS(faccessat2),
	SCMP_SYS(getdents64),
	SCMP_SYS(getcwd),
	SCMP_SYS(uname),
	SCMP_SYS(nanosleep),
	SCMP_SYS(clock_nanosleep),
	SCMP_SYS(getppid),
	SCMP_SYS(pipe),		/* UBSan probes whether memory is readable through a pipe */
	SCMP_SYS(pipe2),
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Anything that could create, truncate or write a file through open/openat. */
#define WFLAGS	(O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | (O_TMPFILE & ~O_DIRECTORY))

/* A rule that holds when up to two argument comparisons hold. */
struct narrow {
	int			nr;
	uint32_t		action;
	unsigned int		argc;
	struct scmp_arg_cmp	arg[2];
};
#define CMP(n, op, a, b)	{ (n), (op), (scmp_datum_t)(a), (scmp_datum_t)(b) }

/* Argument-checked rules: each one narrows a call that is needed but dangerous in general. */
static const struct narrow sc_narrow[] = {
	/* The fcntl commands the IPC code uses: seal check and close-on-exec. */
	{ SCMP_SYS(fcntl), SCMP_ACT_ALLOW, 1, { CMP(1, SCMP_CMP_EQ, F_GET_SEALS, 0) } },
	{ SCMP_SYS(fcntl), SCMP_ACT_ALLOW, 1, { CMP(1, SCMP_CMP_EQ, F_GETFD, 0) } },
	{ SCMP_SYS(fcntl), SCMP_ACT_ALLOW, 1, { CMP(1, SCMP_CMP_EQ, F_SETFD, 0) } },
	{ SCMP_SYS(fcntl), SCMP_ACT_ALLOW, 1, { CMP(1, SCMP_CMP_EQ, F_GETFL, 0) } },
	/* log.c's dprintf(2, ...) seeks on stderr; no other fd may be seeked. */
	{ SCMP_SYS(lseek), SCMP_ACT_ALLOW, 1, { CMP(0, SCMP_CMP_EQ, STDERR_FILENO, 0) } },
	/*
	 * ... and asks whether stderr is a terminal when it is a character
	 * device (/dev/null under systemd's StandardError=null, or a tty).
	 */
	{ SCMP_SYS(ioctl), SCMP_ACT_ALLOW, 2, { CMP(0, SCMP_CMP_EQ, STDERR_FILENO, 0),
	    CMP(1, SCMP_CMP_EQ, TCGETS, 0) } },
	/* ipc_accept's SO_PEERCRED check, nothing else. */
	{ SCMP_SYS(getsockopt), SCMP_ACT_ALLOW, 2, { CMP(1, SCMP_CMP_EQ, SOL_SOCKET, 0),
	    CMP(2, SCMP_CMP_EQ, SO_PEERCRED, 0) } },
	/* syslog(3) on the socket opened before the chroot: send() with no address. */
	{ SCMP_SYS(sendto), SCMP_ACT_ALLOW, 1, { CMP(4, SCMP_CMP_EQ, 0, 0) } },
	/* Read-only opens only (libc and the sanitizer runtime probe files; the root is empty). */
	{ SCMP_SYS(openat), SCMP_ACT_ALLOW, 1, { CMP(2, SCMP_CMP_MASKED_EQ, WFLAGS, 0) } },
	/*
	 * syslog(3) tries to reconnect with socket(AF_UNIX) when its socket
	 * is gone; answer EACCES instead of dying.  Any other family kills.
	 */
	{ SCMP_SYS(socket), SCMP_ACT_ERRNO(EACCES), 1, { CMP(0, SCMP_CMP_EQ, AF_UNIX, 0) } },
};

/* A normal build: malloc needs anonymous memory; nobody here needs executable memory. */
static const struct narrow sc_wx[] = {
	{ SCMP_SYS(mmap), SCMP_ACT_ALLOW, 1, { CMP(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0) } },
	{ SCMP_SYS(mprotect), SCMP_ACT_ALLOW, 1, { CMP(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0) } },
};

/*
 * A sanitizer build: the ASan runtime uses raw open(2) for /proc files on a
 * report (read-only too), and maps its own memory: no W^X rule for it.
 */
static const struct narrow sc_wx_sanitizer[] = {
	{ SCMP_SYS(open), SCMP_ACT_ALLOW, 1, { CMP(1, SCMP_CMP_MASKED_EQ, WFLAGS, 0) } },
	{ SCMP_SYS(mmap), SCMP_ACT_ALLOW, 0, { CMP(0, 0, 0, 0) } },
};

int
vfy_seccomp_sanitized(void)
{
	return priv_under_asan();
}

static int
add_narrow(scmp_filter_ctx ctx, const struct narrow *r, size_t n,
    char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (gwe_seccomp_rule(ctx, r[i].action, r[i].nr, r[i].argc,
		    r[i].arg, err, errlen) == -1)
			return -1;
	return 0;
}

int
vfy_seccomp_apply(char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	int sanitized = vfy_seccomp_sanitized();

	if ((ctx = gwe_seccomp_init(SCMP_ACT_KILL_PROCESS, err, errlen)) == NULL)
		return -1;
	if (gwe_seccomp_allow(ctx, sc_plain, NELEM(sc_plain), err, errlen) == -1 ||
	    (sanitized && gwe_seccomp_allow(ctx, sc_sanitizer,
	    NELEM(sc_sanitizer), err, errlen) == -1) ||
	    add_narrow(ctx, sc_narrow, NELEM(sc_narrow), err, errlen) == -1 ||
	    (sanitized ? add_narrow(ctx, sc_wx_sanitizer, NELEM(sc_wx_sanitizer),
	    err, errlen) : add_narrow(ctx, sc_wx, NELEM(sc_wx), err, errlen)) == -1) {
		seccomp_release(ctx);
		return -1;
	}
	return gwe_seccomp_load(ctx, err, errlen);
}
