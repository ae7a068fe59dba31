/*
 * ins_client: a test client for gwe-installd's socket, playing the
 * verifier's part.
 *
 *   ins_client -s SOCK -u UID -g GID [options] install TARBALL [MINISIG]
 *   ins_client -s SOCK -u UID -g GID [--no-ack] unacked
 *   ins_client -s SOCK -u UID -g GID apps
 *   ins_client -s SOCK -u UID -g GID ack JOB
 *
 * install: copy TARBALL into a memfd (sealed unless --unsealed), send
 * INSTALL_REQ, print the RESULT and ACK it (unless --no-ack).
 * unacked: send UNACKED_QUERY and print every RESULT that comes within
 * --wait ms of the previous one.  apps: APPS_QUERY, print the entries.
 * ack: send one ACK (the installer answers nothing).
 * Results print as key=value lines, then "output:" and the raw output,
 * then "--- end".  Exit 0 when an answer came, 1 otherwise, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/util.h"
#include "../../verify/vfy_name.h"
#include "../../verify/vfy_sig.h"
#include "../../ipc/ipc.h"
#include "../../ipc/ipc_send.h"

static struct ipc_msg msg;

struct opts {
	const char *sock, *name, *app, *version;
	uid_t	 uid;
	gid_t	 gid;
	int	 unsealed, wrong_digest, no_ack, wait_ms;
	uint64_t job;
	uint32_t origin;
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: ins_client -s SOCK -u UID -g GID [--unsealed] "
	    "[--wrong-digest] [--no-ack] [--job N] [--origin N] [--name N] "
	    "[--app A] [--version V] [--wait MS] install TARBALL [MINISIG] | "
	    "unacked | apps | ack JOB\n");
	exit(2);
}

static void __attribute__((noreturn))
die(const char *what)
{
	fprintf(stderr, "ins_client: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The tarball in a memfd, written with pwrite, sealed unless asked not to. */
static int
tarball_fd(const char *path, int seal, uint64_t *size)
{
	char buf[65536];
	ssize_t n;
	int in, fd;

	*size = 0;
	if ((in = open(path, O_RDONLY)) == -1)
		die(path);
	if ((fd = ipc_memfd_create("ins_client")) == -1)
		die("memfd_create");
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (pwrite(fd, buf, (size_t)n, (off_t)*size) != n)
			die("pwrite");
		*size += (uint64_t)n;
	}
	if (n == -1)
		die(path);
	close(in);
	if (seal && ipc_memfd_seal(fd) == -1)
		die("seal");
	return fd;
}

static void
print_result(const struct ipc_result *r)
{
	printf("job=%llu\norigin=%u\nstatus=%s\nexit_code=%d\nsignal=%d\n"
	    "truncated=%u\noutput_total=%llu\nduration_ms=%llu\nfinished_at=%llu\n"
	    "name=%s\noutput_len=%u\noutput:\n", (unsigned long long)r->job,
	    r->origin, ipc_status_name(r->status), (int)r->exit_code, (int)r->signal, r->truncated,
	    (unsigned long long)r->output_total, (unsigned long long)r->duration_ms,
	    (unsigned long long)r->finished_at, r->name, r->output_len);
	fwrite(r->output, 1, r->output_len, stdout);
	if (r->output_len > 0 && r->output[r->output_len - 1] != '\n')
		putchar('\n');
	printf("--- end\n");
	fflush(stdout);
}

static int
recv_one(int fd, int timeout_ms)
{
	char err[256];
	int rc;

	rc = ipc_recv_from(fd, PEER_VERIFYD, PEER_INSTALLD, &msg, timeout_ms,
	    err, sizeof(err));
	if (rc == -1)
		fprintf(stderr, "ins_client: %s\n", err);
	return rc;
}

static void
send_or_die(int fd, struct ipc_msg *m)
{
	if (ipc_send(fd, m) == -1)
		die("send");
}

static void
ack(int fd, uint64_t job)
{
	static struct ipc_msg a;

	ipc_init(&a, IPC_ACK, 3);
	a.u.ack.job = job;
	send_or_die(fd, &a);
}

