/*
 * gwe: the operator's command line (docs/design.md section 9).  This file only
 * parses flags and dispatches; each job lives in a cli_*.c of its own:
 * cli_conf.c (the --set flags, -C, -g, and every command's configuration
 * load), cli_check.c (-z), cli_ctl.c (-o, -I, and the socket to gwe-netd),
 * cli_status.c (status), cli_out.c (how outside text is printed),
 * cli_info.c (-p, -e, --mac-address, --download-latest), cli_build.c and
 * cli_pack.c (-x, -w, -y: building an app from a buildfile).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/config.h"
#include "../common/log.h"
#include "../common/util.h"
#include "cli_build.h"
#include "cli_check.h"
#include "cli_conf.h"
#include "cli_ctl.h"
#include "cli_info.h"

enum { OPT_SIG = 256, OPT_PUBKEY, OPT_JSON, OPT_TIMEOUT, OPT_MAC, OPT_DOWNLOAD };

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
	{ "product-id", required_argument, NULL, 'P' },		/* Gateway Engine's spelling */
	{ "path", no_argument, NULL, 'p' },
	{ "engine-conf", no_argument, NULL, 'e' },
	{ "mac-address", required_argument, NULL, OPT_MAC },
	{ "download-latest", required_argument, NULL, OPT_DOWNLOAD },
	{ "create-buildfile", no_argument, NULL, 'x' },
	{ "check-buildfile", required_argument, NULL, 'w' },
	{ "build-app-tarball", required_argument, NULL, 'y' },
	{ "build-app", required_argument, NULL, 'y' },		/* the spelling of GE's guides */
	{ "app-name", required_argument, NULL, 'n' },
	{ "app-version", required_argument, NULL, 's' },
};
#define NOTHER		(sizeof(other_opts) / sizeof(other_opts[0]))

/* A --set flag, -C, -g, -e, -p or --mac-address, kept in command-line order. */
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
	struct cli_build_opts	 bld;	/* -x -w -y, -n -s */
	int			 build;	/* 'x', 'w' or 'y'; 0 for none */
	const char		*download;	/* --download-latest AREA */
};

/* The sections the --set flags changed and no -g or -e printed since, in order. */
struct echo {
	const char	*sec[2];
	int		 n;
};

static void
usage_vendor(FILE *fp)
{
	fprintf(fp,
	    "  -p, --path              print the directory gwe is installed in\n"
	    "  -e, --engine-conf       print the [engine] settings, defaults filled in\n"
	    "      --mac-address IFACE print IFACE's MAC as activation's serial number\n"
	    "      --download-latest AREA\n"
	    "                          refused: gwe is updated by its package manager\n"
	    "  -x, --create-buildfile  write %s here (-n NAME, -s VERSION)\n"
	    "  -w, --check-buildfile FILE\n"
	    "                          print [PASS] or each problem; exit 0 or 1\n"
	    "  -y, --build-app-tarball FILE, --build-app FILE\n"
	    "                          build NAME.vVERSION.tar.gz beside FILE, check it,\n"
	    "                          print its path; exit 0 built, 1 refused or failed\n"
	    "  -n, --app-name NAME     -s, --app-version VERSION   for -x\n"
	    "  -h, --help              this text\n"
	    "  -V, -v, --version       print the version\n", CLI_BUILDFILE);
}

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
	    "           [-e] [-p] [--mac-address IFACE]\n"
	    "       gwe -x [-n NAME] [-s VERSION] | -w BUILDFILE | [-f config] -y BUILDFILE\n"
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
	    "  -C, --gateway-cik       print the CIK in use (netd's state, else the\n"
	    "                          config), '' before activation\n"
	    "  -g, --gateway-cfg       print the [device] section\n"
	    "  -c, --set-cik CIK       set [device] cik\n"
	    "  -r, --set-vendor V      set [device] vendor\n"
	    "  -m, --set-model M       set [device] model\n"
	    "  -P, --set-product-id P, --product-id P\n"
	    "                          set [device] vendor and model\n"
	    "  -u, --set-uuid UUID     set [device] uuid\n"
	    "  -i, --set-iface IFACE   set [device] iface\n"
	    "  -l, --set-act-retry-interval SECS\n"
	    "                          set [engine] act_retry_interval\n"
	    "  -d, --set-debug-level LEVEL\n"
	    "                          set [engine] debug_level (with -x -w -y: this\n"
	    "                          run's, the file untouched)\n"
	    "  -t, --set-update-interval SECS\n"
	    "                          set [engine] update_interval (whole number >= 1)\n"
	    "                          and drop the interval gwe-netd stored\n"
	    "  -a, --set-user-agent UA set [engine] user_agent ('' for the default)\n"
	    "                          the --set flags print each section they changed\n",
	    GWE_CONF_DEFAULT, CLI_STATUS_TIMEOUT, CLI_ONCE_TIMEOUT, CLI_INSTALL_SLACK);
	usage_vendor(fp);
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

