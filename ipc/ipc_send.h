/*
 * The senders' side of ipc/ (ipc_sender.c, ipc_connect.c, ipc_memfd_copy.c):
 * what gwe-netd, gwe-verifyd and gwe use to build and send messages, and
 * gwe-installd does not link.
 */
#ifndef GWE_IPC_SEND_H
#define GWE_IPC_SEND_H

#include "ipc.h"

/* 0 when every row is a route of ipc_msg.c's table to self; else -1, err names the row. */
int	ipc_handlers_check(const struct ipc_handler *t, size_t n, enum ipc_peer self,
	    char *err, size_t errlen);
/* Copy s into a string field; -1 (untouched) when it does not fit. */
int	ipc_setstr(char *field, size_t width, const char *s);
/*
 * Connect to path as euid/egid (a root caller switches its effective ids
 * around connect() and back).  The fd, or -1 (errno set).
 */
int	ipc_connect_as(const char *path, uid_t euid, gid_t egid);

int	ipc_memfd_create(const char *name);	/* sealable, close-on-exec */
int	ipc_memfd_seal(int fd);			/* all four seals */
/* pread exactly len bytes at off (retrying short reads); 0 or -1. */
int	ipc_pread_full(int fd, void *buf, size_t len, uint64_t off);
/*
 * A new sealed memfd with size bytes of srcfd from offset 0 (its offset
 * untouched); -1 with err and errno (EIO: shorter).  Tries copy_file_range(2)
 * first: a seccomp filter must answer it with an errno, not kill.
 */
int	ipc_memfd_copy(int srcfd, uint64_t size, const char *name, char *err, size_t errlen);

#endif
