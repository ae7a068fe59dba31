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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* The fcntl commands the IPC code uses: seal check and close-on-exec. */
static const int fcntl_cmds[] = { F_GET_SEALS, F_GETFD, F_SETFD, F_GETFL };

int
vfy_seccomp_sanitized(void)
{
	return priv_under_asan();
}

static int
fail(char *err, size_t errlen, const char *what, int rc)
{
	snprintf(err, errlen, "seccomp: %s: %s", what, strerror(-rc));
	return -1;
}

static int
add_list(scmp_filter_ctx ctx, const int *nrs, size_t n, char *err, size_t errlen)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nrs[i], 0)) < 0) {
			char *name = seccomp_syscall_resolve_num_arch(
			    SCMP_ARCH_NATIVE, nrs[i]);

			snprintf(err, errlen, "seccomp: allow %s: %s",
			    name != NULL ? name : "?", strerror(-rc));
			free(name);
			return -1;
		}
	return 0;
}

/* Argument-checked rules: each one narrows a call that is needed but dangerous in general. */
static int
add_narrow(scmp_filter_ctx ctx, int sanitized, char *err, size_t errlen)
{
	/* Anything that could create, truncate or write a file through openat. */
	const scmp_datum_t wflags = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND |
	    (O_TMPFILE & ~O_DIRECTORY);
	size_t i;
	int rc;

	for (i = 0; i < sizeof(fcntl_cmds) / sizeof(fcntl_cmds[0]); i++)
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
		    SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)fcntl_cmds[i]))) < 0)
			return fail(err, errlen, "fcntl", rc);
	/* log.c's dprintf(2, ...) seeks on stderr; no other fd may be seeked. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(lseek), 1,
	    SCMP_A0(SCMP_CMP_EQ, STDERR_FILENO))) < 0)
		return fail(err, errlen, "lseek", rc);
	/* ipc_accept's SO_PEERCRED check, nothing else. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getsockopt), 2,
	    SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET),
	    SCMP_A2(SCMP_CMP_EQ, SO_PEERCRED))) < 0)
		return fail(err, errlen, "getsockopt", rc);
	/* syslog(3) on the socket opened before the chroot: send() with no address. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendto), 1,
	    SCMP_A4(SCMP_CMP_EQ, 0))) < 0)
		return fail(err, errlen, "sendto", rc);
	/* Read-only opens only (libc and the sanitizer runtime probe files; the root is empty). */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, wflags, 0))) < 0)
		return fail(err, errlen, "openat", rc);
	/*
	 * syslog(3) tries to reconnect with socket(AF_UNIX) when its socket
	 * is gone; answer EACCES instead of dying.  Any other family kills.
	 */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
	    SCMP_A0(SCMP_CMP_EQ, AF_UNIX))) < 0)
		return fail(err, errlen, "socket", rc);
	if (sanitized) {
		/* The ASan runtime uses raw open(2) for /proc files on a report; read-only too. */
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
		    SCMP_A1(SCMP_CMP_MASKED_EQ, wflags, 0))) < 0)
			return fail(err, errlen, "open", rc);
		/* The ASan runtime maps its own memory: no W^X rule for it. */
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 0)) < 0)
			return fail(err, errlen, "mmap", rc);
		return 0;
	}
	/* malloc needs anonymous memory; nobody here needs executable memory. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0))) < 0)
		return fail(err, errlen, "mmap", rc);
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0))) < 0)
		return fail(err, errlen, "mprotect", rc);
	return 0;
}

int
vfy_seccomp_apply(char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	int sanitized = vfy_seccomp_sanitized();
	int rc;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		snprintf(err, errlen, "seccomp: init failed");
		return -1;
	}
	if (add_list(ctx, sc_plain, sizeof(sc_plain) / sizeof(sc_plain[0]),
	    err, errlen) == -1 ||
	    (sanitized && add_list(ctx, sc_sanitizer,
	    sizeof(sc_sanitizer) / sizeof(sc_sanitizer[0]), err, errlen) == -1) ||
	    add_narrow(ctx, sanitized, err, errlen) == -1)
		goto fail;
	if ((rc = seccomp_load(ctx)) < 0) {
		fail(err, errlen, "load", rc);
		goto fail;
	}
	seccomp_release(ctx);
	return 0;
fail:
	seccomp_release(ctx);
	return -1;
}
