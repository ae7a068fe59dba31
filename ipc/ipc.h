/*
 * Runs as root: compiled into gwe-installd (docs/trusted-surface.md).
 * The wire protocol between gwe's processes (docs/design.md invariant 4).
 *
 * Every message is one SOCK_SEQPACKET record: a 16-byte header and a
 * payload whose length is exact for its type (or, for the few types that
 * end in one variable field, exactly the fixed part plus that field's
 * stated length, below a fixed maximum).  All integers are little-endian;
 * strings sit in fixed-width fields, NUL-terminated and zero-padded.
 * Nothing on the wire is a pointer, a size_t or padding.
 *
 * The table in ipc_msg.c is the one description of every message: the
 * codec walks it, the route check reads it, and docs/protocol.md is
 * generated from it.
 */
#ifndef GWE_IPC_H
#define GWE_IPC_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define IPC_VERSION		1
#define IPC_HDR_LEN		16

#define IPC_NAME_LEN		128	/* tarball name, NUL-padded */
#define IPC_APP_LEN		72
#define IPC_VER_LEN		40
#define IPC_DIGEST_LEN		64	/* BLAKE2b-512 */
#define IPC_TEXT_LEN		256	/* reasons, error messages */
#define IPC_SIG_MAX		16384	/* .minisig text */
#define IPC_OUTPUT_MAX		65536	/* install.sh output, or a refusal line */
#define IPC_STATUS_MAX		4096	/* last fetch_status text in a status answer */

/* Flags in the header. */
#define IPC_F_FD		0x00000001	/* one fd rides with this message */
#define IPC_F_ALL		IPC_F_FD

/* Who is talking. */
enum ipc_peer {
	PEER_CLI = 0,
	PEER_NETD = 1,
	PEER_VERIFYD = 2,
	PEER_INSTALLD = 3,
	PEER_COUNT
};

enum ipc_type {
	IPC_VERIFY_REQ = 1,
	IPC_INSTALL_REQ,
	IPC_RESULT,
	IPC_ACK,
	IPC_UNACKED_QUERY,
	IPC_APPS_QUERY,
	IPC_APP_ENTRY,
	IPC_APPS_END,
	IPC_CTL_STATUS,
	IPC_CTL_STATUS_ANSWER,
	IPC_CTL_CHECKIN,
	IPC_CTL_INSTALL,
	IPC_CTL_DONE,
	IPC_ERROR,
	IPC_TYPE_MAX		/* one past the last */
};

/* Where a job came from. */
#define IPC_ORIGIN_OTA		1	/* an engine_fetch order */
#define IPC_ORIGIN_LOCAL	2	/* gwe --install-apps */

/* Result status. */
#define IPC_ST_INSTALLED	1	/* install.sh exited 0 */
#define IPC_ST_FAILED		2	/* install.sh ran and failed, or was killed */
#define IPC_ST_REFUSED		3	/* a check refused it before install.sh */
#define IPC_ST_INTERRUPTED	4	/* cut short by a crash or restart */
#define IPC_ST_ERROR		5	/* could not be tried (I/O, download, ...) */
#define IPC_ST_MAX		5

struct ipc_hdr {
	uint16_t version;
	uint16_t type;
	uint32_t flags;
	uint32_t len;		/* payload bytes after the header */
	uint32_t seq;		/* echoed in the answer */
};

struct ipc_verify_req {
	uint64_t job;
	uint64_t size;
	uint32_t origin;
	char	 name[IPC_NAME_LEN];
	uint32_t sig_len;
	char	 sig[IPC_SIG_MAX];
};

struct ipc_install_req {
	uint64_t job;
	uint64_t size;
	uint32_t origin;
	char	 name[IPC_NAME_LEN];
	char	 app[IPC_APP_LEN];
	char	 version[IPC_VER_LEN];
	uint8_t	 digest[IPC_DIGEST_LEN];
	uint32_t sig_len;
	char	 sig[IPC_SIG_MAX];
};

