/* Runs as root: compiled into gwe-installd (docs/trusted-surface.md). */
#include <sys/stat.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

static void
usage(FILE *fp, const char *prog, const char *extra, int allow_once)
{
	fprintf(fp, "usage: %s [-dFhV] [-f config]%s\n"
	    "  -f FILE     configuration file (default %s)\n"
	    "  -F          stay in the foreground and log to stderr too\n"
	    "  -d          log at debug level\n"
	    "%s"
	    "  -h, --help  this text\n"
	    "  -V, --version\n",
	    prog, allow_once ? " [--once]" : "", GWE_CONF_DEFAULT,
	    allow_once ? "  --once      run one check-in and exit (0: it reached the platform)\n" : "");
	if (extra != NULL)
		fprintf(fp, "%s", extra);
}

void
daemon_args(int argc, char **argv, const char *prog, const char *usage_extra,
    int allow_once, struct daemon_opts *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "once", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	daemon_close_fds();
	memset(o, 0, sizeof(*o));
	o->conf = GWE_CONF_DEFAULT;
	while ((ch = getopt_long(argc, argv, "f:FdhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			o->conf = optarg;
			break;
		case 'F':
			o->foreground = 1;
			break;
		case 'd':
			o->debug = 1;
			break;
		case 'h':
			usage(stdout, prog, usage_extra, allow_once);
			exit(0);
		case 'V':
			printf("%s %s\n", prog, GWE_VERSION);
			exit(0);
		case 'o':
			if (allow_once) {
				o->once = 1;
				break;
			}
			/* FALLTHROUGH */
		default:
			usage(stderr, prog, usage_extra, allow_once);
			exit(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		usage(stderr, prog, usage_extra, allow_once);
		exit(2);
	}
}

void
daemon_config(const struct daemon_opts *o, struct gwe_config *cfg)
{
	char err[CONF_ERR_MAX];

	config_defaults(cfg);
	if (config_load(o->conf, cfg, err, sizeof(err)) == -1)
		fatalx("configuration error: %s", err);
	if (o->debug)
		cfg->debug_level = LOG_LVL_DEBUG;
	log_setlevel(cfg->debug_level);
}

void
daemon_user(const char *what, const char *spec, uid_t *uid, gid_t *gid)
{
	char err[CONF_ERR_MAX];

	if (config_user(spec, uid, gid, err, sizeof(err)) == -1)
		fatalx("[security] %s: %s", what, err);
}

/* Another user able to write in a shared dir could swap a socket or a record. */
int
daemon_dir_safe(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0 &&
	    (st.st_mode & 022) == 0)
		return 0;
	snprintf(err, errlen, "not a directory only root can write dir=%s", dir);
	return -1;
}

/* An inherited fd (to /, say) would reach past any chroot. */
void
daemon_close_fds(void)
{
	long fd, max = sysconf(_SC_OPEN_MAX);

	if (close_range(3, ~0U, 0) == -1)	/* ENOSYS before Linux 5.9 */
		for (fd = 3; fd < (max > 0 ? max : 1024); fd++)
			close((int)fd);
}