/* The section a --set flag edits; NULL for the flags that only print. */
static const char *
setter_section(int opt)
{
	size_t i;

	for (i = 0; i < NSETTERS; i++)
		if (setters[i].opt == opt)
			return setters[i].section;
	return NULL;
}

static void
echo_mark(struct echo *e, const char *sec)
{
	int i;

	for (i = 0; i < e->n; i++)
		if (strcmp(e->sec[i], sec) == 0)
			return;
	e->sec[e->n++] = sec;
}

static void
echo_clear(struct echo *e, const char *sec)
{
	int i;

	for (i = 0; i < e->n; i++)
		if (strcmp(e->sec[i], sec) == 0) {
			e->sec[i] = e->sec[--e->n];
			return;
		}
}

/* One --set flag: 0, or -1 with err set. */
static int
set_one(const char *conf, const struct local_op *op, char *err, size_t errlen)
{
	size_t i;

	switch (op->opt) {
	case 'P':
		return cli_conf_set_product(conf, op->arg, err, errlen);
	case 't':
		return cli_conf_set_interval(conf, op->arg, err, errlen);
	case 'a':	/* '' restores the default, as in Gateway Engine */
		if (op->arg[0] == '\0')
			return cli_conf_unset(conf, "engine", "user_agent", err, errlen);
		break;
	}
	for (i = 0; i < NSETTERS; i++)
		if (setters[i].opt == op->opt)
			return cli_conf_set(conf, setters[i].section, setters[i].key,
			    op->arg, err, errlen);
	return gwe_errf(err, errlen, "no such --set flag");
}

/* -C, -g, -e, -p or --mac-address: 0, or -1 with err set (or printed: err empty). */
static int
print_one(const struct gwe_args *a, const struct local_op *op, char *err,
    size_t errlen)
{
	struct gwe_config cfg;

	switch (op->opt) {
	case 'g':
		return cli_conf_print_section(a->chk.conf, "device", stdout, err, errlen);
	case 'e':
		return cli_info_engine(a->chk.conf, !a->chk.conf_given, stdout, err, errlen);
	case 'p':
		return cli_info_path(stdout, err, errlen);
	case OPT_MAC:
		return cli_info_mac(op->arg, stdout, err, errlen);
	default:	/* 'C' */
		if (cli_conf_load(a->chk.conf, 0, &cfg) == -1)
			return -1;
		return cli_conf_cik(&cfg, stdout, err, errlen);
	}
}

/* One local flag.  0, or 1 with the reason printed. */
static int
local_one(const struct gwe_args *a, const struct local_op *op, struct echo *e)
{
	char err[CONF_ERR_MAX] = "";
	const char *sec = setter_section(op->opt);
	int rc;

	if (sec != NULL)
		rc = set_one(a->chk.conf, op, err, sizeof(err));
	else
		rc = print_one(a, op, err, sizeof(err));
	if (rc == -1) {
		if (err[0] != '\0')
			fprintf(stderr, "gwe: %s\n", err);
		return 1;
	}
	if (sec != NULL)
		echo_mark(e, sec);
	else if (op->opt == 'g' || op->opt == 'e')
		echo_clear(e, op->opt == 'g' ? "device" : "engine");
	return 0;
}

/*
 * The local flags in the order given, stopping at the first that fails;
 * then, as Gateway Engine does, each section the --set flags changed.
 */