struct ipc_result {
	uint64_t job;
	uint32_t origin;
	uint32_t status;	/* IPC_ST_* */
	int32_t	 exit_code;	/* install.sh's, or -1 */
	int32_t	 signal;	/* the signal that ended it, or 0 */
	uint32_t truncated;	/* 1 when output was cut at output_cap */
	uint64_t output_total;	/* bytes install.sh wrote in all */
	uint64_t duration_ms;
	uint64_t finished_at;	/* Unix seconds */
	char	 name[IPC_NAME_LEN];
	uint32_t output_len;
	char	 output[IPC_OUTPUT_MAX];
};

struct ipc_ack {
	uint64_t job;
};

struct ipc_app_entry {
	uint64_t installed_at;	/* Unix seconds the install finished */
	uint32_t status;	/* IPC_ST_* of the last install */
	int32_t	 exit_code;
	char	 app[IPC_APP_LEN];
	char	 version[IPC_VER_LEN];
	uint8_t	 digest[IPC_DIGEST_LEN];
};

struct ipc_apps_end {
	uint32_t count;
};

struct ipc_status_answer {
	uint64_t last_checkin;	/* Unix seconds of the last attempt, 0 never */
	uint64_t last_ok;	/* of the last successful one */
	uint64_t next_checkin;
	uint64_t update_interval;
	uint32_t queued;	/* results waiting for fetch_status */
	uint32_t verifyd_up;
	char	 last_error[IPC_TEXT_LEN];
	uint32_t fetch_status_len;
	char	 fetch_status[IPC_STATUS_MAX];
};

struct ipc_ctl_install {
	uint64_t size;
	char	 name[IPC_NAME_LEN];
	uint32_t sig_len;
	char	 sig[IPC_SIG_MAX];
};

struct ipc_ctl_done {
	uint32_t ok;
	char	 message[IPC_TEXT_LEN];
};

struct ipc_error {
	uint32_t code;
	char	 message[IPC_TEXT_LEN];
};

/* Error codes in IPC_ERROR. */
#define IPC_E_PROTOCOL		1
#define IPC_E_BUSY		2
#define IPC_E_UNAVAILABLE	3
#define IPC_E_REFUSED		4

struct ipc_msg {
	struct ipc_hdr hdr;
	int	fd;		/* -1 unless the type carries one */
	union {
		struct ipc_verify_req	verify;
		struct ipc_install_req	install;
		struct ipc_result	result;
		struct ipc_ack		ack;
		struct ipc_app_entry	app;
		struct ipc_apps_end	apps_end;
		struct ipc_status_answer status;
		struct ipc_ctl_install	ctl_install;
		struct ipc_ctl_done	done;
		struct ipc_error	error;
	} u;
};

/* ---- the message table (ipc_msg.c) -------------------------------------- */

enum ipc_kind {
	IK_U32,
	IK_I32,
	IK_U64,
	IK_STR,		/* fixed width, NUL-terminated, zero-padded */
	IK_BYTES,	/* fixed width, any bytes */
	IK_VAR,		/* u32 length then that many bytes (<= width); always last */
};

struct ipc_field {
	const char	*name;
	enum ipc_kind	 kind;
	uint32_t	 width;		/* wire bytes (IK_VAR: the maximum) */
	size_t		 off;		/* in the C struct */
	size_t		 len_off;	/* IK_VAR: offset of the uint32_t length */
	const char	*what;
};

#define IPC_ROUTE(from, to)	(1u << ((from) * PEER_COUNT + (to)))

struct ipc_def {
	uint16_t		 type;
	const char		*name;
	int			 has_fd;	/* exactly one fd, or none */
	uint32_t		 fixed_len;	/* payload bytes without the variable field */
	uint32_t		 var_max;	/* 0: the length is exactly fixed_len */
	uint32_t		 routes;	/* IPC_ROUTE()s allowed */
	const struct ipc_field	*fields;
	size_t			 nfields;
	const char		*what;
	const char		*fd_what;
};

