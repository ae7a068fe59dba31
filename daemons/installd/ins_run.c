/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * install.sh runs in its own session and group, from the staging dir, with stdin
 * /dev/null, stdout and stderr on one socket, no other fd, a fixed environment.
 * We stop when it exits (its pidfd says so), not at the socket's EOF, which a
 * background child may hold; then its group is killed (bar what called setsid()).
 */
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <poll.h>

#include "installd.h"

#define GRACE_MS	3000		/* from SIGTERM to SIGKILL on time-out */
#define DRAIN_READS	64		/* at most, once install.sh has exited */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void __attribute__((noreturn))
child(const struct ins_job *j, const int p[2])
{
	char e_app[16 + IPC_APP_LEN], e_ver[16 + IPC_VER_LEN], e_stg[16 + PATH_MAX];
	char path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin", prog[] = "./install.sh";
	char *argv[] = { prog, NULL }, *envp[] = { path, e_app, e_ver, e_stg, NULL };
	sigset_t none;
	int nfd;
	char go;

	snprintf(e_app, sizeof(e_app), "GWE_APP=%s", j->app);
	snprintf(e_ver, sizeof(e_ver), "GWE_VERSION=%s", j->version);
	snprintf(e_stg, sizeof(e_stg), "GWE_STAGING=%s", j->staging);
	/* Undo what the daemon set for itself. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	umask(022);
	/* Run only once the parent has recorded our group: no byte, it died first. */
	if (setsid() == -1 || close(p[0]) == -1 || read(p[1], &go, 1) != 1 ||
	    chdir(j->staging) == -1 || (nfd = open("/dev/null", O_RDONLY)) == -1 ||
	    dup2(nfd, 0) == -1 || dup2(p[1], 1) == -1 || dup2(p[1], 2) == -1)
		_exit(126);
	close_range(3, ~0U, 0);
	execve(prog, argv, envp);
	dprintf(2, "gwe: cannot run install.sh: %s\n", strerror(errno));
	_exit(127);
}

/* Read once: keep what fits under the cap, count all.  -1 at EOF or nothing. */
static int
capture(int *fd, struct ipc_result *res, size_t cap)
{
	char buf[16384];
	ssize_t r = read(*fd, buf, sizeof(buf));
	size_t keep = cap - res->output_len;

	if (r == 0 || (r == -1 && errno != EAGAIN)) {
		close(*fd);
		*fd = -1;
	}
	if (r <= 0)
		return -1;
	if ((size_t)r < keep)
		keep = (size_t)r;
	memcpy(res->output + res->output_len, buf, keep);
	res->output_len += (uint32_t)keep;
	res->output_total += (uint64_t)r;
	return 0;
}

/* Capture until install.sh exits; on time-out SIGTERM, then SIGKILL, the group. */
static int
wait_exit(int *fd, int pidfd, pid_t pgid, struct ipc_result *res, size_t cap,
    uint64_t timeout_ms)
{
	struct pollfd p[2] = { { .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
	uint64_t deadline = now_ms() + timeout_ms, t;
	siginfo_t si = { 0 };
	int killed = 0;

	for (;;) {
		if ((t = now_ms()) >= deadline) {
			kill(-pgid, killed ? SIGKILL : SIGTERM);
			deadline = t + GRACE_MS;
			killed = 1;
			continue;
		}
		p[0].fd = *fd;
		/* Without a pidfd (Linux < 5.3, valgrind), waitid() every 100 ms. */
		t = pidfd == -1 && deadline - t > 100 ? 100 : deadline - t;
		if (poll(p, 2, (int)t) == -1 && errno != EINTR)
			fatal("poll");
		if (*fd != -1 && p[0].revents != 0)
			capture(fd, res, cap);
		/* WNOWAIT: unreaped, install.sh keeps its group id ours to kill. */
		if (pidfd != -1 ? (p[1].revents & POLLIN) != 0 : waitid(P_PID, (id_t)pgid,
		    &si, WEXITED | WNOHANG | WNOWAIT) == -1 || si.si_pid != 0)
			return killed;
	}
}

int
ins_run(struct ins_ctx *ctx, struct ins_job *j, struct ipc_result *res)
{
	uint64_t t0 = now_ms();
	int p[2], pidfd, st, killed, i, rc = 0;
	pid_t pid;

	res->output_len = 0;
	res->output_total = 0;
	/* A socket pair, not a pipe: the child also reads the go-ahead on it. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0)
		child(j, p);
	close(p[1]);
	/* Record the group before install.sh runs, for the recovery after a crash. */
	j->pgid = (uint64_t)pid;
	if (ins_proc_start(pid, &j->start) == -1 || ins_marker(ctx, j) == -1 ||
	    write(p[0], "", 1) != 1) {	/* the go-ahead */
		log_warn("install.sh not run: cannot record its group pid=%d", (int)pid);
		kill(pid, SIGKILL);
		rc = -2;
	}
	if (((pidfd = pidfd_open(pid, 0)) == -1 && errno != ENOSYS) ||
	    fcntl(p[0], F_SETFL, O_NONBLOCK) == -1)
		fatal("pidfd_open or fcntl");
	killed = wait_exit(&p[0], pidfd, pid, res, ctx->cfg.limits.output_cap,
	    ctx->cfg.limits.install_timeout * 1000);
	/* A zombie until waitpid, install.sh keeps its group id ours to kill. */
	kill(-pid, SIGKILL);
	if (waitpid(pid, &st, 0) == -1)
		fatal("waitpid");
	for (i = 0; i < DRAIN_READS && p[0] != -1 &&
	    capture(&p[0], res, ctx->cfg.limits.output_cap) == 0; i++)
		;
	if (p[0] != -1)
		close(p[0]);
	if (pidfd != -1)
		close(pidfd);
	res->duration_ms = now_ms() - t0;
	res->finished_at = (uint64_t)time(NULL);
	res->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	res->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	res->status = res->exit_code == 0 && !killed ? IPC_ST_INSTALLED : IPC_ST_FAILED;
	res->truncated = res->output_total > res->output_len;
	return rc;
}
