/*
 * gwe: the operator's command line (DESIGN section 9).  This file only
 * parses flags and dispatches; each job lives in a cli_*.c of its own.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../common/config.h"
#include "../../common/log.h"
#include "cli_check.h"

enum { OPT_SIG = 256, OPT_PUBKEY };

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: gwe [-f config] -z FILE [--sig SIGFILE] [--pubkey KEYFILE]\n"
	    "       gwe -h | -V\n"
	    "  -f FILE                 configuration file (default %s)\n"
	    "  -z, --check-tarball FILE\n"
	    "                          run the verifier's checks on FILE in its sandbox;\n"
	    "                          exit 0 accepted, 1 refused, 2 usage or I/O error\n"
	    "      --sig SIGFILE       the signature (default FILE.minisig)\n"
	    "      --pubkey KEYFILE    trust only this key (default: every *.pub in keys_dir)\n"
	    "  -h, --help              this text\n"
	    "  -V, -v, --version       print the version\n",
	    GWE_CONF_DEFAULT);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "check-tarball", required_argument, NULL, 'z' },
		{ "sig", required_argument, NULL, OPT_SIG },
		{ "pubkey", required_argument, NULL, OPT_PUBKEY },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_check_opts chk = { GWE_CONF_DEFAULT, 0, NULL, NULL, NULL };
	int ch;

	log_init("gwe", 1, LOG_LVL_WARN);
	while ((ch = getopt_long(argc, argv, "f:hVvz:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			chk.conf = optarg;
			chk.conf_given = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
		case 'v':	/* Gateway Engine's spelling */
			printf("gwe %s\n", GWE_VERSION);
			return 0;
		case 'z':
			chk.file = optarg;
			break;
		case OPT_SIG:
			chk.sig = optarg;
			break;
		case OPT_PUBKEY:
			chk.pubkey = optarg;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "gwe: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (chk.file == NULL) {
		if (chk.sig != NULL || chk.pubkey != NULL)
			fprintf(stderr, "gwe: --sig and --pubkey go with --check-tarball\n");
		usage(stderr);
		return 2;
	}
	return cli_check_tarball(&chk);
}