/* The definition of a type, or NULL. */
const struct ipc_def *ipc_def(uint16_t type);
const char	*ipc_type_name(uint16_t type);
const char	*ipc_peer_name(enum ipc_peer);
/* May from send this type to to? */
int	ipc_route_ok(uint16_t type, enum ipc_peer from, enum ipc_peer to);

/* "installed", "failed", "refused", "interrupted", "error" for IPC_ST_*; else "unknown". */
const char	*ipc_status_name(uint32_t st);

/*
 * One row of a process's dispatch table: which peer may send which type,
 * and the one function that handles it.  Every table has this shape; a
 * message that matches no row is refused by whoever looks it up.
 */
struct ipc_msg;
struct ipc_handler {
	enum ipc_peer	 from;
	uint16_t	 type;
	int		(*fn)(void *ctx, struct ipc_msg *m);	/* -1: end that connection */
};
/* The row for (from, type), or NULL. */
const struct ipc_handler *ipc_handler_find(const struct ipc_handler *t, size_t n,
	    enum ipc_peer from, uint16_t type);

/* Largest encoded message, header included. */
#define IPC_MSG_MAX	(IPC_HDR_LEN + 4096 + IPC_OUTPUT_MAX)

/* Prepare an empty message of a type (zeroed, fd = -1). */
void	ipc_init(struct ipc_msg *m, uint16_t type, uint32_t seq);
/*
 * Encode m into buf (at least IPC_MSG_MAX bytes).  Returns the length,
 * or -1 when m does not fit its definition (err says why).
 */
ssize_t	ipc_encode(const struct ipc_msg *m, uint8_t *buf, size_t buflen,
	    char *err, size_t errlen);
/*
 * Decode exactly len bytes.  nfds is how many fds arrived with it (the
 * caller closes them on error).  Returns 0 or -1 with the reason in err.
 */
int	ipc_decode(const uint8_t *buf, size_t len, int nfds, struct ipc_msg *m,
	    char *err, size_t errlen);

/* ---- sockets (ipc_sock.c) -------------------------------------------------- */

/* Bind a SOCK_SEQPACKET socket at path with mode, owner and group. */
int	ipc_listen(const char *path, mode_t mode, uid_t owner, gid_t group,
	    char *err, size_t errlen);
/*
 * Accept one connection and check its peer's uid (SO_PEERCRED).  A peer
 * with another uid is logged with its uid and pid and closed; returns -1
 * then, with *refused = 1.
 */
int	ipc_accept(int lfd, uid_t want_uid, pid_t *peer_pid, int *refused);
/* Check a connected socket's peer uid.  Returns 0, or -1 (pid/uid filled). */
int	ipc_peer_check(int fd, uid_t want_uid, uid_t *got_uid, pid_t *got_pid);
/* path into *sun; -1 with ENAMETOOLONG. */
struct sockaddr_un;
int	ipc_sockaddr(const char *path, struct sockaddr_un *sun);
/* Send m (with m->fd when its type carries one).  Returns 0 or -1. */
int	ipc_send(int fd, const struct ipc_msg *m);
/*
 * Receive one message within timeout_ms (-1: wait for ever).  Returns 1
 * with a message, 0 on orderly close, -1 on a protocol error or I/O error
 * (err says which; the connection must be closed), -2 on time-out.  Stray
 * or surplus fds are closed here; m->fd is set only when the type carries one.
 */
int	ipc_recv(int fd, struct ipc_msg *m, int timeout_ms, char *err, size_t errlen);
/* ipc_recv plus the route check: from may send this type to self. */
int	ipc_recv_from(int fd, enum ipc_peer self, enum ipc_peer from,
	    struct ipc_msg *m, int timeout_ms, char *err, size_t errlen);

/* ---- sealed memfds (ipc_memfd.c) ------------------------------------------ */

#define IPC_SEALS_ALL	(F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

/*
 * Trust test for a received fd: all four seals on, a regular file, size
 * equal to want_size (when want_size is not UINT64_MAX).  Returns 0, or -1
 * with the reason in err.
 */
int	ipc_memfd_check(int fd, uint64_t want_size, uint64_t *size,
	    char *err, size_t errlen);

#endif