static int
local_ops(const struct gwe_args *a)
{
	struct echo e = { { NULL, NULL }, 0 };
	char err[CONF_ERR_MAX];
	int i;

	for (i = 0; i < a->nops; i++)
		if (local_one(a, &a->ops[i], &e) != 0)
			return 1;
	for (i = 0; i < e.n; i++)
		if (cli_conf_print_section(a->chk.conf, e.sec[i], stdout, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "gwe: %s\n", err);
			return 1;
		}
	return 0;
}

/* The flags that take no configuration: -x -w -y -n -s --download-latest. */
static int
take_vendor_opt(struct gwe_args *a, int ch, char *arg)
{
	switch (ch) {
	case OPT_DOWNLOAD:
		if (!cli_info_release_area(arg)) {
			fprintf(stderr, "gwe: --download-latest: '%s' is not one of "
			    "gmq-master, gmq-dev, baseline-master, baseline-dev\n", arg);
			return 2;
		}
		a->download = arg;
		return -1;
	case 'n':
		a->bld.name = arg;
		return -1;
	case 's':
		a->bld.version = arg;
		return -1;
	}
	if (a->build != 0 && a->build != ch) {
		fprintf(stderr, "gwe: -x, -w and -y each go alone\n");
		return 2;
	}
	a->build = ch;
	a->bld.file = arg;
	return -1;
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
	case 'e':
	case 'p':
	case OPT_MAC:
		a->ops[a->nops].opt = ch;
		a->ops[a->nops++].arg = arg;
		break;
	case 'x':
	case 'w':
	case 'y':
	case 'n':
	case 's':
	case OPT_DOWNLOAD:
		return take_vendor_opt(a, ch, arg);
	default:
		if (!is_setter(ch)) {
			usage(stderr);
			return 2;
		}
		a->ops[a->nops].opt = ch;
		/* Gateway Engine's guides write an empty value as '' */
		a->ops[a->nops++].arg = strcmp(arg, "''") == 0 ? "" : arg;
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

	if (a->download != NULL)	/* whatever else is asked */
		return cli_info_download_refused(a->download);
	actions = (chk->file != NULL) + (a->nfiles > 0) + a->once + a->status +
	    (a->nops > 0) + (a->build != 0);
	if (actions > 1) {
		fprintf(stderr, "gwe: status, -o, -I, -z, -x, -w and -y each go alone "
		    "(the --set flags, -C, -g, -e, -p and --mac-address may be "
		    "combined)\n");
		return 2;
	}
	if ((a->bld.name != NULL || a->bld.version != NULL) && a->build != 'x') {
		fprintf(stderr, "gwe: --app-name and --app-version go with -x\n");
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

/*
 * With -x, -w or -y, -d LEVEL is this run's log level (Gateway Engine's
 * guides write "gwe --build-app FILE -d DEBUG"), not an edit of the file.
 * -1 to go on, or 2 with the reason printed.
 */
static int
build_level(struct gwe_args *a)
{
	struct gwe_config scratch;
	char err[CONF_ERR_MAX];
	int i;

	if (a->build == 0 || a->nops == 0)
		return -1;
	for (i = 0; i < a->nops; i++)
		if (a->ops[i].opt != 'd')
			return -1;	/* check_combination says what goes alone */
	config_defaults(&scratch);
	for (i = 0; i < a->nops; i++)
		if (config_set(&scratch, "engine", "debug_level", a->ops[i].arg, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "gwe: -d: %s\n", err);
			return 2;
		}
	log_init("gwe", 1, scratch.debug_level);
	a->nops = 0;
	return -1;
}

static int
run(struct gwe_args *a)
{
	if (a->build == 'x')
		return cli_build_create(&a->bld);
	if (a->build == 'w')
		return cli_build_check(&a->bld);
	if (a->build == 'y') {
		a->bld.conf = a->chk.conf;
		a->bld.conf_given = a->chk.conf_given;
		return cli_build_app(&a->bld);
	}
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
	return local_ops(a);
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
	while ((ch = getopt_long(argc, argv, "a:Cc:d:ef:ghI:i:l:m:n:oP:pr:s:t:u:Vvw:xy:z:", lo,
	    NULL)) != -1)
		if ((rc = take_opt(&a, ch, optarg)) != -1)
			return rc;
	if ((rc = take_operands(&a, argc, argv)) != -1 ||
	    (rc = build_level(&a)) != -1 || (rc = check_combination(&a)) != -1)
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
