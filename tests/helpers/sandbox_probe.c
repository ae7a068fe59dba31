/*
 * sandbox_probe UID ROOTDIR ACTION: enter the verifier's sandbox (the very
 * function gwe-verifyd calls) as UID, then try ACTION:
 *   socket  socket(AF_INET, SOCK_STREAM)   expected: killed by SIGSYS
 *   execve  execve("/bin/true")            expected: killed by SIGSYS
 *   openw   open a file for writing        expected: killed by SIGSYS
 *   ok      nothing                        expected: exit 0
 *   overflow  a heap overflow, only in sanitizer builds: the sanitizer's
 *           report must get out through the filter (exit 1, not SIGSYS);
 *           exit 4 when not built with AddressSanitizer
 * Exit 3 means the action ran and was not stopped; 2 is a usage or setup error.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/util.h"
#include "../../verify/vfy_sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define PROBE_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PROBE_ASAN	1
#endif
#endif

static int
overflow(void)
{
#ifdef PROBE_ASAN
	volatile size_t i = 16;
	char *p = malloc(8);

	p[i] = 1;	/* the sanitizer stops us here */
	free(p);
	return 3;
#else
	return 4;
#endif
}

int
main(int argc, char **argv)
{
	char err[512];
	char *const args[] = { "/bin/true", NULL };
	uint64_t uid;
	int fd;

	if (argc != 4 || gwe_parse_u64(argv[1], 1, 0x7fffffff, &uid) == -1) {
		fprintf(stderr, "usage: sandbox_probe UID ROOTDIR socket|execve|openw|overflow|ok\n");
		return 2;
	}
	log_init("sandbox_probe", 1, LOG_LVL_INFO);
	if (vfy_sandbox_apply((uid_t)uid, (gid_t)uid, argv[2], err, sizeof(err)) == -1) {
		fprintf(stderr, "sandbox_probe: %s\n", err);
		return 2;
	}
	if (strcmp(argv[3], "ok") == 0)
		return 0;
	if (strcmp(argv[3], "socket") == 0) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		fprintf(stderr, "sandbox_probe: socket returned %d\n", fd);
		return 3;
	}
	if (strcmp(argv[3], "execve") == 0) {
		execve(args[0], args, NULL);
		perror("sandbox_probe: execve");
		return 3;
	}
	if (strcmp(argv[3], "openw") == 0) {
		fd = open("/probe", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		fprintf(stderr, "sandbox_probe: open for writing returned %d\n", fd);
		return 3;
	}
	if (strcmp(argv[3], "overflow") == 0)
		return overflow();
	fprintf(stderr, "sandbox_probe: unknown action %s\n", argv[3]);
	return 2;
}
