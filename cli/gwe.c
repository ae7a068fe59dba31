/*
 * gwe: the operator's command line (docs/design.md section 9).  This file only
 * parses flags and dispatches; each job lives in a cli_*.c of its own:
 * cli_conf.c (the --set flags, -C, -g), cli_check.c (-z), cli_ctl.c
 * (status, -o, -I: requests to gwe-netd).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/config.h"
#include "../common/log.h"
#include "../common/util.h"
#include "cli_check.h"
#include "cli_conf.h"
#include "cli_ctl.h"

enum { OPT_SIG = 256, OPT_PUBKEY, OPT_JSON, OPT_TIMEOUT };

/* -c -r -m -P -u -i -l -d -t -a: which key each flag sets. */
static const struct {
	int		 opt;
	const char	*section, *key;
} setters[] = {
	{ 'c', "device", "cik" },
	{ 'r', "device", "vendor" },
	{ 'm', "device", "model" },
	{ 'P', "device", NULL },		/* vendor and model */
	{ 'u', "device", "uuid" },
	{ 'i', "device", "iface" },
	{ 'l', "engine", "act_retry_interval" },
	{ 'd', "engine", "debug_level" },
	{ 't', "engine", "update_interval" },	/* and drops netd's stored one */
	{ 'a', "engine", "user_agent" },
};

/* A --set flag, -C or -g, kept in command-line order. */
struct local_op {
	int		 opt;
	const char	*arg;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: gwe [-f config] status [--json] [--timeout SECS]\n"
	    "       gwe [-f config] -o [--timeout SECS]\n"
	    "       gwe [-f config] -I FILE... [--sig SIGFILE] [--timeout SECS]\n"
	    "       gwe [-f config] -z FILE [--sig SIGFILE] [--pubkey KEYFILE]\n"
	    "       gwe [-f config] [-c CIK] [-r VENDOR] [-m MODEL] [-P PRODUCT] [-u UUID]\n"
	    "           [-i IFACE] [-l SECS] [-d LEVEL] [-t SECS] [-a AGENT] [-C] [-g]\n"
	    "       gwe -h | -v\n"
	    "  -f FILE                 configuration file (default %s)\n"
	    "  status [--json]         installed apps, last and next check-in, last\n"
	    "                          fetch_status, each daemon up or down; exit 0 all\n"
	    "                          up, 1 verifyd or installd not up, 3 netd down\n"
	    "  -o, --once              ask gwe-netd to check in now; exit 0 it reached\n"
	    "                          the platform, 1 it did not, 2 netd down\n"
	    "  -I, --install-apps FILE...\n"
	    "                          install local tarballs (each with FILE.minisig)\n"
	    "                          through the verifier and the installer; exit 0 all\n"
	    "                          installed, 1 any refused or failed, 2 netd down\n"
	    "      --sig SIGFILE       the signature (default FILE.minisig)\n"
	    "      --timeout SECS      wait at most this long for gwe-netd (default:\n"
	    "                          status %d, -o %d, -I install_timeout + %d)\n"
	    "  -z, --check-tarball FILE\n"
	    "                          run the verifier's checks on FILE in its sandbox;\n"
	    "                          exit 0 accepted, 1 refused, 2 usage or I/O error\n"
	    "      --pubkey KEYFILE    trust only this key (default: every *.pub in keys_dir)\n"
	    "  -C, --gateway-cik       print the CIK in use (netd's state, else the config)\n"
	    "  -g, --gateway-cfg       print the [device] section\n"
	    "  -c, --set-cik CIK       set [device] cik\n"
	    "  -r, --set-vendor V      set [device] vendor\n"
	    "  -m, --set-model M       set [device] model\n"
	    "  -P, --set-product-id P  set [device] vendor and model\n"
	    "  -u, --set-uuid UUID     set [device] uuid\n"
	    "  -i, --set-iface IFACE   set [device] iface\n"
	    "  -l, --set-act-retry-interval SECS\n"
	    "                          set [engine] act_retry_interval\n"
	    "  -d, --set-debug-level LEVEL\n"
	    "                          set [engine] debug_level\n"
	    "  -t, --set-update-interval SECS\n"
	    "                          set [engine] update_interval (whole number >= 1)\n"
	    "                          and drop the interval gwe-netd stored\n"
	    "  -a, --set-user-agent UA set [engine] user_agent\n"
	    "  -h, --help              this text\n"
	    "  -V, -v, --version       print the version\n",
	    GWE_CONF_DEFAULT, CLI_STATUS_TIMEOUT, CLI_ONCE_TIMEOUT, CLI_INSTALL_SLACK);
}

static int
is_setter(int opt)
{
	size_t i;

	for (i = 0; i < sizeof(setters) / sizeof(setters[0]); i++)
		if (setters[i].opt == opt)
			return 1;
	return 0;
}

/* One --set flag, -C or -g.  0, or 1 with the reason printed. */
static int
local_one(const char *conf, const struct local_op *op)
{
	struct gwe_config cfg;
	char err[CONF_ERR_MAX];
	size_t i;
	int rc = -1;

	switch (op->opt) {
	case 'P':
		rc = cli_conf_set_product(conf, op->arg, err, sizeof(err));
		break;
	case 't':
		rc = cli_conf_set_interval(conf, op->arg, err, sizeof(err));
		break;
	case 'g':
		rc = cli_conf_print_section(conf, "device", stdout, err, sizeof(err));
		break;
	case 'C':
		config_defaults(&cfg);
		if ((rc = config_load(conf, &cfg, err, sizeof(err))) == 0)
			rc = cli_conf_cik(&cfg, stdout, err, sizeof(err));
		break;
	default:
		for (i = 0; i < sizeof(setters) / sizeof(setters[0]); i++)
			if (setters[i].opt == op->opt)
				rc = cli_conf_set(conf, setters[i].section, setters[i].key,
				    op->arg, err, sizeof(err));
		break;
	}
	if (rc == -1) {
		fprintf(stderr, "gwe: %s\n", err);
		return 1;
	}
	return 0;
}

