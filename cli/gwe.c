/*
 * gwe: the operator's command line (docs/design.md section 9).  This file only
 * parses flags and dispatches; each job lives in a cli_*.c of its own:
 * cli_conf.c (the --set flags, -C, -g, and every command's configuration
 * load), cli_check.c (-z), cli_ctl.c (-o, -I, and the socket to gwe-netd),
 * cli_status.c (status), cli_out.c (how outside text is printed).
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

/* -c -r -m -P -u -i -l -d -t -a: each flag's long name and the key it sets. */
static const struct {
	int		 opt;
	const char	*name, *section, *key;
} setters[] = {
	{ 'c', "set-cik", "device", "cik" },
	{ 'r', "set-vendor", "device", "vendor" },
	{ 'm', "set-model", "device", "model" },
	{ 'P', "set-product-id", "device", NULL },		/* vendor and model */
	{ 'u', "set-uuid", "device", "uuid" },
	{ 'i', "set-iface", "device", "iface" },
	{ 'l', "set-act-retry-interval", "engine", "act_retry_interval" },
	{ 'd', "set-debug-level", "engine", "debug_level" },
	{ 't', "set-update-interval", "engine", "update_interval" },	/* and drops netd's */
	{ 'a', "set-user-agent", "engine", "user_agent" },
};
#define NSETTERS	(sizeof(setters) / sizeof(setters[0]))

/* The long options but the setters', which longopts() adds. */
static const struct option other_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "check-tarball", required_argument, NULL, 'z' },
	{ "sig", required_argument, NULL, OPT_SIG },
	{ "pubkey", required_argument, NULL, OPT_PUBKEY },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "gateway-cik", no_argument, NULL, 'C' },
	{ "gateway-cfg", no_argument, NULL, 'g' },
	{ "install-apps", required_argument, NULL, 'I' },
	{ "once", no_argument, NULL, 'o' },
};
#define NOTHER		(sizeof(other_opts) / sizeof(other_opts[0]))

/* A --set flag, -C or -g, kept in command-line order. */
struct local_op {
	int		 opt;
	const char	*arg;
};

