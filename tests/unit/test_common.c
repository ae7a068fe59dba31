/* Privilege drop, safe writes, logging and small helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/priv.h"
#include "../../common/safefile.h"
#include "../../common/util.h"
#include "../../common/buf.h"
#include "../../common/text.h"
#include "testutil.h"

#define TEST_UID 61001
#define TEST_GID 61001

/* Run fn in a child; return its exit status (or 100 + signal). */
static int
in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn());
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		return 100 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int
drop_and_check(void)
{
	char err[256];
	uid_t r, e, s;
	gid_t gr, ge, gs;

	if (priv_drop(TEST_UID, TEST_GID, err, sizeof(err)) == -1)
		return 1;
	if (getresuid(&r, &e, &s) == -1 || r != TEST_UID || e != TEST_UID || s != TEST_UID)
		return 2;
	if (getresgid(&gr, &ge, &gs) == -1 || gr != TEST_GID || ge != TEST_GID || gs != TEST_GID)
		return 3;
	if (getgroups(0, NULL) != 0)
		return 4;
	if (setuid(0) != -1 || errno != EPERM)
		return 5;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 6;
	return 0;
}

static void
test_priv_drop(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(in_child(drop_and_check), 0);
}

static int
drop_to_root(void)
{
	char err[256];

	return priv_drop(0, 0, err, sizeof(err)) == -1 &&
	    strstr(err, "refusing") != NULL ? 0 : 1;
}

static int
drop_unprivileged(void)
{
	char err[256];

	/* Not root: the drop must fail, not pretend. */
	if (setresuid(TEST_UID, TEST_UID, TEST_UID) == -1)
		return 2;
	return priv_drop(TEST_UID + 1, TEST_GID + 1, err, sizeof(err)) == -1 ? 0 : 1;
}

static void
test_priv_drop_refusals(void **state)
{
	(void)state;
	assert_int_equal(in_child(drop_to_root), 0);
	if (geteuid() == 0)
		assert_int_equal(in_child(drop_unprivileged), 0);
}

static char dir[64];

static int
setup_dir(void **state)
{
	(void)state;
	return tu_mkdtemp(dir, sizeof(dir), "gwe-common");
}

static int
teardown_dir(void **state)
{
	(void)state;
	return tu_rmtree(dir);
}

static int
count_entries(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *de;
	int n = 0;

	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(dp);
	return n;
}

static void
test_safe_write(void **state)
{
	char path[128], *buf;
	struct stat st;
	size_t len;

	(void)state;
	snprintf(path, sizeof(path), "%s/record", dir);
	assert_int_equal(safe_write(path, "one\n", 4, 0600), 0);
	assert_int_equal(safe_write(path, "two two\n", 8, 0640), 0);
	assert_int_equal(gwe_read_file(path, 1024, &buf, &len), 0);
	assert_int_equal(len, 8);
	assert_string_equal(buf, "two two\n");
	free(buf);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(count_entries(dir), 1);	/* no temporary left */
	assert_int_equal(safe_unlink(path), 0);
	assert_int_equal(count_entries(dir), 0);
	/* A directory that does not exist: an error, nothing created. */
	snprintf(path, sizeof(path), "%s/missing/record", dir);
	assert_int_equal(safe_write(path, "x", 1, 0600), -1);
	assert_int_equal(errno, ENOENT);
}

