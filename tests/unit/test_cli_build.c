/*
 * The buildfile checks of gwe -w and -y (cli/cli_build.c): Gateway
 * Engine's keys, each problem named, includes that would leave the build
 * directory refused before anything runs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli/cli_build.h"
#include "testutil.h"

static char dir[64];
static char bfpath[PATH_MAX];

/* Load text as a buildfile: the number of problems; their lines into *out. */
static int
load(const char *text, char **out)
{
	struct cli_buildfile bf;
	size_t len;
	FILE *fp;
	int n;

	tu_write_file(bfpath, text);
	fp = open_memstream(out, &len);
	assert_non_null(fp);
	n = cli_buildfile_load(bfpath, &bf, fp, "");
	fclose(fp);
	if (n == 0) {
		assert_non_null(bf.root);
		assert_string_equal(bf.tarball, "my_gwe_hosted_app.v1.tar.gz");
	}
	cli_buildfile_free(&bf);
	return n;
}

static void
expect(const char *text, int nprob, const char *words)
{
	char *out = NULL, *json, *q;

	json = strdup(text);
	assert_non_null(json);
	for (q = json; (q = strchr(q, '\'')) != NULL; q++)
		*q = '"';
	assert_int_equal(load(json, &out), nprob);
	free(json);
	if (words != NULL && strstr(out, words) == NULL)
		fail_msg("no '%s' in: %s", words, out);
	free(out);
}

static void
test_gateway_engine_example(void **state)
{
	(void)state;
	/* the buildfile of Gateway Engine's guide, as it prints it */
	expect("{\n  \"excludes\": [], \n  \"name\": \"my_gwe_hosted_app\", \n"
	    "  \"includes\": [\n    \"install.sh\",\n    \"supervisor.conf\",\n"
	    "    \"example.sh\"\n  ], \n  \"pre_build_cmds\": [], \n"
	    "  \"post_build_cmds\": [], \n  \"version\": \"1\"\n}\n", 0, NULL);
	/* a whole number for the version, and no optional lists */
	expect("{\"name\":\"my_gwe_hosted_app\",\"version\":1,\"includes\":[\"*\"]}", 0, NULL);
}

/* A buildfile (' for \"), how many problems it has, and words one of them must hold. */
static const struct {
	const char	*json;
	int		 nprob;
	const char	*words;
} bad[] = {
	{ "", 1, "not valid JSON" },
	{ "{'name': 'a'", 1, "ends too soon" },
	{ "{} {}", 1, "something after the object" },
	{ "['install.sh']", 1, "not a JSON object" },
	{ "{'version':'1','includes':['install.sh']}", 1, "name: missing" },
	{ "{'name':'a','includes':['install.sh']}", 1, "version: missing" },
	{ "{'name':'a','version':'1'}", 1, "includes: missing" },
	{ "{'name':'a','version':'1','includes':[]}", 1, "includes: empty" },
	{ "{'name':'a.b','version':'1','includes':['i']}", 1, "name: 'a.b' is not an app name" },
	{ "{'name':'a','version':'v1','includes':['i']}", 1, "version: 'v1' is not a version" },
	{ "{'name':'a','version':'1..2','includes':['i']}", 1, "version:" },
	{ "{'name':7,'version':'1','includes':['i']}", 1, "name: not a string" },
	{ "{'name':'a','version':'1','includes':['i'],'include':[]}", 1, "unknown key 'include'" },
	{ "{'name':'a','version':'1','includes':'install.sh'}", 1, "includes: not a list" },
	{ "{'name':'a','version':'1','includes':['']}", 1, "entry 1 is not a non-empty string" },
	{ "{'name':'a','version':'1','includes':['i'],'post_build_cmds':['ok',3]}", 1, "entry 2" },
	/* every problem at once, each on its line */
	{ "{'name':'','version':'','includes':[],'excludes':{},'x':1}", 5, NULL },
	/* includes that would leave the build directory */
	{ "{'name':'a','version':'1','includes':['/etc/passwd']}", 1, "is an absolute path" },
	{ "{'name':'a','version':'1','includes':['../x']}", 1, "leaves the build directory" },
	{ "{'name':'a','version':'1','includes':['lib/../../x']}", 1, "leaves the build" },
	{ "{'name':'a','version':'1','includes':['i'],'excludes':['..']}", 1, "excludes: '..'" },
};

static void
test_problems_named(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect(bad[i].json, bad[i].nprob, bad[i].words);
}

static void
test_dots_in_names(void **state)
{
	(void)state;
	/* a name with dots is not a '..' component */
	expect("{\"name\":\"my_gwe_hosted_app\",\"version\":\"1\",\"includes\":"
	    "[\"..data\", \"a..b/c\", \"x/..y\"]}", 0, NULL);
}

static void
test_unreadable(void **state)
{
	struct cli_buildfile bf;

	(void)state;
	assert_int_equal(cli_buildfile_load("/nonexistent/gwe-buildfile.json", &bf,
	    stderr, ""), -1);
	assert_int_equal(cli_buildfile_load(dir, &bf, stderr, ""), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gateway_engine_example),
		cmocka_unit_test(test_problems_named),
		cmocka_unit_test(test_dots_in_names),
		cmocka_unit_test(test_unreadable),
	};
	int rc;

	/* one directory for the whole group: each test rewrites the one buildfile */
	if (tu_mkdtemp(dir, sizeof(dir), "gwe-clibuild") == -1)
		return 1;
	tu_path(bfpath, sizeof(bfpath), dir, CLI_BUILDFILE);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	tu_rmtree(dir);
	return rc;
}