/* The command line, as read. */
struct gwe_args {
	struct cli_check_opts	 chk;	/* -f, -z, --sig, --pubkey */
	struct cli_ctl_opts	 ctl;	/* --json, --timeout */
	struct local_op		*ops;	/* argc + 1 entries */
	int			 nops;
	char			**files;	/* -I FILE...; argc + 1 entries */
	int			 nfiles;
	int			 once, status;
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

static const struct option *
longopts(void)
{
	static struct option all[NOTHER + NSETTERS + 1];
	size_t i;

	memcpy(all, other_opts, sizeof(other_opts));
	for (i = 0; i < NSETTERS; i++) {
		all[NOTHER + i].name = setters[i].name;
		all[NOTHER + i].has_arg = required_argument;
		all[NOTHER + i].val = setters[i].opt;
	}
	return all;		/* the last entry stays zero */
}

static int
is_setter(int opt)
{
	size_t i;

	for (i = 0; i < NSETTERS; i++)
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
		if (cli_conf_load(conf, 0, &cfg) == -1)
			return 1;
		rc = cli_conf_cik(&cfg, stdout, err, sizeof(err));
		break;
	default:
		for (i = 0; i < NSETTERS; i++)
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

/* One option into a.  -1 to go on, or the exit status (-h, -V, a bad flag). */
static int
take_opt(struct gwe_args *a, int ch, char *arg)
{
	uint64_t secs;

	switch (ch) {
	case 'f':
		a->chk.conf = arg;
		a->chk.conf_given = 1;
		break;
	case 'h':
		usage(stdout);
		return 0;
	case 'V':
	case 'v':	/* Gateway Engine's spelling */
		printf("gwe %s\n", GWE_VERSION);
		return 0;
	case 'z':
		a->chk.file = arg;
		break;
	case OPT_SIG:
		a->chk.sig = arg;
		break;
	case OPT_PUBKEY:
		a->chk.pubkey = arg;
		break;
	case OPT_JSON:
		a->ctl.json = 1;
		break;
	case OPT_TIMEOUT:
		if (gwe_parse_u64(arg, 1, 86400, &secs) == -1) {
			fprintf(stderr, "gwe: --timeout: a whole number of seconds "
			    "from 1 to 86400, not '%s'\n", arg);
			return 2;
		}
		a->ctl.timeout = (unsigned)secs;
		break;
	case 'o':
		a->once = 1;
		break;
	case 'I':
		a->files[a->nfiles++] = arg;
		break;
	case 'C':
	case 'g':
		a->ops[a->nops].opt = ch;
		a->ops[a->nops++].arg = NULL;
		break;
	default:
		if (!is_setter(ch)) {
			usage(stderr);
			return 2;
		}
		a->ops[a->nops].opt = ch;
		a->ops[a->nops++].arg = arg;
		break;
	}
	return -1;
}

/* What is left after the options: more tarballs for -I, or the status subcommand. */
static int
take_operands(struct gwe_args *a, int argc, char **argv)
{
	int i;

	if (a->nfiles > 0) {
		for (i = optind; i < argc; i++)
			a->files[a->nfiles++] = argv[i];
	} else if (optind < argc && strcmp(argv[optind], "status") == 0) {
		a->status = 1;
		optind++;
	}
	if (a->nfiles == 0 && optind != argc) {
		fprintf(stderr, "gwe: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	return -1;
}

/*
 * One command, and only the flags it takes.  -1, or 2 with the reason
 * printed: any flag out of place prints the whole rule.
 */
static int
check_combination(const struct gwe_args *a)
{
	const struct cli_check_opts *chk = &a->chk;
	int actions;

	actions = (chk->file != NULL) + (a->nfiles > 0) + a->once + a->status +
	    (a->nops > 0);
	if (actions > 1) {
		fprintf(stderr, "gwe: status, -o, -I and -z each go alone (the --set "
		    "flags, -C and -g may be combined)\n");
		return 2;
	}
	if (actions == 0) {
		if (chk->sig != NULL || chk->pubkey != NULL)
			fprintf(stderr, "gwe: --sig and --pubkey go with -z or -I\n");
		usage(stderr);
		return 2;
	}
	if ((a->ctl.json && !a->status) ||
	    (a->ctl.timeout && !(a->status || a->once || a->nfiles)) ||
	    (chk->pubkey != NULL && chk->file == NULL) ||
	    (chk->sig != NULL && chk->file == NULL && a->nfiles == 0)) {
		fprintf(stderr, "gwe: --json goes with status, --timeout with status, -o "
		    "or -I, --pubkey with -z, --sig with -z or -I\n");
		return 2;
	}
	return -1;
}

static int
run(struct gwe_args *a)
{
	int i;

	if (a->chk.file != NULL)
		return cli_check_tarball(&a->chk);
	a->ctl.conf = a->chk.conf;
	a->ctl.sig = a->chk.sig;
	a->ctl.files = a->files;
	a->ctl.nfiles = a->nfiles;
	if (a->status)
		return cli_ctl_status(&a->ctl);
	if (a->once)
		return cli_ctl_once(&a->ctl);
	if (a->nfiles > 0)
		return cli_ctl_install(&a->ctl);
	/* --set flags in the order given, stopping at the first that fails; then -C, -g. */
	for (i = 0; i < a->nops; i++)
		if (local_one(a->chk.conf, &a->ops[i]) != 0)
			return 1;
	return 0;
}

/* Everything but the two arrays, which main() owns (argc + 1 entries each). */
static int
gwe_main(int argc, char **argv, struct local_op *ops, char **files)
{
	const struct option *lo = longopts();
	struct gwe_args a;
	int ch, rc;

	memset(&a, 0, sizeof(a));
	a.chk.conf = GWE_CONF_DEFAULT;
	a.ops = ops;
	a.files = files;
	while ((ch = getopt_long(argc, argv, "a:Cc:d:f:ghI:i:l:m:oP:r:t:u:Vvz:", lo,
	    NULL)) != -1)
		if ((rc = take_opt(&a, ch, optarg)) != -1)
			return rc;
	if ((rc = take_operands(&a, argc, argv)) != -1 ||
	    (rc = check_combination(&a)) != -1)
		return rc;
	return run(&a);
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