/* Everything but the two arrays, which main() owns (argc + 1 entries each). */
static int
gwe_main(int argc, char **argv, struct local_op *ops, char **files)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "check-tarball", required_argument, NULL, 'z' },
		{ "sig", required_argument, NULL, OPT_SIG },
		{ "pubkey", required_argument, NULL, OPT_PUBKEY },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "gateway-cik", no_argument, NULL, 'C' },
		{ "gateway-cfg", no_argument, NULL, 'g' },
		{ "set-cik", required_argument, NULL, 'c' },
		{ "set-vendor", required_argument, NULL, 'r' },
		{ "set-model", required_argument, NULL, 'm' },
		{ "set-product-id", required_argument, NULL, 'P' },
		{ "set-uuid", required_argument, NULL, 'u' },
		{ "set-iface", required_argument, NULL, 'i' },
		{ "set-act-retry-interval", required_argument, NULL, 'l' },
		{ "set-debug-level", required_argument, NULL, 'd' },
		{ "set-update-interval", required_argument, NULL, 't' },
		{ "set-user-agent", required_argument, NULL, 'a' },
		{ "install-apps", required_argument, NULL, 'I' },
		{ "once", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_check_opts chk = { GWE_CONF_DEFAULT, 0, NULL, NULL, NULL };
	struct cli_ctl_opts ctl;
	uint64_t secs;
	int ch, nops = 0, once = 0, status = 0, json = 0, actions, i, nfiles = 0;

	memset(&ctl, 0, sizeof(ctl));
	while ((ch = getopt_long(argc, argv, "a:Cc:d:f:ghI:i:l:m:oP:r:t:u:Vvz:", longopts,
	    NULL)) != -1) {
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
		case OPT_JSON:
			json = 1;
			break;
		case OPT_TIMEOUT:
			if (gwe_parse_u64(optarg, 1, 86400, &secs) == -1) {
				fprintf(stderr, "gwe: --timeout: a whole number of seconds "
				    "from 1 to 86400, not '%s'\n", optarg);
				return 2;
			}
			ctl.timeout = (unsigned)secs;
			break;
		case 'o':
			once = 1;
			break;
		case 'I':
			files[nfiles++] = optarg;
			break;
		case 'C':
		case 'g':
			ops[nops].opt = ch;
			ops[nops++].arg = NULL;
			break;
		default:
			if (is_setter(ch)) {
				ops[nops].opt = ch;
				ops[nops++].arg = optarg;
				break;
			}
			usage(stderr);
			return 2;
		}
	}
	/* What is left: more tarballs for -I, or the status subcommand. */
	if (nfiles > 0) {
		for (i = optind; i < argc; i++)
			files[nfiles++] = argv[i];
	} else if (optind < argc && strcmp(argv[optind], "status") == 0) {
		status = 1;
		optind++;
	}
	if (nfiles == 0 && optind != argc) {
		fprintf(stderr, "gwe: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	actions = (chk.file != NULL) + (nfiles > 0) + once + status + (nops > 0);
	if (actions > 1) {
		fprintf(stderr, "gwe: status, -o, -I and -z each go alone (the --set "
		    "flags, -C and -g may be combined)\n");
		return 2;
	}
	if (actions == 0) {
		if (chk.sig != NULL || chk.pubkey != NULL)
			fprintf(stderr, "gwe: --sig and --pubkey go with -z or -I\n");
		usage(stderr);
		return 2;
	}
	if ((json && !status) || (ctl.timeout && !(status || once || nfiles)) ||
	    (chk.pubkey != NULL && chk.file == NULL) ||
	    (chk.sig != NULL && chk.file == NULL && nfiles == 0)) {
		fprintf(stderr, "gwe: --json goes with status, --timeout with status, -o "
		    "or -I, --pubkey with -z, --sig with -z or -I\n");
		return 2;
	}
	if (chk.file != NULL)
		return cli_check_tarball(&chk);
	ctl.conf = chk.conf;
	ctl.json = json;
	ctl.sig = chk.sig;
	ctl.files = files;
	ctl.nfiles = nfiles;
	if (status)
		return cli_ctl_status(&ctl);
	if (once)
		return cli_ctl_once(&ctl);
	if (nfiles > 0)
		return cli_ctl_install(&ctl);
	/* --set flags in the order given, stopping at the first that fails; then -C, -g. */
	for (i = 0; i < nops; i++)
		if (local_one(chk.conf, &ops[i]) != 0)
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct local_op *ops;
	char **files;
	int rc;

	log_init("gwe", 1, LOG_LVL_WARN);
	ops = calloc((size_t)argc + 1, sizeof(*ops));
	files = calloc((size_t)argc + 1, sizeof(*files));
	if (ops == NULL || files == NULL) {
		fprintf(stderr, "gwe: out of memory\n");
		rc = 2;
	} else
		rc = gwe_main(argc, argv, ops, files);
	free(ops);
	free(files);
	return rc;
}
