/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * Unix-domain SOCK_SEQPACKET transport: one message is one record, so a
 * short or long read is visible as such.  fds travel with SCM_RIGHTS;
 * a truncated control message or record is fatal for the connection and
 * every fd that arrived where it does not belong is closed here.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "ipc.h"

#define IPC_MAX_FDS	4	/* room to notice a sender passing too many */

int
ipc_sockaddr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* NOLINTNEXTLINE(clang-analyzer-security.insecureAPI.strcpy): length checked just above */
	strcpy(sun->sun_path, path);
	return 0;
}

int
ipc_listen(const char *path, mode_t mode, uid_t owner, gid_t group, char *err,
    size_t errlen)
{
	struct sockaddr_un sun;
	mode_t old;
	int fd;

	if (ipc_sockaddr(path, &sun) == -1)
		return gwe_errf(err, errlen, "%s: path too long", path);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1)
		return gwe_errf(err, errlen, "socket: %s", strerror(errno));
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "unlink %s: %s", path, strerror(errno));
		goto fail;
	}
	/* Create the socket file with no access, then set the real mode. */
	old = umask(0777);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		snprintf(err, errlen, "bind %s: %s", path, strerror(errno));
		goto fail;
	}
	umask(old);
	if (chmod(path, mode) == -1 || chown(path, owner, group) == -1) {
		snprintf(err, errlen, "chown/chmod %s: %s", path, strerror(errno));
		goto fail;
	}
	if (listen(fd, 8) == -1) {
		snprintf(err, errlen, "listen %s: %s", path, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int
ipc_peer_check(int fd, uid_t want_uid, uid_t *got_uid, pid_t *got_pid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
	    len != sizeof(cred)) {
		*got_uid = (uid_t)-1;
		*got_pid = -1;
		return -1;
	}
	*got_uid = cred.uid;
	*got_pid = cred.pid;
	return cred.uid == want_uid ? 0 : -1;
}

int
ipc_accept(int lfd, uid_t want_uid, pid_t *peer_pid, int *refused)
{
	uid_t uid;
	pid_t pid;
	int fd;

	*refused = 0;
	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return -1;
	if (ipc_peer_check(fd, want_uid, &uid, &pid) == -1) {
		log_warnx("connection refused peer_uid=%d peer_pid=%d want_uid=%u",
		    (int)uid, (int)pid, (unsigned)want_uid);
		close(fd);
		*refused = 1;
		return -1;
	}
	if (peer_pid != NULL)
		*peer_pid = pid;
	return fd;
}

int
ipc_send(int fd, const struct ipc_msg *m)
{
	static uint8_t buf[IPC_MSG_MAX];
	char cbuf[CMSG_SPACE(sizeof(int))];
	char err[256];
	struct msghdr msg;
	struct cmsghdr *cm;
	struct iovec iov;
	ssize_t len, n;

	if ((len = ipc_encode(m, buf, sizeof(buf), err, sizeof(err))) == -1) {
		log_warnx("ipc send refused type=%s reason=\"%s\"",
		    ipc_type_name(m->hdr.type), err);
		errno = EINVAL;
		return -1;
	}
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = (size_t)len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (m->fd >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &m->fd, sizeof(int));
	}
	do
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if (n != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/* Collect the fds of every SCM_RIGHTS message; returns how many. */
static int
collect_fds(struct msghdr *msg, int *fds, int max, int *stray)
{
	struct cmsghdr *cm;
	int n = 0, i, k, fd;

	*stray = 0;
	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) {
			*stray = 1;
			continue;
		}
		k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < k; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (n < max)
				fds[n] = fd;
			else
				close(fd);
			n++;
		}
	}
	return n;
}

static void
close_fds(int *fds, int n, int max)
{
	int i;

	for (i = 0; i < n && i < max; i++)
		close(fds[i]);
}

static int
wait_readable(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int rc;

	do
		rc = poll(&pfd, 1, timeout_ms);
	while (rc == -1 && errno == EINTR);
	return rc;
}

int
ipc_recv(int fd, struct ipc_msg *m, int timeout_ms, char *err, size_t errlen)
{
	/* One more byte than the largest message, so an over-long one shows. */
	static uint8_t buf[IPC_MSG_MAX + 1];
	union {
		char buf[CMSG_SPACE(IPC_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	int fds[IPC_MAX_FDS];
	struct msghdr msg;
	struct iovec iov;
	ssize_t n;
	int rc, nfds, stray;

	m->fd = -1;
	if ((rc = wait_readable(fd, timeout_ms)) == 0)
		return -2;
	if (rc == -1)
		return gwe_errf(err, errlen, "poll: %s", strerror(errno));
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	do
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return gwe_errf(err, errlen, "recvmsg: %s", strerror(errno));
	nfds = collect_fds(&msg, fds, IPC_MAX_FDS, &stray);
	if (n == 0 && nfds == 0)
		return 0;
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		close_fds(fds, nfds, IPC_MAX_FDS);
		return gwe_errf(err, errlen, "message %s truncated",
		    (msg.msg_flags & MSG_CTRUNC) ? "control data" : "body");
	}
	if (stray) {
		close_fds(fds, nfds, IPC_MAX_FDS);
		return gwe_errf(err, errlen, "unexpected control message");
	}
	if (ipc_decode(buf, (size_t)n, nfds, m, err, errlen) == -1) {
		close_fds(fds, nfds, IPC_MAX_FDS);
		return -1;
	}
	if (nfds == 1)
		m->fd = fds[0];
	return 1;
}

int
ipc_recv_from(int fd, enum ipc_peer self, enum ipc_peer from, struct ipc_msg *m,
    int timeout_ms, char *err, size_t errlen)
{
	int rc;

	if ((rc = ipc_recv(fd, m, timeout_ms, err, errlen)) != 1)
		return rc;
	if (!ipc_route_ok(m->hdr.type, from, self)) {
		snprintf(err, errlen, "%s may not be sent by %s to %s",
		    ipc_type_name(m->hdr.type), ipc_peer_name(from),
		    ipc_peer_name(self));
		if (m->fd >= 0) {
			close(m->fd);
			m->fd = -1;
		}
		return -1;
	}
	return 1;
}
