/* Reading a .minisig file, adding one key file (verify/vfy_sig_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "vfy_sig_file.h"

int
vfy_sig_read_file(const char *path, size_t max, char *buf, size_t bufsize, size_t *len,
    char *err, size_t errlen)
{
	char *text;
	size_t n;
	int e;

	if (bufsize == 0)
		return errno = EFBIG, gwe_errf(err, errlen, "%s: no room", path);
	if (max > bufsize - 1)
		max = bufsize - 1;
	if (gwe_read_file(path, max, &text, &n) == -1) {
		e = errno;
		if (e == EFBIG)
			gwe_errf(err, errlen, "%s: larger than %zu bytes", path, max);
		else
			gwe_errf(err, errlen, "%s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	memcpy(buf, text, n + 1);
	free(text);
	*len = n;
	return 0;
}

int
vfy_keyring_add_file(struct vfy_keyring *kr, const char *path, char *reason,
    size_t reasonlen)
{
	return vfy_keyring_add_at(kr, AT_FDCWD, path, path, 0, reason, reasonlen);
}
