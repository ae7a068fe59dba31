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
	strcpy(dir, "/tmp/gwe-common.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
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
	log_setstderr(0);
	assert_int_equal(gwe_read_file(path, 4096, &buf, &len), 0);
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
		cmocka_unit_test_setup_teardown(test_log_one_line, setup_dir, teardown_dir),
	};

	log_init("test_common", 0, LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
