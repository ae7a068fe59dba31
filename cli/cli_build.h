/*
 * App building for vendors, Gateway Engine's way (docs/app-developer.md,
 * "Build from a buildfile"): -x/--create-buildfile writes a buildfile,
 * -w/--check-buildfile checks one, -y/--build-app-tarball (--build-app)
 * builds <name>.v<version>.tar.gz from one.  None of it needs root; it
 * runs as whoever calls it.
 *
 * The buildfile is a JSON object: "name" and "version" (the tarball's
 * name parts), "includes" and "excludes" (shell globs relative to the
 * buildfile's directory), "pre_build_cmds" and "post_build_cmds" (run
 * with /bin/sh -c in that directory, their output on stderr).  Each
 * function returns the exit status: 0 done, 1 refused or failed, 2 usage
 * or I/O error.
 */
#ifndef GWE_CLI_BUILD_H
#define GWE_CLI_BUILD_H

#include <stdio.h>

#include <json-c/json.h>

#include "../verify/vfy_name.h"

#define CLI_BUILDFILE		"gwe-buildfile.json"
#define CLI_BUILDFILE_MAX	(1024 * 1024)

/* A buildfile that passed the checks; the arrays point into root. */
struct cli_buildfile {
	json_object	*root;
	char		 name[VFY_APP_MAX + 1];
	char		 version[VFY_VERSION_MAX + 1];
	char		 tarball[VFY_NAME_MAX + 1];	/* name.vversion.tar.gz */
	json_object	*includes, *excludes, *pre, *post;	/* arrays; NULL: none */
};

struct cli_build_opts {
	const char	*file;		/* -w or -y BUILDFILE */
	const char	*name;		/* -n, for -x */
	const char	*version;	/* -s, for -x */
	const char	*conf;		/* -f: the limits the result is checked against */
	int		 conf_given;
};

int	cli_build_create(const struct cli_build_opts *o);
int	cli_build_check(const struct cli_build_opts *o);
int	cli_build_app(const struct cli_build_opts *o);

/*
 * Read and check the buildfile at path into bf: the number of problems,
 * each printed to out as "PATH: PROBLEM" (bf->root is then NULL), or -1
 * when the file cannot be read ("gwe: ..." on stderr).  Free bf with
 * cli_buildfile_free.
 */
int	cli_buildfile_load(const char *path, struct cli_buildfile *bf, FILE *out,
	    const char *prefix);
void	cli_buildfile_free(struct cli_buildfile *bf);

#endif
