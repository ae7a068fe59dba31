/* Writes one valid encoded message per type into DIR: the seed corpus for fuzz_ipc. */
#include <stdio.h>
#include <string.h>

#include "../../ipc/ipc.h"

int
main(int argc, char **argv)
{
	static struct ipc_msg m;
	static uint8_t buf[IPC_MSG_MAX + 1];
	char path[4096], err[256];
	uint16_t t;
	ssize_t n;
	FILE *fp;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_ipc_seeds DIR\n");
		return 2;
	}
	for (t = 1; t < IPC_TYPE_MAX; t++) {
		const struct ipc_def *d = ipc_def(t);

		ipc_init(&m, t, t);
		if (d->has_fd)
			m.fd = 0;
		/* buf[0] is the fuzzer's fd count byte. */
		n = ipc_encode(&m, buf + 1, sizeof(buf) - 1, err, sizeof(err));
		if (n < 0) {
			fprintf(stderr, "%s: %s\n", d->name, err);
			return 1;
		}
		buf[0] = (uint8_t)d->has_fd;
		snprintf(path, sizeof(path), "%s/%s", argv[1], d->name);
		if ((fp = fopen(path, "wb")) == NULL ||
		    fwrite(buf, 1, (size_t)n + 1, fp) != (size_t)n + 1 || fclose(fp) != 0) {
			perror(path);
			return 1;
		}
	}
	return 0;
}