static void
test_read_file_limits(void **state)
{
	char path[128], *buf;
	size_t len;

	(void)state;
	snprintf(path, sizeof(path), "%s/big", dir);
	assert_int_equal(safe_write(path, "0123456789", 10, 0600), 0);
	assert_int_equal(gwe_read_file(path, 9, &buf, &len), -1);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(gwe_read_file(dir, 100, &buf, &len), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(gwe_read_file("/nonexistent", 100, &buf, &len), -1);
	assert_int_equal(errno, ENOENT);
}

static void
test_parse_helpers(void **state)
{
	uint64_t v;
	int b;
	char small[4];

	(void)state;
	assert_int_equal(gwe_parse_u64("42", 1, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(gwe_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_int_equal(gwe_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -1);
	assert_int_equal(gwe_parse_u64("", 0, 10, &v), -1);
	assert_int_equal(gwe_parse_u64("+1", 0, 10, &v), -1);
	assert_int_equal(gwe_parse_u64(" 1", 0, 10, &v), -1);
	assert_int_equal(gwe_parse_u64("11", 0, 10, &v), -1);
	assert_int_equal(gwe_parse_bool("Yes", &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(gwe_parse_bool("off", &b), 0);
	assert_int_equal(b, 0);
	assert_int_equal(gwe_parse_bool("2", &b), -1);
	assert_int_equal(gwe_strlcpy(small, "abcdef", sizeof(small)), 6);
	assert_string_equal(small, "abc");
	assert_int_equal(gwe_parse_u64n("1234", 2, 0, 100, &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(gwe_parse_u64n("12", 0, 0, 100, &v), -1);
}

/* One cleaner, each context's flags (common/text.h). */
static void
test_text_clean(void **state)
{
	static const struct {
		const char *in;
		size_t inlen;
		unsigned flags;
		const char *want;
	} t[] = {
		{ "a\nb\rc\td\x1b", 8, GWE_TEXT_LOG, "a b c?d?" },
		{ "caf\xc3\xa9 \xc2\x85 \xff", 11, GWE_TEXT_LOG, "caf\xc3\xa9 ?? ?" },
		{ "a\"b\\c\n\xc3\xa9", 9, GWE_TEXT_VALUE, "a?b?c???" },
		{ "a\\b\n\t\r\"\xc3\xa9\xc2\x85\xfe", 14, GWE_TEXT_TTY,
		    "a\\\\b\n\t\\x0d\"\xc3\xa9\\xc2\\x85\\xfe" },
		{ "a\nb", 3, GWE_TEXT_TTY | GWE_TEXT_NOLF, "a\\x0ab" },
		{ "a\0b\xe0\x80z\x01", 7, GWE_TEXT_UTF8,
		    "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd" "z\x01" },
		{ "stop\0here", 9, GWE_TEXT_LOG, "stop" },
	};
	char out[64];
	size_t i, n, changed;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = gwe_text_clean(out, sizeof(out), t[i].in, t[i].inlen, t[i].flags, NULL);
		assert_string_equal(out, t[i].want);
		assert_int_equal(n, strlen(t[i].want));
	}
	/* Whole characters only, and the count of replacements. */
	assert_int_equal(gwe_text_clean(out, 8, "abcdef\xc3\xa9", 8, GWE_TEXT_UTF8, &changed), 6);
	assert_int_equal(changed, 0);
	assert_int_equal(gwe_text_clean(out, 16, "ab\xff\xff", 4, GWE_TEXT_UTF8, &changed), 8);
	assert_int_equal(changed, 2);
}

static void
test_buf(void **state)
{
	struct gwe_buf b = { 0 };
	char big[1000];

	(void)state;
	assert_int_equal(gwe_buf_add(&b, "", 0), 0);
	assert_string_equal(b.p, "");
	memset(big, 'x', sizeof(big));
	assert_int_equal(gwe_buf_add(&b, "ab", 2), 0);
	assert_int_equal(gwe_buf_add(&b, big, sizeof(big)), 0);
	assert_int_equal(b.len, 1002);
	assert_int_equal(b.p[1002], '\0');
	gwe_buf_free(&b);
	b.max = 4;	/* len + 1 <= max */
	assert_int_equal(gwe_buf_add(&b, "abc", 3), 0);
	assert_int_equal(gwe_buf_add(&b, "d", 1), -1);
	assert_int_equal(gwe_buf_add(&b, "", 0), -1);	/* the failure sticks */
	assert_string_equal(b.p, "abc");
	gwe_buf_free(&b);
	assert_int_equal(gwe_buf_add(&b, (const void *)big, SIZE_MAX / 2), -1);
	gwe_buf_free(&b);
}

/* Log lines go to stderr one event a line, newlines folded. */
static void
test_log_one_line(void **state)
{
	char path[128], *buf;
	size_t len;
	int fd, saved;

	(void)state;
	snprintf(path, sizeof(path), "%s/log", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	saved = dup(2);
	dup2(fd, 2);
	log_init("test_common", 1, LOG_LVL_INFO);
	log_info("install done app=%s exit=%d", "a\nb", 0);
	log_debug("not shown");
	errno = ENOENT;
	log_warn("open failed path=%s", "/x");
	dup2(saved, 2);
	close(saved);
	close(fd);
	log_init("test", 0, LOG_LVL_INFO);	/* stderr off again */
	buf = tu_read_file(path, &len);
	assert_non_null(strstr(buf, ": info: install done app=a b exit=0\n"));
	assert_null(strstr(buf, "not shown"));
	assert_non_null(strstr(buf, "warning: open failed path=/x error=\"No such file or directory\"\n"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priv_drop),
		cmocka_unit_test(test_priv_drop_refusals),
		cmocka_unit_test_setup_teardown(test_safe_write, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_read_file_limits, setup_dir, teardown_dir),
		cmocka_unit_test(test_parse_helpers),
		cmocka_unit_test(test_text_clean),
		cmocka_unit_test(test_buf),
		cmocka_unit_test_setup_teardown(test_log_one_line, setup_dir, teardown_dir),
	};

	log_init("test_common", 0, LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
