/*
 * libFuzzer target for the message decoder.  The first input byte says
 * how many fds "arrived" (0-3); the rest is the record.  Whatever decodes
 * must encode back to exactly the same bytes: the decoder accepts only
 * canonical messages.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../ipc/ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ipc_msg m;
	static uint8_t out[IPC_MSG_MAX];
	char err[256];
	uint8_t *copy;
	ssize_t n;
	int nfds;

	if (size < 1)
		return 0;
	nfds = data[0] & 3;
	/* An exact-size heap copy, so ASan sees any read past the end. */
	if ((copy = malloc(size - 1 ? size - 1 : 1)) == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (ipc_decode(copy, size - 1, nfds, &m, err, sizeof(err)) == 0) {
		if (m.hdr.flags & IPC_F_FD)
			m.fd = 0;
		n = ipc_encode(&m, out, sizeof(out), err, sizeof(err));
		if (n != (ssize_t)(size - 1) || memcmp(out, copy, size - 1) != 0)
			abort();
	}
	free(copy);
	return 0;
}