static int
cmd_install(int fd, const struct opts *o, int argc, char **argv)
{
	static struct ipc_msg m;
	struct ipc_install_req *r = &m.u.install;
	char app[VFY_APP_MAX + 1] = "", ver[VFY_VERSION_MAX + 1] = "", why[256];
	char *sig = NULL, *copy;
	size_t siglen = 0;

	if (argc < 1 || argc > 2)
		usage();
	ipc_init(&m, IPC_INSTALL_REQ, 1);
	m.fd = tarball_fd(argv[0], !o->unsealed, &r->size);
	copy = strdup(argv[0]);
	if (ipc_setstr(r->name, sizeof(r->name), o->name ? o->name : basename(copy)) == -1)
		usage();
	free(copy);
	(void)vfy_name_parse(r->name, app, ver, why, sizeof(why));
	if (ipc_setstr(r->app, sizeof(r->app), o->app ? o->app : app) == -1 ||
	    ipc_setstr(r->version, sizeof(r->version), o->version ? o->version : ver) == -1)
		usage();
	if (vfy_digest_fd(m.fd, r->size, r->digest) == -1)
		die("digest");
	if (o->wrong_digest)
		r->digest[0] ^= 1;
	if (argc == 2) {
		if (gwe_read_file(argv[1], IPC_SIG_MAX, &sig, &siglen) == -1)
			die(argv[1]);
		memcpy(r->sig, sig, siglen);
		r->sig_len = (uint32_t)siglen;
		free(sig);
	}
	r->job = o->job;
	r->origin = o->origin;
	send_or_die(fd, &m);
	if (recv_one(fd, -1) != 1 || msg.hdr.type != IPC_RESULT)
		return 1;
	print_result(&msg.u.result);
	if (!o->no_ack)
		ack(fd, msg.u.result.job);
	return 0;
}

static int
cmd_unacked(int fd, const struct opts *o)
{
	static struct ipc_msg q;
	int n = 0;

	ipc_init(&q, IPC_UNACKED_QUERY, 2);
	send_or_die(fd, &q);
	while (recv_one(fd, o->wait_ms) == 1 && msg.hdr.type == IPC_RESULT) {
		print_result(&msg.u.result);
		if (!o->no_ack)
			ack(fd, msg.u.result.job);
		n++;
	}
	printf("count=%d\n", n);
	return 0;
}

static int
cmd_apps(int fd)
{
	static struct ipc_msg q;

	ipc_init(&q, IPC_APPS_QUERY, 4);
	send_or_die(fd, &q);
	while (recv_one(fd, 5000) == 1) {
		if (msg.hdr.type == IPC_APPS_END) {
			printf("count=%u\n", msg.u.apps_end.count);
			return 0;
		}
		if (msg.hdr.type != IPC_APP_ENTRY)
			break;
		printf("app=%s version=%s status=%s exit=%d installed_at=%llu\n",
		    msg.u.app.app, msg.u.app.version, ipc_status_name(msg.u.app.status),
		    (int)msg.u.app.exit_code, (unsigned long long)msg.u.app.installed_at);
	}
	return 1;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "unsealed", no_argument, NULL, 'U' },
		{ "wrong-digest", no_argument, NULL, 'W' },
		{ "no-ack", no_argument, NULL, 'N' },
		{ "job", required_argument, NULL, 'j' },
		{ "origin", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'n' },
		{ "app", required_argument, NULL, 'a' },
		{ "version", required_argument, NULL, 'v' },
		{ "wait", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { .job = 1, .origin = IPC_ORIGIN_OTA, .wait_ms = 1500 };
	int ch, fd, have_u = 0;

	while ((ch = getopt_long(argc, argv, "s:u:g:", lo, NULL)) != -1) {
		switch (ch) {
		case 's': o.sock = optarg; break;
		case 'u': o.uid = (uid_t)strtoul(optarg, NULL, 10); have_u = 1; break;
		case 'g': o.gid = (gid_t)strtoul(optarg, NULL, 10); break;
		case 'U': o.unsealed = 1; break;
		case 'W': o.wrong_digest = 1; break;
		case 'N': o.no_ack = 1; break;
		case 'j': o.job = strtoull(optarg, NULL, 10); break;
		case 'o': o.origin = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'n': o.name = optarg; break;
		case 'a': o.app = optarg; break;
		case 'v': o.version = optarg; break;
		case 'w': o.wait_ms = atoi(optarg); break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (o.sock == NULL || !have_u || argc < 1)
		usage();
	if ((fd = ipc_connect_as(o.sock, o.uid, o.gid ? o.gid : (gid_t)o.uid)) == -1)
		die(o.sock);
	if (strcmp(argv[0], "install") == 0)
		return cmd_install(fd, &o, argc - 1, argv + 1);
	if (strcmp(argv[0], "unacked") == 0)
		return cmd_unacked(fd, &o);
	if (strcmp(argv[0], "apps") == 0)
		return cmd_apps(fd);
	if (strcmp(argv[0], "ack") == 0 && argc == 2) {
		ack(fd, strtoull(argv[1], NULL, 10));
		return 0;
	}
	usage();
}
