/*
 * Reading a .minisig file and adding one key file (verify/vfy_sig_file.c; not
 * in gwe-installd, which gets its signature over IPC and its keys from keys_dir).
 */
#ifndef GWE_VFY_SIG_FILE_H
#define GWE_VFY_SIG_FILE_H

#include <stddef.h>

#include "vfy_sig.h"

/*
 * Read path (a regular file of at most max bytes, and less than bufsize)
 * into buf, NUL-terminated.  -1 with err "PATH: ..." and errno: ENOENT
 * missing, EFBIG too large (err "PATH: larger than N bytes"), else I/O.
 */
int	vfy_sig_read_file(const char *path, size_t max, char *buf, size_t bufsize,
	    size_t *len, char *err, size_t errlen);
/* Add one public key file (vfy_keyring_add_at() from the current directory). */
int	vfy_keyring_add_file(struct vfy_keyring *kr, const char *path,
	    char *reason, size_t reasonlen);

#endif
